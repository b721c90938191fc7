//! `CreatorsApiSource` against wiremock on loopback: wire format, mapping, errors, retries,
//! tokens and hostile replies.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use mandi_core::{
    Asin, Availability, BrowseNodesRequest, Condition, Currency, ItemErrorKind, ItemsBatch,
    ItemsRequest, ManualClock, Marketplace, Money, ProductSource, SearchRequest, SourceError,
    VariationsRequest,
};
use mandi_paapi::creators::{CreatorsApiSource, CredentialVersion, model};
use mandi_paapi::transport::{RateLimit, RetryPolicy, Timeouts};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const FULL: &str = include_str!("resources/creators_getItems_full10.json");
const PARTIAL: &str = include_str!("resources/creators_getItems_partial.json");
const SEARCH: &str = include_str!("resources/creators_searchItems_ok.json");
const VARIATIONS: &str = include_str!("resources/creators_getVariations_ok.json");
const NODES: &str = include_str!("resources/creators_getBrowseNodes_ok.json");

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

/// A reply with only the first item of the full fixture (B0CX59H5W7).
fn one_item() -> Value {
    let item = json_of(FULL)["itemsResult"]["items"][0].clone();
    json!({"itemsResult": {"items": [item]}})
}

fn asin(s: &str) -> Asin {
    s.parse().expect("valid ASIN")
}

fn clock() -> ManualClock {
    ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap())
}

/// Answers the token endpoint with `tok-1`, `tok-2`… and counts requests.
struct TokenResponder {
    count: Arc<AtomicUsize>,
    expires_in: u64,
}

impl Respond for TokenResponder {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": format!("tok-{n}"),
            "expires_in": self.expires_in,
            "token_type": "Bearer"
        }))
    }
}

struct Harness {
    server: MockServer,
    tokens: Arc<AtomicUsize>,
    clock: ManualClock,
}

impl Harness {
    async fn new() -> Self {
        Self::with_token_lifetime(3600).await
    }

    async fn with_token_lifetime(expires_in: u64) -> Self {
        let server = MockServer::start().await;
        let tokens = Arc::new(AtomicUsize::new(0));
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(TokenResponder {
                count: tokens.clone(),
                expires_in,
            })
            .named("token endpoint")
            .mount(&server)
            .await;
        // Catch-all: any request no other mock matched fails loudly, naming its route.
        Mock::given(any())
            .respond_with(|req: &Request| {
                ResponseTemplate::new(599).set_body_string(format!(
                    "no mock for {} {}",
                    req.method,
                    req.url.path()
                ))
            })
            .with_priority(u8::MAX)
            .named("catch-all: a route no test mock covers")
            .expect(0)
            .mount(&server)
            .await;
        Self {
            server,
            tokens,
            clock: clock(),
        }
    }

    fn builder(&self) -> mandi_paapi::creators::CreatorsApiSourceBuilder {
        CreatorsApiSource::builder()
            .credential_id("client-id")
            .credential_secret("client-secret-value")
            .credential_version(CredentialVersion::V2_2)
            .associate_tag("mandi-21")
            .base_url(self.server.uri())
            .token_url(format!("{}/oauth2/token", self.server.uri()))
            .retry_policy(RetryPolicy::fast(2))
            .rate_limit(RateLimit::unlimited())
            .clock(Arc::new(self.clock.clone()))
    }

    fn source(&self) -> CreatorsApiSource {
        self.builder().build().expect("builds")
    }

    fn token_requests(&self) -> usize {
        self.tokens.load(Ordering::SeqCst)
    }
}

/// Matches the whole `Authorization` value (wiremock's `header` splits values on commas).
fn auth_is(expected: &'static str) -> impl wiremock::Match {
    move |req: &Request| {
        req.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(expected)
    }
}

fn op(name: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path(format!("/catalog/v1/{name}")))
}

fn full_asins() -> Vec<Asin> {
    json_of(FULL)["itemsResult"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| asin(i["asin"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn get_items_maps_every_resource_of_a_full_ten_item_reply() {
    let h = Harness::new().await;
    let asins = full_asins();
    op("getItems")
        .and(auth_is("Bearer tok-1, Version 2.2"))
        .and(header("x-marketplace", "www.amazon.in"))
        .and(body_partial_json(json!({
            "partnerTag": "mandi-21",
            "itemIdType": "ASIN",
            "itemIds": asins.iter().map(Asin::as_str).collect::<Vec<_>>(),
        })))
        .respond_with(ResponseTemplate::new(200).set_body_string(FULL))
        .expect(1)
        .mount(&h.server)
        .await;

    let batch = h
        .source()
        .get_items(&ItemsRequest::new(Marketplace::India, asins.clone()))
        .await
        .expect("items");

    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(
        batch.items.iter().map(|p| p.asin).collect::<Vec<_>>(),
        asins
    );
    let p = &batch.items[0];
    assert_eq!(p.title, "Test Phone 0 (Black, 8GB RAM, 128GB Storage)");
    assert_eq!(p.brand.as_deref(), Some("Samsung"));
    assert_eq!(
        p.manufacturer.as_deref(),
        Some("Samsung India Electronics Pvt Ltd")
    );
    assert_eq!(p.features.len(), 3);
    assert_eq!(p.product_group.as_deref(), Some("Wireless"));
    assert_eq!(p.parent_asin, Some(asin("B0CX000000")));
    assert_eq!(p.images.len(), 2);
    assert_eq!((p.images[0].width, p.images[0].height), (375, 500));
    assert!(
        p.detail_page_url
            .as_deref()
            .unwrap()
            .contains("tag=mandi-21")
    );
    let node = &p.browse_nodes[0];
    assert_eq!(node.id, "1805560031");
    assert_eq!(node.sales_rank, Some(10));
    assert_eq!(
        node.ancestors
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>(),
        ["1389401031", "976419031"]
    );
    let reviews = p.reviews.expect("reviews");
    assert_eq!((reviews.rating_centi, reviews.count), (410, 1000));
    assert_eq!(p.marketplace, Marketplace::India);
    assert_eq!(p.fetched_at, h.clock.now_for_test());

    let buy_box = p.buy_box().expect("buy box");
    assert!(buy_box.is_buy_box_winner);
    assert_eq!(
        buy_box.price,
        Some(Money::from_minor(100_000, Currency::INR))
    );
    assert_eq!(
        buy_box.list_price,
        Some(Money::from_minor(125_000, Currency::INR))
    );
    let savings = buy_box.savings.expect("savings");
    assert_eq!((savings.amount.minor(), savings.percent), (25_000, 20));
    assert_eq!(buy_box.availability, Availability::InStock);
    assert_eq!(buy_box.availability_message.as_deref(), Some("In stock"));
    assert_eq!(
        buy_box.merchant.name.as_deref(),
        Some("Appario Retail Private Ltd")
    );
    let deal = buy_box.deal.as_ref().expect("deal");
    assert_eq!(deal.badge.as_deref(), Some("Limited time deal"));
    assert_eq!(deal.percent_claimed, Some(40));
    assert_eq!(
        deal.ends_at,
        Some(Utc.with_ymd_and_hms(2026, 11, 30, 18, 29, 0).unwrap())
    );
    let used = &p.offers[1];
    assert_eq!(used.condition, Condition::Used);
    assert!(!used.is_buy_box_winner);
    assert_eq!(used.price, Some(Money::from_minor(80_000, Currency::INR)));
    assert_eq!(used.list_price, None);

    // 2234.5 → ₹2,234.50 exactly; item 4 is out of stock; item 7 has loyalty points;
    // item 9 has a contributor.
    assert_eq!(
        batch.items[1].price(),
        Some(Money::from_minor(223_450, Currency::INR))
    );
    assert_eq!(batch.items[4].availability(), Availability::OutOfStock);
    assert_eq!(batch.items[7].offers[0].loyalty_points, Some(70));
    assert_eq!(
        batch.items[9].contributors,
        vec![("Author".to_owned(), "Mandi Test Author".to_owned())]
    );
    assert_eq!(h.token_requests(), 1);
}

trait NowForTest {
    fn now_for_test(&self) -> chrono::DateTime<Utc>;
}

impl NowForTest for ManualClock {
    fn now_for_test(&self) -> chrono::DateTime<Utc> {
        use mandi_core::Clock;
        self.now()
    }
}

#[tokio::test]
async fn partial_results_come_back_with_per_item_errors() {
    let h = Harness::new().await;
    op("getItems")
        .respond_with(ResponseTemplate::new(200).set_body_string(PARTIAL))
        .expect(1)
        .mount(&h.server)
        .await;
    let all = full_asins();
    let asked = vec![all[0], all[1], all[2], all[9]];
    let batch = h
        .source()
        .get_items(&ItemsRequest::new(Marketplace::India, asked))
        .await
        .expect("partial batch is not an error");
    assert_eq!(
        batch.items.iter().map(|p| p.asin).collect::<Vec<_>>(),
        [all[0], all[2]]
    );
    assert_eq!(batch.errors.len(), 2);
    assert_eq!(batch.errors[0].asin, all[1]);
    assert_eq!(batch.errors[0].kind, ItemErrorKind::NotAccessible);
    assert_eq!(batch.errors[0].code, "ItemNotAccessible");
    assert!(batch.errors[0].message.contains("not accessible"));
    assert_eq!(batch.errors[1].asin, all[9]);
    assert_eq!(batch.errors[1].kind, ItemErrorKind::Invalid);
}

/// Answers getItems with fixture items renamed to the ASINs asked for, and records the
/// size of each call.
struct EchoItems {
    template: Value,
    calls: Arc<std::sync::Mutex<Vec<Vec<String>>>>,
}

impl Respond for EchoItems {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: model::GetItemsRequest = serde_json::from_slice(&req.body).expect("request");
        self.calls.lock().unwrap().push(body.item_ids.clone());
        // Reply in reverse order: the client must restore request order.
        let items: Vec<Value> = body
            .item_ids
            .iter()
            .rev()
            .map(|id| {
                let mut item = self.template.clone();
                item["asin"] = json!(id);
                item
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"itemsResult": {"items": items}}))
    }
}

#[tokio::test]
async fn more_than_ten_asins_are_split_into_calls_of_ten_without_duplicates_in_order() {
    let h = Harness::new().await;
    let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
    op("getItems")
        .respond_with(EchoItems {
            template: json_of(FULL)["itemsResult"]["items"][0].clone(),
            calls: calls.clone(),
        })
        .expect(3)
        .mount(&h.server)
        .await;
    let unique: Vec<Asin> = (0..21).map(|i| asin(&format!("B0TEST{i:04}"))).collect();
    let mut asked = unique.clone();
    asked.insert(5, unique[1]);
    asked.push(unique[20]);
    asked.push(unique[0]);
    let batch = h
        .source()
        .get_items(&ItemsRequest::new(Marketplace::India, asked))
        .await
        .expect("items");
    assert_eq!(
        batch.items.iter().map(|p| p.asin).collect::<Vec<_>>(),
        unique
    );
    let sizes: Vec<usize> = calls.lock().unwrap().iter().map(Vec::len).collect();
    assert_eq!(sizes, [10, 10, 1]);
}

async fn error_reply(status: u16, fixture: &str, retry: RetryPolicy) -> SourceError {
    let h = Harness::new().await;
    op("getVariations")
        .respond_with(ResponseTemplate::new(status).set_body_string(fixture))
        .expect(u64::from(retry.max_retries) + 1 + u64::from(status == 401))
        .mount(&h.server)
        .await;
    h.builder()
        .retry_policy(retry)
        .build()
        .unwrap()
        .get_variations(&VariationsRequest::new(
            Marketplace::India,
            asin("B0CX59H5W7"),
        ))
        .await
        .expect_err("error status")
}

#[tokio::test]
async fn each_documented_error_maps_to_its_typed_variant_with_amazons_message() {
    let none = RetryPolicy::none();
    let e = error_reply(
        429,
        include_str!("resources/creators_error_throttled.json"),
        none,
    )
    .await;
    assert!(
        matches!(&e, SourceError::Throttled { message, .. } if message.contains("throttling")),
        "{e:?}"
    );
    assert!(e.is_retryable());

    let e = error_reply(
        401,
        include_str!("resources/creators_error_unauthorized.json"),
        none,
    )
    .await;
    assert!(
        matches!(&e, SourceError::Unauthorized { code, .. } if code == "InvalidToken"),
        "{e:?}"
    );

    let e = error_reply(
        400,
        include_str!("resources/creators_error_invalid_partner_tag.json"),
        none,
    )
    .await;
    assert!(
        matches!(&e, SourceError::AccessDenied { code, .. } if code == "InvalidPartnerTag"),
        "{e:?}"
    );

    let e = error_reply(
        403,
        include_str!("resources/creators_error_associate_not_eligible.json"),
        none,
    )
    .await;
    assert!(
        matches!(&e, SourceError::AccessDenied { code, .. } if code == "AssociateNotEligible"),
        "{e:?}"
    );

    let e = error_reply(
        400,
        include_str!("resources/creators_error_invalid_parameter.json"),
        none,
    )
    .await;
    assert!(
        matches!(&e, SourceError::InvalidInput { code, message } if code == "FieldValidationFailed" && message.contains("ItemCount")),
        "{e:?}"
    );

    let e = error_reply(
        404,
        include_str!("resources/creators_error_not_found.json"),
        none,
    )
    .await;
    assert!(
        matches!(&e, SourceError::NotFound { code, .. } if code == "ResourceNotFoundException"),
        "{e:?}"
    );

    let e = error_reply(
        500,
        include_str!("resources/creators_error_server.json"),
        RetryPolicy::fast(2),
    )
    .await;
    assert!(
        matches!(&e, SourceError::Server { status: 500, message, .. } if message.contains("InternalServerException")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_slow_reply_times_out_as_a_read_timeout() {
    let h = Harness::new().await;
    op("getItems")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(FULL)
                .set_delay(Duration::from_secs(3)),
        )
        .expect(1)
        .mount(&h.server)
        .await;
    let source = h
        .builder()
        .timeouts(Timeouts {
            connect: Duration::from_secs(1),
            read: Duration::from_millis(200),
        })
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let e = source
        .get_items(&ItemsRequest::new(Marketplace::India, [asin("B0CX59H5W7")]))
        .await
        .expect_err("timeout");
    assert!(
        matches!(&e, SourceError::Timeout { phase, .. } if phase == "read"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_the_wait_then_succeeds() {
    let h = Harness::new().await;
    op("getItems")
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_string(include_str!("resources/creators_error_throttled.json")),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&h.server)
        .await;
    op("getItems")
        .respond_with(ResponseTemplate::new(200).set_body_string(FULL))
        .with_priority(2)
        .expect(1)
        .mount(&h.server)
        .await;
    let started = Instant::now();
    let batch = h
        .source()
        .get_items(&ItemsRequest::new(Marketplace::India, full_asins()))
        .await
        .expect("succeeds on retry");
    assert_eq!(batch.items.len(), 10);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_the_policy_allows_fails_fast_with_the_wait() {
    let h = Harness::new().await;
    op("getItems")
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&h.server)
        .await;
    let e = h
        .source()
        .get_items(&ItemsRequest::new(Marketplace::India, [asin("B0CX59H5W7")]))
        .await
        .expect_err("too long a wait");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_then_succeeds() {
    let h = Harness::new().await;
    op("getItems")
        .and(auth_is("Bearer tok-1, Version 2.2"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(include_str!("resources/creators_error_unauthorized.json")),
        )
        .expect(1)
        .mount(&h.server)
        .await;
    op("getItems")
        .and(auth_is("Bearer tok-2, Version 2.2"))
        .respond_with(ResponseTemplate::new(200).set_body_string(FULL))
        .expect(1)
        .mount(&h.server)
        .await;
    let batch = h
        .source()
        .get_items(&ItemsRequest::new(Marketplace::India, full_asins()))
        .await
        .expect("succeeds after refresh");
    assert_eq!(batch.items.len(), 10);
    assert_eq!(h.token_requests(), 2);
}

#[tokio::test]
async fn concurrent_calls_share_exactly_one_token_request() {
    let h = Harness::new().await;
    op("getItems")
        .respond_with(ResponseTemplate::new(200).set_body_json(one_item()))
        .expect(8)
        .mount(&h.server)
        .await;
    let source = Arc::new(h.source());
    let calls = (0..8).map(|_| {
        let source = source.clone();
        tokio::spawn(async move {
            source
                .get_items(&ItemsRequest::new(Marketplace::India, [asin("B0CX59H5W7")]))
                .await
        })
    });
    for result in futures::future::join_all(calls).await {
        result.expect("task").expect("call");
    }
    assert_eq!(h.token_requests(), 1);
}

#[tokio::test]
async fn the_token_is_refreshed_thirty_seconds_before_it_expires() {
    let h = Harness::with_token_lifetime(100).await;
    op("getItems")
        .respond_with(ResponseTemplate::new(200).set_body_json(one_item()))
        .expect(3)
        .mount(&h.server)
        .await;
    let source = h.source();
    let request = ItemsRequest::new(Marketplace::India, [asin("B0CX59H5W7")]);
    source.get_items(&request).await.unwrap();
    h.clock.advance(chrono::Duration::seconds(69));
    source.get_items(&request).await.unwrap();
    assert_eq!(h.token_requests(), 1, "still 31 s left: no refresh");
    h.clock.advance(chrono::Duration::seconds(2));
    source.get_items(&request).await.unwrap();
    assert_eq!(h.token_requests(), 2, "29 s left: refreshed");
    let auths: Vec<String> = h
        .server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/catalog/v1/getItems")
        .map(|r| r.headers["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        auths,
        [
            "Bearer tok-1, Version 2.2",
            "Bearer tok-1, Version 2.2",
            "Bearer tok-2, Version 2.2"
        ]
    );
}

#[tokio::test]
async fn the_cognito_token_request_is_a_form_and_lwa_is_json() {
    let h = Harness::new().await;
    op("getItems")
        .respond_with(ResponseTemplate::new(200).set_body_json(one_item()))
        .expect(2)
        .mount(&h.server)
        .await;
    let request = ItemsRequest::new(Marketplace::India, [asin("B0CX59H5W7")]);
    h.source().get_items(&request).await.unwrap();
    h.builder()
        .credential_version(CredentialVersion::V3_2)
        .build()
        .unwrap()
        .get_items(&request)
        .await
        .unwrap();
    let received = h.server.received_requests().await.unwrap();
    let tokens: Vec<&Request> = received
        .iter()
        .filter(|r| r.url.path() == "/oauth2/token")
        .collect();
    let form = String::from_utf8(tokens[0].body.clone()).unwrap();
    assert_eq!(
        tokens[0].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert!(form.contains("grant_type=client_credentials"));
    assert!(form.contains("scope=creatorsapi%2Fdefault"));
    assert!(form.contains("client_secret=client-secret-value"));
    let lwa: Value = serde_json::from_slice(&tokens[1].body).unwrap();
    assert_eq!(lwa["scope"], "creatorsapi::default");
    let api: Vec<&Request> = received
        .iter()
        .filter(|r| r.url.path() == "/catalog/v1/getItems")
        .collect();
    assert_eq!(api[1].headers["authorization"], "Bearer tok-2");
}

#[tokio::test]
async fn a_refused_token_request_is_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let source = CreatorsApiSource::builder()
        .credential_id("id")
        .credential_secret("secret")
        .credential_version(CredentialVersion::V2_2)
        .associate_tag("mandi-21")
        .base_url(server.uri())
        .token_url(format!("{}/oauth2/token", server.uri()))
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    let e = source
        .get_items(&ItemsRequest::new(Marketplace::India, [asin("B0CX59H5W7")]))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SourceError::Unauthorized { code, message, .. } if code == "invalid_client" && message.contains("Client authentication failed")),
        "{e:?}"
    );
}

#[tokio::test]
async fn search_sends_every_filter_and_maps_the_page() {
    let h = Harness::new().await;
    op("searchItems")
        .and(body_partial_json(json!({
            "partnerTag": "mandi-21",
            "keywords": "phone",
            "searchIndex": "Electronics",
            "browseNodeId": "1805560031",
            "brand": "Samsung",
            "title": "Galaxy",
            "minPrice": 1_000_000,
            "maxPrice": 5_000_000,
            "minReviewsRating": 4,
            "minSavingPercent": 10,
            "condition": "New",
            "deliveryFlags": ["Prime", "FulfilledByAmazon"],
            "merchant": "Amazon",
            "availability": "IncludeOutOfStock",
            "sortBy": "Price:LowToHigh",
            "itemCount": 3,
            "itemPage": 2,
            "currencyOfPreference": "INR",
            "languagesOfPreference": ["en_IN"],
        })))
        .respond_with(ResponseTemplate::new(200).set_body_string(SEARCH))
        .expect(1)
        .mount(&h.server)
        .await;
    let mut request = SearchRequest::keywords(Marketplace::India, "phone");
    request.search_index = Some("Electronics".into());
    request.browse_node_id = Some("1805560031".into());
    request.brand = Some("Samsung".into());
    request.title = Some("Galaxy".into());
    request.min_price = Some(Money::from_major(10_000, Currency::INR));
    request.max_price = Some(Money::from_major(50_000, Currency::INR));
    request.min_reviews_rating = Some(4);
    request.min_saving_percent = Some(10);
    request.condition = Some(Condition::New);
    request.delivery_flags = vec![
        mandi_core::DeliveryFlag::Prime,
        mandi_core::DeliveryFlag::FulfilledByAmazon,
        mandi_core::DeliveryFlag::Prime,
    ];
    request.merchant = Some(mandi_core::MerchantFilter::Amazon);
    request.availability = Some(mandi_core::AvailabilityFilter::IncludeOutOfStock);
    request.sort_by = Some(mandi_core::SortBy::PriceLowToHigh);
    request.item_count = 3;
    request.item_page = 2;
    request.currency_of_preference = Some(Currency::INR);
    request.languages_of_preference = vec!["en_IN".into()];
    let page = h.source().search_items(&request).await.expect("page");
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.total_results, Some(146));
    assert!(page.search_url.unwrap().contains("k=phone"));
}

#[tokio::test]
async fn invalid_searches_are_rejected_before_anything_is_sent() {
    let h = Harness::new().await;
    op("searchItems")
        .respond_with(ResponseTemplate::new(200).set_body_string(SEARCH))
        .expect(0)
        .mount(&h.server)
        .await;
    let source = h.source();
    let base = SearchRequest::keywords(Marketplace::India, "phone");
    let cases: Vec<(SearchRequest, &str)> = vec![
        (SearchRequest::empty(Marketplace::India), "at least one"),
        (
            SearchRequest {
                item_count: 0,
                ..base.clone()
            },
            "item count",
        ),
        (
            SearchRequest {
                item_count: 11,
                ..base.clone()
            },
            "item count",
        ),
        (
            SearchRequest {
                item_page: 11,
                ..base.clone()
            },
            "item page",
        ),
        (
            SearchRequest {
                min_reviews_rating: Some(5),
                ..base.clone()
            },
            "rating",
        ),
        (
            SearchRequest {
                min_saving_percent: Some(100),
                ..base.clone()
            },
            "saving",
        ),
        (
            SearchRequest {
                min_price: Some(Money::from_major(10, Currency::USD)),
                ..base.clone()
            },
            "prices are in INR",
        ),
        (
            SearchRequest {
                min_price: Some(Money::from_major(10, Currency::INR)),
                max_price: Some(Money::from_major(5, Currency::INR)),
                ..base.clone()
            },
            "above maximum",
        ),
        (
            SearchRequest {
                condition: Some(Condition::Used),
                ..base.clone()
            },
            "Any or New",
        ),
        (
            SearchRequest {
                languages_of_preference: vec!["en_IN".into(), "hi_IN".into()],
                ..base.clone()
            },
            "only one language",
        ),
        (
            SearchRequest {
                languages_of_preference: vec!["english".into()],
                ..base.clone()
            },
            "en_IN",
        ),
        (
            SearchRequest {
                browse_node_id: Some("12ab".into()),
                ..base.clone()
            },
            "not a number",
        ),
        (
            SearchRequest::keywords(Marketplace::UnitedStates, "phone"),
            "not www.amazon.com",
        ),
    ];
    for (request, expected) in cases {
        let e = source.search_items(&request).await.expect_err(expected);
        assert!(
            matches!(&e, SourceError::InvalidInput { code, message } if code == "ClientValidation" && message.contains(expected)),
            "{expected}: {e:?}"
        );
    }
    assert_eq!(
        h.token_requests(),
        0,
        "nothing was sent, not even for a token"
    );
}

#[tokio::test]
async fn variations_and_browse_nodes_map_into_domain_types() {
    let h = Harness::new().await;
    op("getVariations")
        .and(body_partial_json(
            json!({"asin": "B0CX59H5W7", "variationCount": 10, "variationPage": 1}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string(VARIATIONS))
        .expect(1)
        .mount(&h.server)
        .await;
    op("getBrowseNodes")
        .and(body_partial_json(
            json!({"browseNodeIds": ["976419031", "1805560031", "0"]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string(NODES))
        .expect(1)
        .mount(&h.server)
        .await;
    let source = h.source();
    let family = source
        .get_variations(&VariationsRequest::new(
            Marketplace::India,
            asin("B0CX59H5W7"),
        ))
        .await
        .expect("family");
    assert_eq!(family.parent_asin, asin("B0CX000000"));
    assert_eq!(family.dimensions, ["size_name", "color_name"]);
    assert_eq!(family.variation_count, 3);
    assert_eq!(
        family.price_range,
        Some((
            Money::from_major(1000, Currency::INR),
            Money::from_major(3469, Currency::INR)
        ))
    );
    assert_eq!(family.items[1].variation_attributes[0].value, "256 GB");

    let nodes = source
        .get_browse_nodes(&BrowseNodesRequest {
            marketplace: Marketplace::India,
            ids: vec!["976419031".into(), "1805560031".into(), "0".into()],
        })
        .await
        .expect("nodes");
    assert_eq!(
        nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        ["976419031", "1805560031"]
    );
    assert!(nodes[0].is_root);
    assert_eq!(nodes[1].ancestors[0].name, "Mobiles & Accessories");
    assert_eq!(nodes[1].children[0].id, "1805561031");
}

async fn hostile_batch(template: ResponseTemplate) -> Result<ItemsBatch, SourceError> {
    let h = Harness::new().await;
    op("getItems")
        .respond_with(template)
        .expect(1)
        .mount(&h.server)
        .await;
    h.builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .get_items(&ItemsRequest::new(Marketplace::India, full_asins()))
        .await
}

async fn hostile(template: ResponseTemplate) -> SourceError {
    hostile_batch(template).await.expect_err("hostile reply")
}

#[tokio::test]
async fn hostile_replies_give_typed_errors_not_panics() {
    let all = full_asins();
    let truncated = &FULL[..FULL.len() / 2];
    let e = hostile(ResponseTemplate::new(200).set_body_string(truncated)).await;
    assert!(matches!(e, SourceError::Decode { .. }), "{e:?}");

    // A mistyped field costs only its item, which is reported with the path.
    let mut wrong = json_of(FULL);
    wrong["itemsResult"]["items"][0]["itemInfo"]["title"]["displayValue"] = json!(5);
    let batch = hostile_batch(ResponseTemplate::new(200).set_body_json(wrong))
        .await
        .expect("nine good items");
    assert_eq!(batch.items.len(), 9);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].asin, all[0]);
    assert_eq!(batch.errors[0].code, "UnreadableItem");
    assert!(
        batch.errors[0]
            .message
            .contains("itemsResult.items[0].itemInfo.title.displayValue"),
        "{:?}",
        batch.errors[0]
    );

    // An unknown currency is not a price: unknown, and the product is kept.
    let mut price = json_of(FULL);
    price["itemsResult"]["items"][0]["offersV2"]["listings"][0]["price"]["money"]["currency"] =
        json!("XYZ");
    let batch = hostile_batch(ResponseTemplate::new(200).set_body_json(price))
        .await
        .expect("a batch");
    assert_eq!(batch.items.len(), 10);
    assert_eq!(batch.items[0].offers[0].price, None);
    assert!(batch.items[1].offers[0].price.is_some());

    // An item without an ASIN cannot be matched: the ASIN it left out is reported with why.
    let mut missing = json_of(FULL);
    missing["itemsResult"]["items"][0]
        .as_object_mut()
        .unwrap()
        .remove("asin");
    let batch = hostile_batch(ResponseTemplate::new(200).set_body_json(missing))
        .await
        .expect("nine good items");
    assert_eq!(batch.items.len(), 9);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].asin, all[0]);
    assert!(
        batch.errors[0].message.contains("itemsResult.items[0]")
            && batch.errors[0].message.contains("asin"),
        "{:?}",
        batch.errors[0]
    );

    let html = "<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>";
    let e = hostile(ResponseTemplate::new(200).set_body_string(html)).await;
    assert!(
        matches!(&e, SourceError::Decode { path, message, .. } if path == "body" && message.contains("HTML")),
        "{e:?}"
    );
    let e = hostile(ResponseTemplate::new(503).set_body_string(html)).await;
    assert!(
        matches!(&e, SourceError::Server { status: 503, .. }),
        "{e:?}"
    );

    let huge = format!(
        "{{\"itemsResult\":{{\"items\":[{}]}}}}",
        "0,".repeat(10 * 1024 * 1024)
    );
    let e = hostile(ResponseTemplate::new(200).set_body_string(huge)).await;
    assert!(
        matches!(&e, SourceError::Decode { path, message, .. } if path == "body" && message.contains("larger")),
        "{e:?}"
    );
}

#[test]
fn credentials_never_show_in_debug_output() {
    let source = CreatorsApiSource::builder()
        .credential_id("client-id")
        .credential_secret("very-secret-value")
        .credential_version(CredentialVersion::V2_2)
        .associate_tag("mandi-21")
        .build()
        .unwrap();
    let text = format!("{source:?}");
    assert!(
        text.contains("client-id") && !text.contains("very-secret-value"),
        "{text}"
    );
    let builder = CreatorsApiSource::builder().credential_secret("very-secret-value");
    assert!(!format!("{builder:?}").contains("very-secret-value"));
}

#[test]
fn the_builder_names_what_is_missing_or_wrong() {
    let e = CreatorsApiSource::builder().build().unwrap_err();
    assert!(e.to_string().contains("credential id is required"), "{e}");
    let e = CreatorsApiSource::builder()
        .credential_id("id")
        .credential_secret("s")
        .credential_version(CredentialVersion::V2_2)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("associate tag"), "{e}");
    let e = CreatorsApiSource::builder()
        .credential_id("id")
        .credential_secret("s")
        .credential_version(CredentialVersion::V2_2)
        .associate_tag("t")
        .base_url("ftp://x")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("base URL"), "{e}");
}

mod fuzz {
    use super::*;
    use mandi_paapi::creators::wire::MapContext;
    use proptest::prelude::{ProptestConfig, proptest};

    fn parse_all(bytes: &[u8]) {
        let ctx = MapContext {
            source_name: "creators",
            marketplace: Marketplace::India,
            currency: mandi_core::Currency::INR,
            fetched_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            pascal: false,
        };
        parse_views(&ctx, bytes);
        if let Ok(reply) =
            mandi_paapi::transport::decode_json::<model::GetItemsResponse>("creators", bytes)
        {
            for item in reply
                .items_result
                .iter()
                .flat_map(|r| r.items.iter().flatten())
            {
                let _ = item.to_product(&ctx, "items");
            }
        }
        let _ = mandi_paapi::transport::decode_json::<model::SearchItemsResponse>("c", bytes);
        let _ = mandi_paapi::transport::decode_json::<model::GetBrowseNodesResponse>("c", bytes);
        if let Ok(reply) =
            mandi_paapi::transport::decode_json::<model::GetVariationsResponse>("c", bytes)
            && let Some(v) = reply.variations_result
        {
            let _ = v.to_family(&ctx, asin("B0CX59H5W7"), "v");
        }
    }

    /// The clients' own decoding path (borrowing views, checks, assembly).
    fn parse_views(ctx: &MapContext<'_>, bytes: &[u8]) {
        use mandi_paapi::creators::wire;
        let asked = [asin("B0CX59H5W7"), asin("B09G9FPHY6")];
        if let Ok(d) = model::view::decode_get_items("t", bytes) {
            let items = model::view::products(d.items, ctx, "items");
            let errors = d
                .errors
                .into_iter()
                .map(model::view::ErrorView::into_pair)
                .collect();
            let _ = wire::assemble_items("t", &asked, items, "items", errors);
        }
        if let Ok(d) = model::view::decode_search("t", bytes) {
            let items = model::view::products(d.items, ctx, "items");
            let errors = d
                .errors
                .into_iter()
                .map(model::view::ErrorView::into_pair)
                .collect();
            let _ = wire::search_page(ctx, items, errors, d.extra);
        }
        if let Ok(d) = model::view::decode_variations("t", bytes)
            && let Some(summary) = d.extra
        {
            let items = model::view::products(d.items, ctx, "items");
            let _ = model::view::family(items, summary, ctx, asked[0], "items");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn random_bytes_never_panic_the_parsers(bytes in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..512)) {
            parse_all(&bytes);
        }

        #[test]
        fn mangled_fixtures_never_panic_the_parsers(cut in 0usize..FULL.len(), flip in 0usize..FULL.len(), byte in proptest::arbitrary::any::<u8>()) {
            let mut bytes = FULL.as_bytes().to_vec();
            bytes[flip] = byte;
            bytes.truncate(cut.max(1));
            parse_all(&bytes);
            let mut whole = FULL.as_bytes().to_vec();
            whole[flip] = byte;
            parse_all(&whole);
        }
    }
}
