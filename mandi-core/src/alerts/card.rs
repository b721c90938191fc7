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
        low_90d: summary
            .window(Some(CARD_AVERAGE_DAYS))
            .and_then(|w| w.lowest.as_ref())
            .map(|d| d.price),
        high_90d: summary
            .window(Some(CARD_AVERAGE_DAYS))
            .and_then(|w| w.highest.as_ref())
            .map(|d| d.price),
    }
}

/// What a deal announcement card says besides the price: savings in money (not only in
/// percent), the time left on a lightning deal, and where the price stands in its 90 days.
/// Computed by the library so every front-end announces a deal the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct DealAnnouncement {
    /// How much less than the price before the alert (when it fell).
    pub saving_vs_before: Option<crate::domain::Money>,
    /// How much below the 90-day average.
    pub saving_vs_average: Option<crate::domain::Money>,
    /// How much below the MRP (shown apart: MRPs are often inflated).
    pub saving_vs_mrp: Option<crate::domain::Money>,
    /// Time left on the buy box's lightning deal, when it has one that has not ended.
    pub lightning_left: Option<Duration>,
    /// How much of the lightning deal is claimed, in percent.
    pub lightning_claimed_percent: Option<u8>,
    /// The 90-day low and high.
    pub range_90d: Option<(crate::domain::Money, crate::domain::Money)>,
    /// True when the price is at (or under) its 90-day low.
    pub at_90d_low: bool,
}

/// The announcement of `alert` with its stored `card` and the `product` as now saved, at
/// `now`. Amounts in another currency than the alert's price are ignored.
pub fn deal_announcement(
    alert: &crate::domain::Alert,
    card: &AlertCard,
    product: Option<&Product>,
    now: DateTime<Utc>,
) -> DealAnnouncement {
    let Some(price) = alert.price else {
        return DealAnnouncement::default();
    };
    let below = |reference: Option<crate::domain::Money>| {
        reference
            .filter(|r| r.currency() == price.currency())
            .and_then(|r| r.checked_sub(price).ok())
            .filter(|d| d.minor() > 0)
    };
    let deal = product
        .and_then(Product::buy_box)
        .and_then(|o| o.deal.as_ref())
        .filter(|d| d.is_lightning());
    let lightning_left = deal
        .and_then(|d| d.ends_at)
        .map(|end| end - now)
        .filter(|left| *left > Duration::zero());
    let range_90d = match (card.low_90d, card.high_90d) {
        (Some(lo), Some(hi))
            if lo.currency() == price.currency() && hi.currency() == price.currency() =>
        {
            Some((lo, hi))
        }
        _ => None,
    };
    DealAnnouncement {
        saving_vs_before: alert.price_change().and_then(|(old, _)| below(Some(old))),
        saving_vs_average: below(card.average_90d),
        saving_vs_mrp: below(card.list_price),
        lightning_left,
        lightning_claimed_percent: lightning_left.and(deal.and_then(|d| d.percent_claimed)),
        range_90d,
        at_90d_low: range_90d.is_some_and(|(lo, _)| price.minor() <= lo.minor()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Alert, AlertId, AlertRule, Asin, Availability, Currency, DealDetails, Marketplace, Money,
        Offer, UserId, WatchId,
    };

    fn inr(rupees: i64) -> Money {
        Money::from_major(rupees, Currency::INR)
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minutes)
    }

    fn alert(previous: Option<i64>, price: Option<i64>) -> Alert {
        Alert {
            id: AlertId(1),
            user_id: UserId(1),
            watch_id: WatchId(1),
            marketplace: Marketplace::India,
            asin: "B0CX59H5W7".parse::<Asin>().expect("asin"),
            rule: AlertRule::AllTimeLow,
            price: price.map(inr),
            previous_price: previous.map(inr),
            availability: Availability::InStock,
            message: String::new(),
            triggered_at: at(0),
            dedupe_key: "k".into(),
            card: None,
        }
    }

    fn card() -> AlertCard {
        AlertCard {
            list_price: Some(inr(24_999)),
            average_90d: Some(inr(17_500)),
            score: Some(90),
            verdict: None,
            low_90d: Some(inr(15_999)),
            high_90d: Some(inr(19_999)),
        }
    }

    #[test]
    fn an_announcement_says_the_savings_in_money_and_where_the_price_stands() {
        let a = alert(Some(17_999), Some(15_999));
        let d = deal_announcement(&a, &card(), None, at(1));
        assert_eq!(d.saving_vs_before, Some(inr(2_000)));
        assert_eq!(d.saving_vs_average, Some(inr(1_501)));
        assert_eq!(d.saving_vs_mrp, Some(inr(9_000)));
        assert_eq!(d.range_90d, Some((inr(15_999), inr(19_999))));
        assert!(d.at_90d_low);
        assert_eq!(d.lightning_left, None);
        // A rise saves nothing, and no price announces nothing.
        let up = deal_announcement(&alert(Some(15_000), Some(18_000)), &card(), None, at(1));
        assert_eq!((up.saving_vs_before, up.saving_vs_average), (None, None));
        assert!(!up.at_90d_low);
        assert_eq!(
            deal_announcement(&alert(None, None), &card(), None, at(1)),
            DealAnnouncement::default()
        );
    }

    #[test]
    fn a_lightning_deal_has_its_time_left_until_it_ends() {
        let a = alert(Some(17_999), Some(15_999));
        let mut p = Product::new(a.asin, Marketplace::India, "Phone", at(0));
        let mut offer = Offer::new(Some(inr(15_999)), Availability::InStock);
        offer.deal = Some(DealDetails {
            badge: Some("Lightning Deal".into()),
            access_type: Some("ALL".into()),
            starts_at: Some(at(-60)),
            ends_at: Some(at(135)),
            percent_claimed: Some(63),
        });
        p.offers.push(offer);
        let d = deal_announcement(&a, &card(), Some(&p), at(0));
        assert_eq!(d.lightning_left, Some(Duration::minutes(135)));
        assert_eq!(d.lightning_claimed_percent, Some(63));
        // Once it has ended there is no countdown.
        let later = deal_announcement(&a, &card(), Some(&p), at(200));
        assert_eq!(
            (later.lightning_left, later.lightning_claimed_percent),
            (None, None)
        );
    }
}
