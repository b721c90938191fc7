//! Deals, savings and the digest's watches section: read from the store in batches, the
//! same for every front-end.

// Amounts in paise are written rupees_paise (`1_000_00` is ₹1,000.00) on purpose.
#![allow(clippy::inconsistent_digit_grouping)]

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use mandi_core::catalog::CatalogService;
use mandi_core::digest::{DigestBuilder, DigestSection};
use mandi_core::insights::InsightsService;
use mandi_core::links::ProductRef;
use mandi_core::monitor::fake::FakeSource;
use mandi_core::store::MemoryStore;
use mandi_core::watches::{WatchService, WatchSpec};
use mandi_core::{Asin, Clock, Currency, ExternalIdentity, ManualClock, Marketplace, Money, Store};

const IN: Marketplace = Marketplace::India;

fn asin(n: u32) -> Asin {
    Asin::parse(&format!("B0{n:08}")).expect("asin")
}

struct Setup {
    store: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
    catalog: CatalogService,
    source: Arc<FakeSource>,
}

fn setup() -> Setup {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
            .single()
            .expect("time"),
    ));
    let store = Arc::new(MemoryStore::new());
    let source = Arc::new(FakeSource::new(clock.clone(), 0, 7));
    let catalog = CatalogService::new(source.clone(), store.clone(), clock.clone());
    Setup {
        store,
        clock,
        catalog,
        source,
    }
}

#[tokio::test]
async fn savings_add_up_drops_per_currency_and_ignore_rises_and_unknown_prices() {
    let s = setup();
    let watches = WatchService::new(s.catalog.clone());
    let user = watches
        .user(ExternalIdentity::new("cli", "local"), None)
        .await
        .expect("user");
    for (n, price) in [(1, 10_000_00), (2, 20_000_00), (3, 5_000_00)] {
        s.source.add(IN, asin(n), price, false);
        watches
            .add(&user, ProductRef::new(asin(n), IN), WatchSpec::default())
            .await
            .expect("add");
    }
    let report = InsightsService::new(s.catalog.clone())
        .savings(&user)
        .await
        .expect("savings");
    assert_eq!((report.watches, report.active, report.cheaper), (3, 3, 0));
    assert!(report.saved.is_empty());
    assert_eq!(
        report.saved_in(Currency::INR),
        Money::from_minor(0, Currency::INR)
    );

    // Product 1 drops by ₹1,500, product 2 rises, product 3's price becomes unknown.
    s.clock.advance(Duration::hours(1));
    s.source.add(IN, asin(1), 8_500_00, false);
    s.source.add(IN, asin(2), 21_000_00, false);
    s.catalog
        .lookup(IN, &[asin(1), asin(2)])
        .await
        .expect("refresh");
    let mut unknown = s
        .store
        .get_product(IN, asin(3))
        .await
        .expect("read")
        .expect("saved");
    unknown.offers[0].price = None;
    unknown.fetched_at = s.clock.now();
    s.store.upsert_product(&unknown).await.expect("save");
    let w = watches.list(&user).await.expect("list");
    watches.pause(&user, w[2].id).await.expect("pause");

    let report = InsightsService::new(s.catalog.clone())
        .savings(&user)
        .await
        .expect("savings");
    assert_eq!((report.watches, report.active, report.cheaper), (3, 2, 1));
    assert_eq!(
        report.saved,
        vec![Money::from_minor(1_500_00, Currency::INR)]
    );
}

#[tokio::test]
async fn deals_are_ranked_best_first_and_the_digest_lists_every_watch() {
    let s = setup();
    let watches = WatchService::new(s.catalog.clone());
    let user = watches
        .user(ExternalIdentity::new("telegram", "9"), None)
        .await
        .expect("user");
    for n in 1..=12 {
        s.source
            .add(IN, asin(n), 10_000_00 + i64::from(n) * 100_00, false);
        watches
            .add(&user, ProductRef::new(asin(n), IN), WatchSpec::default())
            .await
            .expect("add");
    }
    // Weeks of prices, then a deep drop on product 5.
    for day in 1..=30 {
        s.clock.advance(Duration::days(1));
        if day == 30 {
            s.source.add(IN, asin(5), 6_000_00, false);
        }
        let all: Vec<Asin> = (1..=12).map(asin).collect();
        s.catalog.lookup(IN, &all).await.expect("refresh");
    }
    let insights = InsightsService::new(s.catalog.clone());
    let deals = insights.deals(50, 5).await.expect("deals");
    assert_eq!(deals.len(), 5);
    assert!(
        deals
            .windows(2)
            .all(|w| w[0].score.score >= w[1].score.score),
        "best first"
    );
    assert_eq!(deals[0].asin, asin(5), "the deep drop ranks first");
    assert_eq!(
        deals[0].price,
        Some(Money::from_minor(6_000_00, Currency::INR))
    );
    // Scanning fewer products looks at fewer.
    assert!(insights.deals(3, 10).await.expect("deals").len() <= 3);

    let digest = DigestBuilder::standard(s.catalog.clone())
        .build(&user, Vec::new(), s.clock.now())
        .await;
    let [DigestSection::Watches { lines, more }] = digest.sections.as_slice() else {
        panic!("one watches section: {:?}", digest.sections);
    };
    assert_eq!((lines.len(), *more), (12, 0));
    let five = lines.iter().find(|l| l.asin == asin(5)).expect("product 5");
    assert_eq!(
        five.current,
        Some(Money::from_minor(6_000_00, Currency::INR))
    );
    assert_eq!(
        five.previous,
        Some(Money::from_minor(10_500_00, Currency::INR))
    );
    assert!(five.all_time_low);
    assert!(!digest.is_empty());
}
