//! `mandi demo`: the guided tour runs offline end to end.

mtest!(demo_runs_the_tour_offline, |dir, cmd| {
    let text = cmd
        .args(["demo", "--start", "2026-09-20", "--days", "14"])
        .stdout();
    for step in ["1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "What to try next"] {
        assert!(text.contains(step), "missing {step:?}:\n{text}");
    }
    assert!(text.contains("over 14 simulated days"), "{text}");
    assert!(text.contains("alerts fired"), "{text}");
    assert!(text.contains("₹"), "{text}");
});

mtest!(demo_refuses_an_unreasonable_length, |dir, cmd| {
    let err = cmd.args(["demo", "--days", "0"]).fails_with(2);
    crate::util::assert_one_line_error(&err);
});
