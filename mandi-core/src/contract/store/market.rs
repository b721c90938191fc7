//! The market-intelligence part of the store contract (issue 18): the market snapshot,
//! co-watch counts and the click log.

// Amounts in paise are written rupees_paise (`1_000_00` is ₹1,000.00) on purpose.
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::TimeDelta;

use super::{IN, asin, inr, new_user, point, product_watch, t};
use crate::domain::{
    Asin, BrowseNode, BrowseNodeRef, Marketplace, OfferKind, Product, UserId, WatchState,
};
use crate::ports::store::{CoWatch, ProductClick, Store, StoreError};

fn leaf(id: &str, name: &str, ancestors: &[(&str, &str)]) -> BrowseNode {
    BrowseNode {
        id: id.to_owned(),
        name: name.to_owned(),
        context_free_name: None,
        is_root: false,
        ancestors: ancestors
            .iter()
            .map(|(id, name)| BrowseNodeRef {
                id: (*id).to_owned(),
                name: (*name).to_owned(),
            })
            .collect(),
        children: Vec::new(),
        sales_rank: None,
    }
}

async fn product_in(store: &impl Store, a: Asin, node: BrowseNode) {
    let mut p = Product::new(a, IN, format!("product {a}"), t(0));
    p.browse_nodes = vec![node];
    store.upsert_product(&p).await.expect("product");
}

/// The snapshot gives each product's last known buy-box price at every moment, its lows
/// before and during the span, its leaf category, and filters by a node or its ancestors;
/// other offer kinds, unknown prices, points after the last moment and products with no
/// price by then are left out.
pub async fn market_snapshot_folds_prices_at_moments(store: impl Store) {
    let phone = asin("B0CX59H5W7");
    let laptop = asin("B0AAAAAAA1");
    let late = asin("B0AAAAAAA2");
    let electronics = [("976419031", "Electronics")];
    product_in(
        &store,
        phone,
        leaf("1805560031", "Smartphones", &electronics),
    )
    .await;
    product_in(&store, laptop, leaf("1375424031", "Laptops", &electronics)).await;
    store
        .record_prices(&[
            point(phone, OfferKind::BuyBox, t(0), Some(1_000_00)),
            point(phone, OfferKind::BuyBox, t(50), Some(900_00)),
            point(phone, OfferKind::BuyBox, t(100), Some(950_00)),
            point(phone, OfferKind::BuyBox, t(150), Some(800_00)),
            point(phone, OfferKind::BuyBox, t(180), None),
            point(phone, OfferKind::Used, t(160), Some(100_00)),
            point(phone, OfferKind::BuyBox, t(250), Some(10_00)),
            point(laptop, OfferKind::BuyBox, t(120), Some(5_000_00)),
            point(late, OfferKind::BuyBox, t(300), Some(1_00)),
        ])
        .await
        .expect("points");
    let moments = [t(100), t(200)];
    let rows = store
        .market_snapshot(IN, None, &moments)
        .await
        .expect("snapshot");
    assert_eq!(
        rows.iter().map(|r| r.asin).collect::<Vec<_>>(),
        vec![laptop, phone]
    );
    let p = &rows[1];
    assert_eq!(p.prices, vec![Some(inr(950_00)), Some(inr(800_00))]);
    assert_eq!(p.low_before, Some(inr(900_00)));
    assert_eq!(p.low_during, Some(inr(800_00)));
    assert_eq!(
        p.category.as_ref().map(|c| c.name.as_str()),
        Some("Smartphones")
    );
    let l = &rows[0];
    assert_eq!(l.prices, vec![None, Some(inr(5_000_00))]);
    assert_eq!((l.low_before, l.low_during), (None, Some(inr(5_000_00))));

    // By the leaf itself, and by an ancestor.
    let only = store
        .market_snapshot(IN, Some("1375424031"), &moments)
        .await
        .expect("by leaf");
    assert_eq!(
        only.iter().map(|r| r.asin).collect::<Vec<_>>(),
        vec![laptop]
    );
    let all = store
        .market_snapshot(IN, Some("976419031"), &moments)
        .await
        .expect("by ancestor");
    assert_eq!(all.len(), 2);
    assert!(
        store
            .market_snapshot(IN, Some("123"), &moments)
            .await
            .expect("none")
            .is_empty()
    );
    assert!(
        store
            .market_snapshot(Marketplace::UnitedStates, None, &moments)
            .await
            .expect("other market")
            .is_empty()
    );
    // A moment exactly at a point includes it.
    let exact = store
        .market_snapshot(IN, None, &[t(50)])
        .await
        .expect("exact");
    assert_eq!(exact[0].prices, vec![Some(inr(900_00))]);

    for bad in [&[][..], &[t(200), t(100)][..]] {
        assert!(matches!(
            store.market_snapshot(IN, None, bad).await,
            Err(StoreError::Invalid { .. })
        ));
    }
}

/// A category's snapshot is the full snapshot's rows of the products in that node or below
/// it (whichever of their nodes it is, each product once, with its own leaf category), and
/// nothing of the other products or of prices never linked to a product.
pub async fn market_snapshot_of_a_category_is_the_full_one_narrowed(store: impl Store) {
    let electronics = ("976419031", "Electronics");
    let computers = ("976392031", "Computers");
    let phone = asin("B0CX59H5W7");
    let laptop = asin("B0AAAAAAA1");
    let mouse = asin("B0AAAAAAA2");
    let book = asin("B0AAAAAAA3");
    let orphan = asin("B0AAAAAAA4");
    product_in(
        &store,
        phone,
        leaf("1805560031", "Smartphones", &[electronics]),
    )
    .await;
    product_in(
        &store,
        laptop,
        leaf("1375424031", "Laptops", &[computers, electronics]),
    )
    .await;
    // The mouse sits first in Books (odd, but a product can be in several nodes) and also in
    // Laptops: it belongs to both.
    let mut m = Product::new(mouse, IN, "mouse", t(0));
    m.browse_nodes = vec![
        leaf("1318158031", "Books", &[]),
        leaf("1375424031", "Laptops", &[computers, electronics]),
    ];
    store.upsert_product(&m).await.expect("mouse");
    product_in(&store, book, leaf("1318158031", "Books", &[])).await;
    let mut points = Vec::new();
    for (i, a) in [phone, laptop, mouse, book, orphan].into_iter().enumerate() {
        let base = 1_000_00 * (i as i64 + 1);
        points.push(point(a, OfferKind::BuyBox, t(10), Some(base)));
        points.push(point(a, OfferKind::BuyBox, t(60), Some(base - 100_00)));
        points.push(point(a, OfferKind::Used, t(70), Some(10_00)));
        points.push(point(a, OfferKind::BuyBox, t(120), Some(base - 50_00)));
    }
    store.record_prices(&points).await.expect("points");
    let moments = [t(50), t(100), t(150)];
    let full = store
        .market_snapshot(IN, None, &moments)
        .await
        .expect("full");
    assert_eq!(full.len(), 5, "every product with a price, linked or not");
    let narrowed = |node: &'static str| {
        let store = &store;
        async move {
            store
                .market_snapshot(IN, Some(node), &moments)
                .await
                .expect("category")
        }
    };
    let of = |asins: &[Asin]| {
        full.iter()
            .filter(|r| asins.contains(&r.asin))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(narrowed("976419031").await, of(&[phone, laptop, mouse]));
    assert_eq!(narrowed("976392031").await, of(&[laptop, mouse]));
    assert_eq!(narrowed("1375424031").await, of(&[laptop, mouse]));
    assert_eq!(narrowed("1318158031").await, of(&[mouse, book]));
    assert_eq!(narrowed("1805560031").await, of(&[phone]));
    // The mouse keeps its own (first) leaf in any category's snapshot.
    let computers_rows = narrowed("976392031").await;
    let mouse_row = computers_rows
        .iter()
        .find(|r| r.asin == mouse)
        .expect("mouse");
    assert_eq!(
        mouse_row.category.as_ref().map(|c| c.name.as_str()),
        Some("Books")
    );
    assert_eq!(
        mouse_row.prices,
        vec![
            Some(inr(3_000_00)),
            Some(inr(2_900_00)),
            Some(inr(2_950_00))
        ]
    );
}

async fn user(store: &impl Store, subject: &str) -> UserId {
    store
        .upsert_user(&new_user(subject), t(0))
        .await
        .expect("user")
        .id
}

/// Co-watch counts distinct users with active watches, leaves out the products asked about
/// and paused watches, and ranks by users then ASIN.
pub async fn co_watched_counts_distinct_active_watchers(store: impl Store) {
    let (x, y, z, w) = (
        asin("B0CX59H5W7"),
        asin("B0AAAAAAA1"),
        asin("B0AAAAAAA2"),
        asin("B0AAAAAAA3"),
    );
    let (u1, u2, u3, u4) = (
        user(&store, "1").await,
        user(&store, "2").await,
        user(&store, "3").await,
        user(&store, "4").await,
    );
    for (u, a) in [
        (u1, x),
        (u1, y),
        (u1, z),
        (u2, x),
        (u2, z),
        (u3, w),
        (u4, x),
    ] {
        store
            .create_watch(&product_watch(u, a), t(1))
            .await
            .expect("watch");
    }
    // u4 also watches y, but paused.
    let mut paused = store
        .create_watch(&product_watch(u4, y), t(2))
        .await
        .expect("watch");
    paused.state = WatchState::Paused;
    store.update_watch(&paused).await.expect("pause");

    let co = store.co_watched(IN, &[x], 10).await.expect("co-watch");
    assert_eq!(
        co,
        vec![CoWatch { asin: z, users: 2 }, CoWatch { asin: y, users: 1 }]
    );
    assert_eq!(store.co_watched(IN, &[x], 1).await.expect("one").len(), 1);
    assert!(
        store
            .co_watched(IN, &[x, y, z], 10)
            .await
            .expect("all")
            .is_empty()
    );
    assert!(
        store
            .co_watched(IN, &[], 10)
            .await
            .expect("none")
            .is_empty()
    );
}

/// Clicks round-trip per user, newest first, from a moment on; an unknown user is refused.
pub async fn clicks_round_trip_per_user(store: impl Store) {
    let (a, b) = (asin("B0CX59H5W7"), asin("B0AAAAAAA1"));
    let (u1, u2) = (user(&store, "1").await, user(&store, "2").await);
    let click = |u: UserId, a: Asin, secs: i64| ProductClick {
        user_id: u,
        marketplace: IN,
        asin: a,
        at: t(secs),
    };
    for c in [
        click(u1, a, 10),
        click(u1, b, 20),
        click(u2, a, 30),
        click(u1, a, 40),
    ] {
        store.record_click(&c).await.expect("click");
    }
    let got = store.clicks(u1, t(15), 10).await.expect("clicks");
    assert_eq!(got, vec![click(u1, a, 40), click(u1, b, 20)]);
    assert_eq!(store.clicks(u1, t(0), 1).await.expect("one").len(), 1);
    assert_eq!(
        store
            .clicks(u2, t(0) - TimeDelta::days(1), 10)
            .await
            .expect("u2"),
        vec![click(u2, a, 30)]
    );
    assert!(matches!(
        store.record_click(&click(UserId(999), a, 50)).await,
        Err(StoreError::NotFound { .. })
    ));
}
