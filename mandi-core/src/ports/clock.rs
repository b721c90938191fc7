//! The `Clock` port: every time-dependent engine reads time through it, so history and
//! predictions can be simulated and backtested.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// A source of the current time.
///
/// # Examples
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use mandi_core::{Clock, ManualClock};
/// let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 10, 20, 0, 0, 0).unwrap());
/// clock.advance(Duration::days(30));
/// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 11, 19, 0, 0, 0).unwrap());
/// ```
pub trait Clock: Send + Sync + Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock. The only place in the workspace that reads system time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to; clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock to `to` (it may move backwards; tests of clock skew need that).
    pub fn set(&self, to: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = to;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut guard = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *guard += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A clock that runs `speed` times as fast as another from the moment it was made: with
/// speed 3600, an hour passes every real second. `mandi sandbox --speed` uses it so a client
/// sees a day of prices in 24 seconds.
///
/// # Examples
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use mandi_core::{Clock, ManualClock, ScaledClock};
/// let real = ManualClock::new(Utc.with_ymd_and_hms(2026, 10, 20, 0, 0, 0).unwrap());
/// let fast = ScaledClock::new(real.clone(), 60.0)?;
/// real.advance(Duration::seconds(10));
/// assert_eq!(fast.now(), Utc.with_ymd_and_hms(2026, 10, 20, 0, 10, 0).unwrap());
/// # Ok::<(), String>(())
/// ```
#[derive(Debug)]
pub struct ScaledClock<C: Clock> {
    inner: C,
    start: DateTime<Utc>,
    /// Speed in millionths, so the arithmetic stays integral.
    speed_micros: i64,
}

impl<C: Clock> ScaledClock<C> {
    /// A clock running `speed` times as fast as `inner`, starting at `inner`'s now.
    ///
    /// # Errors
    ///
    /// A message when `speed` is not a positive finite number up to one million.
    pub fn new(inner: C, speed: f64) -> Result<Self, String> {
        if !(speed.is_finite() && speed > 0.0 && speed <= 1_000_000.0) {
            return Err(format!(
                "speed must be a number above 0 and at most 1000000, got {speed}"
            ));
        }
        let start = inner.now();
        // Bounded above, so the cast cannot overflow.
        #[allow(clippy::cast_possible_truncation)]
        let speed_micros = (speed * 1_000_000.0).round() as i64;
        Ok(Self {
            inner,
            start,
            speed_micros: speed_micros.max(1),
        })
    }
}

impl<C: Clock> Clock for ScaledClock<C> {
    fn now(&self) -> DateTime<Utc> {
        let real = (self.inner.now() - self.start).num_milliseconds();
        let scaled = i128::from(real) * i128::from(self.speed_micros) / 1_000_000;
        let scaled = i64::try_from(scaled).unwrap_or(i64::MAX / 2);
        self.start + Duration::try_milliseconds(scaled).unwrap_or(Duration::MAX)
    }
}

impl<T: Clock + ?Sized> Clock for Arc<T> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

impl<T: Clock + ?Sized> Clock for &T {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}
