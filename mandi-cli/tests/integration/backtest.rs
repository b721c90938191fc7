//! `mandi backtest`: the predictor's backtest on the sandbox oracle, as JSON and as text.

use serde::Deserialize;

use crate::util::assert_one_line_error;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Doc {
    Backtest(Report),
}

#[derive(Debug, Deserialize)]
struct Bin {
    count: u64,
}

#[derive(Debug, Deserialize)]
struct Report {
    seed: u64,
    products: usize,
    predictions: u64,
    brier: f64,
    baseline_brier: f64,
    savings_paise: i64,
    calibration: Vec<Bin>,
}

mtest!(backtest_prints_its_metrics_as_json, |dir, cmd| {
    let Doc::Backtest(report) = cmd
        .args([
            "backtest",
            "--seed",
            "3",
            "--products",
            "6",
            "--years",
            "1",
            "--no-score",
        ])
        .json();
    assert_eq!((report.seed, report.products), (3, 6));
    assert_eq!(
        report.calibration.iter().map(|b| b.count).sum::<u64>(),
        report.predictions
    );
    assert!(report.predictions > 250, "{}", report.predictions);
    assert!(report.brier > 0.0 && report.brier < report.baseline_brier);
    // Money is whole paise (an integer in the JSON), and following the advice saves some.
    assert!(report.savings_paise > 0, "{}", report.savings_paise);
});

mtest!(backtest_refuses_a_size_of_zero, |dir, cmd| {
    let err = cmd.args(["backtest", "--products", "0"]).fails_with(2);
    assert_one_line_error(&err);
    assert!(err.contains("--products"), "{err}");
});
