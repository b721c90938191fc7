//! One lazily opened, automatically reconnecting Redis connection (feature `redis`), shared by
//! the Redis adapters ([`RedisCache`](crate::cache::RedisCache),
//! [`RedisQuota`](crate::monitor::RedisQuota)).

use std::fmt;
use std::sync::Arc;

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

/// Errors talking to Redis.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// The URL is not a Redis URL.
    #[error("invalid Redis URL {url}: {message}")]
    Url {
        /// The URL with any password hidden.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The server could not be reached or answered with an error.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// Hides the password of a `redis://user:password@host` URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

/// A `redis://` (or `rediss://`, `redis+unix://`) connection opened on first use and
/// reconnected by the driver's connection manager after a drop. Cheap to clone; clones share
/// the connection.
#[derive(Clone)]
pub struct RedisConnection {
    client: redis::Client,
    url: String,
    manager: Arc<OnceCell<ConnectionManager>>,
}

impl fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConnection")
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl RedisConnection {
    /// Checks the URL; nothing is sent until the first command.
    ///
    /// # Errors
    ///
    /// [`RedisError::Url`] when `url` is not a Redis URL.
    pub fn open(url: &str) -> Result<Self, RedisError> {
        let client = redis::Client::open(url).map_err(|e| RedisError::Url {
            url: redact_url(url),
            message: e.to_string(),
        })?;
        Ok(Self {
            client,
            url: url.to_owned(),
            manager: Arc::new(OnceCell::new()),
        })
    }

    /// The URL with any password hidden.
    pub fn display_url(&self) -> String {
        redact_url(&self.url)
    }

    /// The shared connection, opened on the first call.
    ///
    /// # Errors
    ///
    /// [`RedisError::Redis`] when the server cannot be reached.
    pub async fn manager(&self) -> Result<ConnectionManager, RedisError> {
        let manager = self
            .manager
            .get_or_try_init(|| ConnectionManager::new(self.client.clone()))
            .await?;
        Ok(manager.clone())
    }

    /// Sends `PING`; for health checks.
    ///
    /// # Errors
    ///
    /// [`RedisError::Redis`] when the server does not answer.
    pub async fn ping(&self) -> Result<(), RedisError> {
        let mut conn = self.manager().await?;
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }
}
