//! Webhook subscriptions, their delivery records and admin sessions: the REST API server's
//! part of the store contract added with schema version 7.

use chrono::TimeDelta;

use super::{new_user, t};
use crate::domain::{AdminSession, NewWebhook, UserId, WebhookId};
use crate::ports::store::{Store, StoreError};

async fn hook_user(store: &impl Store, subject: &str) -> UserId {
    store
        .upsert_user(&new_user(subject), t(0))
        .await
        .expect("user")
        .id
}

fn new_hook(user: UserId, url: &str) -> NewWebhook {
    NewWebhook {
        user_id: user,
        url: url.to_owned(),
        secret: "s3cret-s3cret-s3cret".to_owned(),
    }
}

/// Subscriptions are stored per user, listed oldest first, private to their user, and
/// deleted with their delivery records.
pub async fn webhooks_round_trip_and_stay_private(store: impl Store) {
    let a = hook_user(&store, "wa").await;
    let b = hook_user(&store, "wb").await;
    let first = store
        .create_webhook(&new_hook(a, "http://127.0.0.1:9/hook"), t(5))
        .await
        .expect("create");
    assert_eq!(first.user_id, a);
    assert_eq!(first.url, "http://127.0.0.1:9/hook");
    assert_eq!(first.secret, "s3cret-s3cret-s3cret");
    assert_eq!(first.created_at, t(5));
    let second = store
        .create_webhook(&new_hook(a, "https://example.test/in"), t(6))
        .await
        .expect("create");
    let theirs = store
        .create_webhook(&new_hook(b, "http://127.0.0.1:9/b"), t(7))
        .await
        .expect("create");
    assert_eq!(
        store.list_webhooks(a).await.expect("list"),
        vec![first.clone(), second.clone()]
    );
    assert_eq!(
        store.list_webhooks(b).await.expect("list"),
        vec![theirs.clone()]
    );
    // B cannot delete A's subscription by guessing its id.
    let err = store
        .delete_webhook(b, first.id)
        .await
        .expect_err("not b's");
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(store.list_webhooks(a).await.expect("list").len(), 2);
    store
        .record_webhook_delivery(first.id, "k1", t(8))
        .await
        .expect("record");
    store.delete_webhook(a, first.id).await.expect("delete");
    assert_eq!(store.list_webhooks(a).await.expect("list"), vec![second]);
    assert_eq!(
        store.webhook_deliveries("k1").await.expect("deliveries"),
        Vec::<WebhookId>::new(),
        "records go with their subscription"
    );
    let err = store
        .delete_webhook(a, first.id)
        .await
        .expect_err("already gone");
    assert!(err.is_not_found(), "{err:?}");
}

/// A subscription with a URL that is not http(s), a short secret or an unknown user is
/// refused and nothing is stored.
pub async fn bad_webhooks_are_refused(store: impl Store) {
    let a = hook_user(&store, "wbad").await;
    for url in [
        "ftp://127.0.0.1/x",
        "not a url",
        "http://",
        "file:///etc/passwd",
    ] {
        let err = store
            .create_webhook(&new_hook(a, url), t(1))
            .await
            .expect_err(url);
        assert!(matches!(err, StoreError::Invalid { .. }), "{url}: {err:?}");
    }
    let mut short = new_hook(a, "http://127.0.0.1:9/h");
    short.secret = "short".to_owned();
    let err = store.create_webhook(&short, t(1)).await.expect_err("short");
    assert!(matches!(err, StoreError::Invalid { .. }), "{err:?}");
    let err = store
        .create_webhook(&new_hook(UserId(999_999), "http://127.0.0.1:9/h"), t(1))
        .await
        .expect_err("no user");
    assert!(err.is_not_found(), "{err:?}");
    assert!(store.list_webhooks(a).await.expect("list").is_empty());
}

/// Delivery records are kept per key and subscription; recording twice changes nothing;
/// recording for an unknown subscription is refused.
pub async fn webhook_deliveries_are_recorded_once(store: impl Store) {
    let a = hook_user(&store, "wd").await;
    let h1 = store
        .create_webhook(&new_hook(a, "http://127.0.0.1:9/1"), t(1))
        .await
        .expect("create");
    let h2 = store
        .create_webhook(&new_hook(a, "http://127.0.0.1:9/2"), t(1))
        .await
        .expect("create");
    assert!(store.webhook_deliveries("key").await.expect("d").is_empty());
    store
        .record_webhook_delivery(h2.id, "key", t(2))
        .await
        .expect("record");
    store
        .record_webhook_delivery(h2.id, "key", t(3))
        .await
        .expect("again");
    store
        .record_webhook_delivery(h1.id, "key", t(3))
        .await
        .expect("record");
    store
        .record_webhook_delivery(h1.id, "other", t(3))
        .await
        .expect("record");
    assert_eq!(
        store.webhook_deliveries("key").await.expect("d"),
        vec![h1.id, h2.id]
    );
    assert_eq!(
        store.webhook_deliveries("other").await.expect("d"),
        vec![h1.id]
    );
    let err = store
        .record_webhook_delivery(WebhookId(987_654), "key", t(3))
        .await
        .expect_err("unknown");
    assert!(err.is_not_found(), "{err:?}");
}

/// Sessions are found by their id hash until they expire, end when deleted, and expired
/// ones are forgotten when a new one is made; malformed ones are refused.
pub async fn admin_sessions_expire_and_end(store: impl Store) {
    let session = |digit: char, from: i64, secs: i64| AdminSession {
        id_hash: std::iter::repeat_n(digit, 64).collect(),
        created_at: t(from),
        expires_at: t(from) + TimeDelta::seconds(secs),
    };
    let s1 = session('a', 0, 100);
    store.create_admin_session(&s1, t(0)).await.expect("create");
    assert_eq!(
        store
            .admin_session(&"A".repeat(64), t(50))
            .await
            .expect("get"),
        Some(s1.clone()),
        "found by an upper-case hash too"
    );
    assert_eq!(
        store.admin_session(&s1.id_hash, t(100)).await.expect("get"),
        None,
        "expired at its end"
    );
    assert_eq!(
        store
            .admin_session(&"b".repeat(64), t(1))
            .await
            .expect("get"),
        None
    );
    // A new session at t(200) forgets the expired one; the later one stays until deleted.
    let s2 = session('b', 200, 100);
    store
        .create_admin_session(&s2, t(200))
        .await
        .expect("create");
    assert_eq!(
        store.admin_session(&s2.id_hash, t(250)).await.expect("get"),
        Some(s2.clone())
    );
    store
        .delete_admin_session(&s2.id_hash)
        .await
        .expect("delete");
    store
        .delete_admin_session(&s2.id_hash)
        .await
        .expect("deleting again changes nothing");
    assert_eq!(
        store.admin_session(&s2.id_hash, t(250)).await.expect("get"),
        None
    );
    for bad in [
        AdminSession {
            id_hash: "xyz".to_owned(),
            ..session('c', 0, 10)
        },
        session('d', 10, 0),
    ] {
        let err = store
            .create_admin_session(&bad, t(0))
            .await
            .expect_err("bad session");
        assert!(matches!(err, StoreError::Invalid { .. }), "{err:?}");
    }
}
