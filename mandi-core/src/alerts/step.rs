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
use crate::ports::store::{
    HistoryQuery, NewQuarantine, PriceUpdate, QuarantineStatus, QuarantinedObservation, Settlement,
    Store, StoreError,
};
use crate::ports::{Clock, PriceStats, Scorer};
use crate::quality::{QualityGuard, Verdict};

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
    /// Observations the quality guard held in quarantine (suspect).
    #[serde(default)]
    pub quarantined: usize,
    /// Held observations a second read confirmed.
    #[serde(default)]
    pub confirmed: usize,
    /// Held observations a second read rejected (glitches).
    #[serde(default)]
    pub rejected: usize,
    /// Calls made at once to read suspect products a second time (counted in
    /// `source_calls` too).
    #[serde(default)]
    pub confirm_calls: usize,
}

impl RefreshReport {
    /// Adds another report's counts to this one.
    fn absorb(&mut self, r: RefreshReport) {
        self.source_calls += r.source_calls;
        self.fetched += r.fetched;
        self.unknown += r.unknown;
        self.evaluations += r.evaluations;
        self.alerts_created += r.alerts_created;
        self.duplicates += r.duplicates;
        self.source_errors.extend(r.source_errors);
        self.quarantined += r.quarantined;
        self.confirmed += r.confirmed;
        self.rejected += r.rejected;
        self.confirm_calls += r.confirm_calls;
    }
}

/// Fetches products, records their prices, evaluates the watches on them and writes
/// everything (product, price points, rule states, alerts, outbox rows) through
/// [`Store::apply_update`] — one transaction per product.
///
/// A building block: scheduling, quotas, caching and circuit breaking wrap it from outside.
/// Every fetched product first passes the [`QualityGuard`]: a suspect observation is held in
/// quarantine (it records nothing and fires nothing) and read a second time at once — by
/// this step itself in [`AlertStep::refresh`] and [`AlertStep::ingest`], by the monitor
/// loop at interactive priority when the step is its sink with a hint board — and the
/// second read confirms it (the alerts fire from the confirming read) or rejects it.
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
    guard: Option<QualityGuard>,
}

impl fmt::Debug for AlertStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlertStep")
            .field("source", &self.source.name())
            .field("engine", &self.engine)
            .field("channels", &self.channels)
            .field("guard", &self.guard.is_some())
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
            guard: Some(QualityGuard::default()),
        }
    }

    /// Classifies observations with `guard` (the default guard is on from
    /// [`AlertStep::new`]).
    pub fn with_guard(mut self, guard: QualityGuard) -> Self {
        self.guard = Some(guard);
        self
    }

    /// Believes every observation (no quality guard, no quarantine): for replaying trusted
    /// data only.
    pub fn without_guard(mut self) -> Self {
        self.guard = None;
        self
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
            report.absorb(r);
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
        let mut rechecks: Vec<(Marketplace, Asin)> = Vec::new();
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
            let keys: Vec<(Marketplace, Asin)> = found.keys().map(|a| (marketplace, *a)).collect();
            let ctx = self.guard_context(&keys).await?;
            for asin in chunk {
                match found.remove(asin) {
                    Some(product) => {
                        report.fetched += 1;
                        self.prepare(product, &ctx, &mut batch, &mut report).await?;
                    }
                    None => {
                        report.unknown += 1;
                        batch.updates.push(self.unknown_update(marketplace, *asin));
                    }
                }
            }
            rechecks.append(&mut batch.rechecks);
            self.write(batch, &mut report).await?;
        }
        self.confirm_now(rechecks, &mut report).await?;
        Ok(report)
    }

    /// Reads the suspect products a second time at once, through this step's source, and
    /// handles the answers (each settles its product's quarantine). Suspects of this second
    /// round stay held until the product's next read.
    async fn confirm_now(
        &self,
        mut keys: Vec<(Marketplace, Asin)>,
        report: &mut RefreshReport,
    ) -> Result<(), AlertStepError> {
        keys.sort();
        keys.dedup();
        let mut by_market: BTreeMap<&'static str, (Marketplace, Vec<Asin>)> = BTreeMap::new();
        for (m, a) in keys {
            by_market
                .entry(m.country_code())
                .or_insert_with(|| (m, Vec::new()))
                .1
                .push(a);
        }
        for (_, (marketplace, asins)) in by_market {
            for chunk in asins.chunks(MAX_ITEMS_PER_CALL) {
                report.source_calls += 1;
                report.confirm_calls += 1;
                let request = ItemsRequest::new(marketplace, chunk.iter().copied());
                let products: Vec<Product> = match self.source.get_items(&request).await {
                    Ok(batch) => batch
                        .items
                        .into_iter()
                        .filter(|p| p.marketplace == marketplace && chunk.contains(&p.asin))
                        .collect(),
                    Err(e) => {
                        tracing::warn!(error = %e, asins = chunk.len(), "the second read of suspect products failed; they stay held until their next read");
                        report.source_errors.push(e.to_string());
                        continue;
                    }
                };
                let keys: Vec<(Marketplace, Asin)> =
                    products.iter().map(|p| (p.marketplace, p.asin)).collect();
                let ctx = self.guard_context(&keys).await?;
                let mut batch = Batch::default();
                for product in products {
                    self.prepare(product, &ctx, &mut batch, report).await?;
                }
                self.write(batch, report).await?;
            }
        }
        Ok(())
    }

    /// What the guard needs about a set of products, in two reads: their stored copies
    /// (titles, categories) and their pending quarantined observations.
    async fn guard_context(
        &self,
        keys: &[(Marketplace, Asin)],
    ) -> Result<GuardContext, AlertStepError> {
        let mut ctx = GuardContext::default();
        if self.guard.is_none() || keys.is_empty() {
            return Ok(ctx);
        }
        let mut by_market: BTreeMap<&'static str, (Marketplace, Vec<Asin>)> = BTreeMap::new();
        for (m, a) in keys {
            by_market
                .entry(m.country_code())
                .or_insert_with(|| (*m, Vec::new()))
                .1
                .push(*a);
        }
        for (_, (marketplace, asins)) in by_market {
            for p in self.store.get_products(marketplace, &asins).await? {
                ctx.previous.insert((p.marketplace, p.asin), p);
            }
            for o in self.store.quarantined(marketplace, &asins, true).await? {
                ctx.pending
                    .entry((o.product.marketplace, o.product.asin))
                    .or_default()
                    .push(o);
            }
        }
        Ok(ctx)
    }

    /// Handles products fetched elsewhere (an interactive lookup, a search): records them and
    /// evaluates the watches on them, exactly as a refresh would.
    ///
    /// # Errors
    ///
    /// [`AlertStepError::Store`] when the store fails; products handled before stay written.
    pub async fn ingest(&self, products: Vec<Product>) -> Result<RefreshReport, AlertStepError> {
        let mut report = RefreshReport::default();
        let mut rechecks = Vec::new();
        for chunk in products.chunks(MAX_ITEMS_PER_CALL) {
            let mut batch = Batch::default();
            let keys: Vec<(Marketplace, Asin)> =
                chunk.iter().map(|p| (p.marketplace, p.asin)).collect();
            let ctx = self.guard_context(&keys).await?;
            for product in chunk {
                report.fetched += 1;
                self.prepare(product.clone(), &ctx, &mut batch, &mut report)
                    .await?;
            }
            rechecks.append(&mut batch.rechecks);
            self.write(batch, &mut report).await?;
        }
        self.confirm_now(rechecks, &mut report).await?;
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
        ctx: &GuardContext,
        batch: &mut Batch,
        report: &mut RefreshReport,
    ) -> Result<(), AlertStepError> {
        let key = (product.marketplace, product.asin);
        let (settle, confirmed_points, stats) = match self.screen(&product, ctx, report).await? {
            Screened::Accepted {
                settle,
                confirmed_points,
                stats,
            } => (settle, confirmed_points, stats),
            Screened::Held { settle, reason } => {
                batch.updates.push(PriceUpdate {
                    quarantine: Some(NewQuarantine { product, reason }),
                    settle,
                    ..PriceUpdate::default()
                });
                batch.rechecks.push(key);
                return Ok(());
            }
        };
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
            points: confirmed_points,
            settle,
            ..PriceUpdate::default()
        };
        if !watches.is_empty() {
            let obs = self.observe(&product, &watches, stats).await?;
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

    /// Passes a fetched product through the quality guard: settles its pending quarantine
    /// (a second read that agrees confirms it, one that disagrees rejects it) and, unless it
    /// confirmed one, classifies it. Returns the product's aggregates when it read them.
    async fn screen(
        &self,
        product: &Product,
        ctx: &GuardContext,
        report: &mut RefreshReport,
    ) -> Result<Screened, AlertStepError> {
        let Some(guard) = &self.guard else {
            return Ok(Screened::Accepted {
                settle: Vec::new(),
                confirmed_points: Vec::new(),
                stats: None,
            });
        };
        let key = (product.marketplace, product.asin);
        let now = self.clock.now();
        let mut settle = Vec::new();
        let held = ctx.pending.get(&key).map_or(&[][..], Vec::as_slice);
        if let Some((latest, older)) = held.split_last() {
            for o in older {
                settle.push(Settlement {
                    id: o.id,
                    status: QuarantineStatus::Rejected,
                    at: now,
                });
            }
            if guard.agrees(&latest.product, product) {
                tracing::info!(
                    asin = %product.asin,
                    reason = %latest.reason,
                    held_at = %latest.product.fetched_at,
                    price = ?product.price(),
                    "a second read confirmed the suspect observation; it is released"
                );
                report.confirmed += 1;
                settle.push(Settlement {
                    id: latest.id,
                    status: QuarantineStatus::Confirmed,
                    at: now,
                });
                return Ok(Screened::Accepted {
                    settle,
                    confirmed_points: crate::domain::PricePoint::from_product(&latest.product),
                    stats: None,
                });
            }
            tracing::warn!(
                asin = %product.asin,
                reason = %latest.reason,
                held_at = %latest.product.fetched_at,
                held_price = ?latest.product.price(),
                price = ?product.price(),
                "a second read disagreed; the suspect observation is rejected"
            );
            report.rejected += 1;
            settle.push(Settlement {
                id: latest.id,
                status: QuarantineStatus::Rejected,
                at: now,
            });
        }
        let stats = self
            .store
            .price_stats(product.marketplace, product.asin, OfferKind::BuyBox)
            .await?;
        let recent = if guard.needs_window(product, stats.as_ref()) {
            self.store
                .price_history(&HistoryQuery {
                    since: Some(guard.window_since(product.fetched_at)),
                    until: Some(product.fetched_at),
                    ..HistoryQuery::buy_box(product.marketplace, product.asin)
                })
                .await?
        } else {
            Vec::new()
        };
        match guard.classify(product, ctx.previous.get(&key), &recent) {
            Verdict::Ok => Ok(Screened::Accepted {
                settle,
                confirmed_points: Vec::new(),
                stats: Some(stats),
            }),
            Verdict::Suspect(reason) => {
                tracing::warn!(
                    asin = %product.asin,
                    %reason,
                    price = ?product.price(),
                    last_price = ?stats.and_then(|s| s.last_price).map(|(_, m)| m),
                    "suspect observation quarantined until a second read"
                );
                report.quarantined += 1;
                Ok(Screened::Held { settle, reason })
            }
        }
    }

    /// What the rules need about `product`, read as narrowly as they allow (`known`: the
    /// product's aggregates when already read).
    async fn observe(
        &self,
        product: &Product,
        watches: &[crate::domain::Watch],
        known: Option<Option<PriceStats>>,
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
        let stats = match (scorer, known) {
            (None, Some(stats)) => stats,
            (None, None) => {
                self.store
                    .price_stats(product.marketplace, product.asin, OfferKind::BuyBox)
                    .await?
            }
            (Some(_), _) => None,
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

/// The updates of one reply, written in one transaction, the rule states changed so far
/// and the products held as suspect (to read again).
#[derive(Default)]
struct Batch {
    updates: Vec<PriceUpdate>,
    states: HashMap<crate::domain::WatchId, WatchRuleStates>,
    rechecks: Vec<(Marketplace, Asin)>,
}

/// What the guard needs about the products of a reply: their stored copies and their
/// pending quarantined observations (oldest first).
#[derive(Default)]
struct GuardContext {
    previous: HashMap<(Marketplace, Asin), Product>,
    pending: HashMap<(Marketplace, Asin), Vec<QuarantinedObservation>>,
}

/// What the guard made of a fetched product.
enum Screened {
    /// Believed: settles these quarantines (recording a confirmed one's points).
    Accepted {
        settle: Vec<Settlement>,
        confirmed_points: Vec<crate::domain::PricePoint>,
        stats: Option<Option<PriceStats>>,
    },
    /// Suspect: held for this reason (after settling these older quarantines).
    Held {
        settle: Vec<Settlement>,
        reason: crate::quality::SuspectReason,
    },
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
        let keys: Vec<(Marketplace, Asin)> = batch
            .products
            .iter()
            .map(|p| (p.marketplace, p.asin))
            .collect();
        let ctx = self.guard_context(&keys).await.map_err(store_error)?;
        for product in &batch.products {
            answered.insert(product.asin);
            report.fetched += 1;
            self.prepare(product.clone(), &ctx, &mut pending, &mut report)
                .await
                .map_err(store_error)?;
        }
        let rechecks = std::mem::take(&mut pending.rechecks);
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
        match &self.hints {
            // The monitor reads them again at once, at interactive priority.
            Some(board) => {
                for (m, a) in rechecks {
                    board.request_recheck(crate::monitor::ProductKey::new(m, a));
                }
            }
            None => self
                .confirm_now(rechecks, &mut report)
                .await
                .map_err(store_error)?,
        }
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
