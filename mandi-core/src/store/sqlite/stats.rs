//! The running aggregates of price history (`price_stats`, migration 0005) and the batched
//! price-update write.

use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{Ctx, availability, col, marketplace_code, money, opt_time, time};
use chrono::{DateTime, Utc};

use crate::domain::{Asin, Currency, Marketplace, Money, OfferKind};
use crate::ports::store::{PriceStats, StoreResult};

const W: &str = "price stats";

/// Folds the aggregates of newly added points (`new`, folded with `PriceStats::absorb`) into
/// the stored ones of their product and offer kind, in one statement; every right-hand side
/// reads the row as it was.
pub(super) fn absorb(
    conn: &Connection,
    m: Marketplace,
    a: Asin,
    kind: OfferKind,
    new: &PriceStats,
) -> StoreResult<()> {
    let Some(c) = crate::store::StatsColumns::of(new) else {
        return Ok(());
    };
    conn.prepare_cached(
        "INSERT INTO price_stats (marketplace, asin, offer_kind, first_known_at_ms, last_at_ms,
             last_price_at_ms, last_price_minor, last_price_currency, last_availability_at_ms,
             last_availability, low_minor, low_currency, high_minor, high_currency)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (marketplace, asin, offer_kind) DO UPDATE SET
             first_known_at_ms = CASE WHEN excluded.first_known_at_ms IS NOT NULL
                 AND (first_known_at_ms IS NULL OR excluded.first_known_at_ms < first_known_at_ms)
                 THEN excluded.first_known_at_ms ELSE first_known_at_ms END,
             last_at_ms = MAX(last_at_ms, excluded.last_at_ms),
             last_price_at_ms = CASE WHEN excluded.last_price_at_ms IS NOT NULL
                 AND (last_price_at_ms IS NULL OR excluded.last_price_at_ms >= last_price_at_ms)
                 THEN excluded.last_price_at_ms ELSE last_price_at_ms END,
             last_price_minor = CASE WHEN excluded.last_price_at_ms IS NOT NULL
                 AND (last_price_at_ms IS NULL OR excluded.last_price_at_ms >= last_price_at_ms)
                 THEN excluded.last_price_minor ELSE last_price_minor END,
             last_price_currency = CASE WHEN excluded.last_price_at_ms IS NOT NULL
                 AND (last_price_at_ms IS NULL OR excluded.last_price_at_ms >= last_price_at_ms)
                 THEN excluded.last_price_currency ELSE last_price_currency END,
             last_availability_at_ms = CASE WHEN excluded.last_availability_at_ms IS NOT NULL
                 AND (last_availability_at_ms IS NULL
                      OR excluded.last_availability_at_ms >= last_availability_at_ms)
                 THEN excluded.last_availability_at_ms ELSE last_availability_at_ms END,
             last_availability = CASE WHEN excluded.last_availability_at_ms IS NOT NULL
                 AND (last_availability_at_ms IS NULL
                      OR excluded.last_availability_at_ms >= last_availability_at_ms)
                 THEN excluded.last_availability ELSE last_availability END,
             low_minor = CASE WHEN excluded.low_minor IS NOT NULL
                 AND (low_minor IS NULL OR excluded.low_minor < low_minor)
                 THEN excluded.low_minor ELSE low_minor END,
             low_currency = CASE WHEN excluded.low_minor IS NOT NULL
                 AND (low_minor IS NULL OR excluded.low_minor < low_minor)
                 THEN excluded.low_currency ELSE low_currency END,
             high_minor = CASE WHEN excluded.high_minor IS NOT NULL
                 AND (high_minor IS NULL OR excluded.high_minor > high_minor)
                 THEN excluded.high_minor ELSE high_minor END,
             high_currency = CASE WHEN excluded.high_minor IS NOT NULL
                 AND (high_minor IS NULL OR excluded.high_minor > high_minor)
                 THEN excluded.high_currency ELSE high_currency END",
    )
    .ctx(W)?
    .execute(params![
        marketplace_code(m),
        a.as_str(),
        kind.as_str(),
        c.first_known_at_ms,
        c.last_at_ms,
        c.last_price_at_ms,
        c.last_price_minor,
        c.last_price_currency,
        c.last_availability_at_ms,
        c.last_availability,
        c.low_minor,
        c.low_currency,
        c.high_minor,
        c.high_currency,
    ])
    .ctx(W)?;
    Ok(())
}

/// The stored aggregates of one product and offer kind.
pub(super) fn read(
    conn: &Connection,
    m: Marketplace,
    a: Asin,
    kind: OfferKind,
) -> StoreResult<Option<PriceStats>> {
    conn.prepare_cached(
        "SELECT first_known_at_ms, last_at_ms, last_price_at_ms, last_price_minor,
             last_price_currency, last_availability_at_ms, last_availability, low_minor,
             low_currency, high_minor, high_currency
         FROM price_stats WHERE marketplace = ?1 AND asin = ?2 AND offer_kind = ?3",
    )
    .ctx(W)?
    .query_row(
        params![marketplace_code(m), a.as_str(), kind.as_str()],
        |r| {
            Ok((|| -> StoreResult<PriceStats> {
                let last_price = match (
                    col::<Option<i64>>(r, 2, W)?,
                    money(col(r, 3, W)?, col(r, 4, W)?, W)?,
                ) {
                    (Some(at), Some(m)) => Some((time(at, W)?, m)),
                    _ => None,
                };
                let last_availability = match (
                    col::<Option<i64>>(r, 5, W)?,
                    col::<Option<String>>(r, 6, W)?,
                ) {
                    (Some(at), Some(text)) => Some((time(at, W)?, availability(&text, W)?)),
                    _ => None,
                };
                Ok(PriceStats {
                    first_known_at: opt_time(col(r, 0, W)?, W)?,
                    last_at: Some(time(col(r, 1, W)?, W)?),
                    last_price,
                    last_availability,
                    low: money(col(r, 7, W)?, col(r, 8, W)?, W)?,
                    high: money(col(r, 9, W)?, col(r, 10, W)?, W)?,
                })
            })())
        },
    )
    .optional()
    .ctx(W)?
    .transpose()
}

/// [`crate::Store::lowest_in_window`] in one aggregate statement: every point from
/// [`MAX_TRUSTED_SPAN`](crate::analytics::series::MAX_TRUSTED_SPAN) before `from` up to (not
/// including) `until` is looked at inside SQLite, none is decoded. A point counts when its segment — to the next point's
/// second (or `until`'s), at most the trusted span — is not empty and overlaps the window,
/// exactly as [`segments`](crate::analytics::series::segments) and
/// [`window`](crate::analytics::series::window) build them (whole seconds).
pub(super) fn lowest_in_window(
    conn: &Connection,
    marketplace: Marketplace,
    asin: Asin,
    offer_kind: OfferKind,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    currency: Currency,
) -> StoreResult<Option<Money>> {
    const W: &str = "lowest in window";
    let (span, lo_ms, until_ms) = crate::store::window_read_bounds(from, until);
    let low: Option<i64> = conn
        .prepare_cached(
            "SELECT MIN(p) FROM (
                 SELECT price_minor AS p, price_currency AS c, at_ms / 1000 AS s,
                        LEAD(at_ms / 1000, 1, ?7) OVER (ORDER BY at_ms) AS ns
                 FROM price_history
                 WHERE marketplace = ?1 AND asin = ?2 AND offer_kind = ?3
                   AND at_ms >= ?4 AND at_ms < ?5)
             WHERE p IS NOT NULL AND c = ?6 AND ns > s AND MIN(s + ?9, ns) > ?8 AND s < ?7",
        )
        .ctx(W)?
        .query_row(
            params![
                marketplace_code(marketplace),
                asin.as_str(),
                offer_kind.as_str(),
                lo_ms,
                until_ms,
                currency.code(),
                until.timestamp(),
                from.timestamp(),
                span,
            ],
            |r| r.get(0),
        )
        .ctx(W)?;
    Ok(low.map(|m| Money::from_minor(m, currency)))
}
