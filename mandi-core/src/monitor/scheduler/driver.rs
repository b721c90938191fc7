//! The driver: [`MonitorLoop`] carries the planner's plans out against the quota, the
//! breaker, the source and the cache (see the [scheduler docs](super)).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::planner::{HintBoard, PlannedBatch, Planner, ProductKey};
use crate::cache::Cache;
use crate::domain::{Asin, DataOrigin, Marketplace, Product};
use crate::monitor::breaker::CircuitBreaker;
use crate::monitor::quota::{Priority, QuotaError};
use crate::monitor::{Jitter, Sleeper};
use crate::ports::clock::Clock;
use crate::ports::quota::AccountQuota;
use crate::ports::source::{
    ItemError, ItemErrorKind, ItemsRequest, MAX_ITEMS_PER_CALL, ProductSource, SourceError,
};
use crate::ports::store::{ApiUsage, Store, StoreError};

/// What one call (or a stale answer in its place) brought back, handed to the [`BatchSink`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedBatch {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The ASINs asked for.
    pub requested: Vec<Asin>,
    /// The products that came back, each with its origin.
    pub products: Vec<Product>,
    /// Per-ASIN errors reported by the source.
    pub errors: Vec<ItemError>,
    /// Where this batch's data came from.
    pub origin: DataOrigin,
    /// True when the data is not a fresh answer from the official source (cache or scraper
    /// while the breaker is open): show it as such and do not treat it as a new price.
    pub stale: bool,
    /// When the batch was received.
    pub received_at: DateTime<Utc>,
}

/// Errors a [`BatchSink`] may return.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The sink could not handle the batch; its products will be fetched again soon.
    #[error("the batch could not be handled: {message}")]
    Failed {
        /// What failed.
        message: String,
        /// The cause.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl From<StoreError> for SinkError {
    fn from(e: StoreError) -> Self {
        Self::Failed {
            message: e.to_string(),
            source: Some(Box::new(e)),
        }
    }
}

/// Where fetched batches go: the alert step (save prices, evaluate rules, queue
/// alerts) plugs in here.
#[async_trait]
pub trait BatchSink: Send + Sync {
    /// Handles one batch. An error makes the driver fetch the batch's products again soon.
    async fn handle(&self, batch: &FetchedBatch) -> Result<(), SinkError>;

    /// True when handling a batch saves its products in the store the driver's cache reads
    /// (the alert step does): the cache then keeps them without writing them again.
    fn persists_products(&self) -> bool {
        false
    }
}

#[async_trait]
impl<T: BatchSink + ?Sized> BatchSink for Arc<T> {
    async fn handle(&self, batch: &FetchedBatch) -> Result<(), SinkError> {
        (**self).handle(batch).await
    }
    fn persists_products(&self) -> bool {
        (**self).persists_products()
    }
}

#[async_trait]
impl<T: BatchSink + ?Sized> BatchSink for &T {
    async fn handle(&self, batch: &FetchedBatch) -> Result<(), SinkError> {
        (**self).handle(batch).await
    }
    fn persists_products(&self) -> bool {
        (**self).persists_products()
    }
}

/// What one [`MonitorLoop::step`] did.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Nothing is planned (no watched products).
    Idle,
    /// A call went out and its answer was handled.
    Fetched {
        /// ASINs asked for.
        requested: usize,
        /// Products that came back.
        refreshed: usize,
    },
    /// The call failed; its products will be retried.
    Failed(SourceError),
    /// The breaker is open: the batch was answered from the fallback scraper or the cache.
    ServedStale {
        /// Products the fallback scraper answered.
        scraped: usize,
        /// Products answered from the cache.
        cached: usize,
        /// When the source may be tried again.
        retry_at: DateTime<Utc>,
    },
    /// Today's quota for due watches is spent.
    QuotaSpent {
        /// When it resets (midnight UTC).
        resets_at: DateTime<Utc>,
    },
    /// The sink refused the batch; its products will be fetched again soon.
    SinkFailed(String),
}

/// Counters of a [`MonitorLoop`] since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MonitorStats {
    /// Calls sent to the source.
    pub calls: u64,
    /// Calls that failed.
    pub failed_calls: u64,
    /// ASINs asked for in those calls.
    pub asins_requested: u64,
    /// Products refreshed from the source.
    pub refreshed: u64,
    /// Products answered by the fallback scraper.
    pub scraped: u64,
    /// Products answered from the cache while the source was unavailable.
    pub served_from_cache: u64,
    /// Batches the sink refused.
    pub sink_failures: u64,
    /// Calls made at once, at interactive priority, to read suspect products a second time
    /// (counted in `calls` too).
    #[serde(default)]
    pub confirm_calls: u64,
}

impl MonitorStats {
    /// ASINs per call (10 is the most a call carries).
    pub fn asins_per_call(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.asins_requested as f64 / self.calls as f64
        }
    }
}

/// The fallback used while the breaker is open: a source (the scraper) and its own quota.
#[derive(Clone)]
pub struct Fallback {
    /// The fallback source.
    pub source: Arc<dyn ProductSource>,
    /// Its own pace, one permit per call (be gentle with pages).
    pub quota: Arc<dyn AccountQuota>,
    /// ASINs per fallback call (a scraper reads one page per ASIN), 1 to
    /// [`MAX_ITEMS_PER_CALL`]; the rest of the batch waits for the source.
    pub per_call: usize,
}

impl std::fmt::Debug for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fallback")
            .field("source", &self.source.name())
            .field("quota", &self.quota)
            .field("per_call", &self.per_call)
            .finish()
    }
}

/// How many products [`MonitorLoop::run_until`] warms at each re-sync.
pub const WARM_LIMIT: usize = 1_000;

/// The async driver (see the [module docs](super)).
pub struct MonitorLoop {
    planner: Planner,
    source: Arc<dyn ProductSource>,
    quota: Arc<dyn AccountQuota>,
    breaker: Arc<CircuitBreaker>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    sink: Arc<dyn BatchSink>,
    cache: Option<Arc<dyn Cache>>,
    fallback: Option<Fallback>,
    store: Option<Arc<dyn Store>>,
    hints: Option<Arc<HintBoard>>,
    jitter: Jitter,
    stats: MonitorStats,
}

impl std::fmt::Debug for MonitorLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorLoop")
            .field("products", &self.planner.len())
            .field("source", &self.source.name())
            .field("quota", &self.quota.name())
            .field("breaker", &self.breaker.snapshot())
            .field("cache", &self.cache.as_ref().map(|c| c.name().to_owned()))
            .field("fallback", &self.fallback)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl MonitorLoop {
    /// A driver for `planner` over `source`, keeping to `quota` and `breaker`, waiting
    /// through `sleeper`, handing batches to `sink`.
    pub fn new(
        planner: Planner,
        source: Arc<dyn ProductSource>,
        quota: Arc<dyn AccountQuota>,
        breaker: Arc<CircuitBreaker>,
        clock: Arc<dyn Clock>,
        sleeper: Arc<dyn Sleeper>,
        sink: Arc<dyn BatchSink>,
    ) -> Self {
        Self {
            planner,
            source,
            quota,
            breaker,
            clock,
            sleeper,
            sink,
            cache: None,
            fallback: None,
            store: None,
            hints: None,
            jitter: Jitter::new(0x6d61_6e64_6921),
            stats: MonitorStats::default(),
        }
    }

    /// Reads the alerting step's refresh hints from `board` after each handled batch.
    pub fn with_hints(mut self, board: Arc<HintBoard>) -> Self {
        self.hints = Some(board);
        self
    }

    /// Keeps fresh copies in `cache` and answers from it while the source is unavailable.
    pub fn with_cache(mut self, cache: Arc<dyn Cache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Replaces the cache tiers (see [`MonitorLoop::with_cache`]).
    pub fn set_cache(&mut self, cache: Arc<dyn Cache>) {
        self.cache = Some(cache);
    }

    /// Uses `fallback` (the scraper, off unless configured) while the breaker is open.
    pub fn with_fallback(mut self, fallback: Fallback) -> Self {
        self.fallback = Some(fallback);
        self
    }

    /// Records every call in `store` ([`Store::record_api_usage`]) and reads the watched
    /// products from it in [`MonitorLoop::sync_watched`].
    pub fn with_store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// The planner.
    pub fn planner(&self) -> &Planner {
        &self.planner
    }

    /// The planner, to give it hints.
    pub fn planner_mut(&mut self) -> &mut Planner {
        &mut self.planner
    }

    /// The counters.
    pub fn stats(&self) -> MonitorStats {
        self.stats
    }

    /// The quota.
    pub fn quota(&self) -> &Arc<dyn AccountQuota> {
        &self.quota
    }

    /// The breaker.
    pub fn breaker(&self) -> &Arc<CircuitBreaker> {
        &self.breaker
    }

    /// Brings the planner in line with [`Store::watched_products`] of the store given to
    /// [`MonitorLoop::with_store`] (nothing happens without one). Returns how many products are
    /// planned.
    ///
    /// # Errors
    ///
    /// The store's error; the plan is left as it was.
    pub async fn sync_watched(&mut self) -> Result<usize, StoreError> {
        if let Some(store) = &self.store {
            let watched = store.watched_products().await?;
            self.planner.sync(&watched, self.clock.now());
        }
        Ok(self.planner.len())
    }

    /// The most-watched products due within `window`, at most `limit`: what to warm.
    pub fn warm_candidates(&self, window: TimeDelta, limit: usize) -> Vec<(Marketplace, Asin)> {
        self.planner
            .most_watched_due_within(self.clock.now(), window, limit)
            .into_iter()
            .map(|k| (k.marketplace, k.asin))
            .collect()
    }

    /// Warms the cache ([`Cache::warm`]) with the most-watched products due within `window`
    /// (at most `limit`), so lookups and stale answers find them in the fast tier. Returns
    /// how many were loaded; a cache failure is logged and counts as 0.
    pub async fn warm_cache(&self, window: TimeDelta, limit: usize) -> usize {
        let Some(cache) = &self.cache else {
            return 0;
        };
        let keys = self.warm_candidates(window, limit);
        match cache.warm(&keys).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "cache warming failed");
                0
            }
        }
    }

    async fn record_usage(&self, items: usize, ok: bool) {
        if let Some(store) = &self.store {
            let usage = ApiUsage {
                source: self.source.name().to_owned(),
                operation: "getItems".to_owned(),
                at: self.clock.now(),
                items: u32::try_from(items).unwrap_or(u32::MAX),
                ok,
            };
            if let Err(e) = store.record_api_usage(&usage).await {
                tracing::warn!(error = %e, "could not record API usage");
            }
        }
    }

    /// Plans, waits and carries out one batch.
    pub async fn step(&mut self) -> StepOutcome {
        let Some(plan) = self.planner.plan(self.clock.now()) else {
            return StepOutcome::Idle;
        };
        if plan.send_at > self.clock.now() {
            self.sleeper.sleep_until(plan.send_at).await;
        }
        let Some(plan) = self.planner.plan(self.clock.now()) else {
            return StepOutcome::Idle;
        };
        let keys: Vec<ProductKey> = plan
            .asins
            .iter()
            .map(|a| ProductKey::new(plan.marketplace, *a))
            .collect();
        if let crate::monitor::BreakerState::Open { until } = self.breaker.state() {
            return self.serve_stale(&plan, &keys, until).await;
        }
        match self
            .quota
            .acquire(Priority::WatchesDue, self.sleeper.as_ref())
            .await
        {
            Ok(_) => {}
            Err(QuotaError::DailyLimitReached { resets_at, .. }) => {
                return StepOutcome::QuotaSpent { resets_at };
            }
            Err(e @ QuotaError::Backend { .. }) => {
                // A shared quota that cannot be reached grants nothing: wait, then ask again.
                tracing::warn!(error = %e, "the shared quota is unreachable; asking again in 5 s");
                self.sleeper
                    .sleep_until(self.clock.now() + TimeDelta::seconds(5))
                    .await;
                return StepOutcome::SinkFailed(e.to_string());
            }
            Err(other) => return StepOutcome::SinkFailed(other.to_string()),
        }
        if let Err(rejected) = self.breaker.allow() {
            // A half-open probe is already out (another task): the permit is spent, the
            // products stay due.
            self.planner.defer(&keys, rejected.retry_at);
            return StepOutcome::ServedStale {
                scraped: 0,
                cached: 0,
                retry_at: rejected.retry_at,
            };
        }
        let request = ItemsRequest::new(plan.marketplace, plan.asins.iter().copied());
        self.stats.calls += 1;
        self.stats.asins_requested += plan.asins.len() as u64;
        let result = self.source.get_items(&request).await;
        crate::telemetry::source_call(self.source.name(), result.as_ref().map(|_| ()));
        let now = self.clock.now();
        match result {
            Ok(batch) => {
                if let Err(e) = self.quota.record(Ok(())).await {
                    tracing::warn!(error = %e, "could not record the call with the quota");
                }
                self.breaker.record(Ok(()));
                self.record_usage(plan.asins.len(), true).await;
                let mut products = batch.items;
                products
                    .retain(|p| p.marketplace == plan.marketplace && plan.asins.contains(&p.asin));
                for p in &mut products {
                    p.origin = DataOrigin::Api;
                }
                let fetched = FetchedBatch {
                    marketplace: plan.marketplace,
                    requested: plan.asins.clone(),
                    products,
                    errors: batch.errors,
                    origin: DataOrigin::Api,
                    stale: false,
                    received_at: now,
                };
                let outcome = self.deliver(fetched, &keys, now).await;
                self.confirm_rechecks().await;
                outcome
            }
            Err(error) => {
                tracing::warn!(source = self.source.name(), %error, asins = plan.asins.len(), "refresh call failed");
                self.stats.failed_calls += 1;
                if let Err(e) = self.quota.record(Err(&error)).await {
                    tracing::warn!(error = %e, "could not record the call with the quota");
                }
                self.breaker.record(Err(&error));
                self.record_usage(plan.asins.len(), false).await;
                let unreadable = matches!(error, SourceError::Decode { .. });
                for key in &keys {
                    if unreadable {
                        self.planner.failed_unreadable(*key, now, &self.jitter);
                    } else {
                        self.planner.failed(*key, now, &self.jitter);
                    }
                }
                StepOutcome::Failed(error)
            }
        }
    }

    /// Reads the products the sink holds as suspect a second time, at once and with the
    /// [`Priority::Interactive`] class: each answer goes to the sink, which confirms or
    /// rejects the held observation. Products that cannot be read now (breaker open, quota
    /// refused, failed call) stay on the board for after the next batch; their next
    /// regular refresh settles them anyway.
    async fn confirm_rechecks(&mut self) {
        let Some(board) = self.hints.clone() else {
            return;
        };
        let keys = board.take_rechecks();
        if keys.is_empty() {
            return;
        }
        let mut groups: Vec<(Marketplace, Vec<Asin>)> = Vec::new();
        for k in &keys {
            match groups.iter_mut().find(|(m, _)| *m == k.marketplace) {
                Some((_, asins)) => asins.push(k.asin),
                None => groups.push((k.marketplace, vec![k.asin])),
            }
        }
        let requeue = |asins: &[Asin], marketplace: Marketplace| {
            for a in asins {
                board.request_recheck(ProductKey::new(marketplace, *a));
            }
        };
        for (marketplace, asins) in groups {
            for chunk in asins.chunks(MAX_ITEMS_PER_CALL) {
                if let Err(e) = self
                    .quota
                    .acquire(Priority::Interactive, self.sleeper.as_ref())
                    .await
                {
                    tracing::info!(error = %e, "no permit for a second read of suspect products; later");
                    requeue(chunk, marketplace);
                    continue;
                }
                if self.breaker.allow().is_err() {
                    requeue(chunk, marketplace);
                    continue;
                }
                let request = ItemsRequest::new(marketplace, chunk.iter().copied());
                self.stats.calls += 1;
                self.stats.confirm_calls += 1;
                self.stats.asins_requested += chunk.len() as u64;
                let result = self.source.get_items(&request).await;
                crate::telemetry::source_call(self.source.name(), result.as_ref().map(|_| ()));
                if let Err(e) = self.quota.record(result.as_ref().map(|_| ())).await {
                    tracing::warn!(error = %e, "could not record the call with the quota");
                }
                self.breaker.record(result.as_ref().map(|_| ()));
                self.record_usage(chunk.len(), result.is_ok()).await;
                let now = self.clock.now();
                match result {
                    Ok(batch) => {
                        let mut products = batch.items;
                        products
                            .retain(|p| p.marketplace == marketplace && chunk.contains(&p.asin));
                        for p in &mut products {
                            p.origin = DataOrigin::Api;
                        }
                        tracing::debug!(asins = chunk.len(), "second read of suspect products");
                        let fetched = FetchedBatch {
                            marketplace,
                            requested: chunk.to_vec(),
                            products,
                            errors: batch.errors,
                            origin: DataOrigin::Api,
                            stale: false,
                            received_at: now,
                        };
                        let keys: Vec<ProductKey> = chunk
                            .iter()
                            .map(|a| ProductKey::new(marketplace, *a))
                            .collect();
                        self.deliver(fetched, &keys, now).await;
                    }
                    Err(error) => {
                        tracing::warn!(%error, asins = chunk.len(), "the second read of suspect products failed; they stay held until their next refresh");
                        self.stats.failed_calls += 1;
                    }
                }
            }
        }
    }

    async fn deliver(
        &mut self,
        fetched: FetchedBatch,
        keys: &[ProductKey],
        now: DateTime<Utc>,
    ) -> StepOutcome {
        if let Err(e) = self.sink.handle(&fetched).await {
            tracing::warn!(error = %e, "batch sink failed; the products will be fetched again");
            self.stats.sink_failures += 1;
            for key in keys {
                self.planner.failed(*key, now, &self.jitter);
            }
            return StepOutcome::SinkFailed(e.to_string());
        }
        for p in &fetched.products {
            self.planner.refreshed(p);
            let key = ProductKey::new(p.marketplace, p.asin);
            if let Some(hint) = self.hints.as_ref().and_then(|b| b.take(key)) {
                self.planner.set_hint(key, hint, now);
            }
            let kept = match &self.cache {
                Some(cache) if self.sink.persists_products() => Some(cache.put_persisted(p).await),
                Some(cache) => Some(cache.put(p).await),
                None => None,
            };
            if let Some(Err(e)) = kept {
                tracing::warn!(error = %e, "cache write failed");
            }
        }
        let answered: std::collections::HashSet<Asin> =
            fetched.products.iter().map(|p| p.asin).collect();
        for key in keys {
            if answered.contains(&key.asin) {
                continue;
            }
            let error = fetched.errors.iter().find(|e| e.asin == key.asin);
            match error.map(|e| e.kind) {
                Some(ItemErrorKind::NotFound | ItemErrorKind::Invalid) => {
                    self.planner.gone(*key, now);
                    if let Some(cache) = &self.cache
                        && let Err(e) = cache.invalidate(key.marketplace, key.asin).await
                    {
                        tracing::warn!(error = %e, "cache invalidation failed");
                    }
                }
                _ => self.planner.failed(*key, now, &self.jitter),
            }
        }
        let refreshed = fetched.products.len();
        if fetched.origin == DataOrigin::Api {
            self.stats.refreshed += refreshed as u64;
        } else {
            self.stats.scraped += refreshed as u64;
        }
        StepOutcome::Fetched {
            requested: fetched.requested.len(),
            refreshed,
        }
    }

    async fn serve_stale(
        &mut self,
        plan: &PlannedBatch,
        keys: &[ProductKey],
        retry_at: DateTime<Utc>,
    ) -> StepOutcome {
        let now = self.clock.now();
        if let Some(fallback) = self.fallback.clone() {
            let ready = match fallback
                .quota
                .acquire(Priority::WatchesDue, self.sleeper.as_ref())
                .await
            {
                Ok(_) => true,
                Err(e) => {
                    tracing::info!(error = %e, "fallback quota spent");
                    false
                }
            };
            if ready {
                let take = fallback
                    .per_call
                    .clamp(1, MAX_ITEMS_PER_CALL)
                    .min(plan.asins.len());
                let asked = &plan.asins[..take];
                let request = ItemsRequest::new(plan.marketplace, asked.iter().copied());
                let answer = fallback.source.get_items(&request).await;
                crate::telemetry::source_call(fallback.source.name(), answer.as_ref().map(|_| ()));
                match answer {
                    Ok(batch) => {
                        if let Err(e) = fallback.quota.record(Ok(())).await {
                            tracing::warn!(error = %e, "could not record the call with the quota");
                        }
                        let mut products = batch.items;
                        products.retain(|p| {
                            p.marketplace == plan.marketplace && asked.contains(&p.asin)
                        });
                        for p in &mut products {
                            p.origin = DataOrigin::Scraped;
                        }
                        let scraped = products.len();
                        let fetched = FetchedBatch {
                            marketplace: plan.marketplace,
                            requested: asked.to_vec(),
                            products,
                            errors: batch.errors,
                            origin: DataOrigin::Scraped,
                            stale: true,
                            received_at: self.clock.now(),
                        };
                        let answered: Vec<Asin> = fetched.products.iter().map(|p| p.asin).collect();
                        let now = self.clock.now();
                        let asked_keys: Vec<ProductKey> = asked
                            .iter()
                            .map(|a| ProductKey::new(plan.marketplace, *a))
                            .collect();
                        self.deliver(fetched, &asked_keys, now).await;
                        let rest: Vec<ProductKey> = keys
                            .iter()
                            .filter(|k| !answered.contains(&k.asin))
                            .copied()
                            .collect();
                        self.planner.defer(&rest, retry_at);
                        return StepOutcome::ServedStale {
                            scraped,
                            cached: 0,
                            retry_at,
                        };
                    }
                    Err(e) => {
                        if let Err(e) = fallback.quota.record(Err(&e)).await {
                            tracing::warn!(error = %e, "could not record the call with the quota");
                        }
                        tracing::warn!(error = %e, "fallback scraper failed");
                    }
                }
            }
        }
        let mut cached = Vec::new();
        if let Some(cache) = &self.cache {
            for asin in &plan.asins {
                match cache.get(plan.marketplace, *asin).await {
                    Ok(Some(mut p)) => {
                        p.origin = DataOrigin::Cached;
                        cached.push(p);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "cache read failed"),
                }
            }
        }
        let count = cached.len();
        if count > 0 {
            let fetched = FetchedBatch {
                marketplace: plan.marketplace,
                requested: plan.asins.clone(),
                products: cached,
                errors: Vec::new(),
                origin: DataOrigin::Cached,
                stale: true,
                received_at: now,
            };
            if let Err(e) = self.sink.handle(&fetched).await {
                tracing::warn!(error = %e, "batch sink failed on cached data");
                self.stats.sink_failures += 1;
            }
            self.stats.served_from_cache += count as u64;
        }
        self.planner.defer(keys, retry_at);
        StepOutcome::ServedStale {
            scraped: 0,
            cached: count,
            retry_at,
        }
    }

    /// Like [`MonitorLoop::run_until`], but returns early once `stop` turns true: a wait
    /// (for the quota, the next due product or the next re-read) is cut short, while a call
    /// already sent is finished and its answer handled (stored, alerts written) first.
    pub async fn run_until_stopped(
        &mut self,
        until: DateTime<Utc>,
        resync_every: TimeDelta,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) {
        let mut next_sync = self.clock.now();
        while self.clock.now() < until && !*stop.borrow() {
            if self.clock.now() >= next_sync {
                if let Err(e) = self.sync_watched().await {
                    tracing::warn!(error = %e, "could not read the watched products; keeping the plan");
                }
                next_sync = self.clock.now() + resync_every;
                self.warm_cache(resync_every, WARM_LIMIT).await;
            }
            let wake = match self.planner.plan(self.clock.now()) {
                None => Some(next_sync.min(until)),
                Some(plan) if plan.send_at >= until => Some(until),
                Some(plan) if plan.send_at > self.clock.now() => Some(plan.send_at),
                Some(_) => None,
            };
            if let Some(at) = wake {
                if !self.wait_or_stop(at, stop).await {
                    return;
                }
                continue;
            }
            // Wait for the quota here, where stopping loses nothing; the step then takes the
            // permit at once (unless another process sharing the quota got there first).
            let quota_at = match self.quota.next_ready_at(Priority::WatchesDue).await {
                Ok(Some(at)) if at > self.clock.now() => Some(at),
                _ => None,
            };
            if let Some(at) = quota_at
                && !self.wait_or_stop(at, stop).await
            {
                return;
            }
            if *stop.borrow() {
                return;
            }
            let wait_until = match self.step().await {
                StepOutcome::QuotaSpent { resets_at } => Some(resets_at.min(until)),
                StepOutcome::Idle => Some(next_sync.min(until)),
                _ => None,
            };
            if let Some(at) = wait_until
                && !self.wait_or_stop(at, stop).await
            {
                return;
            }
        }
    }

    /// Sleeps until `at` unless `stop` turns true first; false when stopped.
    async fn wait_or_stop(
        &self,
        at: DateTime<Utc>,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> bool {
        if *stop.borrow() {
            return false;
        }
        let slept = tokio::select! {
            () = self.sleeper.sleep_until(at) => true,
            _ = stop.wait_for(|s| *s) => false,
        };
        slept && !*stop.borrow()
    }

    /// Runs steps until the clock reaches `until`, re-reading the watched products from the
    /// store every `resync_every`. When nothing is planned it waits `resync_every`; when the
    /// day's quota is spent it waits for midnight UTC. Dropping the future between or during
    /// steps loses nothing: a batch whose answer was not handled stays due.
    pub async fn run_until(&mut self, until: DateTime<Utc>, resync_every: TimeDelta) {
        let mut next_sync = self.clock.now();
        while self.clock.now() < until {
            if self.clock.now() >= next_sync {
                if let Err(e) = self.sync_watched().await {
                    tracing::warn!(error = %e, "could not read the watched products; keeping the plan");
                }
                next_sync = self.clock.now() + resync_every;
                self.warm_cache(resync_every, WARM_LIMIT).await;
            }
            match self.planner.plan(self.clock.now()) {
                None => {
                    self.sleeper.sleep_until(next_sync.min(until)).await;
                    continue;
                }
                Some(plan) if plan.send_at >= until => {
                    self.sleeper.sleep_until(until).await;
                    break;
                }
                Some(_) => {}
            }
            match self.step().await {
                StepOutcome::QuotaSpent { resets_at } => {
                    self.sleeper.sleep_until(resets_at.min(until)).await;
                }
                StepOutcome::Idle => self.sleeper.sleep_until(next_sync.min(until)).await,
                _ => {}
            }
        }
    }
}
