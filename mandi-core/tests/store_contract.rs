//! The `Store` contract run against every adapter in this crate, plus the SQLite store's
//! own migration and file-handling tests.

mod memory {
    mandi_core::store_contract!(mandi_core::store::MemoryStore::new());
}

mod sqlite_in_memory {
    mandi_core::store_contract!(
        mandi_core::store::SqliteStore::open_in_memory().expect("in-memory SQLite store")
    );
}

mod sqlite_file {
    mandi_core::store_contract!(
        mandi_core::store::SqliteStore::open_in_temp_dir().expect("SQLite store in a temp dir")
    );
}

/// Migrations, file handling and batching of the SQLite store.
mod sqlite_files {
    use std::path::Path;

    use chrono::{DateTime, NaiveDate, Utc};
    use mandi_core::store::SqliteStore;
    use mandi_core::store::sqlite::SCHEMA_VERSION;
    use mandi_core::{
        AlertRule, Asin, Currency, DataOrigin, ExternalIdentity, HistoryQuery, Marketplace, Money,
        OfferKind, PricePoint, Store, StoreError, UserSettings, WatchTarget,
    };
    use rusqlite::{Connection, params};

    const PHONE: &str = "B0CX59H5W7";
    const AT_MS: i64 = 1_750_000_000_000;

    fn asin() -> Asin {
        PHONE.parse().expect("valid ASIN")
    }

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).expect("valid time")
    }

    fn user_version(path: &Path) -> u32 {
        let conn = Connection::open(path).expect("open");
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("user_version")
    }

    /// Writes rows into every table that exists at `version`, with plain SQL as a Mandi
    /// of that version would have.
    fn seed(path: &Path, version: u32) {
        let conn = Connection::open(path).expect("open seeded file");
        if version >= 1 {
            conn.execute(
                "INSERT INTO products (marketplace, asin, title, brand, origin, fetched_at_ms)
                 VALUES ('IN', ?1, 'Redmi Note 13 5G', 'Redmi', 'api', ?2)",
                params![PHONE, AT_MS],
            )
            .expect("seed product");
            for (i, minor) in [1_899_900_i64, 1_799_900, 1_849_900].iter().enumerate() {
                conn.execute(
                    "INSERT INTO price_history (marketplace, asin, offer_kind, at_ms, price_minor,
                         price_currency, availability, origin)
                     VALUES ('IN', ?1, 'buy_box', ?2, ?3, 'INR', 'in_stock', 'api')",
                    params![PHONE, AT_MS + i as i64 * 3_600_000, minor],
                )
                .expect("seed price point");
            }
            // An unknown price: a gap, not zero.
            conn.execute(
                "INSERT INTO price_history (marketplace, asin, offer_kind, at_ms, availability, origin)
                 VALUES ('IN', ?1, 'buy_box', ?2, 'unknown', 'api')",
                params![PHONE, AT_MS + 3 * 3_600_000],
            )
            .expect("seed gap");
        }
        if version >= 2 {
            let settings = serde_json::to_string(&UserSettings::default()).expect("settings");
            conn.execute(
                "INSERT INTO users (id, identity_provider, identity_subject, display_name,
                     settings_json, active, created_at_ms)
                 VALUES (7, 'telegram', '12345', 'Asha', ?1, 1, ?2)",
                params![settings, AT_MS],
            )
            .expect("seed user");
            conn.execute(
                "INSERT INTO watches (id, user_id, target_type, marketplace, asin, state,
                     baseline_minor, baseline_currency, label, created_at_ms, updated_at_ms)
                 VALUES (11, 7, 'product', 'IN', ?1, 'active', 1899900, 'INR', 'phone', ?2, ?2)",
                params![PHONE, AT_MS],
            )
            .expect("seed watch");
            let rule = AlertRule::TargetPrice {
                at_or_below: Money::from_major(17_000, Currency::INR),
            };
            conn.execute(
                "INSERT INTO alert_rules (watch_id, position, kind, rule_json)
                 VALUES (11, 0, 'target_price', ?1)",
                params![serde_json::to_string(&rule).expect("rule")],
            )
            .expect("seed rule");
        }
        if version >= 3 {
            conn.execute(
                "INSERT INTO api_usage (source, operation, at_ms, items, ok)
                 VALUES ('paapi5', 'GetItems', ?1, 10, 1)",
                params![AT_MS],
            )
            .expect("seed api usage");
        }
    }

    /// Checks through the `Store` port that what `seed(version)` wrote is all still there.
    async fn check_seeded(store: &SqliteStore, version: u32) {
        if version >= 1 {
            let product = store
                .get_product(Marketplace::India, asin())
                .await
                .expect("read product")
                .expect("product survived the migration");
            assert_eq!(product.title, "Redmi Note 13 5G");
            assert_eq!(product.brand.as_deref(), Some("Redmi"));
            assert_eq!(product.fetched_at, at(AT_MS));
            let history = store
                .price_history(&HistoryQuery::buy_box(Marketplace::India, asin()))
                .await
                .expect("read history");
            let prices: Vec<Option<i64>> =
                history.iter().map(|p| p.price.map(|m| m.minor())).collect();
            assert_eq!(
                prices,
                vec![Some(1_899_900), Some(1_799_900), Some(1_849_900), None]
            );
        }
        if version >= 2 {
            let user = store
                .find_user(&ExternalIdentity::new("telegram", "12345"))
                .await
                .expect("find user")
                .expect("user survived the migration");
            assert_eq!(user.display_name.as_deref(), Some("Asha"));
            let watches = store.list_watches(user.id).await.expect("list watches");
            assert_eq!(watches.len(), 1);
            assert_eq!(
                watches[0].target,
                WatchTarget::Product {
                    marketplace: Marketplace::India,
                    asin: asin()
                }
            );
            assert_eq!(
                watches[0].rules,
                vec![AlertRule::TargetPrice {
                    at_or_below: Money::from_major(17_000, Currency::INR)
                }]
            );
        }
        if version >= 3 {
            let day = NaiveDate::from_ymd_opt(2025, 6, 15).expect("date");
            let totals = store.api_usage("paapi5", day).await.expect("usage");
            assert_eq!(totals.calls, 1);
        }
    }

    #[tokio::test]
    async fn opens_an_empty_file_at_the_newest_version() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mandi.db");
        let store = SqliteStore::open(&path).expect("open");
        assert_eq!(user_version(&path), SCHEMA_VERSION);
        assert_eq!(
            store
                .get_product(Marketplace::India, asin())
                .await
                .expect("read"),
            None
        );
        // Opening again is a no-op.
        drop(store);
        SqliteStore::open(&path).expect("reopen");
        assert_eq!(user_version(&path), SCHEMA_VERSION);
    }

    #[tokio::test]
    async fn migrates_from_every_earlier_version_keeping_the_data() {
        for version in 0..SCHEMA_VERSION {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("mandi.db");
            SqliteStore::migrate_file_to(&path, version).expect("build the old schema");
            assert_eq!(user_version(&path), version);
            seed(&path, version);
            let store = SqliteStore::open(&path)
                .unwrap_or_else(|e| panic!("opening a version {version} file failed: {e}"));
            assert_eq!(
                user_version(&path),
                SCHEMA_VERSION,
                "from version {version}"
            );
            check_seeded(&store, version).await;
            // And the migrated file takes new writes of every kind.
            let point = PricePoint {
                asin: asin(),
                marketplace: Marketplace::India,
                offer_kind: OfferKind::BuyBox,
                at: at(AT_MS + 10 * 3_600_000),
                price: Some(Money::from_major(16_999, Currency::INR)),
                list_price: None,
                availability: mandi_core::Availability::InStock,
                deal_badge: None,
                origin: DataOrigin::Api,
            };
            assert_eq!(store.record_prices(&[point]).await.expect("write"), 1);
        }
    }

    #[tokio::test]
    async fn the_newest_version_reopens_with_its_data() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mandi.db");
        SqliteStore::migrate_file_to(&path, SCHEMA_VERSION).expect("build");
        seed(&path, SCHEMA_VERSION);
        let store = SqliteStore::open(&path).expect("open");
        check_seeded(&store, SCHEMA_VERSION).await;
    }

    #[test]
    fn a_newer_schema_is_refused_and_the_file_is_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mandi.db");
        drop(SqliteStore::open(&path).expect("create"));
        seed(&path, SCHEMA_VERSION);
        {
            let conn = Connection::open(&path).expect("open");
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .expect("stamp a newer version");
            // Fold the WAL back so the main file is the whole database.
            conn.pragma_update(None, "journal_mode", "DELETE")
                .expect("leave WAL");
        }
        let before = std::fs::read(&path).expect("read file");
        let err = SqliteStore::open(&path).expect_err("a newer schema must be refused");
        assert!(
            matches!(err, StoreError::SchemaTooNew { found, supported }
                if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("upgrade Mandi"), "{message}");
        assert_eq!(std::fs::read(&path).expect("read file"), before);
        assert!(!dir.path().join("mandi.db-wal").exists());
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_clearly_and_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mandi.db");
        let garbage: Vec<u8> = b"this is a shopping list, not a database\n"
            .iter()
            .copied()
            .cycle()
            .take(8_192)
            .collect();
        std::fs::write(&path, &garbage).expect("write garbage");
        let err = SqliteStore::open(&path).expect_err("garbage must be refused");
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("not a SQLite database"), "{message}");
        assert!(message.contains("mandi.db"), "{message}");
        assert_eq!(std::fs::read(&path).expect("read file"), garbage);
    }

    #[test]
    fn a_damaged_header_is_refused_and_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mandi.db");
        drop(SqliteStore::open(&path).expect("create"));
        {
            let conn = Connection::open(&path).expect("open");
            conn.pragma_update(None, "journal_mode", "DELETE")
                .expect("leave WAL");
        }
        let mut bytes = std::fs::read(&path).expect("read");
        // Keep the header's magic string but scribble over the rest of the header page.
        for b in bytes.iter_mut().skip(16).take(84) {
            *b = 0xff;
        }
        std::fs::write(&path, &bytes).expect("write");
        let err = SqliteStore::open(&path).expect_err("a damaged file must be refused");
        assert!(
            matches!(err, StoreError::Corrupt { .. } | StoreError::Backend { .. }),
            "{err:?}"
        );
        assert_eq!(std::fs::read(&path).expect("read"), bytes);
    }

    #[test]
    fn files_use_wal_mode() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mandi.db");
        let _store = SqliteStore::open(&path).expect("open");
        // The journal mode is stored in the file, so another connection sees it.
        let conn = Connection::open(&path).expect("second connection");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("journal_mode");
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn a_price_history_batch_is_written_in_one_transaction() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mandi.db");
        let store = SqliteStore::open(&path).expect("open");
        // A trigger (added behind the store's back) fails the insert of the last point:
        // if the batch were written point by point, the first ones would stay.
        let boom_ms = AT_MS + 99 * 60_000;
        {
            let conn = Connection::open(&path).expect("second connection");
            conn.execute_batch(&format!(
                "CREATE TRIGGER fail_last BEFORE INSERT ON price_history
                 WHEN NEW.at_ms = {boom_ms} BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
            ))
            .expect("trigger");
        }
        let points: Vec<PricePoint> = (0..100)
            .map(|i| PricePoint {
                asin: asin(),
                marketplace: Marketplace::India,
                offer_kind: OfferKind::BuyBox,
                at: at(AT_MS + i * 60_000),
                price: Some(Money::from_minor(1_000_000 + i, Currency::INR)),
                list_price: None,
                availability: mandi_core::Availability::InStock,
                deal_badge: None,
                origin: DataOrigin::Api,
            })
            .collect();
        assert!(store.record_prices(&points).await.is_err());
        let history = store
            .price_history(&HistoryQuery::buy_box(Marketplace::India, asin()))
            .await
            .expect("read");
        assert!(
            history.is_empty(),
            "a failed batch left {} points",
            history.len()
        );
        // Without the failing point the whole batch lands at once.
        assert_eq!(store.record_prices(&points[..99]).await.expect("write"), 99);
    }
}

/// The whole contract against a real PostgreSQL server started for this binary (each test
/// in its own schema); skipped, with one line saying so, without the server binaries.
mod postgres {
    mandi_core::store_contract!(
        match mandi_core::test_support::postgres::PgServer::shared() {
            Some(pg) => pg.fresh_store(),
            None => return,
        }
    );
}
