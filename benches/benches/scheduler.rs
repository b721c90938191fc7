//! Scheduler benchmark.
//!
//! 1. A simulation on a manual clock (printed table): ASINs per call at steady state and the
//!    time between two refreshes of a product against the physical limit N / (10 × TPS), for
//!    N = 1,000 and 50,000 at 1 TPS, batched (10 per call) and one ASIN per call (the
//!    original design), batched with 20 % injected faults, and batched at the sandbox's daily
//!    quota (8,640 a day, paced).
//! 2. Criterion: the planning core's cost per call (plan + record the batch) at N = 50,000.

use std::hint::black_box;

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use mandi_benches::monitor_sim::{SimResult, simulate};
use mandi_core::monitor::fake::numbered_asins;
use mandi_core::monitor::{Planner, PlannerConfig, QuotaConfig};
use mandi_core::{Marketplace, Product, WatchedProduct};

fn row(label: &str, r: &SimResult) {
    println!(
        "| {label} | {} | {} | {} | {:.2} | {:.1} | {:.1} | {:.1} | {:.1} | {:+.2} % |",
        r.products,
        r.batch_size,
        r.calls,
        r.asins_per_call,
        r.limit_secs,
        r.mean_gap_secs,
        r.p95_gap_secs,
        r.max_gap_secs,
        (r.mean_gap_secs / r.limit_secs - 1.0) * 100.0
    );
}

fn simulation_table() {
    println!();
    println!(
        "| run | N | ASINs/call cap | calls measured | ASINs per call | limit (s) | mean gap (s) | p95 gap (s) | max gap (s) | mean vs limit |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for n in [1_000, 50_000] {
        let batched = simulate(n, 10, QuotaConfig::rate_only(1.0), 0, 1, 2);
        row("1 TPS, batched", &batched);
        let single = simulate(n, 1, QuotaConfig::rate_only(1.0), 0, 1, 1);
        row("1 TPS, one ASIN per call", &single);
        let faulty = simulate(n, 10, QuotaConfig::rate_only(1.0), 20, 1, 2);
        row("1 TPS, batched, 20 % faults", &faulty);
    }
    for n in [1_000, 50_000] {
        let daily = simulate(n, 10, QuotaConfig::sandbox(), 0, 1, 2);
        row("8,640/day paced, batched", &daily);
    }
    println!();
}

fn planner_cost(c: &mut Criterion) {
    let start = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
    let watched: Vec<WatchedProduct> = numbered_asins(1, 50_000)
        .into_iter()
        .map(|asin| WatchedProduct {
            marketplace: Marketplace::India,
            asin,
            watchers: 1,
        })
        .collect();
    let mut planner = Planner::new(PlannerConfig::as_fresh_as_possible());
    planner.sync(&watched, start);
    let mut now = start;
    c.bench_function("planner: plan + record a batch of 10, N = 50,000", |b| {
        b.iter(|| {
            now += TimeDelta::seconds(1);
            let plan = planner.plan(now).expect("products are planned");
            for asin in &plan.asins {
                planner.refreshed(&Product::new(*asin, Marketplace::India, "p", now));
            }
            black_box(plan.asins.len())
        })
    });
}

criterion_group!(benches, planner_cost);

fn main() {
    simulation_table();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
