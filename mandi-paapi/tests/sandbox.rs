//! The sandbox marketplace from the outside: raw HTTP against its endpoints (limits, error
//! bodies, SigV4 refusals, tokens, quota, faults, pages) and the oracle over a simulated year.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use mandi_core::{
    Availability, BrowseNodesRequest, Clock, ItemsRequest, ManualClock, Marketplace, ProductSource,
    SearchRequest, SortBy, SourceError, VariationsRequest,
};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::paapi5::TARGET_PREFIX;
use mandi_paapi::sandbox::{EventKind, Faults, Oracle, Quota, RunningSandbox, Sandbox};
use mandi_paapi::sigv4::{self, Credentials, SignableRequest, SigningParams, SigningSettings};
use mandi_paapi::transport::{RetryPolicy, Timeouts};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

mod markets;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 20, 6, 0, 0).unwrap()
}

async fn start_with(clock: Arc<ManualClock>, faults: Faults, quota: Quota) -> RunningSandbox {
    Sandbox::builder()
        .seed(3)
        .clock(clock)
        .faults(faults)
        .quota(quota)
        .start()
        .await
        .unwrap()
}

async fn start() -> (RunningSandbox, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(t0()));
    (
        start_with(clock.clone(), Faults::none(), Quota::unlimited()).await,
        clock,
    )
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn token(s: &RunningSandbox, version: CredentialVersion) -> String {
    let c = s.credentials().creators(version).clone();
    let reply = if version.is_lwa() {
        http()
            .post(s.token_url(version))
            .json(&json!({"grant_type": "client_credentials", "client_id": c.credential_id,
                "client_secret": c.credential_secret.expose_secret(), "scope": "creatorsapi::default"}))
            .send()
            .await
            .unwrap()
    } else {
        http()
            .post(s.token_url(version))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", c.credential_id.as_str()),
                ("client_secret", c.credential_secret.expose_secret()),
                ("scope", "creatorsapi/default"),
            ])
            .send()
            .await
            .unwrap()
    };
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["expires_in"], 3600);
    body["access_token"].as_str().unwrap().to_owned()
}

async fn creators_post(s: &RunningSandbox, op: &str, body: Value) -> (u16, Value) {
    let tok = token(s, CredentialVersion::V2_2).await;
    let reply = http()
        .post(format!("{}/catalog/v1/{op}", s.base_url()))
        .header("authorization", format!("Bearer {tok}, Version 2.2"))
        .header("x-marketplace", "www.amazon.in")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

/// A signed PA-API request; `tamper` may change the body after signing.
async fn paapi_post(
    s: &RunningSandbox,
    op: &str,
    body: &Value,
    secret: &str,
    time: DateTime<Utc>,
    tamper: Option<fn(&mut Vec<u8>)>,
) -> (u16, Value) {
    let name = match op {
        "getitems" => "GetItems",
        "searchitems" => "SearchItems",
        "getvariations" => "GetVariations",
        _ => "GetBrowseNodes",
    };
    let mut bytes = serde_json::to_vec(body).unwrap();
    let path = format!("/paapi5/{op}");
    let host = s.addr().to_string();
    let headers = vec![
        ("host".to_owned(), host),
        (
            "content-type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        ),
        ("content-encoding".to_owned(), "amz-1.0".to_owned()),
        ("x-amz-target".to_owned(), format!("{TARGET_PREFIX}{name}")),
    ];
    let creds = Credentials::new(s.credentials().paapi.access_key.clone(), secret, None);
    let signed = sigv4::sign(
        &SignableRequest {
            method: "POST",
            uri: &path,
            headers: &headers,
            body: &bytes,
        },
        &SigningParams {
            credentials: &creds,
            region: "eu-west-1",
            service: "ProductAdvertisingAPI",
            time,
        },
        &SigningSettings::default(),
    )
    .unwrap();
    if let Some(f) = tamper {
        f(&mut bytes);
    }
    let mut request = http().post(format!("{}{path}", s.base_url())).body(bytes);
    for (k, v) in headers.iter().skip(1).chain(signed.headers.iter()) {
        request = request.header(k, v);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

fn paapi_get_items(s: &RunningSandbox) -> Value {
    json!({
        "PartnerTag": s.credentials().associate_tag,
        "PartnerType": "Associates",
        "Marketplace": "www.amazon.in",
        "ItemIds": [s.catalog().sample().phone.as_str()],
        "Resources": ["ItemInfo.Title", "OffersV2.Listings.Price"],
    })
}

fn error_code(body: &Value) -> &str {
    body["Errors"][0]["Code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn paapi_accepts_a_good_signature_and_answers_in_pascal_case() {
    let (s, _) = start().await;
    let secret = s.credentials().paapi.secret_key.expose_secret().to_owned();
    let (status, body) =
        paapi_post(&s, "getitems", &paapi_get_items(&s), &secret, t0(), None).await;
    assert_eq!(status, 200, "{body}");
    let item = &body["ItemsResult"]["Items"][0];
    assert_eq!(item["ASIN"], s.catalog().sample().phone.as_str());
    assert!(item["ItemInfo"]["Title"]["DisplayValue"].is_string());
    assert!(item["OffersV2"]["Listings"][0]["Price"]["Money"]["Amount"].is_number());
    // Only the resources asked for come back.
    assert!(item.get("Images").is_none());
}

#[tokio::test]
async fn paapi_refuses_a_wrong_key_a_changed_byte_and_a_stale_date() {
    let (s, clock) = start().await;
    let secret = s.credentials().paapi.secret_key.expose_secret().to_owned();
    let body = paapi_get_items(&s);

    let (status, reply) = paapi_post(&s, "getitems", &body, "not-the-secret", t0(), None).await;
    assert_eq!((status, error_code(&reply)), (401, "InvalidSignature"));

    let flip: fn(&mut Vec<u8>) = |b| {
        let i = b.len() / 2;
        b[i] ^= 0x01;
    };
    let (status, reply) = paapi_post(&s, "getitems", &body, &secret, t0(), Some(flip)).await;
    assert_eq!((status, error_code(&reply)), (401, "InvalidSignature"));

    let stale = t0() - chrono::Duration::minutes(16);
    let (status, reply) = paapi_post(&s, "getitems", &body, &secret, stale, None).await;
    assert_eq!((status, error_code(&reply)), (401, "RequestExpired"));
    // Fourteen minutes off is still accepted; the sandbox clock is the judge.
    clock.advance(chrono::Duration::minutes(14));
    let (status, _) = paapi_post(&s, "getitems", &body, &secret, t0(), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn paapi_checks_target_encoding_partner_type_and_limits() {
    let (s, _) = start().await;
    let secret = s.credentials().paapi.secret_key.expose_secret().to_owned();
    let mut body = paapi_get_items(&s);
    body["PartnerType"] = json!("Influencers");
    let (status, reply) = paapi_post(&s, "getitems", &body, &secret, t0(), None).await;
    assert_eq!((status, error_code(&reply)), (400, "InvalidParameterValue"));

    let mut body = paapi_get_items(&s);
    body["PartnerTag"] = json!("someone-else-21");
    let (status, reply) = paapi_post(&s, "getitems", &body, &secret, t0(), None).await;
    assert_eq!((status, error_code(&reply)), (400, "InvalidPartnerTag"));

    let mut body = paapi_get_items(&s);
    let ids: Vec<String> = s
        .catalog()
        .asins()
        .take(11)
        .map(|a| a.to_string())
        .collect();
    body["ItemIds"] = json!(ids);
    let (status, reply) = paapi_post(&s, "getitems", &body, &secret, t0(), None).await;
    assert_eq!((status, error_code(&reply)), (400, "InvalidParameterValue"));

    let search = json!({"PartnerTag": "mandi-21", "PartnerType": "Associates", "Keywords": "phone", "ItemCount": 11});
    let (status, reply) = paapi_post(&s, "searchitems", &search, &secret, t0(), None).await;
    assert_eq!(
        (status, error_code(&reply)),
        (400, "InvalidParameterValue"),
        "{reply}"
    );

    // A target that does not match the path is an unknown operation.
    let reply = http()
        .post(format!("{}/paapi5/getitems", s.base_url()))
        .header("content-encoding", "amz-1.0")
        .header("x-amz-target", format!("{TARGET_PREFIX}SearchItems"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 404);
    let reply = http()
        .post(format!("{}/paapi5/getitems", s.base_url()))
        .header("x-amz-target", format!("{TARGET_PREFIX}GetItems"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 400);
}

#[tokio::test]
async fn token_endpoints_refuse_bad_secrets_and_scopes_like_the_real_ones() {
    let (s, _) = start().await;
    let v2 = s.credentials().creators_v2.clone();
    let reply = http()
        .post(s.token_url(CredentialVersion::V2_2))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", v2.credential_id.as_str()),
            ("client_secret", "wrong"),
            ("scope", "creatorsapi/default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 400);
    assert_eq!(
        reply.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let reply = http()
        .post(s.token_url(CredentialVersion::V2_2))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", v2.credential_id.as_str()),
            ("client_secret", v2.credential_secret.expose_secret()),
            ("scope", "creatorsapi::default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        reply.json::<Value>().await.unwrap()["error"],
        "invalid_scope"
    );

    let v3 = s.credentials().creators_v3.clone();
    let reply = http()
        .post(s.token_url(CredentialVersion::V3_2))
        .json(
            &json!({"grant_type": "client_credentials", "client_id": v3.credential_id,
            "client_secret": "wrong", "scope": "creatorsapi::default"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
    let reply = http()
        .post(s.token_url(CredentialVersion::V3_2))
        .json(
            &json!({"grant_type": "client_credentials", "client_id": v3.credential_id,
            "client_secret": v3.credential_secret.expose_secret(), "scope": "creatorsapi/default"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        reply.json::<Value>().await.unwrap()["error"],
        "invalid_scope"
    );

    // The client turns a refused secret into a typed Unauthorized error.
    let source = s
        .creators_source_builder(CredentialVersion::V2_2)
        .credential_secret("wrong")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = source
        .get_items(&ItemsRequest::new(
            Marketplace::India,
            [s.catalog().sample().phone],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::Unauthorized { .. }), "{err:?}");
}

#[tokio::test]
async fn creators_checks_the_authorization_format_per_version() {
    let (s, _) = start().await;
    let v2 = token(&s, CredentialVersion::V2_2).await;
    let v3 = token(&s, CredentialVersion::V3_2).await;
    let body = json!({"partnerTag": "mandi-21", "itemIds": [s.catalog().sample().phone.as_str()], "resources": ["itemInfo.title"]});
    let send = |auth: String, mp: &'static str| {
        let url = format!("{}/catalog/v1/getItems", s.base_url());
        let body = body.clone();
        async move {
            let r = http()
                .post(url)
                .header("authorization", auth)
                .header("x-marketplace", mp)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(
        send(format!("Bearer {v2}, Version 2.2"), "www.amazon.in")
            .await
            .0,
        200
    );
    assert_eq!(send(format!("Bearer {v3}"), "www.amazon.in").await.0, 200);
    let (status, body) = send(format!("Bearer {v2}"), "www.amazon.in").await;
    assert_eq!(status, 401, "a 2.x token needs its Version: {body}");
    assert_eq!(body["type"], "UnauthorizedException");
    assert_eq!(
        send(format!("Bearer {v2}, Version 3.2"), "www.amazon.in")
            .await
            .0,
        401
    );
    assert_eq!(
        send("Bearer nonsense".to_owned(), "www.amazon.in").await.0,
        401
    );
    let (status, body) = send(format!("Bearer {v3}"), "www.amazon.fr").await;
    assert_eq!(status, 400);
    assert_eq!(body["type"], "ValidationException");
    // amazon.com is served, but not to Europe-and-India credentials (3.2).
    let (status, body) = send(format!("Bearer {v3}"), "www.amazon.com").await;
    assert_eq!(status, 403);
    assert_eq!(body["type"], "AccessDeniedException");
}

#[tokio::test]
async fn creators_documents_limits_with_validation_errors() {
    let (s, _) = start().await;
    let ids: Vec<String> = s
        .catalog()
        .asins()
        .take(11)
        .map(|a| a.to_string())
        .collect();
    let (status, body) = creators_post(
        &s,
        "getItems",
        json!({"partnerTag": "mandi-21", "itemIds": ids, "resources": ["itemInfo.title"]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["type"], "ValidationException");
    for bad in [
        json!({"partnerTag": "mandi-21", "keywords": "phone", "itemPage": 11}),
        json!({"partnerTag": "mandi-21", "keywords": "phone", "itemCount": 0}),
        json!({"partnerTag": "mandi-21", "keywords": "phone", "sortBy": "Cheapest"}),
        json!({"partnerTag": "mandi-21", "keywords": "phone", "minReviewsRating": 5}),
        json!({"partnerTag": "mandi-21", "itemCount": 3}),
        json!({"partnerTag": "mandi-21", "keywords": "phone", "resources": ["bogus.field"]}),
    ] {
        let (status, reply) = creators_post(&s, "searchItems", bad.clone()).await;
        assert_eq!(status, 400, "{bad} → {reply}");
    }
    let (status, body) = creators_post(
        &s,
        "searchItems",
        json!({"partnerTag": "other-21", "keywords": "phone"}),
    )
    .await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (400, Some("InvalidPartnerTag"))
    );
    let (status, body) = creators_post(
        &s,
        "searchItems",
        json!({"partnerTag": "mandi-21", "keywords": "zzzzqqqq"}),
    )
    .await;
    assert_eq!(
        (status, body["type"].as_str()),
        (404, Some("ResourceNotFoundException"))
    );
}

#[tokio::test]
async fn expired_and_revoked_tokens_make_the_client_fetch_a_new_one() {
    let (s, clock) = start().await;
    let source = s
        .creators_source_builder(CredentialVersion::V3_2)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let asin = s.catalog().sample().phone;
    let request = ItemsRequest::new(Marketplace::India, [asin]);
    assert_eq!(source.get_items(&request).await.unwrap().items.len(), 1);
    // An hour later the token has expired on the sandbox clock; the client refreshes.
    clock.advance(chrono::Duration::seconds(3_700));
    assert_eq!(source.get_items(&request).await.unwrap().items.len(), 1);
    // A revoked token is refused with 401; the client refreshes once and succeeds.
    s.revoke_tokens();
    assert_eq!(source.get_items(&request).await.unwrap().items.len(), 1);

    // A raw call with a token past its lifetime is refused as expired.
    let tok = token(&s, CredentialVersion::V3_2).await;
    clock.advance(chrono::Duration::seconds(3_601));
    let reply = http()
        .post(format!("{}/catalog/v1/getItems", s.base_url()))
        .header("authorization", format!("Bearer {tok}"))
        .header("x-marketplace", "www.amazon.in")
        .json(&json!({"partnerTag": "mandi-21", "itemIds": [asin.as_str()]}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
    assert_eq!(
        reply.json::<Value>().await.unwrap()["reason"],
        "TokenExpired"
    );
}

#[tokio::test]
async fn a_fast_price_clock_leaves_tokens_on_the_wall_clock() {
    // `mandi sandbox --speed 3600`: a day of prices passes in seconds, but a token issued for
    // an hour still lives an hour of real time.
    let prices = Arc::new(ManualClock::new(t0()));
    let wall = Arc::new(ManualClock::new(t0()));
    let s = Sandbox::builder()
        .seed(3)
        .clock(prices.clone())
        .wall_clock(wall.clone())
        .start()
        .await
        .unwrap();
    let asin = s.catalog().sample().phone;
    let tok = token(&s, CredentialVersion::V3_2).await;
    let call = |tok: String| {
        let url = format!("{}/catalog/v1/getItems", s.base_url());
        async move {
            http()
                .post(url)
                .header("authorization", format!("Bearer {tok}"))
                .header("x-marketplace", "www.amazon.in")
                .json(&json!({"partnerTag": "mandi-21", "itemIds": [asin.as_str()]}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    prices.advance(chrono::Duration::days(2));
    assert_eq!(
        call(tok.clone()).await,
        200,
        "prices moved on, the token did not"
    );
    wall.advance(chrono::Duration::seconds(3_601));
    assert_eq!(call(tok).await, 401, "an hour of real time expires it");
}

#[tokio::test]
async fn the_quota_answers_429_as_amazon_does() {
    let clock = Arc::new(ManualClock::new(t0()));
    let s = start_with(clock, Faults::none(), Quota::new(Some(2), Some(1_000))).await;
    let secret = s.credentials().paapi.secret_key.expose_secret().to_owned();
    let body = paapi_get_items(&s);
    let mut statuses = Vec::new();
    let mut last = Value::Null;
    for _ in 0..4 {
        let (status, reply) = paapi_post(&s, "getitems", &body, &secret, t0(), None).await;
        statuses.push(status);
        last = reply;
    }
    assert_eq!(statuses[..2], [200, 200]);
    assert!(statuses[2..].iter().all(|s| *s == 429), "{statuses:?}");
    assert_eq!(error_code(&last), "TooManyRequests");
    let source = s
        .paapi5_source_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = source
        .get_items(&ItemsRequest::new(
            Marketplace::India,
            [s.catalog().sample().phone],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::Throttled { .. }), "{err:?}");
    // The TPD limit too: a daily limit of 3 lets three through on a fresh second.
    let clock = Arc::new(ManualClock::new(t0()));
    let s = start_with(clock, Faults::none(), Quota::new(None, Some(3))).await;
    let mut ok = 0;
    for _ in 0..5 {
        if paapi_post(&s, "getitems", &body, &secret, t0(), None)
            .await
            .0
            == 200
        {
            ok += 1;
        }
    }
    assert_eq!(ok, 3);
}

async fn error_under(faults: &str) -> SourceError {
    let clock = Arc::new(ManualClock::new(t0()));
    let s = start_with(clock, faults.parse().unwrap(), Quota::unlimited()).await;
    let source = s
        .creators_source_builder(CredentialVersion::V2_2)
        .retry_policy(RetryPolicy::none())
        .timeouts(Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_millis(300),
        })
        .build()
        .unwrap();
    let err = source
        .get_items(&ItemsRequest::new(
            Marketplace::India,
            [s.catalog().sample().phone],
        ))
        .await
        .unwrap_err();
    s.shutdown().await;
    err
}

#[tokio::test]
async fn faults_give_typed_client_errors() {
    assert!(matches!(
        error_under("429=1").await,
        SourceError::Throttled { .. }
    ));
    assert!(matches!(
        error_under("5xx=1").await,
        SourceError::Server { .. }
    ));
    let e = error_under("malformed=1").await;
    assert!(matches!(e, SourceError::Decode { .. }), "{e:?}");
    let e = error_under("truncated=1").await;
    assert!(matches!(e, SourceError::Decode { .. }), "{e:?}");
    let e = error_under("timeout=1,delay=3s").await;
    assert!(e.is_retryable(), "{e:?}");
}

#[tokio::test]
async fn the_same_seed_and_time_give_the_same_bytes() {
    let mut replies = Vec::new();
    for _ in 0..2 {
        let clock = Arc::new(ManualClock::new(t0()));
        let s = start_with(clock, Faults::none(), Quota::unlimited()).await;
        let (status, body) = creators_post(
            &s,
            "searchItems",
            json!({"partnerTag": "mandi-21", "keywords": "gaming laptop", "itemCount": 10,
                "resources": ["itemInfo.title", "offersV2.listings.price", "images.primary.large", "customerReviews.starRating"]}),
        )
        .await;
        assert_eq!(status, 200);
        // Base URLs differ (ports); compare with them removed.
        let text = body.to_string().replace(s.base_url(), "BASE");
        let page = http()
            .get(format!(
                "{}/dp/{}",
                s.base_url(),
                s.catalog().sample().laptop
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace(s.base_url(), "BASE");
        replies.push((text, page));
    }
    assert_eq!(replies[0], replies[1]);
}

#[tokio::test]
async fn search_honours_filters_and_sorts() {
    let (s, _) = start().await;
    let source = s.paapi5_source().unwrap();
    let mut request = SearchRequest::keywords(Marketplace::India, "laptop");
    request.sort_by = Some(SortBy::PriceLowToHigh);
    request.min_price = Some(mandi_core::Money::from_major(
        50_000,
        mandi_core::Currency::INR,
    ));
    request.max_price = Some(mandi_core::Money::from_major(
        90_000,
        mandi_core::Currency::INR,
    ));
    request.min_reviews_rating = Some(3);
    let page = source.search_items(&request).await.unwrap();
    assert!(!page.items.is_empty());
    let prices: Vec<i64> = page
        .items
        .iter()
        .filter_map(|p| p.price())
        .map(|p| p.minor())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    assert!(prices.iter().all(|p| (5_000_000..=9_000_000).contains(p)));
    assert!(
        page.items
            .iter()
            .all(|p| p.reviews.unwrap().rating_centi >= 300)
    );
    assert!(
        page.items
            .iter()
            .all(|p| p.title.to_lowercase().contains("laptop"))
    );

    let mut request = SearchRequest::keywords(Marketplace::India, "phone");
    request.brand = Some("Samsung".to_owned());
    let page = source.search_items(&request).await.unwrap();
    assert!(
        page.items
            .iter()
            .all(|p| p.brand.as_deref() == Some("Samsung"))
    );

    let mut request = SearchRequest::empty(Marketplace::India);
    request.browse_node_id = Some("976389031".to_owned());
    request.sort_by = Some(SortBy::AvgCustomerReviews);
    let page = source.search_items(&request).await.unwrap();
    assert!(page.items.iter().all(|p| p.asin.is_isbn()));
    let ratings: Vec<u16> = page
        .items
        .iter()
        .map(|p| p.reviews.unwrap().rating_centi)
        .collect();
    assert!(ratings.windows(2).all(|w| w[0] >= w[1]), "{ratings:?}");

    let family = source
        .get_variations(&VariationsRequest::new(
            Marketplace::India,
            s.catalog().sample().family_parent,
        ))
        .await
        .unwrap();
    assert_eq!(family.parent_asin, s.catalog().sample().family_parent);
    assert!(
        family
            .items
            .iter()
            .all(|i| !i.variation_attributes.is_empty())
    );
    let nodes = source
        .get_browse_nodes(&BrowseNodesRequest {
            marketplace: Marketplace::India,
            ids: vec!["1805560031".to_owned()],
        })
        .await
        .unwrap();
    assert_eq!(nodes[0].name, "Smartphones");
    assert_eq!(nodes[0].ancestors.last().unwrap().name, "Electronics");
}

#[tokio::test]
async fn api_prices_match_the_oracle() {
    let (s, clock) = start().await;
    let source = s.creators_source(CredentialVersion::V2_2).unwrap();
    let asins: Vec<_> = s.catalog().asins().step_by(97).take(20).collect();
    for day in [0, 40, 80] {
        clock.set(t0() + chrono::Duration::days(day));
        let batch = source
            .get_items(&ItemsRequest::new(Marketplace::India, asins.clone()))
            .await
            .unwrap();
        for p in &batch.items {
            let truth = s.oracle().offer(p.asin, clock.now()).unwrap();
            let offer = p.buy_box().unwrap();
            assert_eq!(offer.price, truth.price, "{}", p.asin);
            assert_eq!(offer.availability, truth.availability);
            if truth.price.is_some() && truth.discount_percent().is_some() {
                assert_eq!(offer.list_price, Some(truth.mrp));
            }
        }
    }
}

#[tokio::test]
async fn product_pages_follow_the_amazon_in_layout() {
    let clock = Arc::new(ManualClock::new(t0()));
    let s = start_with(
        clock.clone(),
        "captcha=0".parse().unwrap(),
        Quota::unlimited(),
    )
    .await;
    let sample = s.catalog().sample();
    let page = http()
        .get(format!("{}/dp/{}", s.base_url(), sample.phone))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for id in ["id=\"productTitle\"", "acrPopover", "id=\"availability\""] {
        assert!(page.contains(id), "{id} missing");
    }
    let truth = s.oracle().offer(sample.phone, clock.now()).unwrap();
    match truth.price {
        Some(price) => {
            assert!(page.contains("corePrice_feature_div") && page.contains("a-price-whole"));
            assert!(page.contains(&format!("<span class=\"a-offscreen\">{price}</span>")));
        }
        None => assert!(page.contains("Currently unavailable")),
    }
    let mobile = http()
        .get(format!("{}/gp/aw/d/{}", s.base_url(), sample.book))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        mobile.contains("corePrice_mobile_feature_div") || mobile.contains("Currently unavailable")
    );
    assert!(mobile.contains("class=\"author"));
    let missing = http()
        .get(format!("{}/dp/{}", s.base_url(), sample.unknown))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let s = start_with(clock, "captcha=1".parse().unwrap(), Quota::unlimited()).await;
    let page = http()
        .get(format!("{}/dp/{}", s.base_url(), sample.phone))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("validateCaptcha") && !page.contains("productTitle"));
}

#[test]
fn a_simulated_year_has_sales_in_their_months_and_fake_sales_raise_the_mrp_first() {
    let oracle = Oracle::new(mandi_paapi::sandbox::Catalog::for_seed(9));
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let mut sale_months = std::collections::BTreeSet::new();
    let mut fake = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for asin in oracle.catalog().asins().step_by(7) {
        let events = oracle.events(asin, from, to);
        for (i, e) in events.iter().enumerate() {
            kinds.insert(
                format!("{:?}", e.kind)
                    .split([' ', '{'])
                    .next()
                    .unwrap()
                    .to_owned(),
            );
            if let EventKind::SaleStarted {
                fake: is_fake,
                sale,
            } = &e.kind
            {
                let ist = e.at + chrono::Duration::minutes(330);
                sale_months.insert(ist.month());
                match sale.as_str() {
                    "Great Republic Day Sale" => assert_eq!(ist.month(), 1),
                    "Prime Day" => assert_eq!(ist.month(), 7),
                    "Great Indian Festival" => assert!((9..=11).contains(&ist.month())),
                    "Year End Sale" => assert_eq!(ist.month(), 12),
                    _ => {}
                }
                if *is_fake {
                    fake += 1;
                    // The MRP went up some days before this sale started.
                    let raised = events[..i].iter().rev().find_map(|p| match &p.kind {
                        EventKind::MrpRaised { from, to } => Some((p.at, *from, *to)),
                        _ => None,
                    });
                    let (at, before, after) =
                        raised.expect("a fake sale is preceded by an MRP rise");
                    assert!(after.minor() > before.minor());
                    let lead = (e.at - at).num_days();
                    assert!((7..=14).contains(&lead), "lead {lead}");
                    let during = oracle
                        .offer(asin, e.at + chrono::Duration::hours(12))
                        .unwrap();
                    assert!(
                        during.mrp.minor()
                            > oracle
                                .offer(asin, at - chrono::Duration::days(1))
                                .unwrap()
                                .mrp
                                .minor()
                    );
                }
            }
        }
        // Unknown is never zero: an offer either has a positive price or is out of stock.
        for d in (0..365).step_by(5) {
            let o = oracle
                .offer(asin, from + chrono::Duration::days(d))
                .unwrap();
            match o.price {
                Some(p) => assert!(p.minor() > 0),
                None => assert_eq!(o.availability, Availability::OutOfStock),
            }
        }
    }
    assert!(
        sale_months.is_superset(&[1, 7, 8, 10, 12].into_iter().collect()),
        "{sale_months:?}"
    );
    assert!(fake > 3, "{fake} fake sales");
    for k in [
        "SaleStarted",
        "SaleEnded",
        "MrpRaised",
        "PriceRise",
        "RealDrop",
        "StockOut",
        "Restock",
        "LightningDealStarted",
        "LightningDealEnded",
    ] {
        assert!(kinds.contains(k), "no {k} in a year: {kinds:?}");
    }
}

#[tokio::test]
async fn a_lightning_deal_shows_in_the_api_while_it_runs() {
    let (s, clock) = start().await;
    let oracle = s.oracle();
    let from = t0();
    let (asin, start, end) = s
        .catalog()
        .asins()
        .find_map(|a| {
            oracle
                .events(a, from, from + chrono::Duration::days(20))
                .into_iter()
                .find_map(|e| match e.kind {
                    EventKind::LightningDealStarted { ends_at } => Some((a, e.at, ends_at)),
                    _ => None,
                })
        })
        .expect("some lightning deal in 20 days");
    let source = s.creators_source(CredentialVersion::V2_2).unwrap();
    clock.set(start + (end - start) / 2);
    let batch = source
        .get_items(&ItemsRequest::new(Marketplace::India, [asin]))
        .await
        .unwrap();
    let offer = batch.items[0].buy_box().unwrap().clone();
    let deal = offer.deal.expect("deal details");
    assert!(deal.is_lightning());
    assert_eq!(deal.ends_at, Some(end));
    clock.set(end + chrono::Duration::minutes(1));
    let batch = source
        .get_items(&ItemsRequest::new(Marketplace::India, [asin]))
        .await
        .unwrap();
    assert!(
        batch.items[0]
            .buy_box()
            .unwrap()
            .deal
            .as_ref()
            .is_none_or(|d| !d.is_lightning())
    );
}

#[tokio::test]
async fn the_banner_names_the_url_and_both_kinds_of_credentials() {
    let (s, _) = start().await;
    let banner = s.banner();
    assert!(banner.contains(s.base_url()));
    assert!(banner.contains(&s.credentials().creators_v2.credential_id));
    assert!(banner.contains(&s.credentials().creators_v3.credential_id));
    assert!(banner.contains(&s.credentials().paapi.access_key));
    assert!(!format!("{:?}", s.credentials()).contains("sandbox-lwa-secret"));
    let refused = Sandbox::builder()
        .bind("0.0.0.0:0".parse().unwrap())
        .start()
        .await;
    assert!(refused.is_err());
    s.shutdown().await;
}

#[tokio::test]
async fn paapi_faults_give_typed_client_errors_too() {
    let clock = Arc::new(ManualClock::new(t0()));
    for (spec, check) in [
        (
            "429=1",
            (|e: &SourceError| matches!(e, SourceError::Throttled { .. }))
                as fn(&SourceError) -> bool,
        ),
        ("5xx=1", |e| matches!(e, SourceError::Server { .. })),
        ("truncated=1", |e| matches!(e, SourceError::Decode { .. })),
    ] {
        let s = start_with(clock.clone(), spec.parse().unwrap(), Quota::unlimited()).await;
        let source = s
            .paapi5_source_builder()
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let err = source
            .get_items(&ItemsRequest::new(
                Marketplace::India,
                [s.catalog().sample().phone],
            ))
            .await
            .unwrap_err();
        assert!(check(&err), "{spec}: {err:?}");
    }
}

#[tokio::test]
async fn a_lightning_deal_shows_its_badge_on_the_product_page() {
    let (s, clock) = start().await;
    let (asin, start) = s
        .catalog()
        .asins()
        .find_map(|a| {
            s.oracle()
                .events(a, t0(), t0() + chrono::Duration::days(20))
                .into_iter()
                .find_map(|e| {
                    matches!(e.kind, EventKind::LightningDealStarted { .. }).then_some((a, e.at))
                })
        })
        .unwrap();
    clock.set(start + chrono::Duration::minutes(30));
    let page = http()
        .get(format!("{}/dp/{asin}", s.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("dealBadge") && page.contains("Lightning Deal"));
    assert!(page.contains("% claimed"));
}

#[tokio::test]
async fn a_sandbox_at_scale_serves_every_product_of_its_bigger_catalogue() {
    let clock = Arc::new(ManualClock::new(t0()));
    let s = Sandbox::builder()
        .seed(3)
        .products(20_000)
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    assert_eq!(s.catalog().len(), 20_000);
    let default: std::collections::HashSet<_> =
        mandi_paapi::sandbox::Catalog::for_seed(3).asins().collect();
    // Products only the bigger catalogue holds, spread over it, answered with their true offer.
    let asins: Vec<_> = s
        .catalog()
        .asins()
        .filter(|a| !default.contains(a))
        .step_by(1_999)
        .take(10)
        .collect();
    assert_eq!(asins.len(), 10);
    let source = s.creators_source(CredentialVersion::V2_2).unwrap();
    let batch = source
        .get_items(&ItemsRequest::new(Marketplace::India, asins.clone()))
        .await
        .unwrap();
    assert_eq!(batch.items.len(), 10);
    for p in &batch.items {
        assert!(asins.contains(&p.asin));
        let truth = s.oracle().offer(p.asin, clock.now()).unwrap();
        assert_eq!(p.buy_box().unwrap().price, truth.price, "{}", p.asin);
    }
    let refused = Sandbox::builder().products(5).start().await.unwrap_err();
    assert!(
        refused.to_string().contains("9 to 1000000 products, not 5"),
        "{refused}"
    );
}

#[tokio::test]
async fn listing_specs_and_duplicates_on_the_whole_catalogue() {
    use mandi_core::quality::listing::{SpecKey, clean_title, specs};
    use mandi_core::quality::report::duplicate_groups;
    let (s, _clock) = start().await;
    let source = s.creators_source(CredentialVersion::V2_2).unwrap();
    let asins: Vec<_> = s.catalog().asins().collect();
    let mut products = Vec::new();
    for chunk in asins.chunks(10) {
        let batch = source
            .get_items(&ItemsRequest::new(Marketplace::India, chunk.to_vec()))
            .await
            .unwrap();
        products.extend(batch.items);
    }
    assert_eq!(products.len(), asins.len());
    let category = |p: &mandi_core::Product| s.catalog().category_name(p.asin).unwrap_or("");
    let has = |p: &mandi_core::Product, key| specs(p).iter().any(|x| x.key == key);
    let mut counted = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    for p in &products {
        // The sandbox writes clean titles: cleaning changes none of them.
        let cleaned = clean_title(&p.title, p.brand.as_deref());
        assert!(
            cleaned.fixes.is_empty(),
            "{}: {:?} -> {}",
            p.title,
            cleaned.fixes,
            cleaned.title
        );
        let wanted: &[SpecKey] = match category(p) {
            "phones" if !p.title.starts_with("Apple") => {
                &[SpecKey::Ram, SpecKey::Storage, SpecKey::Colour]
            }
            "phones" => &[SpecKey::Storage, SpecKey::Colour],
            "laptops" => &[
                SpecKey::Ram,
                SpecKey::Storage,
                SpecKey::Processor,
                SpecKey::Gpu,
                SpecKey::Screen,
            ],
            "tvs" => &[SpecKey::Screen],
            _ => &[],
        };
        let entry = counted.entry(category(p)).or_default();
        entry.0 += 1;
        if wanted.iter().all(|k| has(p, *k)) {
            entry.1 += 1;
        } else if !wanted.is_empty() {
            panic!("{}: specs {:?}, wanted {wanted:?}", p.title, specs(p));
        }
        // The memory figure is the one the title labels RAM (not a graphics card's).
        if let Some(at) = p.title.find("GB RAM") {
            let digits: String = p.title[..at]
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let ram = specs(p)
                .into_iter()
                .find(|x| x.key == SpecKey::Ram)
                .map(|x| x.value);
            assert_eq!(ram, Some(format!("{digits} GB")), "{}", p.title);
        }
    }
    // Every phone, laptop and TV had its specs read.
    for c in ["phones", "laptops", "tvs"] {
        let (n, ok) = counted[c];
        assert!(n > 100 && ok == n, "{c}: {ok} of {n}");
    }
    // The sandbox lists some products twice, under two ASINs with the same brand, title and
    // specs (its generator can draw a line twice): exactly those are found, and nothing else.
    let mut same_listing =
        std::collections::BTreeMap::<(String, String), Vec<mandi_core::Asin>>::new();
    for p in &products {
        same_listing
            .entry((p.brand.clone().unwrap_or_default(), p.title.clone()))
            .or_default()
            .push(p.asin);
    }
    let mut expected: Vec<Vec<mandi_core::Asin>> = same_listing
        .into_values()
        .filter(|g| g.len() > 1)
        .map(|mut g| {
            g.sort();
            g
        })
        .collect();
    expected.sort();
    assert!(!expected.is_empty());
    assert_eq!(duplicate_groups(&products), expected);
    // A relisting of a product under a new ASIN with a spammy title is found.
    let phone = products
        .iter()
        .find(|p| category(p) == "phones" && !p.title.starts_with("Apple"))
        .unwrap();
    let mut twin = phone.clone();
    twin.asin = s.catalog().sample().unknown;
    twin.title = format!(
        "{}  {} | Best Gift for Men Women Boys Girls",
        phone.brand.clone().unwrap_or_default(),
        phone.title
    );
    let groups = duplicate_groups(&[phone.clone(), twin.clone()]);
    assert_eq!(groups.len(), 1, "{} / {}", phone.title, twin.title);
}
