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
            Self::Postgres(url) => f.debug_tuple("Postgres").field(&redact_url(url)).finish(),
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

/// The error for a PostgreSQL URL in a build without the `postgres` feature.
#[cfg(not(feature = "postgres"))]
fn built_without_postgres(url: &str) -> StoreError {
    StoreError::Invalid {
        what: "database",
        reason: format!(
            "{} is a PostgreSQL URL, and this Mandi was built without PostgreSQL \
             (feature `postgres`)",
            redact_url(url)
        ),
    }
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(url: &str) -> StoreResult<Arc<dyn Store>> {
    Err(built_without_postgres(url))
}

/// Held while a monitoring loop runs on a database: only one monitor (a `mandi monitor` or a
/// bot) may refresh one database at a time, so two processes never refresh the same
/// products and fire the same alerts twice. Dropping it (or the process ending, however it
/// ends) releases it.
pub struct MonitorLock {
    _held: Held,
}

// The connections are held only for the locks they keep.
#[allow(dead_code)]
enum Held {
    #[cfg(feature = "sqlite")]
    Sqlite(rusqlite::Connection),
    #[cfg(feature = "postgres")]
    Postgres(deadpool_postgres::Object),
}

impl std::fmt::Debug for MonitorLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorLock").finish_non_exhaustive()
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn already_monitored(location: &DatabaseLocation) -> StoreError {
    StoreError::Conflict {
        what: "monitor",
        detail: format!(
            "another `mandi monitor` (or bot) is already monitoring {location}; only one \
             monitor may run on a database at a time (stop the other one first)"
        ),
    }
}

/// The lock file of a SQLite database: `<file>.monitor-lock` beside it.
#[cfg(feature = "sqlite")]
pub fn monitor_lock_path(database: &Path) -> PathBuf {
    let mut name = database.file_name().unwrap_or_default().to_os_string();
    name.push(".monitor-lock");
    database.with_file_name(name)
}

/// Takes the monitor lock of `location`, or refuses with [`StoreError::Conflict`] (a clear
/// message naming the database) when another process holds it.
///
/// On SQLite it is an exclusive lock on a small lock file beside the database (the
/// operating system drops it when the process dies); on PostgreSQL a session advisory lock
/// on a connection kept for as long as the lock is held.
///
/// # Errors
///
/// [`StoreError::Conflict`] when another monitor runs; [`StoreError::Backend`] when the lock
/// cannot be taken for another reason.
pub async fn lock_monitor(location: &DatabaseLocation) -> StoreResult<MonitorLock> {
    match location {
        DatabaseLocation::Sqlite(path) => lock_sqlite(location, path),
        DatabaseLocation::Postgres(url) => lock_postgres(location, url).await,
    }
}

#[cfg(feature = "sqlite")]
fn lock_sqlite(location: &DatabaseLocation, path: &Path) -> StoreResult<MonitorLock> {
    let lock = monitor_lock_path(path);
    let backend = |e: rusqlite::Error| StoreError::Backend {
        message: format!("cannot take the monitor lock {}: {e}", lock.display()),
        source: Some(Box::new(e)),
    };
    let conn = rusqlite::Connection::open(&lock).map_err(backend)?;
    conn.busy_timeout(std::time::Duration::ZERO)
        .map_err(backend)?;
    let taken = conn
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .and_then(|()| conn.execute_batch("BEGIN EXCLUSIVE"));
    match taken {
        Ok(()) => Ok(MonitorLock {
            _held: Held::Sqlite(conn),
        }),
        Err(rusqlite::Error::SqliteFailure(f, _))
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            Err(already_monitored(location))
        }
        Err(e) => Err(backend(e)),
    }
}

#[cfg(not(feature = "sqlite"))]
fn lock_sqlite(_: &DatabaseLocation, path: &Path) -> StoreResult<MonitorLock> {
    Err(StoreError::Invalid {
        what: "database",
        reason: format!(
            "{} is a SQLite file, and this Mandi was built without SQLite (feature `sqlite`)",
            path.display()
        ),
    })
}

#[cfg(feature = "postgres")]
async fn lock_postgres(location: &DatabaseLocation, url: &str) -> StoreResult<MonitorLock> {
    /// The advisory lock key of the monitor ("monitor" in ASCII).
    const KEY: i64 = 0x006d_6f6e_6974_6f72;
    let store = super::PostgresStore::open_with(url, None, 1)?;
    let client = store.connection().await?;
    let row = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&KEY])
        .await
        .map_err(|e| StoreError::Backend {
            message: format!("cannot take the monitor lock on {location}: {e}"),
            source: Some(Box::new(e)),
        })?;
    if row.get::<_, bool>(0) {
        Ok(MonitorLock {
            _held: Held::Postgres(client),
        })
    } else {
        Err(already_monitored(location))
    }
}

/// The default lease time of a monitor worker on PostgreSQL: a worker silent for this long
/// (killed, cut off) loses its products to the others.
pub const DEFAULT_MONITOR_LEASE: std::time::Duration = std::time::Duration::from_secs(60);

/// How this process takes part in monitoring a database (see [`join_monitor`]).
#[derive(Debug)]
pub enum MonitorSeat {
    /// The only monitor of a SQLite database: it holds the monitor lock and owns every
    /// watched product.
    Sole(MonitorLock),
    /// One of several workers on a PostgreSQL database: it refreshes the products of the
    /// buckets it leases, renewed by its heartbeat task for as long as the seat is kept.
    #[cfg(feature = "postgres")]
    Worker {
        /// The worker and its fenced store.
        worker: super::postgres::leases::MonitorWorker,
        /// Its heartbeat; dropped with the seat.
        heartbeat: super::postgres::leases::Heartbeat,
    },
}

impl MonitorSeat {
    /// The store the monitoring loop must be built on: the worker's fenced store on
    /// PostgreSQL, `store` itself for the sole monitor.
    pub fn store(&self, store: &Arc<dyn Store>) -> Arc<dyn Store> {
        match self {
            Self::Sole(_) => store.clone(),
            #[cfg(feature = "postgres")]
            Self::Worker { worker, .. } => Arc::new(worker.store().clone()),
        }
    }

    /// Leaves cleanly: a worker gives its leases back so the others take its products at
    /// once (a killed worker's leases simply run out); the sole monitor's lock is dropped.
    pub async fn leave(self) {
        match self {
            Self::Sole(lock) => drop(lock),
            #[cfg(feature = "postgres")]
            Self::Worker { worker, heartbeat } => {
                drop(heartbeat);
                if let Err(e) = worker.leave().await {
                    tracing::warn!(error = %e, "could not give the monitor leases back");
                }
            }
        }
    }
}

/// Takes this process's seat as a monitor of `location`.
///
/// - SQLite: [`lock_monitor`] — one monitor per file; a second one is refused with
///   [`StoreError::Conflict`] ("already monitoring").
/// - PostgreSQL: joins as one more worker ([`MonitorWorker`]) with leases of `lease_ttl`
///   and starts its heartbeat; any number of workers share the watched products.
///
/// [`MonitorWorker`]: super::postgres::leases::MonitorWorker
///
/// # Errors
///
/// What [`lock_monitor`] or joining returns.
pub async fn join_monitor(
    location: &DatabaseLocation,
    lease_ttl: std::time::Duration,
) -> StoreResult<MonitorSeat> {
    match location {
        DatabaseLocation::Sqlite(_) => {
            let _ = lease_ttl;
            Ok(MonitorSeat::Sole(lock_monitor(location).await?))
        }
        DatabaseLocation::Postgres(url) => join_postgres(url, lease_ttl).await,
    }
}

/// A worker id unique to this process start: host, pid and start time.
pub fn worker_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "mandi".to_owned());
    use crate::ports::clock::Clock as _;
    let started = crate::ports::clock::SystemClock.now().timestamp_micros();
    format!("{host}-{}-{started:x}", std::process::id())
}

#[cfg(feature = "postgres")]
async fn join_postgres(url: &str, lease_ttl: std::time::Duration) -> StoreResult<MonitorSeat> {
    let store = super::PostgresStore::connect(url).await?;
    let worker =
        super::postgres::leases::MonitorWorker::join(&store, &worker_id(), lease_ttl).await?;
    tracing::info!(
        owner = worker.owner(),
        buckets = worker.held().len(),
        "joined the monitor workers"
    );
    let heartbeat = worker.spawn_heartbeat();
    Ok(MonitorSeat::Worker { worker, heartbeat })
}

#[cfg(not(feature = "postgres"))]
async fn join_postgres(url: &str, _: std::time::Duration) -> StoreResult<MonitorSeat> {
    Err(built_without_postgres(url))
}

#[cfg(not(feature = "postgres"))]
async fn lock_postgres(_: &DatabaseLocation, url: &str) -> StoreResult<MonitorLock> {
    Err(built_without_postgres(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn a_second_monitor_on_one_sqlite_file_is_refused_until_the_first_stops() {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = DatabaseLocation::Sqlite(dir.path().join("mandi.db"));
        let first = lock_monitor(&location).await.expect("first monitor");
        let err = lock_monitor(&location)
            .await
            .expect_err("a second monitor must be refused");
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("already monitoring"), "{message}");
        assert!(message.contains("mandi.db"), "{message}");
        // Another database is not affected.
        let other = DatabaseLocation::Sqlite(dir.path().join("other.db"));
        let _other = lock_monitor(&other).await.expect("another file");
        drop(first);
        let _again = lock_monitor(&location)
            .await
            .expect("free again once the first monitor stopped");
    }

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
