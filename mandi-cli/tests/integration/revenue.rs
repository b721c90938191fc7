//! `mandi revenue` over a database holding searches, Buy links, clicks and imported
//! Associates report rows (written through the library's store, as the server and the
//! import would).

use chrono::TimeDelta;
use mandi_core::store::SqliteStore;
use mandi_core::{
    AffiliateOrder, Asin, ClickSource, Currency, ExternalIdentity, LinkFormat, Marketplace, Money,
    NewClickTarget, NewUser, ReportKind, SearchLog, Store, UserSettings,
};
use serde_json::Value;

use crate::util::assert_one_line_error;

/// One user searched twice, was shown two Buy links from the search and followed one,
/// which led to an order of two phones (one returned) earning ₹359.98 in fees.
fn seed(path: &std::path::Path) -> i64 {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = SqliteStore::open(path).expect("store");
        let now = mandi_core::Clock::now(&mandi_core::SystemClock);
        let yesterday = now - TimeDelta::days(1);
        let user = store
            .upsert_user(
                &NewUser {
                    identity: ExternalIdentity::new("telegram", "42"),
                    display_name: None,
                    settings: UserSettings::default(),
                },
                yesterday,
            )
            .await
            .expect("user");
        let phone: Asin = "B0CX59H5W7".parse().expect("asin");
        for _ in 0..2 {
            store
                .record_search(&SearchLog {
                    user_id: Some(user.id),
                    marketplace: Marketplace::India,
                    query: "redmi".to_owned(),
                    result_count: 3,
                    at: yesterday,
                })
                .await
                .expect("search");
        }
        let mut targets = Vec::new();
        for digit in ['a', 'b'] {
            targets.push(
                store
                    .create_click_target(&NewClickTarget {
                        token_hash: std::iter::repeat_n(digit, 64).collect(),
                        user_id: user.id,
                        source: ClickSource::Search {
                            query: "redmi".to_owned(),
                        },
                        marketplace: Marketplace::India,
                        asin: phone,
                        variant: None,
                        link_format: LinkFormat::Dp,
                        created_at: yesterday,
                    })
                    .await
                    .expect("target"),
            );
        }
        store
            .record_affiliate_click(targets[0].id, yesterday)
            .await
            .expect("click");
        let inr = |minor| Money::from_minor(minor, Currency::INR);
        let row = |key: char, kind: ReportKind, fees: i64, returns: u32| AffiliateOrder {
            import_key: std::iter::repeat_n(key, 64).collect(),
            kind,
            marketplace: Marketplace::India,
            asin: phone,
            tracking_id: "mandi-21".to_owned(),
            category: "Cell Phones & Accessories".to_owned(),
            title: "Redmi Note 13 5G".to_owned(),
            day: yesterday.date_naive(),
            quantity: 2,
            returns,
            price: inr(1_799_900),
            revenue: inr(3_599_800),
            fees: inr(fees),
            click_target: Some(targets[0].id),
            user_id: Some(user.id),
        };
        store
            .record_affiliate_orders(&[
                row('1', ReportKind::Orders, 0, 0),
                row('2', ReportKind::Earnings, 35_998, 1),
            ])
            .await
            .expect("orders");
        user.id.0
    })
}

mtest!(revenue_shows_the_funnel_and_the_earnings, |dir, cmd| {
    let user = seed(&dir.database());
    let doc: Value = cmd.args(["revenue"]).json();
    assert_eq!(doc["type"], "revenue", "{doc}");
    let data = &doc["data"];
    let steps: Vec<(String, u64, Option<u64>)> = data["search_funnel"]
        .as_array()
        .expect("funnel")
        .iter()
        .map(|s| {
            (
                s["step"].as_str().expect("step").to_owned(),
                s["count"].as_u64().expect("count"),
                s["drop_off_bps"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("search".to_owned(), 2, None),
            ("card".to_owned(), 2, Some(0)),
            ("click".to_owned(), 1, Some(5_000)),
            ("order".to_owned(), 1, Some(0)),
        ]
    );
    let category = &data["categories"][0];
    assert_eq!(category["category"], "Cell Phones & Accessories");
    assert_eq!(category["fees"]["minor"], 35_998, "{category}");
    assert_eq!(category["items"], 1);
    assert_eq!(data["users"][0]["user_id"], user);
    assert_eq!(data["users"][0]["clicks"], 1);
    assert_eq!(data["top_products"][0]["asin"], "B0CX59H5W7");

    let text = dir.mandi().args(["revenue"]).stdout();
    assert!(text.contains("50.00% of card, 50.00% drop off"), "{text}");
    assert!(text.contains("Cell Phones & Accessories"), "{text}");
    assert!(text.contains("₹359.98") || text.contains("₹360"), "{text}");
});

mtest!(revenue_of_an_empty_database_says_what_to_do, |dir, cmd| {
    let text = cmd.args(["revenue"]).stdout();
    assert!(text.contains("No earnings yet"), "{text}");
    let stderr = dir.mandi().args(["revenue", "--days", "0"]).fails_with(2);
    assert_one_line_error(&stderr);
    assert!(stderr.contains("--days must be 1 to 366"), "{stderr}");
});
