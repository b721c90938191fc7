//! Calibration of the deal scorer against the sandbox oracle.
//!
//! The sandbox oracle knows, for every item and moment, the true offer: the price, the
//! regular price it would sell at without a sale or deal, whether a fake sale (MRP and price
//! raised before a "discount") is running, and which real sale or lightning deal is on. This
//! module simulates a tracker watching a sample of the catalogue — one observation every
//! `observe_every`, built straight from [`Oracle::offer`] into [`PricePoint`]s and
//! [`Product`]s, no HTTP — scores each product at many moments with a [`Scorer`], and counts
//! how the scorer's verdicts agree with the oracle's truth.
//!
//! Truths (from the oracle only; nothing here looks at what the scorer computes):
//! * **fake sale**: [`TrueOffer::fake_sale`] — a fake sale or its run-up (MRP and price
//!   raised before the "discount") is running at that moment. Predicted by
//!   `DealVerdict::FakeSale`.
//! * **good deal**: in stock, no fake sale, and the price is at least
//!   [`GOOD_DEAL_BPS`] below the oracle's regular price (only a real festival sale or a
//!   lightning deal brings it there). Predicted by a score ≥ 70 that is not a fake-sale
//!   verdict (`GoodDeal` or `GreatDeal`).
//!
//! Moments when the item is out of stock (no price to judge) are counted but not scored.

use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::{
    Asin, Availability, DataOrigin, DealDetails, DealVerdict, Marketplace, Money, Offer, OfferKind,
    PricePoint, Product, ScoreInput, Scorer,
};
use mandi_paapi::sandbox::{Catalog, Oracle, TrueOffer};

/// A good deal is a real price at least this far (basis points) below the regular price.
pub const GOOD_DEAL_BPS: i64 = 1_000;

/// Reviews + seller points from which an item counts as well rated (of 30).
pub const WELL_RATED_POINTS: i32 = 22;

/// What to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalibrationConfig {
    /// The sandbox catalogue seed.
    pub seed: u64,
    /// How many products, spread evenly over the catalogue.
    pub products: usize,
    /// The first scoring moment.
    pub start: DateTime<Utc>,
    /// How many days of scoring moments.
    pub days: i64,
    /// History observed before `start` (so the first scores have history behind them).
    pub warmup: Duration,
    /// Time between two observations of a product.
    pub observe_every: Duration,
    /// Time between two scoring moments of a product (a multiple of `observe_every`).
    pub score_every: Duration,
}

impl CalibrationConfig {
    /// The full run: 300 products, hourly observations, a score every 6 hours through 2026,
    /// after 120 days of warm-up history.
    pub fn full() -> Self {
        Self {
            seed: 1,
            products: 300,
            start: Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            days: 365,
            warmup: Duration::days(120),
            observe_every: Duration::hours(1),
            score_every: Duration::hours(6),
        }
    }

    /// A small run for tests: fewer products, 3-hourly observations, a score every 12
    /// hours, the same year.
    pub fn quick() -> Self {
        Self {
            products: 24,
            observe_every: Duration::hours(3),
            score_every: Duration::hours(12),
            ..Self::full()
        }
    }
}

/// Confusion counts of one binary verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confusion {
    /// Predicted and true.
    pub true_positive: u64,
    /// Predicted, not true.
    pub false_positive: u64,
    /// Not predicted, true.
    pub false_negative: u64,
    /// Neither.
    pub true_negative: u64,
}

impl Confusion {
    /// Counts one moment.
    pub fn add(&mut self, predicted: bool, truth: bool) {
        match (predicted, truth) {
            (true, true) => self.true_positive += 1,
            (true, false) => self.false_positive += 1,
            (false, true) => self.false_negative += 1,
            (false, false) => self.true_negative += 1,
        }
    }

    /// TP / (TP + FP); `None` when nothing was predicted.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.true_positive, self.true_positive + self.false_positive)
    }

    /// TP / (TP + FN); `None` when nothing was true.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.true_positive, self.true_positive + self.false_negative)
    }

    /// All moments counted.
    pub fn total(&self) -> u64 {
        self.true_positive + self.false_positive + self.false_negative + self.true_negative
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The oracle's state at a moment, for breaking errors down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OracleState {
    /// A fake sale or its run-up.
    FakeSale,
    /// A lightning deal (no fake sale).
    Lightning,
    /// A real festival sale (no lightning deal).
    RealSale,
    /// Regular pricing.
    Regular,
}

impl OracleState {
    fn of(offer: &TrueOffer) -> Self {
        use mandi_paapi::sandbox::DealKind;
        if offer.fake_sale {
            Self::FakeSale
        } else if offer
            .deal
            .as_ref()
            .is_some_and(|d| d.kind == DealKind::Lightning)
        {
            Self::Lightning
        } else if offer.sale.is_some() {
            Self::RealSale
        } else {
            Self::Regular
        }
    }

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            Self::FakeSale => "fake sale",
            Self::Lightning => "lightning deal",
            Self::RealSale => "real sale",
            Self::Regular => "regular",
        }
    }

    /// Every state, in display order.
    pub const ALL: [OracleState; 4] = [
        Self::FakeSale,
        Self::Lightning,
        Self::RealSale,
        Self::Regular,
    ];
}

/// The result of a calibration run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalibrationReport {
    /// Products simulated.
    pub products: usize,
    /// Moments scored (in stock).
    pub scored: u64,
    /// Moments skipped because the item was out of stock.
    pub out_of_stock: u64,
    /// The fake-sale verdict against the oracle's fake sales (sale and run-up).
    pub fake_sale: Confusion,
    /// The fake-sale verdict restricted to fake sales in their sale window (run-up
    /// moments excluded from the truth and from the counts).
    pub fake_sale_window_only: Confusion,
    /// "Good deal" (score ≥ 70, not fake) against the oracle's good deals.
    pub good_deal: Confusion,
    /// "Good deal" on well-rated items from a trusted seller only (the score's reviews and
    /// seller parts together ≥ [`WELL_RATED_POINTS`]): the part of the score the oracle's
    /// price-only truth does not see is held high, so this isolates the price judgement.
    pub good_deal_well_rated: Confusion,
    /// Moments per oracle state: (state, scored, fake-sale verdicts, good-deal verdicts).
    pub by_state: Vec<(OracleState, u64, u64, u64)>,
}

/// Builds the history point of one observation.
pub fn observe(offer: &TrueOffer) -> PricePoint {
    PricePoint {
        marketplace: Marketplace::India,
        asin: offer.asin,
        offer_kind: OfferKind::BuyBox,
        at: offer.at,
        price: offer.price,
        // The listing shows the MRP as its saving basis only when there is a saving.
        list_price: offer
            .price
            .filter(|p| p.minor() < offer.mrp.minor())
            .map(|_| offer.mrp),
        availability: offer.availability,
        deal_badge: offer.deal.as_ref().map(|d| d.badge.clone()),
        origin: DataOrigin::Api,
    }
}

/// Builds the product as just fetched at the offer's moment.
pub fn product(oracle: &Oracle, offer: &TrueOffer) -> Product {
    let title = oracle.catalog().title(offer.asin).unwrap_or("sandbox item");
    let mut product = Product::new(offer.asin, Marketplace::India, title, offer.at);
    let mut o = Offer::new(offer.price, offer.availability);
    let point = observe(offer);
    o.list_price = point.list_price;
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

/// The oracle's "good deal" truth at a moment.
pub fn is_good_deal(offer: &TrueOffer) -> bool {
    !offer.fake_sale
        && offer.price.is_some_and(|p: Money| {
            i128::from(p.minor()) * 10_000
                <= i128::from(offer.regular_price.minor()) * i128::from(10_000 - GOOD_DEAL_BPS)
        })
}

/// The products of a run: `n` buyable ASINs spread evenly over the catalogue.
pub fn sample(oracle: &Oracle, start: DateTime<Utc>, n: usize) -> Vec<Asin> {
    let all: Vec<Asin> = oracle
        .catalog()
        .asins()
        .filter(|a| oracle.offer(*a, start).is_some())
        .collect();
    if all.is_empty() || n == 0 {
        return Vec::new();
    }
    let step = (all.len() / n).max(1);
    all.into_iter().step_by(step).take(n).collect()
}

/// Runs a calibration.
pub fn run(config: &CalibrationConfig, scorer: &dyn Scorer) -> CalibrationReport {
    let oracle = Oracle::new(Catalog::for_seed(config.seed));
    let asins = sample(&oracle, config.start, config.products);
    let observe_secs = config.observe_every.num_seconds().max(60);
    let score_stride = (config.score_every.num_seconds() / observe_secs).max(1) as usize;
    let first = config.start - config.warmup;
    let end = config.start + Duration::days(config.days);
    let steps = ((end - first).num_seconds() / observe_secs).max(0) as usize;
    let warmup_steps = (config.warmup.num_seconds() / observe_secs).max(0) as usize;

    let mut report = CalibrationReport {
        products: asins.len(),
        ..CalibrationReport::default()
    };
    let mut states: Vec<(OracleState, u64, u64, u64)> =
        OracleState::ALL.iter().map(|s| (*s, 0, 0, 0)).collect();
    let mut history: Vec<PricePoint> = Vec::with_capacity(steps);
    for (index, asin) in asins.iter().enumerate() {
        history.clear();
        // Stagger the scoring hour per product so lightning deals (2–8 h) are sampled at
        // every time of day across the sample.
        let offset = index % score_stride;
        for step in 0..steps {
            let at = first + Duration::seconds(observe_secs * step as i64);
            let Some(offer) = oracle.offer(*asin, at) else {
                break;
            };
            history.push(observe(&offer));
            if step < warmup_steps || (step - warmup_steps) % score_stride != offset {
                continue;
            }
            if offer.price.is_none() || offer.availability == Availability::OutOfStock {
                report.out_of_stock += 1;
                continue;
            }
            let product = product(&oracle, &offer);
            let score = scorer.score(&ScoreInput {
                product: &product,
                history: &history,
                now: at + Duration::seconds(1),
            });
            let said_fake = score.verdict == DealVerdict::FakeSale;
            let said_good = matches!(
                score.verdict,
                DealVerdict::GoodDeal | DealVerdict::GreatDeal
            );
            report.scored += 1;
            report.fake_sale.add(said_fake, offer.fake_sale);
            let in_run_up = offer.fake_sale && offer.sale.is_none();
            if !in_run_up {
                report.fake_sale_window_only.add(said_fake, offer.fake_sale);
            }
            report.good_deal.add(said_good, is_good_deal(&offer));
            let quality: i32 = score
                .parts
                .iter()
                .filter(|p| p.name == "reviews" || p.name == "seller")
                .map(|p| p.points)
                .sum();
            if quality >= WELL_RATED_POINTS {
                report
                    .good_deal_well_rated
                    .add(said_good, is_good_deal(&offer));
            }
            let state = OracleState::of(&offer);
            if let Some(row) = states.iter_mut().find(|r| r.0 == state) {
                row.1 += 1;
                row.2 += u64::from(said_fake);
                row.3 += u64::from(said_good);
            }
        }
    }
    report.by_state = states;
    report
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_owned(), |v| format!("{:.3}", v))
}

/// The report as a Markdown fragment (the tables `docs/benchmarks.md` holds).
pub fn markdown(config: &CalibrationConfig, report: &CalibrationReport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} products (seed {}), observed every {} h from {} ({} days of warm-up), scored every {} h for {} days: {} moments scored, {} out-of-stock moments skipped.\n\n",
        report.products,
        config.seed,
        config.observe_every.num_hours(),
        (config.start - config.warmup).format("%Y-%m-%d"),
        config.warmup.num_days(),
        config.score_every.num_hours(),
        config.days,
        report.scored,
        report.out_of_stock,
    ));
    out.push_str("| verdict | TP | FP | FN | TN | precision | recall |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (name, c) in [
        ("fake sale (sale + run-up)", &report.fake_sale),
        (
            "fake sale (sale window only)",
            &report.fake_sale_window_only,
        ),
        ("good deal (score ≥ 70)", &report.good_deal),
        (
            "good deal, well-rated items from a trusted seller",
            &report.good_deal_well_rated,
        ),
    ] {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            name,
            c.true_positive,
            c.false_positive,
            c.false_negative,
            c.true_negative,
            pct(c.precision()),
            pct(c.recall())
        ));
    }
    out.push_str(
        "\n| oracle state | moments | said fake sale | said good deal |\n|---|---:|---:|---:|\n",
    );
    for (state, n, fake, good) in &report.by_state {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            state.name(),
            n,
            fake,
            good
        ));
    }
    out.push('\n');
    out
}
