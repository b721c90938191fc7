//! Engine benchmarks of issue 13, measured in one run so they compare as ratios:
//!
//! - a reply of ten price updates through the `Store` port (one transaction per update, and
//!   batched with `apply_updates`) against a raw rusqlite insert of the same ten rows in one
//!   transaction, on SQLite files with the same pragmas;
//! - CPU per simulated day of monitoring the same eight watched products at day 30 and at
//!   day 365 of history (hourly refreshes, the demo's rules: 8 % drop, lowest in 30 days,
//!   back in stock);
//! - the deal score on a year of hourly history.
//!
//! Run: `cargo bench -p mandi-benches --bench engine -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use mandi_core::alerts::AlertStep;
use mandi_core::analytics::HistoryScorer;
use mandi_core::monitor::fake::{FakeSource, numbered_asins};
use mandi_core::store::SqliteStore;
use mandi_core::{
    AlertRule, Asin, Availability, Currency, DataOrigin, ExternalIdentity, ManualClock,
    Marketplace, Money, NewUser, NewWatch, Offer, OfferKind, PricePoint, PriceUpdate, Product,
    ScoreInput, Scorer, Store, UserSettings, WatchTarget,
};

const IN: Marketplace = Marketplace::India;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 1, 0, 0, 0)
        .single()
        .expect("date")
}

fn point(asin: Asin, at: DateTime<Utc>, minor: i64) -> PricePoint {
    PricePoint {
        marketplace: IN,
        asin,
        offer_kind: OfferKind::BuyBox,
        at,
        price: Some(Money::from_minor(minor, Currency::INR)),
        list_price: Some(Money::from_minor(6_999_900, Currency::INR)),
        availability: Availability::InStock,
        deal_badge: None,
        origin: DataOrigin::Api,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Ten rows as the store writes them, inserted with plain rusqlite in one transaction.
fn raw_insert(conn: &mut rusqlite::Connection, rows: &[PricePoint]) {
    let tx = conn.transaction().expect("tx");
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO price_history (marketplace, asin, offer_kind, at_ms, price_minor,
                     price_currency, list_price_minor, list_price_currency, availability,
                     deal_badge, origin)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (marketplace, asin, offer_kind, at_ms) DO NOTHING",
            )
            .expect("prepare");
        for p in rows {
            let price = p.price.map(|m| m.minor());
            let list = p.list_price.map(|m| m.minor());
            stmt.execute(rusqlite::params![
                "IN",
                p.asin.as_str(),
                p.offer_kind.as_str(),
                p.at.timestamp_millis(),
                price,
                price.map(|_| "INR"),
                list,
                list.map(|_| "INR"),
                p.availability.as_str(),
                p.deal_badge,
                p.origin.as_str(),
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
}

fn store_writes(c: &mut Criterion) {
    let rt = runtime();
    let asins = numbered_asins(1, 10);
    let mut group = c.benchmark_group("store: a reply of ten price updates");

    // The raw baseline: the store's own schema (a migrated file), plain rusqlite.
    let dir = std::env::temp_dir().join(format!("mandi-bench-raw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("raw.db");
    drop(SqliteStore::open(&path).expect("migrate"));
    let mut conn = rusqlite::Connection::open(&path).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("sync");
    let mut tick = 0i64;
    group.bench_function("raw rusqlite, 10 rows in one transaction", |b| {
        b.iter(|| {
            tick += 1;
            let at = start() + Duration::seconds(tick);
            let rows: Vec<_> = asins
                .iter()
                .map(|a| point(*a, at, 5_000_000 + tick))
                .collect();
            raw_insert(&mut conn, &rows);
        })
    });

    let store = SqliteStore::open(dir.join("port.db")).expect("store");
    let mut tick = 0i64;
    group.bench_function("Store::apply_updates, 10 updates in one transaction", |b| {
        b.iter(|| {
            tick += 1;
            let at = start() + Duration::seconds(tick);
            let updates: Vec<_> = asins
                .iter()
                .map(|a| PriceUpdate {
                    points: vec![point(*a, at, 5_000_000 + tick)],
                    ..PriceUpdate::default()
                })
                .collect();
            black_box(rt.block_on(store.apply_updates(&updates)).expect("apply"));
        })
    });
    let store = SqliteStore::open(dir.join("port1.db")).expect("store");
    let mut tick = 0i64;
    group.bench_function("Store::apply_update x 10 (one transaction each)", |b| {
        b.iter(|| {
            tick += 1;
            let at = start() + Duration::seconds(tick);
            for a in &asins {
                let u = PriceUpdate {
                    points: vec![point(*a, at, 5_000_000 + tick)],
                    ..PriceUpdate::default()
                };
                black_box(rt.block_on(store.apply_update(&u)).expect("apply"));
            }
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Eight watched products with `days` of hourly history, monitored hourly from there.
struct Rig {
    clock: Arc<ManualClock>,
    monitor: AlertStep,
    asins: Vec<Asin>,
    _dir: std::path::PathBuf,
}

fn rig(rt: &tokio::runtime::Runtime, days: i64) -> Rig {
    let asins = numbered_asins(100, 8);
    let now = start() + Duration::days(days);
    let clock = Arc::new(ManualClock::new(now));
    let source = Arc::new(FakeSource::new(clock.clone(), 0, 3));
    for (i, a) in asins.iter().enumerate() {
        source.add(IN, *a, 5_000_000 + 10_000 * i as i64, true);
    }
    let dir = std::env::temp_dir().join(format!("mandi-bench-day{days}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let store = Arc::new(SqliteStore::open(dir.join("m.db")).expect("store"));
    rt.block_on(async {
        let user = store
            .upsert_user(
                &NewUser {
                    identity: ExternalIdentity::new("bench", "1"),
                    display_name: None,
                    settings: UserSettings::default(),
                },
                start(),
            )
            .await
            .expect("user");
        for (i, a) in asins.iter().enumerate() {
            store
                .create_watch(
                    &NewWatch {
                        user_id: user.id,
                        target: WatchTarget::Product {
                            marketplace: IN,
                            asin: *a,
                        },
                        rules: vec![
                            AlertRule::DropFromBaseline { bps: 800 },
                            AlertRule::LowestInDays { days: 30 },
                            AlertRule::BackInStock,
                        ],
                        baseline_price: Some(Money::from_minor(5_000_000, Currency::INR)),
                        label: None,
                    },
                    start(),
                )
                .await
                .expect("watch");
            let history: Vec<_> = (0..days * 24)
                .map(|h| {
                    point(
                        *a,
                        start() + Duration::hours(h),
                        5_000_000 + 10_000 * i as i64 + (h * 7_919) % 300_000,
                    )
                })
                .collect();
            for chunk in history.chunks(5_000) {
                store.record_prices(chunk).await.expect("history");
            }
        }
    });
    let monitor = AlertStep::new(source, store, clock.clone());
    Rig {
        clock,
        monitor,
        asins,
        _dir: dir,
    }
}

fn monitoring_day(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("monitoring: one simulated day, 8 products refreshed hourly");
    group.sample_size(10);
    for days in [30, 365] {
        let r = rig(&rt, days);
        group.bench_function(format!("at day {days} of history"), |b| {
            b.iter(|| {
                for _ in 0..24 {
                    r.clock.advance(Duration::hours(1));
                    black_box(
                        rt.block_on(r.monitor.refresh(IN, &r.asins))
                            .expect("refresh"),
                    );
                }
            })
        });
        let _ = std::fs::remove_dir_all(&r._dir);
    }
    group.finish();
}

/// A year of hourly buy-box prices with seeded noise, a festival drop and some gaps (the
/// analytics benchmark's input).
fn hourly_year() -> (Vec<PricePoint>, DateTime<Utc>) {
    let asin: Asin = "B0CX59H5W7".parse().expect("asin");
    let mut state: u64 = 1;
    let hours = 365 * 24;
    let points = (0..hours)
        .map(|h| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let r = z ^ (z >> 31);
            let unknown = r.is_multiple_of(200);
            let festival = (330 * 24..345 * 24).contains(&h);
            let base: i64 = if festival { 4_799_900 } else { 5_499_900 };
            let mut p = point(
                asin,
                start() + Duration::hours(h),
                base + (r % 60_000) as i64,
            );
            if unknown {
                p.price = None;
                p.availability = Availability::Unknown;
            }
            p
        })
        .collect();
    (points, start() + Duration::hours(hours))
}

fn deal_score(c: &mut Criterion) {
    let (history, now) = hourly_year();
    let mut product = Product::new("B0CX59H5W7".parse().expect("asin"), IN, "Phone", now);
    let mut offer = Offer::new(
        Some(Money::from_minor(4_899_900, Currency::INR)),
        Availability::InStock,
    );
    offer.list_price = Some(Money::from_minor(6_999_900, Currency::INR));
    product.offers.push(offer);
    let scorer = HistoryScorer::default();
    c.bench_function(
        "deal score on a year of hourly history (8,760 points)",
        |b| {
            b.iter(|| {
                black_box(scorer.score(&ScoreInput {
                    product: &product,
                    history: &history,
                    now,
                }))
            })
        },
    );
}

criterion_group!(benches, store_writes, monitoring_day, deal_score);
criterion_main!(benches);
