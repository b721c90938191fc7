//! The community's part of the store contract: shared deals with their votes, referrals,
//! group subscriptions and the posts made to groups.

use chrono::TimeDelta;

use super::{IN, asin, assert_invalid, assert_not_found, inr, new_user, t};
use crate::domain::{
    Currency, DealStatus, GroupPost, GroupSubscription, Money, NewSharedDeal, Referral,
    SharedDealId, SharedDealQuery, UserId, Vote,
};
use crate::ports::store::{Store, StoreError};

async fn user(store: &impl Store, subject: &str) -> UserId {
    store
        .upsert_user(&new_user(subject), t(0))
        .await
        .expect("user")
        .id
}

fn verified(user: UserId, a: &str, at: i64) -> NewSharedDeal {
    NewSharedDeal {
        user_id: user,
        marketplace: IN,
        asin: asin(a),
        title: "Redmi Note 13 5G (Arctic White, 8GB)".to_owned(),
        price: Some(inr(1_699_900)),
        claimed_price: Some(inr(1_699_900)),
        score: Some(82),
        status: DealStatus::Verified,
        reason: None,
        // A sub-millisecond part the store drops.
        created_at: t(at) + TimeDelta::microseconds(700),
    }
}

fn rejected(user: UserId, a: &str, at: i64) -> NewSharedDeal {
    NewSharedDeal {
        price: Some(inr(1_899_900)),
        claimed_price: Some(inr(999_900)),
        score: Some(40),
        status: DealStatus::Rejected,
        reason: Some("claimed ₹9,999 but the price now is ₹18,999".to_owned()),
        ..verified(user, a, at)
    }
}

fn query(limit: usize) -> SharedDealQuery {
    SharedDealQuery {
        user: None,
        since: None,
        status: None,
        limit,
    }
}

/// Deals of either status round-trip field by field (time to the millisecond, no votes),
/// are found by id and listed newest first, filtered by user, time and status and cut to
/// the limit; a deal of an unknown user is refused.
pub async fn shared_deals_round_trip_newest_first(store: impl Store) {
    let (u1, u2) = (user(&store, "d1").await, user(&store, "d2").await);
    let a = store
        .create_shared_deal(&verified(u1, "B0CX59H5W7", 10))
        .await
        .expect("verified");
    let b = store
        .create_shared_deal(&rejected(u1, "B0AAAAAAA1", 20))
        .await
        .expect("rejected");
    let c = store
        .create_shared_deal(&NewSharedDeal {
            claimed_price: None,
            score: None,
            price: Some(inr(49_900)),
            ..verified(u2, "B0BBBBBBB2", 30)
        })
        .await
        .expect("third");
    assert_eq!(a.created_at, t(10) + TimeDelta::milliseconds(0));
    assert_eq!(a.price, Some(inr(1_699_900)));
    assert_eq!(a.score, Some(82));
    assert_eq!((a.up_votes, a.down_votes), (0, 0));
    assert_eq!(b.status, DealStatus::Rejected);
    assert_eq!(b.claimed_price, Some(inr(999_900)));
    assert!(b.reason.as_deref().is_some_and(|r| r.contains("₹18,999")));
    assert_eq!((c.claimed_price, c.score), (None, None));
    assert_eq!(store.shared_deal(a.id).await.expect("get"), Some(a.clone()));
    assert_eq!(
        store.shared_deal(SharedDealId(9_999)).await.expect("get"),
        None
    );
    let all = store.shared_deals(&query(10)).await.expect("all");
    assert_eq!(all, vec![c.clone(), b.clone(), a.clone()]);
    assert_eq!(
        store.shared_deals(&query(2)).await.expect("two"),
        vec![c.clone(), b.clone()]
    );
    let mine = SharedDealQuery {
        user: Some(u1),
        ..query(10)
    };
    assert_eq!(
        store.shared_deals(&mine).await.expect("mine"),
        vec![b.clone(), a.clone()]
    );
    let mine_verified_since = SharedDealQuery {
        status: Some(DealStatus::Verified),
        since: Some(t(10)),
        ..mine.clone()
    };
    assert_eq!(
        store
            .shared_deals(&mine_verified_since)
            .await
            .expect("filter"),
        vec![a.clone()]
    );
    let later = SharedDealQuery {
        since: Some(t(11)),
        ..mine
    };
    assert_eq!(store.shared_deals(&later).await.expect("since"), vec![b]);
    assert_not_found(
        store
            .create_shared_deal(&verified(UserId(4_242), "B0CX59H5W7", 40))
            .await,
        "user",
    );
}

/// A deal that breaks a rule is refused and nothing is written: a score over 100, a
/// verified deal without a price or with a reason, a rejected one without a reason, a price
/// in another currency than the marketplace's, an over-long reason.
pub async fn bad_shared_deals_are_refused(store: impl Store) {
    let u = user(&store, "bad").await;
    let good = verified(u, "B0CX59H5W7", 10);
    let bad = [
        NewSharedDeal {
            score: Some(101),
            ..good.clone()
        },
        NewSharedDeal {
            price: None,
            ..good.clone()
        },
        NewSharedDeal {
            reason: Some("why".to_owned()),
            ..good.clone()
        },
        NewSharedDeal {
            reason: None,
            ..rejected(u, "B0CX59H5W7", 10)
        },
        NewSharedDeal {
            reason: Some("  ".to_owned()),
            ..rejected(u, "B0CX59H5W7", 10)
        },
        NewSharedDeal {
            claimed_price: Some(Money::from_minor(19_999, Currency::USD)),
            ..good.clone()
        },
        NewSharedDeal {
            reason: Some("x".repeat(301)),
            ..rejected(u, "B0CX59H5W7", 10)
        },
    ];
    for d in &bad {
        assert_invalid(store.create_shared_deal(d).await);
    }
    assert!(
        store
            .shared_deals(&query(10))
            .await
            .expect("none")
            .is_empty()
    );
}

/// One vote per user per deal: a second vote replaces the first, `None` withdraws it, and
/// every call returns the new tally; an unknown deal or voter is not found.
pub async fn deal_votes_are_one_per_user_and_can_change(store: impl Store) {
    let (owner, v1, v2) = (
        user(&store, "owner").await,
        user(&store, "v1").await,
        user(&store, "v2").await,
    );
    let d = store
        .create_shared_deal(&verified(owner, "B0CX59H5W7", 10))
        .await
        .expect("deal");
    let after = store
        .set_deal_vote(d.id, v1, Some(Vote::Up), t(20))
        .await
        .expect("v1 up");
    assert_eq!((after.up_votes, after.down_votes), (1, 0));
    let again = store
        .set_deal_vote(d.id, v1, Some(Vote::Up), t(21))
        .await
        .expect("v1 up again");
    assert_eq!((again.up_votes, again.down_votes), (1, 0));
    store
        .set_deal_vote(d.id, v2, Some(Vote::Up), t(22))
        .await
        .expect("v2 up");
    let changed = store
        .set_deal_vote(d.id, v2, Some(Vote::Down), t(23))
        .await
        .expect("v2 down");
    assert_eq!((changed.up_votes, changed.down_votes), (1, 1));
    let withdrawn = store
        .set_deal_vote(d.id, v1, None, t(24))
        .await
        .expect("v1 withdraws");
    assert_eq!((withdrawn.up_votes, withdrawn.down_votes), (0, 1));
    assert_eq!(withdrawn.net_votes(), -1);
    let read = store.shared_deal(d.id).await.expect("read").expect("deal");
    assert_eq!((read.up_votes, read.down_votes), (0, 1));
    let listed = store.shared_deals(&query(1)).await.expect("list");
    assert_eq!(listed, vec![read]);
    assert_not_found(
        store
            .set_deal_vote(SharedDealId(9_999), v1, Some(Vote::Up), t(25))
            .await,
        "shared deal",
    );
    assert_not_found(
        store
            .set_deal_vote(d.id, UserId(4_242), Some(Vote::Up), t(25))
            .await,
        "user",
    );
}

/// A referral is recorded once per referred user and counted per referrer; a second one
/// for the same user is a conflict, a self-referral is invalid, unknown users are not
/// found, and nothing is written by a refused call.
pub async fn referrals_are_recorded_once_and_counted(store: impl Store) {
    let (a, b, c) = (
        user(&store, "ra").await,
        user(&store, "rb").await,
        user(&store, "rc").await,
    );
    let ab = Referral {
        referrer: a,
        referred: b,
        at: t(10) + TimeDelta::microseconds(300),
    };
    store.record_referral(&ab).await.expect("a refers b");
    store
        .record_referral(&Referral {
            referrer: a,
            referred: c,
            at: t(11),
        })
        .await
        .expect("a refers c");
    assert_eq!(store.referral_count(a).await.expect("count"), 2);
    assert_eq!(store.referral_count(b).await.expect("count"), 0);
    assert_eq!(
        store.referral_of(b).await.expect("of b"),
        Some(Referral { at: t(10), ..ab })
    );
    assert_eq!(store.referral_of(a).await.expect("of a"), None);
    let again = store
        .record_referral(&Referral {
            referrer: c,
            referred: b,
            at: t(12),
        })
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
    assert_invalid(
        store
            .record_referral(&Referral {
                referrer: a,
                referred: a,
                at: t(13),
            })
            .await,
    );
    assert_not_found(
        store
            .record_referral(&Referral {
                referrer: UserId(4_242),
                referred: a,
                at: t(14),
            })
            .await,
        "user",
    );
    assert_eq!(store.referral_of(a).await.expect("of a"), None);
    assert_eq!(store.referral_count(c).await.expect("count"), 0);
    assert_eq!(store.referral_count(a).await.expect("count"), 2);
}

fn sub(chat: UserId, node: &str, min: u8) -> GroupSubscription {
    GroupSubscription {
        chat,
        node_id: node.to_owned(),
        node_name: " Smartphones ".to_owned(),
        min_score: min,
        max_per_hour: 3,
        updated_at: t(10) + TimeDelta::microseconds(900),
    }
}

/// Subscriptions are saved (again: replaced), listed per chat or all by chat then node,
/// and removed; bad ones are refused. Posts are recorded once per product and chat and
/// read back from a time on; posts naming an unknown deal or chat are not found.
pub async fn group_subscriptions_and_posts_round_trip(store: impl Store) {
    let (g1, g2, sharer) = (
        user(&store, "-1001").await,
        user(&store, "-1002").await,
        user(&store, "sharer").await,
    );
    store
        .save_group_subscription(&sub(g1, "1805560031", 60))
        .await
        .expect("g1 phones");
    store
        .save_group_subscription(&sub(g1, "1375424031", 70))
        .await
        .expect("g1 laptops");
    store
        .save_group_subscription(&sub(g2, "1805560031", 50))
        .await
        .expect("g2 phones");
    store
        .save_group_subscription(&GroupSubscription {
            max_per_hour: 5,
            ..sub(g1, "1805560031", 75)
        })
        .await
        .expect("g1 phones changed");
    let mine = store.group_subscriptions(Some(g1)).await.expect("g1");
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0].node_id, "1375424031");
    assert_eq!(mine[1].node_id, "1805560031");
    assert_eq!((mine[1].min_score, mine[1].max_per_hour), (75, 5));
    assert_eq!(mine[1].node_name, "Smartphones");
    assert_eq!(mine[1].updated_at, t(10));
    assert_eq!(store.group_subscriptions(None).await.expect("all").len(), 3);
    assert!(
        store
            .delete_group_subscription(g1, "1375424031")
            .await
            .expect("delete")
    );
    assert!(
        !store
            .delete_group_subscription(g1, "1375424031")
            .await
            .expect("delete again")
    );
    assert_eq!(
        store.group_subscriptions(Some(g1)).await.expect("g1").len(),
        1
    );
    for bad in [
        sub(g1, "phones", 10),
        sub(g1, "", 10),
        sub(g1, "1805560031", 101),
        GroupSubscription {
            max_per_hour: 0,
            ..sub(g1, "1805560031", 10)
        },
        GroupSubscription {
            node_name: "  ".to_owned(),
            ..sub(g1, "1805560031", 10)
        },
    ] {
        assert_invalid(store.save_group_subscription(&bad).await);
    }
    assert_not_found(
        store
            .save_group_subscription(&sub(UserId(4_242), "1805560031", 10))
            .await,
        "user",
    );
    let deal = store
        .create_shared_deal(&verified(sharer, "B0CX59H5W7", 5))
        .await
        .expect("deal");
    let post = GroupPost {
        chat: g1,
        marketplace: IN,
        asin: asin("B0CX59H5W7"),
        deal: Some(deal.id),
        score: 82,
        at: t(100),
    };
    assert!(store.record_group_post(&post).await.expect("post"));
    assert!(
        !store
            .record_group_post(&GroupPost {
                at: t(200),
                ..post.clone()
            })
            .await
            .expect("same product again")
    );
    let engine = GroupPost {
        asin: asin("B0AAAAAAA1"),
        deal: None,
        score: 90,
        at: t(300),
        ..post.clone()
    };
    assert!(store.record_group_post(&engine).await.expect("engine post"));
    assert!(
        store
            .record_group_post(&GroupPost {
                chat: g2,
                ..post.clone()
            })
            .await
            .expect("other group")
    );
    assert_eq!(
        store.group_posts(g1, t(0)).await.expect("all"),
        vec![post.clone(), engine.clone()]
    );
    assert_eq!(
        store.group_posts(g1, t(101)).await.expect("later"),
        vec![engine]
    );
    assert_eq!(store.group_posts(g2, t(0)).await.expect("g2").len(), 1);
    assert_not_found(
        store
            .record_group_post(&GroupPost {
                deal: Some(SharedDealId(9_999)),
                asin: asin("B0BBBBBBB2"),
                ..post.clone()
            })
            .await,
        "shared deal",
    );
    assert_not_found(
        store
            .record_group_post(&GroupPost {
                chat: UserId(4_242),
                ..post
            })
            .await,
        "user",
    );
}
