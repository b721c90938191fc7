//! Refresh planning at the quota limit, and the async driver that carries plans out.
//!
//! # The planner
//!
//! [`Planner`] keeps one entry per watched product — one refresh per ASIN however many users
//! watch it — and a queue ordered by when each is due (earliest deadline first). Each
//! product's wanted interval ([`Planner::wanted_interval`]) starts from `base_interval` and
//! shortens when the product's price moves often (volatility learnt from the refreshes), when
//! its price is close to someone's target ([`RefreshHint::target_gap_bps`], from the rule
//! engine) and while a lightning deal runs; it stays within `min_interval..=max_interval`.
//!
//! [`Planner::plan`] answers "given now, which batch goes next and when": the most overdue
//! product sets the time, and the batch is filled — up to [`MAX_ITEMS_PER_CALL`] ASINs of one
//! marketplace — with the next most overdue ones and, when fewer are due, with products due
//! soon (within `pull_ahead_percent` of their interval), so calls go out full. When the quota
//! cannot keep up with the wanted intervals, everything is overdue and the queue turns
//! round-robin: with N products at R calls per second each is refreshed every N / (10 R)
//! seconds, the physical limit ([`Planner::quota_floor`]).
//!
//! # The driver
//!
//! [`MonitorLoop`] takes the next plan, waits for its time and for a permit of class
//! [`Priority::WatchesDue`], asks the breaker, calls the [`ProductSource`] and hands what came
//! back to a [`BatchSink`] (the alert step, [`crate::alerts::AlertStep`], that saves prices and evaluates alerts). Fresh
//! copies go into the [`Cache`] (a fresher fetch replaces the held copy; an ASIN the source
//! no longer knows is invalidated). While the breaker is open it answers from the fallback
//! scraper when one is configured (data marked [`DataOrigin::Scraped`]) and otherwise from the
//! cache (marked [`DataOrigin::Cached`]), flagging the batch as stale.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::breaker::CircuitBreaker;
use super::quota::{Priority, Quota, QuotaError};
use super::{Jitter, Sleeper};
use crate::cache::Cache;
use crate::domain::{Asin, DataOrigin, Marketplace, Money, Product};
use crate::ports::clock::Clock;
use crate::ports::source::{
    ItemError, ItemErrorKind, ItemsRequest, MAX_ITEMS_PER_CALL, ProductSource, SourceError,
};
use crate::ports::store::{ApiUsage, Store, StoreError, WatchedProduct};

/// A product in one marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProductKey {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The ASIN.
    pub asin: Asin,
}

impl ProductKey {
    /// A key.
    pub fn new(marketplace: Marketplace, asin: Asin) -> Self {
        Self { marketplace, asin }
    }
}

/// What the rule engine knows about a product that should change how often it is refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RefreshHint {
    /// How far the current price is above the nearest target price of any watch on it, in
    /// basis points of that target (0: at or below a target). `None`: no watch has a price
    /// target.
    pub target_gap_bps: Option<u32>,
    /// A lightning deal on the product runs until this time.
    pub deal_ends_at: Option<DateTime<Utc>>,
}

/// Where the alerting step leaves a [`RefreshHint`] per product for the driver to read after
/// it handled a batch: how close the price is to someone's target, a running lightning deal.
#[derive(Debug, Default)]
pub struct HintBoard {
    hints: std::sync::Mutex<HashMap<ProductKey, RefreshHint>>,
}

impl HintBoard {
    /// An empty board.
    pub fn new() -> Self {
        Self::default()
    }

    /// Leaves the hint of a product (replacing an unread one).
    pub fn set(&self, key: ProductKey, hint: RefreshHint) {
        self.hints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, hint);
    }

    /// Takes the hint of a product, if one was left.
    pub fn take(&self, key: ProductKey) -> Option<RefreshHint> {
        self.hints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key)
    }
}

/// The planner's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannerConfig {
    /// How often a calm product nobody is close to buying is refreshed.
    pub base_interval: TimeDelta,
    /// Never more often than this.
    pub min_interval: TimeDelta,
    /// Never less often than this.
    pub max_interval: TimeDelta,
    /// How often during a lightning deal.
    pub deal_interval: TimeDelta,
    /// A price within this many basis points above a target counts as near (interval / 4;
    /// within twice this, interval / 2).
    pub near_target_bps: u32,
    /// A batch may take products this early, in percent of their interval, to go out full.
    pub pull_ahead_percent: u8,
    /// First retry delay of a product whose refresh failed (doubling, capped at its interval).
    pub retry_delay: TimeDelta,
    /// ASINs per call, at most [`MAX_ITEMS_PER_CALL`].
    pub batch_size: usize,
}

impl Default for PlannerConfig {
    fn default() -> Self {
        Self {
            base_interval: TimeDelta::hours(2),
            min_interval: TimeDelta::minutes(2),
            max_interval: TimeDelta::hours(24),
            deal_interval: TimeDelta::minutes(5),
            near_target_bps: 500,
            pull_ahead_percent: 25,
            retry_delay: TimeDelta::seconds(30),
            batch_size: MAX_ITEMS_PER_CALL,
        }
    }
}

impl PlannerConfig {
    /// Wants every product as fresh as possible (the interval floor is 1 s): the quota alone
    /// sets the pace. For benchmarks and stress runs.
    pub fn as_fresh_as_possible() -> Self {
        Self {
            base_interval: TimeDelta::seconds(1),
            min_interval: TimeDelta::seconds(1),
            deal_interval: TimeDelta::seconds(1),
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    watchers: u32,
    hint: RefreshHint,
    last_refreshed: Option<DateTime<Utc>>,
    last_price: Option<Money>,
    /// Share of refreshes that saw the price change, in permille (moving average).
    volatility_permille: u32,
    refreshes: u64,
    failures: u32,
    /// Calls in a row that failed with an unreadable reply while carrying this product.
    unreadable: u32,
    slot: (DateTime<Utc>, u64),
}

/// The next call to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedBatch {
    /// The marketplace every ASIN is in.
    pub marketplace: Marketplace,
    /// Up to [`MAX_ITEMS_PER_CALL`] ASINs, most overdue first.
    pub asins: Vec<Asin>,
    /// When to send it (now or later).
    pub send_at: DateTime<Utc>,
}

/// Freshness figures of the planner, for progress lines and `mandi status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannerStats {
    /// Products planned.
    pub products: usize,
    /// Products due now or overdue.
    pub due_now: usize,
    /// Products never refreshed yet.
    pub never_refreshed: usize,
    /// Age of the stalest refreshed product.
    pub oldest_age: Option<TimeDelta>,
    /// Mean age of the refreshed products' last refresh.
    pub mean_age: Option<TimeDelta>,
}

/// Unreadable replies in a row after which a product is sent alone.
pub const UNREADABLE_ISOLATION: u32 = 2;

/// The pure planning core (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Planner {
    config: PlannerConfig,
    entries: HashMap<ProductKey, Entry>,
    queue: BTreeMap<(DateTime<Utc>, u64), ProductKey>,
    seq: u64,
}

impl Planner {
    /// An empty planner. A batch size of 0 or above [`MAX_ITEMS_PER_CALL`] is taken as
    /// [`MAX_ITEMS_PER_CALL`].
    pub fn new(mut config: PlannerConfig) -> Self {
        if config.batch_size == 0 || config.batch_size > MAX_ITEMS_PER_CALL {
            config.batch_size = MAX_ITEMS_PER_CALL;
        }
        if config.min_interval <= TimeDelta::zero() {
            config.min_interval = TimeDelta::seconds(1);
        }
        config.max_interval = config.max_interval.max(config.min_interval);
        Self {
            config,
            entries: HashMap::new(),
            queue: BTreeMap::new(),
            seq: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> &PlannerConfig {
        &self.config
    }

    /// How many products are planned.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is planned.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best refresh interval the quota allows every product at `calls_per_second`: N
    /// products in calls of ten take N / (10 × rate) seconds to go round.
    pub fn quota_floor(&self, calls_per_second: f64) -> TimeDelta {
        let per_call = self.config.batch_size as f64;
        let secs = self.entries.len() as f64 / (per_call * calls_per_second.max(f64::MIN_POSITIVE));
        TimeDelta::milliseconds((secs * 1000.0).round() as i64)
    }

    fn reslot(&mut self, key: ProductKey, due: DateTime<Utc>) {
        self.seq += 1;
        let seq = self.seq;
        if let Some(entry) = self.entries.get_mut(&key) {
            self.queue.remove(&entry.slot);
            entry.slot = (due, seq);
            self.queue.insert(entry.slot, key);
        }
    }

    /// Makes the planned set what the store says is watched: new products become due at
    /// `now` (most watched first, in the order given), products no longer watched are
    /// dropped, watcher counts are updated.
    pub fn sync(&mut self, watched: &[WatchedProduct], now: DateTime<Utc>) {
        let wanted: HashMap<ProductKey, u32> = watched
            .iter()
            .map(|w| (ProductKey::new(w.marketplace, w.asin), w.watchers))
            .collect();
        let gone: Vec<ProductKey> = self
            .entries
            .keys()
            .filter(|k| !wanted.contains_key(k))
            .copied()
            .collect();
        for key in gone {
            if let Some(entry) = self.entries.remove(&key) {
                self.queue.remove(&entry.slot);
            }
        }
        for w in watched {
            let key = ProductKey::new(w.marketplace, w.asin);
            if let Some(entry) = self.entries.get_mut(&key) {
                entry.watchers = w.watchers;
                continue;
            }
            self.seq += 1;
            let slot = (now, self.seq);
            self.entries.insert(
                key,
                Entry {
                    watchers: w.watchers,
                    hint: RefreshHint::default(),
                    last_refreshed: None,
                    last_price: None,
                    volatility_permille: 0,
                    refreshes: 0,
                    failures: 0,
                    unreadable: 0,
                    slot,
                },
            );
            self.queue.insert(slot, key);
        }
    }

    /// Records the rule engine's hint for a product and re-plans its next refresh.
    pub fn set_hint(&mut self, key: ProductKey, hint: RefreshHint, now: DateTime<Utc>) {
        let Some(entry) = self.entries.get_mut(&key) else {
            return;
        };
        entry.hint = hint;
        let (last, slot) = (entry.last_refreshed, entry.slot.0);
        let due = match last {
            Some(at) => (at + self.wanted_interval(key, now)).min(slot),
            None => slot,
        };
        self.reslot(key, due);
    }

    /// The interval this product wants now (before the quota's bound).
    pub fn wanted_interval(&self, key: ProductKey, now: DateTime<Utc>) -> TimeDelta {
        let c = &self.config;
        let Some(e) = self.entries.get(&key) else {
            return c.base_interval;
        };
        let mut interval = c.base_interval;
        // Volatility: learnt only after a few refreshes.
        if e.refreshes >= 3 {
            interval = match e.volatility_permille {
                v if v >= 500 => interval / 4,
                v if v >= 200 => interval / 2,
                v if v < 20 && e.refreshes >= 10 => interval * 2,
                _ => interval,
            };
        }
        if let Some(gap) = e.hint.target_gap_bps {
            if gap <= c.near_target_bps {
                interval = interval / 4;
            } else if gap <= c.near_target_bps.saturating_mul(2) {
                interval = interval / 2;
            }
        }
        if e.hint.deal_ends_at.is_some_and(|end| end > now) {
            interval = interval.min(c.deal_interval);
        }
        interval.clamp(c.min_interval, c.max_interval)
    }

    /// The interval a product can actually get: what it wants, but never shorter than the
    /// quota's floor for every planned product at `calls_per_second`.
    pub fn effective_interval(
        &self,
        key: ProductKey,
        now: DateTime<Utc>,
        calls_per_second: f64,
    ) -> TimeDelta {
        self.wanted_interval(key, now)
            .max(self.quota_floor(calls_per_second))
    }

    /// The next batch and when to send it; `None` when nothing is planned.
    pub fn plan(&self, now: DateTime<Utc>) -> Option<PlannedBatch> {
        let (&(first_due, _), &first) = self.queue.iter().next()?;
        let send_at = first_due.max(now);
        if self.isolated(&first) {
            return Some(PlannedBatch {
                marketplace: first.marketplace,
                asins: vec![first.asin],
                send_at,
            });
        }
        let horizon =
            send_at + self.config.max_interval * i32::from(self.config.pull_ahead_percent) / 100;
        let mut asins = Vec::with_capacity(self.config.batch_size);
        for (&(due, _), &key) in self.queue.iter().take(self.config.batch_size * 20) {
            if due > horizon || asins.len() == self.config.batch_size {
                break;
            }
            if key.marketplace != first.marketplace || self.isolated(&key) {
                continue;
            }
            let early = if due > send_at {
                self.wanted_interval(key, now) * i32::from(self.config.pull_ahead_percent) / 100
            } else {
                TimeDelta::zero()
            };
            if due - early <= send_at {
                asins.push(key.asin);
            }
        }
        Some(PlannedBatch {
            marketplace: first.marketplace,
            asins,
            send_at,
        })
    }

    /// Records a fresh copy of a product: it is due again one wanted interval after it was
    /// fetched, and its volatility learns whether the price moved.
    pub fn refreshed(&mut self, product: &Product) {
        let key = ProductKey::new(product.marketplace, product.asin);
        let Some(entry) = self.entries.get_mut(&key) else {
            return;
        };
        let price = product.price();
        if entry.refreshes > 0 {
            let moved = u32::from(price != entry.last_price) * 1000;
            // Moving average over roughly the last four refreshes.
            entry.volatility_permille = (entry.volatility_permille * 3 + moved) / 4;
        }
        entry.last_price = price;
        entry.refreshes += 1;
        entry.failures = 0;
        entry.unreadable = 0;
        let at = product.fetched_at;
        entry.last_refreshed = Some(entry.last_refreshed.map_or(at, |l| l.max(at)));
        let due = at + self.wanted_interval(key, at);
        self.reslot(key, due);
    }

    /// Records that a product could not be refreshed: it is retried after a delay that
    /// doubles with each failure in a row (with jitter), capped at its wanted interval for a
    /// first failure and at the longest interval after that. After
    /// a first failure the delay counts from when it was due (if that has passed), so under a
    /// saturated quota a product hit by a passing fault keeps its place near the head of the
    /// queue instead of waiting a full round; after repeated failures it counts from now.
    pub fn failed(&mut self, key: ProductKey, now: DateTime<Utc>, jitter: &Jitter) {
        let interval = self.wanted_interval(key, now);
        let Some(entry) = self.entries.get_mut(&key) else {
            return;
        };
        entry.failures = entry.failures.saturating_add(1);
        let exp = entry.failures.saturating_sub(1).min(16);
        let step = self.config.retry_delay * (1_i32 << exp);
        let step = if entry.failures == 1 {
            step.min(interval)
        } else {
            step.min(self.config.max_interval)
        };
        let half = step.num_milliseconds().max(0) / 2;
        let wait = TimeDelta::milliseconds(half + jitter.below(half as u64 + 1) as i64);
        // A first failure keeps the product's place; repeated ones send it behind the rest.
        let from = if entry.failures == 1 {
            entry.slot.0.min(now)
        } else {
            now
        };
        self.reslot(key, from + wait);
    }

    /// Records that a call carrying this product got an unreadable reply. A product in
    /// [`UNREADABLE_ISOLATION`] such calls in a row goes out alone from then on, so one
    /// ASIN the source cannot describe does not spoil the batches of nine others.
    pub fn failed_unreadable(&mut self, key: ProductKey, now: DateTime<Utc>, jitter: &Jitter) {
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.unreadable = entry.unreadable.saturating_add(1);
        }
        self.failed(key, now, jitter);
    }

    fn isolated(&self, key: &ProductKey) -> bool {
        self.entries
            .get(key)
            .is_some_and(|e| e.unreadable >= UNREADABLE_ISOLATION)
    }

    /// Records that the catalogue no longer knows a product: it is checked again after the
    /// longest interval.
    pub fn gone(&mut self, key: ProductKey, now: DateTime<Utc>) {
        let due = now + self.config.max_interval;
        self.reslot(key, due);
    }

    /// Holds products back until `until` (the source is unavailable); products due later keep
    /// their time.
    pub fn defer(&mut self, keys: &[ProductKey], until: DateTime<Utc>) {
        for key in keys {
            if let Some(entry) = self.entries.get(key)
                && entry.slot.0 < until
            {
                self.reslot(*key, until);
            }
        }
    }

    /// When a product was last refreshed.
    pub fn last_refreshed(&self, key: ProductKey) -> Option<DateTime<Utc>> {
        self.entries.get(&key).and_then(|e| e.last_refreshed)
    }

    /// The most-watched products due within `window` of `now`, at most `limit` (for cache
    /// warming).
    pub fn most_watched_due_within(
        &self,
        now: DateTime<Utc>,
        window: TimeDelta,
        limit: usize,
    ) -> Vec<ProductKey> {
        let end = (now + window, u64::MAX);
        let mut due: Vec<(u32, ProductKey)> = self
            .queue
            .range(..=end)
            .filter_map(|(_, k)| self.entries.get(k).map(|e| (e.watchers, *k)))
            .collect();
        due.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        due.into_iter().take(limit).map(|(_, k)| k).collect()
    }

    /// Freshness figures now (walks every product).
    pub fn stats(&self, now: DateTime<Utc>) -> PlannerStats {
        let due_now = self.queue.range(..=(now, u64::MAX)).count();
        let mut never = 0;
        let mut oldest: Option<TimeDelta> = None;
        let mut total_ms: i128 = 0;
        let mut refreshed = 0_i128;
        for e in self.entries.values() {
            match e.last_refreshed {
                None => never += 1,
                Some(at) => {
                    let age = now - at;
                    oldest = Some(oldest.map_or(age, |o| o.max(age)));
                    total_ms += i128::from(age.num_milliseconds());
                    refreshed += 1;
                }
            }
        }
        PlannerStats {
            products: self.entries.len(),
            due_now,
            never_refreshed: never,
            oldest_age: oldest,
            mean_age: (refreshed > 0)
                .then(|| TimeDelta::milliseconds((total_ms / refreshed) as i64)),
        }
    }
}

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
    pub quota: Arc<Quota>,
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

/// The async driver (see the [module docs](self)).
pub struct MonitorLoop {
    planner: Planner,
    source: Arc<dyn ProductSource>,
    quota: Arc<Quota>,
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
            .field("quota", &self.quota.snapshot())
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
        quota: Arc<Quota>,
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
    pub fn quota(&self) -> &Arc<Quota> {
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
        if let super::BreakerState::Open { until } = self.breaker.state() {
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
        let now = self.clock.now();
        match result {
            Ok(batch) => {
                self.quota.record(Ok(()));
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
                self.deliver(fetched, &keys, now).await
            }
            Err(error) => {
                tracing::warn!(source = self.source.name(), %error, asins = plan.asins.len(), "refresh call failed");
                self.stats.failed_calls += 1;
                self.quota.record(Err(&error));
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
                match fallback.source.get_items(&request).await {
                    Ok(batch) => {
                        fallback.quota.record(Ok(()));
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
                        fallback.quota.record(Err(&e));
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use std::sync::Mutex;

    use chrono::TimeZone;

    use super::*;
    use crate::cache::MemoryCache;
    use crate::monitor::ManualSleeper;
    use crate::monitor::breaker::{BreakerConfig, BreakerState};
    use crate::monitor::fake::{FakeSource, numbered_asins};
    use crate::monitor::quota::QuotaConfig;
    use crate::ports::clock::ManualClock;
    use crate::store::MemoryStore;

    const IN: Marketplace = Marketplace::India;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap()
    }

    fn watched(asins: &[Asin], watchers: u32) -> Vec<WatchedProduct> {
        asins
            .iter()
            .map(|a| WatchedProduct {
                marketplace: IN,
                asin: *a,
                watchers,
            })
            .collect()
    }

    fn fetched(asin: Asin, at: DateTime<Utc>, price: i64) -> Product {
        let mut p = Product::new(asin, IN, "p", at);
        p.offers.push(crate::domain::Offer::new(
            Some(Money::from_minor(price, crate::domain::Currency::INR)),
            crate::domain::Availability::InStock,
        ));
        p
    }

    #[test]
    fn batches_are_packed_ten_asins_per_call_most_overdue_first() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 25);
        planner.sync(&watched(&asins, 3), start());
        let mut seen = Vec::new();
        for expected in [10, 10, 5] {
            let plan = planner.plan(start()).unwrap();
            assert_eq!(plan.send_at, start());
            assert_eq!(plan.asins.len(), expected);
            for a in &plan.asins {
                planner.refreshed(&fetched(*a, start(), 100));
                seen.push(*a);
            }
        }
        assert_eq!(seen, asins, "each ASIN once, in the order they became due");
        let next = planner.plan(start()).unwrap();
        assert_eq!(next.send_at, start() + TimeDelta::hours(2));
    }

    #[test]
    fn one_refresh_per_asin_however_many_watch_it() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 3);
        planner.sync(&watched(&asins, 500), start());
        assert_eq!(planner.len(), 3);
        assert_eq!(planner.plan(start()).unwrap().asins, asins);
    }

    #[test]
    fn a_batch_is_one_marketplace() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 4);
        let mut w = watched(&asins[..2], 1);
        w.extend(asins[2..].iter().map(|a| WatchedProduct {
            marketplace: Marketplace::UnitedStates,
            asin: *a,
            watchers: 1,
        }));
        planner.sync(&w, start());
        let plan = planner.plan(start()).unwrap();
        assert_eq!(plan.marketplace, IN);
        assert_eq!(plan.asins, asins[..2]);
    }

    #[test]
    fn sync_drops_products_nobody_watches_and_keeps_the_rest() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 3);
        planner.sync(&watched(&asins, 1), start());
        planner.refreshed(&fetched(asins[0], start(), 100));
        planner.sync(&watched(&asins[..1], 2), start() + TimeDelta::minutes(1));
        assert_eq!(planner.len(), 1);
        assert_eq!(
            planner.last_refreshed(ProductKey::new(IN, asins[0])),
            Some(start())
        );
    }

    #[test]
    fn interval_shortens_near_a_target_during_deals_and_for_volatile_prices() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 4);
        planner.sync(&watched(&asins, 1), start());
        let key = |i: usize| ProductKey::new(IN, asins[i]);
        let base = TimeDelta::hours(2);
        assert_eq!(planner.wanted_interval(key(0), start()), base);
        planner.set_hint(
            key(1),
            RefreshHint {
                target_gap_bps: Some(300),
                deal_ends_at: None,
            },
            start(),
        );
        assert_eq!(planner.wanted_interval(key(1), start()), base / 4);
        planner.set_hint(
            key(1),
            RefreshHint {
                target_gap_bps: Some(800),
                deal_ends_at: None,
            },
            start(),
        );
        assert_eq!(planner.wanted_interval(key(1), start()), base / 2);
        let ends = start() + TimeDelta::hours(1);
        planner.set_hint(
            key(2),
            RefreshHint {
                target_gap_bps: None,
                deal_ends_at: Some(ends),
            },
            start(),
        );
        assert_eq!(
            planner.wanted_interval(key(2), start()),
            TimeDelta::minutes(5)
        );
        assert_eq!(planner.wanted_interval(key(2), ends), base, "deal over");
        // A price that moves on every refresh.
        for i in 0..6 {
            planner.refreshed(&fetched(asins[3], start() + TimeDelta::hours(i), 100 + i));
        }
        assert_eq!(planner.wanted_interval(key(3), start()), base / 4);
        // A price that never moves relaxes to twice the base.
        for i in 0..12 {
            planner.refreshed(&fetched(asins[0], start() + TimeDelta::hours(i), 100));
        }
        assert_eq!(planner.wanted_interval(key(0), start()), base * 2);
    }

    #[test]
    fn a_batch_is_filled_with_products_due_soon() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 10);
        planner.sync(&watched(&asins, 1), start());
        // Refresh them a minute apart: all due within 9 minutes of each other.
        for (i, a) in asins.iter().enumerate() {
            planner.refreshed(&fetched(*a, start() + TimeDelta::minutes(i as i64), 100));
        }
        let plan = planner.plan(start() + TimeDelta::hours(2)).unwrap();
        assert_eq!(plan.asins.len(), 10, "9 pulled ahead of their time");
        assert_eq!(plan.send_at, start() + TimeDelta::hours(2));
    }

    #[test]
    fn failures_back_off_and_unknown_products_wait_the_longest() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 2);
        planner.sync(&watched(&asins, 1), start());
        let jitter = Jitter::new(1);
        let k0 = ProductKey::new(IN, asins[0]);
        let mut last = start();
        for i in 0..3 {
            planner.failed(k0, start(), &jitter);
            let due = planner.entries[&k0].slot.0;
            let step = TimeDelta::seconds(30 << i);
            assert!(due >= start() + step / 2 && due <= start() + step, "{due}");
            last = due;
        }
        assert!(last > start());
        let k1 = ProductKey::new(IN, asins[1]);
        planner.gone(k1, start());
        assert_eq!(planner.entries[&k1].slot.0, start() + TimeDelta::hours(24));
    }

    #[test]
    fn quota_floor_is_n_over_ten_seconds_at_one_call_per_second() {
        let mut planner = Planner::new(PlannerConfig::as_fresh_as_possible());
        let asins = numbered_asins(1, 1_000);
        planner.sync(&watched(&asins, 1), start());
        assert_eq!(planner.quota_floor(1.0), TimeDelta::seconds(100));
        let key = ProductKey::new(IN, asins[0]);
        assert_eq!(planner.wanted_interval(key, start()), TimeDelta::seconds(1));
        assert_eq!(
            planner.effective_interval(key, start(), 1.0),
            TimeDelta::seconds(100)
        );
    }

    #[derive(Debug, Default)]
    struct RecordingSink {
        batches: Mutex<Vec<FetchedBatch>>,
        fail_next: Mutex<u32>,
    }

    #[async_trait]
    impl BatchSink for RecordingSink {
        async fn handle(&self, batch: &FetchedBatch) -> Result<(), SinkError> {
            let mut fail = self.fail_next.lock().unwrap();
            if *fail > 0 {
                *fail -= 1;
                return Err(SinkError::Failed {
                    message: "database locked".into(),
                    source: None,
                });
            }
            self.batches.lock().unwrap().push(batch.clone());
            Ok(())
        }
    }

    struct Rig {
        clock: ManualClock,
        source: Arc<FakeSource>,
        sink: Arc<RecordingSink>,
        monitor: MonitorLoop,
    }

    fn rig(products: u32, fault_percent: u8, quota: QuotaConfig, breaker: BreakerConfig) -> Rig {
        let clock = ManualClock::new(start());
        let shared: Arc<dyn Clock> = Arc::new(clock.clone());
        let source = Arc::new(FakeSource::new(shared.clone(), fault_percent, 42));
        let asins = numbered_asins(1, products);
        for (i, a) in asins.iter().enumerate() {
            source.add(IN, *a, 10_000 + i as i64, i % 3 == 0);
        }
        let mut planner = Planner::new(PlannerConfig::as_fresh_as_possible());
        planner.sync(&watched(&asins, 1), start());
        let sink = Arc::new(RecordingSink::default());
        let monitor = MonitorLoop::new(
            planner,
            source.clone(),
            Arc::new(Quota::new(quota, shared.clone(), 7).unwrap()),
            Arc::new(CircuitBreaker::new("fake", breaker, shared.clone())),
            shared,
            Arc::new(ManualSleeper::new(clock.clone())),
            sink.clone(),
        );
        Rig {
            clock,
            source,
            sink,
            monitor,
        }
    }

    #[tokio::test]
    async fn driver_refreshes_every_product_at_the_quota_limit_with_full_calls() {
        let mut r = rig(
            1_000,
            0,
            QuotaConfig::rate_only(1.0),
            BreakerConfig::default(),
        );
        r.monitor
            .run_until(start() + TimeDelta::seconds(300), TimeDelta::hours(1))
            .await;
        let stats = r.monitor.stats();
        assert!(stats.asins_per_call() >= 9.9, "{stats:?}");
        assert!((299..=301).contains(&stats.calls), "{stats:?}");
        assert_eq!(r.source.calls(), stats.calls);
        let pstats = r.monitor.planner().stats(r.clock.now());
        assert_eq!(pstats.never_refreshed, 0);
        // 1,000 products at 1 call/s in calls of 10: every product within 100 s.
        assert!(
            pstats.oldest_age.unwrap() <= TimeDelta::seconds(101),
            "{pstats:?}"
        );
        let batches = r.sink.batches.lock().unwrap();
        assert!(
            batches
                .iter()
                .all(|b| !b.stale && b.origin == DataOrigin::Api)
        );
    }

    #[tokio::test]
    async fn open_breaker_answers_from_cache_marked_stale_then_recovers() {
        let mut r = rig(
            20,
            0,
            QuotaConfig::rate_only(1.0),
            BreakerConfig {
                failure_threshold: 1,
                cool_down: std::time::Duration::from_secs(60),
                ..BreakerConfig::default()
            },
        );
        let cache = Arc::new(MemoryCache::new(
            100,
            TimeDelta::hours(1),
            Arc::new(r.clock.clone()),
        ));
        r.monitor = r.monitor.with_cache(cache.clone());
        // Two good calls fill the cache.
        for _ in 0..2 {
            assert!(matches!(
                r.monitor.step().await,
                StepOutcome::Fetched { refreshed: 10, .. }
            ));
        }
        assert_eq!(cache.len(), 20);
        r.monitor.breaker().record(Err(&SourceError::Server {
            source_name: "fake".into(),
            status: 503,
            message: "down".into(),
        }));
        assert!(matches!(
            r.monitor.breaker().state(),
            BreakerState::Open { .. }
        ));
        let calls_before = r.source.calls();
        let outcome = r.monitor.step().await;
        let StepOutcome::ServedStale {
            cached,
            scraped: 0,
            retry_at,
        } = outcome
        else {
            panic!("expected stale service, got {outcome:?}");
        };
        assert_eq!(cached, 10);
        assert_eq!(r.source.calls(), calls_before, "no call while open");
        {
            let batches = r.sink.batches.lock().unwrap();
            let last = batches.last().unwrap();
            assert!(last.stale);
            assert_eq!(last.origin, DataOrigin::Cached);
            assert!(last.products.iter().all(|p| p.origin == DataOrigin::Cached));
        }
        // After the cool-down a probe goes through and the source is used again.
        r.monitor
            .run_until(retry_at + TimeDelta::seconds(5), TimeDelta::hours(1))
            .await;
        assert!(r.source.calls() > calls_before);
        assert_eq!(r.monitor.breaker().state(), BreakerState::Closed);
    }

    #[tokio::test]
    async fn open_breaker_uses_the_fallback_and_marks_data_scraped() {
        let mut r = rig(
            10,
            0,
            QuotaConfig::rate_only(1.0),
            BreakerConfig {
                failure_threshold: 1,
                ..BreakerConfig::default()
            },
        );
        let shared: Arc<dyn Clock> = Arc::new(r.clock.clone());
        let scraper = Arc::new(FakeSource::new(shared.clone(), 0, 9));
        for a in numbered_asins(1, 10) {
            scraper.add(IN, a, 5_000, false);
        }
        r.monitor = r.monitor.with_fallback(Fallback {
            source: scraper.clone(),
            quota: Arc::new(Quota::new(QuotaConfig::rate_only(0.2), shared, 3).unwrap()),
            per_call: 10,
        });
        r.monitor.breaker().record(Err(&SourceError::Timeout {
            source_name: "fake".into(),
            phase: "read".into(),
        }));
        let outcome = r.monitor.step().await;
        assert!(
            matches!(
                outcome,
                StepOutcome::ServedStale {
                    scraped: 10,
                    cached: 0,
                    ..
                }
            ),
            "{outcome:?}"
        );
        assert_eq!(r.source.calls(), 0);
        assert_eq!(scraper.calls(), 1);
        let batches = r.sink.batches.lock().unwrap();
        let last = batches.last().unwrap();
        assert!(last.stale);
        assert_eq!(last.origin, DataOrigin::Scraped);
        assert!(
            last.products
                .iter()
                .all(|p| p.origin == DataOrigin::Scraped)
        );
        assert_eq!(r.monitor.stats().scraped, 10);
    }

    #[tokio::test]
    async fn warming_loads_the_most_watched_due_products_into_memory() {
        use crate::cache::{StoreCache, TieredCache};
        let mut r = rig(30, 0, QuotaConfig::rate_only(1.0), BreakerConfig::default());
        let store = Arc::new(MemoryStore::new());
        let asins = numbered_asins(1, 30);
        for a in &asins {
            store
                .upsert_product(&fetched(*a, start(), 100))
                .await
                .unwrap();
        }
        let clock: Arc<dyn Clock> = Arc::new(r.clock.clone());
        let tiered = Arc::new(TieredCache::new(
            MemoryCache::new(100, TimeDelta::hours(1), clock.clone()),
            StoreCache::new(store, TimeDelta::days(1), clock),
        ));
        r.monitor = r.monitor.with_cache(tiered.clone());
        assert_eq!(r.monitor.warm_cache(TimeDelta::minutes(5), 12).await, 12);
        assert_eq!(tiered.l1().len(), 12);
    }

    #[tokio::test]
    async fn the_fallback_reads_at_most_its_share_per_call() {
        let mut r = rig(
            10,
            0,
            QuotaConfig::rate_only(1.0),
            BreakerConfig {
                failure_threshold: 1,
                ..BreakerConfig::default()
            },
        );
        let shared: Arc<dyn Clock> = Arc::new(r.clock.clone());
        let scraper = Arc::new(FakeSource::new(shared.clone(), 0, 9));
        for a in numbered_asins(1, 10) {
            scraper.add(IN, a, 5_000, false);
        }
        r.monitor = r.monitor.with_fallback(Fallback {
            source: scraper.clone(),
            quota: Arc::new(Quota::new(QuotaConfig::rate_only(1.0), shared, 3).unwrap()),
            per_call: 3,
        });
        r.monitor.breaker().record(Err(&SourceError::Timeout {
            source_name: "fake".into(),
            phase: "read".into(),
        }));
        let outcome = r.monitor.step().await;
        assert!(
            matches!(outcome, StepOutcome::ServedStale { scraped: 3, .. }),
            "{outcome:?}"
        );
        let batches = r.sink.batches.lock().unwrap();
        assert_eq!(batches.last().unwrap().requested.len(), 3);
        assert_eq!(r.monitor.planner().stats(r.clock.now()).never_refreshed, 7);
    }

    #[tokio::test]
    async fn an_asin_the_source_cannot_describe_is_isolated_and_the_rest_stay_fresh() {
        let mut r = rig(40, 0, QuotaConfig::rate_only(1.0), BreakerConfig::default());
        let asins = numbered_asins(1, 40);
        r.source.poison(asins[7]);
        r.monitor
            .run_until(start() + TimeDelta::minutes(10), TimeDelta::hours(1))
            .await;
        let now = r.clock.now();
        for (i, a) in asins.iter().enumerate() {
            let last = r.monitor.planner().last_refreshed(ProductKey::new(IN, *a));
            if i == 7 {
                assert_eq!(last, None);
            } else {
                assert!(
                    last.is_some_and(|t| now - t <= TimeDelta::seconds(30)),
                    "{a}: {last:?}"
                );
            }
        }
        assert_eq!(r.monitor.breaker().state(), BreakerState::Closed);
        let stats = r.monitor.stats();
        assert!(stats.failed_calls * 10 < stats.calls, "{stats:?}");
    }

    #[tokio::test]
    async fn a_refused_batch_is_fetched_again() {
        let mut r = rig(10, 0, QuotaConfig::rate_only(1.0), BreakerConfig::default());
        *r.sink.fail_next.lock().unwrap() = 1;
        assert!(matches!(r.monitor.step().await, StepOutcome::SinkFailed(_)));
        assert_eq!(r.monitor.planner().stats(r.clock.now()).never_refreshed, 10);
        r.monitor
            .run_until(start() + TimeDelta::minutes(2), TimeDelta::hours(1))
            .await;
        assert_eq!(r.monitor.planner().stats(r.clock.now()).never_refreshed, 0);
        assert_eq!(r.monitor.stats().sink_failures, 1);
    }

    #[tokio::test]
    async fn watched_products_come_from_the_store_and_calls_are_recorded() {
        use crate::domain::{AlertRule, NewUser, NewWatch, WatchTarget};
        let mut r = rig(0, 0, QuotaConfig::rate_only(1.0), BreakerConfig::default());
        let store = Arc::new(MemoryStore::new());
        let asins = numbered_asins(1, 3);
        for a in &asins {
            r.source.add(IN, *a, 1_000, false);
        }
        for user in 0..2 {
            let new_user = NewUser {
                identity: crate::domain::ExternalIdentity::new(
                    "telegram",
                    format!("{}", 1000 + user),
                ),
                display_name: None,
                settings: crate::domain::UserSettings::default(),
            };
            let u = store.upsert_user(&new_user, start()).await.unwrap();
            for a in &asins {
                let watch = NewWatch {
                    user_id: u.id,
                    target: WatchTarget::Product {
                        marketplace: IN,
                        asin: *a,
                    },
                    rules: vec![AlertRule::BackInStock],
                    baseline_price: None,
                    label: None,
                };
                store.create_watch(&watch, start()).await.unwrap();
            }
        }
        r.monitor = r.monitor.with_store(store.clone());
        assert_eq!(r.monitor.sync_watched().await.unwrap(), 3);
        assert!(matches!(
            r.monitor.step().await,
            StepOutcome::Fetched {
                requested: 3,
                refreshed: 3
            }
        ));
        let usage = store.api_usage("fake", start().date_naive()).await.unwrap();
        assert_eq!(usage.calls, 1);
        assert_eq!(usage.items, 3);
    }
}
