//! Products, offers, reviews, browse nodes and variations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Asin, Marketplace, Money};

/// Whether an offer can be bought now.
///
/// `Unknown` is a state of its own: a failed fetch or a blocked scrape says nothing about
/// stock, and never counts as out of stock.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Can be ordered and ships now.
    InStock,
    /// Cannot be ordered now.
    OutOfStock,
    /// Can be ordered before release.
    Preorder,
    /// Not known (no data, a failed fetch, a blocked page).
    #[default]
    Unknown,
}

impl Availability {
    /// A stable lower-case name (`in_stock`), as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InStock => "in_stock",
            Self::OutOfStock => "out_of_stock",
            Self::Preorder => "preorder",
            Self::Unknown => "unknown",
        }
    }

    /// Parses [`Availability::as_str`]; anything else is `Unknown`.
    pub fn from_str_lossy(s: &str) -> Self {
        match s {
            "in_stock" => Self::InStock,
            "out_of_stock" => Self::OutOfStock,
            "preorder" => Self::Preorder,
            _ => Self::Unknown,
        }
    }

    /// True when this is a known state (not `Unknown`).
    pub fn is_known(self) -> bool {
        self != Self::Unknown
    }

    /// True when the item can be ordered (in stock or pre-order).
    pub fn is_buyable(self) -> bool {
        matches!(self, Self::InStock | Self::Preorder)
    }
}

/// The condition of the item an offer sells.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// New.
    #[default]
    New,
    /// Used.
    Used,
    /// Refurbished / renewed.
    Refurbished,
    /// Collectible.
    Collectible,
    /// Reported by the source but not one of the above.
    Unknown,
}

impl Condition {
    /// A stable lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Used => "used",
            Self::Refurbished => "refurbished",
            Self::Collectible => "collectible",
            Self::Unknown => "unknown",
        }
    }

    /// Parses [`Condition::as_str`] or an API value (`New`, `Used`, `Refurbished`…).
    pub fn from_str_lossy(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "new" => Self::New,
            "used" => Self::Used,
            "refurbished" | "renewed" => Self::Refurbished,
            "collectible" => Self::Collectible,
            _ => Self::Unknown,
        }
    }
}

/// Who sells an offer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Merchant {
    /// The seller's merchant id, when the source gives it.
    pub id: Option<String>,
    /// The seller's display name (`Amazon`, `Appario Retail Private Ltd`).
    pub name: Option<String>,
    /// True when the item ships from an Amazon fulfilment centre.
    pub fulfilled_by_amazon: bool,
}

/// A deal on an offer (lightning deal, limited-time deal, Prime-exclusive…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealDetails {
    /// The badge shown on the page (`Lightning Deal`, `Limited time deal`).
    pub badge: Option<String>,
    /// Who can take the deal (`ALL`, `PRIME_EARLY_ACCESS`, `PRIME_EXCLUSIVE`).
    pub access_type: Option<String>,
    /// When the deal started.
    pub starts_at: Option<DateTime<Utc>>,
    /// When the deal ends.
    pub ends_at: Option<DateTime<Utc>>,
    /// How much of the deal's stock is claimed, in percent (0–100).
    pub percent_claimed: Option<u8>,
}

impl DealDetails {
    /// True when this looks like a lightning deal.
    pub fn is_lightning(&self) -> bool {
        self.badge
            .as_deref()
            .is_some_and(|b| b.to_ascii_lowercase().contains("lightning"))
    }
}

/// The savings an offer shows against its reference price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Savings {
    /// The amount saved.
    pub amount: Money,
    /// The saving in whole percent, as the source shows it.
    pub percent: u8,
}

/// Which kind of offer a price belongs to, for history kept per offer type.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    /// The buy-box winner (usually Amazon or its main seller).
    #[default]
    BuyBox,
    /// A new item from another seller.
    ThirdPartyNew,
    /// Used, refurbished or collectible.
    Used,
}

impl OfferKind {
    /// A stable lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BuyBox => "buy_box",
            Self::ThirdPartyNew => "third_party_new",
            Self::Used => "used",
        }
    }

    /// Parses [`OfferKind::as_str`]; anything unknown is `BuyBox`.
    pub fn from_str_lossy(s: &str) -> Self {
        match s {
            "third_party_new" => Self::ThirdPartyNew,
            "used" => Self::Used,
            _ => Self::BuyBox,
        }
    }
}

/// One offer (listing) for a product.
///
/// A price of `None` means the price is unknown — never zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// The source's listing id, when it gives one.
    pub listing_id: Option<String>,
    /// The price to pay; `None` when unknown.
    pub price: Option<Money>,
    /// The reference price shown struck through (list price / MRP), if any.
    pub list_price: Option<Money>,
    /// The saving the page shows, if any.
    pub savings: Option<Savings>,
    /// Who sells it.
    pub merchant: Merchant,
    /// The item's condition.
    pub condition: Condition,
    /// True when this offer holds the buy box.
    pub is_buy_box_winner: bool,
    /// A running deal, if any.
    pub deal: Option<DealDetails>,
    /// Whether it can be bought now.
    pub availability: Availability,
    /// Amazon's availability message (`Only 3 left in stock.`), if any.
    pub availability_message: Option<String>,
    /// Loyalty points (Japan) if any.
    pub loyalty_points: Option<u32>,
}

impl Offer {
    /// An offer with only a price and availability known.
    pub fn new(price: Option<Money>, availability: Availability) -> Self {
        Self {
            listing_id: None,
            price,
            list_price: None,
            savings: None,
            merchant: Merchant::default(),
            condition: Condition::New,
            is_buy_box_winner: true,
            deal: None,
            availability,
            availability_message: None,
            loyalty_points: None,
        }
    }

    /// The kind of offer, for history kept per offer type.
    pub fn kind(&self) -> OfferKind {
        match self.condition {
            Condition::New if self.is_buy_box_winner => OfferKind::BuyBox,
            Condition::New | Condition::Unknown => OfferKind::ThirdPartyNew,
            _ => OfferKind::Used,
        }
    }

    /// Discount against the list price (MRP) in basis points, when both are known.
    pub fn discount_bps(&self) -> Option<i64> {
        self.price?.discount_bps(self.list_price?)
    }
}

/// Customer review summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviews {
    /// Average star rating in hundredths of a star (4.35 stars = 435), 0–500.
    pub rating_centi: u16,
    /// Number of ratings.
    pub count: u32,
}

/// A product's rating and review count as seen at a moment (the review history keeps one
/// each time either changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewObservation {
    /// When it was seen (the product's fetch time, to the millisecond).
    pub at: DateTime<Utc>,
    /// The rating and count then.
    pub reviews: Reviews,
}

impl Reviews {
    /// The rating as text with one decimal (`4.3`).
    pub fn rating_text(&self) -> String {
        let tenths = (u32::from(self.rating_centi) + 5) / 10;
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// A node of Amazon's browse (category) tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowseNode {
    /// The node id (`1805560031`).
    pub id: String,
    /// Its display name (`Smartphones`).
    pub name: String,
    /// Its context-free name, if different.
    pub context_free_name: Option<String>,
    /// True for a root node.
    pub is_root: bool,
    /// The ancestor chain, nearest first (parent, grand-parent…).
    pub ancestors: Vec<BrowseNodeRef>,
    /// The direct children.
    pub children: Vec<BrowseNodeRef>,
    /// The product's sales rank in this node, when known (item context).
    pub sales_rank: Option<u32>,
}

/// A reference to a browse node by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowseNodeRef {
    /// The node id.
    pub id: String,
    /// Its display name.
    pub name: String,
}

/// One dimension value of a variation (`Colour: Midnight Black`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariationAttribute {
    /// The dimension (`color_name`, `size_name`).
    pub name: String,
    /// The value (`Midnight Black`).
    pub value: String,
}

/// A family of variations (colours, sizes, storage) under one parent ASIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariationFamily {
    /// The parent ASIN (not itself buyable).
    pub parent_asin: Asin,
    /// The dimensions the family varies in (`color_name`, `size_name`).
    pub dimensions: Vec<String>,
    /// The children, each a full product with its own offers.
    pub items: Vec<Product>,
    /// The total number of children (may exceed `items.len()` when paged).
    pub variation_count: u32,
    /// Lowest and highest price among the children, when known.
    pub price_range: Option<(Money, Money)>,
}

/// An image of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// Its URL.
    pub url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Where a piece of product data came from.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataOrigin {
    /// An official API (Creators API or PA-API 5.0).
    #[default]
    Api,
    /// The fallback HTML scraper.
    Scraped,
    /// A cached copy served while the source was unavailable.
    Cached,
}

impl DataOrigin {
    /// A stable lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Scraped => "scraped",
            Self::Cached => "cached",
        }
    }

    /// Parses [`DataOrigin::as_str`]; anything unknown is `Api`.
    pub fn from_str_lossy(s: &str) -> Self {
        match s {
            "scraped" => Self::Scraped,
            "cached" => Self::Cached,
            _ => Self::Api,
        }
    }
}

/// A product with its offers as a source saw it at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// The ASIN.
    pub asin: Asin,
    /// The marketplace it was seen in.
    pub marketplace: Marketplace,
    /// The title.
    pub title: String,
    /// The brand, if known.
    pub brand: Option<String>,
    /// The manufacturer, if known.
    pub manufacturer: Option<String>,
    /// Bullet-point features.
    pub features: Vec<String>,
    /// Authors, artists, actors… as (role, name).
    pub contributors: Vec<(String, String)>,
    /// The product group or binding (`Wireless`, `Paperback`).
    pub product_group: Option<String>,
    /// Images, primary first.
    pub images: Vec<Image>,
    /// The canonical detail page URL.
    pub detail_page_url: Option<String>,
    /// The browse nodes the product sits in.
    pub browse_nodes: Vec<BrowseNode>,
    /// The parent ASIN when the product is one variation of a family.
    pub parent_asin: Option<Asin>,
    /// The variation attributes of this child (`Colour: Blue`).
    pub variation_attributes: Vec<VariationAttribute>,
    /// The offers, buy-box winner first.
    pub offers: Vec<Offer>,
    /// The review summary, if known.
    pub reviews: Option<Reviews>,
    /// When the data was fetched.
    pub fetched_at: DateTime<Utc>,
    /// Where the data came from.
    pub origin: DataOrigin,
}

impl Product {
    /// A product with only identity, title and fetch time; other fields empty.
    pub fn new(
        asin: Asin,
        marketplace: Marketplace,
        title: impl Into<String>,
        fetched_at: DateTime<Utc>,
    ) -> Self {
        Self {
            asin,
            marketplace,
            title: title.into(),
            brand: None,
            manufacturer: None,
            features: Vec::new(),
            contributors: Vec::new(),
            product_group: None,
            images: Vec::new(),
            detail_page_url: None,
            browse_nodes: Vec::new(),
            parent_asin: None,
            variation_attributes: Vec::new(),
            offers: Vec::new(),
            reviews: None,
            fetched_at,
            origin: DataOrigin::Api,
        }
    }

    /// The buy-box offer, or the first offer when none is flagged.
    pub fn buy_box(&self) -> Option<&Offer> {
        self.offers
            .iter()
            .find(|o| o.is_buy_box_winner)
            .or_else(|| self.offers.first())
    }

    /// The buy-box price, when known.
    pub fn price(&self) -> Option<Money> {
        self.buy_box().and_then(|o| o.price)
    }

    /// The buy-box availability; `Unknown` without offers.
    pub fn availability(&self) -> Availability {
        self.buy_box()
            .map_or(Availability::Unknown, |o| o.availability)
    }
}
