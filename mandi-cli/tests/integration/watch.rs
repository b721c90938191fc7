//! `mandi watch …`, `mandi alerts`, `mandi export` and `mandi import` on the embedded sandbox.

use mandi_paapi::sandbox::Catalog;
use serde_json::Value;

use crate::util::assert_one_line_error;

fn phone() -> String {
    Catalog::for_seed(42).sample().phone.to_string()
}

mtest!(
    a_watch_is_added_listed_paused_edited_and_removed,
    |dir, cmd| {
        let added: Value = cmd
            .args([
                "watch",
                "add",
                &phone(),
                "--below",
                "15,000",
                "--drop",
                "10%",
                "--lowest",
                "90d",
                "--in-stock",
            ])
            .json();
        assert_eq!(added["type"], "watch");
        let id = added["data"]["id"].as_i64().expect("id").to_string();
        let rules = added["data"]["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), 4, "{added}");
        assert_eq!(rules[0]["rule"], "target_price");
        assert_eq!(rules[0]["at_or_below"]["minor"], 1_500_000);

        let list: Value = dir.mandi().args(["watch", "list"]).json();
        assert_eq!(list["data"].as_array().map(Vec::len), Some(1));

        let paused: Value = dir.mandi().args(["watch", "pause", &id]).json();
        assert_eq!(paused["data"]["state"]["state"], "paused");
        let snoozed: Value = dir
            .mandi()
            .args(["watch", "snooze", &id, "--for", "2d"])
            .json();
        assert_eq!(snoozed["data"]["state"]["state"], "snoozed");
        let edited: Value = dir
            .mandi()
            .args([
                "watch", "edit", &id, "--below", "14000", "--label", "for mum",
            ])
            .json();
        assert_eq!(edited["data"]["rules"].as_array().map(Vec::len), Some(1));
        assert_eq!(edited["data"]["label"], "for mum");

        let text = dir.mandi().args(["watch", "rm", &id]).stdout();
        assert!(text.contains("removed"), "{text}");
        let o = dir.mandi().args(["watch", "list"]).output();
        assert_eq!(o.status.code(), Some(1), "no watches left");
    }
);

mtest!(
    watching_twice_or_with_bad_rules_exits_2_with_the_reason,
    |dir, cmd| {
        cmd.args(["watch", "add", &phone()]).stdout();
        let err = dir.mandi().args(["watch", "add", &phone()]).fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains("already watch"), "{err}");
        for bad in [
            ["--drop", "150%"],
            ["--lowest", "forever"],
            ["--below", "cheap"],
        ] {
            let err = dir
                .mandi()
                .args(["watch", "add", &phone()])
                .args(bad)
                .fails_with(2);
            assert_one_line_error(&err);
        }
        // A watch that does not exist is "not found" (exit 1), like any unknown thing.
        let err = dir.mandi().args(["watch", "rm", "999"]).fails_with(1);
        assert!(err.contains("no watch 999"), "{err}");
    }
);

mtest!(
    export_then_import_restores_watches_and_a_bad_file_changes_nothing,
    |dir, cmd| {
        cmd.args(["watch", "add", &phone(), "--below", "15000"])
            .stdout();
        let file = dir.path().join("watches.json");
        dir.mandi().args(["export", "-o"]).args([&file]).stdout();
        let id = {
            let list: Value = dir.mandi().args(["watch", "list"]).json();
            list["data"][0]["id"].as_i64().expect("id").to_string()
        };
        dir.mandi().args(["watch", "rm", &id]).stdout();

        let bad = dir.path().join("bad.json");
        let mut doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
        let mut second = doc["watches"][0].clone();
        second["target"]["asin"] = Value::from("8111345798");
        second["rules"] = serde_json::json!([{"rule": "lowest_in_days", "days": 0}]);
        doc["watches"].as_array_mut().expect("array").push(second);
        std::fs::write(&bad, doc.to_string()).expect("write");
        let err = dir.mandi().args(["import"]).args([&bad]).fails_with(2);
        assert!(err.contains("nothing was changed"), "{err}");
        assert_eq!(
            dir.mandi().args(["watch", "list"]).output().status.code(),
            Some(1)
        );

        let report: Value = dir.mandi().args(["import"]).args([&file]).json();
        assert_eq!(report["created"], 1);
        let list: Value = dir.mandi().args(["watch", "list"]).json();
        assert_eq!(list["data"][0]["rules"][0]["rule"], "target_price");
    }
);

mtest!(alerts_is_empty_before_anything_fired, |dir, cmd| {
    let o = cmd.args(["alerts"]).output();
    assert_eq!(o.status.code(), Some(1));
});

mtest!(deals_and_stats_read_the_watched_products, |dir, cmd| {
    let empty = dir.mandi().args(["deals"]).output();
    assert_eq!(empty.status.code(), Some(1), "no watches, no deals");
    cmd.args(["watch", "add", &phone()]).stdout();
    let deals: Value = dir.mandi().args(["deals"]).json();
    assert_eq!(deals["type"], "deals");
    let list = deals["data"].as_array().expect("deals");
    assert_eq!(list.len(), 1, "{deals}");
    assert_eq!(list[0]["asin"], phone());
    let score = list[0]["score"]["score"].as_u64().expect("a score");
    assert!(score <= 100);
    let text = dir.mandi().args(["deals"]).stdout();
    assert!(text.contains("SCORE") && text.contains(&phone()), "{text}");
    let err = dir.mandi().args(["deals", "--limit", "0"]).fails_with(2);
    assert_one_line_error(&err);
    assert!(err.contains("--limit"), "{err}");

    let stats: Value = dir.mandi().args(["stats"]).json();
    assert_eq!(stats["type"], "stats");
    assert_eq!(stats["data"]["watches"], 1);
    assert_eq!(stats["data"]["active"], 1);
    let text = dir.mandi().args(["stats"]).stdout();
    assert!(text.contains("watches: 1 (1 active)"), "{text}");
    assert!(text.contains("saved:"), "{text}");
});
