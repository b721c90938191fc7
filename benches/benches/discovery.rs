//! Query understanding (`mandi_core::discovery::parse_query`): every query of the discovery
//! corpus (English, Hinglish, Hindi; `mandi-core/tests/discovery_corpus.jsonl`) parsed in
//! turn, and three typical queries on their own.
//!
//! `docs/benchmarks.md` ("Discovery: query parsing") records the figures and the command.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mandi_core::discovery::parse_query;

const CORPUS: &str = include_str!("../../mandi-core/tests/discovery_corpus.jsonl");

fn queries() -> Vec<String> {
    CORPUS
        .lines()
        .filter_map(|l| {
            let start = l.find("\"q\": \"")? + 6;
            let rest = &l[start..];
            let end = rest.find("\", \"lang\"")?;
            Some(rest[..end].replace("\\\"", "\""))
        })
        .collect()
}

fn parse(c: &mut Criterion) {
    let corpus = queries();
    assert!(corpus.len() >= 300, "{} queries", corpus.len());
    // Warm the lexicon (built once per process).
    black_box(parse_query("warm up"));
    let mut group = c.benchmark_group("discovery");
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("parse_corpus", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for q in &corpus {
                n += parse_query(black_box(q)).features.len();
            }
            black_box(n)
        })
    });
    group.throughput(Throughput::Elements(1));
    for (name, q) in [
        (
            "english",
            "gaming laptop under 80k with RTX 4060 16gb ram, 4+ rating",
        ),
        ("hinglish", "boAt earbuds 1k ke andar sabse sasta"),
        ("hindi", "80 हज़ार से कम में लैपटॉप"),
    ] {
        group.bench_function(format!("parse_{name}"), |b| {
            b.iter(|| parse_query(black_box(q)))
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
