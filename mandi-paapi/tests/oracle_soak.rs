//! Issue #7's soak on the sandbox oracle: the whole monitoring loop (`MonitoringService`:
//! scheduler at the quota limit, breaker, cache tiers, alert step, dispatcher) on a manual
//! clock, against the sandbox through the real Creators API client with about 20 % injected
//! faults of every kind the catalog API offers (429, 5xx, held-back replies past the client's
//! read timeout, malformed and truncated bodies), on a SQLite file store.
//!
//! Afterwards: no panic, every watch still there, each alert delivered once, every delivered
//! price alert matches the oracle's price at its trigger time, and — computed independently
//! from `Oracle::offer` at exactly the observation times the store recorded — every alert
//! that should have fired did, and nothing else. `PRAGMA integrity_check` is ok.
//!
//! `MANDI_SOAK_CYCLES` sets the number of cycles (one cycle: ten simulated seconds of the
//! loop, about one source call at the quota limit, then a dispatch); the CI default is small.
//! The full run's command and result are in docs/benchmarks.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oracle_common;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use mandi_core::catalog::CatalogService;
use mandi_core::monitor::{ManualSleeper, MonitoringService, MonitoringSettings, PlannerConfig};
use mandi_core::store::SqliteStore;
use mandi_core::{
    AlertRule, Asin, BrowseNode, BrowseNodesRequest, Clock, HistoryQuery, ItemsBatch, ItemsRequest,
    ManualClock, Marketplace, NewWatch, Notifier, ProductSource, SearchPage, SearchRequest,
    SourceError, Store, VariationFamily, VariationsRequest, WatchState, WatchTarget,
};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::{Faults, Sandbox};
use mandi_paapi::transport::{RetryPolicy, Timeouts};
use oracle_common::{Firing, Planned, Recorder, Seen, expected, inr, seed_users};

const IN: Marketplace = Marketplace::India;
const PRODUCTS: usize = 120;
const WATCHES: u64 = 300;
const USERS: u64 = 9;

fn cycles() -> i64 {
    std::env::var("MANDI_SOAK_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

/// Counts what the source answered, by kind of failure.
#[derive(Debug)]
struct Counting<S> {
    inner: S,
    outcomes: Mutex<BTreeMap<&'static str, u64>>,
}

#[async_trait]
impl<S: ProductSource> ProductSource for Counting<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        let r = self.inner.get_items(request).await;
        let kind = match &r {
            Ok(_) => "ok",
            Err(SourceError::Throttled { .. }) => "throttled",
            Err(SourceError::Server { .. }) => "server",
            Err(SourceError::Timeout { .. }) => "timeout",
            Err(SourceError::Decode { .. }) => "decode",
            Err(_) => "other",
        };
        *self.outcomes.lock().unwrap().entry(kind).or_default() += 1;
        r
    }

    async fn search_items(&self, r: &SearchRequest) -> Result<SearchPage, SourceError> {
        self.inner.search_items(r).await
    }

    async fn get_variations(&self, r: &VariationsRequest) -> Result<VariationFamily, SourceError> {
        self.inner.get_variations(r).await
    }

    async fn get_browse_nodes(
        &self,
        r: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        self.inner.get_browse_nodes(r).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitoring_loop_survives_twenty_percent_faults_without_a_wrong_or_repeated_alert() {
    let cycles = cycles();
    let began = std::time::Instant::now();
    let faults: Faults =
        "429=0.04,5xx=0.04,timeout=0.04,malformed=0.04,truncated=0.04,delay=1s,seed=7"
            .parse()
            .unwrap();

    // Start shortly before the first sale after October 1st, so prices move early on.
    let probe = mandi_paapi::sandbox::Oracle::new(mandi_paapi::sandbox::Catalog::for_seed(7));
    let oct = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let sale = probe
        .sales(oct, oct + Duration::days(90))
        .into_iter()
        .map(|s| s.starts_at)
        .find(|s| *s > oct)
        .unwrap_or(oct + Duration::days(1));
    let start = sale - Duration::minutes(30);

    let clock = ManualClock::new(start);
    let sandbox = Sandbox::builder()
        .seed(7)
        .clock(Arc::new(clock.clone()))
        .faults(faults)
        .start()
        .await
        .unwrap();
    let oracle = sandbox.oracle().clone();
    let all: Vec<Asin> = oracle
        .catalog()
        .asins()
        .filter(|a| oracle.offer(*a, start).is_some())
        .collect();
    let products: Vec<Asin> = all
        .iter()
        .step_by((all.len() / PRODUCTS).max(1))
        .take(PRODUCTS)
        .copied()
        .collect();

    let client = sandbox
        .creators_source_builder(CredentialVersion::V2_2)
        .timeouts(Timeouts {
            connect: StdDuration::from_secs(2),
            read: StdDuration::from_millis(200),
        })
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let source = Arc::new(Counting {
        inner: client,
        outcomes: Mutex::new(BTreeMap::new()),
    });

    let dir = tempfile::tempdir().unwrap();
    let sqlite = Arc::new(SqliteStore::open(dir.path().join("mandi.db")).unwrap());
    let store: Arc<dyn Store> = sqlite.clone();

    let users = seed_users(store.as_ref(), "soak", USERS, clock.now()).await;
    let mut plans: BTreeMap<i64, Planned> = BTreeMap::new();
    for n in 0..WATCHES {
        let asin = products[(n as usize) % products.len()];
        let o = oracle.offer(asin, start).unwrap();
        let now_price = o.price.unwrap_or(o.regular_price).minor();
        let (rules, baseline) = match n % 4 {
            0 => (
                vec![AlertRule::TargetPrice {
                    at_or_below: inr(now_price * (96 + (n % 7) as i64) / 100),
                }],
                None,
            ),
            1 => (
                vec![AlertRule::DropFromBaseline { bps: 500 }],
                Some(o.regular_price.minor()),
            ),
            2 => (
                vec![
                    AlertRule::BackInStock,
                    AlertRule::TargetPrice {
                        at_or_below: inr(now_price * 92 / 100),
                    },
                ],
                None,
            ),
            _ => (vec![AlertRule::DropFromBaseline { bps: 300 }], None),
        };
        let state = if n.is_multiple_of(23) {
            WatchState::Snoozed {
                until: start + Duration::minutes(20),
            }
        } else if n.is_multiple_of(29) {
            WatchState::Paused
        } else {
            WatchState::Active
        };
        let mut w = store
            .create_watch(
                &NewWatch {
                    user_id: users[(n % USERS) as usize],
                    target: WatchTarget::Product {
                        marketplace: IN,
                        asin,
                    },
                    rules: rules.clone(),
                    baseline_price: baseline.map(inr),
                    label: None,
                },
                clock.now(),
            )
            .await
            .unwrap();
        if state != WatchState::Active {
            w.state = state;
            store.update_watch(&w).await.unwrap();
        }
        plans.insert(
            w.id.0,
            Planned {
                asin,
                rules,
                baseline,
                state,
            },
        );
    }
    let mut before = BTreeMap::new();
    for u in &users {
        before.insert(*u, store.list_watches(*u).await.unwrap());
    }

    let catalog = CatalogService::new(source.clone(), Arc::clone(&store), Arc::new(clock.clone()));
    let recorder = Arc::new(Recorder::default());
    let settings = MonitoringSettings {
        planner: PlannerConfig::as_fresh_as_possible(),
        dispatch_every: Duration::seconds(10),
        resync_every: Duration::minutes(1),
        ..MonitoringSettings::default()
    };
    let mut service = MonitoringService::new(
        &catalog,
        vec![recorder.clone() as Arc<dyn Notifier>],
        Arc::new(ManualSleeper::new(clock.clone())),
        settings,
        None,
    )
    .unwrap();
    for _ in 0..cycles {
        let until = clock.now() + Duration::seconds(10);
        service.run_until(until, |_| {}).await.unwrap();
    }
    // Let everything due be delivered.
    let end = clock.now();
    clock.set(end + Duration::hours(1));
    service.dispatch().await.unwrap();
    let progress = service.progress();
    let run_secs = began.elapsed().as_secs_f64();

    // Every watch is still there, unchanged.
    for u in &users {
        assert_eq!(
            store.list_watches(*u).await.unwrap(),
            before[u],
            "the watches of user {u:?}"
        );
    }

    // Each alert delivered once.
    let seen = recorder.seen.lock().unwrap().clone();
    let mut per_key: HashMap<&str, usize> = HashMap::new();
    for n in &seen {
        *per_key.entry(n.idempotency_key.as_str()).or_default() += 1;
        *per_key.entry(n.alert.dedupe_key.as_str()).or_default() += 1;
    }
    let repeated: Vec<_> = per_key.iter().filter(|(_, c)| **c > 1).collect();
    assert!(
        repeated.is_empty(),
        "delivered more than once: {repeated:?}"
    );

    // Every delivered alert carries the card computed when it fired.
    assert!(
        seen.iter().all(|n| n.alert.card.is_some()),
        "an alert was delivered without its card"
    );

    // No alert the oracle contradicts.
    for n in &seen {
        let truth = oracle.offer(n.alert.asin, n.alert.triggered_at).unwrap();
        let rule = &plans[&n.alert.watch_id.0].rules[Firing::of(n).rule];
        if let AlertRule::TargetPrice { at_or_below } = rule {
            let p = truth
                .price
                .expect("a target-price alert at a moment with a price");
            assert!(
                p.minor() <= at_or_below.minor(),
                "{}: alert at {} but the true price {p} is above {at_or_below}",
                n.alert.asin,
                n.alert.triggered_at
            );
        }
        if n.alert.price.is_some() {
            assert_eq!(
                n.alert.price, truth.price,
                "the alert's price is the true one"
            );
        }
    }

    // The observations the store recorded are the oracle's truth at those moments (or
    // unknown for a failed fetch); the alerts they imply fire exactly once, nothing else.
    let mut series: HashMap<Asin, Vec<Seen>> = HashMap::new();
    let mut known_points = 0usize;
    let mut unknown_points = 0usize;
    for a in &products {
        let points = store
            .price_history(&HistoryQuery::buy_box(IN, *a))
            .await
            .unwrap();
        let mut s: Vec<Seen> = Vec::new();
        for p in points {
            if p.availability.is_known() {
                known_points += 1;
                let truth = oracle.offer(*a, p.at).unwrap();
                assert_eq!(p.price, truth.price, "{a} at {}", p.at);
                assert_eq!(p.availability, truth.availability, "{a} at {}", p.at);
                s.push(Seen {
                    at: p.at,
                    price: truth.price.map(|m| m.minor()),
                    availability: truth.availability,
                });
            } else {
                unknown_points += 1;
                s.push(Seen {
                    at: p.at,
                    price: None,
                    availability: p.availability,
                });
            }
        }
        s.sort_by_key(|x| x.at);
        series.insert(*a, s);
    }
    let mut want: Vec<Firing> = plans
        .iter()
        .flat_map(|(id, p)| expected(*id, p, &series[&p.asin]))
        .collect();
    want.sort();
    let mut got: Vec<Firing> = seen.iter().map(Firing::of).collect();
    got.sort();
    let missing: Vec<_> = want.iter().filter(|f| !got.contains(f)).take(10).collect();
    let extra: Vec<_> = got.iter().filter(|f| !want.contains(f)).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );
    assert_eq!(got, want);
    assert!(!got.is_empty(), "the soak fired alerts");

    // Faults of every kind were met.
    let outcomes = source.outcomes.lock().unwrap().clone();
    if cycles >= 100 {
        for kind in ["throttled", "server", "timeout", "decode"] {
            assert!(
                outcomes.get(kind).copied().unwrap_or(0) > 0,
                "no {kind} fault met: {outcomes:?}"
            );
        }
    }
    assert_eq!(sqlite.integrity_check().await.unwrap(), "ok");
    eprintln!(
        "oracle soak: {cycles} cycles, {:.1} simulated hours, {} products, {WATCHES} watches, \
         source outcomes {outcomes:?}, {known_points} known + {unknown_points} unknown \
         observations, {} alerts delivered, stats {:?}, breaker {:?}, run {run_secs:.1} s",
        (end - start).num_minutes() as f64 / 60.0,
        products.len(),
        got.len(),
        progress.stats,
        progress.breaker.state,
    );
    sandbox.shutdown().await;
}
