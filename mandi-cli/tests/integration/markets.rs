//! `mandi compare-markets`: one product across Amazon stores on the embedded sandbox, with
//! rates from the sandbox's own ECB-format feed and duty from the shipped table.

use serde_json::Value;

use crate::util::assert_one_line_error;

mtest!(compare_markets_lists_each_store_home_first, |dir, cmd| {
    // Sold in all four of the sandbox's stores.
    let asin = "B0CX59H5W7";
    let doc: Value = dir
        .mandi()
        .args([
            "--json",
            "compare-markets",
            asin,
            "--markets",
            "com,co.uk,de",
        ])
        .json();
    assert_eq!(doc["type"], "compare_markets", "{doc}");
    let c = &doc["data"];
    let markets = c["markets"].as_array().expect("a markets array");
    assert_eq!(markets.len(), 4, "{c}");
    let stores: Vec<&str> = markets
        .iter()
        .filter_map(|m| m["marketplace"].as_str())
        .collect();
    assert_eq!(
        stores,
        [
            "www.amazon.in",
            "www.amazon.com",
            "www.amazon.co.uk",
            "www.amazon.de"
        ]
    );
    let home = &markets[0];
    assert_eq!(home["status"], "available", "{home}");
    assert_eq!(home["price"]["currency"], "INR");
    assert_eq!(home["landed"], home["price"], "nothing added at home");
    assert!(
        c["rates"]["date"].is_string(),
        "the sandbox serves rates: {c}"
    );
    assert_eq!(c["tables"]["duty_as_of"], "2026-02-01");
    assert!(c["cheapest"].is_string(), "{c}");
    // Each store abroad: its own currency, converted, shipped, taxed, and the sum landed.
    for (m, currency) in markets[1..].iter().zip(["USD", "GBP", "EUR"]) {
        assert_eq!(m["status"], "available", "{m}");
        assert_eq!(m["price"]["currency"], currency, "{m}");
        assert_eq!(m["duty_category"], "phones", "{m}");
        let minor = |v: &Value| {
            v["minor"]
                .as_i64()
                .unwrap_or_else(|| panic!("minor of {v}"))
        };
        let duty = &m["duty"];
        assert_eq!(
            minor(&duty["total"]) % 100,
            0,
            "duty is whole rupees: {duty}"
        );
        let exact = minor(&duty["bcd"]) + minor(&duty["sws"]) + minor(&duty["igst"]);
        assert!((minor(&duty["total"]) - exact).abs() <= 50, "{duty}");
        assert_eq!(
            minor(&m["landed"]),
            minor(&m["price_converted"]) + minor(&m["shipping_converted"]) + minor(&duty["total"]),
            "{m}"
        );
    }

    let text = dir.mandi().args(["compare-markets", asin]).stdout();
    assert!(
        text.contains("for a buyer on www.amazon.in, in INR"),
        "{text}"
    );
    assert!(text.contains("Cheapest: "), "{text}");
    assert!(
        text.contains("Duty: India: customs duty on personal imports by courier, as of 2026-02-01"),
        "{text}"
    );
});

mtest!(
    compare_markets_names_a_store_it_does_not_know,
    |dir, cmd| {
        let err = dir
            .mandi()
            .args(["compare-markets", "B0CX59H5W7", "--markets", "com,narnia"])
            .fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains("\"narnia\" is not an Amazon store"), "{err}");
        let err = dir
            .mandi()
            .args(["compare-markets", "https://www.example.com/item/1"])
            .fails_with(2);
        assert_one_line_error(&err);
    }
);
