//! Product Advertising API 5.0 as a [`ProductSource`]: [`PaApi5Source`].
//!
//! `POST https://webservices.amazon.{tld}/paapi5/getitems|searchitems|getvariations|getbrowsenodes`
//! with PascalCase JSON bodies, `x-amz-target:
//! com.amazon.paapi5.v1.ProductAdvertisingAPIv1.<Operation>`, `content-encoding: amz-1.0`,
//! signed with AWS Signature V4 ([`crate::sigv4`], service `ProductAdvertisingAPI`, the
//! host and region of the marketplace: India is `webservices.amazon.in`, `eu-west-1`).
//! The signing time comes from the [`Clock`].
//!
//! Wire formats were taken from the PA-API 5.0 documentation
//! (webservices.amazon.com/paapi5/documentation: GetItems, SearchItems, GetVariations,
//! GetBrowseNodes, OffersV2, common request headers, error messages) and from the official
//! SDK models vendored by python-amazon-paapi 5.x (github.com/sergioteula/python-amazon-paapi,
//! `amazon/paapi5_python_sdk`: `get_items_request.py`, `offer_listing.py`,
//! `api/default_api.py` for the targets and paths).
//!
//! # Examples
//!
//! ```no_run
//! use mandi_core::{Asin, ItemsRequest, Marketplace, ProductSource};
//! use mandi_paapi::paapi5::PaApi5Source;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let source = PaApi5Source::builder()
//!     .access_key("AKIA…")
//!     .secret_key("secret")
//!     .associate_tag("mytag-21")
//!     .build()?;
//! let asin: Asin = "B0CX59H5W7".parse()?;
//! let batch = source.get_items(&ItemsRequest::new(Marketplace::India, [asin])).await?;
//! println!("{:?}", batch.items.first().and_then(|p| p.price()));
//! # Ok(()) }
//! ```

pub mod model;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use mandi_core::{
    BrowseNode, BrowseNodesRequest, Clock, Currency, ItemsBatch, ItemsRequest, Marketplace,
    ProductSource, SearchPage, SearchRequest, SourceError, SystemClock, VariationFamily,
    VariationsRequest,
};
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::creators::wire::{self, ItemsChunk, MapContext};
use crate::creators::{check_url, non_empty};
use crate::error::{Error, Result};
use crate::sigv4::{self, Credentials, SignableRequest, SigningParams, SigningSettings};
use crate::transport::{
    HttpTransport, PreparedRequest, RateLimit, RetryPolicy, Timeouts, decode_json,
};

/// The name this source reports.
pub const SOURCE_NAME: &str = "paapi5";

/// The SigV4 service name.
pub const SERVICE: &str = "ProductAdvertisingAPI";

/// The `x-amz-target` prefix.
pub const TARGET_PREFIX: &str = "com.amazon.paapi5.v1.ProductAdvertisingAPIv1.";

/// Builds a [`PaApi5Source`].
#[derive(Default)]
pub struct PaApi5SourceBuilder {
    access_key: Option<String>,
    secret_key: Option<SecretString>,
    associate_tag: Option<String>,
    base_url: Option<String>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    rate_limit: RateLimit,
    clock: Option<Arc<dyn Clock>>,
    max_body_bytes: Option<usize>,
}

impl fmt::Debug for PaApi5SourceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaApi5SourceBuilder")
            .field("access_key", &self.access_key)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("associate_tag", &self.associate_tag)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl PaApi5SourceBuilder {
    /// The access key id.
    pub fn access_key(mut self, key: impl Into<String>) -> Self {
        self.access_key = Some(key.into());
        self
    }

    /// The secret access key.
    pub fn secret_key(mut self, secret: impl Into<SecretString>) -> Self {
        self.secret_key = Some(secret.into());
        self
    }

    /// The associate (partner) tag.
    pub fn associate_tag(mut self, tag: impl Into<String>) -> Self {
        self.associate_tag = Some(tag.into());
        self
    }

    /// A base URL used for every marketplace (the sandbox, a mirror). By default each
    /// request goes to its marketplace's host (`https://webservices.amazon.in`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
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

    /// The client-side rate limit (PA-API's default is 1 request per second).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// The clock signatures are dated by (the system clock by default).
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
    /// [`Error::Missing`] for a missing key or associate tag, [`Error::Invalid`] for an
    /// unusable URL, [`Error::HttpClient`] when TLS cannot start.
    pub fn build(self) -> Result<PaApi5Source> {
        let access_key = non_empty(self.access_key, "access key")?;
        let secret_key = self
            .secret_key
            .ok_or(Error::Missing { what: "secret key" })?;
        let associate_tag = non_empty(self.associate_tag, "associate tag")?;
        let base_url = match self.base_url {
            Some(url) => Some(check_url(&url, "base URL")?),
            None => None,
        };
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let mut transport = HttpTransport::new(
            SOURCE_NAME,
            self.timeouts,
            self.retry,
            self.rate_limit,
            clock.clone(),
        )?;
        if let Some(max) = self.max_body_bytes {
            transport = transport.with_max_body_bytes(max);
        }
        Ok(PaApi5Source {
            transport,
            credentials: Credentials {
                access_key_id: access_key,
                secret_access_key: secret_key,
                session_token: None,
            },
            associate_tag,
            base_url,
            clock,
        })
    }
}

/// PA-API 5.0 as a [`ProductSource`].
pub struct PaApi5Source {
    transport: HttpTransport,
    credentials: Credentials,
    associate_tag: String,
    base_url: Option<String>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for PaApi5Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaApi5Source")
            .field("credentials", &self.credentials)
            .field("associate_tag", &self.associate_tag)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl PaApi5Source {
    /// A builder; keys and associate tag are required.
    pub fn builder() -> PaApi5SourceBuilder {
        PaApi5SourceBuilder::default()
    }

    fn context(&self, marketplace: Marketplace, currency: Currency) -> MapContext<'_> {
        MapContext {
            source_name: SOURCE_NAME,
            marketplace,
            currency,
            fetched_at: self.clock.now(),
            pascal: true,
        }
    }

    /// Sends one signed operation (`GetItems`) and decodes its reply.
    async fn call<Req: Serialize + Sync, Resp: DeserializeOwned>(
        &self,
        operation: &str,
        marketplace: Marketplace,
        body: &Req,
    ) -> Result<Resp, SourceError> {
        let reply = self.send(operation, marketplace, body).await?;
        decode_json(SOURCE_NAME, &reply)
    }

    /// Sends one signed operation and returns the body of its 2xx reply; other statuses
    /// become typed errors.
    async fn send<Req: Serialize + Sync>(
        &self,
        operation: &str,
        marketplace: Marketplace,
        body: &Req,
    ) -> Result<bytes::Bytes, SourceError> {
        let body = serde_json::to_vec(body)
            .map_err(|e| SourceError::invalid(format!("could not encode the request: {e}")))?;
        let base = match &self.base_url {
            Some(url) => url.clone(),
            None => format!("https://{}", marketplace.paapi_host()),
        };
        let path = format!("/paapi5/{}", operation.to_ascii_lowercase());
        let url = format!("{base}{path}");
        let parsed = url::Url::parse(&url)
            .map_err(|e| SourceError::invalid(format!("bad PA-API URL {url:?}: {e}")))?;
        let host = match (parsed.host_str(), parsed.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return Err(SourceError::invalid(format!("{url:?} has no host"))),
        };
        let target = format!("{TARGET_PREFIX}{operation}");
        let region = marketplace.paapi_region();
        let prepare = || {
            let signed_headers = vec![
                ("host".to_owned(), host.clone()),
                (
                    "content-type".to_owned(),
                    "application/json; charset=utf-8".to_owned(),
                ),
                ("content-encoding".to_owned(), "amz-1.0".to_owned()),
                ("x-amz-target".to_owned(), target.clone()),
            ];
            let signed = sigv4::sign(
                &SignableRequest {
                    method: "POST",
                    uri: &path,
                    headers: &signed_headers,
                    body: &body,
                },
                &SigningParams {
                    credentials: &self.credentials,
                    region,
                    service: SERVICE,
                    time: self.clock.now(),
                },
                &SigningSettings::default(),
            )
            .map_err(|e| SourceError::InvalidInput {
                code: "SigningFailed".to_owned(),
                message: e.to_string(),
            })?;
            // reqwest sets Host from the URL itself (the same value that was signed).
            let headers = signed_headers
                .into_iter()
                .skip(1)
                .chain(signed.headers)
                .collect();
            Ok(PreparedRequest {
                url: url.clone(),
                headers,
                body: body.clone(),
            })
        };
        let reply = self.transport.send(&prepare).await?;
        tracing::debug!(
            operation,
            status = reply.status,
            attempts = reply.attempts,
            "paapi5 call"
        );
        if (200..300).contains(&reply.status) {
            return Ok(reply.body);
        }
        let parsed: Option<model::ErrorResponse> = serde_json::from_slice(&reply.body).ok();
        let (code, message) = match parsed {
            Some(p) => p.first(),
            None => (None, Some(crate::transport::snippet(&reply.body))),
        };
        Err(wire::classify_error(
            SOURCE_NAME,
            reply.status,
            code,
            message,
            reply.retry_after,
        ))
    }

    async fn fetch_chunk(
        &self,
        marketplace: Marketplace,
        asins: Vec<mandi_core::Asin>,
    ) -> Result<ItemsChunk, SourceError> {
        let body = model::GetItemsRequest {
            partner_tag: self.associate_tag.clone(),
            partner_type: Some("Associates".to_owned()),
            marketplace: Some(marketplace.domain().to_owned()),
            item_ids: asins.iter().map(|a| a.as_str().to_owned()).collect(),
            item_id_type: Some("ASIN".to_owned()),
            resources: model::ITEM_RESOURCES
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
            ..Default::default()
        };
        let reply = self.send("GetItems", marketplace, &body).await?;
        let ctx = self.context(marketplace, marketplace.currency());
        let decoded = model::view::decode_get_items(SOURCE_NAME, &reply)?;
        let items = model::view::products(decoded.items, &ctx, "ItemsResult.Items");
        let errors = decoded
            .errors
            .into_iter()
            .map(model::view::ErrorView::into_pair)
            .collect();
        wire::assemble_items(SOURCE_NAME, &asins, items, "ItemsResult.Items", errors)
    }

    /// The `SearchItems` body for a request, validated; nothing is sent on error.
    ///
    /// # Errors
    ///
    /// [`SourceError::InvalidInput`] naming the field out of its documented range.
    pub fn search_body(
        &self,
        request: &SearchRequest,
    ) -> Result<model::SearchItemsRequest, SourceError> {
        request.validate()?;
        wire::validate_languages(&request.languages_of_preference)?;
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
            partner_type: Some("Associates".to_owned()),
            marketplace: Some(request.marketplace.domain().to_owned()),
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
            condition: request
                .condition
                .map(|c| wire::condition_name(c).to_owned()),
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
        })
    }
}

#[async_trait]
impl ProductSource for PaApi5Source {
    fn name(&self) -> &str {
        SOURCE_NAME
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(asins = request.asins.len(), marketplace = %request.marketplace))]
    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        if request.asins.is_empty() {
            return Ok(ItemsBatch::default());
        }
        let marketplace = request.marketplace;
        wire::get_items_chunked(request, |chunk| self.fetch_chunk(marketplace, chunk)).await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(marketplace = %request.marketplace))]
    async fn search_items(&self, request: &SearchRequest) -> Result<SearchPage, SourceError> {
        let body = self.search_body(request)?;
        let reply = match self.send("SearchItems", request.marketplace, &body).await {
            Ok(reply) => reply,
            // PA-API answers "no results" with 404 NoResults: an empty page.
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
            model::view::products(decoded.items, &ctx, "SearchResult.Items"),
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
        let body = model::GetVariationsRequest {
            partner_tag: self.associate_tag.clone(),
            partner_type: Some("Associates".to_owned()),
            marketplace: Some(request.marketplace.domain().to_owned()),
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
            .send("GetVariations", request.marketplace, &body)
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
                model::view::products(decoded.items, &ctx, "VariationsResult.Items"),
                summary,
                &ctx,
                request.asin,
                "VariationsResult.Items",
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
        let body = model::GetBrowseNodesRequest {
            partner_tag: self.associate_tag.clone(),
            partner_type: Some("Associates".to_owned()),
            marketplace: Some(request.marketplace.domain().to_owned()),
            browse_node_ids: request.ids.clone(),
            resources: model::BROWSE_NODE_RESOURCES
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
            ..Default::default()
        };
        let reply: model::GetBrowseNodesResponse = self
            .call("GetBrowseNodes", request.marketplace, &body)
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
        let mut ordered: Vec<BrowseNode> = Vec::with_capacity(nodes.len());
        for id in &request.ids {
            if let Some(node) = nodes.iter().find(|n| &n.id == id)
                && !ordered.iter().any(|n| &n.id == id)
            {
                ordered.push(node.clone());
            }
        }
        Ok(ordered)
    }
}
