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
    /// What the alert's card shows besides the alert itself (MRP, 90-day average, deal
    /// score), computed once when the alert fired. `None` for alerts stored before cards were
    /// kept: a front-end then computes it from the stored history.
    #[serde(default)]
    pub card: Option<AlertCard>,
}

/// The figures an alert's card shows besides the alert itself, computed once, from the
/// product and its buy-box history as of the observation that fired the alert, and stored
/// with the alert so that rendering the card recomputes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AlertCard {
    /// The product's MRP (list price of its first offer) at that moment, when known.
    pub list_price: Option<Money>,
    /// The average known price over the last 90 days, when any.
    pub average_90d: Option<Money>,
    /// The deal score (0–100) of the offer at that moment, when the product was scored.
    pub score: Option<u8>,
    /// The verdict of that score.
    pub verdict: Option<crate::ports::DealVerdict>,
    /// The lowest known price over the last 90 days (alerts stored before this field
    /// read back without it).
    #[serde(default)]
    pub low_90d: Option<Money>,
    /// The highest known price over the last 90 days.
    #[serde(default)]
    pub high_90d: Option<Money>,
}

/// What an alert says happened: one headline per rule, so a target that is reached without
/// the price moving is not called a "price drop". Every front-end (bot, CLI, web) renders
/// alerts from this; [`fmt::Display`] gives the English headline.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertHeadline {
    /// The price is at or below the user's target.
    TargetReached {
        /// The target.
        target: Money,
    },
    /// The lowest price in this many days.
    LowestInDays {
        /// The window.
        days: u32,
    },
    /// The lowest price ever recorded.
    AllTimeLow,
    /// The product can be bought again.
    BackInStock,
    /// The price fell (from the baseline or since the last alert).
    PriceDrop,
    /// The price rose.
    PriceRise,
    /// The deal score reached a level.
    DealScore {
        /// The level asked for.
        at_least: u8,
    },
    /// A lightning deal started.
    LightningDeal,
}

impl fmt::Display for AlertHeadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TargetReached { target } => write!(f, "🎯 Target price reached ({target})"),
            Self::LowestInDays { days } => write!(f, "📉 Lowest price in {days} days"),
            Self::AllTimeLow => f.write_str("🏆 Lowest price ever"),
            Self::BackInStock => f.write_str("📦 Back in stock"),
            Self::PriceDrop => f.write_str("📉 Price drop"),
            Self::PriceRise => f.write_str("📈 Price rise"),
            Self::DealScore { at_least } => write!(f, "⭐ Deal score {at_least}+"),
            Self::LightningDeal => f.write_str("⚡ Lightning deal"),
        }
    }
}

impl Alert {
    /// The headline of the rule that fired.
    pub fn headline(&self) -> AlertHeadline {
        match &self.rule {
            AlertRule::TargetPrice { at_or_below } => AlertHeadline::TargetReached {
                target: *at_or_below,
            },
            AlertRule::LowestInDays { days } => AlertHeadline::LowestInDays { days: *days },
            AlertRule::AllTimeLow => AlertHeadline::AllTimeLow,
            AlertRule::BackInStock => AlertHeadline::BackInStock,
            AlertRule::PriceIncrease { .. } => AlertHeadline::PriceRise,
            AlertRule::DealScoreAtLeast { score } => AlertHeadline::DealScore { at_least: *score },
            AlertRule::LightningDealStarted => AlertHeadline::LightningDeal,
            // DropFromBaseline, DropSinceLastAlert and rules added later.
            _ => AlertHeadline::PriceDrop,
        }
    }

    /// The price before and after, only when both are known, in one currency, and the price
    /// really moved: a card shows "old → new" only then.
    pub fn price_change(&self) -> Option<(Money, Money)> {
        match (self.previous_price, self.price) {
            (Some(old), Some(new)) if old.currency() == new.currency() && old != new => {
                Some((old, new))
            }
            _ => None,
        }
    }

    /// The price line of an alert in plain text: `₹12,999 → ₹11,499 (−11.53%)` when the price
    /// moved, `₹11,499` when it did not, `None` when the price is unknown. Amounts use
    /// [`Money`]'s display (`₹11,499`), like every other screen.
    pub fn price_line(&self) -> Option<String> {
        let price = self.price?;
        Some(match self.price_change() {
            Some((old, new)) => match new.discount_bps(old).filter(|b| *b != 0) {
                Some(bps) if bps > 0 => format!("{old} → {new} (−{})", super::Bps(bps)),
                Some(bps) => format!("{old} → {new} (+{})", super::Bps(-bps)),
                None => format!("{old} → {new}"),
            },
            None => price.to_string(),
        })
    }
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

#[cfg(test)]
mod headline_tests {
    use super::*;
    use crate::domain::Currency;

    fn alert(rule: AlertRule, price: i64, previous: i64) -> Alert {
        Alert {
            id: AlertId(1),
            user_id: UserId(1),
            watch_id: WatchId(1),
            marketplace: Marketplace::India,
            asin: Asin::parse("B0CX59H5W7").unwrap(),
            rule,
            price: Some(Money::from_major(price, Currency::INR)),
            previous_price: Some(Money::from_major(previous, Currency::INR)),
            availability: Availability::InStock,
            message: String::new(),
            triggered_at: DateTime::<Utc>::UNIX_EPOCH,
            dedupe_key: "k".into(),
            card: None,
        }
    }

    #[test]
    fn a_target_reached_without_a_move_is_not_a_drop() {
        let target = Money::from_major(12_000, Currency::INR);
        let a = alert(
            AlertRule::TargetPrice {
                at_or_below: target,
            },
            11_499,
            11_499,
        );
        assert_eq!(a.headline(), AlertHeadline::TargetReached { target });
        assert_eq!(
            a.headline().to_string(),
            "🎯 Target price reached (₹12,000)"
        );
        assert_eq!(a.price_change(), None);
        assert_eq!(a.price_line().unwrap(), "₹11,499");
    }

    #[test]
    fn each_rule_has_its_headline_and_moves_show_both_prices() {
        let a = alert(AlertRule::LowestInDays { days: 30 }, 11_499, 12_999);
        assert_eq!(a.headline().to_string(), "📉 Lowest price in 30 days");
        assert_eq!(a.price_line().unwrap(), "₹12,999 → ₹11,499 (−11.53%)");
        assert_eq!(
            alert(AlertRule::BackInStock, 1, 1).headline(),
            AlertHeadline::BackInStock
        );
        assert_eq!(
            alert(AlertRule::AllTimeLow, 1, 2).headline(),
            AlertHeadline::AllTimeLow
        );
        assert_eq!(
            alert(AlertRule::DropFromBaseline { bps: 500 }, 1, 2).headline(),
            AlertHeadline::PriceDrop
        );
        let up = alert(AlertRule::PriceIncrease { bps: 500 }, 110, 100);
        assert_eq!(up.headline(), AlertHeadline::PriceRise);
        assert_eq!(up.price_line().unwrap(), "₹100 → ₹110 (+10%)");
    }
}
