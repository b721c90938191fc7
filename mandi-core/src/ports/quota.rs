//! The `AccountQuota` port: one Amazon account's request quota (rate, daily count, priority
//! classes), whoever spends it.
//!
//! Adapters: [`Quota`](crate::monitor::Quota) (in process: one process spends the account)
//! and, with the `redis` feature, [`RedisQuota`](crate::monitor::RedisQuota) (an atomic Lua
//! script on a Redis server, so `mandi lookup`, `mandi monitor` workers and the bot on one
//! account never exceed it together). Both run the same contract suite (`quota_contract!`,
//! feature `test-util`).
//!
//! Rules every adapter keeps (see [`crate::monitor::quota`] for the arithmetic):
//!
//! * **Rate**: a GCRA token bucket — `burst` requests back to back, then one every
//!   `1 / requests_per_second`;
//! * **Day**: requests counted per UTC day; each class below the top stops short of the daily
//!   limit by the reserves of the classes above it; with `pace_daily` the background classes
//!   spread what is left over the rest of the day;
//! * **Priority**: a class never takes a request while a higher class is waiting for one;
//! * **Back-pressure**: `Retry-After` pauses the bucket; throttling, server errors, timeouts
//!   and network failures back off exponentially with jitter; a success ends the back-off.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::monitor::{Grant, Permit, Priority, QuotaConfig, QuotaError, QuotaSnapshot, Sleeper};
use crate::ports::source::SourceError;

/// One account's request quota (see the [module docs](self)).
#[async_trait]
pub trait AccountQuota: Send + Sync + Debug {
    /// A short name for logs (`memory`, `redis`).
    fn name(&self) -> &str;

    /// The settings.
    fn config(&self) -> &QuotaConfig;

    /// May a request of this class go now? Takes the permit when it may; otherwise says when
    /// to ask again. Never waits. A shared adapter counts the asker as waiting until it is
    /// granted or its wait runs out, so lower classes elsewhere hold back meanwhile.
    ///
    /// # Errors
    ///
    /// [`QuotaError::Backend`] when a shared backend cannot be reached.
    async fn try_acquire(&self, priority: Priority) -> Result<Grant, QuotaError>;

    /// When a request of this class could go, taking nothing (`None` when today's allowance
    /// is spent).
    ///
    /// # Errors
    ///
    /// [`QuotaError::Backend`] when a shared backend cannot be reached.
    async fn next_ready_at(&self, priority: Priority) -> Result<Option<DateTime<Utc>>, QuotaError>;

    /// Waits for a permit of this class through `sleeper`. While it waits, lower classes are
    /// held back.
    ///
    /// # Errors
    ///
    /// [`QuotaError::DailyLimitReached`] when today's allowance of this class is spent;
    /// [`QuotaError::Backend`] when a shared backend cannot be reached.
    async fn acquire(
        &self,
        priority: Priority,
        sleeper: &dyn Sleeper,
    ) -> Result<Permit, QuotaError>;

    /// Tells the quota how a request went; returns the pause set, if any (see the module
    /// docs).
    ///
    /// # Errors
    ///
    /// [`QuotaError::Backend`] when a shared backend cannot be reached.
    async fn record(
        &self,
        outcome: Result<(), &SourceError>,
    ) -> Result<Option<DateTime<Utc>>, QuotaError>;

    /// Holds every request back until `at` (a source's `Retry-After`).
    ///
    /// # Errors
    ///
    /// [`QuotaError::Backend`] when a shared backend cannot be reached.
    async fn pause_until(&self, at: DateTime<Utc>) -> Result<(), QuotaError>;

    /// Starts today's count at `used` (requests already sent today, after a restart).
    ///
    /// # Errors
    ///
    /// [`QuotaError::Backend`] when a shared backend cannot be reached.
    async fn set_used_today(&self, used: u32) -> Result<(), QuotaError>;

    /// The quota as it stands.
    ///
    /// # Errors
    ///
    /// [`QuotaError::Backend`] when a shared backend cannot be reached.
    async fn snapshot(&self) -> Result<QuotaSnapshot, QuotaError>;
}

#[async_trait]
impl<T: AccountQuota + ?Sized> AccountQuota for Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn config(&self) -> &QuotaConfig {
        (**self).config()
    }
    async fn try_acquire(&self, p: Priority) -> Result<Grant, QuotaError> {
        (**self).try_acquire(p).await
    }
    async fn next_ready_at(&self, p: Priority) -> Result<Option<DateTime<Utc>>, QuotaError> {
        (**self).next_ready_at(p).await
    }
    async fn acquire(&self, p: Priority, s: &dyn Sleeper) -> Result<Permit, QuotaError> {
        (**self).acquire(p, s).await
    }
    async fn record(
        &self,
        outcome: Result<(), &SourceError>,
    ) -> Result<Option<DateTime<Utc>>, QuotaError> {
        (**self).record(outcome).await
    }
    async fn pause_until(&self, at: DateTime<Utc>) -> Result<(), QuotaError> {
        (**self).pause_until(at).await
    }
    async fn set_used_today(&self, used: u32) -> Result<(), QuotaError> {
        (**self).set_used_today(used).await
    }
    async fn snapshot(&self) -> Result<QuotaSnapshot, QuotaError> {
        (**self).snapshot().await
    }
}
