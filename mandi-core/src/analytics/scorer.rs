//! `HistoryScorer`: the first `Scorer`. Rates a deal 0–100 from its price history, its
//! discount (with inflated-MRP detection), reviews, availability and seller, and deal badges.

use chrono::Duration;

use super::series;
use crate::domain::{Availability, Money, PricePoint};
use crate::ports::{DealScore, DealVerdict, ScoreInput, ScorePart, Scorer};

/// Tunable thresholds of [`HistoryScorer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScorerSettings {
    /// Known history needed before the history part is trusted.
    pub min_history: Duration,
    /// An MRP more than this (basis points) above its earlier level counts as raised.
    pub mrp_raise_bps: i64,
    /// How recent an MRP raise must be to taint the discount.
    pub mrp_raise_lookback: Duration,
    /// A "discounted" price within this margin (basis points) of the usual price is no saving.
    pub no_saving_margin_bps: i64,
    /// Under a recently raised MRP, a price less than this (basis points) below its usual
    /// price before the raise is no saving (the "sale" merely undoes the run-up).
    pub raised_mrp_margin_bps: i64,
    /// A saving this far (basis points) below the usual price, beyond the margin, earns the
    /// discount part in full.
    pub full_saving_bps: i64,
    /// Prior mean rating (centi-stars) for Bayesian shrinkage.
    pub prior_rating_centi: i64,
    /// Prior weight (ratings) for Bayesian shrinkage.
    pub prior_weight: i64,
}

impl Default for ScorerSettings {
    fn default() -> Self {
        Self {
            min_history: Duration::days(14),
            mrp_raise_bps: 500,
            mrp_raise_lookback: Duration::days(45),
            no_saving_margin_bps: 300,
            full_saving_bps: 1_500,
            raised_mrp_margin_bps: 800,
            prior_rating_centi: 400,
            prior_weight: 30,
        }
    }
}

/// Scores deals from history; pure and deterministic.
///
/// Parts: history (0–40: where the price sits among its own past prices, near the all-time
/// low), discount (0–20: when the offer shows a discount against MRP, the real saving against
/// the usual price — the MRP discount is explained but counts only as far as the price is
/// really below its usual level — and zero when the MRP was raised just before the
/// "discount"), reviews (0–20, Bayesian-shrunk), availability
/// and seller (0–10), deal badge (0–10). Verdict: `FakeSale` when the MRP was raised recently
/// and the price is not clearly below its usual price before the raise, or when a deal badge
/// runs on a price above its usual level; `NotEnoughData` when history is too short; else by
/// score (≥ 85 great, ≥ 70 good, ≥ 45 fair). The thresholds were calibrated against the
/// sandbox oracle (`docs/benchmarks.md`).
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryScorer {
    settings: ScorerSettings,
}

impl HistoryScorer {
    /// A scorer with custom settings.
    pub fn new(settings: ScorerSettings) -> Self {
        Self { settings }
    }
}

/// What inflated-MRP analysis found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MrpCheck {
    /// MRP before the raise.
    earlier_mrp: Option<Money>,
    /// True when the current MRP is a recent raise.
    raised: bool,
    /// When the raised MRP was first seen (the start of the latest unbroken run of raised
    /// list prices), when `raised`.
    raised_since: Option<chrono::DateTime<chrono::Utc>>,
}

fn mrp_check(
    history: &[PricePoint],
    current_mrp: Option<Money>,
    now: chrono::DateTime<chrono::Utc>,
    s: &ScorerSettings,
) -> MrpCheck {
    let Some(mrp) = current_mrp else {
        return MrpCheck {
            earlier_mrp: None,
            raised: false,
            raised_since: None,
        };
    };
    // The MRP in force before the lookback window: the most common list price seen between
    // 2× and 1× the lookback ago (falling back to anything older than the lookback). The
    // history is in time order, so both ranges are found by binary search.
    let cutoff = now - s.mrp_raise_lookback;
    let sorted = history.is_sorted_by_key(|p| p.at);
    let list_prices = |range: &[PricePoint], out: &mut Vec<i64>| {
        out.extend(range.iter().filter_map(|p| {
            p.list_price
                .filter(|m| m.currency() == mrp.currency())
                .map(|m| m.minor())
        }));
    };
    let mut older: Vec<i64> = Vec::new();
    if sorted {
        let end = history.partition_point(|p| p.at < cutoff);
        let begin = history[..end].partition_point(|p| p.at < cutoff - s.mrp_raise_lookback);
        list_prices(&history[begin..end], &mut older);
        if older.is_empty() {
            list_prices(&history[..end], &mut older);
        }
    } else {
        older.extend(
            history
                .iter()
                .filter(|p| p.at < cutoff && p.at >= cutoff - s.mrp_raise_lookback)
                .filter_map(|p| {
                    p.list_price
                        .filter(|m| m.currency() == mrp.currency())
                        .map(|m| m.minor())
                }),
        );
        if older.is_empty() {
            older.extend(history.iter().filter(|p| p.at < cutoff).filter_map(|p| {
                p.list_price
                    .filter(|m| m.currency() == mrp.currency())
                    .map(|m| m.minor())
            }));
        }
    }
    let Some(earlier) = median(older) else {
        return MrpCheck {
            earlier_mrp: None,
            raised: false,
            raised_since: None,
        };
    };
    let is_raised = |m: i64| {
        i128::from(m) * 10_000 > i128::from(earlier) * i128::from(10_000 + s.mrp_raise_bps)
    };
    let raised = is_raised(mrp.minor());
    // Walk back from the newest point while the list price stays raised (points without a
    // list price say nothing and are skipped).
    let mut raised_since = None;
    if raised {
        for p in history.iter().rev().filter(|p| p.at <= now) {
            match p.list_price.filter(|m| m.currency() == mrp.currency()) {
                Some(m) if is_raised(m.minor()) => raised_since = Some(p.at),
                Some(_) => break,
                None => {}
            }
        }
    }
    MrpCheck {
        earlier_mrp: Some(Money::from_minor(earlier, mrp.currency())),
        raised,
        raised_since: raised_since.or(Some(now)),
    }
}

thread_local! {
    /// One segment buffer per thread, reused by every score: a year of hourly history is
    /// about 9,000 segments, and allocating (and page-faulting) that on every call cost
    /// about half of the scorer's time.
    static SEGMENTS: std::cell::RefCell<Vec<series::Segment>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The thread's segment buffer, handed back when dropped.
struct SegmentBuffer(Vec<series::Segment>);

impl SegmentBuffer {
    /// Buffers larger than this (segments) are not kept between calls.
    const KEEP_AT_MOST: usize = 1 << 20;

    fn take() -> Self {
        Self(SEGMENTS.try_with(|b| b.take()).unwrap_or_default())
    }
}

impl Drop for SegmentBuffer {
    fn drop(&mut self) {
        if self.0.capacity() <= Self::KEEP_AT_MOST {
            let v = std::mem::take(&mut self.0);
            let _ = SEGMENTS.try_with(|b| *b.borrow_mut() = v);
        }
    }
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let mid = v.len() / 2;
    // The element a full sort would put in the middle, in linear time.
    let (_, m, _) = v.select_nth_unstable(mid);
    Some(*m)
}

impl Scorer for HistoryScorer {
    fn score(&self, input: &ScoreInput<'_>) -> DealScore {
        let s = &self.settings;
        let now = input.now;
        let offer = input.product.buy_box();
        let mut parts = Vec::new();
        let Some(price) = offer.and_then(|o| o.price) else {
            return DealScore {
                score: 0,
                verdict: DealVerdict::NotEnoughData,
                parts: vec![ScorePart {
                    name: "price".to_owned(),
                    points: 0,
                    explanation: "the current price is unknown, so there is no deal to judge"
                        .to_owned(),
                }],
            };
        };
        let currency = price.currency();
        let from90 = now - Duration::days(90);
        // Usual price: time-weighted average over the 30 days before the last week (so the
        // current sale does not define its own reference), or before a running deal began
        // when that was longer ago (a month-long festival sale is not its own usual price).
        let usual_end = offer
            .and_then(|o| o.deal.as_ref())
            .filter(|d| d.ends_at.is_none_or(|e| e > now))
            .and_then(|d| d.starts_at)
            .filter(|start| *start < now)
            .map_or(now - Duration::days(7), |start| {
                start.min(now - Duration::days(7))
            });
        let mrp = offer
            .and_then(|o| o.list_price)
            .filter(|m| m.currency() == currency);
        let check = mrp_check(input.history, mrp, now, s);
        let raised_since = check.raised_since.filter(|_| check.raised);
        // Only the stretch the windows below look at is turned into segments (the 90 days,
        // the usual-price month, the month before an MRP raise), not the whole history.
        let earliest = [
            Some(from90),
            Some(usual_end - Duration::days(30)),
            raised_since.map(|since| since - Duration::days(30)),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(from90);
        let mut segments = SegmentBuffer::take();
        series::segments_from_into(input.history, earliest, now, currency, &mut segments.0);
        let segments: &[series::Segment] = &segments.0;
        let window90 = || series::window(segments, from90, now);
        let known_secs: i64 = window90()
            .filter(|x| x.price.is_some())
            .map(|x| x.duration_secs())
            .sum();
        let enough_history = known_secs >= s.min_history.num_seconds();
        let usual = series::time_weighted_average(series::window(
            segments,
            usual_end - Duration::days(30),
            usual_end,
        ))
        .or_else(|| series::time_weighted_average(window90()));

        // 1. History.
        let history_points = if enough_history {
            let pct = series::percentile_bps(window90(), price).unwrap_or(5_000);
            let base = i64::from(10_000 - pct.min(10_000)) * 35 / 10_000;
            let all_time_low =
                series::lowest_known(input.history, now, currency).map(|m| m.minor());
            let near_low = all_time_low
                .is_some_and(|low| i128::from(price.minor()) * 10_000 <= i128::from(low) * 10_200);
            let pts = base + if near_low { 5 } else { 0 };
            parts.push(ScorePart {
                name: "history".to_owned(),
                points: pts as i32,
                explanation: format!(
                    "cheaper than {}% of the last 90 days{}",
                    (10_000 - pct.min(10_000)) / 100,
                    if near_low {
                        ", at or near its all-time low"
                    } else {
                        ""
                    }
                ),
            });
            pts
        } else {
            parts.push(ScorePart {
                name: "history".to_owned(),
                points: 15,
                explanation: format!(
                    "only {} days of price history; scored as neutral",
                    known_secs / 86_400
                ),
            });
            15
        };

        // 2. Discount against MRP, with inflated-MRP and raised-price detection.
        let claimed_bps = mrp.and_then(|m| price.discount_bps(m)).unwrap_or(0).max(0);
        // With a raised MRP the reference is the usual price before the raise (the run-up
        // of a fake sale raises the price too, and must not become its own reference).
        let reference = match raised_since {
            Some(since) => series::time_weighted_average(series::window(
                segments,
                since - Duration::days(30),
                since,
            ))
            .or(usual),
            None => usual,
        };
        let below_reference_bps = reference.and_then(|u| price.discount_bps(u)).unwrap_or(0);
        let no_real_saving = reference.is_some() && below_reference_bps < s.raised_mrp_margin_bps;
        let deal_claimed = offer
            .and_then(|o| o.deal.as_ref())
            .is_some_and(|d| d.ends_at.is_none_or(|e| e > now));
        let mut fake = false;
        let discount_points = if claimed_bps == 0 {
            parts.push(ScorePart {
                name: "discount".to_owned(),
                points: 0,
                explanation: "no discount against MRP".to_owned(),
            });
            0
        } else if check.raised && no_real_saving {
            fake = true;
            parts.push(ScorePart {
                name: "discount".to_owned(),
                points: 0,
                explanation: format!(
                    "fake sale: the MRP was raised to {} from {} shortly before this {}% \"discount\", and the price is not below its usual {}",
                    mrp.map_or_else(String::new, |m| m.display_short()),
                    check.earlier_mrp.map_or_else(String::new, |m| m.display_short()),
                    claimed_bps / 100,
                    reference.map_or_else(String::new, |u| u.display_short()),
                ),
            });
            0
        } else if deal_claimed
            && claimed_bps >= 1_500
            && usual.is_some_and(|u| {
                i128::from(price.minor()) * 10_000
                    > i128::from(u.minor()) * i128::from(10_000 + s.no_saving_margin_bps)
            })
        {
            fake = true;
            parts.push(ScorePart {
                name: "discount".to_owned(),
                points: 0,
                explanation: format!(
                    "fake sale: a deal badge and {}% off MRP, but the price is above its usual {}",
                    claimed_bps / 100,
                    usual.map_or_else(String::new, |u| u.display_short())
                ),
            });
            0
        } else {
            let effective_bps = if check.raised {
                check
                    .earlier_mrp
                    .and_then(|m| price.discount_bps(m))
                    .unwrap_or(0)
                    .max(0)
            } else {
                claimed_bps
            };
            let mrp_points = (effective_bps * 20 / 5_000).min(20);
            // An MRP discount counts only as far as the price is really below its usual
            // price: most listings sit a fixed "x% off MRP" below an MRP nobody pays.
            let saving_points = reference.map(|_| {
                ((below_reference_bps - s.no_saving_margin_bps).max(0) * 20
                    / s.full_saving_bps.max(1))
                .min(20)
            });
            let pts = saving_points.unwrap_or(mrp_points);
            let saving_text = match reference {
                Some(u) if below_reference_bps > 0 => {
                    format!(
                        ", {}% below its usual {}",
                        below_reference_bps / 100,
                        u.display_short()
                    )
                }
                Some(u) => format!(", not below its usual {}", u.display_short()),
                None => String::new(),
            };
            parts.push(ScorePart {
                name: "discount".to_owned(),
                points: pts as i32,
                explanation: if check.raised {
                    format!(
                        "{}% off the earlier MRP (the MRP was raised recently, so the shown {}% is overstated){}",
                        effective_bps / 100,
                        claimed_bps / 100,
                        saving_text
                    )
                } else {
                    format!("{}% off MRP{}", claimed_bps / 100, saving_text)
                },
            });
            pts
        };

        // 3. Reviews, Bayesian-shrunk toward a prior so a 5.0 from 3 ratings is not a 5.0.
        let review_points = match input.product.reviews {
            Some(r) if r.count > 0 => {
                let n = i64::from(r.count);
                let shrunk = (s.prior_weight * s.prior_rating_centi
                    + n * i64::from(r.rating_centi))
                    / (s.prior_weight + n);
                let pts = ((shrunk - 350) * 20 / 100).clamp(0, 20);
                parts.push(ScorePart {
                    name: "reviews".to_owned(),
                    points: pts as i32,
                    explanation: format!("rated {} from {} ratings", r.rating_text(), r.count),
                });
                pts
            }
            _ => {
                parts.push(ScorePart {
                    name: "reviews".to_owned(),
                    points: 0,
                    explanation: "no ratings yet".to_owned(),
                });
                0
            }
        };

        // 4. Availability and seller.
        let availability = offer.map_or(Availability::Unknown, |o| o.availability);
        let stock_points = match availability {
            Availability::InStock => 5,
            Availability::Preorder => 3,
            _ => 0,
        };
        let merchant = offer.map(|o| &o.merchant);
        let trusted_seller = merchant.is_some_and(|m| {
            m.fulfilled_by_amazon
                || m.name
                    .as_deref()
                    .is_some_and(|n| n.to_ascii_lowercase().starts_with("amazon"))
        });
        let seller_points = if trusted_seller {
            5
        } else if offer.is_some_and(|o| o.is_buy_box_winner) {
            3
        } else {
            1
        };
        parts.push(ScorePart {
            name: "seller".to_owned(),
            points: stock_points + seller_points,
            explanation: format!(
                "{}; {}",
                match availability {
                    Availability::InStock => "in stock",
                    Availability::Preorder => "pre-order",
                    Availability::OutOfStock => "out of stock",
                    _ => "stock unknown",
                },
                if trusted_seller {
                    "sold or fulfilled by Amazon"
                } else if offer.is_some_and(|o| o.is_buy_box_winner) {
                    "buy-box seller"
                } else {
                    "seller unknown"
                }
            ),
        });

        // 5. Deal badge.
        let deal = offer
            .and_then(|o| o.deal.as_ref())
            .filter(|d| d.ends_at.is_none_or(|e| e > now));
        let deal_points = match deal {
            Some(d) if d.is_lightning() => 10,
            Some(_) => 6,
            None => 0,
        };
        parts.push(ScorePart {
            name: "deal".to_owned(),
            points: deal_points,
            explanation: match deal {
                Some(d) => format!("{} running", d.badge.as_deref().unwrap_or("a deal")),
                None => "no deal badge".to_owned(),
            },
        });

        let total = (history_points
            + discount_points
            + review_points
            + i64::from(stock_points + seller_points)
            + i64::from(deal_points))
        .clamp(0, 100);
        let score = u8::try_from(total).unwrap_or(100);
        let verdict = if fake {
            DealVerdict::FakeSale
        } else if !enough_history {
            DealVerdict::NotEnoughData
        } else if score >= 85 {
            DealVerdict::GreatDeal
        } else if score >= 70 {
            DealVerdict::GoodDeal
        } else if score >= 45 {
            DealVerdict::Fair
        } else {
            DealVerdict::Poor
        };
        DealScore {
            score,
            verdict,
            parts,
        }
    }
}
