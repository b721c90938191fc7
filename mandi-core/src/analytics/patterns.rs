//! Price patterns of one product: volatility, trend, typical sale depth and timing, and when
//! the next drop is likely.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Asia::Kolkata;
use serde::{Deserialize, Serialize};

use super::calendar;
use super::series;
use crate::domain::{Money, PricePoint};

/// One sale-like drop: the daily price fell clearly below its previous 30-day median.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleDrop {
    /// First day of the drop.
    pub started: DateTime<Utc>,
    /// Lowest price during the drop.
    pub lowest: Money,
    /// Depth below the prior median, in basis points.
    pub depth_bps: u32,
    /// The festival sale it fell in, if any.
    pub festival: Option<String>,
}

/// A window in which the next drop is expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropWindow {
    /// Start of the window.
    pub from: DateTime<Utc>,
    /// End of the window.
    pub to: DateTime<Utc>,
    /// Why this window.
    pub reason: String,
}

/// The price patterns of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricePatterns {
    /// Standard deviation of daily closes over 90 days relative to their mean (basis points).
    pub volatility_bps: Option<u32>,
    /// Least-squares trend of daily closes over 90 days, in basis points of the mean per 30 days
    /// (negative: getting cheaper).
    pub trend_bps_per_30d: Option<i64>,
    /// Drops seen in the history, oldest first.
    pub drops: Vec<SaleDrop>,
    /// Median depth of those drops (basis points).
    pub typical_drop_bps: Option<u32>,
    /// Festival sales the product dropped in (distinct names, first seen first).
    pub festivals: Vec<String>,
    /// When the next drop is likely.
    pub next_drop: Option<DropWindow>,
}

/// Drops of at least this depth (basis points) below the prior median count as sale drops.
pub const SALE_DROP_BPS: u32 = 500;

fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let mut x = n;
    let mut y = x.div_ceil(2);
    while y < x {
        x = y;
        y = (x + n / x) / 2;
    }
    x
}

/// Finds the patterns of a history (points in any order) as of `now`.
pub fn patterns(history: &[PricePoint], now: DateTime<Utc>) -> PricePatterns {
    let Some(currency) = series::currency_of(history) else {
        return PricePatterns {
            volatility_bps: None,
            trend_bps_per_30d: None,
            drops: Vec::new(),
            typical_drop_bps: None,
            festivals: Vec::new(),
            next_drop: None,
        };
    };
    let segments = series::segments(history, now, currency);
    let first = segments.first().map_or(now, |s| s.start_time());
    let closes = series::daily_closes(&segments, first, now);

    // Volatility and trend over the last 90 days.
    let recent: Vec<(DateTime<Utc>, i128)> = closes
        .iter()
        .filter(|(t, _)| *t >= now - Duration::days(90))
        .map(|(t, m)| (*t, i128::from(m.minor())))
        .collect();
    let (volatility_bps, trend_bps_per_30d) = if recent.len() >= 7 {
        let n = recent.len() as i128;
        let mean = recent.iter().map(|(_, v)| v).sum::<i128>() / n;
        let var = recent
            .iter()
            .map(|(_, v)| (v - mean) * (v - mean))
            .sum::<i128>()
            / n;
        let sd = isqrt(u128::try_from(var).unwrap_or(0)) as i128;
        let vol = if mean > 0 {
            u32::try_from(sd * 10_000 / mean).ok()
        } else {
            None
        };
        let xs: Vec<i128> = recent
            .iter()
            .map(|(t, _)| i128::from((*t - recent[0].0).num_days()))
            .collect();
        let mx = xs.iter().sum::<i128>() / n;
        let sxx: i128 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
        let sxy: i128 = xs
            .iter()
            .zip(&recent)
            .map(|(x, (_, y))| (x - mx) * (y - mean))
            .sum();
        let trend = if sxx > 0 && mean > 0 {
            // slope in minor units per day × 30 days, relative to the mean.
            i64::try_from(sxy * 30 * 10_000 / (sxx * mean)).ok()
        } else {
            None
        };
        (vol, trend)
    } else {
        (None, None)
    };

    // Sale drops: runs of days whose close is ≥ 5 % under the median of the 30 days before.
    let mut drops: Vec<SaleDrop> = Vec::new();
    let mut in_drop = false;
    for (i, (t, price)) in closes.iter().enumerate() {
        let window: Vec<i64> = closes[..i]
            .iter()
            .filter(|(u, _)| *u >= *t - Duration::days(30))
            .map(|(_, m)| m.minor())
            .collect();
        if window.len() < 7 {
            in_drop = false;
            continue;
        }
        let mut sorted = window;
        sorted.sort_unstable();
        let median = sorted[sorted.len() / 2];
        let depth = if median > 0 {
            u32::try_from(
                (i128::from(median) - i128::from(price.minor())) * 10_000 / i128::from(median),
            )
            .unwrap_or(0)
        } else {
            0
        };
        if depth >= SALE_DROP_BPS && (i128::from(price.minor()) < i128::from(median)) {
            if in_drop {
                if let Some(d) = drops.last_mut() {
                    if price.minor() < d.lowest.minor() {
                        d.lowest = *price;
                    }
                    d.depth_bps = d.depth_bps.max(depth);
                }
            } else {
                let day = t.with_timezone(&Kolkata).date_naive();
                drops.push(SaleDrop {
                    started: *t,
                    lowest: *price,
                    depth_bps: depth,
                    festival: calendar::sale_on(day).map(|w| w.name),
                });
                in_drop = true;
            }
        } else {
            in_drop = false;
        }
    }
    let typical_drop_bps = {
        let mut depths: Vec<u32> = drops.iter().map(|d| d.depth_bps).collect();
        depths.sort_unstable();
        depths.get(depths.len() / 2).copied()
    };
    let mut festivals: Vec<String> = Vec::new();
    for name in drops.iter().filter_map(|d| d.festival.clone()) {
        if !festivals.contains(&name) {
            festivals.push(name);
        }
    }
    let today = now.with_timezone(&Kolkata).date_naive();
    let next_drop = festivals
        .iter()
        .filter_map(|name| calendar::next_window(name, today))
        .min_by_key(|w| w.start)
        .and_then(|w| {
            let from = w
                .start
                .and_hms_opt(0, 0, 0)?
                .and_local_timezone(Kolkata)
                .single()?
                .with_timezone(&Utc);
            let to = w
                .end
                .and_hms_opt(23, 59, 59)?
                .and_local_timezone(Kolkata)
                .single()?
                .with_timezone(&Utc);
            Some(DropWindow {
                from: from.max(now),
                to,
                reason: format!("it dropped in earlier {} sales", w.name),
            })
        })
        .or_else(|| {
            if drops.len() < 2 {
                return None;
            }
            let starts: Vec<DateTime<Utc>> = drops.iter().map(|d| d.started).collect();
            let span = *starts.last()? - *starts.first()?;
            let interval = span / i32::try_from(starts.len() - 1).ok()?;
            let mut centre = *starts.last()? + interval;
            while centre < now {
                centre += interval;
            }
            Some(DropWindow {
                from: (centre - interval / 4).max(now),
                to: centre + interval / 4,
                reason: format!(
                    "it has dropped about every {} days",
                    interval.num_days().max(1)
                ),
            })
        });
    PricePatterns {
        volatility_bps,
        trend_bps_per_30d,
        drops,
        typical_drop_bps,
        festivals,
        next_drop,
    }
}
