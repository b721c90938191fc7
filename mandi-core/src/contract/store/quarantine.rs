//! The quarantine part of the store contract (issue 19): suspect observations the
//! data-quality guard holds are stored apart, stay out of every history until a second read
//! confirms them, and never enter it once rejected.

// Amounts in paise are written rupees_paise (`1_000_00` is ₹1,000.00) on purpose.
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::{DateTime, TimeDelta, Utc};

use super::{IN, asin, inr, t};
use crate::domain::{Asin, Availability, Currency, Offer, OfferKind, PricePoint, Product};
use crate::ports::store::{
    HistoryQuery, NewQuarantine, PriceUpdate, QuarantineStatus, QuarantinedObservation, Settlement,
    Store, StoreError,
};
use crate::quality::SuspectReason;

fn laptop(a: Asin, at: DateTime<Utc>, minor: i64) -> Product {
    let mut p = Product::new(a, IN, "ASUS Vivobook 15 Intel Core i5 16GB 512GB", at);
    p.offers
        .push(Offer::new(Some(inr(minor)), Availability::InStock));
    p
}

fn hold(product: Product, reason: SuspectReason) -> PriceUpdate {
    PriceUpdate {
        quarantine: Some(NewQuarantine { product, reason }),
        ..PriceUpdate::default()
    }
}

/// Six real observations of `a`, one an hour, at ₹54,999.
async fn seed(store: &impl Store, a: Asin) {
    for h in 0..6 {
        store
            .upsert_product(&laptop(a, t(h * 3_600), 54_999_00))
            .await
            .expect("seed");
    }
}

async fn pending(store: &impl Store, asins: &[Asin]) -> Vec<QuarantinedObservation> {
    store.quarantined(IN, asins, true).await.expect("pending")
}

/// A held observation is stored as pending (once, however often the same update is
/// applied) and is nowhere else: no price point, no aggregate, no window low, and the stored
/// product stays the last real one.
pub async fn suspect_observations_are_held_out_of_every_history(store: impl Store) {
    let a = asin("B0CX59H5W7");
    seed(&store, a).await;
    let history = store
        .price_history(&HistoryQuery::buy_box(IN, a))
        .await
        .expect("history");
    let stats = store
        .price_stats(IN, a, OfferKind::BuyBox)
        .await
        .expect("stats");
    let glitch_at = t(6 * 3_600);
    let update = hold(laptop(a, glitch_at, 100), SuspectReason::AbsurdForCategory);
    let applied = store.apply_update(&update).await.expect("hold");
    assert_eq!(applied.points_added, 0);
    assert!(applied.created.is_empty());
    store.apply_update(&update).await.expect("hold again");

    let held = pending(&store, &[a]).await;
    assert_eq!(held.len(), 1, "held once: {held:?}");
    assert_eq!(held[0].status, QuarantineStatus::Pending);
    assert_eq!(held[0].reason, SuspectReason::AbsurdForCategory);
    assert_eq!(held[0].product.price(), Some(inr(100)));
    assert_eq!(held[0].product.fetched_at, glitch_at);
    assert_eq!(held[0].settled_at, None);

    assert_eq!(
        store
            .price_history(&HistoryQuery::buy_box(IN, a))
            .await
            .expect("history"),
        history,
        "no point of the held observation"
    );
    assert_eq!(
        store
            .price_stats(IN, a, OfferKind::BuyBox)
            .await
            .expect("stats"),
        stats
    );
    assert_eq!(
        store
            .lowest_in_window(
                IN,
                a,
                OfferKind::BuyBox,
                t(0),
                glitch_at + TimeDelta::hours(1),
                Currency::INR
            )
            .await
            .expect("low"),
        Some(inr(54_999_00))
    );
    let stored = store.get_product(IN, a).await.expect("get").expect("some");
    assert_eq!(stored.price(), Some(inr(54_999_00)));
    assert_eq!(stored.fetched_at, t(5 * 3_600));
    // Another product and another marketplace see nothing.
    assert!(pending(&store, &[asin("B0CHX1W1XY")]).await.is_empty());
    assert!(
        store
            .quarantined(crate::domain::Marketplace::UnitedStates, &[a], false)
            .await
            .expect("us")
            .is_empty()
    );
}

/// A confirmed observation's points join the history (the caller passes them with the
/// settlement); a rejected one never does; settled rows are final and leave the pending
/// list.
pub async fn settled_quarantines_are_final_and_only_confirmed_ones_join_the_history(
    store: impl Store,
) {
    let (a, b) = (asin("B0CHX1W1XY"), asin("B0CX59H5W7"));
    seed(&store, a).await;
    seed(&store, b).await;
    let at = t(6 * 3_600);
    store
        .apply_updates(&[
            hold(laptop(a, at, 30_000_00), SuspectReason::OutsideRobustRange),
            hold(laptop(b, at, 549_99), SuspectReason::OutsideRobustRange),
        ])
        .await
        .expect("hold");
    let held = pending(&store, &[b, a]).await;
    assert_eq!(
        held.iter().map(|o| o.product.asin).collect::<Vec<_>>(),
        vec![a, b],
        "by ASIN"
    );
    let settled_at = at + TimeDelta::seconds(20);
    let confirm = PriceUpdate {
        points: PricePoint::from_product(&held[0].product),
        settle: vec![Settlement {
            id: held[0].id,
            status: QuarantineStatus::Confirmed,
            at: settled_at,
        }],
        ..PriceUpdate::default()
    };
    let reject = PriceUpdate {
        settle: vec![Settlement {
            id: held[1].id,
            status: QuarantineStatus::Rejected,
            at: settled_at,
        }],
        ..PriceUpdate::default()
    };
    store
        .apply_updates(&[confirm, reject])
        .await
        .expect("settle");
    assert!(pending(&store, &[a, b]).await.is_empty());
    let all = store.quarantined(IN, &[a, b], false).await.expect("all");
    assert_eq!(
        all.iter().map(|o| o.status).collect::<Vec<_>>(),
        vec![QuarantineStatus::Confirmed, QuarantineStatus::Rejected]
    );
    assert!(all.iter().all(|o| o.settled_at == Some(settled_at)));

    let price_at = |h: &[PricePoint]| h.iter().find(|p| p.at == at).and_then(|p| p.price);
    let ha = store
        .price_history(&HistoryQuery::buy_box(IN, a))
        .await
        .expect("history a");
    assert_eq!(
        price_at(&ha),
        Some(inr(30_000_00)),
        "confirmed point recorded"
    );
    let hb = store
        .price_history(&HistoryQuery::buy_box(IN, b))
        .await
        .expect("history b");
    assert_eq!(price_at(&hb), None, "rejected point never recorded");
    let sb = store
        .price_stats(IN, b, OfferKind::BuyBox)
        .await
        .expect("stats")
        .expect("some");
    assert_eq!(sb.low, Some(inr(54_999_00)));

    // Settling again (even the other way) changes nothing.
    store
        .apply_update(&PriceUpdate {
            settle: vec![Settlement {
                id: all[1].id,
                status: QuarantineStatus::Confirmed,
                at: settled_at + TimeDelta::hours(1),
            }],
            ..PriceUpdate::default()
        })
        .await
        .expect("again");
    let again = store.quarantined(IN, &[a, b], false).await.expect("all");
    assert_eq!(again, all);
}

/// A held observation with a product to record or alerts to fire, and a settlement back to
/// pending, are refused; nothing is written.
pub async fn inconsistent_quarantine_updates_are_refused(store: impl Store) {
    let a = asin("B0CX59H5W7");
    let at = t(100);
    let mut with_product = hold(laptop(a, at, 100), SuspectReason::AbsurdForCategory);
    with_product.product = Some(laptop(a, at, 100));
    let back_to_pending = PriceUpdate {
        settle: vec![Settlement {
            id: crate::ports::store::QuarantineId(1),
            status: QuarantineStatus::Pending,
            at,
        }],
        ..PriceUpdate::default()
    };
    for bad in [with_product, back_to_pending] {
        match store.apply_update(&bad).await {
            Err(StoreError::Invalid { .. }) => {}
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
    assert!(
        store
            .quarantined(IN, &[a], false)
            .await
            .expect("all")
            .is_empty()
    );
    assert!(store.get_product(IN, a).await.expect("get").is_none());
}
