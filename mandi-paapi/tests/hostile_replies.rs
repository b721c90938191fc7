//! Bad prices never reach a rule: both real clients (Creators API and PA-API 5.0) against a
//! hostile fake server on loopback.
//!
//! * An amount that is zero, negative, in another currency, finer than the currency's minor
//!   unit (`15799.005` rupees, `15799.0000000000000001`, which an `f64` would read as 15799)
//!   or not a number is an unknown price; the rest of the item is kept.
//! * One unreadable item in a reply of ten costs only that item.
//! * An HTTP 200 reply carrying `errors` is an error of its kind (throttled, internal
//!   failure, invalid parameter), while Amazon's per-item errors stay per-item.
//! * A `getItems` reply with ASINs nobody asked for, or one ASIN twice, is refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{TimeZone, Utc};
use mandi_core::{
    Asin, Availability, Currency, ItemErrorKind, ItemsBatch, ItemsRequest, ManualClock,
    Marketplace, Money, ProductSource, SearchRequest, SourceError, VariationsRequest,
};
use mandi_paapi::creators::{CreatorsApiSource, CredentialVersion};
use mandi_paapi::paapi5::PaApi5Source;
use mandi_paapi::transport::{RateLimit, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    Creators,
    Paapi5,
}

const APIS: [Api; 2] = [Api::Creators, Api::Paapi5];

fn asin(s: &str) -> Asin {
    s.parse().expect("valid ASIN")
}

fn fixture(name: &str) -> String {
    let file = format!("{}/tests/resources/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The fake Amazon: a token endpoint for the Creators API and a catch-all that fails any
/// request no test mock covers.
struct Fake {
    api: Api,
    server: MockServer,
    clock: ManualClock,
}

impl Fake {
    async fn start(api: Api) -> Self {
        let server = MockServer::start().await;
        let tokens = Arc::new(AtomicUsize::new(0));
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(move |_: &Request| {
                let n = tokens.fetch_add(1, Ordering::SeqCst) + 1;
                ResponseTemplate::new(200).set_body_json(json!({
                    "access_token": format!("tok-{n}"),
                    "expires_in": 3600,
                    "token_type": "Bearer"
                }))
            })
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(|req: &Request| {
                ResponseTemplate::new(599)
                    .set_body_string(format!("no mock for {}", req.url.path()))
            })
            .with_priority(u8::MAX)
            .named("catch-all: a route no test mock covers")
            .expect(0)
            .mount(&server)
            .await;
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap());
        Self { api, server, clock }
    }

    fn source(&self) -> Box<dyn ProductSource> {
        let clock = Arc::new(self.clock.clone());
        match self.api {
            Api::Creators => Box::new(
                CreatorsApiSource::builder()
                    .credential_id("client-id")
                    .credential_secret("client-secret-value")
                    .credential_version(CredentialVersion::V2_2)
                    .associate_tag("mandi-21")
                    .base_url(self.server.uri())
                    .token_url(format!("{}/oauth2/token", self.server.uri()))
                    .retry_policy(RetryPolicy::none())
                    .rate_limit(RateLimit::unlimited())
                    .clock(clock)
                    .build()
                    .expect("builds"),
            ),
            Api::Paapi5 => Box::new(
                PaApi5Source::builder()
                    .access_key("AKIDEXAMPLE")
                    .secret_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
                    .associate_tag("mandi-21")
                    .base_url(self.server.uri())
                    .retry_policy(RetryPolicy::none())
                    .rate_limit(RateLimit::unlimited())
                    .clock(clock)
                    .build()
                    .expect("builds"),
            ),
        }
    }

    /// A mock for operation `camel` (`getItems`) in this API's route.
    fn op(&self, camel: &str) -> wiremock::MockBuilder {
        let route = match self.api {
            Api::Creators => format!("/catalog/v1/{camel}"),
            Api::Paapi5 => format!("/paapi5/{}", camel.to_ascii_lowercase()),
        };
        Mock::given(method("POST")).and(path(route))
    }

    /// A field name in this API's spelling.
    fn key(&self, camel: &str) -> String {
        match self.api {
            Api::Creators => camel.to_owned(),
            Api::Paapi5 if camel == "asin" => "ASIN".to_owned(),
            Api::Paapi5 => {
                let mut chars = camel.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
        }
    }

    /// The fixture named `creators` or `paapi5` for this API.
    fn fixture(&self, creators: &str, paapi5: &str) -> String {
        fixture(match self.api {
            Api::Creators => creators,
            Api::Paapi5 => paapi5,
        })
    }

    fn full(&self) -> Value {
        serde_json::from_str(&self.fixture(
            "creators_getItems_full10.json",
            "paapi5_GetItems_full10.json",
        ))
        .expect("fixture is JSON")
    }

    fn full_asins(&self) -> Vec<Asin> {
        let full = self.full();
        full[self.key("itemsResult")][self.key("items")]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| asin(i[self.key("asin")].as_str().expect("asin")))
            .collect()
    }

    /// Serves `body` once to getItems and asks for `asins`.
    async fn get_items(&self, body: String, asins: &[Asin]) -> Result<ItemsBatch, SourceError> {
        self.op("getItems")
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .expect(1)
            .mount(&self.server)
            .await;
        self.source()
            .get_items(&ItemsRequest::new(Marketplace::India, asins.to_vec()))
            .await
    }
}

#[tokio::test]
async fn amounts_that_are_not_prices_are_unknown_and_the_other_items_survive() {
    for api in APIS {
        let fake = Fake::start(api).await;
        let all = fake.full_asins();
        let batch = fake
            .get_items(
                fake.fixture(
                    "creators_getItems_bad_prices.json",
                    "paapi5_GetItems_bad_prices.json",
                ),
                &all,
            )
            .await
            .unwrap_or_else(|e| panic!("{api:?}: one bad item must not fail the batch: {e}"));
        // Item 7's offersV2 is not an object: only that item is lost, and it is reported.
        assert_eq!(batch.items.len(), 9, "{api:?}");
        assert_eq!(batch.errors.len(), 1, "{api:?}: {:?}", batch.errors);
        let lost = &batch.errors[0];
        assert_eq!(lost.asin, all[7], "{api:?}");
        assert_eq!(lost.code, "UnreadableItem");
        assert!(
            lost.message.contains(&format!(
                "{}.{}[7].{}",
                fake.key("itemsResult"),
                fake.key("items"),
                fake.key("offersV2")
            )),
            "{api:?}: {lost:?}"
        );
        let product = |i: usize| {
            batch
                .items
                .iter()
                .find(|p| p.asin == all[i])
                .unwrap_or_else(|| panic!("{api:?}: item {i} is kept"))
        };
        // Zero, negative, USD for amazon.in, 15799.005, 15799.0000000000000001 and "15,799":
        // unknown prices, never ₹0, never ₹15,799.01, never ₹15,799.
        for i in [0, 1, 2, 3, 4, 8] {
            let p = product(i);
            assert_eq!(p.price(), None, "{api:?}: item {i}: {:?}", p.offers[0]);
            assert_eq!(p.offers[0].price, None, "{api:?}: item {i}");
            // The rest of the item is kept: title, stock, the other offer's price.
            assert!(!p.title.is_empty());
            assert_ne!(p.availability(), Availability::Unknown, "{api:?}: item {i}");
            assert!(p.offers[1].price.is_some(), "{api:?}: item {i}");
        }
        // A zero M.R.P. and a negative saving are unknown; the price itself is fine.
        let p = product(5);
        assert_eq!(p.price(), Some(Money::from_minor(717_250, Currency::INR)));
        assert_eq!(p.offers[0].list_price, None);
        assert_eq!(p.offers[0].savings, None);
        for i in [6, 9] {
            assert!(product(i).price().is_some_and(|m| m.minor() > 0));
            assert!(product(i).offers[0].list_price.is_some());
        }
    }
}

/// What an error must look like.
type Expect = fn(&SourceError) -> bool;

#[tokio::test]
async fn a_200_reply_with_errors_is_an_error_of_that_kind_not_not_found() {
    for api in APIS {
        let cases: [(&str, &str, Expect); 3] = [
            (
                "creators_getItems_200_throttled.json",
                "paapi5_GetItems_200_TooManyRequests.json",
                |e| matches!(e, SourceError::Throttled { message, .. } if message.contains("throttling")),
            ),
            (
                "creators_getItems_200_internal_failure.json",
                "paapi5_GetItems_200_InternalFailure.json",
                |e| matches!(e, SourceError::Server { message, .. } if message.contains("InternalFailure")),
            ),
            (
                "creators_getItems_200_invalid_resource.json",
                "paapi5_GetItems_200_InvalidResource.json",
                |e| matches!(e, SourceError::InvalidInput { code, message } if code == "InvalidParameterValue" && message.contains("Resources")),
            ),
        ];
        for (creators, paapi5, expected) in cases {
            let fake = Fake::start(api).await;
            let all = fake.full_asins();
            let e = fake
                .get_items(fake.fixture(creators, paapi5), &all[..3])
                .await
                .expect_err("a whole-request failure");
            assert!(expected(&e), "{api:?} {creators}: {e:?}");
            // Throttling and internal failures may succeed later; a bad parameter will not.
            assert_eq!(
                e.is_retryable(),
                !matches!(e, SourceError::InvalidInput { .. }),
                "{e:?}"
            );
        }
    }
}

#[tokio::test]
async fn per_item_errors_stay_per_item_and_name_their_asins() {
    for api in APIS {
        let fake = Fake::start(api).await;
        let all = fake.full_asins();
        // Amazon answers ASINs it cannot serve with per-item errors naming them.
        let batch = fake
            .get_items(
                fake.fixture(
                    "creators_getItems_200_all_invalid.json",
                    "paapi5_GetItems_200_AllInvalid.json",
                ),
                &[all[1], all[9], all[0]],
            )
            .await
            .expect("per-item errors are not a failed call");
        assert!(batch.items.is_empty());
        let kinds: Vec<_> = batch
            .errors
            .iter()
            .map(|e| (e.asin, e.kind, e.code.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (all[1], ItemErrorKind::NotAccessible, "ItemNotAccessible"),
                (all[9], ItemErrorKind::Invalid, "InvalidParameterValue"),
                (all[0], ItemErrorKind::NotFound, "ItemNotReturned"),
            ],
            "{api:?}"
        );
    }
}

#[tokio::test]
async fn a_reply_with_asins_nobody_asked_for_is_refused() {
    for api in APIS {
        // The ten-item reply to a request for three.
        let fake = Fake::start(api).await;
        let all = fake.full_asins();
        let e = fake
            .get_items(fake.full().to_string(), &all[..3])
            .await
            .expect_err("refused");
        assert!(
            matches!(&e, SourceError::Decode { message, path, .. }
                if message.contains(all[3].as_str()) && message.contains("not asked for") && path.ends_with("[3]")),
            "{api:?}: {e:?}"
        );
        // One ASIN twice.
        let fake = Fake::start(api).await;
        let mut twice = fake.full();
        let items = &mut twice[fake.key("itemsResult")][fake.key("items")];
        let first = items[0].clone();
        *items = json!([first.clone(), first]);
        let e = fake
            .get_items(twice.to_string(), &all[..1])
            .await
            .expect_err("refused");
        assert!(
            matches!(&e, SourceError::Decode { message, .. } if message.contains("twice")),
            "{api:?}: {e:?}"
        );
        // Nothing at all is not "not found".
        let fake = Fake::start(api).await;
        let e = fake
            .get_items("{}".to_owned(), &all[..1])
            .await
            .expect_err("refused");
        assert!(
            matches!(&e, SourceError::Decode { message, .. } if message.contains("neither")),
            "{api:?}: {e:?}"
        );
    }
}

#[tokio::test]
async fn search_and_variations_replies_with_only_errors_are_errors_of_their_kind() {
    for api in APIS {
        let throttled = fake_throttled(api);
        let fake = Fake::start(api).await;
        fake.op("searchItems")
            .respond_with(ResponseTemplate::new(200).set_body_string(throttled.clone()))
            .expect(1)
            .mount(&fake.server)
            .await;
        let e = fake
            .source()
            .search_items(&SearchRequest::keywords(Marketplace::India, "phone"))
            .await
            .expect_err("throttled");
        assert!(matches!(e, SourceError::Throttled { .. }), "{api:?}: {e:?}");

        let fake = Fake::start(api).await;
        fake.op("getVariations")
            .respond_with(ResponseTemplate::new(200).set_body_string(throttled))
            .expect(1)
            .mount(&fake.server)
            .await;
        let e = fake
            .source()
            .get_variations(&VariationsRequest::new(
                Marketplace::India,
                asin("B0CX59H5W7"),
            ))
            .await
            .expect_err("throttled");
        assert!(matches!(e, SourceError::Throttled { .. }), "{api:?}: {e:?}");

        // "No results" stays an empty page.
        let fake = Fake::start(api).await;
        let none = json!({ fake.key("errors"): [{ fake.key("code"): "NoResults", fake.key("message"): "No results found for your request." }] });
        fake.op("searchItems")
            .respond_with(ResponseTemplate::new(200).set_body_json(none))
            .expect(1)
            .mount(&fake.server)
            .await;
        let page = fake
            .source()
            .search_items(&SearchRequest::keywords(Marketplace::India, "phone"))
            .await
            .expect("an empty page");
        assert!(page.items.is_empty());
    }
}

fn fake_throttled(api: Api) -> String {
    match api {
        Api::Creators => fixture("creators_getItems_200_throttled.json"),
        Api::Paapi5 => fixture("paapi5_GetItems_200_TooManyRequests.json"),
    }
}

#[tokio::test]
async fn variations_of_two_families_are_refused_and_bad_prices_in_them_are_unknown() {
    for api in APIS {
        let fake = Fake::start(api).await;
        let mut reply: Value = serde_json::from_str(&fake.fixture(
            "creators_getVariations_ok.json",
            "paapi5_GetVariations_ok.json",
        ))
        .expect("JSON");
        let items = &mut reply[fake.key("variationsResult")][fake.key("items")];
        items[1][fake.key("parentASIN")] = json!("B0ZZ000000");
        fake.op("getVariations")
            .respond_with(ResponseTemplate::new(200).set_body_json(reply))
            .expect(1)
            .mount(&fake.server)
            .await;
        let e = fake
            .source()
            .get_variations(&VariationsRequest::new(
                Marketplace::India,
                asin("B0CX59H5W7"),
            ))
            .await
            .expect_err("two families");
        assert!(
            matches!(&e, SourceError::Decode { message, .. } if message.contains("B0ZZ000000")),
            "{api:?}: {e:?}"
        );

        let fake = Fake::start(api).await;
        let mut reply: Value = serde_json::from_str(&fake.fixture(
            "creators_getVariations_ok.json",
            "paapi5_GetVariations_ok.json",
        ))
        .expect("JSON");
        let item = &mut reply[fake.key("variationsResult")][fake.key("items")][0];
        item[fake.key("offersV2")][fake.key("listings")][0][fake.key("price")][fake.key("money")]
            [fake.key("amount")] = json!(-5);
        fake.op("getVariations")
            .respond_with(ResponseTemplate::new(200).set_body_json(reply))
            .expect(1)
            .mount(&fake.server)
            .await;
        let family = fake
            .source()
            .get_variations(&VariationsRequest::new(
                Marketplace::India,
                asin("B0CX59H5W7"),
            ))
            .await
            .expect("a family");
        assert_eq!(family.items[0].offers[0].price, None, "{api:?}");
        assert!(family.items[1].price().is_some(), "{api:?}");
    }
}
