//! A simulation of the monitoring driver on a manual clock, for the scheduler benchmark:
//! N watched products, an in-memory catalogue, the quota, and a sink that measures how long
//! each product waited between two refreshes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use mandi_core::monitor::fake::{FakeSource, numbered_asins};
use mandi_core::monitor::scheduler::{BatchSink, FetchedBatch, MonitorLoop, SinkError};
use mandi_core::monitor::{
    BreakerConfig, CircuitBreaker, ManualSleeper, Planner, PlannerConfig, Quota, QuotaConfig,
};
use mandi_core::{Asin, Clock, ManualClock, Marketplace, WatchedProduct};

/// What one simulated run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimResult {
    /// Watched products.
    pub products: u32,
    /// ASINs per call.
    pub batch_size: usize,
    /// Calls made in the measured window.
    pub calls: u64,
    /// ASINs carried per call in the measured window.
    pub asins_per_call: f64,
    /// Mean time between two refreshes of a product, seconds.
    pub mean_gap_secs: f64,
    /// 95th percentile of that time, seconds.
    pub p95_gap_secs: f64,
    /// Longest such time, seconds.
    pub max_gap_secs: f64,
    /// The physical limit at this quota: N / (batch size × calls per second), seconds.
    pub limit_secs: f64,
}

#[derive(Debug, Default)]
struct GapSink {
    measure_from: Mutex<Option<DateTime<Utc>>>,
    last: Mutex<HashMap<Asin, DateTime<Utc>>>,
    gaps_ms: Mutex<Vec<i64>>,
}

#[async_trait]
impl BatchSink for GapSink {
    async fn handle(&self, batch: &FetchedBatch) -> Result<(), SinkError> {
        let from = *self.measure_from.lock().unwrap_or_else(|e| e.into_inner());
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let mut gaps = self.gaps_ms.lock().unwrap_or_else(|e| e.into_inner());
        for p in &batch.products {
            if let Some(prev) = last.insert(p.asin, p.fetched_at)
                && from.is_some_and(|f| p.fetched_at >= f)
            {
                gaps.push((p.fetched_at - prev).num_milliseconds());
            }
        }
        Ok(())
    }
}

/// Runs `products` watched products through the driver at `quota` with `batch_size` ASINs
/// per call against a catalogue failing `fault_percent` % of calls (every kind of fault):
/// `warm_rounds` rounds to reach the steady state, then `measured_rounds` rounds measured. A
/// round is the time the quota needs to go through every product once.
pub fn simulate(
    products: u32,
    batch_size: usize,
    quota: QuotaConfig,
    fault_percent: u8,
    warm_rounds: u32,
    measured_rounds: u32,
) -> SimResult {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    runtime.block_on(simulate_async(
        products,
        batch_size,
        quota,
        fault_percent,
        warm_rounds,
        measured_rounds,
    ))
}

async fn simulate_async(
    products: u32,
    batch_size: usize,
    quota: QuotaConfig,
    fault_percent: u8,
    warm_rounds: u32,
    measured_rounds: u32,
) -> SimResult {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let clock = ManualClock::new(start);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let source = Arc::new(FakeSource::new(shared.clone(), fault_percent, 1));
    let asins = numbered_asins(1, products);
    let watched: Vec<WatchedProduct> = asins
        .iter()
        .map(|a| {
            source.add(Marketplace::India, *a, 99_900, false);
            WatchedProduct {
                marketplace: Marketplace::India,
                asin: *a,
                watchers: 1,
            }
        })
        .collect();
    let mut planner = Planner::new(PlannerConfig {
        batch_size,
        ..PlannerConfig::as_fresh_as_possible()
    });
    planner.sync(&watched, start);
    // Calls per second the quota sustains over a day (the daily limit may bind before the
    // rate does).
    let per_day = f64::from(quota.daily_limit.saturating_sub(quota.interactive_reserve));
    let calls_per_second = quota.requests_per_second.min(per_day / 86_400.0);
    let limit_secs = f64::from(products) / (batch_size as f64 * calls_per_second);
    let quota =
        Arc::new(Quota::new(quota, shared.clone(), 5).unwrap_or_else(|e| panic!("quota: {e}")));
    let sink = Arc::new(GapSink::default());
    let mut monitor = MonitorLoop::new(
        planner,
        source.clone(),
        quota,
        Arc::new(CircuitBreaker::new(
            "fake",
            BreakerConfig::default(),
            shared.clone(),
        )),
        shared,
        Arc::new(ManualSleeper::new(clock.clone())),
        sink.clone(),
    );
    let round = TimeDelta::milliseconds((limit_secs * 1000.0).ceil() as i64);
    let measure_from = start + round * warm_rounds as i32;
    monitor.run_until(measure_from, TimeDelta::days(365)).await;
    *sink.measure_from.lock().unwrap_or_else(|e| e.into_inner()) = Some(measure_from);
    let before = monitor.stats();
    monitor
        .run_until(
            measure_from + round * measured_rounds as i32,
            TimeDelta::days(365),
        )
        .await;
    let after = monitor.stats();
    let calls = after.calls - before.calls;
    let asins = after.asins_requested - before.asins_requested;
    let mut gaps = sink
        .gaps_ms
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    gaps.sort_unstable();
    let secs = |ms: i64| ms as f64 / 1000.0;
    let mean = if gaps.is_empty() {
        f64::NAN
    } else {
        gaps.iter().map(|g| secs(*g)).sum::<f64>() / gaps.len() as f64
    };
    SimResult {
        products,
        batch_size,
        calls,
        asins_per_call: if calls == 0 {
            0.0
        } else {
            asins as f64 / calls as f64
        },
        mean_gap_secs: mean,
        p95_gap_secs: gaps
            .get(gaps.len().saturating_sub(1) * 95 / 100)
            .map_or(f64::NAN, |g| secs(*g)),
        max_gap_secs: gaps.last().map_or(f64::NAN, |g| secs(*g)),
        limit_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_run_reaches_the_limit_with_full_calls() {
        let r = simulate(200, 10, QuotaConfig::rate_only(1.0), 0, 1, 2);
        assert!(r.asins_per_call >= 9.5, "{r:?}");
        assert!(r.mean_gap_secs <= r.limit_secs * 1.05, "{r:?}");
        let one = simulate(200, 1, QuotaConfig::rate_only(1.0), 0, 1, 1);
        assert!((one.asins_per_call - 1.0).abs() < 1e-9);
        assert!(
            one.mean_gap_secs >= 9.0 * r.mean_gap_secs,
            "{one:?} vs {r:?}"
        );
    }
}
