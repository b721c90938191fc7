//! Mapping between SQLite rows and domain types, and between rusqlite errors and
//! [`StoreError`]. Nothing here leaks a rusqlite type past the adapter.

use rusqlite::{ErrorCode, Row};

use crate::ports::store::{StoreError, StoreResult};

/// Converts a rusqlite error at the adapter boundary.
pub(super) fn map_err(e: rusqlite::Error, what: &'static str) -> StoreError {
    use rusqlite::Error as E;
    match &e {
        E::SqliteFailure(f, msg) => match f.code {
            ErrorCode::ConstraintViolation => StoreError::Conflict {
                what,
                detail: msg.clone().unwrap_or_else(|| f.to_string()),
            },
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => StoreError::Corrupt {
                what,
                detail: e.to_string(),
            },
            _ => backend(what, e),
        },
        E::FromSqlConversionFailure(..)
        | E::InvalidColumnType(..)
        | E::IntegralValueOutOfRange(..)
        | E::Utf8Error(..) => StoreError::Corrupt {
            what,
            detail: e.to_string(),
        },
        _ => backend(what, e),
    }
}

fn backend(what: &'static str, e: rusqlite::Error) -> StoreError {
    StoreError::Backend {
        message: format!("SQLite failed on {what}: {e}"),
        source: Some(Box::new(e)),
    }
}

/// `.ctx("product")?` converts a rusqlite result, naming what was being handled.
pub(super) trait Ctx<T> {
    /// Maps the error with [`map_err`].
    fn ctx(self, what: &'static str) -> StoreResult<T>;
}

impl<T> Ctx<T> for rusqlite::Result<T> {
    fn ctx(self, what: &'static str) -> StoreResult<T> {
        self.map_err(|e| map_err(e, what))
    }
}

/// Reads column `i` of a row.
pub(super) fn col<T: rusqlite::types::FromSql>(
    row: &Row<'_>,
    i: usize,
    what: &'static str,
) -> StoreResult<T> {
    row.get(i).ctx(what)
}

pub(super) use crate::store::decode::{
    asin, availability, condition, from_json, marketplace, marketplace_code, money, money_parts,
    offer_kind, opt_time, origin, time, to_json,
};
