//! Parsing a ten-item Creators API `getItems` reply with every resource into domain
//! `Product`s.
//!
//! * `client`: what `CreatorsApiSource::get_items` does with a reply's bytes: the borrowing
//!   views (`model::view::decode_get_items`), the mapping with the price checks
//!   (`model::view::products`) and the check against the ASINs asked for
//!   (`wire::assemble_items`);
//! * `owned`: the owned wire model the sandbox writes (`decode_json::<GetItemsResponse>`),
//!   then `Item::to_product`: the path the clients took before, kept for comparison.
//!
//! Each is measured on two renderings of the same reply: `compact` (38,710 bytes, the shape
//! the API sends: no whitespace between tokens; the 40 KB reply issue 13 names) and `pretty`
//! (78,715 bytes, the pretty-printed fixture the tests read). The same bytes are parsed by
//! python-amazon-paapi 7.x in `benches/python/parse_getitems.py`; `docs/benchmarks.md`
//! ("Parsing getItems") records both and the ratio.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mandi_core::{Asin, Marketplace};
use mandi_paapi::creators::model::{GetItemsResponse, view};
use mandi_paapi::creators::wire::{self, MapContext};
use mandi_paapi::transport::decode_json;

/// The two renderings of one ten-item reply: (name, bytes).
const REPLIES: [(&str, &str); 2] = [
    (
        "compact",
        include_str!("../../mandi-paapi/tests/resources/creators_getItems_full10_compact.json"),
    ),
    (
        "pretty",
        include_str!("../../mandi-paapi/tests/resources/creators_getItems_full10.json"),
    ),
];

fn parse(c: &mut Criterion) {
    for (rendering, reply) in REPLIES {
        parse_one(c, rendering, reply);
    }
}

fn parse_one(c: &mut Criterion, rendering: &str, reply_text: &'static str) {
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
    let asked: Vec<Asin> = {
        let reply: GetItemsResponse =
            decode_json("creators", reply_text.as_bytes()).expect("bench input is valid");
        reply
            .items_result
            .iter()
            .flat_map(|r| r.items.iter().flatten())
            .map(|i| i.asin.parse().expect("valid ASIN"))
            .collect()
    };
    let mut group = c.benchmark_group(format!("parse_getitems_10_{rendering}"));
    group.throughput(Throughput::Bytes(reply_text.len() as u64));
    group.bench_function("client", |b| {
        b.iter(|| {
            let decoded = view::decode_get_items("creators", black_box(reply_text.as_bytes()))
                .expect("bench input is valid");
            let items = view::products(decoded.items, &ctx, "itemsResult.items");
            let errors = decoded
                .errors
                .into_iter()
                .map(view::ErrorView::into_pair)
                .collect();
            let chunk =
                wire::assemble_items("creators", &asked, items, "itemsResult.items", errors)
                    .expect("bench input is valid");
            assert_eq!(chunk.products.len(), 10);
            black_box(chunk)
        })
    });
    // The decoding step of `client` alone (borrowing views, no domain values), and the
    // floor for any serde_json decoding of these bytes: skipping them as `IgnoredAny`.
    group.bench_function("client_decode_only", |b| {
        b.iter(|| {
            let decoded = view::decode_get_items("creators", black_box(reply_text.as_bytes()))
                .expect("bench input is valid");
            assert_eq!(decoded.items.len(), 10);
            black_box(decoded)
        })
    });
    group.bench_function("serde_json_skip_floor", |b| {
        b.iter(|| {
            let skipped: serde::de::IgnoredAny =
                serde_json::from_slice(black_box(reply_text.as_bytes())).expect("JSON");
            black_box(skipped)
        })
    });
    group.bench_function("owned", |b| {
        b.iter(|| {
            let reply: GetItemsResponse = decode_json("creators", black_box(reply_text.as_bytes()))
                .expect("bench input is valid");
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
