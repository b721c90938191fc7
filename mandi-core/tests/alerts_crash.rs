//! Crash safety: a monitoring + dispatching process on a SQLite file and a JSON-lines alert
//! file is killed with SIGKILL at random moments, restarted, and finally run to the end. No
//! alert may be lost or repeated (compared with a clean in-memory run of the same market), and
//! `PRAGMA integrity_check` must say `ok`.
//!
//! The child process is this test binary itself, running the ignored test
//! `child_process_entry` with `MANDI_CRASH_DB` set. `MANDI_CRASH_KILLS` sets how many kills
//! (default 5; the full run in docs/benchmarks.md uses 50).

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::alerts::notify::JsonLinesNotifier;
use mandi_core::alerts::{AlertStep, Dispatcher};
use mandi_core::store::{MemoryStore, SqliteStore};
use mandi_core::{
    AlertRule, Asin, Availability, BrowseNode, BrowseNodesRequest, Clock, Currency, DeliveryStatus,
    ExternalIdentity, ItemsBatch, ItemsRequest, ManualClock, Marketplace, Money, NewUser, NewWatch,
    Notification, Notifier, NotifyError, Offer, Product, ProductSource, SearchPage, SearchRequest,
    SourceError, Store, UserSettings, VariationFamily, VariationsRequest, WatchTarget,
};

const IN: Marketplace = Marketplace::India;
const PRODUCTS: u64 = 20;
const WATCHES: u64 = 80;
const STEPS: i64 = 120; // 20 days every 4 hours

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
}

fn at(step: i64) -> DateTime<Utc> {
    t0() + Duration::hours(4 * step)
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn asin_of(k: u64) -> Asin {
    format!("B0CRS{k:05}").parse().unwrap()
}

fn base(k: u64) -> i64 {
    500_000 + (k as i64) * 77_700
}

fn price(k: u64, step: i64) -> i64 {
    let pct = (mix((k * 1_000_003) ^ (step / 3) as u64) % 31) as i64 - 15;
    base(k) + base(k) * pct / 100
}

#[derive(Debug)]
struct Market {
    clock: ManualClock,
}

#[async_trait]
impl ProductSource for Market {
    fn name(&self) -> &str {
        "crash-market"
    }

    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        let now = self.clock.now();
        let step = (now - t0()).num_hours() / 4;
        let mut batch = ItemsBatch::default();
        for a in &request.asins {
            let k: u64 = a.as_str()[5..].parse().unwrap();
            let mut p = Product::new(*a, IN, format!("product {k}"), now);
            let out = mix((k + 99) ^ (step / 2) as u64).is_multiple_of(7);
            p.offers.push(if out {
                Offer::new(None, Availability::OutOfStock)
            } else {
                Offer::new(
                    Some(Money::from_minor(price(k, step), Currency::INR)),
                    Availability::InStock,
                )
            });
            batch.items.push(p);
        }
        Ok(batch)
    }

    async fn search_items(&self, _: &SearchRequest) -> Result<SearchPage, SourceError> {
        Err(SourceError::invalid("no search here"))
    }

    async fn get_variations(&self, _: &VariationsRequest) -> Result<VariationFamily, SourceError> {
        Err(SourceError::invalid("no variations here"))
    }

    async fn get_browse_nodes(
        &self,
        _: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        Err(SourceError::invalid("no browse nodes here"))
    }
}

/// Users and watches, as a front-end would have made them before the monitor runs.
async fn seed(store: &dyn Store) {
    let mut users = Vec::new();
    for u in 0..8 {
        let new = NewUser {
            identity: ExternalIdentity::new("crash", format!("u{u}")),
            display_name: None,
            settings: UserSettings::default(),
        };
        users.push(store.upsert_user(&new, t0()).await.unwrap().id);
    }
    for n in 0..WATCHES {
        let k = n % PRODUCTS;
        let rules = match n % 4 {
            0 => vec![AlertRule::TargetPrice {
                at_or_below: Money::from_minor(base(k) * 92 / 100, Currency::INR),
            }],
            1 => vec![AlertRule::LowestInDays { days: 5 }, AlertRule::BackInStock],
            2 => vec![AlertRule::DropSinceLastAlert {
                amount: None,
                bps: Some(500),
            }],
            _ => vec![AlertRule::PriceIncrease { bps: 1_000 }],
        };
        store
            .create_watch(
                &NewWatch {
                    user_id: users[(n % 8) as usize],
                    target: WatchTarget::Product {
                        marketplace: IN,
                        asin: asin_of(k),
                    },
                    rules,
                    baseline_price: None,
                    label: None,
                },
                t0(),
            )
            .await
            .unwrap();
    }
}

/// Runs the market from the last step recorded in the store to the end, then delivers
/// everything still pending.
async fn run_to_end(store: Arc<dyn Store>, notifier: Arc<dyn Notifier>) {
    let history = store
        .price_history(&mandi_core::HistoryQuery::buy_box(IN, asin_of(0)))
        .await
        .unwrap();
    let resume = history.last().map_or(0, |p| (p.at - t0()).num_hours() / 4);
    let clock = ManualClock::new(at(resume));
    let monitor = AlertStep::new(
        Arc::new(Market {
            clock: clock.clone(),
        }),
        Arc::clone(&store),
        Arc::new(clock.clone()),
    )
    .with_channels(vec!["jsonl".to_owned()]);
    let dispatcher = Dispatcher::new(Arc::clone(&store), vec![notifier], Arc::new(clock.clone()))
        .with_lease(Duration::minutes(10))
        .with_batch(7);
    for step in resume..STEPS {
        clock.set(at(step));
        monitor.refresh_watched().await.unwrap();
        dispatcher.drain().await.unwrap();
    }
    // Past every lease: anything claimed by a killed process is due again.
    clock.set(at(STEPS) + Duration::days(1));
    dispatcher.drain().await.unwrap();
}

/// The child process's body; does nothing unless `MANDI_CRASH_DB` names the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child process of kill_9_at_random_moments_loses_and_repeats_nothing"]
async fn child_process_entry() {
    let (Ok(db), Ok(jsonl)) = (
        std::env::var("MANDI_CRASH_DB"),
        std::env::var("MANDI_CRASH_JSONL"),
    ) else {
        return;
    };
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).unwrap());
    let notifier = Arc::new(JsonLinesNotifier::open(&jsonl).unwrap());
    run_to_end(store, notifier).await;
    println!("CHILD DONE");
}

#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<String>>);

#[async_trait]
impl Notifier for Recorder {
    fn channel(&self) -> &str {
        "jsonl"
    }

    async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
        self.0.lock().unwrap().push(n.idempotency_key.clone());
        Ok(())
    }
}

fn child(db: &Path, jsonl: &Path) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "child_process_entry",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("MANDI_CRASH_DB", db)
    .env("MANDI_CRASH_JSONL", jsonl)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_loses_and_repeats_nothing() {
    let kills: u64 = std::env::var("MANDI_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);

    // What a run without crashes delivers.
    let clean: Arc<dyn Store> = Arc::new(MemoryStore::new());
    seed(clean.as_ref()).await;
    let recorder = Arc::new(Recorder::default());
    run_to_end(clean, recorder.clone()).await;
    let mut expected = recorder.0.lock().unwrap().clone();
    expected.sort();
    assert!(
        expected.len() > 100,
        "a meaningful number of alerts ({})",
        expected.len()
    );

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mandi.db");
    let jsonl = dir.path().join("alerts.jsonl");
    seed(&SqliteStore::open(&db).unwrap()).await;

    // How long a whole run takes here, to aim the kills inside it.
    let started = Instant::now();
    let mut killed_early = 0;
    let mut span_ms: u64 = 1_500;
    for i in 0..kills {
        let delay = 20 + mix(0xC0FFEE ^ i) % span_ms;
        let mut process = child(&db, &jsonl).spawn().unwrap();
        std::thread::sleep(StdDuration::from_millis(delay));
        match process.try_wait().unwrap() {
            None => {
                process.kill().unwrap(); // SIGKILL
                process.wait().unwrap();
                killed_early += 1;
            }
            Some(status) => {
                // It finished before the kill: aim the next kills earlier.
                assert!(status.success(), "child failed: {status}");
                span_ms = (span_ms / 2).max(50);
            }
        }
    }
    let last = child(&db, &jsonl).output().unwrap();
    assert!(last.status.success(), "final run failed: {}", last.status);
    assert!(String::from_utf8_lossy(&last.stdout).contains("CHILD DONE"));
    eprintln!(
        "{kills} kills ({killed_early} mid-run), {} alerts, {:?} in all",
        expected.len(),
        started.elapsed()
    );

    // Nothing lost, nothing repeated.
    let records = JsonLinesNotifier::read_records(&jsonl).unwrap();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &records {
        *counts.entry(r.idempotency_key.as_str()).or_default() += 1;
    }
    let repeated: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert!(repeated.is_empty(), "repeated alerts: {repeated:?}");
    let mut got: Vec<String> = records.iter().map(|r| r.idempotency_key.clone()).collect();
    got.sort();
    assert_eq!(
        got, expected,
        "the file holds exactly the alerts of a clean run"
    );

    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    let mut statuses: HashMap<&str, usize> = HashMap::new();
    for u in 0..8 {
        let user = store
            .find_user(&ExternalIdentity::new("crash", format!("u{u}")))
            .await
            .unwrap()
            .unwrap();
        for a in store.alert_history(user.id, 100_000, 0).await.unwrap() {
            for e in store.alert_deliveries(user.id, a.id).await.unwrap() {
                *statuses.entry(e.status.as_str()).or_default() += 1;
            }
        }
    }
    assert_eq!(
        statuses.get(DeliveryStatus::Sent.as_str()),
        Some(&expected.len())
    );
    assert_eq!(statuses.len(), 1, "every outbox row is sent: {statuses:?}");
}
