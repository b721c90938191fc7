//! The planner: which batch of products to refresh next, and when (see the
//! [scheduler docs](super)).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Asin, Marketplace, Money, Product};
use crate::monitor::Jitter;
use crate::ports::source::MAX_ITEMS_PER_CALL;
use crate::ports::store::WatchedProduct;

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
///
/// It also carries the alerting step's requests to read a product again at once: a
/// suspect observation waits in quarantine for a second read
/// ([`HintBoard::request_recheck`]), which the driver makes right after the batch with the
/// interactive priority class.
#[derive(Debug, Default)]
pub struct HintBoard {
    hints: std::sync::Mutex<HashMap<ProductKey, RefreshHint>>,
    rechecks: std::sync::Mutex<std::collections::BTreeSet<ProductKey>>,
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

    /// Asks for a second read of a product at once (its last observation is held as
    /// suspect).
    pub fn request_recheck(&self, key: ProductKey) {
        self.rechecks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key);
    }

    /// Takes every product waiting for a second read, in key order.
    pub fn take_rechecks(&self) -> Vec<ProductKey> {
        std::mem::take(&mut *self.rechecks.lock().unwrap_or_else(|e| e.into_inner()))
            .into_iter()
            .collect()
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

/// The pure planning core (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct Planner {
    config: PlannerConfig,
    entries: HashMap<ProductKey, Entry>,
    queue: BTreeMap<(DateTime<Utc>, u64), ProductKey>,
    seq: u64,
}

impl Planner {
    /// When the product `key` is due next (tests look inside the queue through this).
    #[cfg(test)]
    pub(super) fn due_at(&self, key: ProductKey) -> Option<DateTime<Utc>> {
        self.entries.get(&key).map(|e| e.slot.0)
    }

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

    /// The age of every refreshed product's last refresh (freshness lag), in no order.
    pub fn ages(&self, now: DateTime<Utc>) -> Vec<TimeDelta> {
        self.entries
            .values()
            .filter_map(|e| e.last_refreshed.map(|at| now - at))
            .collect()
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
