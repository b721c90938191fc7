//! The REST API server's tables (schema version 6): API keys, their usage, bulk jobs.

use super::shim::{self, Conn, OptionalExtension, Row, params};
use chrono::{DateTime, NaiveDate, Utc};

use super::rows::{
    Ctx, asin, col, from_json, marketplace, marketplace_code, opt_time, time, to_json,
};
use super::{USER_COLUMNS, collect, not_found, read_user, user_exists};
use crate::domain::{
    ActivityFacts, AlertFact, ApiKey, ApiKeyId, BulkCounts, BulkItem, BulkItemStatus, BulkJob,
    BulkJobId, BulkSpec, KeyScope, KeyUsage, NewApiKey, NewBulkJob, RateLimit, UserFacts, UserId,
    WatchId,
};
use crate::ports::store::{StoreError, StoreResult};
use crate::store::{millis, truncate};

const KEY_COLUMNS: &str = "id, user_id, name, scope, prefix, secret_hash, rate_per_second, burst,
     created_at_ms, revoked_at_ms, last_used_at_ms";

fn read_key(r: &Row) -> StoreResult<ApiKey> {
    const W: &str = "api key";
    let scope: String = col(r, 3, W)?;
    Ok(ApiKey {
        id: ApiKeyId(col(r, 0, W)?),
        user_id: UserId(col(r, 1, W)?),
        name: col(r, 2, W)?,
        scope: KeyScope::parse(&scope).ok_or_else(|| StoreError::Corrupt {
            what: W,
            detail: format!("unknown scope {scope:?}"),
        })?,
        prefix: col(r, 4, W)?,
        secret_hash: col(r, 5, W)?,
        rate_limit: RateLimit {
            per_second: col(r, 6, W)?,
            burst: col(r, 7, W)?,
        },
        created_at: time(col(r, 8, W)?, W)?,
        revoked_at: opt_time(col(r, 9, W)?, W)?,
        last_used_at: opt_time(col(r, 10, W)?, W)?,
    })
}

async fn keys_where(conn: &Conn<'_>, clause: &str, args: &[shim::Val]) -> StoreResult<Vec<ApiKey>> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE {clause}");
    let stmt = conn.prepare_cached(&sql).ctx("api key")?;
    let rows = stmt
        .query_map(args, |r| Ok(read_key(r)))
        .await
        .ctx("api key")?;
    collect(rows, "api key")
}

pub(super) async fn create_api_key(
    tx: &Conn<'_>,
    new: &NewApiKey,
    now: DateTime<Utc>,
) -> StoreResult<ApiKey> {
    if !user_exists(tx, new.user_id).await? {
        return Err(not_found("user", new.user_id));
    }
    tx.prepare_cached(
        "INSERT INTO api_keys (user_id, name, scope, prefix, secret_hash, rate_per_second, burst,
                               created_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .ctx("api key")?
    .execute(params![
        new.user_id.0,
        new.name.trim(),
        new.scope.as_str(),
        new.prefix,
        new.secret_hash.to_ascii_lowercase(),
        new.rate_limit.per_second,
        new.rate_limit.burst,
        millis(now),
    ])
    .await
    .ctx("api key")?;
    let id = tx.last_insert_rowid().await.ctx("new row id")?;
    keys_where(tx, "id = $1", params![id])
        .await?
        .pop()
        .ok_or_else(|| not_found("api key", id))
}

pub(super) async fn api_key_by_hash(conn: &Conn<'_>, hash: &str) -> StoreResult<Option<ApiKey>> {
    Ok(
        keys_where(conn, "secret_hash = $1", params![hash.to_ascii_lowercase()])
            .await?
            .pop(),
    )
}

pub(super) async fn list_api_keys(conn: &Conn<'_>) -> StoreResult<Vec<ApiKey>> {
    keys_where(conn, "1 = 1 ORDER BY id", params![]).await
}

pub(super) async fn revoke_api_key(
    tx: &Conn<'_>,
    id: ApiKeyId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let changed = tx
        .prepare_cached(
            "UPDATE api_keys SET revoked_at_ms = COALESCE(revoked_at_ms, $2) WHERE id = $1",
        )
        .ctx("api key")?
        .execute(params![id.0, millis(now)])
        .await
        .ctx("api key")?;
    if changed == 0 {
        return Err(not_found("api key", id));
    }
    Ok(())
}

pub(super) async fn add_key_usage(tx: &Conn<'_>, usage: &[KeyUsage]) -> StoreResult<()> {
    for u in usage {
        let at = millis(u.last_used_at);
        let changed = tx
            .prepare_cached(
                "UPDATE api_keys SET last_used_at_ms = GREATEST(COALESCE(last_used_at_ms, $2), $2)
                 WHERE id = $1",
            )
            .ctx("api key usage")?
            .execute(params![u.key_id.0, at])
            .await
            .ctx("api key usage")?;
        if changed == 0 {
            return Err(not_found("api key", u.key_id));
        }
        tx.prepare_cached(
            "INSERT INTO api_key_usage (key_id, day, requests, rejected) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key_id, day) DO UPDATE SET
                requests = api_key_usage.requests + excluded.requests,
                rejected = api_key_usage.rejected + excluded.rejected",
        )
        .ctx("api key usage")?
        .execute(params![
            u.key_id.0,
            u.day.to_string(),
            i64::try_from(u.requests).unwrap_or(i64::MAX),
            i64::try_from(u.rejected).unwrap_or(i64::MAX),
        ])
        .await
        .ctx("api key usage")?;
    }
    Ok(())
}

pub(super) async fn key_usage(
    conn: &Conn<'_>,
    id: ApiKeyId,
    since: NaiveDate,
) -> StoreResult<Vec<KeyUsage>> {
    const W: &str = "api key usage";
    let last_used: Option<i64> = conn
        .prepare_cached("SELECT last_used_at_ms FROM api_keys WHERE id = $1")
        .ctx(W)?
        .query_row(params![id.0], |r| r.get(0))
        .await
        .optional()
        .ctx(W)?
        .flatten();
    let stmt = conn
        .prepare_cached(
            "SELECT day, requests, rejected FROM api_key_usage
             WHERE key_id = $1 AND day >= $2 ORDER BY day",
        )
        .ctx(W)?;
    let rows = stmt
        .query_map(params![id.0, since.to_string()], |r| {
            Ok((|| {
                let day: String = col(r, 0, W)?;
                let day: NaiveDate = day.parse().map_err(|_| StoreError::Corrupt {
                    what: W,
                    detail: format!("bad day {day:?}"),
                })?;
                let requests: i64 = col(r, 1, W)?;
                let rejected: i64 = col(r, 2, W)?;
                // The latest use is kept per key; each day's row shows the latest use that
                // day or, for earlier days, the end of that day.
                let end_of_day = day
                    .and_hms_milli_opt(23, 59, 59, 999)
                    .map(|t| t.and_utc())
                    .unwrap_or_default();
                let last = last_used
                    .and_then(DateTime::from_timestamp_millis)
                    .map_or(end_of_day, |t| t.min(end_of_day));
                Ok(KeyUsage {
                    key_id: id,
                    day,
                    requests: u64::try_from(requests).unwrap_or(0),
                    rejected: u64::try_from(rejected).unwrap_or(0),
                    last_used_at: last,
                })
            })())
        })
        .await
        .ctx(W)?;
    collect(rows, W)
}

async fn read_job(conn: &Conn<'_>, r: &Row) -> StoreResult<BulkJob> {
    const W: &str = "bulk job";
    let id = BulkJobId(col(r, 0, W)?);
    let spec: BulkSpec = from_json(&col::<String>(r, 2, W)?, W)?;
    let mut counts = BulkCounts::default();
    let stmt = conn
        .prepare_cached(
            "SELECT status, COUNT(*) FROM bulk_job_items WHERE job_id = $1 GROUP BY status",
        )
        .ctx(W)?;
    let rows = stmt
        .query_map(params![id.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .await
        .ctx(W)?;
    for row in rows {
        let (status, n) = row.ctx(W)?;
        let status = BulkItemStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
            what: W,
            detail: format!("unknown item status {status:?}"),
        })?;
        for _ in 0..n {
            counts.add(status);
        }
    }
    Ok(BulkJob {
        id,
        user_id: UserId(col(r, 1, W)?),
        spec,
        total: col(r, 3, W)?,
        counts,
        created_at: time(col(r, 4, W)?, W)?,
        finished_at: opt_time(col(r, 5, W)?, W)?,
    })
}

async fn jobs_where(
    conn: &Conn<'_>,
    clause: &str,
    args: &[shim::Val],
) -> StoreResult<Vec<BulkJob>> {
    let sql = format!(
        "SELECT id, user_id, spec_json, total, created_at_ms, finished_at_ms FROM bulk_jobs
         WHERE {clause}"
    );
    let stmt = conn.prepare_cached(&sql).ctx("bulk job")?;
    let mut rows = stmt.query(args).await.ctx("bulk job")?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().ctx("bulk job")? {
        out.push(read_job(conn, r).await?);
    }
    Ok(out)
}

async fn write_item(
    tx: &Conn<'_>,
    job: BulkJobId,
    i: &BulkItem,
    insert: bool,
) -> StoreResult<usize> {
    let sql = if insert {
        "INSERT INTO bulk_job_items (job_id, position, input, marketplace, asin, status, watch_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    } else {
        "UPDATE bulk_job_items SET input = $3, marketplace = $4, asin = $5, status = $6,
                watch_id = $7, detail = $8
         WHERE job_id = $1 AND position = $2"
    };
    tx.prepare_cached(sql)
        .ctx("bulk job item")?
        .execute(params![
            job.0,
            i.position,
            i.input,
            i.marketplace.map(marketplace_code),
            i.asin.map(|a| a.to_string()),
            i.status.as_str(),
            i.watch_id.map(|w| w.0),
            i.detail,
        ])
        .await
        .ctx("bulk job item")
}

pub(super) async fn create_bulk_job(
    tx: &Conn<'_>,
    new: &NewBulkJob,
    now: DateTime<Utc>,
) -> StoreResult<BulkJob> {
    if !user_exists(tx, new.user_id).await? {
        return Err(not_found("user", new.user_id));
    }
    tx.prepare_cached(
        "INSERT INTO bulk_jobs (user_id, spec_json, total, created_at_ms) VALUES ($1, $2, $3, $4)",
    )
    .ctx("bulk job")?
    .execute(params![
        new.user_id.0,
        to_json(&new.spec, "bulk job")?,
        i64::try_from(new.items.len()).unwrap_or(i64::MAX),
        millis(now)
    ])
    .await
    .ctx("bulk job")?;
    let id = BulkJobId(tx.last_insert_rowid().await.ctx("new row id")?);
    for item in &new.items {
        write_item(tx, id, item, true).await?;
    }
    jobs_where(tx, "id = $1", params![id.0])
        .await?
        .pop()
        .ok_or_else(|| not_found("bulk job", id))
}

pub(super) async fn get_bulk_job(
    conn: &Conn<'_>,
    user: UserId,
    id: BulkJobId,
) -> StoreResult<BulkJob> {
    jobs_where(conn, "id = $1 AND user_id = $2", params![id.0, user.0])
        .await?
        .pop()
        .ok_or_else(|| not_found("bulk job", id))
}

pub(super) async fn bulk_job_items(
    conn: &Conn<'_>,
    user: UserId,
    id: BulkJobId,
) -> StoreResult<Vec<BulkItem>> {
    const W: &str = "bulk job item";
    get_bulk_job(conn, user, id).await?;
    let stmt = conn
        .prepare_cached(
            "SELECT position, input, marketplace, asin, status, watch_id, detail
             FROM bulk_job_items WHERE job_id = $1 ORDER BY position",
        )
        .ctx(W)?;
    let rows = stmt
        .query_map(params![id.0], |r| {
            Ok((|| {
                let status: String = col(r, 4, W)?;
                Ok(BulkItem {
                    position: col(r, 0, W)?,
                    input: col(r, 1, W)?,
                    marketplace: col::<Option<String>>(r, 2, W)?
                        .map(|m| marketplace(&m, W))
                        .transpose()?,
                    asin: col::<Option<String>>(r, 3, W)?
                        .map(|a| asin(&a, W))
                        .transpose()?,
                    status: BulkItemStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
                        what: W,
                        detail: format!("unknown item status {status:?}"),
                    })?,
                    watch_id: col::<Option<i64>>(r, 5, W)?.map(WatchId),
                    detail: col(r, 6, W)?,
                })
            })())
        })
        .await
        .ctx(W)?;
    collect(rows, W)
}

pub(super) async fn record_bulk_items(
    tx: &Conn<'_>,
    id: BulkJobId,
    items: &[BulkItem],
    finished_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let exists = tx
        .prepare_cached("SELECT 1 FROM bulk_jobs WHERE id = $1")
        .ctx("bulk job")?
        .exists(params![id.0])
        .await
        .ctx("bulk job")?;
    if !exists {
        return Err(not_found("bulk job", id));
    }
    for item in items {
        if write_item(tx, id, item, false).await? == 0 {
            return Err(StoreError::Invalid {
                what: "bulk job",
                reason: format!("job {id} has no item at position {}", item.position),
            });
        }
    }
    if let Some(at) = finished_at {
        tx.prepare_cached(
            "UPDATE bulk_jobs SET finished_at_ms = COALESCE(finished_at_ms, $2) WHERE id = $1",
        )
        .ctx("bulk job")?
        .execute(params![id.0, millis(truncate(at))])
        .await
        .ctx("bulk job")?;
    }
    Ok(())
}

pub(super) async fn unfinished_bulk_jobs(conn: &Conn<'_>) -> StoreResult<Vec<BulkJob>> {
    jobs_where(conn, "finished_at_ms IS NULL ORDER BY id", params![]).await
}

pub(super) async fn activity_facts(
    conn: &Conn<'_>,
    since: DateTime<Utc>,
) -> StoreResult<ActivityFacts> {
    const W: &str = "activity";
    let since = millis(since);
    let sql = format!(
        "SELECT {USER_COLUMNS},
            (SELECT COUNT(*) FROM watches w WHERE w.user_id = users.id),
            (SELECT COUNT(*) FROM watches w WHERE w.user_id = users.id AND w.state <> 'paused'),
            (SELECT MAX(updated_at_ms) FROM watches w WHERE w.user_id = users.id),
            (SELECT MAX(at_ms) FROM search_queries s WHERE s.user_id = users.id),
            (SELECT MAX(last_used_at_ms) FROM api_keys k WHERE k.user_id = users.id)
         FROM users ORDER BY id"
    );
    let stmt = conn.prepare_cached(&sql).ctx(W)?;
    let rows = stmt
        .query_map(params![], |r| {
            Ok((|| {
                let last = [
                    col::<Option<i64>>(r, 9, W)?,
                    col::<Option<i64>>(r, 10, W)?,
                    col::<Option<i64>>(r, 11, W)?,
                ]
                .into_iter()
                .flatten()
                .max();
                Ok(UserFacts {
                    user: read_user(r)?,
                    watches: col(r, 7, W)?,
                    live_watches: col(r, 8, W)?,
                    last_active_at: opt_time(last, W)?,
                })
            })())
        })
        .await
        .ctx(W)?;
    let users = collect(rows, W)?;
    let stmt = conn
        .prepare_cached(
            "SELECT created_at_ms FROM watches WHERE created_at_ms >= $1 ORDER BY created_at_ms",
        )
        .ctx(W)?;
    let rows = stmt
        .query_map(params![since], |r| {
            Ok(col(r, 0, W).and_then(|ms| time(ms, W)))
        })
        .await
        .ctx(W)?;
    let watches_created = collect(rows, W)?;
    let stmt = conn
        .prepare_cached(
            "SELECT a.triggered_at_ms, a.user_id,
                    EXISTS (SELECT 1 FROM alert_outbox o WHERE o.alert_id = a.id AND o.status = 'sent')
             FROM alerts a WHERE a.triggered_at_ms >= $1 ORDER BY a.triggered_at_ms, a.id",
        )
        .ctx(W)?;
    let rows = stmt
        .query_map(params![since], |r| {
            Ok((|| {
                Ok(AlertFact {
                    at: time(col(r, 0, W)?, W)?,
                    user_id: UserId(col(r, 1, W)?),
                    sent: col(r, 2, W)?,
                })
            })())
        })
        .await
        .ctx(W)?;
    let alerts = collect(rows, W)?;
    let (pending, dead): (i64, i64) = conn
        .prepare_cached(
            "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'dead')
             FROM alert_outbox",
        )
        .ctx(W)?
        .query_row(params![], |r| Ok((r.get(0)?, r.get(1)?))).await
        .ctx(W)?;
    Ok(ActivityFacts {
        users,
        watches_created,
        alerts,
        outbox_pending: u32::try_from(pending).unwrap_or(u32::MAX),
        outbox_dead: u32::try_from(dead).unwrap_or(u32::MAX),
    })
}
