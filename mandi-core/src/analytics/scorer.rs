//! `HistoryScorer`: the first `Scorer`. Rates a deal 0–100 from its price history, its
//! discount (with inflated-MRP detection), reviews, availability and seller, and deal badges.

use chrono::Duration;

use super::series;
use crate::domain::{Availability, Bps, Money, PricePoint};
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
    sorted: bool,
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
    // 2× and 1× the lookback ago (falling back to anything older than the lookback). When
    // the history is in time order (`sorted`, checked by the caller's one pass over it), both
    // ranges are found by binary search.
    let cutoff = now - s.mrp_raise_lookback;
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
        let offer = input.product.buy_box();
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
        let now = input.now;
        let currency = price.currency();
        let mrp = offer
            .and_then(|o| o.list_price)
            .filter(|m| m.currency() == currency);
        // One pass over the whole history: is it in time order, and its all-time low.
        let scan = series::scan(input.history, now, currency);
        let check = mrp_check(input.history, scan.sorted, mrp, now, &self.settings);
        let raised_since = check.raised_since.filter(|_| check.raised);
        // Only the stretch the parts look at is turned into segments (the 90 days, the
        // usual-price month, the month before an MRP raise), not the whole history.
        let from90 = now - Duration::days(90);
        let earliest = [
            Some(from90),
            Some(usual_end(offer, now) - Duration::days(30)),
            raised_since.map(|since| since - Duration::days(30)),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(from90);
        let mut segments = SegmentBuffer::take();
        if scan.sorted {
            series::segments_from_sorted_into(
                input.history,
                earliest,
                now,
                currency,
                &mut segments.0,
            );
        } else {
            series::segments_into(input.history, now, currency, &mut segments.0);
        }
        let facts = Facts::new(&self.settings, input, price, &segments.0, mrp, check, scan);

        let discount = facts.discount_part();
        let parts = vec![
            facts.history_part(),
            discount.part,
            reviews_part(input, &self.settings),
            seller_part(input),
            deal_part(input),
        ];
        let total = parts
            .iter()
            .map(|p| i64::from(p.points))
            .sum::<i64>()
            .clamp(0, 100);
        let score = u8::try_from(total).unwrap_or(100);
        DealScore {
            score,
            verdict: verdict(score, discount.fake, facts.enough_history),
            parts,
        }
    }
}

/// What every part reads: the price, the history as segments, and the usual price.
struct Facts<'a> {
    s: &'a ScorerSettings,
    now: chrono::DateTime<chrono::Utc>,
    offer: Option<&'a crate::domain::Offer>,
    price: Money,
    segments: &'a [series::Segment],
    /// Seconds of known price in the last 90 days.
    known_secs: i64,
    enough_history: bool,
    /// The usual price (see [`Facts::new`]).
    usual: Option<Money>,
    /// The current MRP in the price's currency.
    mrp: Option<Money>,
    /// Whether and since when the MRP was raised.
    check: MrpCheck,
    /// The all-time low (from the one pass over the history).
    all_time_low: Option<Money>,
}

/// When the usual-price window ends: a week ago, or when a running deal began if earlier (a
/// month-long festival sale is not its own usual price).
fn usual_end(
    offer: Option<&crate::domain::Offer>,
    now: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    offer
        .and_then(|o| o.deal.as_ref())
        .filter(|d| d.ends_at.is_none_or(|e| e > now))
        .and_then(|d| d.starts_at)
        .filter(|start| *start < now)
        .map_or(now - Duration::days(7), |start| {
            start.min(now - Duration::days(7))
        })
}

/// The discount part and whether it found a fake sale.
struct Discount {
    part: ScorePart,
    fake: bool,
}

impl<'a> Facts<'a> {
    fn new(
        s: &'a ScorerSettings,
        input: &'a ScoreInput<'a>,
        price: Money,
        segments: &'a [series::Segment],
        mrp: Option<Money>,
        check: MrpCheck,
        scan: series::HistoryScan,
    ) -> Self {
        let now = input.now;
        let offer = input.product.buy_box();
        let known_secs: i64 = series::window(segments, now - Duration::days(90), now)
            .filter(|x| x.price.is_some())
            .map(|x| x.duration_secs())
            .sum();
        // Usual price: time-weighted average over the 30 days before the last week (so the
        // current sale does not define its own reference), or before a running deal began
        // when that was longer ago (a month-long festival sale is not its own usual price).
        let usual_end = usual_end(offer, now);
        let usual = series::time_weighted_average(series::window(
            segments,
            usual_end - Duration::days(30),
            usual_end,
        ))
        .or_else(|| {
            series::time_weighted_average(series::window(segments, now - Duration::days(90), now))
        });
        Self {
            s,
            now,
            offer,
            price,
            segments,
            known_secs,
            enough_history: known_secs >= s.min_history.num_seconds(),
            usual,
            mrp,
            check,
            all_time_low: scan.lowest,
        }
    }

    /// 1. History (0–40): where the price sits among the last 90 days, near the all-time low.
    fn history_part(&self) -> ScorePart {
        if !self.enough_history {
            return ScorePart {
                name: "history".to_owned(),
                points: 15,
                explanation: format!(
                    "only {} days of price history; scored as neutral",
                    self.known_secs / 86_400
                ),
            };
        }
        let price = self.price;
        let pct = series::percentile_bps(
            series::window(self.segments, self.now - Duration::days(90), self.now),
            price,
        )
        .unwrap_or(5_000);
        let cheaper_than = 10_000 - pct.min(10_000);
        let base = i64::from(cheaper_than) * 35 / 10_000;
        let all_time_low = self.all_time_low.map(|m| m.minor());
        let near_low = all_time_low
            .is_some_and(|low| i128::from(price.minor()) * 10_000 <= i128::from(low) * 10_200);
        let pts = base + if near_low { 5 } else { 0 };
        ScorePart {
            name: "history".to_owned(),
            points: pts as i32,
            explanation: format!(
                "cheaper than {} of the last 90 days{}",
                whole_percent(i64::from(cheaper_than)),
                if near_low {
                    ", at or near its all-time low"
                } else {
                    ""
                }
            ),
        }
    }

    /// 2. Discount (0–20) against MRP, with inflated-MRP and raised-price detection.
    fn discount_part(&self) -> Discount {
        let (s, now, offer, price, usual) = (self.s, self.now, self.offer, self.price, self.usual);
        let mrp = self.mrp;
        let claimed_bps = mrp.and_then(|m| price.discount_bps(m)).unwrap_or(0).max(0);
        let claimed = whole_percent(claimed_bps);
        let check = &self.check;
        // With a raised MRP the reference is the usual price before the raise (the run-up
        // of a fake sale raises the price too, and must not become its own reference).
        let reference = match check.raised_since.filter(|_| check.raised) {
            Some(since) => series::time_weighted_average(series::window(
                self.segments,
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
        let part = |points: i64, explanation: String| ScorePart {
            name: "discount".to_owned(),
            points: points as i32,
            explanation,
        };
        if claimed_bps == 0 {
            return Discount {
                part: part(0, "no discount against MRP".to_owned()),
                fake: false,
            };
        }
        if check.raised && no_real_saving {
            return Discount {
                part: part(
                    0,
                    format!(
                        "fake sale: the MRP was raised to {} from {} shortly before this {claimed} \"discount\", and the price is not below its usual {}",
                        mrp.map_or_else(String::new, |m| m.display_short()),
                        check
                            .earlier_mrp
                            .map_or_else(String::new, |m| m.display_short()),
                        reference.map_or_else(String::new, |u| u.display_short()),
                    ),
                ),
                fake: true,
            };
        }
        if deal_claimed
            && claimed_bps >= 1_500
            && usual.is_some_and(|u| {
                i128::from(price.minor()) * 10_000
                    > i128::from(u.minor()) * i128::from(10_000 + s.no_saving_margin_bps)
            })
        {
            return Discount {
                part: part(
                    0,
                    format!(
                        "fake sale: a deal badge and {claimed} off MRP, but the price is above its usual {}",
                        usual.map_or_else(String::new, |u| u.display_short())
                    ),
                ),
                fake: true,
            };
        }
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
            ((below_reference_bps - s.no_saving_margin_bps).max(0) * 20 / s.full_saving_bps.max(1))
                .min(20)
        });
        let pts = saving_points.unwrap_or(mrp_points);
        let saving_text = match reference {
            Some(u) if below_reference_bps > 0 => format!(
                ", {} below its usual {}",
                whole_percent(below_reference_bps),
                u.display_short()
            ),
            Some(u) => format!(", not below its usual {}", u.display_short()),
            None => String::new(),
        };
        let explanation = if check.raised {
            format!(
                "{} off the earlier MRP (the MRP was raised recently, so the shown {claimed} is overstated){saving_text}",
                whole_percent(effective_bps),
            )
        } else {
            format!("{claimed} off MRP{saving_text}")
        };
        Discount {
            part: part(pts, explanation),
            fake: false,
        }
    }
}

/// A share in basis points shown in whole percent (the scorer's explanations round down).
fn whole_percent(bps: i64) -> Bps {
    Bps(bps).whole_percent()
}

/// 3. Reviews (0–20), Bayesian-shrunk toward a prior so a 5.0 from 3 ratings is not a 5.0.
fn reviews_part(input: &ScoreInput<'_>, s: &ScorerSettings) -> ScorePart {
    match input.product.reviews {
        Some(r) if r.count > 0 => {
            let n = i64::from(r.count);
            let shrunk = (s.prior_weight * s.prior_rating_centi + n * i64::from(r.rating_centi))
                / (s.prior_weight + n);
            let pts = ((shrunk - 350) * 20 / 100).clamp(0, 20);
            ScorePart {
                name: "reviews".to_owned(),
                points: pts as i32,
                explanation: format!("rated {} from {} ratings", r.rating_text(), r.count),
            }
        }
        _ => ScorePart {
            name: "reviews".to_owned(),
            points: 0,
            explanation: "no ratings yet".to_owned(),
        },
    }
}

/// 4. Availability (0–5) and seller (1–5).
fn seller_part(input: &ScoreInput<'_>) -> ScorePart {
    let offer = input.product.buy_box();
    let availability = offer.map_or(Availability::Unknown, |o| o.availability);
    let stock_points = match availability {
        Availability::InStock => 5,
        Availability::Preorder => 3,
        _ => 0,
    };
    let trusted_seller = offer.map(|o| &o.merchant).is_some_and(|m| {
        m.fulfilled_by_amazon
            || m.name
                .as_deref()
                .is_some_and(|n| n.to_ascii_lowercase().starts_with("amazon"))
    });
    let buy_box = offer.is_some_and(|o| o.is_buy_box_winner);
    let (seller_points, seller) = if trusted_seller {
        (5, "sold or fulfilled by Amazon")
    } else if buy_box {
        (3, "buy-box seller")
    } else {
        (1, "seller unknown")
    };
    let stock = match availability {
        Availability::InStock => "in stock",
        Availability::Preorder => "pre-order",
        Availability::OutOfStock => "out of stock",
        _ => "stock unknown",
    };
    ScorePart {
        name: "seller".to_owned(),
        points: stock_points + seller_points,
        explanation: format!("{stock}; {seller}"),
    }
}

/// 5. Deal badge (0–10): a running lightning deal counts most.
fn deal_part(input: &ScoreInput<'_>) -> ScorePart {
    let now = input.now;
    let deal = input
        .product
        .buy_box()
        .and_then(|o| o.deal.as_ref())
        .filter(|d| d.ends_at.is_none_or(|e| e > now));
    let points = match deal {
        Some(d) if d.is_lightning() => 10,
        Some(_) => 6,
        None => 0,
    };
    ScorePart {
        name: "deal".to_owned(),
        points,
        explanation: match deal {
            Some(d) => format!("{} running", d.badge.as_deref().unwrap_or("a deal")),
            None => "no deal badge".to_owned(),
        },
    }
}

/// The verdict: a fake sale first, then too little history, then by score.
fn verdict(score: u8, fake: bool, enough_history: bool) -> DealVerdict {
    if fake {
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
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::{Asin, Currency, DealDetails, Marketplace, Offer, Product, Reviews};

    fn product(offer: Offer) -> Product {
        let asin: Asin = "B0CHX1W1XY".parse().unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let mut p = Product::new(asin, Marketplace::India, "a phone", at);
        p.offers.push(offer);
        p
    }

    fn input(p: &Product) -> ScoreInput<'_> {
        ScoreInput {
            product: p,
            history: &[],
            now: Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap(),
        }
    }

    fn rupees(r: i64) -> Option<Money> {
        Some(Money::from_minor(r * 100, Currency::INR))
    }

    #[test]
    fn verdict_puts_fake_sales_and_short_history_before_the_score() {
        assert_eq!(verdict(99, true, true), DealVerdict::FakeSale);
        assert_eq!(verdict(99, false, false), DealVerdict::NotEnoughData);
        assert_eq!(verdict(85, false, true), DealVerdict::GreatDeal);
        assert_eq!(verdict(84, false, true), DealVerdict::GoodDeal);
        assert_eq!(verdict(70, false, true), DealVerdict::GoodDeal);
        assert_eq!(verdict(45, false, true), DealVerdict::Fair);
        assert_eq!(verdict(44, false, true), DealVerdict::Poor);
    }

    #[test]
    fn seller_part_adds_stock_and_seller_points() {
        let mut offer = Offer::new(rupees(100), Availability::InStock);
        offer.merchant.name = Some("Amazon Retail".to_owned());
        let p = product(offer);
        let part = seller_part(&input(&p));
        assert_eq!(part.points, 10);
        assert_eq!(part.explanation, "in stock; sold or fulfilled by Amazon");

        let mut offer = Offer::new(rupees(100), Availability::OutOfStock);
        offer.is_buy_box_winner = false;
        let p = product(offer);
        let part = seller_part(&input(&p));
        assert_eq!(part.points, 1);
        assert_eq!(part.explanation, "out of stock; seller unknown");
    }

    #[test]
    fn deal_part_counts_only_running_deals_and_lightning_most() {
        let now = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
        let deal = |badge: &str, ends_at| DealDetails {
            badge: Some(badge.to_owned()),
            access_type: None,
            starts_at: None,
            ends_at,
            percent_claimed: None,
        };
        let with = |d: Option<DealDetails>| {
            let mut offer = Offer::new(rupees(100), Availability::InStock);
            offer.deal = d;
            product(offer)
        };
        let p = with(Some(deal("Lightning Deal", Some(now + Duration::hours(1)))));
        assert_eq!(deal_part(&input(&p)).points, 10);
        let p = with(Some(deal("Limited time deal", None)));
        assert_eq!(deal_part(&input(&p)).points, 6);
        let p = with(Some(deal("Lightning Deal", Some(now - Duration::hours(1)))));
        let part = deal_part(&input(&p));
        assert_eq!(
            (part.points, part.explanation.as_str()),
            (0, "no deal badge")
        );
    }

    #[test]
    fn reviews_part_shrinks_few_ratings_toward_the_prior() {
        let s = ScorerSettings::default();
        let with = |rating_centi: u16, count: u32| {
            let mut p = product(Offer::new(rupees(100), Availability::InStock));
            p.reviews = Some(Reviews {
                rating_centi,
                count,
            });
            reviews_part(&input(&p), &s).points
        };
        // 5.0 from 3 ratings shrinks to about 4.09 → 11 points; from 3,000 ratings nearly 20.
        assert_eq!(with(500, 3), 11);
        assert_eq!(with(500, 3_000), 20);
        assert_eq!(with(300, 3_000), 0);
        let p = product(Offer::new(rupees(100), Availability::InStock));
        assert_eq!(reviews_part(&input(&p), &s).explanation, "no ratings yet");
    }

    #[test]
    fn parts_sum_to_the_score_and_percentages_use_bps() {
        let mut offer = Offer::new(rupees(800), Availability::InStock);
        offer.list_price = rupees(1_000);
        let p = product(offer);
        let score = HistoryScorer::default().score(&input(&p));
        let names: Vec<&str> = score.parts.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["history", "discount", "reviews", "seller", "deal"]);
        let sum: i32 = score.parts.iter().map(|x| x.points).sum();
        assert_eq!(i32::from(score.score), sum);
        assert_eq!(score.verdict, DealVerdict::NotEnoughData);
        assert_eq!(score.parts[1].explanation, "20% off MRP");
        assert_eq!(whole_percent(1_299), Bps(1_200));
    }
}
