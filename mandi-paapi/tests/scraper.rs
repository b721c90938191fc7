//! The fallback scraper: page fixtures of the main amazon.in layouts, and `ScraperSource`
//! against wiremock on loopback.
#![allow(clippy::unwrap_used)] // tests may unwrap

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use mandi_core::{
    Asin, Availability, BrowseNodesRequest, DataOrigin, ItemErrorKind, ItemsRequest, ManualClock,
    Marketplace, ProductSource, SearchRequest, SourceError, VariationsRequest,
};
use mandi_paapi::scraper::{
    PageKind, ScrapedPage, ScraperSettings, ScraperSource, parse_product_page,
};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DESKTOP: &str = include_str!("resources/pages/desktop.html");
const MOBILE: &str = include_str!("resources/pages/mobile.html");
const OUT_OF_STOCK: &str = include_str!("resources/pages/out_of_stock.html");
const DEAL: &str = include_str!("resources/pages/deal.html");
const BOOK: &str = include_str!("resources/pages/book.html");
const ROBOT: &str = include_str!("resources/pages/robot_check.html");
const NOT_FOUND: &str = include_str!("resources/pages/not_found.html");

const IN: Marketplace = Marketplace::India;

fn page(html: &str) -> ScrapedPage {
    parse_product_page(html, IN)
}

fn paise(p: Option<mandi_core::Money>) -> Option<i64> {
    p.map(|m| m.minor())
}

fn asin(s: &str) -> Asin {
    s.parse().unwrap()
}

#[test]
fn desktop_page_reads_every_field() {
    let p = page(DESKTOP);
    assert_eq!(p.kind, PageKind::Product);
    assert_eq!(
        p.title.as_deref(),
        Some("Samsung Galaxy S24 5G AI Smartphone (Onyx Black, 8GB, 256GB Storage)")
    );
    assert_eq!(p.brand.as_deref(), Some("Samsung"));
    assert_eq!(paise(p.price), Some(5_929_900));
    assert_eq!(paise(p.list_price), Some(7_999_900));
    assert_eq!(p.savings_percent, Some(26));
    assert_eq!(p.availability, Availability::InStock);
    assert_eq!(p.availability_message.as_deref(), Some("In stock"));
    let r = p.reviews.unwrap();
    assert_eq!((r.rating_centi, r.count), (430, 2_847));
    assert_eq!(p.seller.as_deref(), Some("Darshita Electronics"));
    assert_eq!(p.deal, None);
}

#[test]
fn mobile_page_reads_whole_price_when_offscreen_text_is_empty() {
    let p = page(MOBILE);
    assert_eq!(p.kind, PageKind::Product);
    assert!(p.title.as_deref().unwrap().starts_with("boAt Airdopes 141"));
    assert_eq!(p.brand.as_deref(), Some("boAt"));
    assert_eq!(paise(p.price), Some(119_900));
    assert_eq!(paise(p.list_price), Some(449_000));
    assert_eq!(p.availability, Availability::InStock);
    assert_eq!(
        p.availability_message.as_deref(),
        Some("Only 3 left in stock.")
    );
    let r = p.reviews.unwrap();
    assert_eq!((r.rating_centi, r.count), (390, 412_377));
}

#[test]
fn out_of_stock_page_has_no_price_and_is_out_of_stock() {
    let p = page(OUT_OF_STOCK);
    assert_eq!(p.kind, PageKind::Product);
    assert_eq!(p.price, None);
    assert_eq!(p.list_price, None);
    assert_eq!(p.availability, Availability::OutOfStock);
    assert!(
        p.availability_message
            .unwrap()
            .starts_with("Currently unavailable.")
    );
    assert_eq!(p.brand.as_deref(), Some("Sony"));
}

#[test]
fn deal_page_reads_the_badge_countdown_and_claimed_share() {
    let p = page(DEAL);
    assert_eq!(paise(p.price), Some(239_900));
    assert_eq!(paise(p.list_price), Some(499_500));
    let deal = p.deal.clone().unwrap();
    assert_eq!(deal.badge, "Lightning Deal");
    assert_eq!(
        deal.ends_in,
        Some(TimeDelta::seconds(4 * 3600 + 12 * 60 + 33))
    );
    assert_eq!(deal.percent_claimed, Some(37));
    assert_eq!(p.seller.as_deref(), Some("Cloudtail India"));
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap();
    let product = p.into_product(asin("B0BXJ8NWJ3"), IN, at, None).unwrap();
    let offer = product.buy_box().unwrap();
    let d = offer.deal.as_ref().unwrap();
    assert!(d.is_lightning());
    assert_eq!(d.ends_at, Some(at + TimeDelta::seconds(15_153)));
    let savings = offer.savings.unwrap();
    assert_eq!((savings.amount.minor(), savings.percent), (259_600, 52));
}

#[test]
fn book_page_reads_price_list_price_and_authors() {
    let p = page(BOOK);
    assert_eq!(p.title.as_deref(), Some("The Psychology of Money"));
    assert_eq!(paise(p.price), Some(29_900));
    assert_eq!(paise(p.list_price), Some(39_900));
    assert_eq!(p.authors, vec!["Morgan Housel".to_owned()]);
    assert_eq!(p.brand, None, "an author byline is not a brand");
    assert_eq!(p.availability, Availability::InStock);
    let r = p.reviews.unwrap();
    assert_eq!((r.rating_centi, r.count), (460, 118_904));
    let product = page(BOOK)
        .into_product(
            asin("9390166268"),
            IN,
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            None,
        )
        .unwrap();
    assert_eq!(
        product.contributors,
        vec![("Author".to_owned(), "Morgan Housel".to_owned())]
    );
}

#[test]
fn robot_check_gives_unknown_and_no_price_never_garbage() {
    let p = page(ROBOT);
    assert_eq!(p.kind, PageKind::RobotCheck);
    assert_eq!(
        p.price, None,
        "the ₹1.00 on the challenge page is not a price"
    );
    assert_eq!(p.list_price, None);
    assert_eq!(p.availability, Availability::Unknown);
    assert_eq!(p.title, None);
    assert_eq!(p.reviews, None);
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    assert!(p.into_product(asin("B0CS5XW6TN"), IN, at, None).is_none());
}

#[test]
fn not_found_and_unknown_pages_are_not_products() {
    assert_eq!(page(NOT_FOUND).kind, PageKind::NotFound);
    let odd = page(
        "<html><body><h1>Hello</h1><span class=\"a-price\"><span class=\"a-offscreen\">₹5</span></span></body></html>",
    );
    assert_eq!(odd.kind, PageKind::Unrecognised);
    assert_eq!(odd.price, None);
    let garbage = page("\u{0}\u{1}<<<>>>&&&;;; <span id=productTitle>");
    assert_ne!(garbage.kind, PageKind::RobotCheck);
    assert_eq!(garbage.price, None);
}

#[test]
fn scraped_products_are_marked_scraped() {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let product = page(DESKTOP)
        .into_product(
            asin("B0CS5XW6TN"),
            IN,
            at,
            Some("http://127.0.0.1/dp/B0CS5XW6TN".into()),
        )
        .unwrap();
    assert_eq!(product.origin, DataOrigin::Scraped);
    assert_eq!(product.price().map(|m| m.minor()), Some(5_929_900));
    assert_eq!(product.availability(), Availability::InStock);
    assert_eq!(product.fetched_at, at);
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap(),
    ))
}

async fn server_with(pages: &[(&str, u16, &'static str)]) -> MockServer {
    let server = MockServer::start().await;
    for (asin, status, body) in pages {
        Mock::given(method("GET"))
            .and(path(format!("/dp/{asin}")))
            .respond_with(
                ResponseTemplate::new(*status).set_body_raw(*body, "text/html; charset=utf-8"),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(any())
        .respond_with(|r: &wiremock::Request| {
            ResponseTemplate::new(418).set_body_string(format!("unexpected request {}", r.url))
        })
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn source(server: &MockServer) -> ScraperSource {
    ScraperSource::new(
        server.uri().parse().unwrap(),
        Duration::from_secs(5),
        clock(),
    )
    .unwrap()
}

#[tokio::test]
async fn get_items_reads_pages_in_request_order() {
    let server = server_with(&[
        ("B0CS5XW6TN", 200, DESKTOP),
        ("B0BXJ8NWJ3", 200, DEAL),
        ("B0000NOPE1", 404, NOT_FOUND),
    ])
    .await;
    let s = source(&server);
    let request = ItemsRequest::new(
        IN,
        [
            asin("B0CS5XW6TN"),
            asin("B0BXJ8NWJ3"),
            asin("B0000NOPE1"),
            asin("B0CS5XW6TN"),
        ],
    );
    let batch = s.get_items(&request).await.unwrap();
    let got: Vec<Asin> = batch.items.iter().map(|p| p.asin).collect();
    assert_eq!(got, vec![asin("B0CS5XW6TN"), asin("B0BXJ8NWJ3")]);
    assert!(batch.items.iter().all(|p| p.origin == DataOrigin::Scraped));
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].kind, ItemErrorKind::NotFound);
    assert_eq!(
        batch.items[0].detail_page_url.as_deref(),
        Some(format!("{}/dp/B0CS5XW6TN", server.uri()).as_str())
    );
}

#[tokio::test]
async fn a_robot_check_stops_the_batch() {
    let server = server_with(&[("B0CS5XW6TN", 200, DESKTOP), ("B0BXJ8NWJ3", 503, ROBOT)]).await;
    let s = source(&server);
    let request = ItemsRequest::new(
        IN,
        [asin("B0CS5XW6TN"), asin("B0BXJ8NWJ3"), asin("B0000LATER")],
    );
    let batch = s.get_items(&request).await.unwrap();
    assert_eq!(batch.items.len(), 1);
    let codes: Vec<(&str, Asin)> = batch
        .errors
        .iter()
        .map(|e| (e.code.as_str(), e.asin))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("RobotCheck", asin("B0BXJ8NWJ3")),
            ("RobotCheck", asin("B0000LATER"))
        ]
    );
    // The mock's expectations (no request for B0000LATER) are checked on drop.
}

#[tokio::test]
async fn throttling_and_server_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(path("/dp/B0CS5XW6TN"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "42"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/dp/B0BXJ8NWJ3"))
        .respond_with(ResponseTemplate::new(500).set_body_string("oops"))
        .expect(1)
        .mount(&server)
        .await;
    let s = source(&server);
    let err = s
        .get_items(&ItemsRequest::new(IN, [asin("B0CS5XW6TN")]))
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(42)));
    let err = s
        .get_items(&ItemsRequest::new(IN, [asin("B0BXJ8NWJ3")]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SourceError::Server { status: 500, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_slow_page_times_out() {
    let server = MockServer::start().await;
    Mock::given(path("/dp/B0CS5XW6TN"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(DESKTOP, "text/html")
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let s = ScraperSource::new(
        server.uri().parse().unwrap(),
        Duration::from_millis(200),
        clock(),
    )
    .unwrap();
    let err = s
        .get_items(&ItemsRequest::new(IN, [asin("B0CS5XW6TN")]))
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn other_operations_are_refused_clearly() {
    let s = ScraperSource::new(
        "http://127.0.0.1:9".parse().unwrap(),
        Duration::from_secs(1),
        clock(),
    )
    .unwrap();
    let search = s
        .search_items(&SearchRequest::keywords(IN, "phone"))
        .await
        .unwrap_err();
    assert!(
        search.to_string().contains("only reads product pages"),
        "{search}"
    );
    assert!(
        s.get_variations(&VariationsRequest::new(IN, asin("B0CS5XW6TN")))
            .await
            .is_err()
    );
    let nodes = BrowseNodesRequest {
        marketplace: IN,
        ids: vec!["1805560031".into()],
    };
    assert!(s.get_browse_nodes(&nodes).await.is_err());
    assert_eq!(s.name(), "scraper");
}

#[test]
fn the_scraper_is_off_by_default() {
    let settings = ScraperSettings::default();
    assert!(!settings.enabled);
    assert!(
        ScraperSource::from_settings(&settings, clock())
            .unwrap()
            .is_none()
    );
    let on = ScraperSettings {
        enabled: true,
        ..ScraperSettings::default()
    };
    let err = ScraperSource::from_settings(&on, clock()).unwrap_err();
    assert!(
        err.to_string().contains("scraper base URL is required"),
        "{err}"
    );
    let ftp = ScraperSettings {
        enabled: true,
        base_url: Some("ftp://127.0.0.1/".parse().unwrap()),
        ..ScraperSettings::default()
    };
    assert!(ScraperSource::from_settings(&ftp, clock()).is_err());
}
