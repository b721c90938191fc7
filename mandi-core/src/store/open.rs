//! Opening the store a `database` setting names: a SQLite file path (the default) or a
//! `postgres://…` URL. Front-ends call [`open_store`] and never pick an adapter themselves.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ports::store::{Store, StoreError, StoreResult};

/// Where the database is, as read from the `database` setting.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl std::fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            // The URL may carry a password.
            Self::Postgres(url) => f
                .debug_tuple("Postgres")
                .field(&redact_url(url))
                .finish(),
        }
    }
}

impl std::fmt::Display for DatabaseLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(p) => write!(f, "{}", p.display()),
            Self::Postgres(url) => f.write_str(&redact_url(url)),
        }
    }
}

/// True when `database` names a PostgreSQL database (`postgres://…` or `postgresql://…`).
pub fn is_postgres_url(database: &str) -> bool {
    let lower = database.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `url` with any password replaced by `***` (for messages and logs).
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "(an unreadable database URL)".to_owned(),
    }
}

impl DatabaseLocation {
    /// Reads the setting: a `postgres://` URL, else a file path.
    pub fn from_setting(database: &Path) -> Self {
        match database.to_str() {
            Some(text) if is_postgres_url(text) => Self::Postgres(text.trim().to_owned()),
            _ => Self::Sqlite(database.to_path_buf()),
        }
    }

    /// The SQLite file, if it is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(p) => Some(p),
            Self::Postgres(_) => None,
        }
    }
}

/// Opens (creating or migrating as needed) the store at `location`: a SQLite file (its
/// directory is created when missing) or a PostgreSQL database (connected and migrated now,
/// so a wrong URL fails here rather than on the first write).
///
/// # Errors
///
/// What the adapter's open returns; [`StoreError::Invalid`] when the location needs an
/// adapter this build was compiled without (features `sqlite`, `postgres`).
pub async fn open_store(location: &DatabaseLocation) -> StoreResult<Arc<dyn Store>> {
    match location {
        DatabaseLocation::Sqlite(path) => open_sqlite(path),
        DatabaseLocation::Postgres(url) => open_postgres(url).await,
    }
}


#[cfg(feature = "sqlite")]
fn open_sqlite(path: &Path) -> StoreResult<Arc<dyn Store>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Backend {
            message: format!("cannot create the data directory {}: {e}", dir.display()),
            source: Some(Box::new(e)),
        })?;
    }
    Ok(Arc::new(super::SqliteStore::open(path)?))
}

#[cfg(not(feature = "sqlite"))]
fn open_sqlite(path: &Path) -> StoreResult<Arc<dyn Store>> {
    Err(StoreError::Invalid {
        what: "database",
        reason: format!(
            "{} is a SQLite file, and this Mandi was built without SQLite (feature `sqlite`)",
            path.display()
        ),
    })
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str) -> StoreResult<Arc<dyn Store>> {
    Ok(Arc::new(super::PostgresStore::connect(url).await?))
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(url: &str) -> StoreResult<Arc<dyn Store>> {
    Err(StoreError::Invalid {
        what: "database",
        reason: format!(
            "{} is a PostgreSQL URL, and this Mandi was built without PostgreSQL \
             (feature `postgres`)",
            redact_url(url)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_paths_are_sqlite() {
        assert_eq!(
            DatabaseLocation::from_setting(Path::new("postgres://m:pw@127.0.0.1:5432/mandi")),
            DatabaseLocation::Postgres("postgres://m:pw@127.0.0.1:5432/mandi".to_owned())
        );
        assert!(matches!(
            DatabaseLocation::from_setting(Path::new("PostgreSQL://h/db")),
            DatabaseLocation::Postgres(_)
        ));
        assert_eq!(
            DatabaseLocation::from_setting(Path::new("/var/lib/mandi/mandi.db")),
            DatabaseLocation::Sqlite(PathBuf::from("/var/lib/mandi/mandi.db"))
        );
        // A file that happens to be called "postgres" is still a file.
        assert!(matches!(
            DatabaseLocation::from_setting(Path::new("postgres.db")),
            DatabaseLocation::Sqlite(_)
        ));
    }

    #[test]
    fn passwords_never_show() {
        let loc = DatabaseLocation::from_setting(Path::new("postgres://mandi:s3cret@db/mandi"));
        assert!(!format!("{loc:?}").contains("s3cret"));
        assert!(!loc.to_string().contains("s3cret"));
        assert!(loc.to_string().contains("mandi:***@db"));
    }
}
