//! The REST API server's part of the store contract: API keys, their usage, bulk jobs and
//! the admin activity facts.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::{IN, asin, new_user, product_watch, t};
use crate::domain::{
    ApiKeyId, BulkItem, BulkItemStatus, BulkJobId, BulkSpec, KeyScope, KeyUsage, NewApiKey,
    NewBulkJob, RateLimit, UserId, WatchId,
};
use crate::ports::store::{SearchLog, Store, StoreError};

fn new_key(user: UserId, name: &str, hash_digit: char) -> NewApiKey {
    NewApiKey {
        user_id: user,
        name: name.to_owned(),
        scope: KeyScope::Write,
        prefix: "mk_abcd".to_owned(),
        secret_hash: std::iter::repeat_n(hash_digit, 64).collect(),
        rate_limit: RateLimit {
            per_second: 3,
            burst: 7,
        },
    }
}

async fn user(store: &impl Store, subject: &str) -> UserId {
    store
        .upsert_user(&new_user(subject), t(0))
        .await
        .expect("user")
        .id
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("valid test day")
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("valid test time")
}

/// Keys are stored with their hash, found by it, listed, and revoked once.
pub async fn api_keys_round_trip_and_revoke(store: impl Store) {
    let u = user(&store, "k1").await;
    let made = store
        .create_api_key(&new_key(u, "pricing", 'a'), t(10))
        .await
        .expect("create");
    assert_eq!(made.user_id, u);
    assert_eq!(made.name, "pricing");
    assert_eq!(made.scope, KeyScope::Write);
    assert_eq!(
        made.rate_limit,
        RateLimit {
            per_second: 3,
            burst: 7
        }
    );
    assert_eq!(made.created_at, t(10));
    assert_eq!(made.revoked_at, None);
    let found = store
        .api_key_by_hash(&"A".repeat(64))
        .await
        .expect("find")
        .expect("found by an upper-case hash too");
    assert_eq!(found, made);
    assert_eq!(
        store.api_key_by_hash(&"b".repeat(64)).await.expect("f"),
        None
    );
    let other = store
        .create_api_key(&new_key(u, "second", 'b'), t(11))
        .await
        .expect("create");
    let listed = store.list_api_keys().await.expect("list");
    assert_eq!(listed, vec![made.clone(), other]);
    store.revoke_api_key(made.id, t(20)).await.expect("revoke");
    store.revoke_api_key(made.id, t(30)).await.expect("again");
    let back = store
        .api_key_by_hash(&"a".repeat(64))
        .await
        .expect("f")
        .expect("kept");
    assert_eq!(back.revoked_at, Some(t(20)));
    assert!(matches!(
        store.revoke_api_key(ApiKeyId(9_999), t(1)).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Bad keys are refused before anything is written; a hash is unique; the user must exist.
pub async fn bad_api_keys_are_refused(store: impl Store) {
    let u = user(&store, "k2").await;
    for bad in [
        NewApiKey {
            name: " ".to_owned(),
            ..new_key(u, "x", 'c')
        },
        NewApiKey {
            secret_hash: "xyz".to_owned(),
            ..new_key(u, "x", 'c')
        },
        NewApiKey {
            rate_limit: RateLimit {
                per_second: 0,
                burst: 1,
            },
            ..new_key(u, "x", 'c')
        },
    ] {
        assert!(matches!(
            store.create_api_key(&bad, t(1)).await,
            Err(StoreError::Invalid { .. })
        ));
    }
    assert!(matches!(
        store
            .create_api_key(&new_key(UserId(777), "x", 'c'), t(1))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    store
        .create_api_key(&new_key(u, "x", 'c'), t(1))
        .await
        .expect("first");
    assert!(matches!(
        store.create_api_key(&new_key(u, "y", 'c'), t(2)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.list_api_keys().await.expect("list").len(), 1);
}

/// Usage adds up per key and day; the latest use is kept on the key.
pub async fn key_usage_adds_up_per_day(store: impl Store) {
    let u = user(&store, "k3").await;
    let key = store
        .create_api_key(&new_key(u, "usage", 'd'), t(0))
        .await
        .expect("key");
    let usage = |d: &str, requests, rejected, last: &str| KeyUsage {
        key_id: key.id,
        day: day(d),
        requests,
        rejected,
        last_used_at: at(last),
    };
    store
        .add_key_usage(&[
            usage("2026-01-01", 5, 1, "2026-01-01T10:00:00Z"),
            usage("2026-01-02", 2, 0, "2026-01-02T08:00:00Z"),
        ])
        .await
        .expect("add");
    store
        .add_key_usage(&[usage("2026-01-02", 3, 4, "2026-01-02T09:00:00Z")])
        .await
        .expect("add");
    let rows = store
        .key_usage(key.id, day("2026-01-01"))
        .await
        .expect("usage");
    assert_eq!(
        rows.iter()
            .map(|r| (r.day, r.requests, r.rejected))
            .collect::<Vec<_>>(),
        vec![(day("2026-01-01"), 5, 1), (day("2026-01-02"), 5, 4)]
    );
    assert_eq!(
        store
            .key_usage(key.id, day("2026-01-02"))
            .await
            .expect("usage")
            .len(),
        1
    );
    let back = store
        .api_key_by_hash(&key.secret_hash)
        .await
        .expect("f")
        .expect("key");
    assert_eq!(back.last_used_at, Some(at("2026-01-02T09:00:00Z")));
    assert!(matches!(
        store
            .add_key_usage(&[KeyUsage {
                key_id: ApiKeyId(4_242),
                ..usage("2026-01-03", 1, 0, "2026-01-03T00:00:00Z")
            }])
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

fn item(position: u32, input: &str, status: BulkItemStatus) -> BulkItem {
    BulkItem {
        position,
        input: input.to_owned(),
        marketplace: (status != BulkItemStatus::Invalid).then_some(IN),
        asin: (status != BulkItemStatus::Invalid).then(|| asin(input)),
        status,
        watch_id: None,
        detail: (status == BulkItemStatus::Invalid).then(|| "no ASIN".to_owned()),
    }
}

/// A bulk job is stored with its items, progresses by position, finishes, and is private.
pub async fn bulk_jobs_progress_and_stay_private(store: impl Store) {
    let u = user(&store, "b1").await;
    let other = user(&store, "b2").await;
    let new = NewBulkJob {
        user_id: u,
        spec: BulkSpec {
            rules: Vec::new(),
            label: Some("competitors".to_owned()),
        },
        items: vec![
            item(0, "B0CX59H5W7", BulkItemStatus::Pending),
            item(1, "not an asin", BulkItemStatus::Invalid),
            item(2, "B0D1XD1ZV3", BulkItemStatus::Pending),
        ],
    };
    let job = store.create_bulk_job(&new, t(5)).await.expect("create");
    assert_eq!(job.total, 3);
    assert_eq!(job.counts.pending, 2);
    assert_eq!(job.counts.invalid, 1);
    assert_eq!(job.finished_at, None);
    assert_eq!(job.spec, new.spec);
    assert_eq!(
        store.unfinished_bulk_jobs().await.expect("u"),
        vec![job.clone()]
    );
    let mut done = item(0, "B0CX59H5W7", BulkItemStatus::Watching);
    done.watch_id = Some(WatchId(17));
    store
        .record_bulk_items(job.id, std::slice::from_ref(&done), None)
        .await
        .expect("record");
    let mid = store.get_bulk_job(u, job.id).await.expect("get");
    assert_eq!((mid.counts.pending, mid.counts.watching), (1, 1));
    store
        .record_bulk_items(
            job.id,
            &[item(2, "B0D1XD1ZV3", BulkItemStatus::NotFound)],
            Some(t(9)),
        )
        .await
        .expect("record");
    let end = store.get_bulk_job(u, job.id).await.expect("get");
    assert_eq!(end.counts.done(), 3);
    assert_eq!(end.finished_at, Some(t(9)));
    let items = store.bulk_job_items(u, job.id).await.expect("items");
    assert_eq!(items[0], done);
    assert_eq!(items[1], new.items[1]);
    assert_eq!(items[2].status, BulkItemStatus::NotFound);
    assert!(store.unfinished_bulk_jobs().await.expect("u").is_empty());
    assert!(matches!(
        store.get_bulk_job(other, job.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.bulk_job_items(other, job.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .record_bulk_items(
                job.id,
                &[item(3, "B0CX59H5W7", BulkItemStatus::Failed)],
                None
            )
            .await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store.record_bulk_items(BulkJobId(999), &[], None).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Activity facts count watches, live watches and the latest activity per user, and the
/// watches made and alerts fired since the cut-off.
pub async fn activity_facts_summarise_users(store: impl Store) {
    let a = user(&store, "f1").await;
    let b = user(&store, "f2").await;
    let w1 = store
        .create_watch(&product_watch(a, asin("B0CX59H5W7")), t(100))
        .await
        .expect("w1");
    store
        .create_watch(&product_watch(a, asin("B0D1XD1ZV3")), t(200))
        .await
        .expect("w2");
    let mut paused = w1.clone();
    paused.state = crate::domain::WatchState::Paused;
    paused.updated_at = t(300);
    store.update_watch(&paused).await.expect("pause");
    store
        .record_search(&SearchLog {
            user_id: Some(b),
            marketplace: IN,
            query: "phone".to_owned(),
            result_count: 3,
            at: t(400),
        })
        .await
        .expect("search");
    let facts = store.activity_facts(t(150)).await.expect("facts");
    assert_eq!(facts.users.len(), 2);
    let fa = &facts.users[0];
    assert_eq!(fa.user.id, a);
    assert_eq!((fa.watches, fa.live_watches), (2, 1));
    assert_eq!(fa.last_active_at, Some(t(300)));
    assert_eq!(facts.users[1].last_active_at, Some(t(400)));
    assert_eq!(facts.users[1].watches, 0);
    assert_eq!(facts.watches_created, vec![t(200)]);
    assert!(facts.alerts.is_empty());
    assert_eq!((facts.outbox_pending, facts.outbox_dead), (0, 0));
    let all = store
        .activity_facts(t(0) - TimeDelta::days(1))
        .await
        .expect("f");
    assert_eq!(all.watches_created, vec![t(100), t(200)]);
}
