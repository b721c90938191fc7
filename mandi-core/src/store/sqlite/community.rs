//! Community records (migration 0015): shared deals and votes, referrals, group
//! subscriptions and posts.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::not_found;
use super::rows::{Ctx, col};
use super::users::user_exists;
use crate::domain::{
    GroupPost, GroupSubscription, NewSharedDeal, Referral, SharedDeal, SharedDealId,
    SharedDealQuery, UserId, Vote,
};
use crate::ports::store::{StoreError, StoreResult};
use crate::store::community::rows::{
    DEAL_COLUMNS, DealRow, POST_COLUMNS, SUB_COLUMNS, post_of, sub_of,
};
use crate::store::community::{DEAL, POST, REFERRAL, SUB};
use crate::store::decode::marketplace_code;
use crate::store::millis;

fn deal_row(r: &Row<'_>) -> StoreResult<DealRow> {
    Ok(DealRow {
        id: col(r, 0, DEAL)?,
        user_id: col(r, 1, DEAL)?,
        marketplace: col(r, 2, DEAL)?,
        asin: col(r, 3, DEAL)?,
        title: col(r, 4, DEAL)?,
        price_minor: col(r, 5, DEAL)?,
        claimed_minor: col(r, 6, DEAL)?,
        currency: col(r, 7, DEAL)?,
        score: col(r, 8, DEAL)?,
        status: col(r, 9, DEAL)?,
        reason: col(r, 10, DEAL)?,
        created_at_ms: col(r, 11, DEAL)?,
        up: col(r, 12, DEAL)?,
        down: col(r, 13, DEAL)?,
    })
}

/// A deal by id.
pub(super) fn deal(conn: &Connection, id: SharedDealId) -> StoreResult<Option<SharedDeal>> {
    let sql = format!("SELECT {DEAL_COLUMNS} FROM shared_deals d WHERE d.id = ?1");
    let row = conn
        .prepare_cached(&sql)
        .ctx(DEAL)?
        .query_row([id.0], |r| Ok(deal_row(r)))
        .optional()
        .ctx(DEAL)?;
    row.transpose()?.map(DealRow::decode).transpose()
}

/// Stores a validated deal (inside a transaction).
pub(super) fn create_deal(tx: &Connection, d: &NewSharedDeal) -> StoreResult<SharedDeal> {
    if !user_exists(tx, d.user_id)? {
        return Err(not_found("user", d.user_id));
    }
    tx.prepare_cached(
        "INSERT INTO shared_deals (user_id, marketplace, asin, title, price_minor,
             claimed_minor, currency, score, status, reason, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .ctx(DEAL)?
    .execute(params![
        d.user_id.0,
        marketplace_code(d.marketplace),
        d.asin.as_str(),
        d.title,
        d.price.map(|m| m.minor()),
        d.claimed_price.map(|m| m.minor()),
        d.marketplace.currency().code(),
        d.score.map(i64::from),
        d.status.as_str(),
        d.reason,
        millis(d.created_at),
    ])
    .ctx(DEAL)?;
    let id = SharedDealId(tx.last_insert_rowid());
    deal(tx, id)?.ok_or_else(|| not_found(DEAL, id))
}

/// Deals matching a query, newest first.
pub(super) fn deals(conn: &Connection, q: &SharedDealQuery) -> StoreResult<Vec<SharedDeal>> {
    let sql = format!(
        "SELECT {DEAL_COLUMNS} FROM shared_deals d
         WHERE (?1 IS NULL OR d.user_id = ?1) AND (?2 IS NULL OR d.created_at_ms >= ?2)
           AND (?3 IS NULL OR d.status = ?3)
         ORDER BY d.created_at_ms DESC, d.id DESC LIMIT ?4"
    );
    let mut stmt = conn.prepare_cached(&sql).ctx(DEAL)?;
    let rows = stmt
        .query_map(
            params![
                q.user.map(|u| u.0),
                q.since.map(millis),
                q.status.map(|s| s.as_str()),
                i64::try_from(q.limit).unwrap_or(i64::MAX),
            ],
            |r| Ok(deal_row(r)),
        )
        .ctx(DEAL)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r.ctx(DEAL)??.decode()?);
    }
    Ok(out)
}

/// Sets or withdraws a vote (inside a transaction).
pub(super) fn set_vote(
    tx: &Connection,
    id: SharedDealId,
    voter: UserId,
    vote: Option<Vote>,
    at: DateTime<Utc>,
) -> StoreResult<SharedDeal> {
    if deal(tx, id)?.is_none() {
        return Err(not_found(DEAL, id));
    }
    if !user_exists(tx, voter)? {
        return Err(not_found("user", voter));
    }
    match vote {
        Some(v) => tx
            .prepare_cached(
                "INSERT INTO deal_votes (deal_id, voter_id, vote, at_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (deal_id, voter_id) DO UPDATE SET vote = excluded.vote,
                     at_ms = excluded.at_ms",
            )
            .ctx(DEAL)?
            .execute(params![id.0, voter.0, v.value(), millis(at)])
            .ctx(DEAL)?,
        None => tx
            .prepare_cached("DELETE FROM deal_votes WHERE deal_id = ?1 AND voter_id = ?2")
            .ctx(DEAL)?
            .execute(params![id.0, voter.0])
            .ctx(DEAL)?,
    };
    deal(tx, id)?.ok_or_else(|| not_found(DEAL, id))
}

/// Records a validated referral (inside a transaction).
pub(super) fn record_referral(tx: &Connection, r: &Referral) -> StoreResult<()> {
    for u in [r.referrer, r.referred] {
        if !user_exists(tx, u)? {
            return Err(not_found("user", u));
        }
    }
    if referral_of(tx, r.referred)?.is_some() {
        return Err(StoreError::Conflict {
            what: REFERRAL,
            detail: format!("user {} was already referred", r.referred),
        });
    }
    tx.prepare_cached(
        "INSERT INTO referrals (referred_id, referrer_id, at_ms) VALUES (?1, ?2, ?3)",
    )
    .ctx(REFERRAL)?
    .execute(params![r.referred.0, r.referrer.0, millis(r.at)])
    .ctx(REFERRAL)?;
    Ok(())
}

/// The referral of a user.
pub(super) fn referral_of(conn: &Connection, referred: UserId) -> StoreResult<Option<Referral>> {
    let row: Option<(i64, i64)> = conn
        .prepare_cached("SELECT referrer_id, at_ms FROM referrals WHERE referred_id = ?1")
        .ctx(REFERRAL)?
        .query_row([referred.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .ctx(REFERRAL)?;
    row.map(|(referrer, at)| {
        Ok(Referral {
            referrer: UserId(referrer),
            referred,
            at: crate::store::decode::time(at, REFERRAL)?,
        })
    })
    .transpose()
}

/// How many users one referred.
pub(super) fn referral_count(conn: &Connection, referrer: UserId) -> StoreResult<u32> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM referrals WHERE referrer_id = ?1")
        .ctx(REFERRAL)?
        .query_row([referrer.0], |r| r.get(0))
        .ctx(REFERRAL)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Creates or replaces a validated subscription (inside a transaction).
pub(super) fn save_sub(tx: &Connection, s: &GroupSubscription) -> StoreResult<()> {
    if !user_exists(tx, s.chat)? {
        return Err(not_found("user", s.chat));
    }
    tx.prepare_cached(
        "INSERT INTO group_subscriptions (chat_user_id, node_id, node_name, min_score,
             max_per_hour, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (chat_user_id, node_id) DO UPDATE SET node_name = excluded.node_name,
             min_score = excluded.min_score, max_per_hour = excluded.max_per_hour,
             updated_at_ms = excluded.updated_at_ms",
    )
    .ctx(SUB)?
    .execute(params![
        s.chat.0,
        s.node_id,
        s.node_name,
        i64::from(s.min_score),
        i64::from(s.max_per_hour),
        millis(s.updated_at),
    ])
    .ctx(SUB)?;
    Ok(())
}

/// Removes a subscription.
pub(super) fn delete_sub(tx: &Connection, chat: UserId, node_id: &str) -> StoreResult<bool> {
    let n = tx
        .prepare_cached("DELETE FROM group_subscriptions WHERE chat_user_id = ?1 AND node_id = ?2")
        .ctx(SUB)?
        .execute(params![chat.0, node_id])
        .ctx(SUB)?;
    Ok(n > 0)
}

/// Subscriptions of one chat or all.
pub(super) fn subs(conn: &Connection, chat: Option<UserId>) -> StoreResult<Vec<GroupSubscription>> {
    let sql = format!(
        "SELECT {SUB_COLUMNS} FROM group_subscriptions WHERE (?1 IS NULL OR chat_user_id = ?1)
         ORDER BY chat_user_id, node_id"
    );
    let mut stmt = conn.prepare_cached(&sql).ctx(SUB)?;
    let rows = stmt
        .query_map([chat.map(|c| c.0)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .ctx(SUB)?;
    let mut out = Vec::new();
    for r in rows {
        let (c, id, name, min, cap, at) = r.ctx(SUB)?;
        out.push(sub_of(c, id, name, min, cap, at)?);
    }
    Ok(out)
}

/// Records a post unless that product was posted to that chat (inside a transaction).
pub(super) fn record_post(tx: &Connection, p: &GroupPost) -> StoreResult<bool> {
    if !user_exists(tx, p.chat)? {
        return Err(not_found("user", p.chat));
    }
    if let Some(d) = p.deal
        && deal(tx, d)?.is_none()
    {
        return Err(not_found(DEAL, d));
    }
    if p.score > 100 {
        return Err(StoreError::Invalid {
            what: POST,
            reason: "a score is 0 to 100".to_owned(),
        });
    }
    let n = tx
        .prepare_cached(
            "INSERT INTO group_posts (chat_user_id, marketplace, asin, deal_id, score, at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (chat_user_id, marketplace, asin) DO NOTHING",
        )
        .ctx(POST)?
        .execute(params![
            p.chat.0,
            marketplace_code(p.marketplace),
            p.asin.as_str(),
            p.deal.map(|d| d.0),
            i64::from(p.score),
            millis(p.at),
        ])
        .ctx(POST)?;
    Ok(n > 0)
}

/// Posts to a chat since a time, oldest first.
pub(super) fn posts(
    conn: &Connection,
    chat: UserId,
    since: DateTime<Utc>,
) -> StoreResult<Vec<GroupPost>> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM group_posts WHERE chat_user_id = ?1 AND at_ms >= ?2
         ORDER BY at_ms, marketplace, asin"
    );
    let mut stmt = conn.prepare_cached(&sql).ctx(POST)?;
    let rows = stmt
        .query_map(params![chat.0, millis(since)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .ctx(POST)?;
    let mut out = Vec::new();
    for r in rows {
        let (c, m, a, d, s, at) = r.ctx(POST)?;
        out.push(post_of(c, m, a, d, s, at)?);
    }
    Ok(out)
}
