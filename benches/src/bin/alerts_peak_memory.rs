//! Peak memory of the rule engine's working set: N watches (default 100,000) with their rule
//! states, the index and one observation per product, after one evaluation round.
//!
//! Run: `cargo run --release -p mandi-benches --bin alerts_peak_memory -- 100000`
//! Prints the process's peak resident set (`VmHWM` from `/proc/self/status`) before and after.

use mandi_benches::alerts::{alert_corpus, next_round};
use mandi_core::alerts::RuleEngine;

fn status_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    let watches: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let products = (watches / 10).max(1);
    let before = status_kib("VmHWM:").unwrap_or(0);
    let mut corpus = alert_corpus(watches, products, 42);
    let engine = RuleEngine::default();
    let mut alerts = 0;
    for round in 1..=3 {
        next_round(&mut corpus, round);
        alerts += engine
            .evaluate_batch(
                &corpus.watches,
                &mut corpus.states,
                &corpus.index,
                &corpus.observations,
                2,
            )
            .len();
    }
    let after = status_kib("VmHWM:").unwrap_or(0);
    println!(
        "watches={watches} products={products} alerts_in_3_rounds={alerts} \
         peak_rss_before_kib={before} peak_rss_after_kib={after} \
         working_set_mib={:.1} bytes_per_watch={:.0}",
        (after.saturating_sub(before)) as f64 / 1024.0,
        (after.saturating_sub(before) * 1024) as f64 / watches as f64
    );
}
