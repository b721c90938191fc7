//! The alert step, one pass of monitoring: fetch, record, evaluate, write — atomically per product.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::engine::RuleEngine;
use super::observation::ProductObservation;
use super::state::WatchRuleStates;
use crate::domain::{
    AlertRule, Asin, Availability, DataOrigin, Marketplace, OfferKind, PricePoint, Product,
};
use crate::ports::source::{ItemsRequest, MAX_ITEMS_PER_CALL, ProductSource};
use crate::ports::store::{HistoryQuery, PriceUpdate, Store, StoreError};
use crate::ports::{Clock, Scorer};

/// Errors of a monitoring step. Source failures are not errors (the products are recorded as
/// unknown); only the store failing stops a step.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AlertStepError {
    /// The store failed; nothing of the product being handled was written. Retry the step.
    #[error("the store failed during a monitoring step: {0}")]
    Store(#[from] StoreError),
}

/// What a monitoring step did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshReport {
    /// Calls made to the source.
    pub source_calls: usize,
    /// Products fetched with data.
    pub fetched: usize,
    /// Products whose fetch failed (recorded as unknown).
    pub unknown: usize,
    /// Watch evaluations made.
    pub evaluations: usize,
    /// Alerts created.
    pub alerts_created: usize,
    /// Alerts that were already stored (a repeated update).
    pub duplicates: usize,
    /// The source errors met, for logs.
    pub source_errors: Vec<String>,
}

/// Fetches products, records their prices, evaluates the watches on them and writes
/// everything (product, price points, rule states, alerts, outbox rows) through
/// [`Store::apply_update`] — one transaction per product.
///
/// A building block: scheduling, quotas, caching and circuit breaking wrap it from outside.
/// A failed fetch (a source error, an ASIN the source could not return) is recorded as an
/// unknown-price gap point; it never becomes a zero price or "out of stock", never triggers
/// anything and never replaces the stored product.
///
/// # Examples
///
/// ```no_run
/// # use std::sync::Arc;
/// # use mandi_core::alerts::AlertStep;
/// # use mandi_core::{ProductSource, Store, SystemClock};
/// # async fn run(source: Arc<dyn ProductSource>, store: Arc<dyn Store>) -> Result<(), Box<dyn std::error::Error>> {
/// let monitor = AlertStep::new(source, store, Arc::new(SystemClock));
/// let report = monitor.refresh_watched().await?;
/// println!("{} alerts", report.alerts_created);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AlertStep {
    source: Arc<dyn ProductSource>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    scorer: Option<Arc<dyn Scorer>>,
    engine: RuleEngine,
    channels: Vec<String>,
    hints: Option<Arc<crate::monitor::HintBoard>>,
}

impl fmt::Debug for AlertStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlertStep")
            .field("source", &self.source.name())
            .field("engine", &self.engine)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

impl AlertStep {
    /// A monitor with the default engine, no scorer (deal-score rules stay quiet) and alerts
    /// delivered through the `terminal` channel.
    pub fn new(
        source: Arc<dyn ProductSource>,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            source,
            store,
            clock,
            scorer: None,
            engine: RuleEngine::default(),
            channels: vec!["terminal".to_owned()],
            hints: None,
        }
    }

    /// Scores offers with `scorer` (for deal-score rules).
    pub fn with_scorer(mut self, scorer: Arc<dyn Scorer>) -> Self {
        self.scorer = Some(scorer);
        self
    }

    /// Evaluates with `engine` (noise controls).
    pub fn with_engine(mut self, engine: RuleEngine) -> Self {
        self.engine = engine;
        self
    }

    /// Leaves a refresh hint per handled product on `board` (how close its price is to the
    /// nearest target of a live watch, a running lightning deal) for the scheduler.
    pub fn with_hints(mut self, board: Arc<crate::monitor::HintBoard>) -> Self {
        self.hints = Some(board);
        self
    }

    /// The same step reading and writing through another store.
    pub fn with_store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = store;
        self
    }

    /// Delivers every alert through these channels (one outbox row each).
    pub fn with_channels(mut self, channels: Vec<String>) -> Self {
        self.channels = channels;
        self
    }

    /// Refreshes every product under a live watch (a family's known children instead of its
    /// parent).
    ///
    /// # Errors
    ///
    /// [`AlertStepError::Store`] when the store fails.
    pub async fn refresh_watched(&self) -> Result<RefreshReport, AlertStepError> {
        let mut watched: BTreeMap<&'static str, (Marketplace, Vec<Asin>)> = BTreeMap::new();
        for w in self.store.watched_products().await? {
            watched
                .entry(w.marketplace.country_code())
                .or_insert_with(|| (w.marketplace, Vec::new()))
                .1
                .push(w.asin);
        }
        let mut by_market: BTreeMap<&'static str, (Marketplace, Vec<Asin>)> = BTreeMap::new();
        for (code, (marketplace, asins)) in watched {
            // One read for the families of every watched product of the marketplace.
            let families = self
                .store
                .variation_children_of(marketplace, &asins)
                .await?;
            let entry = by_market
                .entry(code)
                .or_insert_with(|| (marketplace, Vec::new()));
            for (asin, children) in asins.into_iter().zip(families) {
                if children.is_empty() {
                    entry.1.push(asin);
                } else {
                    entry.1.extend(children);
                }
            }
        }
        let mut report = RefreshReport::default();
        for (_, (marketplace, mut asins)) in by_market {
            asins.sort();
            asins.dedup();
            let r = self.refresh(marketplace, &asins).await?;
            report.source_calls += r.source_calls;
            report.fetched += r.fetched;
            report.unknown += r.unknown;
            report.evaluations += r.evaluations;
            report.alerts_created += r.alerts_created;
            report.duplicates += r.duplicates;
            report.source_errors.extend(r.source_errors);
        }
        Ok(report)
    }

    /// Fetches `asins` (at most [`MAX_ITEMS_PER_CALL`] per call) and handles each product.
    ///
    /// # Errors
    ///
    /// [`AlertStepError::Store`] when the store fails; products handled before stay written.
    #[tracing::instrument(skip_all, err(level = "debug"), fields(%marketplace, asins = asins.len()))]
    pub async fn refresh(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
    ) -> Result<RefreshReport, AlertStepError> {
        let mut report = RefreshReport::default();
        for chunk in asins.chunks(MAX_ITEMS_PER_CALL) {
            report.source_calls += 1;
            let request = ItemsRequest::new(marketplace, chunk.iter().copied());
            let mut found: HashMap<Asin, Product> = HashMap::new();
            match self.source.get_items(&request).await {
                Ok(batch) => {
                    for e in &batch.errors {
                        report
                            .source_errors
                            .push(format!("{}: {} ({})", e.asin, e.message, e.code));
                    }
                    for p in batch.items {
                        if p.marketplace == marketplace {
                            found.insert(p.asin, p);
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, source = self.source.name(), "fetch failed; prices recorded as unknown");
                    report.source_errors.push(e.to_string());
                }
            }
            let mut batch = Batch::default();
            for asin in chunk {
                match found.remove(asin) {
                    Some(product) => {
                        report.fetched += 1;
                        self.prepare(product, &mut batch, &mut report).await?;
                    }
                    None => {
                        report.unknown += 1;
                        batch.updates.push(self.unknown_update(marketplace, *asin));
                    }
                }
            }
            self.write(batch, &mut report).await?;
        }
        Ok(report)
    }

    /// Handles products fetched elsewhere (an interactive lookup, a search): records them and
    /// evaluates the watches on them, exactly as a refresh would.
    ///
    /// # Errors
    ///
    /// [`AlertStepError::Store`] when the store fails; products handled before stay written.
    pub async fn ingest(&self, products: Vec<Product>) -> Result<RefreshReport, AlertStepError> {
        let mut report = RefreshReport::default();
        for chunk in products.chunks(MAX_ITEMS_PER_CALL) {
            let mut batch = Batch::default();
            for product in chunk {
                report.fetched += 1;
                self.prepare(product.clone(), &mut batch, &mut report)
                    .await?;
            }
            self.write(batch, &mut report).await?;
        }
        Ok(report)
    }

    /// A failed fetch: an unknown-price gap point, nothing else.
    fn unknown_update(&self, marketplace: Marketplace, asin: Asin) -> PriceUpdate {
        let point = PricePoint {
            marketplace,
            asin,
            offer_kind: OfferKind::BuyBox,
            at: self.clock.now(),
            price: None,
            list_price: None,
            availability: Availability::Unknown,
            deal_badge: None,
            origin: DataOrigin::Api,
        };
        PriceUpdate {
            points: vec![point],
            ..PriceUpdate::default()
        }
    }

    /// Writes a batch's updates in one store transaction.
    async fn write(&self, batch: Batch, report: &mut RefreshReport) -> Result<(), AlertStepError> {
        if batch.updates.is_empty() {
            return Ok(());
        }
        let applied =
            crate::telemetry::timed("apply_updates", self.store.apply_updates(&batch.updates))
                .await?;
        for applied in applied {
            metrics::counter!(crate::telemetry::ALERTS_CREATED)
                .increment(applied.created.len() as u64);
            report.alerts_created += applied.created.len();
            report.duplicates += applied.duplicates;
        }
        Ok(())
    }

    /// Evaluates the watches on a fetched product and adds its update to `batch`. Reads only
    /// what the rules need: the product's running aggregates and the longest "lowest in N
    /// days" window (the whole history only when a deal-score rule needs the scorer, or when
    /// the product is older than what is stored).
    async fn prepare(
        &self,
        product: Product,
        batch: &mut Batch,
        report: &mut RefreshReport,
    ) -> Result<(), AlertStepError> {
        let watches = self
            .store
            .watches_on(product.marketplace, product.asin)
            .await?;
        let watches: Vec<_> = watches
            .into_iter()
            .filter(|w| RuleEngine::follows_product(w, &product))
            .collect();
        if let Some(board) = &self.hints {
            board.set(
                crate::monitor::ProductKey::new(product.marketplace, product.asin),
                refresh_hint(&product, &watches, self.clock.now()),
            );
        }
        let mut update = PriceUpdate {
            channels: self.channels.clone(),
            ..PriceUpdate::default()
        };
        if !watches.is_empty() {
            let obs = self.observe(&product, &watches).await?;
            let unseen: Vec<_> = watches
                .iter()
                .map(|w| w.id)
                .filter(|id| !batch.states.contains_key(id))
                .collect();
            if !unseen.is_empty() {
                for s in self.store.rule_states(&unseen).await? {
                    batch.states.insert(s.watch_id, s);
                }
            }
            for w in &watches {
                // States changed earlier in this batch (a family watch seeing two of its
                // children) are the ones to continue from.
                let mut states = batch
                    .states
                    .get(&w.id)
                    .cloned()
                    .unwrap_or_else(|| WatchRuleStates::new(w.id));
                report.evaluations += 1;
                if self
                    .engine
                    .evaluate(w, &obs, &mut states, &mut update.alerts)
                {
                    batch.states.insert(w.id, states.clone());
                    update.rule_states.push(states);
                }
            }
            if !update.alerts.is_empty() {
                // The card of what fired, computed once here (alerts are rare): delivering
                // or listing the alert later recomputes nothing.
                let card = self.card(&product).await?;
                for alert in &mut update.alerts {
                    alert.card = Some(card.clone());
                }
            }
        }
        update.product = Some(product);
        batch.updates.push(update);
        Ok(())
    }

    /// The card of the alerts `product` fired: its whole buy-box history (read once, only
    /// for a product that fired) as of this observation.
    async fn card(&self, product: &Product) -> Result<crate::domain::AlertCard, AlertStepError> {
        let before = self
            .store
            .price_history(&HistoryQuery {
                until: Some(product.fetched_at),
                ..HistoryQuery::buy_box(product.marketplace, product.asin)
            })
            .await?;
        Ok(super::card::card_at_observation(
            product,
            before,
            self.scorer.as_deref(),
        ))
    }

    /// What the rules need about `product`, read as narrowly as they allow.
    async fn observe(
        &self,
        product: &Product,
        watches: &[crate::domain::Watch],
    ) -> Result<ProductObservation, AlertStepError> {
        let mut windows: Vec<u32> = watches
            .iter()
            .flat_map(|w| w.rules.iter())
            .filter_map(|r| match r {
                AlertRule::LowestInDays { days } => Some(*days),
                _ => None,
            })
            .collect();
        windows.sort_unstable();
        windows.dedup();
        let scorer = self.scorer.as_deref().filter(|_| {
            watches
                .iter()
                .flat_map(|w| w.rules.iter())
                .any(|r| matches!(r, AlertRule::DealScoreAtLeast { .. }))
        });
        let at = product.fetched_at;
        let stats = if scorer.is_none() {
            self.store
                .price_stats(product.marketplace, product.asin, OfferKind::BuyBox)
                .await?
        } else {
            None
        };
        match stats {
            // Everything stored is older than this observation: the aggregates are "before".
            Some(stats) if stats.last_at.is_some_and(|t| t < at) => {
                // Each window's lowest price is aggregated by the store: no point is read.
                let currency = ProductObservation::window_currency(product, &stats);
                let mut lows = Vec::with_capacity(windows.len());
                for &days in &windows {
                    let low = if ProductObservation::covers(&stats, at, days) {
                        self.store
                            .lowest_in_window(
                                product.marketplace,
                                product.asin,
                                OfferKind::BuyBox,
                                at - chrono::Duration::days(i64::from(days)),
                                at,
                                currency,
                            )
                            .await?
                    } else {
                        None
                    };
                    lows.push((days, low));
                }
                Ok(ProductObservation::from_stats_and_lows(
                    product, &stats, lows,
                ))
            }
            // Nothing stored yet.
            None if scorer.is_none() => Ok(ProductObservation::from_stats(
                product,
                &crate::ports::PriceStats::default(),
                &[],
                &windows,
            )),
            _ => {
                let history = self
                    .store
                    .price_history(&HistoryQuery::buy_box(product.marketplace, product.asin))
                    .await?;
                Ok(ProductObservation::from_history(
                    product,
                    &history,
                    self.clock.now(),
                    &windows,
                    scorer,
                ))
            }
        }
    }
}

/// The updates of one reply, written in one transaction, and the rule states changed so far.
#[derive(Default)]
struct Batch {
    updates: Vec<PriceUpdate>,
    states: HashMap<crate::domain::WatchId, WatchRuleStates>,
}

/// The alerting step as the scheduler's sink: fresh products are recorded and evaluated;
/// ASINs asked for but not answered get an unknown-price gap point; a stale answer from the
/// cache (the source was unavailable) is not a new observation and changes nothing, while a
/// scraped page is one, recorded with its origin.
#[async_trait::async_trait]
impl crate::monitor::BatchSink for AlertStep {
    async fn handle(
        &self,
        batch: &crate::monitor::FetchedBatch,
    ) -> Result<(), crate::monitor::SinkError> {
        if batch.stale && batch.origin == DataOrigin::Cached {
            return Ok(());
        }
        let mut report = RefreshReport::default();
        let mut answered = std::collections::HashSet::new();
        let mut pending = Batch::default();
        let store_error = |AlertStepError::Store(e)| crate::monitor::SinkError::from(e);
        for product in &batch.products {
            answered.insert(product.asin);
            report.fetched += 1;
            self.prepare(product.clone(), &mut pending, &mut report)
                .await
                .map_err(store_error)?;
        }
        for asin in &batch.requested {
            if !answered.contains(asin) {
                pending
                    .updates
                    .push(self.unknown_update(batch.marketplace, *asin));
            }
        }
        self.write(pending, &mut report)
            .await
            .map_err(store_error)?;
        if report.alerts_created > 0 {
            tracing::info!(alerts = report.alerts_created, "alerts fired");
        }
        Ok(())
    }

    fn persists_products(&self) -> bool {
        true
    }
}

/// How close the product's price is to the nearest target of a live watch, and the end of a
/// running lightning deal: what makes the scheduler look at it more often.
fn refresh_hint(
    product: &Product,
    watches: &[crate::domain::Watch],
    now: chrono::DateTime<chrono::Utc>,
) -> crate::monitor::RefreshHint {
    let price = product.price();
    let target_gap_bps = watches
        .iter()
        .filter(|w| w.state.is_live_at(now))
        .flat_map(|w| w.rules.iter())
        .filter_map(|r| match r {
            AlertRule::TargetPrice { at_or_below } => Some(*at_or_below),
            _ => None,
        })
        .filter_map(|target| {
            let p = price.filter(|p| p.currency() == target.currency())?;
            let above = (p.minor() - target.minor()).max(0);
            let bps = i128::from(above) * 10_000 / i128::from(target.minor().max(1));
            u32::try_from(bps).ok().or(Some(u32::MAX))
        })
        .min();
    let deal_ends_at = product
        .buy_box()
        .and_then(|o| o.deal.as_ref())
        .filter(|d| d.is_lightning())
        .and_then(|d| d.ends_at)
        .filter(|end| *end > now);
    crate::monitor::RefreshHint {
        target_gap_bps,
        deal_ends_at,
    }
}
