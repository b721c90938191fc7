//! The Redis cache tier (feature `redis`): one Redis hash per product, shared by every process
//! pointed at the same server.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::TimeDelta;

use super::{Cache, CacheError};
use crate::domain::{Asin, Marketplace, Product};
use crate::ports::clock::Clock;
use crate::redis_conn::{RedisConnection, RedisError};

/// Keeps the copy unless one fetched later is held (atomic: a late, older answer from another
/// process never replaces a fresher one). KEYS[1] the product's key; ARGV: fetched_at in
/// microseconds, the JSON copy, the key's lifetime in milliseconds.
const PUT_SCRIPT: &str = r"
local held = redis.call('HGET', KEYS[1], 'at')
if held and tonumber(held) > tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'at', ARGV[1], 'p', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

/// Products in Redis, served until `ttl` after each was fetched (measured on the [`Clock`]
/// port, like every tier; Redis also expires each key then, so nothing stale piles up).
///
/// Keys are `<prefix>:product:<country>:<ASIN>` hashes holding `at` (the copy's `fetched_at`
/// in microseconds) and `p` (the product as JSON). The prefix keeps deployments sharing one
/// server apart.
///
/// # Example
///
/// ```no_run
/// use std::sync::Arc;
/// use chrono::TimeDelta;
/// use mandi_core::cache::{Cache, RedisCache};
/// use mandi_core::redis_conn::RedisConnection;
/// use mandi_core::SystemClock;
///
/// let connection = RedisConnection::open("redis://127.0.0.1:6379/0")?;
/// let cache = RedisCache::new(connection, "mandi", TimeDelta::minutes(15), Arc::new(SystemClock));
/// assert_eq!(cache.name(), "redis");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RedisCache {
    connection: RedisConnection,
    prefix: String,
    ttl: TimeDelta,
    clock: Arc<dyn Clock>,
    put_script: Arc<redis::Script>,
}

fn backend(what: &str, e: RedisError) -> CacheError {
    CacheError::Backend {
        tier: "redis",
        message: format!("{what}: {e}"),
        source: Some(Box::new(e)),
    }
}

impl RedisCache {
    /// A tier on `connection` under the key prefix `prefix`, serving copies fetched less than
    /// `ttl` ago.
    pub fn new(
        connection: RedisConnection,
        prefix: impl Into<String>,
        ttl: TimeDelta,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            connection,
            prefix: prefix.into(),
            ttl,
            clock,
            put_script: Arc::new(redis::Script::new(PUT_SCRIPT)),
        }
    }

    fn key(&self, marketplace: Marketplace, asin: Asin) -> String {
        format!(
            "{}:product:{}:{}",
            self.prefix,
            marketplace.country_code(),
            asin
        )
    }
}

#[async_trait]
impl Cache for RedisCache {
    fn name(&self) -> &str {
        "redis"
    }

    async fn get(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> Result<Option<Product>, CacheError> {
        let key = self.key(marketplace, asin);
        let mut conn = self
            .connection
            .manager()
            .await
            .map_err(|e| backend("connecting", e))?;
        let (_at, json): (Option<i64>, Option<String>) = redis::cmd("HMGET")
            .arg(&key)
            .arg("at")
            .arg("p")
            .query_async(&mut conn)
            .await
            .map_err(|e| backend(&format!("reading {key}"), e.into()))?;
        let Some(json) = json else {
            return Ok(None);
        };
        let product: Product = serde_json::from_str(&json).map_err(|e| CacheError::Backend {
            tier: "redis",
            message: format!("the copy held at {key} is not a product: {e}"),
            source: Some(Box::new(e)),
        })?;
        if product.marketplace != marketplace || product.asin != asin {
            return Err(CacheError::Backend {
                tier: "redis",
                message: format!(
                    "the copy held at {key} is of {} in {}",
                    product.asin, product.marketplace
                ),
                source: None,
            });
        }
        if product.fetched_at + self.ttl <= self.clock.now() {
            return Ok(None);
        }
        Ok(Some(product))
    }

    async fn put(&self, product: &Product) -> Result<bool, CacheError> {
        let key = self.key(product.marketplace, product.asin);
        let json = serde_json::to_string(product).map_err(|e| CacheError::Backend {
            tier: "redis",
            message: format!("encoding {key}: {e}"),
            source: Some(Box::new(e)),
        })?;
        let at = product.fetched_at.timestamp_micros();
        // Redis drops the key when the copy would no longer be served (at least a second on,
        // so a copy put just before it expires is still read back consistently).
        let left = (product.fetched_at + self.ttl - self.clock.now())
            .num_milliseconds()
            .max(1_000);
        let mut conn = self
            .connection
            .manager()
            .await
            .map_err(|e| backend("connecting", e))?;
        let kept: i64 = self
            .put_script
            .key(&key)
            .arg(at)
            .arg(json)
            .arg(left)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| backend(&format!("writing {key}"), e.into()))?;
        Ok(kept == 1)
    }

    async fn invalidate(&self, marketplace: Marketplace, asin: Asin) -> Result<(), CacheError> {
        let key = self.key(marketplace, asin);
        let mut conn = self
            .connection
            .manager()
            .await
            .map_err(|e| backend("connecting", e))?;
        let _: i64 = redis::cmd("DEL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .map_err(|e| backend(&format!("deleting {key}"), e.into()))?;
        Ok(())
    }
}
