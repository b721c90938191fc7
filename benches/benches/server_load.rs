//! Load test of `mandi-server` over loopback HTTP: cached product lookups
//! (`GET /api/v1/products/{asin}` served from the store) and watch creation
//! (`POST /api/v1/watches`), each with concurrent keep-alive clients; prints requests per
//! second and p50/p99 latency.
//!
//! `cargo bench -p mandi-benches --bench server_load` (`MANDI_LOAD_SECS` sets the lookup
//! run's length, 5 s by default; `MANDI_LOAD_CLIENTS` the concurrency, 32 by default). The
//! clients run on the same machine as the server, so the figures include their cost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mandi_core::catalog::CatalogService;
use mandi_core::store::SqliteStore;
use mandi_core::{Clock, KeyScope, RateLimit, Store, SystemClock};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::Sandbox;
use mandi_server::{AppState, ServerConfig};
use secrecy::ExposeSecret;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut latencies: Vec<Duration>, elapsed: Duration, errors: usize) {
    latencies.sort();
    let n = latencies.len();
    println!(
        "{name}: {n} requests in {:.2} s = {:.0} req/s; p50 {:.2} ms, p99 {:.2} ms; {errors} errors",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
    );
}

async fn key(state: &AppState, name: &str) -> String {
    let made = state
        .keys()
        .create(
            name,
            KeyScope::Write,
            Some(RateLimit {
                per_second: 1_000_000,
                burst: 1_000_000,
            }),
        )
        .await
        .expect("key");
    made.secret.expose_secret().to_owned()
}

fn main() {
    // Criterion-style filters and flags are accepted and ignored.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let secs = env_num("MANDI_LOAD_SECS", 5);
    let clients = env_num("MANDI_LOAD_CLIENTS", 32) as usize;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let sandbox = Sandbox::builder()
        .seed(7)
        .clock(clock.clone())
        .start()
        .await
        .expect("sandbox");
    let source = sandbox
        .creators_source(CredentialVersion::V2_2)
        .expect("source");
    let dir = tempfile::tempdir().expect("dir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("m.db")).expect("db"));
    let catalog = CatalogService::new(Arc::new(source), store, clock);
    let state = AppState::new(catalog, ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mandi_server::serve(listener, state.clone(), async move {
        let _ = rx.await;
    }));
    let secret = key(&state, "load").await;
    let asins: Vec<String> = sandbox
        .catalog()
        .asins()
        .take(200)
        .map(|a| a.to_string())
        .collect();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    // Warm the store: every product fetched once, so lookups are served from it.
    for a in &asins {
        let r = http
            .get(format!("{base}/api/v1/products/{a}"))
            .bearer_auth(&secret)
            .send()
            .await
            .expect("warm");
        assert!(r.status().is_success(), "warm-up of {a}: {}", r.status());
    }
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, base, secret, asins) =
            (http.clone(), base.clone(), secret.clone(), asins.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut i = c;
            while Instant::now() < deadline {
                let a = &asins[i % asins.len()];
                i += clients;
                let t = Instant::now();
                match http
                    .get(format!("{base}/api/v1/products/{a}"))
                    .bearer_auth(&secret)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("client task");
        lat.extend(l);
        errors += e;
    }
    report("cached product lookups", lat, started.elapsed(), errors);

    // Watch creation: 10 accounts, each watching distinct products (one lookup each).
    let per_account = 100usize;
    let all: Vec<String> = sandbox
        .catalog()
        .asins()
        .take(10 * per_account)
        .map(|a| a.to_string())
        .collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, chunk) in all.chunks(per_account).enumerate() {
        let secret = key(&state, &format!("creator-{n}")).await;
        let (http, base, chunk) = (http.clone(), base.clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            for a in chunk {
                let t = Instant::now();
                match http
                    .post(format!("{base}/api/v1/watches"))
                    .bearer_auth(&secret)
                    .json(&serde_json::json!({ "product": a }))
                    .send()
                    .await
                {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("client task");
        lat.extend(l);
        errors += e;
    }
    report("watch creation", lat, started.elapsed(), errors);
    let _ = tx.send(());
    let _ = server.await;
}
