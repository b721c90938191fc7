//! Affiliate click targets and clicks (migration 0013).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::rows::{Ctx, col};
use super::{not_found, user_exists};
use crate::domain::{AffiliateClick, ClickTarget, ClickTargetId, NewClickTarget};
use crate::ports::store::{StoreError, StoreResult};
use crate::store::affiliate::{TARGET_COLUMNS, TargetRow, W, decode_click};
use crate::store::decode::marketplace_code;
use crate::store::millis;

fn target_row(r: &Row<'_>, first: usize) -> StoreResult<TargetRow> {
    Ok(TargetRow {
        id: col(r, first, W)?,
        token_hash: col(r, first + 1, W)?,
        user_id: col(r, first + 2, W)?,
        source_kind: col(r, first + 3, W)?,
        alert_id: col(r, first + 4, W)?,
        query: col(r, first + 5, W)?,
        marketplace: col(r, first + 6, W)?,
        asin: col(r, first + 7, W)?,
        variant: col(r, first + 8, W)?,
        link_format: col(r, first + 9, W)?,
        created_at_ms: col(r, first + 10, W)?,
    })
}

fn target_where(
    conn: &Connection,
    clause: &str,
    arg: impl rusqlite::ToSql,
) -> StoreResult<Option<ClickTarget>> {
    let sql = format!("SELECT {TARGET_COLUMNS} FROM click_targets WHERE {clause}");
    let row = conn
        .prepare_cached(&sql)
        .ctx(W)?
        .query_row([arg], |r| Ok(target_row(r, 0)))
        .optional()
        .ctx(W)?;
    row.transpose()?.map(TargetRow::decode).transpose()
}

/// Stores a validated target (inside a transaction).
pub(super) fn create_target(tx: &Connection, t: &NewClickTarget) -> StoreResult<ClickTarget> {
    if !user_exists(tx, t.user_id)? {
        return Err(not_found("user", t.user_id));
    }
    if target_where(tx, "token_hash = ?1", &t.token_hash)?.is_some() {
        return Err(StoreError::Conflict {
            what: W,
            detail: "a target with this token hash is already stored".to_owned(),
        });
    }
    tx.prepare_cached(
        "INSERT INTO click_targets (token_hash, user_id, source_kind, source_alert_id,
             source_query, marketplace, asin, variant, link_format, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .ctx(W)?
    .execute(params![
        t.token_hash,
        t.user_id.0,
        t.source.kind(),
        t.source.alert_id().map(|a| a.0),
        t.source.query(),
        marketplace_code(t.marketplace),
        t.asin.as_str(),
        t.variant,
        t.link_format.as_str(),
        millis(t.created_at),
    ])
    .ctx(W)?;
    let id = tx.last_insert_rowid();
    target_where(tx, "id = ?1", id)?.ok_or_else(|| not_found(W, id))
}

/// The target of a (lower-case) token hash.
pub(super) fn target(conn: &Connection, token_hash: &str) -> StoreResult<Option<ClickTarget>> {
    target_where(conn, "token_hash = ?1", token_hash)
}

/// Records a click of a target (inside a transaction).
pub(super) fn record_click(
    tx: &Connection,
    target: ClickTargetId,
    at: DateTime<Utc>,
) -> StoreResult<AffiliateClick> {
    let found = target_where(tx, "id = ?1", target.0)?.ok_or_else(|| not_found(W, target))?;
    tx.prepare_cached("INSERT INTO affiliate_clicks (target_id, at_ms) VALUES (?1, ?2)")
        .ctx(W)?
        .execute(params![target.0, millis(at)])
        .ctx(W)?;
    Ok(AffiliateClick::of(&found, crate::store::truncate(at)))
}

/// Targets made in `[since, until)`, oldest first.
pub(super) fn targets_between(
    conn: &Connection,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<Vec<ClickTarget>> {
    let sql = format!(
        "SELECT {TARGET_COLUMNS} FROM click_targets
         WHERE created_at_ms >= ?1 AND created_at_ms < ?2 ORDER BY created_at_ms, id"
    );
    let mut stmt = conn.prepare_cached(&sql).ctx(W)?;
    let rows = stmt
        .query_map(params![millis(since), millis(until)], |r| {
            Ok(target_row(r, 0))
        })
        .ctx(W)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row.ctx(W)??.decode()?);
    }
    Ok(out)
}

/// Clicks in `[since, until)`, oldest first.
pub(super) fn clicks(
    conn: &Connection,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<Vec<AffiliateClick>> {
    let columns = TARGET_COLUMNS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT c.at_ms, {columns} FROM affiliate_clicks c
         JOIN click_targets t ON t.id = c.target_id
         WHERE c.at_ms >= ?1 AND c.at_ms < ?2 ORDER BY c.at_ms, c.id"
    );
    let mut stmt = conn.prepare_cached(&sql).ctx(W)?;
    let rows = stmt
        .query_map(params![millis(since), millis(until)], |r| {
            Ok(col::<i64>(r, 0, W).and_then(|at| Ok((at, target_row(r, 1)?))))
        })
        .ctx(W)?;
    let mut out = Vec::new();
    for row in rows {
        let (at, t) = row.ctx(W)??;
        out.push(decode_click(t, at)?);
    }
    Ok(out)
}
