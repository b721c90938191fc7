//! Community records (issue 21): deals users share and their votes, referrals, and the
//! Telegram groups and channels that subscribe to a category's deals. The rules that make
//! and read them live in [`crate::community`].

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Asin, Marketplace, Money, UserId};

/// The id of a shared deal, assigned by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SharedDealId(pub i64);

impl fmt::Display for SharedDealId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What checking a shared deal against the source found.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    /// The price is real and current: the deal is shown to others.
    Verified,
    /// The check failed (the reason is kept): never shown, counts against the submitter.
    Rejected,
}

impl DealStatus {
    /// A stable lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Rejected => "rejected",
        }
    }

    /// The status of a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "verified" => Some(Self::Verified),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// The longest rejection reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 300;

/// A shared deal as checked, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSharedDeal {
    /// Who shared it.
    pub user_id: UserId,
    /// The marketplace of the link.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// The product's title as just read (empty when the source did not know it).
    pub title: String,
    /// The buy-box price just read from the source; `None` when unknown.
    pub price: Option<Money>,
    /// The price the submitter claimed, if they named one.
    pub claimed_price: Option<Money>,
    /// The deal score (0–100) computed when it was checked, when there was a product.
    pub score: Option<u8>,
    /// Verified or rejected.
    pub status: DealStatus,
    /// Why it was rejected (`None` for a verified deal).
    pub reason: Option<String>,
    /// When it was shared.
    pub created_at: DateTime<Utc>,
}

/// A stored shared deal with its vote tally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedDeal {
    /// The store-assigned id.
    pub id: SharedDealId,
    /// Who shared it.
    pub user_id: UserId,
    /// The marketplace of the link.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// The product's title as read when it was checked.
    pub title: String,
    /// The price read from the source when it was checked; `None` when unknown.
    pub price: Option<Money>,
    /// The price the submitter claimed, if any.
    pub claimed_price: Option<Money>,
    /// The deal score (0–100) computed when it was checked.
    pub score: Option<u8>,
    /// Verified or rejected.
    pub status: DealStatus,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// When it was shared.
    pub created_at: DateTime<Utc>,
    /// Up votes received.
    pub up_votes: u32,
    /// Down votes received.
    pub down_votes: u32,
}

impl SharedDeal {
    /// Up votes less down votes.
    pub fn net_votes(&self) -> i64 {
        i64::from(self.up_votes) - i64::from(self.down_votes)
    }
}

/// A vote on a shared deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    /// A good deal.
    Up,
    /// Not a good deal (or not real).
    Down,
}

impl Vote {
    /// The stored value: +1 or −1.
    pub fn value(self) -> i64 {
        match self {
            Self::Up => 1,
            Self::Down => -1,
        }
    }

    /// The vote of a stored value.
    pub fn from_value(v: i64) -> Option<Self> {
        match v {
            1 => Some(Self::Up),
            -1 => Some(Self::Down),
            _ => None,
        }
    }
}

/// Which shared deals to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedDealQuery {
    /// Only this user's deals.
    pub user: Option<UserId>,
    /// Only deals shared at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only deals of this status.
    pub status: Option<DealStatus>,
    /// At most this many, newest first (ties: higher id first).
    pub limit: usize,
}

/// One user brought to Mandi by another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// Who shared the invitation.
    pub referrer: UserId,
    /// Who came through it (a user is referred at most once).
    pub referred: UserId,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

/// A Telegram group or channel (a Mandi user) following a category's deals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSubscription {
    /// The group's or channel's user.
    pub chat: UserId,
    /// The browse node (category) id, digits.
    pub node_id: String,
    /// The category's name as shown.
    pub node_name: String,
    /// Only deals scoring at least this (0–100) are posted.
    pub min_score: u8,
    /// At most this many posts in any hour (1–60).
    pub max_per_hour: u32,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// A deal posted to a subscribed group (each product at most once per group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPost {
    /// The group's or channel's user.
    pub chat: UserId,
    /// The product's marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// The shared deal posted, when it came from the community.
    pub deal: Option<SharedDealId>,
    /// Its score when posted.
    pub score: u8,
    /// When it was posted.
    pub at: DateTime<Utc>,
}
