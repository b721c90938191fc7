//! `mandi report --product`: the competitive picture of one product (issue 18) on the embedded
//! sandbox, its figures checked against the history stored for it.

use chrono::{DateTime, Duration, Utc};
use mandi_core::store::SqliteStore;
use mandi_core::{
    Availability, DataOrigin, HistoryQuery, Marketplace, Money, OfferKind, PricePoint, Store,
};
use serde_json::Value;

use crate::util::assert_one_line_error;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("a time, got {v}"))
}

fn paise(v: &Value) -> Option<i64> {
    v["minor"].as_i64()
}

mtest!(
    report_product_compares_the_offer_kinds_of_the_stored_history,
    |dir, cmd| {
        let s = mandi_paapi::sandbox::Catalog::for_seed(42).sample();
        let asin = s.laptop;
        dir.mandi().args(["watch", "add", asin.as_str()]).stdout();
        let store = SqliteStore::open(dir.database()).expect("open the test database");
        let rt = runtime();
        let all = |store: &SqliteStore| {
            rt.block_on(store.price_history(&HistoryQuery {
                marketplace: Marketplace::India,
                asin,
                offer_kind: None,
                since: None,
                until: None,
            }))
            .expect("history")
        };
        // The other sellers' and used offers, as the source's listings would give them: at the
        // buy box's latest observation, and earlier (one of them before the week).
        let latest = all(&store)
            .into_iter()
            .rfind(|p| p.offer_kind == OfferKind::BuyBox && p.price.is_some())
            .expect("the watch recorded the buy box");
        let buy_box = latest.price.expect("priced").minor();
        let other = |kind: OfferKind, at: DateTime<Utc>, minor: i64| PricePoint {
            offer_kind: kind,
            at,
            price: Some(Money::from_minor(
                minor,
                latest.price.expect("priced").currency(),
            )),
            list_price: None,
            availability: Availability::InStock,
            deal_badge: None,
            origin: DataOrigin::Api,
            ..latest.clone()
        };
        let seeded = [
            other(OfferKind::ThirdPartyNew, latest.at, buy_box - buy_box / 20),
            other(
                OfferKind::ThirdPartyNew,
                latest.at - Duration::days(2),
                buy_box - buy_box / 8,
            ),
            other(
                OfferKind::ThirdPartyNew,
                latest.at - Duration::days(20),
                buy_box / 3,
            ),
            other(OfferKind::Used, latest.at, buy_box * 7 / 10),
            other(
                OfferKind::Used,
                latest.at - Duration::days(3),
                buy_box * 3 / 5,
            ),
        ];
        rt.block_on(store.record_prices(&seeded)).expect("seed");

        let doc: Value = cmd
            .args(["report", "--product", asin.as_str(), "--period", "week"])
            .json();
        assert_eq!(doc["type"], "competitive_picture", "{doc}");
        let d = &doc["data"];
        assert_eq!(d["asin"], asin.as_str());
        assert_eq!(d["period"], "week");
        let (from, to) = (time(&d["from"]), time(&d["to"]));
        assert_eq!(to - from, Duration::days(7), "{doc}");
        // Every figure recomputed from the stored history of the document's period.
        let stored: Vec<PricePoint> = all(&store)
            .into_iter()
            .filter(|p| p.at >= from && p.at <= to)
            .collect();
        let kinds = d["kinds"].as_array().expect("kinds");
        let names: Vec<&str> = kinds.iter().filter_map(|k| k["kind"].as_str()).collect();
        assert_eq!(names, ["buy_box", "third_party_new", "used"], "{doc}");
        let mut now_of = Vec::new();
        for (k, kind) in
            kinds
                .iter()
                .zip([OfferKind::BuyBox, OfferKind::ThirdPartyNew, OfferKind::Used])
        {
            let of_kind: Vec<&PricePoint> =
                stored.iter().filter(|p| p.offer_kind == kind).collect();
            let prices: Vec<i64> = of_kind
                .iter()
                .filter_map(|p| p.price.map(|m| m.minor()))
                .collect();
            let last = of_kind.last().expect("seen in the period");
            assert_eq!(
                k["observations"].as_u64(),
                Some(of_kind.len() as u64),
                "{k}"
            );
            assert_eq!(paise(&k["low"]), prices.iter().copied().min(), "{k}");
            assert_eq!(paise(&k["high"]), prices.iter().copied().max(), "{k}");
            assert_eq!(paise(&k["current"]), last.price.map(|m| m.minor()), "{k}");
            assert_eq!(time(&k["last_seen"]), last.at, "{k}");
            now_of.push(paise(&k["current"]).expect("priced now"));
        }
        // The seeded figures themselves: day 20 is outside the week.
        assert_eq!(paise(&kinds[1]["low"]), Some(buy_box - buy_box / 8));
        assert_eq!(paise(&kinds[2]["current"]), Some(buy_box * 7 / 10));
        let (b, o, u) = (
            i128::from(now_of[0]),
            i128::from(now_of[1]),
            i128::from(now_of[2]),
        );
        let premium = i64::try_from((b - o) * 10_000 / o).expect("bps");
        let saving = i64::try_from((b - u) * 10_000 / b).expect("bps");
        assert_eq!(d["buy_box_premium_bps"].as_i64(), Some(premium), "{doc}");
        assert_eq!(d["used_saving_bps"].as_i64(), Some(saving), "{doc}");
        assert!(
            (520..=530).contains(&premium) && saving == 3_000,
            "{premium} {saving}"
        );

        let text = dir
            .mandi()
            .args(["report", "--product", asin.as_str()])
            .stdout();
        assert!(
            text.contains("other sellers new")
                && text.contains("Used saves against the buy box: 30%")
                && !text.contains(" %"),
            "{text}"
        );
    }
);

mtest!(
    report_product_of_an_unseen_product_finds_nothing,
    |dir, cmd| {
        let o = cmd.args(["report", "--product", "B0CX59H5W7"]).output();
        assert_eq!(o.status.code(), Some(1), "no history, nothing to compare");
        let err = dir
            .mandi()
            .args(["report", "--product", "not a product"])
            .fails_with(2);
        assert_one_line_error(&err);
        let err = dir
            .mandi()
            .args([
                "report",
                "--product",
                "B0CX59H5W7",
                "--category",
                "1805560031",
            ])
            .fails_with(2);
        assert!(
            err.contains("--product") && err.contains("--category"),
            "one product or a category, not both: {err}"
        );
    }
);
