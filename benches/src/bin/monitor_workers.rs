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
//! target-price rule each).
//!
//! The source is the sandbox marketplace by default (`MANDI_BENCH_SOURCE=sandbox`): this
//! binary starts itself again as a child process serving a sandbox whose catalogue holds
//! exactly `MANDI_BENCH_PRODUCTS` products, at a raised quota of `MANDI_BENCH_TPS` calls a
//! second (default 200; Amazon's default is 1), and every worker reads it through one
//! Creators API client over loopback, paced to that quota as a real account is. The child
//! keeps the sandbox's memory out of the workers' figure. `MANDI_BENCH_SOURCE=fake` uses the
//! in-memory [`FakeSource`] instead (no HTTP, no quota). Each
//! worker is a [`MonitorWorker`] in this process running the real alert step
//! ([`AlertStep::refresh_watched`]) on its fenced store: products fetched ten a call,
//! evaluated against their watches, and written (product, price point, rule states, alerts,
//! outbox rows) in one transaction per call, each checked against the worker's leases.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use mandi_core::alerts::AlertStep;
use mandi_core::monitor::fake::{FakeSource, numbered_asins};
use mandi_core::store::PostgresStore;
use mandi_core::store::postgres::leases::{LEASE_BUCKETS, MonitorWorker};
use mandi_core::test_support::postgres::PgServer;
use mandi_core::{
    AlertRule, Asin, Clock, Currency, ExternalIdentity, ManualClock, Marketplace, Money, NewUser,
    NewWatch, ProductSource, Store, UserSettings, WatchTarget,
};
use mandi_paapi::creators::{CreatorsApiSource, CredentialVersion};
use mandi_paapi::sandbox::{Quota, Sandbox, SandboxCredentials};
use mandi_paapi::transport::RateLimit;

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

/// The seed of the sandbox's catalogue and prices.
const SANDBOX_SEED: u64 = 42;

/// The simulated moment of the round (the store's clock and the sandbox's price clock).
fn round_time() -> Result<DateTime<Utc>, Error> {
    Ok(Utc
        .with_ymd_and_hms(2026, 10, 2, 0, 0, 0)
        .single()
        .ok_or("time")?)
}

/// The child process: serves a sandbox of `products` products at `tps` calls a second on
/// loopback, prints its base URL and then its catalogue's ASINs (one a line, then `end`),
/// and serves until its standard input closes (the parent exited).
async fn serve_sandbox(products: usize, tps: u32) -> Result<(), Error> {
    let running = Sandbox::builder()
        .seed(SANDBOX_SEED)
        .products(products)
        .clock(Arc::new(ManualClock::new(round_time()?)))
        .wall_clock(Arc::new(mandi_core::SystemClock))
        .quota(Quota::new(Some(tps), None))
        .start()
        .await?;
    {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        writeln!(out, "{}", running.base_url())?;
        for asin in running.catalog().asins() {
            writeln!(out, "{asin}")?;
        }
        writeln!(out, "end")?;
        out.flush()?;
    }
    tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        while std::io::stdin()
            .read_line(&mut sink)
            .map(|n| n > 0)
            .unwrap_or(false)
        {
            sink.clear();
        }
    })
    .await?;
    running.shutdown().await;
    Ok(())
}

/// A sandbox child process and what it printed.
struct SandboxChild {
    child: Child,
    base_url: String,
    asins: Vec<Asin>,
}

impl SandboxChild {
    fn start(products: u64, tps: u32) -> Result<Self, Error> {
        let mut child = Command::new(std::env::current_exe()?)
            .env("MANDI_BENCH_SANDBOX_CHILD", products.to_string())
            .env("MANDI_BENCH_TPS", tps.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("the child's stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let base_url = lines.next().ok_or("the sandbox child printed nothing")??;
        let mut asins = Vec::new();
        for line in lines {
            let line = line?;
            if line == "end" {
                break;
            }
            asins.push(Asin::parse(&line)?);
        }
        Ok(Self {
            child,
            base_url,
            asins,
        })
    }

    /// One Creators API client for every worker, paced to the account's quota.
    fn source(&self, tps: u32, clock: Arc<dyn Clock>) -> Result<CreatorsApiSource, Error> {
        let creds = SandboxCredentials::test();
        let version = CredentialVersion::V2_2;
        let c = creds.creators(version);
        Ok(CreatorsApiSource::builder()
            .credential_id(c.credential_id.clone())
            .credential_secret(c.credential_secret.clone())
            .credential_version(version)
            .associate_tag(creds.associate_tag.clone())
            .base_url(self.base_url.clone())
            .token_url(format!("{}/oauth2/token", self.base_url))
            .rate_limit(RateLimit::per_second(tps)?)
            .clock(clock)
            .build()?)
    }
}

impl Drop for SandboxChild {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Users (ten watches each) and `watches` watches spread evenly over the products `asins`.
async fn seed(url: &str, watches: u64, asins: &[Asin]) -> Result<(), Error> {
    let store = PostgresStore::connect(url).await?;
    let products = asins.len();
    let t0 = round_time()? - chrono::Duration::days(1);
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
    store
        .create_watch(
            &NewWatch {
                user_id: user.id,
                target: WatchTarget::Product {
                    marketplace: IN,
                    asin: *asins.first().ok_or("no products")?,
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
    let texts: Vec<String> = asins.iter().map(ToString::to_string).collect();
    client
        .batch_execute("CREATE TABLE bench_asins (ord BIGINT PRIMARY KEY, asin TEXT NOT NULL)")
        .await?;
    client
        .execute(
            "INSERT INTO bench_asins SELECT ord - 1, a FROM unnest($1::text[]) WITH ORDINALITY AS t(a, ord)",
            &[&texts],
        )
        .await?;
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
                    'product', w.marketplace,
                    (SELECT asin FROM bench_asins WHERE ord = (g + 1) % {products}),
                    'active', w.created_at_ms, w.updated_at_ms
             FROM watches w, generate_series(0, {rest} - 1) g WHERE w.id = 1;
             INSERT INTO alert_rules (watch_id, position, kind, rule_json)
             SELECT w.id, 0, r.kind, r.rule_json
             FROM watches w, alert_rules r WHERE r.watch_id = 1 AND w.id > 1;
             DROP TABLE bench_asins;
             ANALYZE;",
            uid = user.id.0,
        ))
        .await?;
    Ok(())
}

/// One full round with `n` workers; returns (seconds, products refreshed, alerts created).
async fn round(
    url: &str,
    n: usize,
    source: Arc<dyn ProductSource>,
    clock: &ManualClock,
) -> Result<(f64, usize, usize), Error> {
    let plain = PostgresStore::connect(url).await?;
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
    let tps = u32::try_from(env_or("MANDI_BENCH_TPS", 200))?;
    if let Ok(size) = std::env::var("MANDI_BENCH_SANDBOX_CHILD") {
        return serve_sandbox(size.parse()?, tps).await;
    }
    let use_sandbox = match std::env::var("MANDI_BENCH_SOURCE").as_deref() {
        Ok("fake") => false,
        Ok("sandbox") | Err(_) => true,
        Ok(other) => {
            return Err(format!("MANDI_BENCH_SOURCE is sandbox or fake, not {other:?}").into());
        }
    };
    let Some(pg) = PgServer::shared() else {
        return Ok(());
    };
    let clock = ManualClock::new(round_time()?);
    let shared_clock: Arc<dyn Clock> = Arc::new(clock.clone());
    // The sandbox child lives for the whole run; its catalogue is the watched products.
    let (_child, source, asins): (Option<SandboxChild>, Arc<dyn ProductSource>, Vec<Asin>) =
        if use_sandbox {
            let started = Instant::now();
            let mut child = SandboxChild::start(products, tps)?;
            let source = Arc::new(child.source(tps, shared_clock)?);
            let asins = std::mem::take(&mut child.asins);
            println!(
                "source=sandbox tps={tps} catalogue={} started_secs={:.1}",
                asins.len(),
                started.elapsed().as_secs_f64()
            );
            (Some(child), source, asins)
        } else {
            let fake = Arc::new(FakeSource::new(shared_clock, 0, 7));
            let asins = numbered_asins(0, u32::try_from(products)?);
            for (i, asin) in asins.iter().enumerate() {
                fake.add(IN, *asin, 80_000 + (i as i64 % 50) * 1_000, false);
            }
            println!("source=fake");
            (None, fake, asins)
        };
    println!("watches={watches} products={products}");
    let mut base = None;
    for n in counts {
        let url = pg.fresh_database();
        let seeding = Instant::now();
        seed(&url, watches, &asins).await?;
        let seed_secs = seeding.elapsed().as_secs_f64();
        let (secs, fetched, alerts) = round(&url, n, source.clone(), &clock).await?;
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
