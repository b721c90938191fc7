//! What the REST API server keeps besides keys and jobs: webhook subscriptions for alerts
//! (with the deliveries made to them) and admin dashboard sessions.

use std::fmt;

use chrono::{DateTime, Utc};

use super::UserId;

/// A webhook subscription's id, assigned by the store.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct WebhookId(pub i64);

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A webhook subscription to store: a user's alerts are POSTed to `url`, signed with
/// `secret` (HMAC-SHA256, the webhook notifier's `X-Mandi-Signature`).
#[derive(Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// Whose alerts.
    pub user_id: UserId,
    /// Where they go (http or https).
    pub url: String,
    /// The shared signing secret (kept as given: it is needed to sign).
    pub secret: String,
}

impl fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhook")
            .field("user_id", &self.user_id)
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// A stored webhook subscription.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its id.
    pub id: WebhookId,
    /// Whose alerts.
    pub user_id: UserId,
    /// Where they go.
    pub url: String,
    /// The signing secret.
    pub secret: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// An admin dashboard session as stored: only the SHA-256 of its id (the cookie) is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    /// Hex SHA-256 of the session id.
    pub id_hash: String,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}
