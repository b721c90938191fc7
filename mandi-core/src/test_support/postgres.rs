//! A PostgreSQL server for tests: Debian's `initdb` + `pg_ctl` into a temporary directory,
//! listening on a free 127.0.0.1 port with `trust` authentication, one per test binary.
//!
//! ```ignore
//! mod postgres {
//!     mandi_core::store_contract!(match mandi_core::test_support::postgres::PgServer::shared() {
//!         Some(pg) => pg.fresh_store(),
//!         None => return,
//!     });
//! }
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use super::engine::{EngineDir, RunAs, find_binary, free_loopback_port, notice_once};
use crate::store::PostgresStore;

/// Where Debian (and most distributions) put the server binaries; `MANDI_PG_BIN` first.
const BIN_DIRS: [&str; 4] = [
    "/usr/lib/postgresql/*/bin",
    "/usr/local/pgsql/bin",
    "/usr/local/bin",
    "/usr/bin",
];

/// The line printed (once) when there is no server to test against.
pub const SKIP_MESSAGE: &str = "skipped: no PostgreSQL server binaries (initdb, pg_ctl); \
     install Debian's `postgresql` package or set MANDI_PG_BIN to run the PostgreSQL tests";

/// A running PostgreSQL server in a temporary directory.
#[derive(Debug)]
pub struct PgServer {
    dir: EngineDir,
    bin: PathBuf,
    port: u16,
    schemas: AtomicU32,
}

fn binary(name: &str) -> Option<PathBuf> {
    let from_env = std::env::var("MANDI_PG_BIN").ok();
    let mut dirs: Vec<&str> = Vec::new();
    if let Some(d) = from_env.as_deref() {
        dirs.push(d);
    }
    dirs.extend(BIN_DIRS);
    find_binary(name, &dirs)
}

fn run(mut cmd: Command, what: &str) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl PgServer {
    /// Starts a server, or `None` when the binaries are not installed.
    ///
    /// # Errors
    ///
    /// When the binaries exist but the server does not start (with its log).
    pub fn start() -> Result<Option<Self>, String> {
        let (Some(initdb), Some(pg_ctl)) = (binary("initdb"), binary("pg_ctl")) else {
            return Ok(None);
        };
        let bin = pg_ctl.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = EngineDir::new("mandi-pg-", RunAs::detect())
            .map_err(|e| format!("temporary directory for PostgreSQL: {e}"))?;
        let data = dir.path().join("data");
        // The watchdog stops the server (immediate shutdown) when the test process ends.
        dir.watch(&format!(
            "kill -QUIT $(head -1 '{}/postmaster.pid' 2>/dev/null) 2>/dev/null",
            data.display()
        ))
        .map_err(|e| format!("teardown watchdog: {e}"))?;
        let mut init = dir.run_as().command(&initdb);
        init.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(init, "initdb")?;
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_loopback_port().map_err(|e| format!("free port: {e}"))?;
            let mut start = dir.run_as().command(&pg_ctl);
            start
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.path().join("server.log"))
                .args(["-w", "-t", "60", "-o"])
                .arg(format!(
                    "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off \
                     -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                    dir.path().display()
                ))
                .arg("start");
            match run(start, "pg_ctl start") {
                Ok(()) => {
                    return Ok(Some(Self {
                        dir,
                        bin,
                        port,
                        schemas: AtomicU32::new(0),
                    }));
                }
                Err(e) => {
                    let log =
                        std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
                    last_error = format!("{e}\n{log}");
                }
            }
        }
        Err(last_error)
    }

    /// The server shared by every test of this binary, started on first use; `None` (after
    /// printing [`SKIP_MESSAGE`] once) when the binaries are missing.
    ///
    /// # Panics
    ///
    /// When the binaries are there but the server cannot start: a broken setup must fail
    /// the tests, not skip them.
    pub fn shared() -> Option<&'static Self> {
        static SERVER: OnceLock<Option<PgServer>> = OnceLock::new();
        static NOTICE: std::sync::Once = std::sync::Once::new();
        let server = SERVER.get_or_init(|| match Self::start() {
            Ok(s) => s,
            Err(e) => panic!("PostgreSQL did not start: {e}"),
        });
        if server.is_none() {
            notice_once(&NOTICE, SKIP_MESSAGE);
        }
        server.as_ref()
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory of its binaries (`psql`, `pg_dump`…).
    pub fn bin_dir(&self) -> &Path {
        &self.bin
    }

    /// The URL of the `postgres` database as the `postgres` superuser.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A new schema name, unique in this server.
    pub fn fresh_schema(&self) -> String {
        let n = self.schemas.fetch_add(1, Ordering::Relaxed);
        format!("t{}_{n}", std::process::id())
    }

    /// The URL of a new, empty database on this server (made with `createdb`), for tests
    /// that hand a URL to a program.
    ///
    /// # Panics
    ///
    /// When `createdb` fails (the server is broken).
    pub fn fresh_database(&self) -> String {
        let name = self.fresh_schema();
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .arg(&name)
            .output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!("createdb failed: {}", String::from_utf8_lossy(&o.stderr)),
            Err(e) => panic!("createdb did not start: {e}"),
        }
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// A store in a new, empty schema (created and migrated on first use), with a small pool.
    ///
    /// # Panics
    ///
    /// Never for a well-formed URL (the URL and schema name are built here).
    #[allow(clippy::expect_used)]
    pub fn fresh_store(&self) -> PostgresStore {
        PostgresStore::open_with(&self.url(), Some(&self.fresh_schema()), 4)
            .expect("a store on the test server")
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let mut stop = self.dir.run_as().command(&self.bin.join("pg_ctl"));
        stop.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"]);
        let _ = stop.output();
        self.dir.remove();
    }
}
