//! What the REST API server keeps: API keys and their usage, bulk jobs, and the activity
//! facts the admin statistics are computed from.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AlertRule, Asin, Marketplace, User, UserId, WatchId};

/// An API key's id, assigned by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiKeyId(pub i64);

impl fmt::Display for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a key may do. Each scope includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyScope {
    /// Lookups, history, its own watches and alerts: reading only.
    Read,
    /// Also create, change and delete its own watches, bulk jobs and webhooks.
    Write,
    /// Also the admin dashboard and every user's statistics.
    Admin,
}

impl KeyScope {
    /// The stored lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }

    /// Parses [`KeyScope::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// True when a key of this scope may do what `needed` allows.
    pub fn allows(self, needed: KeyScope) -> bool {
        self >= needed
    }
}

/// A per-key token bucket: `per_second` tokens are added each second, up to `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Sustained requests per second (at least 1).
    pub per_second: u32,
    /// The most requests allowed at once (at least 1).
    pub burst: u32,
}

impl Default for RateLimit {
    /// 10 requests a second with a burst of 50.
    fn default() -> Self {
        Self {
            per_second: 10,
            burst: 50,
        }
    }
}

/// An API key as stored: never the secret itself, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The store-assigned id.
    pub id: ApiKeyId,
    /// The user the key acts as (it sees only this user's watches and alerts).
    pub user_id: UserId,
    /// A name for people (`pricing-team`).
    pub name: String,
    /// What it may do.
    pub scope: KeyScope,
    /// The first characters of the secret, shown to tell keys apart.
    pub prefix: String,
    /// Hex SHA-256 of the secret.
    pub secret_hash: String,
    /// Its rate limit.
    pub rate_limit: RateLimit,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked (a revoked key is refused).
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used, as of the last usage flush.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What is needed to store a new key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKey {
    /// The user it acts as.
    pub user_id: UserId,
    /// Its name.
    pub name: String,
    /// Its scope.
    pub scope: KeyScope,
    /// The first characters of the secret.
    pub prefix: String,
    /// Hex SHA-256 of the secret.
    pub secret_hash: String,
    /// Its rate limit.
    pub rate_limit: RateLimit,
}

/// Requests made with one key on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUsage {
    /// The key.
    pub key_id: ApiKeyId,
    /// The UTC day.
    pub day: NaiveDate,
    /// Requests accepted.
    pub requests: u64,
    /// Requests refused by the rate limit.
    pub rejected: u64,
    /// The latest use among them.
    pub last_used_at: DateTime<Utc>,
}

/// A bulk job's id, assigned by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BulkJobId(pub i64);

impl fmt::Display for BulkJobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The one rule set every product of a bulk job is watched with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkSpec {
    /// The rules; empty means the default rules.
    #[serde(default)]
    pub rules: Vec<AlertRule>,
    /// A label given to every watch made.
    #[serde(default)]
    pub label: Option<String>,
}

/// What became of one input line of a bulk job.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkItemStatus {
    /// Not processed yet.
    Pending,
    /// A watch was made.
    Watching,
    /// The user already watched it; nothing was made.
    AlreadyWatched,
    /// The source does not know the product.
    NotFound,
    /// The line holds no ASIN or product link.
    Invalid,
    /// Looking it up or saving the watch failed.
    Failed,
}

impl BulkItemStatus {
    /// The stored lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Watching => "watching",
            Self::AlreadyWatched => "already_watched",
            Self::NotFound => "not_found",
            Self::Invalid => "invalid",
            Self::Failed => "failed",
        }
    }

    /// Parses [`BulkItemStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "watching" => Self::Watching,
            "already_watched" => Self::AlreadyWatched,
            "not_found" => Self::NotFound,
            "invalid" => Self::Invalid,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// One input line of a bulk job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkItem {
    /// Its position in the input, from 0.
    pub position: u32,
    /// The line as given.
    pub input: String,
    /// The marketplace it names, when it could be read.
    pub marketplace: Option<Marketplace>,
    /// The ASIN it names, when it could be read.
    pub asin: Option<Asin>,
    /// What became of it.
    pub status: BulkItemStatus,
    /// The watch made (or already there).
    pub watch_id: Option<WatchId>,
    /// Why it failed or was refused.
    pub detail: Option<String>,
}

/// How many items of a job are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkCounts {
    /// Not processed yet.
    pub pending: u32,
    /// Watches made.
    pub watching: u32,
    /// Already watched.
    pub already_watched: u32,
    /// Unknown to the source.
    pub not_found: u32,
    /// Unreadable lines.
    pub invalid: u32,
    /// Failures.
    pub failed: u32,
}

impl BulkCounts {
    /// Adds one item of `status`.
    pub fn add(&mut self, status: BulkItemStatus) {
        match status {
            BulkItemStatus::Pending => self.pending += 1,
            BulkItemStatus::Watching => self.watching += 1,
            BulkItemStatus::AlreadyWatched => self.already_watched += 1,
            BulkItemStatus::NotFound => self.not_found += 1,
            BulkItemStatus::Invalid => self.invalid += 1,
            BulkItemStatus::Failed => self.failed += 1,
        }
    }

    /// Items processed (every state but pending).
    pub fn done(&self) -> u32 {
        self.watching + self.already_watched + self.not_found + self.invalid + self.failed
    }
}

/// A bulk job with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkJob {
    /// The store-assigned id.
    pub id: BulkJobId,
    /// Whose job it is.
    pub user_id: UserId,
    /// The rule set.
    pub spec: BulkSpec,
    /// How many input lines it has.
    pub total: u32,
    /// Items per state.
    pub counts: BulkCounts,
    /// When it was submitted.
    pub created_at: DateTime<Utc>,
    /// When every item was processed.
    pub finished_at: Option<DateTime<Utc>>,
}

/// What is needed to store a new bulk job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBulkJob {
    /// Whose job it is.
    pub user_id: UserId,
    /// The rule set.
    pub spec: BulkSpec,
    /// Every input line (pending, or already invalid).
    pub items: Vec<BulkItem>,
}

/// One user with the facts the admin statistics need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFacts {
    /// The user.
    pub user: User,
    /// Their watches.
    pub watches: u32,
    /// Their watches that are not paused.
    pub live_watches: u32,
    /// The latest thing they did (a watch made or changed, a search, an API key used).
    pub last_active_at: Option<DateTime<Utc>>,
}

/// An alert fired, and whether any delivery of it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertFact {
    /// When it fired.
    pub at: DateTime<Utc>,
    /// Whose it is.
    pub user_id: UserId,
    /// True when at least one delivery was sent.
    pub sent: bool,
}

/// Raw facts the admin statistics are computed from (read in one go).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityFacts {
    /// Every user, oldest first.
    pub users: Vec<UserFacts>,
    /// When each watch made since the cut-off was made, oldest first.
    pub watches_created: Vec<DateTime<Utc>>,
    /// Alerts fired since the cut-off, oldest first.
    pub alerts: Vec<AlertFact>,
    /// Deliveries waiting in the outbox.
    pub outbox_pending: u32,
    /// Deliveries given up on.
    pub outbox_dead: u32,
}
