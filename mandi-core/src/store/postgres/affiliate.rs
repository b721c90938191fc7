//! Affiliate click targets and clicks (migration 0008; the same SQL as the SQLite store's
//! `affiliate`).

use chrono::{DateTime, Utc};

use super::rows::{Ctx, col};
use super::shim::{Conn, Row, Val, params};
use super::{not_found, user_exists};
use crate::domain::{AffiliateClick, ClickTarget, ClickTargetId, NewClickTarget};
use crate::ports::store::{StoreError, StoreResult};
use crate::store::affiliate::{TARGET_COLUMNS, TargetRow, W, decode_click};
use crate::store::decode::marketplace_code;
use crate::store::millis;

fn target_row(r: &Row, first: usize) -> StoreResult<TargetRow> {
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

async fn target_where(
    conn: &Conn<'_>,
    clause: &str,
    args: &[Val],
) -> StoreResult<Option<ClickTarget>> {
    let sql = format!("SELECT {TARGET_COLUMNS} FROM click_targets WHERE {clause}");
    let stmt = conn.prepare_cached(&sql).ctx(W)?;
    let mut rows = stmt.query(args).await.ctx(W)?;
    match rows.next().ctx(W)? {
        Some(r) => Ok(Some(target_row(r, 0)?.decode()?)),
        None => Ok(None),
    }
}

/// Stores a validated target (inside a transaction).
pub(super) async fn create_target(tx: &Conn<'_>, t: &NewClickTarget) -> StoreResult<ClickTarget> {
    if !user_exists(tx, t.user_id).await? {
        return Err(not_found("user", t.user_id));
    }
    if target_where(tx, "token_hash = $1", params![t.token_hash.as_str()])
        .await?
        .is_some()
    {
        return Err(StoreError::Conflict {
            what: W,
            detail: "a target with this token hash is already stored".to_owned(),
        });
    }
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO click_targets (token_hash, user_id, source_kind, source_alert_id,
                 source_query, marketplace, asin, variant, link_format, created_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .ctx(W)?
        .query_row(
            params![
                t.token_hash.as_str(),
                t.user_id.0,
                t.source.kind(),
                t.source.alert_id().map(|a| a.0),
                t.source.query().map(str::to_owned),
                marketplace_code(t.marketplace),
                t.asin.as_str(),
                t.variant.clone(),
                t.link_format.as_str(),
                millis(t.created_at),
            ],
            |r| r.get(0),
        )
        .await
        .ctx(W)?;
    target_where(tx, "id = $1", params![id])
        .await?
        .ok_or_else(|| not_found(W, id))
}

/// The target of a (lower-case) token hash.
pub(super) async fn target(conn: &Conn<'_>, token_hash: &str) -> StoreResult<Option<ClickTarget>> {
    target_where(conn, "token_hash = $1", params![token_hash]).await
}

/// Records a click of a target (inside a transaction).
pub(super) async fn record_click(
    tx: &Conn<'_>,
    target: ClickTargetId,
    at: DateTime<Utc>,
) -> StoreResult<AffiliateClick> {
    let found = target_where(tx, "id = $1", params![target.0])
        .await?
        .ok_or_else(|| not_found(W, target))?;
    tx.prepare_cached("INSERT INTO affiliate_clicks (target_id, at_ms) VALUES ($1, $2)")
        .ctx(W)?
        .execute(params![target.0, millis(at)])
        .await
        .ctx(W)?;
    Ok(AffiliateClick::of(&found, crate::store::truncate(at)))
}

/// Targets made in `[since, until)`, oldest first.
pub(super) async fn targets_between(
    conn: &Conn<'_>,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<Vec<ClickTarget>> {
    let sql = format!(
        "SELECT {TARGET_COLUMNS} FROM click_targets
         WHERE created_at_ms >= $1 AND created_at_ms < $2 ORDER BY created_at_ms, id"
    );
    let stmt = conn.prepare_cached(&sql).ctx(W)?;
    let mut rows = stmt
        .query(params![millis(since), millis(until)])
        .await
        .ctx(W)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().ctx(W)? {
        out.push(target_row(r, 0)?.decode()?);
    }
    Ok(out)
}

/// Clicks in `[since, until)`, oldest first.
pub(super) async fn clicks(
    conn: &Conn<'_>,
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
         WHERE c.at_ms >= $1 AND c.at_ms < $2 ORDER BY c.at_ms, c.id"
    );
    let stmt = conn.prepare_cached(&sql).ctx(W)?;
    let mut rows = stmt
        .query(params![millis(since), millis(until)])
        .await
        .ctx(W)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().ctx(W)? {
        let at: i64 = col(r, 0, W)?;
        out.push(decode_click(target_row(r, 1)?, at)?);
    }
    Ok(out)
}
