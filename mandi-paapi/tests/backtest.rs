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

/// Logistic regression by Newton's method (iteratively reweighted least squares) with a
/// small ridge on every weight but the intercept: the weights, in the features' order.
fn fit_logistic(rows: &[(Vec<f64>, bool)], ridge: f64) -> Vec<f64> {
    let k = rows.first().map_or(0, |(x, _)| x.len());
    let mut w = vec![0.0; k];
    for _ in 0..50 {
        let mut grad = vec![0.0; k];
        let mut hess = vec![vec![0.0; k]; k];
        for (x, y) in rows {
            let z: f64 = w.iter().zip(x).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let r = f64::from(u8::from(*y)) - p;
            let v = (p * (1.0 - p)).max(1e-9);
            for i in 0..k {
                grad[i] += r * x[i];
                for j in 0..k {
                    hess[i][j] += v * x[i] * x[j];
                }
            }
        }
        for i in 1..k {
            grad[i] -= ridge * w[i];
            hess[i][i] += ridge;
        }
        hess[0][0] += 1e-9;
        let step = solve(hess, grad);
        let largest = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
        for (wi, si) in w.iter_mut().zip(&step) {
            *wi += si;
        }
        if largest < 1e-10 {
            break;
        }
    }
    w
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        let d = a[col][col];
        if d.abs() < 1e-300 {
            continue;
        }
        let pivot_row = a[col].clone();
        for row in col + 1..n {
            let f = a[row][col] / d;
            if f == 0.0 {
                continue;
            }
            for (x, p) in a[row][col..n].iter_mut().zip(&pivot_row[col..n]) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
        x[row] = if a[row][row].abs() < 1e-300 {
            0.0
        } else {
            (b[row] - s) / a[row][row]
        };
    }
    x
}

fn brier_of(rows: &[(Vec<f64>, bool)], w: &[f64]) -> f64 {
    let total: f64 = rows
        .iter()
        .map(|(x, y)| {
            let z: f64 = w.iter().zip(x).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            (p - f64::from(u8::from(*y))).powi(2)
        })
        .sum();
    total / rows.len().max(1) as f64
}

/// Fits the stacking layer on seed 1 (the tuning seed; never seed 2) and checks the weights
/// committed in `Stacking::fitted` are the ones this fit gives. `MANDI_BACKTEST_FIT=1` runs
/// it (a full 300-product, 2-year walk, some minutes); `MANDI_BACKTEST_FIT_MASK` (a string of
/// 0/1 per feature) leaves features out to compare on two halves of the products.
#[test]
fn fit_stacking_on_seed_1() {
    use mandi_core::analytics::predict::{STACK_FEATURE_NAMES, Stacking};
    if std::env::var("MANDI_BACKTEST_FIT").is_err() {
        return;
    }
    let mut config = BacktestConfig::new(1, env_or("MANDI_BACKTEST_PRODUCTS", 300), 2);
    config.use_scorer = false;
    config.keep_rows = true;
    let report = run(&config);
    let mask: Vec<bool> = std::env::var("MANDI_BACKTEST_FIT_MASK")
        .map(|m| m.chars().map(|c| c == '1').collect())
        .unwrap_or_else(|_| vec![true; STACK_FEATURE_NAMES.len()]);
    let extra = std::env::var("MANDI_BACKTEST_FIT_EXTRA").is_ok();
    let rows: Vec<(Vec<f64>, bool)> = report
        .rows
        .iter()
        .map(|(x, y)| {
            let mut kept: Vec<f64> = x
                .iter()
                .zip(&mask)
                .filter(|(_, m)| **m)
                .map(|(v, _)| *v)
                .collect();
            if extra {
                for (i, j) in [
                    (8, 16),
                    (11, 11),
                    (2, 5),
                    (2, 6),
                    (8, 11),
                    (2, 2),
                    (13, 5),
                    (1, 1),
                ] {
                    kept.push(x[i] * x[j]);
                }
            }
            (kept, *y)
        })
        .collect();
    assert_eq!(rows.len() as u64, report.predictions);
    let ridge = 1.0;
    // Two halves of the products (alternate runs of about one product's predictions): fit on
    // one, score the other (model selection on seed 1), against the model's own Brier there.
    let per_product = rows.len() / report.products.max(1);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (i, row) in rows.iter().enumerate() {
        if (i / per_product.max(1)).is_multiple_of(2) {
            a.push(row.clone());
        } else {
            b.push(row.clone());
        }
    }
    let own = |rows: &[(Vec<f64>, bool)]| {
        rows.iter()
            .map(|(x, y)| {
                let p = 1.0 / (1.0 + (-x[1]).exp());
                (p - f64::from(u8::from(*y))).powi(2)
            })
            .sum::<f64>()
            / rows.len().max(1) as f64
    };
    let wa = fit_logistic(&a, ridge);
    let wb = fit_logistic(&b, ridge);
    println!(
        "model brier {:?}; halves: model {:.5} / {:.5}, stacked out of sample {:.5} / {:.5}",
        report.brier,
        own(&a),
        own(&b),
        brier_of(&a, &wb),
        brier_of(&b, &wa)
    );
    let w = fit_logistic(&rows, ridge);
    println!("in-sample stacked brier {:.5}", brier_of(&rows, &w));
    for (name, weight) in STACK_FEATURE_NAMES
        .iter()
        .zip(&mask)
        .filter(|(_, m)| **m)
        .map(|(n, _)| n)
        .zip(&w)
    {
        println!("{name:>20} {weight:+.6}");
    }
    println!("{w:?}");
    if mask.iter().all(|m| *m) && !extra {
        let committed = Stacking::fitted().weights;
        for (got, want) in w.iter().zip(&committed) {
            assert!(
                (got - want).abs() < 1e-4,
                "fitted {w:?}, committed {committed:?}"
            );
        }
    }
}
