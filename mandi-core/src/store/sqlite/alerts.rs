//! The alerts-and-outbox aggregate: alerts, their delivery rows, the saved rule states, and
//! the price update that writes product, history, states, alerts and outbox rows together.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::products::{insert_points, write_product};
use super::rows::{
    Ctx, asin, availability, col, from_json, marketplace, marketplace_code, money, money_parts,
    time, to_json,
};
use super::users::watch_owner;
use super::{collect, not_found};
use crate::alerts::WatchRuleStates;
use crate::domain::{Alert, AlertId, DeliveryStatus, OutboxEntry, PricePoint, UserId, WatchId};
use crate::ports::store::{
    AppliedUpdate, Delivery, HoldReason, PriceUpdate, StoreError, StoreResult,
};
use crate::store::{idempotency_key, millis, rule_kind};

pub(super) const ALERT_COLUMNS: &str =
    "a.id, a.user_id, a.watch_id, a.marketplace, a.asin, a.rule_json,
     a.price_minor, a.price_currency, a.previous_price_minor, a.previous_price_currency,
     a.availability, a.message, a.triggered_at_ms, a.dedupe_key, a.card_json";

pub(super) fn read_alert(r: &Row<'_>, base: usize) -> StoreResult<Alert> {
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

pub(super) const OUTBOX_COLUMNS: &str = "o.id, o.alert_id, o.user_id, o.channel, o.idempotency_key,
     o.status, o.attempts, o.next_attempt_at_ms, o.last_error, o.hold";

/// Number of columns in [`OUTBOX_COLUMNS`].
pub(super) const OUTBOX_WIDTH: usize = 10;

pub(super) fn read_outbox(r: &Row<'_>) -> StoreResult<(OutboxEntry, Option<HoldReason>)> {
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
pub(super) fn deliveries_where(
    conn: &Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<Delivery>> {
    let sql = format!(
        "SELECT {OUTBOX_COLUMNS}, {ALERT_COLUMNS} FROM alert_outbox o
         JOIN alerts a ON a.id = o.alert_id WHERE {clause}"
    );
    let mut stmt = conn.prepare_cached(&sql).ctx("outbox row")?;
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
        .ctx("outbox row")?;
    collect(rows, "outbox row")
}

pub(super) fn alerts_where(
    conn: &Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<Alert>> {
    let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts a WHERE {clause}");
    let mut stmt = conn.prepare_cached(&sql).ctx("alert")?;
    let rows = stmt
        .query_map(args, |r| Ok(read_alert(r, 0)))
        .ctx("alert")?;
    collect(rows, "alert")
}

pub(super) fn apply_update_tx(conn: &Connection, u: &PriceUpdate) -> StoreResult<AppliedUpdate> {
    let mut applied = AppliedUpdate::default();
    if let Some(p) = &u.product {
        let stored: Option<i64> = conn
            .prepare_cached(
                "SELECT fetched_at_ms FROM products WHERE marketplace = ?1 AND asin = ?2",
            )
            .ctx("product")?
            .query_row(
                params![marketplace_code(p.marketplace), p.asin.as_str()],
                |r| r.get(0),
            )
            .optional()
            .ctx("product")?;
        // Count the product's points first; saving the product then finds them stored.
        applied.points_added += insert_points(conn, &PricePoint::from_product(p))?;
        if stored.is_none_or(|ms| ms <= millis(p.fetched_at)) {
            write_product(conn, p)?;
        }
    }
    applied.points_added += insert_points(conn, &u.points)?;
    super::quarantine::hold_and_settle(conn, u)?;
    for rs in &u.rule_states {
        if watch_owner(conn, rs.watch_id)?.is_none() {
            applied.orphans += 1;
            continue;
        }
        conn.prepare_cached(
            "INSERT INTO watch_rule_states (watch_id, states_json) VALUES (?1, ?2)
             ON CONFLICT (watch_id) DO UPDATE SET states_json = excluded.states_json",
        )
        .ctx("rule states")?
        .execute(params![rs.watch_id.0, to_json(rs, "rule states")?])
        .ctx("rule states")?;
    }
    for a in &u.alerts {
        let known = conn
            .prepare_cached("SELECT 1 FROM alerts WHERE dedupe_key = ?1")
            .ctx("alert")?
            .exists(params![a.dedupe_key])
            .ctx("alert")?;
        if known {
            applied.duplicates += 1;
            continue;
        }
        if watch_owner(conn, a.watch_id)? != Some(a.user_id) {
            applied.orphans += 1;
            continue;
        }
        let (price, price_cur) = money_parts(a.price);
        let (prev, prev_cur) = money_parts(a.previous_price);
        conn.prepare_cached(
            "INSERT INTO alerts (user_id, watch_id, marketplace, asin, rule_kind, rule_json,
                 price_minor, price_currency, previous_price_minor, previous_price_currency,
                 availability, message, triggered_at_ms, dedupe_key, card_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                 ?15)",
        )
        .ctx("alert")?
        .execute(params![
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
        ])
        .ctx("alert")?;
        let id = AlertId(conn.last_insert_rowid());
        let mut insert = conn
            .prepare_cached(
                "INSERT INTO alert_outbox (alert_id, user_id, channel, idempotency_key, status,
                     attempts, next_attempt_at_ms)
                 VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5)",
            )
            .ctx("outbox row")?;
        for channel in &u.channels {
            insert
                .execute(params![
                    id.0,
                    a.user_id.0,
                    channel,
                    idempotency_key(&a.dedupe_key, channel),
                    millis(a.triggered_at),
                ])
                .ctx("outbox row")?;
        }
        applied.created.push(id);
    }
    Ok(applied)
}

/// Runs `sql` (with `?1` = the outbox id) on a pending row; `NotFound` when there is no row.
pub(super) fn change_pending(
    conn: &Connection,
    id: i64,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> StoreResult<()> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM alert_outbox WHERE id = ?1")
        .ctx("outbox row")?
        .exists(params![id])
        .ctx("outbox row")?;
    if !exists {
        return Err(not_found("outbox row", id));
    }
    let mut all: Vec<&dyn rusqlite::ToSql> = vec![&id];
    all.extend_from_slice(args);
    conn.prepare_cached(sql)
        .ctx("outbox row")?
        .execute(all.as_slice())
        .ctx("outbox row")?;
    Ok(())
}

/// The saved rule states of those of `watches` that have any, in the order asked.
pub(super) fn rule_states(
    conn: &Connection,
    watches: &[WatchId],
) -> StoreResult<Vec<WatchRuleStates>> {
    let mut stmt = conn
        .prepare_cached("SELECT states_json FROM watch_rule_states WHERE watch_id = ?1")
        .ctx("rule states")?;
    let mut out = Vec::new();
    for w in watches {
        let text: Option<String> = stmt
            .query_row(params![w.0], |r| r.get(0))
            .optional()
            .ctx("rule states")?;
        if let Some(text) = text {
            out.push(from_json::<WatchRuleStates>(&text, "rule states")?);
        }
    }
    Ok(out)
}

/// Claims up to `limit` due deliveries on `channels` (a JSON array) until `until`.
pub(super) fn claim_due_deliveries(
    tx: &Connection,
    now: DateTime<Utc>,
    channels: &str,
    limit: i64,
    until: DateTime<Utc>,
) -> StoreResult<Vec<Delivery>> {
    let due = deliveries_where(
        tx,
        "o.status = 'pending' AND o.next_attempt_at_ms <= ?1
           AND o.channel IN (SELECT value FROM json_each(?3))
         ORDER BY o.next_attempt_at_ms, o.id LIMIT ?2",
        params![millis(now), limit, channels],
    )?;
    let mut stmt = tx
        .prepare_cached("UPDATE alert_outbox SET next_attempt_at_ms = ?2 WHERE id = ?1")
        .ctx("outbox row")?;
    let mut out = Vec::with_capacity(due.len());
    for mut d in due {
        stmt.execute(params![d.entry.id, millis(until)])
            .ctx("outbox row")?;
        d.entry.next_attempt_at = until;
        out.push(d);
    }
    Ok(out)
}

/// Marks a pending row sent.
pub(super) fn mark_sent(tx: &Connection, outbox_id: i64, at: DateTime<Utc>) -> StoreResult<()> {
    change_pending(
        tx,
        outbox_id,
        "UPDATE alert_outbox SET status = 'sent', sent_at_ms = ?2
         WHERE id = ?1 AND status = 'pending'",
        &[&millis(at)],
    )
}

/// Counts a failed attempt on a pending row and sets its next attempt.
pub(super) fn mark_failed(
    tx: &Connection,
    outbox_id: i64,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> StoreResult<()> {
    change_pending(
        tx,
        outbox_id,
        "UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?2,
             next_attempt_at_ms = ?3
         WHERE id = ?1 AND status = 'pending'",
        &[&error, &millis(next_attempt_at)],
    )
}

/// Marks a pending row dead (kept for review).
pub(super) fn mark_dead(tx: &Connection, outbox_id: i64, error: &str) -> StoreResult<()> {
    change_pending(
        tx,
        outbox_id,
        "UPDATE alert_outbox SET status = 'dead', attempts = attempts + 1,
             last_error = ?2
         WHERE id = ?1 AND status = 'pending'",
        &[&error],
    )
}

/// Holds a pending row until `until` for `reason`.
pub(super) fn hold_delivery(
    tx: &Connection,
    outbox_id: i64,
    until: DateTime<Utc>,
    reason: HoldReason,
) -> StoreResult<()> {
    change_pending(
        tx,
        outbox_id,
        "UPDATE alert_outbox SET next_attempt_at_ms = ?2, hold = ?3
         WHERE id = ?1 AND status = 'pending'",
        &[&millis(until), &reason.as_str()],
    )
}

/// A user's deliveries held past `now`.
pub(super) fn held_deliveries(
    conn: &Connection,
    user: UserId,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Delivery>> {
    deliveries_where(
        conn,
        "o.user_id = ?1 AND o.status = 'pending' AND o.hold IS NOT NULL
           AND o.next_attempt_at_ms > ?2
         ORDER BY o.next_attempt_at_ms, o.id",
        params![user.0, millis(now)],
    )
}

/// Makes a user's held deliveries due at `now`; how many.
pub(super) fn release_held(
    tx: &Connection,
    user: UserId,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    tx.prepare_cached(
        "UPDATE alert_outbox SET next_attempt_at_ms = ?2
         WHERE user_id = ?1 AND status = 'pending' AND hold IS NOT NULL
           AND next_attempt_at_ms > ?2",
    )
    .ctx("outbox row")?
    .execute(params![user.0, millis(now)])
    .ctx("outbox row")
}

/// A user's alerts, newest first, a page of `limit` after `offset`.
pub(super) fn alert_history(
    conn: &Connection,
    user: UserId,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<Alert>> {
    alerts_where(
        conn,
        "a.user_id = ?1 ORDER BY a.triggered_at_ms DESC, a.id DESC LIMIT ?2 OFFSET ?3",
        params![user.0, limit, offset],
    )
}

/// The alerts of one of a user's watches, newest first.
pub(super) fn watch_alerts(
    conn: &Connection,
    user: UserId,
    watch: WatchId,
) -> StoreResult<Vec<Alert>> {
    if watch_owner(conn, watch)? != Some(user) {
        return Err(not_found("watch", watch));
    }
    alerts_where(
        conn,
        "a.user_id = ?1 AND a.watch_id = ?2 ORDER BY a.triggered_at_ms DESC, a.id DESC",
        params![user.0, watch.0],
    )
}

/// The outbox rows of one of a user's alerts.
pub(super) fn alert_deliveries(
    conn: &Connection,
    user: UserId,
    alert: AlertId,
) -> StoreResult<Vec<OutboxEntry>> {
    let found = deliveries_where(
        conn,
        "a.id = ?1 AND a.user_id = ?2 ORDER BY o.id",
        params![alert.0, user.0],
    )?;
    if found.is_empty() {
        let owned = conn
            .prepare_cached("SELECT 1 FROM alerts WHERE id = ?1 AND user_id = ?2")
            .ctx("alert")?
            .exists(params![alert.0, user.0])
            .ctx("alert")?;
        if !owned {
            return Err(not_found("alert", alert));
        }
    }
    Ok(found.into_iter().map(|d| d.entry).collect())
}

/// How many of a user's deliveries were sent in `from..until`.
pub(super) fn count_sent(
    conn: &Connection,
    user: UserId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<u32> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM alert_outbox
             WHERE user_id = ?1 AND status = 'sent' AND sent_at_ms >= ?2
               AND sent_at_ms < ?3",
        )
        .ctx("outbox row")?
        .query_row(params![user.0, millis(from), millis(until)], |r| r.get(0))
        .ctx("outbox row")?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
