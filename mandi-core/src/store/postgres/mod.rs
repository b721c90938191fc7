//! The PostgreSQL [`Store`] adapter (feature `postgres`).
//!
//! A pool of connections (`deadpool-postgres` over `tokio-postgres`); every method that
//! writes runs inside one transaction, so a price update, its rule states, alerts and outbox
//! rows land together or not at all, as in the SQLite store this adapter mirrors statement
//! for statement (same tables, same columns, same SQL apart from placeholders).
//!
//! # Schema
//!
//! Versioned migrations live beside this file (`migrations/NNNN_*.sql`) and are applied in
//! order when the store is first used, under an advisory lock (several workers may start at
//! once); the table `mandi_schema` records the versions applied. A database written by a
//! newer Mandi is refused with [`StoreError::SchemaTooNew`] before anything is written.
//!
//! Values are stored exactly as SQLite stores them (integer minor units beside a currency
//! code, unix-millisecond times, lower-case enum text, JSON lists, 0/1 flags), so
//! `mandi migrate` copies rows across unchanged.
//!
//! # Running several workers
//!
//! Any number of processes may share one database: row-level conflicts are settled by the
//! unique keys (an alert's dedupe key, a price point's time), and
//! [`leases::MonitorWorker`] hands out buckets of watched products to monitor workers
//! (leases with an expiry and a generation; a price update commits only while its worker
//! holds the product's bucket).

mod affiliate;
mod community;
#[cfg(feature = "sqlite")]
pub mod copy;
pub mod leases;
mod market;
mod quarantine;
mod rows;
mod serve_hooks;
mod server;
pub(crate) mod shim;
mod stats;
mod users_batch;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};

use self::rows::{
    Ctx, asin, availability, col, condition, from_json, marketplace, marketplace_code, money,
    money_parts, offer_kind, opt_time, origin, time, to_json,
};
use self::shim::{Conn, OptionalExtension, Row, params};
use super::{
    day_bounds_ms, millis, rule_kind, truncate, validate_baseline, validate_new_user,
    validate_points, validate_product, validate_query,
};
use crate::alerts::WatchRuleStates;
use crate::domain::{
    ActivityFacts, ApiKey, ApiKeyId, BulkItem, BulkJob, BulkJobId, KeyUsage, NewApiKey, NewBulkJob,
};
use crate::domain::{
    Alert, AlertId, AlertRule, Asin, BrowseNode, BrowseNodeRef, DealDetails, DeliveryStatus,
    ExternalIdentity, Image, Marketplace, Merchant, NewUser, NewWatch, Offer, OutboxEntry,
    PricePoint, Product, Reviews, Savings, User, UserId, UserSettings, VariationAttribute,
    VariationFamily, Watch, WatchId, WatchState, WatchTarget,
};
use crate::ports::store::{
    ApiUsage, ApiUsageTotals, AppliedUpdate, Delivery, HistoryQuery, HoldReason, PriceUpdate,
    SearchLog, Store, StoreError, StoreResult, WatchedProduct,
};

/// The migrations, oldest first; migration `i` takes the schema to version `i + 1`.
const MIGRATIONS: [&str; 10] = [
    include_str!("migrations/0001_schema.sql"),
    include_str!("migrations/0002_intel_clicks.sql"),
    include_str!("migrations/0003_serve_webhooks.sql"),
    include_str!("migrations/0004_watch_pause_reason.sql"),
    include_str!("migrations/0005_alert_card.sql"),
    include_str!("migrations/0006_monitor_leases.sql"),
    include_str!("migrations/0007_quarantine.sql"),
    include_str!("migrations/0008_affiliate_clicks.sql"),
    include_str!("migrations/0009_review_history.sql"),
    include_str!("migrations/0010_community.sql"),
];

/// The newest schema version this build creates and understands.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Connections kept in the pool by default.
const DEFAULT_POOL_SIZE: usize = 8;

/// The key of the advisory lock taken while migrating (any constant; "mandi" in ASCII).
const MIGRATION_LOCK: i64 = 0x006d_616e_6469;

/// The PostgreSQL store.
///
/// Cloning is cheap: clones share one connection pool. Opening does not connect; the first
/// operation connects and migrates the schema (see [`PostgresStore::connect`] to do it up
/// front and fail early).
///
/// # Examples
///
/// ```no_run
/// use mandi_core::store::PostgresStore;
/// use mandi_core::{Asin, Marketplace, Product, Store};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://mandi@127.0.0.1/mandi").await?;
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let at = chrono::DateTime::from_timestamp(1_750_000_000, 0).ok_or("time")?;
/// store.upsert_product(&Product::new(asin, Marketplace::India, "A phone", at)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
    /// Set on a monitor worker's store ([`leases::MonitorWorker`]): the buckets it leases.
    fence: Option<Arc<leases::Fence>>,
}

struct Inner {
    pool: Pool,
    /// The URL without its password, for messages.
    location: String,
    /// The schema the store works in (`None`: the server's default search path).
    schema: Option<String>,
    ready: tokio::sync::OnceCell<()>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.inner.location)
            .field("schema", &self.inner.schema)
            .finish_non_exhaustive()
    }
}

pub use super::open::{is_postgres_url, redact_url};

fn check_schema_name(schema: &str) -> StoreResult<()> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            what: "PostgreSQL schema",
            reason: format!(
                "{schema:?} is not a plain schema name (lower-case letters, digits and _, \
                 at most 63)"
            ),
        })
    }
}

/// Runs `f`, fixing its output type (lets `?` work inside the `async` blocks of the macros).
async fn scoped<T, F: Future<Output = StoreResult<T>>>(f: F) -> StoreResult<T> {
    f.await
}

/// `in_tx!(self, "what", |tx| { … })`: the block inside one transaction, committed when it
/// returns `Ok` and rolled back otherwise.
macro_rules! in_tx {
    ($self:ident, $what:expr, |$conn:ident| $body:block) => {{
        let what: &'static str = $what;
        let mut client = $self.client().await?;
        let tx = client.transaction().await.ctx(what)?;
        let out = {
            let conn = Conn::Tx(&tx);
            let $conn = &conn;
            scoped(async { $body }).await
        }?;
        tx.commit().await.ctx(what)?;
        Ok(out)
    }};
}

/// `in_conn!(self, "what", |conn| { … })`: the block on a pooled connection.
macro_rules! in_conn {
    ($self:ident, $what:expr, |$conn:ident| $body:block) => {{
        let _what: &'static str = $what;
        let client = $self.client().await?;
        let conn = Conn::Client(&client);
        let $conn = &conn;
        scoped(async { $body }).await
    }};
}

impl PostgresStore {
    /// A store on the database at `url` (`postgres://user:password@host:port/dbname`, or any
    /// form tokio-postgres takes), with a pool of 8 connections. Nothing is connected yet.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] when the URL cannot be read.
    pub fn open(url: &str) -> StoreResult<Self> {
        Self::open_with(url, None, DEFAULT_POOL_SIZE)
    }

    /// Like [`PostgresStore::open`], but every table lives in `schema` (created when missing),
    /// and the pool keeps at most `pool_size` connections.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] when the URL cannot be read or the schema name is not a plain
    /// lower-case identifier.
    pub fn open_with(url: &str, schema: Option<&str>, pool_size: usize) -> StoreResult<Self> {
        let location = redact_url(url);
        let mut config: tokio_postgres::Config =
            url.parse()
                .map_err(|e: tokio_postgres::Error| StoreError::Invalid {
                    what: "PostgreSQL URL",
                    reason: format!("{location}: {e}"),
                })?;
        if let Some(schema) = schema {
            check_schema_name(schema)?;
            config.options(format!("-c search_path={schema}"));
        }
        if config.get_application_name().is_none() {
            config.application_name("mandi");
        }
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Invalid {
                what: "PostgreSQL pool",
                reason: e.to_string(),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                location,
                schema: schema.map(str::to_owned),
                ready: tokio::sync::OnceCell::new(),
            }),
            fence: None,
        })
    }

    /// Opens the store at `url`, connects and migrates the schema to [`SCHEMA_VERSION`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] for a bad URL, [`StoreError::SchemaTooNew`] when a newer
    /// Mandi wrote the database (it is left as it was), [`StoreError::Backend`] when the
    /// server cannot be reached or the migration fails.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let store = Self::open(url)?;
        store.ready().await?;
        Ok(store)
    }

    /// Where the database lives (the URL without its password).
    pub fn location(&self) -> &str {
        &self.inner.location
    }

    /// Connects and migrates, once.
    pub async fn ready(&self) -> StoreResult<()> {
        self.inner
            .ready
            .get_or_try_init(|| self.migrate())
            .await
            .map(|_| ())
    }

    async fn raw_client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.inner
            .pool
            .get()
            .await
            .map_err(|e| StoreError::Backend {
                message: format!(
                    "cannot connect to PostgreSQL at {}: {e}",
                    self.inner.location
                ),
                source: Some(Box::new(e)),
            })
    }

    /// A pooled connection to a migrated database, for crate-internal uses that hold one
    /// (the monitor lock).
    pub(crate) async fn connection(&self) -> StoreResult<deadpool_postgres::Object> {
        self.client().await
    }

    /// A pooled connection to a migrated database.
    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.ready().await?;
        self.raw_client().await
    }

    async fn migrate(&self) -> StoreResult<()> {
        const W: &str = "schema migration";
        let mut client = self.raw_client().await?;
        let tx = client.transaction().await.ctx(W)?;
        let conn = Conn::Tx(&tx);
        conn.prepare_cached("SELECT pg_advisory_xact_lock($1)")
            .ctx(W)?
            .execute(params![MIGRATION_LOCK])
            .await
            .ctx(W)?;
        if let Some(schema) = &self.inner.schema {
            // The name was checked to be a plain identifier.
            conn.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await
                .ctx(W)?;
        }
        conn.batch_execute(
            "CREATE TABLE IF NOT EXISTS mandi_schema (
                 version    BIGINT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await
        .ctx(W)?;
        let found: i64 = conn
            .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM mandi_schema")
            .ctx(W)?
            .query_row(params![], |r| r.get(0))
            .await
            .ctx(W)?;
        let found = u32::try_from(found).map_err(|_| StoreError::Corrupt {
            what: W,
            detail: format!("schema version {found} is out of range"),
        })?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            conn.batch_execute(sql)
                .await
                .map_err(|e| StoreError::Backend {
                    message: format!(
                        "migrating {} to schema version {} failed: {e}",
                        self.inner.location,
                        i + 1
                    ),
                    source: Some(Box::new(e)),
                })?;
            conn.prepare_cached("INSERT INTO mandi_schema (version) VALUES ($1)")
                .ctx(W)?
                .execute(params![i as i64 + 1])
                .await
                .ctx(W)?;
        }
        tx.commit().await.ctx(W)?;
        if found < SCHEMA_VERSION {
            tracing::info!(from = found, to = SCHEMA_VERSION, location = %self.inner.location, "PostgreSQL schema migrated");
        }
        Ok(())
    }
}

// --- products and catalogue ---

/// Saves a product with its browse nodes.
async fn write_product(conn: &Conn<'_>, p: &Product) -> StoreResult<()> {
    write_nodes(conn, p.marketplace, p.browse_nodes.iter()).await?;
    write_product_rows(conn, p).await
}

/// Saves browse nodes, each once, in the order of their ids. Every transaction that writes
/// nodes takes their row locks in this one order before any other node, so two monitor
/// workers saving products of the same categories wait for each other instead of
/// deadlocking (they did, with the sandbox's catalogue, when each wrote its products' nodes
/// in its own order).
async fn write_nodes<'n>(
    conn: &Conn<'_>,
    m: Marketplace,
    nodes: impl Iterator<Item = &'n BrowseNode>,
) -> StoreResult<()> {
    let mut nodes: Vec<&BrowseNode> = nodes.collect();
    // A node named twice is saved as last named, as saving them one by one would.
    nodes.reverse();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    nodes.dedup_by(|later, first| later.id == first.id);
    if nodes.is_empty() {
        return Ok(());
    }
    // A node saved as it is already stored is not written again: a plain read takes no row
    // lock, so workers refreshing products of the same categories do not queue behind each
    // other's transactions on the category rows.
    let stored = stored_nodes(conn, m, &nodes).await?;
    for n in nodes {
        if !stored.get(n.id.as_str()).is_some_and(|s| s.holds(n)) {
            write_node(conn, m, n).await?;
        }
    }
    Ok(())
}

/// A browse node as stored, for telling whether saving a node would change it.
struct StoredNode {
    name: String,
    context_free_name: Option<String>,
    is_root: bool,
    children_json: String,
    ancestors: Vec<(String, String)>,
}

impl StoredNode {
    /// Whether saving `n` would leave the stored node as it is (an empty children or
    /// ancestors list keeps the stored one, as [`write_node`] does).
    fn holds(&self, n: &BrowseNode) -> bool {
        self.name == n.name
            && self.context_free_name == n.context_free_name
            && self.is_root == n.is_root
            && (n.children.is_empty()
                || to_json(&n.children, "browse node").is_ok_and(|j| j == self.children_json))
            && (n.ancestors.is_empty()
                || (self.ancestors.len() == n.ancestors.len()
                    && self
                        .ancestors
                        .iter()
                        .zip(&n.ancestors)
                        .all(|((id, name), a)| *id == a.id && *name == a.name)))
    }
}

/// The stored copies of these nodes, by id, in two reads.
async fn stored_nodes(
    conn: &Conn<'_>,
    m: Marketplace,
    nodes: &[&BrowseNode],
) -> StoreResult<std::collections::HashMap<String, StoredNode>> {
    const W: &str = "browse node";
    let code = marketplace_code(m);
    let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    let rows: Vec<(String, StoredNode)> = conn
        .prepare_cached(
            "SELECT id, name, context_free_name, is_root, children_json
             FROM browse_nodes WHERE marketplace = $1 AND id = ANY($2)",
        )
        .ctx(W)?
        .query_map(params![code, ids], |r| {
            Ok((
                r.get::<_, String>(0)?,
                StoredNode {
                    name: r.get(1)?,
                    context_free_name: r.get(2)?,
                    is_root: r.get(3)?,
                    children_json: r.get(4)?,
                    ancestors: Vec::new(),
                },
            ))
        })
        .await
        .ctx(W)?
        .collect::<shim::Result<_>>()
        .ctx(W)?;
    let mut stored: std::collections::HashMap<String, StoredNode> = rows.into_iter().collect();
    if stored.is_empty() {
        return Ok(stored);
    }
    let ancestry: Vec<(String, String, String)> = conn
        .prepare_cached(
            "SELECT node_id, ancestor_id, ancestor_name FROM browse_node_ancestry
             WHERE marketplace = $1 AND node_id = ANY($2) ORDER BY node_id, depth",
        )
        .ctx(W)?
        .query_map(params![code, ids], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .await
        .ctx(W)?
        .collect::<shim::Result<_>>()
        .ctx(W)?;
    for (node, id, name) in ancestry {
        if let Some(s) = stored.get_mut(&node) {
            s.ancestors.push((id, name));
        }
    }
    Ok(stored)
}

/// Saves a product's own rows; its browse nodes must be written already
/// ([`write_nodes`]).
async fn write_product_rows(conn: &Conn<'_>, p: &Product) -> StoreResult<()> {
    const W: &str = "product";
    let m = marketplace_code(p.marketplace);
    let a = p.asin.as_str();
    conn.prepare_cached(
        "INSERT INTO products (marketplace, asin, title, brand, manufacturer, features_json,
             contributors_json, product_group, images_json, detail_page_url, parent_asin,
             variation_attributes_json, origin, fetched_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (marketplace, asin) DO UPDATE SET
             title = excluded.title, brand = excluded.brand,
             manufacturer = excluded.manufacturer, features_json = excluded.features_json,
             contributors_json = excluded.contributors_json,
             product_group = excluded.product_group, images_json = excluded.images_json,
             detail_page_url = excluded.detail_page_url, parent_asin = excluded.parent_asin,
             variation_attributes_json = excluded.variation_attributes_json,
             origin = excluded.origin, fetched_at_ms = excluded.fetched_at_ms",
    )
    .ctx(W)?
    .execute(params![
        m,
        a,
        p.title,
        p.brand,
        p.manufacturer,
        to_json(&p.features, W)?,
        to_json(&p.contributors, W)?,
        p.product_group,
        to_json(&p.images, W)?,
        p.detail_page_url,
        p.parent_asin.as_ref().map(Asin::as_str),
        to_json(&p.variation_attributes, W)?,
        p.origin.as_str(),
        millis(p.fetched_at),
    ])
    .await
    .ctx(W)?;

    conn.prepare_cached("DELETE FROM offers WHERE marketplace = $1 AND asin = $2")
        .ctx("offer")?
        .execute(params![m, a])
        .await
        .ctx("offer")?;
    let insert = conn
        .prepare_cached(
            "INSERT INTO offers (marketplace, asin, position, listing_id, price_minor,
                 price_currency, list_price_minor, list_price_currency, savings_minor,
                 savings_currency, savings_percent, merchant_id, merchant_name,
                 fulfilled_by_amazon, condition, is_buy_box_winner, has_deal, deal_badge,
                 deal_access_type, deal_starts_at_ms, deal_ends_at_ms, deal_percent_claimed,
                 availability, availability_message, loyalty_points)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                 $17, $18, $19, $20, $21, $22, $23, $24, $25)",
        )
        .ctx("offer")?;
    for (i, o) in p.offers.iter().enumerate() {
        let (price, price_cur) = money_parts(o.price);
        let (list, list_cur) = money_parts(o.list_price);
        let (saved, saved_cur) = money_parts(o.savings.map(|s| s.amount));
        let deal = o.deal.as_ref();
        insert
            .execute(params![
                m,
                a,
                i as i64,
                o.listing_id,
                price,
                price_cur,
                list,
                list_cur,
                saved,
                saved_cur,
                o.savings.map(|s| s.percent),
                o.merchant.id,
                o.merchant.name,
                o.merchant.fulfilled_by_amazon,
                o.condition.as_str(),
                o.is_buy_box_winner,
                deal.is_some(),
                deal.and_then(|d| d.badge.as_deref()),
                deal.and_then(|d| d.access_type.as_deref()),
                deal.and_then(|d| d.starts_at).map(millis),
                deal.and_then(|d| d.ends_at).map(millis),
                deal.and_then(|d| d.percent_claimed),
                o.availability.as_str(),
                o.availability_message,
                o.loyalty_points,
            ])
            .await
            .ctx("offer")?;
    }

    conn.prepare_cached("DELETE FROM customer_reviews WHERE marketplace = $1 AND asin = $2")
        .ctx("customer reviews")?
        .execute(params![m, a])
        .await
        .ctx("customer reviews")?;
    if let Some(r) = p.reviews {
        conn.prepare_cached(
            "INSERT INTO customer_reviews (marketplace, asin, rating_centi, review_count)
             VALUES ($1, $2, $3, $4)",
        )
        .ctx("customer reviews")?
        .execute(params![m, a, r.rating_centi, r.count])
        .await
        .ctx("customer reviews")?;
        // The review history keeps a row each time the rating or the count changed.
        conn.prepare_cached(
            "INSERT INTO review_history (marketplace, asin, at_ms, rating_centi, review_count)
             SELECT $1, $2, $3, $4, $5
             WHERE NOT EXISTS (
                 SELECT 1 FROM (SELECT rating_centi, review_count FROM review_history
                                WHERE marketplace = $1 AND asin = $2
                                ORDER BY at_ms DESC LIMIT 1) AS last
                 WHERE last.rating_centi = $4 AND last.review_count = $5)
             ON CONFLICT DO NOTHING",
        )
        .ctx("review history")?
        .execute(params![m, a, millis(p.fetched_at), r.rating_centi, r.count])
        .await
        .ctx("review history")?;
    }

    conn.prepare_cached("DELETE FROM product_browse_nodes WHERE marketplace = $1 AND asin = $2")
        .ctx("browse node")?
        .execute(params![m, a])
        .await
        .ctx("browse node")?;
    for (i, n) in p.browse_nodes.iter().enumerate() {
        conn.prepare_cached(
            "INSERT INTO product_browse_nodes (marketplace, asin, position, node_id, sales_rank)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .ctx("browse node")?
        .execute(params![m, a, i as i64, n.id, n.sales_rank])
        .await
        .ctx("browse node")?;
    }

    if let Some(parent) = p.parent_asin {
        link_variation(conn, p.marketplace, parent, p.asin, &p.variation_attributes).await?;
    }

    insert_points(conn, &PricePoint::from_product(p)).await?;
    Ok(())
}

async fn link_variation(
    conn: &Conn<'_>,
    m: Marketplace,
    parent: Asin,
    child: Asin,
    attributes: &[VariationAttribute],
) -> StoreResult<()> {
    const W: &str = "variation";
    let m = marketplace_code(m);
    conn.prepare_cached(
        "DELETE FROM variations WHERE marketplace = $1 AND child_asin = $2 AND parent_asin <> $3",
    )
    .ctx(W)?
    .execute(params![m, child.as_str(), parent.as_str()])
    .await
    .ctx(W)?;
    conn.prepare_cached(
        "INSERT INTO variations (marketplace, parent_asin, child_asin, attributes_json)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (marketplace, parent_asin, child_asin)
         DO UPDATE SET attributes_json = excluded.attributes_json",
    )
    .ctx(W)?
    .execute(params![
        m,
        parent.as_str(),
        child.as_str(),
        to_json(attributes, W)?
    ])
    .await
    .ctx(W)?;
    Ok(())
}

async fn write_node(conn: &Conn<'_>, m: Marketplace, n: &BrowseNode) -> StoreResult<()> {
    const W: &str = "browse node";
    let m = marketplace_code(m);
    conn.prepare_cached(
        "INSERT INTO browse_nodes (marketplace, id, name, context_free_name, is_root, children_json)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (marketplace, id) DO UPDATE SET
             name = excluded.name, context_free_name = excluded.context_free_name,
             is_root = excluded.is_root,
             children_json = CASE WHEN excluded.children_json = '[]'
                 THEN browse_nodes.children_json ELSE excluded.children_json END",
    )
    .ctx(W)?
    .execute(params![
        m,
        n.id,
        n.name,
        n.context_free_name,
        n.is_root,
        to_json(&n.children, W)?
    ]).await
    .ctx(W)?;
    if !n.ancestors.is_empty() {
        conn.prepare_cached(
            "DELETE FROM browse_node_ancestry WHERE marketplace = $1 AND node_id = $2",
        )
        .ctx(W)?
        .execute(params![m, n.id])
        .await
        .ctx(W)?;
        let insert = conn
            .prepare_cached(
                "INSERT INTO browse_node_ancestry
                     (marketplace, node_id, depth, ancestor_id, ancestor_name)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .ctx(W)?;
        for (i, anc) in n.ancestors.iter().enumerate() {
            insert
                .execute(params![m, n.id, i as i64 + 1, anc.id, anc.name])
                .await
                .ctx(W)?;
        }
    }
    Ok(())
}

async fn read_node(conn: &Conn<'_>, m: Marketplace, id: &str) -> StoreResult<Option<BrowseNode>> {
    const W: &str = "browse node";
    let code = marketplace_code(m);
    let found = conn
        .prepare_cached(
            "SELECT name, context_free_name, is_root, children_json
             FROM browse_nodes WHERE marketplace = $1 AND id = $2",
        )
        .ctx(W)?
        .query_row(params![code, id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .await
        .optional()
        .ctx(W)?;
    let Some((name, context_free_name, is_root, children)) = found else {
        return Ok(None);
    };
    let stmt = conn
        .prepare_cached(
            "SELECT ancestor_id, ancestor_name FROM browse_node_ancestry
             WHERE marketplace = $1 AND node_id = $2 ORDER BY depth",
        )
        .ctx(W)?;
    let ancestors = stmt
        .query_map(params![code, id], |r| {
            Ok(BrowseNodeRef {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .await
        .ctx(W)?
        .collect::<shim::Result<Vec<_>>>()
        .ctx(W)?;
    Ok(Some(BrowseNode {
        id: id.to_owned(),
        name,
        context_free_name,
        is_root,
        ancestors,
        children: from_json(&children, W)?,
        sales_rank: None,
    }))
}

fn read_offer(r: &Row) -> StoreResult<Offer> {
    const W: &str = "offer";
    let savings = match money(col(r, 6, W)?, col(r, 7, W)?, W)? {
        Some(amount) => Some(Savings {
            amount,
            percent: col::<Option<u8>>(r, 8, W)?.unwrap_or(0),
        }),
        None => None,
    };
    let deal = if col::<bool>(r, 14, W)? {
        Some(DealDetails {
            badge: col(r, 15, W)?,
            access_type: col(r, 16, W)?,
            starts_at: opt_time(col(r, 17, W)?, W)?,
            ends_at: opt_time(col(r, 18, W)?, W)?,
            percent_claimed: col(r, 19, W)?,
        })
    } else {
        None
    };
    Ok(Offer {
        listing_id: col(r, 1, W)?,
        price: money(col(r, 2, W)?, col(r, 3, W)?, W)?,
        list_price: money(col(r, 4, W)?, col(r, 5, W)?, W)?,
        savings,
        merchant: Merchant {
            id: col(r, 9, W)?,
            name: col(r, 10, W)?,
            fulfilled_by_amazon: col(r, 11, W)?,
        },
        condition: condition(&col::<String>(r, 12, W)?, W)?,
        is_buy_box_winner: col(r, 13, W)?,
        deal,
        availability: availability(&col::<String>(r, 20, W)?, W)?,
        availability_message: col(r, 21, W)?,
        loyalty_points: col(r, 22, W)?,
    })
}

/// Collects the `StoreResult` rows of a `query_map`.
fn collect<T>(
    rows: impl Iterator<Item = shim::Result<StoreResult<T>>>,
    what: &'static str,
) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    for row in rows {
        out.push(row.ctx(what)??);
    }
    Ok(out)
}

/// A product's review history in time order.
async fn read_review_history(
    conn: &Conn<'_>,
    m: Marketplace,
    a: Asin,
) -> StoreResult<Vec<crate::domain::ReviewObservation>> {
    const W: &str = "review history";
    let stmt = conn
        .prepare_cached(
            "SELECT at_ms, rating_centi, review_count FROM review_history
             WHERE marketplace = $1 AND asin = $2 ORDER BY at_ms",
        )
        .ctx(W)?;
    collect(
        stmt.query_map(params![marketplace_code(m), a.as_str()], |r| {
            Ok((|| -> StoreResult<crate::domain::ReviewObservation> {
                Ok(crate::domain::ReviewObservation {
                    at: time(col(r, 0, W)?, W)?,
                    reviews: Reviews {
                        rating_centi: col(r, 1, W)?,
                        count: col(r, 2, W)?,
                    },
                })
            })())
        })
        .await
        .ctx(W)?,
        W,
    )
}

async fn read_product(conn: &Conn<'_>, m: Marketplace, a: Asin) -> StoreResult<Option<Product>> {
    const W: &str = "product";
    let code = marketplace_code(m);
    let stmt = conn
        .prepare_cached(
            "SELECT title, brand, manufacturer, features_json, contributors_json, product_group,
                 images_json, detail_page_url, parent_asin, variation_attributes_json, origin,
                 fetched_at_ms
             FROM products WHERE marketplace = $1 AND asin = $2",
        )
        .ctx(W)?;
    let mut found = stmt
        .query_map(params![code, a.as_str()], |r| {
            Ok((|| -> StoreResult<Product> {
                let images: Vec<Image> = from_json(&col::<String>(r, 6, W)?, W)?;
                let attributes: Vec<VariationAttribute> = from_json(&col::<String>(r, 9, W)?, W)?;
                Ok(Product {
                    asin: a,
                    marketplace: m,
                    title: col(r, 0, W)?,
                    brand: col(r, 1, W)?,
                    manufacturer: col(r, 2, W)?,
                    features: from_json(&col::<String>(r, 3, W)?, W)?,
                    contributors: from_json(&col::<String>(r, 4, W)?, W)?,
                    product_group: col(r, 5, W)?,
                    images,
                    detail_page_url: col(r, 7, W)?,
                    browse_nodes: Vec::new(),
                    parent_asin: col::<Option<String>>(r, 8, W)?
                        .map(|t| asin(&t, W))
                        .transpose()?,
                    variation_attributes: attributes,
                    offers: Vec::new(),
                    reviews: None,
                    fetched_at: time(col(r, 11, W)?, W)?,
                    origin: origin(&col::<String>(r, 10, W)?, W)?,
                })
            })())
        })
        .await
        .ctx(W)?;
    let Some(product) = found.next() else {
        return Ok(None);
    };
    let mut product = product.ctx(W)??;
    drop(found);

    let stmt = conn
        .prepare_cached(
            "SELECT position, listing_id, price_minor, price_currency, list_price_minor,
                 list_price_currency, savings_minor, savings_currency, savings_percent,
                 merchant_id, merchant_name, fulfilled_by_amazon, condition, is_buy_box_winner,
                 has_deal, deal_badge, deal_access_type, deal_starts_at_ms, deal_ends_at_ms,
                 deal_percent_claimed, availability, availability_message, loyalty_points
             FROM offers WHERE marketplace = $1 AND asin = $2 ORDER BY position",
        )
        .ctx("offer")?;
    product.offers = collect(
        stmt.query_map(params![code, a.as_str()], |r| Ok(read_offer(r)))
            .await
            .ctx("offer")?,
        "offer",
    )?;

    product.reviews = conn
        .prepare_cached(
            "SELECT rating_centi, review_count FROM customer_reviews
             WHERE marketplace = $1 AND asin = $2",
        )
        .ctx("customer reviews")?
        .query_row(params![code, a.as_str()], |r| {
            Ok(Reviews {
                rating_centi: r.get(0)?,
                count: r.get(1)?,
            })
        })
        .await
        .optional()
        .ctx("customer reviews")?;

    let links: Vec<(String, Option<u32>)> = conn
        .prepare_cached(
            "SELECT node_id, sales_rank FROM product_browse_nodes
             WHERE marketplace = $1 AND asin = $2 ORDER BY position",
        )
        .ctx("browse node")?
        .query_map(params![code, a.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .await
        .ctx("browse node")?
        .collect::<shim::Result<_>>()
        .ctx("browse node")?;
    for (id, sales_rank) in links {
        let mut node = read_node(conn, m, &id)
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                what: "browse node",
                detail: format!("{a} refers to browse node {id}, which is not stored"),
            })?;
        node.sales_rank = sales_rank;
        product.browse_nodes.push(node);
    }
    Ok(Some(product))
}

/// Points written by one `INSERT … SELECT FROM UNNEST(…)` statement.
const POINTS_PER_STATEMENT: usize = 2_000;

async fn insert_points(conn: &Conn<'_>, points: &[PricePoint]) -> StoreResult<usize> {
    const W: &str = "price point";
    let stmt = conn
        .prepare_cached(
            "INSERT INTO price_history (marketplace, asin, offer_kind, at_ms, price_minor,
                 price_currency, list_price_minor, list_price_currency, availability,
                 deal_badge, origin)
             SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[],
                 $5::BIGINT[], $6::TEXT[], $7::BIGINT[], $8::TEXT[], $9::TEXT[], $10::TEXT[],
                 $11::TEXT[])
             ON CONFLICT (marketplace, asin, offer_kind, at_ms) DO NOTHING
             RETURNING marketplace, asin, offer_kind, at_ms",
        )
        .ctx(W)?;
    let mut added = 0;
    // The aggregates of the points actually added, per product and offer kind, in order.
    let mut groups = super::StatsGroups::new();
    for chunk in points.chunks(POINTS_PER_STATEMENT) {
        let text = |f: &dyn Fn(&PricePoint) -> Option<String>| {
            shim::Val::OptTextList(chunk.iter().map(f).collect())
        };
        let int = |f: &dyn Fn(&PricePoint) -> Option<i64>| {
            shim::Val::OptIntList(chunk.iter().map(f).collect())
        };
        let args = [
            text(&|p| Some(marketplace_code(p.marketplace).to_owned())),
            text(&|p| Some(p.asin.as_str().to_owned())),
            text(&|p| Some(p.offer_kind.as_str().to_owned())),
            int(&|p| Some(millis(p.at))),
            int(&|p| p.price.map(|m| m.minor())),
            text(&|p| p.price.map(|m| m.currency().code().to_owned())),
            int(&|p| p.list_price.map(|m| m.minor())),
            text(&|p| p.list_price.map(|m| m.currency().code().to_owned())),
            text(&|p| Some(p.availability.as_str().to_owned())),
            text(&|p| p.deal_badge.clone()),
            text(&|p| Some(p.origin.as_str().to_owned())),
        ];
        let inserted: std::collections::HashSet<(String, String, String, i64)> = stmt
            .query_map(&args, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .await
            .ctx(W)?
            .collect::<shim::Result<_>>()
            .ctx(W)?;
        added += inserted.len();
        let mut seen = std::collections::HashSet::new();
        for p in chunk {
            let key = (
                marketplace_code(p.marketplace).to_owned(),
                p.asin.as_str().to_owned(),
                p.offer_kind.as_str().to_owned(),
                millis(p.at),
            );
            // A point repeated in the batch was inserted once: its first copy counts.
            if !inserted.contains(&key) || !seen.insert(key) {
                continue;
            }
            super::fold_into_groups(&mut groups, p);
        }
    }
    for ((m, a, kind), new) in &groups {
        stats::absorb(conn, *m, *a, *kind, new).await?;
    }
    Ok(added)
}

async fn read_history(conn: &Conn<'_>, q: &HistoryQuery) -> StoreResult<Vec<PricePoint>> {
    const W: &str = "price point";
    let mut sql = String::from(
        "SELECT offer_kind, at_ms, price_minor, price_currency, list_price_minor,
             list_price_currency, availability, deal_badge, origin
         FROM price_history WHERE marketplace = $1 AND asin = $2",
    );
    let mut args: Vec<shim::Val> = vec![
        marketplace_code(q.marketplace).to_owned().into(),
        q.asin.as_str().to_owned().into(),
    ];
    if let Some(kind) = q.offer_kind {
        args.push(kind.as_str().to_owned().into());
        sql.push_str(&format!(" AND offer_kind = ${}", args.len()));
    }
    if let Some(since) = q.since {
        args.push(millis(since).into());
        sql.push_str(&format!(" AND at_ms >= ${}", args.len()));
    }
    if let Some(until) = q.until {
        args.push(millis(until).into());
        sql.push_str(&format!(" AND at_ms < ${}", args.len()));
    }
    sql.push_str(" ORDER BY at_ms, offer_kind");
    let stmt = conn.prepare_cached(&sql).ctx(W)?;
    let rows = stmt
        .query_map(&args, |r| {
            Ok((|| -> StoreResult<PricePoint> {
                Ok(PricePoint {
                    marketplace: q.marketplace,
                    asin: q.asin,
                    offer_kind: offer_kind(&col::<String>(r, 0, W)?, W)?,
                    at: time(col(r, 1, W)?, W)?,
                    price: money(col(r, 2, W)?, col(r, 3, W)?, W)?,
                    list_price: money(col(r, 4, W)?, col(r, 5, W)?, W)?,
                    availability: availability(&col::<String>(r, 6, W)?, W)?,
                    deal_badge: col(r, 7, W)?,
                    origin: origin(&col::<String>(r, 8, W)?, W)?,
                })
            })())
        })
        .await
        .ctx(W)?;
    collect(rows, W)
}

// --- users ---

const USER_COLUMNS: &str =
    "id, identity_provider, identity_subject, display_name, settings_json, active, created_at_ms";

fn read_user(r: &Row) -> StoreResult<User> {
    const W: &str = "user";
    let settings: UserSettings = from_json(&col::<String>(r, 4, W)?, W)?;
    Ok(User {
        id: UserId(col(r, 0, W)?),
        identity: ExternalIdentity::new(col::<String>(r, 1, W)?, col::<String>(r, 2, W)?),
        display_name: col(r, 3, W)?,
        settings,
        active: col(r, 5, W)?,
        created_at: time(col(r, 6, W)?, W)?,
    })
}

async fn user_by(conn: &Conn<'_>, clause: &str, args: &[shim::Val]) -> StoreResult<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {clause}");
    let stmt = conn.prepare_cached(&sql).ctx("user")?;
    let mut rows = stmt
        .query_map(args, |r| Ok(read_user(r)))
        .await
        .ctx("user")?;
    rows.next().map(|r| r.ctx("user")?).transpose()
}

async fn user_exists(conn: &Conn<'_>, id: UserId) -> StoreResult<bool> {
    conn.prepare_cached("SELECT 1 FROM users WHERE id = $1")
        .ctx("user")?
        .exists(params![id.0])
        .await
        .ctx("user")
}

// --- watches ---

const WATCH_COLUMNS: &str = "id, user_id, target_type, marketplace, asin, state, snoozed_until_ms,
     baseline_minor, baseline_currency, label, created_at_ms, updated_at_ms";

fn read_watch(r: &Row) -> StoreResult<Watch> {
    const W: &str = "watch";
    let m = marketplace(&col::<String>(r, 3, W)?, W)?;
    let a = asin(&col::<String>(r, 4, W)?, W)?;
    let target = match col::<String>(r, 2, W)?.as_str() {
        "product" => WatchTarget::Product {
            marketplace: m,
            asin: a,
        },
        "family" => WatchTarget::Family {
            marketplace: m,
            parent_asin: a,
        },
        other => {
            return Err(StoreError::Corrupt {
                what: W,
                detail: format!("unknown target type {other:?}"),
            });
        }
    };
    let state = match (
        col::<String>(r, 5, W)?.as_str(),
        col::<Option<i64>>(r, 6, W)?,
    ) {
        ("active", _) => WatchState::Active,
        ("paused", _) => WatchState::Paused,
        ("snoozed", Some(ms)) => WatchState::Snoozed {
            until: time(ms, W)?,
        },
        (other, until) => {
            return Err(StoreError::Corrupt {
                what: W,
                detail: format!("unknown state {other:?} (snoozed until {until:?})"),
            });
        }
    };
    Ok(Watch {
        id: WatchId(col(r, 0, W)?),
        user_id: UserId(col(r, 1, W)?),
        target,
        rules: Vec::new(),
        state,
        baseline_price: money(col(r, 7, W)?, col(r, 8, W)?, W)?,
        label: col(r, 9, W)?,
        created_at: time(col(r, 10, W)?, W)?,
        updated_at: time(col(r, 11, W)?, W)?,
    })
}

async fn watches_where(
    conn: &Conn<'_>,
    clause: &str,
    args: &[shim::Val],
) -> StoreResult<Vec<Watch>> {
    let sql = format!("SELECT {WATCH_COLUMNS} FROM watches WHERE {clause}");
    let stmt = conn.prepare_cached(&sql).ctx("watch")?;
    let mut watches = collect(
        stmt.query_map(args, |r| Ok(read_watch(r)))
            .await
            .ctx("watch")?,
        "watch",
    )?;
    if watches.is_empty() {
        return Ok(watches);
    }
    // The rules of every watch found, in one read, in each watch's order.
    let ids: Vec<i64> = watches.iter().map(|w| w.id.0).collect();
    let rows: Vec<(i64, String)> = conn
        .prepare_cached(
            "SELECT watch_id, rule_json FROM alert_rules WHERE watch_id = ANY($1)
             ORDER BY watch_id, position",
        )
        .ctx("alert rule")?
        .query_map(params![ids], |r| Ok((r.get(0)?, r.get(1)?)))
        .await
        .ctx("alert rule")?
        .collect::<shim::Result<_>>()
        .ctx("alert rule")?;
    let mut rules: std::collections::HashMap<i64, Vec<AlertRule>> =
        std::collections::HashMap::new();
    for (watch_id, text) in &rows {
        rules
            .entry(*watch_id)
            .or_default()
            .push(from_json::<AlertRule>(text, "alert rule")?);
    }
    for w in &mut watches {
        w.rules = rules.remove(&w.id.0).unwrap_or_default();
    }
    Ok(watches)
}

fn target_parts(t: &WatchTarget) -> (&'static str, &'static str, Asin) {
    match t {
        WatchTarget::Product { marketplace, asin } => {
            ("product", marketplace_code(*marketplace), *asin)
        }
        WatchTarget::Family {
            marketplace,
            parent_asin,
        } => ("family", marketplace_code(*marketplace), *parent_asin),
    }
}

fn state_parts(s: &WatchState) -> (&'static str, Option<i64>) {
    match s {
        WatchState::Active => ("active", None),
        WatchState::Paused => ("paused", None),
        WatchState::Snoozed { until } => ("snoozed", Some(millis(*until))),
    }
}

async fn write_rules(conn: &Conn<'_>, id: WatchId, rules: &[AlertRule]) -> StoreResult<()> {
    const W: &str = "alert rule";
    conn.prepare_cached("DELETE FROM alert_rules WHERE watch_id = $1")
        .ctx(W)?
        .execute(params![id.0])
        .await
        .ctx(W)?;
    let insert = conn
        .prepare_cached(
            "INSERT INTO alert_rules (watch_id, position, kind, rule_json)
             VALUES ($1, $2, $3, $4)",
        )
        .ctx(W)?;
    for (i, rule) in rules.iter().enumerate() {
        insert
            .execute(params![id.0, i as i64, rule_kind(rule)?, to_json(rule, W)?])
            .await
            .ctx(W)?;
    }
    Ok(())
}

// --- alerts and their outbox ---

const ALERT_COLUMNS: &str = "a.id, a.user_id, a.watch_id, a.marketplace, a.asin, a.rule_json,
     a.price_minor, a.price_currency, a.previous_price_minor, a.previous_price_currency,
     a.availability, a.message, a.triggered_at_ms, a.dedupe_key, a.card_json";

fn read_alert(r: &Row, base: usize) -> StoreResult<Alert> {
    const W: &str = "alert";
    let c = |i: usize| base + i;
    Ok(Alert {
        id: AlertId(col(r, c(0), W)?),
        user_id: UserId(col(r, c(1), W)?),
        watch_id: WatchId(col(r, c(2), W)?),
        marketplace: marketplace(&col::<String>(r, c(3), W)?, W)?,
        asin: asin(&col::<String>(r, c(4), W)?, W)?,
        rule: from_json(&col::<String>(r, c(5), W)?, W)?,
        price: money(col(r, c(6), W)?, col(r, c(7), W)?, W)?,
        previous_price: money(col(r, c(8), W)?, col(r, c(9), W)?, W)?,
        availability: availability(&col::<String>(r, c(10), W)?, W)?,
        message: col(r, c(11), W)?,
        triggered_at: time(col(r, c(12), W)?, W)?,
        dedupe_key: col(r, c(13), W)?,
        card: col::<Option<String>>(r, c(14), W)?
            .map(|j| from_json(&j, W))
            .transpose()?,
    })
}

const OUTBOX_COLUMNS: &str = "o.id, o.alert_id, o.user_id, o.channel, o.idempotency_key,
     o.status, o.attempts, o.next_attempt_at_ms, o.last_error, o.hold";

/// Number of columns in [`OUTBOX_COLUMNS`].
const OUTBOX_WIDTH: usize = 10;

fn read_outbox(r: &Row) -> StoreResult<(OutboxEntry, Option<HoldReason>)> {
    const W: &str = "outbox row";
    let status: String = col(r, 5, W)?;
    let status = match status.as_str() {
        "pending" => DeliveryStatus::Pending,
        "sent" => DeliveryStatus::Sent,
        "dead" => DeliveryStatus::Dead,
        other => {
            return Err(StoreError::Corrupt {
                what: W,
                detail: format!("unknown status {other:?}"),
            });
        }
    };
    let hold = match col::<Option<String>>(r, 9, W)? {
        None => None,
        Some(h) => Some(HoldReason::parse(&h).ok_or_else(|| StoreError::Corrupt {
            what: W,
            detail: format!("unknown hold {h:?}"),
        })?),
    };
    Ok((
        OutboxEntry {
            id: col(r, 0, W)?,
            alert_id: AlertId(col(r, 1, W)?),
            user_id: UserId(col(r, 2, W)?),
            channel: col(r, 3, W)?,
            idempotency_key: col(r, 4, W)?,
            status,
            attempts: col(r, 6, W)?,
            next_attempt_at: time(col(r, 7, W)?, W)?,
            last_error: col(r, 8, W)?,
        },
        hold,
    ))
}

/// Deliveries (outbox row joined with its alert) matching `clause`.
async fn deliveries_where(
    conn: &Conn<'_>,
    clause: &str,
    args: &[shim::Val],
) -> StoreResult<Vec<Delivery>> {
    let sql = format!(
        "SELECT {OUTBOX_COLUMNS}, {ALERT_COLUMNS} FROM alert_outbox o
         JOIN alerts a ON a.id = o.alert_id WHERE {clause}"
    );
    let stmt = conn.prepare_cached(&sql).ctx("outbox row")?;
    let rows = stmt
        .query_map(args, |r| {
            Ok((|| -> StoreResult<Delivery> {
                let (entry, hold) = read_outbox(r)?;
                Ok(Delivery {
                    entry,
                    alert: read_alert(r, OUTBOX_WIDTH)?,
                    hold,
                })
            })())
        })
        .await
        .ctx("outbox row")?;
    collect(rows, "outbox row")
}

async fn alerts_where(
    conn: &Conn<'_>,
    clause: &str,
    args: &[shim::Val],
) -> StoreResult<Vec<Alert>> {
    let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts a WHERE {clause}");
    let stmt = conn.prepare_cached(&sql).ctx("alert")?;
    let rows = stmt
        .query_map(args, |r| Ok(read_alert(r, 0)))
        .await
        .ctx("alert")?;
    collect(rows, "alert")
}

/// The watch ids a statement returns, in id order.
async fn watch_ids(conn: &Conn<'_>, sql: &str, args: &[shim::Val]) -> StoreResult<Vec<WatchId>> {
    let stmt = conn.prepare_cached(sql).ctx("watch")?;
    let mut ids: Vec<WatchId> = stmt
        .query_map(args, |r| r.get(0).map(WatchId))
        .await
        .ctx("watch")?
        .collect::<shim::Result<_>>()
        .ctx("watch")?;
    ids.sort();
    Ok(ids)
}

async fn watch_owner(conn: &Conn<'_>, id: WatchId) -> StoreResult<Option<UserId>> {
    conn.prepare_cached("SELECT user_id FROM watches WHERE id = $1")
        .ctx("watch")?
        .query_row(params![id.0], |r| r.get(0))
        .await
        .optional()
        .ctx("watch")
        .map(|o| o.map(UserId))
}

/// The owners of the watches `ids` names (watch id → user id); a missing watch is absent.
async fn watch_owners(
    conn: &Conn<'_>,
    ids: impl Iterator<Item = WatchId>,
) -> StoreResult<std::collections::HashMap<i64, i64>> {
    let mut ids: Vec<i64> = ids.map(|id| id.0).collect();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    ids.sort_unstable();
    ids.dedup();
    let rows = conn
        .prepare_cached("SELECT id, user_id FROM watches WHERE id = ANY($1)")
        .ctx("watch")?
        .query_map(params![ids], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .await
        .ctx("watch")?;
    rows.collect::<Result<_, _>>().ctx("watch")
}

async fn variation_children_tx(
    conn: &Conn<'_>,
    marketplace: Marketplace,
    parent: Asin,
) -> StoreResult<Vec<Asin>> {
    let texts: Vec<String> = conn
        .prepare_cached(
            "SELECT child_asin FROM variations
             WHERE marketplace = $1 AND parent_asin = $2 ORDER BY child_asin",
        )
        .ctx("variation")?
        .query_map(
            params![marketplace_code(marketplace), parent.as_str()],
            |r| r.get(0),
        )
        .await
        .ctx("variation")?
        .collect::<shim::Result<_>>()
        .ctx("variation")?;
    texts.iter().map(|t| asin(t, "variation")).collect()
}

/// Applies price updates in one transaction: the browse nodes of all their products first,
/// in id order ([`write_nodes`]), then each update.
async fn apply_updates_tx(conn: &Conn<'_>, updates: &[PriceUpdate]) -> StoreResult<()> {
    for m in Marketplace::ALL {
        write_nodes(
            conn,
            m,
            updates
                .iter()
                .filter_map(|u| u.product.as_ref())
                .filter(|p| p.marketplace == m)
                .flat_map(|p| p.browse_nodes.iter()),
        )
        .await?;
    }
    Ok(())
}

/// Applies one price update; the browse nodes of its product must be written already
/// ([`apply_updates_tx`]).
async fn apply_update_tx(conn: &Conn<'_>, u: &PriceUpdate) -> StoreResult<AppliedUpdate> {
    let mut applied = AppliedUpdate::default();
    if let Some(p) = &u.product {
        let stored: Option<i64> = conn
            .prepare_cached(
                "SELECT fetched_at_ms FROM products WHERE marketplace = $1 AND asin = $2",
            )
            .ctx("product")?
            .query_row(
                params![marketplace_code(p.marketplace), p.asin.as_str()],
                |r| r.get(0),
            )
            .await
            .optional()
            .ctx("product")?;
        // Count the product's points first; saving the product then finds them stored.
        applied.points_added += insert_points(conn, &PricePoint::from_product(p)).await?;
        if stored.is_none_or(|ms| ms <= millis(p.fetched_at)) {
            write_product_rows(conn, p).await?;
        }
    }
    applied.points_added += insert_points(conn, &u.points).await?;
    quarantine::hold_and_settle(conn, u).await?;
    // The owners of every watch the update names, in one read.
    let owners = watch_owners(
        conn,
        u.rule_states
            .iter()
            .map(|rs| rs.watch_id)
            .chain(u.alerts.iter().map(|a| a.watch_id)),
    )
    .await?;
    // The rule states in one statement; a watch named twice keeps its last states, as
    // writing them one after the other would.
    let mut states: Vec<(i64, String)> = Vec::with_capacity(u.rule_states.len());
    for rs in &u.rule_states {
        if !owners.contains_key(&rs.watch_id.0) {
            applied.orphans += 1;
            continue;
        }
        let json = to_json(rs, "rule states")?;
        match states.iter_mut().find(|(id, _)| *id == rs.watch_id.0) {
            Some(slot) => slot.1 = json,
            None => states.push((rs.watch_id.0, json)),
        }
    }
    if !states.is_empty() {
        let (ids, jsons): (Vec<i64>, Vec<String>) = states.into_iter().unzip();
        conn.prepare_cached(
            "INSERT INTO watch_rule_states (watch_id, states_json)
             SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[])
             ON CONFLICT (watch_id) DO UPDATE SET states_json = excluded.states_json",
        )
        .ctx("rule states")?
        .execute(params![ids, jsons])
        .await
        .ctx("rule states")?;
    }
    for a in &u.alerts {
        if owners.get(&a.watch_id.0) != Some(&a.user_id.0) {
            // Counted as a duplicate when its key is known, as an orphan otherwise.
            let known = conn
                .prepare_cached("SELECT 1 FROM alerts WHERE dedupe_key = $1")
                .ctx("alert")?
                .exists(params![a.dedupe_key])
                .await
                .ctx("alert")?;
            if known {
                applied.duplicates += 1;
            } else {
                applied.orphans += 1;
            }
            continue;
        }
        let (price, price_cur) = money_parts(a.price);
        let (prev, prev_cur) = money_parts(a.previous_price);
        let inserted = conn
            .prepare_cached(
                "INSERT INTO alerts (user_id, watch_id, marketplace, asin, rule_kind, rule_json,
                 price_minor, price_currency, previous_price_minor, previous_price_currency,
                 availability, message, triggered_at_ms, dedupe_key, card_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                 $15)
             ON CONFLICT (dedupe_key) DO NOTHING
             RETURNING id",
            )
            .ctx("alert")?
            .query_map(
                params![
                    a.user_id.0,
                    a.watch_id.0,
                    marketplace_code(a.marketplace),
                    a.asin.as_str(),
                    rule_kind(&a.rule)?,
                    to_json(&a.rule, "alert")?,
                    price,
                    price_cur,
                    prev,
                    prev_cur,
                    a.availability.as_str(),
                    a.message,
                    millis(a.triggered_at),
                    a.dedupe_key,
                    a.card
                        .as_ref()
                        .map(|c| to_json(c, "alert card"))
                        .transpose()?,
                ],
                |r| r.get::<_, i64>(0),
            )
            .await
            .ctx("alert")?
            .next()
            .transpose()
            .ctx("alert")?;
        let Some(id) = inserted else {
            applied.duplicates += 1;
            continue;
        };
        let id = AlertId(id);
        let insert = conn
            .prepare_cached(
                "INSERT INTO alert_outbox (alert_id, user_id, channel, idempotency_key, status,
                     attempts, next_attempt_at_ms)
                 VALUES ($1, $2, $3, $4, 'pending', 0, $5)",
            )
            .ctx("outbox row")?;
        for channel in &u.channels {
            insert
                .execute(params![
                    id.0,
                    a.user_id.0,
                    channel,
                    super::idempotency_key(&a.dedupe_key, channel),
                    millis(a.triggered_at),
                ])
                .await
                .ctx("outbox row")?;
        }
        applied.created.push(id);
    }
    Ok(applied)
}

/// Runs `sql` (with `$1` = the outbox id) on a pending row; `NotFound` when there is no row.
async fn change_pending(
    conn: &Conn<'_>,
    id: i64,
    sql: &str,
    args: &[shim::Val],
) -> StoreResult<()> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM alert_outbox WHERE id = $1")
        .ctx("outbox row")?
        .exists(params![id])
        .await
        .ctx("outbox row")?;
    if !exists {
        return Err(not_found("outbox row", id));
    }
    let mut all: Vec<shim::Val> = vec![shim::Val::Int(id)];
    all.extend_from_slice(args);
    conn.prepare_cached(sql)
        .ctx("outbox row")?
        .execute(all.as_slice())
        .await
        .ctx("outbox row")?;
    Ok(())
}

fn not_found(what: &'static str, id: impl ToString) -> StoreError {
    StoreError::NotFound {
        what,
        id: id.to_string(),
    }
}

#[async_trait]
impl Store for PostgresStore {
    #[tracing::instrument(skip_all, err(level = "debug"), fields(asin = %product.asin, offers = product.offers.len()))]
    async fn upsert_product(&self, product: &Product) -> StoreResult<()> {
        validate_product(product)?;
        let product = product.clone();
        in_tx!(self, "product", |tx| { write_product(tx, &product).await })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%asin))]
    async fn get_product(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> StoreResult<Option<Product>> {
        in_conn!(self, "product", |conn| {
            read_product(conn, marketplace, asin).await
        })
    }

    async fn review_history(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> StoreResult<Vec<crate::domain::ReviewObservation>> {
        in_conn!(self, "review history", |conn| {
            read_review_history(conn, marketplace, asin).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(points = points.len()))]
    async fn record_prices(&self, points: &[PricePoint]) -> StoreResult<usize> {
        validate_points(points)?;
        if points.is_empty() {
            return Ok(0);
        }
        let points = points.to_vec();
        in_tx!(self, "price point", |tx| {
            insert_points(tx, &points).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(asin = %query.asin))]
    async fn price_history(&self, query: &HistoryQuery) -> StoreResult<Vec<PricePoint>> {
        validate_query(query)?;
        let query = query.clone();
        in_conn!(self, "price point", |conn| {
            read_history(conn, &query).await
        })
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
        in_tx!(self, "price point", |tx| {
            let stored = read_history(tx, &query).await?;
            let delete = tx
                .prepare_cached(
                    "DELETE FROM price_history
                     WHERE marketplace = $1 AND asin = $2 AND offer_kind = $3 AND at_ms = $4",
                )
                .ctx("price point")?;
            let mut deleted = 0;
            for p in stored.iter().filter(|p| !keep.contains(&millis(p.at))) {
                deleted += delete
                    .execute(params![
                        marketplace_code(query.marketplace),
                        query.asin.as_str(),
                        kind.as_str(),
                        millis(p.at)
                    ])
                    .await
                    .ctx("price point")?;
            }
            Ok(deleted)
        })
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
        in_tx!(self, "browse node", |tx| {
            write_nodes(tx, marketplace, nodes.iter()).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(id))]
    async fn get_browse_node(
        &self,
        marketplace: Marketplace,
        id: &str,
    ) -> StoreResult<Option<BrowseNode>> {
        let id = id.to_owned();
        in_conn!(self, "browse node", |conn| {
            read_node(conn, marketplace, &id).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(parent = %family.parent_asin, items = family.items.len()))]
    async fn upsert_variations(
        &self,
        marketplace: Marketplace,
        family: &VariationFamily,
    ) -> StoreResult<()> {
        let children = super::family_children(marketplace, family)?;
        let parent = family.parent_asin;
        in_tx!(self, "variation", |tx| {
            write_nodes(
                tx,
                marketplace,
                children.iter().flat_map(|c| c.browse_nodes.iter()),
            )
            .await?;
            for child in &children {
                write_product_rows(tx, child).await?;
                link_variation(
                    tx,
                    marketplace,
                    parent,
                    child.asin,
                    &child.variation_attributes,
                )
                .await?;
            }
            Ok(())
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%parent))]
    async fn variation_children(
        &self,
        marketplace: Marketplace,
        parent: Asin,
    ) -> StoreResult<Vec<Asin>> {
        in_conn!(self, "variation", |conn| {
            variation_children_tx(conn, marketplace, parent).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(results = log.result_count))]
    async fn record_search(&self, log: &SearchLog) -> StoreResult<()> {
        let log = log.clone();
        in_tx!(self, "search", |tx| {
            if let Some(user) = log.user_id
                && !user_exists(tx, user).await?
            {
                return Err(not_found("user", user));
            }
            tx.prepare_cached(
                "INSERT INTO search_queries (user_id, marketplace, query, result_count, at_ms)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .ctx("search")?
            .execute(params![
                log.user_id.map(|u| u.0),
                marketplace_code(log.marketplace),
                log.query,
                log.result_count,
                millis(log.at),
            ])
            .await
            .ctx("search")?;
            Ok(())
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(limit))]
    async fn recent_searches(
        &self,
        user: Option<UserId>,
        limit: usize,
    ) -> StoreResult<Vec<SearchLog>> {
        const W: &str = "search";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        in_conn!(self, W, |conn| {
            let stmt = conn
                .prepare_cached(
                    "SELECT user_id, marketplace, query, result_count, at_ms FROM search_queries
                     WHERE ($1::BIGINT IS NULL OR user_id = $1) ORDER BY at_ms DESC, id DESC LIMIT $2",
                )
                .ctx(W)?;
            let rows = stmt
                .query_map(params![user.map(|u| u.0), limit], |r| {
                    Ok((|| -> StoreResult<SearchLog> {
                        Ok(SearchLog {
                            user_id: col::<Option<i64>>(r, 0, W)?.map(UserId),
                            marketplace: marketplace(&col::<String>(r, 1, W)?, W)?,
                            query: col(r, 2, W)?,
                            result_count: col(r, 3, W)?,
                            at: time(col(r, 4, W)?, W)?,
                        })
                    })())
                })
                .await
                .ctx(W)?;
            collect(rows, W)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(provider = %new.identity.provider))]
    async fn upsert_user(&self, new: &NewUser, now: DateTime<Utc>) -> StoreResult<User> {
        validate_new_user(new)?;
        let new = new.clone();
        in_tx!(self, "user", |tx| {
            let identity = params![new.identity.provider, new.identity.subject];
            if let Some(user) = user_by(
                tx,
                "identity_provider = $1 AND identity_subject = $2",
                identity,
            )
            .await?
            {
                return Ok(user);
            }
            tx.prepare_cached(
                "INSERT INTO users (identity_provider, identity_subject, display_name,
                     settings_json, active, created_at_ms)
                 VALUES ($1, $2, $3, $4, 1, $5)",
            )
            .ctx("user")?
            .execute(params![
                new.identity.provider,
                new.identity.subject,
                new.display_name,
                to_json(&new.settings, "user settings")?,
                millis(now),
            ])
            .await
            .ctx("user")?;
            Ok(User {
                id: UserId(tx.last_insert_rowid().await.ctx("new row id")?),
                identity: new.identity,
                display_name: new.display_name,
                settings: new.settings,
                active: true,
                created_at: truncate(now),
            })
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(user = %id))]
    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        in_conn!(self, "user", |conn| {
            user_by(conn, "id = $1", params![id.0])
                .await?
                .ok_or_else(|| not_found("user", id))
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(provider = %identity.provider))]
    async fn find_user(&self, identity: &ExternalIdentity) -> StoreResult<Option<User>> {
        let identity = identity.clone();
        in_conn!(self, "user", |conn| {
            user_by(
                conn,
                "identity_provider = $1 AND identity_subject = $2",
                params![identity.provider, identity.subject],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(user = %user.id))]
    async fn update_user(&self, user: &User) -> StoreResult<()> {
        let user = user.clone();
        in_tx!(self, "user", |tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE users SET display_name = $2, settings_json = $3, active = $4
                     WHERE id = $1",
                )
                .ctx("user")?
                .execute(params![
                    user.id.0,
                    user.display_name,
                    to_json(&user.settings, "user settings")?,
                    user.active,
                ])
                .await
                .ctx("user")?;
            if changed == 0 {
                return Err(not_found("user", user.id));
            }
            Ok(())
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(user = %new.user_id, asin = %new.target.asin()))]
    async fn create_watch(&self, new: &NewWatch, now: DateTime<Utc>) -> StoreResult<Watch> {
        validate_baseline(new.baseline_price, new.target.asin())?;
        for rule in &new.rules {
            rule_kind(rule)?;
        }
        let new = new.clone();
        in_tx!(self, "watch", |tx| {
            if !user_exists(tx, new.user_id).await? {
                return Err(not_found("user", new.user_id));
            }
            let (target_type, m, a) = target_parts(&new.target);
            let (base, base_cur) = money_parts(new.baseline_price);
            tx.prepare_cached(
                "INSERT INTO watches (user_id, target_type, marketplace, asin, state,
                     snoozed_until_ms, baseline_minor, baseline_currency, label, created_at_ms,
                     updated_at_ms)
                 VALUES ($1, $2, $3, $4, 'active', NULL, $5, $6, $7, $8, $8)",
            )
            .ctx("watch")?
            .execute(params![
                new.user_id.0,
                target_type,
                m,
                a.as_str(),
                base,
                base_cur,
                new.label,
                millis(now),
            ])
            .await
            .ctx("watch")?;
            let id = WatchId(tx.last_insert_rowid().await.ctx("new row id")?);
            write_rules(tx, id, &new.rules).await?;
            Ok(Watch {
                id,
                user_id: new.user_id,
                target: new.target,
                rules: new.rules,
                state: WatchState::Active,
                baseline_price: new.baseline_price,
                label: new.label,
                created_at: truncate(now),
                updated_at: truncate(now),
            })
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user, watch = %id))]
    async fn get_watch(&self, user: UserId, id: WatchId) -> StoreResult<Watch> {
        in_conn!(self, "watch", |conn| {
            watches_where(conn, "id = $1 AND user_id = $2", params![id.0, user.0])
                .await?
                .pop()
                .ok_or_else(|| not_found("watch", id))
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn list_watches(&self, user: UserId) -> StoreResult<Vec<Watch>> {
        in_conn!(self, "watch", |conn| {
            watches_where(
                conn,
                "user_id = $1 ORDER BY created_at_ms, id",
                params![user.0],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(user = %watch.user_id, watch = %watch.id))]
    async fn update_watch(&self, watch: &Watch) -> StoreResult<()> {
        validate_baseline(watch.baseline_price, watch.target.asin())?;
        for rule in &watch.rules {
            rule_kind(rule)?;
        }
        let watch = watch.clone();
        in_tx!(self, "watch", |tx| {
            let (target_type, m, a) = target_parts(&watch.target);
            let (state, until) = state_parts(&watch.state);
            let (base, base_cur) = money_parts(watch.baseline_price);
            let changed = tx
                .prepare_cached(
                    "UPDATE watches SET target_type = $3, marketplace = $4, asin = $5, state = $6,
                         snoozed_until_ms = $7, baseline_minor = $8, baseline_currency = $9,
                         label = $10, updated_at_ms = $11,
                         paused_unreachable =
                             CASE WHEN $6 = 'paused' THEN paused_unreachable ELSE 0 END
                     WHERE id = $1 AND user_id = $2",
                )
                .ctx("watch")?
                .execute(params![
                    watch.id.0,
                    watch.user_id.0,
                    target_type,
                    m,
                    a.as_str(),
                    state,
                    until,
                    base,
                    base_cur,
                    watch.label,
                    millis(watch.updated_at),
                ])
                .await
                .ctx("watch")?;
            if changed == 0 {
                return Err(not_found("watch", watch.id));
            }
            write_rules(tx, watch.id, &watch.rules).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user, watch = %id))]
    async fn delete_watch(&self, user: UserId, id: WatchId) -> StoreResult<()> {
        in_tx!(self, "watch", |tx| {
            let changed = tx
                .prepare_cached("DELETE FROM watches WHERE id = $1 AND user_id = $2")
                .ctx("watch")?
                .execute(params![id.0, user.0])
                .await
                .ctx("watch")?;
            if changed == 0 {
                return Err(not_found("watch", id));
            }
            Ok(())
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn pause_unreachable(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WatchId>> {
        in_tx!(self, "watch", |tx| {
            watch_ids(
                tx,
                "UPDATE watches SET state = 'paused', snoozed_until_ms = NULL,
                     paused_unreachable = 1, updated_at_ms = $2
                 WHERE user_id = $1 AND state <> 'paused'
                 RETURNING id",
                params![user.0, millis(now)],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn paused_unreachable(&self, user: UserId) -> StoreResult<Vec<WatchId>> {
        in_conn!(self, "watch", |conn| {
            watch_ids(
                conn,
                "SELECT id FROM watches WHERE user_id = $1 AND paused_unreachable = 1",
                params![user.0],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn resume_unreachable(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WatchId>> {
        in_tx!(self, "watch", |tx| {
            watch_ids(
                tx,
                "UPDATE watches SET state = 'active', paused_unreachable = 0, updated_at_ms = $2
                 WHERE user_id = $1 AND paused_unreachable = 1
                 RETURNING id",
                params![user.0, millis(now)],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%asin))]
    async fn watches_on(&self, marketplace: Marketplace, asin: Asin) -> StoreResult<Vec<Watch>> {
        in_conn!(self, "watch", |conn| {
            watches_where(
                conn,
                // The product and its parents as one set of ASINs, so that the lookup is
                // an index read of `watches_by_target` (an OR of subqueries made the
                // planner scan every watch).
                "marketplace = $1
                 AND asin IN (SELECT $2::TEXT
                              UNION SELECT parent_asin FROM variations
                                    WHERE marketplace = $1 AND child_asin = $2
                              UNION SELECT parent_asin FROM products
                                    WHERE marketplace = $1 AND asin = $2
                                      AND parent_asin IS NOT NULL)
                 AND ((target_type = 'product' AND asin = $2) OR target_type = 'family')
                 ORDER BY id",
                params![marketplace_code(marketplace), asin.as_str()],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn watched_products(&self) -> StoreResult<Vec<WatchedProduct>> {
        const W: &str = "watch";
        in_conn!(self, W, |conn| {
            let stmt = conn
                .prepare_cached(
                    "SELECT w.marketplace, w.asin, COUNT(*) AS watchers
                     FROM watches w JOIN users u ON u.id = w.user_id
                     WHERE w.state <> 'paused' AND u.active = 1
                     GROUP BY w.marketplace, w.asin
                     ORDER BY watchers DESC, w.marketplace, w.asin",
                )
                .ctx(W)?;
            let rows = stmt
                .query_map(params![], |r| {
                    Ok((|| -> StoreResult<WatchedProduct> {
                        Ok(WatchedProduct {
                            marketplace: marketplace(&col::<String>(r, 0, W)?, W)?,
                            asin: asin(&col::<String>(r, 1, W)?, W)?,
                            watchers: col(r, 2, W)?,
                        })
                    })())
                })
                .await
                .ctx(W)?;
            let all: Vec<WatchedProduct> = collect(rows, W)?;
            Ok(match &self.fence {
                Some(fence) => fence.keep_held(all),
                None => all,
            })
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(alerts = update.alerts.len(), states = update.rule_states.len()))]
    async fn apply_update(&self, update: &PriceUpdate) -> StoreResult<AppliedUpdate> {
        super::validate_update(update)?;
        let update = update.clone();
        let fence = self.fence.clone();
        in_tx!(self, "price update", |tx| {
            if let Some(fence) = &fence {
                fence.lock_batch(tx, std::slice::from_ref(&update)).await?;
                fence.check(tx, &update).await?;
            }
            apply_updates_tx(tx, std::slice::from_ref(&update)).await?;
            apply_update_tx(tx, &update).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(asins = asins.len()))]
    async fn quarantined(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
        pending_only: bool,
    ) -> StoreResult<Vec<crate::ports::store::QuarantinedObservation>> {
        let asins = asins.to_vec();
        in_conn!(self, "quarantine", |conn| {
            quarantine::quarantined(conn, marketplace, &asins, pending_only).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(watches = watches.len()))]
    async fn rule_states(&self, watches: &[WatchId]) -> StoreResult<Vec<WatchRuleStates>> {
        let watches = watches.to_vec();
        if watches.is_empty() {
            return Ok(Vec::new());
        }
        in_conn!(self, "rule states", |conn| {
            // One read for all of them, answered in the order asked (a watch without states
            // left out, one asked twice given twice).
            let ids: Vec<i64> = watches.iter().map(|w| w.0).collect();
            let rows: Vec<(i64, String)> = conn
                .prepare_cached(
                    "SELECT watch_id, states_json FROM watch_rule_states WHERE watch_id = ANY($1)",
                )
                .ctx("rule states")?
                .query_map(params![ids], |r| Ok((r.get(0)?, r.get(1)?)))
                .await
                .ctx("rule states")?
                .collect::<shim::Result<_>>()
                .ctx("rule states")?;
            let found: std::collections::HashMap<i64, String> = rows.into_iter().collect();
            let mut out = Vec::with_capacity(found.len());
            for w in &watches {
                if let Some(text) = found.get(&w.0) {
                    out.push(from_json::<WatchRuleStates>(text, "rule states")?);
                }
            }
            Ok(out)
        })
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
        let channels = channels.to_vec();
        in_tx!(self, "outbox row", |tx| {
            let due = deliveries_where(
                tx,
                "o.status = 'pending' AND o.next_attempt_at_ms <= $1
                   AND o.channel = ANY($3)
                 ORDER BY o.next_attempt_at_ms, o.id LIMIT $2
                 FOR UPDATE OF o SKIP LOCKED",
                params![millis(now), limit, channels],
            )
            .await?;
            let until = truncate(now + lease);
            let stmt = tx
                .prepare_cached("UPDATE alert_outbox SET next_attempt_at_ms = $2 WHERE id = $1")
                .ctx("outbox row")?;
            let mut out = Vec::with_capacity(due.len());
            for mut d in due {
                stmt.execute(params![d.entry.id, millis(until)])
                    .await
                    .ctx("outbox row")?;
                d.entry.next_attempt_at = until;
                out.push(d);
            }
            Ok(out)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(outbox_id))]
    async fn mark_sent(&self, outbox_id: i64, at: DateTime<Utc>) -> StoreResult<()> {
        in_tx!(self, "outbox row", |tx| {
            change_pending(
                tx,
                outbox_id,
                "UPDATE alert_outbox SET status = 'sent', sent_at_ms = $2
                 WHERE id = $1 AND status = 'pending'",
                params![millis(at)],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(outbox_id))]
    async fn mark_failed(
        &self,
        outbox_id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        let error = error.to_owned();
        in_tx!(self, "outbox row", |tx| {
            change_pending(
                tx,
                outbox_id,
                "UPDATE alert_outbox SET attempts = attempts + 1, last_error = $2,
                     next_attempt_at_ms = $3
                 WHERE id = $1 AND status = 'pending'",
                params![error, millis(next_attempt_at)],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(outbox_id))]
    async fn mark_dead(&self, outbox_id: i64, error: &str) -> StoreResult<()> {
        let error = error.to_owned();
        in_tx!(self, "outbox row", |tx| {
            change_pending(
                tx,
                outbox_id,
                "UPDATE alert_outbox SET status = 'dead', attempts = attempts + 1,
                     last_error = $2
                 WHERE id = $1 AND status = 'pending'",
                params![error],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(outbox_id))]
    async fn hold_delivery(
        &self,
        outbox_id: i64,
        until: DateTime<Utc>,
        reason: HoldReason,
    ) -> StoreResult<()> {
        in_tx!(self, "outbox row", |tx| {
            change_pending(
                tx,
                outbox_id,
                "UPDATE alert_outbox SET next_attempt_at_ms = $2, hold = $3
                 WHERE id = $1 AND status = 'pending'",
                params![millis(until), reason.as_str()],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn held_deliveries(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Delivery>> {
        in_conn!(self, "outbox row", |conn| {
            deliveries_where(
                conn,
                "o.user_id = $1 AND o.status = 'pending' AND o.hold IS NOT NULL
                   AND o.next_attempt_at_ms > $2
                 ORDER BY o.next_attempt_at_ms, o.id",
                params![user.0, millis(now)],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn release_held(&self, user: UserId, now: DateTime<Utc>) -> StoreResult<usize> {
        in_tx!(self, "outbox row", |tx| {
            tx.prepare_cached(
                "UPDATE alert_outbox SET next_attempt_at_ms = $2
                 WHERE user_id = $1 AND status = 'pending' AND hold IS NOT NULL
                   AND next_attempt_at_ms > $2",
            )
            .ctx("outbox row")?
            .execute(params![user.0, millis(now)])
            .await
            .ctx("outbox row")
        })
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
        in_conn!(self, "alert", |conn| {
            alerts_where(
                conn,
                "a.user_id = $1 ORDER BY a.triggered_at_ms DESC, a.id DESC LIMIT $2 OFFSET $3",
                params![user.0, limit, offset],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user, %watch))]
    async fn watch_alerts(&self, user: UserId, watch: WatchId) -> StoreResult<Vec<Alert>> {
        in_conn!(self, "alert", |conn| {
            if watch_owner(conn, watch).await? != Some(user) {
                return Err(not_found("watch", watch));
            }
            alerts_where(
                conn,
                "a.user_id = $1 AND a.watch_id = $2 ORDER BY a.triggered_at_ms DESC, a.id DESC",
                params![user.0, watch.0],
            )
            .await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user, %alert))]
    async fn alert_deliveries(
        &self,
        user: UserId,
        alert: AlertId,
    ) -> StoreResult<Vec<OutboxEntry>> {
        in_conn!(self, "outbox row", |conn| {
            let found = deliveries_where(
                conn,
                "a.id = $1 AND a.user_id = $2 ORDER BY o.id",
                params![alert.0, user.0],
            )
            .await?;
            if found.is_empty() {
                let owned = conn
                    .prepare_cached("SELECT 1 FROM alerts WHERE id = $1 AND user_id = $2")
                    .ctx("alert")?
                    .exists(params![alert.0, user.0])
                    .await
                    .ctx("alert")?;
                if !owned {
                    return Err(not_found("alert", alert));
                }
            }
            Ok(found.into_iter().map(|d| d.entry).collect())
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(%user))]
    async fn count_sent(
        &self,
        user: UserId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<u32> {
        in_conn!(self, "outbox row", |conn| {
            let n: i64 = conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM alert_outbox
                     WHERE user_id = $1 AND status = 'sent' AND sent_at_ms >= $2
                       AND sent_at_ms < $3",
                )
                .ctx("outbox row")?
                .query_row(params![user.0, millis(from), millis(until)], |r| r.get(0))
                .await
                .ctx("outbox row")?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(source = %usage.source, items = usage.items))]
    async fn record_api_usage(&self, usage: &ApiUsage) -> StoreResult<()> {
        super::validate_usage(usage)?;
        let usage = usage.clone();
        in_tx!(self, "api usage", |tx| {
            tx.prepare_cached(
                "INSERT INTO api_usage (source, operation, at_ms, items, ok)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .ctx("api usage")?
            .execute(params![
                usage.source,
                usage.operation,
                millis(usage.at),
                usage.items,
                usage.ok,
            ])
            .await
            .ctx("api usage")?;
            Ok(())
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(source, %day))]
    async fn api_usage(&self, source: &str, day: NaiveDate) -> StoreResult<ApiUsageTotals> {
        let source = source.to_owned();
        let (start, end) = day_bounds_ms(day);
        in_conn!(self, "api usage", |conn| {
            let (calls, failed, items): (i64, i64, i64) = conn
                .prepare_cached(
                    "SELECT COUNT(*), COALESCE(SUM(1 - ok), 0)::BIGINT, COALESCE(SUM(items), 0)::BIGINT
                     FROM api_usage WHERE source = $1 AND at_ms >= $2 AND at_ms < $3",
                )
                .ctx("api usage")?
                .query_row(params![source, start, end], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                }).await
                .ctx("api usage")?;
            let clamp = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
            Ok(ApiUsageTotals {
                calls: clamp(calls),
                failed: clamp(failed),
                items: clamp(items),
            })
        })
    }

    async fn products_in_nodes(
        &self,
        marketplace: Marketplace,
        node_ids: &[String],
        limit: usize,
    ) -> StoreResult<Vec<Asin>> {
        const W: &str = "products in nodes";
        if node_ids.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let ids = node_ids.to_vec();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        in_conn!(self, W, |conn| {
            let texts: Vec<String> = conn
                .prepare_cached(
                    "SELECT DISTINCT asin FROM product_browse_nodes
                     WHERE marketplace = $1 AND node_id = ANY($2)
                     ORDER BY asin LIMIT $3",
                )
                .ctx(W)?
                .query_map(params![marketplace_code(marketplace), ids, limit], |r| {
                    r.get(0)
                })
                .await
                .ctx(W)?
                .collect::<shim::Result<_>>()
                .ctx(W)?;
            texts.iter().map(|t| asin(t, W)).collect()
        })
    }

    #[tracing::instrument(skip_all, err, fields(%asin))]
    async fn price_stats(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        offer_kind: crate::domain::OfferKind,
    ) -> StoreResult<Option<crate::ports::store::PriceStats>> {
        in_conn!(self, "price stats", |conn| {
            stats::read(conn, marketplace, asin, offer_kind).await
        })
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
        in_conn!(self, "lowest in window", |conn| {
            stats::lowest_in_window(conn, marketplace, asin, offer_kind, from, until, currency)
                .await
        })
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
        let fence = self.fence.clone();
        in_tx!(self, "price update", |tx| {
            let mut applied = Vec::with_capacity(updates.len());
            if let Some(fence) = &fence {
                fence.lock_batch(tx, &updates).await?;
            }
            apply_updates_tx(tx, &updates).await?;
            for u in &updates {
                if let Some(fence) = &fence {
                    fence.check(tx, u).await?;
                }
                applied.push(apply_update_tx(tx, u).await?);
            }
            Ok(applied)
        })
    }

    #[tracing::instrument(skip_all, err, fields(parents = parents.len()))]
    async fn variation_children_of(
        &self,
        marketplace: Marketplace,
        parents: &[Asin],
    ) -> StoreResult<Vec<Vec<Asin>>> {
        let parents = parents.to_vec();
        in_conn!(self, "variation", |conn| {
            let mut out = Vec::with_capacity(parents.len());
            for p in &parents {
                out.push(variation_children_tx(conn, marketplace, *p).await?);
            }
            Ok(out)
        })
    }

    async fn create_api_key(&self, new: &NewApiKey, now: DateTime<Utc>) -> StoreResult<ApiKey> {
        super::validate_new_key(new)?;
        let new = new.clone();
        in_tx!(self, "api key", |tx| {
            server::create_api_key(tx, &new, now).await
        })
    }

    async fn api_key_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiKey>> {
        let hash = secret_hash.to_owned();
        in_conn!(self, "api key", |conn| {
            server::api_key_by_hash(conn, &hash).await
        })
    }

    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        in_conn!(self, "api key", |conn| {
            server::list_api_keys(conn).await
        })
    }

    async fn revoke_api_key(&self, id: ApiKeyId, now: DateTime<Utc>) -> StoreResult<()> {
        in_tx!(self, "api key", |tx| {
            server::revoke_api_key(tx, id, now).await
        })
    }

    async fn add_key_usage(&self, usage: &[KeyUsage]) -> StoreResult<()> {
        let usage = usage.to_vec();
        in_tx!(self, "api key usage", |tx| {
            server::add_key_usage(tx, &usage).await
        })
    }

    async fn key_usage(&self, id: ApiKeyId, since: NaiveDate) -> StoreResult<Vec<KeyUsage>> {
        in_conn!(self, "api key usage", |conn| {
            server::key_usage(conn, id, since).await
        })
    }

    async fn create_bulk_job(&self, new: &NewBulkJob, now: DateTime<Utc>) -> StoreResult<BulkJob> {
        super::validate_bulk_job(new)?;
        let new = new.clone();
        in_tx!(self, "bulk job", |tx| {
            server::create_bulk_job(tx, &new, now).await
        })
    }

    async fn get_bulk_job(&self, user: UserId, id: BulkJobId) -> StoreResult<BulkJob> {
        in_conn!(self, "bulk job", |conn| {
            server::get_bulk_job(conn, user, id).await
        })
    }

    async fn bulk_job_items(&self, user: UserId, id: BulkJobId) -> StoreResult<Vec<BulkItem>> {
        in_conn!(self, "bulk job", |conn| {
            server::bulk_job_items(conn, user, id).await
        })
    }

    async fn record_bulk_items(
        &self,
        id: BulkJobId,
        items: &[BulkItem],
        finished_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let items = items.to_vec();
        in_tx!(self, "bulk job", |tx| {
            server::record_bulk_items(tx, id, &items, finished_at).await
        })
    }

    async fn unfinished_bulk_jobs(&self) -> StoreResult<Vec<BulkJob>> {
        in_conn!(self, "bulk job", |conn| {
            server::unfinished_bulk_jobs(conn).await
        })
    }

    async fn activity_facts(&self, since: DateTime<Utc>) -> StoreResult<ActivityFacts> {
        in_conn!(self, "activity", |conn| {
            server::activity_facts(conn, since).await
        })
    }

    #[tracing::instrument(skip_all, err, fields(limit))]
    async fn list_users(&self, after: Option<UserId>, limit: usize) -> StoreResult<Vec<User>> {
        in_conn!(self, "user", |conn| {
            users_batch::list_users(conn, after, limit).await
        })
    }

    #[tracing::instrument(skip_all, err, fields(user = %id, provider = %identity.provider))]
    async fn update_user_identity(
        &self,
        id: UserId,
        identity: &ExternalIdentity,
    ) -> StoreResult<()> {
        super::validate_identity(identity)?;
        let identity = identity.clone();
        in_tx!(self, "user", |tx| {
            users_batch::update_identity(tx, id, &identity).await
        })
    }

    #[tracing::instrument(skip_all, err, fields(products = asins.len()))]
    async fn get_products(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
    ) -> StoreResult<Vec<Product>> {
        let asins = asins.to_vec();
        in_conn!(self, "product", |conn| {
            users_batch::products(conn, marketplace, &asins).await
        })
    }

    #[tracing::instrument(skip_all, err, fields(queries = queries.len()))]
    async fn price_histories(&self, queries: &[HistoryQuery]) -> StoreResult<Vec<Vec<PricePoint>>> {
        for q in queries {
            validate_query(q)?;
        }
        let queries = queries.to_vec();
        in_conn!(self, "price point", |conn| {
            users_batch::histories(conn, &queries).await
        })
    }

    #[tracing::instrument(skip_all, err, fields(moments = moments.len()))]
    async fn market_snapshot(
        &self,
        marketplace: Marketplace,
        category: Option<&str>,
        moments: &[DateTime<Utc>],
    ) -> StoreResult<Vec<crate::ports::store::MarketRow>> {
        crate::store::market_rows::validate_moments(moments)?;
        in_conn!(self, "market snapshot", |conn| {
            market::snapshot(conn, marketplace, category, moments).await
        })
    }

    #[tracing::instrument(skip_all, err, fields(asins = asins.len()))]
    async fn co_watched(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
        limit: usize,
    ) -> StoreResult<Vec<crate::ports::store::CoWatch>> {
        in_conn!(self, "co-watch", |conn| {
            market::co_watched(conn, marketplace, asins, limit).await
        })
    }

    #[tracing::instrument(skip_all, err)]
    async fn record_click(&self, click: &crate::ports::store::ProductClick) -> StoreResult<()> {
        in_tx!(self, "click", |tx| {
            if !user_exists(tx, click.user_id).await? {
                return Err(not_found("user", click.user_id));
            }
            market::record_click(tx, click).await
        })
    }

    #[tracing::instrument(skip_all, err)]
    async fn clicks(
        &self,
        user: UserId,
        since: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<crate::ports::store::ProductClick>> {
        in_conn!(self, "click", |conn| {
            market::clicks(conn, user, since, limit).await
        })
    }

    async fn create_webhook(
        &self,
        new: &crate::domain::NewWebhook,
        now: DateTime<Utc>,
    ) -> StoreResult<crate::domain::Webhook> {
        crate::store::serve_hooks::validate_new_webhook(new)?;
        in_tx!(self, "webhook", |tx| {
            serve_hooks::create_webhook(tx, new, now).await
        })
    }

    async fn list_webhooks(&self, user: UserId) -> StoreResult<Vec<crate::domain::Webhook>> {
        in_conn!(self, "webhook", |conn| {
            serve_hooks::list_webhooks(conn, user).await
        })
    }

    async fn delete_webhook(&self, user: UserId, id: crate::domain::WebhookId) -> StoreResult<()> {
        in_tx!(self, "webhook", |tx| {
            serve_hooks::delete_webhook(tx, user, id).await
        })
    }

    async fn webhook_deliveries(&self, key: &str) -> StoreResult<Vec<crate::domain::WebhookId>> {
        in_conn!(self, "webhook delivery", |conn| {
            serve_hooks::webhook_deliveries(conn, key).await
        })
    }

    async fn record_webhook_delivery(
        &self,
        id: crate::domain::WebhookId,
        key: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        in_tx!(self, "webhook delivery", |tx| {
            serve_hooks::record_webhook_delivery(tx, id, key, at).await
        })
    }

    async fn create_admin_session(
        &self,
        session: &crate::domain::AdminSession,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        crate::store::serve_hooks::validate_session(session)?;
        in_tx!(self, "admin session", |tx| {
            serve_hooks::create_admin_session(tx, session, now).await
        })
    }

    async fn admin_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<crate::domain::AdminSession>> {
        in_conn!(self, "admin session", |conn| {
            serve_hooks::admin_session(conn, id_hash, now).await
        })
    }

    async fn delete_admin_session(&self, id_hash: &str) -> StoreResult<()> {
        in_tx!(self, "admin session", |tx| {
            serve_hooks::delete_admin_session(tx, id_hash).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn create_click_target(
        &self,
        new: &crate::domain::NewClickTarget,
    ) -> StoreResult<crate::domain::ClickTarget> {
        let new = crate::store::affiliate::validate_new_target(new)?;
        in_tx!(self, "click target", |tx| {
            affiliate::create_target(tx, &new).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn click_target(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<crate::domain::ClickTarget>> {
        let hash = token_hash.to_ascii_lowercase();
        in_conn!(self, "click target", |conn| {
            affiliate::target(conn, &hash).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn click_targets_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::domain::ClickTarget>> {
        in_conn!(self, "click target", |conn| {
            affiliate::targets_between(conn, since, until).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"), fields(rows = orders.len()))]
    async fn record_affiliate_orders(
        &self,
        orders: &[crate::domain::AffiliateOrder],
    ) -> StoreResult<usize> {
        crate::store::affiliate::validate_orders(orders)?;
        in_tx!(self, "affiliate order", |tx| {
            affiliate::record_orders(tx, orders).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn affiliate_orders(
        &self,
        since: NaiveDate,
        until: NaiveDate,
    ) -> StoreResult<Vec<crate::domain::AffiliateOrder>> {
        in_conn!(self, "affiliate order", |conn| {
            affiliate::orders(conn, since, until).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn record_affiliate_click(
        &self,
        target: crate::domain::ClickTargetId,
        at: DateTime<Utc>,
    ) -> StoreResult<crate::domain::AffiliateClick> {
        in_tx!(self, "affiliate click", |tx| {
            affiliate::record_click(tx, target, at).await
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn affiliate_clicks(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::domain::AffiliateClick>> {
        in_conn!(self, "affiliate click", |conn| {
            affiliate::clicks(conn, since, until).await
        })
    }

    async fn create_shared_deal(
        &self,
        new: &crate::domain::NewSharedDeal,
    ) -> StoreResult<crate::domain::SharedDeal> {
        let new = crate::store::community::validate_new_deal(new)?;
        in_tx!(self, "shared deal", |tx| {
            community::create_deal(tx, &new).await
        })
    }

    async fn shared_deal(
        &self,
        id: crate::domain::SharedDealId,
    ) -> StoreResult<Option<crate::domain::SharedDeal>> {
        in_conn!(self, "shared deal", |conn| {
            community::deal(conn, id).await
        })
    }

    async fn shared_deals(
        &self,
        q: &crate::domain::SharedDealQuery,
    ) -> StoreResult<Vec<crate::domain::SharedDeal>> {
        in_conn!(self, "shared deal", |conn| {
            community::deals(conn, q).await
        })
    }

    async fn set_deal_vote(
        &self,
        deal: crate::domain::SharedDealId,
        voter: UserId,
        vote: Option<crate::domain::Vote>,
        at: DateTime<Utc>,
    ) -> StoreResult<crate::domain::SharedDeal> {
        in_tx!(self, "deal vote", |tx| {
            community::set_vote(tx, deal, voter, vote, at).await
        })
    }

    async fn record_referral(&self, r: &crate::domain::Referral) -> StoreResult<()> {
        let r = crate::store::community::validate_referral(r)?;
        in_tx!(self, "referral", |tx| {
            community::record_referral(tx, &r).await
        })
    }

    async fn referral_of(&self, referred: UserId) -> StoreResult<Option<crate::domain::Referral>> {
        in_conn!(self, "referral", |conn| {
            community::referral_of(conn, referred).await
        })
    }

    async fn referral_count(&self, referrer: UserId) -> StoreResult<u32> {
        in_conn!(self, "referral", |conn| {
            community::referral_count(conn, referrer).await
        })
    }

    async fn save_group_subscription(
        &self,
        sub: &crate::domain::GroupSubscription,
    ) -> StoreResult<()> {
        let sub = crate::store::community::validate_subscription(sub)?;
        in_tx!(self, "group subscription", |tx| {
            community::save_sub(tx, &sub).await
        })
    }

    async fn delete_group_subscription(&self, chat: UserId, node_id: &str) -> StoreResult<bool> {
        in_tx!(self, "group subscription", |tx| {
            community::delete_sub(tx, chat, node_id).await
        })
    }

    async fn group_subscriptions(
        &self,
        chat: Option<UserId>,
    ) -> StoreResult<Vec<crate::domain::GroupSubscription>> {
        in_conn!(self, "group subscription", |conn| {
            community::subs(conn, chat).await
        })
    }

    async fn record_group_post(&self, post: &crate::domain::GroupPost) -> StoreResult<bool> {
        in_tx!(self, "group post", |tx| {
            community::record_post(tx, post).await
        })
    }

    async fn group_posts(
        &self,
        chat: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::domain::GroupPost>> {
        in_conn!(self, "group post", |conn| {
            community::posts(conn, chat, since).await
        })
    }

    async fn outbox_depth(&self) -> StoreResult<u64> {
        in_conn!(self, "outbox", |conn| {
            let n: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM alert_outbox WHERE status = 'pending'")
                .ctx("outbox row")?
                .query_row(params![], |r| r.get(0))
                .await
                .ctx("outbox row")?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }
}

impl PostgresStore {
    /// The schema version recorded in the database.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the server cannot be reached.
    pub async fn schema_version(&self) -> StoreResult<u32> {
        in_conn!(self, "schema migration", |conn| {
            let v: i64 = conn
                .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM mandi_schema")
                .ctx("schema migration")?
                .query_row(params![], |r| r.get(0))
                .await
                .ctx("schema migration")?;
            Ok(u32::try_from(v).unwrap_or(u32::MAX))
        })
    }
}
