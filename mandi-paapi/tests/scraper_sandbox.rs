//! The fallback scraper on the sandbox's own product pages (desktop and mobile layouts, books,
//! out of stock, deals, robot checks): what it reads agrees with the oracle, and a robot check
//! is unknown, never garbage.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use mandi_core::{Availability, Clock, ItemsRequest, ManualClock, Marketplace, ProductSource};
use mandi_paapi::sandbox::{Faults, Sandbox};
use mandi_paapi::scraper::{PageKind, ScraperSource, parse_product_page};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 10, 20, 6, 0, 0)
            .single()
            .expect("time"),
    ))
}

#[tokio::test]
async fn scraped_sandbox_pages_agree_with_the_oracle() {
    let clock = clock();
    let sandbox = Sandbox::builder()
        .seed(11)
        .clock(clock.clone())
        .start()
        .await
        .expect("sandbox");
    let scraper = ScraperSource::new(
        sandbox.base_url().parse().expect("url"),
        Duration::from_secs(5),
        clock.clone(),
    )
    .expect("scraper");
    let s = sandbox.catalog().sample();
    // A spread of products: the samples and every 47th item, so stock-outs and deals turn up.
    let mut asins = vec![s.phone, s.laptop, s.book, s.family_child];
    asins.extend(sandbox.catalog().asins().step_by(47).take(40));
    let mut compared = 0;
    for chunk in asins.chunks(10) {
        let batch = scraper
            .get_items(&ItemsRequest::new(
                Marketplace::India,
                chunk.iter().copied(),
            ))
            .await
            .expect("pages read");
        assert!(batch.errors.is_empty(), "{:?}", batch.errors);
        for p in &batch.items {
            let truth = sandbox
                .oracle()
                .offer(p.asin, clock.now())
                .expect("oracle knows it");
            assert_eq!(p.price(), truth.price, "{}: price", p.asin);
            assert_eq!(p.availability(), truth.availability, "{}: stock", p.asin);
            if truth.availability == Availability::OutOfStock {
                assert_eq!(p.price(), None, "out of stock is no price, never zero");
            }
            compared += 1;
        }
    }
    assert!(compared >= 40, "compared {compared}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn mobile_pages_read_like_desktop_pages() {
    let clock = clock();
    let sandbox = Sandbox::builder()
        .seed(11)
        .clock(clock.clone())
        .start()
        .await
        .expect("sandbox");
    let s = sandbox.catalog().sample();
    let http = reqwest::Client::new();
    for asin in [s.phone, s.book] {
        let desktop = http
            .get(format!("{}/dp/{asin}", sandbox.base_url()))
            .send()
            .await
            .expect("desktop page")
            .text()
            .await
            .expect("text");
        let mobile = http
            .get(format!("{}/gp/aw/d/{asin}", sandbox.base_url()))
            .send()
            .await
            .expect("mobile page")
            .text()
            .await
            .expect("text");
        let (d, m) = (
            parse_product_page(&desktop, Marketplace::India),
            parse_product_page(&mobile, Marketplace::India),
        );
        assert_eq!(d.kind, m.kind);
        assert_eq!(d.price, m.price, "{asin}");
        assert_eq!(d.availability, m.availability, "{asin}");
        assert!(d.title.is_some(), "{asin}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_robot_check_gives_unknown_not_garbage() {
    let clock = clock();
    let faults: Faults = "captcha=1.0".parse().expect("faults");
    let sandbox = Sandbox::builder()
        .seed(11)
        .clock(clock.clone())
        .faults(faults)
        .start()
        .await
        .expect("sandbox");
    let s = sandbox.catalog().sample();
    let page = reqwest::get(format!("{}/dp/{}", sandbox.base_url(), s.phone))
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    let parsed = parse_product_page(&page, Marketplace::India);
    assert_eq!(parsed.kind, PageKind::RobotCheck);
    assert_eq!(parsed.price, None);
    assert_eq!(parsed.availability, Availability::Unknown);
    sandbox.shutdown().await;
}
