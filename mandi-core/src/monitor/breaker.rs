//! A circuit breaker per source.
//!
//! * **Closed**: requests go through. It opens after `failure_threshold` failures in a row, or
//!   when at least `rate_min_calls` of the last `rate_window` calls were made and the share of
//!   failures among them reaches `failure_rate_percent`.
//! * **Open**: requests are refused (callers answer from cache or the fallback scraper) until
//!   `cool_down` has passed.
//! * **Half-open**: one probe at a time goes through; `success_threshold` successes in a row
//!   close the breaker, any failure opens it again.
//!
//! What counts as a failure is the source being unwell: server errors, timeouts, network
//! failures, unreadable replies and `Unavailable`. Throttling is the quota's business (it
//! pauses the bucket), and client errors (bad input, not found, refused credentials) say
//! nothing about the source's health, so neither moves the breaker.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::ports::clock::Clock;
use crate::ports::source::SourceError;

/// The breaker's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerConfig {
    /// Failures in a row that open the breaker (at least 1).
    pub failure_threshold: u32,
    /// How many recent calls the failure rate looks at (0 turns the rate rule off).
    pub rate_window: u32,
    /// The fewest calls in the window before the rate rule may open the breaker.
    pub rate_min_calls: u32,
    /// The share of failures in the window, in percent (1–100), that opens the breaker.
    pub failure_rate_percent: u8,
    /// How long it stays open before letting a probe through.
    pub cool_down: Duration,
    /// Probe successes in a row that close it again (at least 1).
    pub success_threshold: u32,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            rate_window: 20,
            rate_min_calls: 10,
            failure_rate_percent: 60,
            cool_down: Duration::from_secs(60),
            success_threshold: 2,
        }
    }
}

/// Where the breaker stands.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum BreakerState {
    /// Requests go through.
    Closed,
    /// Requests are refused until `until`.
    Open {
        /// When the cool-down ends and a probe may go.
        until: DateTime<Utc>,
    },
    /// Probes go through one at a time.
    HalfOpen,
}

impl BreakerState {
    /// A stable lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open { .. } => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

/// A refused request: the breaker is open, or a half-open probe is already out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    /// When to ask again.
    pub retry_at: DateTime<Utc>,
}

/// What the breaker looks like now, for `mandi status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerSnapshot {
    /// The source's name.
    pub source: String,
    /// Its state.
    pub state: BreakerState,
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// Failures among the last calls in the rate window.
    pub window_failures: u32,
    /// Calls in the rate window.
    pub window_calls: u32,
    /// How many times it has opened since it was made.
    pub times_opened: u64,
    /// When it last changed state.
    pub since: DateTime<Utc>,
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    consecutive_failures: u32,
    half_open_successes: u32,
    probe_out: bool,
    window: VecDeque<bool>,
    times_opened: u64,
    since: DateTime<Utc>,
}

/// A circuit breaker for one source (see the [module docs](self)). Share it as `Arc`.
#[derive(Debug)]
pub struct CircuitBreaker {
    source: String,
    config: BreakerConfig,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
}

impl CircuitBreaker {
    /// A closed breaker for the source named `source`. Zero thresholds count as 1 and a
    /// failure rate above 100 % as 100 %.
    pub fn new(
        source: impl Into<String>,
        mut config: BreakerConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        config.failure_threshold = config.failure_threshold.max(1);
        config.success_threshold = config.success_threshold.max(1);
        config.failure_rate_percent = config.failure_rate_percent.clamp(1, 100);
        let now = clock.now();
        Self {
            source: source.into(),
            config,
            clock,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                consecutive_failures: 0,
                half_open_successes: 0,
                probe_out: false,
                window: VecDeque::new(),
                times_opened: 0,
                since: now,
            }),
        }
    }

    /// The source's name.
    pub fn source(&self) -> &str {
        &self.source
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True when this error says the source is unwell (see the [module docs](self)).
    pub fn counts_as_failure(error: &SourceError) -> bool {
        matches!(
            error,
            SourceError::Server { .. }
                | SourceError::Timeout { .. }
                | SourceError::Network { .. }
                | SourceError::Decode { .. }
                | SourceError::Unavailable { .. }
        )
    }

    /// Asks to send a request. In the half-open state the caller that is let through is the
    /// probe and must report its result with [`record`](Self::record).
    ///
    /// # Errors
    ///
    /// [`Rejected`] with the time to ask again while open, or while a probe is out.
    pub fn allow(&self) -> Result<(), Rejected> {
        let now = self.clock.now();
        let mut s = self.lock();
        if let BreakerState::Open { until } = s.state {
            if now < until {
                return Err(Rejected { retry_at: until });
            }
            s.state = BreakerState::HalfOpen;
            s.half_open_successes = 0;
            s.probe_out = false;
            s.since = now;
            tracing::info!(source = %self.source, "circuit breaker half-open: sending a probe");
        }
        if s.state == BreakerState::HalfOpen {
            if s.probe_out {
                return Err(Rejected {
                    retry_at: now + TimeDelta::seconds(1),
                });
            }
            s.probe_out = true;
        }
        Ok(())
    }

    /// Reports how a request let through by [`allow`](Self::allow) went. Errors that are not
    /// failures (see [`counts_as_failure`](Self::counts_as_failure)) count as successes: the
    /// source answered.
    pub fn record(&self, outcome: Result<(), &SourceError>) {
        let failed = matches!(outcome, Err(e) if Self::counts_as_failure(e));
        let now = self.clock.now();
        let mut s = self.lock();
        if self.config.rate_window > 0 {
            s.window.push_back(failed);
            while s.window.len() > self.config.rate_window as usize {
                s.window.pop_front();
            }
        }
        match (s.state, failed) {
            (BreakerState::HalfOpen, false) => {
                s.probe_out = false;
                s.half_open_successes += 1;
                if s.half_open_successes >= self.config.success_threshold {
                    s.state = BreakerState::Closed;
                    s.consecutive_failures = 0;
                    s.window.clear();
                    s.since = now;
                    tracing::info!(source = %self.source, "circuit breaker closed");
                }
            }
            (BreakerState::HalfOpen, true) => {
                s.probe_out = false;
                self.open(&mut s, now);
            }
            (_, false) => s.consecutive_failures = 0,
            (BreakerState::Closed, true) => {
                s.consecutive_failures += 1;
                let window_failures = s.window.iter().filter(|f| **f).count() as u32;
                let calls = s.window.len() as u32;
                let rate_trips = self.config.rate_window > 0
                    && calls >= self.config.rate_min_calls.max(1)
                    && window_failures * 100 >= calls * u32::from(self.config.failure_rate_percent);
                if s.consecutive_failures >= self.config.failure_threshold || rate_trips {
                    self.open(&mut s, now);
                }
            }
            (BreakerState::Open { .. }, true) => s.consecutive_failures += 1,
        }
    }

    fn open(&self, s: &mut Inner, now: DateTime<Utc>) {
        let until = now + TimeDelta::from_std(self.config.cool_down).unwrap_or(TimeDelta::MAX);
        s.state = BreakerState::Open { until };
        s.times_opened += 1;
        s.half_open_successes = 0;
        s.since = now;
        tracing::warn!(source = %self.source, %until, "circuit breaker opened");
    }

    /// The state now (an open breaker whose cool-down has passed reads as half-open).
    pub fn state(&self) -> BreakerState {
        let now = self.clock.now();
        match self.lock().state {
            BreakerState::Open { until } if now >= until => BreakerState::HalfOpen,
            other => other,
        }
    }

    /// The breaker as it stands.
    pub fn snapshot(&self) -> BreakerSnapshot {
        let state = self.state();
        let s = self.lock();
        BreakerSnapshot {
            source: self.source.clone(),
            state,
            consecutive_failures: s.consecutive_failures,
            window_failures: s.window.iter().filter(|f| **f).count() as u32,
            window_calls: s.window.len() as u32,
            times_opened: s.times_opened,
            since: s.since,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;
    use crate::ports::clock::ManualClock;
    use chrono::TimeZone;

    fn server() -> SourceError {
        SourceError::Server {
            source_name: "sandbox".into(),
            status: 500,
            message: "boom".into(),
        }
    }

    fn breaker(config: BreakerConfig) -> (ManualClock, CircuitBreaker) {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap());
        let b = CircuitBreaker::new("sandbox", config, Arc::new(clock.clone()));
        (clock, b)
    }

    #[test]
    fn opens_after_consecutive_failures_half_opens_after_cool_down_and_closes_after_successes() {
        let (clock, b) = breaker(BreakerConfig {
            rate_window: 0,
            ..BreakerConfig::default()
        });
        for _ in 0..4 {
            b.allow().unwrap();
            b.record(Err(&server()));
        }
        assert_eq!(b.state(), BreakerState::Closed);
        b.allow().unwrap();
        b.record(Err(&server()));
        let BreakerState::Open { until } = b.state() else {
            panic!("should be open");
        };
        assert_eq!(b.allow(), Err(Rejected { retry_at: until }));
        clock.set(until);
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.allow().unwrap();
        assert!(b.allow().is_err(), "only one probe at a time");
        b.record(Ok(()));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.allow().unwrap();
        b.record(Ok(()));
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.snapshot().times_opened, 1);
    }

    #[test]
    fn a_failed_probe_opens_it_again() {
        let (clock, b) = breaker(BreakerConfig {
            failure_threshold: 1,
            ..BreakerConfig::default()
        });
        b.allow().unwrap();
        b.record(Err(&server()));
        clock.advance(TimeDelta::seconds(60));
        b.allow().unwrap();
        b.record(Err(&server()));
        assert!(matches!(b.state(), BreakerState::Open { .. }));
        assert_eq!(b.snapshot().times_opened, 2);
    }

    #[test]
    fn failure_rate_opens_it_without_a_streak() {
        let (_clock, b) = breaker(BreakerConfig {
            failure_threshold: 100,
            rate_window: 10,
            rate_min_calls: 10,
            failure_rate_percent: 50,
            ..BreakerConfig::default()
        });
        for i in 0..10 {
            b.allow().unwrap();
            if i % 2 == 1 {
                b.record(Err(&server()));
            } else {
                b.record(Ok(()));
            }
        }
        assert!(matches!(b.state(), BreakerState::Open { .. }));
    }

    #[test]
    fn throttling_and_client_errors_do_not_move_it() {
        let (_clock, b) = breaker(BreakerConfig {
            failure_threshold: 1,
            ..BreakerConfig::default()
        });
        let throttled = SourceError::Throttled {
            source_name: "s".into(),
            retry_after: None,
            message: "slow".into(),
        };
        for e in [throttled, SourceError::invalid("bad asin")] {
            b.allow().unwrap();
            b.record(Err(&e));
        }
        assert_eq!(b.state(), BreakerState::Closed);
        let snap = b.snapshot();
        assert_eq!(snap.consecutive_failures, 0);
        assert_eq!(snap.source, "sandbox");
        let json = serde_json::to_string(&snap).unwrap();
        assert!(json.contains("\"state\":\"closed\""), "{json}");
    }
}
