//! `mandi ask`, `mandi similar`, `mandi categories`, and the smart watch builder
//! (`mandi watch suggest`, `mandi watch review`, `mandi watch add --variants`) on the embedded
//! sandbox.

use chrono::{DateTime, Duration, Utc};
use mandi_core::store::SqliteStore;
use mandi_core::{
    AlertRule, Asin, Clock, DataOrigin, ExternalIdentity, Marketplace, NewWatch, OfferKind,
    PricePoint, Store, SystemClock, WatchTarget,
};
use mandi_paapi::sandbox::{Catalog, CatalogSample, Oracle};
use serde_json::Value;

use crate::util::{Dir, assert_one_line_error};

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

/// Twelve-hourly observations of the sandbox's true prices.
const STEP_HOURS: i64 = 12;

/// The sandbox oracle of the seed the command line uses.
fn oracle() -> Oracle {
    Oracle::new(Catalog::for_seed(42))
}

/// A phone priced now above its low of the last `days` days (so some targets lie below today's
/// price and were reached before), not of the sample's variation family.
fn phone_dearer_than_its_low(oracle: &Oracle, now: DateTime<Utc>, days: i64) -> Asin {
    let catalog = oracle.catalog().clone();
    let family = catalog.family_children(sample().family_parent);
    let price = |a: Asin, t| oracle.offer(a, t).and_then(|o| o.price).map(|m| m.minor());
    catalog
        .asins()
        .filter(|a| catalog.category_name(*a) == Some("phones") && !family.contains(a))
        .find(|a| {
            let Some(today) = price(*a, now) else {
                return false;
            };
            let low = (1..days * 24 / STEP_HOURS)
                .filter_map(|k| price(*a, now - Duration::hours(STEP_HOURS * k)))
                .min();
            low.is_some_and(|l| l < today * 9 / 10)
        })
        .expect("a phone dearer than its low")
}

/// Writes `days` of twelve-hourly true prices of `asin`, ending `end_ago` before `now`, into
/// the test's database; returns the points `(at, paise)` written.
fn seed_history(
    dir: &Dir,
    oracle: &Oracle,
    asin: Asin,
    now: DateTime<Utc>,
    days: i64,
    end_ago: Duration,
) -> Vec<(DateTime<Utc>, Option<i64>)> {
    let end = now - end_ago;
    let points: Vec<PricePoint> = (1..=days * 24 / STEP_HOURS)
        .rev()
        .map(|k| end - Duration::hours(STEP_HOURS * k))
        .filter_map(|at| {
            let o = oracle.offer(asin, at)?;
            Some(PricePoint {
                marketplace: Marketplace::India,
                asin,
                offer_kind: OfferKind::BuyBox,
                at,
                price: o.price,
                list_price: Some(o.mrp),
                availability: o.availability,
                deal_badge: None,
                origin: DataOrigin::Api,
            })
        })
        .collect();
    let store = SqliteStore::open(dir.database()).expect("open the test database");
    runtime()
        .block_on(store.record_prices(&points))
        .expect("record prices");
    points
        .iter()
        .map(|p| (p.at, p.price.map(|m| m.minor())))
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Entries into "at or below `target`" from above over observations held until the next
/// (unknown prices skipped): how often a target alert would have fired.
fn firings(points: &[(DateTime<Utc>, Option<i64>)], target: i64) -> u64 {
    let (mut fired, mut above) = (0, true);
    for (_, p) in points {
        let Some(p) = p else { continue };
        let hit = *p <= target;
        if hit && above {
            fired += 1;
        }
        above = !hit;
    }
    fired
}

mtest!(
    watch_suggest_gives_targets_that_fired_in_the_seeded_history,
    |dir, cmd| {
        let oracle = oracle();
        let now = SystemClock.now();
        let phone = phone_dearer_than_its_low(&oracle, now, 200);
        let seen = seed_history(&dir, &oracle, phone, now, 200, Duration::hours(1));
        let doc: Value = cmd.args(["watch", "suggest", phone.as_str()]).json();
        assert_eq!(doc["type"], "watch_suggestions", "{doc}");
        let d = &doc["data"];
        assert_eq!(d["asin"], phone.as_str());
        assert!(d["history_days"].as_i64().unwrap_or(0) >= 199, "{doc}");
        let current = d["current"]["minor"].as_i64().expect("today's price");
        let suggestions = d["suggestions"].as_array().expect("suggestions");
        assert!(!suggestions.is_empty(), "{doc}");
        let mut previous = i64::MAX;
        for s in suggestions {
            let target = s["target"]["minor"].as_i64().expect("a target in paise");
            assert!(target < current, "{s}");
            assert!(target <= previous, "highest target first: {doc}");
            previous = target;
            assert!(!s["why"].as_str().unwrap_or("").is_empty(), "{s}");
            // Today's price is above every target: the count is the seeded history's.
            assert_eq!(
                s["fired_past_year"].as_u64(),
                Some(firings(&seen, target)),
                "{s}"
            );
            let share = s["share_of_year_bps"].as_u64().expect("a share");
            assert!(share <= 10_000, "{s}");
        }
        let share_target = suggestions
            .iter()
            .find(|s| s["kind"].get("reached_share_of90_days").is_some())
            .expect("a share-of-90-days target");
        assert!(share_target["fired_past_year"].as_u64().unwrap_or(0) >= 1);

        let text = dir
            .mandi()
            .args(["watch", "suggest", phone.as_str()])
            .stdout();
        for word in ["TARGET", "FIRED/YEAR", "TIME BELOW", "of 90 days"] {
            assert!(text.contains(word), "{word} missing:\n{text}");
        }
        assert!(
            text.contains(&format!("pick one: mandi watch add {phone} --below")),
            "{text}"
        );
    }
);

mtest!(
    watch_suggest_without_history_says_so_and_exits_1,
    |dir, cmd| {
        let s = sample();
        let o = cmd.args(["watch", "suggest", s.phone.as_str()]).output();
        assert_eq!(o.status.code(), Some(1));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("not enough history"), "{text}");
    }
);

mtest!(
    watch_review_finds_unrealistic_redundant_and_stale_watches,
    |dir, cmd| {
        let oracle = oracle();
        let now = SystemClock.now();
        let s = sample();
        // Nothing to review yet.
        let text = cmd.args(["watch", "review"]).stdout();
        assert!(text.contains("every watch looks fine"), "{text}");

        // Unrealistic: ₹1 on a phone with 200 days of history.
        let phone = phone_dearer_than_its_low(&oracle, now, 200);
        let seen = seed_history(&dir, &oracle, phone, now, 200, Duration::hours(1));
        let w: Value = dir
            .mandi()
            .args(["watch", "add", phone.as_str(), "--below", "1"])
            .json();
        let unrealistic = w["data"]["id"].as_i64().expect("id");
        // Redundant: a variation watched on its own and through its family.
        let w: Value = dir
            .mandi()
            .args(["watch", "add", s.family_child.as_str()])
            .json();
        let child = w["data"]["id"].as_i64().expect("id");
        dir.mandi()
            .args(["watch", "add", s.family_child.as_str(), "--family"])
            .stdout();
        // Stale: a watch on a product last priced three weeks ago.
        let stale_asin = s.laptop;
        seed_history(&dir, &oracle, stale_asin, now, 30, Duration::days(21));
        let store = SqliteStore::open(dir.database()).expect("open");
        let rt = runtime();
        let user = rt
            .block_on(store.find_user(&ExternalIdentity::new("cli", "local")))
            .expect("find")
            .expect("the command line's user");
        let stale = rt
            .block_on(store.create_watch(
                &NewWatch {
                    user_id: user.id,
                    target: WatchTarget::Product {
                        marketplace: Marketplace::India,
                        asin: stale_asin,
                    },
                    rules: vec![AlertRule::BackInStock],
                    baseline_price: None,
                    label: None,
                },
                now,
            ))
            .expect("create a watch")
            .id
            .0;
        drop(store);

        let doc: Value = dir.mandi().args(["watch", "review"]).json();
        assert_eq!(doc["type"], "watch_review", "{doc}");
        let findings = doc["data"].as_array().expect("findings");
        let of = |id: i64, issue: &str| {
            findings
                .iter()
                .find(|f| f["watch_id"] == id && f["issue"] == issue)
                .unwrap_or_else(|| panic!("no {issue} finding for watch {id}: {doc}"))
        };
        let u = of(unrealistic, "unrealistic");
        assert_eq!(u["asin"], phone.as_str());
        // The target suggested instead was reached in the seeded history.
        let better = u["suggested_target"]["minor"].as_i64().expect("a target");
        assert!(firings(&seen, better) >= 1, "{u}");
        assert!(
            u["suggestion"]
                .as_str()
                .is_some_and(|t| t.contains(&format!("mandi watch edit {unrealistic} --below"))),
            "{u}"
        );
        assert_eq!(of(child, "redundant")["asin"], s.family_child.as_str());
        let st = of(stale, "stale");
        assert!(
            st["detail"]
                .as_str()
                .is_some_and(|d| d.contains("no price seen for 2")),
            "{st}"
        );
        assert_eq!(findings.len(), 3, "nothing else is wrong: {doc}");

        let text = dir.mandi().args(["watch", "review"]).stdout();
        assert!(
            text.contains(&format!("watch {unrealistic} ({phone}): unrealistic")),
            "{text}"
        );
        assert!(text.contains(&format!("watch {child} (")), "{text}");
        assert!(text.contains("    suggestion: "), "{text}");
    }
);

mtest!(
    watch_add_variants_watches_exactly_the_matching_variations,
    |dir, cmd| {
        let s = sample();
        let family: Value = cmd.args(["variations", s.family_child.as_str()]).json();
        let items = family["data"]["items"].as_array().expect("variations");
        let attr = |item: &Value, name: &str| -> String {
            item["variation_attributes"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["name"] == name))
                .and_then(|x| x["value"].as_str())
                .unwrap_or_default()
                .to_lowercase()
        };
        // A colour word and a storage of the family, written with a space ("256 GB").
        let last = items.last().expect("a variation");
        let colour = attr(last, "color_name")
            .split_whitespace()
            .last()
            .expect("a colour")
            .to_owned();
        let size = attr(last, "size_name");
        let storage_token = size
            .split(|c: char| !c.is_alphanumeric())
            .rfind(|w| w.ends_with("gb"))
            .expect("a storage like 256gb")
            .to_owned();
        let storage_arg = format!("{} GB", storage_token.trim_end_matches("gb"));
        let has_word = |value: String, word: &str| {
            value
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == word)
        };
        let mut expected: Vec<String> = items
            .iter()
            .filter(|i| has_word(attr(i, "color_name"), &colour))
            .filter(|i| has_word(attr(i, "size_name"), &storage_token))
            .map(|i| i["asin"].as_str().unwrap_or_default().to_owned())
            .collect();
        expected.sort();
        assert!(!expected.is_empty() && expected.len() < items.len());

        let added: Value = dir
            .mandi()
            .args(["watch", "add", "--variants", s.family_child.as_str()])
            .args(["--colour", &colour, "--storage", &storage_arg])
            .args(["--below", "100000"])
            .json();
        assert_eq!(added["type"], "watches", "{added}");
        let mut got: Vec<String> = added["data"]
            .as_array()
            .expect("watches")
            .iter()
            .map(|w| {
                assert_eq!(w["rules"][0]["at_or_below"]["minor"], 10_000_000, "{w}");
                w["target"]["asin"].as_str().unwrap_or_default().to_owned()
            })
            .collect();
        got.sort();
        assert_eq!(got, expected, "--colour {colour} --storage {storage_arg:?}");
        let list: Value = dir.mandi().args(["watch", "list"]).json();
        assert_eq!(list["data"].as_array().map(Vec::len), Some(expected.len()));

        // The colour alone: the other variations of that colour are added, the ones already
        // watched are reported and not duplicated.
        let same_colour = items
            .iter()
            .filter(|i| has_word(attr(i, "color_name"), &colour))
            .count();
        let text = dir
            .mandi()
            .args(["watch", "add", "--variants", s.family_child.as_str()])
            .args(["--colour", &colour])
            .stdout();
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("already watched: "))
                .count(),
            expected.len(),
            "{text}"
        );
        assert_eq!(
            text.lines().filter(|l| l.starts_with("watch ")).count(),
            same_colour - expected.len(),
            "{text}"
        );
        let list: Value = dir.mandi().args(["watch", "list"]).json();
        assert_eq!(list["data"].as_array().map(Vec::len), Some(same_colour));

        // Everything of that colour watched already; nothing of a colour that does not exist;
        // --variants with nothing to choose by.
        let err = dir
            .mandi()
            .args(["watch", "add", "--variants", s.family_child.as_str()])
            .args(["--colour", &colour])
            .fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains("already watch"), "{err}");
        let err = dir
            .mandi()
            .args(["watch", "add", "--variants", s.family_child.as_str()])
            .args(["--colour", "ultraviolet"])
            .fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains("colour ultraviolet"), "{err}");
        let err = dir
            .mandi()
            .args(["watch", "add", "--variants", s.family_child.as_str()])
            .fails_with(2);
        assert_one_line_error(&err);
        let list: Value = dir.mandi().args(["watch", "list"]).json();
        assert_eq!(list["data"].as_array().map(Vec::len), Some(same_colour));
    }
);
