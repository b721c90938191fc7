//! Savings, achievements, streaks and opt-in leaderboards (issue 21), counted only from
//! real events:
//!
//! 1. an alert fires for the user;
//! 2. the user follows its Buy link (`/r/<token>`, recorded as an affiliate click whose
//!    source is the alert);
//! 3. an imported Associates **orders** report confirms a purchase of that product,
//!    attributed to that click (see `affiliate::AffiliateService::import_report`).
//!
//! A **purchase** is an orders-report row attributed to a user's click. Its moment is the
//! moment of that click (the report only gives the order day). Items returned (earnings
//! report rows of the same click and product) are taken off its quantity; a purchase with
//! every item returned is not one. Earnings rows are otherwise not counted again: they are
//! the shipments of the same orders.
//!
//! Its **saving** is measured against the product's 90-day median and, separately, against
//! its MRP; the arithmetic (exact, in paise, no rounding) is in [`savings`].
//!
//! A **real deal** is an alert whose stored card verdict (the deal score of
//! `analytics::DealScorer` at the moment it fired) is [`DealVerdict::GoodDeal`] or
//! [`DealVerdict::GreatDeal`]. A **missed opportunity** is a real-deal alert whose Buy link
//! was not followed within [`ACT_WITHIN_HOURS`] hours of the alert.
//!
//! **Leaderboards** list only users whose `leaderboard_opt_in` setting is on.

pub mod achievements;
pub mod savings;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    AffiliateClick, AffiliateOrder, Alert, AlertId, Asin, ClickTargetId, Currency, Marketplace,
    Money, ReportKind, User, UserId,
};
use crate::ports::DealVerdict;
use crate::ports::clock::Clock;
use crate::ports::store::{HistoryQuery, Store, StoreError};

pub use achievements::{Achievement, Earned, Streak};

/// An alert not acted on within this many hours is a missed opportunity (when it was a
/// real deal).
pub const ACT_WITHIN_HOURS: i64 = 48;

/// How many best deals and missed opportunities [`UserStats`] lists.
pub const LISTED: usize = 3;

/// The first day events are read from (Mandi keeps nothing older).
const FIRST_DAY: (i32, u32, u32) = (2000, 1, 1);

/// What can go wrong.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum EngagementError {
    /// A sum of money does not fit, or mixes currencies.
    #[error("savings arithmetic failed: {0}")]
    Arithmetic(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// True for the verdicts that make an alert a real deal.
pub fn is_real_deal(verdict: Option<DealVerdict>) -> bool {
    matches!(
        verdict,
        Some(DealVerdict::GoodDeal | DealVerdict::GreatDeal)
    )
}

/// A purchase confirmed by an Associates orders report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// The user.
    pub user_id: UserId,
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// The title in the report.
    pub title: String,
    /// Amazon's category in the report.
    pub category: String,
    /// The order day in the report.
    pub day: NaiveDate,
    /// The moment of the click the order is attributed to.
    pub at: DateTime<Utc>,
    /// The alert whose Buy link was followed, when it was one.
    pub alert: Option<AlertId>,
    /// That alert's verdict, when known.
    pub verdict: Option<DealVerdict>,
    /// Items kept (ordered minus returned).
    pub items: u32,
    /// The price paid per item.
    pub paid: Money,
    /// The product's 90-day median before the click (`None`: too little history).
    pub median_90d: Option<Money>,
    /// `(median − paid) × items` (`None` when the median is unknown).
    pub saved_vs_median: Option<Money>,
    /// The MRP before the click, when known.
    pub mrp: Option<Money>,
    /// `(MRP − paid) × items` (`None` when the MRP is unknown).
    pub saved_vs_mrp: Option<Money>,
    /// Bought at or below the lowest price ever recorded (with 30 days of history).
    pub all_time_low: bool,
}

/// A real-deal alert not acted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedDeal {
    /// The alert.
    pub alert_id: AlertId,
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// The alert's price.
    pub price: Option<Money>,
    /// Its verdict.
    pub verdict: DealVerdict,
    /// Its deal score.
    pub score: Option<u8>,
    /// When it fired.
    pub triggered_at: DateTime<Utc>,
}

/// A user's savings, achievements and streak, from events only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserStats {
    /// When computed.
    pub as_of: DateTime<Utc>,
    /// Confirmed purchases, oldest first.
    pub purchases: Vec<Purchase>,
    /// Net saving against 90-day medians, one sum per currency (purchases with an
    /// unknown median are left out).
    pub saved_vs_median: Vec<Money>,
    /// Saving against MRPs, one sum per currency.
    pub saved_vs_mrp: Vec<Money>,
    /// Purchases whose 90-day median is unknown.
    pub without_median: usize,
    /// The best deals caught: purchases with the largest positive saving against the
    /// median, at most [`LISTED`].
    pub best_deals: Vec<Purchase>,
    /// Alerts received (read).
    pub alerts: usize,
    /// Distinct alerts whose Buy link was followed.
    pub alerts_acted_on: usize,
    /// Alerts that were real deals.
    pub real_deal_alerts: usize,
    /// Real-deal alerts not acted on within [`ACT_WITHIN_HOURS`] hours.
    pub missed_count: usize,
    /// The latest of them, newest first, at most [`LISTED`].
    pub missed: Vec<MissedDeal>,
    /// Days in a row with a followed Buy link.
    pub streak: Streak,
    /// Achievements earned, with when.
    pub achievements: Vec<Earned>,
}

impl UserStats {
    /// True when no purchase is confirmed yet (so no saving can be claimed).
    pub fn nothing_confirmed(&self) -> bool {
        self.purchases.is_empty()
    }
}

/// Which leaderboard.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Board {
    /// By net saving against 90-day medians.
    TopSavers,
    /// By deals caught: purchases below their 90-day median.
    DealFinders,
}

impl Board {
    /// Parses `savers` / `finders` (and the snake-case names).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "savers" | "top_savers" => Some(Self::TopSavers),
            "finders" | "deal_finders" => Some(Self::DealFinders),
            _ => None,
        }
    }
}

/// A leaderboard's period, ending now.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// The last 7 days.
    Week,
    /// The last 30 days.
    Month,
    /// Everything.
    All,
}

impl Period {
    /// Parses `week` / `month` / `all`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    /// Where the period starts, as of `now` (`None`: the beginning).
    pub fn since(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Week => Some(now - TimeDelta::days(7)),
            Self::Month => Some(now - TimeDelta::days(30)),
            Self::All => None,
        }
    }
}

/// A leaderboard row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderboardEntry {
    /// 1 for the first.
    pub rank: usize,
    /// The user (opted in).
    pub user_id: UserId,
    /// The name shown: their display name, or `Saver <id>`.
    pub name: String,
    /// Net saving against 90-day medians in the period.
    pub saved: Money,
    /// Purchases below their 90-day median in the period.
    pub deals: usize,
}

/// A leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaderboard {
    /// Which.
    pub board: Board,
    /// Over which period.
    pub period: Period,
    /// Of which category (Amazon's category in the reports; `None`: all).
    pub category: Option<String>,
    /// The currency of the sums.
    pub currency: Currency,
    /// The rows, best first.
    pub entries: Vec<LeaderboardEntry>,
}

/// Computes savings, achievements, streaks and leaderboards. Cloning is cheap.
#[derive(Clone)]
pub struct EngagementService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for EngagementService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngagementService").finish_non_exhaustive()
    }
}

fn first_moment() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(FIRST_DAY.0, FIRST_DAY.1, FIRST_DAY.2)
        .unwrap_or(NaiveDate::MIN)
        .and_time(chrono::NaiveTime::MIN)
        .and_utc()
}

fn add_to(sums: &mut Vec<Money>, m: Money) -> Result<(), EngagementError> {
    match sums.iter_mut().find(|s| s.currency() == m.currency()) {
        Some(s) => {
            *s = s
                .checked_add(m)
                .map_err(|e| EngagementError::Arithmetic(e.to_string()))?;
        }
        None => sums.push(m),
    }
    Ok(())
}

impl EngagementService {
    /// The service over a store and a clock.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Every click from the first day to now, oldest first.
    async fn all_clicks(&self, now: DateTime<Utc>) -> Result<Vec<AffiliateClick>, StoreError> {
        self.store
            .affiliate_clicks(first_moment(), now + TimeDelta::seconds(1))
            .await
    }

    /// The confirmed purchases of the users `keep` accepts, oldest first, without alert
    /// verdicts.
    async fn purchases(
        &self,
        now: DateTime<Utc>,
        clicks: &[AffiliateClick],
        keep: &(dyn Fn(UserId) -> bool + Send + Sync),
    ) -> Result<Vec<Purchase>, EngagementError> {
        let orders = self
            .store
            .affiliate_orders(
                first_moment().date_naive(),
                now.date_naive() + TimeDelta::days(2),
            )
            .await?;
        let attributed = |o: &AffiliateOrder| match (o.user_id, o.click_target) {
            (Some(u), Some(t)) if keep(u) => Some((u, t)),
            _ => None,
        };
        // Returns per (click, product), taken off that click's orders in order.
        let mut returns: BTreeMap<(ClickTargetId, Asin), u32> = BTreeMap::new();
        for o in orders.iter().filter(|o| o.kind == ReportKind::Earnings) {
            if let Some((_, t)) = attributed(o) {
                *returns.entry((t, o.asin)).or_default() += o.returns;
            }
        }
        let mut by_target: BTreeMap<ClickTargetId, Vec<&AffiliateClick>> = BTreeMap::new();
        for c in clicks {
            by_target.entry(c.target_id).or_default().push(c);
        }
        let mut out = Vec::new();
        for o in orders.iter().filter(|o| o.kind == ReportKind::Orders) {
            let Some((user_id, target)) = attributed(o) else {
                continue;
            };
            let left = returns.entry((target, o.asin)).or_default();
            let taken = (*left).min(o.quantity);
            *left -= taken;
            let items = o.quantity - taken;
            if items == 0 {
                continue;
            }
            let day_end = (o.day + TimeDelta::days(1))
                .and_time(chrono::NaiveTime::MIN)
                .and_utc();
            let click = by_target
                .get(&target)
                .and_then(|cs| cs.iter().filter(|c| c.at < day_end).max_by_key(|c| c.at));
            let Some(click) = click else {
                tracing::warn!(target_id = %target, "an order's click is not stored; not counted");
                continue;
            };
            let points = self
                .store
                .price_history(&HistoryQuery {
                    until: Some(click.at),
                    ..HistoryQuery::buy_box(o.marketplace, o.asin)
                })
                .await?;
            let median = savings::median_90d(&points, click.at);
            let mrp = savings::mrp_before(&points, click.at);
            let saved_vs_median = median
                .map(|m| savings::saving(m, o.price, items))
                .transpose()?;
            let saved_vs_mrp = mrp
                .filter(|m| m.currency() == o.price.currency())
                .map(|m| savings::saving(m, o.price, items))
                .transpose()?;
            out.push(Purchase {
                user_id,
                marketplace: o.marketplace,
                asin: o.asin,
                title: o.title.clone(),
                category: o.category.clone(),
                day: o.day,
                at: click.at,
                alert: click.source.alert_id(),
                verdict: None,
                items,
                paid: o.price,
                median_90d: median,
                saved_vs_median,
                mrp,
                saved_vs_mrp,
                all_time_low: savings::is_all_time_low(&points, click.at, o.price),
            });
        }
        out.sort_by_key(|p| p.at);
        Ok(out)
    }

    /// Every alert of a user, newest first.
    async fn alerts_of(&self, user: UserId) -> Result<Vec<Alert>, StoreError> {
        const PAGE: usize = 500;
        let mut all = Vec::new();
        loop {
            let page = self.store.alert_history(user, PAGE, all.len()).await?;
            let n = page.len();
            all.extend(page);
            if n < PAGE {
                return Ok(all);
            }
        }
    }

    /// A user's savings, best deals, missed opportunities, streak and achievements.
    ///
    /// # Errors
    ///
    /// The store failed, or a sum overflowed.
    pub async fn stats(&self, user: &User) -> Result<UserStats, EngagementError> {
        let now = self.clock.now();
        let clicks: Vec<AffiliateClick> = self
            .all_clicks(now)
            .await?
            .into_iter()
            .filter(|c| c.user_id == user.id)
            .collect();
        let alerts = self.alerts_of(user.id).await?;
        let verdict_of: BTreeMap<AlertId, Option<DealVerdict>> = alerts
            .iter()
            .map(|a| (a.id, a.card.as_ref().and_then(|c| c.verdict)))
            .collect();
        let mut purchases = self.purchases(now, &clicks, &|u| u == user.id).await?;
        for p in &mut purchases {
            p.verdict = p.alert.and_then(|a| verdict_of.get(&a).copied().flatten());
        }
        let mut saved_vs_median = Vec::new();
        let mut saved_vs_mrp = Vec::new();
        for p in &purchases {
            if let Some(s) = p.saved_vs_median {
                add_to(&mut saved_vs_median, s)?;
            }
            if let Some(s) = p.saved_vs_mrp {
                add_to(&mut saved_vs_mrp, s)?;
            }
        }
        let mut best: Vec<Purchase> = purchases
            .iter()
            .filter(|p| p.saved_vs_median.is_some_and(|s| s.minor() > 0))
            .cloned()
            .collect();
        best.sort_by_key(|p| std::cmp::Reverse(p.saved_vs_median.map_or(0, |s| s.minor())));
        best.truncate(LISTED);

        // The first click of each alert's Buy link.
        let mut acted: BTreeMap<AlertId, DateTime<Utc>> = BTreeMap::new();
        for c in &clicks {
            if let Some(a) = c.source.alert_id() {
                acted.entry(a).or_insert(c.at);
            }
        }
        let window = TimeDelta::hours(ACT_WITHIN_HOURS);
        let real: Vec<&Alert> = alerts
            .iter()
            .filter(|a| is_real_deal(verdict_of.get(&a.id).copied().flatten()))
            .collect();
        let mut missed: Vec<MissedDeal> = real
            .iter()
            .filter(|a| a.triggered_at + window <= now)
            .filter(|a| {
                acted
                    .get(&a.id)
                    .is_none_or(|at| *at > a.triggered_at + window)
            })
            .filter_map(|a| {
                let card = a.card.as_ref()?;
                Some(MissedDeal {
                    alert_id: a.id,
                    marketplace: a.marketplace,
                    asin: a.asin,
                    price: a.price,
                    verdict: card.verdict?,
                    score: card.score,
                    triggered_at: a.triggered_at,
                })
            })
            .collect();
        missed.sort_by_key(|m| std::cmp::Reverse((m.triggered_at, m.alert_id)));

        let tz = user.settings.tz();
        let days = achievements::days_of(clicks.iter().map(|c| c.at), tz);
        let streak = achievements::streak(&days, now.with_timezone(&tz).date_naive());
        let events = achievements::Events {
            clicks: clicks
                .iter()
                .map(|c| achievements::ClickEvent {
                    at: c.at,
                    from_alert: c.source.alert_id().is_some(),
                    real_deal: c
                        .source
                        .alert_id()
                        .is_some_and(|a| is_real_deal(verdict_of.get(&a).copied().flatten())),
                })
                .collect(),
            purchases: purchases
                .iter()
                .map(|p| achievements::PurchaseEvent {
                    at: p.at,
                    saved: p.saved_vs_median,
                    all_time_low: p.all_time_low,
                })
                .collect(),
            tz: Some(tz),
        };
        Ok(UserStats {
            as_of: now,
            without_median: purchases.iter().filter(|p| p.median_90d.is_none()).count(),
            saved_vs_median,
            saved_vs_mrp,
            best_deals: best,
            alerts: alerts.len(),
            alerts_acted_on: acted.len(),
            real_deal_alerts: real.len(),
            missed_count: missed.len(),
            missed: missed.into_iter().take(LISTED).collect(),
            streak,
            achievements: achievements::earned(&events),
            purchases,
        })
    }

    /// A leaderboard of the users who opted in, in `currency`, over `period`, of one
    /// category (case-insensitive) or all; users with nothing to rank are left out.
    ///
    /// # Errors
    ///
    /// The store failed, or a sum overflowed.
    pub async fn leaderboard(
        &self,
        board: Board,
        period: Period,
        category: Option<&str>,
        currency: Currency,
        limit: usize,
    ) -> Result<Leaderboard, EngagementError> {
        let now = self.clock.now();
        let mut opted: BTreeMap<UserId, User> = BTreeMap::new();
        let mut after = None;
        loop {
            let page = self.store.list_users(after, 500).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            opted.extend(
                page.into_iter()
                    .filter(|u| u.settings.leaderboard_opt_in)
                    .map(|u| (u.id, u)),
            );
        }
        let ids: BTreeSet<UserId> = opted.keys().copied().collect();
        let clicks: Vec<AffiliateClick> = self
            .all_clicks(now)
            .await?
            .into_iter()
            .filter(|c| ids.contains(&c.user_id))
            .collect();
        let since = period.since(now);
        let purchases = self.purchases(now, &clicks, &|u| ids.contains(&u)).await?;
        let mut rows: BTreeMap<UserId, (Money, usize)> = BTreeMap::new();
        for p in purchases.iter().filter(|p| {
            p.paid.currency() == currency
                && since.is_none_or(|s| p.at >= s)
                && category.is_none_or(|c| p.category.eq_ignore_ascii_case(c.trim()))
        }) {
            let Some(saved) = p.saved_vs_median else {
                continue;
            };
            let row = rows.entry(p.user_id).or_insert((Money::zero(currency), 0));
            row.0 = row
                .0
                .checked_add(saved)
                .map_err(|e| EngagementError::Arithmetic(e.to_string()))?;
            row.1 += usize::from(saved.minor() > 0);
        }
        let mut ranked: Vec<(UserId, Money, usize)> = rows
            .into_iter()
            .map(|(u, (saved, deals))| (u, saved, deals))
            .filter(|(_, saved, deals)| match board {
                Board::TopSavers => saved.minor() > 0,
                _ => *deals > 0,
            })
            .collect();
        ranked.sort_by(|a, b| {
            match board {
                Board::TopSavers => b.1.minor().cmp(&a.1.minor()).then(b.2.cmp(&a.2)),
                _ => b.2.cmp(&a.2).then(b.1.minor().cmp(&a.1.minor())),
            }
            .then(a.0.cmp(&b.0))
        });
        let entries = ranked
            .into_iter()
            .take(limit)
            .enumerate()
            .filter_map(|(i, (user_id, saved, deals))| {
                let user = opted.get(&user_id)?;
                Some(LeaderboardEntry {
                    rank: i + 1,
                    user_id,
                    name: user
                        .display_name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| format!("Saver {user_id}")),
                    saved,
                    deals,
                })
            })
            .collect();
        Ok(Leaderboard {
            board,
            period,
            category: category.map(|c| c.trim().to_owned()),
            currency,
            entries,
        })
    }
}

#[cfg(test)]
mod tests;
