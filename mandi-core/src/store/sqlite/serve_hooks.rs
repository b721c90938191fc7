//! Webhook subscriptions, their deliveries and admin sessions (schema version 7).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::rows::{Ctx, col, time};
use super::{collect, not_found, user_exists};
use crate::domain::{AdminSession, NewWebhook, UserId, Webhook, WebhookId};
use crate::ports::store::StoreResult;
use crate::store::millis;

const HOOK_COLUMNS: &str = "id, user_id, url, secret, created_at_ms";

fn read_hook(r: &Row<'_>) -> StoreResult<Webhook> {
    const W: &str = "webhook";
    Ok(Webhook {
        id: WebhookId(col(r, 0, W)?),
        user_id: UserId(col(r, 1, W)?),
        url: col(r, 2, W)?,
        secret: col(r, 3, W)?,
        created_at: time(col(r, 4, W)?, W)?,
    })
}

fn hooks_where(
    conn: &Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<Webhook>> {
    let sql = format!("SELECT {HOOK_COLUMNS} FROM webhook_subscriptions WHERE {clause}");
    let mut stmt = conn.prepare_cached(&sql).ctx("webhook")?;
    let rows = stmt.query_map(args, |r| Ok(read_hook(r))).ctx("webhook")?;
    collect(rows, "webhook")
}

pub(super) fn create_webhook(
    tx: &Connection,
    new: &NewWebhook,
    now: DateTime<Utc>,
) -> StoreResult<Webhook> {
    if !user_exists(tx, new.user_id)? {
        return Err(not_found("user", new.user_id));
    }
    tx.prepare_cached(
        "INSERT INTO webhook_subscriptions (user_id, url, secret, created_at_ms)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .ctx("webhook")?
    .execute(params![
        new.user_id.0,
        new.url.trim(),
        new.secret,
        millis(now)
    ])
    .ctx("webhook")?;
    let id = tx.last_insert_rowid();
    hooks_where(tx, "id = ?1", params![id])?
        .pop()
        .ok_or_else(|| not_found("webhook", id))
}

pub(super) fn list_webhooks(conn: &Connection, user: UserId) -> StoreResult<Vec<Webhook>> {
    hooks_where(conn, "user_id = ?1 ORDER BY id", params![user.0])
}

pub(super) fn delete_webhook(tx: &Connection, user: UserId, id: WebhookId) -> StoreResult<()> {
    let n = tx
        .prepare_cached("DELETE FROM webhook_subscriptions WHERE id = ?1 AND user_id = ?2")
        .ctx("webhook")?
        .execute(params![id.0, user.0])
        .ctx("webhook")?;
    if n == 0 {
        return Err(not_found("webhook", id));
    }
    Ok(())
}

pub(super) fn webhook_deliveries(conn: &Connection, key: &str) -> StoreResult<Vec<WebhookId>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT subscription_id FROM webhook_deliveries WHERE idempotency_key = ?1
             ORDER BY subscription_id",
        )
        .ctx("webhook delivery")?;
    let rows = stmt
        .query_map(params![key], |r| {
            r.get::<_, i64>(0).map(|id| Ok(WebhookId(id)))
        })
        .ctx("webhook delivery")?;
    collect(rows, "webhook delivery")
}

pub(super) fn record_webhook_delivery(
    tx: &Connection,
    id: WebhookId,
    key: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let exists = tx
        .prepare_cached("SELECT 1 FROM webhook_subscriptions WHERE id = ?1")
        .ctx("webhook")?
        .exists(params![id.0])
        .ctx("webhook")?;
    if !exists {
        return Err(not_found("webhook", id));
    }
    tx.prepare_cached(
        "INSERT INTO webhook_deliveries (idempotency_key, subscription_id, delivered_at_ms)
         VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )
    .ctx("webhook delivery")?
    .execute(params![key, id.0, millis(at)])
    .ctx("webhook delivery")?;
    Ok(())
}

pub(super) fn create_admin_session(
    tx: &Connection,
    s: &AdminSession,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    tx.prepare_cached("DELETE FROM admin_sessions WHERE expires_at_ms <= ?1")
        .ctx("admin session")?
        .execute(params![millis(now)])
        .ctx("admin session")?;
    tx.prepare_cached(
        "INSERT INTO admin_sessions (id_hash, created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3)",
    )
    .ctx("admin session")?
    .execute(params![
        s.id_hash.to_ascii_lowercase(),
        millis(s.created_at),
        millis(s.expires_at)
    ])
    .ctx("admin session")?;
    Ok(())
}

pub(super) fn admin_session(
    conn: &Connection,
    id_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<AdminSession>> {
    const W: &str = "admin session";
    let row: Option<(String, i64, i64)> = conn
        .prepare_cached(
            "SELECT id_hash, created_at_ms, expires_at_ms FROM admin_sessions
             WHERE id_hash = ?1 AND expires_at_ms > ?2",
        )
        .ctx(W)?
        .query_row(params![id_hash.to_ascii_lowercase(), millis(now)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .ctx(W)?;
    row.map(|(id_hash, created, expires)| {
        Ok(AdminSession {
            id_hash,
            created_at: time(created, W)?,
            expires_at: time(expires, W)?,
        })
    })
    .transpose()
}

pub(super) fn delete_admin_session(tx: &Connection, id_hash: &str) -> StoreResult<()> {
    tx.prepare_cached("DELETE FROM admin_sessions WHERE id_hash = ?1")
        .ctx("admin session")?
        .execute(params![id_hash.to_ascii_lowercase()])
        .ctx("admin session")?;
    Ok(())
}
