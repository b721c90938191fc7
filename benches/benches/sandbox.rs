//! The sandbox marketplace's hot paths: generating the catalogue (target: a few ms to
//! 100 ms), one true offer from the oracle, and a year of events for one item.

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use mandi_paapi::sandbox::{Catalog, Oracle};

fn bench(c: &mut Criterion) {
    c.bench_function("sandbox: generate the catalogue (~2,000 items)", |b| {
        b.iter(|| Catalog::generate(std::hint::black_box(7)).len())
    });
    let oracle = Oracle::new(Catalog::for_seed(7));
    let asins: Vec<_> = oracle.catalog().asins().collect();
    let t = Utc.with_ymd_and_hms(2026, 10, 20, 6, 0, 0).unwrap();
    let mut i = 0;
    c.bench_function("sandbox: one true offer", |b| {
        b.iter(|| {
            i = (i + 1) % asins.len();
            oracle.offer(asins[i], t)
        })
    });
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    c.bench_function("sandbox: a year of events for one item", |b| {
        b.iter(|| {
            i = (i + 1) % asins.len();
            oracle.events(asins[i], from, to).len()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
