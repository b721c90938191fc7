//! Every behaviour of a contract suite runs: each `pub async fn` of a contract module must be
//! listed in that module's expansion macro, and the macro lists nothing else.
//!
//! The macros name each behaviour a second time (a `macro_rules!` cannot enumerate a
//! module's functions), so a behaviour added to the module but not to the list would
//! silently never run. This test reads the modules' source and fails naming the missing one.

use std::collections::BTreeSet;

/// The names of the `pub async fn`s in a module's source.
fn behaviours(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("pub async fn "))
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .collect()
}

/// The names listed in `macro_rules! <name>`'s first arm (`@tests $x; a, b, c,`).
fn listed(source: &str, macro_name: &str) -> BTreeSet<String> {
    let start = source
        .find(&format!("macro_rules! {macro_name}"))
        .unwrap_or_else(|| panic!("no macro_rules! {macro_name}"));
    let body = &source[start..];
    let list_start = body.find("@tests").expect("an @tests call") + "@tests".len();
    let list = &body[list_start..];
    let list = &list[list.find(';').expect("`;` after the subject") + 1..];
    let list = &list[..list.find(')').expect("the list's end")];
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

fn check(module: &str, source: &str, macro_name: &str) {
    let fns = behaviours(source);
    let names = listed(source, macro_name);
    assert!(!fns.is_empty(), "{module}: no behaviours found");
    let missing: Vec<_> = fns.difference(&names).collect();
    assert!(
        missing.is_empty(),
        "{module}: these behaviours are not in {macro_name}! and would never run: {missing:?}"
    );
    let stray: Vec<_> = names.difference(&fns).collect();
    assert!(
        stray.is_empty(),
        "{module}: {macro_name}! lists names that are not behaviours: {stray:?}"
    );
}

#[test]
fn every_store_behaviour_is_expanded() {
    // The store suite's behaviours live in contract/store.rs and its submodules.
    let source = [
        include_str!("../src/contract/store.rs"),
        include_str!("../src/contract/store/server.rs"),
    ]
    .concat();
    check(
        "contract/store.rs (+ store/server.rs)",
        &source,
        "store_contract",
    );
}

#[test]
fn every_source_behaviour_is_expanded() {
    check(
        "contract/source.rs",
        include_str!("../src/contract/source.rs"),
        "source_contract",
    );
}

#[test]
fn every_cache_behaviour_is_expanded() {
    check(
        "contract/cache.rs",
        include_str!("../src/contract/cache.rs"),
        "cache_contract",
    );
}

#[test]
fn every_quota_behaviour_is_expanded() {
    check(
        "contract/quota.rs",
        include_str!("../src/contract/quota.rs"),
        "quota_contract",
    );
}

#[test]
fn a_behaviour_left_out_of_the_list_is_caught() {
    let source = "pub async fn a(s: S) {}\npub async fn b(s: S) {}\n\
                  macro_rules! x_contract { ($m:expr) => { x!(@tests $m; a,); }; }";
    let fns = behaviours(source);
    let names = listed(source, "x_contract");
    assert_eq!(
        fns.difference(&names).cloned().collect::<Vec<_>>(),
        vec!["b".to_owned()]
    );
}
