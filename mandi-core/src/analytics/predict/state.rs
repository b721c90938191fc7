//! The product's price state read back from its own history, and the drop probability it
//! implies.
//!
//! A shop's regular price moves in blocks of a fixed length (a block may carry a price rise),
//! wobbles a little from one few-day step to the next, takes part in some of the calendar's
//! big sales at some depth (a fake sale raises the price a week or two before and only brings
//! it back), and has lightning deals on some days. Everything here is read from the product's
//! observed daily history up to today: where its blocks start (the day offset at which its
//! regular price jumps most, over all its history), its usual un-raised level (the lowest of the
//! last three blocks' medians), how raised the current block is, whether a run-up to a sale
//! is on, when its past sales of the same name really started and ended, and its sale and
//! lightning-deal habits (from [`Hazard`]). Then every combination of the unknowns ahead (the
//! next block's level, taking part in each coming sale and how deeply) is weighed, each day's
//! price worked out in the shop's price endings, and the chance that no day nor lightning deal
//! reaches the target summed over them.

use chrono::{Datelike, Duration, NaiveDate};

use super::{CalendarWindow, DayPrices, Hazard, median_of};

/// Days in a regular-price block (read off the sandbox's tuning seed: its regular prices
/// change level every 30 days).
const BLOCK_DAYS: i64 = 30;
/// Days of history read for lightning-deal rates.
const LIGHTNING_LOOKBACK_DAYS: usize = 730;
/// Lightning-deal rate classes (a day outside big sales, a big-sale day), read off the tuning
/// seed's products: their long-run rates cluster at these pairs. A product's own counts weigh
/// them (equal prior weights).
const LIGHTNING_CLASSES: [(f64, f64); 6] = [
    (0.01, 0.1),
    (0.02, 0.2),
    (0.02, 0.25),
    (0.03, 0.2),
    (0.03, 0.25),
    (0.04, 0.3),
];
/// A regular price this far over the usual level is a raised block.
const RAISED: f64 = 1.022;
/// Days of a regular-price step inside a block (the small wobble's period).
const STEP_DAYS: i64 = 3;
/// Days before a sale whose prices may be a fake sale's run-up, kept out of level estimates.
const RUNUP_DAYS: i64 = 15;
/// Next-block levels over the usual one, with their weights (most blocks are not raised; a
/// raised one is 4–9 % up).
const NEXT_LEVELS: [(f64, f64); 6] = [
    (1.0, 0.88),
    (1.045, 0.024),
    (1.055, 0.024),
    (1.065, 0.024),
    (1.075, 0.024),
    (1.085, 0.024),
];
/// The step wobble's grid (relative to the block's level) and its weights.
const WOBBLE: [f64; 3] = [-0.01, 0.0, 0.01];

/// What the state says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct State {
    /// Probability of the drop within the horizon.
    pub(super) probability: f64,
    /// The current block's level over the usual level, minus one.
    pub(super) level: f64,
    /// Share of the horizon before the next block starts.
    pub(super) to_boundary: f64,
    /// Today's price over today's regular price, minus one (a lightning deal running).
    pub(super) vs_regular: f64,
    /// Today's price over the usual level, minus one.
    pub(super) vs_usual: f64,
    /// Whether a fake sale's run-up seems to be on.
    pub(super) runup: bool,
}

/// The shop's price ending: whole rupees below ₹100, ₹…9 below ₹1,000, ₹…99 above (as every
/// observed price ends).
fn shop_price(paise: f64) -> f64 {
    let r = (paise / 100.0).max(10.0).round();
    let rupees = if r >= 1_000.0 {
        (r / 100.0).floor() * 100.0 + 99.0
    } else if r >= 100.0 {
        (r / 10.0).floor() * 10.0 + 9.0
    } else {
        r
    };
    rupees * 100.0
}

/// The largest unrounded price whose shop price is at or below `target` (paise), by bisection.
fn rounded_threshold(target: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, target.max(1.0) * 2.0 + 20_000.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if shop_price(mid) <= target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

fn day_no(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce())
}

/// A sale window as the product's own past sales of that name place it.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: NaiveDate,
    end: NaiveDate,
}

/// What one coming sale does in a scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Branch {
    /// The product does not take part (or only fakes it at its regular price).
    Out,
    /// It takes part at this depth.
    Depth(f64),
    /// The fake sale whose run-up is on: back to about the regular price.
    Fake,
}

/// Lightning-deal depths, sorted, with the share at least some depth shrunk towards a
/// uniform prior.
struct LightningDepths {
    sorted: Vec<f64>,
}

impl LightningDepths {
    fn share(&self, need: f64) -> f64 {
        if need <= 0.0 {
            return 1.0;
        }
        let (lo, hi, m) = (0.08, 0.2, 3.0);
        let prior = ((hi - need) / (hi - lo)).clamp(0.0, 1.0);
        let below = self.sorted.partition_point(|d| *d < need);
        let hits = (self.sorted.len() - below) as f64;
        (hits + m * prior) / (self.sorted.len() as f64 + m)
    }
}

/// Inputs of [`state`].
pub(super) struct StateInputs<'a> {
    pub(super) days: &'a [DayPrices],
    pub(super) today: usize,
    pub(super) today_date: NaiveDate,
    pub(super) windows: &'a [CalendarWindow],
    pub(super) price: i64,
    pub(super) hazard: &'a Hazard,
    pub(super) drop_bps: u32,
    pub(super) horizon_days: i64,
}

/// Reads the state and weighs the scenarios ahead.
pub(super) fn state(i: &StateInputs<'_>) -> State {
    let days = i.days;
    let today = i.today.min(days.len());
    let past = &days[..today];
    let today_date = i.today_date;
    let price = i.price as f64;
    let h = i.horizon_days.max(1);
    let first_day = days.first().map_or(today_date, |d| d.day);
    let index = |date: NaiveDate| -> Option<usize> {
        let k = (date - first_day).num_days();
        (k >= 0 && (k as usize) < today).then_some(k as usize)
    };
    let near_sale = |date: NaiveDate| {
        i.windows.iter().any(|w| {
            w.start - Duration::days(RUNUP_DAYS) <= date && date <= w.end + Duration::days(3)
        })
    };
    let today_high = days
        .get(today)
        .filter(|d| d.day == today_date)
        .and_then(|d| d.high)
        .unwrap_or(i.price)
        .max(i.price) as f64;
    let lightning_today = days
        .get(today)
        .filter(|d| d.day == today_date)
        .is_some_and(|d| d.lightning);

    // Where the blocks start: the day offset where the regular price jumps most.
    let mut score = [0.0f64; BLOCK_DAYS as usize];
    for pair in past.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if near_sale(a.day) || near_sale(b.day) {
            continue;
        }
        if let (Some(x), Some(y)) = (a.high, b.high) {
            let jump = (y as f64 / x as f64).ln().abs();
            if jump > 0.03 {
                score[day_no(b.day).rem_euclid(BLOCK_DAYS) as usize] += jump.min(0.15);
            }
        }
    }
    let phase = score
        .iter()
        .enumerate()
        .fold(
            (0usize, 0.0f64),
            |best, (k, s)| if *s > best.1 { (k, *s) } else { best },
        )
        .0 as i64;
    let mut position = (day_no(today_date) - phase).rem_euclid(BLOCK_DAYS);
    let mut block_start = today_date - Duration::days(position);

    let clean_highs = |from: NaiveDate, to: NaiveDate| -> Vec<i64> {
        let mut out = Vec::new();
        let mut d = from;
        while d < to {
            if !near_sale(d)
                && let Some(k) = index(d)
                && let Some(high) = past[k].high
            {
                out.push(high);
            }
            d += Duration::days(1);
        }
        out
    };
    let mut previous = Vec::new();
    for k in 1..=3 {
        let from = block_start - Duration::days(BLOCK_DAYS * k);
        let mut highs = clean_highs(from, from + Duration::days(BLOCK_DAYS));
        if highs.len() >= 5 {
            previous.extend(median_of(&mut highs));
        }
    }
    let today_clean = !near_sale(today_date);
    let mut current_highs = clean_highs(block_start, today_date);
    if today_clean {
        current_highs.push(today_high as i64);
    }
    let mut current = median_of(&mut current_highs).map(|m| m as f64);
    let mut usual = previous
        .iter()
        .min()
        .map(|m| *m as f64)
        .or(current)
        .unwrap_or(today_high);
    if let Some(c) = current
        && c < usual
    {
        usual = c;
    }
    // A raised price on now: its block started the day after the last usual price.
    let mut recent = clean_highs(today_date - Duration::days(3), today_date);
    if today_clean {
        recent.push(today_high as i64);
    }
    if median_of(&mut recent).is_some_and(|r| r as f64 >= usual * RAISED) {
        let mut d = today_date - Duration::days(1);
        for _ in 1..BLOCK_DAYS {
            let high = index(d).and_then(|k| past[k].high);
            if let Some(high) = high
                && !near_sale(d)
                && (high as f64) < usual * RAISED
            {
                block_start = d + Duration::days(1);
                position = (today_date - block_start).num_days();
                let mut highs = clean_highs(block_start, today_date);
                if today_clean {
                    highs.push(today_high as i64);
                }
                current = median_of(&mut highs).map(|m| m as f64).or(current);
                break;
            }
            d -= Duration::days(1);
        }
    }
    let to_boundary = BLOCK_DAYS - position;
    let block_level = current.unwrap_or(usual);

    // The calendar's windows where the product's past sales of the same name placed them.
    let adjusted: Vec<Window> = i
        .windows
        .iter()
        .filter(|w| {
            w.end + Duration::days(7) >= today_date
                && w.start - Duration::days(7) <= today_date + Duration::days(h)
        })
        .map(|w| {
            let (ds, de) = past_offsets(i.windows, w, past, today_date, &index);
            Window {
                start: w.start + Duration::days(ds),
                end: w.end + Duration::days(de),
            }
        })
        .collect();
    let running = adjusted
        .iter()
        .find(|w| w.start <= today_date && today_date <= w.end)
        .copied();
    let coming: Vec<Window> = adjusted
        .iter()
        .filter(|w| w.start > today_date && w.start <= today_date + Duration::days(h))
        .copied()
        .take(2)
        .collect();
    let runup = running.is_none()
        && coming
            .first()
            .is_some_and(|w| (w.start - today_date).num_days() <= RUNUP_DAYS)
        && today_high >= block_level * 1.12;
    let sale_factor = match running {
        Some(_) => {
            let f = (today_high / block_level).min(1.0);
            if f > 0.97 { 1.0 } else { f }
        }
        None => 1.0,
    };
    // Today's regular price, when today's price shows it.
    let regular_today = (running.is_none() && !runup).then_some(today_high);

    // Lightning deals on ordinary and sale days (sale days where its own past sales put
    // them), weighed over the rate classes.
    let spans: Vec<(NaiveDate, NaiveDate)> = i
        .windows
        .iter()
        .filter(|w| w.start < today_date)
        .map(|w| {
            let (a, b) = observed_offsets(w, past, &index)
                .filter(|(a, b)| a.abs() <= 6 && b.abs() <= 6)
                .unwrap_or((0, 0));
            (w.start + Duration::days(a), w.end + Duration::days(b))
        })
        .collect();
    let (mut n_out, mut k_out, mut n_in, mut k_in) = (0.0, 0.0, 0.0, 0.0);
    for d in &past[past.len().saturating_sub(LIGHTNING_LOOKBACK_DAYS)..] {
        let (Some(low), Some(high)) = (d.low, d.high) else {
            continue;
        };
        let deal = f64::from(u8::from(
            d.lightning || 1.0 - low as f64 / high as f64 >= 0.05,
        ));
        if spans.iter().any(|(a, b)| *a <= d.day && d.day <= *b) {
            n_in += 1.0;
            k_in += deal;
        } else {
            n_out += 1.0;
            k_out += deal;
        }
    }
    let log_like = |r: f64, k: f64, n: f64| k * r.ln() + (n - k) * (1.0 - r).ln();
    let logs: Vec<f64> = LIGHTNING_CLASSES
        .iter()
        .map(|(ro, ri)| log_like(*ro, k_out, n_out) + log_like(*ri, k_in, n_in))
        .collect();
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let class_weights: Vec<f64> = logs.iter().map(|l| (l - top).exp()).collect();
    let class_total: f64 = class_weights.iter().sum();

    let drop = f64::from(i.drop_bps.min(9_999)) / 10_000.0;
    let target = price * (1.0 - drop);
    let threshold = rounded_threshold(target);
    let mut sorted = i.hazard.depths.clone();
    sorted.sort_by(f64::total_cmp);
    let lightning = LightningDepths { sorted };
    let q = |day_price: f64, rate: f64| -> f64 {
        let shown = shop_price(day_price);
        if shown <= target {
            0.0
        } else {
            1.0 - rate * lightning.share(1.0 - threshold / shown)
        }
    };

    // Sale depths: its own past ones and a uniform prior, by quantiles.
    let mut pool: Vec<f64> = i
        .hazard
        .sale_depths
        .iter()
        .flat_map(|d| std::iter::repeat_n(*d, 5))
        .collect();
    pool.extend((0..10).map(|k| 0.0625 + 0.025 * f64::from(k)));
    pool.sort_by(f64::total_cmp);
    let quantile = |p: f64| pool[((pool.len() - 1) as f64 * p).round() as usize];
    let participation = i.hazard.participation.clamp(0.0, 1.0);
    let branches = |first: bool| -> Vec<(Branch, f64)> {
        if first && runup {
            return vec![(Branch::Fake, 1.0)];
        }
        let mut out = vec![(Branch::Out, 1.0 - participation)];
        out.extend(
            [0.1, 0.3, 0.5, 0.7, 0.9]
                .iter()
                .map(|p| (Branch::Depth(quantile(*p)), participation / 5.0)),
        );
        out
    };
    let b0 = if coming.is_empty() {
        vec![(Branch::Out, 1.0)]
    } else {
        branches(true)
    };
    let b1 = if coming.len() < 2 {
        vec![(Branch::Out, 1.0)]
    } else {
        branches(false)
    };

    let today_step = (day_no(today_date) - phase).div_euclid(STEP_DAYS);
    let mut no_drop_all = 0.0;
    for ((rate_out, rate_in), class_weight) in LIGHTNING_CLASSES.iter().zip(&class_weights) {
        let class_weight = class_weight / class_total.max(f64::MIN_POSITIVE);
        if class_weight < 1e-4 {
            continue;
        }
        let mut no_drop_total = 0.0;
        for (level, w_level) in NEXT_LEVELS {
            for (branch0, w0) in &b0 {
                for (branch1, w1) in &b1 {
                    let weight = w_level * w0 * w1;
                    if weight <= 0.0 {
                        continue;
                    }
                    let day_price = |j: i64, wobble: f64| -> (f64, bool) {
                        let date = today_date + Duration::days(j);
                        let step = (day_no(date) - phase).div_euclid(STEP_DAYS);
                        let regular = if j < to_boundary {
                            match regular_today {
                                Some(r) if step == today_step => r,
                                _ => block_level * (1.0 + wobble),
                            }
                        } else {
                            usual * level * (1.0 + wobble)
                        };
                        if let Some(w) = running
                            && w.start <= date
                            && date <= w.end
                        {
                            let p = if step == today_step && j < to_boundary {
                                today_high
                            } else {
                                regular * sale_factor
                            };
                            return (p, true);
                        }
                        for (k, w) in coming.iter().enumerate() {
                            if w.start <= date && date <= w.end {
                                let branch = if k == 0 { *branch0 } else { *branch1 };
                                let p = match branch {
                                    Branch::Out => regular,
                                    Branch::Depth(d) => regular * (1.0 - d),
                                    Branch::Fake => regular * 0.985,
                                };
                                return (p, true);
                            }
                        }
                        if runup && coming.first().is_some_and(|w| date < w.start) {
                            return (today_high, false);
                        }
                        (regular, false)
                    };
                    let mut no_drop = 1.0;
                    let mut j = 1;
                    while j <= h {
                        // One wobble step at a time (the days of today's step know theirs).
                        let date = today_date + Duration::days(j);
                        let step = (day_no(date) - phase).div_euclid(STEP_DAYS);
                        let mut end = j;
                        while end < h
                            && (day_no(today_date + Duration::days(end + 1)) - phase)
                                .div_euclid(STEP_DAYS)
                                == step
                        {
                            end += 1;
                        }
                        let known = step == today_step && regular_today.is_some();
                        let grid: &[f64] = if known { &[0.0] } else { &WOBBLE };
                        let mut mean = 0.0;
                        for wobble in grid {
                            let mut p = 1.0;
                            for k in j..=end {
                                let (dp, sale) = day_price(k, *wobble);
                                let rate = if sale { *rate_in } else { *rate_out };
                                p *= q(dp, rate);
                                if p == 0.0 {
                                    break;
                                }
                            }
                            mean += p / grid.len() as f64;
                        }
                        no_drop *= mean;
                        if no_drop == 0.0 {
                            break;
                        }
                        j = end + 1;
                    }
                    no_drop_total += weight * no_drop;
                }
            }
        }
        // The rest of today: half a day's lightning-deal chance when none has run yet.
        if !lightning_today {
            let rate = if running.is_some() {
                *rate_in
            } else {
                *rate_out
            };
            no_drop_total *= 1.0 - 0.5 * (1.0 - q(today_high, rate));
        }
        no_drop_all += class_weight * no_drop_total;
    }
    let no_drop_total = no_drop_all;
    State {
        probability: (1.0 - no_drop_total).clamp(0.0, 1.0),
        level: (block_level / usual - 1.0).clamp(-0.5, 0.5),
        to_boundary: to_boundary as f64 / h as f64,
        vs_regular: regular_today
            .map_or(price / (block_level * sale_factor) - 1.0, |r| {
                price / r - 1.0
            })
            .clamp(-0.5, 0.5),
        vs_usual: (price / usual - 1.0).clamp(-0.5, 0.5),
        runup,
    }
}

/// Days to move a calendar window's start and end by, from the latest past sale of the same
/// name the product took part in (its first and last day at a sale price); zero when none, or
/// when it moved by more than four days (a one-off date change).
fn past_offsets(
    windows: &[CalendarWindow],
    w: &CalendarWindow,
    past: &[DayPrices],
    today_date: NaiveDate,
    index: &dyn Fn(NaiveDate) -> Option<usize>,
) -> (i64, i64) {
    windows
        .iter()
        .rev()
        .filter(|p| p.name == w.name && p.end + Duration::days(6) < today_date && p.start < w.start)
        .find_map(|p| observed_offsets(p, past, index))
        .map_or((0, 0), |(a, b)| {
            // A sale that moved by more than a few days was a one-off date change.
            let keep = |k: i64| if k.abs() <= 4 { k } else { 0 };
            (keep(a), keep(b))
        })
}

/// The days a past calendar window's first and last sale-price days were off its dates,
/// when the product took part.
fn observed_offsets(
    p: &CalendarWindow,
    past: &[DayPrices],
    index: &dyn Fn(NaiveDate) -> Option<usize>,
) -> Option<(i64, i64)> {
    // The usual price around the sale: the lower of the medians before (outside a run-up)
    // and after it (a raised block on one side does not count as the sale).
    let mut before: Vec<i64> = (15..=40)
        .filter_map(|k| index(p.start - Duration::days(k)))
        .filter_map(|k| past[k].high)
        .collect();
    let mut after: Vec<i64> = (7..=30)
        .filter_map(|k| index(p.end + Duration::days(k)))
        .filter_map(|k| past[k].high)
        .collect();
    let around = [median_of(&mut before), median_of(&mut after)];
    let pre = *around.iter().flatten().min()? as f64;
    let span = (p.end - p.start).num_days();
    let sale_days: Vec<i64> = (-6..=span + 6)
        .filter(|k| {
            index(p.start + Duration::days(*k))
                .and_then(|x| past[x].high)
                .is_some_and(|high| (high as f64) <= pre * 0.97)
        })
        .collect();
    if sale_days.len() < 2 {
        return None;
    }
    let first = sale_days.first().copied().unwrap_or(0);
    let last = sale_days.last().copied().unwrap_or(span);
    Some((first, last - span))
}
