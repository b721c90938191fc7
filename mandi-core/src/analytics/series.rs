//! A price history reduced to known-price segments, the shape every analysis works on.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{Currency, Money, PricePoint};

/// A stretch of time during which one price held (or the price was unknown).
///
/// Times are unix seconds (UTC): analyses do a great deal of time arithmetic, and integer
/// seconds keep a year of hourly history well inside the scorer's time budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// When the observation that opened the segment was made (unix seconds).
    pub start: i64,
    /// When the next observation replaced it, or the analysis time (unix seconds).
    pub end: i64,
    /// The price; `None` for a gap.
    pub price: Option<Money>,
}

impl Segment {
    /// How long the segment lasted, in seconds.
    pub fn duration_secs(&self) -> i64 {
        self.end - self.start
    }

    /// The start as a time.
    pub fn start_time(&self) -> DateTime<Utc> {
        from_ts(self.start)
    }

    /// The end as a time.
    pub fn end_time(&self) -> DateTime<Utc> {
        from_ts(self.end)
    }
}

/// Unix seconds to a time (out-of-range values clamp to the epoch).
pub fn from_ts(ts: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(ts, 0).unwrap_or_default()
}

/// Longest a single observation is trusted to describe the price after it was made. Beyond
/// this, with no newer observation, the history has a gap.
pub const MAX_TRUSTED_SPAN: Duration = Duration::days(3);

/// Turns points (in any order) into time-ordered segments up to `now`. A point holds until the
/// next point or for at most [`MAX_TRUSTED_SPAN`]; the rest is a gap. Points of a currency other
/// than `currency` are treated as unknown (no analysis mixes currencies).
pub fn segments(points: &[PricePoint], now: DateTime<Utc>, currency: Currency) -> Vec<Segment> {
    let mut out = Vec::new();
    segments_into(points, now, currency, &mut out);
    out
}

/// [`segments`] into a buffer the caller keeps (cleared first): hot paths reuse one buffer
/// instead of allocating a history-sized vector on every call.
pub fn segments_into(
    points: &[PricePoint],
    now: DateTime<Utc>,
    currency: Currency,
    out: &mut Vec<Segment>,
) {
    if points.is_sorted_by_key(|p| p.at) {
        // The usual case (histories come back in time order): no copy of the points.
        sorted_segments_into(points, now, currency, out);
        return;
    }
    out.clear();
    let now_ts = now.timestamp();
    let price_of = |p: &PricePoint| p.price.filter(|m| m.currency() == currency);
    let mut sorted: Vec<(i64, Option<Money>)> = points
        .iter()
        .map(|p| (p.at.timestamp(), price_of(p)))
        .filter(|(at, _)| *at <= now_ts)
        .collect();
    sorted.sort_by_key(|(at, _)| *at);
    out.reserve(sorted.len());
    for (i, (at, price)) in sorted.iter().enumerate() {
        let next_at = sorted.get(i + 1).map_or(now_ts, |n| n.0);
        extend(out, *at, next_at, *price);
    }
}

/// [`segments_into`] for analyses that look no further back than `from`: when the points
/// are in time order (the usual case), only the points from the one in force at `from`
/// onwards are turned into segments, so a year of history costs what its last weeks do.
/// Every [`window`] starting at or after `from` is the same as over the full segments.
/// Points out of order fall back to [`segments_into`].
pub fn segments_from_into(
    points: &[PricePoint],
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    currency: Currency,
    out: &mut Vec<Segment>,
) {
    if points.is_sorted_by_key(|p| p.at) {
        segments_from_sorted_into(points, from, now, currency, out);
    } else {
        segments_into(points, now, currency, out);
    }
}

/// [`segments_from_into`] for points the caller already knows to be in time order (a
/// [`HistoryScan`] says so): the history is not walked again to check it.
pub fn segments_from_sorted_into(
    points: &[PricePoint],
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    currency: Currency,
    out: &mut Vec<Segment>,
) {
    debug_assert!(points.is_sorted_by_key(|p| p.at));
    // The last point made at or before `from` is the one in force at `from`.
    let first = points.partition_point(|p| p.at <= from).saturating_sub(1);
    sorted_segments_into(&points[first..], now, currency, out);
}

/// The sorted case of [`segments_into`]: points in time order, no copy of them.
fn sorted_segments_into(
    points: &[PricePoint],
    now: DateTime<Utc>,
    currency: Currency,
    out: &mut Vec<Segment>,
) {
    out.clear();
    let now_ts = now.timestamp();
    let upto = points.partition_point(|p| p.at <= now);
    let points = &points[..upto];
    out.reserve(points.len());
    let mut iter = points.iter().peekable();
    let Some(first) = iter.peek() else {
        return;
    };
    let mut at = first.at.timestamp();
    while let Some(p) = iter.next() {
        let next_at = iter.peek().map_or(now_ts, |n| n.at.timestamp());
        extend(
            out,
            at,
            next_at,
            p.price.filter(|m| m.currency() == currency),
        );
        at = next_at;
    }
}

/// What one pass over a history finds: whether its points are in time order and the lowest
/// known price (as [`lowest_known`] defines it). Hot paths that need both walk the history
/// once instead of once per question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryScan {
    /// True when the points are in time order (equal times allowed).
    pub sorted: bool,
    /// The lowest known price of the currency up to `now` (see [`lowest_known`]).
    pub lowest: Option<Money>,
}

/// Walks `points` once: checks that they are in time order and finds the lowest known price
/// of `currency` up to `now` on the way. Out-of-order points fall back to building the
/// segments for the lowest price (same answer, slower).
pub fn scan(points: &[PricePoint], now: DateTime<Utc>, currency: Currency) -> HistoryScan {
    let mut low: Option<Money> = None;
    let mut sorted = true;
    let mut iter = points.iter().peekable();
    while let Some(p) = iter.next() {
        let next = iter.peek();
        if let Some(n) = next
            && n.at < p.at
        {
            sorted = false;
            break;
        }
        if p.at > now {
            // In time order, every later point is after `now` too: only the order is left
            // to check.
            continue;
        }
        let Some(price) = p.price.filter(|m| m.currency() == currency) else {
            continue;
        };
        if low.is_some_and(|l| l.minor() <= price.minor()) {
            continue;
        }
        // Segments are in whole seconds: a point replaced within its own second opens none
        // (nor does a point made at `now`); a next point after `now` is cut at `now`.
        let next_at = next.map_or(now, |n| n.at.min(now));
        if next_at.timestamp() > p.at.timestamp() {
            low = Some(price);
        }
    }
    if !sorted {
        low = segments(points, now, currency)
            .iter()
            .filter_map(|s| s.price)
            .min_by_key(|m| m.minor());
    }
    HistoryScan {
        sorted,
        lowest: low,
    }
}

/// The lowest known price of `currency` over the whole history up to `now`: the lowest
/// price of [`segments`]`(points, now, currency)`, found without building them when the
/// points are in time order (a point replaced at its own instant, or made at `now`, opens
/// no segment and does not count).
pub fn lowest_known(
    points: &[PricePoint],
    now: DateTime<Utc>,
    currency: Currency,
) -> Option<Money> {
    scan(points, now, currency).lowest
}

/// Adds the segment a point made at `at` opens, up to the next point at `next_at`: the price
/// holds for at most [`MAX_TRUSTED_SPAN`], the rest is a gap.
fn extend(out: &mut Vec<Segment>, at: i64, next_at: i64, price: Option<Money>) {
    if next_at <= at {
        return;
    }
    let trusted_end = (at + MAX_TRUSTED_SPAN.num_seconds()).min(next_at);
    push_segment(out, at, trusted_end, price);
    if trusted_end < next_at {
        push_segment(out, trusted_end, next_at, None);
    }
}

fn push_segment(out: &mut Vec<Segment>, start: i64, end: i64, price: Option<Money>) {
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
    window(segments, from, to).collect()
}

/// The segments overlapping `[from, to)`, clipped to it, without allocating. `segments` must be
/// in time order (as [`segments`] returns them); the start is found by binary search.
pub fn window(
    segments: &[Segment],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> impl Iterator<Item = Segment> + Clone + '_ {
    let (from, to) = (from.timestamp(), to.timestamp());
    let first = segments.partition_point(|s| s.end <= from);
    segments[first..]
        .iter()
        .take_while(move |s| s.start < to)
        .map(move |s| Segment {
            start: s.start.max(from),
            end: s.end.min(to),
            price: s.price,
        })
}

/// Time-weighted average of the known prices in `segments`, rounded to the nearest minor unit.
/// When every segment is instantaneous, the plain mean of their prices.
pub fn time_weighted_average(segments: impl IntoIterator<Item = Segment>) -> Option<Money> {
    let (mut weighted, mut total, mut plain, mut count): (i128, i128, i128, i128) = (0, 0, 0, 0);
    let mut currency = None;
    for s in segments {
        if let Some(p) = s.price {
            let secs = i128::from(s.duration_secs().max(0));
            weighted += i128::from(p.minor()) * secs;
            total += secs;
            plain += i128::from(p.minor());
            count += 1;
            currency = Some(p.currency());
        }
    }
    let currency = currency?;
    let mean = if total > 0 {
        (weighted + total / 2) / total
    } else {
        (plain + count / 2) / count
    };
    i64::try_from(mean)
        .ok()
        .map(|m| Money::from_minor(m, currency))
}

/// Share of time (in basis points) that known prices in `segments` were strictly below `price`.
pub fn percentile_bps(segments: impl IntoIterator<Item = Segment>, price: Money) -> Option<u32> {
    let mut below: i128 = 0;
    let mut equal: i128 = 0;
    let mut total: i128 = 0;
    for s in segments {
        if let Some(p) = s.price {
            let secs = i128::from(s.duration_secs().max(1));
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
    const DAY: i64 = 86_400;
    let (from, to) = (from.timestamp(), to.timestamp());
    let mut out = Vec::new();
    let mut day_end = from + DAY;
    let mut idx = 0;
    while day_end <= to + DAY {
        let probe = day_end.min(to) - 1;
        while idx + 1 < segments.len() && segments[idx].end <= probe {
            idx += 1;
        }
        if let Some(s) = segments.get(idx)
            && s.start <= probe
            && probe < s.end
            && let Some(p) = s.price
        {
            out.push((from_ts(probe), p));
        }
        day_end += DAY;
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{Asin, Availability, DataOrigin, Marketplace, OfferKind};

    fn history() -> (Vec<PricePoint>, DateTime<Utc>) {
        let asin: Asin = "B0CX59H5W7".parse().unwrap_or_else(|_| unreachable!());
        let t0 = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let mut points = Vec::new();
        // Hourly for 200 days, with gaps, unknown points, a foreign-currency point, two
        // points in one second and a low long ago.
        for h in 0..(200 * 24) {
            if (1_000..1_200).contains(&h) {
                continue;
            }
            let rupees = 50_000 + (h * 7919 % 5_000) - if h == 30 { 20_000 } else { 0 };
            let price = match h % 97 {
                0 => None,
                1 => Some(Money::from_major(10, Currency::USD)),
                _ => Some(Money::from_major(rupees, Currency::INR)),
            };
            let at = t0 + Duration::hours(h);
            if h == 4_000 {
                points.push(PricePoint {
                    marketplace: Marketplace::India,
                    asin,
                    offer_kind: OfferKind::BuyBox,
                    at,
                    price: Some(Money::from_major(1, Currency::INR)),
                    list_price: None,
                    availability: Availability::InStock,
                    deal_badge: None,
                    origin: DataOrigin::Api,
                });
            }
            points.push(PricePoint {
                marketplace: Marketplace::India,
                asin,
                offer_kind: OfferKind::BuyBox,
                at,
                price,
                list_price: None,
                availability: Availability::InStock,
                deal_badge: None,
                origin: DataOrigin::Api,
            });
        }
        (points, t0 + Duration::days(200))
    }

    #[test]
    fn lowest_known_is_the_lowest_segment_price() {
        let (points, now) = history();
        let full = |points: &[PricePoint], now| {
            segments(points, now, Currency::INR)
                .iter()
                .filter_map(|s| s.price)
                .min_by_key(|m| m.minor())
        };
        let mut reversed = points.clone();
        reversed.reverse();
        assert!(scan(&points, now, Currency::INR).sorted);
        assert!(!scan(&reversed, now, Currency::INR).sorted);
        for now in [now, now - Duration::days(150), now - Duration::hours(3_000)] {
            assert_eq!(
                lowest_known(&points, now, Currency::INR),
                full(&points, now)
            );
            assert_eq!(
                lowest_known(&reversed, now, Currency::INR),
                full(&reversed, now)
            );
        }
    }

    #[test]
    fn windows_after_from_are_the_same_as_over_the_full_history() {
        let (points, now) = history();
        let full = segments(&points, now, Currency::INR);
        for back in [1, 30, 90, 160, 199] {
            let from = now - Duration::days(back) - Duration::minutes(17);
            let mut part = Vec::new();
            segments_from_into(&points, from, now, Currency::INR, &mut part);
            assert!(part.len() <= full.len());
            for start in [from, from + Duration::days(1), now - Duration::hours(5)] {
                let a: Vec<Segment> = window(&full, start, now).collect();
                let b: Vec<Segment> = window(&part, start, now).collect();
                assert_eq!(
                    time_weighted_average(a.iter().copied()),
                    time_weighted_average(b.iter().copied())
                );
                let price = Money::from_major(51_000, Currency::INR);
                assert_eq!(
                    percentile_bps(a.iter().copied(), price),
                    percentile_bps(b.iter().copied(), price)
                );
                let known = |v: &[Segment]| -> i64 {
                    v.iter()
                        .filter(|s| s.price.is_some())
                        .map(Segment::duration_secs)
                        .sum()
                };
                assert_eq!(known(&a), known(&b));
            }
        }
    }
}
