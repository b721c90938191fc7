//! Alerts and their delivery outbox.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AlertRule, Asin, Availability, Marketplace, Money, UserId, WatchId};

/// An alert's id, assigned by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlertId(pub i64);

impl fmt::Display for AlertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An alert a watch fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// The store-assigned id.
    pub id: AlertId,
    /// The user it is for.
    pub user_id: UserId,
    /// The watch that fired.
    pub watch_id: WatchId,
    /// The product's marketplace.
    pub marketplace: Marketplace,
    /// The product that triggered it (a child ASIN for a family watch).
    pub asin: Asin,
    /// The rule that fired.
    pub rule: AlertRule,
    /// The price that triggered it, when known.
    pub price: Option<Money>,
    /// The price before, when known.
    pub previous_price: Option<Money>,
    /// Stock at that moment.
    pub availability: Availability,
    /// A human summary (`Price fell to ₹54,999 (target ₹55,000)`).
    pub message: String,
    /// When the price observation that fired it was made.
    pub triggered_at: DateTime<Utc>,
    /// Unique per (watch, rule, trigger): the same trigger never makes two alerts.
    pub dedupe_key: String,
}

/// Delivery state of an outbox row.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting to be sent (or retried).
    Pending,
    /// Delivered.
    Sent,
    /// Given up after repeated failures, or the user cannot be reached; kept for review.
    Dead,
}

impl DeliveryStatus {
    /// A stable lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }

    /// Parses [`DeliveryStatus::as_str`]; anything unknown is `Pending`.
    pub fn from_str_lossy(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "dead" => Self::Dead,
            _ => Self::Pending,
        }
    }
}

/// A row of the alert outbox: one alert to deliver through one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The row id.
    pub id: i64,
    /// The alert to deliver.
    pub alert_id: AlertId,
    /// The recipient.
    pub user_id: UserId,
    /// The notifier channel (`terminal`, `telegram`, `webhook`).
    pub channel: String,
    /// Sent with the delivery so the receiver can drop repeats.
    pub idempotency_key: String,
    /// Delivery state.
    pub status: DeliveryStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// Not before this moment.
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure, if any.
    pub last_error: Option<String>,
}
