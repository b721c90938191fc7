//! Fan-out of alerts through the throttled `TelegramNotifier` against the fake Bot API
//! server, which enforces Telegram's limits (30 messages/s overall, 1/s per chat, 20/min per
//! group) by answering 429. Target: a sustained rate within 5 % of 30/s and zero 429s.
//!
//! Not a criterion bench: it measures a rate over minutes. Run with the number of alerts:
//! `cargo bench -p mandi-benches --bench telegram_fanout -- 10000` (333 s at 30/s). Without a
//! number it sends 900 (about 30 s); `MANDI_FANOUT_COUNT` also sets the count.
#![allow(missing_docs)]

use std::sync::atomic::Ordering;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use futures::StreamExt;
use mandi_bot::fake::{FAKE_TOKEN, FakeTelegram};
use mandi_bot::notifier::{NotifierConfig, TelegramNotifier};
use mandi_bot::telegram::BotClient;
use mandi_core::{
    Alert, AlertId, AlertRule, Asin, Availability, Currency, ExternalIdentity, Marketplace, Money,
    Notification, Notifier, User, UserId, UserSettings, WatchId,
};

fn count() -> usize {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .or_else(|| std::env::var("MANDI_FANOUT_COUNT").ok()?.parse().ok())
        .unwrap_or(900)
}

fn notification(i: usize, chats: usize) -> Notification {
    let chat = (i % chats) as i64 + 1;
    let at = Utc
        .with_ymd_and_hms(2026, 11, 20, 6, 0, 0)
        .single()
        .expect("a valid time");
    let user = User {
        id: UserId(chat),
        identity: ExternalIdentity::new("telegram", chat.to_string()),
        display_name: None,
        settings: UserSettings::default(),
        active: true,
        created_at: at,
    };
    let asin = Asin::parse(&format!("B0{:08}", i % 1000)).expect("a valid ASIN");
    Notification {
        idempotency_key: format!("alert-{i}-telegram"),
        alert: Alert {
            id: AlertId(i as i64),
            user_id: user.id,
            watch_id: WatchId(i as i64),
            marketplace: Marketplace::India,
            asin,
            rule: AlertRule::TargetPrice {
                at_or_below: Money::from_major(55_000, Currency::INR),
            },
            price: Some(Money::from_major(54_999, Currency::INR)),
            previous_price: Some(Money::from_major(59_999, Currency::INR)),
            availability: Availability::InStock,
            message: "Price fell to ₹54,999 (target ₹55,000)".into(),
            triggered_at: at,
            dedupe_key: format!("dk{i}"),
            card: None,
        },
        user,
    }
}

#[tokio::main]
async fn main() {
    let n = count().max(2);
    // Half as many chats as alerts: most chats get two alerts, so the per-chat gap matters too.
    let chats = (n / 2).max(1);
    let fake = FakeTelegram::start().await;
    let client = BotClient::builder()
        .token(FAKE_TOKEN.to_owned())
        .base_url(fake.base_url())
        .build()
        .expect("a client for the fake");
    let notifier = TelegramNotifier::new(client, NotifierConfig::default());
    let jobs: Vec<Notification> = (0..n).map(|i| notification(i, chats)).collect();
    let started = Instant::now();
    let results: Vec<_> = futures::stream::iter(jobs.iter())
        .map(|j| notifier.deliver(j))
        .buffer_unordered(512)
        .collect()
        .await;
    let wall = started.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();
    let sent = fake.sent();
    let (Some(first), Some(last)) = (sent.first(), sent.last()) else {
        println!("telegram_fanout: nothing was delivered");
        std::process::exit(1);
    };
    let span = last.at - first.at;
    let rate = (sent.len() - 1) as f64 / span.as_secs_f64();
    let mut max_in_any_second = 0;
    let mut j = 0;
    for i in 0..sent.len() {
        while sent[i].at - sent[j].at >= std::time::Duration::from_secs(1) {
            j += 1;
        }
        max_in_any_second = max_in_any_second.max(i - j + 1);
    }
    let deviation = (rate - 30.0) / 30.0 * 100.0;
    println!(
        "telegram_fanout: alerts={n} chats={chats} delivered={} failed={failed}",
        sent.len()
    );
    println!(
        "  wall={:.1}s span(first→last send)={:.1}s sustained={rate:.2}/s ({deviation:+.1}% vs 30/s) max_in_any_1s={max_in_any_second}",
        wall.as_secs_f64(),
        span.as_secs_f64()
    );
    println!(
        "  429s: limit violations={} (overall, per chat, per group: {:?}) notifier saw={}",
        fake.rate_limit_violations(),
        fake.violations_by_limit(),
        notifier.stats().rate_limited.load(Ordering::Relaxed)
    );
    let ok = failed == 0
        && fake.rate_limit_violations() == 0
        && deviation.abs() <= 5.0
        && sent.len() == n;
    println!(
        "  target (within 5% of 30/s, zero 429s): {}",
        if ok { "MET" } else { "MISSED" }
    );
    if !ok {
        std::process::exit(1);
    }
}
