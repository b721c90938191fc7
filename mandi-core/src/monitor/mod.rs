//! Monitoring at the quota limit: the quota's token bucket with priority classes
//! ([`quota`]), a circuit breaker per source ([`breaker`]), the refresh planner and its
//! async driver ([`scheduler`]).
//!
//! # Design
//!
//! Every piece reads time through the [`Clock`] port and waits through the
//! [`Sleeper`] seam defined here, so the same code runs against the wall clock
//! ([`TokioSleeper`]) and in simulations that move a [`ManualClock`]
//! instead of sleeping ([`ManualSleeper`]): thirty simulated days take seconds.
//!
//! The planning core ([`scheduler::Planner`]) is pure: given the time, the watched products
//! and what is known about them, it says which batch of up to ten ASINs goes next and when.
//! The driver ([`scheduler::MonitorLoop`]) asks the quota and the breaker, calls the
//! [`ProductSource`](crate::ProductSource), and hands what came back to a
//! [`scheduler::BatchSink`] — the seam where the alert step ([`crate::alerts::AlertStep`]) plugs in.

pub mod breaker;
pub mod quota;
#[cfg(feature = "redis")]
pub mod redis_quota;
pub mod scheduler;
pub mod service;

#[cfg(any(test, feature = "test-util"))]
pub mod fake;

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ports::clock::{Clock, ManualClock};

pub use breaker::{BreakerConfig, BreakerSnapshot, BreakerState, CircuitBreaker, Rejected};
pub use quota::{Grant, Permit, Priority, Quota, QuotaConfig, QuotaError, QuotaSnapshot};
#[cfg(feature = "redis")]
pub use redis_quota::RedisQuota;
pub use scheduler::{
    BatchSink, Fallback, FetchedBatch, HintBoard, MonitorLoop, MonitorStats, PlannedBatch, Planner,
    PlannerConfig, PlannerStats, ProductKey, RefreshHint, SinkError, StepOutcome,
};
pub use service::{MonitorProgress, MonitoringService, MonitoringSettings};

/// Waits until a moment; the seam that lets simulations run without real sleeping.
#[async_trait]
pub trait Sleeper: Send + Sync + Debug {
    /// Returns once the clock reads `at` or later.
    async fn sleep_until(&self, at: DateTime<Utc>);
}

/// Sleeps on the tokio timer for the time between the clock's `now` and `at`.
#[derive(Debug, Clone)]
pub struct TokioSleeper {
    clock: Arc<dyn Clock>,
}

impl TokioSleeper {
    /// A sleeper measuring the wait against `clock` (normally the `SystemClock`).
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock }
    }
}

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep_until(&self, at: DateTime<Utc>) {
        let wait = (at - self.clock.now()).to_std().unwrap_or_default();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Moves a [`ManualClock`] forward to the wake-up time instead of sleeping (simulations).
/// It never moves the clock backwards.
#[derive(Debug, Clone)]
pub struct ManualSleeper {
    clock: ManualClock,
}

impl ManualSleeper {
    /// A sleeper driving `clock`.
    pub fn new(clock: ManualClock) -> Self {
        Self { clock }
    }
}

#[async_trait]
impl Sleeper for ManualSleeper {
    async fn sleep_until(&self, at: DateTime<Utc>) {
        if at > self.clock.now() {
            self.clock.set(at);
        }
        tokio::task::yield_now().await;
    }
}

/// A small, seeded random source for jitter (splitmix64): deterministic in simulations,
/// no dependency, not for anything secret.
#[derive(Debug)]
pub struct Jitter {
    state: AtomicU64,
}

impl Jitter {
    /// A jitter source starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }

    /// The next pseudo-random 64-bit value.
    pub fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..bound` (0 when `bound` is 0).
    pub fn below(&self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next_u64() % bound
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    #[tokio::test]
    async fn manual_sleeper_moves_the_clock_forward_only() {
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        let sleeper = ManualSleeper::new(clock.clone());
        sleeper.sleep_until(start + TimeDelta::seconds(5)).await;
        assert_eq!(clock.now(), start + TimeDelta::seconds(5));
        sleeper.sleep_until(start).await;
        assert_eq!(clock.now(), start + TimeDelta::seconds(5));
    }

    #[test]
    fn jitter_is_seeded_and_bounded() {
        let a = Jitter::new(7);
        let b = Jitter::new(7);
        let xs: Vec<u64> = (0..100).map(|_| a.below(10)).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.below(10)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| *x < 10));
        assert!(xs.iter().any(|x| *x != xs[0]));
        assert_eq!(a.below(0), 0);
    }
}
