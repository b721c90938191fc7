//! Analytics benchmarks: scoring one product against a year of hourly history, summarising
//! it, and rendering its chart.
//!
//! Run: `cargo bench -p mandi-benches --bench analytics`

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use mandi_core::analytics::{HistoryScorer, summarize};
use mandi_core::charts::{ChartOptions, render_price_chart};
use mandi_core::{
    Asin, Availability, Currency, DataOrigin, Marketplace, Merchant, Money, Offer, OfferKind,
    PricePoint, Product, Reviews, ScoreInput, Scorer,
};

/// A year of hourly buy-box prices with seeded noise, a festival drop and some gaps.
fn hourly_year(seed: u64) -> (Vec<PricePoint>, DateTime<Utc>) {
    let asin: Asin = "B0CX59H5W7".parse().expect("asin");
    let start = Utc
        .with_ymd_and_hms(2025, 11, 1, 0, 0, 0)
        .single()
        .expect("date");
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let hours = 365 * 24;
    let points = (0..hours)
        .map(|h| {
            let r = next();
            let unknown = r % 200 == 0;
            let festival = (330 * 24..345 * 24).contains(&h);
            let base: i64 = if festival { 4_799_900 } else { 5_499_900 };
            let noise = i64::try_from(r % 60_000).unwrap_or(0);
            PricePoint {
                marketplace: Marketplace::India,
                asin,
                offer_kind: OfferKind::BuyBox,
                at: start + Duration::hours(h),
                price: (!unknown).then(|| Money::from_minor(base + noise, Currency::INR)),
                list_price: Some(Money::from_minor(6_999_900, Currency::INR)),
                availability: if unknown {
                    Availability::Unknown
                } else {
                    Availability::InStock
                },
                deal_badge: None,
                origin: DataOrigin::Api,
            }
        })
        .collect();
    (points, start + Duration::hours(hours))
}

fn product(now: DateTime<Utc>) -> Product {
    let asin: Asin = "B0CX59H5W7".parse().expect("asin");
    let mut p = Product::new(asin, Marketplace::India, "Bench phone", now);
    let mut offer = Offer::new(
        Some(Money::from_minor(4_799_900, Currency::INR)),
        Availability::InStock,
    );
    offer.list_price = Some(Money::from_minor(6_999_900, Currency::INR));
    offer.merchant = Merchant {
        id: None,
        name: Some("Amazon".into()),
        fulfilled_by_amazon: true,
    };
    p.offers.push(offer);
    p.reviews = Some(Reviews {
        rating_centi: 430,
        count: 18_000,
    });
    p
}

fn bench(c: &mut Criterion) {
    let (history, now) = hourly_year(7);
    let product = product(now);
    let scorer = HistoryScorer::default();
    c.bench_function(
        "score one product, a year of hourly history (8,760 points)",
        |b| {
            b.iter(|| {
                black_box(scorer.score(&ScoreInput {
                    product: black_box(&product),
                    history: black_box(&history),
                    now,
                }))
            })
        },
    );
    // The same year whose last 20 days run under an MRP raised by 30 % (a fake sale's
    // run-up and "sale"): the scorer's slower path (walk back to the raise, usual price
    // before it).
    let mut raised = history.clone();
    let raised_from = now - Duration::days(20);
    for p in raised.iter_mut().filter(|p| p.at >= raised_from) {
        p.list_price = Some(Money::from_minor(9_099_900, Currency::INR));
    }
    let mut fake_product = product.clone();
    fake_product.offers[0].list_price = Some(Money::from_minor(9_099_900, Currency::INR));
    c.bench_function(
        "score one product, a year of hourly history, MRP raised 20 days ago",
        |b| {
            b.iter(|| {
                black_box(scorer.score(&ScoreInput {
                    product: black_box(&fake_product),
                    history: black_box(&raised),
                    now,
                }))
            })
        },
    );
    c.bench_function("summarise a year of hourly history", |b| {
        b.iter(|| black_box(summarize(black_box(&history), now)))
    });
    let options = ChartOptions {
        days: 90,
        ..ChartOptions::default()
    };
    c.bench_function("render a 90-day chart PNG (1000x500)", |b| {
        b.iter(|| black_box(render_price_chart(black_box(&history), now, &options)))
    });
    let mini = ChartOptions::mini(90);
    c.bench_function("render a 90-day mini chart PNG (600x300)", |b| {
        b.iter(|| black_box(render_price_chart(black_box(&history), now, &mini)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
