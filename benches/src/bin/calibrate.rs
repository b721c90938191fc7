//! Calibrates the deal scorer against the sandbox oracle: precision and recall of the
//! fake-sale verdict and of "good deal" (score ≥ 70) over one simulated year.
//!
//! Run: `cargo run --release -p mandi-benches --bin calibrate` (300 products, hourly
//! observations, a score every 6 hours through 2026). Optional arguments: the number of
//! products, then the seed (`-- 100 7`). Prints the Markdown tables `docs/benchmarks.md`
//! holds. See `mandi_benches::calibration` for the truth definitions.

use mandi_benches::calibration::{CalibrationConfig, markdown, run};
use mandi_core::analytics::HistoryScorer;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut config = CalibrationConfig::full();
    if let Some(n) = args.next().and_then(|a| a.parse().ok()) {
        config.products = n;
    }
    if let Some(seed) = args.next().and_then(|a| a.parse().ok()) {
        config.seed = seed;
    }
    let started = std::time::Instant::now();
    let report = run(&config, &HistoryScorer::default());
    print!("{}", markdown(&config, &report));
    eprintln!("took {:.1} s", started.elapsed().as_secs_f64());
}
