//! The `Cache` port: recent copies of products, so lookups and an unavailable source can be
//! answered without spending quota.
//!
//! Adapters: [`MemoryCache`] (in process: TTL, bounded size, least-recently-used eviction),
//! [`StoreCache`] (the database tier over the [`Store`](crate::Store) port, its
//! `get_product` being the L2), [`TieredCache`] (L1 in front of L2, with warming) and, with
//! the `redis` feature, `RedisCache` (shared by every process on one Redis server); the port
//! knows no driver. Every adapter runs the same contract suite
//! (`cache_contract!`, feature `test-util`).
//!
//! Rules every adapter keeps:
//!
//! * a copy is kept unless a copy **fetched later** is already held (so a late, older answer
//!   never replaces a fresher one: invalidation on a fresher fetch);
//! * a copy older than the adapter's TTL (measured from the product's `fetched_at`) is not
//!   served;
//! * [`Cache::invalidate`] forgets the copy until the next `put`;
//! * what comes back is what was put — unknown prices stay unknown. Callers that serve a
//!   cached copy in place of a fresh one mark it [`DataOrigin::Cached`](crate::DataOrigin).

pub mod memory;
#[cfg(feature = "redis")]
pub mod redis_cache;
pub mod store;
pub mod tiered;

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{Asin, Marketplace, Product};

pub use memory::MemoryCache;
#[cfg(feature = "redis")]
pub use redis_cache::RedisCache;
pub use store::StoreCache;
pub use tiered::TieredCache;

/// Errors any `Cache` adapter may return.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The cache's backend failed; the caller may go on without the cache.
    #[error("the {tier} cache failed: {message}")]
    Backend {
        /// Which tier (`memory`, `store`, `redis`).
        tier: &'static str,
        /// What failed.
        message: String,
        /// The backend's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

/// Recent copies of products (see the [module docs](self)).
///
/// # Example
///
/// The in-memory adapter; `StoreCache` and `TieredCache` answer the same calls:
///
/// ```
/// use std::sync::Arc;
/// use chrono::{TimeDelta, Utc};
/// use mandi_core::cache::{Cache, MemoryCache};
/// use mandi_core::{Asin, Marketplace, Product, SystemClock};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let cache = MemoryCache::new(1_000, TimeDelta::minutes(15), Arc::new(SystemClock));
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let product = Product::new(asin, Marketplace::India, "Phone", Utc::now());
/// assert!(cache.put(&product).await?);
/// assert_eq!(cache.get(Marketplace::India, asin).await?.map(|p| p.asin), Some(asin));
/// cache.invalidate(Marketplace::India, asin).await?;
/// assert!(cache.get(Marketplace::India, asin).await?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[async_trait]
pub trait Cache: Send + Sync {
    /// A short name for logs (`memory`, `store`, `tiered`).
    fn name(&self) -> &str;

    /// The copy held for a product, unless it has expired or was invalidated.
    async fn get(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> Result<Option<Product>, CacheError>;

    /// Keeps this copy unless one fetched later is already held. Returns true when kept.
    async fn put(&self, product: &Product) -> Result<bool, CacheError>;

    /// Forgets the copy held for a product until the next `put`.
    async fn invalidate(&self, marketplace: Marketplace, asin: Asin) -> Result<(), CacheError>;

    /// Loads these products from a slower tier into a faster one ahead of need (the
    /// most-watched products before their refresh is due); returns how many were loaded. A
    /// single-tier cache has nothing to load from and returns 0.
    async fn warm(&self, keys: &[(Marketplace, Asin)]) -> Result<usize, CacheError> {
        let _ = keys;
        Ok(0)
    }

    /// Like [`Cache::put`] for a product the caller has just saved in the store itself (the
    /// monitoring step writes each observation once): a tier backed by that store does not
    /// write it a second time. Returns true when kept.
    async fn put_persisted(&self, product: &Product) -> Result<bool, CacheError> {
        self.put(product).await
    }
}

macro_rules! forward_cache {
    ($ty:ty) => {
        #[async_trait]
        impl<T: Cache + ?Sized> Cache for $ty {
            fn name(&self) -> &str {
                (**self).name()
            }
            async fn get(&self, m: Marketplace, a: Asin) -> Result<Option<Product>, CacheError> {
                (**self).get(m, a).await
            }
            async fn put(&self, p: &Product) -> Result<bool, CacheError> {
                (**self).put(p).await
            }
            async fn invalidate(&self, m: Marketplace, a: Asin) -> Result<(), CacheError> {
                (**self).invalidate(m, a).await
            }
            async fn warm(&self, keys: &[(Marketplace, Asin)]) -> Result<usize, CacheError> {
                (**self).warm(keys).await
            }
            async fn put_persisted(&self, p: &Product) -> Result<bool, CacheError> {
                (**self).put_persisted(p).await
            }
        }
    };
}

forward_cache!(Arc<T>);
forward_cache!(Box<T>);
forward_cache!(&T);
