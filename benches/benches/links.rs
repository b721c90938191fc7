//! Parsing Amazon links out of chat messages (`mandi_core::links::parse_product_link`):
//! a seeded corpus of 1,000 messages of mixed shapes, and one long SEO link on its own.
//!
//! `docs/benchmarks.md` ("Amazon link parsing") records the figures and the command.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mandi_benches::links::messages;
use mandi_core::links::parse_product_link;

const SEO_LINK: &str = "https://www.amazon.in/Redmi-Arctic-White-256GB-Storage/dp/B0CX59H5W7/ref=sr_1_3?crid=2M1X&dib=eyJ2&keywords=redmi+note+13&qid=1718000000&sprefix=redmi%2Caps%2C312&sr=8-3";

fn parse(c: &mut Criterion) {
    let corpus = messages(42, 1_000);
    let found = corpus
        .iter()
        .filter(|m| parse_product_link(m).is_ok())
        .count();
    // The corpus is what it says: most messages hold a product, some do not.
    assert!(
        (600..800).contains(&found),
        "{found} products in the corpus"
    );

    let mut group = c.benchmark_group("links");
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("parse_1000_messages", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for m in &corpus {
                ok += usize::from(parse_product_link(black_box(m)).is_ok());
            }
            black_box(ok)
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse_one_seo_link", |b| {
        b.iter(|| parse_product_link(black_box(SEO_LINK)).map(|p| p.asin))
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
