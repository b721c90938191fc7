//! `TelegramNotifier` against the fake: pacing under Telegram's limits, flood control,
//! blocked users, migrated groups, idempotency and splitting.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use mandi_bot::fake::FakeTelegram;
use std::sync::atomic::{AtomicUsize, Ordering};

use mandi_bot::notifier::{NotifierConfig, RecipientEvents, TelegramNotifier, UserRecipientEvents};
use mandi_core::alerts::Dispatcher;
use mandi_core::store::MemoryStore;
use mandi_core::users::UserService;
use mandi_core::{
    AlertRule, ExternalIdentity, ManualClock, Marketplace, NewAlert, NewWatch, Notifier,
    NotifyError, PriceUpdate, Store, WatchState, WatchTarget,
};

use crate::support::{asin, client_for, inr, new_tg_user, notification, t0, tg_user};

#[tokio::test]
async fn a_small_fan_out_never_trips_telegrams_limits() {
    let fake = FakeTelegram::start().await;
    let notifier = TelegramNotifier::new(client_for(&fake), NotifierConfig::default());
    // 45 chats get one alert each, 3 chats get 5 each, one group gets 3: 63 messages.
    let mut jobs = Vec::new();
    let mut n = 0;
    for chat in 1..=45 {
        n += 1;
        jobs.push(notification(&tg_user(chat, chat), n));
    }
    for _ in 0..5 {
        for chat in 100..103 {
            n += 1;
            jobs.push(notification(&tg_user(chat, chat), n));
        }
    }
    for _ in 0..3 {
        n += 1;
        jobs.push(notification(&tg_user(900, -900), n));
    }
    let results: Vec<_> = futures::stream::iter(jobs.iter())
        .map(|j| notifier.deliver(j))
        .buffer_unordered(64)
        .collect()
        .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fake.rate_limit_violations(), 0);
    let sent = fake.sent();
    assert_eq!(sent.len(), 63);
    for chat in [100, 101, 102, -900] {
        let times: Vec<_> = fake.sent_to(chat).iter().map(|s| s.at).collect();
        let gap = if chat < 0 {
            Duration::from_secs(3)
        } else {
            Duration::from_secs(1)
        };
        for w in times.windows(2) {
            assert!(w[1] - w[0] >= gap, "chat {chat}: {:?}", w[1] - w[0]);
        }
    }
    for w in sent.windows(31) {
        assert!(w[30].at - w[0].at >= Duration::from_secs(1));
    }
    assert!(fake.rejected().is_empty(), "{:?}", fake.rejected());
    // Buy button and the target headline.
    let first = &sent[0];
    assert!(
        first
            .buttons()
            .iter()
            .any(|(_, url)| url.starts_with("https://www.amazon.in/dp/"))
    );
    assert!(
        first.body().starts_with("<b>🎯 Target price reached</b>"),
        "{}",
        first.body()
    );
    assert!(first.body().contains("target ₹55,000"), "{}", first.body());
}

#[tokio::test]
async fn flood_control_is_waited_out_and_the_message_arrives_once() {
    let fake = FakeTelegram::start().await;
    let notifier = TelegramNotifier::new(client_for(&fake), NotifierConfig::default());
    fake.start_storm(2, 1);
    let started = tokio::time::Instant::now();
    notifier
        .deliver(&notification(&tg_user(1, 5), 1))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "retry_after was not honoured"
    );
    assert_eq!(fake.sent_to(5).len(), 1);
    assert_eq!(fake.storm_429s(), 2);
    assert_eq!(
        notifier
            .stats()
            .rate_limited
            .load(std::sync::atomic::Ordering::Relaxed),
        2
    );

    // A storm longer than the attempts allowed comes back as a retryable error.
    let cfg = NotifierConfig {
        max_attempts: 2,
        ..NotifierConfig::default()
    };
    let n2 = TelegramNotifier::new(client_for(&fake), cfg);
    fake.start_storm(5, 1);
    let e = n2
        .deliver(&notification(&tg_user(2, 6), 2))
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::RateLimited { .. }) && e.is_retryable());
}

async fn blocked_user_with_watches(store: &Arc<dyn Store>) -> mandi_core::User {
    let user = store.upsert_user(&new_tg_user(77), t0()).await.unwrap();
    for i in 1..=2 {
        store
            .create_watch(
                &NewWatch {
                    user_id: user.id,
                    target: WatchTarget::Product {
                        marketplace: Marketplace::India,
                        asin: asin(i),
                    },
                    rules: vec![AlertRule::TargetPrice {
                        at_or_below: inr(100),
                    }],
                    baseline_price: None,
                    label: None,
                },
                t0(),
            )
            .await
            .unwrap();
    }
    user
}

fn users(store: &Arc<dyn Store>) -> UserService {
    UserService::new(store.clone(), Arc::new(ManualClock::new(t0())))
}

/// An alert to a user who blocked the bot: the dispatcher deactivates them (one library
/// call) and the row is kept dead; the notifier itself does not handle it a second time.
#[tokio::test]
async fn a_blocked_user_is_deactivated_once_and_their_watches_paused() {
    let fake = FakeTelegram::start().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let user = blocked_user_with_watches(&store).await;
    let events = Arc::new(CountingEvents {
        inner: UserRecipientEvents::new(users(&store)),
        blocked: AtomicUsize::new(0),
    });
    let notifier = Arc::new(
        TelegramNotifier::new(client_for(&fake), NotifierConfig::default())
            .with_events(events.clone()),
    );
    fake.block_chat(77);
    let watch = store.list_watches(user.id).await.unwrap()[0].id;
    store
        .apply_update(&PriceUpdate {
            alerts: vec![NewAlert {
                user_id: user.id,
                watch_id: watch,
                marketplace: Marketplace::India,
                asin: asin(1),
                rule: AlertRule::TargetPrice {
                    at_or_below: inr(100),
                },
                price: Some(inr(99)),
                previous_price: Some(inr(120)),
                availability: mandi_core::Availability::InStock,
                message: "down".into(),
                triggered_at: t0(),
                dedupe_key: "k1".into(),
                card: None,
            }],
            channels: vec!["telegram".into()],
            ..PriceUpdate::default()
        })
        .await
        .unwrap();
    let dispatcher = Dispatcher::new(
        store.clone(),
        vec![notifier.clone() as Arc<dyn Notifier>],
        Arc::new(ManualClock::new(t0())),
    );
    let report = dispatcher.run_once().await.unwrap();
    assert_eq!(report.dead, 1);
    assert!(!store.get_user(user.id).await.unwrap().active);
    let watches = store.list_watches(user.id).await.unwrap();
    assert!(watches.iter().all(|w| w.state == WatchState::Paused));
    assert_eq!(
        events.blocked.load(Ordering::SeqCst),
        0,
        "the dispatcher handles a gone recipient of an alert; the hook is for replies"
    );
    // Later deliveries to the inactive user are refused without a request.
    let stored = store.get_user(user.id).await.unwrap();
    let e = notifier
        .deliver(&notification(&stored, 2))
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::RecipientGone { .. }));
    assert!(fake.sent().is_empty());
}

/// A reply (not an alert) to a user who blocked the bot goes through the hook.
#[tokio::test]
async fn a_reply_to_a_blocked_user_deactivates_them_through_the_hook() {
    let fake = FakeTelegram::start().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let user = blocked_user_with_watches(&store).await;
    let notifier = TelegramNotifier::new(client_for(&fake), NotifierConfig::default())
        .with_events(Arc::new(UserRecipientEvents::new(users(&store))));
    fake.block_chat(77);
    let e = notifier
        .send_html(Some(&user), 77, "hello", None)
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::RecipientGone { .. }));
    assert!(!store.get_user(user.id).await.unwrap().active);
    assert!(
        store
            .list_watches(user.id)
            .await
            .unwrap()
            .iter()
            .all(|w| w.state == WatchState::Paused)
    );
}

struct CountingEvents {
    inner: UserRecipientEvents,
    blocked: AtomicUsize,
}

#[async_trait::async_trait]
impl RecipientEvents for CountingEvents {
    async fn blocked(&self, user: &mandi_core::User) {
        self.blocked.fetch_add(1, Ordering::SeqCst);
        self.inner.blocked(user).await;
    }
    async fn migrated(&self, user: &mandi_core::User, from: i64, to: i64) {
        self.inner.migrated(user, from, to).await;
    }
}

#[tokio::test]
async fn a_migrated_group_is_followed_to_its_supergroup() {
    let fake = FakeTelegram::start().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let group = store.upsert_user(&new_tg_user(-42), t0()).await.unwrap();
    let watch = blocked_user_with_watches(&store).await;
    drop(watch);
    let notifier = TelegramNotifier::new(client_for(&fake), NotifierConfig::default())
        .with_events(Arc::new(UserRecipientEvents::new(users(&store))));
    fake.migrate_chat(-42, -1_000_000_000_042);
    notifier.deliver(&notification(&group, 1)).await.unwrap();
    notifier.deliver(&notification(&group, 2)).await.unwrap();
    assert!(fake.sent_to(-42).is_empty());
    assert_eq!(fake.sent_to(-1_000_000_000_042).len(), 2);
    assert_eq!(notifier.current_chat(-42), -1_000_000_000_042);
    assert_eq!(fake.rate_limit_violations(), 0);
    // The new chat id is stored: the same user (and so its watches) is found under it, and
    // a fresh notifier (a restart) reaches the supergroup directly.
    let moved = store
        .find_user(&ExternalIdentity::new("telegram", "-1000000000042"))
        .await
        .unwrap()
        .expect("the group is stored under its new chat id");
    assert_eq!(moved.id, group.id);
    assert!(
        store
            .find_user(&ExternalIdentity::new("telegram", "-42"))
            .await
            .unwrap()
            .is_none()
    );
    let restarted = TelegramNotifier::new(client_for(&fake), NotifierConfig::default());
    restarted.deliver(&notification(&moved, 3)).await.unwrap();
    assert_eq!(fake.sent_to(-1_000_000_000_042).len(), 3);
}

#[tokio::test]
async fn the_idempotency_key_prevents_duplicates() {
    let fake = FakeTelegram::start().await;
    let notifier = TelegramNotifier::new(client_for(&fake), NotifierConfig::default());
    let user = tg_user(1, 9);
    let n = notification(&user, 1);
    let (a, b) = tokio::join!(notifier.deliver(&n), notifier.deliver(&n));
    // One of two concurrent copies is told to retry later; the retry is then a no-op.
    assert!(a.is_ok() || b.is_ok());
    notifier.deliver(&n).await.unwrap();
    notifier.deliver(&n).await.unwrap();
    assert_eq!(fake.sent_to(9).len(), 1);
    notifier.deliver(&notification(&user, 2)).await.unwrap();
    assert_eq!(fake.sent_to(9).len(), 2);
}

#[tokio::test]
async fn long_texts_are_split_and_every_part_is_accepted() {
    let fake = FakeTelegram::start().await;
    let notifier = TelegramNotifier::new(client_for(&fake), NotifierConfig::unthrottled());
    fake.set_limits(mandi_bot::fake::Limits {
        enforce: false,
        ..Default::default()
    });
    let line = format!(
        "<b>{}</b> &amp; more",
        mandi_bot::text::escape_html("Redmi <Note> 13 & co")
    );
    let text = vec![line; 400].join("\n");
    notifier.send_html(None, 3, &text, None).await.unwrap();
    let sent = fake.sent_to(3);
    assert!(sent.len() >= 3, "{}", sent.len());
    assert!(fake.rejected().is_empty(), "{:?}", fake.rejected());
}

#[tokio::test]
async fn a_non_telegram_user_is_a_permanent_error() {
    let fake = FakeTelegram::start().await;
    let notifier = TelegramNotifier::new(client_for(&fake), NotifierConfig::default());
    let mut u = tg_user(1, 1);
    u.identity.provider = "cli".into();
    let e = notifier.deliver(&notification(&u, 1)).await.unwrap_err();
    assert!(matches!(e, NotifyError::Permanent { .. }));
    let mut u = tg_user(1, 1);
    u.identity.subject = "abc".into();
    assert!(notifier.deliver(&notification(&u, 2)).await.is_err());
}

#[tokio::test]
async fn remembered_keys_are_bounded() {
    let fake = FakeTelegram::start().await;
    let cfg = NotifierConfig {
        remember_keys: 2,
        ..NotifierConfig::unthrottled()
    };
    fake.set_limits(mandi_bot::fake::Limits {
        enforce: false,
        ..Default::default()
    });
    let notifier = TelegramNotifier::new(client_for(&fake), cfg);
    let user = tg_user(1, 9);
    for n in [1, 2, 1, 2] {
        notifier.deliver(&notification(&user, n)).await.unwrap();
    }
    assert_eq!(fake.sent_to(9).len(), 2, "keys 1 and 2 are remembered");
    notifier.deliver(&notification(&user, 3)).await.unwrap();
    // Key 1 was the oldest and is forgotten; key 3 and 2 are still known.
    notifier.deliver(&notification(&user, 2)).await.unwrap();
    assert_eq!(fake.sent_to(9).len(), 3);
    notifier.deliver(&notification(&user, 1)).await.unwrap();
    assert_eq!(fake.sent_to(9).len(), 4);
}

/// Server failures are resent at most twice (Telegram has no idempotency key, so every resend
/// risks a duplicate), with a pause between sends; a 4xx is never resent.
#[tokio::test]
async fn server_failures_are_resent_at_most_twice_and_a_4xx_never() {
    let fake = FakeTelegram::start().await;
    fake.set_limits(mandi_bot::fake::Limits {
        enforce: false,
        ..Default::default()
    });
    let cfg = NotifierConfig {
        retry_backoff: Duration::from_millis(40),
        ..NotifierConfig::unthrottled()
    };
    assert_eq!(cfg.max_server_retries, 2);
    let notifier = TelegramNotifier::new(client_for(&fake), cfg);
    let sends = |chat: i64| fake.send_requests("sendMessage", chat);

    // Three 502s in a row: the first send and two resends fail, then it gives up.
    fake.send_errors(502, 3);
    let started = tokio::time::Instant::now();
    let e = notifier
        .send_html(None, 31, "three failures", None)
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::Transient { .. }), "{e:?}");
    assert_eq!(sends(31), 3);
    assert!(fake.sent_to(31).is_empty());
    // Backoff: 40 ms, then 80 ms.
    assert!(started.elapsed() >= Duration::from_millis(120));

    // Two 503s: the second resend gets through, once.
    fake.send_errors(503, 2);
    notifier
        .send_html(None, 32, "two failures", None)
        .await
        .expect("delivered on the second resend");
    assert_eq!(sends(32), 3);
    assert_eq!(fake.sent_to(32).len(), 1);

    // A 400 is the request's fault: returned at once, never resent.
    fake.send_errors(400, 1);
    let e = notifier
        .send_html(None, 33, "refused", None)
        .await
        .unwrap_err();
    assert!(!e.is_retryable(), "{e:?}");
    assert_eq!(sends(33), 1);
    assert!(fake.sent_to(33).is_empty());
}

/// The case: a target set above the current price fires with the price unchanged.
/// The alert says the target was reached, not "Price drop ₹11,499.00 → ₹11,499.00 −0.0 %",
/// and amounts read like everywhere else (`₹11,499`).
#[tokio::test]
async fn a_target_alert_with_an_unmoved_price_is_not_called_a_drop() {
    let fake = FakeTelegram::start().await;
    let notifier = TelegramNotifier::new(client_for(&fake), NotifierConfig::unthrottled());
    let mut n = notification(&tg_user(12, 12), 1);
    n.alert.rule = AlertRule::TargetPrice {
        at_or_below: inr(12_000),
    };
    n.alert.price = Some(inr(11_499));
    n.alert.previous_price = Some(inr(11_499));
    n.alert.message = "At ₹11,499 (target ₹12,000)".to_owned();
    notifier.deliver(&n).await.expect("delivered");
    let sent = fake.sent_to(12);
    assert_eq!(sent.len(), 1);
    let body = sent[0].body();
    assert!(body.starts_with("<b>🎯 Target price reached</b>"), "{body}");
    assert!(body.contains("₹11,499"), "{body}");
    for wrong in ["Price drop", "11,499.00", "0.0 %", "−0"] {
        assert!(!body.contains(wrong), "{wrong:?} in {body}");
    }
}
