//! Issue #16's proof for many monitor workers: the oracle simulation (sandbox products and
//! watches as in `oracle_alerts.rs`, refreshed every 8 simulated hours through the real
//! Creators API client and the real alert step) run by **3 worker processes** on one
//! PostgreSQL database, one of them killed with SIGKILL half-way, gives exactly the alerts
//! of the same simulation run by a single worker — none missing, none twice — and every
//! alert is delivered once.
//!
//! Each worker is a child process (this test binary running the ignored test
//! `worker_process_entry`) that joins the database as a [`MonitorWorker`] with short leases
//! (1.5 s), refreshes only the products of the buckets it leases, each product through its
//! own timeline of steps (resumed from the product's last stored price point), and exits
//! once every watched product has been refreshed through the last step. The killed worker's
//! buckets run out and are taken over by the survivors.
//!
//! Without PostgreSQL server binaries the test prints one "skipped: no PostgreSQL server
//! binaries" line. `MANDI_WORKERS_WATCHES` (default 90) and `MANDI_WORKERS_DAYS` (default
//! 12) scale it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oracle_common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::alerts::{AlertStep, Dispatcher};
use mandi_core::store::PostgresStore;
use mandi_core::store::postgres::leases::{MonitorWorker, lease_bucket};
use mandi_core::test_support::postgres::PgServer;
use mandi_core::{
    AlertRule, Asin, Clock, ExternalIdentity, HistoryQuery, ItemsRequest, ManualClock, Marketplace,
    NewWatch, Notifier, ProductSource, Store, WatchState, WatchTarget,
};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::{Oracle, Sandbox};
use oracle_common::{Recorder, env_or, inr, seed_users};

const IN: Marketplace = Marketplace::India;
const STEP_HOURS: i64 = 8;
const USERS: u64 = 6;
const SEED: u64 = 7;
const LEASE: StdDuration = StdDuration::from_millis(1_500);

fn steps() -> i64 {
    env_or("MANDI_WORKERS_DAYS", 12i64).max(2) * 24 / STEP_HOURS
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
}

fn at(step: i64) -> DateTime<Utc> {
    t0() + Duration::hours(STEP_HOURS * step)
}

/// Products spread over the catalogue (every `stride`-th one on sale at the start).
fn pick_products(oracle: &Oracle, count: usize) -> Vec<Asin> {
    let all: Vec<Asin> = oracle
        .catalog()
        .asins()
        .filter(|a| oracle.offer(*a, t0()).is_some())
        .collect();
    let stride = (all.len() / count.max(1)).max(1);
    all.iter().step_by(stride).take(count).copied().collect()
}

/// Users and watches, identical in every database seeded (same ids in the same order).
async fn seed(store: &dyn Store, oracle: &Oracle, products: &[Asin], watches: u64) {
    let users = seed_users(store, "workers", USERS, t0()).await;
    for n in 0..watches {
        let asin = products[(n as usize) % products.len()];
        let start = oracle.offer(asin, t0()).unwrap();
        let now_price = start.price.unwrap_or(start.regular_price).minor();
        let (rules, baseline) = match n % 5 {
            0 => (
                vec![AlertRule::TargetPrice {
                    at_or_below: inr(now_price * 95 / 100),
                }],
                None,
            ),
            1 => (vec![AlertRule::DropFromBaseline { bps: 500 }], None),
            2 => (vec![AlertRule::BackInStock], None),
            3 => (
                vec![
                    AlertRule::TargetPrice {
                        at_or_below: inr(now_price * 98 / 100),
                    },
                    AlertRule::BackInStock,
                ],
                None,
            ),
            _ => (
                vec![AlertRule::DropFromBaseline { bps: 300 }],
                Some(inr(now_price)),
            ),
        };
        let mut w = store
            .create_watch(
                &NewWatch {
                    user_id: users[(n % USERS) as usize],
                    target: WatchTarget::Product {
                        marketplace: IN,
                        asin,
                    },
                    rules,
                    baseline_price: baseline,
                    label: None,
                },
                t0(),
            )
            .await
            .unwrap();
        if n % 23 == 22 {
            w.state = WatchState::Paused;
            store.update_watch(&w).await.unwrap();
        }
    }
}

/// The next step of a product: one past the time it was last fetched.
async fn next_step(store: &dyn Store, asin: Asin) -> i64 {
    store
        .get_product(IN, asin)
        .await
        .unwrap()
        .map_or(0, |p| (p.fetched_at - t0()).num_hours() / STEP_HOURS + 1)
}

/// Every watched product refreshed through the last step.
async fn all_done(store: &dyn Store, steps: i64) -> bool {
    for w in store.watched_products().await.unwrap() {
        if next_step(store, w.asin).await < steps {
            return false;
        }
    }
    true
}

/// One worker: joins `url`, refreshes the products of its buckets step by step (each
/// product on its own timeline, oldest step first, ten ASINs a call) until every watched
/// product is done. Returns the calls it made and the updates refused by its fence.
async fn work(url: &str, owner: &str) -> (usize, usize) {
    let steps = steps();
    let plain = PostgresStore::connect(url).await.unwrap();
    let worker = MonitorWorker::join(&plain, owner, LEASE).await.unwrap();
    let _heartbeat = worker.spawn_heartbeat();
    let fenced: Arc<dyn Store> = Arc::new(worker.store().clone());
    let clock = ManualClock::new(t0());
    let sandbox = Sandbox::builder()
        .seed(SEED)
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let client = || -> (Arc<dyn ProductSource>, AlertStep) {
        let source: Arc<dyn ProductSource> =
            Arc::new(sandbox.creators_source(CredentialVersion::V2_2).unwrap());
        let step = AlertStep::new(source.clone(), fenced.clone(), Arc::new(clock.clone()));
        (source, step)
    };
    let (mut source, mut step) = client();
    // Per product: the generation of its bucket when its progress was read, and its next step.
    let mut progress: HashMap<Asin, (i64, i64)> = HashMap::new();
    let (mut calls, mut refused) = (0, 0);
    loop {
        let held = worker.held();
        let mut due: BTreeMap<i64, Vec<Asin>> = BTreeMap::new();
        for w in fenced.watched_products().await.unwrap() {
            let Some(generation) = held.get(&lease_bucket(w.marketplace, w.asin)).copied() else {
                continue;
            };
            let next = match progress.get(&w.asin) {
                Some((g, n)) if *g == generation => *n,
                // New to this worker, or its bucket changed hands meanwhile: read it.
                _ => next_step(fenced.as_ref(), w.asin).await,
            };
            progress.insert(w.asin, (generation, next));
            if next < steps {
                due.entry(next).or_default().push(w.asin);
            }
        }
        let Some((s, asins)) = due.into_iter().next() else {
            if all_done(&plain, steps).await {
                return (calls, refused);
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
            continue;
        };
        let asins: Vec<Asin> = asins.into_iter().take(10).collect();
        if at(s) < clock.now() {
            // Back in simulated time (products taken over): a new client, no token from
            // the future.
            (source, step) = client();
        }
        clock.set(at(s));
        let batch = source
            .get_items(&ItemsRequest::new(IN, asins.iter().copied()))
            .await
            .unwrap();
        calls += 1;
        assert_eq!(batch.items.len(), asins.len(), "no faults configured");
        match step.ingest(batch.items).await {
            Ok(_) => {
                for a in &asins {
                    if let Some(p) = progress.get_mut(a) {
                        p.1 = s + 1;
                    }
                }
            }
            // The lease ran out and another worker has the bucket now: nothing was written.
            // Or PostgreSQL broke a lock cycle between this update's lease checks and a
            // heartbeat (40P01): rolled back too, and redone once the products are read.
            Err(e) => {
                let text = e.to_string();
                assert!(
                    text.contains("does not hold the lease") || text.contains("40P01"),
                    "{e}"
                );
                refused += 1;
                progress.clear();
            }
        }
    }
}

/// The child process's body; does nothing unless `MANDI_WORKER_DB` names the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a worker process of three_workers_one_killed_give_the_alerts_of_one"]
async fn worker_process_entry() {
    let (Ok(url), Ok(owner)) = (
        std::env::var("MANDI_WORKER_DB"),
        std::env::var("MANDI_WORKER_OWNER"),
    ) else {
        return;
    };
    let (calls, refused) = work(&url, &owner).await;
    println!("WORKER DONE {owner} {calls} calls, {refused} updates refused by the lease fence");
}

fn spawn_worker(url: &str, owner: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "worker_process_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MANDI_WORKER_DB", url)
        .env("MANDI_WORKER_OWNER", owner)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Every alert stored (dedupe key, trigger time), and what one dispatcher delivers once
/// every alert is due (idempotency keys, repeats included).
async fn alerts_and_deliveries(url: &str) -> (Vec<(String, DateTime<Utc>)>, Vec<String>) {
    let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(url).await.unwrap());
    let mut alerts = Vec::new();
    for u in 0..USERS {
        let user = store
            .find_user(&ExternalIdentity::new("workers", format!("user-{u}")))
            .await
            .unwrap()
            .unwrap();
        for a in store.alert_history(user.id, 1_000_000, 0).await.unwrap() {
            alerts.push((a.dedupe_key, a.triggered_at));
        }
    }
    alerts.sort();
    let clock = ManualClock::new(at(steps()) + Duration::days(1));
    let recorder = Arc::new(Recorder::default());
    Dispatcher::new(
        store,
        vec![recorder.clone() as Arc<dyn Notifier>],
        Arc::new(clock.clone()),
    )
    .drain()
    .await
    .unwrap();
    let mut delivered: Vec<String> = recorder
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|n| n.idempotency_key.clone())
        .collect();
    delivered.sort();
    (alerts, delivered)
}

/// Steps done over all the products (progress of a run).
async fn steps_done(store: &dyn Store, products: &[Asin]) -> i64 {
    let mut n = 0;
    for a in products {
        n += next_step(store, *a).await;
    }
    n
}

/// Every product's stored price history.
async fn histories(store: &dyn Store, products: &[Asin]) -> Vec<Vec<mandi_core::PricePoint>> {
    let mut out = Vec::new();
    for a in products {
        out.push(
            store
                .price_history(&HistoryQuery::buy_box(IN, *a))
                .await
                .unwrap(),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_one_killed_give_the_alerts_of_one() {
    let Some(pg) = PgServer::shared() else { return };
    let began = Instant::now();
    let watches = env_or("MANDI_WORKERS_WATCHES", 90i64).max(10) as u64;
    let steps = steps();
    let clock = ManualClock::new(t0());
    let sandbox = Sandbox::builder()
        .seed(SEED)
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let oracle = sandbox.oracle().clone();
    let products = pick_products(&oracle, (watches / 6).max(2) as usize);
    let buckets: BTreeSet<u32> = products.iter().map(|a| lease_bucket(IN, *a)).collect();
    assert!(
        buckets.len() >= 6,
        "products spread over buckets: {buckets:?}"
    );

    // The reference: one worker alone.
    let solo_url = pg.fresh_database();
    seed(
        &PostgresStore::connect(&solo_url).await.unwrap(),
        &oracle,
        &products,
        watches,
    )
    .await;
    work(&solo_url, "solo").await;
    let (expected_alerts, expected_delivered) = alerts_and_deliveries(&solo_url).await;
    let expected_history =
        histories(&PostgresStore::connect(&solo_url).await.unwrap(), &products).await;
    assert!(
        expected_alerts.len() >= 20,
        "a meaningful number of alerts ({})",
        expected_alerts.len()
    );
    assert_eq!(
        expected_delivered.len(),
        expected_alerts.len(),
        "one delivery per alert"
    );
    let solo_secs = began.elapsed().as_secs_f64();

    // Three worker processes; the first is killed half-way.
    let url = pg.fresh_database();
    let store = PostgresStore::connect(&url).await.unwrap();
    seed(&store, &oracle, &products, watches).await;
    let mut children: Vec<_> = (0..3)
        .map(|i| spawn_worker(&url, &format!("worker-{i}")))
        .collect();
    let total = steps * products.len() as i64;
    let deadline = Instant::now() + StdDuration::from_secs(120);
    loop {
        let done = steps_done(&store, &products).await;
        if done * 2 >= total {
            break;
        }
        assert!(Instant::now() < deadline, "the workers made no progress");
        if let Some(status) = children[0].try_wait().unwrap() {
            panic!("worker-0 ended before the kill: {status}");
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    let at_kill = steps_done(&store, &products).await;
    assert!(
        children[0].try_wait().unwrap().is_none(),
        "worker-0 still running at the kill"
    );
    children[0].kill().unwrap(); // SIGKILL
    children[0].wait().unwrap();
    let mut survivors_done = 0;
    for (i, child) in children.into_iter().enumerate().skip(1) {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "worker-{i} failed: {}", out.status);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("WORKER DONE"), "worker-{i}: {text}");
        eprintln!(
            "{}",
            text.lines()
                .find(|l| l.contains("WORKER DONE"))
                .unwrap_or("")
        );
        survivors_done += 1;
    }
    assert_eq!(survivors_done, 2);
    assert_eq!(steps_done(&store, &products).await, total);
    assert!(
        histories(&store, &products).await == expected_history,
        "every product observed at every step, as by the single worker"
    );

    // Exactly the alerts of the single worker, each delivered once.
    let (alerts, delivered) = alerts_and_deliveries(&url).await;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for k in &delivered {
        *counts.entry(k.as_str()).or_default() += 1;
    }
    let repeated: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert!(repeated.is_empty(), "alerts delivered twice: {repeated:?}");
    let missing: Vec<_> = expected_alerts
        .iter()
        .filter(|a| !alerts.contains(a))
        .collect();
    let extra: Vec<_> = alerts
        .iter()
        .filter(|a| !expected_alerts.contains(a))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    assert_eq!(alerts, expected_alerts);
    assert_eq!(delivered, expected_delivered);
    eprintln!(
        "{} products in {} buckets, {} watches, {steps} steps: {} alerts; worker-0 killed at \
         {at_kill}/{total} product steps; single worker {solo_secs:.1} s, all {:.1} s",
        products.len(),
        buckets.len(),
        watches,
        alerts.len(),
        began.elapsed().as_secs_f64()
    );
}
