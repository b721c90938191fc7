//! Copying a SQLite database into PostgreSQL (`mandi migrate --to postgres://…`), verified
//! table by table: the same number of rows and the same checksum on both sides, computed
//! inside the transaction that writes the copy — nothing is committed unless every table
//! matches.

use std::path::Path;

use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_postgres::types::ToSql;

use super::PostgresStore;
use super::rows::Ctx;
use super::shim::Val;
use crate::ports::store::{StoreError, StoreResult};

/// The tables copied, parents before children (foreign keys hold at every step).
pub const TABLES: [&str; 35] = [
    "products",
    "offers",
    "customer_reviews",
    "browse_nodes",
    "browse_node_ancestry",
    "product_browse_nodes",
    "variations",
    "price_history",
    "price_stats",
    "users",
    "watches",
    "alert_rules",
    "search_queries",
    "alerts",
    "alert_outbox",
    "api_usage",
    "watch_rule_states",
    "api_keys",
    "api_key_usage",
    "bulk_jobs",
    "bulk_job_items",
    "product_clicks",
    "webhook_subscriptions",
    "webhook_deliveries",
    "admin_sessions",
    "quarantined_observations",
    "click_targets",
    "affiliate_clicks",
    "affiliate_orders",
    "review_history",
    "shared_deals",
    "deal_votes",
    "referrals",
    "group_subscriptions",
    "group_posts",
];

/// Rows sent to PostgreSQL per statement.
const BATCH: usize = 2_000;

/// One copied table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    /// The table.
    pub table: String,
    /// Rows in the source and, identically, in the copy.
    pub rows: u64,
    /// The checksum both sides gave (hex; order-independent SHA-256-based row digest).
    pub checksum: String,
}

/// What [`copy_sqlite_to_postgres`] copied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CopyReport {
    /// Every table, in copy order.
    pub tables: Vec<TableCopy>,
}

impl CopyReport {
    /// Rows copied in all.
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// A cell as both engines hold it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// An order-independent digest of a table: the row count and the wrapping sum of each
/// row's SHA-256 (first 16 bytes), so both sides can be read in any order.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Checksum {
    rows: u64,
    sum: u128,
}

impl Checksum {
    fn add(&mut self, row: &[Cell]) {
        let mut h = Sha256::new();
        for c in row {
            match c {
                Cell::Null => h.update(b"N"),
                Cell::Int(v) => {
                    h.update(b"I");
                    h.update(v.to_le_bytes());
                }
                Cell::Text(s) => {
                    h.update(b"T");
                    h.update((s.len() as u64).to_le_bytes());
                    h.update(s.as_bytes());
                }
            }
        }
        let digest = h.finalize();
        let mut first = [0_u8; 16];
        first.copy_from_slice(&digest[..16]);
        self.rows += 1;
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
    }

    fn hex(&self) -> String {
        format!("{:032x}", self.sum)
    }
}

fn invalid(reason: String) -> StoreError {
    StoreError::Invalid {
        what: "database copy",
        reason,
    }
}

fn sqlite_err(table: &str, e: rusqlite::Error) -> StoreError {
    StoreError::Backend {
        message: format!("reading {table} from the SQLite database failed: {e}"),
        source: Some(Box::new(e)),
    }
}

/// What the reading thread sends: a table's column names, batches of its rows, then its
/// checksum.
enum Msg {
    Start(&'static str, Vec<String>),
    Rows(Vec<Vec<Cell>>),
    Done(Checksum),
}

/// Reads every table of the SQLite file, in [`TABLES`] order.
fn read_sqlite(path: &Path, tx: &mpsc::Sender<StoreResult<Msg>>) -> StoreResult<()> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| sqlite_err("the file", e))?;
    let known: Vec<String> = {
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .map_err(|e| sqlite_err("the table list", e))?;
        stmt.query_map([], |r| r.get(0))
            .and_then(Iterator::collect)
            .map_err(|e| sqlite_err("the table list", e))?
    };
    if let Some(extra) = known.iter().find(|t| !TABLES.contains(&t.as_str())) {
        return Err(invalid(format!(
            "the SQLite database has a table {extra:?} this Mandi cannot copy to PostgreSQL \
             (nothing was copied)"
        )));
    }
    let send = |m: Msg| {
        tx.blocking_send(Ok(m))
            .map_err(|_| invalid("the copy was abandoned".to_owned()))
    };
    for table in TABLES {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table}"))
            .map_err(|e| sqlite_err(table, e))?;
        let columns: Vec<String> = stmt
            .column_names()
            .iter()
            .map(|c| (*c).to_owned())
            .collect();
        send(Msg::Start(table, columns.clone()))?;
        let mut sum = Checksum::default();
        let mut batch = Vec::with_capacity(BATCH);
        let mut rows = stmt.query([]).map_err(|e| sqlite_err(table, e))?;
        while let Some(r) = rows.next().map_err(|e| sqlite_err(table, e))? {
            let mut row = Vec::with_capacity(columns.len());
            for (i, name) in columns.iter().enumerate() {
                let v = r.get_ref(i).map_err(|e| sqlite_err(table, e))?;
                row.push(match v {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(n) => Cell::Int(n),
                    ValueRef::Text(t) => Cell::Text(
                        std::str::from_utf8(t)
                            .map_err(|_| {
                                invalid(format!("{table}.{name} holds text that is not UTF-8"))
                            })?
                            .to_owned(),
                    ),
                    ValueRef::Real(_) | ValueRef::Blob(_) => {
                        return Err(StoreError::Corrupt {
                            what: "SQLite database",
                            detail: format!(
                                "{table}.{name} holds a {} where Mandi keeps integers or text",
                                v.data_type()
                            ),
                        });
                    }
                });
            }
            sum.add(&row);
            batch.push(row);
            if batch.len() == BATCH {
                send(Msg::Rows(std::mem::take(&mut batch)))?;
            }
        }
        if !batch.is_empty() {
            send(Msg::Rows(batch))?;
        }
        send(Msg::Done(sum))?;
    }
    Ok(())
}

fn column_val(rows: &[Vec<Cell>], i: usize, is_int: bool) -> StoreResult<Val> {
    if is_int {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(match &r[i] {
                Cell::Null => None,
                Cell::Int(v) => Some(*v),
                Cell::Text(t) => {
                    return Err(StoreError::Corrupt {
                        what: "SQLite database",
                        detail: format!("text {t:?} in an integer column"),
                    });
                }
            });
        }
        Ok(Val::OptIntList(out))
    } else {
        Ok(Val::OptTextList(
            rows.iter()
                .map(|r| match &r[i] {
                    Cell::Null => None,
                    Cell::Int(v) => Some(v.to_string()),
                    Cell::Text(t) => Some(t.clone()),
                })
                .collect(),
        ))
    }
}

/// Copies the SQLite database at `sqlite` into `target` (which must hold no Mandi data yet)
/// and verifies the copy: every table's row count and checksum must match the source's, or
/// nothing is committed. Ids are kept, and the identity sequences continue after them.
///
/// The source is opened read-only; open it with `SqliteStore::open` first to bring its
/// schema up to date.
///
/// # Errors
///
/// [`StoreError::Invalid`] when the target already holds data or the source has a table
/// this build does not know; [`StoreError::Corrupt`] for a source cell of the wrong type;
/// [`StoreError::Conflict`] or [`StoreError::Backend`] when PostgreSQL refuses a row (the
/// message names the table), and a checksum mismatch (nothing is committed in any case).
pub async fn copy_sqlite_to_postgres(
    sqlite: &Path,
    target: &PostgresStore,
) -> StoreResult<CopyReport> {
    const W: &str = "database copy";
    let mut client = target.client().await?;
    let txn = client.transaction().await.ctx(W)?;
    for table in TABLES {
        let has_rows = !txn
            .query(&format!("SELECT 1 FROM {table} LIMIT 1"), &[])
            .await
            .ctx(W)?
            .is_empty();
        if has_rows {
            return Err(invalid(format!(
                "the PostgreSQL database already holds {table}; copy into an empty database \
                 (nothing was copied)"
            )));
        }
    }
    let (tx, mut rx) = mpsc::channel::<StoreResult<Msg>>(4);
    let path = sqlite.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || {
        if let Err(e) = read_sqlite(&path, &tx) {
            let _ = tx.blocking_send(Err(e));
        }
    });
    let mut report = CopyReport::default();
    let mut current: Option<(&'static str, Vec<String>, Vec<bool>, String)> = None;
    while let Some(msg) = rx.recv().await {
        match msg? {
            Msg::Start(table, columns) => {
                let types = txn
                    .query(
                        "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
                         WHERE table_schema = current_schema() AND table_name = $1",
                        &[&table],
                    )
                    .await
                    .ctx(W)?;
                let mut is_int = Vec::with_capacity(columns.len());
                let mut casts = Vec::with_capacity(columns.len());
                for (i, c) in columns.iter().enumerate() {
                    let ty: Option<String> = types
                        .iter()
                        .find(|r| r.get::<_, String>(0) == *c)
                        .map(|r| r.get(1));
                    let Some(ty) = ty else {
                        return Err(invalid(format!(
                            "column {table}.{c} has no counterpart in PostgreSQL"
                        )));
                    };
                    let int = ty == "bigint" || ty == "integer" || ty == "smallint";
                    is_int.push(int);
                    casts.push(format!(
                        "${}::{}[]",
                        i + 1,
                        if int { "BIGINT" } else { "TEXT" }
                    ));
                }
                let sql = format!(
                    "INSERT INTO {table} ({}) SELECT * FROM UNNEST({})",
                    columns.join(", "),
                    casts.join(", ")
                );
                current = Some((table, columns, is_int, sql));
            }
            Msg::Rows(rows) => {
                let Some((table, columns, is_int, sql)) = &current else {
                    return Err(invalid("rows came before their table".to_owned()));
                };
                let vals = (0..columns.len())
                    .map(|i| column_val(&rows, i, is_int[i]))
                    .collect::<StoreResult<Vec<_>>>()?;
                let refs: Vec<&(dyn ToSql + Sync)> =
                    vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                txn.execute(sql.as_str(), &refs).await.map_err(|e| {
                    match super::rows::map_err(e.into(), "database copy") {
                        StoreError::Conflict { detail, .. } => StoreError::Conflict {
                            what: "database copy",
                            detail: format!("{table}: {detail}"),
                        },
                        StoreError::Backend { message, source } => StoreError::Backend {
                            message: format!("{table}: {message}"),
                            source,
                        },
                        other => other,
                    }
                })?;
            }
            Msg::Done(source_sum) => {
                let Some((table, columns, is_int, _)) = current.take() else {
                    return Err(invalid("a table ended before it started".to_owned()));
                };
                let copied = checksum_pg(&txn, table, &columns, &is_int).await?;
                if copied != source_sum {
                    return Err(StoreError::Backend {
                        message: format!(
                            "the copy of {table} does not match its source: {} rows, checksum \
                             {} in SQLite; {} rows, checksum {} in PostgreSQL (nothing was \
                             committed)",
                            source_sum.rows,
                            source_sum.hex(),
                            copied.rows,
                            copied.hex()
                        ),
                        source: None,
                    });
                }
                // Identity columns continue after the copied ids.
                if columns
                    .iter()
                    .position(|c| c == "id")
                    .is_some_and(|i| is_int[i])
                {
                    txn.execute(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                        ),
                        &[],
                    )
                    .await
                    .ctx(W)?;
                }
                report.tables.push(TableCopy {
                    table: table.to_owned(),
                    rows: source_sum.rows,
                    checksum: source_sum.hex(),
                });
            }
        }
    }
    reader.await.map_err(|e| StoreError::Backend {
        message: "the SQLite reader failed".to_owned(),
        source: Some(Box::new(e)),
    })?;
    if report.tables.len() != TABLES.len() {
        return Err(invalid(format!(
            "only {} of {} tables were read (nothing was committed)",
            report.tables.len(),
            TABLES.len()
        )));
    }
    txn.commit().await.ctx(W)?;
    Ok(report)
}

/// The checksum of a copied table, read back inside the copying transaction.
async fn checksum_pg(
    txn: &deadpool_postgres::Transaction<'_>,
    table: &str,
    columns: &[String],
    is_int: &[bool],
) -> StoreResult<Checksum> {
    use futures::TryStreamExt;
    const W: &str = "database copy";
    let sql = format!("SELECT {} FROM {table}", columns.join(", "));
    let stream = txn
        .query_raw(sql.as_str(), std::iter::empty::<&(dyn ToSql + Sync)>())
        .await
        .ctx(W)?;
    futures::pin_mut!(stream);
    let mut sum = Checksum::default();
    while let Some(r) = stream.try_next().await.ctx(W)? {
        let mut row = Vec::with_capacity(columns.len());
        for (i, int) in is_int.iter().enumerate() {
            row.push(if *int {
                r.try_get::<_, Option<i64>>(i)
                    .ctx(W)?
                    .map_or(Cell::Null, Cell::Int)
            } else {
                r.try_get::<_, Option<String>>(i)
                    .ctx(W)?
                    .map_or(Cell::Null, Cell::Text)
            });
        }
        sum.add(&row);
    }
    Ok(sum)
}

/// `mandi migrate`: brings the SQLite file at `from` up to the current schema, then copies
/// it into the (empty) PostgreSQL database at `to_url`, verified as
/// [`copy_sqlite_to_postgres`] does. The SQLite file is kept as it was (apart from its
/// schema upgrade).
///
/// # Errors
///
/// [`StoreError::NotFound`] when `from` does not exist (no empty file is created);
/// [`StoreError::Invalid`] when `to_url` is not a `postgres://` URL; otherwise what opening
/// either store or the copy returns.
pub async fn migrate_sqlite_file(from: &Path, to_url: &str) -> StoreResult<CopyReport> {
    if !from.is_file() {
        return Err(StoreError::NotFound {
            what: "SQLite database",
            id: from.display().to_string(),
        });
    }
    if !super::is_postgres_url(to_url) {
        return Err(invalid(format!(
            "{} is not a PostgreSQL URL (postgres://user:password@host:port/dbname)",
            super::redact_url(to_url)
        )));
    }
    // Opening migrates the file to the schema the copy expects.
    drop(crate::store::SqliteStore::open(from)?);
    let target = PostgresStore::connect(to_url).await?;
    copy_sqlite_to_postgres(from, &target).await
}
