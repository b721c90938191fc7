//! The REST API over real HTTP on loopback: the OpenAPI document and response schemas, key
//! isolation, rate limits, problem documents, and a 5,000-line bulk job on the sandbox.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::Harness;
use mandi_core::{KeyScope, RateLimit};
use mandi_server::ServerConfig;
use serde_json::{Value, json};

/// Validates `instance` against the schema of `doc` at `#/components/schemas/{name}` or an
/// inline schema, resolving `$ref`s inside the document.
fn check_schema(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let mut root = schema.clone();
    if let Some(obj) = root.as_object_mut() {
        obj.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        obj.insert("components".into(), doc["components"].clone());
    }
    let validator = jsonschema::validator_for(&root).expect("a valid JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}\n{instance:#}");
}

/// The schema the document declares for `method path` answering `status` in JSON.
fn response_schema(doc: &Value, method: &str, path: &str, status: u16) -> Value {
    let op = &doc["paths"][path][method];
    assert!(
        op.is_object(),
        "{method} {path} is not in the OpenAPI document"
    );
    let content = &op["responses"][status.to_string()]["content"];
    let schema = content["application/json"]["schema"].clone();
    let schema = if schema.is_null() {
        content["application/problem+json"]["schema"].clone()
    } else {
        schema
    };
    assert!(
        !schema.is_null(),
        "{method} {path} {status} has no JSON schema"
    );
    schema
}

async fn json_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await.expect("a JSON body");
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_documented_and_answers_match_their_schemas() {
    let (h, key) = Harness::with_key("schema", KeyScope::Write).await;
    let doc: Value = h
        .http
        .get(h.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .into_iter()
                .flat_map(|o| o.keys())
                .map(move |m| format!("{} {p}", m.to_uppercase()))
        })
        .collect();
    for route in [
        "GET /healthz",
        "GET /api/v1/openapi.json",
        "GET /api/v1/products/{asin}",
        "GET /api/v1/products/{asin}/variations",
        "GET /api/v1/products/{asin}/history",
        "GET /api/v1/products/{asin}/chart",
        "GET /api/v1/products/{asin}/insights",
        "GET /api/v1/search",
        "GET /api/v1/watches",
        "POST /api/v1/watches",
        "GET /api/v1/watches/{id}",
        "PATCH /api/v1/watches/{id}",
        "DELETE /api/v1/watches/{id}",
        "POST /api/v1/watches/{id}/pause",
        "POST /api/v1/watches/{id}/resume",
        "GET /api/v1/watches/{id}/alerts",
        "GET /api/v1/alerts",
        "GET /api/v1/export",
        "POST /api/v1/import",
        "POST /api/v1/bulk",
        "GET /api/v1/bulk/{id}",
        "GET /api/v1/bulk/{id}/results.csv",
        "GET /api/v1/keys/me",
        "GET /api/v1/community/deals",
        "GET /api/v1/webhooks",
        "POST /api/v1/webhooks",
        "DELETE /api/v1/webhooks/{id}",
        "GET /api/v1/settings",
        "PATCH /api/v1/settings",
        "GET /api/v1/products/{asin}/markets",
    ] {
        assert!(documented.contains(route), "{route} is not documented");
    }
    // Every documented route is served (no 404 from the router for any of them).
    for route in &documented {
        let (method, path) = route.split_once(' ').expect("route");
        let path = path
            .replace("{asin}", "B0CX59H5W7")
            .replace("{id}", "999999");
        let req = h
            .http
            .request(method.parse().expect("method"), h.url(&path))
            .bearer_auth(&key);
        let resp = req.send().await.expect("send");
        let routed = resp.status() != reqwest::StatusCode::NOT_FOUND
            || resp
                .headers()
                .get("content-type")
                .is_some_and(|v| v.to_str().unwrap_or("").contains("problem"))
                && !resp
                    .text()
                    .await
                    .unwrap_or_default()
                    .contains("no such route");
        assert!(routed, "{route} is documented but not routed");
    }

    let asin = h.known_asins(1).remove(0);
    let (s, health) = json_of(h.http.get(h.url("/healthz")).send().await.expect("h")).await;
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/healthz", s),
        &health,
        "healthz",
    );

    let (s, product) = h.get_json(&format!("/api/v1/products/{asin}"), &key).await;
    assert_eq!(s, 200, "{product}");
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/products/{asin}", s),
        &product,
        "product",
    );
    let link = format!("https://www.amazon.in/dp/{asin}?tag=x");
    let by_link = h.get("/api/v1/products/x", &key).send().await.expect("x");
    assert_eq!(by_link.status(), 400);
    let encoded: String = url_encode(&link);
    let (s, p2) = h
        .get_json(&format!("/api/v1/products/{encoded}"), &key)
        .await;
    assert_eq!((s, &p2["asin"]), (200, &product["asin"]));

    let (s, search) = h.get_json("/api/v1/search?q=phone", &key).await;
    assert_eq!(s, 200, "{search}");
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/search", s),
        &search,
        "search",
    );

    let (s, history) = h
        .get_json(&format!("/api/v1/products/{asin}/history"), &key)
        .await;
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/products/{asin}/history", s),
        &history,
        "history",
    );
    let csv = h
        .get(&format!("/api/v1/products/{asin}/history?format=csv"), &key)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.expect("text");
    assert!(
        csv.starts_with("at,price_minor,currency,availability\n"),
        "{csv}"
    );
    assert!(
        csv.lines().count() >= 2,
        "the lookup recorded a price point: {csv}"
    );

    let (s, insights) = h
        .get_json(&format!("/api/v1/products/{asin}/insights"), &key)
        .await;
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/products/{asin}/insights", s),
        &insights,
        "insights",
    );

    let chart = h
        .get(&format!("/api/v1/products/{asin}/chart"), &key)
        .send()
        .await
        .expect("c");
    assert_eq!(chart.status(), 200);
    assert_eq!(chart.headers()["content-type"], "image/png");
    assert!(chart.bytes().await.expect("png").starts_with(b"\x89PNG"));

    let (s, created) = h
        .post_json(
            "/api/v1/watches",
            &key,
            &json!({"product": asin, "rules": [{"rule": "all_time_low"}], "label": "mine"}),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    check_schema(
        &doc,
        &response_schema(&doc, "post", "/api/v1/watches", s),
        &created,
        "watch",
    );
    let id = created["id"].as_i64().expect("id");
    let (s, dup) = h
        .post_json("/api/v1/watches", &key, &json!({"product": asin}))
        .await;
    assert_eq!(s, 409);
    check_schema(
        &doc,
        &response_schema(&doc, "post", "/api/v1/watches", s),
        &dup,
        "conflict",
    );
    assert_eq!(dup["type"], "https://mandi.dev/problems/conflict");

    let (s, list) = h.get_json("/api/v1/watches", &key).await;
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/watches", s),
        &list,
        "watches",
    );
    let (s, paused) = json_of(
        h.post(&format!("/api/v1/watches/{id}/pause"), &key)
            .send()
            .await
            .expect("p"),
    )
    .await;
    check_schema(
        &doc,
        &response_schema(&doc, "post", "/api/v1/watches/{id}/pause", s),
        &paused,
        "paused",
    );
    assert_eq!(paused["state"], "paused");
    let (s, patched) = json_of(
        h.http
            .patch(h.url(&format!("/api/v1/watches/{id}")))
            .bearer_auth(&key)
            .json(&json!({"state": "active", "label": "renamed"}))
            .send()
            .await
            .expect("patch"),
    )
    .await;
    check_schema(
        &doc,
        &response_schema(&doc, "patch", "/api/v1/watches/{id}", s),
        &patched,
        "patched",
    );
    assert_eq!(
        (patched["state"].as_str(), patched["label"].as_str()),
        (Some("active"), Some("renamed"))
    );
    let (s, bad_rule) = json_of(
        h.http
            .patch(h.url(&format!("/api/v1/watches/{id}")))
            .bearer_auth(&key)
            .json(&json!({"rules": [{"rule": "target_price", "at_or_below": "cheap"}]}))
            .send()
            .await
            .expect("patch"),
    )
    .await;
    assert_eq!(s, 422, "{bad_rule}");
    let (s, alerts) = h.get_json("/api/v1/alerts", &key).await;
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/alerts", s),
        &alerts,
        "alerts",
    );
    let (s, walerts) = h
        .get_json(&format!("/api/v1/watches/{id}/alerts"), &key)
        .await;
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/watches/{id}/alerts", s),
        &walerts,
        "watch alerts",
    );
    let (s, me) = h.get_json("/api/v1/keys/me", &key).await;
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/keys/me", s),
        &me,
        "me",
    );

    // Export, then import into another key's account: all or nothing.
    let export = h
        .get("/api/v1/export", &key)
        .send()
        .await
        .expect("e")
        .text()
        .await
        .expect("t");
    let other = h.key("importer", KeyScope::Write, None).await;
    let (s, report) = json_of(
        h.post("/api/v1/import", &other)
            .body(export.clone())
            .send()
            .await
            .expect("i"),
    )
    .await;
    check_schema(
        &doc,
        &response_schema(&doc, "post", "/api/v1/import", s),
        &report,
        "import",
    );
    assert_eq!(report["created"], 1);
    let mut broken: Value = serde_json::from_str(&export).expect("export json");
    broken["watches"][0]["rules"] = json!([{"rule": "drop_from_baseline", "bps": 0}]);
    let third = h.key("third", KeyScope::Write, None).await;
    let (s, refused) = json_of(
        h.post("/api/v1/import", &third)
            .json(&broken)
            .send()
            .await
            .expect("i"),
    )
    .await;
    assert_eq!(s, 422, "{refused}");
    let (_, none) = h.get_json("/api/v1/watches", &third).await;
    assert_eq!(none, json!([]));

    // A read key may not write.
    let reader = h.key("reader", KeyScope::Read, None).await;
    let (s, forbidden) = json_of(
        h.post(&format!("/api/v1/watches/{id}/pause"), &reader)
            .send()
            .await
            .expect("f"),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(forbidden["type"], "https://mandi.dev/problems/forbidden");

    let resp = h
        .http
        .delete(h.url(&format!("/api/v1/watches/{id}")))
        .bearer_auth(&key)
        .send()
        .await
        .expect("d");
    assert_eq!(resp.status(), 204);
    let (s, gone) = h.get_json(&format!("/api/v1/watches/{id}"), &key).await;
    assert_eq!(s, 404);
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/watches/{id}", s),
        &gone,
        "not found",
    );

    // No key, a bad key, an oversized body: problem documents.
    let resp = h
        .http
        .get(h.url("/api/v1/watches"))
        .send()
        .await
        .expect("n");
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let resp = h.get("/api/v1/watches", "mk_0000").send().await.expect("n");
    assert_eq!(resp.status(), 401);
    // A body over the limit is refused from its Content-Length, before it is read.
    let addr = h.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(
            format!(
                "POST /api/v1/bulk HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
                 Content-Type: text/csv\r\nContent-Length: 50000000\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(
        answer.contains("https://mandi.dev/problems/payload-too-large"),
        "{answer}"
    );
    h.stop().await;
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_cannot_see_change_or_delete_another_keys_watch() {
    let (h, a) = Harness::with_key("alice", KeyScope::Write).await;
    let b = h.key("bob", KeyScope::Write, None).await;
    let asins = h.known_asins(2);
    let resp = h
        .post("/api/v1/watches", &b)
        .json(&json!({"product": asins[0]}))
        .send()
        .await
        .expect("create");
    assert_eq!(resp.status(), 201);
    let (_, bw) = json_of(resp).await;
    let bid = bw["id"].as_i64().expect("id");
    let resp = h
        .post("/api/v1/watches", &a)
        .json(&json!({"product": asins[1]}))
        .send()
        .await
        .expect("create");
    let (_, aw) = json_of(resp).await;
    let aid = aw["id"].as_i64().expect("id");
    // Guessing ids around B's: every one is "not found" for A.
    for guess in [bid, bid - 1, bid + 1, bid + 100] {
        if guess == aid {
            continue;
        }
        let get = h
            .get(&format!("/api/v1/watches/{guess}"), &a)
            .send()
            .await
            .expect("g");
        assert_eq!(get.status(), 404, "read {guess}");
        let patch = h
            .http
            .patch(h.url(&format!("/api/v1/watches/{guess}")))
            .bearer_auth(&a)
            .json(&json!({"label": "hijacked"}))
            .send()
            .await
            .expect("p");
        assert_eq!(patch.status(), 404, "change {guess}");
        let pause = h
            .post(&format!("/api/v1/watches/{guess}/pause"), &a)
            .send()
            .await
            .expect("p");
        assert_eq!(pause.status(), 404, "pause {guess}");
        let alerts = h
            .get(&format!("/api/v1/watches/{guess}/alerts"), &a)
            .send()
            .await
            .expect("a");
        assert_eq!(alerts.status(), 404, "alerts {guess}");
        let del = h
            .http
            .delete(h.url(&format!("/api/v1/watches/{guess}")))
            .bearer_auth(&a)
            .send()
            .await
            .expect("d");
        assert_eq!(del.status(), 404, "delete {guess}");
    }
    let (_, a_list) = h.get_json("/api/v1/watches", &a).await;
    assert_eq!(a_list.as_array().map(Vec::len), Some(1));
    assert_eq!(a_list[0]["id"], aid);
    // B's watch is untouched.
    let (s, still) = h.get_json(&format!("/api/v1/watches/{bid}"), &b).await;
    assert_eq!(s, 200);
    assert_eq!(still["label"], Value::Null);
    assert_eq!(still["state"], "active");
    // Bulk jobs are private too.
    let (s, job) = h
        .post_json("/api/v1/bulk", &b, &json!({"items": [asins[0]]}))
        .await;
    assert_eq!(s, 202, "{job}");
    let jid = job["id"].as_i64().expect("id");
    assert_eq!(
        h.status(reqwest::Method::GET, &format!("/api/v1/bulk/{jid}"), &a)
            .await,
        404
    );
    assert_eq!(
        h.status(
            reqwest::Method::GET,
            &format!("/api/v1/bulk/{jid}/results.csv"),
            &a
        )
        .await,
        404
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_answers_429_with_retry_after_and_headers() {
    let h = Harness::start(ServerConfig::default()).await;
    let key = h
        .key(
            "limited",
            KeyScope::Read,
            Some(RateLimit {
                per_second: 1,
                burst: 3,
            }),
        )
        .await;
    let other = h.key("free", KeyScope::Read, None).await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..4 {
        let resp = h.get("/api/v1/watches", &key).send().await.expect("r");
        statuses.push(resp.status().as_u16());
        last = Some(resp);
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    let last = last.expect("response");
    let headers = last.headers();
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(headers["ratelimit-limit"], "3");
    assert_eq!(headers["ratelimit-remaining"], "0");
    assert!(headers.contains_key("ratelimit-reset"));
    assert_eq!(headers["content-type"], "application/problem+json");
    let (_, body) = json_of(last).await;
    assert_eq!(body["type"], "https://mandi.dev/problems/rate-limited");
    // Another key is not affected; the limited key recovers after a second.
    assert_eq!(
        h.status(reqwest::Method::GET, "/api/v1/watches", &other)
            .await,
        200
    );
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(
        h.status(reqwest::Method::GET, "/api/v1/watches", &key)
            .await,
        200
    );
    // Usage is recorded per key (accepted and refused).
    h.state.keys().flush_usage().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (_, me) = h.get_json("/api/v1/keys/me", &key).await;
    let today = &me["usage"][0];
    assert_eq!(today["requests"], 4, "{me}");
    assert_eq!(today["rejected"], 1, "{me}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_job_of_5000_lines_accounts_for_every_line() {
    let (h, key) = Harness::with_key("bulk", KeyScope::Write).await;
    let mut items = h.known_asins(5_000);
    let known = items.len();
    // Pad with ASINs the sandbox does not know, and a few lines that name nothing.
    let mut n = 0u32;
    while items.len() < 4_990 {
        items.push(format!("B0ZZ{n:06}"));
        n += 1;
    }
    for i in 0..10 {
        items.push(format!("not a product {i}"));
    }
    assert_eq!(items.len(), 5_000);
    let mut csv = String::from("asin\n");
    for i in &items {
        csv.push_str(i);
        csv.push('\n');
    }
    let started = std::time::Instant::now();
    let (s, job) = json_of(
        h.post("/api/v1/bulk?label=competitors", &key)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("submit"),
    )
    .await;
    assert_eq!(s, 202, "{job}");
    assert_eq!(job["total"], 5_000);
    let id = job["id"].as_i64().expect("id");
    let done = loop {
        let (_, j) = h.get_json(&format!("/api/v1/bulk/{id}"), &key).await;
        if j["status"] == "finished" {
            break j;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "still running: {j}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!("bulk job of 5000 lines finished in {:?}", started.elapsed());
    let c = &done["counts"];
    assert_eq!(done["done"], 5_000);
    assert_eq!(c["pending"], 0);
    assert_eq!(c["invalid"], 10);
    assert_eq!(c["watching"].as_u64(), Some(known as u64), "{done}");
    assert_eq!(
        c["not_found"].as_u64(),
        Some((4_990 - known) as u64),
        "{done}"
    );
    let results = h
        .get(&format!("/api/v1/bulk/{id}/results.csv"), &key)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let lines: Vec<&str> = results.lines().collect();
    assert_eq!(
        lines[0],
        "position,input,marketplace,asin,status,watch_id,detail"
    );
    assert_eq!(lines.len(), 5_001);
    for (i, line) in lines[1..].iter().enumerate() {
        assert!(line.starts_with(&format!("{i},")), "line {i}: {line}");
        assert!(!line.contains(",pending,"), "line {i}: {line}");
    }
    let (_, watches) = h.get_json("/api/v1/watches", &key).await;
    assert_eq!(watches.as_array().map(Vec::len), Some(known));
    assert_eq!(watches[0]["label"], "competitors");
    h.stop().await;
}

/// Watches `n` known products through the API with a rule that fires at the first
/// observation, then refreshes them once with alerts going to the webhook subscriptions'
/// channel: exactly `n` alerts are created.
async fn fire_alerts_for_subscriptions(h: &Harness, key: &str, n: usize) {
    use mandi_core::api::webhooks::SUBSCRIPTION_CHANNEL;
    for asin in h.known_asins(n) {
        let (s, w) = h
            .post_json(
                "/api/v1/watches",
                key,
                &json!({"product": asin, "rules": [{"rule": "target_price", "at_or_below": {"minor": 10_000_000_000_i64, "currency": "INR"}}]}),
            )
            .await;
        assert_eq!(s, 201, "{w}");
    }
    let report = h
        .state
        .catalog()
        .alert_step()
        .clone()
        .with_channels(vec![SUBSCRIPTION_CHANNEL.to_owned()])
        .refresh_watched()
        .await
        .expect("refresh");
    assert_eq!(report.alerts_created, n, "{report:?}");
}

/// What the loopback receiver saw: (subscription path, idempotency key, alert dedupe key).
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, String, String)>>>;

/// A webhook receiver on loopback: `POST /{name}` checks `X-Mandi-Signature` against the
/// secret registered for `name` (a bad signature is refused with 401 and counted as a
/// failure of the test), records each accepted delivery, and answers 503 to the first
/// `fail_first` requests of `/flaky`.
async fn receiver(
    secrets: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>,
    seen: Seen,
    bad: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    fail_first: usize,
) -> String {
    use axum::extract::Path;
    use axum::http::{HeaderMap, StatusCode};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let flaky_calls = std::sync::Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/{name}",
        axum::routing::post(
            move |Path(name): Path<String>, headers: HeaderMap, body: axum::body::Bytes| {
                let (secrets, seen, bad, flaky_calls) = (
                    secrets.clone(),
                    seen.clone(),
                    bad.clone(),
                    flaky_calls.clone(),
                );
                async move {
                    let secret = secrets.lock().expect("lock").get(&name).cloned();
                    let signature = headers
                        .get("x-mandi-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    let Some(secret) = secret else {
                        bad.fetch_add(1, Ordering::SeqCst);
                        return StatusCode::NOT_FOUND;
                    };
                    if mandi_core::alerts::notify::sign_body(secret.as_bytes(), &body) != signature
                    {
                        bad.fetch_add(1, Ordering::SeqCst);
                        return StatusCode::UNAUTHORIZED;
                    }
                    if name == "flaky" && flaky_calls.fetch_add(1, Ordering::SeqCst) < fail_first {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let doc: Value = serde_json::from_slice(&body).expect("a JSON alert");
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    assert_eq!(doc["idempotency_key"], key.as_str());
                    seen.lock().expect("lock").push((
                        name,
                        key,
                        doc["alert"]["dedupe_key"].as_str().unwrap_or("").to_owned(),
                    ));
                    StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_subscriptions_get_each_alert_once_signed_even_when_retried() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use mandi_core::alerts::{Dispatcher, RetryPolicy};
    use mandi_core::api::webhooks::{SubscriptionNotifier, WebhookTargets};

    // The receiver runs on loopback: this server allows private webhook targets.
    let h = Harness::start(ServerConfig {
        webhook_targets: WebhookTargets::AnyAddress,
        ..ServerConfig::default()
    })
    .await;
    let key = h.key("hooks", KeyScope::Write, None).await;
    let reader = h.key("hooks-reader", KeyScope::Read, None).await;
    let other = h.key("someone-else", KeyScope::Write, None).await;
    let secrets = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let seen: Seen = Arc::default();
    let bad = Arc::new(AtomicUsize::new(0));
    let base = receiver(secrets.clone(), seen.clone(), bad.clone(), 1).await;

    // Two subscriptions: one with a secret of our own, one with a generated secret.
    let (s, steady) = h
        .post_json(
            "/api/v1/webhooks",
            &key,
            &json!({"url": format!("{base}/steady"), "secret": "a-secret-of-our-own-1234"}),
        )
        .await;
    assert_eq!(s, 201, "{steady}");
    assert_eq!(steady["secret"], "a-secret-of-our-own-1234");
    secrets
        .lock()
        .expect("lock")
        .insert("steady".to_owned(), "a-secret-of-our-own-1234".to_owned());
    let (s, flaky) = h
        .post_json(
            "/api/v1/webhooks",
            &key,
            &json!({"url": format!("{base}/flaky")}),
        )
        .await;
    assert_eq!(s, 201, "{flaky}");
    let generated = flaky["secret"]
        .as_str()
        .expect("a generated secret")
        .to_owned();
    assert!(
        generated.starts_with("whsec_") && generated.len() > 40,
        "{generated}"
    );
    secrets
        .lock()
        .expect("lock")
        .insert("flaky".to_owned(), generated);

    // Listing never shows a secret; a read key may list but not subscribe; bad URLs are
    // refused; another key neither sees nor deletes these.
    let (s, list) = h.get_json("/api/v1/webhooks", &key).await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    assert!(!list.to_string().contains("secret"), "{list}");
    let (s, _) = h
        .post_json(
            "/api/v1/webhooks",
            &reader,
            &json!({"url": format!("{base}/x")}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, problem) = h
        .post_json(
            "/api/v1/webhooks",
            &key,
            &json!({"url": "ftp://127.0.0.1/x"}),
        )
        .await;
    assert_eq!(s, 422, "{problem}");
    let (_, others) = h.get_json("/api/v1/webhooks", &other).await;
    assert_eq!(others.as_array().map(Vec::len), Some(0));
    let steady_id = steady["id"].as_i64().expect("id");
    assert_eq!(
        h.status(
            reqwest::Method::DELETE,
            &format!("/api/v1/webhooks/{steady_id}"),
            &other
        )
        .await,
        404
    );

    // Two watches whose rules fire at the first observation.
    fire_alerts_for_subscriptions(&h, &key, 2).await;
    let catalog = h.state.catalog();

    let notifier = SubscriptionNotifier::with_targets(
        h.store.clone(),
        catalog.clock().clone(),
        Duration::from_secs(5),
        WebhookTargets::AnyAddress,
    )
    .expect("notifier");
    let dispatcher = Dispatcher::new(
        h.store.clone(),
        vec![Arc::new(notifier)],
        catalog.clock().clone(),
    )
    .with_retry(RetryPolicy {
        base_delay: chrono::Duration::zero(),
        jitter_bps: 0,
        ..RetryPolicy::default()
    });
    // First pass: `flaky` fails once, so one row is retried; the second pass retries it.
    let first = dispatcher.run_once().await.expect("dispatch");
    assert_eq!((first.sent, first.retried), (1, 1), "{first:?}");
    let second = dispatcher.run_once().await.expect("dispatch");
    assert_eq!((second.sent, second.retried), (1, 0), "{second:?}");
    let third = dispatcher.run_once().await.expect("dispatch");
    assert_eq!(third.claimed, 0, "nothing left: {third:?}");

    assert_eq!(bad.load(Ordering::SeqCst), 0, "every signature checked out");
    let seen = seen.lock().expect("lock").clone();
    for name in ["steady", "flaky"] {
        let mut alerts: Vec<&str> = seen
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, _, a)| a.as_str())
            .collect();
        alerts.sort_unstable();
        let before = alerts.len();
        alerts.dedup();
        assert_eq!(before, 2, "{name} got each of the 2 alerts once: {seen:?}");
        assert_eq!(alerts.len(), 2, "{name}: {seen:?}");
    }

    // Deleted subscriptions receive nothing more.
    assert_eq!(
        h.status(
            reqwest::Method::DELETE,
            &format!("/api/v1/webhooks/{steady_id}"),
            &key
        )
        .await,
        204
    );
    let (_, list) = h.get_json("/api/v1/webhooks", &key).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_may_not_point_at_private_hosts_by_default() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use mandi_core::alerts::Dispatcher;
    use mandi_core::api::webhooks::SubscriptionNotifier;
    use mandi_core::domain::NewWebhook;

    let (h, key) = Harness::with_key("ssrf", KeyScope::Write).await;
    for url in [
        "http://127.0.0.1:6379/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://localhost:8080/hook",
        "http://2130706433/",
    ] {
        let (s, problem) = h
            .post_json("/api/v1/webhooks", &key, &json!({ "url": url }))
            .await;
        assert_eq!(s, 422, "{url}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("public")),
            "{url}: {problem}"
        );
    }
    let (_, list) = h.get_json("/api/v1/webhooks", &key).await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");

    // Loopback receivers stored while private targets were allowed (by address, and by the
    // name `localhost.`) get nothing from a notifier that allows only public hosts.
    let secrets = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let seen: Seen = Arc::default();
    let bad = Arc::new(AtomicUsize::new(0));
    let base = receiver(secrets, seen.clone(), bad, 0).await;
    let port = base.rsplit(':').next().expect("a port").to_owned();
    let user = h
        .state
        .keys()
        .authenticate(&secrecy::SecretString::from(key.clone()))
        .await
        .expect("the key")
        .user;
    for url in [
        format!("{base}/direct"),
        format!("http://localhost.:{port}/named"),
    ] {
        h.store
            .create_webhook(
                &NewWebhook {
                    user_id: user.id,
                    url,
                    secret: "a-secret-of-our-own-1234".to_owned(),
                },
                h.state.catalog().clock().now(),
            )
            .await
            .expect("stored");
    }
    fire_alerts_for_subscriptions(&h, &key, 1).await;
    let catalog = h.state.catalog();
    let notifier = SubscriptionNotifier::new(
        h.store.clone(),
        catalog.clock().clone(),
        Duration::from_secs(5),
    )
    .expect("notifier");
    let dispatcher = Dispatcher::new(
        h.store.clone(),
        vec![Arc::new(notifier)],
        catalog.clock().clone(),
    );
    let pass = dispatcher.run_once().await.expect("dispatch");
    assert_eq!(pass.sent, 0, "{pass:?}");
    assert!(
        seen.lock().expect("lock").is_empty(),
        "a private receiver was reached"
    );
    h.stop().await;
}

/// Community deals (issue 21): a deal shared through the library's `CommunityService` is
/// listed with its check's price and score, matching the documented schema; bad
/// parameters answer 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn community_deals_list_verified_shares_newest_first() {
    let (h, key) = Harness::with_key("community", KeyScope::Read).await;
    let doc: Value = h
        .http
        .get(h.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    let (s, empty) = h.get_json("/api/v1/community/deals", &key).await;
    assert_eq!((s, empty), (200, json!([])));
    let sharer = h
        .store
        .upsert_user(
            &mandi_core::NewUser {
                identity: mandi_core::ExternalIdentity::new("telegram", "777"),
                display_name: None,
                settings: mandi_core::UserSettings::default(),
            },
            mandi_core::Clock::now(h.state.catalog().clock().as_ref()),
        )
        .await
        .expect("user");
    let community = mandi_core::community::CommunityService::new(h.state.catalog().clone());
    let mut verified = Vec::new();
    for asin in h.known_asins(6) {
        let product = mandi_core::links::ProductRef::new(
            asin.parse().expect("asin"),
            mandi_core::Marketplace::India,
        );
        let deal = community
            .share(&sharer, product, None)
            .await
            .expect("share");
        if deal.status == mandi_core::DealStatus::Verified {
            verified.push(deal);
        }
        if verified.len() == 2 {
            break;
        }
    }
    assert_eq!(verified.len(), 2, "two sandbox products verify");
    let (s, deals) = h.get_json("/api/v1/community/deals?limit=5", &key).await;
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/community/deals", s),
        &deals,
        "community deals",
    );
    let ids: Vec<i64> = deals
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, vec![verified[1].id.0, verified[0].id.0]);
    assert_eq!(deals[0]["asin"], verified[1].asin.as_str());
    assert_eq!(
        deals[0]["price"]["minor"],
        verified[1].price.expect("price").minor()
    );
    let (s, top) = h
        .get_json("/api/v1/community/deals?order=top&limit=1", &key)
        .await;
    assert_eq!(s, 200);
    assert_eq!(top.as_array().expect("array").len(), 1);
    for bad in ["?order=best", "?limit=0", "?limit=101"] {
        let (s, _) = h
            .get_json(&format!("/api/v1/community/deals{bad}"), &key)
            .await;
        assert_eq!(s, 400, "{bad}");
    }
}

/// The preferred marketplace (and language, time zone, cap) is read and changed through
/// `/api/v1/settings`; a refused field changes nothing; a read key cannot change it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_carry_the_preferred_marketplace() {
    let (h, key) = Harness::with_key("settings", KeyScope::Write).await;
    let doc: Value = h.get_json("/api/v1/openapi.json", &key).await.1;
    let (s, before) = h.get_json("/api/v1/settings", &key).await;
    assert_eq!(s, 200, "{before}");
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/settings", 200),
        &before,
        "settings",
    );
    assert_eq!(before["marketplace"], "www.amazon.in");
    assert_eq!(before["currency"], "INR");
    assert_eq!(
        before["leaderboard_opt_in"], false,
        "off unless the user opts in"
    );

    let patch = |body: Value| {
        h.http
            .patch(h.url("/api/v1/settings"))
            .bearer_auth(&key)
            .json(&body)
    };
    let (s, after) = h
        .send_json(patch(
            json!({"marketplace": "amazon.de", "language": "hi", "daily_cap": 5}),
        ))
        .await;
    assert_eq!(s, 200, "{after}");
    check_schema(
        &doc,
        &response_schema(&doc, "patch", "/api/v1/settings", 200),
        &after,
        "patched",
    );
    assert_eq!(after["marketplace"], "www.amazon.de");
    assert_eq!(after["country"], "DE");
    assert_eq!(after["currency"], "EUR");
    assert_eq!(after["language"], "hindi");
    assert_eq!(after["daily_cap"], 5);
    assert_eq!(h.get_json("/api/v1/settings", &key).await.1, after, "saved");

    // One bad field: 422 naming it, and nothing saved (not even the good field).
    let (s, problem) = h
        .send_json(patch(json!({"marketplace": "ebay.com", "language": "en"})))
        .await;
    assert_eq!(s, 422, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("\"ebay.com\""),
        "{problem}"
    );
    let (s, problem) = h
        .send_json(patch(json!({"time_zone": "Mars/Olympus"})))
        .await;
    assert_eq!(s, 422, "{problem}");
    let (s, _) = h.send_json(patch(json!({"colour": "red"}))).await;
    assert_eq!(s, 422, "unknown fields are refused");
    assert_eq!(
        h.get_json("/api/v1/settings", &key).await.1,
        after,
        "unchanged"
    );

    let read = h.key("reader", KeyScope::Read, None).await;
    let (s, _) = h
        .send_json(
            h.http
                .patch(h.url("/api/v1/settings"))
                .bearer_auth(&read)
                .json(&json!({"marketplace": "US"})),
        )
        .await;
    assert_eq!(s, 403);
}

/// `/api/v1/products/{asin}/markets` compares the product across stores for the key's user,
/// with one entry per store in `markets`, the buyer's own first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_markets_lists_each_store_with_its_landed_cost() {
    let (h, key) = Harness::with_key("compare", KeyScope::Read).await;
    // Sold in all four of the sandbox's stores.
    let asin = "B0CX59H5W7";
    let (s, c) = h
        .get_json(
            &format!("/api/v1/products/{asin}/markets?markets=US,GB,DE"),
            &key,
        )
        .await;
    assert_eq!(s, 200, "{c}");
    let markets = c["markets"].as_array().expect("markets");
    assert_eq!(markets.len(), 4, "{c}");
    assert_eq!(markets[0]["marketplace"], "www.amazon.in");
    assert_eq!(markets[0]["status"], "available", "{c}");
    assert_eq!(
        markets[0]["landed"], markets[0]["price"],
        "no shipping or duty at home"
    );
    assert_eq!(c["currency"], "INR");
    assert_eq!(c["tables"]["duty_as_of"], "2026-02-01");
    assert!(
        c["rates"]["date"].is_string(),
        "the sandbox serves rates: {c}"
    );
    assert!(c["cheapest"].is_string(), "{c}");
    for m in &markets[1..] {
        assert_eq!(m["status"], "available", "{m}");
        assert!(m["duty"]["total"]["minor"].is_i64(), "{m}");
        assert!(m["landed"]["minor"].is_i64(), "{m}");
    }
    let (s, problem) = h
        .get_json(
            &format!("/api/v1/products/{asin}/markets?markets=US,narnia"),
            &key,
        )
        .await;
    assert_eq!(s, 400, "{problem}");
    assert!(problem["detail"].as_str().unwrap_or("").contains("narnia"));
}
