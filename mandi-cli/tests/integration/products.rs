//! The product commands on the embedded sandbox (the default source without credentials):
//! lookup, search, variations, nodes, history, chart, insights, sandbox.

use mandi_paapi::sandbox::{Catalog, CatalogSample};
use serde_json::Value;

use crate::util::assert_one_line_error;

/// The sandbox's sample products for the default seed.
fn sample() -> CatalogSample {
    Catalog::for_seed(42).sample()
}

mtest!(lookup_prints_the_product_and_saves_its_price, |dir, cmd| {
    let s = sample();
    let text = cmd
        .args([
            "lookup",
            &format!("https://www.amazon.in/dp/{}?tag=x-21&psc=1", s.phone),
        ])
        .stdout();
    assert!(text.contains(&s.phone.to_string()), "{text}");
    assert!(text.contains("price   ₹"), "{text}");
    assert!(
        text.contains(&format!("https://www.amazon.in/dp/{}", s.phone)),
        "{text}"
    );
    assert!(
        !text.contains("x-21"),
        "someone else's tag must not survive: {text}"
    );

    let doc: Value = dir
        .mandi()
        .args(["history", "--no-refresh", s.phone.as_str()])
        .json();
    assert_eq!(doc["type"], "history");
    assert_eq!(
        doc["data"]["points"].as_array().map(Vec::len),
        Some(1),
        "{doc}"
    );
});

mtest!(lookup_json_lists_items_and_per_item_errors, |dir, cmd| {
    let s = sample();
    let doc: Value = cmd
        .args(["lookup", s.book.as_str(), s.unknown.as_str()])
        .json();
    assert_eq!(doc["type"], "lookup");
    let items = doc["data"]["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["asin"], s.book.as_str());
    assert!(
        items[0]["link"]
            .as_str()
            .is_some_and(|l| l.ends_with(s.book.as_str()))
    );
    let errors = doc["data"]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["asin"], s.unknown.as_str());
});

mtest!(lookup_of_an_unknown_product_exits_1, |dir, cmd| {
    let s = sample();
    let o = cmd.args(["lookup", s.unknown.as_str()]).output();
    assert_eq!(o.status.code(), Some(1));
    // The not-found message is about the run, not its result: stderr, nothing on stdout.
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("{}: not found", s.unknown)), "{err}");
});

mtest!(
    lookup_on_amazon_de_prints_euros_the_german_way,
    |dir, cmd| {
        use mandi_core::Marketplace;
        use mandi_paapi::sandbox::Oracle;
        let s = sample();
        let text = cmd
            .args(["lookup", s.phone.as_str(), "--marketplace", "de"])
            .stdout();
        // `185,99 €`: comma decimals, dot groups, a no-break space before the euro sign.
        let price = text
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("price   "))
            .unwrap_or_else(|| panic!("{text}"));
        let amount = price.split("   ").next().unwrap_or_default();
        let (number, sign) = amount
            .split_once('\u{a0}')
            .unwrap_or_else(|| panic!("{amount:?}"));
        assert_eq!(sign, "€", "{text}");
        let (whole, cents) = number.split_once(',').unwrap_or_else(|| panic!("{number}"));
        assert_eq!(cents.len(), 2, "{number}");
        assert!(
            whole
                .split('.')
                .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(
            text.contains(&format!("https://www.amazon.de/dp/{}", s.phone)),
            "{text}"
        );

        // A pasted amazon.de link of an ASIN only amazon.in sells: not accessible there.
        let oracle = Oracle::new(Catalog::for_seed(42));
        let only_india = oracle
            .catalog()
            .asins()
            .find(|&a| oracle.markets_of(a) == [Marketplace::India])
            .expect("an India-only ASIN");
        let o = dir
            .mandi()
            .args(["lookup", &format!("https://www.amazon.de/dp/{only_india}")])
            .output();
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("ItemNotAccessible"), "{err}");
        // The same link on amazon.com answers in dollars when amazon.com sells it.
        let in_us = oracle.asins_in(Marketplace::UnitedStates)[0];
        let doc: Value = dir
            .mandi()
            .args(["lookup", &format!("https://www.amazon.com/dp/{in_us}")])
            .json();
        let item = &doc["data"]["items"][0];
        assert_eq!(item["marketplace"], "www.amazon.com", "{doc}");
    }
);

mtest!(
    lookup_with_the_associate_tag_prints_affiliate_links,
    |dir, cmd| {
        let s = sample();
        dir.write_config("[general]\nassociate_tag = \"mandi-21\"\n");
        let text = cmd.args(["lookup", s.phone.as_str()]).stdout();
        assert!(
            text.contains(&format!(
                "https://www.amazon.in/dp/{}?tag=mandi-21",
                s.phone
            )),
            "{text}"
        );
    }
);

mtest!(lookup_of_garbage_exits_2_with_one_line, |dir, cmd| {
    let err = cmd
        .args(["lookup", "https://amazon.in.evil.com/dp/B0CX59H5W7"])
        .fails_with(2);
    assert_one_line_error(&err);
});

mtest!(
    creators_without_credentials_names_the_missing_setting,
    |dir, cmd| {
        let err = cmd
            .args(["--source", "creators", "lookup", "B0CX59H5W7"])
            .fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains("creators.credential_id"), "{err}");
    }
);

mtest!(search_honours_filters, |dir, cmd| {
    let doc: Value = cmd
        .args([
            "search",
            "gaming laptop",
            "--max-price",
            "80,000",
            "--min-rating",
            "4",
            "--sort",
            "price-asc",
        ])
        .json();
    assert_eq!(doc["type"], "search");
    let items = doc["data"]["items"].as_array().expect("items");
    assert!(!items.is_empty(), "{doc}");
    let prices: Vec<i64> = items
        .iter()
        .filter_map(|i| i["offers"][0]["price"]["minor"].as_i64())
        .collect();
    assert_eq!(
        prices.len(),
        items.len(),
        "every result has a known price: {doc}"
    );
    assert!(prices.iter().all(|p| *p <= 8_000_000), "{prices:?}");
    assert!(prices.is_sorted(), "{prices:?}");
});

mtest!(
    search_refuses_out_of_range_filters_before_asking,
    |dir, cmd| {
        let err = cmd
            .args(["search", "phone", "--min-rating", "9"])
            .fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains("rating"), "{err}");
    }
);

mtest!(
    variations_and_nodes_show_the_family_and_the_tree,
    |dir, cmd| {
        let s = sample();
        let doc: Value = cmd.args(["variations", s.family_parent.as_str()]).json();
        assert_eq!(doc["data"]["parent_asin"], s.family_parent.as_str());
        assert!(
            doc["data"]["items"]
                .as_array()
                .is_some_and(|i| !i.is_empty())
        );
        let text = dir.mandi().args(["nodes", &s.node_id]).stdout();
        assert!(text.contains(&s.node_id), "{text}");
        assert!(text.contains("›"), "the ancestors are shown: {text}");
    }
);

mtest!(chart_writes_a_png, |dir, cmd| {
    let s = sample();
    let out = dir.path().join("phone.png");
    cmd.args(["chart", s.phone.as_str(), "-o"])
        .args([&out])
        .stdout();
    let png = std::fs::read(&out).expect("chart written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
});

mtest!(insights_score_the_current_offer, |dir, cmd| {
    let s = sample();
    let doc: Value = cmd.args(["insights", s.laptop.as_str()]).json();
    assert_eq!(doc["type"], "insights");
    let score = doc["data"]["score"]["score"].as_u64().expect("a score");
    assert!(score <= 100);
    assert!(
        doc["data"]["score"]["parts"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
});

mtest!(
    history_csv_has_a_header_and_one_row_per_observation,
    |dir, cmd| {
        let s = sample();
        dir.mandi().args(["lookup", s.phone.as_str()]).stdout();
        let csv = cmd.args(["history", s.phone.as_str(), "--csv"]).stdout();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "time_utc,time_ist,price_inr,price_minor,availability,origin"
        );
        assert_eq!(lines.len(), 3, "two lookups, two rows: {csv}");
        assert!(lines[1].contains("+05:30"), "{csv}");
    }
);

mtest!(sandbox_refuses_a_bad_fault_spec, |dir, cmd| {
    let err = cmd.args(["sandbox", "--faults", "429=lots"]).fails_with(2);
    assert_one_line_error(&err);
    assert!(err.contains("--faults"), "{err}");
});

mtest!(sandbox_refuses_a_catalogue_size_out_of_range, |dir, cmd| {
    let err = cmd.args(["sandbox", "--products", "3"]).fails_with(2);
    assert_one_line_error(&err);
    assert!(
        err.contains("--products") && err.contains("9 to 1000000 products, not 3"),
        "{err}"
    );
});

mtest!(
    quality_reports_gaps_specs_and_the_guard_per_saved_product,
    |dir, cmd| {
        let s = sample();
        dir.mandi()
            .args(["lookup", s.phone.as_str(), s.book.as_str()])
            .stdout();
        let doc: serde_json::Value = cmd
            .args(["quality", s.phone.as_str(), s.book.as_str()])
            .json();
        assert_eq!(doc["type"], "quality");
        let products = doc["data"]["products"].as_array().expect("products");
        assert_eq!(products.len(), 2, "{doc}");
        let phone = products
            .iter()
            .find(|p| p["asin"] == s.phone.as_str())
            .expect("the phone");
        let keys: Vec<&str> = phone["specs"]
            .as_array()
            .expect("specs")
            .iter()
            .filter_map(|x| x["key"].as_str())
            .collect();
        assert!(
            keys.contains(&"storage") && keys.contains(&"colour"),
            "{phone}"
        );
        let score = phone["score"].as_u64().expect("score");
        assert!(score <= 100, "{phone}");
        assert_eq!(phone["rejected_observations"], 0);
        // Text for people, one block per product.
        let text = dir.mandi().args(["quality", s.phone.as_str()]).stdout();
        assert!(
            text.contains("quality ") && text.contains("specs: "),
            "{text}"
        );
        // Nothing saved: exit 1 with a hint.
        let out = dir
            .mandi()
            .args(["quality", s.unknown.as_str()])
            .fails_with(1);
        assert!(out.is_empty() || out.lines().count() <= 1, "{out}");
    }
);
