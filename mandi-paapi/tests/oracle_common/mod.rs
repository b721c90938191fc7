//! Shared by the oracle proofs: a recording notifier and the independent expectation of
//! which alerts a watch must fire over a series of observations, written straight from the
//! rule definitions in `mandi_core::alerts::engine` (not by calling the engine).

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mandi_core::{
    AlertRule, Asin, Availability, Currency, ExternalIdentity, Money, NewUser, Notification,
    Notifier, NotifyError, Store, UserId, UserSettings, WatchState,
};
use mandi_paapi::sandbox::{EventKind, Oracle};

/// `count` users `<network>:user-<n>` with default settings, created at `at`, in order.
pub async fn seed_users(
    store: &dyn Store,
    network: &str,
    count: u64,
    at: DateTime<Utc>,
) -> Vec<UserId> {
    let mut users = Vec::new();
    for u in 0..count {
        let user = store
            .upsert_user(
                &NewUser {
                    identity: ExternalIdentity::new(network, format!("user-{u}")),
                    display_name: None,
                    settings: UserSettings::default(),
                },
                at,
            )
            .await
            .unwrap();
        users.push(user.id);
    }
    users
}

/// Records every delivery it is asked to make (repeats included).
#[derive(Debug, Default)]
pub struct Recorder {
    pub seen: Mutex<Vec<Notification>>,
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

/// A watch as planned by the test.
#[derive(Debug, Clone)]
pub struct Planned {
    pub asin: Asin,
    pub rules: Vec<AlertRule>,
    pub baseline: Option<i64>,
    pub state: WatchState,
}

/// One observation as the oracle says it must be: when, price (unknown while out of stock or
/// when the fetch failed) and stock (`Unknown` for a failed fetch).
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub at: DateTime<Utc>,
    pub price: Option<i64>,
    pub availability: Availability,
}

/// One alert: which watch, which of its rules, which product, when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Firing {
    pub watch: i64,
    pub rule: usize,
    pub asin: Asin,
    pub at: DateTime<Utc>,
}

impl Firing {
    /// The firing a delivered notification stands for.
    pub fn of(n: &Notification) -> Self {
        let rule: usize = n.alert.dedupe_key.split(':').nth(1).unwrap()[1..]
            .parse()
            .unwrap();
        Firing {
            watch: n.alert.watch_id.0,
            rule,
            asin: n.alert.asin,
            at: n.alert.triggered_at,
        }
    }
}

/// `bps` basis points of `v`, rounded half away from zero (prices are positive here).
pub fn bps_of(v: i64, bps: i64) -> i64 {
    (v * bps + 5_000) / 10_000
}

/// In stock or orderable before release.
pub fn buyable(a: Availability) -> bool {
    matches!(a, Availability::InStock | Availability::Preorder)
}

/// The firings of one watch over the observation series of its product (in time order).
pub fn expected(watch: i64, p: &Planned, series: &[Seen]) -> Vec<Firing> {
    let n = p.rules.len();
    let mut armed = vec![true; n];
    let mut level: Vec<Option<i64>> = vec![None; n];
    let mut reference: Vec<Option<i64>> = vec![None; n];
    let mut last_known: Option<Availability> = None;
    let mut out = Vec::new();
    for s in series {
        let live = match p.state {
            WatchState::Active => true,
            WatchState::Paused => false,
            WatchState::Snoozed { until } => s.at >= until,
            _ => unreachable!(),
        };
        if live && s.availability != Availability::Unknown {
            for (r, rule) in p.rules.iter().enumerate() {
                let fired = match (rule, s.price) {
                    (AlertRule::TargetPrice { at_or_below }, Some(q)) => {
                        let tgt = at_or_below.minor();
                        threshold(&mut armed[r], &mut level[r], q, q <= tgt, tgt)
                    }
                    (AlertRule::DropFromBaseline { bps }, Some(q)) => {
                        if reference[r].is_none() {
                            reference[r] = Some(q);
                        }
                        let b = p.baseline.or(reference[r]).unwrap();
                        let lvl = b - bps_of(b, i64::from(*bps));
                        threshold(&mut armed[r], &mut level[r], q, q <= lvl, lvl)
                    }
                    (AlertRule::BackInStock, _) => {
                        buyable(s.availability) && last_known == Some(Availability::OutOfStock)
                    }
                    _ => false,
                };
                if fired {
                    out.push(Firing {
                        watch,
                        rule: r,
                        asin: p.asin,
                        at: s.at,
                    });
                }
            }
        }
        if s.availability != Availability::Unknown {
            last_known = Some(s.availability);
        }
    }
    out
}

/// Fires when armed and hit (then disarms at `lvl`); re-arms once the price is above the last
/// trigger level by more than 1 %.
fn threshold(armed: &mut bool, level: &mut Option<i64>, q: i64, hit: bool, lvl: i64) -> bool {
    if !*armed && level.is_some_and(|l| q > l + bps_of(l, 100)) {
        *armed = true;
    }
    if *armed && hit {
        *armed = false;
        *level = Some(lvl);
        true
    } else {
        false
    }
}

/// `count` products on sale at `start`: half of them with a restock between `start` and `end`
/// (so back-in-stock is exercised), the rest spread evenly over the catalogue.
pub fn pick_products(
    oracle: &Oracle,
    start: DateTime<Utc>,
    count: usize,
    end: DateTime<Utc>,
) -> Vec<Asin> {
    let all: Vec<Asin> = oracle
        .catalog()
        .asins()
        .filter(|a| oracle.offer(*a, start).is_some())
        .collect();
    let mut picked: BTreeSet<Asin> = all
        .iter()
        .copied()
        .filter(|a| {
            oracle
                .events(*a, start, end)
                .iter()
                .any(|e| matches!(e.kind, EventKind::Restock))
        })
        .take(count / 2)
        .collect();
    let stride = (all.len() / count.max(1)).max(1);
    for a in all.iter().step_by(stride) {
        if picked.len() >= count {
            break;
        }
        picked.insert(*a);
    }
    picked.into_iter().collect()
}

/// The value of the environment variable `name` (how a run is scaled up by hand), or
/// `default` when it is unset or unreadable.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `minor` paise.
pub fn inr(minor: i64) -> Money {
    Money::from_minor(minor, Currency::INR)
}
