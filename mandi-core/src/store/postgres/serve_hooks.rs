//! Webhook subscriptions, their deliveries and admin sessions (migration 0003; the same SQL
//! as the SQLite store's `serve_hooks`).

use chrono::{DateTime, Utc};

use super::rows::{Ctx, col, time};
use super::shim::{Conn, OptionalExtension, Row, params};
use super::{not_found, user_exists};
use crate::domain::{AdminSession, NewWebhook, UserId, Webhook, WebhookId};
use crate::ports::store::StoreResult;
use crate::store::millis;

const HOOK_COLUMNS: &str = "id, user_id, url, secret, created_at_ms";

fn read_hook(r: &Row) -> StoreResult<Webhook> {
    const W: &str = "webhook";
    Ok(Webhook {
        id: WebhookId(col(r, 0, W)?),
        user_id: UserId(col(r, 1, W)?),
        url: col(r, 2, W)?,
        secret: col(r, 3, W)?,
        created_at: time(col(r, 4, W)?, W)?,
    })
}

async fn hooks_where(
    conn: &Conn<'_>,
    clause: &str,
    args: &[super::shim::Val],
) -> StoreResult<Vec<Webhook>> {
    let sql = format!("SELECT {HOOK_COLUMNS} FROM webhook_subscriptions WHERE {clause}");
    let stmt = conn.prepare_cached(&sql).ctx("webhook")?;
    let mut rows = stmt.query(args).await.ctx("webhook")?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().ctx("webhook")? {
        out.push(read_hook(r)?);
    }
    Ok(out)
}

pub(super) async fn create_webhook(
    tx: &Conn<'_>,
    new: &NewWebhook,
    now: DateTime<Utc>,
) -> StoreResult<Webhook> {
    if !user_exists(tx, new.user_id).await? {
        return Err(not_found("user", new.user_id));
    }
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO webhook_subscriptions (user_id, url, secret, created_at_ms)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .ctx("webhook")?
        .query_row(
            params![new.user_id.0, new.url.trim(), new.secret, millis(now)],
            |r| r.get(0),
        )
        .await
        .ctx("webhook")?;
    hooks_where(tx, "id = $1", params![id])
        .await?
        .pop()
        .ok_or_else(|| not_found("webhook", id))
}

pub(super) async fn list_webhooks(conn: &Conn<'_>, user: UserId) -> StoreResult<Vec<Webhook>> {
    hooks_where(conn, "user_id = $1 ORDER BY id", params![user.0]).await
}

pub(super) async fn delete_webhook(tx: &Conn<'_>, user: UserId, id: WebhookId) -> StoreResult<()> {
    let n = tx
        .prepare_cached("DELETE FROM webhook_subscriptions WHERE id = $1 AND user_id = $2")
        .ctx("webhook")?
        .execute(params![id.0, user.0])
        .await
        .ctx("webhook")?;
    if n == 0 {
        return Err(not_found("webhook", id));
    }
    Ok(())
}

pub(super) async fn webhook_deliveries(conn: &Conn<'_>, key: &str) -> StoreResult<Vec<WebhookId>> {
    const W: &str = "webhook delivery";
    let stmt = conn
        .prepare_cached(
            "SELECT subscription_id FROM webhook_deliveries WHERE idempotency_key = $1
             ORDER BY subscription_id",
        )
        .ctx(W)?;
    let rows = stmt
        .query_map(params![key], |r| r.get::<_, i64>(0))
        .await
        .ctx(W)?;
    let mut out = Vec::new();
    for id in rows {
        out.push(WebhookId(id.ctx(W)?));
    }
    Ok(out)
}

pub(super) async fn record_webhook_delivery(
    tx: &Conn<'_>,
    id: WebhookId,
    key: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let exists = tx
        .prepare_cached("SELECT 1 FROM webhook_subscriptions WHERE id = $1")
        .ctx("webhook")?
        .exists(params![id.0])
        .await
        .ctx("webhook")?;
    if !exists {
        return Err(not_found("webhook", id));
    }
    tx.prepare_cached(
        "INSERT INTO webhook_deliveries (idempotency_key, subscription_id, delivered_at_ms)
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .ctx("webhook delivery")?
    .execute(params![key, id.0, millis(at)])
    .await
    .ctx("webhook delivery")?;
    Ok(())
}

pub(super) async fn create_admin_session(
    tx: &Conn<'_>,
    s: &AdminSession,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    tx.prepare_cached("DELETE FROM admin_sessions WHERE expires_at_ms <= $1")
        .ctx("admin session")?
        .execute(params![millis(now)])
        .await
        .ctx("admin session")?;
    tx.prepare_cached(
        "INSERT INTO admin_sessions (id_hash, created_at_ms, expires_at_ms) VALUES ($1, $2, $3)",
    )
    .ctx("admin session")?
    .execute(params![
        s.id_hash.to_ascii_lowercase(),
        millis(s.created_at),
        millis(s.expires_at)
    ])
    .await
    .ctx("admin session")?;
    Ok(())
}

pub(super) async fn admin_session(
    conn: &Conn<'_>,
    id_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<AdminSession>> {
    const W: &str = "admin session";
    let row: Option<(String, i64, i64)> = conn
        .prepare_cached(
            "SELECT id_hash, created_at_ms, expires_at_ms FROM admin_sessions
             WHERE id_hash = $1 AND expires_at_ms > $2",
        )
        .ctx(W)?
        .query_row(params![id_hash.to_ascii_lowercase(), millis(now)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .await
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

pub(super) async fn delete_admin_session(tx: &Conn<'_>, id_hash: &str) -> StoreResult<()> {
    tx.prepare_cached("DELETE FROM admin_sessions WHERE id_hash = $1")
        .ctx("admin session")?
        .execute(params![id_hash.to_ascii_lowercase()])
        .await
        .ctx("admin session")?;
    Ok(())
}
