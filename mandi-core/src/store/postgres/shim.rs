//! A small rusqlite-shaped layer over tokio-postgres, so the PostgreSQL store reads like the
//! SQLite one it mirrors: `conn.prepare_cached(sql)?.execute(params![…]).await?`,
//! `query_row`, `query_map`, `exists`, `last_insert_rowid`.
//!
//! Parameters are dynamic [`Val`]s that encode themselves as whatever type PostgreSQL
//! inferred for the placeholder (an `i64` goes into `BIGINT`, `INTEGER` or `SMALLINT`
//! columns, range-checked); cells are read back through [`FromCol`] with the same
//! leniency, so integer widths never leak into the store's code. Statements are prepared
//! once per connection (deadpool's statement cache).

use std::error::Error as StdError;
use std::fmt;

use bytes::BytesMut;
use deadpool_postgres::{ClientWrapper, Transaction};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

/// What can go wrong below the store.
#[derive(Debug)]
pub(super) enum Error {
    /// `query_row` found no row.
    NoRows,
    /// The driver or the server failed.
    Pg(tokio_postgres::Error),
    /// A cell did not fit the Rust type asked for.
    Conversion {
        /// The column.
        index: usize,
        /// What was wrong.
        detail: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRows => f.write_str("the query returned no row"),
            Self::Pg(e) => match e.as_db_error() {
                Some(db) => write!(f, "{}: {}", db.code().code(), db.message()),
                None => write!(f, "{e}"),
            },
            Self::Conversion { index, detail } => write!(f, "column {index}: {detail}"),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Pg(e) => Some(e),
            _ => None,
        }
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Pg(e)
    }
}

/// A driver result.
pub(super) type Result<T> = std::result::Result<T, Error>;

/// A parameter value; it adapts to the type PostgreSQL inferred for its placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    /// SQL NULL.
    Null,
    /// An integer (also a 0/1 flag).
    Int(i64),
    /// Text.
    Text(String),
    /// A list of text (for `= ANY($n)`).
    TextList(Vec<String>),
    /// A list of integers (for `= ANY($n)`).
    IntList(Vec<i64>),
    /// A list of text with NULLs (for `UNNEST($n::TEXT[])`).
    OptTextList(Vec<Option<String>>),
    /// A list of integers with NULLs (for `UNNEST($n::BIGINT[])`).
    OptIntList(Vec<Option<i64>>),
}

fn too_big(v: i64, ty: &Type) -> Box<dyn StdError + Sync + Send> {
    format!("{v} does not fit a {ty} parameter").into()
}

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Self::Null => Ok(IsNull::Yes),
            Self::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)
                    .map_err(|_| too_big(*v, ty))?
                    .to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)
                    .map_err(|_| too_big(*v, ty))?
                    .to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => v.to_string().to_sql(ty, out),
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Self::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.as_str().to_sql(ty, out)
                }
                _ => Err(format!("text cannot be sent as {ty}").into()),
            },
            Self::TextList(list) => list.to_sql(ty, out),
            Self::IntList(list) => list.to_sql(ty, out),
            Self::OptTextList(list) => list.to_sql(ty, out),
            Self::OptIntList(list) => list.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Conversion of a Rust value into a [`Val`] (what `params![…]` calls).
pub(super) trait ToVal {
    /// The value as a parameter.
    fn to_val(&self) -> Val;
}

macro_rules! int_to_val {
    ($($t:ty),*) => {$(
        impl ToVal for $t {
            fn to_val(&self) -> Val {
                // Values above i64::MAX (only a u64/usize could be) are clamped.
                Val::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_to_val!(i64, i32, i16, i8, u32, u16, u8, u64, usize);

impl ToVal for bool {
    fn to_val(&self) -> Val {
        Val::Int(i64::from(*self))
    }
}

impl ToVal for str {
    fn to_val(&self) -> Val {
        Val::Text(self.to_owned())
    }
}

impl ToVal for String {
    fn to_val(&self) -> Val {
        Val::Text(self.clone())
    }
}

impl ToVal for Val {
    fn to_val(&self) -> Val {
        self.clone()
    }
}

impl<T: ToVal + ?Sized> ToVal for &T {
    fn to_val(&self) -> Val {
        (**self).to_val()
    }
}

impl<T: ToVal> ToVal for Option<T> {
    fn to_val(&self) -> Val {
        self.as_ref().map_or(Val::Null, ToVal::to_val)
    }
}

impl ToVal for [String] {
    fn to_val(&self) -> Val {
        Val::TextList(self.to_vec())
    }
}

impl ToVal for Vec<String> {
    fn to_val(&self) -> Val {
        Val::TextList(self.clone())
    }
}

impl ToVal for Vec<i64> {
    fn to_val(&self) -> Val {
        Val::IntList(self.clone())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

/// `params![a, b, …]`: the values as a slice of [`Val`]s.
macro_rules! params {
    () => { &[] as &[$crate::store::postgres::shim::Val] };
    ($($e:expr),+ $(,)?) => {
        &[$($crate::store::postgres::shim::ToVal::to_val(&$e)),+]
    };
}
pub(super) use params;

/// A cell as PostgreSQL sent it.
#[derive(Debug)]
pub(super) enum Cell {
    Null,
    Int(i64),
    Text(String),
    Float(f64),
}

impl<'a> FromSql<'a> for Cell {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => Self::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Self::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT2 => Self::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::BOOL => Self::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::FLOAT8 => Self::Float(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Self::Float(f64::from(f32::from_sql(ty, raw)?)),
            _ => Self::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Self::Null)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::BOOL
                | Type::FLOAT8
                | Type::FLOAT4
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
        )
    }
}

/// Reading a Rust value out of a cell (what `row.get(i)` calls).
pub(super) trait FromCol: Sized {
    /// The value of a non-NULL cell.
    fn from_cell(cell: Cell) -> std::result::Result<Self, String>;

    /// The value of a possibly NULL cell.
    fn from_opt(cell: Cell) -> std::result::Result<Self, String> {
        match cell {
            Cell::Null => Err("unexpected NULL".to_owned()),
            c => Self::from_cell(c),
        }
    }
}

macro_rules! int_from_col {
    ($($t:ty),*) => {$(
        impl FromCol for $t {
            fn from_cell(cell: Cell) -> std::result::Result<Self, String> {
                match cell {
                    Cell::Int(v) => <$t>::try_from(v)
                        .map_err(|_| format!("{v} is out of range for {}", stringify!($t))),
                    other => Err(format!("expected an integer, found {other:?}")),
                }
            }
        }
    )*};
}
int_from_col!(i64, i32, i16, i8, u64, u32, u16, u8, usize);

impl FromCol for bool {
    fn from_cell(cell: Cell) -> std::result::Result<Self, String> {
        match cell {
            Cell::Int(0) => Ok(false),
            Cell::Int(1) => Ok(true),
            other => Err(format!("expected a 0/1 flag, found {other:?}")),
        }
    }
}

impl FromCol for String {
    fn from_cell(cell: Cell) -> std::result::Result<Self, String> {
        match cell {
            Cell::Text(s) => Ok(s),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}

impl FromCol for f64 {
    fn from_cell(cell: Cell) -> std::result::Result<Self, String> {
        match cell {
            Cell::Float(v) => Ok(v),
            #[allow(clippy::cast_precision_loss)]
            Cell::Int(v) => Ok(v as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}

impl<T: FromCol> FromCol for Option<T> {
    fn from_cell(cell: Cell) -> std::result::Result<Self, String> {
        T::from_cell(cell).map(Some)
    }

    fn from_opt(cell: Cell) -> std::result::Result<Self, String> {
        match cell {
            Cell::Null => Ok(None),
            c => T::from_cell(c).map(Some),
        }
    }
}

/// A column index (only positions; names are not used).
pub(super) trait ColIndex {
    /// The position.
    fn position(&self) -> usize;
}

impl ColIndex for usize {
    fn position(&self) -> usize {
        *self
    }
}

/// One result row.
#[derive(Debug)]
pub(super) struct Row(tokio_postgres::Row);

impl Row {
    /// Cell `i` as a `T`.
    pub(super) fn get<I: ColIndex, T: FromCol>(&self, i: I) -> Result<T> {
        let index = i.position();
        let cell: Cell = self.0.try_get(index).map_err(|e| Error::Conversion {
            index,
            detail: e.to_string(),
        })?;
        T::from_opt(cell).map_err(|detail| Error::Conversion { index, detail })
    }
}

/// A connection: a pooled client, or a transaction on one.
pub(super) enum Conn<'a> {
    /// Outside a transaction (each statement commits alone).
    Client(&'a ClientWrapper),
    /// Inside a transaction.
    Tx(&'a Transaction<'a>),
}

impl fmt::Debug for Conn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Client(_) => "Conn::Client",
            Self::Tx(_) => "Conn::Tx",
        })
    }
}

/// A statement to run on a connection.
#[derive(Debug)]
pub(super) struct Stmt<'c> {
    conn: &'c Conn<'c>,
    sql: String,
}

impl<'a> Conn<'a> {
    /// A statement (prepared, and cached per connection, on first use).
    pub(super) fn prepare_cached(&'a self, sql: &str) -> Result<Stmt<'a>> {
        Ok(Stmt {
            conn: self,
            sql: sql.to_owned(),
        })
    }

    /// The id the last `INSERT` on this connection took from an identity column.
    pub(super) async fn last_insert_rowid(&self) -> Result<i64> {
        self.prepare_cached("SELECT lastval()")?
            .query_row(&[], |r| r.get(0))
            .await
    }

    async fn rows(&self, sql: &str, params: &[Val]) -> Result<Vec<tokio_postgres::Row>> {
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        Ok(match self {
            Self::Client(c) => {
                let st = c.prepare_cached(sql).await?;
                c.query(&st, &refs).await?
            }
            Self::Tx(t) => {
                let st = t.prepare_cached(sql).await?;
                t.query(&st, &refs).await?
            }
        })
    }

    async fn exec(&self, sql: &str, params: &[Val]) -> Result<u64> {
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        Ok(match self {
            Self::Client(c) => {
                let st = c.prepare_cached(sql).await?;
                c.execute(&st, &refs).await?
            }
            Self::Tx(t) => {
                let st = t.prepare_cached(sql).await?;
                t.execute(&st, &refs).await?
            }
        })
    }

    /// Runs several statements separated by `;` (no parameters).
    pub(super) async fn batch_execute(&self, sql: &str) -> Result<()> {
        match self {
            Self::Client(c) => c.batch_execute(sql).await?,
            Self::Tx(t) => t.batch_execute(sql).await?,
        }
        Ok(())
    }
}

impl Stmt<'_> {
    /// Runs the statement; the number of rows it changed.
    pub(super) async fn execute(&self, params: &[Val]) -> Result<usize> {
        let n = self.conn.exec(&self.sql, params).await?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// The first row through `f` ([`Error::NoRows`] when there is none).
    pub(super) async fn query_row<T, F>(&self, params: &[Val], f: F) -> Result<T>
    where
        F: FnOnce(&Row) -> Result<T>,
    {
        let rows = self.conn.rows(&self.sql, params).await?;
        match rows.into_iter().next() {
            Some(r) => f(&Row(r)),
            None => Err(Error::NoRows),
        }
    }

    /// Every row through `f`.
    pub(super) async fn query_map<T, F>(
        &self,
        params: &[Val],
        mut f: F,
    ) -> Result<std::vec::IntoIter<Result<T>>>
    where
        F: FnMut(&Row) -> Result<T>,
    {
        let rows = self.conn.rows(&self.sql, params).await?;
        Ok(rows
            .into_iter()
            .map(|r| f(&Row(r)))
            .collect::<Vec<_>>()
            .into_iter())
    }

    /// Every row, to step through with [`Rows::next`].
    pub(super) async fn query(&self, params: &[Val]) -> Result<Rows> {
        Ok(Rows {
            rows: self.conn.rows(&self.sql, params).await?.into_iter(),
            current: None,
        })
    }

    /// True when the query returns a row.
    pub(super) async fn exists(&self, params: &[Val]) -> Result<bool> {
        Ok(!self.conn.rows(&self.sql, params).await?.is_empty())
    }
}

/// The rows of [`Stmt::query`].
#[derive(Debug)]
pub(super) struct Rows {
    rows: std::vec::IntoIter<tokio_postgres::Row>,
    current: Option<Row>,
}

impl Rows {
    /// The next row (`None` after the last).
    pub(super) fn next(&mut self) -> Result<Option<&Row>> {
        self.current = self.rows.next().map(Row);
        Ok(self.current.as_ref())
    }
}

/// `.optional()` on a `query_row` result: no row is `None`.
pub(super) trait OptionalExtension<T> {
    /// `Ok(None)` for [`Error::NoRows`].
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
