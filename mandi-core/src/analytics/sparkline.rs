//! A one-line price sparkline for terminals and chat messages.

use chrono::{DateTime, Duration, Utc};

use super::series;
use crate::domain::PricePoint;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Draws the last `days` of a history as `width` characters, oldest left. Each character is
/// the time-weighted average price of its slice, scaled between the window's lowest and
/// highest; a slice with no known price is a space (a gap, never a low bar).
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use mandi_core::analytics::sparkline;
/// use mandi_core::{Asin, Availability, Currency, DataOrigin, Marketplace, Money, OfferKind, PricePoint};
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let point = |d: i64, rupees: Option<i64>| PricePoint {
///     marketplace: Marketplace::India, asin, offer_kind: OfferKind::BuyBox, at: t0 + Duration::days(d),
///     price: rupees.map(|r| Money::from_major(r, Currency::INR)), list_price: None,
///     availability: Availability::InStock, deal_badge: None, origin: DataOrigin::Api,
/// };
/// let history = vec![point(0, Some(100)), point(1, Some(200)), point(2, None), point(3, Some(150))];
/// assert_eq!(sparkline(&history, t0 + Duration::days(4), 4, 4), "▁█ ▅");
/// # Ok::<(), mandi_core::AsinError>(())
/// ```
pub fn sparkline(history: &[PricePoint], now: DateTime<Utc>, days: u32, width: usize) -> String {
    let Some(currency) = series::currency_of(history) else {
        return " ".repeat(width);
    };
    if width == 0 || days == 0 {
        return String::new();
    }
    let segments = series::segments(history, now, currency);
    let from = now - Duration::days(i64::from(days));
    let span = (now - from).num_seconds();
    let slices: Vec<Option<i64>> = (0..width)
        .map(|i| {
            let a = from + Duration::seconds(span * i as i64 / width as i64);
            let b = from + Duration::seconds(span * (i as i64 + 1) / width as i64);
            series::time_weighted_average(series::window(&segments, a, b)).map(|m| m.minor())
        })
        .collect();
    let known: Vec<i64> = slices.iter().flatten().copied().collect();
    let (Some(lo), Some(hi)) = (known.iter().min().copied(), known.iter().max().copied()) else {
        return " ".repeat(width);
    };
    slices
        .iter()
        .map(|s| match s {
            None => ' ',
            Some(_) if hi == lo => BARS[3],
            Some(v) => {
                let idx = (i128::from(v - lo) * 7 + i128::from(hi - lo) / 2) / i128::from(hi - lo);
                BARS[usize::try_from(idx).unwrap_or(0).min(7)]
            }
        })
        .collect()
}
