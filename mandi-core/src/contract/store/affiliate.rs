//! Affiliate click tracking's part of the store contract: click targets (what a redirect
//! token stands for) and the clicks recorded when they are followed.

use chrono::TimeDelta;

use super::{IN, asin, assert_invalid, assert_not_found, new_user, t};
use crate::domain::{
    AffiliateClick, AffiliateOrder, AlertId, ClickSource, ClickTargetId, Currency, LinkFormat,
    Money, NewClickTarget, ReportKind, UserId,
};
use crate::ports::store::{Store, StoreError};

async fn user(store: &impl Store, subject: &str) -> UserId {
    store
        .upsert_user(&new_user(subject), t(0))
        .await
        .expect("user")
        .id
}

/// A target whose token hash is 64 copies of `digit`.
fn new_target(user: UserId, digit: char, source: ClickSource) -> NewClickTarget {
    NewClickTarget {
        token_hash: std::iter::repeat_n(digit, 64).collect(),
        user_id: user,
        source,
        marketplace: IN,
        asin: asin("B0CX59H5W7"),
        variant: Some("chart_card".to_owned()),
        link_format: LinkFormat::GpProduct,
        // A sub-millisecond part the store drops.
        created_at: t(5) + TimeDelta::microseconds(1_500),
    }
}

/// Targets of every source kind round-trip, are found by their hash (in either case) and
/// listed by when they were made;
/// clicks carry the target's user, source, product, variant and format, and are listed
/// oldest first within a half-open window.
pub async fn click_targets_and_clicks_round_trip(store: impl Store) {
    let (u1, u2) = (user(&store, "a1").await, user(&store, "a2").await);
    let from_alert = new_target(
        u1,
        'a',
        ClickSource::Alert {
            alert_id: AlertId(42),
        },
    );
    let from_search = NewClickTarget {
        variant: None,
        link_format: LinkFormat::Dp,
        asin: asin("B0AAAAAAA1"),
        ..new_target(
            u2,
            'b',
            ClickSource::Search {
                query: "गेमिंग laptop under 80k".to_owned(),
            },
        )
    };
    let from_card = new_target(u1, 'c', ClickSource::Card);
    let mut made = Vec::new();
    for new in [&from_alert, &from_search, &from_card] {
        let target = store.create_click_target(new).await.expect("create");
        assert_eq!(target.token_hash, new.token_hash);
        assert_eq!(target.user_id, new.user_id);
        assert_eq!(target.source, new.source);
        assert_eq!(target.asin, new.asin);
        assert_eq!(target.marketplace, IN);
        assert_eq!(target.variant, new.variant);
        assert_eq!(target.link_format, new.link_format);
        assert_eq!(target.created_at, t(5) + TimeDelta::milliseconds(1));
        made.push(target);
    }
    let ids: std::collections::BTreeSet<ClickTargetId> = made.iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), 3, "every target has its own id");
    let later = store
        .create_click_target(&NewClickTarget {
            created_at: t(30),
            ..new_target(u2, 'f', ClickSource::Card)
        })
        .await
        .expect("a later target");
    assert_eq!(
        store
            .click_targets_between(t(0), t(1_000))
            .await
            .expect("all targets"),
        vec![
            made[0].clone(),
            made[1].clone(),
            made[2].clone(),
            later.clone()
        ],
        "targets come oldest first, ties by id"
    );
    assert_eq!(
        store
            .click_targets_between(t(30), t(31))
            .await
            .expect("window"),
        vec![later]
    );
    assert_eq!(
        store
            .click_targets_between(t(0), t(5))
            .await
            .expect("before"),
        Vec::new(),
        "the window excludes its end"
    );
    for target in &made {
        let found = store
            .click_target(&target.token_hash.to_ascii_uppercase())
            .await
            .expect("find")
            .expect("found by an upper-case hash");
        assert_eq!(&found, target);
    }
    assert_eq!(
        store.click_target(&"d".repeat(64)).await.expect("find"),
        None
    );
    assert_eq!(store.click_target("not-a-hash").await.expect("find"), None);

    let c1 = store
        .record_affiliate_click(made[0].id, t(100) + TimeDelta::microseconds(700))
        .await
        .expect("click");
    assert_eq!(c1, AffiliateClick::of(&made[0], t(100)));
    assert_eq!(c1.user_id, u1);
    assert_eq!(c1.source.alert_id(), Some(AlertId(42)));
    let c2 = store
        .record_affiliate_click(made[1].id, t(50))
        .await
        .expect("click");
    // The same link followed twice is two clicks.
    let c3 = store
        .record_affiliate_click(made[0].id, t(100))
        .await
        .expect("again");
    let c4 = store
        .record_affiliate_click(made[2].id, t(200))
        .await
        .expect("click");
    assert_eq!(
        store.affiliate_clicks(t(0), t(1_000)).await.expect("all"),
        vec![c2.clone(), c1.clone(), c3.clone(), c4.clone()]
    );
    assert_eq!(
        store.affiliate_clicks(t(50), t(200)).await.expect("window"),
        vec![c2, c1, c3],
        "the window includes its start and excludes its end"
    );
    assert_eq!(
        store
            .affiliate_clicks(t(201), t(1_000))
            .await
            .expect("none"),
        Vec::new()
    );
}

/// Bad targets and clicks of unknown targets are refused, and nothing is written.
pub async fn bad_click_targets_are_refused(store: impl Store) {
    let u = user(&store, "a3").await;
    let ok = new_target(u, 'e', ClickSource::Card);
    assert_not_found(
        store
            .create_click_target(&new_target(UserId(4_242), 'f', ClickSource::Card))
            .await,
        "user",
    );
    assert_invalid(
        store
            .create_click_target(&NewClickTarget {
                token_hash: "e".repeat(63),
                ..ok.clone()
            })
            .await,
    );
    assert_invalid(
        store
            .create_click_target(&NewClickTarget {
                token_hash: "g".repeat(64),
                ..ok.clone()
            })
            .await,
    );
    for variant in ["", "  ", "line\nbreak"] {
        assert_invalid(
            store
                .create_click_target(&NewClickTarget {
                    variant: Some(variant.to_owned()),
                    ..ok.clone()
                })
                .await,
        );
    }
    assert_invalid(
        store
            .create_click_target(&NewClickTarget {
                variant: Some("v".repeat(65)),
                ..ok.clone()
            })
            .await,
    );
    assert_invalid(
        store
            .create_click_target(&NewClickTarget {
                source: ClickSource::Search {
                    query: " ".to_owned(),
                },
                ..ok.clone()
            })
            .await,
    );
    assert_eq!(
        store.click_target(&"e".repeat(64)).await.expect("find"),
        None,
        "refused targets are not stored"
    );
    let made = store.create_click_target(&ok).await.expect("create");
    let again = store
        .create_click_target(&NewClickTarget {
            token_hash: "E".repeat(64),
            ..new_target(u, 'x', ClickSource::Card)
        })
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "a token hash is stored once: {again:?}"
    );
    assert_eq!(
        store.click_target(&"e".repeat(64)).await.expect("find"),
        Some(made.clone())
    );
    assert_not_found(
        store
            .record_affiliate_click(ClickTargetId(made.id.0 + 1_000), t(10))
            .await,
        "click target",
    );
    assert_eq!(
        store.affiliate_clicks(t(0), t(1_000)).await.expect("none"),
        Vec::new()
    );
    assert_eq!(
        store
            .click_targets_between(t(0), t(1_000))
            .await
            .expect("targets"),
        vec![made],
        "only the accepted target is stored"
    );
}

fn day(text: &str) -> chrono::NaiveDate {
    text.parse().expect("valid test day")
}

fn order(key: char, kind: ReportKind, on: &str) -> AffiliateOrder {
    let inr = |minor| Money::from_minor(minor, Currency::INR);
    AffiliateOrder {
        import_key: std::iter::repeat_n(key, 64).collect(),
        kind,
        marketplace: IN,
        asin: asin("B0CX59H5W7"),
        tracking_id: "mandi-21".to_owned(),
        category: "Cell Phones & Accessories".to_owned(),
        title: "Redmi Note 13 5G, \"Arctic\" White".to_owned(),
        day: day(on),
        quantity: 2,
        returns: u32::from(kind == ReportKind::Earnings),
        price: inr(1_799_900),
        revenue: inr(3_599_800),
        fees: inr(if kind == ReportKind::Earnings {
            35_998
        } else {
            0
        }),
        click_target: None,
        user_id: None,
    }
}

/// Imported report rows round-trip with their attribution, are listed by day, and a row
/// already stored (same import key, in either case) is skipped: a re-import adds nothing.
pub async fn affiliate_orders_import_once_and_round_trip(store: impl Store) {
    let u = user(&store, "o1").await;
    let target = store
        .create_click_target(&new_target(u, 'a', ClickSource::Card))
        .await
        .expect("target");
    let attributed = AffiliateOrder {
        click_target: Some(target.id),
        user_id: Some(u),
        ..order('1', ReportKind::Orders, "2026-12-02")
    };
    let shipped = order('2', ReportKind::Earnings, "2026-12-05");
    let earlier = order('3', ReportKind::Orders, "2026-12-01");
    let batch = vec![attributed.clone(), shipped.clone(), earlier.clone()];
    assert_eq!(
        store.record_affiliate_orders(&batch).await.expect("import"),
        3
    );
    assert_eq!(
        store.record_affiliate_orders(&batch).await.expect("again"),
        0,
        "the same rows again add nothing"
    );
    let upper = AffiliateOrder {
        import_key: "2".repeat(64).to_ascii_uppercase(),
        ..shipped.clone()
    };
    let newer = order('4', ReportKind::Earnings, "2026-12-05");
    assert_eq!(
        store
            .record_affiliate_orders(&[upper, newer.clone()])
            .await
            .expect("overlap"),
        1
    );
    let all = store
        .affiliate_orders(day("2026-12-01"), day("2027-01-01"))
        .await
        .expect("all");
    assert_eq!(all, vec![earlier, attributed.clone(), shipped, newer]);
    assert_eq!(
        store
            .affiliate_orders(day("2026-12-02"), day("2026-12-05"))
            .await
            .expect("window"),
        vec![attributed],
        "the window includes its first day and excludes its last"
    );
}

/// Malformed rows are refused and rows naming an unknown click or user are a conflict;
/// either way nothing of the batch is written.
pub async fn bad_affiliate_orders_are_refused(store: impl Store) {
    let good = order('5', ReportKind::Orders, "2026-12-03");
    let bad_rows = [
        AffiliateOrder {
            import_key: "x".repeat(64),
            ..order('6', ReportKind::Orders, "2026-12-03")
        },
        AffiliateOrder {
            fees: Money::from_minor(10, Currency::USD),
            ..order('6', ReportKind::Orders, "2026-12-03")
        },
        AffiliateOrder {
            tracking_id: " ".to_owned(),
            ..order('6', ReportKind::Orders, "2026-12-03")
        },
        AffiliateOrder {
            user_id: Some(UserId(1)),
            ..order('6', ReportKind::Orders, "2026-12-03")
        },
    ];
    for bad in bad_rows {
        assert_invalid(store.record_affiliate_orders(&[good.clone(), bad]).await);
    }
    let unknown = AffiliateOrder {
        click_target: Some(ClickTargetId(77)),
        user_id: Some(UserId(4_242)),
        ..order('7', ReportKind::Orders, "2026-12-03")
    };
    let err = store
        .record_affiliate_orders(&[good.clone(), unknown])
        .await;
    assert!(
        matches!(err, Err(StoreError::Conflict { .. })),
        "expected a conflict, got {err:?}"
    );
    assert_eq!(
        store
            .affiliate_orders(day("2000-01-01"), day("2100-01-01"))
            .await
            .expect("none"),
        Vec::new()
    );
    assert_eq!(store.record_affiliate_orders(&[good]).await.expect("ok"), 1);
}
