//! Walk-forward backtest of the price-drop predictor on the sandbox's simulated years.
//!
//! A tracker watches a sample of the catalogue, observing each product every hour straight
//! from the [`Oracle`] (no HTTP). Every week it asks
//! [`predict_daily`](mandi_core::analytics::predict::predict_daily) whether the price will fall
//! by the asked percentage within the horizon, using only the history observed so far, and
//! [`advise`](mandi_core::analytics::predict::advise) whether to buy now or wait. Afterwards
//! the oracle's true prices say what happened: the event is a true in-stock price at or below
//! `price × (1 − drop)` at any hour of the horizon.
//!
//! Scores: the Brier score and its calibration table; the same for two baselines — "always buy
//! now" (a constant probability, the tuning seed's overall rate) and "wait for the next big
//! sale" (one rate when a sale starts within the horizon, another when none does, both from
//! the tuning seed) —; precision and recall of "wait"; and the money a follower saves against
//! buying at once. A follower of "wait" sets an alert at the target price and buys when the
//! price reaches it, or at the first in-stock price after the horizon when it never does; a
//! follower of "wait for the next big sale" buys on the first day of the next sale.

use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::analytics::HistoryScorer;
use mandi_core::analytics::forecast::{AdviceTally, CalibrationBin, ForecastTally, skill};
use mandi_core::analytics::predict::{
    DailyHistory, PredictSettings, Verdict, advise, predict_with_features,
};
use mandi_core::{
    Asin, DataOrigin, DealDetails, Marketplace, Offer, OfferKind, PricePoint, Product, ScoreInput,
    Scorer,
};
use serde::{Deserialize, Serialize};

use super::{Catalog, Oracle, TrueOffer};

/// Baseline probabilities, fitted on the tuning seed (see `docs/benchmarks.md`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BaselineRates {
    /// "Always buy now": one probability for every moment (the overall rate of a drop).
    pub overall: f64,
    /// "Wait for the next big sale": the rate when a sale starts within the horizon.
    pub sale_ahead: f64,
    /// … and when none does.
    pub no_sale_ahead: f64,
}

impl Default for BaselineRates {
    fn default() -> Self {
        Self {
            overall: 0.71,
            sale_ahead: 0.91,
            no_sale_ahead: 0.59,
        }
    }
}

/// What to backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestConfig {
    /// The sandbox catalogue seed.
    pub seed: u64,
    /// How many products, spread evenly over the catalogue.
    pub products: usize,
    /// Years of weekly predictions.
    pub years: u32,
    /// The first prediction moment.
    pub start: DateTime<Utc>,
    /// History observed before `start`, days.
    pub warmup_days: u32,
    /// Days between two predictions of a product.
    pub every_days: u32,
    /// Whether the advice also looks at the deal score (the scorer costs time).
    pub use_scorer: bool,
    /// The model.
    pub settings: PredictSettings,
    /// The baselines.
    pub baselines: BaselineRates,
    /// Whether the report keeps every prediction's stacking features and outcome
    /// ([`BacktestReport::rows`]), for fitting the stacking layer.
    #[serde(default)]
    pub keep_rows: bool,
}

impl BacktestConfig {
    /// The full run: `products` products of seed `seed`, weekly predictions for `years` years
    /// from 1 January 2026 after a year of history.
    pub fn new(seed: u64, products: usize, years: u32) -> Self {
        Self {
            seed,
            products,
            years,
            start: Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            warmup_days: 365,
            every_days: 7,
            use_scorer: true,
            settings: PredictSettings::default(),
            baselines: BaselineRates::default(),
            keep_rows: false,
        }
    }
}

/// Money outcomes of one strategy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Savings {
    /// Total saved against buying at once at every prediction moment (paise; negative: paid
    /// more).
    pub saved_paise: i64,
    /// Total spent buying at once (paise), the denominator for a percentage.
    pub buy_now_paise: i64,
    /// Purchases simulated.
    pub purchases: u64,
    /// Days waited in total before buying (0 for buying at once).
    pub days_waited: f64,
}

/// Observed rate of the event in one (sale phase, price level) cell of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRate {
    /// `none`, `ahead` or `during`.
    pub sale_phase: String,
    /// `low`, `usual` or `high`.
    pub price_level: String,
    /// Predictions in the cell.
    pub count: u64,
    /// Share whose event happened.
    pub observed: Option<f64>,
}

/// The result of a backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    /// The seed.
    pub seed: u64,
    /// Products simulated.
    pub products: usize,
    /// Years of predictions.
    pub years: u32,
    /// Predictions scored (in stock at the moment).
    pub predictions: u64,
    /// Moments skipped because the product was out of stock.
    pub out_of_stock: u64,
    /// Share of predictions whose event happened.
    pub base_rate: Option<f64>,
    /// The model's Brier score.
    pub brier: Option<f64>,
    /// "Always buy now" (a constant probability).
    pub buy_now_brier: Option<f64>,
    /// "Wait for the next big sale" (two rates).
    pub next_sale_brier: Option<f64>,
    /// "Always buy now" read literally as a forecast: probability 0 of a drop.
    pub buy_now_literal_brier: Option<f64>,
    /// "Wait for the next big sale" read literally: probability 1 when a sale starts within
    /// the horizon, else 0.
    pub next_sale_literal_brier: Option<f64>,
    /// A forecaster that knows the oracle's state ahead except the lightning-deal draws
    /// ([`Oracle::informed_drop_probability`]): an approximate floor for any forecast made
    /// from the price history.
    pub informed_brier: Option<f64>,
    /// The better of the two (fitted) baselines.
    pub baseline_brier: Option<f64>,
    /// Brier skill score against the better baseline.
    pub skill: Option<f64>,
    /// The model's calibration table.
    pub calibration: Vec<CalibrationBin>,
    /// "Wait" advice against whether the drop came.
    pub wait_precision: Option<f64>,
    /// Share of the drops that came where the advice was to wait.
    pub wait_recall: Option<f64>,
    /// Times the advice was to wait.
    pub wait_advised: u64,
    /// Following the advice.
    pub savings_paise: i64,
    /// Following the advice, in detail.
    pub advice_savings: Savings,
    /// Always waiting for the next big sale.
    pub next_sale_savings: Savings,
    /// Observed rate per model cell (what the priors are fitted from).
    pub cells: Vec<CellRate>,
    /// Observed rate when a sale starts within the horizon (for the baseline).
    pub observed_sale_ahead: Option<f64>,
    /// Observed rate when none does.
    pub observed_no_sale_ahead: Option<f64>,
    /// Every scored prediction's stacking features and whether the drop came, when the
    /// config asked to keep them.
    #[serde(skip)]
    pub rows: Vec<(Vec<f64>, bool)>,
}

fn observe(offer: &TrueOffer) -> PricePoint {
    PricePoint {
        marketplace: Marketplace::India,
        asin: offer.asin,
        offer_kind: OfferKind::BuyBox,
        at: offer.at,
        price: offer.price,
        list_price: offer
            .price
            .filter(|p| p.minor() < offer.mrp.minor())
            .map(|_| offer.mrp),
        availability: offer.availability,
        deal_badge: offer.deal.as_ref().map(|d| d.badge.clone()),
        origin: DataOrigin::Api,
    }
}

fn product(oracle: &Oracle, offer: &TrueOffer) -> Product {
    let title = oracle.catalog().title(offer.asin).unwrap_or("sandbox item");
    let mut product = Product::new(offer.asin, Marketplace::India, title, offer.at);
    let mut o = Offer::new(offer.price, offer.availability);
    o.list_price = observe(offer).list_price;
    if let Some((reviews, merchant)) = oracle.listing_facts(offer.asin) {
        o.merchant = merchant;
        product.reviews = Some(reviews);
    }
    o.deal = offer.deal.as_ref().map(|d| DealDetails {
        badge: Some(d.badge.clone()),
        access_type: Some(d.access_type.clone()),
        starts_at: Some(d.starts_at),
        ends_at: Some(d.ends_at),
        percent_claimed: d.percent_claimed,
    });
    product.offers.push(o);
    product
}

/// `n` buyable ASINs spread evenly over the catalogue.
pub fn sample(oracle: &Oracle, at: DateTime<Utc>, n: usize) -> Vec<Asin> {
    let all: Vec<Asin> = oracle
        .catalog()
        .asins()
        .filter(|a| oracle.offer(*a, at).is_some())
        .collect();
    if all.is_empty() || n == 0 {
        return Vec::new();
    }
    let step = (all.len() / n).max(1);
    all.into_iter().step_by(step).take(n).collect()
}

/// One prediction waiting for its outcome.
struct Pending {
    hour: usize,
    price: i64,
    probability: f64,
    wait: bool,
    cell: (usize, usize),
    sale_ahead: bool,
    informed: f64,
    features: Option<Vec<f64>>,
}

/// The first in-stock price at or after `hour`, and its hour (looking at most `limit` hours on), from the
/// hourly prices, falling back to the oracle past their end.
fn first_in_stock(
    oracle: &Oracle,
    asin: Asin,
    hourly: &[Option<i64>],
    first: DateTime<Utc>,
    hour: usize,
    limit: usize,
) -> Option<(i64, usize)> {
    (hour..hour + limit).find_map(|h| {
        match hourly.get(h) {
            Some(p) => *p,
            None => oracle
                .offer(asin, first + Duration::hours(h as i64))
                .and_then(|o| o.price)
                .map(|m| m.minor()),
        }
        .map(|p| (p, h))
    })
}

/// Runs a backtest.
pub fn run(config: &BacktestConfig) -> BacktestReport {
    let oracle = Oracle::new(Catalog::for_seed(config.seed));
    let asins = sample(&oracle, config.start, config.products);
    let settings = &config.settings;
    let horizon_hours = settings.horizon_days.max(1) as usize * 24;
    let first = config.start - Duration::days(i64::from(config.warmup_days));
    let warmup_hours = config.warmup_days as usize * 24;
    let predict_hours = config.years as usize * 365 * 24;
    let total_hours = warmup_hours + predict_hours + horizon_hours + 1;
    let every = config.every_days.max(1) as usize * 24;
    let scorer = HistoryScorer::default();
    let drop = i128::from(10_000 - settings.drop_bps.min(10_000));

    let mut model = ForecastTally::new();
    let mut buy_now = ForecastTally::new();
    let mut next_sale = ForecastTally::new();
    let mut buy_now_literal = ForecastTally::new();
    let mut next_sale_literal = ForecastTally::new();
    let mut informed = ForecastTally::new();
    let mut advice = AdviceTally::default();
    let mut advice_savings = Savings::default();
    let mut sale_savings = Savings::default();
    let mut cells = [[(0u64, 0u64); 3]; 3];
    let (mut ahead, mut not_ahead) = ((0u64, 0u64), (0u64, 0u64));
    let mut out_of_stock = 0u64;
    let mut rows: Vec<(Vec<f64>, bool)> = Vec::new();

    let sales = oracle.sales(
        first,
        first + Duration::hours(total_hours as i64 + 24 * 400),
    );

    let mut hourly: Vec<Option<i64>> = Vec::with_capacity(total_hours);
    let mut points: Vec<PricePoint> = Vec::new();
    for (index, asin) in asins.iter().enumerate() {
        hourly.clear();
        points.clear();
        let mut daily = DailyHistory::new();
        let mut pending: Vec<Pending> = Vec::new();
        let offset = (index * 7) % 24;
        for hour in 0..total_hours {
            let at = first + Duration::hours(hour as i64);
            let Some(offer) = oracle.offer(*asin, at) else {
                break;
            };
            let point = observe(&offer);
            hourly.push(offer.price.map(|m| m.minor()));
            daily.push(&point);
            if config.use_scorer {
                points.push(point);
            }
            if hour < warmup_hours
                || hour >= warmup_hours + predict_hours
                || (hour - warmup_hours) % every != offset
            {
                continue;
            }
            let Some(price) = offer.price.map(|m| m.minor()) else {
                out_of_stock += 1;
                continue;
            };
            let now = at + Duration::seconds(1);
            let (prediction, features) = predict_with_features(&daily, now, settings);
            let score = config.use_scorer.then(|| {
                scorer.score(&ScoreInput {
                    product: &product(&oracle, &offer),
                    history: &points,
                    now,
                })
            });
            let said = advise(&prediction, score.as_ref(), settings);
            let horizon_end = at + Duration::days(i64::from(settings.horizon_days));
            let sale_ahead = sales
                .iter()
                .any(|s| s.starts_at > at && s.starts_at <= horizon_end);
            pending.push(Pending {
                hour,
                price,
                probability: prediction.probability,
                wait: said.verdict == Verdict::Wait,
                cell: (
                    prediction.sale_phase as usize,
                    prediction.price_level.map_or(1, |l| l as usize),
                ),
                sale_ahead,
                informed: oracle
                    .informed_drop_probability(
                        *asin,
                        at,
                        ((i128::from(price) * drop) / 10_000) as i64,
                        settings.horizon_days,
                    )
                    .unwrap_or(0.5),
                features: features.filter(|_| config.keep_rows),
            });
        }
        for p in &pending {
            let target = i128::from(p.price) * drop;
            let window = &hourly
                [(p.hour + 1).min(hourly.len())..(p.hour + 1 + horizon_hours).min(hourly.len())];
            let hit = window
                .iter()
                .position(|x| x.is_some_and(|v| i128::from(v) * 10_000 <= target));
            let happened = hit.is_some();
            model.add(p.probability, happened);
            if let Some(f) = &p.features {
                rows.push((f.clone(), happened));
            }
            buy_now.add(config.baselines.overall, happened);
            next_sale.add(
                if p.sale_ahead {
                    config.baselines.sale_ahead
                } else {
                    config.baselines.no_sale_ahead
                },
                happened,
            );
            buy_now_literal.add(0.0, happened);
            informed.add(p.informed, happened);
            next_sale_literal.add(if p.sale_ahead { 1.0 } else { 0.0 }, happened);
            advice.add(p.wait, happened);
            let cell = &mut cells[p.cell.0.min(2)][p.cell.1.min(2)];
            cell.0 += 1;
            cell.1 += u64::from(happened);
            let tally = if p.sale_ahead {
                &mut ahead
            } else {
                &mut not_ahead
            };
            tally.0 += 1;
            tally.1 += u64::from(happened);

            // Following the advice.
            let paid = if !p.wait {
                Some((p.price, 0))
            } else if let Some(i) = hit {
                window[i].map(|v| (v, i + 1))
            } else {
                first_in_stock(
                    &oracle,
                    *asin,
                    &hourly,
                    first,
                    p.hour + horizon_hours + 1,
                    24 * 60,
                )
                .map(|(v, h)| (v, h - p.hour))
            };
            if let Some((paid, hours)) = paid {
                advice_savings.days_waited += hours as f64 / 24.0;
                advice_savings.saved_paise += p.price - paid;
                advice_savings.buy_now_paise += p.price;
                advice_savings.purchases += 1;
            }
            // Waiting for the next big sale (buy at once during one).
            let at = first + Duration::hours(p.hour as i64);
            let running = sales.iter().any(|s| s.starts_at <= at && at < s.ends_at);
            let paid = if running {
                Some((p.price, 0))
            } else {
                sales.iter().find(|s| s.starts_at > at).and_then(|s| {
                    let h = ((s.starts_at - first).num_hours().max(0) + 6) as usize;
                    first_in_stock(&oracle, *asin, &hourly, first, h, 24 * 60)
                        .map(|(v, h)| (v, h - p.hour))
                })
            };
            if let Some((paid, hours)) = paid {
                sale_savings.days_waited += hours as f64 / 24.0;
                sale_savings.saved_paise += p.price - paid;
                sale_savings.buy_now_paise += p.price;
                sale_savings.purchases += 1;
            }
        }
    }

    let brier = model.brier();
    let buy_now_brier = buy_now.brier();
    let next_sale_brier = next_sale.brier();
    let baseline_brier = match (buy_now_brier, next_sale_brier) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let phases = ["none", "ahead", "during"];
    let levels = ["low", "usual", "high"];
    let rate = |(n, k): (u64, u64)| (n > 0).then(|| k as f64 / n as f64);
    BacktestReport {
        seed: config.seed,
        products: asins.len(),
        years: config.years,
        predictions: model.count(),
        out_of_stock,
        base_rate: model.base_rate(),
        brier,
        buy_now_brier,
        next_sale_brier,
        buy_now_literal_brier: buy_now_literal.brier(),
        next_sale_literal_brier: next_sale_literal.brier(),
        informed_brier: informed.brier(),
        baseline_brier,
        skill: brier
            .zip(baseline_brier)
            .and_then(|(b, base)| skill(b, base)),
        calibration: model.calibration(),
        wait_precision: advice.precision(),
        wait_recall: advice.recall(),
        wait_advised: advice.true_positive + advice.false_positive,
        savings_paise: advice_savings.saved_paise,
        advice_savings,
        next_sale_savings: sale_savings,
        cells: phases
            .iter()
            .enumerate()
            .flat_map(|(i, ph)| {
                levels
                    .iter()
                    .enumerate()
                    .map(move |(j, lv)| (i, j, *ph, *lv))
            })
            .map(|(i, j, ph, lv)| CellRate {
                sale_phase: ph.to_owned(),
                price_level: lv.to_owned(),
                count: cells[i][j].0,
                observed: rate(cells[i][j]),
            })
            .collect(),
        observed_sale_ahead: rate(ahead),
        observed_no_sale_ahead: rate(not_ahead),
        rows,
    }
}
