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
    let h = Harness::start(ServerConfig::default()).await;
    let key = h.key("schema", KeyScope::Write, None).await;
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

    let (s, product) = json_of(
        h.get(&format!("/api/v1/products/{asin}"), &key)
            .send()
            .await
            .expect("p"),
    )
    .await;
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
    let (s, p2) = json_of(
        h.get(&format!("/api/v1/products/{encoded}"), &key)
            .send()
            .await
            .expect("p"),
    )
    .await;
    assert_eq!((s, &p2["asin"]), (200, &product["asin"]));

    let (s, search) = json_of(
        h.get("/api/v1/search?q=phone", &key)
            .send()
            .await
            .expect("s"),
    )
    .await;
    assert_eq!(s, 200, "{search}");
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/search", s),
        &search,
        "search",
    );

    let (s, history) = json_of(
        h.get(&format!("/api/v1/products/{asin}/history"), &key)
            .send()
            .await
            .expect("h"),
    )
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

    let (s, insights) = json_of(
        h.get(&format!("/api/v1/products/{asin}/insights"), &key)
            .send()
            .await
            .expect("i"),
    )
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

    let (s, created) = json_of(
        h.post("/api/v1/watches", &key)
            .json(&json!({"product": asin, "rules": [{"rule": "all_time_low"}], "label": "mine"}))
            .send()
            .await
            .expect("create"),
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
    let (s, dup) = json_of(
        h.post("/api/v1/watches", &key)
            .json(&json!({"product": asin}))
            .send()
            .await
            .expect("dup"),
    )
    .await;
    assert_eq!(s, 409);
    check_schema(
        &doc,
        &response_schema(&doc, "post", "/api/v1/watches", s),
        &dup,
        "conflict",
    );
    assert_eq!(dup["type"], "https://mandi.dev/problems/conflict");

    let (s, list) = json_of(h.get("/api/v1/watches", &key).send().await.expect("l")).await;
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
    let (s, alerts) = json_of(h.get("/api/v1/alerts", &key).send().await.expect("a")).await;
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/alerts", s),
        &alerts,
        "alerts",
    );
    let (s, walerts) = json_of(
        h.get(&format!("/api/v1/watches/{id}/alerts"), &key)
            .send()
            .await
            .expect("a"),
    )
    .await;
    check_schema(
        &doc,
        &response_schema(&doc, "get", "/api/v1/watches/{id}/alerts", s),
        &walerts,
        "watch alerts",
    );
    let (s, me) = json_of(h.get("/api/v1/keys/me", &key).send().await.expect("me")).await;
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
    let (_, none) = json_of(h.get("/api/v1/watches", &third).send().await.expect("l")).await;
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
    let (s, gone) = json_of(
        h.get(&format!("/api/v1/watches/{id}"), &key)
            .send()
            .await
            .expect("g"),
    )
    .await;
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
    let h = Harness::start(ServerConfig::default()).await;
    let a = h.key("alice", KeyScope::Write, None).await;
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
    let (_, a_list) = json_of(h.get("/api/v1/watches", &a).send().await.expect("l")).await;
    assert_eq!(a_list.as_array().map(Vec::len), Some(1));
    assert_eq!(a_list[0]["id"], aid);
    // B's watch is untouched.
    let (s, still) = json_of(
        h.get(&format!("/api/v1/watches/{bid}"), &b)
            .send()
            .await
            .expect("g"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(still["label"], Value::Null);
    assert_eq!(still["state"], "active");
    // Bulk jobs are private too.
    let (s, job) = json_of(
        h.post("/api/v1/bulk", &b)
            .json(&json!({"items": [asins[0]]}))
            .send()
            .await
            .expect("bulk"),
    )
    .await;
    assert_eq!(s, 202, "{job}");
    let jid = job["id"].as_i64().expect("id");
    assert_eq!(
        h.get(&format!("/api/v1/bulk/{jid}"), &a)
            .send()
            .await
            .expect("j")
            .status(),
        404
    );
    assert_eq!(
        h.get(&format!("/api/v1/bulk/{jid}/results.csv"), &a)
            .send()
            .await
            .expect("j")
            .status(),
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
        h.get("/api/v1/watches", &other)
            .send()
            .await
            .expect("o")
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(
        h.get("/api/v1/watches", &key)
            .send()
            .await
            .expect("r")
            .status(),
        200
    );
    // Usage is recorded per key (accepted and refused).
    h.state.keys().flush_usage().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (_, me) = json_of(h.get("/api/v1/keys/me", &key).send().await.expect("me")).await;
    let today = &me["usage"][0];
    assert_eq!(today["requests"], 4, "{me}");
    assert_eq!(today["rejected"], 1, "{me}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_job_of_5000_lines_accounts_for_every_line() {
    let h = Harness::start(ServerConfig::default()).await;
    let key = h.key("bulk", KeyScope::Write, None).await;
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
        let (_, j) = json_of(
            h.get(&format!("/api/v1/bulk/{id}"), &key)
                .send()
                .await
                .expect("poll"),
        )
        .await;
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
    let (_, watches) = json_of(h.get("/api/v1/watches", &key).send().await.expect("w")).await;
    assert_eq!(watches.as_array().map(Vec::len), Some(known));
    assert_eq!(watches[0]["label"], "competitors");
    h.stop().await;
}
