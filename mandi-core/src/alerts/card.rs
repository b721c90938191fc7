//! The figures an alert's card shows ([`AlertCard`]): computed once, when the alert fires,
//! from the product and its buy-box history, and stored with the alert, so that delivering
//! or listing the alert recomputes no summary and no score.

use chrono::{DateTime, Duration, Utc};

use crate::analytics::{self, HistorySummary};
use crate::domain::{AlertCard, OfferKind, PricePoint, Product};
use crate::ports::{DealScore, ScoreInput, Scorer};

/// The window, in days, whose average price a card compares the alert's price with.
pub const CARD_AVERAGE_DAYS: u32 = 90;

/// The card of a product as a history report shows it: the MRP of its first offer, the
/// 90-day average of `summary` and the deal `score`. The one place that decides what a card
/// holds, for a card computed when the alert fired and for the fallback of an older alert.
pub fn card_from_report(
    product: Option<&Product>,
    summary: &HistorySummary,
    score: Option<&DealScore>,
) -> AlertCard {
    AlertCard {
        list_price: product
            .and_then(|p| p.offers.first())
            .and_then(|o| o.list_price),
        average_90d: summary
            .window(Some(CARD_AVERAGE_DAYS))
            .and_then(|w| w.average),
        score: score.map(|s| s.score),
        verdict: score.map(|s| s.verdict),
    }
}

/// The card of `product` just observed, given its stored buy-box history from before the
/// observation (`before`, in time order): the observation's own buy-box point is added, and
/// the history is analysed as of one second past the observation, exactly as a history
/// report made at that moment would.
pub fn card_at_observation(
    product: &Product,
    mut before: Vec<PricePoint>,
    scorer: Option<&dyn Scorer>,
) -> AlertCard {
    let at = product.fetched_at;
    before.retain(|p| p.at < at);
    before.extend(
        PricePoint::from_product(product)
            .into_iter()
            .filter(|p| p.offer_kind == OfferKind::BuyBox),
    );
    let as_of = at + Duration::seconds(1);
    card_of(product, &before, as_of, scorer)
}

fn card_of(
    product: &Product,
    points: &[PricePoint],
    as_of: DateTime<Utc>,
    scorer: Option<&dyn Scorer>,
) -> AlertCard {
    let summary = analytics::summarize(points, as_of);
    let score = scorer.map(|s| {
        s.score(&ScoreInput {
            product,
            history: points,
            now: as_of,
        })
    });
    card_from_report(Some(product), &summary, score.as_ref())
}
