//! The `ProductSource` contract (`mandi_core::source_contract!`) run against both adapters,
//! each backed by a small fake catalogue served by wiremock on loopback.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use mandi_core::contract::source::{SourceFixture, Subject};
use mandi_core::{Asin, ManualClock, Marketplace};
use mandi_paapi::transport::{RateLimit, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn asin(s: &str) -> Asin {
    s.parse().expect("valid ASIN")
}

fn fixture() -> SourceFixture {
    SourceFixture {
        marketplace: Marketplace::India,
        known_asins: vec![asin("B0CX59H5W7"), asin("B0BDHWDR12"), asin("B09G9FPHY6")],
        unknown_asin: asin("B0UNKNOWN1"),
        search_keywords: "phone".to_owned(),
        variation_asin: Some(asin("B0CX59H5W7")),
        browse_node_id: Some("976419031".to_owned()),
    }
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap(),
    ))
}

mod creators {
    use super::*;
    use mandi_paapi::creators::{CreatorsApiSource, CredentialVersion, model};

    /// A fake Creators API catalogue holding the ten fixture items.
    struct Catalogue {
        items: Vec<model::Item>,
        variations: model::GetVariationsResponse,
        nodes: Vec<model::BrowseNodeData>,
    }

    impl Catalogue {
        fn new() -> Self {
            let full: model::GetItemsResponse =
                serde_json::from_str(include_str!("resources/creators_getItems_full10.json"))
                    .unwrap();
            let nodes: model::GetBrowseNodesResponse =
                serde_json::from_str(include_str!("resources/creators_getBrowseNodes_ok.json"))
                    .unwrap();
            Self {
                items: full.items_result.unwrap().items.unwrap(),
                variations: serde_json::from_str(include_str!(
                    "resources/creators_getVariations_ok.json"
                ))
                .unwrap(),
                nodes: nodes.browse_nodes_result.unwrap().browse_nodes.unwrap(),
            }
        }
    }

    impl Respond for Catalogue {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let reply = match req.url.path() {
                "/catalog/v1/getItems" => {
                    let body: model::GetItemsRequest = serde_json::from_slice(&req.body).unwrap();
                    assert!(body.item_ids.len() <= 10, "more than ten ASINs in one call");
                    let mut found = Vec::new();
                    let mut errors = Vec::new();
                    for id in &body.item_ids {
                        match self.items.iter().find(|i| &i.asin == id) {
                            Some(item) => found.push(item.clone()),
                            None => errors.push(model::ErrorData {
                                code: Some("ItemNotAccessible".into()),
                                message: Some(format!(
                                    "The ItemId {id} is not accessible through the Creators API."
                                )),
                            }),
                        }
                    }
                    serde_json::to_value(model::GetItemsResponse {
                        items_result: Some(model::ItemsResult { items: Some(found) }),
                        errors: (!errors.is_empty()).then_some(errors),
                    })
                }
                "/catalog/v1/searchItems" => {
                    let body: model::SearchItemsRequest =
                        serde_json::from_slice(&req.body).unwrap();
                    let count = usize::from(body.item_count.unwrap_or(10));
                    serde_json::to_value(model::SearchItemsResponse {
                        search_result: Some(model::SearchResult {
                            items: Some(self.items.iter().take(count).cloned().collect()),
                            total_result_count: Some(10),
                            search_url: Some("https://www.amazon.in/s?k=phone".into()),
                            search_refinements: None,
                        }),
                        errors: None,
                    })
                }
                "/catalog/v1/getVariations" => serde_json::to_value(&self.variations),
                "/catalog/v1/getBrowseNodes" => {
                    let body: model::GetBrowseNodesRequest =
                        serde_json::from_slice(&req.body).unwrap();
                    let nodes: Vec<_> = self
                        .nodes
                        .iter()
                        .filter(|n| body.browse_node_ids.contains(&n.id))
                        .cloned()
                        .collect();
                    serde_json::to_value(model::GetBrowseNodesResponse {
                        browse_nodes_result: Some(model::BrowseNodesResult {
                            browse_nodes: Some(nodes),
                        }),
                        errors: None,
                    })
                }
                other => {
                    return ResponseTemplate::new(404)
                        .set_body_json(json!({"message": format!("no operation {other}")}));
                }
            };
            ResponseTemplate::new(200).set_body_json(reply.unwrap())
        }
    }

    async fn setup() -> Subject<CreatorsApiSource> {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": "tok", "expires_in": 3600})),
            )
            .expect(0..=1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path_regex("^/catalog/v1/"))
            .respond_with(Catalogue::new())
            .mount(&server)
            .await;
        let source = CreatorsApiSource::builder()
            .credential_id("id")
            .credential_secret("secret")
            .credential_version(CredentialVersion::V2_2)
            .associate_tag("mandi-21")
            .base_url(server.uri())
            .token_url(format!("{}/oauth2/token", server.uri()))
            .retry_policy(RetryPolicy::none())
            .rate_limit(RateLimit::unlimited())
            .clock(clock())
            .build()
            .unwrap();
        Subject {
            source,
            fixture: fixture(),
            guard: Box::new(server),
        }
    }

    mandi_core::source_contract!(setup);
}

mod paapi5 {
    use super::*;
    use mandi_paapi::paapi5::{PaApi5Source, model};

    /// A fake PA-API 5.0 catalogue holding the ten fixture items.
    struct Catalogue {
        items: Vec<model::Item>,
        variations: model::GetVariationsResponse,
        nodes: Vec<model::BrowseNodeData>,
    }

    impl Catalogue {
        fn new() -> Self {
            let full: model::GetItemsResponse =
                serde_json::from_str(include_str!("resources/paapi5_GetItems_full10.json"))
                    .unwrap();
            let nodes: model::GetBrowseNodesResponse =
                serde_json::from_str(include_str!("resources/paapi5_GetBrowseNodes_ok.json"))
                    .unwrap();
            Self {
                items: full.items_result.unwrap().items.unwrap(),
                variations: serde_json::from_str(include_str!(
                    "resources/paapi5_GetVariations_ok.json"
                ))
                .unwrap(),
                nodes: nodes.browse_nodes_result.unwrap().browse_nodes.unwrap(),
            }
        }
    }

    impl Respond for Catalogue {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            assert!(
                req.headers.contains_key("authorization"),
                "PA-API requests are signed"
            );
            let reply = match req.url.path() {
                "/paapi5/getitems" => {
                    let body: model::GetItemsRequest = serde_json::from_slice(&req.body).unwrap();
                    assert!(body.item_ids.len() <= 10, "more than ten ASINs in one call");
                    let mut found = Vec::new();
                    let mut errors = Vec::new();
                    for id in &body.item_ids {
                        match self.items.iter().find(|i| &i.asin == id) {
                            Some(item) => found.push(item.clone()),
                            None => errors.push(model::ErrorData {
                                code: Some("InvalidParameterValue".into()),
                                message: Some(format!(
                                    "The ItemId {id} provided in the request is invalid."
                                )),
                            }),
                        }
                    }
                    if found.is_empty() {
                        return ResponseTemplate::new(404).set_body_json(json!({
                            "__type": "com.amazon.paapi5#ErrorData",
                            "Errors": [{"Code": "NoResults", "Message": "No results found for your request."}]
                        }));
                    }
                    serde_json::to_value(model::GetItemsResponse {
                        items_result: Some(model::ItemsResult { items: Some(found) }),
                        errors: (!errors.is_empty()).then_some(errors),
                    })
                }
                "/paapi5/searchitems" => {
                    let body: model::SearchItemsRequest =
                        serde_json::from_slice(&req.body).unwrap();
                    let count = usize::from(body.item_count.unwrap_or(10));
                    serde_json::to_value(model::SearchItemsResponse {
                        search_result: Some(model::SearchResult {
                            items: Some(self.items.iter().take(count).cloned().collect()),
                            total_result_count: Some(10),
                            search_url: None,
                            search_refinements: None,
                        }),
                        errors: None,
                    })
                }
                "/paapi5/getvariations" => serde_json::to_value(&self.variations),
                "/paapi5/getbrowsenodes" => {
                    let body: model::GetBrowseNodesRequest =
                        serde_json::from_slice(&req.body).unwrap();
                    let nodes: Vec<_> = self
                        .nodes
                        .iter()
                        .filter(|n| body.browse_node_ids.contains(&n.id))
                        .cloned()
                        .collect();
                    serde_json::to_value(model::GetBrowseNodesResponse {
                        browse_nodes_result: Some(model::BrowseNodesResult {
                            browse_nodes: Some(nodes),
                        }),
                        errors: None,
                    })
                }
                other => {
                    return ResponseTemplate::new(404).set_body_json(json!({
                        "__type": "com.amazon.paapi5#UnknownOperationException",
                        "Errors": [{"Code": "UnknownOperation", "Message": format!("no operation {other}")}]
                    }));
                }
            };
            ResponseTemplate::new(200).set_body_json(reply.unwrap())
        }
    }

    async fn setup() -> Subject<PaApi5Source> {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path_regex("^/paapi5/"))
            .respond_with(Catalogue::new())
            .mount(&server)
            .await;
        let source = PaApi5Source::builder()
            .access_key("AKIDEXAMPLE")
            .secret_key("secret")
            .associate_tag("mandi-21")
            .base_url(server.uri())
            .retry_policy(RetryPolicy::none())
            .rate_limit(RateLimit::unlimited())
            .clock(clock())
            .build()
            .unwrap();
        Subject {
            source,
            fixture: fixture(),
            guard: Box::new(server),
        }
    }

    mandi_core::source_contract!(setup);
}

/// The same contract against the in-process sandbox marketplace, for both adapters and both
/// Creators API credential versions.
mod sandbox {
    use super::*;
    use mandi_core::contract::source::Subject;
    use mandi_paapi::creators::{CreatorsApiSource, CredentialVersion};
    use mandi_paapi::paapi5::PaApi5Source;
    use mandi_paapi::sandbox::{RunningSandbox, Sandbox};

    async fn start() -> RunningSandbox {
        Sandbox::builder()
            .seed(11)
            .clock(clock())
            .start()
            .await
            .expect("sandbox starts")
    }

    fn fixture_of(sandbox: &RunningSandbox) -> SourceFixture {
        let sample = sandbox.catalog().sample();
        SourceFixture {
            marketplace: Marketplace::India,
            known_asins: vec![sample.phone, sample.laptop, sample.book],
            unknown_asin: sample.unknown,
            search_keywords: "laptop".to_owned(),
            variation_asin: Some(sample.family_child),
            browse_node_id: Some(sample.node_id),
        }
    }

    async fn creators(version: CredentialVersion) -> Subject<CreatorsApiSource> {
        let sandbox = start().await;
        let source = sandbox
            .creators_source_builder(version)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        Subject {
            source,
            fixture: fixture_of(&sandbox),
            guard: Box::new(sandbox),
        }
    }

    mod creators_v2 {
        use super::*;
        async fn setup() -> Subject<CreatorsApiSource> {
            creators(CredentialVersion::V2_2).await
        }
        mandi_core::source_contract!(setup);
    }

    mod creators_v3 {
        use super::*;
        async fn setup() -> Subject<CreatorsApiSource> {
            creators(CredentialVersion::V3_2).await
        }
        mandi_core::source_contract!(setup);
    }

    mod paapi5 {
        use super::*;
        async fn setup() -> Subject<PaApi5Source> {
            let sandbox = start().await;
            let source = sandbox
                .paapi5_source_builder()
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap();
            Subject {
                source,
                fixture: fixture_of(&sandbox),
                guard: Box::new(sandbox),
            }
        }
        mandi_core::source_contract!(setup);
    }
}
