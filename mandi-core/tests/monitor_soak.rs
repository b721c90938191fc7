//! Soak test of the monitoring driver: thousands of cycles against a fake catalogue that
//! injects 20 % faults of every kind, plus an outage, on a manual clock.
//!
//! `MANDI_SOAK_CYCLES` sets the number of cycles (default 2,000 for CI; the full run is
//! 10,000, see docs/benchmarks.md).
#![allow(clippy::unwrap_used)] // tests may unwrap

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use mandi_core::cache::{Cache, MemoryCache};
use mandi_core::monitor::fake::{FakeSource, FaultKind, numbered_asins};
use mandi_core::monitor::scheduler::{
    BatchSink, FetchedBatch, MonitorLoop, Planner, PlannerConfig, SinkError, StepOutcome,
};
use mandi_core::monitor::{
    BreakerConfig, BreakerState, CircuitBreaker, ManualSleeper, Quota, QuotaConfig,
};
use mandi_core::{Asin, Clock, DataOrigin, ManualClock, Marketplace, WatchedProduct};

const IN: Marketplace = Marketplace::India;

/// Checks every batch as it arrives and remembers when each product was last seen fresh.
#[derive(Debug, Default)]
struct OracleSink {
    last_fresh: Mutex<HashMap<Asin, DateTime<Utc>>>,
    violations: Mutex<Vec<String>>,
    stale_batches: Mutex<u64>,
}

#[async_trait]
impl BatchSink for OracleSink {
    async fn handle(&self, batch: &FetchedBatch) -> Result<(), SinkError> {
        let mut violations = self.violations.lock().unwrap();
        let requested: HashSet<Asin> = batch.requested.iter().copied().collect();
        if requested.len() != batch.requested.len() {
            violations.push(format!(
                "duplicate ASIN in a request: {:?}",
                batch.requested
            ));
        }
        if batch.requested.len() > 10 {
            violations.push(format!("{} ASINs in one call", batch.requested.len()));
        }
        let mut seen = HashSet::new();
        for p in &batch.products {
            if !requested.contains(&p.asin) || !seen.insert(p.asin) {
                violations.push(format!("unexpected or repeated product {}", p.asin));
            }
            if p.origin != batch.origin {
                violations.push(format!(
                    "product {} origin {:?} in a {:?} batch",
                    p.asin, p.origin, batch.origin
                ));
            }
        }
        if batch.stale {
            *self.stale_batches.lock().unwrap() += 1;
            if batch.origin == DataOrigin::Api {
                violations.push("a stale batch marked as fresh API data".into());
            }
            return Ok(());
        }
        let mut last = self.last_fresh.lock().unwrap();
        for p in &batch.products {
            if let Some(prev) = last.insert(p.asin, p.fetched_at)
                && prev > p.fetched_at
            {
                violations.push(format!("{} went back in time", p.asin));
            }
        }
        Ok(())
    }
}

fn cycles() -> u64 {
    std::env::var("MANDI_SOAK_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

#[tokio::test]
async fn thousands_of_cycles_with_twenty_percent_faults_and_an_outage() {
    let cycles = cycles();
    let start = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
    let clock = ManualClock::new(start);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let source = Arc::new(FakeSource::new(shared.clone(), 20, 2026));
    let asins = numbered_asins(1, 400);
    for (i, a) in asins.iter().enumerate() {
        source.add(IN, *a, 50_000 + i as i64 * 10, i % 4 == 0);
    }
    // A few watched ASINs the catalogue does not know.
    let unknown = numbered_asins(9_000, 3);
    let mut watched: Vec<WatchedProduct> = asins
        .iter()
        .chain(&unknown)
        .enumerate()
        .map(|(i, a)| WatchedProduct {
            marketplace: IN,
            asin: *a,
            watchers: 1 + (i % 7) as u32,
        })
        .collect();
    watched.sort_by_key(|w| std::cmp::Reverse(w.watchers));
    let mut planner = Planner::new(PlannerConfig {
        base_interval: TimeDelta::minutes(20),
        min_interval: TimeDelta::minutes(1),
        ..PlannerConfig::default()
    });
    planner.sync(&watched, start);
    let breaker = Arc::new(CircuitBreaker::new(
        "fake",
        BreakerConfig::default(),
        shared.clone(),
    ));
    let cache = Arc::new(MemoryCache::new(1_000, TimeDelta::hours(6), shared.clone()));
    let sink = Arc::new(OracleSink::default());
    let mut monitor = MonitorLoop::new(
        planner,
        source.clone(),
        Arc::new(Quota::new(QuotaConfig::sandbox(), shared.clone(), 11).unwrap()),
        breaker.clone(),
        shared.clone(),
        Arc::new(ManualSleeper::new(clock.clone())),
        sink.clone(),
    )
    .with_cache(cache.clone());

    let outage = (cycles / 2)..(cycles / 2 + cycles / 10);
    let mut outage_calls = 0;
    let mut opened_in_outage = false;
    let (mut outage_began, mut outage_ended) = (start, start);
    let mut outcomes: HashMap<&'static str, u64> = HashMap::new();
    for cycle in 0..cycles {
        if cycle == outage.start {
            source.set_outage(true);
            outage_began = clock.now();
        }
        if cycle == outage.end {
            source.set_outage(false);
            outage_ended = clock.now();
        }
        let before = source.calls();
        let outcome = monitor.step().await;
        if outage.contains(&cycle) {
            outage_calls += source.calls() - before;
            opened_in_outage |= matches!(breaker.state(), BreakerState::Open { .. });
        }
        let name = match outcome {
            StepOutcome::Fetched { .. } => "fetched",
            StepOutcome::Failed(_) => "failed",
            StepOutcome::ServedStale { .. } => "stale",
            StepOutcome::QuotaSpent { resets_at } => {
                clock.set(resets_at);
                "quota_spent"
            }
            StepOutcome::SinkFailed(_) => "sink_failed",
            StepOutcome::Idle => "idle",
            _ => "other",
        };
        *outcomes.entry(name).or_default() += 1;
    }
    // A quiet tail after the soak: everything settles.
    monitor
        .run_until(clock.now() + TimeDelta::hours(2), TimeDelta::hours(1))
        .await;

    let violations = sink.violations.lock().unwrap().clone();
    assert!(violations.is_empty(), "oracle violations: {violations:?}");
    let faults = source.faults();
    for kind in FaultKind::ALL {
        assert!(
            faults.get(&kind).copied().unwrap_or(0) > 0,
            "no {kind:?} injected: {faults:?}"
        );
    }
    let last = sink.last_fresh.lock().unwrap().clone();
    for a in &asins {
        assert!(last.contains_key(a), "{a} never refreshed");
    }
    let stats = monitor.planner().stats(clock.now());
    assert_eq!(stats.products, 403);
    assert_eq!(stats.never_refreshed, 3, "only the unknown ASINs");
    assert!(
        stats.oldest_age.unwrap() < TimeDelta::hours(2),
        "every known product refreshed recently: {stats:?}"
    );
    // The breaker opened during the outage, spent few calls on probes, and closed after it.
    assert!(opened_in_outage, "{outcomes:?}");
    // Until it opens: at most `failure_threshold` calls; then one probe per cool-down.
    let config = BreakerConfig::default();
    let cool_downs =
        (outage_ended - outage_began).num_seconds() as u64 / config.cool_down.as_secs();
    let allowed = u64::from(config.failure_threshold) + cool_downs + 2;
    assert!(
        outage_calls <= allowed,
        "{outage_calls} calls during a {} s outage (at most {allowed}): the breaker should hold them back",
        (outage_ended - outage_began).num_seconds()
    );
    assert!(
        *sink.stale_batches.lock().unwrap() > 0,
        "cache served during the outage"
    );
    assert_eq!(breaker.state(), BreakerState::Closed);
    let m = monitor.stats();
    assert!(m.asins_per_call() >= 9.0, "{m:?}");
    eprintln!(
        "soak: {cycles} cycles, {} simulated hours, outcomes {outcomes:?}, faults {faults:?}, stats {m:?}, breaker {:?}",
        (clock.now() - start).num_hours(),
        breaker.snapshot()
    );
    let cached = cache.get(IN, asins[0]).await.unwrap();
    assert!(cached.is_some_and(|p| p.origin == DataOrigin::Api));
}
