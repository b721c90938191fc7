//! The `Scorer` port: rates how good a deal an offer is, with its reasons in words.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{PricePoint, Product};

/// The verdict of a deal score.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealVerdict {
    /// Among the best prices this product has had.
    GreatDeal,
    /// Clearly below its usual price.
    GoodDeal,
    /// About its usual price.
    Fair,
    /// Above its usual price.
    Poor,
    /// The "discount" rests on an MRP raised shortly before: not a real saving.
    FakeSale,
    /// Too little history to judge.
    NotEnoughData,
}

/// One part of a score, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorePart {
    /// The part (`history`, `discount`, `reviews`, `seller`, `deal`).
    pub name: String,
    /// Points this part contributed.
    pub points: i32,
    /// Why, in words.
    pub explanation: String,
}

/// A deal score from 0 to 100 with its parts explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealScore {
    /// 0 (bad) to 100 (best).
    pub score: u8,
    /// The verdict.
    pub verdict: DealVerdict,
    /// The parts that make up the score.
    pub parts: Vec<ScorePart>,
}

/// What a scorer looks at.
#[derive(Debug, Clone, Copy)]
pub struct ScoreInput<'a> {
    /// The product as just fetched.
    pub product: &'a Product,
    /// Its buy-box price history in time order.
    pub history: &'a [PricePoint],
    /// The moment of scoring.
    pub now: DateTime<Utc>,
}

/// Rates deals. Pure computation: implementations read no I/O and no clock.
///
/// # Example
///
/// A scorer that only looks at the discount from MRP (the built-in
/// `analytics::HistoryScorer` also weighs the price history and spots fake sales):
///
/// ```
/// use chrono::Utc;
/// use mandi_core::{
///     Asin, Availability, Currency, DealScore, DealVerdict, Marketplace, Money, Offer, Product,
///     ScoreInput, ScorePart, Scorer,
/// };
///
/// struct MrpOnly;
///
/// impl Scorer for MrpOnly {
///     fn score(&self, input: &ScoreInput<'_>) -> DealScore {
///         let off_bps = input.product.buy_box().and_then(Offer::discount_bps).unwrap_or(0);
///         let score = (off_bps / 100).clamp(0, 100) as u8;
///         DealScore {
///             score,
///             verdict: if score >= 40 { DealVerdict::GoodDeal } else { DealVerdict::Fair },
///             parts: vec![ScorePart {
///                 name: "discount".into(),
///                 points: i32::from(score),
///                 explanation: format!("{}% below MRP", off_bps / 100),
///             }],
///         }
///     }
/// }
///
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let mut p = Product::new(asin, Marketplace::India, "Phone", Utc::now());
/// let mut offer = Offer::new(Some(Money::from_major(12_000, Currency::INR)), Availability::InStock);
/// offer.list_price = Some(Money::from_major(20_000, Currency::INR));
/// p.offers.push(offer);
/// let s = MrpOnly.score(&ScoreInput { product: &p, history: &[], now: Utc::now() });
/// assert_eq!((s.score, s.verdict), (40, DealVerdict::GoodDeal));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Scorer: Send + Sync {
    /// Scores a product's current offer against its history.
    fn score(&self, input: &ScoreInput<'_>) -> DealScore;
}

impl<T: Scorer + ?Sized> Scorer for Arc<T> {
    fn score(&self, input: &ScoreInput<'_>) -> DealScore {
        (**self).score(input)
    }
}

impl<T: Scorer + ?Sized> Scorer for Box<T> {
    fn score(&self, input: &ScoreInput<'_>) -> DealScore {
        (**self).score(input)
    }
}

impl<T: Scorer + ?Sized> Scorer for &T {
    fn score(&self, input: &ScoreInput<'_>) -> DealScore {
        (**self).score(input)
    }
}
