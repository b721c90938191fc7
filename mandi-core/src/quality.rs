//! The data-quality guard: every fetched observation is classified before it can trigger
//! anything.
//!
//! Sources glitch: a price of ₹1 for a laptop, a price a hundred times too low or ten times
//! too high, the title of another product under an ASIN, an out-of-stock offer that still
//! carries a price. The source adapters already turn a price ≤ 0, a wrong currency and
//! impossible decimals into an unknown price; [`QualityGuard`] is the next layer, between an
//! observation and the alert rules. It looks at the observation, the stored copy of the
//! product (its title) and the product's own history (its running aggregates and, when the
//! price moved, the window of recent prices a robust range needs) and says
//! [`Verdict::Ok`] or [`Verdict::Suspect`] with a [`SuspectReason`].
//!
//! A suspect observation is not thrown away and not believed either: the alert step stores
//! it in quarantine ([`crate::PriceUpdate::quarantine`]), where it advances no rule state,
//! fires no alert and stays out of every history, chart and analysis; a second read is made
//! at once (interactive priority when the monitor drives the reads). A second read that
//! [agrees](QualityGuard::agrees) confirms it (its points join the history and the alerts
//! fire once, from the confirming read); one that disagrees marks it rejected for good.
//!
//! # Examples
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use mandi_core::quality::{QualityGuard, SuspectReason, Verdict};
//! use mandi_core::{Asin, Availability, Currency, Marketplace, Money, Offer, Product};
//! let asin: Asin = "B0CX59H5W7".parse()?;
//! let at = Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap();
//! let mut product = Product::new(asin, Marketplace::India, "Phone", at);
//! let mut offer = Offer::new(Some(Money::from_major(54_999, Currency::INR)), Availability::InStock);
//! offer.list_price = Some(Money::from_major(49_999, Currency::INR));
//! product.offers.push(offer);
//! let guard = QualityGuard::default();
//! assert_eq!(
//!     guard.classify(&product, None, &[]),
//!     Verdict::Suspect(SuspectReason::MrpBelowPrice)
//! );
//! # Ok::<(), mandi_core::AsinError>(())
//! ```

pub mod listing;
pub mod report;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use statrs::statistics::{Data, Median};

use crate::domain::{Availability, BrowseNode, Currency, Money, OfferKind, PricePoint, Product};
use crate::ports::PriceStats;

/// Why an observation is suspect.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspectReason {
    /// The price is zero or negative.
    NonPositivePrice,
    /// The price is in another currency than the marketplace's.
    WrongCurrency,
    /// The price is outside what the product's category can cost (a ₹1 laptop).
    AbsurdForCategory,
    /// The price is far outside the product's own robust range (median and MAD of its
    /// recent prices).
    OutsideRobustRange,
    /// The MRP (list price) shown is below the price.
    MrpBelowPrice,
    /// The title turned into another product's.
    TitleChanged,
    /// The availability contradicts the offer (out of stock, yet a price to pay).
    AvailabilityContradictsOffer,
}

impl SuspectReason {
    /// Every reason, in the order the guard checks them.
    pub const ALL: [SuspectReason; 7] = [
        Self::WrongCurrency,
        Self::NonPositivePrice,
        Self::AvailabilityContradictsOffer,
        Self::MrpBelowPrice,
        Self::AbsurdForCategory,
        Self::TitleChanged,
        Self::OutsideRobustRange,
    ];

    /// A stable lower-case name, as stored and logged.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NonPositivePrice => "non_positive_price",
            Self::WrongCurrency => "wrong_currency",
            Self::AbsurdForCategory => "absurd_for_category",
            Self::OutsideRobustRange => "outside_robust_range",
            Self::MrpBelowPrice => "mrp_below_price",
            Self::TitleChanged => "title_changed",
            Self::AvailabilityContradictsOffer => "availability_contradicts_offer",
        }
    }

    /// Parses [`SuspectReason::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for SuspectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the guard says about one observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing looks wrong: the observation may trigger alerts.
    Ok,
    /// Something looks wrong: hold it until a second read confirms it.
    Suspect(SuspectReason),
}

impl Verdict {
    /// True for [`Verdict::Suspect`].
    pub fn is_suspect(self) -> bool {
        matches!(self, Self::Suspect(_))
    }
}

/// What a price in a category can be: a product in a browse node with this name (or below
/// one) priced outside `min..=max` is absurd.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryBounds {
    /// The browse node's name, compared without regard to case (`Laptops`).
    pub node_name: String,
    /// The lowest believable price.
    pub min: Money,
    /// The highest believable price.
    pub max: Money,
}

impl CategoryBounds {
    /// Bounds in rupees for a node name.
    pub fn inr(node_name: &str, min_rupees: i64, max_rupees: i64) -> Self {
        Self {
            node_name: node_name.to_owned(),
            min: Money::from_major(min_rupees, Currency::INR),
            max: Money::from_major(max_rupees, Currency::INR),
        }
    }

    /// True when `node` (or one of its ancestors) carries this bound's name.
    fn covers(&self, node: &BrowseNode) -> bool {
        node.name.eq_ignore_ascii_case(&self.node_name)
            || node
                .ancestors
                .iter()
                .any(|a| a.name.eq_ignore_ascii_case(&self.node_name))
    }
}

/// The guard's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardConfig {
    /// A price is outside the robust range when its log distance from the median log price
    /// exceeds this many robust standard deviations (1.4826 × MAD)…
    pub robust_k: f64,
    /// …and also exceeds this price ratio (3.0: a third of the median or three times it),
    /// so that a real festival sale on a calm product is not suspect.
    pub min_ratio: f64,
    /// The robust range is only used with at least this many known prices in the window.
    pub min_points: usize,
    /// How far back the robust range looks.
    pub window: Duration,
    /// A title whose word overlap (Dice coefficient) with the stored one is below this is
    /// another product's.
    pub min_title_similarity: f64,
    /// Two reads agree when their prices differ by at most this many basis points.
    pub agree_bps: i64,
    /// Category bounds, the first matching one applies (products in no listed category are
    /// only checked for a price ≤ 0).
    pub categories: Vec<CategoryBounds>,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            robust_k: 5.0,
            min_ratio: 3.0,
            min_points: 5,
            window: Duration::days(30),
            min_title_similarity: 0.3,
            agree_bps: 100,
            categories: vec![
                CategoryBounds::inr("Laptops", 8_000, 1_000_000),
                CategoryBounds::inr("Smartphones", 2_000, 300_000),
                CategoryBounds::inr("Televisions", 4_000, 2_000_000),
                CategoryBounds::inr("Refrigerators", 5_000, 500_000),
                CategoryBounds::inr("Washing Machines", 5_000, 500_000),
                CategoryBounds::inr("Appliances", 200, 1_000_000),
                CategoryBounds::inr("Electronics", 50, 2_000_000),
                CategoryBounds::inr("Books", 20, 50_000),
                CategoryBounds::inr("Grocery & Gourmet Foods", 5, 50_000),
            ],
        }
    }
}

/// A product's robust price range: the median of its recent log prices and their median
/// absolute deviation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RobustRange {
    /// Median of the natural logs of the prices.
    pub median_ln: f64,
    /// Median absolute deviation of the logs from that median.
    pub mad_ln: f64,
    /// How many prices it was computed from.
    pub points: usize,
}

impl RobustRange {
    /// The range of `prices` (all of one currency); `None` when there are none.
    pub fn of(prices: &[Money]) -> Option<Self> {
        let logs: Vec<f64> = prices
            .iter()
            .filter(|m| m.minor() > 0)
            .map(|m| (m.minor() as f64).ln())
            .collect();
        if logs.is_empty() {
            return None;
        }
        let points = logs.len();
        let median_ln = Data::new(logs.clone()).median();
        let deviations: Vec<f64> = logs.iter().map(|l| (l - median_ln).abs()).collect();
        let mad_ln = Data::new(deviations).median();
        Some(Self {
            median_ln,
            mad_ln,
            points,
        })
    }

    /// The median price, in minor units.
    pub fn median_minor(&self) -> i64 {
        self.median_ln.exp().round() as i64
    }

    /// True when `price` is more than `k` robust deviations and more than `min_ratio` away
    /// from the median.
    pub fn excludes(&self, price: Money, k: f64, min_ratio: f64) -> bool {
        if price.minor() <= 0 {
            return true;
        }
        let distance = ((price.minor() as f64).ln() - self.median_ln).abs();
        let tolerance = (k * 1.4826 * self.mad_ln).max(min_ratio.max(1.0).ln());
        distance > tolerance
    }
}

/// Word overlap of two titles (Dice coefficient over lower-cased alphanumeric words), from 0
/// (nothing in common) to 1 (the same words).
pub fn title_similarity(a: &str, b: &str) -> f64 {
    let words = |s: &str| -> BTreeSet<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() && wb.is_empty() {
        return 1.0;
    }
    let common = wa.intersection(&wb).count();
    2.0 * common as f64 / (wa.len() + wb.len()) as f64
}

/// Classifies observations (see the [module docs](self)).
#[derive(Debug, Clone, Default)]
pub struct QualityGuard {
    config: GuardConfig,
}

impl QualityGuard {
    /// A guard with these settings.
    pub fn new(config: GuardConfig) -> Self {
        Self { config }
    }

    /// The settings.
    pub fn config(&self) -> &GuardConfig {
        &self.config
    }

    /// True when classifying `product` needs the window of recent prices: its buy-box
    /// price is known and differs from the last accepted one in `stats` (a price equal to
    /// the last accepted one is inside the range by definition).
    pub fn needs_window(&self, product: &Product, stats: Option<&PriceStats>) -> bool {
        let Some(price) = product.price() else {
            return false;
        };
        stats
            .and_then(|s| s.last_price)
            .is_some_and(|(_, last)| last != price)
    }

    /// Where the window of recent prices starts for an observation made at `at`.
    pub fn window_since(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        at - self.config.window
    }

    /// Classifies an observation: `previous` is the stored copy of the product (for its
    /// title), `recent` its accepted buy-box points of the window (any order; others are
    /// ignored; empty when [`QualityGuard::needs_window`] said no).
    pub fn classify(
        &self,
        product: &Product,
        previous: Option<&Product>,
        recent: &[PricePoint],
    ) -> Verdict {
        match self.first_reason(product, previous, recent) {
            Some(reason) => Verdict::Suspect(reason),
            None => Verdict::Ok,
        }
    }

    fn first_reason(
        &self,
        product: &Product,
        previous: Option<&Product>,
        recent: &[PricePoint],
    ) -> Option<SuspectReason> {
        let offer = product.buy_box();
        let price = offer.and_then(|o| o.price);
        let currency = product.marketplace.currency();
        if let Some(p) = price {
            if p.currency() != currency {
                return Some(SuspectReason::WrongCurrency);
            }
            if p.minor() <= 0 {
                return Some(SuspectReason::NonPositivePrice);
            }
        }
        if let (Some(o), Some(_)) = (offer, price)
            && o.availability == Availability::OutOfStock
        {
            return Some(SuspectReason::AvailabilityContradictsOffer);
        }
        if let (Some(p), Some(mrp)) = (price, offer.and_then(|o| o.list_price))
            && mrp.currency() == p.currency()
            && mrp.minor() < p.minor()
        {
            return Some(SuspectReason::MrpBelowPrice);
        }
        if let Some(p) = price
            && let Some(bounds) = self.bounds_of(product, previous)
            && bounds.min.currency() == p.currency()
            && (p.minor() < bounds.min.minor() || p.minor() > bounds.max.minor())
        {
            return Some(SuspectReason::AbsurdForCategory);
        }
        if let Some(prev) = previous
            && !prev.title.trim().is_empty()
            && !product.title.trim().is_empty()
            && title_similarity(&prev.title, &product.title) < self.config.min_title_similarity
        {
            return Some(SuspectReason::TitleChanged);
        }
        if let Some(p) = price {
            let prices: Vec<Money> = recent
                .iter()
                .filter(|pt| {
                    pt.asin == product.asin
                        && pt.offer_kind == OfferKind::BuyBox
                        && pt.at < product.fetched_at
                        && pt.at >= self.window_since(product.fetched_at)
                })
                .filter_map(|pt| pt.price)
                .filter(|m| m.currency() == p.currency())
                .collect();
            if prices.len() >= self.config.min_points
                && let Some(range) = RobustRange::of(&prices)
                && range.excludes(p, self.config.robust_k, self.config.min_ratio)
            {
                return Some(SuspectReason::OutsideRobustRange);
            }
        }
        None
    }

    /// The bounds of the product's category: the first configured one whose name is one
    /// of the product's browse nodes or their ancestors (the stored copy's nodes when the
    /// fresh one has none).
    fn bounds_of(&self, product: &Product, previous: Option<&Product>) -> Option<&CategoryBounds> {
        let nodes = if product.browse_nodes.is_empty() {
            previous.map_or(&[][..], |p| &p.browse_nodes[..])
        } else {
            &product.browse_nodes[..]
        };
        if nodes.is_empty() {
            return None;
        }
        self.config
            .categories
            .iter()
            .find(|b| nodes.iter().any(|n| b.covers(n)))
    }

    /// True when a second read `fresh` confirms the held (suspect) read `held`: the same
    /// availability, the same currency and a price within [`GuardConfig::agree_bps`] (both
    /// unknown counts as the same), and titles of the same product.
    pub fn agrees(&self, held: &Product, fresh: &Product) -> bool {
        if held.availability() != fresh.availability() {
            return false;
        }
        let prices = match (held.price(), fresh.price()) {
            (None, None) => true,
            (Some(a), Some(b)) if a.currency() == b.currency() => {
                let diff = i128::from((a.minor() - b.minor()).abs());
                diff * 10_000 <= i128::from(a.minor().abs()) * i128::from(self.config.agree_bps)
            }
            _ => false,
        };
        prices && title_similarity(&held.title, &fresh.title) >= self.config.min_title_similarity
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{Asin, BrowseNodeRef, DataOrigin, Marketplace, Offer};

    const IN: Marketplace = Marketplace::India;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn asin() -> Asin {
        "B0CX59H5W7".parse().unwrap()
    }

    fn laptop(rupees: i64, h: i64) -> Product {
        let mut p = Product::new(
            asin(),
            IN,
            "ASUS Vivobook 15 Intel Core i5 16GB 512GB",
            at(h),
        );
        p.offers.push(Offer::new(
            Some(Money::from_major(rupees, Currency::INR)),
            Availability::InStock,
        ));
        p.browse_nodes.push(BrowseNode {
            id: "1375424031".to_owned(),
            name: "Laptops".to_owned(),
            context_free_name: None,
            is_root: false,
            ancestors: vec![BrowseNodeRef {
                id: "976392031".to_owned(),
                name: "Computers & Accessories".to_owned(),
            }],
            children: Vec::new(),
            sales_rank: None,
        });
        p
    }

    fn history(prices: &[i64]) -> Vec<PricePoint> {
        prices
            .iter()
            .enumerate()
            .map(|(i, r)| PricePoint {
                marketplace: IN,
                asin: asin(),
                offer_kind: OfferKind::BuyBox,
                at: at(i as i64 - 200),
                price: Some(Money::from_major(*r, Currency::INR)),
                list_price: None,
                availability: Availability::InStock,
                deal_badge: None,
                origin: DataOrigin::Api,
            })
            .collect()
    }

    fn calm() -> Vec<PricePoint> {
        history(&[
            54_999, 55_499, 54_499, 54_999, 53_999, 54_999, 55_999, 54_999, 54_499, 54_999,
        ])
    }

    #[test]
    fn an_ordinary_observation_is_ok() {
        let guard = QualityGuard::default();
        let p = laptop(52_999, 0);
        assert_eq!(
            guard.classify(&p, Some(&laptop(54_999, -1)), &calm()),
            Verdict::Ok
        );
    }

    #[test]
    fn a_price_of_zero_or_below_is_suspect() {
        let guard = QualityGuard::default();
        for minor in [0, -100] {
            let mut p = laptop(1, 0);
            p.offers[0].price = Some(Money::from_minor(minor, Currency::INR));
            assert_eq!(
                guard.classify(&p, None, &[]),
                Verdict::Suspect(SuspectReason::NonPositivePrice)
            );
        }
    }

    #[test]
    fn a_price_in_another_currency_is_suspect() {
        let guard = QualityGuard::default();
        let mut p = laptop(1, 0);
        p.offers[0].price = Some(Money::from_major(600, Currency::USD));
        assert_eq!(
            guard.classify(&p, None, &[]),
            Verdict::Suspect(SuspectReason::WrongCurrency)
        );
    }

    #[test]
    fn a_one_rupee_laptop_is_absurd_for_its_category() {
        let guard = QualityGuard::default();
        // No history at all: the category alone catches it.
        assert_eq!(
            guard.classify(&laptop(1, 0), None, &[]),
            Verdict::Suspect(SuspectReason::AbsurdForCategory)
        );
        assert_eq!(
            guard.classify(&laptop(5_000_000, 0), None, &[]),
            Verdict::Suspect(SuspectReason::AbsurdForCategory)
        );
        // The same price in a category without bounds is not absurd.
        let mut p = laptop(1, 0);
        p.browse_nodes.clear();
        assert_eq!(guard.classify(&p, None, &[]), Verdict::Ok);
        // The stored copy's category counts when the fresh one has none.
        assert_eq!(
            guard.classify(&p, Some(&laptop(54_999, -1)), &[]),
            Verdict::Suspect(SuspectReason::AbsurdForCategory)
        );
    }

    #[test]
    fn a_price_far_outside_the_products_own_range_is_suspect() {
        let guard = QualityGuard::default();
        let prev = laptop(54_999, -1);
        // A hundredth of the real price, and ten times it.
        assert_eq!(
            guard.classify(&laptop(549, 0), Some(&prev), &calm()),
            Verdict::Suspect(SuspectReason::AbsurdForCategory),
            "below the laptop floor first"
        );
        let mut cheap = laptop(549, 0);
        cheap.browse_nodes.clear();
        let mut uncategorised = prev.clone();
        uncategorised.browse_nodes.clear();
        assert_eq!(
            guard.classify(&cheap, Some(&uncategorised), &calm()),
            Verdict::Suspect(SuspectReason::OutsideRobustRange)
        );
        assert_eq!(
            guard.classify(&laptop(549_990, 0), Some(&prev), &calm()),
            Verdict::Suspect(SuspectReason::OutsideRobustRange)
        );
        // A real festival sale (40 % off) is inside the range.
        assert_eq!(
            guard.classify(&laptop(32_999, 0), Some(&prev), &calm()),
            Verdict::Ok
        );
        // Too little history: no range is claimed.
        assert_eq!(
            guard.classify(&cheap, Some(&uncategorised), &calm()[..3]),
            Verdict::Ok
        );
        // Points outside the window do not count.
        let old: Vec<PricePoint> = calm()
            .into_iter()
            .map(|mut p| {
                p.at -= Duration::days(60);
                p
            })
            .collect();
        assert_eq!(
            guard.classify(&cheap, Some(&uncategorised), &old),
            Verdict::Ok
        );
    }

    #[test]
    fn the_robust_range_follows_a_volatile_product() {
        // A product whose price swings widely tolerates wider moves.
        let swings = history(&[
            1_000, 2_900, 1_100, 2_700, 1_000, 3_000, 1_200, 2_800, 1_000, 2_900,
        ]);
        let range = RobustRange::of(
            &swings
                .iter()
                .filter_map(|p| p.price)
                .collect::<Vec<Money>>(),
        )
        .unwrap();
        assert_eq!(range.points, 10);
        assert!(!range.excludes(Money::from_major(350, Currency::INR), 5.0, 3.0));
        assert!(range.excludes(Money::from_major(10, Currency::INR), 5.0, 3.0));
        assert!(range.excludes(Money::from_minor(0, Currency::INR), 5.0, 3.0));
        assert!(RobustRange::of(&[]).is_none());
    }

    #[test]
    fn an_mrp_below_the_price_is_suspect() {
        let guard = QualityGuard::default();
        let mut p = laptop(54_999, 0);
        p.offers[0].list_price = Some(Money::from_major(49_999, Currency::INR));
        assert_eq!(
            guard.classify(&p, None, &[]),
            Verdict::Suspect(SuspectReason::MrpBelowPrice)
        );
        p.offers[0].list_price = Some(Money::from_major(59_999, Currency::INR));
        assert_eq!(guard.classify(&p, None, &[]), Verdict::Ok);
    }

    #[test]
    fn a_title_of_another_product_is_suspect() {
        let guard = QualityGuard::default();
        let prev = laptop(54_999, -1);
        let mut p = laptop(54_999, 0);
        p.title = "Aashirvaad Shudh Chakki Whole Wheat Atta 5 kg".to_owned();
        assert_eq!(
            guard.classify(&p, Some(&prev), &[]),
            Verdict::Suspect(SuspectReason::TitleChanged)
        );
        // A reworded title of the same product is fine.
        p.title = "ASUS Vivobook 15 (2026) Intel Core i5-1235U 16GB RAM 512GB SSD".to_owned();
        assert_eq!(guard.classify(&p, Some(&prev), &[]), Verdict::Ok);
        assert!(title_similarity("a b c", "a b c") > 0.99);
        assert!(title_similarity("a b", "c d") < 0.01);
    }

    #[test]
    fn an_out_of_stock_offer_with_a_price_is_suspect() {
        let guard = QualityGuard::default();
        let mut p = laptop(54_999, 0);
        p.offers[0].availability = Availability::OutOfStock;
        assert_eq!(
            guard.classify(&p, None, &[]),
            Verdict::Suspect(SuspectReason::AvailabilityContradictsOffer)
        );
        p.offers[0].price = None;
        assert_eq!(guard.classify(&p, None, &[]), Verdict::Ok);
    }

    #[test]
    fn the_window_is_needed_only_when_the_price_moved() {
        let guard = QualityGuard::default();
        let stats = PriceStats::of(&calm()).unwrap();
        assert!(!guard.needs_window(&laptop(54_999, 0), Some(&stats)));
        assert!(guard.needs_window(&laptop(549, 0), Some(&stats)));
        assert!(!guard.needs_window(&laptop(549, 0), None));
    }

    #[test]
    fn a_second_read_agrees_only_on_the_same_offer() {
        let guard = QualityGuard::default();
        let held = laptop(549, 0);
        assert!(guard.agrees(&held, &laptop(549, 0)));
        assert!(guard.agrees(&held, &{
            let mut p = laptop(549, 0);
            p.offers[0].price = Some(Money::from_minor(54_950, Currency::INR));
            p
        }));
        assert!(!guard.agrees(&held, &laptop(54_999, 0)));
        let mut out = laptop(549, 0);
        out.offers[0].availability = Availability::OutOfStock;
        assert!(!guard.agrees(&held, &out));
        let mut other = laptop(549, 0);
        other.title = "Aashirvaad Atta 5 kg".to_owned();
        assert!(!guard.agrees(&held, &other));
    }

    #[test]
    fn reasons_round_trip_through_their_names() {
        for r in SuspectReason::ALL {
            assert_eq!(SuspectReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(SuspectReason::parse("bogus"), None);
    }
}
