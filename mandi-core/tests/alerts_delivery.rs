//! The dispatcher and the notifiers: holds (quiet hours, digest, daily cap), retries with
//! backoff, dead rows, unreachable users, and receiver-side dedupe.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use mandi_core::alerts::notify::{JsonLinesNotifier, TerminalNotifier};
use mandi_core::alerts::{DeliveryPolicy, Dispatcher, RetryPolicy};
use mandi_core::store::MemoryStore;
use mandi_core::{
    AlertMode, AlertRule, Asin, Availability, Currency, DeliveryStatus, ExternalIdentity,
    HoldReason, ManualClock, Marketplace, Money, NewAlert, NewUser, NewWatch, Notification,
    Notifier, NotifyError, PriceUpdate, QuietHours, Store, UserId, UserSettings, WatchId,
    WatchTarget,
};

fn t0() -> DateTime<Utc> {
    // 06:30 UTC = 12:00 IST.
    Utc.with_ymd_and_hms(2026, 11, 25, 6, 30, 0).unwrap()
}

fn asin() -> Asin {
    "B0CX59H5W7".parse().unwrap()
}

/// A notifier that answers from a script (then succeeds) and records what it delivered.
#[derive(Debug, Default)]
struct Scripted {
    script: Mutex<VecDeque<Result<(), NotifyError>>>,
    delivered: Mutex<Vec<Notification>>,
}

impl Scripted {
    fn with(script: Vec<Result<(), NotifyError>>) -> Arc<Self> {
        Arc::new(Self {
            script: Mutex::new(script.into()),
            delivered: Mutex::default(),
        })
    }

    fn keys(&self) -> Vec<String> {
        self.delivered
            .lock()
            .unwrap()
            .iter()
            .map(|n| n.alert.dedupe_key.clone())
            .collect()
    }
}

#[async_trait]
impl Notifier for Scripted {
    fn channel(&self) -> &str {
        "terminal"
    }

    async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
        let next = self.script.lock().unwrap().pop_front().unwrap_or(Ok(()));
        if next.is_ok() {
            self.delivered.lock().unwrap().push(n.clone());
        }
        next
    }
}

struct Setup {
    store: Arc<MemoryStore>,
    clock: ManualClock,
    user: UserId,
    watch: WatchId,
}

async fn setup(settings: UserSettings) -> Setup {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(t0());
    let user = store
        .upsert_user(
            &NewUser {
                identity: ExternalIdentity::new("cli", "local"),
                display_name: None,
                settings,
            },
            t0(),
        )
        .await
        .unwrap()
        .id;
    let watch = store
        .create_watch(
            &NewWatch {
                user_id: user,
                target: WatchTarget::Product {
                    marketplace: Marketplace::India,
                    asin: asin(),
                },
                rules: vec![AlertRule::BackInStock],
                baseline_price: None,
                label: None,
            },
            t0(),
        )
        .await
        .unwrap()
        .id;
    Setup {
        store,
        clock,
        user,
        watch,
    }
}

impl Setup {
    async fn alert(&self, key: &str) {
        self.store
            .apply_update(&PriceUpdate {
                alerts: vec![NewAlert {
                    user_id: self.user,
                    watch_id: self.watch,
                    marketplace: Marketplace::India,
                    asin: asin(),
                    rule: AlertRule::BackInStock,
                    price: Some(Money::from_major(999, Currency::INR)),
                    previous_price: None,
                    availability: Availability::InStock,
                    message: format!("alert {key}"),
                    triggered_at: self.clock.now_utc(),
                    dedupe_key: key.to_owned(),
                    card: None,
                }],
                channels: vec!["terminal".to_owned()],
                ..PriceUpdate::default()
            })
            .await
            .unwrap();
    }

    fn dispatcher(&self, notifier: Arc<dyn Notifier>) -> Dispatcher {
        Dispatcher::new(
            self.store.clone(),
            vec![notifier],
            Arc::new(self.clock.clone()),
        )
        .with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::seconds(10),
            max_delay: Duration::minutes(10),
            jitter_bps: 0,
        })
    }

    async fn status(&self) -> Vec<(DeliveryStatus, u32)> {
        let mut out = Vec::new();
        for a in self.store.alert_history(self.user, 100, 0).await.unwrap() {
            for e in self.store.alert_deliveries(self.user, a.id).await.unwrap() {
                out.push((e.status, e.attempts));
            }
        }
        out
    }
}

trait NowUtc {
    fn now_utc(&self) -> DateTime<Utc>;
}

impl NowUtc for ManualClock {
    fn now_utc(&self) -> DateTime<Utc> {
        mandi_core::Clock::now(self)
    }
}

fn transient() -> Result<(), NotifyError> {
    Err(NotifyError::Transient {
        channel: "terminal".to_owned(),
        reason: "network down".to_owned(),
    })
}

#[tokio::test]
async fn transient_failures_back_off_then_deliver_once() {
    let s = setup(UserSettings::default()).await;
    s.alert("k1").await;
    let n = Scripted::with(vec![transient(), transient()]);
    let d = s.dispatcher(n.clone());
    let r = d.run_once().await.unwrap();
    assert_eq!((r.retried, r.sent), (1, 0));
    // Not due before the backoff (10 s, then 20 s).
    s.clock.advance(Duration::seconds(9));
    assert_eq!(d.run_once().await.unwrap().claimed, 0);
    s.clock.advance(Duration::seconds(1));
    assert_eq!(d.run_once().await.unwrap().retried, 1);
    s.clock.advance(Duration::seconds(19));
    assert_eq!(d.run_once().await.unwrap().claimed, 0);
    s.clock.advance(Duration::seconds(1));
    assert_eq!(d.run_once().await.unwrap().sent, 1);
    assert_eq!(n.keys(), ["k1"]);
    assert_eq!(s.status().await, [(DeliveryStatus::Sent, 2)]);
}

#[tokio::test]
async fn too_many_failures_mark_the_row_dead_not_dropped() {
    let s = setup(UserSettings::default()).await;
    s.alert("k1").await;
    let n = Scripted::with(vec![transient(), transient(), transient()]);
    let d = s.dispatcher(n.clone());
    for _ in 0..3 {
        d.run_once().await.unwrap();
        s.clock.advance(Duration::minutes(10));
    }
    assert_eq!(s.status().await, [(DeliveryStatus::Dead, 3)]);
    assert!(n.keys().is_empty());
    let a = &s.store.alert_history(s.user, 1, 0).await.unwrap()[0];
    let row = &s.store.alert_deliveries(s.user, a.id).await.unwrap()[0];
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("after 3 attempt(s)")
    );
}

#[tokio::test]
async fn unreachable_recipient_is_dead_and_the_user_inactive() {
    let s = setup(UserSettings::default()).await;
    s.alert("k1").await;
    s.alert("k2").await;
    let n = Scripted::with(vec![Err(NotifyError::RecipientGone {
        channel: "terminal".to_owned(),
        reason: "bot blocked".to_owned(),
    })]);
    let r = s.dispatcher(n.clone()).run_once().await.unwrap();
    assert_eq!(
        r.dead, 2,
        "the second row is dead because the user is now inactive"
    );
    assert!(!s.store.get_user(s.user).await.unwrap().active);
    assert_eq!(
        s.status().await,
        [(DeliveryStatus::Dead, 1), (DeliveryStatus::Dead, 1)]
    );
}

#[tokio::test]
async fn permanent_errors_are_not_retried() {
    let s = setup(UserSettings::default()).await;
    s.alert("k1").await;
    let n = Scripted::with(vec![Err(NotifyError::Permanent {
        channel: "terminal".to_owned(),
        reason: "message too long".to_owned(),
    })]);
    assert_eq!(s.dispatcher(n).run_once().await.unwrap().dead, 1);
    assert_eq!(s.status().await, [(DeliveryStatus::Dead, 1)]);
}

#[tokio::test]
async fn quiet_hours_hold_alerts_until_they_end_in_ist() {
    let settings = UserSettings {
        // 11:00–13:00 IST; t0 is 12:00 IST.
        quiet_hours: Some(QuietHours {
            start: NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
        }),
        ..UserSettings::default()
    };
    let s = setup(settings).await;
    s.alert("k1").await;
    let n = Scripted::with(vec![]);
    let d = s.dispatcher(n.clone());
    assert_eq!(d.run_once().await.unwrap().held, 1);
    let held = s
        .store
        .held_deliveries(s.user, s.clock.now_utc())
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].hold, Some(HoldReason::QuietHours));
    // 13:00 IST = 07:30 UTC.
    assert_eq!(
        held[0].entry.next_attempt_at,
        Utc.with_ymd_and_hms(2026, 11, 25, 7, 30, 0).unwrap()
    );
    s.clock.advance(Duration::minutes(59));
    assert_eq!(d.run_once().await.unwrap().claimed, 0);
    s.clock.advance(Duration::minutes(1));
    assert_eq!(d.run_once().await.unwrap().sent, 1);
    assert_eq!(n.keys(), ["k1"]);
}

#[tokio::test]
async fn digest_mode_holds_alerts_until_digest_time() {
    let s = setup(UserSettings {
        alert_mode: AlertMode::DailyDigest,
        ..UserSettings::default()
    })
    .await;
    s.alert("k1").await;
    s.clock.advance(Duration::hours(3));
    s.alert("k2").await;
    let n = Scripted::with(vec![]);
    let d = s.dispatcher(n.clone()).with_policy(DeliveryPolicy {
        digest_at: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
    });
    assert_eq!(d.run_once().await.unwrap().held, 2);
    // 20:00 IST = 14:30 UTC: both go out together.
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 25, 14, 29, 0).unwrap());
    assert_eq!(d.run_once().await.unwrap().claimed, 0);
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 25, 14, 30, 0).unwrap());
    assert_eq!(d.run_once().await.unwrap().sent, 2);
    assert_eq!(n.keys(), ["k1", "k2"]);
}

#[tokio::test]
async fn daily_cap_defers_the_rest_to_the_next_local_day() {
    let s = setup(UserSettings {
        daily_cap: Some(2),
        ..UserSettings::default()
    })
    .await;
    for k in ["k1", "k2", "k3"] {
        s.alert(k).await;
    }
    let n = Scripted::with(vec![]);
    let d = s.dispatcher(n.clone());
    let r = d.run_once().await.unwrap();
    assert_eq!((r.sent, r.held), (2, 1));
    let held = s
        .store
        .held_deliveries(s.user, s.clock.now_utc())
        .await
        .unwrap();
    assert_eq!(held[0].hold, Some(HoldReason::DailyCap));
    // The next IST midnight is 18:30 UTC.
    assert_eq!(
        held[0].entry.next_attempt_at,
        Utc.with_ymd_and_hms(2026, 11, 25, 18, 30, 0).unwrap()
    );
    s.clock.set(held[0].entry.next_attempt_at);
    assert_eq!(d.run_once().await.unwrap().sent, 1);
    assert_eq!(n.keys(), ["k1", "k2", "k3"]);
}

#[tokio::test]
async fn a_crash_after_delivery_redelivers_with_the_same_key_and_the_file_dedupes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.jsonl");
    let s = setup(UserSettings::default()).await;
    s.alert("k1").await;
    // First process: claims and delivers, then "crashes" before marking the row sent.
    let claimed = s
        .store
        .claim_due_deliveries(
            s.clock.now_utc(),
            &["jsonl".to_owned()],
            10,
            Duration::minutes(5),
        )
        .await
        .unwrap();
    assert!(claimed.is_empty(), "rows are for the terminal channel only");
    let file = JsonLinesNotifier::open(&path)
        .unwrap()
        .with_channel("terminal");
    let claimed = s
        .store
        .claim_due_deliveries(
            s.clock.now_utc(),
            &["terminal".to_owned()],
            10,
            Duration::minutes(5),
        )
        .await
        .unwrap();
    let d = &claimed[0];
    file.deliver(&Notification {
        idempotency_key: d.entry.idempotency_key.clone(),
        user: s.store.get_user(s.user).await.unwrap(),
        alert: d.alert.clone(),
    })
    .await
    .unwrap();
    drop(file);
    // Second process after the lease: delivers again with the same key; the file keeps one.
    s.clock.advance(Duration::minutes(5));
    let file = Arc::new(
        JsonLinesNotifier::open(&path)
            .unwrap()
            .with_channel("terminal"),
    );
    assert_eq!(file.delivered_keys().len(), 1);
    let r = s.dispatcher(file.clone()).drain().await.unwrap();
    assert_eq!(r.sent, 1);
    let records = JsonLinesNotifier::read_records(&path).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].alert.dedupe_key, "k1");
    assert_eq!(records[0].idempotency_key, "k1/terminal");
}

#[tokio::test]
async fn json_lines_file_cuts_a_torn_last_line_and_refuses_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.jsonl");
    let s = setup(UserSettings::default()).await;
    s.alert("k1").await;
    let file = Arc::new(
        JsonLinesNotifier::open(&path)
            .unwrap()
            .with_channel("terminal"),
    );
    s.dispatcher(file).drain().await.unwrap();
    let good = std::fs::read(&path).unwrap();
    let mut torn = good.clone();
    torn.extend_from_slice(b"{\"idempotency_key\":\"k2/ter");
    std::fs::write(&path, &torn).unwrap();
    let reopened = JsonLinesNotifier::open(&path).unwrap();
    assert_eq!(reopened.delivered_keys().len(), 1);
    drop(reopened);
    assert_eq!(std::fs::read(&path).unwrap(), good, "the torn line was cut");

    let foreign = dir.path().join("notes.txt");
    std::fs::write(&foreign, "shopping list\n").unwrap();
    assert!(matches!(
        JsonLinesNotifier::open(&foreign),
        Err(NotifyError::Permanent { .. })
    ));
    assert_eq!(
        std::fs::read_to_string(&foreign).unwrap(),
        "shopping list\n"
    );
}

#[tokio::test]
async fn terminal_prints_ist_time_and_drops_repeats() {
    let s = setup(UserSettings::default()).await;
    s.alert("k1").await;
    let alert = s.store.alert_history(s.user, 1, 0).await.unwrap().remove(0);
    let user = s.store.get_user(s.user).await.unwrap();
    let terminal = TerminalNotifier::new(Vec::new());
    let n = Notification {
        idempotency_key: "k1/terminal".to_owned(),
        user,
        alert,
    };
    terminal.deliver(&n).await.unwrap();
    terminal.deliver(&n).await.unwrap();
    let out = String::from_utf8(terminal.into_inner()).unwrap();
    assert_eq!(out, "[2026-11-25 12:00 IST] 📦 Back in stock: alert k1\n");
}

/// A notifier with a digest form: records each digest (one message) and answers digests
/// from a script.
#[derive(Default)]
struct DigestRecorder {
    script: Mutex<VecDeque<Result<(), NotifyError>>>,
    digests: Mutex<Vec<mandi_core::ports::notifier::DigestNotification>>,
    singles: Mutex<usize>,
}

#[async_trait]
impl Notifier for DigestRecorder {
    fn channel(&self) -> &str {
        "terminal"
    }

    async fn deliver(&self, _n: &Notification) -> Result<(), NotifyError> {
        *self.singles.lock().unwrap() += 1;
        Ok(())
    }

    async fn deliver_digest(
        &self,
        d: &mandi_core::ports::notifier::DigestNotification,
    ) -> Result<(), NotifyError> {
        let next = self.script.lock().unwrap().pop_front().unwrap_or(Ok(()));
        if next.is_ok() {
            self.digests.lock().unwrap().push(d.clone());
        }
        next
    }
}

/// A contributor standing in for a later module (predictions): adds one section.
struct Predictions;

#[async_trait]
impl mandi_core::digest::DigestContributor for Predictions {
    fn name(&self) -> &str {
        "predictions"
    }

    async fn section(
        &self,
        user: &mandi_core::User,
        alerts: &[mandi_core::Alert],
        _now: DateTime<Utc>,
    ) -> Result<Option<mandi_core::digest::DigestSection>, mandi_core::digest::DigestError> {
        Ok(Some(mandi_core::digest::DigestSection::Extra {
            source: "predictions".into(),
            title: format!("{} alerts, {:?}", alerts.len(), user.settings.language),
            lines: vec!["more drops likely".into()],
        }))
    }
}

/// A contributor that always fails: the digest goes out without its section.
struct Broken;

#[async_trait]
impl mandi_core::digest::DigestContributor for Broken {
    fn name(&self) -> &str {
        "broken"
    }

    async fn section(
        &self,
        _user: &mandi_core::User,
        _alerts: &[mandi_core::Alert],
        _now: DateTime<Utc>,
    ) -> Result<Option<mandi_core::digest::DigestSection>, mandi_core::digest::DigestError> {
        Err(mandi_core::digest::DigestError {
            source_name: "broken".into(),
            reason: "no model".into(),
        })
    }
}

#[tokio::test]
async fn a_digest_is_one_message_per_period_delivered_once() {
    let s = setup(UserSettings {
        alert_mode: AlertMode::DailyDigest,
        language: mandi_core::Language::Hindi,
        ..UserSettings::default()
    })
    .await;
    for k in ["k1", "k2", "k3"] {
        s.alert(k).await;
        s.clock.advance(Duration::minutes(30));
    }
    let n = Arc::new(DigestRecorder {
        script: Mutex::new(
            vec![Err(NotifyError::Transient {
                channel: "terminal".into(),
                reason: "503".into(),
            })]
            .into(),
        ),
        ..DigestRecorder::default()
    });
    let d = s
        .dispatcher(n.clone())
        .with_policy(DeliveryPolicy {
            digest_at: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
        })
        .with_digest(
            mandi_core::digest::DigestBuilder::new()
                .with(Arc::new(Broken))
                .with(Arc::new(Predictions)),
        );
    assert_eq!(d.run_once().await.unwrap().held, 3);
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 25, 14, 30, 0).unwrap());
    // The first try fails: every row is retried together.
    let r = d.run_once().await.unwrap();
    assert_eq!((r.sent, r.retried), (0, 3));
    assert!(n.digests.lock().unwrap().is_empty());
    s.clock.advance(Duration::minutes(1));
    let r = d.run_once().await.unwrap();
    assert_eq!(r.sent, 3);
    let digests = n.digests.lock().unwrap().clone();
    assert_eq!(digests.len(), 1, "one message for the whole period");
    let digest = &digests[0].digest;
    assert_eq!(
        digest
            .alerts
            .iter()
            .map(|a| a.dedupe_key.as_str())
            .collect::<Vec<_>>(),
        ["k1", "k2", "k3"]
    );
    assert_eq!(digest.language, mandi_core::Language::Hindi);
    assert_eq!(
        digest.sections,
        vec![mandi_core::digest::DigestSection::Extra {
            source: "predictions".into(),
            title: "3 alerts, Hindi".into(),
            lines: vec!["more drops likely".into()],
        }],
        "the failing contributor is left out, the other one is added"
    );
    assert_eq!(*n.singles.lock().unwrap(), 0, "nothing went out one by one");
    assert!(
        s.status()
            .await
            .iter()
            .all(|(st, _)| *st == DeliveryStatus::Sent)
    );
    // Nothing more goes out later: the rows are final.
    s.clock.advance(Duration::days(1));
    assert_eq!(d.run_once().await.unwrap().claimed, 0);
    assert_eq!(n.digests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_digest_due_in_quiet_hours_waits_until_they_end() {
    let s = setup(UserSettings {
        alert_mode: AlertMode::DailyDigest,
        quiet_hours: Some(QuietHours {
            start: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(21, 0, 0).unwrap(),
        }),
        ..UserSettings::default()
    })
    .await;
    s.alert("k1").await;
    let n = Arc::new(DigestRecorder::default());
    let d = s.dispatcher(n.clone()).with_policy(DeliveryPolicy {
        digest_at: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
    });
    assert_eq!(d.run_once().await.unwrap().held, 1);
    // 20:00 IST is inside the quiet hours; 21:00 IST = 15:30 UTC.
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 25, 15, 29, 0).unwrap());
    assert_eq!(d.run_once().await.unwrap().claimed, 0);
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 25, 15, 30, 0).unwrap());
    assert_eq!(d.run_once().await.unwrap().sent, 1);
    assert_eq!(n.digests.lock().unwrap().len(), 1);
}
