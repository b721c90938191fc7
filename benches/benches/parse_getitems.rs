//! Parsing a ten-item Creators API `getItems` reply with every resource: bytes to wire
//! model (`decode`), and bytes to domain `Product`s (`decode_and_map`).
//!
//! The same bytes are parsed by python-amazon-paapi 7.x in `benches/python/parse_getitems.py`;
//! `docs/benchmarks.md` ("Parsing getItems") records both and the ratio.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mandi_core::Marketplace;
use mandi_paapi::creators::model::GetItemsResponse;
use mandi_paapi::creators::wire::MapContext;
use mandi_paapi::transport::decode_json;

const REPLY: &str = include_str!("../../mandi-paapi/tests/resources/creators_getItems_full10.json");

fn parse(c: &mut Criterion) {
    let ctx = MapContext {
        source_name: "creators",
        marketplace: Marketplace::India,
        currency: Marketplace::India.currency(),
        fetched_at: Utc
            .with_ymd_and_hms(2026, 11, 25, 6, 0, 0)
            .single()
            .expect("a valid time"),
        pascal: false,
    };
    let mut group = c.benchmark_group("parse_getitems_10");
    group.throughput(Throughput::Bytes(REPLY.len() as u64));
    group.bench_function("decode", |b| {
        b.iter(|| {
            let reply: GetItemsResponse =
                decode_json("creators", black_box(REPLY.as_bytes())).expect("bench input is valid");
            black_box(reply)
        })
    });
    group.bench_function("decode_and_map", |b| {
        b.iter(|| {
            let reply: GetItemsResponse =
                decode_json("creators", black_box(REPLY.as_bytes())).expect("bench input is valid");
            let products: Vec<_> = reply
                .items_result
                .iter()
                .flat_map(|r| r.items.iter().flatten())
                .map(|item| {
                    item.to_product(&ctx, "items")
                        .expect("bench input is valid")
                })
                .collect();
            assert_eq!(products.len(), 10);
            black_box(products)
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
