//! A price history reduced to known-price segments, the shape every analysis works on.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{Currency, Money, PricePoint};

/// A stretch of time during which one price held (or the price was unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// When the observation that opened the segment was made.
    pub start: DateTime<Utc>,
    /// When the next observation replaced it (or the analysis time for the last one).
    pub end: DateTime<Utc>,
    /// The price; `None` for a gap.
    pub price: Option<Money>,
}

impl Segment {
    /// How long the segment lasted.
    pub fn duration(&self) -> Duration {
        self.end - self.start
    }
}

/// Longest a single observation is trusted to describe the price after it was made. Beyond
/// this, with no newer observation, the history has a gap.
pub const MAX_TRUSTED_SPAN: Duration = Duration::days(3);

/// Turns points (in any order) into time-ordered segments up to `now`. A point holds until the
/// next point or for at most [`MAX_TRUSTED_SPAN`]; the rest is a gap. Points of a currency other
/// than `currency` are treated as unknown (no analysis mixes currencies).
pub fn segments(points: &[PricePoint], now: DateTime<Utc>, currency: Currency) -> Vec<Segment> {
    let mut sorted: Vec<&PricePoint> = points.iter().filter(|p| p.at <= now).collect();
    sorted.sort_by_key(|p| p.at);
    let mut out: Vec<Segment> = Vec::with_capacity(sorted.len());
    for (i, p) in sorted.iter().enumerate() {
        let next_at = sorted.get(i + 1).map_or(now, |n| n.at);
        if next_at <= p.at {
            continue;
        }
        let price = p.price.filter(|m| m.currency() == currency);
        let trusted_end = (p.at + MAX_TRUSTED_SPAN).min(next_at);
        push_segment(&mut out, p.at, trusted_end, price);
        if trusted_end < next_at {
            push_segment(&mut out, trusted_end, next_at, None);
        }
    }
    out
}

fn push_segment(
    out: &mut Vec<Segment>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    price: Option<Money>,
) {
    if let Some(last) = out.last_mut()
        && last.price == price
        && last.end == start
    {
        last.end = end;
        return;
    }
    out.push(Segment { start, end, price });
}

/// The currency of the newest known price, if any.
pub fn currency_of(points: &[PricePoint]) -> Option<Currency> {
    points
        .iter()
        .filter_map(|p| p.price.map(|m| (p.at, m.currency())))
        .max_by_key(|(at, _)| *at)
        .map(|(_, c)| c)
}

/// Clips segments to `[from, to)`.
pub fn clip(segments: &[Segment], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Segment> {
    segments
        .iter()
        .filter(|s| s.end > from && s.start < to)
        .map(|s| Segment {
            start: s.start.max(from),
            end: s.end.min(to),
            price: s.price,
        })
        .collect()
}

/// Time-weighted average of the known prices in `segments`, rounded to the nearest minor unit.
pub fn time_weighted_average(segments: &[Segment]) -> Option<Money> {
    let mut weighted: i128 = 0;
    let mut total: i128 = 0;
    let mut currency = None;
    for s in segments {
        if let Some(p) = s.price {
            let secs = i128::from(s.duration().num_seconds().max(0));
            weighted += i128::from(p.minor()) * secs;
            total += secs;
            currency = Some(p.currency());
        }
    }
    let currency = currency?;
    if total == 0 {
        // Only instantaneous observations: plain mean of them.
        let known: Vec<i128> = segments
            .iter()
            .filter_map(|s| s.price.map(|p| i128::from(p.minor())))
            .collect();
        if known.is_empty() {
            return None;
        }
        let n = known.len() as i128;
        let mean = (known.iter().sum::<i128>() + n / 2) / n;
        return i64::try_from(mean)
            .ok()
            .map(|m| Money::from_minor(m, currency));
    }
    let mean = (weighted + total / 2) / total;
    i64::try_from(mean)
        .ok()
        .map(|m| Money::from_minor(m, currency))
}

/// Share of time (in basis points) that known prices in `segments` were strictly below `price`.
pub fn percentile_bps(segments: &[Segment], price: Money) -> Option<u32> {
    let mut below: i128 = 0;
    let mut equal: i128 = 0;
    let mut total: i128 = 0;
    for s in segments {
        if let Some(p) = s.price {
            let secs = i128::from(s.duration().num_seconds().max(1));
            total += secs;
            if p.minor() < price.minor() {
                below += secs;
            } else if p.minor() == price.minor() {
                equal += secs;
            }
        }
    }
    if total == 0 {
        return None;
    }
    // Mid-rank: half of the time at exactly this price counts as below.
    let rank = below * 2 + equal;
    u32::try_from(rank * 10_000 / (total * 2)).ok()
}

/// Daily closing prices (last known price of each UTC day) between `from` and `to`.
pub fn daily_closes(
    segments: &[Segment],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Money)> {
    let mut out = Vec::new();
    let mut day_end = from + Duration::days(1);
    let mut idx = 0;
    while day_end <= to + Duration::days(1) {
        let probe = day_end.min(to) - Duration::seconds(1);
        while idx + 1 < segments.len() && segments[idx].end <= probe {
            idx += 1;
        }
        if let Some(s) = segments.get(idx)
            && s.start <= probe
            && probe < s.end
            && let Some(p) = s.price
        {
            out.push((probe, p));
        }
        day_end += Duration::days(1);
    }
    out
}
