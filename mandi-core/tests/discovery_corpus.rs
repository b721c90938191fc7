//! The query corpus: every line of `discovery_corpus.jsonl` is a query (English, Hinglish or
//! Hindi) with its expected parse; each field is compared and every difference is reported
//! with the query, the field, what was expected and what was parsed.
//!
//! A line holds `q` and the fields that differ from an empty search: `intent`, `keywords`,
//! `category` (browse-node id), `brands`, `min` / `max` (rupees), `features`, `rating`,
//! `discount`, `sort`, `products` (`name:…`, `asin:…`, `link:…`).

use mandi_core::discovery::{ParsedQuery, ProductMention, parse_query};
use serde_json::Value;

fn product_text(p: &ProductMention) -> String {
    match p {
        ProductMention::Asin { asin } => format!("asin:{asin}"),
        ProductMention::Link { asin, .. } => format!("link:{asin}"),
        ProductMention::ShortLink { url } => format!("short:{url}"),
        ProductMention::Name { name } => format!("name:{name}"),
        _ => format!("{p:?}"),
    }
}

/// The parse in the corpus's own shape.
fn actual(q: &ParsedQuery) -> Vec<(&'static str, Value)> {
    let rupees = |m: Option<mandi_core::Money>| {
        m.map_or(Value::Null, |m| {
            if m.minor() % 100 == 0 {
                Value::from(m.minor() / 100)
            } else {
                Value::from(m.minor() as f64 / 100.0)
            }
        })
    };
    vec![
        ("intent", Value::from(q.intent.as_str())),
        ("keywords", Value::from(q.keywords.clone())),
        (
            "category",
            q.category
                .as_ref()
                .map_or(Value::Null, |c| Value::from(c.browse_node.clone())),
        ),
        ("brands", Value::from(q.brands.clone())),
        ("min", rupees(q.min_price)),
        ("max", rupees(q.max_price)),
        ("features", Value::from(q.features.clone())),
        (
            "rating",
            q.min_rating.map_or(Value::Null, |r| {
                Value::from((f64::from(r) * 10.0).round() / 10.0)
            }),
        ),
        (
            "discount",
            q.min_discount_percent.map_or(Value::Null, Value::from),
        ),
        (
            "sort",
            q.sort.map_or(Value::Null, |s| {
                serde_json::to_value(s).unwrap_or(Value::Null)
            }),
        ),
        (
            "products",
            Value::from(q.products.iter().map(product_text).collect::<Vec<_>>()),
        ),
    ]
}

fn expected_default(field: &str) -> Value {
    match field {
        "intent" => Value::from("search"),
        "keywords" => Value::from(""),
        "brands" | "features" | "products" => Value::Array(Vec::new()),
        _ => Value::Null,
    }
}

fn same(expected: &Value, got: &Value) -> bool {
    match (expected.as_f64(), got.as_f64()) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        _ => expected == got,
    }
}

#[test]
fn the_corpus_parses_as_expected() {
    let text = include_str!("discovery_corpus.jsonl");
    let mut failures = Vec::new();
    let mut count = 0;
    let mut by_lang = [0usize; 3];
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let case: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => panic!("line {}: not JSON: {e}", n + 1),
        };
        let Some(q) = case.get("q").and_then(Value::as_str) else {
            panic!("line {}: no \"q\"", n + 1);
        };
        count += 1;
        match case.get("lang").and_then(Value::as_str) {
            Some("hi") => by_lang[2] += 1,
            Some("hinglish") => by_lang[1] += 1,
            _ => by_lang[0] += 1,
        }
        let parsed = parse_query(q);
        for (field, got) in actual(&parsed) {
            let want = case
                .get(field)
                .cloned()
                .unwrap_or_else(|| expected_default(field));
            if !same(&want, &got) {
                failures.push(format!(
                    "line {} {q:?}\n    {field}: expected {want}, parsed {got}",
                    n + 1
                ));
            }
        }
    }
    assert!(
        count >= 300,
        "the corpus has {count} queries, fewer than 300"
    );
    assert!(
        by_lang.iter().all(|&c| c >= 40),
        "each language needs at least 40 queries (en, hinglish, hi): {by_lang:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} fields differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
