//! Many monitor workers on PostgreSQL (issue #16): one full refresh round of every watched
//! product with 1, 2 and 4 workers sharing one database through the monitor leases, and the
//! peak resident set of the process after the 1-worker round.
//!
//! Run: `cargo run --release -p mandi-benches --bin monitor_workers` (small by default:
//! 20,000 watches over 2,000 products). The size:
//! `MANDI_BENCH_WATCHES=1000000 MANDI_BENCH_PRODUCTS=100000 cargo run --release -p mandi-benches --bin monitor_workers`.
//! `MANDI_BENCH_WORKERS` (default `1,2,4`) lists the worker counts.
//!
//! A PostgreSQL server is started for the run (Debian's `initdb`/`pg_ctl`, as the tests do);
//! without the binaries it says so and exits. The users and watches are written with
//! `INSERT … SELECT generate_series` copies of one watch made through the store (one
//! target-price rule each). The source is the in-memory [`FakeSource`] with no faults and no
//! quota: the sandbox marketplace holds about 2,000 products, too few for 100,000. Each
//! worker is a [`MonitorWorker`] in this process running the real alert step
//! ([`AlertStep::refresh_watched`]) on its fenced store: products fetched ten a call,
//! evaluated against their watches, and written (product, price point, rule states, alerts,
//! outbox rows) in one transaction per call, each checked against the worker's leases.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use mandi_core::alerts::AlertStep;
use mandi_core::monitor::fake::{FakeSource, numbered_asins};
use mandi_core::store::PostgresStore;
use mandi_core::store::postgres::leases::{LEASE_BUCKETS, MonitorWorker};
use mandi_core::test_support::postgres::PgServer;
use mandi_core::{
    AlertRule, Currency, ExternalIdentity, ManualClock, Marketplace, Money, NewUser, NewWatch,
    Store, UserSettings, WatchTarget,
};

const IN: Marketplace = Marketplace::India;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Users (ten watches each) and `watches` watches spread evenly over `products` products.
async fn seed(url: &str, watches: u64, products: u64) -> Result<(), Error> {
    let store = PostgresStore::connect(url).await?;
    let t0 = Utc
        .with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
        .single()
        .ok_or("time")?;
    // One watch through the store: the template of the rows copied below.
    let user = store
        .upsert_user(
            &NewUser {
                identity: ExternalIdentity::new("bench", "template"),
                display_name: None,
                settings: UserSettings::default(),
            },
            t0,
        )
        .await?;
    let first = numbered_asins(0, 1);
    store
        .create_watch(
            &NewWatch {
                user_id: user.id,
                target: WatchTarget::Product {
                    marketplace: IN,
                    asin: first[0],
                },
                rules: vec![AlertRule::TargetPrice {
                    at_or_below: Money::from_minor(90_000, Currency::INR),
                }],
                baseline_price: None,
                label: None,
            },
            t0,
        )
        .await?;
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let users = watches.div_ceil(10).max(1) as i64;
    let rest = watches.saturating_sub(1) as i64;
    client
        .batch_execute(&format!(
            "INSERT INTO users (identity_provider, identity_subject, display_name, \
                 settings_json, active, created_at_ms)
             SELECT 'bench', 'u' || g, NULL, settings_json, 1, created_at_ms
             FROM users, generate_series(1, {users}) g WHERE users.id = {uid};
             INSERT INTO watches (user_id, target_type, marketplace, asin, state, \
                 created_at_ms, updated_at_ms)
             SELECT (SELECT MIN(id) FROM users WHERE identity_provider = 'bench') + g % {users},
                    'product', w.marketplace, 'B' || lpad(((g + 1) % {products})::text, 9, '0'),
                    'active', w.created_at_ms, w.updated_at_ms
             FROM watches w, generate_series(0, {rest} - 1) g WHERE w.id = 1;
             INSERT INTO alert_rules (watch_id, position, kind, rule_json)
             SELECT w.id, 0, r.kind, r.rule_json
             FROM watches w, alert_rules r WHERE r.watch_id = 1 AND w.id > 1;
             ANALYZE;",
            uid = user.id.0,
        ))
        .await?;
    Ok(())
}

/// One full round with `n` workers; returns (seconds, products refreshed, alerts created).
async fn round(url: &str, n: usize, products: u64) -> Result<(f64, usize, usize), Error> {
    let plain = PostgresStore::connect(url).await?;
    let clock = ManualClock::new(
        Utc.with_ymd_and_hms(2026, 10, 2, 0, 0, 0)
            .single()
            .ok_or("time")?,
    );
    let source = Arc::new(FakeSource::new(Arc::new(clock.clone()), 0, 7));
    for (i, asin) in numbered_asins(0, u32::try_from(products)?)
        .into_iter()
        .enumerate()
    {
        source.add(IN, asin, 80_000 + (i as i64 % 50) * 1_000, false);
    }
    let mut workers = Vec::new();
    for i in 0..n {
        workers.push(
            MonitorWorker::join(&plain, &format!("bench-{i}"), Duration::from_secs(600)).await?,
        );
    }
    // Until every worker holds its fair share.
    for _ in 0..5 {
        for w in &workers {
            w.renew().await?;
        }
    }
    let held: usize = workers.iter().map(|w| w.held().len()).sum();
    assert_eq!(held, LEASE_BUCKETS as usize, "every bucket leased");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in &workers {
        let step = AlertStep::new(
            source.clone(),
            Arc::new(w.store().clone()) as Arc<dyn Store>,
            Arc::new(clock.clone()),
        );
        tasks.push(tokio::spawn(async move { step.refresh_watched().await }));
    }
    let (mut fetched, mut alerts) = (0, 0);
    for t in tasks {
        let report = t.await??;
        fetched += report.fetched;
        alerts += report.alerts_created;
    }
    let secs = started.elapsed().as_secs_f64();
    for w in &workers {
        w.leave().await?;
    }
    Ok((secs, fetched, alerts))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Error> {
    let watches = env_or("MANDI_BENCH_WATCHES", 20_000);
    let products = env_or("MANDI_BENCH_PRODUCTS", 2_000);
    let counts: Vec<usize> = std::env::var("MANDI_BENCH_WORKERS")
        .unwrap_or_else(|_| "1,2,4".to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let Some(pg) = PgServer::shared() else {
        return Ok(());
    };
    println!("watches={watches} products={products}");
    let mut base = None;
    for n in counts {
        let url = pg.fresh_database();
        let seeding = Instant::now();
        seed(&url, watches, products).await?;
        let seed_secs = seeding.elapsed().as_secs_f64();
        let (secs, fetched, alerts) = round(&url, n, products).await?;
        let base_secs = *base.get_or_insert(secs);
        println!(
            "workers={n} round_secs={secs:.2} products_refreshed={fetched} alerts={alerts} \
             speedup={:.2} seed_secs={seed_secs:.1} peak_rss_kib={}",
            base_secs / secs,
            status_kib("VmHWM:").unwrap_or(0)
        );
    }
    Ok(())
}
