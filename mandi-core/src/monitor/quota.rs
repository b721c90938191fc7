//! The account's request quota as one token bucket shared by priority classes.
//!
//! Amazon gives an account a rate (1 request per second to start) and a daily allowance
//! (8,640 requests). [`Quota`] keeps to both:
//!
//! * **Rate**: a GCRA token bucket (`burst` requests may go back to back, then one every
//!   `1 / requests_per_second`).
//! * **Day**: requests are counted per **UTC day** (midnight to midnight UTC, the same day
//!   [`Store::api_usage`](crate::Store::api_usage) totals), not a rolling 24 hours. Each class
//!   below the top one stops short of the daily limit by the reserves of the classes above it,
//!   so a user's interactive lookup always finds requests left. With `pace_daily` on, the
//!   background classes spread what is left of their allowance evenly over what is left of the
//!   day instead of spending it in the first hours.
//! * **Priority**: a class never takes a request while a higher class is waiting for one:
//!   interactive lookup > watches due > enrichment > analytics.
//! * **Back-pressure**: a source's `Retry-After` pauses the whole bucket for that long;
//!   throttling, server errors, timeouts and network failures back off exponentially with
//!   jitter; a success ends the back-off.
//!
//! Time comes from the [`Clock`] port. [`Quota::poll`] answers "may I send now, and if not,
//! when?" without waiting, so a simulation can move a [`ManualClock`](crate::ManualClock) to
//! the answer; [`Quota::acquire`] waits through a [`Sleeper`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{Jitter, Sleeper};
use crate::ports::clock::Clock;
use crate::ports::source::SourceError;

/// Who a request is for; earlier variants go first.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// A person waiting for an answer (a lookup in the bot or the CLI).
    Interactive,
    /// Refreshing watched products that are due.
    WatchesDue,
    /// Filling in details (variations, browse nodes) nobody is waiting for.
    Enrichment,
    /// Background analytics.
    Analytics,
}

impl Priority {
    /// Every class, highest first.
    pub const ALL: [Priority; 4] = [
        Priority::Interactive,
        Priority::WatchesDue,
        Priority::Enrichment,
        Priority::Analytics,
    ];

    pub(crate) fn index(self) -> usize {
        match self {
            Self::Interactive => 0,
            Self::WatchesDue => 1,
            Self::Enrichment => 2,
            Self::Analytics => 3,
        }
    }

    /// A stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Interactive => "interactive",
            Self::WatchesDue => "watches_due",
            Self::Enrichment => "enrichment",
            Self::Analytics => "analytics",
        }
    }
}

/// Errors of the quota.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    /// A setting cannot be used.
    #[error("invalid quota setting {what}: {reason}")]
    InvalidConfig {
        /// The setting.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The shared quota's backend (Redis) failed; nothing was taken.
    #[error("the shared quota at {backend} failed: {message}")]
    Backend {
        /// Which backend (its URL with any password hidden).
        backend: String,
        /// What failed.
        message: String,
    },
    /// This class has spent its share of today's requests.
    #[error(
        "the daily request quota for {priority} is spent ({used} requests today); it resets at {resets_at} (midnight UTC)"
    )]
    DailyLimitReached {
        /// The class that asked.
        priority: &'static str,
        /// Requests sent today.
        used: u32,
        /// When the next UTC day starts.
        resets_at: DateTime<Utc>,
    },
}

/// The quota's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaConfig {
    /// Sustained requests per second (Amazon's TPS), above 0 and at most 1,000.
    pub requests_per_second: f64,
    /// Requests that may go back to back after a quiet spell (at least 1).
    pub burst: u32,
    /// Requests per UTC day.
    pub daily_limit: u32,
    /// Requests of the day only interactive lookups may use.
    pub interactive_reserve: u32,
    /// Requests of the day kept from enrichment and analytics for due watches.
    pub watches_reserve: u32,
    /// Requests of the day kept from analytics for enrichment.
    pub enrichment_reserve: u32,
    /// Spread the background classes' allowance over the rest of the UTC day.
    pub pace_daily: bool,
    /// First back-off after a throttle or server error.
    pub backoff_base: Duration,
    /// Longest back-off.
    pub backoff_max: Duration,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        Self::sandbox()
    }
}

impl QuotaConfig {
    /// A new associate account (and the sandbox's default): 1 request per second, 8,640 a
    /// day, 5 % of the day reserved for interactive lookups.
    pub fn sandbox() -> Self {
        Self {
            requests_per_second: 1.0,
            burst: 1,
            daily_limit: 8_640,
            interactive_reserve: 432,
            watches_reserve: 864,
            enrichment_reserve: 432,
            pace_daily: true,
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(300),
        }
    }

    /// Only the rate limit: a day allowance of one request per second all day, no reserves, no
    /// pacing (benchmarks of what the TPS alone allows).
    pub fn rate_only(requests_per_second: f64) -> Self {
        let daily = (requests_per_second * 86_400.0).ceil();
        Self {
            requests_per_second,
            daily_limit: if daily.is_finite() && daily < f64::from(u32::MAX) {
                daily as u32
            } else {
                u32::MAX
            },
            interactive_reserve: 0,
            watches_reserve: 0,
            enrichment_reserve: 0,
            pace_daily: false,
            ..Self::sandbox()
        }
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`QuotaError::InvalidConfig`] naming the setting.
    pub fn validate(&self) -> Result<(), QuotaError> {
        let bad = |what, reason: &str| {
            Err(QuotaError::InvalidConfig {
                what,
                reason: reason.to_owned(),
            })
        };
        let rps = self.requests_per_second;
        if !rps.is_finite() || rps <= 0.0 || rps > 1_000.0 {
            return bad(
                "requests_per_second",
                "must be above 0 and at most 1000 (Amazon starts accounts at 1)",
            );
        }
        if self.burst == 0 {
            return bad("burst", "must be at least 1");
        }
        if self.daily_limit == 0 {
            return bad("daily_limit", "must be at least 1 (Amazon starts at 8640)");
        }
        let reserved = u64::from(self.interactive_reserve)
            + u64::from(self.watches_reserve)
            + u64::from(self.enrichment_reserve);
        if reserved >= u64::from(self.daily_limit) {
            return bad(
                "interactive_reserve",
                "the reserves together must leave part of the daily limit to analytics",
            );
        }
        if self.backoff_base.is_zero() || self.backoff_max < self.backoff_base {
            return bad("backoff_base", "must be above zero and at most backoff_max");
        }
        Ok(())
    }

    /// The most requests of a UTC day this class may bring the day's count to.
    pub fn ceiling(&self, priority: Priority) -> u32 {
        let above: u32 = match priority {
            Priority::Interactive => 0,
            Priority::WatchesDue => self.interactive_reserve,
            Priority::Enrichment => self.interactive_reserve + self.watches_reserve,
            Priority::Analytics => {
                self.interactive_reserve + self.watches_reserve + self.enrichment_reserve
            }
        };
        self.daily_limit.saturating_sub(above)
    }

    pub(crate) fn interval(&self) -> TimeDelta {
        TimeDelta::microseconds((1_000_000.0 / self.requests_per_second).round() as i64)
    }
}

/// The right to send one request, taken from the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    /// The class it was taken for.
    pub priority: Priority,
    /// When it was granted.
    pub at: DateTime<Utc>,
    /// Requests counted today, this one included.
    pub used_today: u32,
}

/// The answer of [`Quota::poll`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Send now; the request is counted.
    Now(Permit),
    /// Ask again at this time (the rate, a pause, pacing or a waiting higher class).
    Wait(DateTime<Utc>),
    /// Today's allowance for this class is spent; it resets at this time (midnight UTC).
    Exhausted(DateTime<Utc>),
}

/// What the quota looks like now, for `mandi status` and progress lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaSnapshot {
    /// The UTC day being counted.
    pub day: NaiveDate,
    /// Requests sent today.
    pub used_today: u32,
    /// The daily limit.
    pub daily_limit: u32,
    /// Requests left today for due watches (the monitor's class).
    pub left_for_watches: u32,
    /// Requests left today for interactive lookups.
    pub left_for_interactive: u32,
    /// Paused (Retry-After or back-off) until this time.
    pub paused_until: Option<DateTime<Utc>>,
    /// Throttles and server errors in a row.
    pub consecutive_failures: u32,
}

#[derive(Debug)]
struct State {
    tat: DateTime<Utc>,
    day: NaiveDate,
    used_today: u32,
    paused_until: Option<DateTime<Utc>>,
    consecutive_failures: u32,
    last_paced: Option<DateTime<Utc>>,
    waiting: [u32; 4],
}

/// One account's request quota (see the [module docs](self)). Share it as `Arc<Quota>`.
#[derive(Debug)]
pub struct Quota {
    config: QuotaConfig,
    interval: TimeDelta,
    clock: Arc<dyn Clock>,
    jitter: Jitter,
    state: Mutex<State>,
}

pub(crate) fn next_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.succ_opt()
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

fn std_to_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// True for the errors that say the source is overloaded or unreachable (throttling, server
/// errors, timeouts, network failures): they pause the bucket.
pub(crate) fn backs_off(error: &SourceError) -> bool {
    matches!(
        error,
        SourceError::Throttled { .. }
            | SourceError::Server { .. }
            | SourceError::Timeout { .. }
            | SourceError::Network { .. }
    )
}

/// When the pause after `error` ends: its `Retry-After`, else the exponential back-off for
/// the `failures`-th failure in a row (half the step fixed, half random).
pub(crate) fn pause_end(
    config: &QuotaConfig,
    jitter: &Jitter,
    error: &SourceError,
    failures: u32,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    if let Some(wait) = error.retry_after() {
        return now + std_to_delta(wait);
    }
    let exp = failures.saturating_sub(1).min(30);
    let step = config
        .backoff_base
        .saturating_mul(1 << exp)
        .min(config.backoff_max);
    let half = step.as_millis() as u64 / 2;
    let wait = Duration::from_millis(half + jitter.below(half + 1));
    now + std_to_delta(wait)
}

impl Quota {
    /// A quota with these settings, reading time from `clock`; `seed` seeds the back-off
    /// jitter.
    ///
    /// # Errors
    ///
    /// [`QuotaError::InvalidConfig`] when the settings do not validate.
    pub fn new(config: QuotaConfig, clock: Arc<dyn Clock>, seed: u64) -> Result<Self, QuotaError> {
        config.validate()?;
        let now = clock.now();
        Ok(Self {
            interval: config.interval(),
            jitter: Jitter::new(seed),
            state: Mutex::new(State {
                tat: now,
                day: now.date_naive(),
                used_today: 0,
                paused_until: None,
                consecutive_failures: 0,
                last_paced: None,
                waiting: [0; 4],
            }),
            config,
            clock,
        })
    }

    /// The settings.
    pub fn config(&self) -> &QuotaConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn roll_day(state: &mut State, now: DateTime<Utc>) {
        let today = now.date_naive();
        if today != state.day {
            state.day = today;
            state.used_today = 0;
            state.last_paced = None;
        }
    }

    /// Starts today's count at `used` (requests already sent today, e.g. from
    /// [`Store::api_usage`](crate::Store::api_usage) after a restart).
    pub fn set_used_today(&self, used: u32) {
        let now = self.clock.now();
        let mut s = self.lock();
        Self::roll_day(&mut s, now);
        s.used_today = used;
    }

    fn decide(&self, s: &mut State, priority: Priority, now: DateTime<Utc>) -> Grant {
        Self::roll_day(s, now);
        let ceiling = self.config.ceiling(priority);
        if s.used_today >= ceiling {
            return Grant::Exhausted(next_midnight(s.day));
        }
        let tolerance = self.interval * (self.config.burst.saturating_sub(1) as i32);
        let mut ready = s.tat - tolerance;
        if let Some(p) = s.paused_until {
            ready = ready.max(p);
        }
        let paced = self.config.pace_daily && priority != Priority::Interactive;
        if paced && let Some(last) = s.last_paced {
            let left_calls = i64::from(ceiling - s.used_today).max(1);
            let left_secs = (next_midnight(s.day) - now).num_milliseconds().max(0);
            let spacing = TimeDelta::milliseconds(left_secs / left_calls).max(self.interval);
            ready = ready.max(last + spacing);
        }
        let higher_waiting = s.waiting[..priority.index()].iter().any(|n| *n > 0);
        if higher_waiting {
            return Grant::Wait(ready.max(now) + self.interval);
        }
        if ready > now {
            return Grant::Wait(ready);
        }
        s.tat = s.tat.max(now) + self.interval;
        s.used_today += 1;
        if paced {
            s.last_paced = Some(now);
        }
        Grant::Now(Permit {
            priority,
            at: now,
            used_today: s.used_today,
        })
    }

    /// May a request of this class go now? Takes the permit when it may; otherwise says when
    /// to ask again. Never waits.
    pub fn poll(&self, priority: Priority) -> Grant {
        let now = self.clock.now();
        let mut s = self.lock();
        self.decide(&mut s, priority, now)
    }

    /// When a request of this class could go, without taking anything (`None` when today's
    /// allowance is spent).
    pub fn next_ready_at(&self, priority: Priority) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        let mut s = self.lock();
        Self::roll_day(&mut s, now);
        let saved = (s.tat, s.used_today, s.last_paced);
        let grant = self.decide(&mut s, priority, now);
        (s.tat, s.used_today, s.last_paced) = saved;
        match grant {
            Grant::Now(_) => Some(now),
            Grant::Wait(at) => Some(at),
            Grant::Exhausted(_) => None,
        }
    }

    /// Waits for a permit of this class, sleeping through `sleeper`. While it waits, lower
    /// classes are held back.
    ///
    /// # Errors
    ///
    /// [`QuotaError::DailyLimitReached`] when today's allowance of this class is spent (the
    /// caller decides whether to wait for midnight).
    pub async fn acquire(
        &self,
        priority: Priority,
        sleeper: &dyn Sleeper,
    ) -> Result<Permit, QuotaError> {
        struct Waiting<'a>(&'a Quota, usize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                let mut s = self.0.lock();
                s.waiting[self.1] = s.waiting[self.1].saturating_sub(1);
            }
        }
        self.lock().waiting[priority.index()] += 1;
        let _waiting = Waiting(self, priority.index());
        loop {
            match self.poll(priority) {
                Grant::Now(permit) => return Ok(permit),
                Grant::Wait(at) => sleeper.sleep_until(at).await,
                Grant::Exhausted(resets_at) => {
                    return Err(QuotaError::DailyLimitReached {
                        priority: priority.as_str(),
                        used: self.lock().used_today,
                        resets_at,
                    });
                }
            }
        }
    }

    /// Holds every request back until `at` (a source's `Retry-After`).
    pub fn pause_until(&self, at: DateTime<Utc>) {
        let mut s = self.lock();
        s.paused_until = Some(s.paused_until.map_or(at, |p| p.max(at)));
    }

    /// Tells the quota how a request went: a success ends the back-off; `Retry-After` pauses
    /// the bucket for that long; throttling, server errors, timeouts and network failures back
    /// off exponentially with jitter (half the step fixed, half random). Other errors say
    /// nothing about the rate and change nothing. Returns the pause set, if any.
    pub fn record(&self, outcome: Result<(), &SourceError>) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        let error = match outcome {
            Ok(()) => {
                self.lock().consecutive_failures = 0;
                return None;
            }
            Err(e) => e,
        };
        if !backs_off(error) {
            return None;
        }
        let mut s = self.lock();
        s.consecutive_failures = s.consecutive_failures.saturating_add(1);
        let until = pause_end(
            &self.config,
            &self.jitter,
            error,
            s.consecutive_failures,
            now,
        );
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        Some(until)
    }

    /// The quota as it stands.
    pub fn snapshot(&self) -> QuotaSnapshot {
        let now = self.clock.now();
        let mut s = self.lock();
        Self::roll_day(&mut s, now);
        QuotaSnapshot {
            day: s.day,
            used_today: s.used_today,
            daily_limit: self.config.daily_limit,
            left_for_watches: self
                .config
                .ceiling(Priority::WatchesDue)
                .saturating_sub(s.used_today),
            left_for_interactive: self.config.daily_limit.saturating_sub(s.used_today),
            paused_until: s.paused_until.filter(|p| *p > now),
            consecutive_failures: s.consecutive_failures,
        }
    }
}

#[async_trait::async_trait]
impl crate::ports::quota::AccountQuota for Quota {
    fn name(&self) -> &str {
        "memory"
    }
    fn config(&self) -> &QuotaConfig {
        &self.config
    }
    async fn try_acquire(&self, priority: Priority) -> Result<Grant, QuotaError> {
        Ok(self.poll(priority))
    }
    async fn next_ready_at(&self, priority: Priority) -> Result<Option<DateTime<Utc>>, QuotaError> {
        Ok(Quota::next_ready_at(self, priority))
    }
    async fn acquire(
        &self,
        priority: Priority,
        sleeper: &dyn Sleeper,
    ) -> Result<Permit, QuotaError> {
        Quota::acquire(self, priority, sleeper).await
    }
    async fn record(
        &self,
        outcome: Result<(), &SourceError>,
    ) -> Result<Option<DateTime<Utc>>, QuotaError> {
        Ok(Quota::record(self, outcome))
    }
    async fn pause_until(&self, at: DateTime<Utc>) -> Result<(), QuotaError> {
        Quota::pause_until(self, at);
        Ok(())
    }
    async fn set_used_today(&self, used: u32) -> Result<(), QuotaError> {
        Quota::set_used_today(self, used);
        Ok(())
    }
    async fn snapshot(&self) -> Result<QuotaSnapshot, QuotaError> {
        Ok(Quota::snapshot(self))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;
    use crate::monitor::ManualSleeper;
    use crate::ports::clock::ManualClock;
    use chrono::TimeZone;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap()
    }

    fn quota(config: QuotaConfig) -> (ManualClock, Quota) {
        let clock = ManualClock::new(start());
        let q = Quota::new(config, Arc::new(clock.clone()), 1).unwrap();
        (clock, q)
    }

    fn now(g: Grant) -> Permit {
        match g {
            Grant::Now(p) => p,
            other => panic!("expected a permit, got {other:?}"),
        }
    }

    #[test]
    fn one_request_per_second_then_wait() {
        let (clock, q) = quota(QuotaConfig::rate_only(1.0));
        now(q.poll(Priority::WatchesDue));
        assert_eq!(
            q.poll(Priority::WatchesDue),
            Grant::Wait(start() + TimeDelta::seconds(1))
        );
        clock.advance(TimeDelta::milliseconds(999));
        assert!(matches!(q.poll(Priority::WatchesDue), Grant::Wait(_)));
        clock.advance(TimeDelta::milliseconds(1));
        now(q.poll(Priority::WatchesDue));
    }

    #[test]
    fn burst_lets_requests_go_back_to_back() {
        let (_clock, q) = quota(QuotaConfig {
            burst: 3,
            ..QuotaConfig::rate_only(1.0)
        });
        for _ in 0..3 {
            now(q.poll(Priority::Interactive));
        }
        assert!(matches!(q.poll(Priority::Interactive), Grant::Wait(_)));
    }

    #[test]
    fn daily_reserve_keeps_requests_for_interactive_and_resets_at_midnight_utc() {
        let (clock, q) = quota(QuotaConfig {
            requests_per_second: 1000.0,
            daily_limit: 10,
            interactive_reserve: 2,
            watches_reserve: 0,
            enrichment_reserve: 0,
            pace_daily: false,
            ..QuotaConfig::sandbox()
        });
        for _ in 0..8 {
            now(q.poll(Priority::WatchesDue));
            clock.advance(TimeDelta::seconds(1));
        }
        let midnight = start() + TimeDelta::days(1);
        assert_eq!(q.poll(Priority::WatchesDue), Grant::Exhausted(midnight));
        now(q.poll(Priority::Interactive));
        clock.advance(TimeDelta::seconds(1));
        now(q.poll(Priority::Interactive));
        clock.advance(TimeDelta::seconds(1));
        assert_eq!(q.poll(Priority::Interactive), Grant::Exhausted(midnight));
        assert_eq!(q.snapshot().used_today, 10);
        clock.set(midnight);
        now(q.poll(Priority::WatchesDue));
        assert_eq!(q.snapshot().used_today, 1);
    }

    #[test]
    fn next_ready_at_takes_nothing_and_survives_midnight() {
        let (clock, q) = quota(QuotaConfig::rate_only(1.0));
        assert_eq!(q.next_ready_at(Priority::WatchesDue), Some(start()));
        assert_eq!(q.next_ready_at(Priority::WatchesDue), Some(start()));
        now(q.poll(Priority::WatchesDue));
        clock.set(start() + TimeDelta::days(1));
        assert_eq!(
            q.next_ready_at(Priority::WatchesDue),
            Some(start() + TimeDelta::days(1))
        );
        assert_eq!(q.snapshot().used_today, 0, "the new day starts at zero");
    }

    #[test]
    fn pacing_spreads_the_day_allowance() {
        let (clock, q) = quota(QuotaConfig::sandbox());
        now(q.poll(Priority::WatchesDue));
        clock.advance(TimeDelta::seconds(1));
        let Grant::Wait(at) = q.poll(Priority::WatchesDue) else {
            panic!("paced");
        };
        let gap = (at - start()).num_milliseconds();
        // 86,400 s over the 8,207 requests left to watches ≈ 10.5 s.
        assert!((10_000..11_000).contains(&gap), "gap {gap} ms");
        // Interactive lookups are not paced.
        now(q.poll(Priority::Interactive));
    }

    #[test]
    fn lower_class_waits_while_a_higher_one_is_waiting() {
        let (_clock, q) = quota(QuotaConfig::rate_only(1.0));
        q.lock().waiting[Priority::Interactive.index()] = 1;
        assert!(matches!(q.poll(Priority::Analytics), Grant::Wait(_)));
        now(q.poll(Priority::Interactive));
    }

    /// A sleeper that waits until the test moves the clock (and says so on a channel).
    #[derive(Debug)]
    struct GateSleeper(tokio::sync::watch::Receiver<DateTime<Utc>>);

    #[async_trait::async_trait]
    impl Sleeper for GateSleeper {
        async fn sleep_until(&self, at: DateTime<Utc>) {
            let mut rx = self.0.clone();
            let _ = rx.wait_for(|now| *now >= at).await;
        }
    }

    /// A sleeper that only yields: its task asks again as soon as it runs.
    #[derive(Debug)]
    struct EagerSleeper;

    #[async_trait::async_trait]
    impl Sleeper for EagerSleeper {
        async fn sleep_until(&self, _at: DateTime<Utc>) {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_waiting_interactive_lookup_goes_before_waiting_background_work() {
        let (clock, q) = quota(QuotaConfig::rate_only(1.0));
        let q = Arc::new(q);
        let (tx, rx) = tokio::sync::watch::channel(start());
        now(q.poll(Priority::WatchesDue));
        // Analytics asks again all the time; the interactive lookup sleeps until woken.
        let analytics = {
            let q = q.clone();
            tokio::spawn(
                async move { q.acquire(Priority::Analytics, &EagerSleeper).await.unwrap() },
            )
        };
        let interactive = {
            let q = q.clone();
            tokio::spawn(async move {
                q.acquire(Priority::Interactive, &GateSleeper(rx))
                    .await
                    .unwrap()
            })
        };
        while q.lock().waiting != [1, 0, 0, 1] {
            tokio::task::yield_now().await;
        }
        // The next second opens; analytics gets many chances before the lookup wakes up.
        clock.set(start() + TimeDelta::seconds(1));
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
        assert!(
            !analytics.is_finished(),
            "analytics took the lookup's request"
        );
        tx.send(clock.now()).unwrap();
        let i = interactive.await.unwrap();
        assert_eq!(i.at, start() + TimeDelta::seconds(1), "interactive first");
        clock.set(start() + TimeDelta::seconds(2));
        let a = analytics.await.unwrap();
        assert_eq!(a.at, start() + TimeDelta::seconds(2), "analytics next");
        assert_eq!(q.lock().waiting, [0; 4]);
    }

    #[tokio::test]
    async fn acquire_on_a_manual_clock_advances_the_simulation() {
        let (clock, q) = quota(QuotaConfig::rate_only(2.0));
        let sleeper = ManualSleeper::new(clock.clone());
        for _ in 0..5 {
            q.acquire(Priority::WatchesDue, &sleeper).await.unwrap();
        }
        assert_eq!(clock.now(), start() + TimeDelta::seconds(2));
        assert_eq!(q.lock().waiting, [0; 4]);
    }

    #[tokio::test]
    async fn acquire_reports_a_spent_day() {
        let (clock, q) = quota(QuotaConfig {
            daily_limit: 2,
            interactive_reserve: 1,
            watches_reserve: 0,
            enrichment_reserve: 0,
            ..QuotaConfig::sandbox()
        });
        let sleeper = ManualSleeper::new(clock);
        q.acquire(Priority::WatchesDue, &sleeper).await.unwrap();
        let err = q.acquire(Priority::WatchesDue, &sleeper).await.unwrap_err();
        assert!(err.to_string().contains("midnight UTC"), "{err}");
    }

    #[test]
    fn retry_after_pauses_the_bucket() {
        let (clock, q) = quota(QuotaConfig::rate_only(1.0));
        let err = SourceError::Throttled {
            source_name: "sandbox".into(),
            retry_after: Some(Duration::from_secs(30)),
            message: "slow down".into(),
        };
        assert_eq!(q.record(Err(&err)), Some(start() + TimeDelta::seconds(30)));
        assert_eq!(
            q.poll(Priority::Interactive),
            Grant::Wait(start() + TimeDelta::seconds(30))
        );
        clock.advance(TimeDelta::seconds(30));
        now(q.poll(Priority::Interactive));
    }

    #[test]
    fn server_errors_back_off_exponentially_with_jitter_and_success_resets() {
        let (_clock, q) = quota(QuotaConfig::rate_only(1.0));
        let err = SourceError::Server {
            source_name: "sandbox".into(),
            status: 503,
            message: "busy".into(),
        };
        let mut waits = Vec::new();
        for _ in 0..4 {
            let until = q.record(Err(&err)).unwrap();
            waits.push((until - start()).num_milliseconds());
        }
        // Steps of 2, 4, 8, 16 s: each wait is between half the step and the step.
        for (i, w) in waits.iter().enumerate() {
            let step = 2_000_i64 << i;
            assert!((step / 2..=step).contains(w), "wait {i}: {w} ms");
        }
        assert_eq!(q.snapshot().consecutive_failures, 4);
        q.record(Ok(()));
        assert_eq!(q.snapshot().consecutive_failures, 0);
        let decode = SourceError::Decode {
            source_name: "sandbox".into(),
            path: "body".into(),
            message: "junk".into(),
        };
        assert_eq!(q.record(Err(&decode)), None);
    }

    #[test]
    fn invalid_settings_are_refused_with_the_setting_named() {
        for (config, what) in [
            (
                QuotaConfig {
                    requests_per_second: 0.0,
                    ..QuotaConfig::sandbox()
                },
                "requests_per_second",
            ),
            (
                QuotaConfig {
                    requests_per_second: f64::NAN,
                    ..QuotaConfig::sandbox()
                },
                "requests_per_second",
            ),
            (
                QuotaConfig {
                    burst: 0,
                    ..QuotaConfig::sandbox()
                },
                "burst",
            ),
            (
                QuotaConfig {
                    interactive_reserve: 9_000,
                    ..QuotaConfig::sandbox()
                },
                "interactive_reserve",
            ),
        ] {
            let err = config.validate().unwrap_err();
            assert!(err.to_string().contains(what), "{err}");
        }
        QuotaConfig::sandbox().validate().unwrap();
    }
}
