//! The personal digest (issue 18): a digest user's held alerts, their watches, predicted
//! drops, watches near their lows and recommendations go out as ONE message, once.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use mandi_core::alerts::{DeliveryPolicy, Dispatcher};
use mandi_core::catalog::CatalogService;
use mandi_core::digest::{DigestBuilder, DigestSection};
use mandi_core::monitor::fake::FakeSource;
use mandi_core::ports::notifier::DigestNotification;
use mandi_core::store::MemoryStore;
use mandi_core::{
    AlertMode, AlertRule, Asin, Availability, Currency, DataOrigin, ExternalIdentity, ManualClock,
    Marketplace, Money, NewAlert, NewUser, NewWatch, Notification, Notifier, NotifyError,
    OfferKind, PricePoint, PriceUpdate, Product, Store, User, UserSettings, WatchId, WatchTarget,
};

const IN: Marketplace = Marketplace::India;

#[derive(Default)]
struct Recorder {
    digests: Mutex<Vec<DigestNotification>>,
    singles: Mutex<usize>,
}

#[async_trait]
impl Notifier for Recorder {
    fn channel(&self) -> &str {
        "terminal"
    }

    async fn deliver(&self, _n: &Notification) -> Result<(), NotifyError> {
        *self.singles.lock().unwrap() += 1;
        Ok(())
    }

    async fn deliver_digest(&self, d: &DigestNotification) -> Result<(), NotifyError> {
        self.digests.lock().unwrap().push(d.clone());
        Ok(())
    }
}

fn asin(s: &str) -> Asin {
    s.parse().unwrap()
}

/// Four-hourly buy-box points for `days` days ending at `end`, the price from `f(day, hour)`.
fn history(
    a: Asin,
    end: DateTime<Utc>,
    days: i64,
    f: impl Fn(i64, i64) -> (i64, Option<&'static str>),
) -> Vec<PricePoint> {
    let start = end - Duration::days(days);
    let mut out = Vec::new();
    for d in 0..days {
        for h in (0..24).step_by(4) {
            let (rupees, badge) = f(d, h);
            out.push(PricePoint {
                marketplace: IN,
                asin: a,
                offer_kind: OfferKind::BuyBox,
                at: start + Duration::days(d) + Duration::hours(h),
                price: Some(Money::from_major(rupees, Currency::INR)),
                list_price: None,
                availability: Availability::InStock,
                deal_badge: badge.map(str::to_owned),
                origin: DataOrigin::Api,
            });
        }
    }
    out
}

async fn user(store: &MemoryStore, name: &str, settings: UserSettings, at: DateTime<Utc>) -> User {
    store
        .upsert_user(
            &NewUser {
                identity: ExternalIdentity::new("test", name),
                display_name: None,
                settings,
            },
            at,
        )
        .await
        .unwrap()
}

async fn watch(store: &MemoryStore, u: &User, a: Asin, at: DateTime<Utc>) -> WatchId {
    store
        .create_watch(
            &NewWatch {
                user_id: u.id,
                target: WatchTarget::Product {
                    marketplace: IN,
                    asin: a,
                },
                rules: vec![AlertRule::AllTimeLow],
                baseline_price: None,
                label: None,
            },
            at,
        )
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn the_personal_digest_is_one_message_with_predictions_near_lows_and_picks() {
    // 06:30 UTC = 12:00 IST on 5 June 2026 (no big sale within 30 days).
    let t0 = Utc.with_ymd_and_hms(2026, 6, 5, 6, 30, 0).unwrap();
    let store = Arc::new(MemoryStore::new());
    let raised = asin("B0RAISED01");
    let low = asin("B0ATLOW001");
    let pick = asin("B0PICK0001");
    for (a, title) in [
        (raised, "Raised Laptop"),
        (low, "Cheapest Kettle"),
        (pick, "Co-watched Mouse"),
    ] {
        store
            .upsert_product(&Product::new(a, IN, title, t0 - Duration::days(100)))
            .await
            .unwrap();
    }
    // ₹10,000 with a lightning deal every 20 days, 12 % above for the last ten days: a drop
    // is likely.
    store
        .record_prices(&history(raised, t0, 100, |d, h| {
            if d >= 90 {
                (11_200, None)
            } else if d % 20 == 5 && h == 12 {
                (8_500, Some("Lightning Deal"))
            } else {
                (10_000, None)
            }
        }))
        .await
        .unwrap();
    // ₹2,000, down to ₹1,800 on the last day: its lowest ever.
    store
        .record_prices(&history(low, t0, 60, |d, _| {
            (if d == 59 { 1_800 } else { 2_000 }, None)
        }))
        .await
        .unwrap();
    store
        .record_prices(&history(pick, t0, 30, |_, _| (700, None)))
        .await
        .unwrap();

    let me = user(
        &store,
        "me",
        UserSettings {
            alert_mode: AlertMode::DailyDigest,
            ..UserSettings::default()
        },
        t0,
    )
    .await;
    let other = user(&store, "other", UserSettings::default(), t0).await;
    let w = watch(&store, &me, raised, t0).await;
    watch(&store, &me, low, t0).await;
    watch(&store, &other, raised, t0).await;
    watch(&store, &other, pick, t0).await;
    for key in ["k1", "k2"] {
        store
            .apply_update(&PriceUpdate {
                alerts: vec![NewAlert {
                    user_id: me.id,
                    watch_id: w,
                    marketplace: IN,
                    asin: raised,
                    rule: AlertRule::AllTimeLow,
                    price: Some(Money::from_major(11_200, Currency::INR)),
                    previous_price: None,
                    availability: Availability::InStock,
                    message: format!("alert {key}"),
                    triggered_at: t0,
                    dedupe_key: key.to_owned(),
                    card: None,
                }],
                channels: vec!["terminal".to_owned()],
                ..PriceUpdate::default()
            })
            .await
            .unwrap();
    }

    let clock = ManualClock::new(t0);
    let source = Arc::new(FakeSource::new(Arc::new(clock.clone()), 0, 1));
    let catalog = CatalogService::new(source, store.clone(), Arc::new(clock.clone()));
    let recorder = Arc::new(Recorder::default());
    let dispatcher = Dispatcher::new(
        store.clone(),
        vec![recorder.clone()],
        Arc::new(clock.clone()),
    )
    .with_policy(DeliveryPolicy {
        digest_at: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
    })
    .with_digest(DigestBuilder::personal(catalog));
    assert_eq!(dispatcher.run_once().await.unwrap().held, 2);
    // 20:00 IST.
    clock.set(Utc.with_ymd_and_hms(2026, 6, 5, 14, 30, 0).unwrap());
    assert_eq!(dispatcher.run_once().await.unwrap().sent, 2);
    clock.advance(Duration::days(1));
    assert_eq!(dispatcher.run_once().await.unwrap().claimed, 0);

    let digests = recorder.digests.lock().unwrap().clone();
    assert_eq!(digests.len(), 1, "one message");
    assert_eq!(*recorder.singles.lock().unwrap(), 0, "nothing one by one");
    let digest = &digests[0].digest;
    assert_eq!(
        digest
            .alerts
            .iter()
            .map(|a| a.dedupe_key.as_str())
            .collect::<Vec<_>>(),
        ["k1", "k2"]
    );
    let extra = |source: &str| {
        digest.sections.iter().find_map(|s| match s {
            DigestSection::Extra {
                source: s,
                title,
                lines,
            } if s == source => Some((title.clone(), lines.clone())),
            _ => None,
        })
    };
    assert!(matches!(
        &digest.sections[0],
        DigestSection::Watches { lines, .. } if lines.len() == 2
    ));
    let (title, lines) = extra("predictions").expect("a predictions section");
    assert_eq!(title, "Likely drops in the coming days");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("Raised Laptop: "), "{}", lines[0]);
    assert!(
        lines[0].contains("chance of a 5% drop within 30 days, to ₹10,640 or less"),
        "{}",
        lines[0]
    );
    // The chance reads as `Bps` shows it (issue 14): `87.3%`, never `87 %`.
    let chance = lines[0]
        .strip_prefix("Raised Laptop: ")
        .and_then(|l| l.split_once(" chance of"))
        .map(|(c, _)| c)
        .unwrap();
    let bps =
        mandi_core::Bps::from_ratio(chance.trim_end_matches('%').parse::<f64>().unwrap() / 100.0)
            .unwrap();
    assert_eq!(chance, bps.to_string(), "{}", lines[0]);
    assert!(!lines[0].contains(" %"), "{}", lines[0]);
    let (_, lines) = extra("near_lows").expect("a near-lows section");
    assert_eq!(
        lines,
        vec!["Cheapest Kettle: ₹1,800 — its lowest ever".to_owned()]
    );
    let (_, lines) = extra("recommendations").expect("a recommendations section");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "Co-watched Mouse (₹700): 1 user who watches Raised Laptop also watches this"
        ),
        "{}",
        lines[0]
    );
}
