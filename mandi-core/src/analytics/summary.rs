//! History summaries: current and previous price, lows, highs and averages per window, flags.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::series::{self, Segment};
use crate::domain::{Availability, Money, PricePoint};

/// The windows every summary reports, in days (`None` = all time).
pub const STANDARD_WINDOWS: [Option<u32>; 5] = [Some(30), Some(90), Some(180), Some(365), None];

/// A price and when it was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedPrice {
    /// The price.
    pub price: Money,
    /// When it was first seen at that level.
    pub at: DateTime<Utc>,
}

/// Lowest, highest and average over one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowStats {
    /// Window length in days; `None` for all time.
    pub days: Option<u32>,
    /// The lowest known price in the window, when it was seen.
    pub lowest: Option<DatedPrice>,
    /// The highest known price in the window.
    pub highest: Option<DatedPrice>,
    /// Time-weighted average of the known prices.
    pub average: Option<Money>,
    /// Share of the window (basis points) during which the price was known.
    pub known_bps: u32,
}

/// A span of time with no known price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// Start of the gap.
    pub from: DateTime<Utc>,
    /// End of the gap.
    pub to: DateTime<Utc>,
}

/// Everything a person asks of a product's price history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistorySummary {
    /// The latest known price.
    pub current: Option<DatedPrice>,
    /// Availability of the latest observation (`Unknown` without one).
    pub availability: Availability,
    /// The known price before the current one (the last different price).
    pub previous: Option<DatedPrice>,
    /// Per-window statistics for [`STANDARD_WINDOWS`].
    pub windows: Vec<WindowStats>,
    /// For each of 30/90/180/365 days: is the current price the lowest in that many days?
    pub lowest_in: Vec<(u32, bool)>,
    /// True when the current price is the lowest ever recorded.
    pub is_all_time_low: bool,
    /// When the price last changed (to the current level).
    pub last_change_at: Option<DateTime<Utc>>,
    /// How many times the price went down.
    pub drops: u32,
    /// How many times the price went up.
    pub rises: u32,
    /// Spans with no known price (failed fetches, out of stock without a price).
    pub gaps: Vec<Gap>,
    /// Number of observations.
    pub observations: usize,
}

impl HistorySummary {
    /// The statistics of a window (`None` = all time), if reported.
    pub fn window(&self, days: Option<u32>) -> Option<&WindowStats> {
        self.windows.iter().find(|w| w.days == days)
    }

    /// Time since the price last changed, at `now`.
    pub fn since_last_change(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.last_change_at.map(|t| now - t)
    }
}

/// Summarises a price history (points in any order) as of `now`.
///
/// Unknown prices are gaps, never zero; they neither lower a minimum nor count as a change.
///
/// # Examples
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use mandi_core::analytics::summarize;
/// use mandi_core::{Asin, Availability, Currency, DataOrigin, Marketplace, Money, OfferKind, PricePoint};
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let t0 = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
/// let point = |day: i64, rupees: i64| PricePoint {
///     marketplace: Marketplace::India, asin, offer_kind: OfferKind::BuyBox,
///     at: t0 + Duration::days(day), price: Some(Money::from_major(rupees, Currency::INR)),
///     list_price: None, availability: Availability::InStock, deal_badge: None, origin: DataOrigin::Api,
/// };
/// let history = vec![point(0, 59_999), point(1, 54_999), point(2, 56_999)];
/// let s = summarize(&history, t0 + Duration::days(3));
/// assert_eq!(s.current.map(|c| c.price), Some(Money::from_major(56_999, Currency::INR)));
/// assert_eq!(s.previous.map(|c| c.price), Some(Money::from_major(54_999, Currency::INR)));
/// assert_eq!((s.drops, s.rises), (1, 1));
/// assert!(!s.is_all_time_low);
/// # Ok::<(), mandi_core::AsinError>(())
/// ```
pub fn summarize(history: &[PricePoint], now: DateTime<Utc>) -> HistorySummary {
    let latest = history.iter().filter(|p| p.at <= now).max_by_key(|p| p.at);
    let availability = latest.map_or(Availability::Unknown, |p| p.availability);
    let Some(currency) = series::currency_of(history) else {
        return HistorySummary {
            current: None,
            availability,
            previous: None,
            windows: STANDARD_WINDOWS
                .iter()
                .map(|d| WindowStats {
                    days: *d,
                    lowest: None,
                    highest: None,
                    average: None,
                    known_bps: 0,
                })
                .collect(),
            lowest_in: vec![(30, false), (90, false), (180, false), (365, false)],
            is_all_time_low: false,
            last_change_at: None,
            drops: 0,
            rises: 0,
            gaps: gaps_of(&series::segments(
                history,
                now,
                crate::domain::Currency::INR,
            )),
            observations: history.len(),
        };
    };
    let segments = series::segments(history, now, currency);
    let known: Vec<&Segment> = segments.iter().filter(|s| s.price.is_some()).collect();

    // Runs of equal known prices, ignoring gaps between them.
    let mut levels: Vec<DatedPrice> = Vec::new();
    for s in &known {
        let price = s.price.unwrap_or(Money::zero(currency));
        match levels.last() {
            Some(l) if l.price == price => {}
            _ => levels.push(DatedPrice {
                price,
                at: s.start_time(),
            }),
        }
    }
    let current = levels.last().copied();
    let previous = levels
        .len()
        .checked_sub(2)
        .and_then(|i| levels.get(i))
        .copied();
    let (mut drops, mut rises) = (0, 0);
    for pair in levels.windows(2) {
        if pair[1].price.minor() < pair[0].price.minor() {
            drops += 1;
        } else {
            rises += 1;
        }
    }
    let first_at = segments.first().map_or(now, |s| s.start_time());
    let windows: Vec<WindowStats> = STANDARD_WINDOWS
        .iter()
        .map(|days| {
            let from = days.map_or(first_at, |d| now - Duration::days(i64::from(d)));
            window_stats(*days, series::window(&segments, from, now), from, now)
        })
        .collect();
    let lowest_in = [30u32, 90, 180, 365]
        .iter()
        .map(|d| {
            let flag = match (current, windows.iter().find(|w| w.days == Some(*d))) {
                (Some(c), Some(w)) => w.lowest.is_some_and(|l| c.price.minor() <= l.price.minor()),
                _ => false,
            };
            (*d, flag)
        })
        .collect();
    let is_all_time_low = match (current, windows.iter().find(|w| w.days.is_none())) {
        (Some(c), Some(w)) => w.lowest.is_some_and(|l| c.price.minor() <= l.price.minor()),
        _ => false,
    };
    HistorySummary {
        current,
        availability,
        previous,
        windows,
        lowest_in,
        is_all_time_low,
        last_change_at: current.map(|c| c.at),
        drops,
        rises,
        gaps: gaps_of(&segments),
        observations: history.len(),
    }
}

fn window_stats(
    days: Option<u32>,
    clipped: impl Iterator<Item = Segment> + Clone,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> WindowStats {
    let mut lowest: Option<DatedPrice> = None;
    let mut highest: Option<DatedPrice> = None;
    let mut known_secs: i64 = 0;
    for s in clipped.clone() {
        if let Some(p) = s.price {
            known_secs += s.duration_secs();
            if lowest.is_none_or(|l| p.minor() < l.price.minor()) {
                lowest = Some(DatedPrice {
                    price: p,
                    at: s.start_time(),
                });
            }
            if highest.is_none_or(|h| p.minor() > h.price.minor()) {
                highest = Some(DatedPrice {
                    price: p,
                    at: s.start_time(),
                });
            }
        }
    }
    let span = (to - from).num_seconds().max(1);
    WindowStats {
        days,
        lowest,
        highest,
        average: series::time_weighted_average(clipped),
        known_bps: u32::try_from(
            (i128::from(known_secs) * 10_000 / i128::from(span)).clamp(0, 10_000),
        )
        .unwrap_or(0),
    }
}

fn gaps_of(segments: &[Segment]) -> Vec<Gap> {
    segments
        .iter()
        .filter(|s| s.price.is_none())
        .map(|s| Gap {
            from: s.start_time(),
            to: s.end_time(),
        })
        .collect()
}
