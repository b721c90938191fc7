//! Ingest through the `Store` port against a raw insert of the same rows (issue 16), as
//! ratios measured in one run:
//!
//! - PostgreSQL: `PostgresStore::record_prices` (one transaction, running price stats kept)
//!   against one raw `INSERT … SELECT FROM UNNEST(…)` of the same rows in one transaction,
//!   into an identical schema, on a server the bench starts (Debian's `initdb`/`pg_ctl`;
//!   the PostgreSQL half is skipped without them);
//! - SQLite: `SqliteStore::record_prices` against a raw rusqlite prepared insert of the
//!   same rows in one transaction, on files with the same pragmas.
//!
//! Each iteration writes 2,000 new points (20 products × 100 times); times move on every
//! iteration so nothing is skipped as a duplicate.
//!
//! Run: `cargo bench -p mandi-benches --bench ingest -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use mandi_core::store::SqliteStore;
use mandi_core::test_support::postgres::PgServer;
use mandi_core::{
    Asin, Availability, Currency, DataOrigin, Marketplace, Money, OfferKind, PricePoint, Store,
};

const PRODUCTS: usize = 20;
const TIMES: i64 = 100;

fn batch(round: i64) -> Vec<PricePoint> {
    let start = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .expect("date");
    let mut out = Vec::with_capacity(PRODUCTS * TIMES as usize);
    for p in 0..PRODUCTS {
        let asin: Asin = format!("B0INGEST{p:02}").parse().expect("asin");
        for k in 0..TIMES {
            let at: DateTime<Utc> = start + chrono::Duration::minutes(round * TIMES + k);
            out.push(PricePoint {
                marketplace: Marketplace::India,
                asin,
                offer_kind: OfferKind::BuyBox,
                at,
                price: Some(Money::from_minor(
                    1_000_000 + (k * 37 + p as i64) % 5_000,
                    Currency::INR,
                )),
                list_price: None,
                availability: Availability::InStock,
                deal_badge: None,
                origin: DataOrigin::Api,
            });
        }
    }
    out
}

fn sqlite(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("store.db")).expect("store");
    let raw_path = dir.path().join("raw.db");
    drop(SqliteStore::open(&raw_path).expect("raw schema"));
    let mut raw = rusqlite::Connection::open(&raw_path).expect("raw");
    raw.pragma_update(None, "journal_mode", "WAL").expect("wal");
    raw.pragma_update(None, "synchronous", "NORMAL")
        .expect("sync");
    let round = AtomicI64::new(0);
    let mut g = c.benchmark_group("ingest_sqlite_2000_points");
    g.bench_function("store_record_prices", |b| {
        b.iter(|| {
            let points = batch(round.fetch_add(1, Ordering::Relaxed));
            black_box(rt.block_on(store.record_prices(&points)).expect("write"))
        });
    });
    g.bench_function("raw_rusqlite_one_tx", |b| {
        b.iter(|| {
            let points = batch(round.fetch_add(1, Ordering::Relaxed));
            let tx = raw.transaction().expect("tx");
            {
                let mut stmt = tx
                    .prepare_cached(
                        "INSERT INTO price_history (marketplace, asin, offer_kind, at_ms,
                             price_minor, price_currency, list_price_minor, list_price_currency,
                             availability, deal_badge, origin)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL, ?7, NULL, ?8)
                         ON CONFLICT (marketplace, asin, offer_kind, at_ms) DO NOTHING",
                    )
                    .expect("prepare");
                for p in &points {
                    stmt.execute(rusqlite::params![
                        "IN",
                        p.asin.as_str(),
                        "buy_box",
                        p.at.timestamp_millis(),
                        p.price.map(|m| m.minor()),
                        "INR",
                        "in_stock",
                        "api"
                    ])
                    .expect("insert");
                }
            }
            tx.commit().expect("commit");
        });
    });
    g.finish();
}

fn postgres(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let Some(pg) = PgServer::shared() else {
        return;
    };
    let store = pg.fresh_store();
    rt.block_on(store.ready()).expect("store schema");
    let raw_store = pg.fresh_store();
    rt.block_on(raw_store.ready()).expect("raw schema");
    let raw_schema = format!("{:?}", raw_store)
        .split("schema: Some(\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("schema name")
        .to_owned();
    let mut client = rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(
            &format!(
                "host=127.0.0.1 port={} user=postgres dbname=postgres options='-c search_path={raw_schema}'",
                pg.port()
            ),
            tokio_postgres::NoTls,
        )
        .await
        .expect("raw connection");
        tokio::spawn(conn);
        client
    });
    let insert = rt
        .block_on(client.prepare(
            "INSERT INTO price_history (marketplace, asin, offer_kind, at_ms, price_minor,
                 price_currency, availability, origin)
             SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[],
                 $5::BIGINT[], $6::TEXT[], $7::TEXT[], $8::TEXT[])
             ON CONFLICT (marketplace, asin, offer_kind, at_ms) DO NOTHING",
        ))
        .expect("prepare");
    let round = AtomicI64::new(0);
    let mut g = c.benchmark_group("ingest_postgres_2000_points");
    g.bench_function("store_record_prices", |b| {
        b.iter(|| {
            let points = batch(round.fetch_add(1, Ordering::Relaxed));
            black_box(rt.block_on(store.record_prices(&points)).expect("write"))
        });
    });
    g.bench_function("raw_unnest_insert_one_tx", |b| {
        b.iter(|| {
            let points = batch(round.fetch_add(1, Ordering::Relaxed));
            rt.block_on(async {
                let n = points.len();
                let m = vec!["IN".to_owned(); n];
                let asins: Vec<String> =
                    points.iter().map(|p| p.asin.as_str().to_owned()).collect();
                let kinds = vec!["buy_box".to_owned(); n];
                let at: Vec<i64> = points.iter().map(|p| p.at.timestamp_millis()).collect();
                let price: Vec<Option<i64>> =
                    points.iter().map(|p| p.price.map(|m| m.minor())).collect();
                let cur = vec!["INR".to_owned(); n];
                let avail = vec!["in_stock".to_owned(); n];
                let origin = vec!["api".to_owned(); n];
                let tx = client.transaction().await.expect("tx");
                tx.execute(
                    &insert,
                    &[&m, &asins, &kinds, &at, &price, &cur, &avail, &origin],
                )
                .await
                .expect("insert");
                tx.commit().await.expect("commit");
            });
        });
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    sqlite(c, &rt);
    postgres(c, &rt);
}

criterion_group!(ingest, benches);
criterion_main!(ingest);
