//! Mapping between PostgreSQL rows and domain types, and between driver errors and
//! [`StoreError`]. Nothing here leaks a tokio-postgres type past the adapter.

use tokio_postgres::error::SqlState;

use super::shim::{Error, FromCol, Row};
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

/// Reads column `i` of a row.
pub(super) fn col<T: FromCol>(row: &Row, i: usize, what: &'static str) -> StoreResult<T> {
    row.get(i).ctx(what)
}

pub(super) use crate::store::decode::{
    asin, availability, condition, from_json, marketplace, marketplace_code, money, money_parts,
    offer_kind, opt_time, origin, time, to_json,
};
