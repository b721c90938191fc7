//! [`MonitoringService`]: the whole monitoring loop every front-end runs — the scheduler at
//! the quota limit feeding the alerting step, the cache tiers, and the dispatcher delivering
//! the alerts — composed once here so `mandi monitor`, `mandi demo` and the bot share it.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::scheduler::{Fallback, MonitorLoop as Driver, MonitorStats, Planner, PlannerConfig};
use super::{BreakerConfig, BreakerSnapshot, CircuitBreaker, Quota, QuotaConfig, QuotaError};
use super::{QuotaSnapshot, Sleeper};
use crate::alerts::{DispatchReport, Dispatcher};
use crate::cache::{Cache, MemoryCache, StoreCache, TieredCache};
use crate::catalog::CatalogService;
use crate::ports::{Clock, Notifier, Store, StoreError};

/// How the monitoring loop runs.
#[derive(Debug, Clone)]
pub struct MonitoringSettings {
    /// The account's quota (sandbox default: 1 request a second, 8,640 a day).
    pub quota: QuotaConfig,
    /// When the source's breaker opens and closes.
    pub breaker: BreakerConfig,
    /// How often each product wants refreshing.
    pub planner: PlannerConfig,
    /// How often the watched products are re-read from the store.
    pub resync_every: TimeDelta,
    /// How often due alerts are delivered.
    pub dispatch_every: TimeDelta,
    /// Products kept in the in-memory cache tier.
    pub cache_capacity: usize,
    /// How long an in-memory cached product stays fresh.
    pub cache_ttl: TimeDelta,
    /// How stored history is thinned as it ages (applied once a day to watched products).
    pub retention: crate::analytics::RetentionPolicy,
}

impl Default for MonitoringSettings {
    fn default() -> Self {
        Self {
            quota: QuotaConfig::default(),
            breaker: BreakerConfig::default(),
            planner: PlannerConfig::default(),
            resync_every: TimeDelta::minutes(1),
            dispatch_every: TimeDelta::seconds(10),
            cache_capacity: 10_000,
            cache_ttl: TimeDelta::hours(1),
            retention: crate::analytics::RetentionPolicy::default(),
        }
    }
}

/// What the loop has done and where it stands, for a progress line or `mandi status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorProgress {
    /// The moment of the snapshot.
    pub at: DateTime<Utc>,
    /// Products followed.
    pub products: usize,
    /// Products due now or overdue.
    pub due_now: usize,
    /// Products never refreshed yet.
    pub never_refreshed: usize,
    /// Age of the stalest refreshed product, in seconds.
    pub oldest_age_secs: Option<i64>,
    /// Mean age of the refreshed products, in seconds.
    pub mean_age_secs: Option<i64>,
    /// The quota's state.
    pub quota: QuotaSnapshot,
    /// The source's breaker.
    pub breaker: BreakerSnapshot,
    /// Counters of the scheduler.
    pub stats: MonitorStats,
    /// Alerts delivered since the loop started.
    pub alerts_sent: usize,
    /// Deliveries that failed and will be retried.
    pub alerts_retried: usize,
    /// Deliveries given up (kept for review).
    pub alerts_dead: usize,
    /// Deliveries held for quiet hours, digests or the daily cap.
    pub alerts_held: usize,
}

/// The monitoring loop (see the [module docs](self)).
pub struct MonitoringService {
    driver: Driver,
    dispatcher: Dispatcher,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    settings: MonitoringSettings,
    delivered: DispatchReport,
    catalog: CatalogService,
    next_retention: DateTime<Utc>,
    quota_seen: Option<QuotaSnapshot>,
}

impl std::fmt::Debug for MonitoringService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitoringService")
            .field("driver", &self.driver)
            .field("dispatcher", &self.dispatcher)
            .finish_non_exhaustive()
    }
}

impl MonitoringService {
    /// The loop over a catalog's source, store and clock: alerts go out through `notifiers`
    /// (one outbox row per alert and notifier channel); `sleeper` waits (the tokio timer, or
    /// a manual clock in simulations); `fallback` is the page scraper, when enabled.
    ///
    /// # Errors
    ///
    /// [`QuotaError`] for an unusable quota configuration.
    pub fn new(
        catalog: &CatalogService,
        notifiers: Vec<Arc<dyn Notifier>>,
        sleeper: Arc<dyn Sleeper>,
        settings: MonitoringSettings,
        fallback: Option<Fallback>,
    ) -> Result<Self, QuotaError> {
        let clock = catalog.clock().clone();
        let store: Arc<dyn Store> = catalog.store().clone();
        let channels: Vec<String> = notifiers.iter().map(|n| n.channel().to_owned()).collect();
        let hints = Arc::new(super::HintBoard::new());
        let sink = Arc::new(
            catalog
                .alert_step()
                .clone()
                .with_channels(channels)
                .with_hints(hints.clone()),
        );
        // One quota for the account: the catalog's, when its interactive lookups share one.
        let quota = match catalog.quota() {
            Some(q) => q.clone(),
            None => Arc::new(Quota::new(
                settings.quota.clone(),
                clock.clone(),
                0x6d61_6e64,
            )?) as Arc<dyn crate::AccountQuota>,
        };
        let breaker = Arc::new(CircuitBreaker::new(
            catalog.source().name(),
            settings.breaker.clone(),
            clock.clone(),
        ));
        let cache: Arc<dyn Cache> = Arc::new(TieredCache::new(
            MemoryCache::new(settings.cache_capacity, settings.cache_ttl, clock.clone()),
            StoreCache::new(store.clone(), TimeDelta::days(7), clock.clone()),
        ));
        let mut driver = Driver::new(
            Planner::new(settings.planner.clone()),
            catalog.source().clone(),
            quota,
            breaker,
            clock.clone(),
            sleeper.clone(),
            sink,
        )
        .with_cache(cache)
        .with_store(store.clone())
        .with_hints(hints);
        if let Some(fallback) = fallback {
            driver = driver.with_fallback(fallback);
        }
        let next_retention = clock.now();
        Ok(Self {
            next_retention,
            driver,
            dispatcher: Dispatcher::new(store, notifiers, clock.clone())
                .with_digest(crate::digest::DigestBuilder::personal(catalog.clone())),
            clock,
            sleeper,
            settings,
            delivered: DispatchReport::default(),
            catalog: catalog.clone(),
            quota_seen: None,
        })
    }

    /// Puts a cache tier shared by every process (Redis) between the in-memory tier and the
    /// store: memory → `shared` → store.
    pub fn with_shared_cache(mut self, shared: Arc<dyn Cache>) -> Self {
        let store: Arc<dyn Store> = self.catalog.store().clone();
        let cache: Arc<dyn Cache> = Arc::new(TieredCache::new(
            MemoryCache::new(
                self.settings.cache_capacity,
                self.settings.cache_ttl,
                self.clock.clone(),
            ),
            TieredCache::new(
                shared,
                StoreCache::new(store, TimeDelta::days(7), self.clock.clone()),
            ),
        ));
        self.driver.set_cache(cache);
        self
    }

    /// Builds digests with `builder` (the standard one, alerts and the user's watches, by
    /// default); a prediction or recommendation module adds its sections this way.
    pub fn with_digest(mut self, builder: crate::digest::DigestBuilder) -> Self {
        self.dispatcher = self.dispatcher.with_digest(builder);
        self
    }

    /// Runs until the clock reaches `until`: refreshes at the quota limit, delivers due alerts
    /// every `dispatch_every`, and calls `on_progress` after each slice. Dropping the future
    /// loses nothing (an unhandled batch stays due; an undelivered alert stays in the outbox).
    ///
    /// # Errors
    ///
    /// The store failed while delivering alerts.
    pub async fn run_until(
        &mut self,
        until: DateTime<Utc>,
        mut on_progress: impl FnMut(&MonitorProgress),
    ) -> Result<(), StoreError> {
        while self.clock.now() < until {
            let slice_end = (self.clock.now() + self.settings.dispatch_every).min(until);
            self.driver
                .run_until(slice_end, self.settings.resync_every)
                .await;
            if self.clock.now() < slice_end {
                self.sleeper.sleep_until(slice_end).await;
            }
            self.dispatch().await?;
            if self.clock.now() >= self.next_retention {
                self.retain().await?;
                self.next_retention = self.clock.now() + TimeDelta::days(1);
            }
            self.observe().await;
            on_progress(&self.progress());
        }
        Ok(())
    }

    /// Like [`MonitoringService::run_until`], but stops early once `stop` turns true (a
    /// front-end's Ctrl-C or SIGTERM): waits are cut short, a call already sent is finished
    /// and its answer stored, then every alert due is delivered before it returns.
    ///
    /// # Errors
    ///
    /// The store failed while delivering alerts.
    pub async fn run_until_stopped(
        &mut self,
        until: DateTime<Utc>,
        stop: &mut tokio::sync::watch::Receiver<bool>,
        mut on_progress: impl FnMut(&MonitorProgress),
    ) -> Result<(), StoreError> {
        while self.clock.now() < until && !*stop.borrow() {
            let slice_end = (self.clock.now() + self.settings.dispatch_every).min(until);
            self.driver
                .run_until_stopped(slice_end, self.settings.resync_every, stop)
                .await;
            if self.clock.now() < slice_end && !*stop.borrow() {
                tokio::select! {
                    () = self.sleeper.sleep_until(slice_end) => {}
                    _ = stop.wait_for(|s| *s) => {}
                }
            }
            self.dispatch().await?;
            if !*stop.borrow() && self.clock.now() >= self.next_retention {
                self.retain().await?;
                self.next_retention = self.clock.now() + TimeDelta::days(1);
            }
            self.observe().await;
            on_progress(&self.progress());
        }
        Ok(())
    }

    /// Reads the quota's state (shared quotas live in Redis) and exports the loop's gauges:
    /// quota, breaker, freshness lag, outbox depth.
    pub async fn observe(&mut self) {
        use crate::telemetry as t;
        match self.driver.quota().snapshot().await {
            Ok(q) => {
                metrics::gauge!(t::QUOTA_USED).set(f64::from(q.used_today));
                metrics::gauge!(t::QUOTA_LEFT, "class" => "watches_due")
                    .set(f64::from(q.left_for_watches));
                metrics::gauge!(t::QUOTA_LEFT, "class" => "interactive")
                    .set(f64::from(q.left_for_interactive));
                self.quota_seen = Some(q);
            }
            Err(e) => tracing::warn!(error = %e, "could not read the quota"),
        }
        let breaker = self.driver.breaker().snapshot();
        let state = match breaker.state {
            super::BreakerState::Closed => 0.0,
            super::BreakerState::HalfOpen => 1.0,
            super::BreakerState::Open { .. } => 2.0,
        };
        metrics::gauge!(t::BREAKER_STATE, "source" => self.catalog.source().name().to_owned())
            .set(state);
        let now = self.clock.now();
        let lag = metrics::histogram!(t::FRESHNESS_LAG);
        for age in self.driver.planner().ages(now) {
            lag.record(age.num_milliseconds().max(0) as f64 / 1_000.0);
        }
        match t::timed("outbox_depth", self.catalog.store().outbox_depth()).await {
            Ok(depth) => metrics::gauge!(t::OUTBOX_DEPTH).set(depth as f64),
            Err(e) => tracing::warn!(error = %e, "could not count the outbox"),
        }
    }

    /// Thins the stored history of every watched product by the retention policy.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn retain(&self) -> Result<usize, StoreError> {
        let mut deleted = 0;
        for w in self.catalog.store().watched_products().await? {
            match self
                .catalog
                .apply_retention(w.marketplace, w.asin, &self.settings.retention)
                .await
            {
                Ok(n) => deleted += n,
                Err(crate::catalog::CatalogError::Store(e)) => return Err(e),
                Err(e) => tracing::warn!(error = %e, asin = %w.asin, "retention skipped"),
            }
        }
        if deleted > 0 {
            tracing::info!(deleted, "old price history thinned");
        }
        Ok(deleted)
    }

    /// Delivers every due alert now.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn dispatch(&mut self) -> Result<DispatchReport, StoreError> {
        let report = self.dispatcher.drain().await?;
        self.delivered.claimed += report.claimed;
        self.delivered.sent += report.sent;
        self.delivered.retried += report.retried;
        self.delivered.dead += report.dead;
        self.delivered.held += report.held;
        Ok(report)
    }

    /// Where the loop stands.
    pub fn progress(&self) -> MonitorProgress {
        let now = self.clock.now();
        let planner = self.driver.planner().stats(now);
        MonitorProgress {
            at: now,
            products: planner.products,
            due_now: planner.due_now,
            never_refreshed: planner.never_refreshed,
            oldest_age_secs: planner.oldest_age.map(|d| d.num_seconds()),
            mean_age_secs: planner.mean_age.map(|d| d.num_seconds()),
            quota: self.quota_seen.clone().unwrap_or_else(|| {
                let config = self.driver.quota().config();
                QuotaSnapshot {
                    day: now.date_naive(),
                    used_today: 0,
                    daily_limit: config.daily_limit,
                    left_for_watches: config.ceiling(super::Priority::WatchesDue),
                    left_for_interactive: config.daily_limit,
                    paused_until: None,
                    consecutive_failures: 0,
                }
            }),
            breaker: self.driver.breaker().snapshot(),
            stats: self.driver.stats(),
            alerts_sent: self.delivered.sent,
            alerts_retried: self.delivered.retried,
            alerts_dead: self.delivered.dead,
            alerts_held: self.delivered.held,
        }
    }
}
