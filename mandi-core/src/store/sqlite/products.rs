//! The products-and-history aggregate: products with their offers, reviews, browse nodes
//! and variations, price history, and the search log.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::rows::{
    Ctx, asin, availability, col, condition, from_json, marketplace, marketplace_code, money,
    money_parts, offer_kind, opt_time, origin, time, to_json,
};
use super::{collect, not_found, stats, user_exists};
use crate::domain::{
    Asin, BrowseNode, BrowseNodeRef, DealDetails, Image, Marketplace, Merchant, Offer, OfferKind,
    PricePoint, Product, Reviews, Savings, UserId, VariationAttribute,
};
use crate::ports::store::{HistoryQuery, SearchLog, StoreError, StoreResult};
use crate::store::millis;

pub(super) fn write_product(conn: &Connection, p: &Product) -> StoreResult<()> {
    const W: &str = "product";
    let m = marketplace_code(p.marketplace);
    let a = p.asin.as_str();
    conn.prepare_cached(
        "INSERT INTO products (marketplace, asin, title, brand, manufacturer, features_json,
             contributors_json, product_group, images_json, detail_page_url, parent_asin,
             variation_attributes_json, origin, fetched_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (marketplace, asin) DO UPDATE SET
             title = excluded.title, brand = excluded.brand,
             manufacturer = excluded.manufacturer, features_json = excluded.features_json,
             contributors_json = excluded.contributors_json,
             product_group = excluded.product_group, images_json = excluded.images_json,
             detail_page_url = excluded.detail_page_url, parent_asin = excluded.parent_asin,
             variation_attributes_json = excluded.variation_attributes_json,
             origin = excluded.origin, fetched_at_ms = excluded.fetched_at_ms",
    )
    .ctx(W)?
    .execute(params![
        m,
        a,
        p.title,
        p.brand,
        p.manufacturer,
        to_json(&p.features, W)?,
        to_json(&p.contributors, W)?,
        p.product_group,
        to_json(&p.images, W)?,
        p.detail_page_url,
        p.parent_asin.as_ref().map(Asin::as_str),
        to_json(&p.variation_attributes, W)?,
        p.origin.as_str(),
        millis(p.fetched_at),
    ])
    .ctx(W)?;

    conn.prepare_cached("DELETE FROM offers WHERE marketplace = ?1 AND asin = ?2")
        .ctx("offer")?
        .execute(params![m, a])
        .ctx("offer")?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO offers (marketplace, asin, position, listing_id, price_minor,
                 price_currency, list_price_minor, list_price_currency, savings_minor,
                 savings_currency, savings_percent, merchant_id, merchant_name,
                 fulfilled_by_amazon, condition, is_buy_box_winner, has_deal, deal_badge,
                 deal_access_type, deal_starts_at_ms, deal_ends_at_ms, deal_percent_claimed,
                 availability, availability_message, loyalty_points)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
        )
        .ctx("offer")?;
    for (i, o) in p.offers.iter().enumerate() {
        let (price, price_cur) = money_parts(o.price);
        let (list, list_cur) = money_parts(o.list_price);
        let (saved, saved_cur) = money_parts(o.savings.map(|s| s.amount));
        let deal = o.deal.as_ref();
        insert
            .execute(params![
                m,
                a,
                i as i64,
                o.listing_id,
                price,
                price_cur,
                list,
                list_cur,
                saved,
                saved_cur,
                o.savings.map(|s| s.percent),
                o.merchant.id,
                o.merchant.name,
                o.merchant.fulfilled_by_amazon,
                o.condition.as_str(),
                o.is_buy_box_winner,
                deal.is_some(),
                deal.and_then(|d| d.badge.as_deref()),
                deal.and_then(|d| d.access_type.as_deref()),
                deal.and_then(|d| d.starts_at).map(millis),
                deal.and_then(|d| d.ends_at).map(millis),
                deal.and_then(|d| d.percent_claimed),
                o.availability.as_str(),
                o.availability_message,
                o.loyalty_points,
            ])
            .ctx("offer")?;
    }

    conn.prepare_cached("DELETE FROM customer_reviews WHERE marketplace = ?1 AND asin = ?2")
        .ctx("customer reviews")?
        .execute(params![m, a])
        .ctx("customer reviews")?;
    if let Some(r) = p.reviews {
        conn.prepare_cached(
            "INSERT INTO customer_reviews (marketplace, asin, rating_centi, review_count)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .ctx("customer reviews")?
        .execute(params![m, a, r.rating_centi, r.count])
        .ctx("customer reviews")?;
        // The review history keeps a row each time the rating or the count changed.
        conn.prepare_cached(
            "INSERT INTO review_history (marketplace, asin, at_ms, rating_centi, review_count)
             SELECT ?1, ?2, ?3, ?4, ?5
             WHERE NOT EXISTS (
                 SELECT 1 FROM (SELECT rating_centi, review_count FROM review_history
                                WHERE marketplace = ?1 AND asin = ?2
                                ORDER BY at_ms DESC LIMIT 1) AS last
                 WHERE last.rating_centi = ?4 AND last.review_count = ?5)
             ON CONFLICT DO NOTHING",
        )
        .ctx("review history")?
        .execute(params![m, a, millis(p.fetched_at), r.rating_centi, r.count])
        .ctx("review history")?;
    }

    conn.prepare_cached("DELETE FROM product_browse_nodes WHERE marketplace = ?1 AND asin = ?2")
        .ctx("browse node")?
        .execute(params![m, a])
        .ctx("browse node")?;
    for (i, n) in p.browse_nodes.iter().enumerate() {
        write_node(conn, p.marketplace, n)?;
        conn.prepare_cached(
            "INSERT INTO product_browse_nodes (marketplace, asin, position, node_id, sales_rank)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .ctx("browse node")?
        .execute(params![m, a, i as i64, n.id, n.sales_rank])
        .ctx("browse node")?;
    }

    if let Some(parent) = p.parent_asin {
        link_variation(conn, p.marketplace, parent, p.asin, &p.variation_attributes)?;
    }

    insert_points(conn, &PricePoint::from_product(p))?;
    Ok(())
}

pub(super) fn link_variation(
    conn: &Connection,
    m: Marketplace,
    parent: Asin,
    child: Asin,
    attributes: &[VariationAttribute],
) -> StoreResult<()> {
    const W: &str = "variation";
    let m = marketplace_code(m);
    conn.prepare_cached(
        "DELETE FROM variations WHERE marketplace = ?1 AND child_asin = ?2 AND parent_asin <> ?3",
    )
    .ctx(W)?
    .execute(params![m, child.as_str(), parent.as_str()])
    .ctx(W)?;
    conn.prepare_cached(
        "INSERT INTO variations (marketplace, parent_asin, child_asin, attributes_json)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (marketplace, parent_asin, child_asin)
         DO UPDATE SET attributes_json = excluded.attributes_json",
    )
    .ctx(W)?
    .execute(params![
        m,
        parent.as_str(),
        child.as_str(),
        to_json(attributes, W)?
    ])
    .ctx(W)?;
    Ok(())
}

pub(super) fn write_node(conn: &Connection, m: Marketplace, n: &BrowseNode) -> StoreResult<()> {
    const W: &str = "browse node";
    let m = marketplace_code(m);
    conn.prepare_cached(
        "INSERT INTO browse_nodes (marketplace, id, name, context_free_name, is_root, children_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (marketplace, id) DO UPDATE SET
             name = excluded.name, context_free_name = excluded.context_free_name,
             is_root = excluded.is_root,
             children_json = CASE WHEN excluded.children_json = '[]'
                 THEN browse_nodes.children_json ELSE excluded.children_json END",
    )
    .ctx(W)?
    .execute(params![
        m,
        n.id,
        n.name,
        n.context_free_name,
        n.is_root,
        to_json(&n.children, W)?
    ])
    .ctx(W)?;
    if !n.ancestors.is_empty() {
        conn.prepare_cached(
            "DELETE FROM browse_node_ancestry WHERE marketplace = ?1 AND node_id = ?2",
        )
        .ctx(W)?
        .execute(params![m, n.id])
        .ctx(W)?;
        let mut insert = conn
            .prepare_cached(
                "INSERT INTO browse_node_ancestry
                     (marketplace, node_id, depth, ancestor_id, ancestor_name)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .ctx(W)?;
        for (i, anc) in n.ancestors.iter().enumerate() {
            insert
                .execute(params![m, n.id, i as i64 + 1, anc.id, anc.name])
                .ctx(W)?;
        }
    }
    Ok(())
}

pub(super) fn read_node(
    conn: &Connection,
    m: Marketplace,
    id: &str,
) -> StoreResult<Option<BrowseNode>> {
    const W: &str = "browse node";
    let code = marketplace_code(m);
    let found = conn
        .prepare_cached(
            "SELECT name, context_free_name, is_root, children_json
             FROM browse_nodes WHERE marketplace = ?1 AND id = ?2",
        )
        .ctx(W)?
        .query_row(params![code, id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .optional()
        .ctx(W)?;
    let Some((name, context_free_name, is_root, children)) = found else {
        return Ok(None);
    };
    let mut stmt = conn
        .prepare_cached(
            "SELECT ancestor_id, ancestor_name FROM browse_node_ancestry
             WHERE marketplace = ?1 AND node_id = ?2 ORDER BY depth",
        )
        .ctx(W)?;
    let ancestors = stmt
        .query_map(params![code, id], |r| {
            Ok(BrowseNodeRef {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .ctx(W)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .ctx(W)?;
    Ok(Some(BrowseNode {
        id: id.to_owned(),
        name,
        context_free_name,
        is_root,
        ancestors,
        children: from_json(&children, W)?,
        sales_rank: None,
    }))
}

pub(super) fn read_offer(r: &Row<'_>) -> StoreResult<Offer> {
    const W: &str = "offer";
    let savings = match money(col(r, 6, W)?, col(r, 7, W)?, W)? {
        Some(amount) => Some(Savings {
            amount,
            percent: col::<Option<u8>>(r, 8, W)?.unwrap_or(0),
        }),
        None => None,
    };
    let deal = if col::<bool>(r, 14, W)? {
        Some(DealDetails {
            badge: col(r, 15, W)?,
            access_type: col(r, 16, W)?,
            starts_at: opt_time(col(r, 17, W)?, W)?,
            ends_at: opt_time(col(r, 18, W)?, W)?,
            percent_claimed: col(r, 19, W)?,
        })
    } else {
        None
    };
    Ok(Offer {
        listing_id: col(r, 1, W)?,
        price: money(col(r, 2, W)?, col(r, 3, W)?, W)?,
        list_price: money(col(r, 4, W)?, col(r, 5, W)?, W)?,
        savings,
        merchant: Merchant {
            id: col(r, 9, W)?,
            name: col(r, 10, W)?,
            fulfilled_by_amazon: col(r, 11, W)?,
        },
        condition: condition(&col::<String>(r, 12, W)?, W)?,
        is_buy_box_winner: col(r, 13, W)?,
        deal,
        availability: availability(&col::<String>(r, 20, W)?, W)?,
        availability_message: col(r, 21, W)?,
        loyalty_points: col(r, 22, W)?,
    })
}

pub(super) fn read_product(
    conn: &Connection,
    m: Marketplace,
    a: Asin,
) -> StoreResult<Option<Product>> {
    const W: &str = "product";
    let code = marketplace_code(m);
    let mut stmt = conn
        .prepare_cached(
            "SELECT title, brand, manufacturer, features_json, contributors_json, product_group,
                 images_json, detail_page_url, parent_asin, variation_attributes_json, origin,
                 fetched_at_ms
             FROM products WHERE marketplace = ?1 AND asin = ?2",
        )
        .ctx(W)?;
    let mut found = stmt
        .query_map(params![code, a.as_str()], |r| {
            Ok((|| -> StoreResult<Product> {
                let images: Vec<Image> = from_json(&col::<String>(r, 6, W)?, W)?;
                let attributes: Vec<VariationAttribute> = from_json(&col::<String>(r, 9, W)?, W)?;
                Ok(Product {
                    asin: a,
                    marketplace: m,
                    title: col(r, 0, W)?,
                    brand: col(r, 1, W)?,
                    manufacturer: col(r, 2, W)?,
                    features: from_json(&col::<String>(r, 3, W)?, W)?,
                    contributors: from_json(&col::<String>(r, 4, W)?, W)?,
                    product_group: col(r, 5, W)?,
                    images,
                    detail_page_url: col(r, 7, W)?,
                    browse_nodes: Vec::new(),
                    parent_asin: col::<Option<String>>(r, 8, W)?
                        .map(|t| asin(&t, W))
                        .transpose()?,
                    variation_attributes: attributes,
                    offers: Vec::new(),
                    reviews: None,
                    fetched_at: time(col(r, 11, W)?, W)?,
                    origin: origin(&col::<String>(r, 10, W)?, W)?,
                })
            })())
        })
        .ctx(W)?;
    let Some(product) = found.next() else {
        return Ok(None);
    };
    let mut product = product.ctx(W)??;
    drop(found);

    let mut stmt = conn
        .prepare_cached(
            "SELECT position, listing_id, price_minor, price_currency, list_price_minor,
                 list_price_currency, savings_minor, savings_currency, savings_percent,
                 merchant_id, merchant_name, fulfilled_by_amazon, condition, is_buy_box_winner,
                 has_deal, deal_badge, deal_access_type, deal_starts_at_ms, deal_ends_at_ms,
                 deal_percent_claimed, availability, availability_message, loyalty_points
             FROM offers WHERE marketplace = ?1 AND asin = ?2 ORDER BY position",
        )
        .ctx("offer")?;
    product.offers = collect(
        stmt.query_map(params![code, a.as_str()], |r| Ok(read_offer(r)))
            .ctx("offer")?,
        "offer",
    )?;

    product.reviews = conn
        .prepare_cached(
            "SELECT rating_centi, review_count FROM customer_reviews
             WHERE marketplace = ?1 AND asin = ?2",
        )
        .ctx("customer reviews")?
        .query_row(params![code, a.as_str()], |r| {
            Ok(Reviews {
                rating_centi: r.get(0)?,
                count: r.get(1)?,
            })
        })
        .optional()
        .ctx("customer reviews")?;

    let links: Vec<(String, Option<u32>)> = conn
        .prepare_cached(
            "SELECT node_id, sales_rank FROM product_browse_nodes
             WHERE marketplace = ?1 AND asin = ?2 ORDER BY position",
        )
        .ctx("browse node")?
        .query_map(params![code, a.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .ctx("browse node")?
        .collect::<rusqlite::Result<_>>()
        .ctx("browse node")?;
    for (id, sales_rank) in links {
        let mut node = read_node(conn, m, &id)?.ok_or_else(|| StoreError::Corrupt {
            what: "browse node",
            detail: format!("{a} refers to browse node {id}, which is not stored"),
        })?;
        node.sales_rank = sales_rank;
        product.browse_nodes.push(node);
    }
    Ok(Some(product))
}

pub(super) fn insert_points(conn: &Connection, points: &[PricePoint]) -> StoreResult<usize> {
    const W: &str = "price point";
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO price_history (marketplace, asin, offer_kind, at_ms, price_minor,
                 price_currency, list_price_minor, list_price_currency, availability,
                 deal_badge, origin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (marketplace, asin, offer_kind, at_ms) DO NOTHING",
        )
        .ctx(W)?;
    let mut added = 0;
    // The aggregates of the points actually added, per product and offer kind: written once
    // per group after the inserts, not once per point.
    let mut groups = crate::store::StatsGroups::new();
    for p in points {
        let (price, price_cur) = money_parts(p.price);
        let (list, list_cur) = money_parts(p.list_price);
        let inserted = stmt
            .execute(params![
                marketplace_code(p.marketplace),
                p.asin.as_str(),
                p.offer_kind.as_str(),
                millis(p.at),
                price,
                price_cur,
                list,
                list_cur,
                p.availability.as_str(),
                p.deal_badge,
                p.origin.as_str(),
            ])
            .ctx(W)?;
        if inserted > 0 {
            crate::store::fold_into_groups(&mut groups, p);
        }
        added += inserted;
    }
    for ((m, a, kind), new) in &groups {
        stats::absorb(conn, *m, *a, *kind, new)?;
    }
    Ok(added)
}

pub(super) fn read_history(conn: &Connection, q: &HistoryQuery) -> StoreResult<Vec<PricePoint>> {
    const W: &str = "price point";
    let mut sql = String::from(
        "SELECT offer_kind, at_ms, price_minor, price_currency, list_price_minor,
             list_price_currency, availability, deal_badge, origin
         FROM price_history WHERE marketplace = ?1 AND asin = ?2",
    );
    let mut args: Vec<rusqlite::types::Value> = vec![
        marketplace_code(q.marketplace).to_owned().into(),
        q.asin.as_str().to_owned().into(),
    ];
    if let Some(kind) = q.offer_kind {
        args.push(kind.as_str().to_owned().into());
        sql.push_str(&format!(" AND offer_kind = ?{}", args.len()));
    }
    if let Some(since) = q.since {
        args.push(millis(since).into());
        sql.push_str(&format!(" AND at_ms >= ?{}", args.len()));
    }
    if let Some(until) = q.until {
        args.push(millis(until).into());
        sql.push_str(&format!(" AND at_ms < ?{}", args.len()));
    }
    sql.push_str(" ORDER BY at_ms, offer_kind");
    let mut stmt = conn.prepare_cached(&sql).ctx(W)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            Ok((|| -> StoreResult<PricePoint> {
                Ok(PricePoint {
                    marketplace: q.marketplace,
                    asin: q.asin,
                    offer_kind: offer_kind(&col::<String>(r, 0, W)?, W)?,
                    at: time(col(r, 1, W)?, W)?,
                    price: money(col(r, 2, W)?, col(r, 3, W)?, W)?,
                    list_price: money(col(r, 4, W)?, col(r, 5, W)?, W)?,
                    availability: availability(&col::<String>(r, 6, W)?, W)?,
                    deal_badge: col(r, 7, W)?,
                    origin: origin(&col::<String>(r, 8, W)?, W)?,
                })
            })())
        })
        .ctx(W)?;
    collect(rows, W)
}

pub(super) fn variation_children_tx(
    conn: &Connection,
    marketplace: Marketplace,
    parent: Asin,
) -> StoreResult<Vec<Asin>> {
    let texts: Vec<String> = conn
        .prepare_cached(
            "SELECT child_asin FROM variations
             WHERE marketplace = ?1 AND parent_asin = ?2 ORDER BY child_asin",
        )
        .ctx("variation")?
        .query_map(
            params![marketplace_code(marketplace), parent.as_str()],
            |r| r.get(0),
        )
        .ctx("variation")?
        .collect::<rusqlite::Result<_>>()
        .ctx("variation")?;
    texts.iter().map(|t| asin(t, "variation")).collect()
}

/// Deletes the stored points of `query` (one offer kind) whose times are not in `keep`.
pub(super) fn retain_history(
    tx: &Connection,
    query: &HistoryQuery,
    kind: OfferKind,
    keep: &HashSet<i64>,
) -> StoreResult<usize> {
    let stored = read_history(tx, query)?;
    let mut delete = tx
        .prepare_cached(
            "DELETE FROM price_history
             WHERE marketplace = ?1 AND asin = ?2 AND offer_kind = ?3 AND at_ms = ?4",
        )
        .ctx("price point")?;
    let mut deleted = 0;
    for p in stored.iter().filter(|p| !keep.contains(&millis(p.at))) {
        deleted += delete
            .execute(params![
                marketplace_code(query.marketplace),
                query.asin.as_str(),
                kind.as_str(),
                millis(p.at)
            ])
            .ctx("price point")?;
    }
    Ok(deleted)
}

/// Writes a variation family's children and links each to `parent`.
pub(super) fn write_variations(
    tx: &Connection,
    marketplace: Marketplace,
    parent: Asin,
    children: &[Product],
) -> StoreResult<()> {
    for child in children {
        write_product(tx, child)?;
        link_variation(
            tx,
            marketplace,
            parent,
            child.asin,
            &child.variation_attributes,
        )?;
    }
    Ok(())
}

/// Logs one search.
pub(super) fn record_search(tx: &Connection, log: &SearchLog) -> StoreResult<()> {
    if let Some(user) = log.user_id
        && !user_exists(tx, user)?
    {
        return Err(not_found("user", user));
    }
    tx.prepare_cached(
        "INSERT INTO search_queries (user_id, marketplace, query, result_count, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .ctx("search")?
    .execute(params![
        log.user_id.map(|u| u.0),
        marketplace_code(log.marketplace),
        log.query,
        log.result_count,
        millis(log.at),
    ])
    .ctx("search")?;
    Ok(())
}

/// The newest searches (of one user, or of everybody), at most `limit`.
pub(super) fn recent_searches(
    conn: &Connection,
    user: Option<UserId>,
    limit: i64,
) -> StoreResult<Vec<SearchLog>> {
    const W: &str = "search";
    let mut stmt = conn
        .prepare_cached(
            "SELECT user_id, marketplace, query, result_count, at_ms FROM search_queries
             WHERE (?1 IS NULL OR user_id = ?1) ORDER BY at_ms DESC, id DESC LIMIT ?2",
        )
        .ctx(W)?;
    let rows = stmt
        .query_map(params![user.map(|u| u.0), limit], |r| {
            Ok((|| -> StoreResult<SearchLog> {
                Ok(SearchLog {
                    user_id: col::<Option<i64>>(r, 0, W)?.map(UserId),
                    marketplace: marketplace(&col::<String>(r, 1, W)?, W)?,
                    query: col(r, 2, W)?,
                    result_count: col(r, 3, W)?,
                    at: time(col(r, 4, W)?, W)?,
                })
            })())
        })
        .ctx(W)?;
    collect(rows, W)
}

/// The products filed under any of the browse nodes in `ids` (a JSON array), at most `limit`.
pub(super) fn products_in_nodes(
    conn: &Connection,
    m: Marketplace,
    ids: &str,
    limit: i64,
) -> StoreResult<Vec<Asin>> {
    const W: &str = "products in nodes";
    let texts: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT asin FROM product_browse_nodes
             WHERE marketplace = ?1 AND node_id IN (SELECT value FROM json_each(?2))
             ORDER BY asin LIMIT ?3",
        )
        .ctx(W)?
        .query_map(params![marketplace_code(m), ids, limit], |r| r.get(0))
        .ctx(W)?
        .collect::<rusqlite::Result<_>>()
        .ctx(W)?;
    texts.iter().map(|t| asin(t, W)).collect()
}

/// Several products in one read.
pub(super) fn products(
    conn: &Connection,
    marketplace: Marketplace,
    asins: &[Asin],
) -> StoreResult<Vec<Product>> {
    let mut found = Vec::with_capacity(asins.len());
    for a in asins {
        if let Some(p) = read_product(conn, marketplace, *a)? {
            found.push(p);
        }
    }
    Ok(found)
}

/// Several histories in one read.
pub(super) fn histories(
    conn: &Connection,
    queries: &[HistoryQuery],
) -> StoreResult<Vec<Vec<PricePoint>>> {
    queries.iter().map(|q| read_history(conn, q)).collect()
}

/// A product's review history in time order.
pub(super) fn review_history(
    conn: &Connection,
    m: Marketplace,
    a: Asin,
) -> StoreResult<Vec<crate::domain::ReviewObservation>> {
    const W: &str = "review history";
    let mut stmt = conn
        .prepare_cached(
            "SELECT at_ms, rating_centi, review_count FROM review_history
             WHERE marketplace = ?1 AND asin = ?2 ORDER BY at_ms",
        )
        .ctx(W)?;
    collect(
        stmt.query_map(params![marketplace_code(m), a.as_str()], |r| {
            Ok((|| -> StoreResult<crate::domain::ReviewObservation> {
                Ok(crate::domain::ReviewObservation {
                    at: time(col(r, 0, W)?, W)?,
                    reviews: Reviews {
                        rating_centi: col(r, 1, W)?,
                        count: col(r, 2, W)?,
                    },
                })
            })())
        })
        .ctx(W)?,
        W,
    )
}
