//! The `Store` contract: behaviour every storage adapter must show.
//!
//! Each behaviour is a `pub async fn` taking a fresh, empty store.
//! [`store_contract!`](crate::store_contract) expands them into named `#[tokio::test]`s:
//!
//! ```ignore
//! mod sqlite {
//!     mandi_core::store_contract!(mandi_core::store::SqliteStore::open_in_memory().expect("store"));
//! }
//! ```
//!
//! The expression is evaluated once per test, so each test gets its own store.

// Amounts in paise are written rupees_paise (`1_000_00` is ₹1,000.00) on purpose.
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::domain::{
    AlertMode, AlertRule, Asin, Availability, BrowseNode, BrowseNodeRef, Condition, Currency,
    DataOrigin, DealDetails, ExternalIdentity, Image, Language, Marketplace, Merchant, Money,
    NewUser, NewWatch, Offer, OfferKind, PricePoint, Product, QuietHours, Reviews, Savings, UserId,
    UserSettings, VariationAttribute, VariationFamily, Watch, WatchId, WatchState, WatchTarget,
};
use crate::ports::store::{
    ApiUsage, ApiUsageTotals, HistoryQuery, SearchLog, Store, StoreError, StoreResult,
    WatchedProduct,
};

const IN: Marketplace = Marketplace::India;

fn asin(text: &str) -> Asin {
    text.parse().expect("valid test ASIN")
}

/// A fixed moment plus `secs` seconds.
fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000 + secs, 0).expect("valid test time")
}

fn inr(minor: i64) -> Money {
    Money::from_minor(minor, Currency::INR)
}

fn node_ref(id: &str, name: &str) -> BrowseNodeRef {
    BrowseNodeRef {
        id: id.to_owned(),
        name: name.to_owned(),
    }
}

fn attribute(name: &str, value: &str) -> VariationAttribute {
    VariationAttribute {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

/// A product with every field set, two offers (a buy-box deal and a used offer of unknown
/// price) and two browse nodes.
fn full_product(a: Asin, at: DateTime<Utc>) -> Product {
    let buy_box = Offer {
        listing_id: Some("LISTING-1".to_owned()),
        price: Some(inr(1_899_900)),
        list_price: Some(inr(2_499_900)),
        savings: Some(Savings {
            amount: inr(600_000),
            percent: 24,
        }),
        merchant: Merchant {
            id: Some("A14CZOWI0VEHLG".to_owned()),
            name: Some("Appario Retail Private Ltd".to_owned()),
            fulfilled_by_amazon: true,
        },
        condition: Condition::New,
        is_buy_box_winner: true,
        deal: Some(DealDetails {
            badge: Some("Lightning Deal".to_owned()),
            access_type: Some("PRIME_EARLY_ACCESS".to_owned()),
            starts_at: Some(at - TimeDelta::hours(2)),
            ends_at: Some(at + TimeDelta::hours(4)),
            percent_claimed: Some(37),
        }),
        availability: Availability::InStock,
        availability_message: Some("Only 3 left in stock.".to_owned()),
        loyalty_points: Some(120),
    };
    let used = Offer {
        listing_id: None,
        price: None,
        list_price: None,
        savings: None,
        merchant: Merchant {
            id: None,
            name: Some("Second Hand Store".to_owned()),
            fulfilled_by_amazon: false,
        },
        condition: Condition::Used,
        is_buy_box_winner: false,
        deal: Some(DealDetails {
            badge: None,
            access_type: None,
            starts_at: None,
            ends_at: None,
            percent_claimed: None,
        }),
        availability: Availability::Unknown,
        availability_message: None,
        loyalty_points: None,
    };
    Product {
        asin: a,
        marketplace: IN,
        title: "Redmi Note 13 5G (Arctic White, 8GB RAM, 256GB Storage)".to_owned(),
        brand: Some("Redmi".to_owned()),
        manufacturer: Some("Xiaomi Technology India".to_owned()),
        features: vec![
            "6.67\" AMOLED display, 120 Hz".to_owned(),
            "5000 mAh battery — \"all day\"".to_owned(),
        ],
        contributors: vec![("Designer".to_owned(), "Mi Design Studio".to_owned())],
        product_group: Some("Wireless".to_owned()),
        images: vec![
            Image {
                url: "https://m.media-amazon.com/images/I/71abc.jpg".to_owned(),
                width: 1500,
                height: 1500,
            },
            Image {
                url: "https://m.media-amazon.com/images/I/81def.jpg".to_owned(),
                width: 500,
                height: 375,
            },
        ],
        detail_page_url: Some(format!("https://www.amazon.in/dp/{a}")),
        browse_nodes: vec![
            BrowseNode {
                id: "1805560031".to_owned(),
                name: "Smartphones".to_owned(),
                context_free_name: Some("Smartphones & Basic Mobiles".to_owned()),
                is_root: false,
                ancestors: vec![
                    node_ref("1389432031", "Mobiles & Accessories"),
                    node_ref("976419031", "Electronics"),
                ],
                children: Vec::new(),
                sales_rank: Some(12),
            },
            BrowseNode {
                id: "976419031".to_owned(),
                name: "Electronics".to_owned(),
                context_free_name: None,
                is_root: true,
                ancestors: Vec::new(),
                children: vec![node_ref("1389432031", "Mobiles & Accessories")],
                sales_rank: None,
            },
        ],
        parent_asin: Some(asin("B0PARENT01")),
        variation_attributes: vec![
            attribute("color_name", "Arctic White"),
            attribute("size_name", "8GB RAM, 256GB"),
        ],
        offers: vec![buy_box, used],
        reviews: Some(Reviews {
            rating_centi: 435,
            count: 12_345,
        }),
        fetched_at: at,
        origin: DataOrigin::Scraped,
    }
}

fn point(a: Asin, kind: OfferKind, at: DateTime<Utc>, price: Option<i64>) -> PricePoint {
    PricePoint {
        marketplace: IN,
        asin: a,
        offer_kind: kind,
        at,
        price: price.map(inr),
        list_price: Some(inr(2_499_900)),
        availability: if price.is_some() {
            Availability::InStock
        } else {
            Availability::Unknown
        },
        deal_badge: None,
        origin: DataOrigin::Api,
    }
}

fn all_history(a: Asin) -> HistoryQuery {
    HistoryQuery {
        marketplace: IN,
        asin: a,
        offer_kind: None,
        since: None,
        until: None,
    }
}

fn new_user(subject: &str) -> NewUser {
    NewUser {
        identity: ExternalIdentity::new("telegram", subject),
        display_name: Some(format!("user {subject}")),
        settings: UserSettings::default(),
    }
}

fn product_watch(user: UserId, a: Asin) -> NewWatch {
    NewWatch {
        user_id: user,
        target: WatchTarget::Product {
            marketplace: IN,
            asin: a,
        },
        rules: vec![
            AlertRule::TargetPrice {
                at_or_below: inr(1_500_000),
            },
            AlertRule::BackInStock,
        ],
        baseline_price: Some(inr(1_899_900)),
        label: Some("phone for Amma".to_owned()),
    }
}

fn family_watch(user: UserId, parent: Asin) -> NewWatch {
    NewWatch {
        user_id: user,
        target: WatchTarget::Family {
            marketplace: IN,
            parent_asin: parent,
        },
        rules: vec![AlertRule::DropFromBaseline { bps: 1_000 }],
        baseline_price: None,
        label: None,
    }
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: StoreResult<T>, what: &str) {
    match result {
        Err(StoreError::NotFound { what: w, .. }) => assert_eq!(w, what),
        other => panic!("expected NotFound for a {what}, got {other:?}"),
    }
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: StoreResult<T>) {
    assert!(
        matches!(result, Err(StoreError::Invalid { .. })),
        "expected Invalid, got {result:?}"
    );
}

fn ids(watches: &[Watch]) -> Vec<WatchId> {
    watches.iter().map(|w| w.id).collect()
}

// --- products ---

/// A saved product comes back equal in every field: offers, deal, savings, merchant,
/// reviews, browse nodes with ancestors, children and sales rank, variation attributes.
pub async fn upsert_then_get_round_trips_every_field(store: impl Store) {
    let product = full_product(asin("B0CX59H5W7"), t(0));
    store.upsert_product(&product).await.expect("upsert");
    let back = store
        .get_product(IN, product.asin)
        .await
        .expect("get")
        .expect("the product is there");
    assert_eq!(back, product);
    let elsewhere = store
        .get_product(Marketplace::UnitedStates, product.asin)
        .await
        .expect("get");
    assert_eq!(elsewhere, None, "a product belongs to one marketplace");
}

/// Saving a product again replaces the previous copy, offers, reviews and nodes included.
pub async fn upsert_replaces_the_previous_copy(store: impl Store) {
    let a = asin("B0CX59H5W7");
    store
        .upsert_product(&full_product(a, t(0)))
        .await
        .expect("first upsert");
    let mut newer = full_product(a, t(3_600));
    newer.title = "Redmi Note 13 5G (renamed)".to_owned();
    newer.brand = None;
    newer.features.clear();
    newer.offers.truncate(1);
    newer.offers[0].price = Some(inr(1_799_900));
    newer.offers[0].deal = None;
    newer.reviews = None;
    newer.browse_nodes.truncate(1);
    newer.origin = DataOrigin::Api;
    store.upsert_product(&newer).await.expect("second upsert");
    let back = store.get_product(IN, a).await.expect("get");
    assert_eq!(back, Some(newer));
}

/// The review history keeps the rating and count each time a saved copy had them
/// different from the last kept observation, in time order, per product.
pub async fn review_history_keeps_each_change(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let save = |at: i64, reviews: Option<(u16, u32)>| {
        let mut p = full_product(a, t(at));
        p.reviews = reviews.map(|(rating_centi, count)| Reviews {
            rating_centi,
            count,
        });
        p
    };
    for (at, reviews) in [
        (0, Some((430, 100))),
        (60, Some((430, 100))),
        (120, Some((430, 900))),
        (180, None),
        (240, Some((431, 900))),
    ] {
        store
            .upsert_product(&save(at, reviews))
            .await
            .expect("upsert");
    }
    let history = store.review_history(IN, a).await.expect("history");
    let seen: Vec<(DateTime<Utc>, u16, u32)> = history
        .iter()
        .map(|o| (o.at, o.reviews.rating_centi, o.reviews.count))
        .collect();
    assert_eq!(
        seen,
        vec![(t(0), 430, 100), (t(120), 430, 900), (t(240), 431, 900)]
    );
    let other = store
        .review_history(IN, asin("B000000000"))
        .await
        .expect("empty history");
    assert!(other.is_empty());
    let elsewhere = store
        .review_history(Marketplace::UnitedStates, a)
        .await
        .expect("other market");
    assert!(elsewhere.is_empty(), "kept per marketplace");
}

/// A product never saved is `None`, not an error.
pub async fn missing_product_is_none(store: impl Store) {
    let got = store
        .get_product(IN, asin("B000000000"))
        .await
        .expect("get");
    assert_eq!(got, None);
}

/// An unknown price stays unknown (`None`, never zero) in products and in history.
pub async fn unknown_price_stays_unknown(store: impl Store) {
    let a = asin("B0UNKNOWN1");
    let mut product = full_product(a, t(0));
    product.offers = vec![Offer::new(None, Availability::Unknown)];
    store.upsert_product(&product).await.expect("upsert");
    let back = store.get_product(IN, a).await.expect("get").expect("saved");
    assert_eq!(back.price(), None);
    assert_eq!(back.availability(), Availability::Unknown);
    assert_eq!(back.offers[0].list_price, None);

    let gap = PricePoint {
        list_price: None,
        ..point(a, OfferKind::BuyBox, t(60), None)
    };
    assert_eq!(
        store
            .record_prices(std::slice::from_ref(&gap))
            .await
            .expect("record"),
        1
    );
    let history = store.price_history(&all_history(a)).await.expect("history");
    assert_eq!(history.len(), 2, "one point from the product, one gap");
    assert!(history.iter().all(|p| p.price.is_none()), "{history:?}");
    assert!(
        history
            .iter()
            .all(|p| p.availability == Availability::Unknown)
    );
    assert_eq!(history[1], gap);
}

/// Saving a product records its price points (one per offer kind); saving it again at the
/// same moment adds none.
pub async fn upsert_product_records_its_price_points(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let product = full_product(a, t(0));
    store.upsert_product(&product).await.expect("upsert");
    store.upsert_product(&product).await.expect("upsert again");
    let history = store.price_history(&all_history(a)).await.expect("history");
    assert_eq!(history, PricePoint::from_product(&product));
    assert_eq!(history[0].price, Some(inr(1_899_900)));
    assert_eq!(history[0].deal_badge.as_deref(), Some("Lightning Deal"));
    assert_eq!(history[1].offer_kind, OfferKind::Used);
    assert_eq!(history[1].price, None);
}

// --- price history ---

/// History comes back in time order whatever order it was written in.
pub async fn history_comes_back_in_time_order(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let points = vec![
        point(a, OfferKind::BuyBox, t(300), Some(100_000)),
        point(a, OfferKind::BuyBox, t(100), Some(110_000)),
        point(a, OfferKind::BuyBox, t(200), None),
    ];
    assert_eq!(store.record_prices(&points).await.expect("record"), 3);
    let history = store.price_history(&all_history(a)).await.expect("history");
    let times: Vec<_> = history.iter().map(|p| p.at).collect();
    assert_eq!(times, vec![t(100), t(200), t(300)]);
    assert_eq!(history[0], points[1]);
    assert_eq!(history[1], points[2]);
    assert_eq!(history[2], points[0]);
}

/// Retention deletes only the named kind's points in range that are not kept, in one go.
pub async fn retention_keeps_the_named_points_of_one_kind(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let points = vec![
        point(a, OfferKind::BuyBox, t(100), Some(100_000)),
        point(a, OfferKind::BuyBox, t(200), Some(90_000)),
        point(a, OfferKind::BuyBox, t(300), Some(95_000)),
        point(a, OfferKind::Used, t(200), Some(50_000)),
        point(a, OfferKind::BuyBox, t(900), Some(99_000)),
    ];
    store.record_prices(&points).await.expect("record");
    let mut q = HistoryQuery::buy_box(Marketplace::India, a);
    q.until = Some(t(500));
    let deleted = store
        .retain_history(&q, &[t(100), t(200)])
        .await
        .expect("retain");
    assert_eq!(deleted, 1, "only the buy-box point at 300 goes");
    let left: Vec<_> = store
        .price_history(&all_history(a))
        .await
        .expect("history")
        .into_iter()
        .map(|p| (p.at, p.offer_kind))
        .collect();
    assert_eq!(
        left,
        vec![
            (t(100), OfferKind::BuyBox),
            (t(200), OfferKind::BuyBox),
            (t(200), OfferKind::Used),
            (t(900), OfferKind::BuyBox),
        ]
    );
    let mut every_kind = q.clone();
    every_kind.offer_kind = None;
    assert!(
        store.retain_history(&every_kind, &[]).await.is_err(),
        "retention names one offer kind"
    );
}

/// `since` is inclusive, `until` exclusive, and the offer kind filters.
pub async fn history_filters_by_range_and_kind(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let mut points: Vec<PricePoint> = (0..5)
        .map(|h| point(a, OfferKind::BuyBox, t(h * 3_600), Some(100_000 + h)))
        .collect();
    points.push(point(a, OfferKind::Used, t(2 * 3_600), Some(70_000)));
    store.record_prices(&points).await.expect("record");

    let buy_box = HistoryQuery {
        offer_kind: Some(OfferKind::BuyBox),
        since: Some(t(3_600)),
        until: Some(t(3 * 3_600)),
        ..all_history(a)
    };
    let got = store.price_history(&buy_box).await.expect("history");
    assert_eq!(got, vec![points[1].clone(), points[2].clone()]);

    let every_kind = HistoryQuery {
        offer_kind: None,
        since: Some(t(2 * 3_600)),
        until: Some(t(2 * 3_600 + 1)),
        ..all_history(a)
    };
    let got = store.price_history(&every_kind).await.expect("history");
    assert_eq!(got, vec![points[2].clone(), points[5].clone()]);

    let used = HistoryQuery {
        offer_kind: Some(OfferKind::Used),
        ..all_history(a)
    };
    assert_eq!(
        store.price_history(&used).await.expect("history"),
        vec![points[5].clone()]
    );
    let third_party = HistoryQuery {
        offer_kind: Some(OfferKind::ThirdPartyNew),
        ..all_history(a)
    };
    assert!(
        store
            .price_history(&third_party)
            .await
            .expect("history")
            .is_empty()
    );
    let from_third = HistoryQuery {
        since: Some(t(3 * 3_600)),
        ..HistoryQuery::buy_box(IN, a)
    };
    assert_eq!(
        store.price_history(&from_third).await.expect("history"),
        vec![points[3].clone(), points[4].clone()]
    );
}

/// A point with the same (marketplace, ASIN, kind, time) as a stored one is skipped, in
/// later calls and within one call, and the count says how many were added.
pub async fn duplicate_points_are_skipped_and_counted(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let first = point(a, OfferKind::BuyBox, t(0), Some(100_000));
    let second = point(a, OfferKind::BuyBox, t(60), Some(99_000));
    assert_eq!(
        store
            .record_prices(&[first.clone(), second.clone()])
            .await
            .expect("record"),
        2
    );
    let changed_copy = point(a, OfferKind::BuyBox, t(0), Some(1));
    let third = point(a, OfferKind::BuyBox, t(120), Some(98_000));
    let other_kind = point(a, OfferKind::Used, t(0), Some(50_000));
    assert_eq!(
        store
            .record_prices(&[
                changed_copy,
                second.clone(),
                third.clone(),
                other_kind.clone()
            ])
            .await
            .expect("record"),
        2
    );
    let fourth = point(a, OfferKind::BuyBox, t(180), Some(97_000));
    assert_eq!(
        store
            .record_prices(&[fourth.clone(), fourth.clone()])
            .await
            .expect("record"),
        1
    );
    assert_eq!(store.record_prices(&[]).await.expect("record nothing"), 0);
    let history = store.price_history(&all_history(a)).await.expect("history");
    assert_eq!(history, vec![first, other_kind, second, third, fourth]);
}

/// A batch of 10,000 points is written in one call.
pub async fn ten_thousand_points_in_one_call(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let points: Vec<PricePoint> = (0..10_000)
        .map(|i| point(a, OfferKind::BuyBox, t(i * 60), Some(100_000 + i % 500)))
        .collect();
    assert_eq!(store.record_prices(&points).await.expect("record"), 10_000);
    assert_eq!(store.record_prices(&points).await.expect("again"), 0);
    let history = store.price_history(&all_history(a)).await.expect("history");
    assert_eq!(history.len(), 10_000);
    assert_eq!(history.first(), points.first());
    assert_eq!(history.last(), points.last());
}

/// Points with a negative amount or mixed currencies are refused and nothing is written.
pub async fn invalid_points_are_refused_and_nothing_is_written(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let good = point(a, OfferKind::BuyBox, t(0), Some(100_000));
    let negative = point(a, OfferKind::BuyBox, t(60), Some(-1));
    assert_invalid(store.record_prices(&[good.clone(), negative]).await);
    let mixed = PricePoint {
        list_price: Some(Money::from_minor(100, Currency::USD)),
        ..point(a, OfferKind::BuyBox, t(120), Some(100_000))
    };
    assert_invalid(store.record_prices(&[good, mixed]).await);
    let history = store.price_history(&all_history(a)).await.expect("history");
    assert!(history.is_empty(), "{history:?}");

    let mut product = full_product(a, t(0));
    product.offers[0].price = Some(inr(-5));
    assert_invalid(store.upsert_product(&product).await);
    assert_eq!(store.get_product(IN, a).await.expect("get"), None);
}

/// Times are kept to the millisecond: finer parts are dropped, so two points within one
/// millisecond are duplicates.
pub async fn times_are_kept_to_the_millisecond(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let fine = t(0) + TimeDelta::nanoseconds(1_234_567);
    let close = t(0) + TimeDelta::nanoseconds(1_900_000);
    assert_eq!(
        store
            .record_prices(&[point(a, OfferKind::BuyBox, fine, Some(100_000))])
            .await
            .expect("record"),
        1
    );
    assert_eq!(
        store
            .record_prices(&[point(a, OfferKind::BuyBox, close, Some(100_000))])
            .await
            .expect("record"),
        0
    );
    let history = store.price_history(&all_history(a)).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].at, t(0) + TimeDelta::milliseconds(1));

    let mut product = full_product(asin("B0FINETIME"), fine);
    product.parent_asin = None;
    store.upsert_product(&product).await.expect("upsert");
    let back = store
        .get_product(IN, product.asin)
        .await
        .expect("get")
        .expect("saved");
    assert_eq!(back.fetched_at, t(0) + TimeDelta::milliseconds(1));
}

/// The same ASIN has a separate history in each marketplace.
pub async fn history_is_kept_per_marketplace(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let india = point(a, OfferKind::BuyBox, t(0), Some(100_000));
    let us = PricePoint {
        marketplace: Marketplace::UnitedStates,
        price: Some(Money::from_minor(19_99, Currency::USD)),
        list_price: None,
        ..india.clone()
    };
    assert_eq!(
        store
            .record_prices(&[india.clone(), us.clone()])
            .await
            .expect("record"),
        2
    );
    assert_eq!(
        store.price_history(&all_history(a)).await.expect("history"),
        vec![india]
    );
    let us_query = HistoryQuery {
        marketplace: Marketplace::UnitedStates,
        ..all_history(a)
    };
    assert_eq!(
        store.price_history(&us_query).await.expect("history"),
        vec![us]
    );
}

/// A history range whose start is after its end is refused.
pub async fn reversed_history_range_is_invalid(store: impl Store) {
    let query = HistoryQuery {
        since: Some(t(100)),
        until: Some(t(0)),
        ..all_history(asin("B0CX59H5W7"))
    };
    assert_invalid(store.price_history(&query).await);
}

// --- catalogue ---

/// Browse nodes round-trip with ancestors (nearest first) and children; a later save
/// replaces them; nodes belong to one marketplace.
pub async fn browse_nodes_round_trip(store: impl Store) {
    let phones = BrowseNode {
        id: "1805560031".to_owned(),
        name: "Smartphones".to_owned(),
        context_free_name: Some("Smartphones & Basic Mobiles".to_owned()),
        is_root: false,
        ancestors: vec![
            node_ref("1389432031", "Mobiles & Accessories"),
            node_ref("976419031", "Electronics"),
        ],
        children: vec![
            node_ref("1805561031", "Android phones"),
            node_ref("1805562031", "iPhones"),
        ],
        sales_rank: None,
    };
    let root = BrowseNode {
        id: "976419031".to_owned(),
        name: "Electronics".to_owned(),
        context_free_name: None,
        is_root: true,
        ancestors: Vec::new(),
        children: vec![node_ref("1389432031", "Mobiles & Accessories")],
        sales_rank: None,
    };
    store
        .upsert_browse_nodes(IN, &[phones.clone(), root.clone()])
        .await
        .expect("upsert");
    assert_eq!(
        store.get_browse_node(IN, &phones.id).await.expect("get"),
        Some(phones.clone())
    );
    assert_eq!(
        store.get_browse_node(IN, &root.id).await.expect("get"),
        Some(root)
    );
    assert_eq!(
        store
            .get_browse_node(Marketplace::UnitedStates, &phones.id)
            .await
            .expect("get"),
        None
    );
    assert_eq!(store.get_browse_node(IN, "404").await.expect("get"), None);

    let renamed = BrowseNode {
        name: "Smartphones & more".to_owned(),
        ancestors: vec![node_ref("976419031", "Electronics")],
        children: vec![node_ref("1805563031", "Foldables")],
        ..phones
    };
    store
        .upsert_browse_nodes(IN, std::slice::from_ref(&renamed))
        .await
        .expect("upsert again");
    assert_eq!(
        store.get_browse_node(IN, &renamed.id).await.expect("get"),
        Some(renamed)
    );
    let blank = BrowseNode {
        id: " ".to_owned(),
        name: "nameless".to_owned(),
        context_free_name: None,
        is_root: false,
        ancestors: Vec::new(),
        children: Vec::new(),
        sales_rank: None,
    };
    assert_invalid(store.upsert_browse_nodes(IN, &[blank]).await);
}

/// A product whose node carries no children (item lookups rarely do) keeps the children
/// already known for that node; its sales rank stays with the product.
pub async fn product_save_keeps_known_node_children(store: impl Store) {
    let known = BrowseNode {
        id: "1805560031".to_owned(),
        name: "Smartphones".to_owned(),
        context_free_name: None,
        is_root: false,
        ancestors: vec![node_ref("976419031", "Electronics")],
        children: vec![node_ref("1805561031", "Android phones")],
        sales_rank: None,
    };
    store
        .upsert_browse_nodes(IN, std::slice::from_ref(&known))
        .await
        .expect("upsert nodes");
    let a = asin("B0CX59H5W7");
    let mut product = full_product(a, t(0));
    product.browse_nodes = vec![BrowseNode {
        children: Vec::new(),
        ancestors: Vec::new(),
        sales_rank: Some(7),
        ..known.clone()
    }];
    store
        .upsert_product(&product)
        .await
        .expect("upsert product");
    assert_eq!(
        store.get_browse_node(IN, &known.id).await.expect("get"),
        Some(known.clone())
    );
    let back = store.get_product(IN, a).await.expect("get").expect("saved");
    assert_eq!(
        back.browse_nodes,
        vec![BrowseNode {
            sales_rank: Some(7),
            ..known
        }]
    );
}

/// A variation family saves its children as products linked to the parent; a child that
/// moves to another family leaves the first; children from another marketplace are refused.
pub async fn variations_round_trip(store: impl Store) {
    let parent = asin("B0PARENT01");
    let mut white = full_product(asin("B0CHILD001"), t(0));
    white.parent_asin = None;
    white.variation_attributes = vec![attribute("color_name", "Arctic White")];
    let mut black = full_product(asin("B0CHILD000"), t(0));
    black.parent_asin = None;
    black.variation_attributes = vec![attribute("color_name", "Midnight Black")];
    let family = VariationFamily {
        parent_asin: parent,
        dimensions: vec!["color_name".to_owned()],
        items: vec![white.clone(), black.clone()],
        variation_count: 2,
        price_range: Some((inr(1_899_900), inr(1_899_900))),
    };
    store.upsert_variations(IN, &family).await.expect("upsert");
    store.upsert_variations(IN, &family).await.expect("again");
    assert_eq!(
        store
            .variation_children(IN, parent)
            .await
            .expect("children"),
        vec![black.asin, white.asin]
    );
    let back = store
        .get_product(IN, white.asin)
        .await
        .expect("get")
        .expect("child saved as a product");
    assert_eq!(back.parent_asin, Some(parent));
    assert_eq!(back.variation_attributes, white.variation_attributes);
    assert_eq!(
        store
            .variation_children(Marketplace::UnitedStates, parent)
            .await
            .expect("children"),
        Vec::<Asin>::new()
    );

    let other_parent = asin("B0PARENT02");
    let moved = VariationFamily {
        parent_asin: other_parent,
        items: vec![black.clone()],
        variation_count: 1,
        ..family.clone()
    };
    store.upsert_variations(IN, &moved).await.expect("move");
    assert_eq!(
        store
            .variation_children(IN, parent)
            .await
            .expect("children"),
        vec![white.asin]
    );
    assert_eq!(
        store
            .variation_children(IN, other_parent)
            .await
            .expect("children"),
        vec![black.asin]
    );

    let mut foreign = white.clone();
    foreign.asin = asin("B0FOREIGN1");
    foreign.marketplace = Marketplace::UnitedStates;
    let mixed = VariationFamily {
        items: vec![foreign],
        ..family
    };
    assert_invalid(store.upsert_variations(IN, &mixed).await);
    assert_eq!(
        store
            .get_product(Marketplace::UnitedStates, asin("B0FOREIGN1"))
            .await
            .expect("get"),
        None
    );
}

// --- users ---

/// Upserting a user by identity creates them once; later upserts return the same user
/// unchanged; other identities get other users.
pub async fn users_upsert_by_identity_idempotently(store: impl Store) {
    let new = new_user("1001");
    let first = store.upsert_user(&new, t(0)).await.expect("create");
    assert!(first.active);
    assert_eq!(first.identity, new.identity);
    assert_eq!(first.display_name, new.display_name);
    assert_eq!(first.created_at, t(0));
    let renamed = NewUser {
        display_name: Some("someone else".to_owned()),
        ..new.clone()
    };
    let again = store.upsert_user(&renamed, t(60)).await.expect("again");
    assert_eq!(again, first);
    assert_eq!(store.get_user(first.id).await.expect("get"), first);
    assert_eq!(
        store.find_user(&new.identity).await.expect("find"),
        Some(first.clone())
    );
    let other = store
        .upsert_user(&new_user("1002"), t(0))
        .await
        .expect("other");
    assert_ne!(other.id, first.id);
    let cli = NewUser {
        identity: ExternalIdentity::new("cli", "1001"),
        ..new
    };
    let cli_user = store.upsert_user(&cli, t(0)).await.expect("cli");
    assert_ne!(
        cli_user.id, first.id,
        "the provider is part of the identity"
    );
    let blank = NewUser {
        identity: ExternalIdentity::new("telegram", ""),
        ..new_user("x")
    };
    assert_invalid(store.upsert_user(&blank, t(0)).await);
}

/// Unknown users are `NotFound` by id and `None` by identity.
pub async fn missing_user_is_not_found(store: impl Store) {
    assert_not_found(store.get_user(UserId(4_242)).await, "user");
    assert_eq!(
        store
            .find_user(&ExternalIdentity::new("telegram", "nobody"))
            .await
            .expect("find"),
        None
    );
    let ghost = store
        .upsert_user(&new_user("1"), t(0))
        .await
        .expect("create");
    let ghost = crate::domain::User {
        id: UserId(ghost.id.0 + 1_000),
        ..ghost
    };
    assert_not_found(store.update_user(&ghost).await, "user");
}

/// Updating a user saves settings, display name and the active flag.
pub async fn update_user_saves_settings_and_active_flag(store: impl Store) {
    let mut user = store
        .upsert_user(&new_user("1001"), t(0))
        .await
        .expect("create");
    user.display_name = Some("Priya".to_owned());
    user.active = false;
    user.settings = UserSettings {
        time_zone: "Asia/Kolkata".to_owned(),
        alert_mode: AlertMode::DailyDigest,
        quiet_hours: Some(QuietHours {
            start: NaiveTime::from_hms_opt(22, 30, 0).expect("time"),
            end: NaiveTime::from_hms_opt(7, 0, 0).expect("time"),
        }),
        daily_cap: Some(5),
        language: Language::Hindi,
        marketplace: Marketplace::UnitedKingdom,
        leaderboard_opt_in: true,
    };
    store.update_user(&user).await.expect("update");
    assert_eq!(store.get_user(user.id).await.expect("get"), user);
}

// --- watches ---

/// Watches are created, read, listed oldest first, updated and deleted.
pub async fn watches_crud(store: impl Store) {
    let user = store
        .upsert_user(&new_user("1001"), t(0))
        .await
        .expect("user")
        .id;
    let phone = asin("B0CX59H5W7");
    let new = product_watch(user, phone);
    let first = store.create_watch(&new, t(10)).await.expect("create");
    assert_eq!(first.user_id, user);
    assert_eq!(first.target, new.target);
    assert_eq!(first.rules, new.rules);
    assert_eq!(first.state, WatchState::Active);
    assert_eq!(first.baseline_price, new.baseline_price);
    assert_eq!(first.label, new.label);
    assert_eq!((first.created_at, first.updated_at), (t(10), t(10)));
    let second = store
        .create_watch(&family_watch(user, asin("B0PARENT01")), t(20))
        .await
        .expect("create");
    assert_ne!(first.id, second.id);
    assert_eq!(store.get_watch(user, first.id).await.expect("get"), first);
    assert_eq!(
        store.list_watches(user).await.expect("list"),
        vec![first.clone(), second.clone()]
    );

    let changed = Watch {
        rules: vec![
            AlertRule::AllTimeLow,
            AlertRule::DropSinceLastAlert {
                amount: Some(inr(50_000)),
                bps: None,
            },
            AlertRule::LowestInDays { days: 90 },
        ],
        state: WatchState::Snoozed { until: t(86_400) },
        baseline_price: Some(inr(1_799_900)),
        label: Some("renamed".to_owned()),
        updated_at: t(30),
        ..first.clone()
    };
    store.update_watch(&changed).await.expect("update");
    assert_eq!(store.get_watch(user, first.id).await.expect("get"), changed);
    let paused = Watch {
        state: WatchState::Paused,
        rules: Vec::new(),
        baseline_price: None,
        label: None,
        updated_at: t(40),
        ..changed
    };
    store.update_watch(&paused).await.expect("pause");
    assert_eq!(store.get_watch(user, first.id).await.expect("get"), paused);

    store.delete_watch(user, first.id).await.expect("delete");
    assert_not_found(store.get_watch(user, first.id).await, "watch");
    assert_not_found(store.delete_watch(user, first.id).await, "watch");
    assert_not_found(store.update_watch(&paused).await, "watch");
    assert_eq!(store.list_watches(user).await.expect("list"), vec![second]);
    let negative = NewWatch {
        baseline_price: Some(inr(-1)),
        ..new
    };
    assert_invalid(store.create_watch(&negative, t(50)).await);
}

/// A user who cannot be reached has their live (active and snoozed) watches paused *for
/// that reason*; watches they paused themselves, and other users' watches, are untouched.
/// Resuming resumes exactly those, and a watch saved in another state meanwhile (resumed
/// by hand) forgets the reason, while one saved still paused (relabelled) keeps it.
pub async fn watches_paused_while_unreachable_resume_alone(store: impl Store) {
    let user = store
        .upsert_user(&new_user("gone"), t(0))
        .await
        .expect("user")
        .id;
    let other = store
        .upsert_user(&new_user("other"), t(0))
        .await
        .expect("other")
        .id;
    let mut ids = Vec::new();
    for a in [
        "B0CX59H5W7",
        "B0CHX1W1XY",
        "B09G9FPHY6",
        "B0BDHWDR12",
        "B0C9JH3CFQ",
    ] {
        let w = store
            .create_watch(&product_watch(user, asin(a)), t(1))
            .await
            .expect("watch");
        ids.push(w.id);
    }
    let theirs = store
        .create_watch(&product_watch(other, asin("B0CX59H5W7")), t(1))
        .await
        .expect("other's watch");
    // ids[0] paused deliberately, ids[1] snoozed, the rest active.
    let deliberate = Watch {
        state: WatchState::Paused,
        updated_at: t(2),
        ..store.get_watch(user, ids[0]).await.expect("get")
    };
    store.update_watch(&deliberate).await.expect("pause");
    let snoozed = Watch {
        state: WatchState::Snoozed { until: t(86_400) },
        updated_at: t(2),
        ..store.get_watch(user, ids[1]).await.expect("get")
    };
    store.update_watch(&snoozed).await.expect("snooze");
    assert!(
        store
            .paused_unreachable(user)
            .await
            .expect("none yet")
            .is_empty()
    );

    let paused = store.pause_unreachable(user, t(10)).await.expect("pause");
    assert_eq!(paused, ids[1..].to_vec());
    for w in store.list_watches(user).await.expect("list") {
        assert_eq!(w.state, WatchState::Paused, "{:?}", w.id);
        let at = if w.id == ids[0] { t(2) } else { t(10) };
        assert_eq!(w.updated_at, at, "{:?}", w.id);
    }
    assert_eq!(
        store.get_watch(other, theirs.id).await.expect("other's"),
        theirs
    );
    assert_eq!(
        store.paused_unreachable(user).await.expect("paused"),
        ids[1..].to_vec()
    );
    assert!(
        store
            .paused_unreachable(other)
            .await
            .expect("other")
            .is_empty()
    );
    // Again: nothing more to pause, and the reason stays.
    assert!(
        store
            .pause_unreachable(user, t(11))
            .await
            .expect("again")
            .is_empty()
    );
    assert_eq!(
        store.paused_unreachable(user).await.expect("paused"),
        ids[1..].to_vec()
    );

    // Resumed by hand: no longer paused for that reason. Relabelled while paused: still is.
    let by_hand = Watch {
        state: WatchState::Active,
        updated_at: t(20),
        ..store.get_watch(user, ids[2]).await.expect("get")
    };
    store.update_watch(&by_hand).await.expect("resume by hand");
    let relabelled = Watch {
        label: Some("still paused".to_owned()),
        updated_at: t(20),
        ..store.get_watch(user, ids[3]).await.expect("get")
    };
    store.update_watch(&relabelled).await.expect("relabel");
    assert_eq!(
        store.paused_unreachable(user).await.expect("paused"),
        vec![ids[1], ids[3], ids[4]]
    );
    // Paused by hand again: a deliberate pause, not one to resume.
    let paused_again = Watch {
        state: WatchState::Paused,
        updated_at: t(21),
        ..by_hand
    };
    store
        .update_watch(&paused_again)
        .await
        .expect("pause by hand");
    store.delete_watch(user, ids[4]).await.expect("delete");

    let resumed = store.resume_unreachable(user, t(30)).await.expect("resume");
    assert_eq!(resumed, vec![ids[1], ids[3]]);
    let states: Vec<(WatchId, WatchState)> = store
        .list_watches(user)
        .await
        .expect("list")
        .into_iter()
        .map(|w| (w.id, w.state))
        .collect();
    assert_eq!(
        states,
        vec![
            (ids[0], WatchState::Paused),
            (ids[1], WatchState::Active),
            (ids[2], WatchState::Paused),
            (ids[3], WatchState::Active),
        ]
    );
    assert_eq!(
        store.get_watch(user, ids[3]).await.expect("get").updated_at,
        t(30)
    );
    assert!(
        store
            .paused_unreachable(user)
            .await
            .expect("none")
            .is_empty()
    );
    assert!(
        store
            .resume_unreachable(user, t(31))
            .await
            .expect("again")
            .is_empty()
    );
    assert!(
        store
            .resume_unreachable(other, t(31))
            .await
            .expect("other")
            .is_empty()
    );
    assert_eq!(
        store.get_watch(other, theirs.id).await.expect("other's"),
        theirs
    );
}

/// One user cannot read, change or delete another user's watch: each is `NotFound`, and the
/// owner's watch is left as it was.
pub async fn watch_of_another_user_is_not_found(store: impl Store) {
    let alice = store
        .upsert_user(&new_user("alice"), t(0))
        .await
        .expect("alice")
        .id;
    let bob = store
        .upsert_user(&new_user("bob"), t(0))
        .await
        .expect("bob")
        .id;
    let watch = store
        .create_watch(&product_watch(alice, asin("B0CX59H5W7")), t(0))
        .await
        .expect("create");
    assert_not_found(store.get_watch(bob, watch.id).await, "watch");
    let hijack = Watch {
        user_id: bob,
        label: Some("mine now".to_owned()),
        ..watch.clone()
    };
    assert_not_found(store.update_watch(&hijack).await, "watch");
    assert_not_found(store.delete_watch(bob, watch.id).await, "watch");
    assert!(store.list_watches(bob).await.expect("list").is_empty());
    assert_eq!(store.get_watch(alice, watch.id).await.expect("get"), watch);
}

/// A watch for a user the store does not know is refused with `NotFound`.
pub async fn watch_for_missing_user_is_not_found(store: impl Store) {
    let result = store
        .create_watch(&product_watch(UserId(4_242), asin("B0CX59H5W7")), t(0))
        .await;
    assert_not_found(result, "user");
}

/// `watches_on` finds every watch on the product itself and on any family it belongs to
/// (known from a saved family or from the product's parent ASIN), of every user and state.
pub async fn watches_on_finds_product_and_family_watches(store: impl Store) {
    let u1 = store
        .upsert_user(&new_user("1"), t(0))
        .await
        .expect("u1")
        .id;
    let u2 = store
        .upsert_user(&new_user("2"), t(0))
        .await
        .expect("u2")
        .id;
    let parent = asin("B0PARENT01");
    let child = asin("B0CHILD001");
    let mut child_product = full_product(child, t(0));
    child_product.parent_asin = None;
    let family = VariationFamily {
        parent_asin: parent,
        dimensions: vec!["color_name".to_owned()],
        items: vec![child_product],
        variation_count: 1,
        price_range: None,
    };
    store.upsert_variations(IN, &family).await.expect("family");
    let mut by_parent_field = full_product(asin("B0CHILD002"), t(0));
    by_parent_field.parent_asin = Some(parent);
    store
        .upsert_product(&by_parent_field)
        .await
        .expect("product");

    let on_child = store
        .create_watch(&product_watch(u1, child), t(1))
        .await
        .expect("w");
    let on_family = store
        .create_watch(&family_watch(u2, parent), t(2))
        .await
        .expect("w");
    let _elsewhere = store
        .create_watch(&product_watch(u1, asin("B0OTHER001")), t(3))
        .await
        .expect("w");
    let _other_family = store
        .create_watch(&family_watch(u2, asin("B0PARENT09")), t(4))
        .await
        .expect("w");
    let paused = store
        .create_watch(&product_watch(u2, child), t(5))
        .await
        .expect("w");
    store
        .update_watch(&Watch {
            state: WatchState::Paused,
            ..paused.clone()
        })
        .await
        .expect("pause");
    let us_watch = NewWatch {
        target: WatchTarget::Product {
            marketplace: Marketplace::UnitedStates,
            asin: child,
        },
        baseline_price: None,
        ..product_watch(u1, child)
    };
    let _us = store.create_watch(&us_watch, t(6)).await.expect("w");

    let found = store.watches_on(IN, child).await.expect("watches on child");
    assert_eq!(ids(&found), vec![on_child.id, on_family.id, paused.id]);
    assert_eq!(found[0], on_child);
    assert_eq!(
        ids(&store.watches_on(IN, parent).await.expect("on parent")),
        vec![on_family.id]
    );
    assert_eq!(
        ids(&store
            .watches_on(IN, by_parent_field.asin)
            .await
            .expect("on sibling")),
        vec![on_family.id]
    );
    assert!(
        store
            .watches_on(IN, asin("B0NOBODY01"))
            .await
            .expect("none")
            .is_empty()
    );
}

/// `watched_products` counts the watches that are not paused, of active users, per target,
/// most watched first (then by marketplace and ASIN).
pub async fn watched_products_counts_active_watches_only(store: impl Store) {
    let u1 = store
        .upsert_user(&new_user("1"), t(0))
        .await
        .expect("u1")
        .id;
    let u2 = store
        .upsert_user(&new_user("2"), t(0))
        .await
        .expect("u2")
        .id;
    let mut gone = store.upsert_user(&new_user("3"), t(0)).await.expect("u3");
    gone.active = false;
    store.update_user(&gone).await.expect("deactivate");
    let x = asin("B0XXXXXXX1");
    let y = asin("B0YYYYYYY1");
    let z = asin("B0ZZZZZZZ1");
    let p = asin("B0PARENT01");
    store
        .create_watch(&product_watch(u1, x), t(0))
        .await
        .expect("w");
    store
        .create_watch(&product_watch(u2, x), t(0))
        .await
        .expect("w");
    let paused = store
        .create_watch(&product_watch(u1, y), t(0))
        .await
        .expect("w");
    store
        .update_watch(&Watch {
            state: WatchState::Paused,
            ..paused
        })
        .await
        .expect("pause");
    let snoozed = store
        .create_watch(&product_watch(u2, y), t(0))
        .await
        .expect("w");
    store
        .update_watch(&Watch {
            state: WatchState::Snoozed { until: t(600) },
            ..snoozed
        })
        .await
        .expect("snooze");
    store
        .create_watch(&product_watch(gone.id, z), t(0))
        .await
        .expect("w");
    store
        .create_watch(&family_watch(u1, p), t(0))
        .await
        .expect("w");

    let watched = store.watched_products().await.expect("watched");
    let expected = vec![
        WatchedProduct {
            marketplace: IN,
            asin: x,
            watchers: 2,
        },
        WatchedProduct {
            marketplace: IN,
            asin: p,
            watchers: 1,
        },
        WatchedProduct {
            marketplace: IN,
            asin: y,
            watchers: 1,
        },
    ];
    assert_eq!(watched, expected);
}

// --- API usage and search log ---

/// API usage totals are per source and per UTC day (midnight belongs to the new day).
pub async fn api_usage_totals_per_day_and_source(store: impl Store) {
    let day = NaiveDate::from_ymd_opt(2025, 10, 20).expect("date");
    let midnight = day.and_time(NaiveTime::MIN).and_utc();
    let call = |source: &str, at: DateTime<Utc>, items: u32, ok: bool| ApiUsage {
        source: source.to_owned(),
        operation: "getItems".to_owned(),
        at,
        items,
        ok,
    };
    let calls = [
        call("creators", midnight, 10, true),
        call("creators", midnight + TimeDelta::hours(12), 10, false),
        call(
            "creators",
            midnight + TimeDelta::days(1) - TimeDelta::milliseconds(1),
            5,
            true,
        ),
        call("creators", midnight + TimeDelta::days(1), 7, true),
        call("creators", midnight - TimeDelta::milliseconds(1), 3, true),
        call("paapi5", midnight + TimeDelta::hours(1), 2, false),
    ];
    for c in &calls {
        store.record_api_usage(c).await.expect("record");
    }
    assert_eq!(
        store.api_usage("creators", day).await.expect("totals"),
        ApiUsageTotals {
            calls: 3,
            failed: 1,
            items: 25,
        }
    );
    assert_eq!(
        store.api_usage("paapi5", day).await.expect("totals"),
        ApiUsageTotals {
            calls: 1,
            failed: 1,
            items: 2,
        }
    );
    let next = day.succ_opt().expect("date");
    assert_eq!(
        store.api_usage("creators", next).await.expect("totals"),
        ApiUsageTotals {
            calls: 1,
            failed: 0,
            items: 7,
        }
    );
    assert_eq!(
        store.api_usage("sandbox", day).await.expect("totals"),
        ApiUsageTotals::default()
    );
    assert_invalid(store.record_api_usage(&call("", midnight, 1, true)).await);
}

/// Searches are logged and listed newest first, per user or for everyone; a search by an
/// unknown user is refused.
pub async fn search_log_round_trips(store: impl Store) {
    let user = store
        .upsert_user(&new_user("1001"), t(0))
        .await
        .expect("user")
        .id;
    let search = |user_id: Option<UserId>, query: &str, at: DateTime<Utc>| SearchLog {
        user_id,
        marketplace: IN,
        query: query.to_owned(),
        result_count: 10,
        at,
    };
    let first = search(Some(user), "gaming laptop under 80k", t(10));
    let anonymous = SearchLog {
        marketplace: Marketplace::UnitedStates,
        result_count: 0,
        ..search(None, "rtx 4060", t(20))
    };
    let third = search(Some(user), "redmi note 13 ₹ 15,000", t(30));
    for s in [&first, &anonymous, &third] {
        store.record_search(s).await.expect("record");
    }
    assert_eq!(
        store.recent_searches(Some(user), 10).await.expect("recent"),
        vec![third.clone(), first]
    );
    assert_eq!(
        store.recent_searches(None, 2).await.expect("recent"),
        vec![third, anonymous]
    );
    assert_not_found(
        store
            .record_search(&search(Some(UserId(4_242)), "x", t(40)))
            .await,
        "user",
    );
}

/// Expands the store contract into one `#[tokio::test]` per behaviour; `$make` is an
/// expression giving a fresh, empty store, evaluated once per test.
#[macro_export]
macro_rules! store_contract {
    ($make:expr) => {
        $crate::store_contract!(@tests $make;
            upsert_then_get_round_trips_every_field,
            upsert_replaces_the_previous_copy,
            review_history_keeps_each_change,
            missing_product_is_none,
            unknown_price_stays_unknown,
            upsert_product_records_its_price_points,
            history_comes_back_in_time_order,
            history_filters_by_range_and_kind,
            retention_keeps_the_named_points_of_one_kind,
            duplicate_points_are_skipped_and_counted,
            ten_thousand_points_in_one_call,
            invalid_points_are_refused_and_nothing_is_written,
            times_are_kept_to_the_millisecond,
            history_is_kept_per_marketplace,
            reversed_history_range_is_invalid,
            browse_nodes_round_trip,
            product_save_keeps_known_node_children,
            variations_round_trip,
            users_upsert_by_identity_idempotently,
            missing_user_is_not_found,
            update_user_saves_settings_and_active_flag,
            watches_crud,
            watch_of_another_user_is_not_found,
            watch_for_missing_user_is_not_found,
            watches_paused_while_unreachable_resume_alone,
            watches_on_finds_product_and_family_watches,
            watched_products_counts_active_watches_only,
            api_usage_totals_per_day_and_source,
            search_log_round_trips,
            apply_update_writes_everything_once,
            apply_update_skips_alerts_of_missing_or_foreign_watches,
            alerts_keep_the_card_they_were_stored_with,
            lowest_in_window_is_the_window_minimum_of_the_history,
            invalid_update_writes_nothing,
            older_fetch_never_replaces_newer_product,
            claim_respects_due_time_channel_and_lease,
            delivery_outcomes_are_recorded,
            held_deliveries_wait_until_released,
            alert_history_is_newest_first_paged_and_private,
            deleting_a_watch_drops_its_states_and_pending_alerts,
            products_in_nodes_finds_linked_products_only,
            price_stats_are_kept_with_every_point_added,
            apply_updates_writes_a_whole_reply_or_nothing,
            variation_children_of_reads_several_families,
            api_keys_round_trip_and_revoke,
            bad_api_keys_are_refused,
            key_usage_adds_up_per_day,
            bulk_jobs_progress_and_stay_private,
            activity_facts_summarise_users,
            users_are_listed_in_pages,
            user_identity_moves_with_its_watches,
            batched_reads_match_single_reads,
            market_snapshot_folds_prices_at_moments,
            market_snapshot_of_a_category_is_the_full_one_narrowed,
            co_watched_counts_distinct_active_watchers,
            clicks_round_trip_per_user,
            outbox_depth_counts_pending_deliveries,
            webhooks_round_trip_and_stay_private,
            bad_webhooks_are_refused,
            webhook_deliveries_are_recorded_once,
            admin_sessions_expire_and_end,
            suspect_observations_are_held_out_of_every_history,
            settled_quarantines_are_final_and_only_confirmed_ones_join_the_history,
            inconsistent_quarantine_updates_are_refused,
            click_targets_and_clicks_round_trip,
            bad_click_targets_are_refused,
            affiliate_orders_import_once_and_round_trip,
            bad_affiliate_orders_are_refused,
            shared_deals_round_trip_newest_first,
            bad_shared_deals_are_refused,
            deal_votes_are_one_per_user_and_can_change,
            referrals_are_recorded_once_and_counted,
            group_subscriptions_and_posts_round_trip,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                $crate::contract::store::$name($make).await
            }
        )*
    };
}

mod server;
pub use server::*;
mod market;
pub use market::*;
mod serve_hooks;
pub use serve_hooks::*;
mod quarantine;
pub use quarantine::*;
mod affiliate;
pub use affiliate::*;
mod community;
pub use community::*;

// --- alerts and their outbox ---

use crate::alerts::WatchRuleStates;
use crate::domain::{AlertId, DeliveryStatus};
use crate::ports::store::{HoldReason, NewAlert, PriceUpdate};

fn new_alert(user: UserId, watch: WatchId, a: Asin, key: &str, at: DateTime<Utc>) -> NewAlert {
    NewAlert {
        user_id: user,
        watch_id: watch,
        marketplace: IN,
        asin: a,
        rule: AlertRule::TargetPrice {
            at_or_below: inr(1_500_000),
        },
        price: Some(inr(1_499_900)),
        previous_price: Some(inr(1_599_900)),
        availability: Availability::InStock,
        message: format!("alert {key}"),
        triggered_at: at,
        dedupe_key: key.to_owned(),
        card: None,
    }
}

fn states_of(watch: WatchId, a: Asin, at: DateTime<Utc>, epoch: u32) -> WatchRuleStates {
    let mut s = WatchRuleStates::new(watch);
    let p = s.for_asin_mut(a, 2);
    p.last_observed_at = Some(at);
    p.rules[0].epoch = epoch;
    p.rules[0].armed = false;
    p.rules[0].trigger_level = Some(inr(1_500_000));
    s
}

/// A user with one product watch on `a`.
async fn user_and_watch(store: &impl Store, subject: &str, a: Asin) -> (UserId, WatchId) {
    let user = store
        .upsert_user(&new_user(subject), t(0))
        .await
        .expect("user")
        .id;
    let watch = store
        .create_watch(&product_watch(user, a), t(1))
        .await
        .expect("watch")
        .id;
    (user, watch)
}

fn channels(names: &[&str]) -> Vec<String> {
    names.iter().map(|c| (*c).to_owned()).collect()
}

async fn apply_alerts(store: &impl Store, alerts: Vec<NewAlert>, chans: &[&str]) -> Vec<AlertId> {
    store
        .apply_update(&PriceUpdate {
            alerts,
            channels: channels(chans),
            ..PriceUpdate::default()
        })
        .await
        .expect("apply")
        .created
}

/// A product, its points, the rule states, the alert and one outbox row per channel are
/// written together; applying the same update again creates nothing.
pub async fn apply_update_writes_everything_once(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    let mut product = full_product(a, t(100));
    product.offers.truncate(1);
    let update = PriceUpdate {
        product: Some(product.clone()),
        points: vec![point(a, OfferKind::Used, t(100), None)],
        rule_states: vec![states_of(watch, a, t(100), 1)],
        alerts: vec![new_alert(user, watch, a, "w:r0:e1", t(100))],
        channels: channels(&["terminal", "webhook"]),
        ..PriceUpdate::default()
    };
    let first = store.apply_update(&update).await.expect("apply");
    assert_eq!(first.created.len(), 1);
    assert_eq!((first.duplicates, first.orphans), (0, 0));
    assert_eq!(
        first.points_added, 2,
        "buy-box point of the product + the extra point"
    );
    let again = store.apply_update(&update).await.expect("apply again");
    assert_eq!(again.created, Vec::<AlertId>::new());
    assert_eq!((again.duplicates, again.points_added), (1, 0));

    let stored = store
        .get_product(IN, a)
        .await
        .expect("get")
        .expect("product");
    assert_eq!(stored.price(), product.price());
    assert_eq!(
        store
            .price_history(&all_history(a))
            .await
            .expect("history")
            .len(),
        2
    );
    assert_eq!(
        store
            .rule_states(&[watch, WatchId(9_999)])
            .await
            .expect("states"),
        vec![states_of(watch, a, t(100), 1)]
    );
    let history = store.alert_history(user, 10, 0).await.expect("history");
    assert_eq!(history.len(), 1);
    let alert = &history[0];
    assert_eq!(alert.id, first.created[0]);
    assert_eq!(
        (alert.user_id, alert.watch_id, alert.asin),
        (user, watch, a)
    );
    assert_eq!(alert.dedupe_key, "w:r0:e1");
    assert_eq!(alert.price, Some(inr(1_499_900)));
    assert_eq!(alert.previous_price, Some(inr(1_599_900)));
    assert_eq!(alert.triggered_at, t(100));
    assert_eq!(alert.rule, new_alert(user, watch, a, "", t(0)).rule);
    let rows = store.alert_deliveries(user, alert.id).await.expect("rows");
    let mut chans: Vec<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
    chans.sort_unstable();
    assert_eq!(chans, ["terminal", "webhook"]);
    for r in &rows {
        assert_eq!(r.status, DeliveryStatus::Pending);
        assert_eq!((r.attempts, r.next_attempt_at), (0, t(100)));
        assert_eq!(r.idempotency_key, format!("w:r0:e1/{}", r.channel));
        assert_eq!(r.user_id, user);
    }
    // Newer states replace the stored row.
    store
        .apply_update(&PriceUpdate {
            rule_states: vec![states_of(watch, a, t(200), 2)],
            ..PriceUpdate::default()
        })
        .await
        .expect("apply states");
    assert_eq!(
        store.rule_states(&[watch]).await.expect("states"),
        vec![states_of(watch, a, t(200), 2)]
    );
}

/// `lowest_in_window` gives what the segments of the stored history give over the window:
/// a point replaced within its own second, an unknown price, a price in another currency,
/// other offer kinds and other products do not count; a point holds at most three days;
/// points at or after `until` are not looked at.
pub async fn lowest_in_window_is_the_window_minimum_of_the_history(store: impl Store) {
    const D: i64 = 86_400;
    let a = asin("B0CX59H5W7");
    let b = asin("B0BZ8TWFY9");
    let ms = |secs: i64, millis: i64| t(secs) + TimeDelta::milliseconds(millis);
    let mut usd = point(a, OfferKind::BuyBox, t(12 * D), Some(1));
    usd.price = Some(Money::from_minor(50, Currency::USD));
    usd.list_price = None;
    let points = vec![
        point(a, OfferKind::BuyBox, t(0), Some(90_000)),
        // Replaced within its own second: holds for no time.
        point(a, OfferKind::BuyBox, t(10 * D), Some(10_000)),
        point(a, OfferKind::BuyBox, ms(10 * D, 500), Some(70_000)),
        point(a, OfferKind::BuyBox, t(11 * D), None),
        usd,
        point(a, OfferKind::BuyBox, t(13 * D), Some(80_000)),
        point(a, OfferKind::BuyBox, t(20 * D), Some(60_000)),
        point(a, OfferKind::BuyBox, t(25 * D), Some(65_000)),
        point(a, OfferKind::Used, t(21 * D), Some(1_000)),
        point(b, OfferKind::BuyBox, t(21 * D), Some(2_000)),
    ];
    store.record_prices(&points).await.expect("record");
    let history = store
        .price_history(&HistoryQuery::buy_box(IN, a))
        .await
        .expect("history");
    let cases = [
        (t(10 * D), t(14 * D), Some(70_000)),
        (t(22 * D + 1), t(24 * D), Some(60_000)),
        // The 20-day point holds three days: not into a window from day 23.
        (t(23 * D), t(25 * D), None),
        (t(23 * D), t(25 * D + 1), Some(65_000)),
        (t(12 * D), t(13 * D), None),
        (t(9 * D), t(10 * D + 1), Some(70_000)),
        // The half-second point is before `until` but holds no whole second.
        (t(9 * D), ms(10 * D, 800), None),
        (t(0), t(30 * D), Some(60_000)),
        (t(-D), t(1), Some(90_000)),
        (t(-D), t(0), None),
    ];
    for (from, until, expected) in cases {
        let got = store
            .lowest_in_window(IN, a, OfferKind::BuyBox, from, until, Currency::INR)
            .await
            .expect("lowest");
        assert_eq!(got, expected.map(inr), "window {from} .. {until}");
        assert_eq!(
            got,
            crate::alerts::lowest_in_window(&history, from, until, Currency::INR),
            "window {from} .. {until} against the history's segments"
        );
    }
    assert_eq!(
        store
            .lowest_in_window(
                IN,
                a,
                OfferKind::BuyBox,
                t(11 * D),
                t(13 * D),
                Currency::USD
            )
            .await
            .expect("usd"),
        Some(Money::from_minor(50, Currency::USD))
    );
    assert_eq!(
        store
            .lowest_in_window(IN, a, OfferKind::Used, t(0), t(30 * D), Currency::INR)
            .await
            .expect("used"),
        Some(inr(1_000))
    );
}

/// An alert keeps the card figures it was stored with (MRP, 90-day average, score and
/// verdict) through every read: the user's history, the watch's alerts and a claimed
/// delivery. An alert stored without them reads back without them.
pub async fn alerts_keep_the_card_they_were_stored_with(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    let card = crate::domain::AlertCard {
        list_price: Some(inr(2_499_900)),
        average_90d: Some(inr(1_612_345)),
        score: Some(87),
        verdict: Some(crate::ports::DealVerdict::GreatDeal),
        low_90d: Some(inr(1_499_900)),
        high_90d: Some(inr(1_799_900)),
    };
    let mut with_card = new_alert(user, watch, a, "with-card", t(100));
    with_card.card = Some(card.clone());
    let partial = crate::domain::AlertCard {
        average_90d: Some(inr(1_500_000)),
        ..crate::domain::AlertCard::default()
    };
    let mut with_partial = new_alert(user, watch, a, "partial", t(150));
    with_partial.card = Some(partial.clone());
    let without = new_alert(user, watch, a, "without", t(200));
    apply_alerts(
        &store,
        vec![with_card, with_partial, without],
        &["terminal"],
    )
    .await;
    let cards =
        |alerts: Vec<crate::domain::Alert>| -> Vec<(String, Option<crate::domain::AlertCard>)> {
            let mut v: Vec<_> = alerts.into_iter().map(|a| (a.dedupe_key, a.card)).collect();
            v.sort_by(|x, y| x.0.cmp(&y.0));
            v
        };
    let expected = vec![
        ("partial".to_owned(), Some(partial)),
        ("with-card".to_owned(), Some(card)),
        ("without".to_owned(), None),
    ];
    let history = store.alert_history(user, 10, 0).await.expect("history");
    assert_eq!(cards(history), expected);
    let of_watch = store.watch_alerts(user, watch).await.expect("watch alerts");
    assert_eq!(cards(of_watch), expected);
    let claimed = store
        .claim_due_deliveries(t(300), &channels(&["terminal"]), 10, TimeDelta::seconds(60))
        .await
        .expect("claim");
    assert_eq!(
        cards(claimed.into_iter().map(|d| d.alert).collect()),
        expected
    );
}

/// Alerts (and states) of a watch that was deleted, or that name the wrong user, are skipped.
pub async fn apply_update_skips_alerts_of_missing_or_foreign_watches(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    let (other, _) = user_and_watch(&store, "2002", a).await;
    let applied = store
        .apply_update(&PriceUpdate {
            rule_states: vec![states_of(WatchId(9_999), a, t(5), 1)],
            alerts: vec![
                new_alert(other, watch, a, "foreign", t(5)),
                new_alert(user, WatchId(9_999), a, "missing", t(5)),
                new_alert(user, watch, a, "good", t(5)),
            ],
            channels: channels(&["terminal"]),
            ..PriceUpdate::default()
        })
        .await
        .expect("apply");
    assert_eq!((applied.created.len(), applied.orphans), (1, 3));
    assert_eq!(
        store.alert_history(other, 10, 0).await.expect("h"),
        Vec::new()
    );
    assert_eq!(store.alert_history(user, 10, 0).await.expect("h").len(), 1);
}

/// An update with a bad part is refused whole.
pub async fn invalid_update_writes_nothing(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    let mut bad = point(a, OfferKind::BuyBox, t(10), Some(100));
    bad.price = Some(inr(-5));
    assert_invalid(
        store
            .apply_update(&PriceUpdate {
                points: vec![bad],
                rule_states: vec![states_of(watch, a, t(10), 1)],
                alerts: vec![new_alert(user, watch, a, "k1", t(10))],
                channels: channels(&["terminal"]),
                ..PriceUpdate::default()
            })
            .await,
    );
    assert_invalid(
        store
            .apply_update(&PriceUpdate {
                alerts: vec![new_alert(user, watch, a, " ", t(10))],
                channels: channels(&["terminal"]),
                ..PriceUpdate::default()
            })
            .await,
    );
    assert_eq!(
        store.alert_history(user, 10, 0).await.expect("h"),
        Vec::new()
    );
    assert_eq!(store.rule_states(&[watch]).await.expect("s"), Vec::new());
    assert_eq!(
        store.price_history(&all_history(a)).await.expect("p"),
        Vec::new()
    );
}

/// Re-applying an old update records its points but keeps the newer product copy.
pub async fn older_fetch_never_replaces_newer_product(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let mut newer = Product::new(a, IN, "newer", t(200));
    newer
        .offers
        .push(Offer::new(Some(inr(100_000)), Availability::InStock));
    let mut older = Product::new(a, IN, "older", t(100));
    older
        .offers
        .push(Offer::new(Some(inr(90_000)), Availability::InStock));
    for p in [&newer, &older] {
        store
            .apply_update(&PriceUpdate {
                product: Some(p.clone()),
                ..PriceUpdate::default()
            })
            .await
            .expect("apply");
    }
    let stored = store
        .get_product(IN, a)
        .await
        .expect("get")
        .expect("product");
    assert_eq!(stored.title, "newer");
    assert_eq!(
        store.price_history(&all_history(a)).await.expect("h").len(),
        2
    );
}

/// Claims take due rows of the asked channels only, and hide them for the lease.
pub async fn claim_respects_due_time_channel_and_lease(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    apply_alerts(
        &store,
        vec![
            new_alert(user, watch, a, "k1", t(100)),
            new_alert(user, watch, a, "k2", t(200)),
        ],
        &["terminal", "webhook"],
    )
    .await;
    let lease = TimeDelta::seconds(60);
    let term = channels(&["terminal"]);
    assert_eq!(
        store
            .claim_due_deliveries(t(99), &term, 10, lease)
            .await
            .expect("c"),
        Vec::new()
    );
    assert_eq!(
        store
            .claim_due_deliveries(t(300), &channels(&["telegram"]), 10, lease)
            .await
            .expect("c"),
        Vec::new()
    );
    let first = store
        .claim_due_deliveries(t(100), &term, 10, lease)
        .await
        .expect("c");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].alert.dedupe_key, "k1");
    assert_eq!(first[0].entry.channel, "terminal");
    assert_eq!(first[0].entry.next_attempt_at, t(160));
    assert_eq!(first[0].hold, None);
    // Leased: not claimed again before the lease ends; then due again (a crashed claimer).
    let at_200 = store
        .claim_due_deliveries(t(200), &term, 10, lease)
        .await
        .expect("c");
    assert_eq!(
        at_200
            .iter()
            .map(|d| d.alert.dedupe_key.as_str())
            .collect::<Vec<_>>(),
        ["k1", "k2"],
        "oldest due first; k1's lease ran out at 160"
    );
    assert_eq!(
        store
            .claim_due_deliveries(t(210), &term, 10, lease)
            .await
            .expect("c"),
        Vec::new()
    );
    let limited = store
        .claim_due_deliveries(t(1_000), &channels(&["terminal", "webhook"]), 3, lease)
        .await
        .expect("c");
    assert_eq!(limited.len(), 3);
}

/// Sent, failed and dead outcomes are recorded; only sent rows count for the daily cap.
pub async fn delivery_outcomes_are_recorded(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    let ids = apply_alerts(
        &store,
        vec![
            new_alert(user, watch, a, "k1", t(100)),
            new_alert(user, watch, a, "k2", t(100)),
            new_alert(user, watch, a, "k3", t(100)),
        ],
        &["terminal"],
    )
    .await;
    let lease = TimeDelta::seconds(60);
    let term = channels(&["terminal"]);
    let claimed = store
        .claim_due_deliveries(t(100), &term, 10, lease)
        .await
        .expect("c");
    let row = |key: &str| {
        claimed
            .iter()
            .find(|d| d.alert.dedupe_key == key)
            .expect("row")
            .entry
            .id
    };
    store.mark_sent(row("k1"), t(110)).await.expect("sent");
    store
        .mark_failed(row("k2"), t(500), "timed out")
        .await
        .expect("failed");
    store
        .mark_dead(row("k3"), "recipient gone")
        .await
        .expect("dead");
    // Marking a finished row again changes nothing.
    store
        .mark_failed(row("k1"), t(900), "late")
        .await
        .expect("no-op");
    store.mark_sent(row("k3"), t(900)).await.expect("no-op");
    assert_not_found(store.mark_sent(9_999, t(1)).await, "outbox row");

    let entry = |i: usize| {
        let store = &store;
        let id = ids[i];
        async move {
            store
                .alert_deliveries(user, id)
                .await
                .expect("rows")
                .remove(0)
        }
    };
    let sent = entry(0).await;
    assert_eq!((sent.status, sent.attempts), (DeliveryStatus::Sent, 0));
    let failed = entry(1).await;
    assert_eq!(
        (failed.status, failed.attempts),
        (DeliveryStatus::Pending, 1)
    );
    assert_eq!(failed.next_attempt_at, t(500));
    assert_eq!(failed.last_error.as_deref(), Some("timed out"));
    let dead = entry(2).await;
    assert_eq!((dead.status, dead.attempts), (DeliveryStatus::Dead, 1));
    assert_eq!(dead.last_error.as_deref(), Some("recipient gone"));

    assert_eq!(store.count_sent(user, t(0), t(1_000)).await.expect("n"), 1);
    assert_eq!(
        store.count_sent(user, t(111), t(1_000)).await.expect("n"),
        0
    );
    assert_eq!(
        store.count_sent(user, t(0), t(110)).await.expect("n"),
        0,
        "until is exclusive"
    );
    // The failed row comes due again at its next attempt; dead and sent rows never do.
    assert_eq!(
        store
            .claim_due_deliveries(t(499), &term, 10, lease)
            .await
            .expect("c"),
        Vec::new()
    );
    let again = store
        .claim_due_deliveries(t(500), &term, 10, lease)
        .await
        .expect("c");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].alert.dedupe_key, "k2");
}

/// Held rows wait until their time (or a release) and keep their hold reason.
pub async fn held_deliveries_wait_until_released(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    let (other, other_watch) = user_and_watch(&store, "2002", a).await;
    apply_alerts(
        &store,
        vec![
            new_alert(user, watch, a, "k1", t(100)),
            new_alert(other, other_watch, a, "k2", t(100)),
        ],
        &["terminal"],
    )
    .await;
    let lease = TimeDelta::seconds(60);
    let term = channels(&["terminal"]);
    let claimed = store
        .claim_due_deliveries(t(100), &term, 10, lease)
        .await
        .expect("c");
    for d in &claimed {
        store
            .hold_delivery(d.entry.id, t(10_000), HoldReason::QuietHours)
            .await
            .expect("hold");
    }
    let held = store.held_deliveries(user, t(200)).await.expect("held");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].alert.dedupe_key, "k1");
    assert_eq!(held[0].hold, Some(HoldReason::QuietHours));
    assert_eq!(held[0].entry.next_attempt_at, t(10_000));
    assert_eq!(held[0].entry.attempts, 0, "a hold is not an attempt");
    assert_eq!(
        store
            .claim_due_deliveries(t(200), &term, 10, lease)
            .await
            .expect("c"),
        Vec::new()
    );

    assert_eq!(store.release_held(user, t(300)).await.expect("release"), 1);
    assert_eq!(
        store.held_deliveries(user, t(300)).await.expect("held"),
        Vec::new()
    );
    let due = store
        .claim_due_deliveries(t(300), &term, 10, lease)
        .await
        .expect("c");
    assert_eq!(due.len(), 1, "only the released user's row");
    assert_eq!(due[0].alert.dedupe_key, "k1");
    assert_eq!(due[0].hold, Some(HoldReason::QuietHours));
    // The other user's row is still held until its time.
    assert_eq!(
        store
            .held_deliveries(other, t(300))
            .await
            .expect("held")
            .len(),
        1
    );
    // At 10 000 s the other row's hold ends, and k1 (claimed, never marked) is due again.
    assert_eq!(
        store
            .claim_due_deliveries(t(10_000), &term, 10, lease)
            .await
            .expect("c")
            .len(),
        2
    );
}

/// History is per user, newest first, paged; another user's watch or alert is not found.
pub async fn alert_history_is_newest_first_paged_and_private(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let b = asin("B0DDDDDDDD");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    let second = store
        .create_watch(&product_watch(user, b), t(2))
        .await
        .expect("watch")
        .id;
    let (other, other_watch) = user_and_watch(&store, "2002", a).await;
    let ids = apply_alerts(
        &store,
        vec![
            new_alert(user, watch, a, "k1", t(100)),
            new_alert(user, second, b, "k2", t(300)),
            new_alert(user, watch, a, "k3", t(200)),
            new_alert(other, other_watch, a, "k4", t(400)),
        ],
        &["terminal"],
    )
    .await;
    let keys = |alerts: Vec<crate::domain::Alert>| {
        alerts.into_iter().map(|a| a.dedupe_key).collect::<Vec<_>>()
    };
    assert_eq!(
        keys(store.alert_history(user, 10, 0).await.expect("h")),
        ["k2", "k3", "k1"]
    );
    assert_eq!(
        keys(store.alert_history(user, 2, 0).await.expect("h")),
        ["k2", "k3"]
    );
    assert_eq!(
        keys(store.alert_history(user, 2, 2).await.expect("h")),
        ["k1"]
    );
    assert_eq!(
        keys(store.alert_history(other, 10, 0).await.expect("h")),
        ["k4"]
    );
    assert_eq!(
        keys(store.watch_alerts(user, watch).await.expect("w")),
        ["k3", "k1"]
    );
    assert_not_found(store.watch_alerts(other, watch).await, "watch");
    assert_not_found(store.alert_deliveries(other, ids[0]).await, "alert");
    assert_eq!(
        store
            .alert_deliveries(user, ids[0])
            .await
            .expect("rows")
            .len(),
        1
    );
}

/// Deleting a watch removes its rule states and its alerts with their pending deliveries.
pub async fn deleting_a_watch_drops_its_states_and_pending_alerts(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    store
        .apply_update(&PriceUpdate {
            rule_states: vec![states_of(watch, a, t(100), 1)],
            alerts: vec![new_alert(user, watch, a, "k1", t(100))],
            channels: channels(&["terminal"]),
            ..PriceUpdate::default()
        })
        .await
        .expect("apply");
    store.delete_watch(user, watch).await.expect("delete");
    assert_eq!(store.rule_states(&[watch]).await.expect("s"), Vec::new());
    assert_eq!(
        store.alert_history(user, 10, 0).await.expect("h"),
        Vec::new()
    );
    let claimed = store
        .claim_due_deliveries(
            t(1_000),
            &channels(&["terminal"]),
            10,
            TimeDelta::seconds(60),
        )
        .await
        .expect("c");
    assert_eq!(claimed, Vec::new());
}

/// `products_in_nodes` lists the saved products linked to any of the nodes, per
/// marketplace, sorted by ASIN and limited.
pub async fn products_in_nodes_finds_linked_products_only(store: impl Store) {
    let node = |id: &str| BrowseNode {
        id: id.to_owned(),
        name: format!("node {id}"),
        context_free_name: None,
        is_root: false,
        ancestors: Vec::new(),
        children: Vec::new(),
        sales_rank: None,
    };
    let mut a = full_product(asin("B0CX59H5W7"), t(0));
    a.browse_nodes = vec![node("1805560031")];
    let mut b = full_product(asin("B0AAAAAAA1"), t(0));
    b.browse_nodes = vec![node("1375424031"), node("22963796031")];
    let mut c = full_product(asin("B0AAAAAAA2"), t(0));
    c.browse_nodes = vec![node("976389031")];
    let mut us = full_product(asin("B0AAAAAAA3"), t(0));
    us.marketplace = Marketplace::UnitedStates;
    us.browse_nodes = vec![node("1805560031")];
    for p in [&a, &b, &c] {
        store.upsert_product(p).await.expect("upsert");
    }
    let _ = store.upsert_product(&us).await;
    let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        store
            .products_in_nodes(IN, &ids(&["1805560031", "22963796031"]), 10)
            .await
            .expect("query"),
        vec![b.asin, a.asin]
    );
    assert_eq!(
        store
            .products_in_nodes(IN, &ids(&["1805560031", "22963796031"]), 1)
            .await
            .expect("query"),
        vec![b.asin]
    );
    assert!(
        store
            .products_in_nodes(IN, &ids(&["999"]), 10)
            .await
            .expect("query")
            .is_empty()
    );
    assert!(
        store
            .products_in_nodes(IN, &[], 10)
            .await
            .expect("query")
            .is_empty()
    );
}

// --- running aggregates and batched writes ---

/// The running aggregates follow every write that adds points (in any order), skip
/// duplicates, keep unknown prices out of the lows and survive retention.
pub async fn price_stats_are_kept_with_every_point_added(store: impl Store) {
    let a = asin("B0CX59H5W7");
    assert_eq!(
        store
            .price_stats(IN, a, OfferKind::BuyBox)
            .await
            .expect("stats"),
        None
    );
    let mut out_of_stock = point(a, OfferKind::BuyBox, t(400), None);
    out_of_stock.availability = Availability::OutOfStock;
    let points = vec![
        point(a, OfferKind::BuyBox, t(300), Some(1_500_000)),
        point(a, OfferKind::BuyBox, t(100), Some(1_700_000)),
        point(a, OfferKind::BuyBox, t(200), Some(1_400_000)),
        out_of_stock,
        point(a, OfferKind::BuyBox, t(500), None),
        point(a, OfferKind::Used, t(50), Some(900_000)),
    ];
    store.record_prices(&points).await.expect("record");
    // A duplicate (same time and kind) changes nothing.
    store
        .record_prices(&[point(a, OfferKind::BuyBox, t(200), Some(1))])
        .await
        .expect("dup");
    let stats = store
        .price_stats(IN, a, OfferKind::BuyBox)
        .await
        .expect("stats")
        .expect("some");
    let buy_box: Vec<_> = points
        .iter()
        .filter(|p| p.offer_kind == OfferKind::BuyBox)
        .cloned()
        .collect();
    assert_eq!(Some(stats), crate::ports::store::PriceStats::of(&buy_box));
    assert_eq!(stats.first_known_at, Some(t(100)));
    assert_eq!(stats.last_at, Some(t(500)));
    assert_eq!(stats.last_price, Some((t(300), inr(1_500_000))));
    assert_eq!(
        stats.last_availability,
        Some((t(400), Availability::OutOfStock))
    );
    assert_eq!(stats.low, Some(inr(1_400_000)));
    assert_eq!(stats.high, Some(inr(1_700_000)));
    let used = store
        .price_stats(IN, a, OfferKind::Used)
        .await
        .expect("stats")
        .expect("some");
    assert_eq!(used.low, Some(inr(900_000)));

    // A product saved through a price update counts too.
    let p = full_product(a, t(600));
    store
        .apply_update(&PriceUpdate {
            product: Some(p),
            ..PriceUpdate::default()
        })
        .await
        .expect("apply");
    let after = store
        .price_stats(IN, a, OfferKind::BuyBox)
        .await
        .expect("stats")
        .expect("some");
    assert_eq!(after.last_price, Some((t(600), inr(1_899_900))));
    assert_eq!(after.high, Some(inr(1_899_900)));
    assert_eq!(after.low, Some(inr(1_400_000)));

    // Retention thins points, never the aggregates.
    let mut q = all_history(a);
    q.offer_kind = Some(OfferKind::BuyBox);
    store.retain_history(&q, &[t(600)]).await.expect("retain");
    assert_eq!(
        store
            .price_stats(IN, a, OfferKind::BuyBox)
            .await
            .expect("stats"),
        Some(after)
    );
}

/// A batch of updates is applied in order, each as `apply_update` would; a batch holding
/// one refused update writes nothing at all.
pub async fn apply_updates_writes_a_whole_reply_or_nothing(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let b = asin("B0CX59H5W8");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    let mut bad = point(b, OfferKind::BuyBox, t(10), Some(100));
    bad.price = Some(inr(-5));
    let good = PriceUpdate {
        product: Some(full_product(a, t(10))),
        rule_states: vec![states_of(watch, a, t(10), 1)],
        alerts: vec![new_alert(user, watch, a, "k1", t(10))],
        channels: channels(&["terminal"]),
        ..PriceUpdate::default()
    };
    assert_invalid(
        store
            .apply_updates(&[
                good.clone(),
                PriceUpdate {
                    points: vec![bad],
                    ..PriceUpdate::default()
                },
            ])
            .await,
    );
    assert_eq!(store.get_product(IN, a).await.expect("get"), None);
    assert_eq!(
        store.alert_history(user, 10, 0).await.expect("h"),
        Vec::new()
    );

    let second = PriceUpdate {
        product: Some(full_product(b, t(10))),
        ..PriceUpdate::default()
    };
    let applied = store
        .apply_updates(&[good.clone(), second, good])
        .await
        .expect("batch");
    assert_eq!(applied.len(), 3);
    assert_eq!(applied[0].created.len(), 1);
    assert!(applied[0].points_added > 0);
    assert!(applied[1].points_added > 0);
    assert_eq!(applied[2].created.len(), 0);
    assert_eq!(applied[2].duplicates, 1);
    assert!(store.get_product(IN, b).await.expect("get").is_some());
    assert_eq!(store.alert_history(user, 10, 0).await.expect("h").len(), 1);
    assert_eq!(
        store.apply_updates(&[]).await.expect("empty"),
        Vec::<crate::ports::store::AppliedUpdate>::new()
    );
}

/// The children of several parents in one read, in the order asked.
pub async fn variation_children_of_reads_several_families(store: impl Store) {
    let parent = asin("B0PARENT01");
    let lonely = asin("B0PARENT02");
    let mut child = full_product(asin("B0CHILD001"), t(0));
    child.parent_asin = None;
    child.variation_attributes = vec![attribute("color_name", "Arctic White")];
    let family = VariationFamily {
        parent_asin: parent,
        dimensions: vec!["color_name".to_owned()],
        items: vec![child.clone()],
        variation_count: 1,
        price_range: None,
    };
    store.upsert_variations(IN, &family).await.expect("upsert");
    assert_eq!(
        store
            .variation_children_of(IN, &[lonely, parent])
            .await
            .expect("children"),
        vec![Vec::new(), vec![child.asin]]
    );
}

// --- users listing, identity moves, batched reads ---

/// Users come back in id order, a page at a time, inactive ones included.
pub async fn users_are_listed_in_pages(store: impl Store) {
    assert!(store.list_users(None, 10).await.expect("list").is_empty());
    let mut ids = Vec::new();
    for s in ["3001", "3002", "3003", "3004", "3005"] {
        ids.push(
            store
                .upsert_user(&new_user(s), t(0))
                .await
                .expect("user")
                .id,
        );
    }
    let mut gone = store.get_user(ids[1]).await.expect("user");
    gone.active = false;
    store.update_user(&gone).await.expect("update");
    let first = store.list_users(None, 2).await.expect("page 1");
    assert_eq!(
        first.iter().map(|u| u.id).collect::<Vec<_>>(),
        ids[..2].to_vec()
    );
    assert!(!first[1].active, "inactive users are listed too");
    let second = store.list_users(Some(ids[1]), 2).await.expect("page 2");
    assert_eq!(
        second.iter().map(|u| u.id).collect::<Vec<_>>(),
        ids[2..4].to_vec()
    );
    let last = store.list_users(Some(ids[3]), 2).await.expect("page 3");
    assert_eq!(last.iter().map(|u| u.id).collect::<Vec<_>>(), vec![ids[4]]);
    assert!(
        store
            .list_users(Some(ids[4]), 2)
            .await
            .expect("past the end")
            .is_empty()
    );
    assert!(store.list_users(None, 0).await.expect("zero").is_empty());
}

/// A user moved to a new identity keeps id and watches; the old identity is free, and an
/// identity another user holds is refused without changing anything.
pub async fn user_identity_moves_with_its_watches(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let (user, watch) = user_and_watch(&store, "-4001", a).await;
    let moved = ExternalIdentity::new("telegram", "-1004001");
    store
        .update_user_identity(user, &moved)
        .await
        .expect("move");
    let found = store
        .find_user(&moved)
        .await
        .expect("find")
        .expect("found under the new identity");
    assert_eq!(found.id, user);
    assert_eq!(found.identity, moved);
    assert_eq!(found.display_name.as_deref(), Some("user -4001"));
    assert!(
        store
            .find_user(&ExternalIdentity::new("telegram", "-4001"))
            .await
            .expect("find old")
            .is_none()
    );
    assert_eq!(
        store.get_watch(user, watch).await.expect("watch").id,
        watch,
        "watches follow the user"
    );
    // Moving to the identity it already has is a no-op.
    store
        .update_user_identity(user, &moved)
        .await
        .expect("same identity");
    let other = store
        .upsert_user(&new_user("4002"), t(0))
        .await
        .expect("other")
        .id;
    match store.update_user_identity(other, &moved).await {
        Err(StoreError::Conflict { .. }) => {}
        r => panic!("expected a conflict, got {r:?}"),
    }
    assert_eq!(
        store.get_user(other).await.expect("other").identity,
        ExternalIdentity::new("telegram", "4002"),
        "a refused move changes nothing"
    );
    assert_not_found(
        store
            .update_user_identity(UserId(9_999), &ExternalIdentity::new("telegram", "x"))
            .await,
        "user",
    );
    assert!(matches!(
        store
            .update_user_identity(user, &ExternalIdentity::new("telegram", " "))
            .await,
        Err(StoreError::Invalid { .. })
    ));
}

/// Batched reads answer what the single reads answer, in order, leaving out what is missing.
pub async fn batched_reads_match_single_reads(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let b = asin("B09G9HD6PD");
    let missing = asin("B0000MISS1");
    store
        .upsert_product(&full_product(a, t(100)))
        .await
        .expect("a");
    store
        .upsert_product(&full_product(b, t(200)))
        .await
        .expect("b");
    store
        .record_prices(&[
            point(a, OfferKind::BuyBox, t(300), Some(1_799_900)),
            point(b, OfferKind::BuyBox, t(310), None),
        ])
        .await
        .expect("points");
    let products = store
        .get_products(IN, &[b, missing, a])
        .await
        .expect("products");
    assert_eq!(
        products.iter().map(|p| p.asin).collect::<Vec<_>>(),
        vec![b, a]
    );
    assert_eq!(
        products[1],
        store.get_product(IN, a).await.expect("a").expect("a saved")
    );
    let queries = [
        HistoryQuery::buy_box(IN, b),
        HistoryQuery::buy_box(IN, missing),
        HistoryQuery::buy_box(IN, a),
    ];
    let histories = store.price_histories(&queries).await.expect("histories");
    assert_eq!(histories.len(), 3);
    for (q, h) in queries.iter().zip(&histories) {
        assert_eq!(h, &store.price_history(q).await.expect("single"));
    }
    assert!(histories[1].is_empty());
    assert!(!histories[2].is_empty());
    assert!(store.price_histories(&[]).await.expect("none").is_empty());
}

/// The outbox depth counts pending deliveries (held and failed-to-retry included); sent and
/// dead rows leave it.
pub async fn outbox_depth_counts_pending_deliveries(store: impl Store) {
    assert_eq!(store.outbox_depth().await.expect("depth"), 0);
    let a = asin("B0CX59H5W7");
    let (user, watch) = user_and_watch(&store, "2001", a).await;
    apply_alerts(
        &store,
        vec![
            new_alert(user, watch, a, "k1", t(100)),
            new_alert(user, watch, a, "k2", t(100)),
        ],
        &["terminal", "webhook"],
    )
    .await;
    assert_eq!(store.outbox_depth().await.expect("depth"), 4);
    let claimed = store
        .claim_due_deliveries(t(100), &channels(&["terminal"]), 10, TimeDelta::seconds(60))
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 2);
    assert_eq!(
        store.outbox_depth().await.expect("depth"),
        4,
        "claimed rows are still pending"
    );
    store
        .mark_sent(claimed[0].entry.id, t(110))
        .await
        .expect("sent");
    store
        .mark_dead(claimed[1].entry.id, "gone")
        .await
        .expect("dead");
    assert_eq!(store.outbox_depth().await.expect("depth"), 2);
}
