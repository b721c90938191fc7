//! Exchange rates over HTTP on loopback: the sandbox marketplace's ECB-format feed read by
//! `HttpRateSource` and cached by `RateCache`, and what a broken feed server gives.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use mandi_core::fx::{FxError, FxPolicy, RateCache, RateSource, sandbox_rates};
use mandi_core::{Currency, ManualClock, Money};
use mandi_paapi::fx::{HttpRateSource, SANDBOX_FEED_PATH};
use mandi_paapi::sandbox::Sandbox;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

#[tokio::test]
async fn the_sandbox_serves_a_deterministic_feed_dated_its_last_working_day() {
    // Saturday 5 December 2026: the ECB's last rates are Friday's.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0)
            .single()
            .expect("time"),
    ));
    let sandbox = Sandbox::builder()
        .seed(7)
        .clock(clock.clone())
        .start()
        .await
        .expect("sandbox");
    let source = HttpRateSource::sandbox(sandbox.base_url()).expect("source");
    assert!(source.url().as_str().ends_with(SANDBOX_FEED_PATH));
    let table = source.fetch().await.expect("feed");
    assert_eq!(table, sandbox_rates(day(2026, 12, 4)));
    // Hand-computed at the sandbox's rates: $100 ÷ 1.0523 × 89.2495 = 8481.3741… → ₹8,481.37
    assert_eq!(
        table.convert(Money::from_major(100, Currency::USD), Currency::INR),
        Ok(Money::from_minor(848_137, Currency::INR))
    );
    // ¥129,800 ÷ 171.94 × 89.2495 = 67375.742… → ₹67,375.74
    assert_eq!(
        table.convert(Money::from_major(129_800, Currency::JPY), Currency::INR),
        Ok(Money::from_minor(6_737_574, Currency::INR))
    );

    // Through the cache: fresh on Monday, stale a week later under a 5-day policy, the
    // sandbox clock moving on while the cache keeps Monday's table.
    clock.set(
        Utc.with_ymd_and_hms(2026, 12, 7, 17, 0, 0)
            .single()
            .expect("time"),
    );
    let cache = RateCache::new(source, clock.clone())
        .policy(FxPolicy { max_age_days: 5 })
        .refresh_after(chrono::Duration::days(30));
    let c = cache
        .convert(Money::from_major(1_299, Currency::EUR), Currency::GBP)
        .await
        .expect("convert");
    // 1 299 € × 0.84638 = £1,099.44762 → £1,099.45
    assert_eq!(
        (c.money, c.rate_date, c.stale),
        (
            Money::from_minor(109_945, Currency::GBP),
            day(2026, 12, 7),
            false
        )
    );
    clock.set(
        Utc.with_ymd_and_hms(2026, 12, 14, 9, 0, 0)
            .single()
            .expect("time"),
    );
    let c = cache
        .convert(Money::from_major(1_299, Currency::EUR), Currency::GBP)
        .await
        .expect("convert");
    assert_eq!((c.rate_date, c.stale), (day(2026, 12, 7), true));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_broken_feed_server_is_a_fetch_or_format_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/down.xml"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/html.xml"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<html><body>maintenance</body></html>"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/slow.xml"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let good = sandbox_rates(day(2026, 12, 4));
    Mock::given(method("GET"))
        .and(path("/good.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(good.to_ecb_xml()))
        .mount(&server)
        .await;

    let at = |p: &str| {
        HttpRateSource::with_timeout(&format!("{}{p}", server.uri()), Duration::from_millis(500))
            .expect("source")
    };
    let err = at("/down.xml").fetch().await.expect_err("503");
    assert!(
        matches!(&err, FxError::Fetch { message, .. } if message == "HTTP 503"),
        "{err}"
    );
    let err = at("/html.xml").fetch().await.expect_err("html");
    assert!(matches!(err, FxError::Malformed { .. }), "{err}");
    let err = at("/slow.xml").fetch().await.expect_err("slow");
    assert!(
        matches!(&err, FxError::Fetch { message, .. } if message.contains("timed out")),
        "{err}"
    );
    assert_eq!(at("/good.xml").fetch().await, Ok(good));

    // A closed port.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let err = HttpRateSource::new(&format!("http://127.0.0.1:{port}/x.xml"))
        .expect("source")
        .fetch()
        .await
        .expect_err("closed");
    assert!(
        matches!(&err, FxError::Fetch { message, .. } if message.starts_with("network error")),
        "{err}"
    );
    // Not an http(s) URL.
    assert!(HttpRateSource::new("file:///etc/rates.xml").is_err());
    assert!(HttpRateSource::new("not a url").is_err());
}
