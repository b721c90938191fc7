//! The `Cache` contract run against every cache adapter in this crate.
#![allow(clippy::unwrap_used)] // tests may unwrap

use std::sync::Arc;

use chrono::TimeDelta;
use mandi_core::ManualClock;
use mandi_core::cache::{MemoryCache, StoreCache, TieredCache};
use mandi_core::store::{MemoryStore, SqliteStore};

mod memory {
    use super::*;
    mandi_core::cache_contract!(|clock: ManualClock, ttl: TimeDelta| MemoryCache::new(
        100,
        ttl,
        Arc::new(clock)
    ));
}

mod store_over_memory {
    use super::*;
    mandi_core::cache_contract!(|clock: ManualClock, ttl: TimeDelta| StoreCache::new(
        MemoryStore::new(),
        ttl,
        Arc::new(clock)
    ));
}

mod store_over_sqlite {
    use super::*;
    mandi_core::cache_contract!(|clock: ManualClock, ttl: TimeDelta| StoreCache::new(
        SqliteStore::open_in_memory().expect("in-memory SQLite store"),
        ttl,
        Arc::new(clock)
    ));
}

mod tiered {
    use super::*;
    mandi_core::cache_contract!(|clock: ManualClock, ttl: TimeDelta| TieredCache::new(
        MemoryCache::new(100, ttl, Arc::new(clock.clone())),
        StoreCache::new(MemoryStore::new(), ttl, Arc::new(clock))
    ));
}

/// Warming copies the most-watched products from the database tier into memory.
#[tokio::test]
async fn warming_loads_l2_copies_into_l1() {
    use chrono::{TimeZone, Utc};
    use mandi_core::cache::Cache;
    use mandi_core::{Clock, Marketplace, Product, Store};

    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap());
    let store = Arc::new(MemoryStore::new());
    let asins: Vec<mandi_core::Asin> = ["B000000001", "B000000002"]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    for a in &asins {
        store
            .upsert_product(&Product::new(*a, Marketplace::India, "p", clock.now()))
            .await
            .unwrap();
    }
    let tiered = TieredCache::new(
        MemoryCache::new(10, TimeDelta::hours(1), Arc::new(clock.clone())),
        StoreCache::new(store, TimeDelta::days(1), Arc::new(clock.clone())),
    );
    assert!(!tiered.l1().contains(Marketplace::India, asins[0]));
    let keys: Vec<_> = asins.iter().map(|a| (Marketplace::India, *a)).collect();
    assert_eq!(tiered.warm(&keys).await.unwrap(), 2);
    assert!(tiered.l1().contains(Marketplace::India, asins[0]));
    assert!(tiered.l1().contains(Marketplace::India, asins[1]));
    // Warming again reloads the same copies harmlessly.
    assert_eq!(tiered.warm(&keys).await.unwrap(), 2);
    let _ = tiered.get(Marketplace::India, asins[0]).await.unwrap();
}
