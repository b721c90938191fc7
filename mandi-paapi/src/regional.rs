//! A product source that routes each request to the source of its marketplace's credential
//! region group: Creators API credentials serve one group (North America, Europe with India,
//! Far East), so a front-end that asks about several groups' marketplaces holds one source per
//! group.

use std::sync::Arc;

use async_trait::async_trait;
use mandi_core::{
    BrowseNode, BrowseNodesRequest, CredentialGroup, ItemsBatch, ItemsRequest, Marketplace,
    ProductSource, SearchPage, SearchRequest, SourceError, VariationFamily, VariationsRequest,
};

/// Routes each request by [`Marketplace::credential_group`] to the source registered for
/// that group, else to the default source (which then answers as it would alone).
///
/// # Examples
///
/// ```no_run
/// use mandi_core::{CredentialGroup, ItemsRequest, Marketplace, ProductSource};
/// use mandi_paapi::creators::CredentialVersion;
/// use mandi_paapi::sandbox::Sandbox;
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let sandbox = Sandbox::builder().start().await?;
/// let source = sandbox.all_markets_source(false)?;
/// let asin = sandbox.oracle().asins_in(Marketplace::UnitedStates)[0];
/// let batch = source.get_items(&ItemsRequest::new(Marketplace::UnitedStates, [asin])).await?;
/// assert_eq!(batch.items[0].price().map(|p| p.currency().code()), Some("USD"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RegionalSource {
    default: Arc<dyn ProductSource>,
    by_group: Vec<(CredentialGroup, Arc<dyn ProductSource>)>,
}

impl std::fmt::Debug for RegionalSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegionalSource")
            .field("default", &self.default.name())
            .field(
                "groups",
                &self.by_group.iter().map(|(g, _)| *g).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl RegionalSource {
    /// A router whose every request goes to `default` until groups are added.
    pub fn new(default: Arc<dyn ProductSource>) -> Self {
        Self {
            default,
            by_group: Vec::new(),
        }
    }

    /// Sends the requests of `group`'s marketplaces to `source` (replacing an earlier one).
    pub fn with_region(mut self, group: CredentialGroup, source: Arc<dyn ProductSource>) -> Self {
        self.by_group.retain(|(g, _)| *g != group);
        self.by_group.push((group, source));
        self
    }

    /// The source a marketplace's requests go to.
    pub fn source_for(&self, marketplace: Marketplace) -> &Arc<dyn ProductSource> {
        let group = marketplace.credential_group();
        self.by_group
            .iter()
            .find(|(g, _)| *g == group)
            .map_or(&self.default, |(_, s)| s)
    }
}

#[async_trait]
impl ProductSource for RegionalSource {
    fn name(&self) -> &str {
        self.default.name()
    }

    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        self.source_for(request.marketplace)
            .get_items(request)
            .await
    }

    async fn search_items(&self, request: &SearchRequest) -> Result<SearchPage, SourceError> {
        self.source_for(request.marketplace)
            .search_items(request)
            .await
    }

    async fn get_variations(
        &self,
        request: &VariationsRequest,
    ) -> Result<VariationFamily, SourceError> {
        self.source_for(request.marketplace)
            .get_variations(request)
            .await
    }

    async fn get_browse_nodes(
        &self,
        request: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        self.source_for(request.marketplace)
            .get_browse_nodes(request)
            .await
    }
}
