//! The Amazon Creators API as a [`ProductSource`]: [`CreatorsApiSource`].
//!
//! `POST {base}/catalog/v1/getItems|searchItems|getVariations|getBrowseNodes` with
//! lowerCamelCase JSON bodies, the `x-marketplace` header and an OAuth2 bearer token
//! ([`auth`]). This is the default source for real use; PA-API 5.0 is being retired.
//!
//! Wire formats were taken from:
//! * the Creators API reference (operations getItems, searchItems, getVariations,
//!   getBrowseNodes; resources itemInfo, images, offersV2, browseNodeInfo; sample replies
//!   with `errors[]` partial results), affiliate-program.amazon.com/creatorsapi/docs;
//! * python-amazon-paapi 7.x (github.com/sergioteula/python-amazon-paapi, package
//!   `amazon_creatorsapi`): `core/oauth.py` (token URLs per version, Cognito vs Login with
//!   Amazon flow, scopes, `Authorization` header forms, 30 s refresh margin),
//!   `aio/api.py` (base URL `https://creatorsapi.amazon`, endpoints, body field names,
//!   `x-marketplace`), `aio/auth.py` (locked single refresh);
//! * the PA-API 5.0 OffersV2 page (webservices.amazon.com/paapi5/documentation/offersV2.html)
//!   for the listing fields the Creators API shares in camelCase.
//!
//! # Examples
//!
//! ```no_run
//! use mandi_core::{Asin, ItemsRequest, Marketplace, ProductSource};
//! use mandi_paapi::creators::CreatorsApiSource;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let source = CreatorsApiSource::builder()
//!     .credential_id("my-id")
//!     .credential_secret("my-secret")
//!     .credential_version("2.2".parse()?)
//!     .associate_tag("mytag-21")
//!     .build()?;
//! let asin: Asin = "B0CX59H5W7".parse()?;
//! let batch = source.get_items(&ItemsRequest::new(Marketplace::India, [asin])).await?;
//! println!("{:?}", batch.items.first().and_then(|p| p.price()));
//! # Ok(()) }
//! ```

pub mod auth;
pub mod model;
pub mod wire;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use mandi_core::{
    BrowseNode, BrowseNodesRequest, Clock, Condition, Currency, ItemsBatch, ItemsRequest,
    Marketplace, ProductSource, SearchPage, SearchRequest, SourceError, SystemClock,
    VariationFamily, VariationsRequest,
};
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use auth::CredentialVersion;

use crate::error::{Error, Result};
use crate::transport::{
    HttpTransport, PreparedRequest, RateLimit, RetryPolicy, Timeouts, decode_json,
};
use auth::TokenManager;
use wire::{ItemsChunk, MapContext};

/// The production base URL.
pub const DEFAULT_BASE_URL: &str = "https://creatorsapi.amazon";

/// The name this source reports.
pub const SOURCE_NAME: &str = "creators";

/// Builds a [`CreatorsApiSource`].
#[derive(Default)]
pub struct CreatorsApiSourceBuilder {
    credential_id: Option<String>,
    credential_secret: Option<SecretString>,
    version: Option<CredentialVersion>,
    associate_tag: Option<String>,
    base_url: Option<String>,
    token_url: Option<String>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    rate_limit: RateLimit,
    clock: Option<Arc<dyn Clock>>,
    max_body_bytes: Option<usize>,
}

impl fmt::Debug for CreatorsApiSourceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatorsApiSourceBuilder")
            .field("credential_id", &self.credential_id)
            .field(
                "credential_secret",
                &self.credential_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("version", &self.version)
            .field("associate_tag", &self.associate_tag)
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

impl CreatorsApiSourceBuilder {
    /// The credential id (OAuth2 client id).
    pub fn credential_id(mut self, id: impl Into<String>) -> Self {
        self.credential_id = Some(id.into());
        self
    }

    /// The credential secret (OAuth2 client secret).
    pub fn credential_secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.credential_secret = Some(secret.into());
        self
    }

    /// The credential version the credentials were issued with (`2.2` for India).
    pub fn credential_version(mut self, version: CredentialVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// The associate (partner) tag, `mytag-21`.
    pub fn associate_tag(mut self, tag: impl Into<String>) -> Self {
        self.associate_tag = Some(tag.into());
        self
    }

    /// The API base URL (the sandbox's, a mirror's); `https://creatorsapi.amazon` by default.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The token URL; by default the one of the credential version.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Connect and read timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The retry policy.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The client-side rate limit (the account's TPS; 1 per second by default).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// The clock for token expiry (the system clock by default).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The largest reply read (8 MiB by default).
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = Some(max);
        self
    }

    /// Builds the source.
    ///
    /// # Errors
    ///
    /// [`Error::Missing`] for a missing credential, version or associate tag;
    /// [`Error::Invalid`] for an unusable URL or empty value; [`Error::HttpClient`] when TLS
    /// cannot start.
    pub fn build(self) -> Result<CreatorsApiSource> {
        let credential_id = non_empty(self.credential_id, "credential id")?;
        let credential_secret = self.credential_secret.ok_or(Error::Missing {
            what: "credential secret",
        })?;
        let version = self.version.ok_or(Error::Missing {
            what: "credential version",
        })?;
        let associate_tag = non_empty(self.associate_tag, "associate tag")?;
        let base_url = check_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            "base URL",
        )?;
        let token_url = check_url(
            self.token_url.as_deref().unwrap_or(version.token_url()),
            "token URL",
        )?;
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let mut transport = HttpTransport::new(
            SOURCE_NAME,
            self.timeouts,
            self.retry,
            self.rate_limit,
            clock.clone(),
        )?;
        let mut token_transport = HttpTransport::new(
            SOURCE_NAME,
            self.timeouts,
            self.retry,
            RateLimit::unlimited(),
            clock.clone(),
        )?;
        if let Some(max) = self.max_body_bytes {
            transport = transport.with_max_body_bytes(max);
            token_transport = token_transport.with_max_body_bytes(max);
        }
        Ok(CreatorsApiSource {
            tokens: TokenManager::new(
                token_transport,
                token_url,
                credential_id,
                credential_secret,
                version,
                clock.clone(),
            ),
            transport,
            base_url,
            associate_tag,
            version,
            clock,
        })
    }
}

pub(crate) fn non_empty(value: Option<String>, what: &'static str) -> Result<String> {
    match value {
        None => Err(Error::Missing { what }),
        Some(v) if v.trim().is_empty() => Err(Error::Invalid {
            what,
            reason: "it is empty".to_owned(),
        }),
        Some(v) => Ok(v.trim().to_owned()),
    }
}

pub(crate) fn check_url(text: &str, what: &'static str) -> Result<String> {
    let parsed = url::Url::parse(text).map_err(|e| Error::Invalid {
        what,
        reason: format!("{text:?} is not a URL: {e}"),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::Invalid {
            what,
            reason: format!("{text:?} must be an http or https URL"),
        });
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// The Amazon Creators API as a [`ProductSource`].
pub struct CreatorsApiSource {
    transport: HttpTransport,
    tokens: TokenManager,
    base_url: String,
    associate_tag: String,
    version: CredentialVersion,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for CreatorsApiSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatorsApiSource")
            .field("base_url", &self.base_url)
            .field("associate_tag", &self.associate_tag)
            .field("version", &self.version)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

impl CreatorsApiSource {
    /// A builder; credentials, version and associate tag are required.
    pub fn builder() -> CreatorsApiSourceBuilder {
        CreatorsApiSourceBuilder::default()
    }

    fn check_marketplace(&self, marketplace: Marketplace) -> Result<(), SourceError> {
        if marketplace.credential_group() != self.version.group() {
            return Err(SourceError::invalid(format!(
                "credentials of version {} serve the {:?} marketplaces, not {marketplace}",
                self.version,
                self.version.group()
            )));
        }
        Ok(())
    }

    fn context(&self, marketplace: Marketplace, currency: Currency) -> MapContext<'_> {
        MapContext {
            source_name: SOURCE_NAME,
            marketplace,
            currency,
            fetched_at: self.clock.now(),
            pascal: false,
        }
    }

    /// Sends one operation and decodes its reply; a 401 refreshes the token once.
    async fn call<Req: Serialize + Sync, Resp: DeserializeOwned>(
        &self,
        operation: &str,
        marketplace: Marketplace,
        body: &Req,
    ) -> Result<Resp, SourceError> {
        let reply = self.send(operation, marketplace, body).await?;
        decode_json(SOURCE_NAME, &reply)
    }

    /// Sends one operation and returns the body of its 2xx reply; other statuses become
    /// typed errors. A 401 refreshes the token once.
    async fn send<Req: Serialize + Sync>(
        &self,
        operation: &str,
        marketplace: Marketplace,
        body: &Req,
    ) -> Result<bytes::Bytes, SourceError> {
        let body = serde_json::to_vec(body)
            .map_err(|e| SourceError::invalid(format!("could not encode the request: {e}")))?;
        let url = format!("{}/catalog/v1/{operation}", self.base_url);
        let mut refreshed = false;
        loop {
            let token = self.tokens.token().await?;
            let authorization = {
                use secrecy::ExposeSecret;
                self.version.authorization(token.expose_secret())
            };
            let prepare = || {
                Ok(PreparedRequest {
                    url: url.clone(),
                    headers: vec![
                        (
                            "content-type".to_owned(),
                            "application/json; charset=utf-8".to_owned(),
                        ),
                        ("authorization".to_owned(), authorization.clone()),
                        (
                            "x-marketplace".to_owned(),
                            marketplace.creators_marketplace().to_owned(),
                        ),
                    ],
                    body: body.clone(),
                })
            };
            let reply = self.transport.send(&prepare).await?;
            tracing::debug!(
                operation,
                status = reply.status,
                attempts = reply.attempts,
                "creators call"
            );
            if reply.status == 401 && !refreshed {
                tracing::info!(operation, "token refused; refreshing it once");
                self.tokens.invalidate(&token).await;
                refreshed = true;
                continue;
            }
            if (200..300).contains(&reply.status) {
                return Ok(reply.body);
            }
            let parsed: Option<model::ErrorResponse> = serde_json::from_slice(&reply.body).ok();
            let (code, message) = match parsed {
                Some(p) => p.first(),
                None => (None, Some(crate::transport::snippet(&reply.body))),
            };
            return Err(wire::classify_error(
                SOURCE_NAME,
                reply.status,
                code,
                message,
                reply.retry_after,
            ));
        }
    }

    async fn fetch_chunk(
        &self,
        marketplace: Marketplace,
        asins: Vec<mandi_core::Asin>,
    ) -> Result<ItemsChunk, SourceError> {
        let body = model::GetItemsRequest {
            partner_tag: self.associate_tag.clone(),
            item_ids: asins.iter().map(|a| a.as_str().to_owned()).collect(),
            item_id_type: Some("ASIN".to_owned()),
            resources: model::ITEM_RESOURCES
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
            ..Default::default()
        };
        let reply = self.send("getItems", marketplace, &body).await?;
        let ctx = self.context(marketplace, marketplace.currency());
        let decoded = model::view::decode_get_items(SOURCE_NAME, &reply)?;
        let items = model::view::products(decoded.items, &ctx, "itemsResult.items");
        let errors = decoded
            .errors
            .into_iter()
            .map(model::view::ErrorView::into_pair)
            .collect();
        wire::assemble_items(SOURCE_NAME, &asins, items, "itemsResult.items", errors)
    }

    /// The `searchItems` body for a request, validated; nothing is sent on error.
    ///
    /// # Errors
    ///
    /// [`SourceError::InvalidInput`] naming the field out of its documented range.
    pub fn search_body(
        &self,
        request: &SearchRequest,
    ) -> Result<model::SearchItemsRequest, SourceError> {
        request.validate()?;
        self.check_marketplace(request.marketplace)?;
        wire::validate_languages(&request.languages_of_preference)?;
        let condition = match request.condition {
            None => None,
            Some(Condition::New) => Some("New".to_owned()),
            Some(c @ (Condition::Used | Condition::Refurbished | Condition::Collectible)) => {
                return Err(SourceError::invalid(format!(
                    "the Creators API filters search by condition Any or New only, not {}",
                    c.as_str()
                )));
            }
            Some(_) => Some("Any".to_owned()),
        };
        let price_currency = request
            .currency_of_preference
            .unwrap_or_else(|| request.marketplace.currency());
        if let Some(index) = &request.search_index
            && index.trim().is_empty()
        {
            return Err(SourceError::invalid("search index must not be empty"));
        }
        if let Some(node) = &request.browse_node_id
            && !node.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(SourceError::invalid(format!(
                "browse node id {node:?} is not a number"
            )));
        }
        Ok(model::SearchItemsRequest {
            partner_tag: self.associate_tag.clone(),
            keywords: request.keywords.clone(),
            search_index: request.search_index.clone(),
            browse_node_id: request.browse_node_id.clone(),
            brand: request.brand.clone(),
            title: request.title.clone(),
            actor: request.actor.clone(),
            artist: request.artist.clone(),
            author: request.author.clone(),
            min_price: wire::price_filter(request.min_price, price_currency, "minimum")?,
            max_price: wire::price_filter(request.max_price, price_currency, "maximum")?,
            min_reviews_rating: request.min_reviews_rating,
            min_saving_percent: request.min_saving_percent,
            condition,
            delivery_flags: wire::delivery_flag_names(&request.delivery_flags),
            merchant: request.merchant.map(|m| wire::merchant_name(m).to_owned()),
            availability: request
                .availability
                .map(|a| wire::availability_filter_name(a).to_owned()),
            sort_by: request.sort_by.map(|s| s.api_name().to_owned()),
            item_count: Some(request.item_count),
            item_page: Some(request.item_page),
            currency_of_preference: request.currency_of_preference.map(|c| c.code().to_owned()),
            languages_of_preference: (!request.languages_of_preference.is_empty())
                .then(|| request.languages_of_preference.clone()),
            resources: model::ITEM_RESOURCES
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
            ..Default::default()
        })
    }
}

#[async_trait]
impl ProductSource for CreatorsApiSource {
    fn name(&self) -> &str {
        SOURCE_NAME
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(asins = request.asins.len(), marketplace = %request.marketplace))]
    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        if request.asins.is_empty() {
            return Ok(ItemsBatch::default());
        }
        self.check_marketplace(request.marketplace)?;
        let marketplace = request.marketplace;
        wire::get_items_chunked(request, |chunk| self.fetch_chunk(marketplace, chunk)).await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(marketplace = %request.marketplace))]
    async fn search_items(&self, request: &SearchRequest) -> Result<SearchPage, SourceError> {
        let body = self.search_body(request)?;
        let reply = match self.send("searchItems", request.marketplace, &body).await {
            Ok(reply) => reply,
            // No results is an empty page, not a failure.
            Err(SourceError::NotFound { .. }) => return Ok(SearchPage::default()),
            Err(e) => return Err(e),
        };
        let currency = request
            .currency_of_preference
            .unwrap_or_else(|| request.marketplace.currency());
        let ctx = self.context(request.marketplace, currency);
        let decoded = model::view::decode_search(SOURCE_NAME, &reply)?;
        wire::search_page(
            &ctx,
            model::view::products(decoded.items, &ctx, "searchResult.items"),
            decoded
                .errors
                .into_iter()
                .map(model::view::ErrorView::into_pair)
                .collect(),
            decoded.extra,
        )
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(asin = %request.asin))]
    async fn get_variations(
        &self,
        request: &VariationsRequest,
    ) -> Result<VariationFamily, SourceError> {
        request.validate()?;
        self.check_marketplace(request.marketplace)?;
        let body = model::GetVariationsRequest {
            partner_tag: self.associate_tag.clone(),
            asin: request.asin.as_str().to_owned(),
            variation_count: Some(request.variation_count),
            variation_page: Some(request.variation_page),
            resources: model::ITEM_RESOURCES
                .iter()
                .chain(model::VARIATION_RESOURCES)
                .map(|r| (*r).to_owned())
                .collect(),
            ..Default::default()
        };
        let reply = self
            .send("getVariations", request.marketplace, &body)
            .await?;
        let ctx = self.context(request.marketplace, request.marketplace.currency());
        let decoded = model::view::decode_variations(SOURCE_NAME, &reply)?;
        let errors: Vec<_> = decoded
            .errors
            .into_iter()
            .map(model::view::ErrorView::into_pair)
            .collect();
        match decoded.extra {
            Some(summary) => model::view::family(
                model::view::products(decoded.items, &ctx, "variationsResult.items"),
                summary,
                &ctx,
                request.asin,
                "variationsResult.items",
            ),
            None => Err(wire::reply_error(SOURCE_NAME, errors).unwrap_or_else(|| {
                SourceError::NotFound {
                    code: "NoResults".to_owned(),
                    message: format!("{} has no variations", request.asin),
                }
            })),
        }
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(ids = request.ids.len()))]
    async fn get_browse_nodes(
        &self,
        request: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        request.validate()?;
        self.check_marketplace(request.marketplace)?;
        let body = model::GetBrowseNodesRequest {
            partner_tag: self.associate_tag.clone(),
            browse_node_ids: request.ids.clone(),
            resources: model::BROWSE_NODE_RESOURCES
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
            ..Default::default()
        };
        let reply: model::GetBrowseNodesResponse = self
            .call("getBrowseNodes", request.marketplace, &body)
            .await?;
        let nodes: Vec<BrowseNode> = reply
            .browse_nodes_result
            .and_then(|r| r.browse_nodes)
            .unwrap_or_default()
            .iter()
            .map(model::BrowseNodeData::to_domain)
            .collect();
        if nodes.is_empty()
            && let Some(first) = reply.errors.and_then(|e| e.into_iter().next())
        {
            return Err(wire::classify_error(
                SOURCE_NAME,
                404,
                first.code,
                first.message,
                None,
            ));
        }
        // In request order (the API may reorder).
        let mut ordered = Vec::with_capacity(nodes.len());
        for id in &request.ids {
            if let Some(node) = nodes.iter().find(|n| &n.id == id)
                && !ordered.iter().any(|n: &BrowseNode| &n.id == id)
            {
                ordered.push(node.clone());
            }
        }
        Ok(ordered)
    }
}
