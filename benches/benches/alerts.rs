//! Rule-engine benchmark: one round of price updates evaluated against all watches.
//!
//! Run: `cargo bench -p mandi-benches --bench alerts`
//!
//! The headline case is 1,000,000 watches against 100,000 price updates (one per product,
//! 10 watches each, 1–2 rules per watch) on 2 threads; the target is well under 1 s.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mandi_benches::alerts::{alert_corpus, next_round};
use mandi_core::alerts::RuleEngine;

fn bench(c: &mut Criterion) {
    let engine = RuleEngine::default();
    let mut group = c.benchmark_group("alerts");
    group.sample_size(10);
    for (watches, products) in [(1_000_000, 100_000), (100_000, 10_000)] {
        let mut corpus = alert_corpus(watches, products, 7);
        // Warm-up round: every watch gets its rule states, as in steady state.
        engine.evaluate_batch(
            &corpus.watches,
            &mut corpus.states,
            &corpus.index,
            &corpus.observations,
            2,
        );
        for threads in [2, 1] {
            let mut round = 1;
            group.bench_function(
                format!("evaluate {watches} watches x {products} updates, {threads} thread(s)"),
                |b| {
                    b.iter(|| {
                        round += 1;
                        next_round(&mut corpus, round);
                        black_box(engine.evaluate_batch(
                            &corpus.watches,
                            &mut corpus.states,
                            &corpus.index,
                            &corpus.observations,
                            threads,
                        ))
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
