//! `mandi migrate --to postgres://…` and a `postgres://` URL as the `database` setting,
//! against a real PostgreSQL server started by this test binary (skipped, saying so, when
//! the server binaries are missing).

use mandi_core::test_support::postgres::PgServer;
use mandi_paapi::sandbox::Catalog;
use serde_json::Value;

use crate::util::assert_one_line_error;

fn phone() -> String {
    Catalog::for_seed(42).sample().phone.to_string()
}

mtest!(
    a_sqlite_database_moves_to_postgres_and_mandi_then_runs_on_it,
    |dir, cmd| {
        let Some(pg) = PgServer::shared() else { return };
        cmd.args(["watch", "add", &phone(), "--below", "15000"])
            .stdout();
        let before: Value = dir.mandi().args(["watch", "list"]).json();
        let url = pg.fresh_database();

        let report: Value = dir.mandi().args(["migrate", "--to", &url]).json();
        assert_eq!(report["type"], "migrated", "{report}");
        let tables = report["data"]["tables"].as_array().expect("tables");
        let rows = |name: &str| {
            tables
                .iter()
                .find(|t| t["table"] == name)
                .and_then(|t| t["rows"].as_u64())
                .expect("table in the report")
        };
        assert_eq!(rows("watches"), 1);
        assert_eq!(rows("users"), 1);
        assert!(rows("price_history") >= 1, "{report}");

        // The same commands on the PostgreSQL database see the same watches.
        let after: Value = dir
            .mandi()
            .env("MANDI_GENERAL__DATABASE", &url)
            .args(["watch", "list"])
            .json();
        assert_eq!(after, before);
        // And write to it.
        dir.mandi()
            .env("MANDI_GENERAL__DATABASE", &url)
            .args(["watch", "rm", &before["data"][0]["id"].to_string()])
            .stdout();
        let gone = dir
            .mandi()
            .env("MANDI_GENERAL__DATABASE", &url)
            .args(["watch", "list"])
            .output();
        assert_eq!(gone.status.code(), Some(1));

        // A second copy into the same (now non-empty) database is refused, one line.
        let err = dir.mandi().args(["migrate", "--to", &url]).fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains("already holds"), "{err}");
    }
);

mtest!(migrate_needs_a_postgres_url, |dir, cmd| {
    let err = cmd.args(["migrate", "--to", "/tmp/other.db"]).fails_with(2);
    assert!(err.contains("postgres://"), "{err}");
});

mtest!(
    a_second_monitor_on_one_sqlite_file_is_refused_clearly,
    |dir, cmd| {
        cmd.args(["watch", "add", &phone()]).stdout();
        let mut first = dir.mandi().args(["monitor", "--for", "2m"]).spawn();
        // The first monitor holds the lock once it writes its status file.
        let status = dir.path().join("mandi.monitor-status.json");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !status.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(status.exists(), "the first monitor never started");
        let second = dir.mandi().args(["monitor", "--once"]).output();
        let err = String::from_utf8_lossy(&second.stderr).into_owned();
        assert_ne!(second.status.code(), Some(0), "{err}");
        assert_one_line_error(&err);
        assert!(err.contains("already monitoring"), "{err}");
        // A monitor that dies (SIGKILL) releases the database with it.
        first.kill().expect("kill the first monitor");
        first.wait().expect("reap");
        dir.mandi().args(["monitor", "--once"]).stdout();
    }
);
