//! The `Store` port: everything Mandi keeps — products, price history, users, watches,
//! alerts and their outbox, API usage. SQLite is the default adapter; an in-memory store
//! serves tests and embedding; Postgres comes later as another adapter running the same
//! contract tests.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::alerts::WatchRuleStates;
use crate::domain::{
    ActivityFacts, ApiKey, ApiKeyId, BulkItem, BulkJob, BulkJobId, KeyUsage, NewApiKey, NewBulkJob,
};
use crate::domain::{AdminSession, NewWebhook, Webhook, WebhookId};
use crate::domain::{AffiliateClick, AffiliateOrder, ClickTarget, ClickTargetId, NewClickTarget};
use crate::domain::{
    Alert, AlertId, AlertRule, Asin, Availability, BrowseNode, ExternalIdentity, Marketplace,
    Money, NewUser, NewWatch, OfferKind, OutboxEntry, PricePoint, Product, User, UserId,
    VariationFamily, Watch, WatchId,
};
use crate::domain::{
    GroupPost, GroupSubscription, NewSharedDeal, Referral, SharedDeal, SharedDealId,
    SharedDealQuery, Vote,
};

/// Errors any `Store` adapter may return.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No row for this key (or it belongs to another user); callers branch on it.
    #[error("no {what} with id {id}")]
    NotFound {
        /// What was looked for (`watch`, `user`).
        what: &'static str,
        /// The key.
        id: String,
    },
    /// The write would break a uniqueness rule.
    #[error("{what} already exists: {detail}")]
    Conflict {
        /// What clashed.
        what: &'static str,
        /// Details.
        detail: String,
    },
    /// The data handed to the store is not acceptable (nothing was written).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was rejected.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The database was written by a newer Mandi; it was not touched.
    #[error(
        "the database is at schema version {found}, newer than the {supported} this Mandi knows; \
         upgrade Mandi or point it at another database (nothing was changed)"
    )]
    SchemaTooNew {
        /// The schema version found.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// Stored data could not be read back (a corrupt or hand-edited row).
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Details.
        detail: String,
    },
    /// The backend failed; the operation may be retried.
    #[error("storage backend failed: {message}")]
    Backend {
        /// A short description.
        message: String,
        /// The driver's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl StoreError {
    /// True when the same operation may succeed if retried (a busy or locked database).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Backend { .. })
    }

    /// True for [`StoreError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which slice of a product's price history to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// Only this offer kind (`None`: every kind).
    pub offer_kind: Option<OfferKind>,
    /// From this moment, inclusive.
    pub since: Option<DateTime<Utc>>,
    /// Until this moment, exclusive.
    pub until: Option<DateTime<Utc>>,
}

impl HistoryQuery {
    /// All buy-box history of a product.
    pub fn buy_box(marketplace: Marketplace, asin: Asin) -> Self {
        Self {
            marketplace,
            asin,
            offer_kind: Some(OfferKind::BuyBox),
            since: None,
            until: None,
        }
    }
}

/// A search someone ran, kept for analytics and suggestions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchLog {
    /// Who searched, if known.
    pub user_id: Option<UserId>,
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The query text.
    pub query: String,
    /// How many results came back.
    pub result_count: u32,
    /// When.
    pub at: DateTime<Utc>,
}

/// API calls made to a source, for quota accounting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUsage {
    /// The source (`creators`, `paapi5`, `sandbox`).
    pub source: String,
    /// The operation (`getItems`).
    pub operation: String,
    /// When the call was made.
    pub at: DateTime<Utc>,
    /// How many items it carried.
    pub items: u32,
    /// True when it succeeded.
    pub ok: bool,
}

/// Totals of API usage for one source on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApiUsageTotals {
    /// Calls made.
    pub calls: u32,
    /// Calls that failed.
    pub failed: u32,
    /// Items carried.
    pub items: u32,
}

/// A product being watched, with how many watches follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchedProduct {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The ASIN (a parent ASIN for a family watch).
    pub asin: Asin,
    /// Active watches on it.
    pub watchers: u32,
}

/// An alert the rule engine produced, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAlert {
    /// The user it is for (the watch's owner).
    pub user_id: UserId,
    /// The watch that fired.
    pub watch_id: WatchId,
    /// The product's marketplace.
    pub marketplace: Marketplace,
    /// The product that triggered it (a child ASIN for a family watch).
    pub asin: Asin,
    /// The rule that fired.
    pub rule: AlertRule,
    /// The price that triggered it, when known.
    pub price: Option<Money>,
    /// The last known price before, when known.
    pub previous_price: Option<Money>,
    /// Stock at that moment.
    pub availability: Availability,
    /// A human summary.
    pub message: String,
    /// When the observation that fired it was made.
    pub triggered_at: DateTime<Utc>,
    /// Unique per (watch, rule, product, epoch): the same trigger never makes two alerts.
    pub dedupe_key: String,
    /// What the alert's card shows (MRP, 90-day average, deal score), computed once by the
    /// alert step; stored with the alert.
    #[serde(default)]
    pub card: Option<crate::domain::AlertCard>,
}

/// Everything one price update writes, in **one transaction**: the product as fetched (or
/// gap points for a failed fetch), the rule states it changed, the alerts it fired and one
/// outbox row per alert and channel.
///
/// Applying the same update twice creates nothing new: alerts are unique by dedupe key (a
/// known key is skipped with its outbox rows), price points by time, and an older copy of a
/// product never replaces a newer one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PriceUpdate {
    /// The product as fetched; `None` for a failed fetch (nothing known is overwritten).
    pub product: Option<Product>,
    /// Extra price points (e.g. an unknown-price gap point for a failed fetch).
    pub points: Vec<PricePoint>,
    /// The rule states of the watches evaluated (whole rows, replacing the stored ones).
    pub rule_states: Vec<WatchRuleStates>,
    /// The alerts fired.
    pub alerts: Vec<NewAlert>,
    /// The channels each alert is delivered through (one outbox row per alert and channel).
    pub channels: Vec<String>,
    /// A suspect observation to hold in quarantine instead of recording it (see
    /// [`crate::quality`]): stored with status pending, it adds no price point, replaces no
    /// product and fires nothing. With it, `product` must be `None` and `rule_states` and
    /// `alerts` empty. Holding the same observation (product, time) again changes nothing.
    #[serde(default)]
    pub quarantine: Option<NewQuarantine>,
    /// Settles pending quarantined observations: a confirmed one's points are recorded
    /// through `points` by the caller, a rejected one stays out of the history for good. A
    /// row already settled (or unknown) is left as it is.
    #[serde(default)]
    pub settle: Vec<Settlement>,
}

/// The id of a quarantined observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QuarantineId(pub i64);

impl std::fmt::Display for QuarantineId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a quarantined observation stands.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineStatus {
    /// Waiting for a second read.
    Pending,
    /// A second read agreed: the observation was real and joined the history.
    Confirmed,
    /// A second read disagreed: a glitch, kept out of every history.
    Rejected,
}

impl QuarantineStatus {
    /// A stable lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
        }
    }

    /// Parses [`QuarantineStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "confirmed" => Some(Self::Confirmed),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// A suspect observation to hold (see [`PriceUpdate::quarantine`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewQuarantine {
    /// The product as fetched (its `fetched_at` is the observation's time).
    pub product: Product,
    /// Why the guard held it.
    pub reason: crate::quality::SuspectReason,
}

/// A settled quarantine (see [`PriceUpdate::settle`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// The observation.
    pub id: QuarantineId,
    /// [`QuarantineStatus::Confirmed`] or [`QuarantineStatus::Rejected`].
    pub status: QuarantineStatus,
    /// When the second read settled it.
    pub at: DateTime<Utc>,
}

/// A stored quarantined observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedObservation {
    /// Its id.
    pub id: QuarantineId,
    /// The product as fetched.
    pub product: Product,
    /// Why it was held.
    pub reason: crate::quality::SuspectReason,
    /// Where it stands.
    pub status: QuarantineStatus,
    /// When it was settled, once it is.
    pub settled_at: Option<DateTime<Utc>>,
}

/// What [`Store::apply_update`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AppliedUpdate {
    /// The alerts created, in the update's order.
    pub created: Vec<AlertId>,
    /// Alerts skipped because their dedupe key was already stored.
    pub duplicates: usize,
    /// Alerts and states skipped because their watch no longer exists.
    pub orphans: usize,
    /// Price points added.
    pub points_added: usize,
}

/// Why a pending delivery is held back.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// The user's quiet hours; released when they end.
    QuietHours,
    /// The user reads a daily digest; released at digest time.
    Digest,
    /// The user's daily cap is reached; released on their next local day.
    DailyCap,
}

impl HoldReason {
    /// A stable lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::QuietHours => "quiet_hours",
            Self::Digest => "digest",
            Self::DailyCap => "daily_cap",
        }
    }

    /// Parses [`HoldReason::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "quiet_hours" => Some(Self::QuietHours),
            "digest" => Some(Self::Digest),
            "daily_cap" => Some(Self::DailyCap),
            _ => None,
        }
    }
}

/// An outbox row with the alert it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The outbox row.
    pub entry: OutboxEntry,
    /// The alert to deliver.
    pub alert: Alert,
    /// Why it is (or was last) held back, if it was.
    pub hold: Option<HoldReason>,
}

/// Running aggregates of one product's price history for one offer kind, kept by the store in
/// the same transaction as the points: what rules need about the past without reading it.
///
/// They survive retention (thinning old points never changes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PriceStats {
    /// When the first point with a known price was made.
    pub first_known_at: Option<DateTime<Utc>>,
    /// When the newest point (known or not) was made.
    pub last_at: Option<DateTime<Utc>>,
    /// The newest known price and when it was seen.
    pub last_price: Option<(DateTime<Utc>, Money)>,
    /// The newest known (not `Unknown`) availability and when it was seen.
    pub last_availability: Option<(DateTime<Utc>, Availability)>,
    /// The lowest known price ever recorded.
    pub low: Option<Money>,
    /// The highest known price ever recorded.
    pub high: Option<Money>,
}

impl PriceStats {
    /// Folds one more point in (points may come in any order).
    pub fn absorb(&mut self, p: &PricePoint) {
        self.last_at = Some(self.last_at.map_or(p.at, |t| t.max(p.at)));
        if let Some(m) = p.price {
            self.first_known_at = Some(self.first_known_at.map_or(p.at, |t| t.min(p.at)));
            if self.last_price.is_none_or(|(t, _)| p.at >= t) {
                self.last_price = Some((p.at, m));
            }
            if self.low.is_none_or(|l| m.minor() < l.minor()) {
                self.low = Some(m);
            }
            if self.high.is_none_or(|h| m.minor() > h.minor()) {
                self.high = Some(m);
            }
        }
        if p.availability.is_known() && self.last_availability.is_none_or(|(t, _)| p.at >= t) {
            self.last_availability = Some((p.at, p.availability));
        }
    }

    /// The aggregates of `points` (`None` when there are none).
    pub fn of<'a>(points: impl IntoIterator<Item = &'a PricePoint>) -> Option<Self> {
        let mut stats: Option<Self> = None;
        for p in points {
            stats.get_or_insert_with(Self::default).absorb(p);
        }
        stats
    }
}

/// One product's buy-box prices at a report's moments (the raw facts of a market report,
/// [`Store::market_snapshot`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketRow {
    /// The product.
    pub asin: Asin,
    /// Its first browse node (its leaf category), when known.
    pub category: Option<crate::domain::BrowseNodeRef>,
    /// The last known buy-box price at or before each moment asked for, in the same order;
    /// `None` where no price was known yet.
    pub prices: Vec<Option<Money>>,
    /// The lowest known buy-box price at or before the first moment.
    pub low_before: Option<Money>,
    /// The lowest known buy-box price after the first moment and at or before the last.
    pub low_during: Option<Money>,
}

/// A product watched by users who also watch some other products, and how many of them
/// ([`Store::co_watched`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoWatch {
    /// The product.
    pub asin: Asin,
    /// Distinct users with an active watch on it and on one of the products asked about.
    pub users: u32,
}

/// A user opening a product (a link followed from an alert, a search result or a
/// recommendation), what the user profile learns from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductClick {
    /// Who.
    pub user_id: UserId,
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// When.
    pub at: DateTime<Utc>,
}

/// Everything Mandi keeps.
///
/// Every method is scoped: watch methods take the user id and never touch another user's
/// rows (they answer [`StoreError::NotFound`] instead). Times are passed in (from the
/// `Clock` port); a store never reads the clock itself.
///
/// Front-ends do not call a store directly: they go through the library services
/// (`CatalogService`, `WatchService`, `MonitoringService`). A new adapter implements every
/// method and runs `store_contract!` (feature `test-util`).
///
/// # Example
///
/// ```no_run
/// use chrono::Utc;
/// use mandi_core::store::SqliteStore;
/// use mandi_core::{Asin, Marketplace, Product, Store};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let store = SqliteStore::open("mandi.db")?;
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// store.upsert_product(&Product::new(asin, Marketplace::India, "Phone", Utc::now())).await?;
/// let saved = store.get_product(Marketplace::India, asin).await?;
/// assert_eq!(saved.map(|p| p.title), Some("Phone".to_owned()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[async_trait]
pub trait Store: Send + Sync {
    // --- products and catalogue ---

    /// Saves a product as last seen (replacing the previous copy, offers included), its
    /// browse nodes and its price points, in one transaction.
    async fn upsert_product(&self, product: &Product) -> StoreResult<()>;

    /// The last saved copy of a product.
    async fn get_product(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> StoreResult<Option<Product>>;

    /// A product's review history in time order: its rating and review count each time a
    /// saved copy ([`Store::upsert_product`] and every batch save) had them different from
    /// the last kept observation.
    async fn review_history(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> StoreResult<Vec<crate::domain::ReviewObservation>>;

    /// Appends price points in one transaction. A point identical in (marketplace, ASIN,
    /// offer kind, time) to a stored one is skipped. Returns how many were added.
    async fn record_prices(&self, points: &[PricePoint]) -> StoreResult<usize>;

    /// Price history in time order.
    async fn price_history(&self, query: &HistoryQuery) -> StoreResult<Vec<PricePoint>>;

    /// Retention: among a product's stored points of one offer kind in `query`'s range,
    /// keeps only those made at the `keep` moments and deletes the rest, in one transaction.
    /// Returns how many were deleted. `query.offer_kind` must be set.
    async fn retain_history(
        &self,
        query: &HistoryQuery,
        keep: &[DateTime<Utc>],
    ) -> StoreResult<usize>;

    /// Saves browse nodes (with their ancestors and children).
    async fn upsert_browse_nodes(
        &self,
        marketplace: Marketplace,
        nodes: &[BrowseNode],
    ) -> StoreResult<()>;

    /// A saved browse node.
    async fn get_browse_node(
        &self,
        marketplace: Marketplace,
        id: &str,
    ) -> StoreResult<Option<BrowseNode>>;

    /// Saves a variation family: the parent↔child links and the children as products.
    async fn upsert_variations(
        &self,
        marketplace: Marketplace,
        family: &VariationFamily,
    ) -> StoreResult<()>;

    /// The child ASINs saved for a parent, in ASIN order.
    async fn variation_children(
        &self,
        marketplace: Marketplace,
        parent: Asin,
    ) -> StoreResult<Vec<Asin>>;

    /// Records a search query.
    async fn record_search(&self, log: &SearchLog) -> StoreResult<()>;

    /// The latest searches, newest first: one user's (`Some`) or everyone's (`None`).
    async fn recent_searches(
        &self,
        user: Option<UserId>,
        limit: usize,
    ) -> StoreResult<Vec<SearchLog>>;

    // --- users ---

    /// Finds the user with this identity, creating them when new.
    async fn upsert_user(&self, new: &NewUser, now: DateTime<Utc>) -> StoreResult<User>;

    /// A user by id.
    async fn get_user(&self, id: UserId) -> StoreResult<User>;

    /// A user by external identity.
    async fn find_user(&self, identity: &ExternalIdentity) -> StoreResult<Option<User>>;

    /// Saves a user's settings, display name and active flag.
    async fn update_user(&self, user: &User) -> StoreResult<()>;

    // --- watches ---

    /// Creates a watch.
    async fn create_watch(&self, new: &NewWatch, now: DateTime<Utc>) -> StoreResult<Watch>;

    /// One of a user's watches.
    async fn get_watch(&self, user: UserId, id: WatchId) -> StoreResult<Watch>;

    /// A user's watches, oldest first.
    async fn list_watches(&self, user: UserId) -> StoreResult<Vec<Watch>>;

    /// Saves a changed watch (rules, state, label); `watch.user_id` must own it.
    async fn update_watch(&self, watch: &Watch) -> StoreResult<()>;

    /// Deletes one of a user's watches.
    async fn delete_watch(&self, user: UserId, id: WatchId) -> StoreResult<()>;

    /// The user cannot be reached any more (they blocked the bot): every live (active or
    /// snoozed) watch of theirs is paused, and remembered as paused *for that reason*, so
    /// that [`Store::resume_unreachable`] can later resume exactly those. Watches already
    /// paused (deliberately, or by an earlier call) are left as they are. Returns the
    /// watches this call paused, in id order; an unknown user has none.
    ///
    /// A watch keeps the reason only while it stays paused: saving it through
    /// [`Store::update_watch`] in any other state forgets the reason.
    async fn pause_unreachable(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WatchId>>;

    /// The user's watches paused by [`Store::pause_unreachable`] and still paused for that
    /// reason, in id order.
    async fn paused_unreachable(&self, user: UserId) -> StoreResult<Vec<WatchId>>;

    /// Resumes (makes active) the watches [`Store::paused_unreachable`] names and forgets
    /// the reason; watches the user paused deliberately stay paused. Returns the watches
    /// resumed, in id order.
    async fn resume_unreachable(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WatchId>>;

    /// Every watch (of any user) whose target is this ASIN, or a family it belongs to.
    async fn watches_on(&self, marketplace: Marketplace, asin: Asin) -> StoreResult<Vec<Watch>>;

    /// The products under active watches, most watched first.
    async fn watched_products(&self) -> StoreResult<Vec<WatchedProduct>>;

    // --- alerts and their outbox ---

    /// Writes a price update in one transaction (see [`PriceUpdate`]); idempotent.
    async fn apply_update(&self, update: &PriceUpdate) -> StoreResult<AppliedUpdate>;

    /// The quarantined observations of these products of a marketplace (only the pending
    /// ones when `pending_only`), by ASIN then observation time.
    async fn quarantined(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
        pending_only: bool,
    ) -> StoreResult<Vec<QuarantinedObservation>>;

    /// The stored rule states of these watches (watches never evaluated are left out).
    async fn rule_states(&self, watches: &[WatchId]) -> StoreResult<Vec<WatchRuleStates>>;

    /// Claims up to `limit` pending deliveries due at `now` (oldest due first) by moving their
    /// next attempt to `now + lease`: a claimer that crashes before marking them lets them come
    /// due again after the lease (at-least-once; receivers dedupe by idempotency key).
    ///
    /// Only rows of the given `channels` are claimed (a dispatcher claims what its notifiers
    /// can deliver).
    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        channels: &[String],
        limit: usize,
        lease: chrono::Duration,
    ) -> StoreResult<Vec<Delivery>>;

    /// Marks a delivery sent at `at` (counted for the daily cap); a sent row is final.
    async fn mark_sent(&self, outbox_id: i64, at: DateTime<Utc>) -> StoreResult<()>;

    /// Records a failed attempt: one more attempt, the error, and the next try.
    async fn mark_failed(
        &self,
        outbox_id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()>;

    /// Gives up on a delivery (kept, status `dead`, for review), counting the attempt.
    async fn mark_dead(&self, outbox_id: i64, error: &str) -> StoreResult<()>;

    /// Holds a pending delivery back until `until` for `reason` (no attempt is counted).
    async fn hold_delivery(
        &self,
        outbox_id: i64,
        until: DateTime<Utc>,
        reason: HoldReason,
    ) -> StoreResult<()>;

    /// A user's pending deliveries still held back at `now`, soonest first.
    async fn held_deliveries(&self, user: UserId, now: DateTime<Utc>)
    -> StoreResult<Vec<Delivery>>;

    /// Makes a user's held deliveries due at `now`; returns how many.
    async fn release_held(&self, user: UserId, now: DateTime<Utc>) -> StoreResult<usize>;

    /// A user's alerts, newest first, `limit` from `offset`.
    async fn alert_history(
        &self,
        user: UserId,
        limit: usize,
        offset: usize,
    ) -> StoreResult<Vec<Alert>>;

    /// The alerts of one of a user's watches, newest first.
    async fn watch_alerts(&self, user: UserId, watch: WatchId) -> StoreResult<Vec<Alert>>;

    /// The outbox rows of one of a user's alerts.
    async fn alert_deliveries(&self, user: UserId, alert: AlertId)
    -> StoreResult<Vec<OutboxEntry>>;

    /// How many of a user's deliveries were marked sent in `[from, until)` (the caller gives
    /// the bounds of the user's local day).
    async fn count_sent(
        &self,
        user: UserId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<u32>;

    // --- API usage ---

    /// Records one API call.
    async fn record_api_usage(&self, usage: &ApiUsage) -> StoreResult<()>;

    /// Usage totals of a source on a UTC day.
    async fn api_usage(&self, source: &str, day: NaiveDate) -> StoreResult<ApiUsageTotals>;

    // --- discovery ---

    /// The saved products linked to any of these browse nodes in a marketplace, by ASIN,
    /// at most `limit` (categories, popular and trending products).
    async fn products_in_nodes(
        &self,
        marketplace: Marketplace,
        node_ids: &[String],
        limit: usize,
    ) -> StoreResult<Vec<Asin>>;

    // --- running aggregates and batched writes (issue 13) ---

    /// The running aggregates of a product's history for one offer kind (`None` when nothing
    /// was recorded). Kept up to date by every write that adds points.
    ///
    /// The default computes them from the whole history; adapters keep them instead.
    async fn price_stats(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        offer_kind: OfferKind,
    ) -> StoreResult<Option<PriceStats>> {
        let history = self
            .price_history(&HistoryQuery {
                marketplace,
                asin,
                offer_kind: Some(offer_kind),
                since: None,
                until: None,
            })
            .await?;
        Ok(PriceStats::of(&history))
    }

    /// Writes several price updates (a whole reply) in **one transaction**, in order, each
    /// as [`Store::apply_update`] would; nothing is written when any of them is refused.
    ///
    /// The default applies them one by one (one transaction each); adapters batch.
    async fn apply_updates(&self, updates: &[PriceUpdate]) -> StoreResult<Vec<AppliedUpdate>> {
        let mut out = Vec::with_capacity(updates.len());
        for u in updates {
            out.push(self.apply_update(u).await?);
        }
        Ok(out)
    }

    /// The lowest price of `currency` in force at any moment of `[from, until)` in a
    /// product's history of one offer kind, counting only points made before `until`: what
    /// [`crate::analytics::series::window`] over the [`crate::analytics::series::segments`] of
    /// those points (up to `until`) gives — a point holds until the next one (a point replaced
    /// within its own second holds for no time) or for at most
    /// [`crate::analytics::series::MAX_TRUSTED_SPAN`]; unknown prices and prices of another
    /// currency are not prices. `None` when no such price held in the window. What a "lowest
    /// in N days" rule needs, without reading the window's points.
    ///
    /// The default reads the window's points and computes it; adapters aggregate instead.
    async fn lowest_in_window(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        offer_kind: OfferKind,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        currency: crate::domain::Currency,
    ) -> StoreResult<Option<crate::domain::Money>> {
        let points = self
            .price_history(&HistoryQuery {
                marketplace,
                asin,
                offer_kind: Some(offer_kind),
                since: Some(from - crate::analytics::series::MAX_TRUSTED_SPAN),
                until: Some(until),
            })
            .await?;
        Ok(crate::alerts::lowest_in_window(
            &points, from, until, currency,
        ))
    }

    /// The child ASINs saved for each of `parents` (in the order given; an empty list for a
    /// parent with none), in one read.
    async fn variation_children_of(
        &self,
        marketplace: Marketplace,
        parents: &[Asin],
    ) -> StoreResult<Vec<Vec<Asin>>> {
        let mut out = Vec::with_capacity(parents.len());
        for p in parents {
            out.push(self.variation_children(marketplace, *p).await?);
        }
        Ok(out)
    }
    // --- API keys, bulk jobs and admin facts (the REST API server) ---

    /// Stores a new API key (its secret already hashed).
    async fn create_api_key(&self, new: &NewApiKey, now: DateTime<Utc>) -> StoreResult<ApiKey>;

    /// The key whose secret hashes to `secret_hash`, revoked or not.
    async fn api_key_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiKey>>;

    /// Every key, oldest first.
    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>>;

    /// Revokes a key at `now` (revoking a revoked key keeps the first time).
    async fn revoke_api_key(&self, id: ApiKeyId, now: DateTime<Utc>) -> StoreResult<()>;

    /// Adds requests to the per-day usage of keys (counts add up; the latest use is kept)
    /// in one transaction. Usage of an unknown key is [`StoreError::NotFound`].
    async fn add_key_usage(&self, usage: &[KeyUsage]) -> StoreResult<()>;

    /// A key's usage per day from `since` on, oldest first.
    async fn key_usage(&self, id: ApiKeyId, since: NaiveDate) -> StoreResult<Vec<KeyUsage>>;

    /// Stores a bulk job with its items.
    async fn create_bulk_job(&self, new: &NewBulkJob, now: DateTime<Utc>) -> StoreResult<BulkJob>;

    /// One of a user's bulk jobs with its progress.
    async fn get_bulk_job(&self, user: UserId, id: BulkJobId) -> StoreResult<BulkJob>;

    /// The items of one of a user's bulk jobs, in input order.
    async fn bulk_job_items(&self, user: UserId, id: BulkJobId) -> StoreResult<Vec<BulkItem>>;

    /// Saves the outcome of some items of a job (matched by position) in one transaction,
    /// and marks the job finished at `finished_at` when given.
    async fn record_bulk_items(
        &self,
        id: BulkJobId,
        items: &[BulkItem],
        finished_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;

    /// Jobs not finished yet (to resume after a restart), oldest first.
    async fn unfinished_bulk_jobs(&self) -> StoreResult<Vec<BulkJob>>;

    /// The raw facts of the admin statistics: every user with their activity, and the
    /// watches made and alerts fired since `since`.
    async fn activity_facts(&self, since: DateTime<Utc>) -> StoreResult<ActivityFacts>;

    // --- users, and batched reads for the front-ends' services ---

    /// Users in id order (active or not): at most `limit` whose id is above `after`
    /// (`None`: from the first). Page through everyone by passing the last id seen.
    async fn list_users(&self, after: Option<UserId>, limit: usize) -> StoreResult<Vec<User>>;

    /// Moves a user to a new external identity (a Telegram group that became a supergroup
    /// gets a new chat id); the user's watches, alerts and outbox rows follow, since they
    /// hang on the user id. [`StoreError::Conflict`] when another user already has that
    /// identity, [`StoreError::NotFound`] when there is no such user.
    async fn update_user_identity(
        &self,
        id: UserId,
        identity: &ExternalIdentity,
    ) -> StoreResult<()>;

    /// The saved copies of several products of one marketplace, in one read; products
    /// never saved are left out.
    async fn get_products(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
    ) -> StoreResult<Vec<Product>>;

    /// The price histories of several queries in one read, in the queries' order (each as
    /// [`Store::price_history`] would answer it).
    async fn price_histories(&self, queries: &[HistoryQuery]) -> StoreResult<Vec<Vec<PricePoint>>>;

    // --- market intelligence (issue 18) ---

    /// Every product of a marketplace with a known buy-box price by the last of `moments`
    /// (ascending), in the browse node `category` or below it when given, by ASIN: its price
    /// at each moment and its lows before and during the span. One read.
    /// [`StoreError::Invalid`] when `moments` is empty or not ascending.
    async fn market_snapshot(
        &self,
        marketplace: Marketplace,
        category: Option<&str>,
        moments: &[DateTime<Utc>],
    ) -> StoreResult<Vec<MarketRow>>;

    /// Products (of a marketplace, not among `asins`) actively watched by users who actively
    /// watch one of `asins`, most such users first (ties by ASIN), at most `limit`.
    async fn co_watched(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
        limit: usize,
    ) -> StoreResult<Vec<CoWatch>>;

    /// Records that a user opened a product. [`StoreError::NotFound`] for an unknown user.
    async fn record_click(&self, click: &ProductClick) -> StoreResult<()>;

    /// A user's clicks at or after `since`, newest first, at most `limit`.
    async fn clicks(
        &self,
        user: UserId,
        since: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<ProductClick>>;

    /// Deliveries waiting in the outbox (pending rows, held and leased ones included), for
    /// the `mandi_outbox_depth` gauge. The default counts through
    /// [`Store::activity_facts`]; adapters answer it with one count.
    async fn outbox_depth(&self) -> StoreResult<u64> {
        let facts = self.activity_facts(DateTime::<Utc>::MAX_UTC).await?;
        Ok(u64::from(facts.outbox_pending))
    }

    // --- webhook subscriptions and admin sessions (the REST API server) ---

    /// Stores a webhook subscription of a user ([`StoreError::NotFound`] for an unknown
    /// user, [`StoreError::Invalid`] for a URL that is not http(s) or an empty secret).
    async fn create_webhook(&self, new: &NewWebhook, now: DateTime<Utc>) -> StoreResult<Webhook>;

    /// A user's webhook subscriptions, oldest first.
    async fn list_webhooks(&self, user: UserId) -> StoreResult<Vec<Webhook>>;

    /// Deletes one of a user's webhook subscriptions (another user's, or an unknown id, is
    /// [`StoreError::NotFound`]) with its delivery records.
    async fn delete_webhook(&self, user: UserId, id: WebhookId) -> StoreResult<()>;

    /// The subscriptions that already received the delivery with this idempotency key.
    async fn webhook_deliveries(&self, key: &str) -> StoreResult<Vec<WebhookId>>;

    /// Records that a subscription received the delivery with this key (recording it again
    /// changes nothing; an unknown subscription is [`StoreError::NotFound`]).
    async fn record_webhook_delivery(
        &self,
        id: WebhookId,
        key: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Stores an admin session (by the hash of its id) and forgets sessions expired at `now`.
    async fn create_admin_session(
        &self,
        session: &AdminSession,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The session with this id hash, unless it has expired at `now`.
    async fn admin_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AdminSession>>;

    /// Ends a session (ending an unknown one changes nothing).
    async fn delete_admin_session(&self, id_hash: &str) -> StoreResult<()>;

    // --- affiliate click tracking (issue 21) ---

    /// Stores what a redirect token stands for. [`StoreError::NotFound`] for an unknown
    /// user, [`StoreError::Conflict`] for a token hash already stored,
    /// [`StoreError::Invalid`] for a hash that is not 64 hex digits, an empty or over-long
    /// variant or query (nothing is written then).
    async fn create_click_target(&self, new: &NewClickTarget) -> StoreResult<ClickTarget>;

    /// The click target of a token hash (upper- or lower-case hex), if any.
    async fn click_target(&self, token_hash: &str) -> StoreResult<Option<ClickTarget>>;

    /// Records that a target was followed at `at` and returns the click (a target is
    /// followed as often as it is clicked). [`StoreError::NotFound`] for an unknown target.
    async fn record_affiliate_click(
        &self,
        target: ClickTargetId,
        at: DateTime<Utc>,
    ) -> StoreResult<AffiliateClick>;

    /// The click targets made at or after `since` and before `until` (the Buy links shown),
    /// oldest first (ties by id).
    async fn click_targets_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<ClickTarget>>;

    /// Every click at or after `since` and before `until`, oldest first (ties in the order
    /// they were recorded).
    async fn affiliate_clicks(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<AffiliateClick>>;

    /// Stores imported Associates report rows in one transaction and returns how many were
    /// new: a row whose `import_key` is already stored is skipped, so importing a file
    /// again adds nothing. [`StoreError::Invalid`] (nothing written) for a malformed key,
    /// mixed currencies, an empty tracking ID or a half-attributed row.
    async fn record_affiliate_orders(&self, orders: &[AffiliateOrder]) -> StoreResult<usize>;

    /// The imported rows whose day is at or after `since` and before `until`, by day then
    /// in the order they were stored.
    async fn affiliate_orders(
        &self,
        since: NaiveDate,
        until: NaiveDate,
    ) -> StoreResult<Vec<AffiliateOrder>>;

    // --- community: shared deals, votes, referrals, group subscriptions (issue 21) ---

    /// Stores a checked shared deal (verified or rejected) and returns it with no votes.
    /// [`StoreError::NotFound`] for an unknown user; [`StoreError::Invalid`] (nothing
    /// written) for a score over 100, a verified deal without a price or with a reason, a
    /// rejected one without a reason, a reason over [`crate::domain::MAX_REASON_CHARS`]
    /// characters, or prices in another currency than the marketplace's.
    async fn create_shared_deal(&self, new: &NewSharedDeal) -> StoreResult<SharedDeal>;

    /// A shared deal with its tally, if stored.
    async fn shared_deal(&self, id: SharedDealId) -> StoreResult<Option<SharedDeal>>;

    /// Shared deals matching `query`, newest first (ties: higher id first), with tallies.
    async fn shared_deals(&self, query: &SharedDealQuery) -> StoreResult<Vec<SharedDeal>>;

    /// Sets (`Some`) or withdraws (`None`) `voter`'s vote on a deal (one vote per user per
    /// deal: a second vote replaces the first) and returns the deal with its new tally.
    /// [`StoreError::NotFound`] for an unknown deal or user. Who may vote is the
    /// community service's rule, not the store's.
    async fn set_deal_vote(
        &self,
        deal: SharedDealId,
        voter: UserId,
        vote: Option<Vote>,
        at: DateTime<Utc>,
    ) -> StoreResult<SharedDeal>;

    /// Records a referral. [`StoreError::Conflict`] when the referred user already has
    /// one, [`StoreError::Invalid`] when both ids are the same user,
    /// [`StoreError::NotFound`] for an unknown user (nothing is written then).
    async fn record_referral(&self, referral: &Referral) -> StoreResult<()>;

    /// The referral that brought `referred`, if any.
    async fn referral_of(&self, referred: UserId) -> StoreResult<Option<Referral>>;

    /// How many users `referrer` brought.
    async fn referral_count(&self, referrer: UserId) -> StoreResult<u32>;

    /// Creates or replaces the subscription of `sub.chat` to `sub.node_id`.
    /// [`StoreError::NotFound`] for an unknown chat user; [`StoreError::Invalid`] for a node
    /// id that is not 1 to 20 digits, an empty or over-long (200 characters) name, a
    /// minimum score over 100 or an hourly cap outside 1–60.
    async fn save_group_subscription(&self, sub: &GroupSubscription) -> StoreResult<()>;

    /// Removes a subscription; false when there was none.
    async fn delete_group_subscription(&self, chat: UserId, node_id: &str) -> StoreResult<bool>;

    /// The subscriptions of one chat, or of every chat (`None`), by chat then node id.
    async fn group_subscriptions(
        &self,
        chat: Option<UserId>,
    ) -> StoreResult<Vec<GroupSubscription>>;

    /// Records a post to a group; false (nothing written) when that product was already
    /// posted to that chat. [`StoreError::NotFound`] for an unknown chat user or deal.
    async fn record_group_post(&self, post: &GroupPost) -> StoreResult<bool>;

    /// The posts to `chat` at or after `since`, oldest first.
    async fn group_posts(&self, chat: UserId, since: DateTime<Utc>) -> StoreResult<Vec<GroupPost>>;
}

macro_rules! forward_store {
    ($ty:ty) => {
        #[async_trait]
        impl<T: Store + ?Sized> Store for $ty {
            async fn upsert_product(&self, p: &Product) -> StoreResult<()> {
                (**self).upsert_product(p).await
            }
            async fn get_product(&self, m: Marketplace, a: Asin) -> StoreResult<Option<Product>> {
                (**self).get_product(m, a).await
            }
            async fn review_history(
                &self,
                m: Marketplace,
                a: Asin,
            ) -> StoreResult<Vec<crate::domain::ReviewObservation>> {
                (**self).review_history(m, a).await
            }
            async fn record_prices(&self, p: &[PricePoint]) -> StoreResult<usize> {
                (**self).record_prices(p).await
            }
            async fn price_history(&self, q: &HistoryQuery) -> StoreResult<Vec<PricePoint>> {
                (**self).price_history(q).await
            }
            async fn retain_history(
                &self,
                q: &HistoryQuery,
                keep: &[DateTime<Utc>],
            ) -> StoreResult<usize> {
                (**self).retain_history(q, keep).await
            }
            async fn upsert_browse_nodes(
                &self,
                m: Marketplace,
                n: &[BrowseNode],
            ) -> StoreResult<()> {
                (**self).upsert_browse_nodes(m, n).await
            }
            async fn get_browse_node(
                &self,
                m: Marketplace,
                id: &str,
            ) -> StoreResult<Option<BrowseNode>> {
                (**self).get_browse_node(m, id).await
            }
            async fn upsert_variations(
                &self,
                m: Marketplace,
                f: &VariationFamily,
            ) -> StoreResult<()> {
                (**self).upsert_variations(m, f).await
            }
            async fn variation_children(&self, m: Marketplace, p: Asin) -> StoreResult<Vec<Asin>> {
                (**self).variation_children(m, p).await
            }
            async fn record_search(&self, l: &SearchLog) -> StoreResult<()> {
                (**self).record_search(l).await
            }
            async fn recent_searches(
                &self,
                u: Option<UserId>,
                n: usize,
            ) -> StoreResult<Vec<SearchLog>> {
                (**self).recent_searches(u, n).await
            }
            async fn upsert_user(&self, n: &NewUser, now: DateTime<Utc>) -> StoreResult<User> {
                (**self).upsert_user(n, now).await
            }
            async fn get_user(&self, id: UserId) -> StoreResult<User> {
                (**self).get_user(id).await
            }
            async fn find_user(&self, i: &ExternalIdentity) -> StoreResult<Option<User>> {
                (**self).find_user(i).await
            }
            async fn update_user(&self, u: &User) -> StoreResult<()> {
                (**self).update_user(u).await
            }
            async fn create_watch(&self, n: &NewWatch, now: DateTime<Utc>) -> StoreResult<Watch> {
                (**self).create_watch(n, now).await
            }
            async fn get_watch(&self, u: UserId, id: WatchId) -> StoreResult<Watch> {
                (**self).get_watch(u, id).await
            }
            async fn list_watches(&self, u: UserId) -> StoreResult<Vec<Watch>> {
                (**self).list_watches(u).await
            }
            async fn update_watch(&self, w: &Watch) -> StoreResult<()> {
                (**self).update_watch(w).await
            }
            async fn delete_watch(&self, u: UserId, id: WatchId) -> StoreResult<()> {
                (**self).delete_watch(u, id).await
            }
            async fn pause_unreachable(
                &self,
                u: UserId,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<WatchId>> {
                (**self).pause_unreachable(u, now).await
            }
            async fn paused_unreachable(&self, u: UserId) -> StoreResult<Vec<WatchId>> {
                (**self).paused_unreachable(u).await
            }
            async fn resume_unreachable(
                &self,
                u: UserId,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<WatchId>> {
                (**self).resume_unreachable(u, now).await
            }
            async fn watches_on(&self, m: Marketplace, a: Asin) -> StoreResult<Vec<Watch>> {
                (**self).watches_on(m, a).await
            }
            async fn watched_products(&self) -> StoreResult<Vec<WatchedProduct>> {
                (**self).watched_products().await
            }
            async fn apply_update(&self, u: &PriceUpdate) -> StoreResult<AppliedUpdate> {
                (**self).apply_update(u).await
            }
            async fn rule_states(&self, w: &[WatchId]) -> StoreResult<Vec<WatchRuleStates>> {
                (**self).rule_states(w).await
            }
            async fn quarantined(
                &self,
                m: Marketplace,
                a: &[Asin],
                pending_only: bool,
            ) -> StoreResult<Vec<QuarantinedObservation>> {
                (**self).quarantined(m, a, pending_only).await
            }
            async fn claim_due_deliveries(
                &self,
                now: DateTime<Utc>,
                channels: &[String],
                limit: usize,
                lease: chrono::Duration,
            ) -> StoreResult<Vec<Delivery>> {
                (**self)
                    .claim_due_deliveries(now, channels, limit, lease)
                    .await
            }
            async fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
                (**self).mark_sent(id, at).await
            }
            async fn mark_failed(&self, id: i64, next: DateTime<Utc>, e: &str) -> StoreResult<()> {
                (**self).mark_failed(id, next, e).await
            }
            async fn mark_dead(&self, id: i64, e: &str) -> StoreResult<()> {
                (**self).mark_dead(id, e).await
            }
            async fn hold_delivery(
                &self,
                id: i64,
                until: DateTime<Utc>,
                r: HoldReason,
            ) -> StoreResult<()> {
                (**self).hold_delivery(id, until, r).await
            }
            async fn held_deliveries(
                &self,
                u: UserId,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<Delivery>> {
                (**self).held_deliveries(u, now).await
            }
            async fn release_held(&self, u: UserId, now: DateTime<Utc>) -> StoreResult<usize> {
                (**self).release_held(u, now).await
            }
            async fn alert_history(
                &self,
                u: UserId,
                limit: usize,
                offset: usize,
            ) -> StoreResult<Vec<Alert>> {
                (**self).alert_history(u, limit, offset).await
            }
            async fn watch_alerts(&self, u: UserId, w: WatchId) -> StoreResult<Vec<Alert>> {
                (**self).watch_alerts(u, w).await
            }
            async fn alert_deliveries(
                &self,
                u: UserId,
                a: AlertId,
            ) -> StoreResult<Vec<OutboxEntry>> {
                (**self).alert_deliveries(u, a).await
            }
            async fn count_sent(
                &self,
                u: UserId,
                from: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> StoreResult<u32> {
                (**self).count_sent(u, from, until).await
            }
            async fn record_api_usage(&self, u: &ApiUsage) -> StoreResult<()> {
                (**self).record_api_usage(u).await
            }
            async fn api_usage(&self, s: &str, d: NaiveDate) -> StoreResult<ApiUsageTotals> {
                (**self).api_usage(s, d).await
            }
            async fn products_in_nodes(
                &self,
                m: Marketplace,
                n: &[String],
                l: usize,
            ) -> StoreResult<Vec<Asin>> {
                (**self).products_in_nodes(m, n, l).await
            }
            async fn price_stats(
                &self,
                m: Marketplace,
                a: Asin,
                k: OfferKind,
            ) -> StoreResult<Option<PriceStats>> {
                (**self).price_stats(m, a, k).await
            }
            async fn apply_updates(&self, u: &[PriceUpdate]) -> StoreResult<Vec<AppliedUpdate>> {
                (**self).apply_updates(u).await
            }
            async fn lowest_in_window(
                &self,
                m: Marketplace,
                a: Asin,
                k: OfferKind,
                from: DateTime<Utc>,
                until: DateTime<Utc>,
                c: crate::domain::Currency,
            ) -> StoreResult<Option<crate::domain::Money>> {
                (**self).lowest_in_window(m, a, k, from, until, c).await
            }
            async fn variation_children_of(
                &self,
                m: Marketplace,
                p: &[Asin],
            ) -> StoreResult<Vec<Vec<Asin>>> {
                (**self).variation_children_of(m, p).await
            }
            async fn create_api_key(
                &self,
                n: &NewApiKey,
                now: DateTime<Utc>,
            ) -> StoreResult<ApiKey> {
                (**self).create_api_key(n, now).await
            }
            async fn api_key_by_hash(&self, h: &str) -> StoreResult<Option<ApiKey>> {
                (**self).api_key_by_hash(h).await
            }
            async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
                (**self).list_api_keys().await
            }
            async fn revoke_api_key(&self, id: ApiKeyId, now: DateTime<Utc>) -> StoreResult<()> {
                (**self).revoke_api_key(id, now).await
            }
            async fn add_key_usage(&self, u: &[KeyUsage]) -> StoreResult<()> {
                (**self).add_key_usage(u).await
            }
            async fn key_usage(&self, id: ApiKeyId, s: NaiveDate) -> StoreResult<Vec<KeyUsage>> {
                (**self).key_usage(id, s).await
            }
            async fn create_bulk_job(
                &self,
                n: &NewBulkJob,
                now: DateTime<Utc>,
            ) -> StoreResult<BulkJob> {
                (**self).create_bulk_job(n, now).await
            }
            async fn get_bulk_job(&self, u: UserId, id: BulkJobId) -> StoreResult<BulkJob> {
                (**self).get_bulk_job(u, id).await
            }
            async fn bulk_job_items(&self, u: UserId, id: BulkJobId) -> StoreResult<Vec<BulkItem>> {
                (**self).bulk_job_items(u, id).await
            }
            async fn record_bulk_items(
                &self,
                id: BulkJobId,
                i: &[BulkItem],
                f: Option<DateTime<Utc>>,
            ) -> StoreResult<()> {
                (**self).record_bulk_items(id, i, f).await
            }
            async fn unfinished_bulk_jobs(&self) -> StoreResult<Vec<BulkJob>> {
                (**self).unfinished_bulk_jobs().await
            }
            async fn activity_facts(&self, s: DateTime<Utc>) -> StoreResult<ActivityFacts> {
                (**self).activity_facts(s).await
            }
            async fn list_users(&self, after: Option<UserId>, n: usize) -> StoreResult<Vec<User>> {
                (**self).list_users(after, n).await
            }
            async fn update_user_identity(
                &self,
                id: UserId,
                i: &ExternalIdentity,
            ) -> StoreResult<()> {
                (**self).update_user_identity(id, i).await
            }
            async fn get_products(&self, m: Marketplace, a: &[Asin]) -> StoreResult<Vec<Product>> {
                (**self).get_products(m, a).await
            }
            async fn price_histories(
                &self,
                q: &[HistoryQuery],
            ) -> StoreResult<Vec<Vec<PricePoint>>> {
                (**self).price_histories(q).await
            }
            async fn market_snapshot(
                &self,
                m: Marketplace,
                c: Option<&str>,
                at: &[DateTime<Utc>],
            ) -> StoreResult<Vec<MarketRow>> {
                (**self).market_snapshot(m, c, at).await
            }
            async fn co_watched(
                &self,
                m: Marketplace,
                a: &[Asin],
                n: usize,
            ) -> StoreResult<Vec<CoWatch>> {
                (**self).co_watched(m, a, n).await
            }
            async fn record_click(&self, c: &ProductClick) -> StoreResult<()> {
                (**self).record_click(c).await
            }
            async fn clicks(
                &self,
                u: UserId,
                s: DateTime<Utc>,
                n: usize,
            ) -> StoreResult<Vec<ProductClick>> {
                (**self).clicks(u, s, n).await
            }
            async fn outbox_depth(&self) -> StoreResult<u64> {
                (**self).outbox_depth().await
            }
            async fn create_webhook(
                &self,
                n: &NewWebhook,
                now: DateTime<Utc>,
            ) -> StoreResult<Webhook> {
                (**self).create_webhook(n, now).await
            }
            async fn list_webhooks(&self, u: UserId) -> StoreResult<Vec<Webhook>> {
                (**self).list_webhooks(u).await
            }
            async fn delete_webhook(&self, u: UserId, id: WebhookId) -> StoreResult<()> {
                (**self).delete_webhook(u, id).await
            }
            async fn webhook_deliveries(&self, k: &str) -> StoreResult<Vec<WebhookId>> {
                (**self).webhook_deliveries(k).await
            }
            async fn record_webhook_delivery(
                &self,
                id: WebhookId,
                k: &str,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                (**self).record_webhook_delivery(id, k, at).await
            }
            async fn create_admin_session(
                &self,
                s: &AdminSession,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                (**self).create_admin_session(s, now).await
            }
            async fn admin_session(
                &self,
                h: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<AdminSession>> {
                (**self).admin_session(h, now).await
            }
            async fn delete_admin_session(&self, h: &str) -> StoreResult<()> {
                (**self).delete_admin_session(h).await
            }
            async fn create_click_target(&self, n: &NewClickTarget) -> StoreResult<ClickTarget> {
                (**self).create_click_target(n).await
            }
            async fn click_target(&self, h: &str) -> StoreResult<Option<ClickTarget>> {
                (**self).click_target(h).await
            }
            async fn click_targets_between(
                &self,
                s: DateTime<Utc>,
                u: DateTime<Utc>,
            ) -> StoreResult<Vec<ClickTarget>> {
                (**self).click_targets_between(s, u).await
            }
            async fn record_affiliate_click(
                &self,
                t: ClickTargetId,
                at: DateTime<Utc>,
            ) -> StoreResult<AffiliateClick> {
                (**self).record_affiliate_click(t, at).await
            }
            async fn affiliate_clicks(
                &self,
                s: DateTime<Utc>,
                u: DateTime<Utc>,
            ) -> StoreResult<Vec<AffiliateClick>> {
                (**self).affiliate_clicks(s, u).await
            }
            async fn record_affiliate_orders(&self, o: &[AffiliateOrder]) -> StoreResult<usize> {
                (**self).record_affiliate_orders(o).await
            }
            async fn affiliate_orders(
                &self,
                s: NaiveDate,
                u: NaiveDate,
            ) -> StoreResult<Vec<AffiliateOrder>> {
                (**self).affiliate_orders(s, u).await
            }
            async fn create_shared_deal(&self, n: &NewSharedDeal) -> StoreResult<SharedDeal> {
                (**self).create_shared_deal(n).await
            }
            async fn shared_deal(&self, id: SharedDealId) -> StoreResult<Option<SharedDeal>> {
                (**self).shared_deal(id).await
            }
            async fn shared_deals(&self, q: &SharedDealQuery) -> StoreResult<Vec<SharedDeal>> {
                (**self).shared_deals(q).await
            }
            async fn set_deal_vote(
                &self,
                d: SharedDealId,
                v: UserId,
                vote: Option<Vote>,
                at: DateTime<Utc>,
            ) -> StoreResult<SharedDeal> {
                (**self).set_deal_vote(d, v, vote, at).await
            }
            async fn record_referral(&self, r: &Referral) -> StoreResult<()> {
                (**self).record_referral(r).await
            }
            async fn referral_of(&self, u: UserId) -> StoreResult<Option<Referral>> {
                (**self).referral_of(u).await
            }
            async fn referral_count(&self, u: UserId) -> StoreResult<u32> {
                (**self).referral_count(u).await
            }
            async fn save_group_subscription(&self, s: &GroupSubscription) -> StoreResult<()> {
                (**self).save_group_subscription(s).await
            }
            async fn delete_group_subscription(&self, c: UserId, n: &str) -> StoreResult<bool> {
                (**self).delete_group_subscription(c, n).await
            }
            async fn group_subscriptions(
                &self,
                c: Option<UserId>,
            ) -> StoreResult<Vec<GroupSubscription>> {
                (**self).group_subscriptions(c).await
            }
            async fn record_group_post(&self, p: &GroupPost) -> StoreResult<bool> {
                (**self).record_group_post(p).await
            }
            async fn group_posts(
                &self,
                c: UserId,
                s: DateTime<Utc>,
            ) -> StoreResult<Vec<GroupPost>> {
                (**self).group_posts(c, s).await
            }
        }
    };
}

forward_store!(Arc<T>);
forward_store!(Box<T>);
forward_store!(&T);
