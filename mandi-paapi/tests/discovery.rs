//! Issue #17's proof on the sandbox marketplace (in-process, loopback): a comparison of two
//! real sandbox products, a similar-products list whose first results share the category, a
//! parsed search answered with the API's filters, and a suggested watch target that the
//! oracle shows was reached in the past.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::Asin;
use mandi_core::catalog::CatalogService;
use mandi_core::discovery::{DiscoveryService, Intent, TargetKind, parse_query};
use mandi_core::store::MemoryStore;
use mandi_core::{Clock, ManualClock, Marketplace, Store};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::{Catalog, Oracle, RunningSandbox, Sandbox};

const IN: Marketplace = Marketplace::India;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 6, 0, 0).unwrap()
}

/// The first product of a category that the oracle prices at `at` and, when `dearer_than_low`,
/// whose price at the end of `days` (12-hour steps) is above its low of the last 90 days.
fn pick(oracle: &Oracle, category: &str, days: i64, dearer_than_low: bool) -> Asin {
    let catalog = oracle.catalog().clone();
    catalog
        .asins()
        .filter(|a| catalog.category_name(*a) == Some(category))
        .find(|a| {
            let price = |t| oracle.offer(*a, t).and_then(|o| o.price).map(|m| m.minor());
            if price(t0()).is_none() {
                return false;
            }
            if !dearer_than_low {
                return true;
            }
            let end = t0() + Duration::hours(12 * (days * 2 - 1));
            let Some(last) = price(end) else { return false };
            let low = (0..180)
                .filter_map(|k| price(end - Duration::hours(12 * k)))
                .min();
            low.is_some_and(|l| l < last)
        })
        .expect("a product of the category")
}

async fn setup(clock: &ManualClock) -> (RunningSandbox, DiscoveryService) {
    let sandbox = Sandbox::builder()
        .seed(42)
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let source = Arc::new(sandbox.creators_source(CredentialVersion::V2_2).unwrap());
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let catalog = CatalogService::new(source, store, Arc::new(clock.clone()));
    (sandbox, DiscoveryService::new(catalog))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_two_real_sandbox_products() {
    let clock = ManualClock::new(t0());
    let (sandbox, discovery) = setup(&clock).await;
    let phone = pick(sandbox.oracle(), "phones", 1, false);
    let laptop = pick(sandbox.oracle(), "laptops", 1, false);
    let q = parse_query(&format!("{phone} vs {laptop}"));
    assert_eq!(q.intent, Intent::Compare);
    let c = discovery.compare(&q, IN).await.unwrap();
    assert_eq!(c.products.len(), 2);
    assert_eq!(c.products[0].product.asin, phone);
    assert_eq!(c.products[1].product.asin, laptop);
    for p in &c.products {
        assert!(p.price.is_some(), "{p:?}");
        assert!(p.rating_centi.is_some());
        assert!(p.deal.is_some());
        assert_eq!(
            p.low_90d, p.price,
            "one observation: the low is today's price"
        );
        assert!(!p.key_specs.is_empty(), "{}", p.product.title);
    }
    assert!(c.recommended == phone || c.recommended == laptop);
    assert!(!c.reasons.is_empty());

    // Compared by name: the product found carries the words named.
    let title = c.products[1].product.title.clone();
    let name: String = title.split(',').next().unwrap().to_owned();
    let q = parse_query(&format!("{phone} vs {name}"));
    let c = discovery.compare(&q, IN).await.unwrap();
    let found = c.products[1].product.title.to_lowercase();
    for w in name.split_whitespace() {
        assert!(found.contains(&w.to_lowercase()), "{w} not in {found}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn similar_products_share_the_category_first() {
    let clock = ManualClock::new(t0());
    let (_sandbox, discovery) = setup(&clock).await;
    let s = Catalog::for_seed(42).sample();
    for asin in [s.phone, s.laptop] {
        let (base, similar) = discovery.similar(IN, asin, 8).await.unwrap();
        let leaf = mandi_core::discovery::leaf_node(&base).unwrap();
        assert!(similar.len() >= 3, "{} similar to {asin}", similar.len());
        for r in similar.iter().take(3) {
            assert!(
                r.product.browse_nodes.iter().any(|n| n.id == leaf),
                "{} is not in {leaf}: {:?}",
                r.product.asin,
                r.reasons
            );
            assert_ne!(r.product.asin, asin);
            assert!(!r.reasons.is_empty());
        }
        // Ranked best first.
        assert!(similar.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parsed_search_respects_every_filter() {
    let clock = ManualClock::new(t0());
    let (_sandbox, discovery) = setup(&clock).await;
    let q = parse_query("gaming laptop under 1.5 lakh with rtx 4060, 4+ rating");
    let answer = discovery.search(&q, IN, None).await.unwrap();
    assert_eq!(
        answer.request.browse_node_id.as_deref(),
        Some("22963796031")
    );
    assert_eq!(answer.request.min_reviews_rating, Some(4));
    assert!(!answer.results.is_empty(), "{answer:?}");
    for r in &answer.results {
        let p = &r.product;
        assert!(p.title.contains("RTX 4060"), "{}", p.title);
        assert!(p.price().unwrap().minor() <= 15_000_000);
        assert!(p.reviews.unwrap().rating_centi >= 400);
        assert!(
            r.reasons.iter().any(|w| w == "in Gaming Laptops"),
            "{:?}",
            r.reasons
        );
    }

    // Cheapest first when asked; Hindi.
    let q = parse_query("सबसे सस्ता फोन 20 हज़ार तक");
    let answer = discovery.search(&q, IN, None).await.unwrap();
    let prices: Vec<i64> = answer
        .results
        .iter()
        .map(|r| r.product.price().unwrap().minor())
        .collect();
    assert!(!prices.is_empty());
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    assert!(prices.iter().all(|p| *p <= 2_000_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suggested_target_was_reached_in_the_past_by_the_oracle() {
    let clock = ManualClock::new(t0());
    let (sandbox, discovery) = setup(&clock).await;
    let oracle = sandbox.oracle().clone();
    // Two observations a day for 200 days (the March–September sales included).
    let days = 200;
    let phone = pick(&oracle, "phones", days, true);
    for step in 0..days * 2 {
        clock.set(t0() + Duration::hours(12 * step));
        discovery.catalog().lookup(IN, &[phone]).await.unwrap();
    }
    let now = clock.now();
    let suggestions = discovery.suggest_targets(IN, phone).await.unwrap();
    assert!(suggestions.history_days >= days - 1);
    assert!(!suggestions.suggestions.is_empty());
    let reached = suggestions
        .suggestions
        .iter()
        .find(|t| matches!(t.kind, TargetKind::ReachedShareOf90Days { .. }))
        .expect("a share-of-90-days target");
    assert!(reached.fired_past_year >= 1);
    // The oracle's true prices at the moments observed: each holds until the next
    // observation (12 hours later); the last one until `now`.
    let observed: Vec<(DateTime<Utc>, DateTime<Utc>, Option<i64>)> = (0..days * 2)
        .map(|step| {
            let at = t0() + Duration::hours(12 * step);
            let until = (at + Duration::hours(12)).min(now);
            let price = oracle.offer(phone, at).and_then(|o| o.price);
            (at, until, price.map(|p| p.minor()))
        })
        .collect();
    // Entries into "at or below" from above (unknown prices skipped), and the share of the
    // known time spent at or below, from `from` on.
    let truth = |target: i64, from: DateTime<Utc>| -> (u32, i64, i64) {
        let (mut fired, mut above, mut below, mut total) = (0u32, true, 0i64, 0i64);
        for (at, until, price) in &observed {
            let start = (*at).max(from);
            if *until <= start {
                continue;
            }
            let Some(p) = price else { continue };
            let secs = (*until - start).num_seconds();
            total += secs;
            let hit = *p <= target;
            if hit {
                below += secs;
                if above {
                    fired += 1;
                }
            }
            above = !hit;
        }
        (fired, below, total)
    };
    // The product's sales in the run give a last-sale low too: both kinds are checked.
    assert!(
        suggestions
            .suggestions
            .iter()
            .any(|t| t.kind == TargetKind::LastSaleLow),
        "{:?}",
        suggestions.suggestions
    );
    let year_ago = now - Duration::days(365);
    for t in &suggestions.suggestions {
        let target = t.target.minor();
        let (fired, below, total) = truth(target, year_ago);
        assert_eq!(
            t.fired_past_year, fired,
            "{:?} at {}: the oracle's prices enter it {fired} times",
            t.kind, t.target
        );
        assert_eq!(
            i64::from(t.share_of_year_bps),
            below * 10_000 / total,
            "{:?} at {}: share of the year",
            t.kind,
            t.target
        );
        match t.kind {
            TargetKind::ReachedShareOf90Days { percent } => {
                // At or below it for at least the claimed share of the last 90 days, and
                // it is the lowest such price: strictly below it for less than that share.
                let from = now - Duration::days(90);
                let (_, below, total) = truth(target, from);
                let (_, strictly, _) = truth(target - 1, from);
                let claim = total * i64::from(percent) / 100;
                assert!(
                    below >= claim,
                    "{} was at or below for {below}s of {total}s, under {percent}%",
                    t.target
                );
                assert!(strictly < claim, "{} is not the lowest such", t.target);
            }
            TargetKind::LastSaleLow => {
                // The oracle had exactly that price at a moment observed.
                assert!(
                    observed.iter().any(|(_, _, p)| *p == Some(target)),
                    "the oracle never priced it at {}",
                    t.target
                );
                assert!(t.fired_past_year >= 1);
            }
            _ => {}
        }
    }
    // The oracle, at the moments observed, had the price at or below the target.
    let hit = observed
        .iter()
        .any(|(at, _, p)| *at < now && p.is_some_and(|p| p <= reached.target.minor()));
    assert!(hit, "the oracle never had {} at or below", reached.target);
    for t in &suggestions.suggestions {
        if let Some(c) = suggestions.current {
            assert!(t.target.minor() < c.minor());
        }
        assert!(!t.why.is_empty());
    }
}
