//! Watches, alert rules and exactly-once alert delivery.
//!
//! The pieces, in the order a price travels through them:
//!
//! 1. [`ProductObservation`]: what the rules need to know about one product at one moment,
//!    built **once** per price update from the product and its history and shared by every
//!    watch on it.
//! 2. [`RuleEngine`]: evaluates a watch's [`AlertRule`](crate::AlertRule)s against an
//!    observation with the watch's [`WatchRuleStates`], applying the noise controls
//!    ([`NoiseControl`]: hysteresis, cool-down, minimum change) and producing
//!    [`NewAlert`](crate::NewAlert)s with stable dedupe keys. Pure and allocation-free when
//!    nothing fires; [`WatchIndex`] and [`RuleEngine::evaluate_batch`] evaluate a million
//!    watches on two threads.
//! 3. [`AlertStep`]: one pass of monitoring — fetch products (≤ 10 ASINs per call), build
//!    observations, evaluate, and write product, rule states, alerts and outbox rows through
//!    [`Store::apply_update`](crate::Store::apply_update) in **one transaction**.
//! 4. [`Dispatcher`]: delivers due outbox rows through a [`Notifier`](crate::Notifier),
//!    honouring quiet hours, daily digests and daily caps, retrying failures with
//!    exponential backoff and jitter and marking rows dead (never dropping them) after too
//!    many attempts or a permanent error.
//! 5. Notifiers: [`notify::TerminalNotifier`], [`notify::JsonLinesNotifier`] and (feature
//!    `webhook`) `notify::WebhookNotifier`.
//!
//! # Why an alert is delivered exactly once
//!
//! *Never lost.* An alert exists only together with its outbox rows and the rule state that
//! fired it: all three are written in one transaction, so a crash either keeps all of them or
//! none (and then the same observation is evaluated again on the next run and fires again with
//! the same dedupe key). An outbox row leaves the `pending` state only through `mark_sent`
//! (after the notifier accepted it) or `mark_dead` (kept for review, after
//! [`RetryPolicy::max_attempts`] or a permanent error). A claimed row whose claimer crashed comes
//! due again when its lease runs out.
//!
//! *Never repeated.* The engine gives each firing a dedupe key `w<watch>:r<rule>:<asin>:e<epoch>`
//! whose epoch only grows and is stored with the rule state in the same transaction as the
//! alert; re-applying an update finds the key and creates nothing. Delivery is at-least-once
//! (claim → deliver → mark sent: a crash between the last two delivers again), and every
//! delivery carries the outbox row's idempotency key (`<dedupe key>/<channel>`), which the
//! receiver uses to drop repeats: the JSON-lines notifier remembers the keys in its file, the
//! webhook receiver gets them in the `Idempotency-Key` header. At-least-once delivery plus
//! receiver-side dedupe is exactly-once as the user sees it.

pub mod card;
mod dispatch;
mod engine;
pub mod notify;
mod observation;
mod state;
mod step;

pub use dispatch::{DeliveryPolicy, DispatchReport, Dispatcher, RetryPolicy};
pub use engine::{NoiseControl, RuleEngine, WatchIndex, dedupe_key};
pub use observation::{
    LightningDeal, MIN_HISTORY_FOR_ALL_TIME_LOW, ProductObservation, lowest_in_window,
};
pub use state::{AsinRuleStates, RuleState, WatchRuleStates};
pub use step::{AlertStep, AlertStepError, RefreshReport};
