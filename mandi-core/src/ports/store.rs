//! The `Store` port: everything Mandi keeps — products, price history, users, watches,
//! alerts and their outbox, API usage. SQLite is the default adapter; an in-memory store
//! serves tests and embedding; Postgres comes later as another adapter running the same
//! contract tests.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    Asin, BrowseNode, ExternalIdentity, Marketplace, NewUser, NewWatch, OfferKind, PricePoint,
    Product, User, UserId, VariationFamily, Watch, WatchId,
};

/// Errors any `Store` adapter may return.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No row for this key (or it belongs to another user); callers branch on it.
    #[error("no {what} with id {id}")]
    NotFound {
        /// What was looked for (`watch`, `user`).
        what: &'static str,
        /// The key.
        id: String,
    },
    /// The write would break a uniqueness rule.
    #[error("{what} already exists: {detail}")]
    Conflict {
        /// What clashed.
        what: &'static str,
        /// Details.
        detail: String,
    },
    /// The data handed to the store is not acceptable (nothing was written).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was rejected.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The database was written by a newer Mandi; it was not touched.
    #[error(
        "the database is at schema version {found}, newer than the {supported} this Mandi knows; \
         upgrade Mandi or point it at another database (nothing was changed)"
    )]
    SchemaTooNew {
        /// The schema version found.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// Stored data could not be read back (a corrupt or hand-edited row).
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Details.
        detail: String,
    },
    /// The backend failed; the operation may be retried.
    #[error("storage backend failed: {message}")]
    Backend {
        /// A short description.
        message: String,
        /// The driver's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl StoreError {
    /// True when the same operation may succeed if retried (a busy or locked database).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Backend { .. })
    }

    /// True for [`StoreError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which slice of a product's price history to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// Only this offer kind (`None`: every kind).
    pub offer_kind: Option<OfferKind>,
    /// From this moment, inclusive.
    pub since: Option<DateTime<Utc>>,
    /// Until this moment, exclusive.
    pub until: Option<DateTime<Utc>>,
}

impl HistoryQuery {
    /// All buy-box history of a product.
    pub fn buy_box(marketplace: Marketplace, asin: Asin) -> Self {
        Self {
            marketplace,
            asin,
            offer_kind: Some(OfferKind::BuyBox),
            since: None,
            until: None,
        }
    }
}

/// A search someone ran, kept for analytics and suggestions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchLog {
    /// Who searched, if known.
    pub user_id: Option<UserId>,
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The query text.
    pub query: String,
    /// How many results came back.
    pub result_count: u32,
    /// When.
    pub at: DateTime<Utc>,
}

/// API calls made to a source, for quota accounting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUsage {
    /// The source (`creators`, `paapi5`, `sandbox`).
    pub source: String,
    /// The operation (`getItems`).
    pub operation: String,
    /// When the call was made.
    pub at: DateTime<Utc>,
    /// How many items it carried.
    pub items: u32,
    /// True when it succeeded.
    pub ok: bool,
}

/// Totals of API usage for one source on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApiUsageTotals {
    /// Calls made.
    pub calls: u32,
    /// Calls that failed.
    pub failed: u32,
    /// Items carried.
    pub items: u32,
}

/// A product being watched, with how many watches follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchedProduct {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The ASIN (a parent ASIN for a family watch).
    pub asin: Asin,
    /// Active watches on it.
    pub watchers: u32,
}

/// Everything Mandi keeps.
///
/// Every method is scoped: watch methods take the user id and never touch another user's
/// rows (they answer [`StoreError::NotFound`] instead). Times are passed in (from the
/// `Clock` port); a store never reads the clock itself.
#[async_trait]
pub trait Store: Send + Sync {
    // --- products and catalogue ---

    /// Saves a product as last seen (replacing the previous copy, offers included), its
    /// browse nodes and its price points, in one transaction.
    async fn upsert_product(&self, product: &Product) -> StoreResult<()>;

    /// The last saved copy of a product.
    async fn get_product(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> StoreResult<Option<Product>>;

    /// Appends price points in one transaction. A point identical in (marketplace, ASIN,
    /// offer kind, time) to a stored one is skipped. Returns how many were added.
    async fn record_prices(&self, points: &[PricePoint]) -> StoreResult<usize>;

    /// Price history in time order.
    async fn price_history(&self, query: &HistoryQuery) -> StoreResult<Vec<PricePoint>>;

    /// Saves browse nodes (with their ancestors and children).
    async fn upsert_browse_nodes(
        &self,
        marketplace: Marketplace,
        nodes: &[BrowseNode],
    ) -> StoreResult<()>;

    /// A saved browse node.
    async fn get_browse_node(
        &self,
        marketplace: Marketplace,
        id: &str,
    ) -> StoreResult<Option<BrowseNode>>;

    /// Saves a variation family: the parent↔child links and the children as products.
    async fn upsert_variations(
        &self,
        marketplace: Marketplace,
        family: &VariationFamily,
    ) -> StoreResult<()>;

    /// The child ASINs saved for a parent, in ASIN order.
    async fn variation_children(
        &self,
        marketplace: Marketplace,
        parent: Asin,
    ) -> StoreResult<Vec<Asin>>;

    /// Records a search query.
    async fn record_search(&self, log: &SearchLog) -> StoreResult<()>;

    /// The latest searches, newest first: one user's (`Some`) or everyone's (`None`).
    async fn recent_searches(
        &self,
        user: Option<UserId>,
        limit: usize,
    ) -> StoreResult<Vec<SearchLog>>;

    // --- users ---

    /// Finds the user with this identity, creating them when new.
    async fn upsert_user(&self, new: &NewUser, now: DateTime<Utc>) -> StoreResult<User>;

    /// A user by id.
    async fn get_user(&self, id: UserId) -> StoreResult<User>;

    /// A user by external identity.
    async fn find_user(&self, identity: &ExternalIdentity) -> StoreResult<Option<User>>;

    /// Saves a user's settings, display name and active flag.
    async fn update_user(&self, user: &User) -> StoreResult<()>;

    // --- watches ---

    /// Creates a watch.
    async fn create_watch(&self, new: &NewWatch, now: DateTime<Utc>) -> StoreResult<Watch>;

    /// One of a user's watches.
    async fn get_watch(&self, user: UserId, id: WatchId) -> StoreResult<Watch>;

    /// A user's watches, oldest first.
    async fn list_watches(&self, user: UserId) -> StoreResult<Vec<Watch>>;

    /// Saves a changed watch (rules, state, label); `watch.user_id` must own it.
    async fn update_watch(&self, watch: &Watch) -> StoreResult<()>;

    /// Deletes one of a user's watches.
    async fn delete_watch(&self, user: UserId, id: WatchId) -> StoreResult<()>;

    /// Every watch (of any user) whose target is this ASIN, or a family it belongs to.
    async fn watches_on(&self, marketplace: Marketplace, asin: Asin) -> StoreResult<Vec<Watch>>;

    /// The products under active watches, most watched first.
    async fn watched_products(&self) -> StoreResult<Vec<WatchedProduct>>;

    // --- API usage ---

    /// Records one API call.
    async fn record_api_usage(&self, usage: &ApiUsage) -> StoreResult<()>;

    /// Usage totals of a source on a UTC day.
    async fn api_usage(&self, source: &str, day: NaiveDate) -> StoreResult<ApiUsageTotals>;
}

macro_rules! forward_store {
    ($ty:ty) => {
        #[async_trait]
        impl<T: Store + ?Sized> Store for $ty {
            async fn upsert_product(&self, p: &Product) -> StoreResult<()> {
                (**self).upsert_product(p).await
            }
            async fn get_product(&self, m: Marketplace, a: Asin) -> StoreResult<Option<Product>> {
                (**self).get_product(m, a).await
            }
            async fn record_prices(&self, p: &[PricePoint]) -> StoreResult<usize> {
                (**self).record_prices(p).await
            }
            async fn price_history(&self, q: &HistoryQuery) -> StoreResult<Vec<PricePoint>> {
                (**self).price_history(q).await
            }
            async fn upsert_browse_nodes(
                &self,
                m: Marketplace,
                n: &[BrowseNode],
            ) -> StoreResult<()> {
                (**self).upsert_browse_nodes(m, n).await
            }
            async fn get_browse_node(
                &self,
                m: Marketplace,
                id: &str,
            ) -> StoreResult<Option<BrowseNode>> {
                (**self).get_browse_node(m, id).await
            }
            async fn upsert_variations(
                &self,
                m: Marketplace,
                f: &VariationFamily,
            ) -> StoreResult<()> {
                (**self).upsert_variations(m, f).await
            }
            async fn variation_children(&self, m: Marketplace, p: Asin) -> StoreResult<Vec<Asin>> {
                (**self).variation_children(m, p).await
            }
            async fn record_search(&self, l: &SearchLog) -> StoreResult<()> {
                (**self).record_search(l).await
            }
            async fn recent_searches(
                &self,
                u: Option<UserId>,
                n: usize,
            ) -> StoreResult<Vec<SearchLog>> {
                (**self).recent_searches(u, n).await
            }
            async fn upsert_user(&self, n: &NewUser, now: DateTime<Utc>) -> StoreResult<User> {
                (**self).upsert_user(n, now).await
            }
            async fn get_user(&self, id: UserId) -> StoreResult<User> {
                (**self).get_user(id).await
            }
            async fn find_user(&self, i: &ExternalIdentity) -> StoreResult<Option<User>> {
                (**self).find_user(i).await
            }
            async fn update_user(&self, u: &User) -> StoreResult<()> {
                (**self).update_user(u).await
            }
            async fn create_watch(&self, n: &NewWatch, now: DateTime<Utc>) -> StoreResult<Watch> {
                (**self).create_watch(n, now).await
            }
            async fn get_watch(&self, u: UserId, id: WatchId) -> StoreResult<Watch> {
                (**self).get_watch(u, id).await
            }
            async fn list_watches(&self, u: UserId) -> StoreResult<Vec<Watch>> {
                (**self).list_watches(u).await
            }
            async fn update_watch(&self, w: &Watch) -> StoreResult<()> {
                (**self).update_watch(w).await
            }
            async fn delete_watch(&self, u: UserId, id: WatchId) -> StoreResult<()> {
                (**self).delete_watch(u, id).await
            }
            async fn watches_on(&self, m: Marketplace, a: Asin) -> StoreResult<Vec<Watch>> {
                (**self).watches_on(m, a).await
            }
            async fn watched_products(&self) -> StoreResult<Vec<WatchedProduct>> {
                (**self).watched_products().await
            }
            async fn record_api_usage(&self, u: &ApiUsage) -> StoreResult<()> {
                (**self).record_api_usage(u).await
            }
            async fn api_usage(&self, s: &str, d: NaiveDate) -> StoreResult<ApiUsageTotals> {
                (**self).api_usage(s, d).await
            }
        }
    };
}

forward_store!(Arc<T>);
forward_store!(Box<T>);
forward_store!(&T);
