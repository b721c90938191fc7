//! `mandi migrate --to postgres://…`: moves a SQLite database up to PostgreSQL, verified
//! table by table (the library's `migrate_sqlite_file`).

use std::path::PathBuf;

use mandi_core::store::DatabaseLocation;
use mandi_core::store::postgres::copy::{CopyReport, migrate_sqlite_file};
use serde::Serialize;

use super::{Context, Outcome};
use crate::app::block_on;
use crate::error::{Error, Result};
use crate::output::{Output, table};

/// `mandi migrate`: copy the SQLite database into PostgreSQL and verify the copy.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mandi migrate --to postgres://mandi:secret@127.0.0.1:5432/mandi\n  \
    mandi migrate --from ~/old/mandi.db --to postgres://mandi@db.internal/mandi --json\n\n\
    The PostgreSQL database must be empty. Afterwards set `database` in [general] (or\n\
    MANDI_GENERAL__DATABASE) to the same URL.")]
pub struct MigrateCmd {
    /// The PostgreSQL database to copy into (`postgres://user:password@host:port/dbname`).
    #[arg(long, value_name = "URL")]
    to: String,
    /// The SQLite file to copy (default: the configured database).
    #[arg(long, value_name = "PATH")]
    from: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct TableDoc<'a> {
    table: &'a str,
    rows: u64,
    checksum: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum MigrateDocument<'a> {
    Migrated {
        from: String,
        to: String,
        rows: u64,
        tables: Vec<TableDoc<'a>>,
    },
}

/// Runs `mandi migrate`.
///
/// # Errors
///
/// A source that is not a SQLite file, a target that is not an empty PostgreSQL database, or
/// a copy that does not verify (nothing is committed then).
pub fn run(cmd: MigrateCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let from = match cmd.from {
        Some(p) => p,
        None => match DatabaseLocation::from_setting(&ctx.settings()?.database_path()?) {
            DatabaseLocation::Sqlite(p) => p,
            DatabaseLocation::Postgres(_) => {
                return Err(Error::Input(
                    "the configured database is already PostgreSQL; give the SQLite file with \
                     --from PATH"
                        .to_owned(),
                ));
            }
        },
    };
    let target = DatabaseLocation::from_setting(std::path::Path::new(&cmd.to));
    if !matches!(target, DatabaseLocation::Postgres(_)) {
        return Err(Error::Input(format!(
            "--to must be a postgres:// URL, got {:?}",
            cmd.to
        )));
    }
    let report: CopyReport = block_on(async { Ok(migrate_sqlite_file(&from, &cmd.to).await?) })?;
    if out.is_json() {
        out.json(&MigrateDocument::Migrated {
            from: from.display().to_string(),
            to: target.to_string(),
            rows: report.total_rows(),
            tables: report
                .tables
                .iter()
                .map(|t| TableDoc {
                    table: &t.table,
                    rows: t.rows,
                    checksum: &t.checksum,
                })
                .collect(),
        })?;
    } else {
        let rows: Vec<Vec<String>> = report
            .tables
            .iter()
            .map(|t| vec![t.table.clone(), t.rows.to_string(), t.checksum.clone()])
            .collect();
        for line in table(&["table", "rows", "checksum (same on both sides)"], &rows) {
            out.line(line)?;
        }
        out.line(format!(
            "copied {} rows from {} to {target}; every table verified",
            report.total_rows(),
            from.display()
        ))?;
        out.line(format!(
            "next: set database = \"{target}\" in [general] (or MANDI_GENERAL__DATABASE), with the password"
        ))?;
    }
    Ok(Outcome::Success)
}
