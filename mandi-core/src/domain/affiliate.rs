//! Affiliate click tracking: the targets behind `/r/<token>` redirect links and the clicks
//! recorded when they are followed (issue 21).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AlertId, Asin, Marketplace, UserId};

/// The id of a stored click target, assigned by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClickTargetId(pub i64);

impl fmt::Display for ClickTargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The shape of the Amazon product link a redirect ends at (an A/B-tested choice).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkFormat {
    /// `https://www.amazon.in/dp/ASIN?tag=…`, the canonical product page.
    Dp,
    /// `https://www.amazon.in/gp/product/ASIN?tag=…`.
    GpProduct,
}

impl LinkFormat {
    /// Every format, in a stable order (the arms of a link-format experiment).
    pub const ALL: [LinkFormat; 2] = [LinkFormat::Dp, LinkFormat::GpProduct];

    /// A stable lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dp => "dp",
            Self::GpProduct => "gp_product",
        }
    }

    /// Parses [`LinkFormat::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dp" => Some(Self::Dp),
            "gp_product" => Some(Self::GpProduct),
            _ => None,
        }
    }
}

impl fmt::Display for LinkFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a Buy link was shown: the alert, search or plain product card it belonged to.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClickSource {
    /// An alert's card.
    Alert {
        /// The alert.
        alert_id: AlertId,
    },
    /// A search result.
    Search {
        /// The query text, as the user typed it.
        query: String,
    },
    /// A product card shown on request (a lookup, a comparison, a recommendation).
    Card,
}

impl ClickSource {
    /// The stored kind: `alert`, `search` or `card`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Alert { .. } => "alert",
            Self::Search { .. } => "search",
            Self::Card => "card",
        }
    }

    /// The alert id, for an alert source.
    pub fn alert_id(&self) -> Option<AlertId> {
        match self {
            Self::Alert { alert_id } => Some(*alert_id),
            _ => None,
        }
    }

    /// The query, for a search source.
    pub fn query(&self) -> Option<&str> {
        match self {
            Self::Search { query } => Some(query),
            _ => None,
        }
    }

    /// Rebuilds a source from its stored columns (`None` when they do not fit together).
    pub fn from_parts(kind: &str, alert_id: Option<i64>, query: Option<String>) -> Option<Self> {
        match (kind, alert_id, query) {
            ("alert", Some(id), None) => Some(Self::Alert {
                alert_id: AlertId(id),
            }),
            ("search", None, Some(query)) => Some(Self::Search { query }),
            ("card", None, None) => Some(Self::Card),
            _ => None,
        }
    }
}

/// The longest card-variant label a click target may carry, in characters.
pub const MAX_VARIANT_CHARS: usize = 64;

/// The longest search query a click target may carry, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

/// A click target to store: what a redirect token stands for. The token itself is never
/// stored, only its SHA-256 (`token_hash`, 64 lower-case hex digits), so the store alone
/// cannot rebuild a working link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewClickTarget {
    /// The SHA-256 of the redirect token, hex.
    pub token_hash: String,
    /// The user the link was made for.
    pub user_id: UserId,
    /// Where the link was shown.
    pub source: ClickSource,
    /// The product's marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// The card variant the link was shown on (an experiment arm such as `chart_card`), if
    /// any.
    pub variant: Option<String>,
    /// The link format the redirect ends at.
    pub link_format: LinkFormat,
    /// When the link was made.
    pub created_at: DateTime<Utc>,
}

/// A stored click target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClickTarget {
    /// Its id.
    pub id: ClickTargetId,
    /// The SHA-256 of the redirect token, hex.
    pub token_hash: String,
    /// The user the link was made for.
    pub user_id: UserId,
    /// Where the link was shown.
    pub source: ClickSource,
    /// The product's marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// The card variant, if any.
    pub variant: Option<String>,
    /// The link format the redirect ends at.
    pub link_format: LinkFormat,
    /// When the link was made.
    pub created_at: DateTime<Utc>,
}

/// A followed redirect: who clicked which product from where, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffiliateClick {
    /// The target followed.
    pub target_id: ClickTargetId,
    /// The user the link was made for.
    pub user_id: UserId,
    /// Where the link was shown.
    pub source: ClickSource,
    /// The product's marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// The card variant, if any.
    pub variant: Option<String>,
    /// The link format redirected to.
    pub link_format: LinkFormat,
    /// When the click happened.
    pub at: DateTime<Utc>,
}

impl AffiliateClick {
    /// The click of a target at a moment.
    pub fn of(target: &ClickTarget, at: DateTime<Utc>) -> Self {
        Self {
            target_id: target.id,
            user_id: target.user_id,
            source: target.source.clone(),
            marketplace: target.marketplace,
            asin: target.asin,
            variant: target.variant.clone(),
            link_format: target.link_format,
            at,
        }
    }
}

/// Which Associates report a row came from.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The orders report (`Fee-Orders`): items ordered, by order date.
    Orders,
    /// The earnings report (`Fee-Earnings`): items shipped and the fees earned, by ship
    /// date.
    Earnings,
}

impl ReportKind {
    /// A stable lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Orders => "orders",
            Self::Earnings => "earnings",
        }
    }

    /// Parses [`ReportKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "orders" => Some(Self::Orders),
            "earnings" => Some(Self::Earnings),
            _ => None,
        }
    }
}

/// An imported Associates report row, attributed (when a click matches) to the click and
/// so to its user. Amounts are in minor units of the report's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffiliateOrder {
    /// What makes the row unique across imports (a SHA-256 of the row's content and its
    /// occurrence in the file, hex): importing it again adds nothing.
    pub import_key: String,
    /// The report it came from.
    pub kind: ReportKind,
    /// The marketplace of the Associates account.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// The tracking ID (associate tag) the sale was credited to.
    pub tracking_id: String,
    /// Amazon's category of the product.
    pub category: String,
    /// The product title in the report.
    pub title: String,
    /// The order date (orders report) or ship date (earnings report).
    pub day: chrono::NaiveDate,
    /// Items ordered or shipped.
    pub quantity: u32,
    /// Items returned (earnings report; 0 in the orders report).
    pub returns: u32,
    /// The item price.
    pub price: super::Money,
    /// Revenue (the earnings report's sales amount; price × quantity for orders).
    pub revenue: super::Money,
    /// The advertising fee earned (earnings report; zero in the orders report, which
    /// shows no fees).
    pub fees: super::Money,
    /// The click it is attributed to, if any.
    pub click_target: Option<ClickTargetId>,
    /// The user of that click.
    pub user_id: Option<UserId>,
}
