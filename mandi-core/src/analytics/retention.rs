//! Retention: keep recent history at full resolution and thin older history to per-hour, then
//! per-day open/min/max/close points, without ever losing a minimum, a maximum or a gap.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::PricePoint;

/// How long each resolution is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    /// Points newer than this are all kept.
    pub full_resolution: Duration,
    /// Points older than `full_resolution` but newer than this are thinned per hour; older
    /// points per day.
    pub hourly: Duration,
}

impl Default for RetentionPolicy {
    /// 30 days at full resolution, then hourly up to a year, then daily.
    fn default() -> Self {
        Self {
            full_resolution: Duration::days(30),
            hourly: Duration::days(365),
        }
    }
}

/// Thins a product's history (one offer kind, any order) as of `now`; the result is in time
/// order and is a subset of the input.
///
/// In each hour or day bucket it keeps the first and last points, the points with the lowest
/// and highest known price, and every point where the price becomes known or unknown, so
/// minima, maxima and gaps survive.
///
/// # Examples
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use mandi_core::analytics::{downsample, RetentionPolicy};
/// use mandi_core::{Asin, Availability, Currency, DataOrigin, Marketplace, Money, OfferKind, PricePoint};
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
/// // One point a minute for a day, two years ago.
/// let points: Vec<PricePoint> = (0..1440).map(|m| PricePoint {
///     marketplace: Marketplace::India, asin, offer_kind: OfferKind::BuyBox,
///     at: t0 + Duration::minutes(m), price: Some(Money::from_minor(100_000 + (m % 97), Currency::INR)),
///     list_price: None, availability: Availability::InStock, deal_badge: None, origin: DataOrigin::Api,
/// }).collect();
/// let kept = downsample(&points, t0 + Duration::days(730), &RetentionPolicy::default());
/// assert!(kept.len() <= 4);
/// let lowest = |v: &[PricePoint]| v.iter().filter_map(|p| p.price.map(|m| m.minor())).min();
/// assert_eq!(lowest(&kept), lowest(&points));
/// # Ok::<(), mandi_core::AsinError>(())
/// ```
pub fn downsample(
    points: &[PricePoint],
    now: DateTime<Utc>,
    policy: &RetentionPolicy,
) -> Vec<PricePoint> {
    let mut sorted: Vec<&PricePoint> = points.iter().collect();
    sorted.sort_by_key(|p| p.at);
    let full_from = now - policy.full_resolution;
    let hourly_from = now - policy.hourly;
    let bucket_of = |p: &PricePoint| -> Option<i64> {
        let ts = p.at.timestamp();
        if p.at >= full_from {
            None
        } else if p.at >= hourly_from {
            Some(ts.div_euclid(3_600) * 2)
        } else {
            Some(ts.div_euclid(86_400) * 2 + 1)
        }
    };
    let mut keep: BTreeSet<usize> = BTreeSet::new();
    let mut i = 0;
    while i < sorted.len() {
        let Some(bucket) = bucket_of(sorted[i]) else {
            keep.insert(i);
            i += 1;
            continue;
        };
        let start = i;
        while i < sorted.len() && bucket_of(sorted[i]) == Some(bucket) {
            i += 1;
        }
        let run = start..i;
        keep.insert(run.start);
        keep.insert(run.end - 1);
        let known = run.clone().filter(|&j| sorted[j].price.is_some());
        if let Some(j) = known
            .clone()
            .min_by_key(|&j| sorted[j].price.map(|m| m.minor()))
        {
            keep.insert(j);
        }
        if let Some(j) = known.max_by_key(|&j| sorted[j].price.map(|m| m.minor())) {
            keep.insert(j);
        }
        for j in run {
            let prev_known = j.checked_sub(1).map(|k| sorted[k].price.is_some());
            if prev_known.is_some_and(|k| k != sorted[j].price.is_some()) {
                keep.insert(j);
            }
        }
    }
    keep.into_iter().map(|j| sorted[j].clone()).collect()
}
