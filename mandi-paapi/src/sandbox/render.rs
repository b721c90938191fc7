//! Builds API replies from the catalogue and the oracle.
//!
//! Replies are built once, in the Creators API's lowerCamelCase structs
//! ([`crate::creators::model`]); PA-API 5.0 replies are the same JSON with its keys turned
//! to PascalCase ([`to_pascal`]), the one spelling difference between the two APIs.

use chrono::{DateTime, Utc};
use mandi_core::{Availability, Marketplace, Money};
use serde_json::Value;

use super::catalog::Catalog;
use super::catalog::model::{Item, SELLERS};
use super::faults::GlitchKind;
use super::oracle::{DealKind, Oracle, ServedGlitch, TrueOffer};
use crate::creators::model as m;
use crate::creators::wire::{availability_type, condition_name, format_deal_time};
use crate::transport::Decimal;

/// Which resources a request asked for (lower-cased, so both spellings match).
#[derive(Debug, Clone, Default)]
pub(crate) struct Resources(Vec<String>);

impl Resources {
    pub(crate) fn new(list: &[String]) -> Self {
        Self(list.iter().map(|r| r.to_ascii_lowercase()).collect())
    }

    /// True when a resource equal to `name` or under it (`name.…`) was asked for.
    pub(crate) fn has(&self, name: &str) -> bool {
        // Asked for every field of every item of a reply: compared in place, no allocation.
        self.0.iter().any(|r| {
            r.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
                && matches!(r.as_bytes().get(name.len()), None | Some(b'.'))
        })
    }
}

/// The resource roots both APIs know; anything else is rejected as the real APIs do.
pub(crate) const RESOURCE_ROOTS: &[&str] = &[
    "browsenodeinfo.",
    "browsenodes.",
    "customerreviews.",
    "images.",
    "iteminfo.",
    "offers.",
    "offersv2.",
    "parentasin",
    "searchrefinements",
    "variationsummary.",
];

/// The first resource that is not one of the known ones.
pub(crate) fn unknown_resource(list: &[String]) -> Option<&String> {
    list.iter().find(|r| {
        let lower = r.to_ascii_lowercase();
        !RESOURCE_ROOTS.iter().any(|root| lower.starts_with(root))
    })
}

pub(crate) fn money(m: Money) -> m::MoneyAmount {
    m::MoneyAmount {
        amount: Some(Decimal::from(m)),
        currency: Some(m.currency().code().to_owned()),
        display_amount: Some(m.to_string()),
    }
}

fn text(value: impl Into<String>, label: &str, locale: &str) -> m::DisplayValue {
    m::DisplayValue {
        display_value: Some(value.into()),
        label: Some(label.to_owned()),
        locale: Some(locale.to_owned()),
    }
}

/// The locale of the catalogue's texts in a marketplace: they are English everywhere, so
/// amazon.de serves them as `en_GB` (one of its languages of preference).
pub(crate) fn content_locale(marketplace: Marketplace) -> &'static str {
    match marketplace {
        Marketplace::India => "en_IN",
        Marketplace::UnitedStates => "en_US",
        _ => "en_GB",
    }
}

/// The label of the saving basis (the list price) a marketplace's offers show.
fn saving_basis_label(marketplace: Marketplace) -> &'static str {
    match marketplace {
        Marketplace::India => "M.R.P.:",
        Marketplace::UnitedStates => "List Price:",
        Marketplace::Germany => "UVP:",
        _ => "RRP:",
    }
}

/// A browse node in the reply shape, with its ancestry ladder.
pub(crate) fn browse_node(
    catalog: &Catalog,
    index: usize,
    sales_rank: Option<u32>,
    with_ancestors: bool,
    with_children: bool,
) -> m::BrowseNodeData {
    let tree = &catalog.tree;
    let domain = tree.browse_node(index, sales_rank);
    let mut ancestor: Option<Box<m::BrowseNodeAncestor>> = None;
    if with_ancestors {
        for a in domain.ancestors.iter().rev() {
            ancestor = Some(Box::new(m::BrowseNodeAncestor {
                id: a.id.clone(),
                display_name: Some(a.name.clone()),
                context_free_name: Some(a.name.clone()),
                ancestor,
            }));
        }
    }
    m::BrowseNodeData {
        id: domain.id,
        display_name: Some(domain.name),
        context_free_name: domain.context_free_name,
        is_root: Some(domain.is_root),
        sales_rank,
        ancestor,
        children: with_children.then(|| {
            domain
                .children
                .into_iter()
                .map(|c| m::BrowseNodeChild {
                    id: c.id,
                    display_name: Some(c.name.clone()),
                    context_free_name: Some(c.name),
                })
                .collect()
        }),
    }
}

/// The OffersV2 listing of a true offer.
pub(crate) fn listing(
    item: &Item,
    offer: &TrueOffer,
    r: &Resources,
    marketplace: Marketplace,
) -> m::Listing {
    let seller = SELLERS[item.merchant.min(SELLERS.len() - 1)];
    let price = offer.price.map(|p| {
        let saving = (offer.mrp.minor() > p.minor()).then(|| {
            let amount = Money::from_minor(offer.mrp.minor() - p.minor(), p.currency());
            m::SavingsData {
                money: Some(money(amount)),
                percentage: offer.discount_percent().map(u32::from),
            }
        });
        m::ListingPrice {
            money: Some(money(p)),
            price_per_unit: None,
            saving_basis: saving.as_ref().map(|_| m::SavingBasis {
                money: Some(money(offer.mrp)),
                saving_basis_type: Some("LIST_PRICE".to_owned()),
                saving_basis_type_label: Some(saving_basis_label(marketplace).to_owned()),
            }),
            savings: saving,
        }
    });
    let deal = offer.deal.as_ref().map(|d| m::ListingDealDetails {
        access_type: Some(d.access_type.clone()),
        badge: Some(match d.kind {
            DealKind::Lightning => "Lightning Deal".to_owned(),
            _ => "Limited time deal".to_owned(),
        }),
        early_access_duration_in_milliseconds: None,
        end_time: Some(format_deal_time(d.ends_at)),
        percent_claimed: d.percent_claimed.map(u32::from),
        start_time: Some(format_deal_time(d.starts_at)),
    });
    let availability_kind = match offer.availability {
        Availability::InStock if offer.scarce => Some("IN_STOCK_SCARCE"),
        a => availability_type(a),
    };
    m::Listing {
        availability: r
            .has("offersV2.listings.availability")
            .then(|| m::ListingAvailability {
                max_order_quantity: Some(if offer.deal.is_some() { 2 } else { 5 }),
                message: Some(
                    match offer.availability {
                        Availability::OutOfStock => "Currently unavailable.",
                        _ if offer.scarce => "Only 2 left in stock.",
                        _ => "In stock",
                    }
                    .to_owned(),
                ),
                min_order_quantity: Some(1),
                kind: availability_kind.map(str::to_owned),
            }),
        condition: r
            .has("offersV2.listings.condition")
            .then(|| m::ListingCondition {
                condition_note: Some(String::new()),
                sub_condition: Some("Unknown".to_owned()),
                value: Some(condition_name(item.condition).to_owned()),
            }),
        deal_details: if r.has("offersV2.listings.dealDetails") {
            deal
        } else {
            None
        },
        is_buy_box_winner: r.has("offersV2.listings.isBuyBoxWinner").then_some(true),
        loyalty_points: None,
        merchant_info: r
            .has("offersV2.listings.merchantInfo")
            .then(|| m::MerchantInfo {
                id: Some(seller.id.to_owned()),
                name: Some(seller.name.to_owned()),
            }),
        price: if r.has("offersV2.listings.price") {
            price
        } else {
            None
        },
        listing_type: (r.has("offersV2.listings.type")
            && offer
                .deal
                .as_ref()
                .is_some_and(|d| d.kind == DealKind::Lightning))
        .then(|| "LIGHTNING_DEAL".to_owned()),
        violates_map: r.has("offersV2.listings.price").then_some(false),
    }
}

/// An item in the reply shape with the requested resources, priced at `at` in
/// `marketplace` (which the caller checked sells it).
#[allow(clippy::too_many_arguments)]
pub(crate) fn item(
    oracle: &Oracle,
    item: &Item,
    at: DateTime<Utc>,
    r: &Resources,
    base_url: &str,
    associate_tag: &str,
    with_variation_attributes: bool,
    marketplace: Marketplace,
) -> m::Item {
    item_as_served(
        oracle,
        item,
        at,
        r,
        (base_url, associate_tag),
        with_variation_attributes,
        None,
        marketplace,
    )
}

/// The true offer of an item in a marketplace (amazon.in's for a marketplace that does not
/// sell it: callers check [`Oracle::priced_item`] first).
pub(crate) fn offer_in(
    oracle: &Oracle,
    item: &Item,
    at: DateTime<Utc>,
    marketplace: Marketplace,
) -> TrueOffer {
    match oracle.priced_item(marketplace, item) {
        Some(p) => oracle.offer_priced(&p, at),
        None => oracle.offer_of(item, at),
    }
}

/// A glitch applied to one served item: its kind and the title of another product (used by
/// [`GlitchKind::OtherTitle`]).
pub(crate) type ServedAs<'a> = Option<(GlitchKind, &'a str)>;

/// [`item`] as served, possibly glitched: a price glitch changes the offer's price (not
/// the MRP), a title glitch shows `other_title`. Returns what was shown when a glitch was
/// applied (a price glitch needs a price: an out-of-stock item is served true).
#[allow(clippy::too_many_arguments)]
pub(crate) fn item_as_served(
    oracle: &Oracle,
    item: &Item,
    at: DateTime<Utc>,
    r: &Resources,
    (base_url, associate_tag): (&str, &str),
    with_variation_attributes: bool,
    glitch: ServedAs<'_>,
    marketplace: Marketplace,
) -> m::Item {
    let catalog = oracle.catalog();
    let locale = content_locale(marketplace);
    let mut offer = offer_in(oracle, item, at, marketplace);
    let mut title = item.title.clone();
    if let Some((kind, other_title)) = glitch {
        let true_price = offer.price;
        match (kind, offer.price) {
            (GlitchKind::Hundredth, Some(p)) => {
                offer.price = Some(Money::from_minor((p.minor() / 100).max(1), p.currency()));
            }
            (GlitchKind::OneRupee, Some(p)) => {
                offer.price = Some(Money::from_minor(100, p.currency()));
            }
            (GlitchKind::TenTimes, Some(p)) => {
                offer.price = Some(Money::from_minor(p.minor() * 10, p.currency()));
            }
            (GlitchKind::OtherTitle, _) => title = other_title.to_owned(),
            _ => {}
        }
        if offer.price != true_price || title != item.title {
            oracle.record_glitch(ServedGlitch {
                asin: item.asin,
                at,
                kind,
                true_price,
                shown_price: offer.price,
                shown_title: title.clone(),
            });
        }
    }
    let family = item.family.map(|f| &catalog.families[f]);
    let info = r.has("itemInfo").then(|| m::ItemInfo {
        title: r.has("itemInfo.title").then(|| text(title, "Title", locale)),
        by_line_info: r.has("itemInfo.byLineInfo").then(|| m::ByLineInfo {
            brand: Some(text(item.brand.clone(), "Brand", locale)),
            manufacturer: Some(text(item.manufacturer.clone(), "Manufacturer", locale)),
            contributors: (!item.contributors.is_empty()).then(|| {
                item.contributors
                    .iter()
                    .map(|(role, name)| m::Contributor {
                        locale: Some(locale.to_owned()),
                        name: Some(name.clone()),
                        role: Some(role.clone()),
                        role_type: Some(role.to_ascii_lowercase()),
                    })
                    .collect()
            }),
        }),
        classifications: r
            .has("itemInfo.classifications")
            .then(|| m::Classifications {
                binding: Some(text(
                    if item.asin.is_isbn() {
                        "Paperback"
                    } else {
                        item.product_group
                    },
                    "Binding",
                    locale,
                )),
                product_group: Some(text(item.product_group, "ProductGroup", locale)),
            }),
        features: r.has("itemInfo.features").then(|| m::DisplayValues {
            display_values: Some(item.features.clone()),
            label: Some("Features".to_owned()),
            locale: Some(locale.to_owned()),
        }),
        content_info: None,
        content_rating: None,
        external_ids: (r.has("itemInfo.externalIds") && item.asin.is_isbn()).then(|| {
            serde_json::json!({"isbNs": {"displayValues": [item.asin.as_str()], "label": "ISBN", "locale": locale}})
        }),
        manufacture_info: None,
        product_info: None,
        technical_info: None,
        trade_in_info: None,
    });
    let images = r.has("images").then(|| {
        let size = |url: &str, px: u32| m::ImageSize {
            url: url.replace("_SL1500_", &format!("_SL{px}_")),
            height: Some(px),
            width: Some(px),
        };
        let image = |url: &String| m::ImageType {
            small: r.has("images.primary.small").then(|| size(url, 75)),
            medium: r.has("images.primary.medium").then(|| size(url, 160)),
            large: Some(size(url, 500)),
        };
        m::Images {
            primary: item
                .images
                .first()
                .filter(|_| r.has("images.primary"))
                .map(image),
            variants: r
                .has("images.variants")
                .then(|| item.images.iter().skip(1).map(image).collect()),
        }
    });
    let browse_node_info = r.has("browseNodeInfo").then(|| m::BrowseNodeInfo {
        browse_nodes: r.has("browseNodeInfo.browseNodes").then(|| {
            vec![browse_node(
                catalog,
                item.node,
                r.has("browseNodeInfo.browseNodes.salesRank")
                    .then_some(item.sales_rank),
                r.has("browseNodeInfo.browseNodes.ancestor"),
                false,
            )]
        }),
        website_sales_rank: r.has("browseNodeInfo.websiteSalesRank").then(|| {
            let root = item.node_path.last().copied().unwrap_or(item.node);
            let name = catalog.tree.node(root).name.to_owned();
            m::WebsiteSalesRank {
                context_free_name: Some(name.clone()),
                display_name: Some(name),
                sales_rank: Some(item.sales_rank * 37 + (item.key % 37) as u32),
            }
        }),
    });
    m::Item {
        asin: item.asin.as_str().to_owned(),
        detail_page_url: Some(format!(
            "{base_url}/dp/{}?tag={associate_tag}&linkCode=ogi&th=1&psc=1",
            item.asin
        )),
        parent_asin: family
            .filter(|_| r.has("parentASIN"))
            .map(|f| f.parent.as_str().to_owned()),
        item_info: info,
        images,
        offers_v2: r.has("offersV2").then(|| m::OffersV2 {
            listings: Some(vec![listing(item, &offer, r, marketplace)]),
        }),
        customer_reviews: r.has("customerReviews").then(|| m::CustomerReviews {
            count: r.has("customerReviews.count").then_some(item.reviews.count),
            star_rating: r.has("customerReviews.starRating").then(|| m::StarRating {
                value: Decimal::parse(&format!(
                    "{}.{}",
                    item.reviews.rating_centi / 100,
                    (item.reviews.rating_centi % 100) / 10
                ))
                .ok(),
            }),
        }),
        browse_node_info,
        variation_attributes: with_variation_attributes.then(|| {
            item.attrs
                .iter()
                .map(|a| m::VariationAttribute {
                    name: Some(a.name.clone()),
                    value: Some(a.value.clone()),
                })
                .collect()
        }),
    }
}

/// Turns lowerCamelCase keys into PA-API's PascalCase (`asin` → `ASIN`, `url` → `URL`,
/// `detailPageURL` → `DetailPageURL`), recursively.
pub(crate) fn to_pascal(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k.as_str() {
                        "asin" => "ASIN".to_owned(),
                        "url" => "URL".to_owned(),
                        "isbNs" => "ISBNs".to_owned(),
                        _ => {
                            let mut chars = k.chars();
                            match chars.next() {
                                Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
                                None => String::new(),
                            }
                        }
                    };
                    (key, to_pascal(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(to_pascal).collect()),
        other => other,
    }
}

/// Turns PA-API's PascalCase keys into lowerCamelCase (`ASIN` → `asin`), recursively.
pub(crate) fn to_camel(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k.as_str() {
                        "ASIN" => "asin".to_owned(),
                        _ => {
                            let mut chars = k.chars();
                            match chars.next() {
                                Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
                                None => String::new(),
                            }
                        }
                    };
                    (key, to_camel(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(to_camel).collect()),
        other => other,
    }
}

/// The lowest and highest buying price among some offers.
pub(crate) fn price_range(offers: &[TrueOffer]) -> Option<(Money, Money)> {
    let prices: Vec<Money> = offers.iter().filter_map(|o| o.price).collect();
    let low = prices.iter().min_by_key(|p| p.minor())?;
    let high = prices.iter().max_by_key(|p| p.minor())?;
    Some((*low, *high))
}
