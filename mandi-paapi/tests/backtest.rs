//! The price-drop predictor backtested on the sandbox oracle.
//!
//! The quick test runs a small walk-forward on a seed the model was not tuned on and checks
//! the model beats both baselines and is calibrated. `MANDI_BACKTEST_FULL=1` (with optional
//! `MANDI_BACKTEST_SEED`, `MANDI_BACKTEST_PRODUCTS`, `MANDI_BACKTEST_YEARS`) runs a full-size
//! backtest and prints its report as JSON.

use mandi_paapi::sandbox::backtest::{BacktestConfig, run};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn full_backtest_when_asked() {
    if std::env::var("MANDI_BACKTEST_FULL").is_err() {
        return;
    }
    let mut config = BacktestConfig::new(
        env_or("MANDI_BACKTEST_SEED", 1),
        env_or("MANDI_BACKTEST_PRODUCTS", 300),
        env_or("MANDI_BACKTEST_YEARS", 2),
    );
    config.use_scorer = env_or("MANDI_BACKTEST_SCORER", 1) == 1;
    // Model settings to try (JSON of `PredictSettings`), for tuning on the tuning seed.
    if let Ok(json) = std::env::var("MANDI_BACKTEST_SETTINGS").map(|s| s.trim().to_owned())
        && !json.is_empty()
    {
        match serde_json::from_str(&json) {
            Ok(settings) => config.settings = settings,
            Err(e) => panic!("MANDI_BACKTEST_SETTINGS: {e}"),
        }
    }
    let started = std::time::Instant::now();
    let report = run(&config);
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    println!("elapsed {:?}", started.elapsed());
}

/// Seed 2 was never used for tuning (the model and the baselines were fitted on seed 1).
#[test]
fn predictor_is_calibrated_and_beats_both_baselines_on_a_held_out_seed() {
    let mut config = BacktestConfig::new(2, 24, 1);
    config.use_scorer = false;
    let report = run(&config);
    assert_eq!(report.products, 24);
    assert!(report.predictions > 1_000, "{}", report.predictions);
    let brier = report.brier.unwrap_or(1.0);
    let buy_now = report.buy_now_brier.unwrap_or(0.0);
    let next_sale = report.next_sale_brier.unwrap_or(0.0);
    assert!(
        brier < buy_now && brier < next_sale,
        "model {brier:.4}, buy now {buy_now:.4}, next sale {next_sale:.4}"
    );
    // Skill over the literal baselines (probability 0, or 0/1 by the sale calendar).
    assert!(brier < 0.8 * report.next_sale_literal_brier.unwrap_or(0.0));
    assert!(brier < 0.8 * report.buy_now_literal_brier.unwrap_or(0.0));
    // Calibration: in every decile with enough forecasts, what happened is close to what was
    // predicted.
    for bin in report.calibration.iter().filter(|b| b.count >= 150) {
        let (Some(predicted), Some(observed)) = (bin.mean_predicted, bin.observed) else {
            continue;
        };
        assert!(
            (predicted - observed).abs() <= 0.12,
            "decile {:.1}: predicted {predicted:.3}, observed {observed:.3} ({} forecasts)",
            bin.from,
            bin.count
        );
    }
    // "Wait" is right more often than not, and following the advice saves money.
    assert!(report.wait_precision.unwrap_or(0.0) > 0.6);
    assert!(report.savings_paise > 0);
}
