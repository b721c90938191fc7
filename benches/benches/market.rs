//! The market report over 100,000 products (issue 18): one `MarketService::report` on a
//! SQLite file holding 100,000 products in 50 categories with 30 days of daily buy-box
//! prices (3 million rows), for a week and for a month, and for one category of them.
//!
//! The data are written once with plain rusqlite into a migrated store file (the store's own
//! schema); the timed part is the whole report through the `Store` port: the snapshot read,
//! the figures, and the scoring of the deal candidates.
//!
//! Run: `cargo bench -p mandi-benches --bench market` (`MANDI_MARKET_PRODUCTS` to change the
//! size; each report is run three times and the median printed).

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use mandi_core::catalog::CatalogService;
use mandi_core::market::{MarketService, ReportPeriod, ReportRequest};
use mandi_core::monitor::fake::{FakeSource, numbered_asins};
use mandi_core::store::SqliteStore;
use mandi_core::{ManualClock, Marketplace};

const DAYS: i64 = 30;
const CATEGORIES: usize = 50;

fn main() {
    // criterion-style flags (`--bench`) are accepted and ignored.
    let products: usize = std::env::var("MANDI_MARKET_PRODUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let now = Utc
        .with_ymd_and_hms(2026, 10, 10, 0, 0, 0)
        .single()
        .expect("date");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("market.db");
    drop(SqliteStore::open(&path).expect("migrate"));
    let started = Instant::now();
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .expect("pragmas");
        let tx = conn.transaction().expect("tx");
        for c in 0..CATEGORIES {
            tx.execute(
                "INSERT INTO browse_nodes (marketplace, id, name, is_root) VALUES ('IN', ?1, ?2, 0)",
                rusqlite::params![format!("{}", 1_000 + c), format!("Category {c}")],
            )
            .expect("node");
        }
        {
            let mut product = tx
                .prepare(
                    "INSERT INTO products (marketplace, asin, title, origin, fetched_at_ms)
                     VALUES ('IN', ?1, ?2, 'api', ?3)",
                )
                .expect("prepare");
            let mut link = tx
                .prepare(
                    "INSERT INTO product_browse_nodes (marketplace, asin, position, node_id)
                     VALUES ('IN', ?1, 0, ?2)",
                )
                .expect("prepare");
            let mut price = tx
                .prepare(
                    "INSERT INTO price_history (marketplace, asin, offer_kind, at_ms, price_minor,
                         price_currency, availability, origin)
                     VALUES ('IN', ?1, 'buy_box', ?2, ?3, 'INR', 'in_stock', 'api')",
                )
                .expect("prepare");
            let first = now - Duration::days(DAYS);
            for (i, asin) in numbered_asins(0, products as u32).into_iter().enumerate() {
                let a = asin.to_string();
                product
                    .execute(rusqlite::params![
                        a,
                        format!("product {i}"),
                        first.timestamp_millis()
                    ])
                    .expect("product");
                link.execute(rusqlite::params![a, format!("{}", 1_000 + i % CATEGORIES)])
                    .expect("link");
                let base = 1_000_000 + (i as i64 % 997) * 1_000;
                for d in 0..DAYS {
                    // A wobble, a drop in the last week for a third of the products, a rise for
                    // another third (from day 24, after the week's start at now − 7 days).
                    let wobble = ((i as i64 * 31 + d * 17) % 41 - 20) * 100;
                    let trend = match i % 3 {
                        0 if d > DAYS - 7 => -(base / 10),
                        1 if d > DAYS - 7 => base / 20,
                        _ => 0,
                    };
                    // At 18:00 UTC the day before: the first price precedes the month's
                    // start (a product with no price at the start has no index).
                    let at = first + Duration::days(d) - Duration::hours(6);
                    price
                        .execute(rusqlite::params![
                            a,
                            at.timestamp_millis(),
                            base + wobble + trend
                        ])
                        .expect("price");
                }
            }
        }
        tx.commit().expect("commit");
    }
    println!(
        "wrote {products} products × {DAYS} days ({} rows) in {:.1} s",
        products as i64 * DAYS,
        started.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = Arc::new(SqliteStore::open(&path).expect("store"));
        let clock = Arc::new(ManualClock::new(now));
        let source = Arc::new(FakeSource::new(clock.clone(), 0, 1));
        let service = MarketService::new(CatalogService::new(source, store, clock));
        for period in [ReportPeriod::Week, ReportPeriod::Month] {
            let mut times = Vec::new();
            let mut found = 0;
            for _ in 0..3 {
                let t = Instant::now();
                let report = service
                    .report(&ReportRequest {
                        marketplace: Marketplace::India,
                        category: None,
                        period,
                        limit: 10,
                    })
                    .await
                    .expect("report");
                times.push(t.elapsed().as_secs_f64());
                found = report.products;
                assert_eq!(report.categories.len(), CATEGORIES);
            }
            times.sort_by(f64::total_cmp);
            println!(
                "report over {found} products, period {}: median {:.2} s (runs {:?})",
                period.as_str(),
                times[1],
                times.iter().map(|t| format!("{t:.2}")).collect::<Vec<_>>()
            );
        }
        // One category (2,000 of 100,000 products): the snapshot reads only its rows.
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let report = service
                .report(&ReportRequest {
                    marketplace: Marketplace::India,
                    category: Some("1000".to_owned()),
                    period: ReportPeriod::Week,
                    limit: 10,
                })
                .await
                .expect("report");
            times.push(t.elapsed().as_secs_f64());
            found = report.products;
            assert_eq!(report.categories.len(), 1);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "report over one category ({found} products), week: median {:.3} s (runs {:?})",
            times[1],
            times.iter().map(|t| format!("{t:.3}")).collect::<Vec<_>>()
        );
    });
}
