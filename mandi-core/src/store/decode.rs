//! Decoding stored text and integers into domain types, the same for every SQL adapter
//! (SQLite and PostgreSQL keep the same column encodings). A value that does not decode is
//! [`StoreError::Corrupt`], naming what was read.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::{
    Asin, Availability, Condition, Currency, DataOrigin, Marketplace, Money, OfferKind,
};
use crate::ports::store::{StoreError, StoreResult};

fn corrupt(what: &'static str, detail: String) -> StoreError {
    StoreError::Corrupt { what, detail }
}

/// A marketplace from its stored country code.
pub(crate) fn marketplace(text: &str, what: &'static str) -> StoreResult<Marketplace> {
    text.parse()
        .map_err(|_| corrupt(what, format!("unknown marketplace code {text:?}")))
}

/// How a marketplace is stored.
pub(crate) fn marketplace_code(m: Marketplace) -> &'static str {
    m.country_code()
}

/// An ASIN from its stored text.
pub(crate) fn asin(text: &str, what: &'static str) -> StoreResult<Asin> {
    Asin::parse(text).map_err(|e| corrupt(what, format!("bad ASIN {text:?}: {e}")))
}

/// A time from stored unix milliseconds.
pub(crate) fn time(ms: i64, what: &'static str) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| corrupt(what, format!("time {ms} ms is out of range")))
}

/// An optional time from stored unix milliseconds.
pub(crate) fn opt_time(ms: Option<i64>, what: &'static str) -> StoreResult<Option<DateTime<Utc>>> {
    ms.map(|ms| time(ms, what)).transpose()
}

/// An amount from its stored minor units and currency code (both NULL: unknown).
pub(crate) fn money(
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
pub(crate) fn money_parts(m: Option<Money>) -> (Option<i64>, Option<&'static str>) {
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
pub(crate) fn availability(text: &str, what: &'static str) -> StoreResult<Availability> {
    use Availability as A;
    strict(
        &[A::InStock, A::OutOfStock, A::Preorder, A::Unknown],
        A::as_str,
        text,
        what,
    )
}

/// A condition from its stored name.
pub(crate) fn condition(text: &str, what: &'static str) -> StoreResult<Condition> {
    use Condition as C;
    strict(
        &[C::New, C::Used, C::Refurbished, C::Collectible, C::Unknown],
        C::as_str,
        text,
        what,
    )
}

/// An offer kind from its stored name.
pub(crate) fn offer_kind(text: &str, what: &'static str) -> StoreResult<OfferKind> {
    use OfferKind as K;
    strict(
        &[K::BuyBox, K::ThirdPartyNew, K::Used],
        K::as_str,
        text,
        what,
    )
}

/// A data origin from its stored name.
pub(crate) fn origin(text: &str, what: &'static str) -> StoreResult<DataOrigin> {
    use DataOrigin as O;
    strict(&[O::Api, O::Scraped, O::Cached], O::as_str, text, what)
}

/// A value from stored JSON text.
pub(crate) fn from_json<T: DeserializeOwned>(text: &str, what: &'static str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| corrupt(what, format!("bad JSON: {e}")))
}

/// A value as JSON text for storing.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T, what: &'static str) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid {
        what,
        reason: format!("cannot be written as JSON: {e}"),
    })
}
