//! Quarantined observations (the data-quality guard's held reads) in PostgreSQL.

use super::rows::{Ctx, marketplace_code};
use super::shim::{self, Conn, params};
use crate::domain::{Asin, Marketplace};
use crate::ports::store::{PriceUpdate, QuarantinedObservation, StoreResult};
use crate::store::decode::opt_time;
use crate::store::{millis, quarantine_json, quarantine_row};

const W: &str = "quarantine";

/// Inside an update's transaction: holds its suspect observation (once per product and
/// time) and settles the pending quarantines it names.
pub(super) async fn hold_and_settle(conn: &Conn<'_>, u: &PriceUpdate) -> StoreResult<()> {
    if let Some(q) = &u.quarantine {
        let p = &q.product;
        conn.prepare_cached(
            "INSERT INTO quarantined_observations
                 (marketplace, asin, observed_at_ms, reason, product_json)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (marketplace, asin, observed_at_ms) DO NOTHING",
        )
        .ctx(W)?
        .execute(params![
            marketplace_code(p.marketplace),
            p.asin.as_str(),
            millis(p.fetched_at),
            q.reason.as_str(),
            quarantine_json(p)?,
        ])
        .await
        .ctx(W)?;
    }
    for s in &u.settle {
        conn.prepare_cached(
            "UPDATE quarantined_observations SET status = $2, settled_at_ms = $3
             WHERE id = $1 AND status = 'pending'",
        )
        .ctx(W)?
        .execute(params![s.id.0, s.status.as_str(), millis(s.at)])
        .await
        .ctx(W)?;
    }
    Ok(())
}

/// The quarantined observations of some products, by ASIN then time, in one read.
pub(super) async fn quarantined(
    conn: &Conn<'_>,
    marketplace: Marketplace,
    asins: &[Asin],
    pending_only: bool,
) -> StoreResult<Vec<QuarantinedObservation>> {
    let asins: Vec<String> = asins.iter().map(|a| a.as_str().to_owned()).collect();
    let sql = if pending_only {
        "SELECT id, product_json, reason, status, settled_at_ms
         FROM quarantined_observations
         WHERE marketplace = $1 AND asin = ANY($2::TEXT[]) AND status = 'pending'
         ORDER BY asin, observed_at_ms, id"
    } else {
        "SELECT id, product_json, reason, status, settled_at_ms
         FROM quarantined_observations
         WHERE marketplace = $1 AND asin = ANY($2::TEXT[])
         ORDER BY asin, observed_at_ms, id"
    };
    let rows = conn
        .prepare_cached(sql)
        .ctx(W)?
        .query_map(params![marketplace_code(marketplace), asins], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })
        .await
        .ctx(W)?
        .collect::<shim::Result<Vec<_>>>()
        .ctx(W)?;
    rows.into_iter()
        .map(|(id, json, reason, status, settled)| {
            quarantine_row(id, &json, &reason, &status, opt_time(settled, W)?)
        })
        .collect()
}
