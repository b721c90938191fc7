//! What the rule engine remembers between price updates, per watch and rule (serialisable so
//! the store can persist it in the same transaction as the alerts it produced).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Asin, Money, WatchId};

/// The memory of one rule of one watch for one product.
///
/// `epoch` counts the rule's firings and is part of every dedupe key it produces, so it must
/// only ever grow: reset a rule with [`RuleState::rearm`], never by replacing the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleState {
    /// True when the rule may fire at its next match.
    pub armed: bool,
    /// The level the rule last fired at (target, baseline threshold, low); the price must rise
    /// above it by the hysteresis margin to re-arm.
    pub trigger_level: Option<Money>,
    /// When the rule last fired (the observation's time).
    pub last_fired_at: Option<DateTime<Utc>>,
    /// The price it last fired at.
    pub last_fired_price: Option<Money>,
    /// How many times it has fired; part of the dedupe key.
    pub epoch: u32,
    /// Reference price of "drop since last alert", "price increase" and, when the watch has no
    /// baseline, "drop from baseline".
    pub reference: Option<Money>,
    /// The start (or identity) of the last lightning deal alerted.
    pub last_deal_start: Option<DateTime<Utc>>,
    /// True when the previous observation had a running lightning deal.
    pub deal_active: bool,
}

impl Default for RuleState {
    fn default() -> Self {
        Self {
            armed: true,
            trigger_level: None,
            last_fired_at: None,
            last_fired_price: None,
            epoch: 0,
            reference: None,
            last_deal_start: None,
            deal_active: false,
        }
    }
}

impl RuleState {
    /// Forgets everything but the epoch (so later dedupe keys stay unique), for a rule that was
    /// edited.
    pub fn rearm(&mut self) {
        *self = Self {
            epoch: self.epoch,
            ..Self::default()
        };
    }
}

/// The rule states of one watch for one product (a family watch has one per child seen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsinRuleStates {
    /// The product.
    pub asin: Asin,
    /// The newest observation evaluated; older or equal ones are ignored (idempotence).
    pub last_observed_at: Option<DateTime<Utc>>,
    /// One state per rule, in the watch's rule order.
    pub rules: Vec<RuleState>,
    /// The price of the last alert (of any rule) sent for this product, for the
    /// "minimum change worth a message" filter.
    #[serde(default)]
    pub last_alert_price: Option<Money>,
}

/// Everything the engine remembers for one watch.
///
/// # Examples
///
/// ```
/// use mandi_core::WatchId;
/// use mandi_core::alerts::WatchRuleStates;
/// let states = WatchRuleStates::new(WatchId(7));
/// let json = serde_json::to_string(&states)?;
/// assert_eq!(serde_json::from_str::<WatchRuleStates>(&json)?, states);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchRuleStates {
    /// The watch.
    pub watch_id: WatchId,
    /// Per product observed (one for a product watch).
    pub products: Vec<AsinRuleStates>,
}

impl WatchRuleStates {
    /// Empty states for a watch: every rule armed.
    pub fn new(watch_id: WatchId) -> Self {
        Self {
            watch_id,
            products: Vec::new(),
        }
    }

    /// The states for `asin`, if it was ever observed.
    pub fn for_asin(&self, asin: Asin) -> Option<&AsinRuleStates> {
        self.products.iter().find(|p| p.asin == asin)
    }

    /// The states for `asin`, created on first use and sized to `rules` rules.
    pub fn for_asin_mut(&mut self, asin: Asin, rules: usize) -> &mut AsinRuleStates {
        let idx = match self.products.iter().position(|p| p.asin == asin) {
            Some(i) => i,
            None => {
                self.products.push(AsinRuleStates {
                    asin,
                    last_observed_at: None,
                    rules: Vec::new(),
                    last_alert_price: None,
                });
                self.products.len() - 1
            }
        };
        let entry = &mut self.products[idx];
        if entry.rules.len() < rules {
            entry.rules.resize_with(rules, RuleState::default);
        }
        entry
    }

    /// Re-arms every rule (after the watch's rules were edited), keeping epochs.
    pub fn rearm_all(&mut self) {
        for p in &mut self.products {
            p.rules.iter_mut().for_each(RuleState::rearm);
        }
    }
}
