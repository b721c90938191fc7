//! Affiliate click targets and clicks (migration 0008; the same SQL as the SQLite store's
//! `affiliate`).

use chrono::{DateTime, Utc};

use super::rows::{Ctx, col};
use super::shim::{Conn, Row, Val, params};
use super::{not_found, user_exists};
use crate::domain::{AffiliateClick, AffiliateOrder, ClickTarget, ClickTargetId, NewClickTarget};
use crate::ports::store::{StoreError, StoreResult};
use crate::store::affiliate::{
    ORDER, ORDER_COLUMNS, OrderRow, TARGET_COLUMNS, TargetRow, W, day_text, decode_click,
};
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

/// Stores imported rows (inside a transaction); the number that were new.
pub(super) async fn record_orders(tx: &Conn<'_>, orders: &[AffiliateOrder]) -> StoreResult<usize> {
    let sql = format!(
        "INSERT INTO affiliate_orders ({ORDER_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (import_key) DO NOTHING"
    );
    let stmt = tx.prepare_cached(&sql).ctx(ORDER)?;
    let mut added = 0;
    for o in orders {
        added += stmt
            .execute(params![
                o.import_key.to_ascii_lowercase(),
                o.kind.as_str(),
                marketplace_code(o.marketplace),
                o.asin.as_str(),
                o.tracking_id.as_str(),
                o.category.as_str(),
                o.title.as_str(),
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
            .await
            .ctx(ORDER)?;
    }
    Ok(added)
}

/// Imported rows with a day in `[since, until)`.
pub(super) async fn orders(
    conn: &Conn<'_>,
    since: chrono::NaiveDate,
    until: chrono::NaiveDate,
) -> StoreResult<Vec<AffiliateOrder>> {
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM affiliate_orders WHERE day >= $1 AND day < $2
         ORDER BY day, id"
    );
    let stmt = conn.prepare_cached(&sql).ctx(ORDER)?;
    let mut rows = stmt
        .query(params![day_text(since), day_text(until)])
        .await
        .ctx(ORDER)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().ctx(ORDER)? {
        const O: &str = ORDER;
        out.push(
            OrderRow {
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
            }
            .decode()?,
        );
    }
    Ok(out)
}
