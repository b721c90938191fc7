//! Watches and the alert rules they carry.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Asin, Marketplace, Money, UserId};

/// A watch's id, assigned by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WatchId(pub i64);

impl fmt::Display for WatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a watch follows.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WatchTarget {
    /// One product.
    Product {
        /// Its marketplace.
        marketplace: Marketplace,
        /// Its ASIN.
        asin: Asin,
    },
    /// Any variation of a family ("any colour of this phone").
    Family {
        /// Its marketplace.
        marketplace: Marketplace,
        /// The family's parent ASIN.
        parent_asin: Asin,
    },
}

impl WatchTarget {
    /// The marketplace of the target.
    pub fn marketplace(&self) -> Marketplace {
        match self {
            Self::Product { marketplace, .. } | Self::Family { marketplace, .. } => *marketplace,
        }
    }

    /// The ASIN (the parent ASIN for a family).
    pub fn asin(&self) -> Asin {
        match self {
            Self::Product { asin, .. } => *asin,
            Self::Family { parent_asin, .. } => *parent_asin,
        }
    }
}

/// Whether a watch is live.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WatchState {
    /// Evaluated on every price update.
    Active,
    /// Not evaluated until resumed.
    Paused,
    /// Not alerting until the given moment.
    Snoozed {
        /// When alerts resume.
        until: DateTime<Utc>,
    },
}

impl WatchState {
    /// True when the watch may alert at `now`.
    pub fn is_live_at(&self, now: DateTime<Utc>) -> bool {
        match self {
            Self::Active => true,
            Self::Paused => false,
            Self::Snoozed { until } => now >= *until,
        }
    }
}

/// One condition that makes a watch alert. A watch may carry several.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum AlertRule {
    /// The price is at or below a target.
    TargetPrice {
        /// The target price.
        at_or_below: Money,
    },
    /// The price fell by at least this much from the price when the watch was made.
    DropFromBaseline {
        /// The drop in basis points (1000 = 10 %).
        bps: u32,
    },
    /// The price fell by at least an amount or a share since the last alert.
    DropSinceLastAlert {
        /// The minimum drop as an amount.
        amount: Option<Money>,
        /// The minimum drop in basis points.
        bps: Option<u32>,
    },
    /// The price is the lowest seen in this many days.
    LowestInDays {
        /// The window in days.
        days: u32,
    },
    /// The price is the lowest ever recorded.
    AllTimeLow,
    /// The product came back in stock.
    BackInStock,
    /// The price rose by more than this share.
    PriceIncrease {
        /// The rise in basis points.
        bps: u32,
    },
    /// The deal score reached at least this value (0–100), through the `Scorer` port.
    DealScoreAtLeast {
        /// The minimum score.
        score: u8,
    },
    /// A lightning deal started on the product.
    LightningDealStarted,
}

/// A user's watch on a product or family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    /// The store-assigned id.
    pub id: WatchId,
    /// Whose watch it is; only this user may see or change it.
    pub user_id: UserId,
    /// What it follows.
    pub target: WatchTarget,
    /// The rules; any one firing makes an alert.
    pub rules: Vec<AlertRule>,
    /// Whether it is live.
    pub state: WatchState,
    /// The price when the watch was made, if known.
    pub baseline_price: Option<Money>,
    /// The user's own label, if any.
    pub label: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// What is needed to create a watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWatch {
    /// Whose watch it is.
    pub user_id: UserId,
    /// What it follows.
    pub target: WatchTarget,
    /// The rules.
    pub rules: Vec<AlertRule>,
    /// The price when the watch was made, if known.
    pub baseline_price: Option<Money>,
    /// The user's own label, if any.
    pub label: Option<String>,
}
