//! [`CatalogService`]: the lookups every front-end offers — products, search, variations,
//! browse nodes and price history — on top of a [`ProductSource`], a [`Store`] and a [`Clock`].
//!
//! Front-ends hold no business logic: the CLI and the Telegram bot both call this service, so
//! what is fetched is always saved the same way (every offer seen goes into the price history)
//! and a history report is always computed the same way.

mod coalesce;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alerts::{AlertStep, AlertStepError};
use crate::analytics::{self, HistorySummary, PricePatterns};
use crate::domain::{
    Asin, BrowseNode, Marketplace, OfferKind, PricePoint, Product, UserId, VariationFamily,
};
use crate::ports::{
    BrowseNodesRequest, Clock, DealScore, HistoryQuery, ItemsBatch, ItemsRequest, ProductSource,
    ScoreInput, Scorer, SearchLog, SearchPage, SearchRequest, SourceError, Store, StoreError,
    VariationsRequest,
};

/// Errors of the catalog service: the source's or the store's, kept apart.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The product source failed (throttled, unauthorised, bad input…).
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The store failed; what was fetched may not have been saved.
    #[error("could not save or read product data: {0}")]
    Store(#[from] StoreError),
}

impl CatalogError {
    /// True when the same call may succeed later (throttling, a busy database).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Source(e) => e.is_retryable(),
            Self::Store(e) => e.is_retryable(),
        }
    }
}

/// Everything a person asks about one product's price history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryReport {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// The last saved copy of the product, if it was ever fetched.
    pub product: Option<Product>,
    /// The moment the report was made.
    pub now: DateTime<Utc>,
    /// The end (exclusive) of the history analysed: one second past `now`, so a price
    /// fetched at this very instant counts. Charts and sparklines of the report use it.
    pub as_of: DateTime<Utc>,
    /// The buy-box history in time order (gaps are points with no price).
    pub points: Vec<PricePoint>,
    /// Current, previous, lows, highs and averages per window, flags and gaps.
    pub summary: HistorySummary,
    /// Volatility, trend, typical sale depth and timing, expected next drop.
    pub patterns: PricePatterns,
    /// The deal score of the current offer, when the product is known.
    pub score: Option<DealScore>,
}

/// What an alert's card and chart show ([`CatalogService::alert_view`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertView {
    /// The last saved copy of the product, if it was ever fetched (title, images).
    pub product: Option<Product>,
    /// The card's figures: stored with the alert, or computed now for an older alert.
    pub card: crate::AlertCard,
    /// The buy-box history in time order, when asked for (empty otherwise).
    pub points: Vec<PricePoint>,
    /// The end (exclusive) of the history a chart of `points` shows.
    pub as_of: DateTime<Utc>,
}

/// The lookups of Mandi, shared by every front-end.
///
/// # Examples
///
/// ```no_run
/// # async fn run(source: std::sync::Arc<dyn mandi_core::ProductSource>) -> Result<(), mandi_core::catalog::CatalogError> {
/// use std::sync::Arc;
/// use mandi_core::catalog::CatalogService;
/// use mandi_core::store::MemoryStore;
/// use mandi_core::{Marketplace, SystemClock};
/// let service = CatalogService::new(source, Arc::new(MemoryStore::new()), Arc::new(SystemClock));
/// let asin = "B0CX59H5W7".parse().expect("a valid ASIN");
/// let batch = service.lookup(Marketplace::India, &[asin]).await?;
/// println!("{} found", batch.items.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CatalogService {
    source: Arc<dyn ProductSource>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    scorer: Arc<dyn Scorer>,
    alert_step: AlertStep,
    quota: Option<(
        Arc<dyn crate::AccountQuota>,
        Arc<dyn crate::monitor::Sleeper>,
    )>,
    coalescer: Option<Arc<coalesce::Coalescer>>,
}

impl std::fmt::Debug for CatalogService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogService")
            .field("source", &self.source.name())
            .finish_non_exhaustive()
    }
}

impl CatalogService {
    /// A service over a source, a store and a clock, scoring with [`analytics::HistoryScorer`].
    pub fn new(
        source: Arc<dyn ProductSource>,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let scorer: Arc<dyn Scorer> = Arc::new(analytics::HistoryScorer::default());
        let alert_step = AlertStep::new(source.clone(), store.clone(), clock.clone())
            .with_scorer(scorer.clone());
        Self {
            source,
            store,
            clock,
            scorer,
            alert_step,
            quota: None,
            coalescer: None,
        }
    }

    /// The same service packing lookups of up to ten ASINs that arrive within `window` of
    /// each other (per marketplace) into one call of up to ten ASINs; each caller gets the
    /// items and errors of its own ASINs. A zero window turns packing off. A service with a
    /// shared quota ([`CatalogService::with_quota`]) packs within
    /// [`CatalogService::DEFAULT_COALESCING_WINDOW`] unless told otherwise.
    pub fn with_coalescing(mut self, window: std::time::Duration) -> Self {
        self.coalescer = (!window.is_zero()).then(|| Arc::new(coalesce::Coalescer::new(window)));
        self
    }

    /// How long a lookup waits for others to share its call, when a quota is shared.
    pub const DEFAULT_COALESCING_WINDOW: std::time::Duration = std::time::Duration::from_millis(5);

    /// The same service taking every call from `quota` at the interactive priority, ahead
    /// of monitoring, enrichment and analytics sharing that quota (a [`MonitoringService`]
    /// built over this service uses it too). `sleeper` waits for a permit.
    ///
    /// [`MonitoringService`]: crate::monitor::MonitoringService
    pub fn with_quota(
        mut self,
        quota: Arc<dyn crate::AccountQuota>,
        sleeper: Arc<dyn crate::monitor::Sleeper>,
    ) -> Self {
        self.quota = Some((quota, sleeper));
        if self.coalescer.is_none() {
            self = self.with_coalescing(Self::DEFAULT_COALESCING_WINDOW);
        }
        self
    }

    /// The shared quota, when one was given.
    pub fn quota(&self) -> Option<&Arc<dyn crate::AccountQuota>> {
        self.quota.as_ref().map(|(q, _)| q)
    }

    /// Whether this process can do its work, for a `/healthz` probe: the store answers (one
    /// count) and a shared quota, when there is one, can be read.
    ///
    /// # Errors
    ///
    /// A message naming what failed.
    pub async fn check_health(&self) -> Result<(), String> {
        self.store
            .outbox_depth()
            .await
            .map_err(|e| format!("store: {e}"))?;
        if let Some((quota, _)) = &self.quota {
            quota.snapshot().await.map_err(|e| format!("quota: {e}"))?;
        }
        Ok(())
    }

    /// Waits for an interactive permit (when a quota is shared), then records the outcome.
    async fn with_permit<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, SourceError>>,
    ) -> Result<T, SourceError> {
        let source = self.source.name();
        let Some((quota, sleeper)) = &self.quota else {
            let result = call.await;
            crate::telemetry::source_call(source, result.as_ref().map(|_| ()));
            return result;
        };
        quota
            .acquire(crate::monitor::Priority::Interactive, sleeper.as_ref())
            .await
            .map_err(|e| SourceError::Throttled {
                source_name: self.source.name().to_owned(),
                retry_after: None,
                message: format!("the account's quota is spent: {e}"),
            })?;
        let result = call.await;
        crate::telemetry::source_call(source, result.as_ref().map(|_| ()));
        if let Err(e) = quota.record(result.as_ref().map(|_| ())).await {
            tracing::warn!(error = %e, "could not record the call with the quota");
        }
        result
    }

    /// The same service over another store (a monitor worker's fenced store, see
    /// [`crate::store::join_monitor`]); the alert step writes through it too.
    pub fn with_store(mut self, store: Arc<dyn Store>) -> Self {
        self.alert_step = self.alert_step.with_store(store.clone());
        self.store = store;
        self
    }

    /// The same service with another scorer (for history reports and deal-score rules).
    pub fn with_scorer(mut self, scorer: Arc<dyn Scorer>) -> Self {
        self.alert_step = self.alert_step.with_scorer(scorer.clone());
        self.scorer = scorer;
        self
    }

    /// The same service delivering the alerts its lookups fire through these notifier
    /// channels (`terminal` by default; the bot uses `telegram`).
    pub fn with_channels(mut self, channels: Vec<String>) -> Self {
        self.alert_step = self.alert_step.with_channels(channels);
        self
    }

    /// The alert step over the same source, store and clock: what every fetched
    /// product goes through, so a lookup evaluates the watches on it like a refresh does.
    pub fn alert_step(&self) -> &AlertStep {
        &self.alert_step
    }

    /// The scorer of history reports.
    pub fn scorer(&self) -> &Arc<dyn Scorer> {
        &self.scorer
    }

    /// The source it fetches from.
    pub fn source(&self) -> &Arc<dyn ProductSource> {
        &self.source
    }

    /// The store it saves to.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock it reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Fetches current data for some ASINs (any number; duplicates dropped) and saves every
    /// product found, offers included, into the store and its price history.
    ///
    /// # Errors
    ///
    /// The source refused the whole call, or the store could not save.
    #[tracing::instrument(skip_all, fields(source = self.source.name(), asins = asins.len()))]
    pub async fn lookup(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
    ) -> Result<ItemsBatch, CatalogError> {
        if let Some(coalescer) = &self.coalescer {
            let unique = ItemsRequest::new(marketplace, asins.iter().copied()).unique_asins();
            if !unique.is_empty() && unique.len() <= crate::ports::MAX_ITEMS_PER_CALL {
                return self.lookup_shared(coalescer, marketplace, unique).await;
            }
        }
        self.lookup_now(marketplace, asins).await
    }

    /// A lookup packed with others arriving within the window (see
    /// [`CatalogService::with_coalescing`]).
    async fn lookup_shared(
        &self,
        coalescer: &Arc<coalesce::Coalescer>,
        marketplace: Marketplace,
        asins: Vec<Asin>,
    ) -> Result<ItemsBatch, CatalogError> {
        use coalesce::{Joined, Shared};
        let answer = match coalescer.join(marketplace, &asins) {
            Joined::Waiting(answer) => answer,
            Joined::Opened { id, full, answer } => {
                let service = self.clone();
                let coalescer = coalescer.clone();
                // The call runs on its own task: a caller that goes away cancels nobody.
                tokio::spawn(async move {
                    tokio::select! {
                        () = tokio::time::sleep(coalescer.window()) => {}
                        () = full.notified() => {}
                    }
                    let Some((asins, waiters)) = coalescer.take(id) else {
                        return;
                    };
                    let shared = match service.lookup_now(marketplace, &asins).await {
                        Ok(batch) => Shared::Answered(Arc::new(batch)),
                        Err(CatalogError::Source(e)) => Shared::Source(e),
                        Err(CatalogError::Store(e)) => Shared::Store(e.to_string()),
                    };
                    for w in waiters {
                        let _ = w.send(shared.clone());
                    }
                });
                answer
            }
        };
        let shared = answer.await.map_err(|_| {
            CatalogError::Store(coalesce::store_error(
                "the shared lookup ended without an answer".to_owned(),
            ))
        })?;
        coalesce::answer_for(shared, &asins)
    }

    /// One call (per ten ASINs) now, saving what it finds.
    async fn lookup_now(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
    ) -> Result<ItemsBatch, CatalogError> {
        let request = ItemsRequest::new(marketplace, asins.iter().copied());
        let unique = request.unique_asins().len();
        let result = self.with_permit(self.source.get_items(&request)).await;
        // One call per ten ASINs, counted against the account's quota.
        for chunk in 0..unique.div_ceil(crate::ports::MAX_ITEMS_PER_CALL) {
            let items = (unique - chunk * crate::ports::MAX_ITEMS_PER_CALL)
                .min(crate::ports::MAX_ITEMS_PER_CALL);
            self.record_usage("getItems", items, result.is_ok()).await;
        }
        let batch = result?;
        self.save_products(&batch.items).await?;
        Ok(batch)
    }

    /// One page of search results, saved like lookups, with the query logged.
    ///
    /// # Errors
    ///
    /// The request is invalid, the source failed, or the store could not save.
    #[tracing::instrument(skip_all, fields(source = self.source.name()))]
    pub async fn search(
        &self,
        request: &SearchRequest,
        user: Option<UserId>,
    ) -> Result<SearchPage, CatalogError> {
        request.validate()?;
        let result = self.with_permit(self.source.search_items(request)).await;
        self.record_usage(
            "searchItems",
            result.as_ref().map_or(0, |p| p.items.len()),
            result.is_ok(),
        )
        .await;
        let page = result?;
        self.save_products(&page.items).await?;
        let query = [
            request.keywords.as_deref(),
            request.title.as_deref(),
            request.brand.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        self.store
            .record_search(&SearchLog {
                user_id: user,
                marketplace: request.marketplace,
                query,
                result_count: u32::try_from(page.items.len()).unwrap_or(u32::MAX),
                at: self.clock.now(),
            })
            .await?;
        Ok(page)
    }

    /// The variation family of a product, saved (links and children with their offers).
    ///
    /// # Errors
    ///
    /// The request is invalid, the source failed, or the store could not save.
    pub async fn variations(
        &self,
        request: &VariationsRequest,
    ) -> Result<VariationFamily, CatalogError> {
        request.validate()?;
        let result = self.with_permit(self.source.get_variations(request)).await;
        self.record_usage(
            "getVariations",
            result.as_ref().map_or(0, |f| f.items.len()),
            result.is_ok(),
        )
        .await;
        let family = result?;
        self.store
            .upsert_variations(request.marketplace, &family)
            .await?;
        Ok(family)
    }

    /// Browse nodes by id, saved.
    ///
    /// # Errors
    ///
    /// The request is invalid, the source failed, or the store could not save.
    pub async fn browse_nodes(
        &self,
        request: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, CatalogError> {
        request.validate()?;
        let result = self
            .with_permit(self.source.get_browse_nodes(request))
            .await;
        self.record_usage("getBrowseNodes", request.ids.len(), result.is_ok())
            .await;
        let nodes = result?;
        self.store
            .upsert_browse_nodes(request.marketplace, &nodes)
            .await?;
        Ok(nodes)
    }

    /// The products someone watches (paused watches and inactive users left out), most
    /// watched first: what monitoring refreshes.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn watched_products(
        &self,
    ) -> Result<Vec<crate::ports::store::WatchedProduct>, CatalogError> {
        Ok(self.store.watched_products().await?)
    }

    /// This service's source's API usage on one (UTC) day.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn api_usage_on(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<crate::ports::store::ApiUsageTotals, CatalogError> {
        Ok(self.store.api_usage(self.source.name(), day).await?)
    }

    /// The price-history report of a product from what the store holds, as of now.
    ///
    /// With `refresh`, the product is fetched first (so the report ends at the current
    /// price); a product the source does not know still gets a report of its stored history.
    ///
    /// # Errors
    ///
    /// The store failed, or (with `refresh`) the source refused the call.
    pub async fn history(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        refresh: bool,
    ) -> Result<HistoryReport, CatalogError> {
        if refresh {
            self.lookup(marketplace, &[asin]).await?;
        }
        let product = self.store.get_product(marketplace, asin).await?;
        let points = self
            .store
            .price_history(&HistoryQuery {
                offer_kind: Some(OfferKind::BuyBox),
                ..HistoryQuery::buy_box(marketplace, asin)
            })
            .await?;
        let now = self.clock.now();
        // The analyses read history over `[start, as_of)`; a price fetched at this very
        // instant (a refresh on a simulated clock) must count as current, so they look one
        // second past it.
        let as_of = now + chrono::Duration::seconds(1);
        let summary = analytics::summarize(&points, as_of);
        let patterns = analytics::patterns(&points, as_of);
        let score = product.as_ref().map(|p| {
            self.scorer.score(&ScoreInput {
                product: p,
                history: &points,
                now: as_of,
            })
        });
        Ok(HistoryReport {
            marketplace,
            asin,
            product,
            now,
            as_of,
            points,
            summary,
            patterns,
            score,
        })
    }

    /// What an alert's card shows: the product as last saved, the figures stored with the
    /// alert ([`crate::AlertCard`], computed once when it fired) and, with `with_points`, the
    /// buy-box history for a chart. An alert stored before cards were kept gets its card
    /// computed from the history now (a full [`CatalogService::history`] report).
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn alert_view(
        &self,
        alert: &crate::Alert,
        with_points: bool,
    ) -> Result<AlertView, CatalogError> {
        let Some(card) = alert.card.clone() else {
            let report = self.history(alert.marketplace, alert.asin, false).await?;
            let card = crate::alerts::card::card_from_report(
                report.product.as_ref(),
                &report.summary,
                report.score.as_ref(),
            );
            return Ok(AlertView {
                product: report.product,
                card,
                points: if with_points {
                    report.points
                } else {
                    Vec::new()
                },
                as_of: report.as_of,
            });
        };
        let product = self
            .store
            .get_product(alert.marketplace, alert.asin)
            .await?;
        let points = if with_points {
            self.store
                .price_history(&HistoryQuery::buy_box(alert.marketplace, alert.asin))
                .await?
        } else {
            Vec::new()
        };
        Ok(AlertView {
            product,
            card,
            points,
            as_of: self.clock.now() + chrono::Duration::seconds(1),
        })
    }

    /// Applies a retention policy to a product's stored history as of now: full resolution
    /// for recent points, older ones thinned per hour then per day without losing any
    /// minimum, maximum or gap ([`analytics::downsample`]). Returns how many points were
    /// deleted.
    ///
    /// # Errors
    ///
    /// The store failed (nothing of that offer kind was changed).
    pub async fn apply_retention(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        policy: &analytics::RetentionPolicy,
    ) -> Result<usize, CatalogError> {
        let now = self.clock.now();
        let until = now - policy.full_resolution;
        let mut deleted = 0;
        for kind in [OfferKind::BuyBox, OfferKind::ThirdPartyNew, OfferKind::Used] {
            let query = HistoryQuery {
                offer_kind: Some(kind),
                until: Some(until),
                ..HistoryQuery::buy_box(marketplace, asin)
            };
            let points = self.store.price_history(&query).await?;
            if points.len() < 2 {
                continue;
            }
            let kept: Vec<DateTime<Utc>> = analytics::downsample(&points, now, policy)
                .iter()
                .map(|p| p.at)
                .collect();
            if kept.len() < points.len() {
                deleted += self.store.retain_history(&query, &kept).await?;
            }
        }
        Ok(deleted)
    }

    /// Counts one API call against the source's quota (a failure to count is only logged).
    async fn record_usage(&self, operation: &str, items: usize, ok: bool) {
        let usage = crate::ports::ApiUsage {
            source: self.source.name().to_owned(),
            operation: operation.to_owned(),
            at: self.clock.now(),
            items: u32::try_from(items).unwrap_or(u32::MAX),
            ok,
        };
        if let Err(e) = self.store.record_api_usage(&usage).await {
            tracing::warn!(error = %e, "could not record API usage");
        }
    }

    /// Saves products through the alert step: product, price points, and the alerts
    /// the watches on them fire, in one transaction per product.
    async fn save_products(&self, products: &[Product]) -> Result<(), CatalogError> {
        self.alert_step
            .ingest(products.to_vec())
            .await
            .map_err(|e| match e {
                AlertStepError::Store(e) => CatalogError::Store(e),
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Availability, Currency, Money, Offer};
    use crate::ports::ManualClock;
    use crate::store::MemoryStore;
    use async_trait::async_trait;
    use chrono::TimeZone;
    use std::sync::Mutex;

    /// A source whose one product costs whatever `price` says.
    #[derive(Debug)]
    struct OneProduct {
        asin: Asin,
        price: Mutex<Option<Money>>,
        clock: Arc<ManualClock>,
    }

    #[async_trait]
    impl ProductSource for OneProduct {
        fn name(&self) -> &str {
            "one"
        }
        async fn get_items(&self, r: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
            let mut batch = ItemsBatch::default();
            for asin in r.unique_asins() {
                if asin == self.asin {
                    let mut p = Product::new(asin, r.marketplace, "Phone", self.clock.now());
                    let price = *self.price.lock().expect("lock");
                    let availability = if price.is_some() {
                        Availability::InStock
                    } else {
                        Availability::Unknown
                    };
                    p.offers.push(Offer::new(price, availability));
                    batch.items.push(p);
                } else {
                    batch.errors.push(crate::ports::ItemError {
                        asin,
                        kind: crate::ports::ItemErrorKind::NotFound,
                        code: "ItemNotAccessible".into(),
                        message: "no such item".into(),
                    });
                }
            }
            Ok(batch)
        }
        async fn search_items(&self, r: &SearchRequest) -> Result<SearchPage, SourceError> {
            let batch = self
                .get_items(&ItemsRequest::new(r.marketplace, [self.asin]))
                .await?;
            Ok(SearchPage {
                items: batch.items,
                total_results: Some(1),
                search_url: None,
            })
        }
        async fn get_variations(
            &self,
            _r: &VariationsRequest,
        ) -> Result<VariationFamily, SourceError> {
            Err(SourceError::invalid("no variations here"))
        }
        async fn get_browse_nodes(
            &self,
            _r: &BrowseNodesRequest,
        ) -> Result<Vec<BrowseNode>, SourceError> {
            Ok(Vec::new())
        }
    }

    fn setup() -> (Arc<OneProduct>, Arc<ManualClock>, CatalogService) {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 10, 1, 6, 0, 0)
                .single()
                .expect("date"),
        ));
        let source = Arc::new(OneProduct {
            asin: "B0CX59H5W7".parse().expect("asin"),
            price: Mutex::new(Some(Money::from_major(54_999, Currency::INR))),
            clock: clock.clone(),
        });
        let service =
            CatalogService::new(source.clone(), Arc::new(MemoryStore::new()), clock.clone());
        (source, clock, service)
    }

    #[tokio::test]
    async fn lookups_save_products_and_their_price_history() {
        let (source, clock, service) = setup();
        let missing: Asin = "B0000MISSN".parse().expect("asin");
        let batch = service
            .lookup(Marketplace::India, &[source.asin, missing, source.asin])
            .await
            .expect("lookup");
        assert_eq!(batch.items.len(), 1);
        assert_eq!(batch.errors.len(), 1);
        assert_eq!(batch.errors[0].asin, missing);
        let usage = service
            .store()
            .api_usage("one", clock.now().date_naive())
            .await
            .expect("usage");
        assert_eq!(
            (usage.calls, usage.items),
            (1, 2),
            "one call for two distinct ASINs"
        );

        clock.advance(chrono::Duration::days(1));
        *source.price.lock().expect("lock") = Some(Money::from_major(49_999, Currency::INR));
        let report = service
            .history(Marketplace::India, source.asin, true)
            .await
            .expect("history");
        let prices: Vec<_> = report.points.iter().map(|p| p.price).collect();
        assert_eq!(
            prices,
            vec![
                Some(Money::from_major(54_999, Currency::INR)),
                Some(Money::from_major(49_999, Currency::INR))
            ]
        );
        assert_eq!(
            report.summary.current.map(|c| c.price),
            Some(Money::from_major(49_999, Currency::INR))
        );
        assert!(report.product.is_some());
        assert!(report.score.is_some());
    }

    /// An alert stores the card its history showed when it fired; showing it later reads the
    /// stored figures (the history has moved on since), and an alert stored without them
    /// gets them computed from the history now.
    #[tokio::test]
    async fn an_alert_keeps_the_card_its_history_showed_when_it_fired() {
        let (source, clock, service) = setup();
        let store = service.store().clone();
        let user = store
            .upsert_user(
                &crate::domain::NewUser {
                    identity: crate::domain::ExternalIdentity::new("test", "card"),
                    display_name: None,
                    settings: crate::domain::UserSettings::default(),
                },
                clock.now(),
            )
            .await
            .expect("user");
        store
            .create_watch(
                &crate::domain::NewWatch {
                    user_id: user.id,
                    target: crate::domain::WatchTarget::Product {
                        marketplace: Marketplace::India,
                        asin: source.asin,
                    },
                    rules: vec![crate::domain::AlertRule::TargetPrice {
                        at_or_below: Money::from_major(45_000, Currency::INR),
                    }],
                    baseline_price: None,
                    label: None,
                },
                clock.now(),
            )
            .await
            .expect("watch");
        let lookup_at = |rupees: i64| {
            *source.price.lock().expect("lock") = Some(Money::from_major(rupees, Currency::INR));
            clock.advance(chrono::Duration::hours(6));
            let service = service.clone();
            let asin = source.asin;
            async move {
                service
                    .lookup(Marketplace::India, &[asin])
                    .await
                    .expect("lookup");
            }
        };
        // 100 days between ₹52,999 and ₹58,999, then ₹44,999: the target fires once.
        for i in 0..400_i64 {
            lookup_at(52_999 + (i * 7_919) % 6_001).await;
        }
        lookup_at(44_999).await;
        let alerts = store.alert_history(user.id, 10, 0).await.expect("alerts");
        assert_eq!(alerts.len(), 1);
        let alert = alerts[0].clone();
        let stored = alert.card.clone().expect("the alert step stores the card");
        let report = service
            .history(Marketplace::India, source.asin, false)
            .await
            .expect("history");
        let expected = crate::alerts::card::card_from_report(
            report.product.as_ref(),
            &report.summary,
            report.score.as_ref(),
        );
        assert_eq!(
            stored, expected,
            "the card a report made at the alert shows"
        );
        let average = stored.average_90d.expect("a 90-day average");
        assert!(average.minor() > Money::from_major(52_999, Currency::INR).minor());
        assert!(stored.score.is_some() && stored.verdict.is_some());

        // Ten more days at another price: the stored card stays what it was.
        for _ in 0..40 {
            lookup_at(39_999).await;
        }
        let view = service.alert_view(&alert, true).await.expect("view");
        assert_eq!(view.card, stored);
        assert_eq!(view.points.len(), 441);
        assert_eq!(view.product.map(|p| p.title), Some("Phone".to_owned()));
        let without_points = service.alert_view(&alert, false).await.expect("view");
        assert!(without_points.points.is_empty());
        // An alert stored before cards were kept: computed from today's history.
        let old = crate::domain::Alert {
            card: None,
            ..alert
        };
        let fallback = service.alert_view(&old, true).await.expect("fallback");
        let now = service
            .history(Marketplace::India, source.asin, false)
            .await
            .expect("history");
        assert_eq!(
            fallback.card,
            crate::alerts::card::card_from_report(
                now.product.as_ref(),
                &now.summary,
                now.score.as_ref()
            )
        );
        assert_ne!(fallback.card, stored);
        assert_eq!(fallback.points, now.points);
    }

    #[tokio::test]
    async fn retention_thins_old_history_but_keeps_lows_highs_and_recent_points() {
        let (source, clock, service) = setup();
        // Hourly prices for 60 days.
        for h in 0..(60 * 24) {
            let rupees = 50_000 + (h * 37 % 1_000) - if h == 500 { 9_000 } else { 0 };
            *source.price.lock().expect("lock") = Some(Money::from_major(rupees, Currency::INR));
            service
                .lookup(Marketplace::India, &[source.asin])
                .await
                .expect("lookup");
            clock.advance(chrono::Duration::hours(1));
        }
        let before = service
            .history(Marketplace::India, source.asin, false)
            .await
            .expect("history");
        let policy = analytics::RetentionPolicy {
            full_resolution: chrono::Duration::days(7),
            hourly: chrono::Duration::days(30),
        };
        let deleted = service
            .apply_retention(Marketplace::India, source.asin, &policy)
            .await
            .expect("retention");
        assert!(deleted > 500, "deleted {deleted}");
        let after = service
            .history(Marketplace::India, source.asin, false)
            .await
            .expect("history");
        assert_eq!(after.points.len() + deleted, before.points.len());
        let low = |r: &HistoryReport| {
            r.summary
                .window(None)
                .and_then(|w| w.lowest)
                .map(|d| d.price)
        };
        let high = |r: &HistoryReport| {
            r.summary
                .window(None)
                .and_then(|w| w.highest)
                .map(|d| d.price)
        };
        assert_eq!(low(&after), low(&before), "the all-time low survives");
        assert_eq!(high(&after), high(&before), "the all-time high survives");
        let recent = |r: &HistoryReport| {
            r.points
                .iter()
                .filter(|p| p.at >= r.now - chrono::Duration::days(7))
                .count()
        };
        assert_eq!(
            recent(&after),
            recent(&before),
            "the last week is untouched"
        );
    }

    #[tokio::test]
    async fn lookups_take_interactive_permits_from_a_shared_quota() {
        use crate::monitor::{ManualSleeper, Quota, QuotaConfig};
        let (source, clock, service) = setup();
        let config = QuotaConfig {
            daily_limit: 3,
            interactive_reserve: 0,
            watches_reserve: 0,
            enrichment_reserve: 0,
            ..QuotaConfig::rate_only(10.0)
        };
        let quota = Arc::new(Quota::new(config, clock.clone(), 1).expect("quota"));
        let sleeper = Arc::new(ManualSleeper::new((*clock).clone()));
        let service = service.with_quota(quota.clone(), sleeper);
        for _ in 0..3 {
            service
                .lookup(Marketplace::India, &[source.asin])
                .await
                .expect("within the quota");
        }
        assert_eq!(quota.snapshot().used_today, 3);
        let err = service
            .lookup(Marketplace::India, &[source.asin])
            .await
            .expect_err("the day's quota is spent");
        assert!(
            matches!(err, CatalogError::Source(SourceError::Throttled { .. })),
            "{err:?}"
        );
    }

    /// 40 people paste 40 different links at once against a 1-call-a-second quota: packed
    /// ten to a call, everyone is answered after 4 calls (about 3 s of quota time), not 40.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn forty_concurrent_lookups_share_four_calls() {
        use crate::monitor::fake::{FakeSource, numbered_asins};
        use crate::monitor::{ManualSleeper, Quota, QuotaConfig};
        let start = Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let source = Arc::new(FakeSource::new(clock.clone(), 0, 1));
        let asins = numbered_asins(1, 40);
        for (i, a) in asins.iter().enumerate() {
            source.add(Marketplace::India, *a, 100_000 + i as i64, false);
        }
        let quota =
            Arc::new(Quota::new(QuotaConfig::rate_only(1.0), clock.clone(), 1).expect("quota"));
        let sleeper = Arc::new(ManualSleeper::new((*clock).clone()));
        let service =
            CatalogService::new(source.clone(), Arc::new(MemoryStore::new()), clock.clone())
                .with_quota(quota.clone(), sleeper)
                .with_coalescing(std::time::Duration::from_millis(50));
        let lookups: Vec<_> = asins
            .iter()
            .map(|a| {
                let service = service.clone();
                let a = *a;
                tokio::spawn(async move { (a, service.lookup(Marketplace::India, &[a]).await) })
            })
            .collect();
        for handle in lookups {
            let (asin, result) = handle.await.expect("task");
            let batch = result.expect("answered");
            assert_eq!(batch.items.len(), 1, "{asin}: exactly its own product");
            assert_eq!(batch.items[0].asin, asin);
            assert!(
                service
                    .store()
                    .get_product(Marketplace::India, asin)
                    .await
                    .expect("read")
                    .is_some(),
                "{asin} saved"
            );
        }
        assert_eq!(source.calls(), 4, "ten ASINs a call");
        assert_eq!(quota.snapshot().used_today, 4);
        let waited = clock.now() - start;
        assert!(
            waited <= chrono::Duration::seconds(4),
            "quota time {waited}"
        );

        // Without packing, the same lookups cost one call each.
        let single =
            CatalogService::new(source.clone(), Arc::new(MemoryStore::new()), clock.clone());
        let before = source.calls();
        for a in &asins[..5] {
            single
                .lookup(Marketplace::India, &[*a])
                .await
                .expect("lookup");
        }
        assert_eq!(source.calls() - before, 5);
    }

    #[tokio::test]
    async fn an_unknown_price_is_recorded_as_a_gap_not_zero() {
        let (source, clock, service) = setup();
        service
            .lookup(Marketplace::India, &[source.asin])
            .await
            .expect("lookup");
        clock.advance(chrono::Duration::hours(1));
        *source.price.lock().expect("lock") = None;
        let report = service
            .history(Marketplace::India, source.asin, true)
            .await
            .expect("history");
        assert_eq!(report.points.last().map(|p| p.price), Some(None));
        assert_eq!(
            report.summary.current.map(|c| c.price),
            Some(Money::from_major(54_999, Currency::INR)),
            "the last known price stands; the unknown fetch is a gap"
        );
    }

    #[tokio::test]
    async fn searches_are_logged_and_their_results_saved() {
        let (source, _clock, service) = setup();
        let page = service
            .search(&SearchRequest::keywords(Marketplace::India, "phone"), None)
            .await
            .expect("search");
        assert_eq!(page.items.len(), 1);
        let logs = service
            .store()
            .recent_searches(None, 10)
            .await
            .expect("logs");
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].query, "phone");
        assert_eq!(logs[0].result_count, 1);
        let saved = service
            .store()
            .get_product(Marketplace::India, source.asin)
            .await
            .expect("get");
        assert!(saved.is_some());
    }

    #[tokio::test]
    async fn invalid_search_is_refused_before_the_source_is_asked() {
        let (_source, _clock, service) = setup();
        let err = service
            .search(&SearchRequest::empty(Marketplace::India), None)
            .await
            .expect_err("an empty search is invalid");
        assert!(
            matches!(err, CatalogError::Source(SourceError::InvalidInput { .. })),
            "{err:?}"
        );
    }
}
