//! The usage aggregate: API calls per source and day (`api_usage`).

use chrono::NaiveDate;
use rusqlite::{Connection, params};

use super::rows::Ctx;
use crate::ports::store::{ApiUsage, ApiUsageTotals, StoreResult};
use crate::store::{day_bounds_ms, millis};

/// Records one API call.
pub(super) fn record_api_usage(tx: &Connection, usage: &ApiUsage) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO api_usage (source, operation, at_ms, items, ok)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .ctx("api usage")?
    .execute(params![
        usage.source,
        usage.operation,
        millis(usage.at),
        usage.items,
        usage.ok,
    ])
    .ctx("api usage")?;
    Ok(())
}

/// The totals of one source on one (UTC) day.
pub(super) fn api_usage(
    conn: &Connection,
    source: &str,
    day: NaiveDate,
) -> StoreResult<ApiUsageTotals> {
    let (start, end) = day_bounds_ms(day);
    let (calls, failed, items): (i64, i64, i64) = conn
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(1 - ok), 0), COALESCE(SUM(items), 0)
             FROM api_usage WHERE source = ?1 AND at_ms >= ?2 AND at_ms < ?3",
        )
        .ctx("api usage")?
        .query_row(params![source, start, end], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .ctx("api usage")?;
    let clamp = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(ApiUsageTotals {
        calls: clamp(calls),
        failed: clamp(failed),
        items: clamp(items),
    })
}
