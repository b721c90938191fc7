//! Exchange rates: the ECB feed format, exact conversion with half-even rounding checked
//! against hand-computed values, staleness, and the cache over a real file source.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{NaiveDate, TimeZone, Utc};
use mandi_core::fx::{
    FileRateSource, FxError, FxPolicy, Rate, RateCache, RateSource, RateTable, sandbox_rates,
};
use mandi_core::{Currency, ManualClock, Marketplace, Money};

/// The ECB's file for 28 June 2024, as published.
const ECB_2024_06_28: &str = include_str!("resources/eurofxref-daily-2024-06-28.xml");

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn table() -> RateTable {
    RateTable::parse_ecb_xml(ECB_2024_06_28).expect("ECB feed")
}

#[test]
fn the_published_feed_is_read_whole() {
    let t = table();
    assert_eq!(t.date(), day(2024, 6, 28));
    assert_eq!(t.rates().count(), 30);
    assert_eq!(
        t.rates().next().map(|(c, r)| (c, r.to_string())),
        Some(("USD", "1.0705".into()))
    );
    assert_eq!(
        t.rate(Currency::INR).map(|r| r.to_string()),
        Some("89.2495".into())
    );
    assert_eq!(
        t.rate_of("HUF").map(|r| r.to_string()),
        Some("395.10".into())
    );
    assert_eq!(t.rate(Currency::EUR), Some(Rate::ONE));
    // What the ECB does not publish.
    for c in [Currency::AED, Currency::SAR, Currency::EGP] {
        assert_eq!(t.rate(c), None);
    }
    // Written back and read again, the same table.
    assert_eq!(RateTable::parse_ecb_xml(&t.to_ecb_xml()), Ok(t));
}

/// Hand-computed: amount ÷ rate(from) × rate(to), rounded half to even to a minor unit.
#[test]
fn conversions_match_hand_computed_values() {
    let t = table();
    let cases: &[(Money, Currency, Money)] = &[
        // 100.00 € × 1.0705 = $107.05 exactly.
        (
            Money::from_major(100, Currency::EUR),
            Currency::USD,
            Money::from_minor(10_705, Currency::USD),
        ),
        // $107.05 ÷ 1.0705 = 100.00 € exactly.
        (
            Money::from_minor(10_705, Currency::USD),
            Currency::EUR,
            Money::from_major(100, Currency::EUR),
        ),
        // ₹1,29,999 ÷ 89.2495 × 1.0705 = 1559.2684… → $1,559.27
        (
            Money::from_major(129_999, Currency::INR),
            Currency::USD,
            Money::from_minor(155_927, Currency::USD),
        ),
        // ₹1,29,999 ÷ 89.2495 × 171.94 = 250444.29… → ¥250,444 (yen has no minor unit)
        (
            Money::from_major(129_999, Currency::INR),
            Currency::JPY,
            Money::from_major(250_444, Currency::JPY),
        ),
        // ¥129,800 ÷ 171.94 × 89.2495 = 67375.742… → ₹67,375.74
        (
            Money::from_major(129_800, Currency::JPY),
            Currency::INR,
            Money::from_minor(6_737_574, Currency::INR),
        ),
        // £1,299.00 ÷ 0.84638 = 1534.7716… → 1.534,77 €
        (
            Money::from_major(1_299, Currency::GBP),
            Currency::EUR,
            Money::from_minor(153_477, Currency::EUR),
        ),
        // $1,000 ÷ 1.0705 × 0.84638 = 790.63988… → £790.64
        (
            Money::from_major(1_000, Currency::USD),
            Currency::GBP,
            Money::from_minor(79_064, Currency::GBP),
        ),
        // 1.299,00 € × 11.3595 = 14755.990 5 → 14 755,99 kr (…0.05 of an öre is below a half)
        (
            Money::from_major(1_299, Currency::EUR),
            Currency::SEK,
            Money::from_minor(1_475_599, Currency::SEK),
        ),
        // ₹54,999 ÷ 89.2495 = 616.2387… → 616,24 €
        (
            Money::from_major(54_999, Currency::INR),
            Currency::EUR,
            Money::from_minor(61_624, Currency::EUR),
        ),
        // 1 US cent = 1.606 yen → ¥2
        (
            Money::from_minor(1, Currency::USD),
            Currency::JPY,
            Money::from_major(2, Currency::JPY),
        ),
        // 123,45 zł ÷ 4.3090 × 35.1868 = 1008.0785… → ₺1.008,08
        (
            Money::from_minor(12_345, Currency::PLN),
            Currency::TRY,
            Money::from_minor(100_808, Currency::TRY),
        ),
        // The same currency is untouched.
        (
            Money::from_minor(12_345, Currency::INR),
            Currency::INR,
            Money::from_minor(12_345, Currency::INR),
        ),
        // Negative amounts (a refund) round symmetrically.
        (
            Money::from_major(-100, Currency::EUR),
            Currency::USD,
            Money::from_minor(-10_705, Currency::USD),
        ),
    ];
    for (from, to, want) in cases {
        assert_eq!(t.convert(*from, *to), Ok(*want), "{from:?} → {to}");
    }
}

#[test]
fn ties_round_half_to_even() {
    // 0.5 units per euro: 1 cent → 0.5 cent, 3 → 1.5, 5 → 2.5, 7 → 3.5.
    let half = RateTable::new(day(2026, 12, 4)).with_rate("USD", Rate::parse("0.5").expect("rate"));
    for (eur_cents, usd_cents) in [(1, 0), (3, 2), (5, 2), (7, 4), (-1, 0), (-3, -2)] {
        assert_eq!(
            half.convert(Money::from_minor(eur_cents, Currency::EUR), Currency::USD),
            Ok(Money::from_minor(usd_cents, Currency::USD)),
            "{eur_cents} cents"
        );
    }
    // And the other way: 2 units per euro, 1 cent → 0.5 euro cent → 0; 3 → 1.5 → 2.
    let two = RateTable::new(day(2026, 12, 4)).with_rate("USD", Rate::parse("2").expect("rate"));
    assert_eq!(
        two.convert(Money::from_minor(1, Currency::USD), Currency::EUR),
        Ok(Money::zero(Currency::EUR))
    );
    assert_eq!(
        two.convert(Money::from_minor(3, Currency::USD), Currency::EUR),
        Ok(Money::from_minor(2, Currency::EUR))
    );
}

#[test]
fn missing_rates_and_overflow_are_errors() {
    let t = table();
    assert_eq!(
        t.convert(Money::from_major(10, Currency::AED), Currency::INR),
        Err(FxError::NoRate {
            currency: "AED".into()
        })
    );
    let err = t.convert(Money::from_minor(i64::MAX, Currency::JPY), Currency::INR);
    assert!(matches!(err, Err(FxError::Overflow { .. })), "{err:?}");
    // Added by hand, a missing rate converts.
    let with_aed = t
        .clone()
        .with_rate("aed", Rate::parse("3.9315").expect("rate"));
    assert_eq!(
        with_aed.convert(Money::from_major(100, Currency::EUR), Currency::AED),
        Ok(Money::from_minor(39_315, Currency::AED))
    );
}

#[test]
fn every_marketplace_currency_converts_with_the_sandbox_feed() {
    let t = RateTable::parse_ecb_xml(&sandbox_rates(day(2026, 12, 4)).to_ecb_xml())
        .expect("sandbox feed");
    for m in Marketplace::ALL {
        let price = Money::from_major(1_299, m.currency());
        let inr = t
            .convert(price, Currency::INR)
            .unwrap_or_else(|e| panic!("{m}: {e}"));
        assert!(inr.minor() > 0, "{m}");
        // Back again: a paisa is worth less than a minor unit of every other currency here,
        // so the round trip is off by at most one minor unit.
        let back = t
            .convert(inr, m.currency())
            .unwrap_or_else(|e| panic!("{m}: {e}"));
        assert!(
            (back.minor() - price.minor()).abs() <= 1,
            "{m}: {price:?} → {inr:?} → {back:?}"
        );
    }
}

#[test]
fn a_feed_with_several_days_gives_the_latest() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<Cube>
<Cube time="2026-12-03"><Cube currency="USD" rate="1.0500"/></Cube>
<Cube time="2026-12-04"><Cube currency="USD" rate="1.0523"/><Cube currency="INR" rate="89.30"/></Cube>
<Cube time="2026-12-02"><Cube currency="USD" rate="1.0490"/></Cube>
</Cube>
</gesmes:Envelope>"#;
    let days = RateTable::parse_ecb_history(xml).expect("history");
    assert_eq!(
        days.iter().map(RateTable::date).collect::<Vec<_>>(),
        vec![day(2026, 12, 3), day(2026, 12, 4), day(2026, 12, 2)]
    );
    let latest = RateTable::parse_ecb_xml(xml).expect("latest");
    assert_eq!(latest.date(), day(2026, 12, 4));
    assert_eq!(
        latest.rate(Currency::USD).map(|r| r.to_string()),
        Some("1.0523".into())
    );
}

#[test]
fn what_is_not_a_feed_is_refused_with_the_reason() {
    let wrap = |cubes: &str| {
        format!("<gesmes:Envelope xmlns:gesmes='g'><Cube>{cubes}</Cube></gesmes:Envelope>")
    };
    let cases: Vec<(String, &str)> = vec![
        (
            "<html><body>Service unavailable</body></html>".into(),
            "not <gesmes:Envelope>",
        ),
        ("".into(), "no elements"),
        (wrap(""), "no rates"),
        (wrap("<Cube time='2026-12-04'></Cube>"), "no rates"),
        (
            wrap("<Cube currency='USD' rate='1.05'/>"),
            "outside a dated",
        ),
        (
            wrap("<Cube time='04.12.2026'><Cube currency='USD' rate='1.05'/></Cube>"),
            "not a date",
        ),
        (
            wrap("<Cube time='2026-12-04'><Cube currency='usd' rate='1.05'/></Cube>"),
            "not a currency code",
        ),
        (
            wrap("<Cube time='2026-12-04'><Cube currency='USD'/></Cube>"),
            "has no rate",
        ),
        (
            wrap("<Cube time='2026-12-04'><Cube currency='USD' rate='-1.05'/></Cube>"),
            "not an exchange rate",
        ),
        (
            wrap("<Cube time='2026-12-04'><Cube currency='USD' rate='0'/></Cube>"),
            "not an exchange rate",
        ),
        (
            wrap(
                "<Cube time='2026-12-04'><Cube currency='USD' rate='1.05'/><Cube currency='USD' rate='1.06'/></Cube>",
            ),
            "two rates",
        ),
        (
            wrap("<Cube time='2026-12-04'><Cube currency='USD' rate=1.05/></Cube>"),
            "not quoted",
        ),
        (
            "<gesmes:Envelope><Cube time='2026-12-04'><Cube currency='USD' rate='1.05'".into(),
            "not closed",
        ),
    ];
    for (xml, says) in cases {
        let err = RateTable::parse_ecb_xml(&xml).expect_err(&xml);
        assert!(err.to_string().contains(says), "{xml}: {err}");
    }
}

#[test]
fn staleness_follows_the_policy() {
    let t = table(); // Friday 28 June 2024
    assert_eq!(t.age_days(day(2024, 6, 28)), 0);
    assert_eq!(t.age_days(day(2024, 7, 1)), 3, "the Monday after");
    assert!(
        !t.is_stale(day(2024, 7, 1), FxPolicy::default().max_age_days),
        "a weekend is not stale"
    );
    assert!(!t.is_stale(day(2024, 7, 3), 5));
    assert!(t.is_stale(day(2024, 7, 4), 5));
    assert!(t.is_stale(day(2024, 6, 30), 1));
}

/// A source that counts its calls and can be made to fail.
struct Flaky {
    inner: FileRateSource,
    calls: AtomicUsize,
    fail: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl RateSource for Flaky {
    async fn fetch(&self) -> Result<RateTable, FxError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail.load(Ordering::SeqCst) {
            return Err(FxError::Fetch {
                source_name: "test".into(),
                message: "connection refused".into(),
            });
        }
        self.inner.fetch().await
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

#[tokio::test]
async fn the_cache_refreshes_keeps_the_last_table_and_flags_staleness() {
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = dir.path().join("eurofxref-daily.xml");
    std::fs::write(&feed, ECB_2024_06_28).expect("write feed");
    let cache_path = dir.path().join("rates-cache.xml");
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2024, 6, 28, 17, 0, 0)
            .single()
            .expect("time"),
    ));
    let source = Arc::new(Flaky {
        inner: FileRateSource::new(&feed),
        calls: AtomicUsize::new(0),
        fail: false.into(),
    });
    let cache = RateCache::new(source.clone(), clock.clone())
        .refresh_after(chrono::Duration::hours(6))
        .policy(FxPolicy { max_age_days: 2 })
        .cache_file(&cache_path);

    let c = cache
        .convert(Money::from_major(100, Currency::EUR), Currency::USD)
        .await
        .expect("convert");
    assert_eq!(
        (c.money, c.rate_date, c.stale),
        (
            Money::from_minor(10_705, Currency::USD),
            day(2024, 6, 28),
            false
        )
    );
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    assert!(cache_path.exists(), "the good table is kept on disk");

    // Within the refresh interval the source is not asked again.
    clock.advance(chrono::Duration::hours(5));
    cache.table().await.expect("cached");
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);

    // A newer feed replaces it after the interval.
    std::fs::write(
        &feed,
        ECB_2024_06_28
            .replace("2024-06-28", "2024-07-01")
            .replace("1.0705", "1.0712"),
    )
    .expect("write");
    clock.set(
        Utc.with_ymd_and_hms(2024, 7, 1, 17, 0, 0)
            .single()
            .expect("time"),
    );
    let c = cache
        .convert(Money::from_major(100, Currency::EUR), Currency::USD)
        .await
        .expect("convert");
    assert_eq!(
        (c.money.minor(), c.rate_date, c.stale),
        (10_712, day(2024, 7, 1), false)
    );
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);

    // The source fails for days: the last table is used, and flagged stale after 2 days.
    source.fail.store(true, Ordering::SeqCst);
    clock.set(
        Utc.with_ymd_and_hms(2024, 7, 3, 9, 0, 0)
            .single()
            .expect("time"),
    );
    let c = cache
        .convert(Money::from_major(100, Currency::EUR), Currency::USD)
        .await
        .expect("fallback");
    assert_eq!((c.rate_date, c.stale), (day(2024, 7, 1), false));
    clock.set(
        Utc.with_ymd_and_hms(2024, 7, 4, 9, 0, 0)
            .single()
            .expect("time"),
    );
    let c = cache
        .convert(Money::from_major(100, Currency::EUR), Currency::USD)
        .await
        .expect("fallback");
    assert_eq!(
        (c.money.minor(), c.rate_date, c.stale),
        (10_712, day(2024, 7, 1), true)
    );

    // A new process with a dead source starts from the cache file.
    let fresh = RateCache::new(source.clone(), clock.clone()).cache_file(&cache_path);
    let snap = fresh.table().await.expect("from the cache file");
    assert_eq!(snap.table.date(), day(2024, 7, 1));
    assert!(
        !snap.stale,
        "3 days old is fresh under the default policy of 5 days"
    );
    // Without a cache file there is nothing to fall back on.
    let bare = RateCache::new(source.clone(), clock.clone());
    assert!(matches!(bare.table().await, Err(FxError::Fetch { .. })));
}

#[tokio::test]
async fn a_missing_file_is_an_io_error_naming_it() {
    let err = FileRateSource::new("/nonexistent/rates.xml")
        .fetch()
        .await
        .expect_err("missing");
    assert!(
        matches!(&err, FxError::Io { path, .. } if path == "/nonexistent/rates.xml"),
        "{err}"
    );
}
