//! The in-process cache tier: TTL, bounded size, least-recently-used eviction.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::TimeDelta;

use super::{Cache, CacheError};
use crate::domain::{Asin, Marketplace, Product};
use crate::ports::clock::Clock;

type Key = (Marketplace, Asin);

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<Key, (Product, u64)>,
    by_use: BTreeMap<u64, Key>,
    tick: u64,
}

impl Inner {
    fn touch(&mut self, key: Key) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(entry) = self.entries.get_mut(&key) {
            self.by_use.remove(&entry.1);
            entry.1 = tick;
            self.by_use.insert(tick, key);
        }
    }

    fn remove(&mut self, key: &Key) {
        if let Some((_, tick)) = self.entries.remove(key) {
            self.by_use.remove(&tick);
        }
    }
}

/// Products in memory: at most `capacity` of them, each served until `ttl` after it was
/// fetched; when full, the least recently used goes.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use mandi_core::cache::{Cache, MemoryCache};
/// use mandi_core::{Clock, ManualClock, Marketplace, Product};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap());
/// let cache = MemoryCache::new(1_000, TimeDelta::minutes(10), Arc::new(clock.clone()));
/// let phone = Product::new("B0CX59H5W7".parse()?, Marketplace::India, "Phone", clock.now());
/// cache.put(&phone).await?;
/// assert!(cache.get(Marketplace::India, phone.asin).await?.is_some());
/// clock.advance(TimeDelta::minutes(11));
/// assert!(cache.get(Marketplace::India, phone.asin).await?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct MemoryCache {
    capacity: usize,
    ttl: TimeDelta,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
}

impl MemoryCache {
    /// A cache holding at most `capacity` products (at least 1) for `ttl` after each was
    /// fetched.
    pub fn new(capacity: usize, ttl: TimeDelta, clock: Arc<dyn Clock>) -> Self {
        Self {
            capacity: capacity.max(1),
            ttl,
            clock,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many products are held (expired ones included until they are next read).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when a live copy of the product is held (does not count as a use).
    pub fn contains(&self, marketplace: Marketplace, asin: Asin) -> bool {
        let now = self.clock.now();
        self.lock()
            .entries
            .get(&(marketplace, asin))
            .is_some_and(|(p, _)| p.fetched_at + self.ttl > now)
    }
}

#[async_trait]
impl Cache for MemoryCache {
    fn name(&self) -> &str {
        "memory"
    }

    async fn get(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> Result<Option<Product>, CacheError> {
        let now = self.clock.now();
        let key = (marketplace, asin);
        let mut inner = self.lock();
        let Some((product, _)) = inner.entries.get(&key) else {
            return Ok(None);
        };
        if product.fetched_at + self.ttl <= now {
            inner.remove(&key);
            return Ok(None);
        }
        let product = product.clone();
        inner.touch(key);
        Ok(Some(product))
    }

    async fn put(&self, product: &Product) -> Result<bool, CacheError> {
        let key = (product.marketplace, product.asin);
        let mut inner = self.lock();
        if let Some((held, _)) = inner.entries.get(&key)
            && held.fetched_at > product.fetched_at
        {
            return Ok(false);
        }
        inner.remove(&key);
        while inner.entries.len() >= self.capacity {
            let Some((_, oldest)) = inner.by_use.pop_first() else {
                break;
            };
            inner.entries.remove(&oldest);
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.entries.insert(key, (product.clone(), tick));
        inner.by_use.insert(tick, key);
        Ok(true)
    }

    async fn invalidate(&self, marketplace: Marketplace, asin: Asin) -> Result<(), CacheError> {
        self.lock().remove(&(marketplace, asin));
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;
    use crate::ports::clock::ManualClock;
    use chrono::{TimeZone, Utc};

    #[tokio::test]
    async fn the_least_recently_used_goes_when_full() {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap());
        let cache = MemoryCache::new(2, TimeDelta::hours(1), Arc::new(clock.clone()));
        let asins: Vec<Asin> = ["B000000001", "B000000002", "B000000003"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        for a in &asins[..2] {
            cache
                .put(&Product::new(*a, Marketplace::India, "p", clock.now()))
                .await
                .unwrap();
        }
        // Use the first, so the second is the least recently used.
        assert!(
            cache
                .get(Marketplace::India, asins[0])
                .await
                .unwrap()
                .is_some()
        );
        cache
            .put(&Product::new(
                asins[2],
                Marketplace::India,
                "p",
                clock.now(),
            ))
            .await
            .unwrap();
        assert_eq!(cache.len(), 2);
        assert!(cache.contains(Marketplace::India, asins[0]));
        assert!(!cache.contains(Marketplace::India, asins[1]));
        assert!(cache.contains(Marketplace::India, asins[2]));
    }
}
