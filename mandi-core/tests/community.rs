//! The community rules: deal sharing checked against a fresh read, votes, reputation,
//! rate limits on a simulated clock, referral abuse and the watch-slot reward, and group
//! subscriptions (admin-only, hourly cap).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use mandi_core::catalog::CatalogService;
use mandi_core::community::{
    ChatRole, CommunityError, CommunityService, ListingOrder, PostSource, ReferralOutcome,
    ReferralRefusal, Reputation,
};
use mandi_core::links::ProductRef;
use mandi_core::store::MemoryStore;
use mandi_core::watches::{MAX_WATCHES_PER_USER, WatchService, WatchSpec};
use mandi_core::{
    Asin, Availability, BrowseNode, BrowseNodeRef, BrowseNodesRequest, Clock, Currency, DealStatus,
    ExternalIdentity, ItemsBatch, ItemsRequest, ManualClock, Marketplace, Money, NewWatch, Offer,
    Product, ProductSource, SearchPage, SearchRequest, SourceError, Store, User, VariationFamily,
    VariationsRequest, Vote, WatchTarget,
};

const PHONES: &str = "1805560031";
const ELECTRONICS: &str = "976419031";

/// Every ASIN exists at ₹20,000 in stock in Smartphones (under Electronics), except
/// `B0OUT…` (out of stock) and `B0NONE…` (unknown). Counts its item calls.
#[derive(Debug)]
struct Shop {
    clock: Arc<ManualClock>,
    calls: AtomicUsize,
}

#[async_trait]
impl ProductSource for Shop {
    fn name(&self) -> &str {
        "shop"
    }
    async fn get_items(&self, r: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut batch = ItemsBatch::default();
        for asin in r.unique_asins() {
            if asin.as_str().starts_with("B0NONE") {
                continue;
            }
            let mut p = Product::new(asin, r.marketplace, "Phone", self.clock.now());
            let stock = if asin.as_str().starts_with("B0OUT") {
                Availability::OutOfStock
            } else {
                Availability::InStock
            };
            p.offers.push(Offer::new(
                Some(Money::from_major(20_000, Currency::INR)),
                stock,
            ));
            p.browse_nodes.push(node());
            batch.items.push(p);
        }
        Ok(batch)
    }
    async fn search_items(&self, _r: &SearchRequest) -> Result<SearchPage, SourceError> {
        Ok(SearchPage::default())
    }
    async fn get_variations(&self, r: &VariationsRequest) -> Result<VariationFamily, SourceError> {
        Err(SourceError::invalid(format!("no family {}", r.asin)))
    }
    async fn get_browse_nodes(
        &self,
        r: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        Ok(r.ids
            .iter()
            .filter(|id| *id == PHONES || *id == ELECTRONICS)
            .map(|id| BrowseNode {
                id: id.clone(),
                ..node()
            })
            .collect())
    }
}

fn node() -> BrowseNode {
    BrowseNode {
        id: PHONES.to_owned(),
        name: "Smartphones".to_owned(),
        context_free_name: None,
        is_root: false,
        ancestors: vec![BrowseNodeRef {
            id: ELECTRONICS.to_owned(),
            name: "Electronics".to_owned(),
        }],
        children: Vec::new(),
        sales_rank: None,
    }
}

struct World {
    community: CommunityService,
    watches: WatchService,
    store: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
    shop: Arc<Shop>,
}

fn world() -> World {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 10, 1, 6, 0, 0)
            .single()
            .expect("time"),
    ));
    let store = Arc::new(MemoryStore::new());
    let shop = Arc::new(Shop {
        clock: clock.clone(),
        calls: AtomicUsize::new(0),
    });
    let catalog = CatalogService::new(shop.clone(), store.clone(), clock.clone());
    World {
        community: CommunityService::new(catalog.clone()),
        watches: WatchService::new(catalog),
        store,
        clock,
        shop,
    }
}

impl World {
    async fn user(&self, name: &str) -> User {
        self.watches
            .user(ExternalIdentity::new("telegram", name), None)
            .await
            .expect("user")
    }
}

fn product(asin: &str) -> ProductRef {
    ProductRef::new(asin.parse::<Asin>().expect("asin"), Marketplace::India)
}

fn inr(major: i64) -> Money {
    Money::from_major(major, Currency::INR)
}

#[tokio::test]
async fn a_shared_deal_is_verified_by_a_fresh_read_not_by_the_claim() {
    let w = world();
    let asha = w.user("asha").await;
    let deal = w
        .community
        .share(&asha, product("B0CX59H5W7"), Some(inr(20_000)))
        .await
        .expect("share");
    assert_eq!(deal.status, DealStatus::Verified);
    assert_eq!(deal.price, Some(inr(20_000)));
    assert!(deal.score.is_some(), "scored with the catalog's scorer");
    assert_eq!(
        w.shop.calls.load(Ordering::SeqCst),
        1,
        "one fresh source read"
    );
    // Within 1 % of the fresh price is the same price.
    let close = w
        .community
        .share(&asha, product("B0CX59H5W8"), Some(inr(19_850)))
        .await
        .expect("share");
    assert_eq!(close.status, DealStatus::Verified);
    // A claim that the source does not confirm is rejected with the reason.
    let wrong = w
        .community
        .share(&asha, product("B0CX59H5W9"), Some(inr(15_000)))
        .await
        .expect("share");
    assert_eq!(wrong.status, DealStatus::Rejected);
    let why = wrong.reason.expect("reason");
    assert!(why.contains("₹15,000") && why.contains("₹20,000"), "{why}");
    let listed = w
        .community
        .list(ListingOrder::Newest, 10)
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![close.id, deal.id],
        "only verified deals are listed, newest first"
    );
}

#[tokio::test]
async fn unknown_and_out_of_stock_products_are_rejected_and_repeats_refused() {
    let w = world();
    let ravi = w.user("ravi").await;
    let unknown = w
        .community
        .share(&ravi, product("B0NONE0001"), None)
        .await
        .expect("share");
    assert_eq!(unknown.status, DealStatus::Rejected);
    assert!(
        unknown
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("does not know"))
    );
    let kiran = w.user("kiran").await;
    let out = w
        .community
        .share(&kiran, product("B0OUT00001"), None)
        .await
        .expect("share");
    assert_eq!(out.status, DealStatus::Rejected);
    assert!(
        out.reason
            .as_deref()
            .is_some_and(|r| r.contains("out of stock"))
    );
    let meera = w.user("meera").await;
    let ok = w
        .community
        .share(&meera, product("B0CX59H5W7"), None)
        .await
        .expect("share");
    let other = w.user("other").await;
    let calls = w.shop.calls.load(Ordering::SeqCst);
    let again = w.community.share(&other, product("B0CX59H5W7"), None).await;
    assert!(
        matches!(again, Err(CommunityError::AlreadyShared(id)) if id == ok.id),
        "{again:?}"
    );
    assert_eq!(
        w.shop.calls.load(Ordering::SeqCst),
        calls,
        "refused before any source call"
    );
    // A day later the product may be shared again.
    w.clock.advance(Duration::hours(24) + Duration::seconds(1));
    let later = w
        .community
        .share(&other, product("B0CX59H5W7"), None)
        .await
        .expect("share a day later");
    assert_eq!(later.status, DealStatus::Verified);
}

#[tokio::test]
async fn votes_are_one_per_user_not_on_own_or_rejected_deals_and_move_reputation() {
    let w = world();
    let (asha, ravi, meera) = (
        w.user("asha").await,
        w.user("ravi").await,
        w.user("meera").await,
    );
    let deal = w
        .community
        .share(&asha, product("B0CX59H5W7"), None)
        .await
        .expect("share");
    let rejected = w
        .community
        .share(&asha, product("B0OUT00001"), None)
        .await
        .expect("share");
    assert_eq!(
        w.community.reputation(asha.id).await.expect("rep").points,
        10 - 5
    );
    assert!(matches!(
        w.community.vote(&asha, deal.id, Vote::Up).await,
        Err(CommunityError::OwnDeal)
    ));
    assert!(matches!(
        w.community.vote(&ravi, rejected.id, Vote::Up).await,
        Err(CommunityError::NotVotable(_))
    ));
    let up = w
        .community
        .vote(&ravi, deal.id, Vote::Up)
        .await
        .expect("ravi up");
    assert_eq!((up.up_votes, up.down_votes), (1, 0));
    let up2 = w
        .community
        .vote(&meera, deal.id, Vote::Up)
        .await
        .expect("meera up");
    assert_eq!((up2.up_votes, up2.down_votes), (2, 0));
    // Reputation: one verified (+10), two up votes (+4), one rejected (−5).
    assert_eq!(
        w.community.reputation(asha.id).await.expect("rep"),
        Reputation {
            points: 9,
            verified: 1,
            rejected: 1,
            up_votes: 2,
            down_votes: 0
        }
    );
    // Meera changes her mind: a down vote replaces her up vote (−1 instead of +2).
    let changed = w
        .community
        .vote(&meera, deal.id, Vote::Down)
        .await
        .expect("meera down");
    assert_eq!((changed.up_votes, changed.down_votes), (1, 1));
    assert_eq!(
        w.community.reputation(asha.id).await.expect("rep").points,
        10 + 2 - 1 - 5
    );
    // The same vote again changes nothing.
    let same = w
        .community
        .vote(&ravi, deal.id, Vote::Up)
        .await
        .expect("ravi again");
    assert_eq!((same.up_votes, same.down_votes), (1, 1));
    assert_eq!(
        w.community.reputation(asha.id).await.expect("rep").points,
        10 + 2 - 1 - 5
    );
}

#[tokio::test]
async fn submissions_are_rate_limited_by_reputation_on_the_injected_clock() {
    let w = world();
    let asha = w.user("asha").await;
    let start = w.clock.now();
    // A newcomer (0 to 49 points) shares 3 an hour.
    for i in 0..3 {
        w.community
            .share(&asha, product(&format!("B0CX59H5A{i}")), None)
            .await
            .expect("within the limit");
        w.clock.advance(Duration::minutes(10));
    }
    let fourth = w.community.share(&asha, product("B0CX59H5A3"), None).await;
    match fourth {
        Err(CommunityError::RateLimited {
            limit, retry_at, ..
        }) => {
            assert_eq!(limit, 3);
            assert_eq!(retry_at, start + Duration::hours(1));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(
        w.store
            .shared_deals(&mandi_core::SharedDealQuery {
                user: Some(asha.id),
                since: None,
                status: None,
                limit: 10
            })
            .await
            .expect("deals")
            .len(),
        3,
        "a refused submission stores nothing"
    );
    w.clock.set(start + Duration::hours(1));
    w.community
        .share(&asha, product("B0CX59H5A3"), None)
        .await
        .expect("the first one left the window");

    // Below 0 points: one an hour. Two rejected deals put Ravi at −10.
    let ravi = w.user("ravi").await;
    w.community
        .share(&ravi, product("B0OUT00001"), None)
        .await
        .expect("rejected 1");
    // At −5 points the next one waits an hour.
    assert!(matches!(
        w.community.share(&ravi, product("B0OUT00002"), None).await,
        Err(CommunityError::RateLimited { limit: 1, .. })
    ));
    w.clock.advance(Duration::hours(1));
    w.community
        .share(&ravi, product("B0OUT00002"), None)
        .await
        .expect("rejected 2");
    assert_eq!(
        w.community.reputation(ravi.id).await.expect("rep").points,
        -10
    );
    w.clock.advance(Duration::hours(1));
    w.community
        .share(&ravi, product("B0OUT00003"), None)
        .await
        .expect("one an hour");
    assert!(matches!(
        w.community.share(&ravi, product("B0CX59H5B2"), None).await,
        Err(CommunityError::RateLimited { limit: 1, .. })
    ));

    // From 50 points: ten an hour. Five verified deals, an hour apart, make 50.
    let meera = w.user("meera").await;
    for i in 0..5 {
        w.community
            .share(&meera, product(&format!("B0CX59H5C{i}")), None)
            .await
            .expect("verified");
        w.clock.advance(Duration::hours(1));
    }
    assert_eq!(
        w.community
            .reputation(meera.id)
            .await
            .expect("rep")
            .hourly_limit(),
        10
    );
    for i in 0..10 {
        w.community
            .share(&meera, product(&format!("B0CX59H5D{i}")), None)
            .await
            .expect("trusted");
    }
    assert!(matches!(
        w.community.share(&meera, product("B0CX59H5E0"), None).await,
        Err(CommunityError::RateLimited { limit: 10, .. })
    ));
}

#[tokio::test]
async fn referrals_refuse_self_existing_repeat_unknown_and_loops() {
    let w = world();
    let asha = w.user("asha").await;
    // Self.
    assert_eq!(
        w.community.refer(&asha, asha.id).await.expect("refer"),
        ReferralOutcome::Refused {
            why: ReferralRefusal::SelfReferral
        }
    );
    // A new user comes through Asha's link.
    let ravi = w.user("ravi").await;
    assert_eq!(
        w.community.refer(&ravi, asha.id).await.expect("refer"),
        ReferralOutcome::Recorded { referrer: asha.id }
    );
    // Repeat: the same user again, through the same or another link.
    let meera = w.user("meera").await;
    for by in [asha.id, meera.id] {
        assert_eq!(
            w.community.refer(&ravi, by).await.expect("refer"),
            ReferralOutcome::Refused {
                why: ReferralRefusal::AlreadyReferred
            }
        );
    }
    // Loop: Asha (still new) would be referred by Ravi, whom she brought.
    assert_eq!(
        w.community.refer(&asha, ravi.id).await.expect("refer"),
        ReferralOutcome::Refused {
            why: ReferralRefusal::Loop
        }
    );
    // Unknown referrer.
    assert_eq!(
        w.community
            .refer(&meera, mandi_core::UserId(9_999))
            .await
            .expect("refer"),
        ReferralOutcome::Refused {
            why: ReferralRefusal::UnknownReferrer
        }
    );
    // An existing user: seen more than ten minutes ago, or already watching something.
    w.clock.advance(Duration::minutes(11));
    assert_eq!(
        w.community.refer(&meera, asha.id).await.expect("refer"),
        ReferralOutcome::Refused {
            why: ReferralRefusal::ExistingUser
        }
    );
    let kiran = w.user("kiran").await;
    w.watches
        .add(&kiran, product("B0CX59H5W7"), WatchSpec::default())
        .await
        .expect("watch");
    assert_eq!(
        w.community.refer(&kiran, asha.id).await.expect("refer"),
        ReferralOutcome::Refused {
            why: ReferralRefusal::ExistingUser
        }
    );
    let stats = w.community.referral_stats(asha.id).await.expect("stats");
    assert_eq!(stats.referred, 1);
    assert_eq!(stats.extra_watch_slots, 5);
    assert_eq!(stats.watch_cap, MAX_WATCHES_PER_USER + 5);
}

#[tokio::test]
async fn each_referral_adds_watch_slots_to_the_cap() {
    let w = world();
    let asha = w.user("asha").await;
    let now = w.clock.now();
    for i in 0..MAX_WATCHES_PER_USER {
        w.store
            .create_watch(
                &NewWatch {
                    user_id: asha.id,
                    target: WatchTarget::Product {
                        marketplace: Marketplace::India,
                        asin: format!("B0W{i:07}").parse().expect("asin"),
                    },
                    rules: Vec::new(),
                    baseline_price: None,
                    label: None,
                },
                now,
            )
            .await
            .expect("watch");
    }
    let full = w
        .watches
        .add(&asha, product("B0CX59H5W7"), WatchSpec::default())
        .await;
    assert!(
        full.is_err(),
        "the cap without referrals is {MAX_WATCHES_PER_USER}"
    );
    let ravi = w.user("ravi").await;
    assert!(matches!(
        w.community.refer(&ravi, asha.id).await.expect("refer"),
        ReferralOutcome::Recorded { .. }
    ));
    w.watches
        .add(&asha, product("B0CX59H5W7"), WatchSpec::default())
        .await
        .expect("a referral adds slots");
    assert_eq!(
        mandi_core::community::watch_cap(w.store.as_ref(), asha.id)
            .await
            .expect("cap"),
        MAX_WATCHES_PER_USER + 5
    );
}

#[tokio::test]
async fn only_admins_subscribe_and_groups_get_at_most_the_hourly_cap() {
    let w = world();
    let group = w.user("-100123").await;
    // Members may not subscribe, unsubscribe or change settings.
    assert!(matches!(
        w.community
            .subscribe(&group, ChatRole::Member, PHONES, 0, 2)
            .await,
        Err(CommunityError::NotAdmin)
    ));
    assert!(matches!(
        w.community
            .unsubscribe(&group, ChatRole::Member, PHONES)
            .await,
        Err(CommunityError::NotAdmin)
    ));
    assert!(matches!(
        w.community
            .subscribe(&group, ChatRole::Administrator, "123", 0, 2)
            .await,
        Err(CommunityError::UnknownCategory(_))
    ));
    assert!(matches!(
        w.community
            .subscribe(&group, ChatRole::Creator, PHONES, 0, 0)
            .await,
        Err(CommunityError::Invalid(_))
    ));
    // The creator follows Electronics (an ancestor of the products' node), two an hour.
    let sub = w
        .community
        .subscribe(&group, ChatRole::Creator, ELECTRONICS, 0, 2)
        .await
        .expect("subscribe");
    assert_eq!(sub.node_name, "Smartphones");
    assert!(
        w.community
            .due_group_posts()
            .await
            .expect("none yet")
            .is_empty()
    );
    let sharer = w.user("sharer").await;
    let mut shared = Vec::new();
    for i in 0..3 {
        shared.push(
            w.community
                .share(&sharer, product(&format!("B0CX59H5F{i}")), None)
                .await
                .expect("share"),
        );
    }
    // An engine deal too: a watched product in the category.
    let watcher = w.user("watcher").await;
    w.watches
        .add(&watcher, product("B0CX59H5G0"), WatchSpec::default())
        .await
        .expect("watch");
    let first = w.community.due_group_posts().await.expect("posts");
    assert_eq!(first.len(), 2, "the hourly cap");
    assert!(first.iter().all(|p| p.chat.id == group.id));
    assert!(
        w.community
            .due_group_posts()
            .await
            .expect("posts")
            .is_empty()
    );
    w.clock.advance(Duration::minutes(59));
    assert!(
        w.community
            .due_group_posts()
            .await
            .expect("posts")
            .is_empty()
    );
    w.clock.advance(Duration::minutes(1));
    let second = w.community.due_group_posts().await.expect("posts");
    assert_eq!(second.len(), 2, "the other two, an hour later");
    let mut all: Vec<_> = first.iter().chain(&second).map(|p| p.deal.asin).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4, "each product posted once");
    assert!(
        first
            .iter()
            .chain(&second)
            .any(|p| matches!(p.deal.source, PostSource::Engine { .. })),
        "the engine's deals are a source too"
    );
    w.clock.advance(Duration::hours(1));
    assert!(
        w.community
            .due_group_posts()
            .await
            .expect("posts")
            .is_empty()
    );
    // A minimum score above every deal's posts nothing new; admins may change it.
    let top = shared.iter().filter_map(|d| d.score).max().unwrap_or(0);
    w.community
        .subscribe(
            &group,
            ChatRole::Administrator,
            PHONES,
            top.saturating_add(1).min(100),
            5,
        )
        .await
        .expect("second subscription");
    w.community
        .share(&sharer, product("B0CX59H5F9"), None)
        .await
        .expect("share");
    let posts = w.community.due_group_posts().await.expect("posts");
    // Electronics (min 0) still takes it; Smartphones (min above it) would not.
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].subscription.node_id, ELECTRONICS);
    assert!(
        w.community
            .unsubscribe(&group, ChatRole::Administrator, ELECTRONICS)
            .await
            .expect("unsubscribe")
    );
    assert_eq!(
        w.community.subscriptions(&group).await.expect("subs").len(),
        1
    );
}
