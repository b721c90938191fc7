//! `mandi ask`, `mandi similar`, `mandi categories`, `mandi watch suggest|review` on the
//! embedded sandbox.

use mandi_paapi::sandbox::{Catalog, CatalogSample};
use serde_json::Value;

fn sample() -> CatalogSample {
    Catalog::for_seed(42).sample()
}

mtest!(ask_parse_json_prints_the_contract, |dir, cmd| {
    let doc: Value = cmd
        .args(["ask", "--parse", "gaming laptop under 80k with RTX 4060"])
        .json();
    assert_eq!(doc["type"], "parsed_query");
    let d = &doc["data"];
    assert_eq!(d["intent"], "search");
    assert_eq!(d["category"]["name"], "Gaming Laptops");
    assert_eq!(d["category"]["browse_node"], "22963796031");
    assert_eq!(d["max_price"]["amount"], 8_000_000);
    assert_eq!(d["max_price"]["currency"], "INR");
    assert_eq!(d["min_price"], Value::Null);
    assert_eq!(d["features"][0], "RTX 4060");
    for k in [
        "keywords",
        "brands",
        "min_rating",
        "min_discount_percent",
        "sort",
        "products",
    ] {
        assert!(d.get(k).is_some(), "{k} missing: {doc}");
    }
    let doc: Value = dir
        .mandi()
        .args(["ask", "--parse", "80 हज़ार से कम में लैपटॉप"])
        .json();
    assert_eq!(doc["data"]["max_price"]["amount"], 8_000_000);
});

mtest!(ask_compares_two_products_side_by_side, |dir, cmd| {
    let s = sample();
    let text = cmd
        .args(["ask", &format!("{} vs {}", s.book, s.laptop)])
        .stdout();
    assert!(text.contains("90-day low"), "{text}");
    assert!(text.contains("recommended:"), "{text}");
    assert!(text.contains(s.book.as_str()) && text.contains(s.laptop.as_str()));
});

mtest!(
    ask_searches_and_categories_show_what_was_seen,
    |dir, cmd| {
        let text = cmd.args(["ask", "gaming laptop under 1.5 lakh"]).stdout();
        assert!(text.contains("why: in Gaming Laptops"), "{text}");
        let doc: Value = dir.mandi().args(["categories", "laptops"]).json();
        assert_eq!(doc["type"], "category");
        assert_eq!(doc["data"]["node"]["id"], "1375424031");
        assert!(
            doc["data"]["products_seen"].as_u64().unwrap_or(0) > 0,
            "{doc}"
        );
        assert!(
            doc["data"]["prices"]["p50"]["minor"].as_i64().is_some(),
            "{doc}"
        );
    }
);

mtest!(similar_lists_products_of_the_same_category, |dir, cmd| {
    let s = sample();
    let doc: Value = cmd.args(["similar", s.laptop.as_str()]).json();
    assert_eq!(doc["type"], "similar");
    let first = &doc["data"]["similar"][0];
    assert!(
        first["reasons"][0]
            .as_str()
            .is_some_and(|r| r.starts_with("also in")),
        "{doc}"
    );
});
