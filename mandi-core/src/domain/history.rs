//! Price history points.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Asin, Availability, DataOrigin, Marketplace, Money, OfferKind, Product};

/// One observation of a product's price and stock at a moment.
///
/// A `price` of `None` is a gap (unknown), never zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricePoint {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// Which offer the price belongs to.
    pub offer_kind: OfferKind,
    /// When it was observed.
    pub at: DateTime<Utc>,
    /// The price; `None` when unknown.
    pub price: Option<Money>,
    /// The list price (MRP) shown at that moment, if any.
    pub list_price: Option<Money>,
    /// Stock at that moment.
    pub availability: Availability,
    /// The deal badge shown at that moment, if any.
    pub deal_badge: Option<String>,
    /// Where the observation came from.
    pub origin: DataOrigin,
}

impl PricePoint {
    /// The points a fetched product contributes to history: one per offer kind, the buy box
    /// first; of the other sellers' offers of one kind the cheapest priced one is kept (the
    /// first when none is priced).
    pub fn from_product(product: &Product) -> Vec<PricePoint> {
        let mut points: Vec<PricePoint> = Vec::new();
        let buy_box = product.buy_box();
        let ordered = buy_box
            .into_iter()
            .chain(product.offers.iter().filter(|o| Some(*o) != buy_box));
        for offer in ordered {
            let kind = offer.kind();
            let seen = points.iter().position(|p| p.offer_kind == kind);
            if let Some(i) = seen {
                // The buy box's own point (always the first) is never replaced.
                let from_buy_box = i == 0 && buy_box.is_some();
                let cheaper = match (offer.price, points[i].price) {
                    (Some(new), Some(old)) => {
                        new.currency() == old.currency() && new.minor() < old.minor()
                    }
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                if from_buy_box || !cheaper {
                    continue;
                }
            }
            let point = PricePoint {
                marketplace: product.marketplace,
                asin: product.asin,
                offer_kind: kind,
                at: product.fetched_at,
                price: offer.price,
                list_price: offer.list_price,
                availability: offer.availability,
                deal_badge: offer.deal.as_ref().and_then(|d| d.badge.clone()),
                origin: product.origin,
            };
            match seen {
                Some(i) => points[i] = point,
                None => points.push(point),
            }
        }
        if points.is_empty() {
            points.push(PricePoint {
                marketplace: product.marketplace,
                asin: product.asin,
                offer_kind: OfferKind::BuyBox,
                at: product.fetched_at,
                price: None,
                list_price: None,
                availability: Availability::Unknown,
                deal_badge: None,
                origin: product.origin,
            });
        }
        points
    }
}
