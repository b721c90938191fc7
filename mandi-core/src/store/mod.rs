//! `Store` adapters: SQLite (feature `sqlite`, the default) and in-memory.
//!
//! Both adapters implement [`Store`](crate::Store) with the same behaviour and run the same
//! contract-test suite (`store_contract!`, feature `test-util`):
//!
//! * times are kept to the **millisecond** (UTC); finer parts are dropped on write, so what a
//!   method returns equals what a later read returns;
//! * an unknown price stays unknown (`None`), never zero;
//! * bad input is refused with [`StoreError::Invalid`](crate::StoreError::Invalid) before
//!   anything is written;
//! * a browse node saved with no ancestors or no children keeps the ancestors or children
//!   already known (item lookups carry ancestors but rarely children);
//! * [`Store::watched_products`](crate::Store::watched_products) counts the watches that are
//!   not paused (live or snoozed: snoozed ones resume, so their history must go on) and whose
//!   user is active;
//! * [`Store::apply_update`](crate::Store::apply_update) writes a product, its price points,
//!   rule states, alerts and their outbox rows in one transaction, skips alerts whose dedupe
//!   key is known (and their outbox rows), skips alerts and states of watches that are gone or
//!   belong to another user, and never lets an older fetch replace a newer product copy;
//! * outbox rows move `pending` → `sent` | `dead` only; marking a finished row again is a
//!   no-op; a claim hides a row until its lease ends; deleting a watch deletes its rule states,
//!   alerts and their outbox rows.

mod affiliate;
pub(crate) mod community;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod decode;
pub(crate) mod market_rows;
pub mod memory;
pub mod open;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod postgres;
mod serve_hooks;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub mod sqlite;

pub use memory::MemoryStore;
pub use open::{
    DEFAULT_MONITOR_LEASE, DatabaseLocation, MonitorLock, MonitorSeat, join_monitor, lock_monitor,
    open_store, worker_id,
};
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteStore;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::domain::{AlertRule, Asin, Money, NewUser, PricePoint, Product};
use crate::ports::store::{HistoryQuery, StoreError, StoreResult};

/// Milliseconds since the Unix epoch, as stored.
pub(crate) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The stored-history bounds the SQL adapters' `lowest_in_window` reads for the window
/// `from..until`: the trusted span in seconds, the first millisecond looked at (a trusted
/// span before `from`, whose point may still hold at `from`) and the millisecond before which
/// points count (stored to the millisecond; `until` may be finer).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn window_read_bounds(from: DateTime<Utc>, until: DateTime<Utc>) -> (i64, i64, i64) {
    let span = crate::analytics::series::MAX_TRUSTED_SPAN.num_seconds();
    let lo_ms = millis(from) - span * 1_000;
    let until_ms =
        millis(until) + i64::from(!until.timestamp_subsec_nanos().is_multiple_of(1_000_000));
    (span, lo_ms, until_ms)
}

/// The running aggregates of a batch's added points, one entry per product and offer kind in
/// the order first seen: what the SQL stores fold into `price_stats` once per group.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) type StatsGroups = Vec<(
    (
        crate::domain::Marketplace,
        crate::domain::Asin,
        crate::domain::OfferKind,
    ),
    crate::ports::store::PriceStats,
)>;

/// Folds one added point into its group of `groups`.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn fold_into_groups(groups: &mut StatsGroups, p: &crate::domain::PricePoint) {
    let key = (p.marketplace, p.asin, p.offer_kind);
    match groups.iter_mut().find(|(k, _)| *k == key) {
        Some((_, stats)) => stats.absorb(p),
        None => {
            let mut stats = crate::ports::store::PriceStats::default();
            stats.absorb(p);
            groups.push((key, stats));
        }
    }
}

/// Folded aggregates ([`StatsGroups`]) as the columns of a `price_stats` row, in the order
/// both SQL stores' upsert binds them after marketplace, ASIN and offer kind.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) struct StatsColumns {
    pub(crate) first_known_at_ms: Option<i64>,
    pub(crate) last_at_ms: i64,
    pub(crate) last_price_at_ms: Option<i64>,
    pub(crate) last_price_minor: Option<i64>,
    pub(crate) last_price_currency: Option<&'static str>,
    pub(crate) last_availability_at_ms: Option<i64>,
    pub(crate) last_availability: Option<&'static str>,
    pub(crate) low_minor: Option<i64>,
    pub(crate) low_currency: Option<&'static str>,
    pub(crate) high_minor: Option<i64>,
    pub(crate) high_currency: Option<&'static str>,
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl StatsColumns {
    /// The columns of `new`; `None` when it holds no point.
    pub(crate) fn of(new: &crate::ports::store::PriceStats) -> Option<Self> {
        let last_at = new.last_at?;
        let (last_price_at_ms, (last_price_minor, last_price_currency)) = match new.last_price {
            Some((at, m)) => (Some(millis(at)), decode::money_parts(Some(m))),
            None => (None, (None, None)),
        };
        let (last_availability_at_ms, last_availability) = match new.last_availability {
            Some((at, av)) => (Some(millis(at)), Some(av.as_str())),
            None => (None, None),
        };
        let (low_minor, low_currency) = decode::money_parts(new.low);
        let (high_minor, high_currency) = decode::money_parts(new.high);
        Some(Self {
            first_known_at_ms: new.first_known_at.map(millis),
            last_at_ms: millis(last_at),
            last_price_at_ms,
            last_price_minor,
            last_price_currency,
            last_availability_at_ms,
            last_availability,
            low_minor,
            low_currency,
            high_minor,
            high_currency,
        })
    }
}

/// `t` with its sub-millisecond part dropped.
pub(crate) fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis(t)).unwrap_or(t)
}

/// The UTC bounds `[start, end)` of a day, in milliseconds.
pub(crate) fn day_bounds_ms(day: NaiveDate) -> (i64, i64) {
    let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
    let end = start + TimeDelta::days(1);
    (millis(start), millis(end))
}

/// The stored kind of a rule: its serde tag (`target_price`, `all_time_low`).
pub(crate) fn rule_kind(rule: &AlertRule) -> StoreResult<String> {
    let value = serde_json::to_value(rule).map_err(|e| StoreError::Invalid {
        what: "alert rule",
        reason: e.to_string(),
    })?;
    value
        .get("rule")
        .and_then(|k| k.as_str())
        .map(str::to_owned)
        .ok_or_else(|| StoreError::Invalid {
            what: "alert rule",
            reason: "it has no `rule` tag".to_owned(),
        })
}

fn invalid(what: &'static str, reason: String) -> StoreError {
    StoreError::Invalid { what, reason }
}

fn check_amount(
    what: &'static str,
    whose: &dyn Fn() -> String,
    m: Option<Money>,
) -> StoreResult<()> {
    match m {
        Some(m) if m.minor() < 0 => Err(invalid(
            what,
            format!("{} has a negative amount ({m})", whose()),
        )),
        _ => Ok(()),
    }
}

fn check_same_currency(
    what: &'static str,
    whose: &dyn Fn() -> String,
    a: Option<Money>,
    b: Option<Money>,
) -> StoreResult<()> {
    match (a, b) {
        (Some(a), Some(b)) if a.currency() != b.currency() => Err(invalid(
            what,
            format!(
                "{} mixes currencies ({} and {})",
                whose(),
                a.currency(),
                b.currency()
            ),
        )),
        _ => Ok(()),
    }
}

/// Refuses price points with negative amounts or a list price in another currency.
pub(crate) fn validate_points(points: &[PricePoint]) -> StoreResult<()> {
    for p in points {
        let whose = || format!("the price point of {} at {}", p.asin, p.at.to_rfc3339());
        check_amount("price point", &whose, p.price)?;
        check_amount("price point", &whose, p.list_price)?;
        check_same_currency("price point", &whose, p.price, p.list_price)?;
    }
    Ok(())
}

/// Refuses products whose offers, reviews or nodes cannot be right.
pub(crate) fn validate_product(p: &Product) -> StoreResult<()> {
    if p.parent_asin == Some(p.asin) {
        return Err(invalid(
            "product",
            format!("{} names itself as its parent ASIN", p.asin),
        ));
    }
    if let Some(r) = p.reviews
        && r.rating_centi > 500
    {
        return Err(invalid(
            "product",
            format!(
                "{} has a rating of {} hundredths of a star (at most 500)",
                p.asin, r.rating_centi
            ),
        ));
    }
    for (i, o) in p.offers.iter().enumerate() {
        let whose = || format!("offer {i} of {}", p.asin);
        check_amount("offer", &whose, o.price)?;
        check_amount("offer", &whose, o.list_price)?;
        check_amount("offer", &whose, o.savings.map(|s| s.amount))?;
        check_same_currency("offer", &whose, o.price, o.list_price)?;
        if let Some(s) = o.savings
            && s.percent > 100
        {
            return Err(invalid(
                "offer",
                format!("{} saves {}%", whose(), s.percent),
            ));
        }
        if let Some(claimed) = o.deal.as_ref().and_then(|d| d.percent_claimed)
            && claimed > 100
        {
            return Err(invalid(
                "offer",
                format!("{} has a deal {claimed}% claimed (at most 100)", whose()),
            ));
        }
    }
    for n in &p.browse_nodes {
        if n.id.trim().is_empty() {
            return Err(invalid(
                "browse node",
                format!("{} lists a browse node with an empty id", p.asin),
            ));
        }
    }
    Ok(())
}

/// Refuses a history query whose range is reversed.
pub(crate) fn validate_query(q: &HistoryQuery) -> StoreResult<()> {
    if let (Some(since), Some(until)) = (q.since, q.until)
        && since > until
    {
        return Err(invalid(
            "history query",
            format!(
                "`since` ({}) is after `until` ({})",
                since.to_rfc3339(),
                until.to_rfc3339()
            ),
        ));
    }
    Ok(())
}

/// Refuses a user without a provider or subject.
/// Refuses an identity without a provider or a subject.
pub(crate) fn validate_identity(i: &crate::domain::ExternalIdentity) -> StoreResult<()> {
    if i.provider.trim().is_empty() || i.subject.trim().is_empty() {
        return Err(invalid(
            "user",
            format!(
                "the identity needs a provider and a subject (got {:?} / {:?})",
                i.provider, i.subject
            ),
        ));
    }
    Ok(())
}

pub(crate) fn validate_new_user(n: &NewUser) -> StoreResult<()> {
    if n.identity.provider.trim().is_empty() || n.identity.subject.trim().is_empty() {
        return Err(invalid(
            "user",
            format!(
                "the identity needs a provider and a subject (got {:?} / {:?})",
                n.identity.provider, n.identity.subject
            ),
        ));
    }
    Ok(())
}

/// Refuses a watch whose baseline price is negative.
pub(crate) fn validate_baseline(baseline: Option<Money>, asin: Asin) -> StoreResult<()> {
    check_amount(
        "watch",
        &|| format!("the baseline price of a watch on {asin}"),
        baseline,
    )
}

/// The children of a family as they will be saved: each checked and linked to the parent.
pub(crate) fn family_children(
    marketplace: crate::domain::Marketplace,
    family: &crate::domain::VariationFamily,
) -> StoreResult<Vec<Product>> {
    let parent = family.parent_asin;
    family
        .items
        .iter()
        .map(|item| {
            if item.marketplace != marketplace {
                return Err(invalid(
                    "variation family",
                    format!(
                        "child {} is from {}, the family is saved for {marketplace}",
                        item.asin, item.marketplace
                    ),
                ));
            }
            if item.asin == parent {
                return Err(invalid(
                    "variation family",
                    format!("{parent} is listed as a child of itself"),
                ));
            }
            let mut child = item.clone();
            child.parent_asin = Some(parent);
            validate_product(&child)?;
            Ok(child)
        })
        .collect()
}

/// Refuses an API usage record without a source or operation.
pub(crate) fn validate_usage(u: &crate::ports::store::ApiUsage) -> StoreResult<()> {
    if u.source.trim().is_empty() || u.operation.trim().is_empty() {
        return Err(invalid(
            "api usage",
            format!(
                "a call needs a source and an operation (got {:?} / {:?})",
                u.source, u.operation
            ),
        ));
    }
    Ok(())
}

/// The idempotency key of an alert's delivery through a channel.
pub(crate) fn idempotency_key(dedupe_key: &str, channel: &str) -> String {
    format!("{dedupe_key}/{channel}")
}

/// Refuses a price update whose parts cannot be stored (nothing is written).
pub(crate) fn validate_update(u: &crate::ports::store::PriceUpdate) -> StoreResult<()> {
    if let Some(p) = &u.product {
        validate_product(p)?;
    }
    validate_points(&u.points)?;
    for a in &u.alerts {
        if a.dedupe_key.trim().is_empty() {
            return Err(invalid(
                "alert",
                format!("the alert of watch {} has an empty dedupe key", a.watch_id),
            ));
        }
        rule_kind(&a.rule)?;
    }
    if let Some(c) = u.channels.iter().find(|c| c.trim().is_empty()) {
        return Err(invalid("alert", format!("channel name {c:?} is empty")));
    }
    if let Some(q) = &u.quarantine {
        validate_product(&q.product)?;
        if u.product.is_some() || !u.rule_states.is_empty() || !u.alerts.is_empty() {
            return Err(invalid(
                "price update",
                "a quarantined observation records no product and fires nothing".to_owned(),
            ));
        }
    }
    if let Some(s) = u
        .settle
        .iter()
        .find(|s| s.status == crate::ports::store::QuarantineStatus::Pending)
    {
        return Err(invalid(
            "price update",
            format!(
                "quarantine {} can only be settled as confirmed or rejected",
                s.id
            ),
        ));
    }
    Ok(())
}

/// The stored form of a quarantined product: its JSON.
pub(crate) fn quarantine_json(p: &Product) -> StoreResult<String> {
    serde_json::to_string(p).map_err(|e| StoreError::Invalid {
        what: "quarantine",
        reason: e.to_string(),
    })
}

/// Reads a stored quarantine row back.
pub(crate) fn quarantine_row(
    id: i64,
    product_json: &str,
    reason: &str,
    status: &str,
    settled_at: Option<DateTime<Utc>>,
) -> StoreResult<crate::ports::store::QuarantinedObservation> {
    use crate::ports::store::{QuarantineId, QuarantineStatus, QuarantinedObservation};
    let corrupt = |detail: String| StoreError::Corrupt {
        what: "quarantine",
        detail,
    };
    Ok(QuarantinedObservation {
        id: QuarantineId(id),
        product: serde_json::from_str(product_json).map_err(|e| corrupt(e.to_string()))?,
        reason: crate::quality::SuspectReason::parse(reason)
            .ok_or_else(|| corrupt(format!("unknown reason {reason:?}")))?,
        status: QuarantineStatus::parse(status)
            .ok_or_else(|| corrupt(format!("unknown status {status:?}")))?,
        settled_at,
    })
}

/// Refuses a key that cannot be stored (nothing is written).
pub(crate) fn validate_new_key(k: &crate::domain::NewApiKey) -> StoreResult<()> {
    let name = k.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(invalid(
            "api key",
            format!(
                "a key needs a name of 1 to 100 characters without control characters (got {:?})",
                k.name
            ),
        ));
    }
    if k.secret_hash.len() != 64 || !k.secret_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(
            "api key",
            "the secret hash must be 64 hex digits (SHA-256)".to_owned(),
        ));
    }
    if k.rate_limit.per_second == 0 || k.rate_limit.burst == 0 {
        return Err(invalid(
            "api key",
            "a rate limit needs at least 1 request a second and a burst of at least 1".to_owned(),
        ));
    }
    Ok(())
}

/// Refuses a bulk job that cannot be stored (nothing is written).
pub(crate) fn validate_bulk_job(j: &crate::domain::NewBulkJob) -> StoreResult<()> {
    for (i, item) in j.items.iter().enumerate() {
        if item.position as usize != i {
            return Err(invalid(
                "bulk job",
                format!(
                    "item {i} has position {}; positions run 0, 1, 2…",
                    item.position
                ),
            ));
        }
    }
    Ok(())
}

/// The later of two optional times.
pub(crate) fn latest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, None) => a,
        (None, b) => b,
    }
}
