//! The database cache tier over the [`Store`] port: `get_product` is the L2.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use super::{Cache, CacheError};
use crate::domain::{Asin, Marketplace, Product};
use crate::ports::clock::Clock;
use crate::ports::store::{Store, StoreError};

/// The last saved copy of each product in a [`Store`], as a cache tier.
///
/// `put` saves a copy (with its price points; the store skips points it already has) only
/// when it is fresher than the saved one. The store is the record of what was seen, so
/// `invalidate` does not delete anything: it hides the saved copy from this tier until the
/// next `put` (kept in process, one entry per invalidated product).
#[derive(Debug)]
pub struct StoreCache<S> {
    store: S,
    max_age: TimeDelta,
    clock: Arc<dyn Clock>,
    hidden: Mutex<HashMap<(Marketplace, Asin), DateTime<Utc>>>,
}

impl<S: Store> StoreCache<S> {
    /// A tier over `store` serving copies fetched less than `max_age` ago.
    pub fn new(store: S, max_age: TimeDelta, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            max_age,
            clock,
            hidden: Mutex::new(HashMap::new()),
        }
    }

    /// The store underneath.
    pub fn store(&self) -> &S {
        &self.store
    }

    fn hidden(&self) -> MutexGuard<'_, HashMap<(Marketplace, Asin), DateTime<Utc>>> {
        self.hidden.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn backend(e: StoreError) -> CacheError {
    CacheError::Backend {
        tier: "store",
        message: e.to_string(),
        source: Some(Box::new(e)),
    }
}

#[async_trait]
impl<S: Store> Cache for StoreCache<S> {
    fn name(&self) -> &str {
        "store"
    }

    async fn get(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> Result<Option<Product>, CacheError> {
        let Some(product) = self
            .store
            .get_product(marketplace, asin)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        if let Some(hidden_upto) = self.hidden().get(&(marketplace, asin))
            && product.fetched_at <= *hidden_upto
        {
            return Ok(None);
        }
        if product.fetched_at + self.max_age <= self.clock.now() {
            return Ok(None);
        }
        Ok(Some(product))
    }

    async fn put(&self, product: &Product) -> Result<bool, CacheError> {
        let saved = self
            .store
            .get_product(product.marketplace, product.asin)
            .await
            .map_err(backend)?;
        self.hidden().remove(&(product.marketplace, product.asin));
        if saved.is_some_and(|s| s.fetched_at > product.fetched_at) {
            return Ok(false);
        }
        self.store.upsert_product(product).await.map_err(backend)?;
        Ok(true)
    }

    async fn put_persisted(&self, product: &Product) -> Result<bool, CacheError> {
        // The store already holds this observation: only lift an invalidation.
        self.hidden().remove(&(product.marketplace, product.asin));
        Ok(true)
    }

    async fn invalidate(&self, marketplace: Marketplace, asin: Asin) -> Result<(), CacheError> {
        let saved = self
            .store
            .get_product(marketplace, asin)
            .await
            .map_err(backend)?;
        if let Some(saved) = saved {
            self.hidden().insert((marketplace, asin), saved.fetched_at);
        }
        Ok(())
    }
}
