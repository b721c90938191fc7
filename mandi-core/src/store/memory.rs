//! The in-memory [`Store`] adapter: maps behind a `std::sync::Mutex`, no SQLite.
//!
//! It behaves like [`SqliteStore`](crate::store::SqliteStore) (both run the same contract
//! suite) and serves tests, simulations and embedding where nothing needs to persist.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    day_bounds_ms, family_children, millis, rule_kind, truncate, validate_baseline,
    validate_new_user, validate_points, validate_product, validate_query, validate_usage,
};
use crate::domain::{
    Asin, BrowseNode, DealDetails, ExternalIdentity, Marketplace, NewUser, NewWatch, PricePoint,
    Product, User, UserId, VariationAttribute, VariationFamily, Watch, WatchId, WatchState,
    WatchTarget,
};
use crate::ports::store::{
    ApiUsage, ApiUsageTotals, HistoryQuery, SearchLog, Store, StoreError, StoreResult,
    WatchedProduct,
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

/// A product with its browse-node links: (node id, sales rank).
type ProductEntry = (Product, Vec<(String, Option<u32>)>);

#[derive(Debug, Default)]
struct State {
    /// Products with their browse nodes reduced to (id, sales rank) links; the nodes
    /// themselves live in `nodes`, as in the SQLite schema.
    products: HashMap<Key, ProductEntry>,
    nodes: HashMap<(Marketplace, String), BrowseNode>,
    /// Parent → child → attributes.
    variations: BTreeMap<Key, BTreeMap<Asin, Vec<VariationAttribute>>>,
    /// Per product: (time in ms, offer kind) → point.
    history: HashMap<Key, BTreeMap<(i64, &'static str), PricePoint>>,
    searches: Vec<SearchLog>,
    users: BTreeMap<i64, User>,
    last_user_id: i64,
    watches: BTreeMap<i64, Watch>,
    last_watch_id: i64,
    usage: Vec<ApiUsage>,
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
        self.products
            .insert((p.marketplace, p.asin), (stored, links));
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
        Ok(())
    }

    async fn delete_watch(&self, user: UserId, id: WatchId) -> StoreResult<()> {
        let mut state = self.lock()?;
        match state.watches.get(&id.0) {
            Some(w) if w.user_id == user => {
                state.watches.remove(&id.0);
                Ok(())
            }
            _ => Err(not_found("watch", id)),
        }
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
}
