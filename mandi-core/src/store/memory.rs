//! The in-memory [`Store`] adapter: maps behind a `std::sync::Mutex`, no SQLite.
//!
//! It behaves like [`SqliteStore`](crate::store::SqliteStore) (both run the same contract
//! suite) and serves tests, simulations and embedding where nothing needs to persist.

mod affiliate;
mod community;
mod serve_hooks;
mod server;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    day_bounds_ms, family_children, millis, rule_kind, truncate, validate_baseline,
    validate_identity, validate_new_user, validate_points, validate_product, validate_query,
    validate_usage,
};
use crate::alerts::WatchRuleStates;
use crate::domain::{
    ActivityFacts, ApiKey, ApiKeyId, BulkItem, BulkJob, BulkJobId, KeyUsage, NewApiKey, NewBulkJob,
};
use crate::domain::{
    Alert, AlertId, Asin, BrowseNode, DealDetails, DeliveryStatus, ExternalIdentity, Marketplace,
    NewUser, NewWatch, OfferKind, OutboxEntry, PricePoint, Product, User, UserId,
    VariationAttribute, VariationFamily, Watch, WatchId, WatchState, WatchTarget,
};
use crate::ports::store::{
    ApiUsage, ApiUsageTotals, AppliedUpdate, Delivery, HistoryQuery, HoldReason, PriceStats,
    PriceUpdate, SearchLog, Store, StoreError, StoreResult, WatchedProduct,
};

/// A [`Store`] kept in memory.
///
/// # Examples
///
/// ```
/// use mandi_core::store::MemoryStore;
/// use mandi_core::{ExternalIdentity, NewUser, Store, UserSettings};
///
/// # async fn run() -> Result<(), mandi_core::StoreError> {
/// let store = MemoryStore::new();
/// let now = chrono::DateTime::UNIX_EPOCH;
/// let new = NewUser {
///     identity: ExternalIdentity::new("cli", "local"),
///     display_name: None,
///     settings: UserSettings::default(),
/// };
/// let first = store.upsert_user(&new, now).await?;
/// assert_eq!(store.upsert_user(&new, now).await?.id, first.id);
/// # Ok(())
/// # }
/// # tokio::runtime::Runtime::new().map_err(|e| e.to_string())?.block_on(run()).map_err(|e| e.to_string())?;
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

type Key = (Marketplace, Asin);

/// A product's browse-node links: (node id, sales rank).
type NodeLinks = Vec<(String, Option<u32>)>;

#[derive(Debug, Default)]
struct State {
    /// Products with their browse nodes reduced to (id, sales rank) links; the nodes
    /// themselves live in `nodes`, as in the SQLite schema.
    products: HashMap<Key, (Product, NodeLinks)>,
    nodes: HashMap<(Marketplace, String), BrowseNode>,
    /// Parent → child → attributes.
    variations: BTreeMap<Key, BTreeMap<Asin, Vec<VariationAttribute>>>,
    /// Per product: its review history, oldest first.
    reviews: HashMap<Key, Vec<crate::domain::ReviewObservation>>,
    /// Per product: (time in ms, offer kind) → point.
    history: HashMap<Key, BTreeMap<(i64, &'static str), PricePoint>>,
    /// Running aggregates per product and offer kind, updated with every point added.
    stats: HashMap<(Key, OfferKind), PriceStats>,
    searches: Vec<SearchLog>,
    users: BTreeMap<i64, User>,
    last_user_id: i64,
    watches: BTreeMap<i64, Watch>,
    last_watch_id: i64,
    /// Watches paused because their user could not be reached (`Store::pause_unreachable`).
    paused_unreachable: std::collections::BTreeSet<i64>,
    usage: Vec<ApiUsage>,
    rule_states: HashMap<i64, WatchRuleStates>,
    alerts: BTreeMap<i64, Alert>,
    last_alert_id: i64,
    dedupe: HashMap<String, i64>,
    outbox: BTreeMap<i64, OutboxRow>,
    last_outbox_id: i64,
    /// API keys, their usage and bulk jobs.
    server: server::ServerState,
    /// Product clicks, oldest first.
    clicks: Vec<crate::ports::store::ProductClick>,
    /// Webhook subscriptions, their deliveries, admin sessions.
    hooks: serve_hooks::HookState,
    /// Affiliate click targets and clicks.
    affiliate: affiliate::AffiliateState,
    /// Shared deals, votes, referrals, group subscriptions and posts.
    community: community::CommunityState,
    /// Quarantined observations, by id (ids from 1).
    quarantine: Vec<crate::ports::store::QuarantinedObservation>,
}

/// An outbox row with the columns `OutboxEntry` does not show.
#[derive(Debug, Clone)]
struct OutboxRow {
    entry: OutboxEntry,
    hold: Option<HoldReason>,
    sent_at: Option<DateTime<Utc>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> StoreResult<MutexGuard<'_, State>> {
        self.state.lock().map_err(|_| StoreError::Backend {
            message: "the in-memory store is unusable after a panic while it was locked".to_owned(),
            source: None,
        })
    }
}

fn not_found(what: &'static str, id: impl ToString) -> StoreError {
    StoreError::NotFound {
        what,
        id: id.to_string(),
    }
}

/// A point as stored: time kept to the millisecond.
fn stored_point(p: &PricePoint) -> PricePoint {
    PricePoint {
        at: truncate(p.at),
        ..p.clone()
    }
}

impl State {
    fn delivery(&self, row: &OutboxRow) -> StoreResult<Delivery> {
        let alert = self
            .alerts
            .get(&row.entry.alert_id.0)
            .cloned()
            .ok_or_else(|| StoreError::Corrupt {
                what: "outbox row",
                detail: format!(
                    "row {} refers to alert {}, which is not stored",
                    row.entry.id, row.entry.alert_id
                ),
            })?;
        Ok(Delivery {
            entry: row.entry.clone(),
            alert,
            hold: row.hold,
        })
    }

    /// The pending outbox row `id`, or why it cannot change.
    fn pending_row(&mut self, id: i64) -> StoreResult<Option<&mut OutboxRow>> {
        let row = self
            .outbox
            .get_mut(&id)
            .ok_or_else(|| not_found("outbox row", id))?;
        Ok((row.entry.status == DeliveryStatus::Pending).then_some(row))
    }

    fn user_alerts_newest_first(&self, user: UserId, watch: Option<WatchId>) -> Vec<Alert> {
        let mut found: Vec<Alert> = self
            .alerts
            .values()
            .filter(|a| a.user_id == user && watch.is_none_or(|w| a.watch_id == w))
            .cloned()
            .collect();
        found.sort_by(|a, b| b.triggered_at.cmp(&a.triggered_at).then(b.id.cmp(&a.id)));
        found
    }

    fn write_node(&mut self, m: Marketplace, n: &BrowseNode) {
        let key = (m, n.id.clone());
        let mut stored = BrowseNode {
            sales_rank: None,
            ..n.clone()
        };
        if let Some(old) = self.nodes.get(&key) {
            if stored.ancestors.is_empty() {
                stored.ancestors = old.ancestors.clone();
            }
            if stored.children.is_empty() {
                stored.children = old.children.clone();
            }
        }
        self.nodes.insert(key, stored);
    }

    fn link_variation(
        &mut self,
        m: Marketplace,
        parent: Asin,
        child: Asin,
        attrs: &[VariationAttribute],
    ) {
        for ((pm, pa), children) in self.variations.iter_mut() {
            if *pm == m && *pa != parent {
                children.remove(&child);
            }
        }
        self.variations.retain(|_, children| !children.is_empty());
        self.variations
            .entry((m, parent))
            .or_default()
            .insert(child, attrs.to_vec());
    }

    fn insert_points(&mut self, points: &[PricePoint]) -> usize {
        let mut added = 0;
        for p in points {
            let p = stored_point(p);
            let series = self.history.entry((p.marketplace, p.asin)).or_default();
            let key = (millis(p.at), p.offer_kind.as_str());
            if let std::collections::btree_map::Entry::Vacant(slot) = series.entry(key) {
                self.stats
                    .entry(((p.marketplace, p.asin), p.offer_kind))
                    .or_default()
                    .absorb(&p);
                slot.insert(p);
                added += 1;
            }
        }
        added
    }

    fn write_product(&mut self, p: &Product) {
        let mut stored = p.clone();
        stored.fetched_at = truncate(p.fetched_at);
        for o in &mut stored.offers {
            if let Some(d) = &mut o.deal {
                *d = DealDetails {
                    starts_at: d.starts_at.map(truncate),
                    ends_at: d.ends_at.map(truncate),
                    ..d.clone()
                };
            }
        }
        let links = p
            .browse_nodes
            .iter()
            .map(|n| (n.id.clone(), n.sales_rank))
            .collect();
        for n in &p.browse_nodes {
            self.write_node(p.marketplace, n);
        }
        stored.browse_nodes = Vec::new();
        if let Some(parent) = p.parent_asin {
            self.link_variation(p.marketplace, parent, p.asin, &p.variation_attributes);
        }
        self.insert_points(&PricePoint::from_product(p));
        if let Some(r) = p.reviews {
            let history = self.reviews.entry((p.marketplace, p.asin)).or_default();
            let at = truncate(p.fetched_at);
            let changed = history.last().is_none_or(|last| last.reviews != r);
            if changed && !history.iter().any(|o| o.at == at) {
                history.push(crate::domain::ReviewObservation { at, reviews: r });
                history.sort_by_key(|o| o.at);
            }
        }
        self.products
            .insert((p.marketplace, p.asin), (stored, links));
    }

    /// Holds an update's suspect observation (once per product and time) and settles the
    /// pending quarantines it names.
    fn hold_and_settle(&mut self, update: &PriceUpdate) {
        use crate::ports::store::{QuarantineId, QuarantineStatus, QuarantinedObservation};
        if let Some(q) = &update.quarantine {
            let p = &q.product;
            let known = self.quarantine.iter().any(|o| {
                o.product.marketplace == p.marketplace
                    && o.product.asin == p.asin
                    && millis(o.product.fetched_at) == millis(p.fetched_at)
            });
            if !known {
                let id = QuarantineId(self.quarantine.len() as i64 + 1);
                self.quarantine.push(QuarantinedObservation {
                    id,
                    product: p.clone(),
                    reason: q.reason,
                    status: QuarantineStatus::Pending,
                    settled_at: None,
                });
            }
        }
        for s in &update.settle {
            if let Some(o) = self
                .quarantine
                .iter_mut()
                .find(|o| o.id == s.id && o.status == QuarantineStatus::Pending)
            {
                o.status = s.status;
                o.settled_at = Some(truncate(s.at));
            }
        }
    }

    /// Applies a validated update (nothing in it can fail).
    fn apply_update(&mut self, update: &PriceUpdate) -> AppliedUpdate {
        let state = self;
        let mut applied = AppliedUpdate::default();
        if let Some(p) = &update.product {
            let newer = state
                .products
                .get(&(p.marketplace, p.asin))
                .is_none_or(|(old, _)| old.fetched_at <= truncate(p.fetched_at));
            applied.points_added += state.insert_points(&PricePoint::from_product(p));
            if newer {
                state.write_product(p);
            }
        }
        applied.points_added += state.insert_points(&update.points);
        state.hold_and_settle(update);
        for rs in &update.rule_states {
            if state.watches.contains_key(&rs.watch_id.0) {
                state.rule_states.insert(rs.watch_id.0, rs.clone());
            } else {
                applied.orphans += 1;
            }
        }
        for a in &update.alerts {
            if state.dedupe.contains_key(&a.dedupe_key) {
                applied.duplicates += 1;
                continue;
            }
            if state
                .watches
                .get(&a.watch_id.0)
                .is_none_or(|w| w.user_id != a.user_id)
            {
                applied.orphans += 1;
                continue;
            }
            state.last_alert_id += 1;
            let id = AlertId(state.last_alert_id);
            let at = truncate(a.triggered_at);
            state.alerts.insert(
                id.0,
                Alert {
                    id,
                    user_id: a.user_id,
                    watch_id: a.watch_id,
                    marketplace: a.marketplace,
                    asin: a.asin,
                    rule: a.rule.clone(),
                    price: a.price,
                    previous_price: a.previous_price,
                    availability: a.availability,
                    message: a.message.clone(),
                    triggered_at: at,
                    dedupe_key: a.dedupe_key.clone(),
                    card: a.card.clone(),
                },
            );
            state.dedupe.insert(a.dedupe_key.clone(), id.0);
            for channel in &update.channels {
                state.last_outbox_id += 1;
                let row_id = state.last_outbox_id;
                state.outbox.insert(
                    row_id,
                    OutboxRow {
                        entry: OutboxEntry {
                            id: row_id,
                            alert_id: id,
                            user_id: a.user_id,
                            channel: channel.clone(),
                            idempotency_key: super::idempotency_key(&a.dedupe_key, channel),
                            status: DeliveryStatus::Pending,
                            attempts: 0,
                            next_attempt_at: at,
                            last_error: None,
                        },
                        hold: None,
                        sent_at: None,
                    },
                );
            }
            applied.created.push(id);
        }
        applied
    }

    fn read_product(&self, m: Marketplace, a: Asin) -> StoreResult<Option<Product>> {
        let Some((stored, links)) = self.products.get(&(m, a)) else {
            return Ok(None);
        };
        let mut product = stored.clone();
        for (id, rank) in links {
            let node = self
                .nodes
                .get(&(m, id.clone()))
                .ok_or_else(|| StoreError::Corrupt {
                    what: "browse node",
                    detail: format!("{a} refers to browse node {id}, which is not stored"),
                })?;
            product.browse_nodes.push(BrowseNode {
                sales_rank: *rank,
                ..node.clone()
            });
        }
        Ok(Some(product))
    }

    fn user_exists(&self, id: UserId) -> bool {
        self.users.contains_key(&id.0)
    }

    fn parents_of(&self, m: Marketplace, child: Asin) -> Vec<Asin> {
        let mut parents: Vec<Asin> = self
            .variations
            .iter()
            .filter(|((pm, _), children)| *pm == m && children.contains_key(&child))
            .map(|((_, parent), _)| *parent)
            .collect();
        if let Some(parent) = self
            .products
            .get(&(m, child))
            .and_then(|(p, _)| p.parent_asin)
        {
            parents.push(parent);
        }
        parents
    }
}

fn stored_watch(w: &Watch) -> Watch {
    Watch {
        state: match w.state {
            WatchState::Snoozed { until } => WatchState::Snoozed {
                until: truncate(until),
            },
            other => other,
        },
        created_at: truncate(w.created_at),
        updated_at: truncate(w.updated_at),
        ..w.clone()
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn upsert_product(&self, product: &Product) -> StoreResult<()> {
        validate_product(product)?;
        self.lock()?.write_product(product);
        Ok(())
    }

    async fn get_product(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> StoreResult<Option<Product>> {
        self.lock()?.read_product(marketplace, asin)
    }

    async fn record_prices(&self, points: &[PricePoint]) -> StoreResult<usize> {
        validate_points(points)?;
        Ok(self.lock()?.insert_points(points))
    }

    async fn review_history(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> StoreResult<Vec<crate::domain::ReviewObservation>> {
        Ok(self
            .lock()?
            .reviews
            .get(&(marketplace, asin))
            .cloned()
            .unwrap_or_default())
    }

    async fn price_history(&self, query: &HistoryQuery) -> StoreResult<Vec<PricePoint>> {
        validate_query(query)?;
        let state = self.lock()?;
        let Some(series) = state.history.get(&(query.marketplace, query.asin)) else {
            return Ok(Vec::new());
        };
        let since = query.since.map(millis);
        let until = query.until.map(millis);
        Ok(series
            .iter()
            .filter(|((at, kind), _)| {
                query.offer_kind.is_none_or(|k| k.as_str() == *kind)
                    && since.is_none_or(|s| *at >= s)
                    && until.is_none_or(|u| *at < u)
            })
            .map(|(_, p)| p.clone())
            .collect())
    }

    async fn retain_history(
        &self,
        query: &HistoryQuery,
        keep: &[DateTime<Utc>],
    ) -> StoreResult<usize> {
        validate_query(query)?;
        let Some(kind) = query.offer_kind else {
            return Err(StoreError::Invalid {
                what: "retention",
                reason: "retention works on one offer kind at a time".to_owned(),
            });
        };
        let keep: std::collections::HashSet<i64> = keep.iter().map(|t| millis(*t)).collect();
        let since = query.since.map(millis);
        let until = query.until.map(millis);
        let mut state = self.lock()?;
        let Some(series) = state.history.get_mut(&(query.marketplace, query.asin)) else {
            return Ok(0);
        };
        let before = series.len();
        series.retain(|(at, k), _| {
            *k != kind.as_str()
                || since.is_some_and(|s| *at < s)
                || until.is_some_and(|u| *at >= u)
                || keep.contains(at)
        });
        Ok(before - series.len())
    }

    async fn upsert_browse_nodes(
        &self,
        marketplace: Marketplace,
        nodes: &[BrowseNode],
    ) -> StoreResult<()> {
        if let Some(n) = nodes.iter().find(|n| n.id.trim().is_empty()) {
            return Err(StoreError::Invalid {
                what: "browse node",
                reason: format!("node {:?} has an empty id", n.name),
            });
        }
        let mut state = self.lock()?;
        for n in nodes {
            state.write_node(marketplace, n);
        }
        Ok(())
    }

    async fn get_browse_node(
        &self,
        marketplace: Marketplace,
        id: &str,
    ) -> StoreResult<Option<BrowseNode>> {
        Ok(self
            .lock()?
            .nodes
            .get(&(marketplace, id.to_owned()))
            .cloned())
    }

    async fn upsert_variations(
        &self,
        marketplace: Marketplace,
        family: &VariationFamily,
    ) -> StoreResult<()> {
        let children = family_children(marketplace, family)?;
        let mut state = self.lock()?;
        for child in &children {
            state.write_product(child);
        }
        Ok(())
    }

    async fn variation_children(
        &self,
        marketplace: Marketplace,
        parent: Asin,
    ) -> StoreResult<Vec<Asin>> {
        Ok(self
            .lock()?
            .variations
            .get(&(marketplace, parent))
            .map(|children| children.keys().copied().collect())
            .unwrap_or_default())
    }

    async fn record_search(&self, log: &SearchLog) -> StoreResult<()> {
        let mut state = self.lock()?;
        if let Some(user) = log.user_id
            && !state.user_exists(user)
        {
            return Err(not_found("user", user));
        }
        state.searches.push(SearchLog {
            at: truncate(log.at),
            ..log.clone()
        });
        Ok(())
    }

    async fn recent_searches(
        &self,
        user: Option<UserId>,
        limit: usize,
    ) -> StoreResult<Vec<SearchLog>> {
        let state = self.lock()?;
        let mut found: Vec<(usize, &SearchLog)> = state
            .searches
            .iter()
            .enumerate()
            .filter(|(_, s)| user.is_none() || s.user_id == user)
            .collect();
        found.sort_by(|(ia, a), (ib, b)| b.at.cmp(&a.at).then(ib.cmp(ia)));
        Ok(found
            .into_iter()
            .take(limit)
            .map(|(_, s)| s.clone())
            .collect())
    }

    async fn upsert_user(&self, new: &NewUser, now: DateTime<Utc>) -> StoreResult<User> {
        validate_new_user(new)?;
        let mut state = self.lock()?;
        if let Some(user) = state.users.values().find(|u| u.identity == new.identity) {
            return Ok(user.clone());
        }
        state.last_user_id += 1;
        let user = User {
            id: UserId(state.last_user_id),
            identity: new.identity.clone(),
            display_name: new.display_name.clone(),
            settings: new.settings.clone(),
            active: true,
            created_at: truncate(now),
        };
        state.users.insert(user.id.0, user.clone());
        Ok(user)
    }

    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        self.lock()?
            .users
            .get(&id.0)
            .cloned()
            .ok_or_else(|| not_found("user", id))
    }

    async fn find_user(&self, identity: &ExternalIdentity) -> StoreResult<Option<User>> {
        Ok(self
            .lock()?
            .users
            .values()
            .find(|u| u.identity == *identity)
            .cloned())
    }

    async fn update_user(&self, user: &User) -> StoreResult<()> {
        let mut state = self.lock()?;
        let stored = state
            .users
            .get_mut(&user.id.0)
            .ok_or_else(|| not_found("user", user.id))?;
        stored.display_name = user.display_name.clone();
        stored.settings = user.settings.clone();
        stored.active = user.active;
        Ok(())
    }

    async fn create_watch(&self, new: &NewWatch, now: DateTime<Utc>) -> StoreResult<Watch> {
        validate_baseline(new.baseline_price, new.target.asin())?;
        for rule in &new.rules {
            rule_kind(rule)?;
        }
        let mut state = self.lock()?;
        if !state.user_exists(new.user_id) {
            return Err(not_found("user", new.user_id));
        }
        state.last_watch_id += 1;
        let watch = stored_watch(&Watch {
            id: WatchId(state.last_watch_id),
            user_id: new.user_id,
            target: new.target,
            rules: new.rules.clone(),
            state: WatchState::Active,
            baseline_price: new.baseline_price,
            label: new.label.clone(),
            created_at: now,
            updated_at: now,
        });
        state.watches.insert(watch.id.0, watch.clone());
        Ok(watch)
    }

    async fn get_watch(&self, user: UserId, id: WatchId) -> StoreResult<Watch> {
        self.lock()?
            .watches
            .get(&id.0)
            .filter(|w| w.user_id == user)
            .cloned()
            .ok_or_else(|| not_found("watch", id))
    }

    async fn list_watches(&self, user: UserId) -> StoreResult<Vec<Watch>> {
        let mut found: Vec<Watch> = self
            .lock()?
            .watches
            .values()
            .filter(|w| w.user_id == user)
            .cloned()
            .collect();
        found.sort_by_key(|w| (w.created_at, w.id));
        Ok(found)
    }

    async fn update_watch(&self, watch: &Watch) -> StoreResult<()> {
        validate_baseline(watch.baseline_price, watch.target.asin())?;
        for rule in &watch.rules {
            rule_kind(rule)?;
        }
        let mut state = self.lock()?;
        let stored = state
            .watches
            .get_mut(&watch.id.0)
            .filter(|w| w.user_id == watch.user_id)
            .ok_or_else(|| not_found("watch", watch.id))?;
        *stored = Watch {
            created_at: stored.created_at,
            ..stored_watch(watch)
        };
        if watch.state != WatchState::Paused {
            state.paused_unreachable.remove(&watch.id.0);
        }
        Ok(())
    }

    async fn delete_watch(&self, user: UserId, id: WatchId) -> StoreResult<()> {
        let mut state = self.lock()?;
        match state.watches.get(&id.0) {
            Some(w) if w.user_id == user => {
                state.watches.remove(&id.0);
                state.paused_unreachable.remove(&id.0);
                state.rule_states.remove(&id.0);
                let gone: Vec<i64> = state
                    .alerts
                    .values()
                    .filter(|a| a.watch_id == id)
                    .map(|a| a.id.0)
                    .collect();
                for a in &gone {
                    if let Some(alert) = state.alerts.remove(a) {
                        state.dedupe.remove(&alert.dedupe_key);
                    }
                }
                state
                    .outbox
                    .retain(|_, r| !gone.contains(&r.entry.alert_id.0));
                Ok(())
            }
            _ => Err(not_found("watch", id)),
        }
    }

    async fn pause_unreachable(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WatchId>> {
        let mut state = self.lock()?;
        let State {
            watches,
            paused_unreachable,
            ..
        } = &mut *state;
        let mut paused = Vec::new();
        for w in watches.values_mut() {
            if w.user_id == user && w.state != WatchState::Paused {
                *w = stored_watch(&Watch {
                    state: WatchState::Paused,
                    updated_at: now,
                    ..w.clone()
                });
                paused_unreachable.insert(w.id.0);
                paused.push(w.id);
            }
        }
        Ok(paused)
    }

    async fn paused_unreachable(&self, user: UserId) -> StoreResult<Vec<WatchId>> {
        let state = self.lock()?;
        Ok(state
            .paused_unreachable
            .iter()
            .filter_map(|id| state.watches.get(id))
            .filter(|w| w.user_id == user)
            .map(|w| w.id)
            .collect())
    }

    async fn resume_unreachable(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WatchId>> {
        let mut state = self.lock()?;
        let State {
            watches,
            paused_unreachable,
            ..
        } = &mut *state;
        let mut resumed = Vec::new();
        paused_unreachable.retain(|id| match watches.get_mut(id) {
            Some(w) if w.user_id == user => {
                *w = stored_watch(&Watch {
                    state: WatchState::Active,
                    updated_at: now,
                    ..w.clone()
                });
                resumed.push(w.id);
                false
            }
            Some(_) => true,
            None => false,
        });
        Ok(resumed)
    }

    async fn watches_on(&self, marketplace: Marketplace, asin: Asin) -> StoreResult<Vec<Watch>> {
        let state = self.lock()?;
        let parents = state.parents_of(marketplace, asin);
        Ok(state
            .watches
            .values()
            .filter(|w| match w.target {
                WatchTarget::Product {
                    marketplace: m,
                    asin: a,
                } => m == marketplace && a == asin,
                WatchTarget::Family {
                    marketplace: m,
                    parent_asin,
                } => m == marketplace && (parent_asin == asin || parents.contains(&parent_asin)),
            })
            .cloned()
            .collect())
    }

    async fn watched_products(&self) -> StoreResult<Vec<WatchedProduct>> {
        let state = self.lock()?;
        let mut counts: HashMap<Key, u32> = HashMap::new();
        for w in state.watches.values() {
            let user_active = state.users.get(&w.user_id.0).is_some_and(|u| u.active);
            if w.state != WatchState::Paused && user_active {
                *counts
                    .entry((w.target.marketplace(), w.target.asin()))
                    .or_default() += 1;
            }
        }
        let mut out: Vec<WatchedProduct> = counts
            .into_iter()
            .map(|((marketplace, asin), watchers)| WatchedProduct {
                marketplace,
                asin,
                watchers,
            })
            .collect();
        out.sort_by(|a, b| {
            b.watchers
                .cmp(&a.watchers)
                .then_with(|| {
                    a.marketplace
                        .country_code()
                        .cmp(b.marketplace.country_code())
                })
                .then_with(|| a.asin.as_str().cmp(b.asin.as_str()))
        });
        Ok(out)
    }

    async fn apply_update(&self, update: &PriceUpdate) -> StoreResult<AppliedUpdate> {
        super::validate_update(update)?;
        let mut state = self.lock()?;
        Ok(state.apply_update(update))
    }

    async fn quarantined(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
        pending_only: bool,
    ) -> StoreResult<Vec<crate::ports::store::QuarantinedObservation>> {
        let state = self.lock()?;
        let mut out: Vec<_> = state
            .quarantine
            .iter()
            .filter(|o| {
                o.product.marketplace == marketplace
                    && asins.contains(&o.product.asin)
                    && (!pending_only || o.status == crate::ports::store::QuarantineStatus::Pending)
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| {
            a.product
                .asin
                .as_str()
                .cmp(b.product.asin.as_str())
                .then(millis(a.product.fetched_at).cmp(&millis(b.product.fetched_at)))
                .then(a.id.cmp(&b.id))
        });
        Ok(out)
    }

    async fn rule_states(&self, watches: &[WatchId]) -> StoreResult<Vec<WatchRuleStates>> {
        let state = self.lock()?;
        Ok(watches
            .iter()
            .filter_map(|w| state.rule_states.get(&w.0).cloned())
            .collect())
    }

    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        channels: &[String],
        limit: usize,
        lease: chrono::Duration,
    ) -> StoreResult<Vec<Delivery>> {
        let mut state = self.lock()?;
        let mut due: Vec<(DateTime<Utc>, i64)> = state
            .outbox
            .values()
            .filter(|r| {
                r.entry.status == DeliveryStatus::Pending
                    && r.entry.next_attempt_at <= now
                    && channels.contains(&r.entry.channel)
            })
            .map(|r| (r.entry.next_attempt_at, r.entry.id))
            .collect();
        due.sort();
        due.truncate(limit);
        let until = truncate(now + lease);
        let mut out = Vec::with_capacity(due.len());
        for (_, id) in due {
            if let Some(row) = state.outbox.get_mut(&id) {
                row.entry.next_attempt_at = until;
            }
            if let Some(row) = state.outbox.get(&id) {
                out.push(state.delivery(row)?);
            }
        }
        Ok(out)
    }

    async fn mark_sent(&self, outbox_id: i64, at: DateTime<Utc>) -> StoreResult<()> {
        let mut state = self.lock()?;
        if let Some(row) = state.pending_row(outbox_id)? {
            row.entry.status = DeliveryStatus::Sent;
            row.sent_at = Some(truncate(at));
        }
        Ok(())
    }

    async fn mark_failed(
        &self,
        outbox_id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        let mut state = self.lock()?;
        if let Some(row) = state.pending_row(outbox_id)? {
            row.entry.attempts = row.entry.attempts.saturating_add(1);
            row.entry.last_error = Some(error.to_owned());
            row.entry.next_attempt_at = truncate(next_attempt_at);
        }
        Ok(())
    }

    async fn mark_dead(&self, outbox_id: i64, error: &str) -> StoreResult<()> {
        let mut state = self.lock()?;
        if let Some(row) = state.pending_row(outbox_id)? {
            row.entry.attempts = row.entry.attempts.saturating_add(1);
            row.entry.last_error = Some(error.to_owned());
            row.entry.status = DeliveryStatus::Dead;
        }
        Ok(())
    }

    async fn hold_delivery(
        &self,
        outbox_id: i64,
        until: DateTime<Utc>,
        reason: HoldReason,
    ) -> StoreResult<()> {
        let mut state = self.lock()?;
        if let Some(row) = state.pending_row(outbox_id)? {
            row.entry.next_attempt_at = truncate(until);
            row.hold = Some(reason);
        }
        Ok(())
    }

    async fn held_deliveries(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Delivery>> {
        let state = self.lock()?;
        let mut rows: Vec<&OutboxRow> = state
            .outbox
            .values()
            .filter(|r| {
                r.entry.user_id == user
                    && r.entry.status == DeliveryStatus::Pending
                    && r.hold.is_some()
                    && r.entry.next_attempt_at > now
            })
            .collect();
        rows.sort_by_key(|r| (r.entry.next_attempt_at, r.entry.id));
        rows.into_iter().map(|r| state.delivery(r)).collect()
    }

    async fn release_held(&self, user: UserId, now: DateTime<Utc>) -> StoreResult<usize> {
        let mut state = self.lock()?;
        let now = truncate(now);
        let mut n = 0;
        for r in state.outbox.values_mut() {
            if r.entry.user_id == user
                && r.entry.status == DeliveryStatus::Pending
                && r.hold.is_some()
                && r.entry.next_attempt_at > now
            {
                r.entry.next_attempt_at = now;
                n += 1;
            }
        }
        Ok(n)
    }

    async fn alert_history(
        &self,
        user: UserId,
        limit: usize,
        offset: usize,
    ) -> StoreResult<Vec<Alert>> {
        let state = self.lock()?;
        Ok(state
            .user_alerts_newest_first(user, None)
            .into_iter()
            .skip(offset)
            .take(limit)
            .collect())
    }

    async fn watch_alerts(&self, user: UserId, watch: WatchId) -> StoreResult<Vec<Alert>> {
        let state = self.lock()?;
        if state
            .watches
            .get(&watch.0)
            .is_none_or(|w| w.user_id != user)
        {
            return Err(not_found("watch", watch));
        }
        Ok(state.user_alerts_newest_first(user, Some(watch)))
    }

    async fn alert_deliveries(
        &self,
        user: UserId,
        alert: AlertId,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let state = self.lock()?;
        if state.alerts.get(&alert.0).is_none_or(|a| a.user_id != user) {
            return Err(not_found("alert", alert));
        }
        Ok(state
            .outbox
            .values()
            .filter(|r| r.entry.alert_id == alert)
            .map(|r| r.entry.clone())
            .collect())
    }

    async fn count_sent(
        &self,
        user: UserId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let state = self.lock()?;
        let n = state
            .outbox
            .values()
            .filter(|r| {
                r.entry.user_id == user
                    && r.entry.status == DeliveryStatus::Sent
                    && r.sent_at
                        .is_some_and(|t| t >= truncate(from) && t < truncate(until))
            })
            .count();
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn record_api_usage(&self, usage: &ApiUsage) -> StoreResult<()> {
        validate_usage(usage)?;
        self.lock()?.usage.push(ApiUsage {
            at: truncate(usage.at),
            ..usage.clone()
        });
        Ok(())
    }

    async fn api_usage(&self, source: &str, day: NaiveDate) -> StoreResult<ApiUsageTotals> {
        let (start, end) = day_bounds_ms(day);
        let state = self.lock()?;
        let mut totals = ApiUsageTotals::default();
        for u in state
            .usage
            .iter()
            .filter(|u| u.source == source && (start..end).contains(&millis(u.at)))
        {
            totals.calls = totals.calls.saturating_add(1);
            totals.failed = totals.failed.saturating_add(u32::from(!u.ok));
            totals.items = totals.items.saturating_add(u.items);
        }
        Ok(totals)
    }

    async fn products_in_nodes(
        &self,
        marketplace: Marketplace,
        node_ids: &[String],
        limit: usize,
    ) -> StoreResult<Vec<Asin>> {
        let state = self.lock()?;
        let mut found: Vec<Asin> = state
            .products
            .iter()
            .filter(|((m, _), (_, links))| {
                *m == marketplace && links.iter().any(|(id, _)| node_ids.contains(id))
            })
            .map(|((_, a), _)| *a)
            .collect();
        found.sort_unstable();
        found.truncate(limit);
        Ok(found)
    }

    async fn price_stats(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        offer_kind: OfferKind,
    ) -> StoreResult<Option<PriceStats>> {
        Ok(self
            .lock()?
            .stats
            .get(&((marketplace, asin), offer_kind))
            .copied())
    }

    async fn apply_updates(&self, updates: &[PriceUpdate]) -> StoreResult<Vec<AppliedUpdate>> {
        for u in updates {
            super::validate_update(u)?;
        }
        let mut state = self.lock()?;
        Ok(updates.iter().map(|u| state.apply_update(u)).collect())
    }

    async fn variation_children_of(
        &self,
        marketplace: Marketplace,
        parents: &[Asin],
    ) -> StoreResult<Vec<Vec<Asin>>> {
        let state = self.lock()?;
        Ok(parents
            .iter()
            .map(|p| {
                state
                    .variations
                    .get(&(marketplace, *p))
                    .map(|children| children.keys().copied().collect())
                    .unwrap_or_default()
            })
            .collect())
    }

    async fn create_api_key(&self, new: &NewApiKey, now: DateTime<Utc>) -> StoreResult<ApiKey> {
        server::create_api_key(&mut *self.lock()?, new, now)
    }

    async fn api_key_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiKey>> {
        Ok(server::api_key_by_hash(&*self.lock()?, secret_hash))
    }

    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        Ok(server::list_api_keys(&*self.lock()?))
    }

    async fn revoke_api_key(&self, id: ApiKeyId, now: DateTime<Utc>) -> StoreResult<()> {
        server::revoke_api_key(&mut *self.lock()?, id, now)
    }

    async fn add_key_usage(&self, usage: &[KeyUsage]) -> StoreResult<()> {
        server::add_key_usage(&mut *self.lock()?, usage)
    }

    async fn key_usage(&self, id: ApiKeyId, since: NaiveDate) -> StoreResult<Vec<KeyUsage>> {
        Ok(server::key_usage(&*self.lock()?, id, since))
    }

    async fn create_bulk_job(&self, new: &NewBulkJob, now: DateTime<Utc>) -> StoreResult<BulkJob> {
        server::create_bulk_job(&mut *self.lock()?, new, now)
    }

    async fn get_bulk_job(&self, user: UserId, id: BulkJobId) -> StoreResult<BulkJob> {
        server::get_bulk_job(&*self.lock()?, user, id)
    }

    async fn bulk_job_items(&self, user: UserId, id: BulkJobId) -> StoreResult<Vec<BulkItem>> {
        server::bulk_job_items(&*self.lock()?, user, id)
    }

    async fn record_bulk_items(
        &self,
        id: BulkJobId,
        items: &[BulkItem],
        finished_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        server::record_bulk_items(&mut *self.lock()?, id, items, finished_at)
    }

    async fn unfinished_bulk_jobs(&self) -> StoreResult<Vec<BulkJob>> {
        Ok(server::unfinished_bulk_jobs(&*self.lock()?))
    }

    async fn activity_facts(&self, since: DateTime<Utc>) -> StoreResult<ActivityFacts> {
        Ok(server::activity_facts(&*self.lock()?, since))
    }

    async fn list_users(&self, after: Option<UserId>, limit: usize) -> StoreResult<Vec<User>> {
        let from = after.map_or(i64::MIN, |a| a.0.saturating_add(1));
        Ok(self
            .lock()?
            .users
            .range(from..)
            .take(limit)
            .map(|(_, u)| u.clone())
            .collect())
    }

    async fn update_user_identity(
        &self,
        id: UserId,
        identity: &ExternalIdentity,
    ) -> StoreResult<()> {
        validate_identity(identity)?;
        let mut state = self.lock()?;
        if let Some(other) = state
            .users
            .values()
            .find(|u| u.identity == *identity && u.id != id)
        {
            return Err(StoreError::Conflict {
                what: "user identity",
                detail: format!(
                    "{}/{} belongs to user {}",
                    identity.provider, identity.subject, other.id
                ),
            });
        }
        let user = state
            .users
            .get_mut(&id.0)
            .ok_or_else(|| not_found("user", id))?;
        user.identity = identity.clone();
        Ok(())
    }

    async fn get_products(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
    ) -> StoreResult<Vec<Product>> {
        let state = self.lock()?;
        let mut found = Vec::with_capacity(asins.len());
        for a in asins {
            if let Some(p) = state.read_product(marketplace, *a)? {
                found.push(p);
            }
        }
        Ok(found)
    }

    async fn price_histories(&self, queries: &[HistoryQuery]) -> StoreResult<Vec<Vec<PricePoint>>> {
        let mut all = Vec::with_capacity(queries.len());
        for q in queries {
            all.push(self.price_history(q).await?);
        }
        Ok(all)
    }

    async fn market_snapshot(
        &self,
        marketplace: Marketplace,
        category: Option<&str>,
        moments: &[DateTime<Utc>],
    ) -> StoreResult<Vec<crate::ports::store::MarketRow>> {
        crate::store::market_rows::validate_moments(moments)?;
        let ms: Vec<i64> = moments.iter().map(|m| millis(*m)).collect();
        let last = ms.last().copied().unwrap_or(i64::MAX);
        let state = self.lock()?;
        let mut keys: Vec<&Key> = state
            .history
            .keys()
            .filter(|(m, _)| *m == marketplace)
            .collect();
        keys.sort_unstable_by_key(|(_, a)| *a);
        let mut out = Vec::new();
        for key in keys {
            let links = state.products.get(key).map(|(_, l)| l);
            if let Some(node) = category {
                let inside = links.is_some_and(|links| {
                    links.iter().any(|(id, _)| {
                        id == node
                            || state
                                .nodes
                                .get(&(marketplace, id.clone()))
                                .is_some_and(|n| n.ancestors.iter().any(|a| a.id == node))
                    })
                });
                if !inside {
                    continue;
                }
            }
            let leaf = links
                .and_then(|l| l.first())
                .and_then(|(id, _)| state.nodes.get(&(marketplace, id.clone())))
                .map(|n| crate::domain::BrowseNodeRef {
                    id: n.id.clone(),
                    name: n.name.clone(),
                });
            let mut builder = crate::store::market_rows::RowBuilder::new(&ms);
            if let Some(points) = state.history.get(key) {
                for ((at, kind), p) in points {
                    if *kind != OfferKind::BuyBox.as_str() || *at > last {
                        continue;
                    }
                    if let Some(price) = p.price {
                        builder.push(*at, price);
                    }
                }
            }
            if let Some(row) = builder.finish(key.1, leaf) {
                out.push(row);
            }
        }
        Ok(out)
    }

    async fn co_watched(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
        limit: usize,
    ) -> StoreResult<Vec<crate::ports::store::CoWatch>> {
        let state = self.lock()?;
        let active =
            |w: &&Watch| w.state == WatchState::Active && w.target.marketplace() == marketplace;
        let users: std::collections::HashSet<i64> = state
            .watches
            .values()
            .filter(active)
            .filter(|w| asins.contains(&w.target.asin()))
            .map(|w| w.user_id.0)
            .collect();
        let mut counts: BTreeMap<Asin, std::collections::HashSet<i64>> = BTreeMap::new();
        for w in state.watches.values().filter(active) {
            if users.contains(&w.user_id.0) && !asins.contains(&w.target.asin()) {
                counts
                    .entry(w.target.asin())
                    .or_default()
                    .insert(w.user_id.0);
            }
        }
        let mut out: Vec<crate::ports::store::CoWatch> = counts
            .into_iter()
            .map(|(asin, u)| crate::ports::store::CoWatch {
                asin,
                users: u32::try_from(u.len()).unwrap_or(u32::MAX),
            })
            .collect();
        out.sort_by(|a, b| b.users.cmp(&a.users).then(a.asin.cmp(&b.asin)));
        out.truncate(limit);
        Ok(out)
    }

    async fn record_click(&self, click: &crate::ports::store::ProductClick) -> StoreResult<()> {
        let mut state = self.lock()?;
        if !state.users.contains_key(&click.user_id.0) {
            return Err(not_found("user", click.user_id));
        }
        let mut click = click.clone();
        click.at = truncate(click.at);
        state.clicks.push(click);
        Ok(())
    }

    async fn clicks(
        &self,
        user: UserId,
        since: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<crate::ports::store::ProductClick>> {
        let state = self.lock()?;
        let mut out: Vec<crate::ports::store::ProductClick> = state
            .clicks
            .iter()
            .rev()
            .filter(|c| c.user_id == user && c.at >= since)
            .cloned()
            .collect();
        out.sort_by_key(|c| std::cmp::Reverse(c.at));
        out.truncate(limit);
        Ok(out)
    }

    async fn outbox_depth(&self) -> StoreResult<u64> {
        let state = self.lock()?;
        Ok(state
            .outbox
            .values()
            .filter(|o| o.entry.status == DeliveryStatus::Pending)
            .count() as u64)
    }

    async fn create_webhook(
        &self,
        new: &crate::domain::NewWebhook,
        now: DateTime<Utc>,
    ) -> StoreResult<crate::domain::Webhook> {
        serve_hooks::create_webhook(&mut *self.lock()?, new, now)
    }

    async fn list_webhooks(&self, user: UserId) -> StoreResult<Vec<crate::domain::Webhook>> {
        Ok(serve_hooks::list_webhooks(&*self.lock()?, user))
    }

    async fn delete_webhook(&self, user: UserId, id: crate::domain::WebhookId) -> StoreResult<()> {
        serve_hooks::delete_webhook(&mut *self.lock()?, user, id)
    }

    async fn webhook_deliveries(&self, key: &str) -> StoreResult<Vec<crate::domain::WebhookId>> {
        Ok(serve_hooks::webhook_deliveries(&*self.lock()?, key))
    }

    async fn record_webhook_delivery(
        &self,
        id: crate::domain::WebhookId,
        key: &str,
        _at: DateTime<Utc>,
    ) -> StoreResult<()> {
        serve_hooks::record_webhook_delivery(&mut *self.lock()?, id, key)
    }

    async fn create_admin_session(
        &self,
        session: &crate::domain::AdminSession,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        serve_hooks::create_admin_session(&mut *self.lock()?, session, now)
    }

    async fn admin_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<crate::domain::AdminSession>> {
        Ok(serve_hooks::admin_session(&*self.lock()?, id_hash, now))
    }

    async fn delete_admin_session(&self, id_hash: &str) -> StoreResult<()> {
        serve_hooks::delete_admin_session(&mut *self.lock()?, id_hash);
        Ok(())
    }

    async fn create_click_target(
        &self,
        new: &crate::domain::NewClickTarget,
    ) -> StoreResult<crate::domain::ClickTarget> {
        affiliate::create_target(&mut *self.lock()?, new)
    }

    async fn click_target(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<crate::domain::ClickTarget>> {
        Ok(affiliate::target(&*self.lock()?, token_hash))
    }

    async fn click_targets_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::domain::ClickTarget>> {
        Ok(affiliate::targets_between(&*self.lock()?, since, until))
    }

    async fn record_affiliate_orders(
        &self,
        orders: &[crate::domain::AffiliateOrder],
    ) -> StoreResult<usize> {
        affiliate::record_orders(&mut *self.lock()?, orders)
    }

    async fn affiliate_orders(
        &self,
        since: NaiveDate,
        until: NaiveDate,
    ) -> StoreResult<Vec<crate::domain::AffiliateOrder>> {
        Ok(affiliate::orders(&*self.lock()?, since, until))
    }

    async fn record_affiliate_click(
        &self,
        target: crate::domain::ClickTargetId,
        at: DateTime<Utc>,
    ) -> StoreResult<crate::domain::AffiliateClick> {
        affiliate::record_click(&mut *self.lock()?, target, at)
    }

    async fn affiliate_clicks(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::domain::AffiliateClick>> {
        Ok(affiliate::clicks(&*self.lock()?, since, until))
    }

    async fn create_shared_deal(
        &self,
        new: &crate::domain::NewSharedDeal,
    ) -> StoreResult<crate::domain::SharedDeal> {
        community::create_deal(&mut *self.lock()?, new)
    }

    async fn shared_deal(
        &self,
        id: crate::domain::SharedDealId,
    ) -> StoreResult<Option<crate::domain::SharedDeal>> {
        Ok(community::deal(&*self.lock()?, id))
    }

    async fn shared_deals(
        &self,
        q: &crate::domain::SharedDealQuery,
    ) -> StoreResult<Vec<crate::domain::SharedDeal>> {
        Ok(community::deals(&*self.lock()?, q))
    }

    async fn set_deal_vote(
        &self,
        deal: crate::domain::SharedDealId,
        voter: UserId,
        vote: Option<crate::domain::Vote>,
        _at: DateTime<Utc>,
    ) -> StoreResult<crate::domain::SharedDeal> {
        community::set_vote(&mut *self.lock()?, deal, voter, vote)
    }

    async fn record_referral(&self, r: &crate::domain::Referral) -> StoreResult<()> {
        community::record_referral(&mut *self.lock()?, r)
    }

    async fn referral_of(&self, referred: UserId) -> StoreResult<Option<crate::domain::Referral>> {
        Ok(community::referral_of(&*self.lock()?, referred))
    }

    async fn referral_count(&self, referrer: UserId) -> StoreResult<u32> {
        Ok(community::referral_count(&*self.lock()?, referrer))
    }

    async fn save_group_subscription(
        &self,
        sub: &crate::domain::GroupSubscription,
    ) -> StoreResult<()> {
        community::save_sub(&mut *self.lock()?, sub)
    }

    async fn delete_group_subscription(&self, chat: UserId, node_id: &str) -> StoreResult<bool> {
        Ok(community::delete_sub(&mut *self.lock()?, chat, node_id))
    }

    async fn group_subscriptions(
        &self,
        chat: Option<UserId>,
    ) -> StoreResult<Vec<crate::domain::GroupSubscription>> {
        Ok(community::subs(&*self.lock()?, chat))
    }

    async fn record_group_post(&self, post: &crate::domain::GroupPost) -> StoreResult<bool> {
        community::record_post(&mut *self.lock()?, post)
    }

    async fn group_posts(
        &self,
        chat: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::domain::GroupPost>> {
        Ok(community::posts(&*self.lock()?, chat, since))
    }
}
