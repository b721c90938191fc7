//! Market report figures against values computed independently from the sandbox oracle.
//!
//! A store is filled with 60 sandbox products observed every 6 hours for 40 days (each
//! product in a browse node named after its sandbox category). The report's biggest drops,
//! new lows and category indexes are then recomputed straight from the oracle's true prices
//! (no store, no `mandi_core::market` code) and compared.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::catalog::CatalogService;
use mandi_core::market::{MarketService, ReportPeriod, ReportRequest};
use mandi_core::monitor::fake::FakeSource;
use mandi_core::store::MemoryStore;
use mandi_core::{
    Asin, BrowseNode, DataOrigin, ManualClock, Marketplace, OfferKind, PricePoint, Product, Store,
};
use mandi_paapi::sandbox::{Catalog, Oracle};

const STEP_HOURS: i64 = 6;

fn node(name: &str) -> BrowseNode {
    BrowseNode {
        id: format!("node-{name}"),
        name: name.to_owned(),
        context_free_name: None,
        is_root: false,
        ancestors: vec![mandi_core::BrowseNodeRef {
            id: "root".to_owned(),
            name: "Everything".to_owned(),
        }],
        children: Vec::new(),
        sales_rank: None,
    }
}

/// The oracle's last in-stock price at or before `at` on the observation grid.
fn true_last(oracle: &Oracle, asin: Asin, first: DateTime<Utc>, at: DateTime<Utc>) -> Option<i64> {
    let mut t = at;
    while t >= first {
        if let Some(p) = oracle.offer(asin, t).and_then(|o| o.price) {
            return Some(p.minor());
        }
        t -= Duration::hours(STEP_HOURS);
    }
    None
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[tokio::test]
async fn report_figures_match_the_oracle() {
    let oracle = Oracle::new(Catalog::for_seed(3));
    // A month that holds the Great Indian Festival's start, so prices move.
    let now = Utc.with_ymd_and_hms(2026, 10, 10, 0, 0, 0).unwrap();
    let first = now - Duration::days(40);
    let asins: Vec<Asin> = oracle.catalog().asins().step_by(97).take(60).collect();
    let store = Arc::new(MemoryStore::new());
    for asin in &asins {
        let category = oracle.catalog().category_name(*asin).unwrap();
        let mut product = Product::new(
            *asin,
            Marketplace::India,
            oracle.catalog().title(*asin).unwrap(),
            first,
        );
        product.browse_nodes = vec![node(category)];
        store.upsert_product(&product).await.unwrap();
        let mut points = Vec::new();
        let mut t = first;
        while t <= now {
            let offer = oracle.offer(*asin, t).unwrap();
            points.push(PricePoint {
                marketplace: Marketplace::India,
                asin: *asin,
                offer_kind: OfferKind::BuyBox,
                at: t,
                price: offer.price,
                list_price: None,
                availability: offer.availability,
                deal_badge: offer.deal.as_ref().map(|d| d.badge.clone()),
                origin: DataOrigin::Api,
            });
            t += Duration::hours(STEP_HOURS);
        }
        store.record_prices(&points).await.unwrap();
    }
    let clock = Arc::new(ManualClock::new(now));
    let source = Arc::new(FakeSource::new(clock.clone(), 0, 1));
    let catalog = CatalogService::new(source, store, clock);
    let service = MarketService::new(catalog);
    let request = ReportRequest {
        marketplace: Marketplace::India,
        category: None,
        period: ReportPeriod::Month,
        limit: 10,
    };
    let report = service.report(&request).await.unwrap();
    let from = now - Duration::days(30);
    assert_eq!(report.from, from);

    // Independently: each product's price at the start and now, its lows before and during.
    let mut expected_drops: Vec<(i64, Asin)> = Vec::new();
    let mut expected_lows: Vec<Asin> = Vec::new();
    let mut priced = 0;
    let mut ratios: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for asin in &asins {
        let Some(end) = true_last(&oracle, *asin, first, now) else {
            continue;
        };
        priced += 1;
        let start = true_last(&oracle, *asin, first, from);
        if let Some(start) = start {
            let change =
                -((i128::from(start) - i128::from(end)) * 10_000 / i128::from(start)) as i64;
            if change < 0 {
                expected_drops.push((change, *asin));
            }
            ratios
                .entry(oracle.catalog().category_name(*asin).unwrap())
                .or_default()
                .push(end as f64 / start as f64 * 100.0);
        }
        let mut before = i64::MAX;
        let mut during = i64::MAX;
        let mut t = first;
        while t <= now {
            if let Some(p) = oracle.offer(*asin, t).and_then(|o| o.price) {
                if t <= from {
                    before = before.min(p.minor());
                } else {
                    during = during.min(p.minor());
                }
            }
            t += Duration::hours(STEP_HOURS);
        }
        if before != i64::MAX && end < before && end <= during {
            expected_lows.push(*asin);
        }
    }
    assert_eq!(report.products, priced);
    expected_drops.sort();
    let got: Vec<(i64, Asin)> = report
        .biggest_drops
        .iter()
        .map(|m| (m.change_bps, m.asin))
        .collect();
    assert!(!got.is_empty(), "a festival month moves prices");
    assert_eq!(got, expected_drops.into_iter().take(10).collect::<Vec<_>>());
    let got_lows: Vec<Asin> = report.new_lows.iter().map(|l| l.asin).collect();
    assert!(!expected_lows.is_empty(), "some product reaches a new low");
    assert_eq!(got_lows.len(), expected_lows.len().min(10));
    assert!(got_lows.iter().all(|a| expected_lows.contains(a)));
    assert!(!report.categories.is_empty());
    for c in &report.categories {
        let expected = median(ratios.remove(c.name.as_str()).unwrap());
        assert!(
            (c.change_percent - (expected - 100.0)).abs() < 1e-9,
            "{}: {} vs {}",
            c.name,
            c.change_percent,
            expected - 100.0
        );
    }
    assert!(ratios.is_empty(), "every category reported: {ratios:?}");
    // The festival is on the calendar ahead (or running).
    assert!(
        report
            .upcoming_sales
            .iter()
            .any(|s| s.name.contains("Great Indian Festival")),
        "{:?}",
        report.upcoming_sales
    );
    let text = report.to_text();
    assert!(text.contains("Biggest drops"));
    assert!(text.contains(&report.biggest_drops[0].to.display_short()));
    // The category filter keeps one category.
    let one = report.categories[0].clone();
    let filtered = service
        .report(&ReportRequest {
            category: Some(one.id.clone()),
            ..request.clone()
        })
        .await
        .unwrap();
    assert_eq!(filtered.categories.len(), 1);
    assert_eq!(filtered.categories[0].change_percent, one.change_percent);
}
