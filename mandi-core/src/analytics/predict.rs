//! Price-drop prediction: will this product get cheaper if the buyer waits?
//!
//! The model works on a product's buy-box history reduced to IST days ([`DailyHistory`]): for
//! each day the lowest and highest in-stock price and whether it was out of stock. Every past
//! day whose following `horizon` days are fully known is an *analog*: its state (where a
//! calendar sale stands relative to it, and how its price compares with the median of the four
//! weeks before) and its outcome (did the price fall by at least the asked percentage within
//! the horizon; how low did it go).
//!
//! The probability for today comes from a hazard model: one minus the chance that none of a
//! drop's causes happens within the horizon — a raised price coming back to its usual level
//! (statrs Normal), a big sale on the calendar that the product takes part in deeply enough
//! (its own past sales, shrunk towards a prior), lightning deals outside sales and on sale days
//! (its own rates and depths, shrunk towards priors), and a small residual. That probability is
//! then the prior of a Beta posterior (statrs) updated with the product's own analog days in
//! the same state. A second estimate reads the product's hidden price state back from its
//! history (the phase of its regular-price blocks, a raised block, a fake sale's run-up, when
//! its past sales of the same name really ran, its lightning-deal rate class) and weighs the
//! scenarios ahead (`state`); the [`Stacking`] layer (a logistic regression over a basis of
//! both and their features, plus boosted shallow trees) combines them into the final
//! probability. The priors in [`PredictSettings::default`] were chosen on the sandbox
//! backtest's seed 1, the layer on seed 1 and fitted on training seeds 1, 4, 5, 7 and 8; both
//! are reported on held-out seeds 2 and 3 (`docs/benchmarks.md`). The expected low
//! and its interval are quantiles of the analogs' lowest-to-anchor ratios. The likely window
//! names the next sale on the calendar or the product's own drop cycle; restocks are
//! predicted from the lengths of past stock-outs.
//!
//! Everything is a pure function of the history and a `now` from the `Clock` port.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, ContinuousCDF};
use statrs::statistics::{Data, Distribution as _, Median, OrderStatistics};

use super::calendar;
use crate::domain::{Availability, Bps, Currency, Money, OfferKind, PricePoint};
use crate::ports::{DealScore, DealVerdict};

mod stacking;
mod state;

pub use stacking::{StackBasis, StackTree, is_ordinary, wide_basis};

/// IST, UTC+05:30 all year.
const IST_SECS: i32 = 5 * 3600 + 30 * 60;
/// Days of history before a day that make its reference (median of daily highs).
const REFERENCE_DAYS: usize = 28;
/// Fewest known days in the reference window for a reference to exist.
const REFERENCE_MIN_DAYS: usize = 7;
/// Days a calendar window is widened by on each side (sale dates move a little every year).
const CALENDAR_MARGIN_DAYS: i64 = 3;

/// The IST calendar day of a moment.
pub fn ist_day(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::seconds(i64::from(IST_SECS))).date_naive()
}

/// The UTC moment of IST midnight starting `day`.
pub fn ist_midnight(day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Utc.from_utc_datetime(&naive) - Duration::seconds(i64::from(IST_SECS))
}

/// One IST day of a product's buy-box history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayPrices {
    /// The IST date.
    pub day: NaiveDate,
    /// Lowest in-stock price seen that day (minor units); `None` when none was seen.
    pub low: Option<i64>,
    /// Highest in-stock price seen that day (minor units).
    pub high: Option<i64>,
    /// Whether the product was seen out of stock that day.
    pub out_of_stock: bool,
    /// Whether a deal badge was seen that day.
    pub deal: bool,
    /// Whether a lightning-deal badge was seen that day (the model also counts an in-day dip of
    /// 5 % or more as one).
    pub lightning: bool,
    /// The median of the daily highs of the 28 days before (its usual price
    /// going into the day), when enough of them are known.
    pub reference: Option<i64>,
}

impl DayPrices {
    fn empty(day: NaiveDate) -> Self {
        Self {
            day,
            low: None,
            high: None,
            out_of_stock: false,
            deal: false,
            lightning: false,
            reference: None,
        }
    }
}

/// A product's buy-box history by IST day, consecutive days (days with no observation are
/// present and unknown). Built once from points, or point by point in time order (a backtest
/// extends it as it walks forward).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailyHistory {
    currency: Option<Currency>,
    days: Vec<DayPrices>,
    last: Option<(DateTime<Utc>, Option<i64>, Availability)>,
}

impl DailyHistory {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// The buy-box points up to `now` (any order) by IST day.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use mandi_core::analytics::predict::DailyHistory;
    /// let h = DailyHistory::from_points(&[], Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
    /// assert!(h.days().is_empty());
    /// ```
    pub fn from_points(points: &[PricePoint], now: DateTime<Utc>) -> Self {
        let mut sorted: Vec<&PricePoint> = points
            .iter()
            .filter(|p| p.offer_kind == OfferKind::BuyBox && p.at <= now)
            .collect();
        sorted.sort_by_key(|p| p.at);
        let mut history = Self::new();
        for point in sorted {
            history.push(point);
        }
        history
    }

    /// Adds one observation; observations older than the last one added are ignored, as are
    /// prices in another currency than the first seen and other offer kinds than the buy box.
    pub fn push(&mut self, point: &PricePoint) {
        if point.offer_kind != OfferKind::BuyBox {
            return;
        }
        if self.last.is_some_and(|(at, _, _)| point.at < at) {
            return;
        }
        let price = match (point.price, self.currency) {
            (Some(m), None) => {
                self.currency = Some(m.currency());
                Some(m.minor())
            }
            (Some(m), Some(c)) if m.currency() == c => Some(m.minor()),
            _ => None,
        };
        let in_stock = matches!(point.availability, Availability::InStock);
        let price = price.filter(|p| *p > 0 && in_stock);
        self.last = Some((point.at, price, point.availability));
        let day = ist_day(point.at);
        self.extend_to(day);
        if let Some(today) = self.days.last_mut() {
            if let Some(p) = price {
                today.low = Some(today.low.map_or(p, |l| l.min(p)));
                today.high = Some(today.high.map_or(p, |h| h.max(p)));
            }
            if point.availability == Availability::OutOfStock {
                today.out_of_stock = true;
            }
            if let (Some(badge), Some(_)) = (&point.deal_badge, price) {
                today.deal = true;
                if badge.to_ascii_lowercase().contains("lightning") {
                    today.lightning = true;
                }
            }
        }
    }

    fn extend_to(&mut self, day: NaiveDate) {
        let Some(last) = self.days.last().map(|d| d.day) else {
            self.days.push(DayPrices::empty(day));
            return;
        };
        let mut next = last;
        while next < day {
            next = next.succ_opt().unwrap_or(day);
            let mut fresh = DayPrices::empty(next);
            fresh.reference = self.reference_before(self.days.len());
            self.days.push(fresh);
        }
    }

    /// The median of the daily highs of the reference window before index `i`.
    fn reference_before(&self, i: usize) -> Option<i64> {
        let from = i.saturating_sub(REFERENCE_DAYS);
        let mut highs: Vec<i64> = self.days[from..i].iter().filter_map(|d| d.high).collect();
        if highs.len() < REFERENCE_MIN_DAYS {
            return None;
        }
        let mid = highs.len() / 2;
        let (_, m, _) = highs.select_nth_unstable(mid);
        Some(*m)
    }

    /// The days, oldest first.
    pub fn days(&self) -> &[DayPrices] {
        &self.days
    }

    /// The currency of the prices.
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }

    /// The latest observation: when, its in-stock price (minor units) and availability.
    pub fn latest(&self) -> Option<(DateTime<Utc>, Option<i64>, Availability)> {
        self.last
    }
}

/// Where the sale calendar stands relative to a day, for a horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalePhase {
    /// No calendar sale runs today or starts within the horizon.
    None,
    /// A calendar sale starts within the horizon.
    Ahead,
    /// A calendar sale is running.
    During,
}

/// How today's price compares with the median of the four weeks before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceLevel {
    /// Clearly below the usual price (a sale or deal is on).
    Low,
    /// About the usual price.
    Usual,
    /// Clearly above the usual price (a price rise, or MRP and price raised before a sale).
    High,
}

/// The model's settings. The defaults are the model chosen on the sandbox's tuning seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictSettings {
    /// The drop asked about, in basis points of today's price (500 = 5 %).
    pub drop_bps: u32,
    /// The horizon in days.
    pub horizon_days: u32,
    /// Relative distance from the usual price (basis points) beyond which a price is
    /// [`PriceLevel::Low`] or [`PriceLevel::High`].
    pub level_band_bps: u32,
    /// Prior rate of lightning deals on a day outside big sales.
    pub lightning_rate: f64,
    /// Prior rate of lightning deals on a big-sale day.
    pub sale_lightning_rate: f64,
    /// Weight (days) of the lightning priors.
    pub lightning_prior_days: f64,
    /// Weight (days) of the sale-day lightning prior.
    pub sale_lightning_prior_days: f64,
    /// Prior probability that the product takes part in a big sale.
    pub participation: f64,
    /// Weight (sales) of the participation prior.
    pub participation_prior_sales: f64,
    /// Probability that a raised price (above its usual level by more than the drop) comes
    /// back within the horizon.
    pub level_return: f64,
    /// Daily chance of a drop for any other reason.
    pub residual_daily: f64,
    /// Weight of the hazard model's probability against the product's own analog days, in
    /// pseudo-observations.
    pub prior_strength: f64,
    /// Weight of one analog day of the product's own history (analog windows overlap, so a day
    /// is worth less than one independent observation).
    pub analog_weight: f64,
    /// Days of history looked back at for analogs.
    pub lookback_days: u32,
    /// The probability from which the advice is to wait.
    pub wait_threshold: f64,
    /// The layer over the model's features that gives the final probability
    /// (the default: `Some(Stacking::fitted())`, the layer fitted on the backtest's training
    /// seeds; `None`: the Beta posterior's mean as it is).
    #[serde(default)]
    pub stacking: Option<Stacking>,
}

/// The layer over the model's features ([`predict_with_features`]) that gives the final
/// probability: a logistic regression over a basis of them ([`StackBasis`]) plus shallow
/// regression trees boosted on top ([`StackTree`]), fitted on the sandbox backtest's training
/// seeds for one drop and horizon (it applies only to predictions asking about those).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stacking {
    /// The drop the weights were fitted for (basis points).
    pub drop_bps: u32,
    /// The horizon the weights were fitted for (days).
    pub horizon_days: u32,
    /// The basis the weights are over (default: the raw features).
    #[serde(default)]
    pub basis: StackBasis,
    /// One weight per feature of the basis, in its order.
    pub weights: Vec<f64>,
    /// Trees whose values are added to the logit (none by default).
    #[serde(default)]
    pub trees: Vec<StackTree>,
}

/// The layer fitted on the training seeds, read once from `predict/stacking.json`.
static FITTED: LazyLock<Option<Stacking>> =
    LazyLock::new(
        || match serde_json::from_str(include_str!("predict/stacking.json")) {
            Ok(stacking) => Some(stacking),
            Err(e) => {
                tracing::error!("the committed stacking layer does not parse: {e}");
                None
            }
        },
    );

impl Stacking {
    /// The layer fitted on training seeds 1, 4, 5, 7 and 8 of the sandbox backtest (300
    /// products, 2 years each; see `docs/benchmarks.md` and `mandi-paapi/tests/backtest.rs`,
    /// `fit_stacking_on_training_seeds`). Should the committed data not parse (a unit test
    /// checks it does), a layer with no weights, which applies to nothing.
    pub fn fitted() -> Self {
        FITTED.clone().unwrap_or(Self {
            drop_bps: 500,
            horizon_days: 30,
            basis: StackBasis::Raw,
            weights: Vec::new(),
            trees: Vec::new(),
        })
    }

    /// The stacked probability for some raw features, when the weights fit them and the
    /// settings ask about the same drop and horizon.
    pub fn apply(&self, features: &[f64], settings: &PredictSettings) -> Option<f64> {
        if self.drop_bps != settings.drop_bps || self.horizon_days != settings.horizon_days {
            return None;
        }
        let z = self.logit(features)?;
        z.is_finite().then(|| 1.0 / (1.0 + (-z).exp()))
    }

    /// The layer's logit for some raw features (`None` when its weights or trees do not fit
    /// them).
    pub fn logit(&self, features: &[f64]) -> Option<f64> {
        let basis = self.basis.expand(features)?;
        if self.weights.len() != basis.len() {
            return None;
        }
        let mut z: f64 = self.weights.iter().zip(&basis).map(|(w, x)| w * x).sum();
        for tree in &self.trees {
            z += tree.value(features)?;
        }
        Some(z)
    }
}

/// The names of the stacking features, in order.
pub const STACK_FEATURE_NAMES: [&str; 30] = [
    "intercept",
    "logit_posterior",
    "logit_hazard",
    "logit_analog_rate",
    "analog_days",
    "sale_ahead",
    "sale_during",
    "level_low",
    "level_high",
    "days_to_sale",
    "above_90d_low",
    "vs_90d_median",
    "days_since_drop",
    "lightning_rate",
    "participation",
    "sale_depth",
    "raised_days",
    "vs_7d_median",
    "logit_state",
    "block_level",
    "to_block_end",
    "vs_regular",
    "vs_usual",
    "runup",
    "logit_state_squared",
    "logit_state_x_block_level",
    "block_level_x_to_block_end",
    "vs_regular_squared",
    "logit_state_x_sale_ahead",
    "logit_state_x_sale_during",
];

impl Default for PredictSettings {
    fn default() -> Self {
        Self {
            drop_bps: 500,
            horizon_days: 30,
            level_band_bps: 300,
            lightning_rate: 0.025,
            sale_lightning_rate: 0.2,
            lightning_prior_days: 100.0,
            sale_lightning_prior_days: 20.0,
            participation: 0.75,
            participation_prior_sales: 4.0,
            level_return: 0.95,
            residual_daily: 0.004,
            prior_strength: 20.0,
            analog_weight: 0.05,
            lookback_days: 730,
            wait_threshold: 0.5,
            // The layer fitted on the backtest's training seeds: it lowers the Brier score on
            // both held-out seeds (docs/benchmarks.md).
            stacking: Some(Stacking::fitted()),
        }
    }
}

/// The likely window of the next drop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LikelyWindow {
    /// First day (IST).
    pub from: NaiveDate,
    /// Last day (IST).
    pub to: NaiveDate,
    /// Why this window, in words.
    pub reason: String,
}

/// When an out-of-stock product is likely back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestockPrediction {
    /// The first IST day of the current stock-out.
    pub out_since: NaiveDate,
    /// Past stock-outs that ended (how many the estimate rests on).
    pub past_stockouts: u32,
    /// Median length of past stock-outs, days.
    pub median_days: Option<f64>,
    /// The likely day it is back (IST).
    pub expected_back: Option<NaiveDate>,
    /// Probability it is back within the horizon.
    pub probability_within_horizon: f64,
    /// Why, in words.
    pub reason: String,
}

/// A prediction for one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The moment of prediction.
    pub at: DateTime<Utc>,
    /// The drop asked about (basis points of the current price).
    pub drop_bps: u32,
    /// The horizon, days.
    pub horizon_days: u32,
    /// The current price, when in stock.
    pub current: Option<Money>,
    /// Probability that the price falls to `current × (1 − drop)` or lower within the horizon.
    pub probability: f64,
    /// 80 % credible interval of that probability (Beta posterior).
    pub probability_interval: (f64, f64),
    /// The expected lowest price within the horizon (median of the analogs).
    pub expected_low: Option<Money>,
    /// 80 % interval of the lowest price (10th and 90th percentiles of the analogs).
    pub low_interval: Option<(Money, Money)>,
    /// Where the calendar stands.
    pub sale_phase: SalePhase,
    /// Where the price stands against its usual price.
    pub price_level: Option<PriceLevel>,
    /// Analog days of the product's own history the estimate used.
    pub analogs: u32,
    /// The likely window of a drop.
    pub window: Option<LikelyWindow>,
    /// Restock prediction when the product is out of stock.
    pub restock: Option<RestockPrediction>,
    /// The reasons, in words.
    pub reasons: Vec<String>,
}

struct CalendarWindow {
    name: String,
    start: NaiveDate,
    end: NaiveDate,
}

fn calendar_between(from: NaiveDate, to: NaiveDate) -> Vec<CalendarWindow> {
    use chrono::Datelike;
    (from.year()..=to.year() + 1)
        .flat_map(calendar::sale_windows)
        .map(|w| CalendarWindow {
            name: w.name,
            start: w.start,
            end: w.end,
        })
        .collect()
}

fn sale_phase(windows: &[CalendarWindow], day: NaiveDate, horizon: i64) -> SalePhase {
    let margin = Duration::days(CALENDAR_MARGIN_DAYS);
    if windows
        .iter()
        .any(|w| w.start - margin <= day && day <= w.end)
    {
        return SalePhase::During;
    }
    let until = day + Duration::days(horizon);
    if windows
        .iter()
        .any(|w| w.start - margin > day && w.start - margin <= until)
    {
        SalePhase::Ahead
    } else {
        SalePhase::None
    }
}

fn level_of(price: i64, reference: i64, band_bps: u32) -> PriceLevel {
    let band = i128::from(band_bps);
    let (p, r) = (i128::from(price) * 10_000, i128::from(reference));
    if p < r * (10_000 - band) {
        PriceLevel::Low
    } else if p > r * (10_000 + band) {
        PriceLevel::High
    } else {
        PriceLevel::Usual
    }
}

/// One past day with its known future.
struct Analog {
    phase: SalePhase,
    level: PriceLevel,
    dropped: bool,
    /// Lowest price in the horizon over the day's anchor price.
    ratio: f64,
}

fn analogs(
    history: &DailyHistory,
    windows: &[CalendarWindow],
    settings: &PredictSettings,
    today: usize,
) -> Vec<Analog> {
    let days = history.days();
    let h = settings.horizon_days.max(1) as usize;
    let first = today.saturating_sub(settings.lookback_days as usize);
    let mut out = Vec::new();
    if today < h + 1 {
        return out;
    }
    // Sliding minimum of lows over (d, d + h] for every d with d + h < today.
    let mut deque: std::collections::VecDeque<(usize, i64)> = std::collections::VecDeque::new();
    let mut known: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let last_d = today - 1 - h;
    let mut next_in = first + 1;
    for d in first..=last_d {
        while next_in <= d + h {
            if let Some(low) = days[next_in].low {
                while deque.back().is_some_and(|(_, v)| *v >= low) {
                    deque.pop_back();
                }
                deque.push_back((next_in, low));
                known.push_back(next_in);
            }
            next_in += 1;
        }
        while deque.front().is_some_and(|(i, _)| *i <= d) {
            deque.pop_front();
        }
        while known.front().is_some_and(|i| *i <= d) {
            known.pop_front();
        }
        let day = &days[d];
        let (Some(anchor), Some(reference)) = (day.high, day.reference) else {
            continue;
        };
        // Most of the horizon must be known for the outcome to count.
        if known.len() * 2 < h {
            continue;
        }
        let Some((_, min_low)) = deque.front() else {
            continue;
        };
        let threshold = i128::from(anchor) * i128::from(10_000 - settings.drop_bps.min(10_000));
        out.push(Analog {
            phase: sale_phase(windows, day.day, h as i64),
            level: level_of(anchor, reference, settings.level_band_bps),
            dropped: i128::from(*min_low) * 10_000 <= threshold,
            ratio: *min_low as f64 / anchor as f64,
        });
    }
    out
}

/// The hazard model's estimate, its reasons and the product's traits it rests on.
struct Hazard {
    probability: f64,
    reasons: Vec<String>,
    /// Lightning-deal rate on ordinary days (shrunk).
    rate_out: f64,
    /// Share of past big sales it took part in (shrunk).
    participation: f64,
    /// Median depth of its past sale discounts.
    typical_depth: f64,
    /// Depths of its past lightning deals (in-day dips).
    depths: Vec<f64>,
    /// Depths of its past big-sale discounts it took part in.
    sale_depths: Vec<f64>,
}

fn in_window(windows: &[CalendarWindow], day: NaiveDate) -> Option<&CalendarWindow> {
    windows.iter().find(|w| w.start <= day && day <= w.end)
}

/// A share for a reason or advice line through [`Bps`]'s one `Display`, or "n/a" when there
/// is none (a NaN estimate, a zero denominator).
fn percent(share: Option<Bps>) -> String {
    share.map_or_else(|| "n/a".to_owned(), |b| b.to_string())
}

fn median_of(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable(mid);
    Some(*m)
}

/// Share of `depths` at least `need`, shrunk towards a uniform prior over `[lo, hi]` with
/// weight `m`.
fn share_at_least(depths: &[f64], need: f64, lo: f64, hi: f64, m: f64) -> f64 {
    if need <= 0.0 {
        return 1.0;
    }
    let prior = ((hi - need) / (hi - lo)).clamp(0.0, 1.0);
    let hits = depths.iter().filter(|d| **d >= need).count() as f64;
    (hits + m * prior) / (depths.len() as f64 + m)
}

/// The probability of a drop to `price × (1 − drop)` within the horizon as one minus the
/// chance that none of its causes brings it: a raised price coming back, a big sale on the
/// calendar the product takes part in deeply enough, a lightning deal (outside sales and on
/// sale days), or anything else.
fn hazard_model(
    days: &[DayPrices],
    today: usize,
    today_date: NaiveDate,
    windows: &[CalendarWindow],
    price: i64,
    currency: Currency,
    settings: &PredictSettings,
) -> Hazard {
    let drop = f64::from(settings.drop_bps.min(9_999)) / 10_000.0;
    let target = price as f64 * (1.0 - drop);
    let mut reasons = Vec::new();
    let past = &days[..today];
    // The usual price: the median daily high of the last 60 days outside big sales.
    let from = today.saturating_sub(60);
    let mut highs: Vec<i64> = past[from..]
        .iter()
        .filter(|d| in_window(windows, d.day).is_none())
        .filter_map(|d| d.high)
        .collect();
    let usual_minor = if highs.len() >= REFERENCE_MIN_DAYS {
        median_of(&mut highs).unwrap_or(price)
    } else {
        price
    };
    let usual = usual_minor as f64;
    // Lightning deals in the lookback, outside sales and on sale days.
    let year = &past[today.saturating_sub(settings.lookback_days as usize)..];
    let (mut n_out, mut k_out, mut n_in, mut k_in) = (0.0, 0.0, 0.0, 0.0);
    let mut depths = Vec::new();
    for d in year {
        let (Some(low), Some(high)) = (d.low, d.high) else {
            continue;
        };
        let dip = 1.0 - low as f64 / high as f64;
        let lightning = d.lightning || dip >= 0.05;
        if lightning && dip > 0.0 {
            depths.push(dip);
        }
        if in_window(windows, d.day).is_some() {
            n_in += 1.0;
            k_in += f64::from(u8::from(lightning));
        } else {
            n_out += 1.0;
            k_out += f64::from(u8::from(lightning));
        }
    }
    let w = settings.lightning_prior_days;
    let rate_out = (k_out + settings.lightning_rate * w) / (n_out + w);
    let w_in = settings.sale_lightning_prior_days;
    let rate_in = (k_in + settings.sale_lightning_rate * w_in) / (n_in + w_in);
    // Past big sales: did it take part, and how deep.
    let mut sales = 0.0;
    let mut taken = 0.0;
    let mut sale_depths = Vec::new();
    for win in windows.iter().filter(|w| w.end < today_date) {
        let idx = |date: NaiveDate| past.iter().position(|d| d.day == date);
        let (Some(a), Some(b)) = (idx(win.start), idx(win.end)) else {
            continue;
        };
        let mut before: Vec<i64> = past[a.saturating_sub(40)..a.saturating_sub(15)]
            .iter()
            .filter_map(|d| d.high)
            .collect();
        let mut during: Vec<i64> = past[a..=b].iter().filter_map(|d| d.high).collect();
        let (Some(pre), Some(sale)) = (median_of(&mut before), median_of(&mut during)) else {
            continue;
        };
        sales += 1.0;
        let depth = 1.0 - sale as f64 / pre as f64;
        if depth >= 0.02 {
            taken += 1.0;
            sale_depths.push(depth);
        }
    }
    let participation = (taken + settings.participation * settings.participation_prior_sales)
        / (sales + settings.participation_prior_sales);
    let typical_depth = if sale_depths.is_empty() {
        0.12
    } else {
        Data::new(sale_depths.clone()).median()
    };

    let mut no_drop = 1.0;
    // A raised price coming back to its usual level.
    let raised = price as f64 * (1.0 - drop) / usual - 1.0;
    let level = statrs::distribution::Normal::new(0.01, 0.015).map_or(0.0, |n| n.cdf(raised))
        * settings.level_return;
    no_drop *= 1.0 - level;
    if level > 0.3 {
        reasons.push(format!(
            "it sells {} above its usual price of {}; such prices have come back down",
            percent(Bps::from_fraction(price - usual_minor, usual_minor)),
            Money::from_minor(usual_minor, currency).display_short()
        ));
    }
    // Day by day through the horizon.
    let need_regular = 1.0 - target / usual;
    let current = in_window(windows, today_date).map(|w| w.start);
    let mut seen_windows: Vec<NaiveDate> = Vec::new();
    let (mut sale_days, mut other_days) = (0u32, 0u32);
    for j in 1..=i64::from(settings.horizon_days.max(1)) {
        let day = today_date + Duration::days(j);
        match in_window(windows, day) {
            Some(win) if Some(win.start) == current => {
                // The sale running now: today's price already holds its discount.
                sale_days += 1;
                let p =
                    rate_in * share_at_least(&depths, 1.0 - target / price as f64, 0.08, 0.2, 3.0);
                no_drop *= 1.0 - p;
            }
            Some(win) => {
                sale_days += 1;
                if !seen_windows.contains(&win.start) {
                    seen_windows.push(win.start);
                    let p =
                        participation * share_at_least(&sale_depths, need_regular, 0.05, 0.25, 2.0);
                    no_drop *= 1.0 - p;
                }
                let sale_price = usual * (1.0 - typical_depth);
                let need_in = 1.0 - target / sale_price;
                let p = rate_in
                    * (participation * share_at_least(&depths, need_in, 0.08, 0.2, 3.0)
                        + (1.0 - participation)
                            * share_at_least(&depths, need_regular, 0.08, 0.2, 3.0));
                no_drop *= 1.0 - p;
            }
            None => {
                other_days += 1;
                let p = rate_out * share_at_least(&depths, need_regular, 0.08, 0.2, 3.0);
                no_drop *= 1.0 - p;
            }
        }
        no_drop *= 1.0 - settings.residual_daily;
    }
    if sale_days > 0 {
        reasons.push(format!(
            "{sale_days} big-sale days ahead; it took part in {taken:.0} of its last {sales:.0} sales"
        ));
    }
    if other_days > 0 && n_out >= 30.0 {
        reasons.push(format!(
            "lightning deals on {} of ordinary days in the last year",
            percent(Bps::from_ratio(k_out / n_out))
        ));
    }
    Hazard {
        probability: (1.0 - no_drop).clamp(0.0, 1.0),
        reasons,
        rate_out,
        participation,
        typical_depth,
        depths,
        sale_depths,
    }
}

fn beta(alpha: f64, beta: f64) -> Option<Beta> {
    Beta::new(alpha.max(1e-6), beta.max(1e-6)).ok()
}

/// Predicts a price drop from the history as points.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use mandi_core::analytics::predict::{predict, PredictSettings};
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 6, 0, 0).unwrap();
/// let p = predict(&[], now, &PredictSettings::default());
/// assert!(p.current.is_none());
/// assert!((0.0..=1.0).contains(&p.probability));
/// ```
pub fn predict(
    history: &[PricePoint],
    now: DateTime<Utc>,
    settings: &PredictSettings,
) -> Prediction {
    predict_daily(&DailyHistory::from_points(history, now), now, settings)
}

/// Predicts a price drop from a daily history (all of it observed by `now`).
pub fn predict_daily(
    history: &DailyHistory,
    now: DateTime<Utc>,
    settings: &PredictSettings,
) -> Prediction {
    predict_with_features(history, now, settings).0
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(0.005, 0.995);
    (p / (1.0 - p)).ln()
}

/// The stacking features of today (see [`STACK_FEATURE_NAMES`]).
struct FeatureInputs<'a> {
    days: &'a [DayPrices],
    today: usize,
    today_date: NaiveDate,
    windows: &'a [CalendarWindow],
    price: i64,
    posterior: f64,
    hazard: &'a Hazard,
    hits: f64,
    n: f64,
    phase: SalePhase,
    level: PriceLevel,
    drop_bps: u32,
    level_band_bps: u32,
    state: state::State,
}

fn stack_features(i: &FeatureInputs<'_>) -> Vec<f64> {
    let past = &i.days[..i.today.min(i.days.len())];
    let recent = &past[past.len().saturating_sub(90)..];
    let min_low = recent.iter().filter_map(|d| d.low).min();
    let mut highs: Vec<i64> = recent.iter().filter_map(|d| d.high).collect();
    let median_high = median_of(&mut highs);
    let price = i.price as f64;
    let days_to_sale = if i.phase == SalePhase::During {
        0.0
    } else {
        i.windows
            .iter()
            .filter(|w| w.start > i.today_date)
            .map(|w| (w.start - i.today_date).num_days())
            .min()
            .map_or(2.0, |d| d.min(60) as f64 / 30.0)
    };
    // How many days before today the price has been raised above its usual level.
    let band = 1.0 + f64::from(i.level_band_bps) / 10_000.0;
    let raised_days = if i.level == PriceLevel::High {
        past.iter()
            .rev()
            .take_while(|d| {
                d.high
                    .zip(d.reference)
                    .is_some_and(|(h, r)| h as f64 > r as f64 * band)
            })
            .count()
            .min(60) as f64
            / 30.0
    } else {
        0.0
    };
    let mut week: Vec<i64> = past[past.len().saturating_sub(7)..]
        .iter()
        .filter_map(|d| d.high)
        .collect();
    let median_week = median_of(&mut week);
    let since_drop = last_drop_day(i.days, i.today.min(i.days.len()), i.drop_bps)
        .map_or(4.0, |d| {
            ((i.today_date - d).num_days() as f64 / 30.0).min(4.0)
        });
    let mut features = vec![
        1.0,
        logit(i.posterior),
        logit(i.hazard.probability),
        logit((i.hits + 0.5) / (i.n + 1.0)),
        i.n.min(365.0) / 365.0,
        f64::from(u8::from(i.phase == SalePhase::Ahead)),
        f64::from(u8::from(i.phase == SalePhase::During)),
        f64::from(u8::from(i.level == PriceLevel::Low)),
        f64::from(u8::from(i.level == PriceLevel::High)),
        days_to_sale,
        min_low.map_or(0.0, |m| (price / m as f64 - 1.0).clamp(0.0, 1.0)),
        median_high.map_or(0.0, |m| (price / m as f64 - 1.0).clamp(-0.5, 0.5)),
        since_drop,
        i.hazard.rate_out,
        i.hazard.participation,
        i.hazard.typical_depth,
        raised_days,
        median_week.map_or(0.0, |m| (price / m as f64 - 1.0).clamp(-0.5, 0.5)),
        logit(i.state.probability),
        i.state.level,
        i.state.to_boundary,
        i.state.vs_regular,
        i.state.vs_usual,
        f64::from(u8::from(i.state.runup)),
    ];
    // A few products of them (the state's probability bends with the sale phase and level).
    let (state, level) = (features[18], features[19]);
    features.extend([
        state * state,
        state * level,
        level * features[20],
        features[21] * features[21],
        state * features[5],
        state * features[6],
    ]);
    features
}

/// [`predict_daily`], also giving the features the stacking layer read (when in stock), for
/// fitting it.
pub fn predict_with_features(
    history: &DailyHistory,
    now: DateTime<Utc>,
    settings: &PredictSettings,
) -> (Prediction, Option<Vec<f64>>) {
    let h = i64::from(settings.horizon_days.max(1));
    let today_date = ist_day(now);
    let days = history.days();
    let today = days
        .iter()
        .rposition(|d| d.day <= today_date)
        .map_or(0, |i| if days[i].day == today_date { i } else { i + 1 });
    let start = days.first().map_or(today_date, |d| d.day);
    let windows = calendar_between(start.min(today_date), today_date + Duration::days(h));
    let phase = sale_phase(&windows, today_date, h);
    let currency = history.currency().unwrap_or(Currency::INR);
    let latest = history.latest();
    let current = latest.and_then(|(_, p, _)| p);
    let reference = days
        .get(today)
        .and_then(|d| d.reference)
        .or_else(|| history.reference_before(today.min(days.len())));
    let level = current
        .zip(reference)
        .map(|(p, r)| level_of(p, r, settings.level_band_bps));
    let all = analogs(history, &windows, settings, today.min(days.len()));
    let mut reasons = Vec::new();

    let level_for_cell = level.unwrap_or(PriceLevel::Usual);
    let hazard = current.map(|p| {
        hazard_model(
            days,
            today.min(days.len()),
            today_date,
            &windows,
            p,
            currency,
            settings,
        )
    });
    let prior = hazard
        .as_ref()
        .map_or(0.5, |h| h.probability)
        .clamp(0.01, 0.99);
    let same: Vec<&Analog> = all
        .iter()
        .filter(|a| a.phase == phase && a.level == level_for_cell)
        .collect();
    let hits = same.iter().filter(|a| a.dropped).count() as f64;
    let n = same.len() as f64;
    let w = settings.analog_weight.max(0.0);
    let alpha = prior * settings.prior_strength + w * hits;
    let beta_ = (1.0 - prior) * settings.prior_strength + w * (n - hits);
    let posterior = beta(alpha, beta_);
    let probability = posterior
        .as_ref()
        .and_then(|b| b.mean())
        .unwrap_or(prior)
        .clamp(0.0, 1.0);
    let features = current.zip(hazard.as_ref()).map(|(price, hz)| {
        let state = state::state(&state::StateInputs {
            days,
            today: today.min(days.len()),
            today_date,
            windows: &windows,
            price,
            hazard: hz,
            drop_bps: settings.drop_bps,
            horizon_days: h,
        });
        stack_features(&FeatureInputs {
            days,
            today: today.min(days.len()),
            today_date,
            windows: &windows,
            price,
            posterior: probability,
            hazard: hz,
            hits,
            n,
            phase,
            level: level_for_cell,
            drop_bps: settings.drop_bps,
            level_band_bps: settings.level_band_bps,
            state,
        })
    });
    // The stacking layer moves the posterior's mean; its interval keeps the concentration.
    let stacked = features
        .as_ref()
        .zip(settings.stacking.as_ref())
        .and_then(|(f, s)| s.apply(f, settings));
    let (probability, posterior) = match stacked {
        Some(p) => {
            let total = alpha + beta_;
            (p, beta(p * total, (1.0 - p) * total))
        }
        None => (probability, posterior),
    };
    let probability_interval = posterior
        .as_ref()
        .map_or((0.0, 1.0), |b| (b.inverse_cdf(0.1), b.inverse_cdf(0.9)));

    // Expected low from the analogs of the same cell, else all analogs.
    let ratios: Vec<f64> = if same.len() >= 5 {
        same.iter().map(|a| a.ratio).collect()
    } else {
        all.iter().map(|a| a.ratio).collect()
    };
    let (expected_low, low_interval) = match current {
        Some(p) if ratios.len() >= 5 => {
            let mut data = Data::new(ratios);
            let at = |r: f64| Money::from_minor((p as f64 * r).round() as i64, currency);
            let median = data.median();
            (
                Some(at(median)),
                Some((at(data.quantile(0.1)), at(data.quantile(0.9)))),
            )
        }
        _ => (None, None),
    };

    let pct = Bps::from(settings.drop_bps);
    let band = Bps::from(settings.level_band_bps);
    match level {
        Some(PriceLevel::High) => reasons.push(format!(
            "the price is more than {band} above its usual price of the last four weeks; raised prices tend to come back down"
        )),
        Some(PriceLevel::Low) => reasons.push(format!(
            "the price is already more than {band} below its usual price of the last four weeks"
        )),
        Some(PriceLevel::Usual) => reasons.push("the price is about its usual price of the last four weeks".to_owned()),
        None => {}
    }
    let upcoming = windows
        .iter()
        .find(|w| w.end >= today_date && w.start <= today_date + Duration::days(h));
    match (phase, upcoming) {
        (SalePhase::During, Some(w)) => {
            reasons.push(format!("{} runs until {}", w.name, w.end.format("%-d %b")))
        }
        (SalePhase::Ahead, Some(w)) => reasons.push(format!(
            "{} is expected from {} (in {} days)",
            w.name,
            w.start.format("%-d %b"),
            (w.start - today_date).num_days()
        )),
        _ => reasons.push(format!("no big sale on the calendar in the next {h} days")),
    }
    if let Some(h) = &hazard {
        reasons.extend(h.reasons.iter().cloned());
    }
    if !same.is_empty() {
        reasons.push(format!(
            "in {} similar past days of this product the price fell by {pct} or more within {h} days {} of the time",
            same.len(),
            percent(Bps::from_ratio(hits / n))
        ));
    } else {
        reasons.push("little history of this product in a similar situation; the estimate leans on how products like it behave".to_owned());
    }

    let cycle = drop_cycle(days, today.min(days.len()), settings.drop_bps);
    if let Some(gap) = cycle {
        reasons.push(format!("its price has dropped about every {gap:.0} days"));
    }

    let window = match (phase, upcoming) {
        (SalePhase::During | SalePhase::Ahead, Some(w)) => Some(LikelyWindow {
            from: w.start.max(today_date),
            to: w.end,
            reason: format!("{} on the sale calendar", w.name),
        }),
        _ => cycle.and_then(|gap| {
            let last_drop = last_drop_day(days, today.min(days.len()), settings.drop_bps)?;
            let mut next = last_drop + Duration::days(gap.round() as i64);
            while next < today_date {
                next += Duration::days(gap.round().max(1.0) as i64);
            }
            Some(LikelyWindow {
                from: next - Duration::days(3),
                to: next + Duration::days(3),
                reason: format!("its own drop cycle of about {gap:.0} days"),
            })
        }),
    };

    let restock = match latest {
        Some((_, None, Availability::OutOfStock)) => {
            Some(restock(days, today.min(days.len().saturating_sub(1)), h))
        }
        _ => None,
    };
    if let Some(r) = &restock {
        reasons.push(r.reason.clone());
    }

    let prediction = Prediction {
        at: now,
        drop_bps: settings.drop_bps,
        horizon_days: settings.horizon_days,
        current: current.map(|p| Money::from_minor(p, currency)),
        probability,
        probability_interval,
        expected_low,
        low_interval,
        sale_phase: phase,
        price_level: level,
        analogs: same.len() as u32,
        window,
        restock,
        reasons,
    };
    (prediction, features)
}

/// Days on which a drop began: the low fell at least `drop_bps` below the reference after a
/// day that was not itself a drop.
fn drop_days(days: &[DayPrices], until: usize, drop_bps: u32) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut in_drop = false;
    for d in &days[..until] {
        let is_drop = match (d.low, d.reference) {
            (Some(l), Some(r)) => {
                i128::from(l) * 10_000 <= i128::from(r) * i128::from(10_000 - drop_bps.min(10_000))
            }
            _ => false,
        };
        if is_drop && !in_drop {
            out.push(d.day);
        }
        in_drop = is_drop;
    }
    out
}

fn drop_cycle(days: &[DayPrices], until: usize, drop_bps: u32) -> Option<f64> {
    let starts = drop_days(days, until, drop_bps);
    if starts.len() < 3 {
        return None;
    }
    let gaps: Vec<f64> = starts
        .windows(2)
        .map(|w| (w[1] - w[0]).num_days() as f64)
        .collect();
    Some(Data::new(gaps).median())
}

fn last_drop_day(days: &[DayPrices], until: usize, drop_bps: u32) -> Option<NaiveDate> {
    drop_days(days, until, drop_bps).last().copied()
}

fn restock(days: &[DayPrices], today: usize, horizon: i64) -> RestockPrediction {
    // Spells of days with a stock-out and no in-stock price.
    let out = |d: &DayPrices| d.high.is_none() && d.out_of_stock;
    let mut spells: Vec<f64> = Vec::new();
    let mut run = 0usize;
    for d in days.iter().take(today) {
        if out(d) {
            run += 1;
        } else if run > 0 {
            spells.push(run as f64);
            run = 0;
        }
    }
    let mut current_start = today;
    while current_start > 0 && days.get(current_start - 1).is_some_and(out) {
        current_start -= 1;
    }
    let out_since = days
        .get(current_start)
        .map_or_else(|| days.last().map_or(NaiveDate::MIN, |d| d.day), |d| d.day);
    let elapsed = (today.saturating_sub(current_start) + 1) as f64;
    let longer: Vec<f64> = spells.iter().copied().filter(|s| *s >= elapsed).collect();
    let back_within = longer
        .iter()
        .filter(|s| **s < elapsed + horizon as f64)
        .count() as f64;
    // Beta(1, 1) prior on "back within the horizon, given out this long".
    let probability = beta(1.0 + back_within, 1.0 + longer.len() as f64 - back_within)
        .and_then(|b| b.mean())
        .unwrap_or(0.5);
    let median = (!longer.is_empty()).then(|| Data::new(longer.clone()).median());
    let expected_back = median.map(|m| out_since + Duration::days(m.ceil() as i64));
    let reason = match (median, spells.len()) {
        (Some(m), n) => format!(
            "out of stock since {}; its {n} past stock-outs lasted a median {m:.0} days",
            out_since.format("%-d %b")
        ),
        (None, 0) => format!(
            "out of stock since {}; no past stock-out to learn from",
            out_since.format("%-d %b")
        ),
        (None, n) => format!(
            "out of stock since {}, longer than any of its {n} past stock-outs",
            out_since.format("%-d %b")
        ),
    };
    RestockPrediction {
        out_since,
        past_stockouts: spells.len() as u32,
        median_days: median,
        expected_back,
        probability_within_horizon: probability,
        reason,
    }
}

/// Buy now or wait.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Buy now: a drop is unlikely, or today's price is already a good deal.
    BuyNow,
    /// Wait: a drop is likely within the horizon.
    Wait,
    /// Out of stock: wait for the restock.
    Unavailable,
}

/// A "buy now or wait" verdict with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advice {
    /// The verdict.
    pub verdict: Verdict,
    /// A price worth waiting for, when the verdict is to wait.
    pub target: Option<Money>,
    /// Why, in words.
    pub reason: String,
}

/// Combines a prediction with the deal score into one verdict.
///
/// A likely drop means wait, unless today's price is already a great deal and the drop is
/// not very likely; a fake sale lowers the bar for waiting (its price comes back).
pub fn advise(
    prediction: &Prediction,
    score: Option<&DealScore>,
    settings: &PredictSettings,
) -> Advice {
    let Some(current) = prediction.current else {
        return Advice {
            verdict: Verdict::Unavailable,
            target: None,
            reason: prediction
                .restock
                .as_ref()
                .map_or_else(|| "no price now".to_owned(), |r| r.reason.clone()),
        };
    };
    let mut threshold = settings.wait_threshold;
    let verdict = score.map(|s| s.verdict);
    match verdict {
        Some(DealVerdict::GreatDeal) => threshold = (threshold + 0.2).min(0.95),
        Some(DealVerdict::GoodDeal) => threshold = (threshold + 0.1).min(0.95),
        Some(DealVerdict::FakeSale) => threshold = (threshold - 0.1).max(0.05),
        _ => {}
    }
    let pct = Bps::from(prediction.drop_bps);
    let chance = percent(Bps::from_ratio(prediction.probability));
    let score_words = score.map_or(String::new(), |s| format!(" (deal score {})", s.score));
    if prediction.probability >= threshold {
        let target = current.percent_bps(10_000 - i64::from(prediction.drop_bps.min(10_000)));
        Advice {
            verdict: Verdict::Wait,
            target: Some(target),
            reason: format!(
                "wait: a {chance} chance of a drop of {pct} or more within {} days{score_words}",
                prediction.horizon_days
            ),
        }
    } else {
        Advice {
            verdict: Verdict::BuyNow,
            target: None,
            reason: format!(
                "buy now: only a {chance} chance of a drop of {pct} or more within {} days{score_words}",
                prediction.horizon_days
            ),
        }
    }
}

/// A prediction with its buy-or-wait advice, what front-ends (CLI, bot, digest) show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// The product.
    pub asin: crate::domain::Asin,
    /// The prediction.
    pub prediction: Prediction,
    /// The advice.
    pub advice: Advice,
}

/// The forecast of a product from its history report (the catalog's
/// [`CatalogService::history`](crate::catalog::CatalogService::history): its buy-box points,
/// deal score and moment).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use mandi_core::analytics::predict::{forecast, PredictSettings, Verdict};
/// use mandi_core::analytics::summarize;
/// # use mandi_core::{Asin, Marketplace};
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 6, 0, 0).unwrap();
/// let report = mandi_core::catalog::HistoryReport {
///     marketplace: Marketplace::India,
///     asin: Asin::parse("B0CX59H5W7").unwrap(),
///     product: None,
///     now,
///     as_of: now,
///     points: vec![],
///     summary: summarize(&[], now),
///     patterns: mandi_core::analytics::patterns(&[], now),
///     score: None,
/// };
/// let f = forecast(&report, &PredictSettings::default());
/// assert_eq!(f.advice.verdict, Verdict::Unavailable);
/// ```
pub fn forecast(report: &crate::catalog::HistoryReport, settings: &PredictSettings) -> Forecast {
    let prediction = predict(&report.points, report.as_of, settings);
    let advice = advise(&prediction, report.score.as_ref(), settings);
    Forecast {
        asin: report.asin,
        prediction,
        advice,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::{Asin, DataOrigin, Marketplace};

    fn point(at: DateTime<Utc>, price: Option<i64>, badge: Option<&str>) -> PricePoint {
        PricePoint {
            marketplace: Marketplace::India,
            asin: Asin::parse("B0TEST0001").unwrap(),
            offer_kind: OfferKind::BuyBox,
            at,
            price: price.map(|p| Money::from_minor(p, Currency::INR)),
            list_price: None,
            availability: if price.is_some() {
                Availability::InStock
            } else {
                Availability::OutOfStock
            },
            deal_badge: badge.map(str::to_owned),
            origin: DataOrigin::Api,
        }
    }

    /// Four-hourly points for `days` IST days from 1 March 2025, the price from `f(day, hour)`.
    fn history(
        days: i64,
        f: impl Fn(i64, i64) -> (Option<i64>, Option<&'static str>),
    ) -> (Vec<PricePoint>, DateTime<Utc>) {
        // IST midnight starting 1 March 2025.
        let start = Utc.with_ymd_and_hms(2025, 2, 28, 18, 30, 0).unwrap();
        let mut points = Vec::new();
        for d in 0..days {
            for h in (0..24).step_by(4) {
                let (price, badge) = f(d, h);
                points.push(point(
                    start + Duration::days(d) + Duration::hours(h),
                    price,
                    badge,
                ));
            }
        }
        (points, start + Duration::days(days))
    }

    #[test]
    fn daily_history_keeps_lows_highs_and_lightning_days() {
        let (points, now) = history(10, |d, h| {
            if d == 3 && h == 8 {
                (Some(8_000), Some("Lightning Deal"))
            } else {
                (Some(10_000), None)
            }
        });
        let daily = DailyHistory::from_points(&points, now);
        assert_eq!(daily.days().len(), 10);
        let dip = daily.days().iter().find(|d| d.lightning).unwrap();
        assert_eq!((dip.low, dip.high), (Some(8_000), Some(10_000)));
        assert_eq!(daily.days().iter().filter(|d| d.lightning).count(), 1);
    }

    #[test]
    fn a_raised_price_is_predicted_to_come_back_down() {
        // ₹10,000 for months with lightning deals now and then, then 12 % above for the
        // last ten days (mid-June, no sale on the calendar ahead).
        let (points, now) = history(100, |d, h| {
            let price = if d >= 90 { 1_120_000 } else { 1_000_000 };
            if d % 20 == 5 && h == 12 {
                (Some(850_000), Some("Lightning Deal"))
            } else {
                (Some(price), None)
            }
        });
        let p = predict(&points, now, &PredictSettings::default());
        assert_eq!(p.current, Some(Money::from_minor(1_120_000, Currency::INR)));
        assert_eq!(p.price_level, Some(PriceLevel::High));
        assert!(p.probability > 0.85, "{}", p.probability);
        assert!(
            p.reasons.iter().any(|r| r
                == "it sells 12% above its usual price of ₹10,000; such prices have come back down"),
            "{:?}",
            p.reasons
        );
        assert!(
            p.reasons.iter().any(|r| r
                == "the price is more than 3% above its usual price of the last four weeks; \
                    raised prices tend to come back down"),
            "{:?}",
            p.reasons
        );
        let advice = advise(&p, None, &PredictSettings::default());
        assert_eq!(advice.verdict, Verdict::Wait);
        assert_eq!(
            advice.target,
            Some(Money::from_minor(1_064_000, Currency::INR))
        );
    }

    #[test]
    fn the_advice_shows_its_shares_through_bps() {
        // Regression (issue 14): the chance and the drop read as `Bps` shows them, never as
        // hand-formatted `{:.0} %`.
        let (points, now) = history(100, |_, _| (Some(1_000_000), None));
        let base = predict(&points, now, &PredictSettings::default());
        let settings = PredictSettings::default();
        let wait = advise(
            &Prediction {
                probability: 0.9125,
                drop_bps: 750,
                horizon_days: 30,
                ..base.clone()
            },
            None,
            &settings,
        );
        assert_eq!(wait.verdict, Verdict::Wait);
        assert_eq!(
            wait.reason,
            "wait: a 91.25% chance of a drop of 7.5% or more within 30 days"
        );
        let buy = advise(
            &Prediction {
                probability: 0.04,
                drop_bps: 1_000,
                horizon_days: 7,
                ..base
            },
            None,
            &settings,
        );
        assert_eq!(buy.verdict, Verdict::BuyNow);
        assert_eq!(
            buy.reason,
            "buy now: only a 4% chance of a drop of 10% or more within 7 days"
        );
    }

    #[test]
    fn a_steady_price_without_deals_or_sales_ahead_means_buy_now() {
        // Flat ₹5,000 from March to early June: no lightning deal ever, no sale within 7
        // days.
        let (points, now) = history(95, |_, _| (Some(500_000), None));
        let settings = PredictSettings {
            horizon_days: 7,
            ..PredictSettings::default()
        };
        let p = predict(&points, now, &settings);
        assert!(p.probability < 0.3, "{}", p.probability);
        assert_eq!(p.sale_phase, SalePhase::None);
        assert_eq!(advise(&p, None, &settings).verdict, Verdict::BuyNow);
    }

    #[test]
    fn a_sale_on_the_calendar_raises_the_chance_and_names_the_window() {
        // Lightning-free ₹20,000 until 1 July 2025; Prime Day (12–14 July) is ahead.
        let (points, now) = history(122, |_, _| (Some(2_000_000), None));
        let p = predict(&points, now, &PredictSettings::default());
        assert_eq!(p.sale_phase, SalePhase::Ahead);
        let window = p.window.unwrap();
        assert!(window.reason.contains("Prime Day"), "{}", window.reason);
        assert!(p.probability > 0.5, "{}", p.probability);
    }

    #[test]
    fn restock_is_predicted_from_past_stock_outs() {
        // Three past stock-outs of 4 days each; out of stock for the last 2 days.
        let (points, now) = history(120, |d, _| {
            let out =
                (20..24).contains(&d) || (50..54).contains(&d) || (80..84).contains(&d) || d >= 118;
            (if out { None } else { Some(300_000) }, None)
        });
        let p = predict(&points, now, &PredictSettings::default());
        assert!(p.current.is_none());
        let r = p.restock.clone().unwrap();
        assert_eq!(r.past_stockouts, 3);
        assert_eq!(r.median_days, Some(4.0));
        assert!(r.probability_within_horizon > 0.7);
        assert_eq!(r.expected_back, Some(r.out_since + Duration::days(4)));
        assert_eq!(
            advise(&p, None, &PredictSettings::default()).verdict,
            Verdict::Unavailable
        );
    }
}
