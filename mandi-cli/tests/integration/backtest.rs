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

/// A backtest small enough for a test: seed 3, 6 products, 1 year, no deal scorer.
const SMALL_BACKTEST: [&str; 8] = [
    "backtest",
    "--seed",
    "3",
    "--products",
    "6",
    "--years",
    "1",
    "--no-score",
];

mtest!(backtest_prints_its_metrics_as_json, |dir, cmd| {
    let Doc::Backtest(report) = cmd.args(SMALL_BACKTEST).json();
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

mtest!(predict_gives_a_probability_and_a_verdict, |dir, cmd| {
    let s = mandi_paapi::sandbox::Catalog::for_seed(42).sample();
    let doc: serde_json::Value = cmd.args(["predict", s.laptop.as_str()]).json();
    assert_eq!(doc["type"], "forecast");
    let p = doc["data"]["prediction"]["probability"]
        .as_f64()
        .expect("a probability");
    assert!((0.0..=1.0).contains(&p), "{p}");
    let verdict = doc["data"]["advice"]["verdict"]
        .as_str()
        .expect("a verdict");
    assert!(
        ["buy_now", "wait", "unavailable"].contains(&verdict),
        "{verdict}"
    );
    assert!(
        doc["data"]["prediction"]["reasons"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );
});

mtest!(predict_refuses_a_drop_of_100_percent, |dir, cmd| {
    let err = cmd
        .args(["predict", "B0CX59H5W7", "--drop", "100"])
        .fails_with(2);
    assert_one_line_error(&err);
    assert!(err.contains("--drop"), "{err}");
});

mtest!(report_lists_the_market_and_draws_its_index, |dir, cmd| {
    let s = mandi_paapi::sandbox::Catalog::for_seed(42).sample();
    let empty = dir.mandi().args(["report"]).output();
    assert_eq!(
        empty.status.code(),
        Some(1),
        "nothing seen, nothing to report"
    );
    dir.mandi()
        .args(["watch", "add", s.laptop.as_str()])
        .stdout();
    let doc: serde_json::Value = cmd.args(["report", "--period", "month"]).json();
    assert_eq!(doc["type"], "market_report");
    assert_eq!(doc["data"]["period"], "month");
    assert_eq!(doc["data"]["products"], 1);
    let text = dir.mandi().args(["report"]).stdout();
    assert!(
        text.contains("Biggest drops") && text.contains("Sales ahead"),
        "{text}"
    );
    let err = dir
        .mandi()
        .args(["report", "--period", "year"])
        .fails_with(2);
    assert_one_line_error(&err);
    assert!(err.contains("--period"), "{err}");
});

mtest!(recommend_learns_a_profile_from_watches, |dir, cmd| {
    let s = mandi_paapi::sandbox::Catalog::for_seed(42).sample();
    let empty = dir.mandi().args(["recommend"]).output();
    assert_eq!(
        empty.status.code(),
        Some(1),
        "no watches, nothing to learn from"
    );
    let err = dir
        .mandi()
        .args(["recommend", "--limit", "0"])
        .fails_with(2);
    assert_one_line_error(&err);
    cmd.args(["watch", "add", s.laptop.as_str(), "--drop", "10%"])
        .stdout();
    let o = dir.mandi().args(["recommend", "--json"]).output();
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(doc["type"], "recommendations");
    let profile = &doc["data"]["profile"];
    assert_eq!(profile["signals"]["watches"], 1);
    assert_eq!(profile["price_sensitivity_bps"], 1000);
    assert_eq!(
        profile["categories"].as_array().map(Vec::len),
        Some(1),
        "{profile}"
    );
});

// Issue 14: every share in the text reads as `Bps` shows it (`5%`, `42.37%`), never `42 %`.
mtest!(
    predict_and_backtest_text_show_shares_through_bps,
    |dir, cmd| {
        let s = mandi_paapi::sandbox::Catalog::for_seed(42).sample();
        let text = cmd.args(["predict", s.laptop.as_str()]).stdout();
        assert!(
            text.contains("Chance of a drop of 5% or more within 30 days: "),
            "{text}"
        );
        assert!(!text.contains(" %"), "{text}");
        let text = dir.mandi().args(SMALL_BACKTEST).stdout();
        assert!(
            text.contains("Drops of 5% or more within 30 days happened "),
            "{text}"
        );
        assert!(!text.contains(" %"), "{text}");
    }
);
