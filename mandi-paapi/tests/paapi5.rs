//! `PaApi5Source` against wiremock on loopback: signing, wire format, mapping, errors,
//! retries and hostile replies.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use mandi_core::{
    Asin, Availability, Condition, Currency, ItemErrorKind, ItemsRequest, ManualClock, Marketplace,
    Money, ProductSource, SearchRequest, SourceError, VariationsRequest,
};
use mandi_paapi::paapi5::{PaApi5Source, PaApi5SourceBuilder, model};
use mandi_paapi::sigv4::{self, SignableRequest};
use mandi_paapi::transport::{RateLimit, RetryPolicy, Timeouts};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{any, body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const FULL: &str = include_str!("resources/paapi5_GetItems_full10.json");
const PARTIAL: &str = include_str!("resources/paapi5_GetItems_partial.json");
const SEARCH: &str = include_str!("resources/paapi5_SearchItems_ok.json");
const VARIATIONS: &str = include_str!("resources/paapi5_GetVariations_ok.json");
const NODES: &str = include_str!("resources/paapi5_GetBrowseNodes_ok.json");

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

/// A reply with only the first item of the full fixture (B0CX59H5W7).
fn one_item() -> Value {
    let item = json_of(FULL)["ItemsResult"]["Items"][0].clone();
    json!({"ItemsResult": {"Items": [item]}})
}

fn asin(s: &str) -> Asin {
    s.parse().expect("valid ASIN")
}

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap()
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
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
    server
}

fn builder(server: &MockServer, clock: &ManualClock) -> PaApi5SourceBuilder {
    PaApi5Source::builder()
        .access_key("AKIDEXAMPLE")
        .secret_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        .associate_tag("mandi-21")
        .base_url(server.uri())
        .retry_policy(RetryPolicy::fast(2))
        .rate_limit(RateLimit::unlimited())
        .clock(Arc::new(clock.clone()))
}

fn op(name: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(format!("/paapi5/{}", name.to_ascii_lowercase())))
        .and(header(
            "x-amz-target",
            format!("com.amazon.paapi5.v1.ProductAdvertisingAPIv1.{name}").as_str(),
        ))
        .and(header("content-encoding", "amz-1.0"))
}

fn full_asins() -> Vec<Asin> {
    json_of(FULL)["ItemsResult"]["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| asin(i["ASIN"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn get_items_is_signed_for_the_marketplace_and_maps_every_resource() {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("GetItems")
        .and(body_partial_json(json!({
            "PartnerTag": "mandi-21",
            "PartnerType": "Associates",
            "Marketplace": "www.amazon.in",
            "ItemIdType": "ASIN",
        })))
        .respond_with(ResponseTemplate::new(200).set_body_string(FULL))
        .expect(1)
        .mount(&server)
        .await;
    let asins = full_asins();
    let batch = builder(&server, &clock)
        .build()
        .unwrap()
        .get_items(&ItemsRequest::new(Marketplace::India, asins.clone()))
        .await
        .expect("items");
    assert_eq!(
        batch.items.iter().map(|p| p.asin).collect::<Vec<_>>(),
        asins
    );
    let p = &batch.items[0];
    assert_eq!(p.title, "Test Phone 0 (Black, 8GB RAM, 128GB Storage)");
    assert_eq!(p.brand.as_deref(), Some("Samsung"));
    assert_eq!(p.images.len(), 2);
    assert!(p.images[0].url.ends_with(".jpg"));
    assert_eq!(p.reviews.map(|r| r.rating_centi), Some(410));
    assert_eq!(p.price(), Some(Money::from_minor(100_000, Currency::INR)));
    assert_eq!(
        p.buy_box().unwrap().list_price,
        Some(Money::from_minor(125_000, Currency::INR))
    );
    assert_eq!(p.offers[1].condition, Condition::Used);
    assert_eq!(batch.items[4].availability(), Availability::OutOfStock);
    assert_eq!(p.browse_nodes[0].ancestors.len(), 2);

    // The signature checks out for the host actually sent, dated by the clock.
    let received = server.received_requests().await.unwrap();
    let request = &received[0];
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    assert_eq!(request.headers["x-amz-date"], "20261125T060000Z");
    let auth = request.headers["authorization"].to_str().unwrap();
    assert!(
        auth.contains("/20261125/eu-west-1/ProductAdvertisingAPI/aws4_request"),
        "{auth}"
    );
    let verified = sigv4::verify(
        &SignableRequest {
            method: "POST",
            uri: "/paapi5/getitems",
            headers: &headers,
            body: &request.body,
        },
        &|key| {
            (key == "AKIDEXAMPLE")
                .then(|| SecretString::from("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
        },
        start(),
        chrono::Duration::minutes(5),
        "eu-west-1",
        "ProductAdvertisingAPI",
    )
    .expect("valid signature");
    for signed in ["content-encoding", "host", "x-amz-date", "x-amz-target"] {
        assert!(
            verified.signed_headers.iter().any(|h| h == signed),
            "{signed}"
        );
    }
}

#[tokio::test]
async fn the_signing_time_follows_the_clock_and_the_region_the_marketplace() {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("GetItems")
        .respond_with(ResponseTemplate::new(200).set_body_json(one_item()))
        .expect(2)
        .mount(&server)
        .await;
    let source = builder(&server, &clock).build().unwrap();
    source
        .get_items(&ItemsRequest::new(Marketplace::India, [asin("B0CX59H5W7")]))
        .await
        .unwrap();
    clock.advance(chrono::Duration::hours(30));
    source
        .get_items(&ItemsRequest::new(
            Marketplace::UnitedStates,
            [asin("B0CX59H5W7")],
        ))
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[1].headers["x-amz-date"], "20261126T120000Z");
    let auth = received[1].headers["authorization"].to_str().unwrap();
    assert!(
        auth.contains("/20261126/us-east-1/ProductAdvertisingAPI/"),
        "{auth}"
    );
    let body: Value = serde_json::from_slice(&received[1].body).unwrap();
    assert_eq!(body["Marketplace"], "www.amazon.com");
}

#[tokio::test]
async fn partial_results_come_back_with_per_item_errors() {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("GetItems")
        .respond_with(ResponseTemplate::new(200).set_body_string(PARTIAL))
        .expect(1)
        .mount(&server)
        .await;
    let all = full_asins();
    let batch = builder(&server, &clock)
        .build()
        .unwrap()
        .get_items(&ItemsRequest::new(
            Marketplace::India,
            [all[0], all[1], all[2], all[9]],
        ))
        .await
        .unwrap();
    assert_eq!(
        batch.items.iter().map(|p| p.asin).collect::<Vec<_>>(),
        [all[0], all[2]]
    );
    assert_eq!(
        batch
            .errors
            .iter()
            .map(|e| (e.asin, e.kind))
            .collect::<Vec<_>>(),
        [
            (all[1], ItemErrorKind::NotAccessible),
            (all[9], ItemErrorKind::Invalid)
        ]
    );
}

struct EchoItems {
    template: Value,
}

impl Respond for EchoItems {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: model::GetItemsRequest = serde_json::from_slice(&req.body).expect("request");
        assert!(body.item_ids.len() <= 10);
        let items: Vec<Value> = body
            .item_ids
            .iter()
            .rev()
            .map(|id| {
                let mut item = self.template.clone();
                item["ASIN"] = json!(id);
                item
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"ItemsResult": {"Items": items}}))
    }
}

#[tokio::test]
async fn more_than_ten_asins_are_split_and_kept_in_order() {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("GetItems")
        .respond_with(EchoItems {
            template: json_of(FULL)["ItemsResult"]["Items"][3].clone(),
        })
        .expect(2)
        .mount(&server)
        .await;
    let unique: Vec<Asin> = (0..12).map(|i| asin(&format!("B0PAAPI{i:03}"))).collect();
    let mut asked = unique.clone();
    asked.extend_from_slice(&unique[..4]);
    let batch = builder(&server, &clock)
        .build()
        .unwrap()
        .get_items(&ItemsRequest::new(Marketplace::India, asked))
        .await
        .unwrap();
    assert_eq!(
        batch.items.iter().map(|p| p.asin).collect::<Vec<_>>(),
        unique
    );
}

async fn error_for(status: u16, fixture: &str) -> SourceError {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("GetVariations")
        .respond_with(ResponseTemplate::new(status).set_body_string(fixture))
        .expect(1)
        .mount(&server)
        .await;
    builder(&server, &clock)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .get_variations(&VariationsRequest::new(
            Marketplace::India,
            asin("B0CX59H5W7"),
        ))
        .await
        .expect_err("error reply")
}

#[tokio::test]
async fn every_documented_paapi_error_maps_to_a_typed_variant() {
    macro_rules! check {
        ($status:expr, $file:literal, $pat:pat $(if $guard:expr)?) => {{
            let e = error_for($status, include_str!(concat!("resources/paapi5_error_", $file, ".json"))).await;
            assert!(matches!(&e, $pat $(if $guard)?), "{}: {e:?}", $file);
            assert!(!e.to_string().is_empty());
        }};
    }
    check!(429, "TooManyRequests", SourceError::Throttled { .. });
    check!(401, "InvalidSignature", SourceError::Unauthorized { code, .. } if code == "InvalidSignature");
    check!(401, "RequestExpired", SourceError::Unauthorized { code, .. } if code == "RequestExpired");
    check!(401, "UnrecognizedClient", SourceError::Unauthorized { code, .. } if code == "UnrecognizedClient");
    check!(400, "InvalidPartnerTag", SourceError::AccessDenied { code, .. } if code == "InvalidPartnerTag");
    check!(401, "InvalidAssociate", SourceError::AccessDenied { code, .. } if code == "InvalidAssociate");
    check!(403, "AssociateNotEligible", SourceError::AccessDenied { code, .. } if code == "AssociateNotEligible");
    check!(400, "InvalidParameterValue", SourceError::InvalidInput { code, message } if code == "InvalidParameterValue" && message.contains("ItemCount"));
    check!(404, "NoResults", SourceError::NotFound { code, .. } if code == "NoResults");
    check!(
        500,
        "InternalFailure",
        SourceError::Server { status: 500, .. }
    );
}

#[tokio::test]
async fn throttling_is_retried_then_succeeds() {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("GetItems")
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_string(include_str!("resources/paapi5_error_TooManyRequests.json")),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    op("GetItems")
        .respond_with(ResponseTemplate::new(200).set_body_string(FULL))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let batch = builder(&server, &clock)
        .build()
        .unwrap()
        .get_items(&ItemsRequest::new(Marketplace::India, full_asins()))
        .await
        .expect("third attempt succeeds");
    assert_eq!(batch.items.len(), 10);
}

#[tokio::test]
async fn a_slow_reply_times_out() {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("GetItems")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(FULL)
                .set_delay(Duration::from_secs(3)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = builder(&server, &clock)
        .timeouts(Timeouts {
            connect: Duration::from_secs(1),
            read: Duration::from_millis(200),
        })
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .get_items(&ItemsRequest::new(Marketplace::India, [asin("B0CX59H5W7")]))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SourceError::Timeout { phase, .. } if phase == "read"),
        "{e:?}"
    );
}

#[tokio::test]
async fn search_sends_pascal_case_filters_and_maps_the_page() {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("SearchItems")
        .and(body_partial_json(json!({
            "Keywords": "phone",
            "Condition": "Used",
            "MinPrice": 99_900,
            "SortBy": "AvgCustomerReviews",
            "DeliveryFlags": ["Prime"],
            "ItemCount": 10,
            "ItemPage": 1,
            "Availability": "Available",
            "Merchant": "All",
            "Author": "Someone",
            "Artist": "Band",
            "Actor": "Star",
        })))
        .respond_with(ResponseTemplate::new(200).set_body_string(SEARCH))
        .expect(1)
        .mount(&server)
        .await;
    let mut request = SearchRequest::keywords(Marketplace::India, "phone");
    request.condition = Some(Condition::Used);
    request.min_price = Some(Money::from_major(999, Currency::INR));
    request.sort_by = Some(mandi_core::SortBy::AvgCustomerReviews);
    request.delivery_flags = vec![mandi_core::DeliveryFlag::Prime];
    request.availability = Some(mandi_core::AvailabilityFilter::Available);
    request.merchant = Some(mandi_core::MerchantFilter::All);
    request.author = Some("Someone".into());
    request.artist = Some("Band".into());
    request.actor = Some("Star".into());
    let page = builder(&server, &clock)
        .build()
        .unwrap()
        .search_items(&request)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.total_results, Some(146));
}

#[tokio::test]
async fn invalid_searches_fail_before_sending() {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("SearchItems")
        .respond_with(ResponseTemplate::new(200).set_body_string(SEARCH))
        .expect(0)
        .mount(&server)
        .await;
    let source = builder(&server, &clock).build().unwrap();
    let base = SearchRequest::keywords(Marketplace::India, "phone");
    for (request, expected) in [
        (
            SearchRequest {
                item_page: 0,
                ..base.clone()
            },
            "item page",
        ),
        (
            SearchRequest {
                min_saving_percent: Some(0),
                ..base.clone()
            },
            "saving",
        ),
        (
            SearchRequest {
                languages_of_preference: vec!["EN-in".into()],
                ..base.clone()
            },
            "en_IN",
        ),
    ] {
        let e = source.search_items(&request).await.unwrap_err();
        assert!(
            matches!(&e, SourceError::InvalidInput { message, .. } if message.contains(expected)),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn no_search_results_is_an_empty_page() {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("SearchItems")
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_string(include_str!("resources/paapi5_error_NoResults.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let page = builder(&server, &clock)
        .build()
        .unwrap()
        .search_items(&SearchRequest::keywords(Marketplace::India, "zzzz"))
        .await
        .unwrap();
    assert!(page.items.is_empty() && page.total_results.is_none());
}

#[tokio::test]
async fn variations_and_browse_nodes_map_into_domain_types() {
    let server = server().await;
    let clock = ManualClock::new(start());
    op("GetVariations")
        .and(body_partial_json(json!({"ASIN": "B0CX59H5W7"})))
        .respond_with(ResponseTemplate::new(200).set_body_string(VARIATIONS))
        .expect(1)
        .mount(&server)
        .await;
    op("GetBrowseNodes")
        .respond_with(ResponseTemplate::new(200).set_body_string(NODES))
        .expect(1)
        .mount(&server)
        .await;
    let source = builder(&server, &clock).build().unwrap();
    let family = source
        .get_variations(&VariationsRequest::new(
            Marketplace::India,
            asin("B0CX59H5W7"),
        ))
        .await
        .unwrap();
    assert_eq!(family.parent_asin, asin("B0CX000000"));
    assert_eq!(family.items.len(), 3);
    assert_eq!(
        family.price_range.map(|(lo, hi)| (lo.minor(), hi.minor())),
        Some((100_000, 346_900))
    );
    let nodes = source
        .get_browse_nodes(&mandi_core::BrowseNodesRequest {
            marketplace: Marketplace::India,
            ids: vec!["1805560031".into(), "976419031".into()],
        })
        .await
        .unwrap();
    assert_eq!(nodes[0].id, "1805560031");
    assert_eq!(nodes[0].ancestors[1].id, "976419031");
    assert!(nodes[1].is_root);
}

#[tokio::test]
async fn hostile_replies_give_typed_errors() {
    async fn get(template: ResponseTemplate) -> Result<mandi_core::ItemsBatch, SourceError> {
        let server = server().await;
        let clock = ManualClock::new(start());
        op("GetItems")
            .respond_with(template)
            .expect(1)
            .mount(&server)
            .await;
        builder(&server, &clock)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
            .get_items(&ItemsRequest::new(Marketplace::India, full_asins()))
            .await
    }
    let all = full_asins();
    let mut wrong = json_of(FULL);
    wrong["ItemsResult"]["Items"][2]["OffersV2"]["Listings"][0]["IsBuyBoxWinner"] = json!("yes");
    let batch = get(ResponseTemplate::new(200).set_body_json(wrong))
        .await
        .expect("nine good items");
    assert_eq!(batch.items.len(), 9);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].asin, all[2]);
    assert!(
        batch.errors[0]
            .message
            .contains("ItemsResult.Items[2].OffersV2.Listings[0].IsBuyBoxWinner"),
        "{:?}",
        batch.errors[0]
    );
    let e = get(ResponseTemplate::new(200).set_body_string(&FULL[..100]))
        .await
        .unwrap_err();
    assert!(matches!(e, SourceError::Decode { .. }), "{e:?}");
    let e = get(ResponseTemplate::new(200).set_body_string("<html>Gateway</html>"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SourceError::Decode { path, .. } if path == "body"),
        "{e:?}"
    );
    let e = get(ResponseTemplate::new(200).set_body_string(" ".repeat(20 * 1024 * 1024)))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SourceError::Decode { message, .. } if message.contains("larger")),
        "{e:?}"
    );
}

#[test]
fn keys_are_redacted_in_debug_output() {
    let source = PaApi5Source::builder()
        .access_key("AKIDEXAMPLE")
        .secret_key("super-secret-key")
        .associate_tag("mandi-21")
        .build()
        .unwrap();
    let text = format!("{source:?}");
    assert!(
        text.contains("AKIDEXAMPLE") && !text.contains("super-secret-key"),
        "{text}"
    );
    let e = PaApi5Source::builder().access_key("A").build().unwrap_err();
    assert!(e.to_string().contains("secret key is required"), "{e}");
}

mod fuzz {
    use super::*;
    use mandi_paapi::creators::wire::MapContext;
    use proptest::prelude::{ProptestConfig, proptest};

    fn parse_all(bytes: &[u8]) {
        let ctx = MapContext {
            source_name: "paapi5",
            marketplace: Marketplace::India,
            currency: mandi_core::Currency::INR,
            fetched_at: start(),
            pascal: true,
        };
        parse_views(&ctx, bytes);
        if let Ok(reply) =
            mandi_paapi::transport::decode_json::<model::GetItemsResponse>("paapi5", bytes)
        {
            for item in reply
                .items_result
                .iter()
                .flat_map(|r| r.items.iter().flatten())
            {
                let _ = item.to_product(&ctx, "Items");
            }
        }
        let _ = mandi_paapi::transport::decode_json::<model::SearchItemsResponse>("p", bytes);
        let _ = mandi_paapi::transport::decode_json::<model::ErrorResponse>("p", bytes);
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
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..512)) {
            parse_all(&bytes);
        }

        #[test]
        fn mangled_fixtures_never_panic(at in 0usize..FULL.len(), byte in proptest::arbitrary::any::<u8>()) {
            let mut bytes = FULL.as_bytes().to_vec();
            bytes[at] = byte;
            parse_all(&bytes);
        }
    }
}
