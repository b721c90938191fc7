//! The users-and-watches aggregate: users (with their identities and settings), watches and
//! their alert rules.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::rows::{
    Ctx, asin, col, from_json, marketplace, marketplace_code, money, money_parts, time, to_json,
};
use super::{collect, not_found};
use crate::domain::{
    AlertRule, Asin, ExternalIdentity, Marketplace, NewUser, NewWatch, User, UserId, UserSettings,
    Watch, WatchId, WatchState, WatchTarget,
};
use crate::ports::store::{StoreError, StoreResult, WatchedProduct};
use crate::store::{millis, rule_kind, truncate};

pub(super) const USER_COLUMNS: &str =
    "id, identity_provider, identity_subject, display_name, settings_json, active, created_at_ms";

pub(super) fn read_user(r: &Row<'_>) -> StoreResult<User> {
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

pub(super) fn user_by(
    conn: &Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {clause}");
    let mut stmt = conn.prepare_cached(&sql).ctx("user")?;
    let mut rows = stmt.query_map(args, |r| Ok(read_user(r))).ctx("user")?;
    rows.next().map(|r| r.ctx("user")?).transpose()
}

pub(super) fn user_exists(conn: &Connection, id: UserId) -> StoreResult<bool> {
    conn.prepare_cached("SELECT 1 FROM users WHERE id = ?1")
        .ctx("user")?
        .exists(params![id.0])
        .ctx("user")
}

pub(super) const WATCH_COLUMNS: &str =
    "id, user_id, target_type, marketplace, asin, state, snoozed_until_ms,
     baseline_minor, baseline_currency, label, created_at_ms, updated_at_ms";

pub(super) fn read_watch(r: &Row<'_>) -> StoreResult<Watch> {
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

pub(super) fn watches_where(
    conn: &Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<Watch>> {
    let sql = format!("SELECT {WATCH_COLUMNS} FROM watches WHERE {clause}");
    let mut stmt = conn.prepare_cached(&sql).ctx("watch")?;
    let mut watches = collect(
        stmt.query_map(args, |r| Ok(read_watch(r))).ctx("watch")?,
        "watch",
    )?;
    let mut rules = conn
        .prepare_cached("SELECT rule_json FROM alert_rules WHERE watch_id = ?1 ORDER BY position")
        .ctx("alert rule")?;
    for w in &mut watches {
        let texts: Vec<String> = rules
            .query_map(params![w.id.0], |r| r.get(0))
            .ctx("alert rule")?
            .collect::<rusqlite::Result<_>>()
            .ctx("alert rule")?;
        w.rules = texts
            .iter()
            .map(|t| from_json::<AlertRule>(t, "alert rule"))
            .collect::<StoreResult<_>>()?;
    }
    Ok(watches)
}

pub(super) fn target_parts(t: &WatchTarget) -> (&'static str, &'static str, Asin) {
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

pub(super) fn state_parts(s: &WatchState) -> (&'static str, Option<i64>) {
    match s {
        WatchState::Active => ("active", None),
        WatchState::Paused => ("paused", None),
        WatchState::Snoozed { until } => ("snoozed", Some(millis(*until))),
    }
}

pub(super) fn write_rules(conn: &Connection, id: WatchId, rules: &[AlertRule]) -> StoreResult<()> {
    const W: &str = "alert rule";
    conn.prepare_cached("DELETE FROM alert_rules WHERE watch_id = ?1")
        .ctx(W)?
        .execute(params![id.0])
        .ctx(W)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO alert_rules (watch_id, position, kind, rule_json)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .ctx(W)?;
    for (i, rule) in rules.iter().enumerate() {
        insert
            .execute(params![id.0, i as i64, rule_kind(rule)?, to_json(rule, W)?])
            .ctx(W)?;
    }
    Ok(())
}

pub(super) fn watch_owner(conn: &Connection, id: WatchId) -> StoreResult<Option<UserId>> {
    conn.prepare_cached("SELECT user_id FROM watches WHERE id = ?1")
        .ctx("watch")?
        .query_row(params![id.0], |r| r.get(0))
        .optional()
        .ctx("watch")
        .map(|o| o.map(UserId))
}

/// The user with `new`'s identity, created when there is none.
pub(super) fn upsert_user(tx: &Connection, new: NewUser, now: DateTime<Utc>) -> StoreResult<User> {
    let identity = params![new.identity.provider, new.identity.subject];
    if let Some(user) = user_by(
        tx,
        "identity_provider = ?1 AND identity_subject = ?2",
        identity,
    )? {
        return Ok(user);
    }
    tx.prepare_cached(
        "INSERT INTO users (identity_provider, identity_subject, display_name,
             settings_json, active, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, 1, ?5)",
    )
    .ctx("user")?
    .execute(params![
        new.identity.provider,
        new.identity.subject,
        new.display_name,
        to_json(&new.settings, "user settings")?,
        millis(now),
    ])
    .ctx("user")?;
    Ok(User {
        id: UserId(tx.last_insert_rowid()),
        identity: new.identity,
        display_name: new.display_name,
        settings: new.settings,
        active: true,
        created_at: truncate(now),
    })
}

/// The user `id`; `NotFound` when there is none.
pub(super) fn get_user(conn: &Connection, id: UserId) -> StoreResult<User> {
    user_by(conn, "id = ?1", params![id.0])?.ok_or_else(|| not_found("user", id))
}

/// The user holding `identity`, if any.
pub(super) fn find_user(
    conn: &Connection,
    identity: &ExternalIdentity,
) -> StoreResult<Option<User>> {
    user_by(
        conn,
        "identity_provider = ?1 AND identity_subject = ?2",
        params![identity.provider, identity.subject],
    )
}

/// Saves a user's name, settings and active flag.
pub(super) fn update_user(tx: &Connection, user: &User) -> StoreResult<()> {
    let changed = tx
        .prepare_cached(
            "UPDATE users SET display_name = ?2, settings_json = ?3, active = ?4
             WHERE id = ?1",
        )
        .ctx("user")?
        .execute(params![
            user.id.0,
            user.display_name,
            to_json(&user.settings, "user settings")?,
            user.active,
        ])
        .ctx("user")?;
    if changed == 0 {
        return Err(not_found("user", user.id));
    }
    Ok(())
}

/// Creates a watch with its rules.
pub(super) fn create_watch(
    tx: &Connection,
    new: NewWatch,
    now: DateTime<Utc>,
) -> StoreResult<Watch> {
    if !user_exists(tx, new.user_id)? {
        return Err(not_found("user", new.user_id));
    }
    let (target_type, m, a) = target_parts(&new.target);
    let (base, base_cur) = money_parts(new.baseline_price);
    tx.prepare_cached(
        "INSERT INTO watches (user_id, target_type, marketplace, asin, state,
             snoozed_until_ms, baseline_minor, baseline_currency, label, created_at_ms,
             updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, 'active', NULL, ?5, ?6, ?7, ?8, ?8)",
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
    .ctx("watch")?;
    let id = WatchId(tx.last_insert_rowid());
    write_rules(tx, id, &new.rules)?;
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
}

/// The watch `id` of `user`; `NotFound` when there is none.
pub(super) fn get_watch(conn: &Connection, user: UserId, id: WatchId) -> StoreResult<Watch> {
    watches_where(conn, "id = ?1 AND user_id = ?2", params![id.0, user.0])?
        .pop()
        .ok_or_else(|| not_found("watch", id))
}

/// A user's watches, oldest first.
pub(super) fn list_watches(conn: &Connection, user: UserId) -> StoreResult<Vec<Watch>> {
    watches_where(
        conn,
        "user_id = ?1 ORDER BY created_at_ms, id",
        params![user.0],
    )
}

/// Saves a watch and replaces its rules.
pub(super) fn update_watch(tx: &Connection, watch: &Watch) -> StoreResult<()> {
    let (target_type, m, a) = target_parts(&watch.target);
    let (state, until) = state_parts(&watch.state);
    let (base, base_cur) = money_parts(watch.baseline_price);
    let changed = tx
        .prepare_cached(
            "UPDATE watches SET target_type = ?3, marketplace = ?4, asin = ?5, state = ?6,
                 snoozed_until_ms = ?7, baseline_minor = ?8, baseline_currency = ?9,
                 label = ?10, updated_at_ms = ?11,
                 paused_unreachable = CASE WHEN ?6 = 'paused' THEN paused_unreachable ELSE 0 END
             WHERE id = ?1 AND user_id = ?2",
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
        .ctx("watch")?;
    if changed == 0 {
        return Err(not_found("watch", watch.id));
    }
    write_rules(tx, watch.id, &watch.rules)
}

/// Pauses the user's live watches because they cannot be reached, remembering why.
pub(super) fn pause_unreachable(
    tx: &Connection,
    user: UserId,
    now: DateTime<Utc>,
) -> StoreResult<Vec<WatchId>> {
    watch_ids(
        tx,
        "UPDATE watches SET state = 'paused', snoozed_until_ms = NULL, paused_unreachable = 1,
             updated_at_ms = ?2
         WHERE user_id = ?1 AND state <> 'paused'
         RETURNING id",
        params![user.0, millis(now)],
    )
}

/// The user's watches still paused because they could not be reached.
pub(super) fn paused_unreachable(conn: &Connection, user: UserId) -> StoreResult<Vec<WatchId>> {
    watch_ids(
        conn,
        "SELECT id FROM watches WHERE user_id = ?1 AND paused_unreachable = 1",
        params![user.0],
    )
}

/// Resumes the user's watches paused because they could not be reached.
pub(super) fn resume_unreachable(
    tx: &Connection,
    user: UserId,
    now: DateTime<Utc>,
) -> StoreResult<Vec<WatchId>> {
    watch_ids(
        tx,
        "UPDATE watches SET state = 'active', paused_unreachable = 0, updated_at_ms = ?2
         WHERE user_id = ?1 AND paused_unreachable = 1
         RETURNING id",
        params![user.0, millis(now)],
    )
}

/// The watch ids a statement returns, in id order.
fn watch_ids(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<WatchId>> {
    let mut stmt = conn.prepare_cached(sql).ctx("watch")?;
    let mut ids: Vec<WatchId> = stmt
        .query_map(args, |r| r.get(0).map(WatchId))
        .ctx("watch")?
        .collect::<rusqlite::Result<_>>()
        .ctx("watch")?;
    ids.sort();
    Ok(ids)
}

/// Deletes the watch `id` of `user`; `NotFound` when there is none.
pub(super) fn delete_watch(tx: &Connection, user: UserId, id: WatchId) -> StoreResult<()> {
    let changed = tx
        .prepare_cached("DELETE FROM watches WHERE id = ?1 AND user_id = ?2")
        .ctx("watch")?
        .execute(params![id.0, user.0])
        .ctx("watch")?;
    if changed == 0 {
        return Err(not_found("watch", id));
    }
    Ok(())
}

/// The watches a price of `asin` concerns: on the product itself or on its family.
pub(super) fn watches_on(
    conn: &Connection,
    marketplace: Marketplace,
    asin: Asin,
) -> StoreResult<Vec<Watch>> {
    watches_where(
        conn,
        // The product and its parents as one set of ASINs: an index read of the watches by
        // target, not a scan of every watch.
        "marketplace = ?1
         AND asin IN (SELECT ?2
                      UNION SELECT parent_asin FROM variations
                            WHERE marketplace = ?1 AND child_asin = ?2
                      UNION SELECT parent_asin FROM products
                            WHERE marketplace = ?1 AND asin = ?2
                              AND parent_asin IS NOT NULL)
         AND ((target_type = 'product' AND asin = ?2) OR target_type = 'family')
         ORDER BY id",
        params![marketplace_code(marketplace), asin.as_str()],
    )
}

/// The products with an unpaused watch of an active user, most watched first.
pub(super) fn watched_products(conn: &Connection) -> StoreResult<Vec<WatchedProduct>> {
    const W: &str = "watch";
    let mut stmt = conn
        .prepare_cached(
            "SELECT w.marketplace, w.asin, COUNT(*) AS watchers
             FROM watches w JOIN users u ON u.id = w.user_id
             WHERE w.state <> 'paused' AND u.active = 1
             GROUP BY w.marketplace, w.asin
             ORDER BY watchers DESC, w.marketplace, w.asin",
        )
        .ctx(W)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((|| -> StoreResult<WatchedProduct> {
                Ok(WatchedProduct {
                    marketplace: marketplace(&col::<String>(r, 0, W)?, W)?,
                    asin: asin(&col::<String>(r, 1, W)?, W)?,
                    watchers: col(r, 2, W)?,
                })
            })())
        })
        .ctx(W)?;
    collect(rows, W)
}
/// Users in id order after `after`, at most `limit`.
pub(super) fn list_users(
    conn: &Connection,
    after: Option<UserId>,
    limit: usize,
) -> StoreResult<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id > ?1 ORDER BY id LIMIT ?2");
    let mut stmt = conn.prepare_cached(&sql).ctx("user")?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![after.map_or(i64::MIN, |a| a.0), limit], |r| {
            Ok(read_user(r))
        })
        .ctx("user")?;
    let mut users = Vec::new();
    for r in rows {
        users.push(r.ctx("user")??);
    }
    Ok(users)
}

/// Gives a user a new identity, refusing one another user holds.
pub(super) fn update_identity(
    tx: &Connection,
    id: UserId,
    identity: &ExternalIdentity,
) -> StoreResult<()> {
    let holder: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM users WHERE identity_provider = ?1 AND identity_subject = ?2",
        )
        .ctx("user")?
        .query_map(params![identity.provider, identity.subject], |r| r.get(0))
        .ctx("user")?
        .next()
        .transpose()
        .ctx("user")?;
    if let Some(other) = holder
        && other != id.0
    {
        return Err(StoreError::Conflict {
            what: "user identity",
            detail: format!(
                "{}/{} belongs to user {other}",
                identity.provider, identity.subject
            ),
        });
    }
    let changed = tx
        .prepare_cached(
            "UPDATE users SET identity_provider = ?2, identity_subject = ?3 WHERE id = ?1",
        )
        .ctx("user")?
        .execute(params![id.0, identity.provider, identity.subject])
        .ctx("user")?;
    if changed == 0 {
        return Err(not_found("user", id));
    }
    Ok(())
}
