//! [`ProductObservation`]: what the rules need to know about one product at one moment.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::analytics::series;
use crate::domain::{
    Asin, Availability, Currency, Marketplace, Money, OfferKind, PricePoint, Product,
};
use crate::ports::{DealScore, ScoreInput, Scorer};

/// How much known history an "all-time low" needs: a product first seen days ago is at its
/// "all-time low" every time its price dips.
pub const MIN_HISTORY_FOR_ALL_TIME_LOW: Duration = Duration::days(14);

/// The lowest price of `currency` in force at any moment of `[from, until)` given the points
/// made before `until` (any order; later ones are ignored): the minimum over
/// [`series::window`] of their [`series::segments`] up to `until`. What
/// [`crate::Store::lowest_in_window`] answers.
pub fn lowest_in_window(
    points: &[PricePoint],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    currency: Currency,
) -> Option<Money> {
    let filtered: Vec<PricePoint>;
    let points: &[PricePoint] = if points.iter().all(|p| p.at < until) {
        points
    } else {
        filtered = points.iter().filter(|p| p.at < until).cloned().collect();
        &filtered
    };
    let segments = series::segments(points, until, currency);
    series::window(&segments, from, until)
        .filter_map(|s| s.price)
        .min_by_key(|m| m.minor())
}

/// A lightning deal running on the product at the observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LightningDeal {
    /// When the deal started, if the source says.
    pub starts_at: Option<DateTime<Utc>>,
    /// When the deal ends, if the source says.
    pub ends_at: Option<DateTime<Utc>>,
    /// How much of the deal's stock is claimed, in percent, if known.
    pub percent_claimed: Option<u8>,
}

/// Everything the alert rules need about one product at one moment.
///
/// Built once per price update ([`ProductObservation::from_history`]) and shared by every watch
/// on the product, so a million watches cost a million cheap comparisons, not a million
/// history scans.
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use mandi_core::alerts::ProductObservation;
/// use mandi_core::{Asin, Availability, Currency, Marketplace, Money, Offer, Product};
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let at = Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap();
/// let mut product = Product::new(asin, Marketplace::India, "Phone", at);
/// product.offers.push(Offer::new(Some(Money::from_major(54_999, Currency::INR)), Availability::InStock));
/// let obs = ProductObservation::from_history(&product, &[], at, &[30], None);
/// assert_eq!(obs.price, Some(Money::from_major(54_999, Currency::INR)));
/// assert_eq!(obs.previous_price, None);
/// assert_eq!(obs.lowest_in_days(30), None); // no history yet
/// # Ok::<(), mandi_core::AsinError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductObservation {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product observed (a child ASIN when it belongs to a variation family).
    pub asin: Asin,
    /// The family's parent ASIN, when the product is a variation.
    pub parent_asin: Option<Asin>,
    /// When the observation was made.
    pub at: DateTime<Utc>,
    /// The buy-box price now; `None` when unknown.
    pub price: Option<Money>,
    /// The last known price before this observation.
    pub previous_price: Option<Money>,
    /// The buy-box availability now.
    pub availability: Availability,
    /// The last known (not `Unknown`) availability before this observation; `Unknown` if none.
    pub last_known_availability: Availability,
    /// The lowest known price in the N days before this observation, for each N asked for.
    pub lowest_before: Vec<(u32, Option<Money>)>,
    /// The lowest known price ever recorded before this observation.
    pub all_time_low_before: Option<Money>,
    /// A lightning deal running now, if any.
    pub lightning_deal: Option<LightningDeal>,
    /// The deal score, when a scorer was given.
    pub deal_score: Option<DealScore>,
}

impl ProductObservation {
    /// An observation that knows nothing yet: unknown price and availability, no history.
    pub fn new(marketplace: Marketplace, asin: Asin, at: DateTime<Utc>) -> Self {
        Self {
            marketplace,
            asin,
            parent_asin: None,
            at,
            price: None,
            previous_price: None,
            availability: Availability::Unknown,
            last_known_availability: Availability::Unknown,
            lowest_before: Vec::new(),
            all_time_low_before: None,
            lightning_deal: None,
            deal_score: None,
        }
    }

    /// Builds the observation of a freshly fetched `product` from its buy-box `history`.
    ///
    /// `history` may be in any order and may already contain the new observation: only points
    /// strictly before `product.fetched_at` count as "before". Points of other ASINs or offer
    /// kinds are ignored. `windows_days` are the N of every "lowest in N days" rule that
    /// watches on this product carry; `scorer`, when given, scores the offer at `now`.
    pub fn from_history(
        product: &Product,
        history: &[PricePoint],
        now: DateTime<Utc>,
        windows_days: &[u32],
        scorer: Option<&dyn Scorer>,
    ) -> Self {
        let at = product.fetched_at;
        let offer = product.buy_box();
        let price = offer.and_then(|o| o.price);
        let availability = offer.map_or(Availability::Unknown, |o| o.availability);

        let relevant = |p: &PricePoint| p.asin == product.asin && p.offer_kind == OfferKind::BuyBox;
        let filtered: Vec<PricePoint>;
        let history: &[PricePoint] = if history.iter().all(relevant) {
            history
        } else {
            filtered = history.iter().filter(|p| relevant(p)).cloned().collect();
            &filtered
        };

        let mut previous: Option<(DateTime<Utc>, Money)> = None;
        let mut last_known: Option<(DateTime<Utc>, Availability)> = None;
        for p in history.iter().filter(|p| p.at < at) {
            if let Some(m) = p.price
                && previous.is_none_or(|(t, _)| p.at >= t)
            {
                previous = Some((p.at, m));
            }
            if p.availability.is_known() && last_known.is_none_or(|(t, _)| p.at >= t) {
                last_known = Some((p.at, p.availability));
            }
        }

        let currency = price
            .map(|m| m.currency())
            .or_else(|| series::currency_of(history))
            .unwrap_or(Currency::INR);
        // Segments up to `at`: a point made at `at` (the new observation) covers no time.
        let segments = series::segments(history, at, currency);
        let min_of = |it: &mut dyn Iterator<Item = series::Segment>| {
            it.filter_map(|s| s.price).min_by_key(|m| m.minor())
        };
        // "Lowest in N days" is only claimed when the known history reaches back N days, and
        // "all-time low" only after [`MIN_HISTORY_FOR_ALL_TIME_LOW`]: a product first seen
        // yesterday has no honest 30-day low.
        let first_known = segments
            .iter()
            .find(|s| s.price.is_some())
            .map(series::Segment::start_time);
        let mut lowest_before: Vec<(u32, Option<Money>)> = Vec::with_capacity(windows_days.len());
        for &days in windows_days {
            if lowest_before.iter().any(|(d, _)| *d == days) {
                continue;
            }
            let from = at - Duration::days(i64::from(days));
            let covered = first_known.is_some_and(|f| f <= from);
            let low = if covered {
                min_of(&mut series::window(&segments, from, at))
            } else {
                None
            };
            lowest_before.push((days, low));
        }
        let all_time_low_before =
            if first_known.is_some_and(|f| f <= at - MIN_HISTORY_FOR_ALL_TIME_LOW) {
                min_of(&mut segments.iter().copied())
            } else {
                None
            };

        let lightning_deal = lightning_deal(product, at);

        let deal_score = scorer.map(|s| {
            s.score(&ScoreInput {
                product,
                history,
                now,
            })
        });

        Self {
            marketplace: product.marketplace,
            asin: product.asin,
            parent_asin: product.parent_asin,
            at,
            price,
            previous_price: previous.map(|(_, m)| m),
            availability,
            last_known_availability: last_known.map_or(Availability::Unknown, |(_, a)| a),
            lowest_before,
            all_time_low_before,
            lightning_deal,
            deal_score,
        }
    }

    /// Builds the observation of a freshly fetched `product` from its buy-box running
    /// aggregates (`stats`, all made strictly before `product.fetched_at`) and only the
    /// `recent` buy-box points a "lowest in N days" window needs: every point from
    /// [`ProductObservation::recent_since`] on. Gives what [`ProductObservation::from_history`]
    /// gives on the whole history, without the deal score (the caller scores when a rule
    /// needs it), at a cost that does not grow with the length of the history.
    pub fn from_stats(
        product: &Product,
        stats: &crate::ports::PriceStats,
        recent: &[PricePoint],
        windows_days: &[u32],
    ) -> Self {
        let at = product.fetched_at;
        let relevant = |p: &PricePoint| {
            p.asin == product.asin && p.offer_kind == OfferKind::BuyBox && p.at < at
        };
        let filtered: Vec<PricePoint>;
        let recent: &[PricePoint] = if recent.iter().all(relevant) {
            recent
        } else {
            filtered = recent.iter().filter(|p| relevant(p)).cloned().collect();
            &filtered
        };
        let currency = Self::window_currency(product, stats);
        let lowest_before = if windows_days.is_empty() {
            Vec::new()
        } else {
            let segments = series::segments(recent, at, currency);
            let mut lowest: Vec<(u32, Option<Money>)> = Vec::with_capacity(windows_days.len());
            for &days in windows_days {
                if lowest.iter().any(|(d, _)| *d == days) {
                    continue;
                }
                let from = at - Duration::days(i64::from(days));
                let low = if Self::covers(stats, at, days) {
                    series::window(&segments, from, at)
                        .filter_map(|s| s.price)
                        .min_by_key(|m| m.minor())
                } else {
                    None
                };
                lowest.push((days, low));
            }
            lowest
        };
        Self::from_stats_and_lows(product, stats, lowest_before)
    }

    /// The currency the windows of an observation of `product` are computed in: the
    /// offer's, else the last known price's, else rupees.
    pub fn window_currency(product: &Product, stats: &crate::ports::PriceStats) -> Currency {
        product
            .buy_box()
            .and_then(|o| o.price)
            .map(|m| m.currency())
            .or_else(|| stats.last_price.map(|(_, m)| m.currency()))
            .unwrap_or(Currency::INR)
    }

    /// True when the known history (first known price in `stats`) reaches back `days` days
    /// before `at`: only then is "lowest in `days` days" claimed.
    pub fn covers(stats: &crate::ports::PriceStats, at: DateTime<Utc>, days: u32) -> bool {
        stats
            .first_known_at
            .is_some_and(|f| f <= at - Duration::days(i64::from(days)))
    }

    /// [`ProductObservation::from_stats`] with the lowest price of each "lowest in N days"
    /// window already known (`(N, lowest)`, `None` when not covered or no price held; see
    /// [`crate::Store::lowest_in_window`]), so no point of the history is read.
    pub fn from_stats_and_lows(
        product: &Product,
        stats: &crate::ports::PriceStats,
        lowest_before: Vec<(u32, Option<Money>)>,
    ) -> Self {
        let at = product.fetched_at;
        let offer = product.buy_box();
        let price = offer.and_then(|o| o.price);
        let availability = offer.map_or(Availability::Unknown, |o| o.availability);
        let currency = Self::window_currency(product, stats);
        let all_time_low_before = if stats
            .first_known_at
            .is_some_and(|f| f <= at - MIN_HISTORY_FOR_ALL_TIME_LOW)
        {
            stats.low.filter(|l| l.currency() == currency)
        } else {
            None
        };
        Self {
            marketplace: product.marketplace,
            asin: product.asin,
            parent_asin: product.parent_asin,
            at,
            price,
            previous_price: stats.last_price.map(|(_, m)| m),
            availability,
            last_known_availability: stats
                .last_availability
                .map_or(Availability::Unknown, |(_, a)| a),
            lowest_before,
            all_time_low_before,
            lightning_deal: lightning_deal(product, at),
            deal_score: None,
        }
    }

    /// The earliest point [`ProductObservation::from_stats`] needs for these windows: the
    /// longest window plus [`series::MAX_TRUSTED_SPAN`] (a point that old may still hold the
    /// price at the window's start); `None` when no window is asked for.
    pub fn recent_since(at: DateTime<Utc>, windows_days: &[u32]) -> Option<DateTime<Utc>> {
        let longest = windows_days.iter().copied().max()?;
        Some(at - Duration::days(i64::from(longest)) - series::MAX_TRUSTED_SPAN)
    }

    /// The lowest known price in the `days` days before the observation; `None` when the
    /// window had no known price or was not computed.
    pub fn lowest_in_days(&self, days: u32) -> Option<Money> {
        self.lowest_before
            .iter()
            .find(|(d, _)| *d == days)
            .and_then(|(_, m)| *m)
    }
}

/// A lightning deal running on the product's buy box at `at`.
fn lightning_deal(product: &Product, at: DateTime<Utc>) -> Option<LightningDeal> {
    product
        .buy_box()
        .and_then(|o| o.deal.as_ref())
        .filter(|d| d.is_lightning())
        .filter(|d| d.starts_at.is_none_or(|s| s <= at) && d.ends_at.is_none_or(|e| e > at))
        .map(|d| LightningDeal {
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            percent_claimed: d.percent_claimed,
        })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{DataOrigin, Offer};
    use crate::ports::PriceStats;

    /// Aggregates plus the recent window give what the whole history gives, on a long,
    /// irregular history with gaps, unknown points, stock changes and old lows.
    #[test]
    fn aggregates_and_a_window_give_what_the_whole_history_gives() {
        let asin: Asin = "B0CX59H5W7".parse().expect("asin");
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let mut history = Vec::new();
        let mut seed: u64 = 7;
        let mut at = start;
        for i in 0..3_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let r = (seed >> 33) % 1_000;
            // Irregular steps: mostly hourly, now and then a gap of days.
            at += if r < 10 {
                Duration::days(4)
            } else {
                Duration::minutes(30 + (r as i64 % 90))
            };
            let price = (r >= 40)
                .then(|| Money::from_minor(1_000_000 + (r as i64) * 997 - i, Currency::INR));
            let availability = match r % 7 {
                0 => Availability::Unknown,
                1 => Availability::OutOfStock,
                _ => Availability::InStock,
            };
            history.push(PricePoint {
                marketplace: Marketplace::India,
                asin,
                offer_kind: OfferKind::BuyBox,
                at,
                price,
                list_price: None,
                availability,
                deal_badge: None,
                origin: DataOrigin::Api,
            });
        }
        for (k, cut) in [100usize, 700, 1_500, 2_999].into_iter().enumerate() {
            let now = history[cut].at + Duration::minutes(20);
            let mut product = Product::new(asin, Marketplace::India, "Phone", now);
            product.offers.push(Offer::new(
                (k % 2 == 0).then(|| Money::from_minor(1_100_000, Currency::INR)),
                Availability::InStock,
            ));
            let windows = [1, 7, 30, 90];
            let before: Vec<PricePoint> = history[..=cut].to_vec();
            let full = ProductObservation::from_history(&product, &before, now, &windows, None);
            let stats = PriceStats::of(&before).expect("stats");
            let since = ProductObservation::recent_since(now, &windows).expect("since");
            let recent: Vec<PricePoint> =
                before.iter().filter(|p| p.at >= since).cloned().collect();
            assert!(recent.len() < before.len() || cut < 1_000);
            let narrow = ProductObservation::from_stats(&product, &stats, &recent, &windows);
            assert_eq!(narrow, full, "cut at {cut}");
            // Each window's minimum on its own (what `Store::lowest_in_window` answers).
            let currency = ProductObservation::window_currency(&product, &stats);
            let lows = windows
                .iter()
                .map(|&d| {
                    let from = now - Duration::days(i64::from(d));
                    let low = if ProductObservation::covers(&stats, now, d) {
                        lowest_in_window(&before, from, now, currency)
                    } else {
                        None
                    };
                    (d, low)
                })
                .collect();
            let aggregated = ProductObservation::from_stats_and_lows(&product, &stats, lows);
            assert_eq!(aggregated, full, "cut at {cut}, windows aggregated");
        }
    }
}
