//! The `ProductSource` port: a catalogue that answers for products, searches, variations and
//! browse nodes (Creators API, PA-API 5.0, the sandbox, a scraper).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{
    Asin, BrowseNode, Condition, Currency, Marketplace, Money, Product, VariationFamily,
};

/// The most ASINs one API call may carry; adapters split longer requests.
pub const MAX_ITEMS_PER_CALL: usize = 10;

/// Errors any `ProductSource` may return. Amazon's own code and message are kept.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// Too many requests; wait and retry.
    #[error("throttled by {source_name}: {message}")]
    Throttled {
        /// Which source.
        source_name: String,
        /// How long the source asked us to wait, if it said.
        retry_after: Option<Duration>,
        /// The source's message.
        message: String,
    },
    /// Credentials, token or signature were refused; check the configured keys.
    #[error(
        "{source_name} refused the credentials ({code}): {message}. Check the access key, secret and credential version in your config"
    )]
    Unauthorized {
        /// Which source.
        source_name: String,
        /// The source's error code.
        code: String,
        /// The source's message.
        message: String,
    },
    /// The account may not use this operation (not an associate, not eligible, bad tag).
    #[error("{source_name} denied access ({code}): {message}")]
    AccessDenied {
        /// Which source.
        source_name: String,
        /// The source's error code.
        code: String,
        /// The source's message.
        message: String,
    },
    /// The request was invalid; nothing was sent, or the source rejected a parameter.
    #[error("invalid request: {message}")]
    InvalidInput {
        /// The source's error code, or `ClientValidation` when caught before sending.
        code: String,
        /// What is wrong.
        message: String,
    },
    /// Nothing matched (no such item, no results).
    #[error("not found ({code}): {message}")]
    NotFound {
        /// The source's error code.
        code: String,
        /// The source's message.
        message: String,
    },
    /// The source failed on its side (5xx).
    #[error("{source_name} failed with HTTP {status}: {message}")]
    Server {
        /// Which source.
        source_name: String,
        /// The HTTP status.
        status: u16,
        /// The source's message.
        message: String,
    },
    /// The request timed out.
    #[error("{source_name} did not answer in time ({phase})")]
    Timeout {
        /// Which source.
        source_name: String,
        /// `connect` or `read`.
        phase: String,
    },
    /// The network failed before an answer arrived.
    #[error("could not reach {source_name}: {message}")]
    Network {
        /// Which source.
        source_name: String,
        /// What failed.
        message: String,
    },
    /// The answer could not be understood.
    #[error("{source_name} sent a reply that could not be read at {path}: {message}")]
    Decode {
        /// Which source.
        source_name: String,
        /// The JSON path (or `body`) where decoding failed.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The source is switched off for now (circuit breaker open, quota spent).
    #[error("{source_name} is unavailable: {reason}")]
    Unavailable {
        /// Which source.
        source_name: String,
        /// Why.
        reason: String,
    },
}

impl SourceError {
    /// True when the same request may succeed if sent again later.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Throttled { .. }
                | Self::Server { .. }
                | Self::Timeout { .. }
                | Self::Network { .. }
                | Self::Unavailable { .. }
        )
    }

    /// The wait the source asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A client-side validation error (nothing was sent).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput {
            code: "ClientValidation".to_owned(),
            message: message.into(),
        }
    }
}

/// A request for current data on some ASINs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsRequest {
    /// The marketplace to ask.
    pub marketplace: Marketplace,
    /// The ASINs, any number: adapters split them into calls of [`MAX_ITEMS_PER_CALL`],
    /// drop duplicates and return results in request order.
    pub asins: Vec<Asin>,
}

impl ItemsRequest {
    /// A request for these ASINs in a marketplace.
    pub fn new(marketplace: Marketplace, asins: impl IntoIterator<Item = Asin>) -> Self {
        Self {
            marketplace,
            asins: asins.into_iter().collect(),
        }
    }

    /// The ASINs without duplicates, first occurrence kept, in request order.
    pub fn unique_asins(&self) -> Vec<Asin> {
        let mut seen = std::collections::HashSet::new();
        self.asins
            .iter()
            .copied()
            .filter(|a| seen.insert(*a))
            .collect()
    }
}

/// Why one ASIN of a batch has no result.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemErrorKind {
    /// The catalogue does not know the ASIN.
    NotFound,
    /// The ASIN exists but is not available through this API.
    NotAccessible,
    /// The ASIN was rejected as invalid.
    Invalid,
    /// Any other per-item error.
    Other,
}

/// A per-item error inside an otherwise successful batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemError {
    /// The ASIN concerned.
    pub asin: Asin,
    /// The kind of failure.
    pub kind: ItemErrorKind,
    /// The source's error code (`ItemNotAccessible`, `InvalidParameterValue`).
    pub code: String,
    /// The source's message.
    pub message: String,
}

/// The answer to an [`ItemsRequest`]: the items found, in request order, and the ASINs that
/// could not be returned with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ItemsBatch {
    /// Items found, in request order.
    pub items: Vec<Product>,
    /// Per-item errors.
    pub errors: Vec<ItemError>,
}

/// A delivery filter for search.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeliveryFlag {
    /// Amazon Global shipping.
    AmazonGlobal,
    /// Free shipping.
    FreeShipping,
    /// Fulfilled by Amazon.
    FulfilledByAmazon,
    /// Prime eligible.
    Prime,
}

impl DeliveryFlag {
    /// The API's name for the flag.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::AmazonGlobal => "AmazonGlobal",
            Self::FreeShipping => "FreeShipping",
            Self::FulfilledByAmazon => "FulfilledByAmazon",
            Self::Prime => "Prime",
        }
    }
}

/// Search result ordering.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortBy {
    /// Average customer review, best first.
    AvgCustomerReviews,
    /// Featured.
    Featured,
    /// Newest arrivals.
    NewestArrivals,
    /// Price, highest first.
    PriceHighToLow,
    /// Price, lowest first.
    PriceLowToHigh,
    /// Relevance (the default).
    Relevance,
}

impl SortBy {
    /// The API's name for the ordering.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::AvgCustomerReviews => "AvgCustomerReviews",
            Self::Featured => "Featured",
            Self::NewestArrivals => "NewestArrivals",
            Self::PriceHighToLow => "Price:HighToLow",
            Self::PriceLowToHigh => "Price:LowToHigh",
            Self::Relevance => "Relevance",
        }
    }

    /// Parses an API name or a short form (`price-asc`, `rating`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "avgcustomerreviews" | "rating" | "reviews" => Self::AvgCustomerReviews,
            "featured" => Self::Featured,
            "newestarrivals" | "newest" => Self::NewestArrivals,
            "price:hightolow" | "price-desc" | "price_desc" => Self::PriceHighToLow,
            "price:lowtohigh" | "price-asc" | "price_asc" | "price" => Self::PriceLowToHigh,
            "relevance" => Self::Relevance,
            _ => return None,
        })
    }
}

/// Which sellers to include in search.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MerchantFilter {
    /// Every seller.
    All,
    /// Amazon only.
    Amazon,
}

/// Whether search includes items out of stock.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AvailabilityFilter {
    /// Only items that can be bought now (the default).
    Available,
    /// Also items out of stock.
    IncludeOutOfStock,
}

/// A product search with every filter the APIs offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// The marketplace to search.
    pub marketplace: Marketplace,
    /// Free-text keywords.
    pub keywords: Option<String>,
    /// The search index (category), `All` by default.
    pub search_index: Option<String>,
    /// Restrict to a browse node.
    pub browse_node_id: Option<String>,
    /// Brand name.
    pub brand: Option<String>,
    /// Words in the title.
    pub title: Option<String>,
    /// Actor (video).
    pub actor: Option<String>,
    /// Artist (music).
    pub artist: Option<String>,
    /// Author (books).
    pub author: Option<String>,
    /// Lowest price.
    pub min_price: Option<Money>,
    /// Highest price.
    pub max_price: Option<Money>,
    /// Minimum rating, 1–4 stars.
    pub min_reviews_rating: Option<u8>,
    /// Minimum saving, 1–99 percent.
    pub min_saving_percent: Option<u8>,
    /// Item condition.
    pub condition: Option<Condition>,
    /// Delivery filters.
    pub delivery_flags: Vec<DeliveryFlag>,
    /// Seller filter.
    pub merchant: Option<MerchantFilter>,
    /// Stock filter.
    pub availability: Option<AvailabilityFilter>,
    /// Ordering.
    pub sort_by: Option<SortBy>,
    /// Results per page, 1–10 (default 10).
    pub item_count: u8,
    /// Page number, 1–10 (default 1).
    pub item_page: u8,
    /// Currency prices should be shown in.
    pub currency_of_preference: Option<Currency>,
    /// Languages of preference (`en_IN`, `hi_IN`).
    pub languages_of_preference: Vec<String>,
}

impl SearchRequest {
    /// A keyword search on the first page with ten results.
    pub fn keywords(marketplace: Marketplace, keywords: impl Into<String>) -> Self {
        Self {
            keywords: Some(keywords.into()),
            ..Self::empty(marketplace)
        }
    }

    /// A search with no criteria (invalid until one is set).
    pub fn empty(marketplace: Marketplace) -> Self {
        Self {
            marketplace,
            keywords: None,
            search_index: None,
            browse_node_id: None,
            brand: None,
            title: None,
            actor: None,
            artist: None,
            author: None,
            min_price: None,
            max_price: None,
            min_reviews_rating: None,
            min_saving_percent: None,
            condition: None,
            delivery_flags: Vec::new(),
            merchant: None,
            availability: None,
            sort_by: None,
            item_count: 10,
            item_page: 1,
            currency_of_preference: None,
            languages_of_preference: Vec::new(),
        }
    }

    /// Checks the documented limits before anything is sent.
    ///
    /// # Errors
    ///
    /// [`SourceError::InvalidInput`] naming the field and its allowed range.
    pub fn validate(&self) -> Result<(), SourceError> {
        let has_criterion = [
            &self.keywords,
            &self.browse_node_id,
            &self.brand,
            &self.title,
            &self.actor,
            &self.artist,
            &self.author,
        ]
        .iter()
        .any(|f| f.as_deref().is_some_and(|s| !s.trim().is_empty()));
        if !has_criterion {
            return Err(SourceError::invalid(
                "a search needs at least one of keywords, browse node, brand, title, actor, artist or author",
            ));
        }
        if !(1..=10).contains(&self.item_count) {
            return Err(SourceError::invalid(format!(
                "item count must be 1 to 10, got {}",
                self.item_count
            )));
        }
        if !(1..=10).contains(&self.item_page) {
            return Err(SourceError::invalid(format!(
                "item page must be 1 to 10, got {}",
                self.item_page
            )));
        }
        if let Some(r) = self.min_reviews_rating
            && !(1..=4).contains(&r)
        {
            return Err(SourceError::invalid(format!(
                "minimum rating must be 1 to 4 stars, got {r}"
            )));
        }
        if let Some(p) = self.min_saving_percent
            && !(1..=99).contains(&p)
        {
            return Err(SourceError::invalid(format!(
                "minimum saving must be 1 to 99 percent, got {p}"
            )));
        }
        for (name, price) in [("minimum", self.min_price), ("maximum", self.max_price)] {
            if let Some(p) = price
                && p.minor() <= 0
            {
                return Err(SourceError::invalid(format!(
                    "{name} price must be above zero, got {p}"
                )));
            }
        }
        if let (Some(lo), Some(hi)) = (self.min_price, self.max_price) {
            if lo.currency() != hi.currency() {
                return Err(SourceError::invalid(
                    "minimum and maximum price must be in the same currency",
                ));
            }
            if lo.minor() > hi.minor() {
                return Err(SourceError::invalid(format!(
                    "minimum price {lo} is above maximum price {hi}"
                )));
            }
        }
        if let Some(k) = &self.keywords
            && k.chars().count() > 512
        {
            return Err(SourceError::invalid(
                "keywords must be at most 512 characters",
            ));
        }
        Ok(())
    }
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SearchPage {
    /// The items on this page, best first.
    pub items: Vec<Product>,
    /// How many results the search has in all, when the source says.
    pub total_results: Option<u32>,
    /// The search's page on the shop, when the source gives it.
    pub search_url: Option<String>,
}

/// A request for the variations of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariationsRequest {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// Any ASIN of the family (parent or child).
    pub asin: Asin,
    /// Variations per page, 1–10.
    pub variation_count: u8,
    /// Page number, from 1.
    pub variation_page: u8,
}

impl VariationsRequest {
    /// The first page of ten variations of `asin`.
    pub fn new(marketplace: Marketplace, asin: Asin) -> Self {
        Self {
            marketplace,
            asin,
            variation_count: 10,
            variation_page: 1,
        }
    }

    /// Checks the documented limits.
    ///
    /// # Errors
    ///
    /// [`SourceError::InvalidInput`] naming the field and its range.
    pub fn validate(&self) -> Result<(), SourceError> {
        if !(1..=10).contains(&self.variation_count) {
            return Err(SourceError::invalid(format!(
                "variation count must be 1 to 10, got {}",
                self.variation_count
            )));
        }
        if self.variation_page == 0 {
            return Err(SourceError::invalid("variation page starts at 1"));
        }
        Ok(())
    }
}

/// A request for browse nodes by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowseNodesRequest {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The node ids, 1–10.
    pub ids: Vec<String>,
}

impl BrowseNodesRequest {
    /// Checks the documented limits.
    ///
    /// # Errors
    ///
    /// [`SourceError::InvalidInput`] when there are no ids, more than ten, or an id that is not
    /// a number.
    pub fn validate(&self) -> Result<(), SourceError> {
        if self.ids.is_empty() || self.ids.len() > 10 {
            return Err(SourceError::invalid(format!(
                "ask for 1 to 10 browse nodes at a time, got {}",
                self.ids.len()
            )));
        }
        if let Some(bad) = self
            .ids
            .iter()
            .find(|id| id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(SourceError::invalid(format!(
                "browse node id {bad:?} is not a number"
            )));
        }
        Ok(())
    }
}

/// A catalogue of products: the Creators API, PA-API 5.0, the sandbox, or a scraper.
///
/// Implementations must be usable as `Arc<dyn ProductSource>`; the same contract-test suite
/// (`mandi_core::source_contract!`, feature `test-util`) runs against every one.
///
/// # Example
///
/// A source that knows a fixed shelf of products (a test double, or a shop's own feed):
///
/// ```
/// use std::sync::Arc;
/// use async_trait::async_trait;
/// use chrono::Utc;
/// use mandi_core::{
///     Asin, Availability, BrowseNode, BrowseNodesRequest, Currency, ItemError, ItemErrorKind,
///     ItemsBatch, ItemsRequest, Marketplace, Money, Offer, Product, ProductSource, SearchPage,
///     SearchRequest, SourceError, VariationFamily, VariationsRequest,
/// };
///
/// struct Shelf(Vec<Product>);
///
/// #[async_trait]
/// impl ProductSource for Shelf {
///     fn name(&self) -> &str {
///         "shelf"
///     }
///     async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
///         let mut batch = ItemsBatch::default();
///         for asin in &request.asins {
///             match self.0.iter().find(|p| p.asin == *asin) {
///                 Some(p) => batch.items.push(p.clone()),
///                 None => batch.errors.push(ItemError {
///                     asin: *asin,
///                     kind: ItemErrorKind::NotFound,
///                     code: "ItemNotFound".into(),
///                     message: "not on the shelf".into(),
///                 }),
///             }
///         }
///         Ok(batch)
///     }
///     async fn search_items(&self, _: &SearchRequest) -> Result<SearchPage, SourceError> {
///         Ok(SearchPage::default())
///     }
///     async fn get_variations(&self, r: &VariationsRequest) -> Result<VariationFamily, SourceError> {
///         Err(SourceError::NotFound { code: "NoVariations".into(), message: r.asin.to_string() })
///     }
///     async fn get_browse_nodes(&self, _: &BrowseNodesRequest) -> Result<Vec<BrowseNode>, SourceError> {
///         Ok(Vec::new())
///     }
/// }
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let mut phone = Product::new(asin, Marketplace::India, "Redmi Note 13 5G", Utc::now());
/// phone.offers.push(Offer::new(Some(Money::from_major(17_999, Currency::INR)), Availability::InStock));
/// let source: Arc<dyn ProductSource> = Arc::new(Shelf(vec![phone]));
/// let batch = source.get_items(&ItemsRequest::new(Marketplace::India, [asin])).await?;
/// assert_eq!(batch.items[0].price(), Some(Money::from_major(17_999, Currency::INR)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[async_trait]
pub trait ProductSource: Send + Sync {
    /// A short name for logs and errors (`creators`, `paapi5`, `sandbox`).
    fn name(&self) -> &str;

    /// Current data for some ASINs.
    ///
    /// Any number of ASINs may be asked for; duplicates are dropped and results come back in
    /// request order. ASINs the catalogue cannot return are listed in
    /// [`ItemsBatch::errors`] rather than failing the call.
    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError>;

    /// One page of search results.
    async fn search_items(&self, request: &SearchRequest) -> Result<SearchPage, SourceError>;

    /// The variation family of a product.
    async fn get_variations(
        &self,
        request: &VariationsRequest,
    ) -> Result<VariationFamily, SourceError>;

    /// Browse nodes by id, with ancestors and children.
    async fn get_browse_nodes(
        &self,
        request: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError>;
}

macro_rules! forward_source {
    ($ty:ty) => {
        #[async_trait]
        impl<T: ProductSource + ?Sized> ProductSource for $ty {
            fn name(&self) -> &str {
                (**self).name()
            }
            async fn get_items(&self, r: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
                (**self).get_items(r).await
            }
            async fn search_items(&self, r: &SearchRequest) -> Result<SearchPage, SourceError> {
                (**self).search_items(r).await
            }
            async fn get_variations(
                &self,
                r: &VariationsRequest,
            ) -> Result<VariationFamily, SourceError> {
                (**self).get_variations(r).await
            }
            async fn get_browse_nodes(
                &self,
                r: &BrowseNodesRequest,
            ) -> Result<Vec<BrowseNode>, SourceError> {
                (**self).get_browse_nodes(r).await
            }
        }
    };
}

forward_source!(Arc<T>);
forward_source!(Box<T>);
forward_source!(&T);
