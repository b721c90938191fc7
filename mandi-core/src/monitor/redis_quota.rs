//! The account quota kept in Redis (feature `redis`): one atomic Lua script decides every
//! request of every process sharing the account, with the arithmetic of the in-process
//! [`Quota`](super::Quota).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::quota::{backs_off, next_midnight, pause_end};
use super::{Grant, Jitter, Permit, Priority, QuotaConfig, QuotaError, QuotaSnapshot, Sleeper};
use crate::ports::clock::{Clock, SystemClock};
use crate::ports::quota::AccountQuota;
use crate::ports::source::SourceError;
use crate::redis_conn::{RedisConnection, RedisError};

/// Decides one request atomically. KEYS[1] the state hash, KEYS[2..5] the waiting sets of the
/// four classes (members: waiter ids, scores: when their registration lapses, wall-clock ms).
/// ARGV: now (µs), class index, interval (µs), burst, the class's ceiling, pace (1/0), the UTC
/// day number, next midnight (µs), waiter id, wall-clock now (ms), grace (ms), mode
/// (`take`, `wait` = take and register as waiting when not granted, `peek` = take nothing).
/// Returns {0, at, used} granted (or would be, for `peek`), {1, at, used} wait until `at`,
/// {2, midnight, used} the class's day is spent.
const DECIDE_SCRIPT: &str = r"
local function i(x) return string.format('%d', x) end
local now = tonumber(ARGV[1])
local prio = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local ceiling = tonumber(ARGV[5])
local pace = ARGV[6] == '1'
local day = tonumber(ARGV[7])
local midnight = tonumber(ARGV[8])
local waiter = ARGV[9]
local wall = tonumber(ARGV[10])
local grace = tonumber(ARGV[11])
local mode = ARGV[12]
local own = KEYS[2 + prio]

local s = redis.call('HMGET', KEYS[1], 'tat', 'day', 'used', 'paused', 'last_paced')
local tat = tonumber(s[1]) or now
local used = tonumber(s[3]) or 0
local paused = tonumber(s[4])
local last_paced = tonumber(s[5])
if tonumber(s[2]) ~= day then
  used = 0
  last_paced = nil
end

if used >= ceiling then
  if mode ~= 'peek' then redis.call('ZREM', own, waiter) end
  return {2, midnight, used}
end
local ready = tat - interval * (burst - 1)
if paused and paused > ready then ready = paused end
if pace and last_paced then
  local left_calls = math.max(ceiling - used, 1)
  local left = math.max(midnight - now, 0)
  local spacing = math.max(math.floor(left / left_calls), interval)
  if last_paced + spacing > ready then ready = last_paced + spacing end
end
local higher = false
for c = 0, prio - 1 do
  local k = KEYS[2 + c]
  redis.call('ZREMRANGEBYSCORE', k, '-inf', wall)
  if redis.call('ZCARD', k) > 0 then higher = true end
end
local wait_at = nil
if higher then
  wait_at = math.max(ready, now) + interval
elseif ready > now then
  wait_at = ready
end
if wait_at then
  if mode == 'wait' then
    local lapse = wall + math.floor((wait_at - now) / 1000) + grace
    redis.call('ZADD', own, lapse, waiter)
    redis.call('PEXPIRE', own, math.floor((wait_at - now) / 1000) + grace + 60000)
  end
  return {1, wait_at, used}
end
if mode == 'peek' then return {0, now, used} end
tat = math.max(tat, now) + interval
used = used + 1
redis.call('HSET', KEYS[1], 'tat', i(tat), 'day', i(day), 'used', i(used))
if pace then
  redis.call('HSET', KEYS[1], 'last_paced', i(now))
elseif last_paced == nil then
  redis.call('HDEL', KEYS[1], 'last_paced')
end
redis.call('PEXPIRE', KEYS[1], 259200000)
redis.call('ZREM', own, waiter)
return {0, now, used}
";

/// Moves the pause end forward to ARGV[1] (µs) unless it is already later; returns the end.
const PAUSE_SCRIPT: &str = r"
local p = tonumber(redis.call('HGET', KEYS[1], 'paused'))
local at = tonumber(ARGV[1])
if p == nil or p < at then
  redis.call('HSET', KEYS[1], 'paused', string.format('%d', at))
  redis.call('PEXPIRE', KEYS[1], 259200000)
  return at
end
return p
";

/// How long (real time) a waiter stays registered past its announced wake-up: a process that
/// dies while waiting holds lower classes back at most this much longer.
const WAITER_GRACE_MS: i64 = 2_000;

/// One account's quota in Redis, shared by every process that names the same server and key
/// prefix (see the [`AccountQuota`] port for the rules).
///
/// State lives under `<prefix>:state` (a hash: the bucket's theoretical arrival time, the UTC
/// day and its count, the pause end, failures in a row, the last paced grant) and
/// `<prefix>:waiting:<class>` (who is waiting, so a waiting interactive lookup in the bot holds
/// back the monitor in another process). Every decision is one Lua script, so no two
/// processes can take the same slot. Times come from each process's [`Clock`]: processes on
/// several hosts need synchronised clocks (NTP); a waiter's registration lapses on the wall
/// clock, so a process killed while waiting stops holding others back within seconds.
///
/// # Example
///
/// ```no_run
/// use std::sync::Arc;
/// use mandi_core::monitor::{QuotaConfig, RedisQuota};
/// use mandi_core::redis_conn::RedisConnection;
/// use mandi_core::{AccountQuota, SystemClock};
///
/// let connection = RedisConnection::open("redis://127.0.0.1:6379/0")?;
/// let quota = RedisQuota::new(connection, "mandi:quota:main", QuotaConfig::sandbox(),
///     Arc::new(SystemClock), 7)?;
/// assert_eq!(quota.name(), "redis");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RedisQuota {
    connection: RedisConnection,
    prefix: String,
    config: QuotaConfig,
    interval_us: i64,
    clock: Arc<dyn Clock>,
    jitter: Jitter,
    decide: redis::Script,
    pause: redis::Script,
    tag: String,
    waiters: AtomicU64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Take,
    Wait,
    Peek,
}

fn day_number(day: NaiveDate) -> i64 {
    day.signed_duration_since(NaiveDate::default()).num_days()
}

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn from_micros(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn clamp_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

impl RedisQuota {
    /// A quota on `connection` under the key prefix `prefix` (one per Amazon account, e.g.
    /// `mandi:quota:<associate tag>`), with these settings; `seed` seeds the back-off jitter.
    /// Every process sharing the account must use the same settings.
    ///
    /// # Errors
    ///
    /// [`QuotaError::InvalidConfig`] when the settings do not validate.
    pub fn new(
        connection: RedisConnection,
        prefix: impl Into<String>,
        config: QuotaConfig,
        clock: Arc<dyn Clock>,
        seed: u64,
    ) -> Result<Self, QuotaError> {
        config.validate()?;
        let wall = SystemClock.now().timestamp_micros().unsigned_abs();
        Ok(Self {
            connection,
            prefix: prefix.into(),
            interval_us: config.interval().num_microseconds().unwrap_or(i64::MAX),
            config,
            clock,
            jitter: Jitter::new(seed ^ wall),
            decide: redis::Script::new(DECIDE_SCRIPT),
            pause: redis::Script::new(PAUSE_SCRIPT),
            tag: format!("{}-{:x}", std::process::id(), wall),
            waiters: AtomicU64::new(0),
        })
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn state_key(&self) -> String {
        format!("{}:state", self.prefix)
    }

    fn backend(&self, what: &str, e: RedisError) -> QuotaError {
        QuotaError::Backend {
            backend: self.connection.display_url(),
            message: format!("{what}: {e}"),
        }
    }

    async fn conn(&self) -> Result<redis::aio::ConnectionManager, QuotaError> {
        self.connection
            .manager()
            .await
            .map_err(|e| self.backend("connecting", e))
    }

    async fn decide(
        &self,
        priority: Priority,
        waiter: &str,
        mode: Mode,
    ) -> Result<Grant, QuotaError> {
        let now = self.clock.now();
        let today = now.date_naive();
        let mut invocation = self.decide.prepare_invoke();
        invocation.key(self.state_key());
        for class in Priority::ALL {
            invocation.key(format!("{}:waiting:{}", self.prefix, class.as_str()));
        }
        invocation
            .arg(micros(now))
            .arg(priority.index())
            .arg(self.interval_us)
            .arg(self.config.burst)
            .arg(self.config.ceiling(priority))
            .arg(u8::from(
                self.config.pace_daily && priority != Priority::Interactive,
            ))
            .arg(day_number(today))
            .arg(micros(next_midnight(today)))
            .arg(waiter)
            // Waiter registrations lapse on the wall clock (processes dying), whatever `clock` is.
            .arg(SystemClock.now().timestamp_millis())
            .arg(WAITER_GRACE_MS)
            .arg(match mode {
                Mode::Take => "take",
                Mode::Wait => "wait",
                Mode::Peek => "peek",
            });
        let mut conn = self.conn().await?;
        let (kind, at, used): (i64, i64, i64) = invocation
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.backend("deciding a request", e.into()))?;
        let at = from_micros(at);
        match kind {
            0 => Ok(Grant::Now(Permit {
                priority,
                at,
                used_today: clamp_u32(used),
            })),
            1 => Ok(Grant::Wait(at)),
            2 => Ok(Grant::Exhausted(at)),
            other => Err(QuotaError::Backend {
                backend: self.connection.display_url(),
                message: format!("the quota script answered {other}"),
            }),
        }
    }

    async fn set_pause(&self, until: DateTime<Utc>) -> Result<DateTime<Utc>, QuotaError> {
        let mut conn = self.conn().await?;
        let end: i64 = self
            .pause
            .key(self.state_key())
            .arg(micros(until))
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.backend("pausing", e.into()))?;
        Ok(from_micros(end))
    }
}

/// Removes a waiter's registration when its `acquire` ends (granted, refused or dropped):
/// the removal runs on the tokio runtime in the background; a registration it misses
/// lapses within seconds anyway.
struct Registration {
    connection: RedisConnection,
    key: String,
    waiter: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let connection = self.connection.clone();
        let key = std::mem::take(&mut self.key);
        let waiter = std::mem::take(&mut self.waiter);
        runtime.spawn(async move {
            if let Ok(mut conn) = connection.manager().await {
                let removed: Result<i64, _> = redis::cmd("ZREM")
                    .arg(&key)
                    .arg(&waiter)
                    .query_async(&mut conn)
                    .await;
                if let Err(e) = removed {
                    tracing::debug!(error = %e, key, "could not withdraw a quota waiter");
                }
            }
        });
    }
}

#[async_trait]
impl AccountQuota for RedisQuota {
    fn name(&self) -> &str {
        "redis"
    }

    fn config(&self) -> &QuotaConfig {
        &self.config
    }

    async fn try_acquire(&self, priority: Priority) -> Result<Grant, QuotaError> {
        self.decide(priority, "", Mode::Take).await
    }

    async fn next_ready_at(&self, priority: Priority) -> Result<Option<DateTime<Utc>>, QuotaError> {
        Ok(match self.decide(priority, "", Mode::Peek).await? {
            Grant::Now(p) => Some(p.at),
            Grant::Wait(at) => Some(at),
            Grant::Exhausted(_) => None,
        })
    }

    async fn acquire(
        &self,
        priority: Priority,
        sleeper: &dyn Sleeper,
    ) -> Result<Permit, QuotaError> {
        let waiter = format!(
            "{}-{}",
            self.tag,
            self.waiters.fetch_add(1, Ordering::Relaxed)
        );
        // Dropped before a permit (the caller gave up): stop holding lower classes back now
        // rather than when the registration lapses.
        let _registration = Registration {
            connection: self.connection.clone(),
            key: format!("{}:waiting:{}", self.prefix, priority.as_str()),
            waiter: waiter.clone(),
        };
        loop {
            match self.decide(priority, &waiter, Mode::Wait).await? {
                Grant::Now(permit) => return Ok(permit),
                Grant::Wait(at) => sleeper.sleep_until(at).await,
                Grant::Exhausted(resets_at) => {
                    let used = self.snapshot().await.map_or(0, |s| s.used_today);
                    return Err(QuotaError::DailyLimitReached {
                        priority: priority.as_str(),
                        used,
                        resets_at,
                    });
                }
            }
        }
    }

    async fn record(
        &self,
        outcome: Result<(), &SourceError>,
    ) -> Result<Option<DateTime<Utc>>, QuotaError> {
        let key = self.state_key();
        let mut conn = self.conn().await?;
        let error = match outcome {
            Ok(()) => {
                let _: i64 = redis::cmd("HSET")
                    .arg(&key)
                    .arg("failures")
                    .arg(0)
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| self.backend("recording a success", e.into()))?;
                return Ok(None);
            }
            Err(e) => e,
        };
        if !backs_off(error) {
            return Ok(None);
        }
        let failures: i64 = redis::cmd("HINCRBY")
            .arg(&key)
            .arg("failures")
            .arg(1)
            .query_async(&mut conn)
            .await
            .map_err(|e| self.backend("recording a failure", e.into()))?;
        let until = pause_end(
            &self.config,
            &self.jitter,
            error,
            clamp_u32(failures),
            self.clock.now(),
        );
        self.set_pause(until).await?;
        Ok(Some(until))
    }

    async fn pause_until(&self, at: DateTime<Utc>) -> Result<(), QuotaError> {
        self.set_pause(at).await.map(|_| ())
    }

    async fn set_used_today(&self, used: u32) -> Result<(), QuotaError> {
        let today = self.clock.now().date_naive();
        let mut conn = self.conn().await?;
        let _: i64 = redis::cmd("HSET")
            .arg(self.state_key())
            .arg("day")
            .arg(day_number(today))
            .arg("used")
            .arg(used)
            .query_async(&mut conn)
            .await
            .map_err(|e| self.backend("setting today's count", e.into()))?;
        Ok(())
    }

    async fn snapshot(&self) -> Result<QuotaSnapshot, QuotaError> {
        let now = self.clock.now();
        let today = now.date_naive();
        let mut conn = self.conn().await?;
        let (day, used, paused, failures): (Option<i64>, Option<i64>, Option<i64>, Option<i64>) =
            redis::cmd("HMGET")
                .arg(self.state_key())
                .arg("day")
                .arg("used")
                .arg("paused")
                .arg("failures")
                .query_async(&mut conn)
                .await
                .map_err(|e| self.backend("reading the quota", e.into()))?;
        let used_today = if day == Some(day_number(today)) {
            clamp_u32(used.unwrap_or(0))
        } else {
            0
        };
        Ok(QuotaSnapshot {
            day: today,
            used_today,
            daily_limit: self.config.daily_limit,
            left_for_watches: self
                .config
                .ceiling(Priority::WatchesDue)
                .saturating_sub(used_today),
            left_for_interactive: self.config.daily_limit.saturating_sub(used_today),
            paused_until: paused.map(from_micros).filter(|p| *p > now),
            consecutive_failures: clamp_u32(failures.unwrap_or(0)),
        })
    }
}
