//! Two cache tiers, the fast one in front: reads fall through and promote, writes go to both.

use async_trait::async_trait;

use super::{Cache, CacheError};
use crate::domain::{Asin, Marketplace, Product};

/// A fast tier (`l1`, e.g. [`MemoryCache`](super::MemoryCache)) in front of a slower, larger
/// one (`l2`, e.g. [`StoreCache`](super::StoreCache), later Redis).
///
/// A read tries L1, then L2 and copies an L2 hit into L1. A write goes to L2, then L1. A
/// failing L1 is logged and skipped; a failing L2 is an error.
#[derive(Debug)]
pub struct TieredCache<A, B> {
    l1: A,
    l2: B,
}

impl<A: Cache, B: Cache> TieredCache<A, B> {
    /// `l1` in front of `l2`.
    pub fn new(l1: A, l2: B) -> Self {
        Self { l1, l2 }
    }

    /// The fast tier.
    pub fn l1(&self) -> &A {
        &self.l1
    }

    /// The slow tier.
    pub fn l2(&self) -> &B {
        &self.l2
    }
}

#[async_trait]
impl<A: Cache, B: Cache> Cache for TieredCache<A, B> {
    fn name(&self) -> &str {
        "tiered"
    }

    async fn get(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> Result<Option<Product>, CacheError> {
        match self.l1.get(marketplace, asin).await {
            Ok(Some(p)) => return Ok(Some(p)),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "L1 cache read failed; trying L2"),
        }
        let found = self.l2.get(marketplace, asin).await?;
        if let Some(p) = &found
            && let Err(e) = self.l1.put(p).await
        {
            tracing::warn!(error = %e, "L1 cache write failed");
        }
        Ok(found)
    }

    async fn put(&self, product: &Product) -> Result<bool, CacheError> {
        if !self.l2.put(product).await? {
            // L2 holds a fresher copy: make sure L1 does not serve an older one.
            if let Err(e) = self.l1.invalidate(product.marketplace, product.asin).await {
                tracing::warn!(error = %e, "L1 cache invalidation failed");
            }
            return Ok(false);
        }
        if let Err(e) = self.l1.put(product).await {
            tracing::warn!(error = %e, "L1 cache write failed");
        }
        Ok(true)
    }

    async fn put_persisted(&self, product: &Product) -> Result<bool, CacheError> {
        if !self.l2.put_persisted(product).await? {
            if let Err(e) = self.l1.invalidate(product.marketplace, product.asin).await {
                tracing::warn!(error = %e, "L1 cache invalidation failed");
            }
            return Ok(false);
        }
        if let Err(e) = self.l1.put(product).await {
            tracing::warn!(error = %e, "L1 cache write failed");
        }
        Ok(true)
    }

    async fn invalidate(&self, marketplace: Marketplace, asin: Asin) -> Result<(), CacheError> {
        self.l2.invalidate(marketplace, asin).await?;
        self.l1.invalidate(marketplace, asin).await
    }

    /// Copies products from L2 into L1 ahead of need (e.g. the most-watched products before
    /// their refresh is due, so lookups during the refresh are answered from memory). Returns
    /// how many were loaded.
    ///
    /// # Errors
    ///
    /// The L2 tier's error; products loaded before it stay loaded.
    async fn warm(&self, keys: &[(Marketplace, Asin)]) -> Result<usize, CacheError> {
        let mut loaded = 0;
        for (m, a) in keys {
            if let Some(p) = self.l2.get(*m, *a).await?
                && self.l1.put(&p).await.unwrap_or(false)
            {
                loaded += 1;
            }
        }
        Ok(loaded)
    }
}
