//! The rule engine: evaluates watches' rules against product observations.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::observation::ProductObservation;
use super::state::{RuleState, WatchRuleStates};
use crate::domain::{
    AlertRule, Asin, Availability, Bps, Marketplace, Money, Product, Watch, WatchId, WatchTarget,
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

impl Fired {
    /// A firing of a price rule (subject to the minimum-change control).
    fn price(message: String) -> Self {
        Self {
            message,
            price_rule: true,
        }
    }

    /// A firing of a rule about something other than the price.
    fn other(message: String) -> Self {
        Self {
            message,
            price_rule: false,
        }
    }
}

/// `DropSinceLastAlert`: the price fell by `amount` or by `bps` since the last firing (or
/// the first price seen).
fn drop_since_last_alert(
    amount: Option<Money>,
    bps: Option<u32>,
    st: &mut RuleState,
    obs: &ProductObservation,
) -> Option<Fired> {
    let p = obs.price?;
    let Some(r) = st.reference.filter(|r| same_currency(*r, p)) else {
        st.reference = Some(p);
        return None;
    };
    let by_amount = amount.is_some_and(|a| {
        same_currency(a, p) && r.minor() - p.minor() >= a.minor() && a.minor() > 0
    });
    let by_share =
        bps.is_some_and(|b| b > 0 && p.discount_bps(r).is_some_and(|d| d >= i64::from(b)));
    if by_amount || by_share {
        st.reference = Some(p);
        Some(Fired::price(format!(
            "{}: price fell to {p} from {r}",
            obs.asin
        )))
    } else {
        None
    }
}

/// `BackInStock`: buyable again after the last known state was out of stock.
fn back_in_stock(obs: &ProductObservation) -> Option<Fired> {
    (obs.availability.is_buyable() && obs.last_known_availability == Availability::OutOfStock)
        .then(|| Fired::other(format!("{}: back in stock", obs.asin)))
}

/// `PriceIncrease`: the price rose `bps` above the lowest price since the last firing.
fn price_increase(bps: u32, st: &mut RuleState, obs: &ProductObservation) -> Option<Fired> {
    let p = obs.price?;
    let Some(low) = st.reference.filter(|r| same_currency(*r, p)) else {
        st.reference = Some(p);
        return None;
    };
    if p.minor() < low.minor() {
        st.reference = Some(p);
        return None;
    }
    if p.minor() > above(low, bps) {
        st.reference = Some(p);
        Some(Fired::price(format!(
            "{}: price rose to {p} from {low}",
            obs.asin
        )))
    } else {
        None
    }
}

/// `LightningDealStarted`: a lightning deal not seen before is running.
fn lightning_deal_started(st: &mut RuleState, obs: &ProductObservation) -> Option<Fired> {
    if obs.price.is_none() && !obs.availability.is_known() {
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
    Some(Fired::other(match obs.price {
        Some(p) => format!("{}: lightning deal started at {p}", obs.asin),
        None => format!("{}: lightning deal started", obs.asin),
    }))
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

    /// Evaluates one rule: each kind of rule has its own function below.
    fn rule(
        &self,
        watch: &Watch,
        rule: &AlertRule,
        st: &mut RuleState,
        obs: &ProductObservation,
    ) -> Option<Fired> {
        match rule {
            AlertRule::TargetPrice { at_or_below } => self.target_price(*at_or_below, st, obs),
            AlertRule::DropFromBaseline { bps } => self.drop_from_baseline(watch, *bps, st, obs),
            AlertRule::DropSinceLastAlert { amount, bps } => {
                drop_since_last_alert(*amount, *bps, st, obs)
            }
            AlertRule::LowestInDays { days } => self.lowest_in_days(*days, st, obs),
            AlertRule::AllTimeLow => self.all_time_low(st, obs),
            AlertRule::BackInStock => back_in_stock(obs),
            AlertRule::PriceIncrease { bps } => price_increase(*bps, st, obs),
            AlertRule::DealScoreAtLeast { score } => self.deal_score_at_least(*score, st, obs),
            AlertRule::LightningDealStarted => lightning_deal_started(st, obs),
            // Rules added later are not evaluated by this engine version.
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// `TargetPrice`: the price is at or below the target (re-arms on a rebound above it).
    fn target_price(
        &self,
        at_or_below: Money,
        st: &mut RuleState,
        obs: &ProductObservation,
    ) -> Option<Fired> {
        let p = obs.price.filter(|p| same_currency(*p, at_or_below))?;
        let hit = p.minor() <= at_or_below.minor();
        self.threshold(st, obs.at, p, hit, at_or_below).then(|| {
            Fired::price(format!(
                "{}: price fell to {p} (target {at_or_below})",
                obs.asin
            ))
        })
    }

    /// `DropFromBaseline`: the price is `bps` below the watch's baseline (or, without one,
    /// the first price seen).
    fn drop_from_baseline(
        &self,
        watch: &Watch,
        bps: u32,
        st: &mut RuleState,
        obs: &ProductObservation,
    ) -> Option<Fired> {
        let p = obs.price?;
        if st.reference.is_none() {
            st.reference = Some(p);
        }
        let base = watch.baseline_price.or(st.reference)?;
        if !same_currency(base, p) {
            return None;
        }
        let level = Money::from_minor(
            base.minor() - base.percent_bps(i64::from(bps)).minor(),
            base.currency(),
        );
        let hit = p.minor() <= level.minor();
        self.threshold(st, obs.at, p, hit, level).then(|| {
            Fired::price(format!(
                "{}: price fell to {p}, {} below {base}",
                obs.asin,
                Bps(p.discount_bps(base).unwrap_or(0))
            ))
        })
    }

    /// `LowestInDays`: the price is below every price of the last `days` days.
    fn lowest_in_days(
        &self,
        days: u32,
        st: &mut RuleState,
        obs: &ProductObservation,
    ) -> Option<Fired> {
        let p = obs.price?;
        let low = obs.lowest_in_days(days).filter(|l| same_currency(*l, p));
        let hit = low.is_some_and(|l| p.minor() < l.minor());
        self.threshold(st, obs.at, p, hit, p).then(|| {
            Fired::price(format!(
                "{}: {p} is the lowest price in {days} days",
                obs.asin
            ))
        })
    }

    /// `AllTimeLow`: the price is below every price seen before.
    fn all_time_low(&self, st: &mut RuleState, obs: &ProductObservation) -> Option<Fired> {
        let p = obs.price?;
        let low = obs.all_time_low_before.filter(|l| same_currency(*l, p));
        let hit = low.is_some_and(|l| p.minor() < l.minor());
        self.threshold(st, obs.at, p, hit, p)
            .then(|| Fired::price(format!("{}: {p} is an all-time low", obs.asin)))
    }

    /// `DealScoreAtLeast`: the deal score reaches `score` (re-arms when it falls below).
    fn deal_score_at_least(
        &self,
        score: u8,
        st: &mut RuleState,
        obs: &ProductObservation,
    ) -> Option<Fired> {
        let s = obs.deal_score.as_ref()?.score;
        self.maybe_rearm(st, obs.at, s < score);
        if st.armed && s >= score {
            st.armed = false;
            Some(Fired::other(format!(
                "{}: deal score {s} (at least {score})",
                obs.asin
            )))
        } else {
            None
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
                card: None,
            });
        }
        true
    }

    /// Evaluates many watches against many observations on `threads` threads.
    ///
    /// `states[i]` belongs to `watches[i]` and `index` must be built from `watches`.
    /// Observations of one product are applied in slice order (give them in time order). Each
    /// thread owns a contiguous range of watches, so no locks are taken; alerts come back
    /// grouped by thread (watch range), in no further guaranteed order.
    ///
    /// Two strategies, picked by size: when the observations cover a large share of the
    /// indexed products, each thread walks its watches **in memory order** and looks up the
    /// observations of each watch's product (sequential access to a million watches is what
    /// keeps this fast); otherwise it walks the observations and visits the watches the index
    /// lists for each.
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
        let scan = observations.len().saturating_mul(4) >= index.len();
        let by_product = if scan {
            observations_by_product(observations)
        } else {
            HashMap::default()
        };
        let run = |lo: usize, states: &mut [WatchRuleStates]| {
            let hi = lo + states.len();
            let mut out = Vec::new();
            if scan {
                for (w, st) in watches[lo..hi].iter().zip(states.iter_mut()) {
                    let key = (w.target.marketplace(), w.target.asin());
                    if let Some(list) = by_product.get(&key) {
                        for &o in list {
                            self.evaluate(w, &observations[o], st, &mut out);
                        }
                    }
                }
                return out;
            }
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

/// A fast hasher for (marketplace, ASIN) keys: FNV-1a over the written bytes. Keys come from
/// our own data, not from an attacker choosing collisions.
#[derive(Debug, Clone, Copy, Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

type KeyMap<V> = HashMap<(Marketplace, Asin), V, std::hash::BuildHasherDefault<KeyHasher>>;

/// Observation positions by the product key a watch would name: the product itself and, for
/// a variation, its parent (for family watches).
fn observations_by_product(observations: &[ProductObservation]) -> KeyMap<Vec<usize>> {
    let mut map: KeyMap<Vec<usize>> = KeyMap::default();
    map.reserve(observations.len());
    for (i, o) in observations.iter().enumerate() {
        map.entry((o.marketplace, o.asin)).or_default().push(i);
        if let Some(p) = o.parent_asin.filter(|p| *p != o.asin) {
            map.entry((o.marketplace, p)).or_default().push(i);
        }
    }
    map
}

/// Watches by the product they follow, for [`RuleEngine::evaluate_batch`].
#[derive(Debug, Clone, Default)]
pub struct WatchIndex {
    by_target: KeyMap<Vec<u32>>,
}

impl WatchIndex {
    /// Indexes `watches` by target (product ASIN or family parent ASIN).
    pub fn new(watches: &[Watch]) -> Self {
        let mut by_target: KeyMap<Vec<u32>> = KeyMap::default();
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::alerts::LightningDeal;
    use crate::domain::{Currency, UserId, WatchState};
    use crate::ports::{DealScore, DealVerdict};

    fn asin(s: &str) -> Asin {
        s.parse().unwrap()
    }

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn inr(rupees: i64) -> Money {
        Money::from_major(rupees, Currency::INR)
    }

    fn watch(rules: Vec<AlertRule>) -> Watch {
        Watch {
            id: WatchId(1),
            user_id: UserId(1),
            target: WatchTarget::Product {
                marketplace: Marketplace::India,
                asin: asin("B0CX59H5W7"),
            },
            rules,
            state: WatchState::Active,
            baseline_price: None,
            label: None,
            created_at: t(0),
            updated_at: t(0),
        }
    }

    fn obs(h: i64, price: Option<i64>, availability: Availability) -> ProductObservation {
        let mut o = ProductObservation::new(Marketplace::India, asin("B0CX59H5W7"), t(h));
        o.price = price.map(inr);
        o.availability = availability;
        o
    }

    /// Runs observations through one watch; returns the hours at which alerts fired.
    fn run(engine: RuleEngine, w: &Watch, seq: Vec<ProductObservation>) -> Vec<i64> {
        let mut states = WatchRuleStates::new(w.id);
        let mut out = Vec::new();
        for o in &seq {
            engine.evaluate(w, o, &mut states, &mut out);
        }
        out.iter()
            .map(|a| (a.triggered_at - t(0)).num_hours())
            .collect()
    }

    #[test]
    fn drop_from_baseline_measures_from_the_first_price_and_says_the_share_in_bps() {
        let w = watch(vec![AlertRule::DropFromBaseline { bps: 1_000 }]);
        let mut states = WatchRuleStates::new(w.id);
        let mut out = Vec::new();
        let engine = RuleEngine::default();
        for (h, price) in [(0, 1_000), (1, 950), (2, 875), (3, 870)] {
            engine.evaluate(
                &w,
                &obs(h, Some(price), Availability::InStock),
                &mut states,
                &mut out,
            );
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].triggered_at, t(2));
        assert!(
            out[0].message.ends_with("12.5% below ₹1,000"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn price_increase_measures_from_the_lowest_price_since_the_last_firing() {
        let w = watch(vec![AlertRule::PriceIncrease { bps: 1_000 }]);
        let seq = [
            (0, 1_000),
            (1, 900),
            (2, 980),
            (3, 1_000),
            (4, 1_050),
            (5, 1_160),
        ]
        .iter()
        .map(|(h, p)| obs(*h, Some(*p), Availability::InStock))
        .collect();
        // The low of 900 becomes the reference: 980 is under 10 % above it, 1,000 is over
        // (fires, and 1,000 becomes the reference); 1,050 is under 10 % above that, 1,160 over.
        assert_eq!(run(RuleEngine::default(), &w, seq), vec![3, 5]);
    }

    #[test]
    fn lowest_and_all_time_low_need_a_price_below_the_known_lows() {
        let rules = vec![AlertRule::AllTimeLow, AlertRule::LowestInDays { days: 30 }];
        let w = watch(rules);
        let mut o = obs(0, Some(900), Availability::InStock);
        o.all_time_low_before = Some(inr(950));
        let mut states = WatchRuleStates::new(w.id);
        let mut out = Vec::new();
        RuleEngine::default().evaluate(&w, &o, &mut states, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            out[0].message.ends_with("is an all-time low"),
            "{}",
            out[0].message
        );
        let mut o = obs(1, Some(960), Availability::InStock);
        o.all_time_low_before = Some(inr(900));
        out.clear();
        RuleEngine::default().evaluate(&w, &o, &mut states, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn target_price_rearms_only_above_the_hysteresis_margin() {
        let w = watch(vec![AlertRule::TargetPrice {
            at_or_below: inr(1_000),
        }]);
        let prices = [1_100, 990, 980, 1_005, 995, 1_011, 1_000, 999];
        let seq = prices
            .iter()
            .enumerate()
            .map(|(h, p)| obs(h as i64, Some(*p), Availability::InStock))
            .collect();
        // Fires at 990; 1,005 is inside the 1 % margin (≤ 1,010) so 995 stays quiet; 1,011
        // re-arms and 1,000 fires.
        assert_eq!(run(RuleEngine::default(), &w, seq), [1, 6]);
    }

    #[test]
    fn cooldown_rearms_without_a_rebound() {
        let w = watch(vec![AlertRule::TargetPrice {
            at_or_below: inr(1_000),
        }]);
        let engine = RuleEngine::new(NoiseControl {
            cooldown: Some(Duration::hours(24)),
            ..NoiseControl::default()
        });
        let seq = [0, 12, 24, 30]
            .iter()
            .map(|h| obs(*h, Some(900), Availability::InStock))
            .collect();
        assert_eq!(run(engine, &w, seq), [0, 24]);
    }

    #[test]
    fn unknown_price_and_stock_never_trigger_or_overwrite() {
        let w = watch(vec![
            AlertRule::BackInStock,
            AlertRule::DropSinceLastAlert {
                amount: Some(inr(100)),
                bps: None,
            },
        ]);
        let mut states = WatchRuleStates::new(w.id);
        let mut out = Vec::new();
        let engine = RuleEngine::default();
        let mut first = obs(0, Some(1_000), Availability::OutOfStock);
        first.last_known_availability = Availability::InStock;
        engine.evaluate(&w, &first, &mut states, &mut out);
        // A failed fetch: nothing fires, the reference price stays 1,000.
        let mut unknown = obs(1, None, Availability::Unknown);
        unknown.last_known_availability = Availability::OutOfStock;
        engine.evaluate(&w, &unknown, &mut states, &mut out);
        assert!(out.is_empty());
        let reference = states.for_asin(w.target.asin()).unwrap().rules[1].reference;
        assert_eq!(reference, Some(inr(1_000)));
        // Back in stock after the unknown: compared with the last *known* state.
        let mut back = obs(2, Some(880), Availability::InStock);
        back.last_known_availability = Availability::OutOfStock;
        engine.evaluate(&w, &back, &mut states, &mut out);
        let keys: Vec<_> = out.iter().map(|a| a.dedupe_key.as_str()).collect();
        assert_eq!(keys, ["w1:r0:B0CX59H5W7:e1", "w1:r1:B0CX59H5W7:e1"]);
    }

    #[test]
    fn repeated_or_older_observations_are_ignored() {
        let w = watch(vec![AlertRule::TargetPrice {
            at_or_below: inr(1_000),
        }]);
        let seq = vec![
            obs(5, Some(1_200), Availability::InStock),
            obs(5, Some(900), Availability::InStock),
            obs(4, Some(900), Availability::InStock),
            obs(6, Some(900), Availability::InStock),
        ];
        assert_eq!(run(RuleEngine::default(), &w, seq), [6]);
    }

    #[test]
    fn snoozed_and_paused_watches_stay_quiet() {
        let mut w = watch(vec![AlertRule::TargetPrice {
            at_or_below: inr(1_000),
        }]);
        w.state = WatchState::Snoozed { until: t(3) };
        let seq = (0..5)
            .map(|h| obs(h, Some(900), Availability::InStock))
            .collect();
        assert_eq!(run(RuleEngine::default(), &w, seq), [3]);
        w.state = WatchState::Paused;
        let seq = (0..5)
            .map(|h| obs(h, Some(900), Availability::InStock))
            .collect();
        assert_eq!(run(RuleEngine::default(), &w, seq), Vec::<i64>::new());
    }

    #[test]
    fn minimum_change_suppresses_near_repeats_but_consumes_the_trigger() {
        let w = watch(vec![AlertRule::DropSinceLastAlert {
            amount: Some(inr(10)),
            bps: None,
        }]);
        let engine = RuleEngine::new(NoiseControl {
            min_change_bps: 500,
            ..NoiseControl::default()
        });
        // 1,000 → 900 (alert at 900) → 880 (fires, but < 5 % from 900: suppressed) → 800.
        let seq = [1_000, 900, 880, 800]
            .iter()
            .enumerate()
            .map(|(h, p)| obs(h as i64, Some(*p), Availability::InStock))
            .collect();
        assert_eq!(run(engine, &w, seq), [1, 3]);
    }

    #[test]
    fn family_watches_keep_state_per_child() {
        let parent = asin("B0PARENT01");
        let mut w = watch(vec![AlertRule::TargetPrice {
            at_or_below: inr(1_000),
        }]);
        w.target = WatchTarget::Family {
            marketplace: Marketplace::India,
            parent_asin: parent,
        };
        let mut states = WatchRuleStates::new(w.id);
        let mut out = Vec::new();
        for (h, child) in [(0, "B0CHILD001"), (0, "B0CHILD002"), (1, "B0CHILD001")] {
            let mut o = obs(h, Some(900), Availability::InStock);
            o.asin = asin(child);
            o.parent_asin = Some(parent);
            RuleEngine::default().evaluate(&w, &o, &mut states, &mut out);
        }
        let mut stranger = obs(2, Some(900), Availability::InStock);
        stranger.asin = asin("B0STRANGER");
        assert!(!RuleEngine::default().evaluate(&w, &stranger, &mut states, &mut out));
        let keys: Vec<_> = out.iter().map(|a| a.dedupe_key.as_str()).collect();
        assert_eq!(keys, ["w1:r0:B0CHILD001:e1", "w1:r0:B0CHILD002:e1"]);
    }

    #[test]
    fn lightning_deals_alert_once_per_deal_and_survive_failed_fetches() {
        let w = watch(vec![AlertRule::LightningDealStarted]);
        let deal = |start: i64| {
            Some(LightningDeal {
                starts_at: Some(t(start)),
                ends_at: Some(t(start + 6)),
                percent_claimed: None,
            })
        };
        let mut seq = Vec::new();
        for (h, d) in [
            (0, None),
            (1, deal(1)),
            (2, deal(1)),
            (4, deal(1)),
            (8, None),
            (9, deal(9)),
        ] {
            let mut o = obs(h, Some(900), Availability::InStock);
            o.lightning_deal = d;
            seq.push(o);
        }
        seq.insert(3, obs(3, None, Availability::Unknown));
        assert_eq!(run(RuleEngine::default(), &w, seq), [1, 9]);
    }

    #[test]
    fn deal_score_rearms_when_the_score_drops_below() {
        let w = watch(vec![AlertRule::DealScoreAtLeast { score: 80 }]);
        let seq = [85, 90, 70, 81]
            .iter()
            .enumerate()
            .map(|(h, s)| {
                let mut o = obs(h as i64, Some(900), Availability::InStock);
                o.deal_score = Some(DealScore {
                    score: *s,
                    verdict: DealVerdict::GoodDeal,
                    parts: Vec::new(),
                });
                o
            })
            .collect();
        assert_eq!(run(RuleEngine::default(), &w, seq), [0, 3]);
    }

    #[test]
    fn batch_evaluation_on_two_threads_matches_one_thread() {
        let watches: Vec<Watch> = (0..200)
            .map(|i| {
                let mut w = watch(vec![AlertRule::TargetPrice {
                    at_or_below: inr(1_000 + i),
                }]);
                w.id = WatchId(i + 1);
                w
            })
            .collect();
        let index = WatchIndex::new(&watches);
        let seq: Vec<_> = [1_300, 1_050, 1_300, 990]
            .iter()
            .enumerate()
            .map(|(h, p)| obs(h as i64, Some(*p), Availability::InStock))
            .collect();
        let engine = RuleEngine::default();
        let mut one: Vec<_> = watches.iter().map(|w| WatchRuleStates::new(w.id)).collect();
        let mut two = one.clone();
        let keys = |alerts: Vec<NewAlert>| {
            let mut k: Vec<String> = alerts.into_iter().map(|a| a.dedupe_key).collect();
            k.sort();
            k
        };
        let a = keys(engine.evaluate_batch(&watches, &mut one, &index, &seq, 1));
        let b = keys(engine.evaluate_batch(&watches, &mut two, &index, &seq, 2));
        assert!(a == b, "the same alerts on one and two threads");
        assert!(one == two, "the same states on one and two threads");
        assert_eq!(
            a.len(),
            150 + 200,
            "50..200 fire at 1,050, then all 200 at 990"
        );
    }

    #[test]
    fn batch_evaluation_uses_the_index_for_few_updates_and_agrees_with_a_plain_loop() {
        let asins: Vec<Asin> = (0..50).map(|i| asin(&format!("B0IDX{i:05}"))).collect();
        let watches: Vec<Watch> = (0..200)
            .map(|i| {
                let mut w = watch(vec![AlertRule::TargetPrice {
                    at_or_below: inr(1_000),
                }]);
                w.id = WatchId(i + 1);
                w.target = WatchTarget::Product {
                    marketplace: Marketplace::India,
                    asin: asins[(i % 50) as usize],
                };
                w
            })
            .collect();
        let index = WatchIndex::new(&watches);
        let mut o = obs(1, Some(900), Availability::InStock);
        o.asin = asins[7];
        let seq = vec![o];
        let engine = RuleEngine::default();
        let mut plain: Vec<_> = watches.iter().map(|w| WatchRuleStates::new(w.id)).collect();
        let mut expected = Vec::new();
        for (w, st) in watches.iter().zip(plain.iter_mut()) {
            engine.evaluate(w, &seq[0], st, &mut expected);
        }
        for threads in [1, 2] {
            let mut states: Vec<_> = watches.iter().map(|w| WatchRuleStates::new(w.id)).collect();
            let got = engine.evaluate_batch(&watches, &mut states, &index, &seq, threads);
            assert!(got == expected, "{threads} thread(s)");
            assert!(states == plain, "{threads} thread(s)");
        }
        assert_eq!(
            expected.len(),
            4,
            "watches 8, 58, 108 and 158 follow product 7"
        );
    }
}
