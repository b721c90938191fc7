//! Quarantined observations (the data-quality guard's held reads) in SQLite.

use rusqlite::{Connection, params};

use super::rows::{Ctx, marketplace_code};
use crate::domain::{Asin, Marketplace};
use crate::ports::store::{PriceUpdate, QuarantinedObservation, StoreResult};
use crate::store::decode::opt_time;
use crate::store::{millis, quarantine_json, quarantine_row};

const W: &str = "quarantine";

/// Inside an update's transaction: holds its suspect observation (once per product and
/// time) and settles the pending quarantines it names.
pub(super) fn hold_and_settle(conn: &Connection, u: &PriceUpdate) -> StoreResult<()> {
    if let Some(q) = &u.quarantine {
        let p = &q.product;
        conn.prepare_cached(
            "INSERT INTO quarantined_observations
                 (marketplace, asin, observed_at_ms, reason, product_json)
             VALUES (?1, ?2, ?3, ?4, ?5)
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
        .ctx(W)?;
    }
    for s in &u.settle {
        conn.prepare_cached(
            "UPDATE quarantined_observations SET status = ?2, settled_at_ms = ?3
             WHERE id = ?1 AND status = 'pending'",
        )
        .ctx(W)?
        .execute(params![s.id.0, s.status.as_str(), millis(s.at)])
        .ctx(W)?;
    }
    Ok(())
}

/// The quarantined observations of some products, by ASIN then time.
pub(super) fn quarantined(
    conn: &Connection,
    marketplace: Marketplace,
    asins: &[Asin],
    pending_only: bool,
) -> StoreResult<Vec<QuarantinedObservation>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, product_json, reason, status, settled_at_ms
             FROM quarantined_observations
             WHERE marketplace = ?1 AND asin = ?2 AND (?3 = 0 OR status = 'pending')
             ORDER BY observed_at_ms, id",
        )
        .ctx(W)?;
    let mut sorted: Vec<&Asin> = asins.iter().collect();
    sorted.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    sorted.dedup();
    let mut out = Vec::new();
    for asin in sorted {
        let rows = stmt
            .query_map(
                params![marketplace_code(marketplace), asin.as_str(), pending_only],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                    ))
                },
            )
            .ctx(W)?;
        for row in rows {
            let (id, json, reason, status, settled) = row.ctx(W)?;
            out.push(quarantine_row(
                id,
                &json,
                &reason,
                &status,
                opt_time(settled, W)?,
            )?);
        }
    }
    Ok(out)
}
