//! The arithmetic of a saving, in minor units (paise), exactly.
//!
//! **The 90-day median** of a product at a moment `t` is the time-weighted lower median of
//! its known buy-box prices in `[t − 90 days, t)`: each observation's price holds from the
//! observation until the next one (or `t`); periods whose price is unknown count for
//! nothing. The median is the lowest price `p` such that the product was offered at or
//! below `p` for at least half of the covered time. It is always a price the product
//! really had, so **no rounding happens anywhere**: a saving is
//! `(median − price paid) × items kept`, in whole paise. When the covered time is shorter
//! than [`MIN_COVERED_DAYS`], the median is unknown and so is the saving (never zero).
//!
//! The saving against the MRP is `(MRP − price paid) × items kept`, with the MRP of the
//! latest observation before the purchase; it is shown apart because MRPs are often
//! inflated.

use chrono::{DateTime, TimeDelta, Utc};

use super::EngagementError;
use crate::domain::{Money, PricePoint};

/// The median's window, in days.
pub const MEDIAN_WINDOW_DAYS: i64 = 90;

/// The least time, in days, the window's known prices must cover for a median.
pub const MIN_COVERED_DAYS: i64 = 7;

/// The history a product must have before a purchase for it to count as an all-time low,
/// in days (a product first seen yesterday has no meaningful "lowest ever").
pub const ALL_TIME_LOW_MIN_HISTORY_DAYS: i64 = 30;

/// The 90-day median of `points` (time order, one product and offer kind, one currency
/// expected) as of `at`; `None` when the known prices in the window cover less than
/// [`MIN_COVERED_DAYS`] or mix currencies.
pub fn median_90d(points: &[PricePoint], at: DateTime<Utc>) -> Option<Money> {
    let since = at - TimeDelta::days(MEDIAN_WINDOW_DAYS);
    let window: Vec<&PricePoint> = points
        .iter()
        .filter(|p| p.at >= since && p.at < at)
        .collect();
    let mut held: Vec<(Money, i64)> = Vec::with_capacity(window.len());
    for (i, p) in window.iter().enumerate() {
        let end = window.get(i + 1).map_or(at, |n| n.at);
        let ms = (end - p.at).num_milliseconds();
        if let Some(price) = p.price
            && ms > 0
        {
            held.push((price, ms));
        }
    }
    weighted_lower_median(&held, TimeDelta::days(MIN_COVERED_DAYS).num_milliseconds())
}

/// The lower weighted median of `(price, weight)` pairs: the lowest price whose cumulative
/// weight (prices in ascending order) reaches half of the total. `None` when the total
/// weight is below `min_total`, a weight is negative, or currencies differ.
pub fn weighted_lower_median(held: &[(Money, i64)], min_total: i64) -> Option<Money> {
    let first = held.first()?.0.currency();
    if held.iter().any(|(m, w)| m.currency() != first || *w < 0) {
        return None;
    }
    let total: i64 = held.iter().map(|(_, w)| *w).sum();
    if total <= 0 || total < min_total {
        return None;
    }
    let mut sorted = held.to_vec();
    sorted.sort_by_key(|(m, _)| m.minor());
    let mut cumulative: i64 = 0;
    for (price, w) in sorted {
        cumulative += w;
        // cumulative ≥ total / 2, compared without dividing.
        if cumulative.saturating_mul(2) >= total {
            return Some(price);
        }
    }
    None
}

/// What `items` bought at `paid` each saved against `reference` each:
/// `(reference − paid) × items`, negative when the price paid was higher.
///
/// # Errors
///
/// [`EngagementError::Arithmetic`] when the currencies differ or the product overflows.
pub fn saving(reference: Money, paid: Money, items: u32) -> Result<Money, EngagementError> {
    let per_item = reference
        .checked_sub(paid)
        .map_err(|e| EngagementError::Arithmetic(e.to_string()))?;
    per_item
        .minor()
        .checked_mul(i64::from(items))
        .map(|m| Money::from_minor(m, paid.currency()))
        .ok_or_else(|| EngagementError::Arithmetic("the saving does not fit".to_owned()))
}

/// True when `paid` is at or below every known price of `points` before `at`, and those
/// points reach back at least [`ALL_TIME_LOW_MIN_HISTORY_DAYS`].
pub fn is_all_time_low(points: &[PricePoint], at: DateTime<Utc>, paid: Money) -> bool {
    let before: Vec<Money> = points
        .iter()
        .filter(|p| p.at < at)
        .filter_map(|p| p.price)
        .collect();
    let old_enough = points
        .iter()
        .filter(|p| p.at < at && p.price.is_some())
        .map(|p| p.at)
        .min()
        .is_some_and(|first| at - first >= TimeDelta::days(ALL_TIME_LOW_MIN_HISTORY_DAYS));
    old_enough
        && before
            .iter()
            .all(|p| p.currency() == paid.currency() && paid.minor() <= p.minor())
}

/// The MRP (list price) of the latest observation before `at` that has one.
pub fn mrp_before(points: &[PricePoint], at: DateTime<Utc>) -> Option<Money> {
    points
        .iter()
        .filter(|p| p.at < at)
        .filter_map(|p| p.list_price)
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Asin, Availability, Currency, DataOrigin, Marketplace, OfferKind};

    fn t(day: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).expect("t") + TimeDelta::days(day)
    }

    fn paise(n: i64) -> Money {
        Money::from_minor(n, Currency::INR)
    }

    fn point(day: i64, price: Option<i64>) -> PricePoint {
        PricePoint {
            marketplace: Marketplace::India,
            asin: "B0CX59H5W7".parse::<Asin>().expect("asin"),
            offer_kind: OfferKind::BuyBox,
            at: t(day),
            price: price.map(paise),
            list_price: Some(paise(6_999_900)),
            availability: Availability::InStock,
            deal_badge: None,
            origin: DataOrigin::Api,
        }
    }

    #[test]
    fn saving_is_exact_in_paise_and_signed() {
        // ₹59,999.00 median, ₹54,999.50 paid, two items: 2 × 499,950 paise.
        assert_eq!(
            saving(paise(5_999_900), paise(5_499_950), 2).expect("saving"),
            paise(999_900)
        );
        // Paid above the median: a negative saving, not zero.
        assert_eq!(saving(paise(100), paise(101), 3).expect("s"), paise(-3));
        assert_eq!(saving(paise(100), paise(1), 0).expect("s"), paise(0));
        assert!(saving(paise(100), Money::from_minor(1, Currency::USD), 1).is_err());
        assert!(saving(Money::from_minor(i64::MAX / 2, Currency::INR), paise(0), 3).is_err());
    }

    #[test]
    fn the_median_is_weighted_by_time_held_and_is_a_real_price() {
        // ₹600 for 60 days, then ₹500 for 29 days, then ₹400 for the last day: ₹600 held
        // two thirds of the time, so it is the median however often ₹400 was observed.
        let mut points = vec![point(-90, Some(60_000)), point(-30, Some(50_000))];
        for h in 0..24 {
            let mut p = point(-1, Some(40_000));
            p.at += TimeDelta::hours(h);
            points.push(p);
        }
        assert_eq!(median_90d(&points, t(0)), Some(paise(60_000)));
        // Half and half: the lower of the two (a real price, no averaging, no rounding).
        let even = vec![point(-20, Some(1_001)), point(-10, Some(1_000))];
        assert_eq!(median_90d(&even, t(0)), Some(paise(1_000)));
        let even = vec![point(-20, Some(1_000)), point(-10, Some(1_001))];
        assert_eq!(median_90d(&even, t(0)), Some(paise(1_000)));
    }

    #[test]
    fn unknown_prices_and_old_points_do_not_count_and_short_history_has_no_median() {
        // A point 100 days ago is outside the window; an unknown price holds no time.
        let points = vec![
            point(-100, Some(1)),
            point(-10, Some(70_000)),
            point(-8, None),
            point(-2, Some(50_000)),
        ];
        // Known: ₹700 for 2 days, ₹500 for 2 days → less than 7 days covered.
        assert_eq!(median_90d(&points, t(0)), None);
        let points = vec![
            point(-12, Some(70_000)),
            point(-8, None),
            point(-4, Some(50_000)),
        ];
        // ₹700 for 4 days, ₹500 for 4 days: 8 days covered, lower median ₹500.
        assert_eq!(median_90d(&points, t(0)), Some(paise(50_000)));
        assert_eq!(median_90d(&[], t(0)), None);
    }

    #[test]
    fn weighted_medians_refuse_mixed_currencies() {
        let held = [(paise(10), 5), (Money::from_minor(10, Currency::USD), 5)];
        assert_eq!(weighted_lower_median(&held, 0), None);
        assert_eq!(weighted_lower_median(&[(paise(7), 1)], 0), Some(paise(7)));
        assert_eq!(weighted_lower_median(&[(paise(7), 1)], 2), None);
    }

    #[test]
    fn an_all_time_low_needs_30_days_of_history_and_no_lower_price() {
        let points = vec![point(-40, Some(60_000)), point(-5, Some(45_000))];
        assert!(is_all_time_low(&points, t(0), paise(45_000)));
        assert!(!is_all_time_low(&points, t(0), paise(45_001)));
        let young = vec![point(-20, Some(60_000))];
        assert!(!is_all_time_low(&young, t(0), paise(1)));
        // Points after the purchase do not matter.
        let later = vec![point(-40, Some(60_000)), point(1, Some(100))];
        assert!(is_all_time_low(&later, t(0), paise(59_000)));
    }

    #[test]
    fn the_mrp_is_the_latest_before_the_purchase() {
        let mut a = point(-3, Some(1));
        a.list_price = Some(paise(900));
        let mut b = point(-1, Some(1));
        b.list_price = Some(paise(800));
        let mut c = point(1, Some(1));
        c.list_price = Some(paise(700));
        assert_eq!(mrp_before(&[a, b, c], t(0)), Some(paise(800)));
    }
}
