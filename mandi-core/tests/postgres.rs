//! The PostgreSQL store beyond the contract: copying a SQLite database into it (the library
//! half of `mandi migrate --to postgres://…`), against a real server started for this
//! binary. Without the server binaries every test says it was skipped, once.

// Amounts in paise are written rupees_paise on purpose.
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::{DateTime, TimeDelta, Utc};
use mandi_core::alerts::WatchRuleStates;
use mandi_core::store::postgres::copy::{TABLES, copy_sqlite_to_postgres};
use mandi_core::store::{PostgresStore, SqliteStore};
use mandi_core::test_support::postgres::PgServer;
use mandi_core::{
    AlertRule, Asin, Availability, Currency, DataOrigin, ExternalIdentity, HistoryQuery, KeyScope,
    Marketplace, Money, NewAlert, NewApiKey, NewUser, NewWatch, OfferKind, PricePoint, PriceUpdate,
    Product, RateLimit, SearchLog, Store, StoreError, UserSettings, WatchTarget,
};

const IN: Marketplace = Marketplace::India;

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000 + secs, 0).expect("time")
}

fn inr(minor: i64) -> Money {
    Money::from_minor(minor, Currency::INR)
}

fn asin(i: usize) -> Asin {
    format!("B0TEST{i:04}").parse().expect("asin")
}

/// Fills a SQLite store through the port: products with a price history, users, watches,
/// an alert with its outbox rows, searches, usage and an API key.
async fn seed(store: &SqliteStore) {
    for i in 0..5 {
        let mut p = Product::new(asin(i), IN, format!("Product {i} — ₹ “quoted”"), t(0));
        p.brand = Some("Redmi".to_owned());
        store.upsert_product(&p).await.expect("product");
        let points: Vec<PricePoint> = (0..300)
            .map(|k| PricePoint {
                marketplace: IN,
                asin: asin(i),
                offer_kind: OfferKind::BuyBox,
                at: t(60 * k),
                // Every seventh point is an unknown price (a gap), never zero.
                price: (k % 7 != 0).then(|| inr(1_000_00 + (k * 37 % 500) * 100)),
                list_price: None,
                availability: if k % 7 != 0 {
                    Availability::InStock
                } else {
                    Availability::Unknown
                },
                deal_badge: (k % 50 == 0).then(|| "Deal".to_owned()),
                origin: DataOrigin::Api,
            })
            .collect();
        store.record_prices(&points).await.expect("points");
    }
    let user = store
        .upsert_user(
            &NewUser {
                identity: ExternalIdentity::new("telegram", "42"),
                display_name: Some("Asha".to_owned()),
                settings: UserSettings::default(),
            },
            t(0),
        )
        .await
        .expect("user");
    let watch = store
        .create_watch(
            &NewWatch {
                user_id: user.id,
                target: WatchTarget::Product {
                    marketplace: IN,
                    asin: asin(0),
                },
                rules: vec![AlertRule::TargetPrice {
                    at_or_below: inr(1_200_00),
                }],
                baseline_price: Some(inr(1_500_00)),
                label: Some("phone".to_owned()),
            },
            t(1),
        )
        .await
        .expect("watch");
    let mut states = WatchRuleStates::new(watch.id);
    states.for_asin_mut(asin(0), 1).last_observed_at = Some(t(2));
    store
        .apply_update(&PriceUpdate {
            rule_states: vec![states],
            alerts: vec![NewAlert {
                user_id: user.id,
                watch_id: watch.id,
                marketplace: IN,
                asin: asin(0),
                rule: AlertRule::TargetPrice {
                    at_or_below: inr(1_200_00),
                },
                price: Some(inr(1_100_00)),
                previous_price: Some(inr(1_300_00)),
                availability: Availability::InStock,
                message: "below your target".to_owned(),
                triggered_at: t(3),
                dedupe_key: "w1/target/B0TEST0000/1".to_owned(),
                card: None,
            }],
            channels: vec!["terminal".to_owned(), "telegram".to_owned()],
            ..PriceUpdate::default()
        })
        .await
        .expect("alert");
    store
        .record_search(&SearchLog {
            user_id: Some(user.id),
            marketplace: IN,
            query: "redmi note".to_owned(),
            result_count: 7,
            at: t(4),
        })
        .await
        .expect("search");
    store
        .create_api_key(
            &NewApiKey {
                user_id: user.id,
                name: "laptop".to_owned(),
                scope: KeyScope::Read,
                prefix: "mk_abcd".to_owned(),
                secret_hash: "ab".repeat(32),
                rate_limit: RateLimit::default(),
            },
            t(5),
        )
        .await
        .expect("key");
    let target = store
        .create_click_target(&mandi_core::NewClickTarget {
            token_hash: "cd".repeat(32),
            user_id: user.id,
            source: mandi_core::ClickSource::Search {
                query: "redmi note".to_owned(),
            },
            marketplace: IN,
            asin: asin(0),
            variant: Some("chart_card".to_owned()),
            link_format: mandi_core::LinkFormat::GpProduct,
            created_at: t(6),
        })
        .await
        .expect("click target");
    store
        .record_affiliate_click(target.id, t(7))
        .await
        .expect("affiliate click");
    // The community: a shared deal with a vote, a referral, a group subscription and post.
    let friend = store
        .upsert_user(
            &NewUser {
                identity: ExternalIdentity::new("telegram", "43"),
                display_name: None,
                settings: UserSettings::default(),
            },
            t(0),
        )
        .await
        .expect("friend");
    let deal = store
        .create_shared_deal(&mandi_core::NewSharedDeal {
            user_id: user.id,
            marketplace: IN,
            asin: asin(0),
            title: "Phone".to_owned(),
            price: Some(Money::from_major(19_999, Currency::INR)),
            claimed_price: None,
            score: Some(77),
            status: mandi_core::DealStatus::Verified,
            reason: None,
            created_at: t(8),
        })
        .await
        .expect("shared deal");
    store
        .set_deal_vote(deal.id, friend.id, Some(mandi_core::Vote::Up), t(9))
        .await
        .expect("vote");
    store
        .record_referral(&mandi_core::Referral {
            referrer: user.id,
            referred: friend.id,
            at: t(9),
        })
        .await
        .expect("referral");
    store
        .save_group_subscription(&mandi_core::GroupSubscription {
            chat: friend.id,
            node_id: "1805560031".to_owned(),
            node_name: "Smartphones".to_owned(),
            min_score: 50,
            max_per_hour: 3,
            updated_at: t(10),
        })
        .await
        .expect("subscription");
    store
        .record_group_post(&mandi_core::GroupPost {
            chat: friend.id,
            marketplace: IN,
            asin: asin(0),
            deal: Some(deal.id),
            score: 77,
            at: t(11),
        })
        .await
        .expect("group post");
}

fn server() -> Option<&'static PgServer> {
    PgServer::shared()
}

#[tokio::test]
async fn a_sqlite_database_is_copied_whole_and_verified() {
    let Some(pg) = server() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mandi.db");
    let sqlite = SqliteStore::open(&path).expect("sqlite");
    seed(&sqlite).await;
    let target = pg.fresh_store();
    let report = copy_sqlite_to_postgres(&path, &target).await.expect("copy");

    assert_eq!(report.tables.len(), TABLES.len());
    let rows = |name: &str| {
        report
            .tables
            .iter()
            .find(|t| t.table == name)
            .map(|t| t.rows)
            .expect("table in the report")
    };
    assert_eq!(rows("price_history"), 5 * 300);
    assert_eq!(rows("products"), 5);
    assert_eq!(rows("alerts"), 1);
    assert_eq!(rows("alert_outbox"), 2);
    assert_eq!(rows("watch_rule_states"), 1);
    assert_eq!(rows("api_keys"), 1);
    assert!(report.tables.iter().all(|t| t.checksum.len() == 32));

    // Everything reads back through the port exactly as from SQLite.
    for i in 0..5 {
        let q = HistoryQuery {
            marketplace: IN,
            asin: asin(i),
            offer_kind: None,
            since: None,
            until: None,
        };
        assert_eq!(
            target.price_history(&q).await.expect("pg history"),
            sqlite.price_history(&q).await.expect("sqlite history")
        );
        assert_eq!(
            target
                .price_stats(IN, asin(i), OfferKind::BuyBox)
                .await
                .expect("pg stats"),
            sqlite
                .price_stats(IN, asin(i), OfferKind::BuyBox)
                .await
                .expect("sqlite stats")
        );
        assert_eq!(
            target.get_product(IN, asin(i)).await.expect("pg product"),
            sqlite
                .get_product(IN, asin(i))
                .await
                .expect("sqlite product")
        );
    }
    let user = target
        .find_user(&ExternalIdentity::new("telegram", "42"))
        .await
        .expect("find")
        .expect("the user was copied");
    assert_eq!(
        target.list_watches(user.id).await.expect("pg watches"),
        sqlite.list_watches(user.id).await.expect("sqlite watches")
    );
    assert_eq!(
        target
            .alert_history(user.id, 10, 0)
            .await
            .expect("pg alerts"),
        sqlite
            .alert_history(user.id, 10, 0)
            .await
            .expect("sqlite alerts")
    );
    assert_eq!(
        target.list_api_keys().await.expect("pg keys"),
        sqlite.list_api_keys().await.expect("sqlite keys")
    );
    assert_eq!(rows("click_targets"), 1);
    assert_eq!(rows("affiliate_clicks"), 1);
    assert_eq!(
        target
            .click_target(&"cd".repeat(32))
            .await
            .expect("pg target"),
        sqlite
            .click_target(&"cd".repeat(32))
            .await
            .expect("sqlite target")
    );
    assert_eq!(
        target
            .affiliate_clicks(t(0), t(100))
            .await
            .expect("pg clicks"),
        sqlite
            .affiliate_clicks(t(0), t(100))
            .await
            .expect("sqlite clicks")
    );

    for table in [
        "shared_deals",
        "deal_votes",
        "referrals",
        "group_subscriptions",
        "group_posts",
    ] {
        assert_eq!(rows(table), 1, "{table}");
    }
    let all = mandi_core::SharedDealQuery {
        user: None,
        since: None,
        status: None,
        limit: 10,
    };
    assert_eq!(
        target.shared_deals(&all).await.expect("pg deals"),
        sqlite.shared_deals(&all).await.expect("sqlite deals")
    );
    assert_eq!(
        target.referral_count(user.id).await.expect("pg referrals"),
        1
    );
    assert_eq!(
        target.group_subscriptions(None).await.expect("pg subs"),
        sqlite.group_subscriptions(None).await.expect("sqlite subs")
    );

    // New rows continue after the copied ids instead of clashing with them.
    let watches = target.list_watches(user.id).await.expect("watches");
    let newer = target
        .create_watch(
            &NewWatch {
                user_id: user.id,
                target: WatchTarget::Product {
                    marketplace: IN,
                    asin: asin(1),
                },
                rules: vec![AlertRule::BackInStock],
                baseline_price: None,
                label: None,
            },
            t(10) + TimeDelta::days(1),
        )
        .await
        .expect("a new watch after the copy");
    assert!(watches.iter().all(|w| w.id.0 < newer.id.0));
}

#[tokio::test]
async fn a_database_that_already_holds_data_is_refused() {
    let Some(pg) = server() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mandi.db");
    let sqlite = SqliteStore::open(&path).expect("sqlite");
    seed(&sqlite).await;
    let target: PostgresStore = pg.fresh_store();
    copy_sqlite_to_postgres(&path, &target)
        .await
        .expect("first copy");
    let before = target
        .price_history(&HistoryQuery::buy_box(IN, asin(0)))
        .await
        .expect("history")
        .len();
    let err = copy_sqlite_to_postgres(&path, &target)
        .await
        .expect_err("a second copy must be refused");
    assert!(matches!(err, StoreError::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("already holds"), "{err}");
    assert_eq!(
        target
            .price_history(&HistoryQuery::buy_box(IN, asin(0)))
            .await
            .expect("history")
            .len(),
        before
    );
}

#[tokio::test]
async fn a_sqlite_table_unknown_to_postgres_stops_the_copy_before_anything_is_written() {
    let Some(pg) = server() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mandi.db");
    let sqlite = SqliteStore::open(&path).expect("sqlite");
    seed(&sqlite).await;
    rusqlite::Connection::open(&path)
        .expect("open")
        .execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        .expect("extra table");
    let target = pg.fresh_store();
    let err = copy_sqlite_to_postgres(&path, &target)
        .await
        .expect_err("an unknown table must stop the copy");
    assert!(err.to_string().contains("\"notes\""), "{err}");
    assert!(
        target
            .get_product(IN, asin(0))
            .await
            .expect("read")
            .is_none(),
        "nothing may be committed"
    );
}

#[tokio::test]
async fn one_monitor_per_postgres_database() {
    use mandi_core::store::{DatabaseLocation, lock_monitor};
    let Some(pg) = server() else { return };
    let location = DatabaseLocation::Postgres(pg.fresh_database());
    let first = lock_monitor(&location).await.expect("first monitor");
    let err = lock_monitor(&location)
        .await
        .expect_err("a second monitor must be refused");
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert!(err.to_string().contains("already monitoring"), "{err}");
    drop(first);
    // The lock goes with the connection that held it.
    let mut again = None;
    for _ in 0..50 {
        if let Ok(lock) = lock_monitor(&location).await {
            again = Some(lock);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(again.is_some(), "the lock was not released");
}

/// A user watching products `0..n` on a store.
async fn watch_products(store: &PostgresStore, n: usize) {
    let user = store
        .upsert_user(
            &NewUser {
                identity: ExternalIdentity::new("leases", "u"),
                display_name: None,
                settings: UserSettings::default(),
            },
            t(0),
        )
        .await
        .expect("user");
    for i in 0..n {
        store
            .create_watch(
                &NewWatch {
                    user_id: user.id,
                    target: WatchTarget::Product {
                        marketplace: IN,
                        asin: asin(i),
                    },
                    rules: vec![AlertRule::BackInStock],
                    baseline_price: None,
                    label: None,
                },
                t(0),
            )
            .await
            .expect("watch");
    }
}

#[tokio::test]
async fn workers_share_the_watched_products_and_take_over_a_dead_ones() {
    use mandi_core::store::postgres::leases::{LEASE_BUCKETS, MonitorWorker};
    use std::collections::BTreeSet;
    use std::time::Duration;
    let Some(pg) = server() else { return };
    let store = PostgresStore::connect(&pg.fresh_database())
        .await
        .expect("store");
    watch_products(&store, 200).await;
    let ttl = Duration::from_millis(800);
    let a = MonitorWorker::join(&store, "a", ttl).await.expect("a");
    assert_eq!(a.held().len(), LEASE_BUCKETS as usize, "alone, a takes all");
    let b = MonitorWorker::join(&store, "b", ttl).await.expect("b");
    assert!(b.held().is_empty(), "nothing free yet");
    // a gives back what is above its share; b takes it.
    let round = a.renew().await.expect("a renews");
    assert_eq!((round.workers, round.released), (2, 32));
    let round = b.renew().await.expect("b renews");
    assert_eq!((round.workers, round.claimed), (2, 32));
    let held_a: BTreeSet<u32> = a.held().into_keys().collect();
    let held_b: BTreeSet<u32> = b.held().into_keys().collect();
    assert!(held_a.is_disjoint(&held_b));
    assert_eq!(held_a.len() + held_b.len(), LEASE_BUCKETS as usize);
    // Their products: disjoint, and all of them together.
    let of = |w: &MonitorWorker| {
        let w = w.clone();
        async move {
            w.store()
                .watched_products()
                .await
                .expect("products")
                .into_iter()
                .map(|p| p.asin)
                .collect::<BTreeSet<Asin>>()
        }
    };
    let (pa, pb) = (of(&a).await, of(&b).await);
    assert!(!pa.is_empty() && !pb.is_empty());
    assert!(pa.is_disjoint(&pb), "no product refreshed by both");
    assert_eq!(pa.len() + pb.len(), 200, "none left out");
    // b dies (stops renewing): once its leases run out, a takes everything over, each
    // bucket with a new generation.
    let before = b.held();
    drop(b);
    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    let round = a.renew().await.expect("a renews");
    assert_eq!(round.workers, 1);
    assert_eq!(round.claimed, 32);
    assert_eq!(a.held().len(), LEASE_BUCKETS as usize);
    for (bucket, generation) in before {
        assert!(a.held()[&bucket] > generation, "a new generation");
    }
    assert_eq!(of(&a).await.len(), 200);
}

#[tokio::test]
async fn a_worker_whose_lease_was_taken_over_writes_nothing() {
    use mandi_core::store::postgres::leases::MonitorWorker;
    use std::time::Duration;
    let Some(pg) = server() else { return };
    let store = PostgresStore::connect(&pg.fresh_database())
        .await
        .expect("store");
    watch_products(&store, 3).await;
    let ttl = Duration::from_millis(300);
    let slow = MonitorWorker::join(&store, "slow", ttl)
        .await
        .expect("slow");
    let update = |secs: i64| PriceUpdate {
        product: Some(Product::new(asin(1), IN, "Product 1", t(secs))),
        ..PriceUpdate::default()
    };
    slow.store()
        .apply_update(&update(10))
        .await
        .expect("written while the lease holds");
    // The slow worker stalls past its lease; another one takes the products over.
    tokio::time::sleep(ttl + Duration::from_millis(150)).await;
    let next = MonitorWorker::join(&store, "next", ttl)
        .await
        .expect("next");
    assert_eq!(next.held().len(), 64, "the expired leases are taken over");
    let err = slow
        .store()
        .apply_update(&update(20))
        .await
        .expect_err("a worker without the lease must not commit");
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert!(err.to_string().contains("does not hold the lease"), "{err}");
    let stored = store.get_product(IN, asin(1)).await.expect("read");
    assert_eq!(stored.map(|p| p.fetched_at), Some(t(10)), "nothing written");
    // Even after its heartbeat: the buckets have another owner now.
    slow.renew().await.expect("renew");
    assert!(slow.held().is_empty());
    next.store()
        .apply_update(&update(20))
        .await
        .expect("the new owner writes");
    // A worker that leaves gives its buckets back at once (shared with `slow`, alive).
    next.leave().await.expect("leave");
    let again = MonitorWorker::join(&store, "again", ttl)
        .await
        .expect("again");
    assert!(again.held().len() >= 32, "{:?}", again.held());
}

/// A product in browse nodes `nodes` (each under one root), fetched at `secs`.
fn product_in_nodes(i: usize, nodes: &[usize], secs: i64) -> Product {
    let mut p = Product::new(asin(i), IN, format!("Product {i}"), t(secs));
    p.browse_nodes = nodes
        .iter()
        .map(|n| mandi_core::BrowseNode {
            id: format!("{}", 1_000 + n),
            // Renamed every round, so every batch writes its nodes.
            name: format!("Node {n} ({secs})"),
            context_free_name: None,
            is_root: false,
            ancestors: vec![mandi_core::BrowseNodeRef {
                id: "1".into(),
                name: "Root".into(),
            }],
            children: Vec::new(),
            sales_rank: Some(u32::try_from(*n).expect("small") + 1),
        })
        .collect();
    p
}

#[tokio::test]
async fn workers_saving_products_of_the_same_categories_in_opposite_orders_do_not_deadlock() {
    let Some(pg) = server() else { return };
    let store = PostgresStore::connect(&pg.fresh_database())
        .await
        .expect("store");
    // Two writers, each with its own products, naming the same eight browse nodes: one
    // batch in ascending node order, the other descending. Saved in the order named, their
    // node rows were locked in opposite orders and PostgreSQL aborted one with a deadlock.
    let writer = |first: usize, descending: bool| {
        let store = store.clone();
        tokio::spawn(async move {
            for round in 0..40_i64 {
                let updates: Vec<PriceUpdate> = (0..8)
                    .map(|k| {
                        let node = if descending { 7 - k } else { k };
                        PriceUpdate {
                            product: Some(product_in_nodes(
                                first + k,
                                &[node, (node + 3) % 8],
                                round,
                            )),
                            ..PriceUpdate::default()
                        }
                    })
                    .collect();
                store.apply_updates(&updates).await?;
            }
            Ok::<_, StoreError>(())
        })
    };
    let (a, b) = (writer(0, false), writer(100, true));
    a.await.expect("task").expect("ascending writer");
    b.await.expect("task").expect("descending writer");
    let node = store
        .get_browse_node(IN, "1003")
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(node.name, "Node 3 (39)");
    assert_eq!(node.ancestors.len(), 1);
}
