//! The competitive picture of one product (`MarketService::competition`, issue 18): buy box
//! against other sellers new and used, over a period, from seeded history on the SQLite store.

// Amounts in paise are written rupees_paise (`1_000_00` is ₹1,000.00) on purpose.
#![allow(clippy::inconsistent_digit_grouping)]

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::catalog::CatalogService;
use mandi_core::market::{MarketService, ReportPeriod};
use mandi_core::monitor::fake::FakeSource;
use mandi_core::store::SqliteStore;
use mandi_core::{
    Asin, Availability, Clock, Condition, Currency, DataOrigin, ManualClock, Marketplace, Money,
    Offer, OfferKind, PricePoint, Product, Store,
};

const IN: Marketplace = Marketplace::India;

fn inr(paise: i64) -> Money {
    Money::from_minor(paise, Currency::INR)
}

fn point(asin: Asin, kind: OfferKind, at: DateTime<Utc>, paise: Option<i64>) -> PricePoint {
    PricePoint {
        marketplace: IN,
        asin,
        offer_kind: kind,
        at,
        price: paise.map(inr),
        list_price: None,
        availability: if paise.is_some() {
            Availability::InStock
        } else {
            Availability::OutOfStock
        },
        deal_badge: None,
        origin: DataOrigin::Api,
    }
}

/// Buy box, other sellers new and used prices `k` days before now (`k = 0` is now itself);
/// days 8 to 10 lie before a week's period and carry prices that must not count.
const BUY_BOX: [(i64, i64); 11] = [
    (0, 52_000_00),
    (1, 51_000_00),
    (2, 53_000_00),
    (3, 45_000_00),
    (4, 55_000_00),
    (5, 54_000_00),
    (6, 56_000_00),
    (7, 57_000_00),
    (8, 40_000_00),
    (9, 30_000_00),
    (10, 60_000_00),
];
const OTHER_NEW: [(i64, Option<i64>); 9] = [
    (0, Some(50_000_00)),
    (1, None),
    (2, Some(49_000_00)),
    (3, Some(47_000_00)),
    (4, Some(53_000_00)),
    (5, Some(60_000_00)),
    (6, Some(52_000_00)),
    (7, Some(51_000_00)),
    (9, Some(20_000_00)),
];
const USED: [(i64, i64); 5] = [
    (0, 39_000_00),
    (2, 41_600_00),
    (4, 38_000_00),
    (6, 44_000_00),
    (10, 10_000_00),
];

#[tokio::test]
async fn competition_gives_each_offer_kind_and_compares_them_at_the_latest_observation() {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 20, 6, 30, 0)
        .single()
        .expect("time");
    let clock = Arc::new(ManualClock::new(now));
    let store = Arc::new(SqliteStore::open_in_memory().expect("store"));
    let source = Arc::new(FakeSource::new(clock.clone(), 0, 1));
    let market = MarketService::new(CatalogService::new(source, store.clone(), clock.clone()));
    let asin = Asin::parse("B0COMPETE1").expect("asin");
    let day = |k: i64| now - Duration::days(k);
    let mut points: Vec<PricePoint> = Vec::new();
    points.extend(
        BUY_BOX
            .iter()
            .map(|&(k, p)| point(asin, OfferKind::BuyBox, day(k), Some(p))),
    );
    points.extend(
        OTHER_NEW
            .iter()
            .map(|&(k, p)| point(asin, OfferKind::ThirdPartyNew, day(k), p)),
    );
    points.extend(
        USED.iter()
            .map(|&(k, p)| point(asin, OfferKind::Used, day(k), Some(p))),
    );
    store.record_prices(&points).await.expect("seed");

    let week = market
        .competition(IN, asin, ReportPeriod::Week)
        .await
        .expect("picture");
    assert_eq!((week.from, week.to), (day(7), now));
    let kinds: Vec<OfferKind> = week.kinds.iter().map(|k| k.kind).collect();
    assert_eq!(
        kinds,
        [OfferKind::BuyBox, OfferKind::ThirdPartyNew, OfferKind::Used]
    );
    // By hand, days 0 to 7 only (the observation at `now` included).
    let buy_box = week.kind(OfferKind::BuyBox).expect("buy box");
    assert_eq!(buy_box.current, Some(inr(52_000_00)));
    assert_eq!(
        buy_box.low,
        Some(inr(45_000_00)),
        "day 8's ₹40,000 is older"
    );
    assert_eq!(buy_box.high, Some(inr(57_000_00)));
    assert_eq!((buy_box.observations, buy_box.last_seen), (8, now));
    let other = week.kind(OfferKind::ThirdPartyNew).expect("other sellers");
    assert_eq!(other.current, Some(inr(50_000_00)));
    assert_eq!(other.low, Some(inr(47_000_00)), "day 9's ₹20,000 is older");
    assert_eq!(other.high, Some(inr(60_000_00)));
    assert_eq!(other.observations, 8, "the out-of-stock day counts as seen");
    let used = week.kind(OfferKind::Used).expect("used");
    assert_eq!(used.current, Some(inr(39_000_00)));
    assert_eq!(used.low, Some(inr(38_000_00)));
    assert_eq!(used.high, Some(inr(44_000_00)));
    assert_eq!(used.observations, 4);
    // ₹52,000 against ₹50,000: 4 % dearer; used ₹39,000 against ₹52,000: 25 % cheaper.
    assert_eq!(week.buy_box_premium_bps, Some(400));
    assert_eq!(week.used_saving_bps, Some(2_500));
    let text = week.to_text();
    assert!(
        text.contains("Buy box against other sellers new: +4%")
            && text.contains("Used saves against the buy box: 25%")
            && text.contains("₹45,000"),
        "{text}"
    );

    // The month reaches back to day 10: the older prices now count.
    let month = market
        .competition(IN, asin, ReportPeriod::Month)
        .await
        .expect("picture");
    let buy_box = month.kind(OfferKind::BuyBox).expect("buy box");
    assert_eq!(
        (buy_box.low, buy_box.high, buy_box.observations),
        (Some(inr(30_000_00)), Some(inr(60_000_00)), 11)
    );
    let used = month.kind(OfferKind::Used).expect("used");
    assert_eq!(used.low, Some(inr(10_000_00)));

    // An hour later the other sellers are out of stock and used is not listed: the buy box
    // is compared with neither (no older price carried forward).
    clock.advance(Duration::hours(1));
    let later = clock.now();
    store
        .record_prices(&[
            point(asin, OfferKind::BuyBox, later, Some(51_000_00)),
            point(asin, OfferKind::ThirdPartyNew, later, None),
        ])
        .await
        .expect("record");
    let week = market
        .competition(IN, asin, ReportPeriod::Week)
        .await
        .expect("picture");
    let other = week.kind(OfferKind::ThirdPartyNew).expect("other sellers");
    assert_eq!((other.current, other.last_seen), (None, later));
    assert_eq!(other.low, Some(inr(47_000_00)));
    let used = week.kind(OfferKind::Used).expect("used");
    assert_eq!((used.current, used.last_seen), (Some(inr(39_000_00)), now));
    assert_eq!(week.buy_box_premium_bps, None);
    assert_eq!(week.used_saving_bps, None);
}

#[tokio::test]
async fn competition_of_an_unseen_product_has_no_offers() {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 20, 6, 30, 0)
        .single()
        .expect("time");
    let clock = Arc::new(ManualClock::new(now));
    let store = Arc::new(SqliteStore::open_in_memory().expect("store"));
    let source = Arc::new(FakeSource::new(clock.clone(), 0, 1));
    let market = MarketService::new(CatalogService::new(source, store, clock));
    let asin = Asin::parse("B0COMPETE2").expect("asin");
    let picture = market
        .competition(IN, asin, ReportPeriod::Day)
        .await
        .expect("picture");
    assert!(picture.kinds.is_empty());
    assert_eq!(
        (picture.buy_box_premium_bps, picture.used_saving_bps),
        (None, None)
    );
    assert!(picture.to_text().contains("no offers seen"));
}

#[test]
fn history_keeps_the_cheapest_offer_of_other_sellers_and_of_used() {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 20, 6, 30, 0)
        .single()
        .expect("time");
    let mut product = Product::new(Asin::parse("B0COMPETE3").expect("asin"), IN, "phone", at);
    let offer = |paise: Option<i64>, condition: Condition, winner: bool| {
        let mut o = Offer::new(paise.map(inr), Availability::InStock);
        o.condition = condition;
        o.is_buy_box_winner = winner;
        o
    };
    product.offers = vec![
        offer(Some(21_000_00), Condition::New, false),
        offer(Some(20_000_00), Condition::New, true),
        offer(None, Condition::New, false),
        offer(Some(19_500_00), Condition::New, false),
        offer(Some(19_900_00), Condition::New, false),
        offer(None, Condition::Used, false),
        offer(Some(15_000_00), Condition::Refurbished, false),
        offer(Some(14_000_00), Condition::Used, false),
    ];
    let points = PricePoint::from_product(&product);
    let got: Vec<(OfferKind, Option<Money>)> =
        points.iter().map(|p| (p.offer_kind, p.price)).collect();
    assert_eq!(
        got,
        [
            (OfferKind::BuyBox, Some(inr(20_000_00))),
            (OfferKind::ThirdPartyNew, Some(inr(19_500_00))),
            (OfferKind::Used, Some(inr(14_000_00))),
        ]
    );
}
