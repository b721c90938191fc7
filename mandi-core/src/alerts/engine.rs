//! The rule engine: evaluates watches' rules against product observations.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::observation::ProductObservation;
use super::state::{RuleState, WatchRuleStates};
use crate::domain::{
    AlertRule, Asin, Availability, Marketplace, Money, Product, Watch, WatchId, WatchTarget,
};
use crate::ports::store::NewAlert;

/// Noise controls shared by every rule.
///
/// * **Hysteresis**: a threshold rule (target price, drop from baseline, lowest in N days,
///   all-time low) that fired stays quiet until the price has gone back *above* the level it
///   fired at by more than `hysteresis_bps` basis points; a deal-score rule until the score
///   fell below its minimum.
/// * **Cool-down**: when set, such a rule also re-arms once this long has passed since it
///   fired.
/// * **Minimum change**: a price alert is not sent when the price differs from the price of the
///   last alert sent for the same watch and product by less than `min_change_bps` basis points
///   (the rule still counts as fired, so it does not fire again at the next update).
///
/// Snoozes and pauses come from [`WatchState`](crate::WatchState); quiet hours, digests and
/// daily caps are applied at delivery time by the [`Dispatcher`](super::Dispatcher).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NoiseControl {
    /// The re-arm margin above the trigger level, in basis points (100 = 1 %).
    pub hysteresis_bps: u32,
    /// Re-arm after this long even without a rebound; `None`: only by hysteresis.
    pub cooldown: Option<Duration>,
    /// The smallest price change worth a message, in basis points (0: every change).
    pub min_change_bps: u32,
}

impl Default for NoiseControl {
    fn default() -> Self {
        Self {
            hysteresis_bps: 100,
            cooldown: None,
            min_change_bps: 0,
        }
    }
}

/// The dedupe key of the `epoch`-th firing of rule `rule_index` of `watch` on `asin`:
/// `w<watch>:r<rule>:<asin>:e<epoch>`.
///
/// # Examples
///
/// ```
/// use mandi_core::WatchId;
/// use mandi_core::alerts::dedupe_key;
/// let asin = "B0CX59H5W7".parse()?;
/// assert_eq!(dedupe_key(WatchId(7), 0, asin, 1), "w7:r0:B0CX59H5W7:e1");
/// # Ok::<(), mandi_core::AsinError>(())
/// ```
pub fn dedupe_key(watch: WatchId, rule_index: usize, asin: Asin, epoch: u32) -> String {
    format!("w{}:r{rule_index}:{asin}:e{epoch}", watch.0)
}

/// Evaluates alert rules. Pure: no I/O, no clock (time comes with the observation).
///
/// # Rules
///
/// With `p` the observed price (rules needing a price skip observations without one, and
/// never compare amounts of different currencies):
///
/// | rule | fires when | then |
/// | --- | --- | --- |
/// | target price `T` | armed and `p ≤ T` | disarmed until `p > T` + hysteresis |
/// | drop from baseline `b` bps | armed and `p ≤ B − b·B` (`B` the watch's baseline, else the first price seen) | as above, at that level |
/// | drop since last alert | `R − p ≥ X` or the drop ≥ `Y` bps, `R` the price at the last alert (first: the first price seen) | `R = p` |
/// | lowest in N days | armed and `p` < every known price of the N days before | disarmed until `p` > that low + hysteresis |
/// | all-time low | armed and `p` < every known price before | as above |
/// | back in stock | now in stock (or pre-order) and the last *known* availability was out of stock | — |
/// | price increase `b` bps | `p > L + b·L`, `L` the lowest price since the last alert (first: since first seen) | `L = p` |
/// | deal score ≥ S | armed and score ≥ S | disarmed until the score < S |
/// | lightning deal started | a lightning deal runs that was not running (or has a new start time) | — |
///
/// `Availability::Unknown` and unknown prices never trigger anything and never replace a known
/// value. Paused watches and watches snoozed at the observation's time are skipped. An
/// observation no newer than the last one evaluated for the watch and product is ignored, so
/// evaluation is idempotent.
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use mandi_core::alerts::{ProductObservation, RuleEngine, WatchRuleStates};
/// use mandi_core::*;
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let at = Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap();
/// let watch = Watch {
///     id: WatchId(1),
///     user_id: UserId(1),
///     target: WatchTarget::Product { marketplace: Marketplace::India, asin },
///     rules: vec![AlertRule::TargetPrice { at_or_below: Money::from_major(55_000, Currency::INR) }],
///     state: WatchState::Active,
///     baseline_price: None,
///     label: None,
///     created_at: at,
///     updated_at: at,
/// };
/// let mut obs = ProductObservation::new(Marketplace::India, asin, at);
/// obs.price = Some(Money::from_major(54_999, Currency::INR));
/// obs.availability = Availability::InStock;
/// let mut states = WatchRuleStates::new(watch.id);
/// let mut alerts = Vec::new();
/// RuleEngine::default().evaluate(&watch, &obs, &mut states, &mut alerts);
/// assert_eq!(alerts.len(), 1);
/// assert_eq!(alerts[0].dedupe_key, "w1:r0:B0CX59H5W7:e1");
/// # Ok::<(), AsinError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleEngine {
    /// The noise controls.
    pub noise: NoiseControl,
}

fn same_currency(a: Money, b: Money) -> bool {
    a.currency() == b.currency()
}

/// `level` plus `bps` basis points of it.
fn above(level: Money, bps: u32) -> i64 {
    level
        .minor()
        .saturating_add(level.percent_bps(i64::from(bps)).minor())
}

fn follows_asin(watch: &Watch, m: Marketplace, asin: Asin, parent: Option<Asin>) -> bool {
    match watch.target {
        WatchTarget::Product {
            marketplace,
            asin: a,
        } => marketplace == m && a == asin,
        WatchTarget::Family {
            marketplace,
            parent_asin,
        } => marketplace == m && (parent_asin == asin || parent == Some(parent_asin)),
    }
}

/// What a rule's match produces.
struct Fired {
    message: String,
    price_rule: bool,
}

impl RuleEngine {
    /// An engine with these noise controls.
    pub fn new(noise: NoiseControl) -> Self {
        Self { noise }
    }

    fn maybe_rearm(&self, st: &mut RuleState, at: DateTime<Utc>, rebound: bool) {
        if st.armed {
            return;
        }
        let cooled = self
            .noise
            .cooldown
            .is_some_and(|cd| st.last_fired_at.is_some_and(|t| at - t >= cd));
        if cooled || rebound {
            st.armed = true;
        }
    }

    /// Re-arms by rebound above the trigger level, then fires when armed and `hit`.
    fn threshold(
        &self,
        st: &mut RuleState,
        at: DateTime<Utc>,
        p: Money,
        hit: bool,
        level: Money,
    ) -> bool {
        let rebound = st.trigger_level.is_some_and(|l| {
            same_currency(l, p) && p.minor() > above(l, self.noise.hysteresis_bps)
        });
        self.maybe_rearm(st, at, rebound);
        if st.armed && hit {
            st.armed = false;
            st.trigger_level = Some(level);
            true
        } else {
            false
        }
    }

    fn rule(
        &self,
        watch: &Watch,
        rule: &AlertRule,
        st: &mut RuleState,
        obs: &ProductObservation,
    ) -> Option<Fired> {
        let at = obs.at;
        let price = obs.price;
        let price_fired = |message: String| {
            Some(Fired {
                message,
                price_rule: true,
            })
        };
        match rule {
            AlertRule::TargetPrice { at_or_below } => {
                let p = price.filter(|p| same_currency(*p, *at_or_below))?;
                let hit = p.minor() <= at_or_below.minor();
                self.threshold(st, at, p, hit, *at_or_below)
                    .then(|| format!("{}: price fell to {p} (target {at_or_below})", obs.asin))
                    .and_then(price_fired)
            }
            AlertRule::DropFromBaseline { bps } => {
                let p = price?;
                if st.reference.is_none() {
                    st.reference = Some(p);
                }
                let base = watch.baseline_price.or(st.reference)?;
                if !same_currency(base, p) {
                    return None;
                }
                let level = Money::from_minor(
                    base.minor() - base.percent_bps(i64::from(*bps)).minor(),
                    base.currency(),
                );
                let hit = p.minor() <= level.minor();
                self.threshold(st, at, p, hit, level)
                    .then(|| {
                        format!(
                            "{}: price fell to {p}, {:.1} % below {base}",
                            obs.asin,
                            p.discount_bps(base).unwrap_or(0) as f64 / 100.0
                        )
                    })
                    .and_then(price_fired)
            }
            AlertRule::DropSinceLastAlert { amount, bps } => {
                let p = price?;
                let Some(r) = st.reference.filter(|r| same_currency(*r, p)) else {
                    st.reference = Some(p);
                    return None;
                };
                let by_amount = amount.is_some_and(|a| {
                    same_currency(a, p) && r.minor() - p.minor() >= a.minor() && a.minor() > 0
                });
                let by_share = bps
                    .is_some_and(|b| b > 0 && p.discount_bps(r).is_some_and(|d| d >= i64::from(b)));
                if by_amount || by_share {
                    st.reference = Some(p);
                    price_fired(format!("{}: price fell to {p} from {r}", obs.asin))
                } else {
                    None
                }
            }
            AlertRule::LowestInDays { days } => {
                let p = price?;
                let low = obs.lowest_in_days(*days).filter(|l| same_currency(*l, p));
                let hit = low.is_some_and(|l| p.minor() < l.minor());
                self.threshold(st, at, p, hit, p)
                    .then(|| format!("{}: {p} is the lowest price in {days} days", obs.asin))
                    .and_then(price_fired)
            }
            AlertRule::AllTimeLow => {
                let p = price?;
                let low = obs.all_time_low_before.filter(|l| same_currency(*l, p));
                let hit = low.is_some_and(|l| p.minor() < l.minor());
                self.threshold(st, at, p, hit, p)
                    .then(|| format!("{}: {p} is an all-time low", obs.asin))
                    .and_then(price_fired)
            }
            AlertRule::BackInStock => (obs.availability.is_buyable()
                && obs.last_known_availability == Availability::OutOfStock)
                .then(|| Fired {
                    message: format!("{}: back in stock", obs.asin),
                    price_rule: false,
                }),
            AlertRule::PriceIncrease { bps } => {
                let p = price?;
                let Some(low) = st.reference.filter(|r| same_currency(*r, p)) else {
                    st.reference = Some(p);
                    return None;
                };
                if p.minor() < low.minor() {
                    st.reference = Some(p);
                    return None;
                }
                if p.minor() > above(low, *bps) {
                    st.reference = Some(p);
                    price_fired(format!("{}: price rose to {p} from {low}", obs.asin))
                } else {
                    None
                }
            }
            AlertRule::DealScoreAtLeast { score } => {
                let s = obs.deal_score.as_ref()?.score;
                self.maybe_rearm(st, at, s < *score);
                if st.armed && s >= *score {
                    st.armed = false;
                    Some(Fired {
                        message: format!("{}: deal score {s} (at least {score})", obs.asin),
                        price_rule: false,
                    })
                } else {
                    None
                }
            }
            AlertRule::LightningDealStarted => {
                if price.is_none() && !obs.availability.is_known() {
                    return None; // a failed fetch says nothing about deals
                }
                let deal = obs.lightning_deal.as_ref();
                let was_active = st.deal_active;
                st.deal_active = deal.is_some();
                let deal = deal?;
                let new = match deal.starts_at {
                    Some(s) => Some(s) != st.last_deal_start,
                    None => !was_active,
                };
                if !new {
                    return None;
                }
                st.last_deal_start = deal.starts_at;
                Some(Fired {
                    message: match price {
                        Some(p) => format!("{}: lightning deal started at {p}", obs.asin),
                        None => format!("{}: lightning deal started", obs.asin),
                    },
                    price_rule: false,
                })
            }
            // Rules added later are not evaluated by this engine version.
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// True when `watch` follows the observed product.
    pub fn follows(watch: &Watch, obs: &ProductObservation) -> bool {
        follows_asin(watch, obs.marketplace, obs.asin, obs.parent_asin)
    }

    /// True when `watch` follows `product` (itself, or the family it belongs to).
    pub fn follows_product(watch: &Watch, product: &Product) -> bool {
        follows_asin(
            watch,
            product.marketplace,
            product.asin,
            product.parent_asin,
        )
    }

    /// Evaluates every rule of `watch` against `obs`, updating `states` and appending the
    /// alerts that fire to `out`. Returns true when `states` changed (and must be saved).
    ///
    /// Family watches keep one set of rule states per child ASIN.
    pub fn evaluate(
        &self,
        watch: &Watch,
        obs: &ProductObservation,
        states: &mut WatchRuleStates,
        out: &mut Vec<NewAlert>,
    ) -> bool {
        if !watch.state.is_live_at(obs.at) || !Self::follows(watch, obs) {
            return false;
        }
        let ps = states.for_asin_mut(obs.asin, watch.rules.len());
        if ps.last_observed_at.is_some_and(|t| obs.at <= t) {
            return false;
        }
        ps.last_observed_at = Some(obs.at);
        for (i, rule) in watch.rules.iter().enumerate() {
            let st = &mut ps.rules[i];
            let Some(fired) = self.rule(watch, rule, st, obs) else {
                continue;
            };
            st.epoch = st.epoch.saturating_add(1);
            st.last_fired_at = Some(obs.at);
            st.last_fired_price = obs.price;
            let epoch = st.epoch;
            if fired.price_rule
                && self.noise.min_change_bps > 0
                && let (Some(last), Some(p)) = (ps.last_alert_price, obs.price)
                && same_currency(last, p)
                && (i128::from(p.minor()) - i128::from(last.minor())).abs() * 10_000
                    < i128::from(last.minor()) * i128::from(self.noise.min_change_bps)
            {
                continue;
            }
            if obs.price.is_some() {
                ps.last_alert_price = obs.price;
            }
            out.push(NewAlert {
                user_id: watch.user_id,
                watch_id: watch.id,
                marketplace: obs.marketplace,
                asin: obs.asin,
                rule: rule.clone(),
                price: obs.price,
                previous_price: obs.previous_price,
                availability: obs.availability,
                message: fired.message,
                triggered_at: obs.at,
                dedupe_key: dedupe_key(watch.id, i, obs.asin, epoch),
            });
        }
        true
    }

    /// Evaluates many watches against many observations on `threads` threads.
    ///
    /// `states[i]` belongs to `watches[i]` and `index` must be built from `watches`.
    /// Observations are applied in slice order (give each product's in time order). Each
    /// thread owns a contiguous range of watches, so no locks are taken; alerts come back in
    /// watch-range order, then observation order.
    ///
    /// # Panics
    ///
    /// When `states` and `watches` differ in length.
    pub fn evaluate_batch(
        &self,
        watches: &[Watch],
        states: &mut [WatchRuleStates],
        index: &WatchIndex,
        observations: &[ProductObservation],
        threads: usize,
    ) -> Vec<NewAlert> {
        assert_eq!(watches.len(), states.len(), "one rule state per watch");
        let threads = threads.max(1);
        let chunk = watches.len().div_ceil(threads).max(1);
        let run = |lo: usize, states: &mut [WatchRuleStates]| {
            let hi = lo + states.len();
            let mut out = Vec::new();
            for obs in observations {
                for list in index.lists(obs) {
                    let from = list.partition_point(|&i| (i as usize) < lo);
                    for &i in &list[from..] {
                        let i = i as usize;
                        if i >= hi {
                            break;
                        }
                        self.evaluate(&watches[i], obs, &mut states[i - lo], &mut out);
                    }
                }
            }
            out
        };
        if threads == 1 {
            return run(0, states);
        }
        std::thread::scope(|s| {
            let handles: Vec<_> = states
                .chunks_mut(chunk)
                .enumerate()
                .map(|(n, part)| {
                    let run = &run;
                    s.spawn(move || run(n * chunk, part))
                })
                .collect();
            let mut all = Vec::new();
            for h in handles {
                match h.join() {
                    Ok(part) => all.extend(part),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            all
        })
    }
}

/// Watches by the product they follow, for [`RuleEngine::evaluate_batch`].
#[derive(Debug, Clone, Default)]
pub struct WatchIndex {
    by_target: HashMap<(Marketplace, Asin), Vec<u32>>,
}

impl WatchIndex {
    /// Indexes `watches` by target (product ASIN or family parent ASIN).
    pub fn new(watches: &[Watch]) -> Self {
        let mut by_target: HashMap<(Marketplace, Asin), Vec<u32>> = HashMap::new();
        for (i, w) in watches.iter().enumerate() {
            by_target
                .entry((w.target.marketplace(), w.target.asin()))
                .or_default()
                .push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        Self { by_target }
    }

    /// The sorted watch positions that may follow the observed product: those on its ASIN and
    /// those on its parent.
    fn lists<'a>(&'a self, obs: &ProductObservation) -> impl Iterator<Item = &'a [u32]> + 'a {
        let own = self.by_target.get(&(obs.marketplace, obs.asin));
        let parent = obs
            .parent_asin
            .filter(|p| *p != obs.asin)
            .and_then(|p| self.by_target.get(&(obs.marketplace, p)));
        own.into_iter().chain(parent).map(Vec::as_slice)
    }

    /// How many products are indexed.
    pub fn len(&self) -> usize {
        self.by_target.len()
    }

    /// True when no watch is indexed.
    pub fn is_empty(&self) -> bool {
        self.by_target.is_empty()
    }
}
