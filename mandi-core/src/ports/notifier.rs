//! The `Notifier` port: delivers an alert to a user through one channel (terminal, JSON-lines
//! file, webhook, Telegram).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{Alert, User};

/// Errors a `Notifier` may return.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// The channel asked us to slow down; retry after the wait.
    #[error("rate limited by {channel}, retry after {retry_after:?}")]
    RateLimited {
        /// The channel.
        channel: String,
        /// How long to wait.
        retry_after: Duration,
    },
    /// The recipient cannot be reached any more (blocked the bot, deleted the chat).
    #[error("recipient unreachable on {channel}: {reason}")]
    RecipientGone {
        /// The channel.
        channel: String,
        /// Why.
        reason: String,
    },
    /// A failure that may pass (network, 5xx); retry with backoff.
    #[error("delivery through {channel} failed, will retry: {reason}")]
    Transient {
        /// The channel.
        channel: String,
        /// Why.
        reason: String,
    },
    /// A failure that will not pass by retrying (a malformed message, bad configuration).
    #[error("delivery through {channel} failed permanently: {reason}")]
    Permanent {
        /// The channel.
        channel: String,
        /// Why.
        reason: String,
    },
}

impl NotifyError {
    /// True when the delivery should be retried later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient { .. })
    }
}

/// One alert to deliver to one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Unique per (alert, channel); a notifier that sees a key twice delivers once.
    pub idempotency_key: String,
    /// The recipient.
    pub user: User,
    /// The alert.
    pub alert: Alert,
}

/// A user's digest to deliver as one message (see [`crate::digest`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestNotification {
    /// Unique per digest (the same outbox rows always give the same key); a notifier that
    /// sees a key twice delivers once.
    pub idempotency_key: String,
    /// The recipient.
    pub user: User,
    /// The digest.
    pub digest: crate::digest::Digest,
}

/// Delivers alerts through one channel.
///
/// A notifier must be idempotent per [`Notification::idempotency_key`] (the dispatcher may
/// retry after a crash) and should sort its failures: [`NotifyError::RateLimited`] and
/// [`NotifyError::Transient`] are retried with backoff, [`NotifyError::Permanent`] is not.
///
/// # Example
///
/// A notifier that appends alerts to a log file (`examples/custom_notifier.rs` runs a whole
/// monitor with one):
///
/// ```no_run
/// use std::io::Write;
/// use async_trait::async_trait;
/// use mandi_core::{Notification, Notifier, NotifyError};
///
/// struct AlertLog(std::path::PathBuf);
///
/// #[async_trait]
/// impl Notifier for AlertLog {
///     fn channel(&self) -> &str {
///         "alert-log"
///     }
///     async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
///         let line = format!("{} {} {}\n", n.idempotency_key, n.user.id, n.alert.message);
///         std::fs::OpenOptions::new()
///             .create(true)
///             .append(true)
///             .open(&self.0)
///             .and_then(|mut f| f.write_all(line.as_bytes()))
///             .map_err(|e| NotifyError::Transient {
///                 channel: "alert-log".into(),
///                 reason: e.to_string(),
///             })
///     }
/// }
///
/// let notifier: std::sync::Arc<dyn Notifier> = std::sync::Arc::new(AlertLog("alerts.log".into()));
/// # let _ = notifier;
/// ```
#[async_trait]
pub trait Notifier: Send + Sync {
    /// The channel name stored in the outbox (`terminal`, `webhook`, `telegram`).
    fn channel(&self) -> &str;

    /// Delivers one notification.
    async fn deliver(&self, notification: &Notification) -> Result<(), NotifyError>;

    /// Delivers a digest as one message. Channels that have no digest form keep this
    /// default, which delivers the digest's alerts one by one (keys derived from the
    /// digest's) and drops its other sections; the Telegram notifier sends one message.
    async fn deliver_digest(&self, digest: &DigestNotification) -> Result<(), NotifyError> {
        for alert in &digest.digest.alerts {
            self.deliver(&Notification {
                idempotency_key: format!("{}:{}", digest.idempotency_key, alert.dedupe_key),
                user: digest.user.clone(),
                alert: alert.clone(),
            })
            .await?;
        }
        Ok(())
    }
}

macro_rules! forward_notifier {
    ($ty:ty) => {
        #[async_trait]
        impl<T: Notifier + ?Sized> Notifier for $ty {
            fn channel(&self) -> &str {
                (**self).channel()
            }
            async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
                (**self).deliver(n).await
            }
            async fn deliver_digest(&self, d: &DigestNotification) -> Result<(), NotifyError> {
                (**self).deliver_digest(d).await
            }
        }
    };
}

forward_notifier!(Arc<T>);
forward_notifier!(Box<T>);
forward_notifier!(&T);
