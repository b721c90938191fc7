//! The SQLite [`Store`] adapter.
//!
//! One connection behind a mutex; every async method runs its SQL on the blocking thread
//! pool (`tokio::task::spawn_blocking`), inside one transaction when it writes. Files are
//! opened in WAL mode with `foreign_keys=ON` and a 5 s busy timeout.
//!
//! # Schema
//!
//! Versioned migrations live beside this file (`migrations/NNNN_*.sql`) and are applied in
//! order when a database is opened; SQLite's `user_version` holds the version
//! ([`SCHEMA_VERSION`] is the newest this build knows). A database written by a newer Mandi
//! is refused with [`StoreError::SchemaTooNew`] before anything is written.
//!
//! The schema is kept portable for a PostgreSQL twin: marketplaces are country codes, money
//! is an integer in minor units beside a currency code (both NULL when unknown), times are
//! UTC unix **milliseconds** in `*_ms` integer columns, enums are lower-case text and lists
//! are JSON text.
//!
//! Tables (version 4): `products`, `offers`, `customer_reviews`, `browse_nodes`,
//! `browse_node_ancestry`, `product_browse_nodes`, `variations`, `price_history` (v1);
//! `users`, `watches`, `alert_rules`, `search_queries` (v2); `alerts`, `alert_outbox`,
//! `api_usage` (v3); `watch_rule_states` and the outbox's `hold` / `sent_at_ms` (v4);
//! price aggregates (v5); `api_keys`, `api_key_usage`, `bulk_jobs`, `bulk_job_items` (v6);
//! `product_clicks` (v7); webhook subscriptions and deliveries, admin sessions (v8); the
//! watches' `paused_unreachable` flag, set while a watch is paused because its user could
//! not be reached (v9).
//!
//! # Layout
//!
//! The SQL lives in one file per aggregate; the [`Store`] impl here validates the input and
//! forwards to them inside `SqliteStore::run` / `SqliteStore::write`:
//! `products` (products, offers, browse nodes, variations, price history, searches),
//! `stats` (the running price aggregates), `users` (users, watches and their rules),
//! `alerts` (alerts, the outbox, rule states and the atomic price update), `usage` (API
//! usage), `server` (API keys, bulk jobs, activity facts), `market` (the market snapshot,
//! co-watch counts and product clicks).

mod affiliate;
mod alerts;
mod community;
mod market;
mod products;
mod quarantine;
mod rows;
mod serve_hooks;
mod server;
mod stats;
mod usage;
mod users;

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use self::rows::Ctx;
use self::users::{USER_COLUMNS, read_user, user_exists};
use super::{
    millis, rule_kind, truncate, validate_baseline, validate_new_user, validate_points,
    validate_product, validate_query,
};
use crate::alerts::WatchRuleStates;
use crate::domain::{
    ActivityFacts, ApiKey, ApiKeyId, BulkItem, BulkJob, BulkJobId, KeyUsage, NewApiKey, NewBulkJob,
};
use crate::domain::{AdminSession, NewWebhook, Webhook, WebhookId};
use crate::domain::{
    Alert, AlertId, Asin, BrowseNode, ExternalIdentity, Marketplace, NewUser, NewWatch,
    OutboxEntry, PricePoint, Product, User, UserId, VariationFamily, Watch, WatchId,
};
use crate::ports::store::{
    ApiUsage, ApiUsageTotals, AppliedUpdate, Delivery, HistoryQuery, HoldReason, PriceUpdate,
    SearchLog, Store, StoreError, StoreResult, WatchedProduct,
};

/// The migrations, oldest first; migration `i` takes the schema to version `i + 1`.
const MIGRATIONS: [&str; 15] = [
    include_str!("migrations/0001_catalogue.sql"),
    include_str!("migrations/0002_users_watches.sql"),
    include_str!("migrations/0003_alerts_usage.sql"),
    include_str!("migrations/0004_alert_delivery.sql"),
    include_str!("migrations/0005_engine_price_stats.sql"),
    include_str!("migrations/0006_serve_keys_bulk.sql"),
    include_str!("migrations/0007_intel_clicks.sql"),
    include_str!("migrations/0008_serve_webhooks.sql"),
    include_str!("migrations/0009_watch_pause_reason.sql"),
    include_str!("migrations/0010_alert_card.sql"),
    include_str!("migrations/0011_quarantine.sql"),
    include_str!("migrations/0012_variations_by_child.sql"),
    include_str!("migrations/0013_affiliate_clicks.sql"),
    include_str!("migrations/0014_review_history.sql"),
    include_str!("migrations/0015_community.sql"),
];

/// The newest schema version this build creates and understands.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Prepared statements kept per connection (more than the store has).
const STATEMENT_CACHE_CAPACITY: usize = 128;

/// How long a statement waits for another connection's lock before failing as busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The SQLite store, the default [`Store`] adapter.
///
/// Cloning is cheap: clones share one connection.
///
/// # Examples
///
/// ```
/// use mandi_core::store::SqliteStore;
/// use mandi_core::{Asin, Marketplace, Product, Store};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = SqliteStore::open_in_memory()?;
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let at = chrono::DateTime::from_timestamp(1_750_000_000, 0).ok_or("time")?;
/// store.upsert_product(&Product::new(asin, Marketplace::India, "A phone", at)).await?;
/// let back = store.get_product(Marketplace::India, asin).await?;
/// assert_eq!(back.map(|p| p.title), Some("A phone".to_owned()));
/// # Ok(())
/// # }
/// # tokio::runtime::Runtime::new()?.block_on(run())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    location: String,
    /// Keeps a temporary directory (and the database in it) alive as long as the store.
    #[cfg(feature = "test-util")]
    _temp_dir: Option<tempfile::TempDir>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("location", &self.inner.location)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating when missing) the database file at `path` and migrates it to
    /// [`SCHEMA_VERSION`].
    ///
    /// # Errors
    ///
    /// [`StoreError::SchemaTooNew`] when a newer Mandi wrote the file, [`StoreError::Corrupt`]
    /// when the file is not a SQLite database (in both cases the file is left as it was), and
    /// [`StoreError::Backend`] when it cannot be opened or migrated.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = mandi_core::store::SqliteStore::open(dir.path().join("mandi.db"))?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let path = path.as_ref();
        let location = path.display().to_string();
        let conn = Connection::open(path).map_err(|e| StoreError::Backend {
            message: format!("cannot open the database file {location}: {e}"),
            source: Some(Box::new(e)),
        })?;
        Self::prepare(conn, location, true)
    }

    /// Opens a fresh private in-memory database, migrated to [`SCHEMA_VERSION`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when SQLite cannot allocate it.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = mandi_core::store::SqliteStore::open_in_memory()?;
    /// # let _ = store;
    /// # Ok::<(), mandi_core::StoreError>(())
    /// ```
    pub fn open_in_memory() -> StoreResult<Self> {
        let conn = Connection::open_in_memory().ctx("in-memory database")?;
        Self::prepare(conn, ":memory:".to_owned(), false)
    }

    /// Opens a database file in a new temporary directory that lives as long as the store
    /// (for tests).
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the directory or the database cannot be created.
    #[cfg(feature = "test-util")]
    pub fn open_in_temp_dir() -> StoreResult<Self> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Backend {
            message: format!("cannot create a temporary directory: {e}"),
            source: Some(Box::new(e)),
        })?;
        let store = Self::open(dir.path().join("mandi.db"))?;
        let conn = match Arc::try_unwrap(store.inner) {
            Ok(inner) => inner.conn,
            Err(_) => {
                return Err(StoreError::Backend {
                    message: "a freshly opened store was already shared".to_owned(),
                    source: None,
                });
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                conn,
                location: dir.path().join("mandi.db").display().to_string(),
                _temp_dir: Some(dir),
            }),
        })
    }

    /// Creates or migrates the database file at `path` to exactly `version` (not beyond),
    /// for migration tests. Version 0 is an empty database.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] for a version above [`SCHEMA_VERSION`] or below the file's
    /// current one; [`StoreError::Backend`] when a migration fails.
    #[cfg(feature = "test-util")]
    pub fn migrate_file_to(path: impl AsRef<Path>, version: u32) -> StoreResult<()> {
        if version > SCHEMA_VERSION {
            return Err(StoreError::Invalid {
                what: "schema version",
                reason: format!("{version} is above the newest known, {SCHEMA_VERSION}"),
            });
        }
        let mut conn = Connection::open(path.as_ref()).ctx("database file")?;
        let current = user_version(&conn)?;
        if current > version {
            return Err(StoreError::Invalid {
                what: "schema version",
                reason: format!("the file is at {current}, past {version}; migrations only go up"),
            });
        }
        conn.pragma_update(None, "foreign_keys", true)
            .ctx("database file")?;
        migrations()
            .to_version(&mut conn, version as usize)
            .map_err(|e| StoreError::Backend {
                message: format!("migrating to schema version {version} failed: {e}"),
                source: Some(Box::new(e)),
            })
    }

    fn prepare(mut conn: Connection, location: String, file: bool) -> StoreResult<Self> {
        conn.busy_timeout(BUSY_TIMEOUT).ctx("database connection")?;
        // Room for every statement the store prepares (about 60): a smaller cache evicts
        // and re-parses SQL on every monitoring step.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        conn.pragma_update(None, "foreign_keys", true)
            .ctx("database connection")?;
        // Read the version before anything writes: a newer or foreign file stays untouched.
        let found = user_version(&conn).map_err(|e| match e {
            StoreError::Corrupt { .. } => StoreError::Corrupt {
                what: "database file",
                detail: format!(
                    "{location} is not a SQLite database; point Mandi at another file \
                     (this one was not changed)"
                ),
            },
            other => other,
        })?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if file {
            let mode: String = conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
                .ctx("database connection")?;
            tracing::debug!(%mode, "journal mode set");
            conn.pragma_update(None, "synchronous", "NORMAL")
                .ctx("database connection")?;
        }
        migrations()
            .to_latest(&mut conn)
            .map_err(|e| StoreError::Backend {
                message: format!(
                    "migrating {location} from schema version {found} to {SCHEMA_VERSION} failed: {e}"
                ),
                source: Some(Box::new(e)),
            })?;
        if found < SCHEMA_VERSION {
            tracing::info!(from = found, to = SCHEMA_VERSION, "database migrated");
        }
        Ok(Self {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                location,
                #[cfg(feature = "test-util")]
                _temp_dir: None,
            }),
        })
    }

    /// Runs `f` with the connection on the blocking thread pool.
    async fn run<T, F>(&self, what: &'static str, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.conn.lock().map_err(|_| StoreError::Backend {
                message: format!(
                    "the SQLite connection is unusable after an earlier failure ({what})"
                ),
                source: None,
            })?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Backend {
            message: format!("the blocking task for {what} failed"),
            source: Some(Box::new(e)),
        })?
    }

    /// Runs `f` inside one transaction on the blocking thread pool.
    async fn write<T, F>(&self, what: &'static str, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.run(what, move |conn| {
            let tx = conn.transaction().ctx(what)?;
            let out = f(&tx)?;
            tx.commit().ctx(what)?;
            Ok(out)
        })
        .await
    }
}

fn user_version(conn: &Connection) -> StoreResult<u32> {
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .ctx("database file")?;
    u32::try_from(v).map_err(|_| StoreError::Corrupt {
        what: "database file",
        detail: format!("negative schema version {v}"),
    })
}

/// Collects the `StoreResult` rows of a `query_map`.
fn collect<T>(
    rows: impl Iterator<Item = rusqlite::Result<StoreResult<T>>>,
    what: &'static str,
) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    for row in rows {
        out.push(row.ctx(what)??);
    }
    Ok(out)
}

fn not_found(what: &'static str, id: impl ToString) -> StoreError {
    StoreError::NotFound {
        what,
        id: id.to_string(),
    }
}

#[async_trait]
impl Store for SqliteStore {
    #[tracing::instrument(skip_all, err(level = "debug"), fields(asin = %product.asin, offers = product.offers.len()))]
    async fn upsert_product(&self, product: &Product) -> StoreResult<()> {
        validate_product(product)?;
        let product = product.clone();
        self.write("product", move |tx| products::write_product(tx, &product))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%asin))]
    async fn get_product(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> StoreResult<Option<Product>> {
        self.run("product", move |conn| {
            products::read_product(conn, marketplace, asin)
        })
        .await
    }

    async fn review_history(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> StoreResult<Vec<crate::domain::ReviewObservation>> {
        self.run("review history", move |conn| {
            products::review_history(conn, marketplace, asin)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(points = points.len()))]
    async fn record_prices(&self, points: &[PricePoint]) -> StoreResult<usize> {
        validate_points(points)?;
        if points.is_empty() {
            return Ok(0);
        }
        let points = points.to_vec();
        self.write("price point", move |tx| {
            products::insert_points(tx, &points)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(asin = %query.asin))]
    async fn price_history(&self, query: &HistoryQuery) -> StoreResult<Vec<PricePoint>> {
        validate_query(query)?;
        let query = query.clone();
        self.run("price point", move |conn| {
            products::read_history(conn, &query)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(asin = %query.asin, keep = keep.len()))]
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
        let query = query.clone();
        self.write("price point", move |tx| {
            products::retain_history(tx, &query, kind, &keep)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(nodes = nodes.len()))]
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
        let nodes = nodes.to_vec();
        self.write("browse node", move |tx| {
            nodes
                .iter()
                .try_for_each(|n| products::write_node(tx, marketplace, n))
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(id))]
    async fn get_browse_node(
        &self,
        marketplace: Marketplace,
        id: &str,
    ) -> StoreResult<Option<BrowseNode>> {
        let id = id.to_owned();
        self.run("browse node", move |conn| {
            products::read_node(conn, marketplace, &id)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(parent = %family.parent_asin, items = family.items.len()))]
    async fn upsert_variations(
        &self,
        marketplace: Marketplace,
        family: &VariationFamily,
    ) -> StoreResult<()> {
        let children = super::family_children(marketplace, family)?;
        let parent = family.parent_asin;
        self.write("variation", move |tx| {
            products::write_variations(tx, marketplace, parent, &children)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%parent))]
    async fn variation_children(
        &self,
        marketplace: Marketplace,
        parent: Asin,
    ) -> StoreResult<Vec<Asin>> {
        self.run("variation", move |conn| {
            products::variation_children_tx(conn, marketplace, parent)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(results = log.result_count))]
    async fn record_search(&self, log: &SearchLog) -> StoreResult<()> {
        let log = log.clone();
        self.write("search", move |tx| products::record_search(tx, &log))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(limit))]
    async fn recent_searches(
        &self,
        user: Option<UserId>,
        limit: usize,
    ) -> StoreResult<Vec<SearchLog>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run("search", move |conn| {
            products::recent_searches(conn, user, limit)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(provider = %new.identity.provider))]
    async fn upsert_user(&self, new: &NewUser, now: DateTime<Utc>) -> StoreResult<User> {
        validate_new_user(new)?;
        let new = new.clone();
        self.write("user", move |tx| users::upsert_user(tx, new, now))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(user = %id))]
    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        self.run("user", move |conn| users::get_user(conn, id))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(provider = %identity.provider))]
    async fn find_user(&self, identity: &ExternalIdentity) -> StoreResult<Option<User>> {
        let identity = identity.clone();
        self.run("user", move |conn| users::find_user(conn, &identity))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(user = %user.id))]
    async fn update_user(&self, user: &User) -> StoreResult<()> {
        let user = user.clone();
        self.write("user", move |tx| users::update_user(tx, &user))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(user = %new.user_id, asin = %new.target.asin()))]
    async fn create_watch(&self, new: &NewWatch, now: DateTime<Utc>) -> StoreResult<Watch> {
        validate_baseline(new.baseline_price, new.target.asin())?;
        for rule in &new.rules {
            rule_kind(rule)?;
        }
        let new = new.clone();
        self.write("watch", move |tx| users::create_watch(tx, new, now))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user, watch = %id))]
    async fn get_watch(&self, user: UserId, id: WatchId) -> StoreResult<Watch> {
        self.run("watch", move |conn| users::get_watch(conn, user, id))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn list_watches(&self, user: UserId) -> StoreResult<Vec<Watch>> {
        self.run("watch", move |conn| users::list_watches(conn, user))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(user = %watch.user_id, watch = %watch.id))]
    async fn update_watch(&self, watch: &Watch) -> StoreResult<()> {
        validate_baseline(watch.baseline_price, watch.target.asin())?;
        for rule in &watch.rules {
            rule_kind(rule)?;
        }
        let watch = watch.clone();
        self.write("watch", move |tx| users::update_watch(tx, &watch))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user, watch = %id))]
    async fn delete_watch(&self, user: UserId, id: WatchId) -> StoreResult<()> {
        self.write("watch", move |tx| users::delete_watch(tx, user, id))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn pause_unreachable(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WatchId>> {
        self.write("watch", move |tx| users::pause_unreachable(tx, user, now))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn paused_unreachable(&self, user: UserId) -> StoreResult<Vec<WatchId>> {
        self.run("watch", move |conn| users::paused_unreachable(conn, user))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn resume_unreachable(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WatchId>> {
        self.write("watch", move |tx| users::resume_unreachable(tx, user, now))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%asin))]
    async fn watches_on(&self, marketplace: Marketplace, asin: Asin) -> StoreResult<Vec<Watch>> {
        self.run("watch", move |conn| {
            users::watches_on(conn, marketplace, asin)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn watched_products(&self) -> StoreResult<Vec<WatchedProduct>> {
        self.run("watch", |conn| users::watched_products(conn))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(alerts = update.alerts.len(), states = update.rule_states.len()))]
    async fn apply_update(&self, update: &PriceUpdate) -> StoreResult<AppliedUpdate> {
        super::validate_update(update)?;
        let update = update.clone();
        self.write("price update", move |tx| {
            alerts::apply_update_tx(tx, &update)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(asins = asins.len()))]
    async fn quarantined(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
        pending_only: bool,
    ) -> StoreResult<Vec<crate::ports::store::QuarantinedObservation>> {
        let asins = asins.to_vec();
        self.run("quarantine", move |conn| {
            quarantine::quarantined(conn, marketplace, &asins, pending_only)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(watches = watches.len()))]
    async fn rule_states(&self, watches: &[WatchId]) -> StoreResult<Vec<WatchRuleStates>> {
        let watches = watches.to_vec();
        self.run("rule states", move |conn| {
            alerts::rule_states(conn, &watches)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(limit))]
    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        channels: &[String],
        limit: usize,
        lease: chrono::Duration,
    ) -> StoreResult<Vec<Delivery>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let channels = serde_json::to_string(channels).map_err(|e| StoreError::Invalid {
            what: "outbox row",
            reason: format!("channel names cannot be encoded: {e}"),
        })?;
        let until = truncate(now + lease);
        self.write("outbox row", move |tx| {
            alerts::claim_due_deliveries(tx, now, &channels, limit, until)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(outbox_id))]
    async fn mark_sent(&self, outbox_id: i64, at: DateTime<Utc>) -> StoreResult<()> {
        self.write("outbox row", move |tx| alerts::mark_sent(tx, outbox_id, at))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(outbox_id))]
    async fn mark_failed(
        &self,
        outbox_id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        let error = error.to_owned();
        self.write("outbox row", move |tx| {
            alerts::mark_failed(tx, outbox_id, next_attempt_at, &error)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(outbox_id))]
    async fn mark_dead(&self, outbox_id: i64, error: &str) -> StoreResult<()> {
        let error = error.to_owned();
        self.write("outbox row", move |tx| {
            alerts::mark_dead(tx, outbox_id, &error)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(outbox_id))]
    async fn hold_delivery(
        &self,
        outbox_id: i64,
        until: DateTime<Utc>,
        reason: HoldReason,
    ) -> StoreResult<()> {
        self.write("outbox row", move |tx| {
            alerts::hold_delivery(tx, outbox_id, until, reason)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn held_deliveries(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Delivery>> {
        self.run("outbox row", move |conn| {
            alerts::held_deliveries(conn, user, now)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn release_held(&self, user: UserId, now: DateTime<Utc>) -> StoreResult<usize> {
        self.write("outbox row", move |tx| alerts::release_held(tx, user, now))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user, limit, offset))]
    async fn alert_history(
        &self,
        user: UserId,
        limit: usize,
        offset: usize,
    ) -> StoreResult<Vec<Alert>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        self.run("alert", move |conn| {
            alerts::alert_history(conn, user, limit, offset)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user, %watch))]
    async fn watch_alerts(&self, user: UserId, watch: WatchId) -> StoreResult<Vec<Alert>> {
        self.run("alert", move |conn| alerts::watch_alerts(conn, user, watch))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user, %alert))]
    async fn alert_deliveries(
        &self,
        user: UserId,
        alert: AlertId,
    ) -> StoreResult<Vec<OutboxEntry>> {
        self.run("outbox row", move |conn| {
            alerts::alert_deliveries(conn, user, alert)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn count_sent(
        &self,
        user: UserId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<u32> {
        self.run("outbox row", move |conn| {
            alerts::count_sent(conn, user, from, until)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(source = %usage.source, items = usage.items))]
    async fn record_api_usage(&self, usage: &ApiUsage) -> StoreResult<()> {
        super::validate_usage(usage)?;
        let usage = usage.clone();
        self.write("api usage", move |tx| usage::record_api_usage(tx, &usage))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(source, %day))]
    async fn api_usage(&self, source: &str, day: NaiveDate) -> StoreResult<ApiUsageTotals> {
        let source = source.to_owned();
        self.run("api usage", move |conn| {
            usage::api_usage(conn, &source, day)
        })
        .await
    }

    async fn products_in_nodes(
        &self,
        marketplace: Marketplace,
        node_ids: &[String],
        limit: usize,
    ) -> StoreResult<Vec<Asin>> {
        if node_ids.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(node_ids).map_err(|e| StoreError::Invalid {
            what: "browse node ids",
            reason: format!("cannot be encoded: {e}"),
        })?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run("products in nodes", move |conn| {
            products::products_in_nodes(conn, marketplace, &ids, limit)
        })
        .await
    }

    #[tracing::instrument(skip_all, err, fields(%asin))]
    async fn price_stats(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        offer_kind: crate::domain::OfferKind,
    ) -> StoreResult<Option<crate::ports::store::PriceStats>> {
        self.run("price stats", move |conn| {
            stats::read(conn, marketplace, asin, offer_kind)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%asin))]
    async fn lowest_in_window(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        offer_kind: crate::domain::OfferKind,
        from: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
        currency: crate::domain::Currency,
    ) -> StoreResult<Option<crate::domain::Money>> {
        self.run("lowest in window", move |conn| {
            stats::lowest_in_window(conn, marketplace, asin, offer_kind, from, until, currency)
        })
        .await
    }

    #[tracing::instrument(skip_all, err, fields(updates = updates.len()))]
    async fn apply_updates(&self, updates: &[PriceUpdate]) -> StoreResult<Vec<AppliedUpdate>> {
        for u in updates {
            super::validate_update(u)?;
        }
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        let updates = updates.to_vec();
        self.write("price update", move |tx| {
            updates
                .iter()
                .map(|u| alerts::apply_update_tx(tx, u))
                .collect()
        })
        .await
    }

    #[tracing::instrument(skip_all, err, fields(parents = parents.len()))]
    async fn variation_children_of(
        &self,
        marketplace: Marketplace,
        parents: &[Asin],
    ) -> StoreResult<Vec<Vec<Asin>>> {
        let parents = parents.to_vec();
        self.run("variation", move |conn| {
            parents
                .iter()
                .map(|p| products::variation_children_tx(conn, marketplace, *p))
                .collect()
        })
        .await
    }

    async fn create_api_key(&self, new: &NewApiKey, now: DateTime<Utc>) -> StoreResult<ApiKey> {
        super::validate_new_key(new)?;
        let new = new.clone();
        self.write("api key", move |tx| server::create_api_key(tx, &new, now))
            .await
    }

    async fn api_key_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiKey>> {
        let hash = secret_hash.to_owned();
        self.run("api key", move |conn| server::api_key_by_hash(conn, &hash))
            .await
    }

    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        self.run("api key", |conn| server::list_api_keys(conn))
            .await
    }

    async fn revoke_api_key(&self, id: ApiKeyId, now: DateTime<Utc>) -> StoreResult<()> {
        self.write("api key", move |tx| server::revoke_api_key(tx, id, now))
            .await
    }

    async fn add_key_usage(&self, usage: &[KeyUsage]) -> StoreResult<()> {
        let usage = usage.to_vec();
        self.write("api key usage", move |tx| server::add_key_usage(tx, &usage))
            .await
    }

    async fn key_usage(&self, id: ApiKeyId, since: NaiveDate) -> StoreResult<Vec<KeyUsage>> {
        self.run("api key usage", move |conn| {
            server::key_usage(conn, id, since)
        })
        .await
    }

    async fn create_bulk_job(&self, new: &NewBulkJob, now: DateTime<Utc>) -> StoreResult<BulkJob> {
        super::validate_bulk_job(new)?;
        let new = new.clone();
        self.write("bulk job", move |tx| server::create_bulk_job(tx, &new, now))
            .await
    }

    async fn get_bulk_job(&self, user: UserId, id: BulkJobId) -> StoreResult<BulkJob> {
        self.run("bulk job", move |conn| server::get_bulk_job(conn, user, id))
            .await
    }

    async fn bulk_job_items(&self, user: UserId, id: BulkJobId) -> StoreResult<Vec<BulkItem>> {
        self.run("bulk job", move |conn| {
            server::bulk_job_items(conn, user, id)
        })
        .await
    }

    async fn record_bulk_items(
        &self,
        id: BulkJobId,
        items: &[BulkItem],
        finished_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let items = items.to_vec();
        self.write("bulk job", move |tx| {
            server::record_bulk_items(tx, id, &items, finished_at)
        })
        .await
    }

    async fn unfinished_bulk_jobs(&self) -> StoreResult<Vec<BulkJob>> {
        self.run("bulk job", |conn| server::unfinished_bulk_jobs(conn))
            .await
    }

    async fn activity_facts(&self, since: DateTime<Utc>) -> StoreResult<ActivityFacts> {
        self.run("activity", move |conn| server::activity_facts(conn, since))
            .await
    }

    #[tracing::instrument(skip_all, err, fields(limit))]
    async fn list_users(&self, after: Option<UserId>, limit: usize) -> StoreResult<Vec<User>> {
        self.run("user", move |conn| users::list_users(conn, after, limit))
            .await
    }

    #[tracing::instrument(skip_all, err, fields(user = %id, provider = %identity.provider))]
    async fn update_user_identity(
        &self,
        id: UserId,
        identity: &ExternalIdentity,
    ) -> StoreResult<()> {
        super::validate_identity(identity)?;
        let identity = identity.clone();
        self.write("user", move |tx| users::update_identity(tx, id, &identity))
            .await
    }

    #[tracing::instrument(skip_all, err, fields(products = asins.len()))]
    async fn get_products(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
    ) -> StoreResult<Vec<Product>> {
        let asins = asins.to_vec();
        self.run("product", move |conn| {
            products::products(conn, marketplace, &asins)
        })
        .await
    }

    #[tracing::instrument(skip_all, err, fields(queries = queries.len()))]
    async fn price_histories(&self, queries: &[HistoryQuery]) -> StoreResult<Vec<Vec<PricePoint>>> {
        for q in queries {
            validate_query(q)?;
        }
        let queries = queries.to_vec();
        self.run("price point", move |conn| {
            products::histories(conn, &queries)
        })
        .await
    }

    #[tracing::instrument(skip_all, err, fields(moments = moments.len()))]
    async fn market_snapshot(
        &self,
        marketplace: Marketplace,
        category: Option<&str>,
        moments: &[DateTime<Utc>],
    ) -> StoreResult<Vec<crate::ports::store::MarketRow>> {
        crate::store::market_rows::validate_moments(moments)?;
        let category = category.map(str::to_owned);
        let moments = moments.to_vec();
        self.run("market snapshot", move |conn| {
            market::snapshot(conn, marketplace, category.as_deref(), &moments)
        })
        .await
    }

    #[tracing::instrument(skip_all, err, fields(asins = asins.len()))]
    async fn co_watched(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
        limit: usize,
    ) -> StoreResult<Vec<crate::ports::store::CoWatch>> {
        let asins = asins.to_vec();
        self.run("co-watch", move |conn| {
            market::co_watched(conn, marketplace, &asins, limit)
        })
        .await
    }

    #[tracing::instrument(skip_all, err)]
    async fn record_click(&self, click: &crate::ports::store::ProductClick) -> StoreResult<()> {
        let click = click.clone();
        self.write("click", move |tx| {
            if !user_exists(tx, click.user_id)? {
                return Err(not_found("user", click.user_id));
            }
            market::record_click(tx, &click)
        })
        .await
    }

    #[tracing::instrument(skip_all, err)]
    async fn clicks(
        &self,
        user: UserId,
        since: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<crate::ports::store::ProductClick>> {
        self.run("click", move |conn| {
            market::clicks(conn, user, since, limit)
        })
        .await
    }

    async fn outbox_depth(&self) -> StoreResult<u64> {
        self.run("outbox", |conn| {
            let n: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM alert_outbox WHERE status = 'pending'")
                .ctx("outbox")?
                .query_row([], |r| r.get(0))
                .ctx("outbox")?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn create_webhook(&self, new: &NewWebhook, now: DateTime<Utc>) -> StoreResult<Webhook> {
        crate::store::serve_hooks::validate_new_webhook(new)?;
        let new = new.clone();
        self.write("webhook", move |tx| {
            serve_hooks::create_webhook(tx, &new, now)
        })
        .await
    }

    async fn list_webhooks(&self, user: UserId) -> StoreResult<Vec<Webhook>> {
        self.run("webhook", move |conn| {
            serve_hooks::list_webhooks(conn, user)
        })
        .await
    }

    async fn delete_webhook(&self, user: UserId, id: WebhookId) -> StoreResult<()> {
        self.write("webhook", move |tx| {
            serve_hooks::delete_webhook(tx, user, id)
        })
        .await
    }

    async fn webhook_deliveries(&self, key: &str) -> StoreResult<Vec<WebhookId>> {
        let key = key.to_owned();
        self.run("webhook delivery", move |conn| {
            serve_hooks::webhook_deliveries(conn, &key)
        })
        .await
    }

    async fn record_webhook_delivery(
        &self,
        id: WebhookId,
        key: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let key = key.to_owned();
        self.write("webhook delivery", move |tx| {
            serve_hooks::record_webhook_delivery(tx, id, &key, at)
        })
        .await
    }

    async fn create_admin_session(
        &self,
        session: &AdminSession,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        crate::store::serve_hooks::validate_session(session)?;
        let session = session.clone();
        self.write("admin session", move |tx| {
            serve_hooks::create_admin_session(tx, &session, now)
        })
        .await
    }

    async fn admin_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AdminSession>> {
        let id_hash = id_hash.to_owned();
        self.run("admin session", move |conn| {
            serve_hooks::admin_session(conn, &id_hash, now)
        })
        .await
    }

    async fn delete_admin_session(&self, id_hash: &str) -> StoreResult<()> {
        let id_hash = id_hash.to_owned();
        self.write("admin session", move |tx| {
            serve_hooks::delete_admin_session(tx, &id_hash)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn create_click_target(
        &self,
        new: &crate::domain::NewClickTarget,
    ) -> StoreResult<crate::domain::ClickTarget> {
        let new = crate::store::affiliate::validate_new_target(new)?;
        self.write("click target", move |tx| affiliate::create_target(tx, &new))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn click_target(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<crate::domain::ClickTarget>> {
        let hash = token_hash.to_ascii_lowercase();
        self.run("click target", move |conn| affiliate::target(conn, &hash))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn click_targets_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::domain::ClickTarget>> {
        self.run("click target", move |conn| {
            affiliate::targets_between(conn, since, until)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(rows = orders.len()))]
    async fn record_affiliate_orders(
        &self,
        orders: &[crate::domain::AffiliateOrder],
    ) -> StoreResult<usize> {
        crate::store::affiliate::validate_orders(orders)?;
        let orders = orders.to_vec();
        self.write("affiliate order", move |tx| {
            affiliate::record_orders(tx, &orders)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn affiliate_orders(
        &self,
        since: NaiveDate,
        until: NaiveDate,
    ) -> StoreResult<Vec<crate::domain::AffiliateOrder>> {
        self.run("affiliate order", move |conn| {
            affiliate::orders(conn, since, until)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn record_affiliate_click(
        &self,
        target: crate::domain::ClickTargetId,
        at: DateTime<Utc>,
    ) -> StoreResult<crate::domain::AffiliateClick> {
        self.write("affiliate click", move |tx| {
            affiliate::record_click(tx, target, at)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn affiliate_clicks(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::domain::AffiliateClick>> {
        self.run("affiliate click", move |conn| {
            affiliate::clicks(conn, since, until)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn create_shared_deal(
        &self,
        new: &crate::domain::NewSharedDeal,
    ) -> StoreResult<crate::domain::SharedDeal> {
        let new = crate::store::community::validate_new_deal(new)?;
        self.write("shared deal", move |tx| community::create_deal(tx, &new))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn shared_deal(
        &self,
        id: crate::domain::SharedDealId,
    ) -> StoreResult<Option<crate::domain::SharedDeal>> {
        self.run("shared deal", move |conn| community::deal(conn, id))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn shared_deals(
        &self,
        q: &crate::domain::SharedDealQuery,
    ) -> StoreResult<Vec<crate::domain::SharedDeal>> {
        let q = q.clone();
        self.run("shared deal", move |conn| community::deals(conn, &q))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn set_deal_vote(
        &self,
        deal: crate::domain::SharedDealId,
        voter: UserId,
        vote: Option<crate::domain::Vote>,
        at: DateTime<Utc>,
    ) -> StoreResult<crate::domain::SharedDeal> {
        self.write("deal vote", move |tx| {
            community::set_vote(tx, deal, voter, vote, at)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn record_referral(&self, r: &crate::domain::Referral) -> StoreResult<()> {
        let r = crate::store::community::validate_referral(r)?;
        self.write("referral", move |tx| community::record_referral(tx, &r))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn referral_of(&self, referred: UserId) -> StoreResult<Option<crate::domain::Referral>> {
        self.run("referral", move |conn| {
            community::referral_of(conn, referred)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn referral_count(&self, referrer: UserId) -> StoreResult<u32> {
        self.run("referral", move |conn| {
            community::referral_count(conn, referrer)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn save_group_subscription(
        &self,
        sub: &crate::domain::GroupSubscription,
    ) -> StoreResult<()> {
        let sub = crate::store::community::validate_subscription(sub)?;
        self.write("group subscription", move |tx| {
            community::save_sub(tx, &sub)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn delete_group_subscription(&self, chat: UserId, node_id: &str) -> StoreResult<bool> {
        let node_id = node_id.to_owned();
        self.write("group subscription", move |tx| {
            community::delete_sub(tx, chat, &node_id)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn group_subscriptions(
        &self,
        chat: Option<UserId>,
    ) -> StoreResult<Vec<crate::domain::GroupSubscription>> {
        self.run("group subscription", move |conn| {
            community::subs(conn, chat)
        })
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn record_group_post(&self, post: &crate::domain::GroupPost) -> StoreResult<bool> {
        let post = post.clone();
        self.write("group post", move |tx| community::record_post(tx, &post))
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn group_posts(
        &self,
        chat: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::domain::GroupPost>> {
        self.run("group post", move |conn| {
            community::posts(conn, chat, since)
        })
        .await
    }
}

impl SqliteStore {
    /// Runs SQLite's `PRAGMA integrity_check` and returns its verdict (`ok` when the file is
    /// sound, otherwise the problems it lists, one per line).
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the check cannot run.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn run() -> Result<(), mandi_core::StoreError> {
    /// let store = mandi_core::store::SqliteStore::open_in_memory()?;
    /// assert_eq!(store.integrity_check().await?, "ok");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().map_err(|e| e.to_string())?.block_on(run()).map_err(|e| e.to_string())?;
    /// # Ok::<(), String>(())
    /// ```
    pub async fn integrity_check(&self) -> StoreResult<String> {
        self.run("integrity check", |conn| {
            let mut stmt = conn
                .prepare("PRAGMA integrity_check")
                .ctx("integrity check")?;
            let lines: Vec<String> = stmt
                .query_map([], |r| r.get(0))
                .ctx("integrity check")?
                .collect::<rusqlite::Result<_>>()
                .ctx("integrity check")?;
            Ok(lines.join("\n"))
        })
        .await
    }

    /// Where the database lives (a path, or `:memory:`).
    pub fn location(&self) -> &str {
        &self.inner.location
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma_i64(store: &SqliteStore, name: &str) -> i64 {
        let conn = store.inner.conn.lock().expect("connection");
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .expect("pragma")
    }

    #[test]
    fn file_connections_have_wal_foreign_keys_and_a_busy_timeout() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(dir.path().join("mandi.db")).expect("open");
        let mode: String = {
            let conn = store.inner.conn.lock().expect("connection");
            conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .expect("journal_mode")
        };
        assert_eq!(mode, "wal");
        assert_eq!(pragma_i64(&store, "foreign_keys"), 1);
        assert_eq!(
            pragma_i64(&store, "busy_timeout"),
            BUSY_TIMEOUT.as_millis() as i64
        );
        assert_eq!(
            pragma_i64(&store, "user_version"),
            i64::from(SCHEMA_VERSION)
        );
    }

    #[test]
    fn in_memory_connections_have_foreign_keys_and_a_busy_timeout() {
        let store = SqliteStore::open_in_memory().expect("open");
        assert_eq!(pragma_i64(&store, "foreign_keys"), 1);
        assert_eq!(
            pragma_i64(&store, "busy_timeout"),
            BUSY_TIMEOUT.as_millis() as i64
        );
    }
}
