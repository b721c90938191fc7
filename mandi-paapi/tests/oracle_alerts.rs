//! Issue #6's proof on the sandbox oracle: hundreds of watches (several users; target prices
//! set from each product's true price at the start, % drops from a baseline, back in stock;
//! some paused or snoozed) on sandbox products, 60 simulated days refreshed on a fixed
//! cadence through the real Creators API client, the real alert step, a SQLite file store and
//! the dispatcher. The alerts that must fire are computed independently, straight from
//! `Oracle::offer` at exactly the observation times and the rule definitions (back in stock
//! also cross-checked against the oracle's event list); every one must arrive exactly once
//! and nothing else may arrive.
//!
//! `MANDI_ORACLE_WATCHES` (default 500) and `MANDI_ORACLE_DAYS` (default 60) scale the run;
//! the full-size command and result are in docs/benchmarks.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oracle_common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::alerts::{AlertStep, Dispatcher};
use mandi_core::store::SqliteStore;
use mandi_core::{
    AlertRule, Asin, Availability, Clock, ManualClock, Marketplace, NewWatch, Notifier, Store,
    WatchState, WatchTarget,
};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::{EventKind, Sandbox};
use oracle_common::{
    Firing, Planned, Recorder, Seen, buyable, env_or, expected, inr, pick_products, seed_users,
};

const IN: Marketplace = Marketplace::India;
const STEP_HOURS: i64 = 8;
const USERS: u64 = 12;

fn t0() -> DateTime<Utc> {
    // Early October: the run crosses the Great Indian Festival and Diwali.
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
}

fn at(step: i64) -> DateTime<Utc> {
    t0() + Duration::hours(STEP_HOURS * step)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_alert_the_oracle_implies_fires_exactly_once_and_nothing_else() {
    let watches = env_or("MANDI_ORACLE_WATCHES", 500i64).max(10);
    let days = env_or("MANDI_ORACLE_DAYS", 60i64).max(2);
    let steps = days * 24 / STEP_HOURS;
    let end = at(steps);
    let began = std::time::Instant::now();

    let clock = ManualClock::new(t0() - Duration::hours(1));
    let sandbox = Sandbox::builder()
        .seed(7)
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let oracle = sandbox.oracle().clone();
    let products = pick_products(&oracle, t0(), (watches / 8) as usize, end);
    assert!(products.len() >= 2);

    let dir = tempfile::tempdir().unwrap();
    let sqlite = Arc::new(SqliteStore::open(dir.path().join("mandi.db")).unwrap());
    let store: Arc<dyn Store> = sqlite.clone();

    let users = seed_users(store.as_ref(), "oracle", USERS, clock.now()).await;

    // The watches: targets relative to the true price at the start.
    let mut plans: BTreeMap<i64, Planned> = BTreeMap::new();
    for n in 0..watches as u64 {
        let asin = products[(n as usize) % products.len()];
        let start = oracle.offer(asin, t0()).unwrap();
        let now_price = start.price.unwrap_or(start.regular_price).minor();
        let (rules, baseline) = match n % 6 {
            0 => (
                vec![AlertRule::TargetPrice {
                    at_or_below: inr(now_price * 93 / 100),
                }],
                None,
            ),
            1 => (vec![AlertRule::DropFromBaseline { bps: 800 }], None),
            2 => (
                vec![AlertRule::DropFromBaseline { bps: 1_000 }],
                Some(start.regular_price.minor()),
            ),
            3 => (vec![AlertRule::BackInStock], None),
            4 => (
                vec![
                    AlertRule::TargetPrice {
                        at_or_below: inr(now_price * 97 / 100),
                    },
                    AlertRule::BackInStock,
                ],
                None,
            ),
            _ => (
                vec![
                    AlertRule::DropFromBaseline { bps: 500 },
                    AlertRule::TargetPrice {
                        at_or_below: inr(now_price * 85 / 100),
                    },
                ],
                Some(now_price),
            ),
        };
        let state = if n.is_multiple_of(41) {
            WatchState::Snoozed {
                until: t0() + Duration::days(days / 4),
            }
        } else if n.is_multiple_of(37) {
            WatchState::Paused
        } else {
            WatchState::Active
        };
        let mut w = store
            .create_watch(
                &NewWatch {
                    user_id: users[(n % USERS) as usize],
                    target: WatchTarget::Product {
                        marketplace: IN,
                        asin,
                    },
                    rules: rules.clone(),
                    baseline_price: baseline.map(inr),
                    label: None,
                },
                clock.now(),
            )
            .await
            .unwrap();
        if state != WatchState::Active {
            w.state = state;
            store.update_watch(&w).await.unwrap();
        }
        plans.insert(
            w.id.0,
            Planned {
                asin,
                rules,
                baseline,
                state,
            },
        );
    }

    // The run: the real client against the sandbox, the alert step, the dispatcher.
    let source = Arc::new(sandbox.creators_source(CredentialVersion::V2_2).unwrap());
    let recorder = Arc::new(Recorder::default());
    let monitor = AlertStep::new(source, Arc::clone(&store), Arc::new(clock.clone()));
    let dispatcher = Dispatcher::new(
        Arc::clone(&store),
        vec![recorder.clone() as Arc<dyn Notifier>],
        Arc::new(clock.clone()),
    );
    for step in 0..steps {
        clock.set(at(step));
        let report = monitor.refresh_watched().await.unwrap();
        assert!(
            report.source_errors.is_empty(),
            "no faults configured: {:?}",
            report.source_errors
        );
        assert_eq!(report.fetched, products.len(), "step {step}: {report:?}");
        // Second reads of suspect observations (the quality guard) are extra calls.
        assert_eq!(
            report.source_calls - report.confirm_calls,
            products.len().div_ceil(10)
        );
        dispatcher.drain().await.unwrap();
    }
    clock.set(end + Duration::days(1));
    dispatcher.drain().await.unwrap();
    let run_secs = began.elapsed().as_secs_f64();

    // The independent expectation, from the oracle at exactly the observation times.
    let series: HashMap<Asin, Vec<Seen>> = products
        .iter()
        .map(|a| {
            let s = (0..steps)
                .map(|step| {
                    let o = oracle.offer(*a, at(step)).unwrap();
                    Seen {
                        at: at(step),
                        price: o.price.map(|m| m.minor()),
                        availability: o.availability,
                    }
                })
                .collect();
            (*a, s)
        })
        .collect();

    // Back in stock cross-checked against the event list: each restock after the first
    // observation is seen at the first observation after it, where the product is buyable
    // and the observation before saw it out of stock; nothing else looks like a restock.
    let mut restocks_checked = 0;
    for a in &products {
        let s = &series[a];
        let from_offers: BTreeSet<i64> = (1..steps)
            .filter(|&i| {
                buyable(s[i as usize].availability)
                    && s[i as usize - 1].availability == Availability::OutOfStock
            })
            .collect();
        let from_events: BTreeSet<i64> = oracle
            .events(
                *a,
                at(0) + Duration::seconds(1),
                at(steps - 1) + Duration::seconds(1),
            )
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Restock))
            .map(|e| (0..steps).find(|&i| at(i) >= e.at).unwrap())
            .collect();
        assert_eq!(
            from_offers, from_events,
            "{a}: restocks seen by the offers vs the oracle's events"
        );
        restocks_checked += from_events.len();
    }
    assert!(restocks_checked > 0, "the run contains restocks");

    let mut want: Vec<Firing> = plans
        .iter()
        .flat_map(|(id, p)| expected(*id, p, &series[&p.asin]))
        .collect();
    want.sort();

    let seen = recorder.seen.lock().unwrap().clone();
    let mut per_key: HashMap<&str, usize> = HashMap::new();
    for n in &seen {
        *per_key.entry(n.idempotency_key.as_str()).or_default() += 1;
    }
    let repeated: Vec<_> = per_key.iter().filter(|(_, c)| **c > 1).collect();
    assert!(
        repeated.is_empty(),
        "delivered more than once: {repeated:?}"
    );

    for n in &seen {
        let h = (n.alert.triggered_at - t0()).num_hours();
        assert_eq!(h % STEP_HOURS, 0, "an alert at an observation time");
    }
    let mut got: Vec<Firing> = seen.iter().map(Firing::of).collect();
    got.sort();

    let missing: Vec<_> = want.iter().filter(|f| !got.contains(f)).take(10).collect();
    let extra: Vec<_> = got.iter().filter(|f| !want.contains(f)).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );
    assert_eq!(got, want);

    // Every kind of rule fired, a snoozed watch fired after its snooze, a paused one never.
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for n in &seen {
        let kind = serde_json::to_value(&n.alert.rule).unwrap()["rule"]
            .as_str()
            .unwrap()
            .to_owned();
        *by_kind.entry(kind).or_default() += 1;
    }
    assert_eq!(by_kind.len(), 3, "every rule kind fired: {by_kind:?}");
    assert!(
        seen.iter()
            .any(|n| matches!(plans[&n.alert.watch_id.0].state, WatchState::Snoozed { .. })),
        "a snoozed watch fired after its snooze"
    );
    assert!(
        !seen
            .iter()
            .any(|n| plans[&n.alert.watch_id.0].state == WatchState::Paused),
        "a paused watch fired"
    );
    assert!(
        want.len() >= watches as usize / 5,
        "a meaningful number of alerts ({})",
        want.len()
    );
    assert_eq!(sqlite.integrity_check().await.unwrap(), "ok");
    eprintln!(
        "oracle alerts: {watches} watches on {} products, {days} days every {STEP_HOURS} h \
         ({steps} refreshes), {} alerts {by_kind:?}, {restocks_checked} restocks checked, \
         run {run_secs:.1} s",
        products.len(),
        got.len()
    );
    sandbox.shutdown().await;
}
