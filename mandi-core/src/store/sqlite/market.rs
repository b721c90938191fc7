//! Market intelligence reads and the click log (issue 18): the market snapshot behind
//! reports, co-watch counts behind recommendations, and product clicks (migration 0007).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::rows::{Ctx, asin, marketplace, marketplace_code, money, time};
use crate::domain::{Asin, BrowseNodeRef, Marketplace, UserId};
use crate::ports::store::{CoWatch, MarketRow, ProductClick, StoreError, StoreResult};
use crate::store::market_rows::RowBuilder;
use crate::store::millis;

const W: &str = "market snapshot";

/// The products in a browse node (itself or below it), as a subquery on `?1` (marketplace)
/// and `?3` (node); the indexes on `product_browse_nodes (marketplace, node_id)` and
/// `browse_node_ancestry (marketplace, ancestor_id)` answer it.
/// (The node and its descendants as one list, not `node_id = ?3 OR …`, which would make
/// SQLite read every product of the marketplace.)
const MEMBERS: &str = "SELECT asin FROM product_browse_nodes
     WHERE marketplace = ?1 AND node_id IN (
         SELECT ?3 UNION ALL SELECT node_id FROM browse_node_ancestry
         WHERE marketplace = ?1 AND ancestor_id = ?3)";

/// The market snapshot in two reads: the products' leaf categories, then every known
/// buy-box price up to the last moment in (ASIN, time) order, folded in one pass. With a
/// category both reads are narrowed to its products in SQL, so the history read touches only
/// their rows (through the `(marketplace, asin, offer_kind, at_ms)` index), not the whole
/// table.
pub(super) fn snapshot(
    conn: &Connection,
    market: Marketplace,
    category: Option<&str>,
    moments: &[DateTime<Utc>],
) -> StoreResult<Vec<MarketRow>> {
    let code = marketplace_code(market);
    let ms: Vec<i64> = moments.iter().map(|m| millis(*m)).collect();
    let last = ms.last().copied().unwrap_or(i64::MAX);
    // Leaf categories of the products (of `category` when given).
    let mut leaves: HashMap<String, BrowseNodeRef> = HashMap::new();
    {
        let base = "SELECT p.asin, p.node_id, n.name FROM product_browse_nodes p
             JOIN browse_nodes n ON n.marketplace = p.marketplace AND n.id = p.node_id
             WHERE p.marketplace = ?1 AND p.position = 0";
        let sql = match category {
            None => base.to_owned(),
            Some(_) => format!("{base} AND p.asin IN ({MEMBERS})"),
        };
        let mut stmt = conn.prepare_cached(&sql).ctx(W)?;
        let map = |r: &rusqlite::Row<'_>| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        };
        let rows = match category {
            None => stmt.query_map(params![code], map),
            Some(node) => stmt.query_map(params![code, last, node], map),
        }
        .ctx(W)?;
        for row in rows {
            let (a, id, name) = row.ctx(W)?;
            leaves.insert(a, BrowseNodeRef { id, name });
        }
    }
    let base = "SELECT asin, at_ms, price_minor, price_currency FROM price_history
         WHERE marketplace = ?1 AND offer_kind = 'buy_box' AND price_minor IS NOT NULL
           AND at_ms <= ?2";
    let sql = match category {
        None => format!("{base} ORDER BY asin, at_ms"),
        Some(_) => format!("{base} AND asin IN ({MEMBERS}) ORDER BY asin, at_ms"),
    };
    let mut stmt = conn.prepare_cached(&sql).ctx(W)?;
    let mut rows = match category {
        None => stmt.query(params![code, last]),
        Some(node) => stmt.query(params![code, last, node]),
    }
    .ctx(W)?;
    let mut out = Vec::new();
    let mut current: Option<(String, RowBuilder<'_>)> = None;
    let flush =
        |current: Option<(String, RowBuilder<'_>)>, out: &mut Vec<MarketRow>| -> StoreResult<()> {
            if let Some((text, builder)) = current {
                let category = leaves.get(&text).cloned();
                if let Some(row) = builder.finish(asin(&text, W)?, category) {
                    out.push(row);
                }
            }
            Ok(())
        };
    while let Some(r) = rows.next().ctx(W)? {
        let text: String = r.get(0).ctx(W)?;
        let at: i64 = r.get(1).ctx(W)?;
        let Some(price) = money(r.get(2).ctx(W)?, r.get(3).ctx(W)?, W)? else {
            continue;
        };
        if current.as_ref().is_none_or(|(a, _)| *a != text) {
            flush(current.take(), &mut out)?;
            current = Some((text, RowBuilder::new(&ms)));
        }
        if let Some((_, b)) = current.as_mut() {
            b.push(at, price);
        }
    }
    flush(current.take(), &mut out)?;
    Ok(out)
}

/// Products co-watched with `asins`.
pub(super) fn co_watched(
    conn: &Connection,
    market: Marketplace,
    asins: &[Asin],
    limit: usize,
) -> StoreResult<Vec<CoWatch>> {
    const W: &str = "co-watch";
    if asins.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let list: Vec<String> = asins.iter().map(ToString::to_string).collect();
    let ids = serde_json::to_string(&list).map_err(|e| StoreError::Invalid {
        what: "ASIN list",
        reason: format!("cannot be encoded: {e}"),
    })?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn
        .prepare_cached(
            "SELECT o.asin, COUNT(DISTINCT o.user_id) AS n FROM watches o
             WHERE o.marketplace = ?1 AND o.state = 'active'
               AND o.asin NOT IN (SELECT value FROM json_each(?2))
               AND o.user_id IN (
                   SELECT w.user_id FROM watches w
                   WHERE w.marketplace = ?1 AND w.state = 'active'
                     AND w.asin IN (SELECT value FROM json_each(?2)))
             GROUP BY o.asin ORDER BY n DESC, o.asin LIMIT ?3",
        )
        .ctx(W)?;
    let rows = stmt
        .query_map(params![marketplace_code(market), ids, limit], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .ctx(W)?;
    let mut out = Vec::new();
    for row in rows {
        let (text, n) = row.ctx(W)?;
        out.push(CoWatch {
            asin: asin(&text, W)?,
            users: u32::try_from(n).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

/// Records a click (the caller checked the user exists).
pub(super) fn record_click(tx: &Connection, click: &ProductClick) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO product_clicks (user_id, marketplace, asin, at_ms) VALUES (?1, ?2, ?3, ?4)",
    )
    .ctx("click")?
    .execute(params![
        click.user_id.0,
        marketplace_code(click.marketplace),
        click.asin.to_string(),
        millis(click.at),
    ])
    .ctx("click")?;
    Ok(())
}

/// A user's clicks since a moment, newest first.
pub(super) fn clicks(
    conn: &Connection,
    user: UserId,
    since: DateTime<Utc>,
    limit: usize,
) -> StoreResult<Vec<ProductClick>> {
    const W: &str = "click";
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn
        .prepare_cached(
            "SELECT marketplace, asin, at_ms FROM product_clicks
             WHERE user_id = ?1 AND at_ms >= ?2 ORDER BY at_ms DESC, id DESC LIMIT ?3",
        )
        .ctx(W)?;
    let rows = stmt
        .query_map(params![user.0, millis(since), limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .ctx(W)?;
    let mut out = Vec::new();
    for row in rows {
        let (m, a, at) = row.ctx(W)?;
        out.push(ProductClick {
            user_id: user,
            marketplace: marketplace(&m, W)?,
            asin: asin(&a, W)?,
            at: time(at, W)?,
        });
    }
    Ok(out)
}
