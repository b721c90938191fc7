//! A deterministic 60-day simulation: hundreds of watches on products whose prices are a known
//! function of time, a manual clock, the real monitor, store and dispatcher. The alerts that
//! must fire are computed independently of the engine (straight from the rule definitions and
//! the price function) and compared with what the notifier received: each exactly once, and
//! nothing else.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::alerts::{AlertStep, Dispatcher};
use mandi_core::store::{MemoryStore, SqliteStore};
use mandi_core::{
    AlertRule, Asin, Availability, BrowseNode, BrowseNodesRequest, Clock, Currency,
    ExternalIdentity, ItemError, ItemErrorKind, ItemsBatch, ItemsRequest, ManualClock, Marketplace,
    Money, NewUser, NewWatch, Notification, Notifier, NotifyError, Offer, Product, ProductSource,
    SearchPage, SearchRequest, SourceError, Store, UserSettings, VariationFamily,
    VariationsRequest, WatchState, WatchTarget,
};

const IN: Marketplace = Marketplace::India;
const PRODUCTS: u64 = 40;
const CHILDREN: u64 = 3;
const STEP_HOURS: i64 = 4;
const DAYS: i64 = 60;
const STEPS: i64 = DAYS * 24 / STEP_HOURS;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
}

fn at(step: i64) -> DateTime<Utc> {
    t0() + Duration::hours(STEP_HOURS * step)
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn h(a: u64, b: i64) -> u64 {
    mix(a.wrapping_mul(1_000_003) ^ (b as u64))
}

// --- the market: product k (0..PRODUCTS plain, then CHILDREN children of one parent) ---

fn asin_of(k: u64) -> Asin {
    format!("B0SIM{k:05}").parse().unwrap()
}

fn parent_asin() -> Asin {
    "B0SIMPARNT".parse().unwrap()
}

fn base(k: u64) -> i64 {
    1_000_000 + (k as i64) * 123_400
}

/// Daily price: base ± 20 % in 1 % steps.
fn price(k: u64, step: i64) -> i64 {
    let pct = (h(k, step / 6) % 41) as i64 - 20;
    base(k) + base(k) * pct / 100
}

/// Out of stock in some 12-hour blocks (then no price is shown).
fn out_of_stock(k: u64, step: i64) -> bool {
    h(k + 7_777, step / 3).is_multiple_of(9)
}

/// The source fails for this product at this step.
fn fails(k: u64, step: i64) -> bool {
    h(k + 5_555, step).is_multiple_of(31)
}

fn step_of(t: DateTime<Utc>) -> i64 {
    (t - t0()).num_hours() / STEP_HOURS
}

#[derive(Debug)]
struct SimSource {
    clock: ManualClock,
}

impl SimSource {
    fn product(&self, k: u64, step: i64) -> Product {
        let mut p = Product::new(asin_of(k), IN, format!("product {k}"), self.clock.now());
        if k >= PRODUCTS {
            p.parent_asin = Some(parent_asin());
        }
        p.offers.push(if out_of_stock(k, step) {
            Offer::new(None, Availability::OutOfStock)
        } else {
            Offer::new(
                Some(Money::from_minor(price(k, step), Currency::INR)),
                Availability::InStock,
            )
        });
        p
    }
}

#[async_trait]
impl ProductSource for SimSource {
    fn name(&self) -> &str {
        "simulation"
    }

    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        assert!(request.asins.len() <= 10, "at most 10 ASINs per call");
        let step = step_of(self.clock.now());
        let mut batch = ItemsBatch::default();
        for a in &request.asins {
            let k: u64 = a.as_str()[5..].parse().unwrap();
            if fails(k, step) {
                batch.errors.push(ItemError {
                    asin: *a,
                    kind: ItemErrorKind::Other,
                    code: "Throttled".to_owned(),
                    message: "simulated failure".to_owned(),
                });
            } else {
                batch.items.push(self.product(k, step));
            }
        }
        Ok(batch)
    }

    async fn search_items(&self, _: &SearchRequest) -> Result<SearchPage, SourceError> {
        Err(SourceError::invalid("the simulation has no search"))
    }

    async fn get_variations(&self, _: &VariationsRequest) -> Result<VariationFamily, SourceError> {
        Err(SourceError::invalid(
            "the simulation has no variations call",
        ))
    }

    async fn get_browse_nodes(
        &self,
        _: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        Err(SourceError::invalid("the simulation has no browse nodes"))
    }
}

/// Records every delivery it is asked to make (repeats included).
#[derive(Debug, Default)]
struct Recorder {
    seen: Mutex<Vec<Notification>>,
}

#[async_trait]
impl Notifier for Recorder {
    fn channel(&self) -> &str {
        "terminal"
    }

    async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
        self.seen.lock().unwrap().push(n.clone());
        Ok(())
    }
}

// --- the watches ---

#[derive(Debug, Clone)]
struct Planned {
    target_k: Option<u64>, // None: the family
    rules: Vec<AlertRule>,
    baseline: Option<i64>,
    state: WatchState,
}

fn inr(minor: i64) -> Money {
    Money::from_minor(minor, Currency::INR)
}

fn plan(n: u64) -> Planned {
    let (target_k, b) = if n < 480 {
        (Some(n % PRODUCTS), base(n % PRODUCTS))
    } else {
        (None, base(PRODUCTS))
    };
    let rules = match n % 7 {
        0 => vec![AlertRule::TargetPrice {
            at_or_below: inr(b * 88 / 100),
        }],
        1 => vec![AlertRule::DropFromBaseline { bps: 1_000 }],
        2 => vec![AlertRule::DropSinceLastAlert {
            amount: Some(inr(b / 20)),
            bps: None,
        }],
        3 => vec![AlertRule::LowestInDays { days: 7 }],
        4 => vec![AlertRule::AllTimeLow, AlertRule::BackInStock],
        5 => vec![AlertRule::PriceIncrease { bps: 1_500 }],
        _ => vec![
            AlertRule::TargetPrice {
                at_or_below: inr(b * 95 / 100),
            },
            AlertRule::LowestInDays { days: 3 },
        ],
    };
    let state = if n.is_multiple_of(50) {
        WatchState::Snoozed {
            until: t0() + Duration::days(10),
        }
    } else if n.is_multiple_of(77) {
        WatchState::Paused
    } else {
        WatchState::Active
    };
    Planned {
        target_k,
        rules,
        baseline: (n % 7 == 1 && n.is_multiple_of(2)).then_some(b),
        state,
    }
}

const WATCHES: u64 = 500;

// --- the independent expectation ---

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Firing {
    watch: i64,
    rule: usize,
    asin: Asin,
    step: i64,
}

/// One percent of `x`, rounded half away from zero (the hysteresis margin).
fn one_percent(x: i64) -> i64 {
    (x * 100 + 5_000) / 10_000
}

fn expected(watch_id: i64, p: &Planned) -> Vec<Firing> {
    let ks: Vec<u64> = match p.target_k {
        Some(k) => vec![k],
        None => (PRODUCTS..PRODUCTS + CHILDREN).collect(),
    };
    let mut out = Vec::new();
    for k in ks {
        // (step, price if known, in stock?) of every successful fetch so far.
        let mut seen: Vec<(i64, Option<i64>, bool)> = Vec::new();
        let n = p.rules.len();
        let mut armed = vec![true; n];
        let mut level: Vec<Option<i64>> = vec![None; n];
        let mut reference: Vec<Option<i64>> = vec![None; n];
        for step in 0..STEPS {
            if fails(k, step) {
                continue;
            }
            let oos = out_of_stock(k, step);
            let now_price = (!oos).then(|| price(k, step));
            let live = match p.state {
                WatchState::Active => true,
                WatchState::Paused => false,
                WatchState::Snoozed { until } => at(step) >= until,
                _ => unreachable!(),
            };
            let first_known = seen
                .iter()
                .find(|(_, pr, _)| pr.is_some())
                .map(|(s, _, _)| *s);
            if live {
                for (r, rule) in p.rules.iter().enumerate() {
                    let fired = match (rule, now_price) {
                        (AlertRule::TargetPrice { at_or_below }, Some(q)) => {
                            let tgt = at_or_below.minor();
                            if !armed[r] && q > tgt + one_percent(tgt) {
                                armed[r] = true;
                            }
                            if armed[r] && q <= tgt {
                                armed[r] = false;
                                true
                            } else {
                                false
                            }
                        }
                        (AlertRule::DropFromBaseline { bps }, Some(q)) => {
                            if reference[r].is_none() {
                                reference[r] = Some(q);
                            }
                            let b = p.baseline.or(reference[r]).unwrap();
                            let lvl = b - (b * i64::from(*bps) + 5_000) / 10_000;
                            if !armed[r] && q > lvl + one_percent(lvl) {
                                armed[r] = true;
                            }
                            if armed[r] && q <= lvl {
                                armed[r] = false;
                                true
                            } else {
                                false
                            }
                        }
                        (AlertRule::DropSinceLastAlert { amount, .. }, Some(q)) => {
                            match reference[r] {
                                None => {
                                    reference[r] = Some(q);
                                    false
                                }
                                Some(refp) if refp - q >= amount.unwrap().minor() => {
                                    reference[r] = Some(q);
                                    true
                                }
                                Some(_) => false,
                            }
                        }
                        (AlertRule::LowestInDays { days }, Some(q)) => {
                            // Only claimed once the known history reaches back the window.
                            let from = step - i64::from(*days) * 24 / STEP_HOURS;
                            let covered = first_known.is_some_and(|f| f <= from);
                            let low = seen
                                .iter()
                                .filter(|(s, _, _)| *s >= from)
                                .filter_map(|(_, pr, _)| *pr)
                                .min()
                                .filter(|_| covered);
                            low_rule(&mut armed[r], &mut level[r], q, low)
                        }
                        (AlertRule::AllTimeLow, Some(q)) => {
                            // Only after two weeks of known history.
                            let covered =
                                first_known.is_some_and(|f| f <= step - 14 * 24 / STEP_HOURS);
                            let low = seen
                                .iter()
                                .filter_map(|(_, pr, _)| *pr)
                                .min()
                                .filter(|_| covered);
                            low_rule(&mut armed[r], &mut level[r], q, low)
                        }
                        (AlertRule::BackInStock, _) => {
                            !oos && seen.last().is_some_and(|(_, _, in_stock)| !in_stock)
                        }
                        (AlertRule::PriceIncrease { bps }, Some(q)) => match reference[r] {
                            None => {
                                reference[r] = Some(q);
                                false
                            }
                            Some(low) if q < low => {
                                reference[r] = Some(q);
                                false
                            }
                            Some(low) if q > low + (low * i64::from(*bps) + 5_000) / 10_000 => {
                                reference[r] = Some(q);
                                true
                            }
                            Some(_) => false,
                        },
                        _ => false,
                    };
                    if fired {
                        out.push(Firing {
                            watch: watch_id,
                            rule: r,
                            asin: asin_of(k),
                            step,
                        });
                    }
                }
            }
            seen.push((step, now_price, !oos));
        }
    }
    out
}

fn low_rule(armed: &mut bool, level: &mut Option<i64>, q: i64, low: Option<i64>) -> bool {
    if !*armed && level.is_some_and(|l| q > l + one_percent(l)) {
        *armed = true;
    }
    if *armed && low.is_some_and(|l| q < l) {
        *armed = false;
        *level = Some(q);
        true
    } else {
        false
    }
}

// --- the run ---

async fn simulate(store: Arc<dyn Store>) {
    let clock = ManualClock::new(t0() - Duration::hours(1));
    let source = Arc::new(SimSource {
        clock: clock.clone(),
    });

    // The family as the front-end saves it when the family watch is made.
    let children: Vec<Product> = (PRODUCTS..PRODUCTS + CHILDREN)
        .map(|k| {
            let mut p = Product::new(asin_of(k), IN, format!("child {k}"), clock.now());
            p.parent_asin = Some(parent_asin());
            p
        })
        .collect();
    store
        .upsert_variations(
            IN,
            &VariationFamily {
                parent_asin: parent_asin(),
                dimensions: vec!["color_name".to_owned()],
                items: children,
                variation_count: CHILDREN as u32,
                price_range: None,
            },
        )
        .await
        .unwrap();

    let mut users = Vec::new();
    for u in 0..50 {
        let user = store
            .upsert_user(
                &NewUser {
                    identity: ExternalIdentity::new("sim", format!("user-{u}")),
                    display_name: None,
                    settings: UserSettings::default(),
                },
                clock.now(),
            )
            .await
            .unwrap();
        users.push(user.id);
    }
    let mut plans: BTreeMap<i64, Planned> = BTreeMap::new();
    for n in 0..WATCHES {
        let p = plan(n);
        let target = match p.target_k {
            Some(k) => WatchTarget::Product {
                marketplace: IN,
                asin: asin_of(k),
            },
            None => WatchTarget::Family {
                marketplace: IN,
                parent_asin: parent_asin(),
            },
        };
        let mut w = store
            .create_watch(
                &NewWatch {
                    user_id: users[(n % 50) as usize],
                    target,
                    rules: p.rules.clone(),
                    baseline_price: p.baseline.map(inr),
                    label: None,
                },
                clock.now(),
            )
            .await
            .unwrap();
        if p.state != WatchState::Active {
            w.state = p.state;
            store.update_watch(&w).await.unwrap();
        }
        plans.insert(w.id.0, p);
    }

    let recorder = Arc::new(Recorder::default());
    let monitor = AlertStep::new(source, Arc::clone(&store), Arc::new(clock.clone()));
    let dispatcher = Dispatcher::new(
        Arc::clone(&store),
        vec![recorder.clone() as Arc<dyn Notifier>],
        Arc::new(clock.clone()),
    );
    for step in 0..STEPS {
        clock.set(at(step));
        let report = monitor.refresh_watched().await.unwrap();
        assert_eq!(
            report.fetched + report.unknown,
            (PRODUCTS + CHILDREN) as usize
        );
        assert!(
            report.source_calls <= 5,
            "40 + 3 ASINs fit in 5 calls of 10"
        );
        dispatcher.drain().await.unwrap();
    }

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

    let mut got: Vec<Firing> = seen
        .iter()
        .map(|n| {
            let rule: usize = n.alert.dedupe_key.split(':').nth(1).unwrap()[1..]
                .parse()
                .unwrap();
            Firing {
                watch: n.alert.watch_id.0,
                rule,
                asin: n.alert.asin,
                step: step_of(n.alert.triggered_at),
            }
        })
        .collect();
    got.sort();
    let mut want: Vec<Firing> = plans.iter().flat_map(|(id, p)| expected(*id, p)).collect();
    want.sort();

    let missing: Vec<_> = want.iter().filter(|f| !got.contains(f)).take(10).collect();
    let extra: Vec<_> = got.iter().filter(|f| !want.contains(f)).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );
    assert_eq!(got, want);

    // The simulation must exercise every rule kind, family children and the snooze.
    let kinds: std::collections::BTreeSet<String> = seen
        .iter()
        .map(|n| {
            serde_json::to_value(&n.alert.rule).unwrap()["rule"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(kinds.len(), 7, "every simulated rule kind fired: {kinds:?}");
    assert!(
        seen.iter().any(|n| n.alert.asin.as_str() >= "B0SIM00040"),
        "family children alerted"
    );
    assert!(
        want.len() > 500,
        "a meaningful number of alerts ({})",
        want.len()
    );
}

#[tokio::test]
async fn sixty_days_of_prices_fire_every_expected_alert_once_on_memory_store() {
    simulate(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_days_of_prices_fire_every_expected_alert_once_on_sqlite() {
    simulate(Arc::new(SqliteStore::open_in_memory().unwrap())).await;
}
