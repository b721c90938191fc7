//! Read-only views over what the store holds, shared by every front-end: the best deals
//! among watched products (`mandi deals`, `/deals`) and a user's savings (`mandi stats`,
//! `/stats`). They make no source calls, and read products and histories in batches.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analytics;
use crate::catalog::{CatalogError, CatalogService, HistoryReport};
use crate::domain::{Asin, Currency, Marketplace, Money, User, WatchState};
use crate::ports::{ApiUsageTotals, DealScore, HistoryQuery, ScoreInput};

/// History reports of several products (as [`CatalogService::history`] without a
/// refresh), read from the store in two batched reads, in `targets`' order.
///
/// # Errors
///
/// The store failed.
pub async fn reports(
    catalog: &CatalogService,
    targets: &[(Marketplace, Asin)],
) -> Result<Vec<HistoryReport>, CatalogError> {
    let store = catalog.store();
    let mut by_market: BTreeMap<Marketplace, Vec<Asin>> = BTreeMap::new();
    for (m, a) in targets {
        by_market.entry(*m).or_default().push(*a);
    }
    let mut products = Vec::new();
    for (m, asins) in by_market {
        products.extend(store.get_products(m, &asins).await?);
    }
    let queries: Vec<HistoryQuery> = targets
        .iter()
        .map(|(m, a)| HistoryQuery::buy_box(*m, *a))
        .collect();
    let histories = store.price_histories(&queries).await?;
    let now = catalog.clock().now();
    let as_of = now + chrono::Duration::seconds(1);
    Ok(targets
        .iter()
        .zip(histories)
        .map(|((m, a), points)| {
            let product = products
                .iter()
                .find(|p| p.marketplace == *m && p.asin == *a)
                .cloned();
            let summary = analytics::summarize(&points, as_of);
            let patterns = analytics::patterns(&points, as_of);
            let score = product.as_ref().map(|p| {
                catalog.scorer().score(&ScoreInput {
                    product: p,
                    history: &points,
                    now: as_of,
                })
            });
            HistoryReport {
                marketplace: *m,
                asin: *a,
                product,
                now,
                as_of,
                points,
                summary,
                patterns,
                score,
            }
        })
        .collect())
}

/// A watched product ranked by its deal score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedDeal {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// Its title, when it was ever fetched.
    pub title: Option<String>,
    /// Its first browse node's name, when known.
    pub category: Option<String>,
    /// The price now; `None` when unknown.
    pub price: Option<Money>,
    /// How good a deal it is.
    pub score: DealScore,
    /// How many active watches follow it.
    pub watchers: u32,
}

/// One user's watch counts and what their watches saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavingsReport {
    /// Watches held.
    pub watches: usize,
    /// Watches not paused.
    pub active: usize,
    /// Watches whose price now is below the price when they were made.
    pub cheaper: usize,
    /// The sum of those drops (baseline − price now), one amount per currency, by
    /// currency code; empty when nothing got cheaper.
    pub saved: Vec<Money>,
}

impl SavingsReport {
    /// The amount saved in `currency` (zero when none).
    pub fn saved_in(&self, currency: Currency) -> Money {
        self.saved
            .iter()
            .find(|m| m.currency() == currency)
            .copied()
            .unwrap_or_else(|| Money::from_minor(0, currency))
    }
}

/// What an operator sees about the service (`/admin_status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// Products under active watches.
    pub watched_products: usize,
    /// Users, active or not.
    pub users: usize,
    /// Users still reachable.
    pub active_users: usize,
    /// The source's API usage today (UTC).
    pub usage: ApiUsageTotals,
}

/// Deals and savings over the catalog's store.
#[derive(Debug, Clone)]
pub struct InsightsService {
    catalog: CatalogService,
}

impl InsightsService {
    /// The service over a catalog (its store, clock and scorer).
    pub fn new(catalog: CatalogService) -> Self {
        Self { catalog }
    }

    /// The best deals among the `scan` most watched products: those with a score, best
    /// first (ties: more watchers, then ASIN), at most `limit`. Two batched store reads,
    /// whatever `scan` is.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn deals(&self, scan: usize, limit: usize) -> Result<Vec<RankedDeal>, CatalogError> {
        let watched = self.catalog.store().watched_products().await?;
        let watched: Vec<_> = watched.into_iter().take(scan).collect();
        let targets: Vec<(Marketplace, Asin)> =
            watched.iter().map(|w| (w.marketplace, w.asin)).collect();
        let reports = reports(&self.catalog, &targets).await?;
        let mut deals: Vec<RankedDeal> = reports
            .into_iter()
            .zip(&watched)
            .filter_map(|(r, w)| {
                let score = r.score?;
                Some(RankedDeal {
                    marketplace: r.marketplace,
                    asin: r.asin,
                    title: r.product.as_ref().map(|p| p.title.clone()),
                    category: r
                        .product
                        .as_ref()
                        .and_then(|p| p.browse_nodes.first())
                        .map(|n| n.name.clone()),
                    price: r.summary.current.as_ref().map(|c| c.price),
                    score,
                    watchers: w.watchers,
                })
            })
            .collect();
        deals.sort_by(|a, b| {
            b.score
                .score
                .cmp(&a.score.score)
                .then(b.watchers.cmp(&a.watchers))
                .then(a.asin.cmp(&b.asin))
        });
        deals.truncate(limit);
        Ok(deals)
    }

    /// A user's watch counts and savings: for each watch with a baseline price and a known
    /// price now in the same currency, what it dropped by (rises count as nothing).
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn savings(&self, user: &User) -> Result<SavingsReport, CatalogError> {
        let store = self.catalog.store();
        let watches = store.list_watches(user.id).await?;
        let mut by_market: BTreeMap<Marketplace, Vec<Asin>> = BTreeMap::new();
        for w in &watches {
            by_market
                .entry(w.target.marketplace())
                .or_default()
                .push(w.target.asin());
        }
        let mut products = Vec::new();
        for (m, asins) in by_market {
            products.extend(store.get_products(m, &asins).await?);
        }
        let mut saved: BTreeMap<&'static str, Money> = BTreeMap::new();
        let mut cheaper = 0;
        for w in &watches {
            let now = products
                .iter()
                .find(|p| p.marketplace == w.target.marketplace() && p.asin == w.target.asin())
                .and_then(crate::domain::Product::price);
            let (Some(base), Some(now)) = (w.baseline_price, now) else {
                continue;
            };
            let Ok(diff) = base.checked_sub(now) else {
                continue;
            };
            if diff.minor() <= 0 {
                continue;
            }
            let code = diff.currency().code();
            let sum = match saved.get(code) {
                Some(s) => s.checked_add(diff).unwrap_or(*s),
                None => diff,
            };
            saved.insert(code, sum);
            cheaper += 1;
        }
        Ok(SavingsReport {
            watches: watches.len(),
            active: watches
                .iter()
                .filter(|w| w.state != WatchState::Paused)
                .count(),
            cheaper,
            saved: saved.into_values().collect(),
        })
    }

    /// The service's status: watched products, users, and `source`'s API usage today.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn status(&self, source: &str) -> Result<ServiceStatus, CatalogError> {
        let store = self.catalog.store();
        let today = self.catalog.clock().now().date_naive();
        let users = crate::users::UserService::new(store.clone(), self.catalog.clock().clone())
            .all()
            .await?;
        Ok(ServiceStatus {
            watched_products: store.watched_products().await?.len(),
            users: users.len(),
            active_users: users.iter().filter(|u| u.active).count(),
            usage: store.api_usage(source, today).await?,
        })
    }
}
