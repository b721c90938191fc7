//! Affiliate click targets and clicks (migration 0013).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::rows::{Ctx, col};
use super::{not_found, user_exists};
use crate::domain::{AffiliateClick, AffiliateOrder, ClickTarget, ClickTargetId, NewClickTarget};
use crate::ports::store::{StoreError, StoreResult};
use crate::store::affiliate::{
    ORDER, ORDER_COLUMNS, OrderRow, TARGET_COLUMNS, TargetRow, W, day_text, decode_click,
};
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

/// Stores imported rows (inside a transaction); the number that were new.
pub(super) fn record_orders(tx: &Connection, orders: &[AffiliateOrder]) -> StoreResult<usize> {
    let mut stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO affiliate_orders ({ORDER_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (import_key) DO NOTHING"
        ))
        .ctx(ORDER)?;
    let mut added = 0;
    for o in orders {
        added += stmt
            .execute(params![
                o.import_key.to_ascii_lowercase(),
                o.kind.as_str(),
                marketplace_code(o.marketplace),
                o.asin.as_str(),
                o.tracking_id,
                o.category,
                o.title,
                day_text(o.day),
                o.quantity,
                o.returns,
                o.price.minor(),
                o.revenue.minor(),
                o.fees.minor(),
                o.price.currency().code(),
                o.click_target.map(|t| t.0),
                o.user_id.map(|u| u.0),
            ])
            .ctx(ORDER)?;
    }
    Ok(added)
}

/// Imported rows with a day in `[since, until)`.
pub(super) fn orders(
    conn: &Connection,
    since: chrono::NaiveDate,
    until: chrono::NaiveDate,
) -> StoreResult<Vec<AffiliateOrder>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ORDER_COLUMNS} FROM affiliate_orders WHERE day >= ?1 AND day < ?2
             ORDER BY day, id"
        ))
        .ctx(ORDER)?;
    let rows = stmt
        .query_map(params![day_text(since), day_text(until)], |r| {
            Ok(order_row(r))
        })
        .ctx(ORDER)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row.ctx(ORDER)??.decode()?);
    }
    Ok(out)
}

fn order_row(r: &Row<'_>) -> StoreResult<OrderRow> {
    const O: &str = ORDER;
    Ok(OrderRow {
        import_key: col(r, 0, O)?,
        kind: col(r, 1, O)?,
        marketplace: col(r, 2, O)?,
        asin: col(r, 3, O)?,
        tracking_id: col(r, 4, O)?,
        category: col(r, 5, O)?,
        title: col(r, 6, O)?,
        day: col(r, 7, O)?,
        quantity: col(r, 8, O)?,
        returns: col(r, 9, O)?,
        price_minor: col(r, 10, O)?,
        revenue_minor: col(r, 11, O)?,
        fees_minor: col(r, 12, O)?,
        currency: col(r, 13, O)?,
        click_target_id: col(r, 14, O)?,
        user_id: col(r, 15, O)?,
    })
}
