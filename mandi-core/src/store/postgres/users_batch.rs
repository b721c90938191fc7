//! Users listing, identity moves and batched reads (issue #14), kept apart from the
//! aggregate files so the trait impl only forwards here.

use super::shim::{Conn, params};

use super::rows::Ctx;
use super::{USER_COLUMNS, not_found, read_history, read_product, read_user};
use crate::domain::{Asin, ExternalIdentity, Marketplace, PricePoint, Product, User, UserId};
use crate::ports::store::{HistoryQuery, StoreError, StoreResult};

/// Users in id order after `after`, at most `limit`.
pub(super) async fn list_users(
    conn: &Conn<'_>,
    after: Option<UserId>,
    limit: usize,
) -> StoreResult<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id > $1 ORDER BY id LIMIT $2");
    let stmt = conn.prepare_cached(&sql).ctx("user")?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![after.map_or(i64::MIN, |a| a.0), limit], |r| {
            Ok(read_user(r))
        })
        .await
        .ctx("user")?;
    let mut users = Vec::new();
    for r in rows {
        users.push(r.ctx("user")??);
    }
    Ok(users)
}

/// Gives a user a new identity, refusing one another user holds.
pub(super) async fn update_identity(
    tx: &Conn<'_>,
    id: UserId,
    identity: &ExternalIdentity,
) -> StoreResult<()> {
    let holder: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM users WHERE identity_provider = $1 AND identity_subject = $2",
        )
        .ctx("user")?
        .query_map(params![identity.provider, identity.subject], |r| r.get(0))
        .await
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
            "UPDATE users SET identity_provider = $2, identity_subject = $3 WHERE id = $1",
        )
        .ctx("user")?
        .execute(params![id.0, identity.provider, identity.subject])
        .await
        .ctx("user")?;
    if changed == 0 {
        return Err(not_found("user", id));
    }
    Ok(())
}

/// Several products in one read.
pub(super) async fn products(
    conn: &Conn<'_>,
    marketplace: Marketplace,
    asins: &[Asin],
) -> StoreResult<Vec<Product>> {
    let mut found = Vec::with_capacity(asins.len());
    for a in asins {
        if let Some(p) = read_product(conn, marketplace, *a).await? {
            found.push(p);
        }
    }
    Ok(found)
}

/// Several histories in one read.
pub(super) async fn histories(
    conn: &Conn<'_>,
    queries: &[HistoryQuery],
) -> StoreResult<Vec<Vec<PricePoint>>> {
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        out.push(read_history(conn, q).await?);
    }
    Ok(out)
}
