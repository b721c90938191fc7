//! Mapping between PostgreSQL rows and domain types, and between driver errors and
//! [`StoreError`]. Nothing here leaks a tokio-postgres type past the adapter.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_postgres::error::SqlState;

use super::shim::{Error, FromCol, Row};
use crate::domain::{
    Asin, Availability, Condition, Currency, DataOrigin, Marketplace, Money, OfferKind,
};
use crate::ports::store::{StoreError, StoreResult};

/// Converts a driver error at the adapter boundary.
pub(super) fn map_err(e: Error, what: &'static str) -> StoreError {
    match &e {
        Error::Pg(pg) => match pg.code() {
            Some(code)
                if *code == SqlState::UNIQUE_VIOLATION
                    || *code == SqlState::FOREIGN_KEY_VIOLATION
                    || *code == SqlState::CHECK_VIOLATION
                    || *code == SqlState::NOT_NULL_VIOLATION =>
            {
                StoreError::Conflict {
                    what,
                    detail: e.to_string(),
                }
            }
            Some(code)
                if *code == SqlState::DATA_CORRUPTED || *code == SqlState::INDEX_CORRUPTED =>
            {
                StoreError::Corrupt {
                    what,
                    detail: e.to_string(),
                }
            }
            _ => backend(what, e),
        },
        Error::Conversion { .. } => StoreError::Corrupt {
            what,
            detail: e.to_string(),
        },
        Error::NoRows => backend(what, e),
    }
}

fn backend(what: &'static str, e: Error) -> StoreError {
    StoreError::Backend {
        message: format!("PostgreSQL failed on {what}: {e}"),
        source: Some(Box::new(e)),
    }
}

/// `.ctx("product")?` converts a driver result, naming what was being handled.
pub(super) trait Ctx<T> {
    /// Maps the error with [`map_err`].
    fn ctx(self, what: &'static str) -> StoreResult<T>;
}

impl<T> Ctx<T> for Result<T, Error> {
    fn ctx(self, what: &'static str) -> StoreResult<T> {
        self.map_err(|e| map_err(e, what))
    }
}

impl<T> Ctx<T> for Result<T, tokio_postgres::Error> {
    fn ctx(self, what: &'static str) -> StoreResult<T> {
        self.map_err(|e| map_err(Error::Pg(e), what))
    }
}

fn corrupt(what: &'static str, detail: String) -> StoreError {
    StoreError::Corrupt { what, detail }
}

/// Reads column `i` of a row.
pub(super) fn col<T: FromCol>(row: &Row, i: usize, what: &'static str) -> StoreResult<T> {
    row.get(i).ctx(what)
}

/// A marketplace from its stored country code.
pub(super) fn marketplace(text: &str, what: &'static str) -> StoreResult<Marketplace> {
    text.parse()
        .map_err(|_| corrupt(what, format!("unknown marketplace code {text:?}")))
}

/// How a marketplace is stored.
pub(super) fn marketplace_code(m: Marketplace) -> &'static str {
    m.country_code()
}

/// An ASIN from its stored text.
pub(super) fn asin(text: &str, what: &'static str) -> StoreResult<Asin> {
    Asin::parse(text).map_err(|e| corrupt(what, format!("bad ASIN {text:?}: {e}")))
}

/// A time from stored unix milliseconds.
pub(super) fn time(ms: i64, what: &'static str) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| corrupt(what, format!("time {ms} ms is out of range")))
}

/// An optional time from stored unix milliseconds.
pub(super) fn opt_time(ms: Option<i64>, what: &'static str) -> StoreResult<Option<DateTime<Utc>>> {
    ms.map(|ms| time(ms, what)).transpose()
}

/// An amount from its stored minor units and currency code (both NULL: unknown).
pub(super) fn money(
    minor: Option<i64>,
    currency: Option<String>,
    what: &'static str,
) -> StoreResult<Option<Money>> {
    match (minor, currency) {
        (None, None) => Ok(None),
        (Some(minor), Some(code)) => {
            let currency: Currency = code
                .parse()
                .map_err(|_| corrupt(what, format!("unknown currency code {code:?}")))?;
            Ok(Some(Money::from_minor(minor, currency)))
        }
        (minor, currency) => Err(corrupt(
            what,
            format!("amount {minor:?} and currency {currency:?} must both be set or both NULL"),
        )),
    }
}

/// The stored parts of an optional amount.
pub(super) fn money_parts(m: Option<Money>) -> (Option<i64>, Option<&'static str>) {
    match m {
        Some(m) => (Some(m.minor()), Some(m.currency().code())),
        None => (None, None),
    }
}

fn strict<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    text: &str,
    what: &'static str,
) -> StoreResult<T> {
    all.iter()
        .copied()
        .find(|v| name(*v) == text)
        .ok_or_else(|| corrupt(what, format!("unknown value {text:?}")))
}

/// Availability from its stored name (unknown text is corruption, not `Unknown`).
pub(super) fn availability(text: &str, what: &'static str) -> StoreResult<Availability> {
    use Availability as A;
    strict(
        &[A::InStock, A::OutOfStock, A::Preorder, A::Unknown],
        A::as_str,
        text,
        what,
    )
}

/// A condition from its stored name.
pub(super) fn condition(text: &str, what: &'static str) -> StoreResult<Condition> {
    use Condition as C;
    strict(
        &[C::New, C::Used, C::Refurbished, C::Collectible, C::Unknown],
        C::as_str,
        text,
        what,
    )
}

/// An offer kind from its stored name.
pub(super) fn offer_kind(text: &str, what: &'static str) -> StoreResult<OfferKind> {
    use OfferKind as K;
    strict(
        &[K::BuyBox, K::ThirdPartyNew, K::Used],
        K::as_str,
        text,
        what,
    )
}

/// A data origin from its stored name.
pub(super) fn origin(text: &str, what: &'static str) -> StoreResult<DataOrigin> {
    use DataOrigin as O;
    strict(&[O::Api, O::Scraped, O::Cached], O::as_str, text, what)
}

/// A value from stored JSON text.
pub(super) fn from_json<T: DeserializeOwned>(text: &str, what: &'static str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| corrupt(what, format!("bad JSON: {e}")))
}

/// A value as JSON text for storing.
pub(super) fn to_json<T: Serialize + ?Sized>(value: &T, what: &'static str) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid {
        what,
        reason: format!("cannot be written as JSON: {e}"),
    })
}
