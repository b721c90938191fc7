//! The community (issue 21): deals users share, checked against the source before anyone
//! sees them, votes and reputation; referrals with their reward; and Telegram groups and
//! channels that follow a category's deals. Front-ends only show what [`CommunityService`]
//! decides.
//!
//! # Deal sharing
//!
//! A user shares a product link, optionally with the price they saw. Before it is stored
//! the deal is **checked against the source**: the product is read again through the
//! catalog (a fresh source call, not the store's copy and not the submitter's claim) and
//! scored with the catalog's [`Scorer`](crate::Scorer). It is *rejected*, with the reason
//! kept and shown to the submitter, when
//!
//! - the source does not return the product, or returns it without a current price, or
//!   out of stock;
//! - a claimed price differs from the fresh price by more than
//!   [`CLAIM_TOLERANCE_BPS`] (1 %) of it, at least [`CLAIM_TOLERANCE_MIN_MINOR`] (₹1);
//!   a claim in another currency never matches;
//! - the score's verdict is a fake sale (the "discount" rests on a raised MRP) or a price
//!   above the product's usual one.
//!
//! Otherwise it is *verified* and listed (newest first, or top: net votes, then score).
//! Sharing the same product again while a verified share of it is less than
//! [`DUPLICATE_WINDOW_HOURS`] (24) hours old is refused before any source call and stores
//! nothing. A source failure that may pass (throttling) stores nothing either.
//!
//! # Votes
//!
//! Other users vote up or down on verified deals: one vote per user per deal; voting again
//! replaces the vote (the same vote again changes nothing). Nobody votes on
//! their own deal, and rejected deals take no votes.
//!
//! # Reputation
//!
//! Computed from a user's stored deals and the votes on them, never stored:
//!
//! | event | points |
//! | --- | --- |
//! | a verified deal | +[`REP_VERIFIED`] (10) |
//! | an up vote on one of their deals | +[`REP_UPVOTE`] (2) |
//! | a down vote on one of their deals | −[`REP_DOWNVOTE`] (1) |
//! | a rejected deal | −[`REP_REJECTED`] (5) |
//!
//! # Rate limits
//!
//! Submissions (verified or rejected) in the last hour, by the injected [`Clock`]:
//! reputation below 0: [`LIMIT_RESTRICTED`] (1) per hour; 0 to 49: [`LIMIT_NEWCOMER`] (3)
//! per hour; 50 and up: [`LIMIT_TRUSTED`] (10) per hour. A refused submission stores
//! nothing and names when the next one is allowed.
//!
//! # Referrals
//!
//! A user's invitation code is `ref_<user id>` (a Telegram `/start` payload). A referral
//! is recorded once per **new** user: one first seen less than [`NEW_USER_MINUTES`] (10)
//! minutes ago who holds no watch yet. Refused: a self-referral, an existing user, a user
//! already referred (repeat), an unknown referrer, and a loop (the referrer was brought,
//! directly or through others, by the one they would refer). Each referral raises the
//! referrer's watch cap ([`crate::watches::MAX_WATCHES_PER_USER`], 500) by
//! [`REFERRAL_WATCH_SLOTS`] (5) slots, for at most [`MAX_REWARDED_REFERRALS`] (20)
//! referrals (+100 slots).
//!
//! # Deal groups and channels
//!
//! A group or channel subscribes to a category (browse node) with a minimum score and an
//! hourly cap (default [`DEFAULT_POSTS_PER_HOUR`], 3; 1 to 60). Only its administrators
//! and creator (as Telegram reports them to the front-end, [`ChatRole`]) may subscribe,
//! unsubscribe or change settings. Posts come from two sources: verified community deals
//! shared in the last 24 hours and the engine's ranked deals among watched products
//! ([`InsightsService::deals`]); a product posts to a chat at most once, best score first,
//! never more than the cap in any hour.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogError, CatalogService};
use crate::domain::{
    Asin, Availability, DealStatus, GroupPost, GroupSubscription, Marketplace, Money,
    NewSharedDeal, Product, Referral, SharedDeal, SharedDealId, SharedDealQuery, User, UserId,
    Vote,
};
use crate::insights::InsightsService;
use crate::links::ProductRef;
use crate::ports::{Clock, DealVerdict, Store, StoreError};

/// Points for a verified deal.
pub const REP_VERIFIED: i64 = 10;
/// Points for each up vote received.
pub const REP_UPVOTE: i64 = 2;
/// Points lost for each down vote received.
pub const REP_DOWNVOTE: i64 = 1;
/// Points lost for a rejected deal.
pub const REP_REJECTED: i64 = 5;
/// Reputation from which a user is trusted (the higher hourly limit).
pub const TRUSTED_FROM: i64 = 50;
/// Submissions per hour below 0 reputation.
pub const LIMIT_RESTRICTED: u32 = 1;
/// Submissions per hour from 0 to [`TRUSTED_FROM`] − 1.
pub const LIMIT_NEWCOMER: u32 = 3;
/// Submissions per hour from [`TRUSTED_FROM`].
pub const LIMIT_TRUSTED: u32 = 10;
/// A claimed price matches when within this many basis points of the fresh price…
pub const CLAIM_TOLERANCE_BPS: i64 = 100;
/// …or within this many minor units, whichever is larger.
pub const CLAIM_TOLERANCE_MIN_MINOR: i64 = 100;
/// Hours a verified share of a product blocks another share of it.
pub const DUPLICATE_WINDOW_HOURS: i64 = 24;
/// Watch slots added per referral.
pub const REFERRAL_WATCH_SLOTS: usize = 5;
/// Referrals that earn slots.
pub const MAX_REWARDED_REFERRALS: u32 = 20;
/// A user first seen less than this many minutes ago (and without watches) is new.
pub const NEW_USER_MINUTES: i64 = 10;
/// The default hourly cap of a group subscription.
pub const DEFAULT_POSTS_PER_HOUR: u32 = 3;
/// Hours a verified community deal stays a candidate for group posts.
pub const POST_WINDOW_HOURS: i64 = 24;
/// Days a verified deal stays in the community listing.
pub const LISTING_DAYS: i64 = 7;

/// Errors of the community service.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CommunityError {
    /// Too many submissions in the last hour; nothing was stored.
    #[error(
        "you can share {limit} deal(s) an hour at your reputation ({reputation}); try again after {retry_at}"
    )]
    RateLimited {
        /// The hourly limit that applies.
        limit: u32,
        /// The submitter's reputation.
        reputation: i64,
        /// When the next submission is allowed.
        retry_at: DateTime<Utc>,
    },
    /// The product was shared and verified recently; nothing was stored.
    #[error("this product was already shared as deal #{0}")]
    AlreadyShared(SharedDealId),
    /// No such deal.
    #[error("no deal #{0}")]
    UnknownDeal(SharedDealId),
    /// A rejected deal takes no votes.
    #[error("deal #{0} was not verified; it takes no votes")]
    NotVotable(SharedDealId),
    /// Nobody votes on their own deal.
    #[error("you cannot vote on your own deal")]
    OwnDeal,
    /// Only a chat's administrators may change its subscriptions.
    #[error("only the chat's administrators may change its deal subscriptions")]
    NotAdmin,
    /// The category is not a browse node id or the source does not know it.
    #[error("unknown category {0:?}: give a category id (digits) from /categories")]
    UnknownCategory(String),
    /// A setting out of range.
    #[error("{0}")]
    Invalid(String),
    /// The source or the store failed (nothing was decided).
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A user's reputation and what it is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reputation {
    /// The points (may be negative).
    pub points: i64,
    /// Verified deals.
    pub verified: u32,
    /// Rejected deals.
    pub rejected: u32,
    /// Up votes received.
    pub up_votes: u32,
    /// Down votes received.
    pub down_votes: u32,
}

impl Reputation {
    /// The reputation of a user's deals (see the module's table).
    pub fn of(deals: &[SharedDeal]) -> Self {
        let mut r = Self::default();
        for d in deals {
            match d.status {
                DealStatus::Verified => r.verified += 1,
                DealStatus::Rejected => r.rejected += 1,
            }
            r.up_votes += d.up_votes;
            r.down_votes += d.down_votes;
        }
        r.points = REP_VERIFIED * i64::from(r.verified) + REP_UPVOTE * i64::from(r.up_votes)
            - REP_DOWNVOTE * i64::from(r.down_votes)
            - REP_REJECTED * i64::from(r.rejected);
        r
    }

    /// Submissions allowed per hour at this reputation.
    pub fn hourly_limit(&self) -> u32 {
        if self.points < 0 {
            LIMIT_RESTRICTED
        } else if self.points < TRUSTED_FROM {
            LIMIT_NEWCOMER
        } else {
            LIMIT_TRUSTED
        }
    }
}

/// How the community listing is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingOrder {
    /// Newest first.
    Newest,
    /// Most net votes first, then best score, then newest.
    Top,
}

/// A user's role in a Telegram chat, as the front-end learnt it from Telegram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatRole {
    /// The chat's creator.
    Creator,
    /// An administrator.
    Administrator,
    /// Anyone else (member, restricted, left, banned).
    Member,
}

impl ChatRole {
    /// The role of a Bot API `ChatMember.status` (`creator`, `administrator`, `member`…).
    pub fn from_status(status: &str) -> Self {
        match status {
            "creator" => Self::Creator,
            "administrator" => Self::Administrator,
            _ => Self::Member,
        }
    }

    /// True when this role may change the chat's subscriptions.
    pub fn can_moderate(self) -> bool {
        matches!(self, Self::Creator | Self::Administrator)
    }
}

/// Where a group post comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PostSource {
    /// A verified community deal.
    Community {
        /// The deal.
        deal: SharedDealId,
        /// Its up votes when posted.
        up_votes: u32,
    },
    /// A deal the engine ranked among watched products.
    Engine {
        /// Active watches on it.
        watchers: u32,
    },
}

/// A deal that may be posted to groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealCandidate {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// Its title.
    pub title: String,
    /// Its price when checked; `None` when unknown.
    pub price: Option<Money>,
    /// Its deal score.
    pub score: u8,
    /// Where it comes from.
    pub source: PostSource,
    /// The category ids it belongs to (its browse nodes and their ancestors).
    pub node_ids: Vec<String>,
    /// When it was shared or ranked.
    pub at: DateTime<Utc>,
}

/// A post decided (and recorded) for a group: the front-end sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedPost {
    /// The group's or channel's user.
    pub chat: User,
    /// The subscription it satisfies.
    pub subscription: GroupSubscription,
    /// The deal.
    pub deal: DealCandidate,
}

/// Why a referral was not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralRefusal {
    /// The code is the user's own.
    SelfReferral,
    /// The user was here before the invitation.
    ExistingUser,
    /// The user was already referred.
    AlreadyReferred,
    /// No user has this code.
    UnknownReferrer,
    /// The referrer was (indirectly) brought by this user.
    Loop,
}

/// What a referral code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReferralOutcome {
    /// Recorded for this referrer.
    Recorded {
        /// Who invited the user.
        referrer: UserId,
    },
    /// Not recorded.
    Refused {
        /// Why.
        why: ReferralRefusal,
    },
}

/// A user's referral standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralStats {
    /// Users they brought.
    pub referred: u32,
    /// Watch slots earned.
    pub extra_watch_slots: usize,
    /// Their watch cap with the reward.
    pub watch_cap: usize,
}

/// The start of the hour that ends at `now`: an hour ago plus one millisecond (stored
/// times are kept to the millisecond), so something done exactly an hour ago has left it.
fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::hours(1) + Duration::milliseconds(1)
}

/// `text` cut to at most `max` characters.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The invitation code of a user (`ref_<id>`), for a `/start` deep link.
pub fn referral_code(user: UserId) -> String {
    format!("ref_{}", user.0)
}

/// The referrer named by a `/start` payload (`ref_<id>` or `ref-<id>`), if it is one.
pub fn parse_referral_code(payload: &str) -> Option<UserId> {
    let rest = payload
        .strip_prefix("ref_")
        .or_else(|| payload.strip_prefix("ref-"))?;
    if rest.is_empty() || rest.len() > 18 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok().map(UserId)
}

/// Extra watch slots for a number of referrals.
pub fn referral_slots(referred: u32) -> usize {
    REFERRAL_WATCH_SLOTS * referred.min(MAX_REWARDED_REFERRALS) as usize
}

/// The most watches `user` may hold: [`crate::watches::MAX_WATCHES_PER_USER`] plus the
/// referral reward.
///
/// # Errors
///
/// The store failed.
pub async fn watch_cap(store: &dyn Store, user: UserId) -> Result<usize, StoreError> {
    let referred = store.referral_count(user).await?;
    Ok(crate::watches::MAX_WATCHES_PER_USER + referral_slots(referred))
}

/// True when `claimed` matches `fresh` (see the module doc).
pub fn claim_matches(claimed: Money, fresh: Money) -> bool {
    if claimed.currency() != fresh.currency() {
        return false;
    }
    let tolerance =
        (fresh.minor().abs() * CLAIM_TOLERANCE_BPS / 10_000).max(CLAIM_TOLERANCE_MIN_MINOR);
    (claimed.minor() - fresh.minor()).abs() <= tolerance
}

/// The category ids of a product: its browse nodes and their ancestors.
pub fn node_ids(p: &Product) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in &p.browse_nodes {
        for id in std::iter::once(&n.id).chain(n.ancestors.iter().map(|a| &a.id)) {
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
    }
    out
}

/// Picks, for one subscription, the candidates to post now: matching the category and
/// the minimum score, not yet posted to the chat (`posted`), best score first (then
/// newest), at most `room`.
pub fn pick_posts<'a>(
    sub: &GroupSubscription,
    candidates: &'a [DealCandidate],
    posted: &dyn Fn(&DealCandidate) -> bool,
    room: usize,
) -> Vec<&'a DealCandidate> {
    let mut fit: Vec<&DealCandidate> = candidates
        .iter()
        .filter(|c| c.score >= sub.min_score && c.node_ids.contains(&sub.node_id))
        .filter(|c| !posted(c))
        .collect();
    fit.sort_by(|a, b| b.score.cmp(&a.score).then(b.at.cmp(&a.at)));
    fit.truncate(room);
    fit
}

/// The community's rules on top of the catalog (its source, store, scorer and clock).
#[derive(Clone)]
pub struct CommunityService {
    catalog: CatalogService,
    insights: InsightsService,
}

impl std::fmt::Debug for CommunityService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommunityService").finish_non_exhaustive()
    }
}

impl CommunityService {
    /// The service over a catalog.
    pub fn new(catalog: CatalogService) -> Self {
        Self {
            insights: InsightsService::new(catalog.clone()),
            catalog,
        }
    }

    fn store(&self) -> &Arc<dyn Store> {
        self.catalog.store()
    }

    fn now(&self) -> DateTime<Utc> {
        self.catalog.clock().now()
    }

    /// Every deal a user shared, newest first.
    async fn deals_of(&self, user: UserId) -> Result<Vec<SharedDeal>, StoreError> {
        self.store()
            .shared_deals(&SharedDealQuery {
                user: Some(user),
                since: None,
                status: None,
                limit: usize::MAX >> 1,
            })
            .await
    }

    /// A user's reputation.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn reputation(&self, user: UserId) -> Result<Reputation, CommunityError> {
        Ok(Reputation::of(&self.deals_of(user).await?))
    }

    /// Shares a deal: rate limit, duplicate check, a fresh read and score, then the deal
    /// stored verified or rejected (see the module doc). A rejected deal is returned, not
    /// an error: the submitter is shown its reason.
    ///
    /// # Errors
    ///
    /// [`CommunityError::RateLimited`], [`CommunityError::AlreadyShared`], or a source
    /// failure that may pass, or the store failed (nothing stored in each case).
    #[tracing::instrument(skip_all, fields(user = %user.id, asin = %product.asin))]
    pub async fn share(
        &self,
        user: &User,
        product: ProductRef,
        claimed: Option<Money>,
    ) -> Result<SharedDeal, CommunityError> {
        let now = self.now();
        let rep = self.reputation(user.id).await?;
        let limit = rep.hourly_limit();
        let recent = self
            .store()
            .shared_deals(&SharedDealQuery {
                user: Some(user.id),
                since: Some(window_start(now)),
                status: None,
                limit: limit as usize + 1,
            })
            .await?;
        if recent.len() >= limit as usize {
            // The oldest of the last `limit` submissions leaves the window first.
            let oldest = recent
                .iter()
                .take(limit as usize)
                .map(|d| d.created_at)
                .min()
                .unwrap_or(now);
            return Err(CommunityError::RateLimited {
                limit,
                reputation: rep.points,
                retry_at: oldest + Duration::hours(1),
            });
        }
        let shared = self
            .store()
            .shared_deals(&SharedDealQuery {
                user: None,
                since: Some(now - Duration::hours(DUPLICATE_WINDOW_HOURS)),
                status: Some(DealStatus::Verified),
                limit: 10_000,
            })
            .await?;
        if let Some(d) = shared
            .iter()
            .find(|d| d.marketplace == product.marketplace && d.asin == product.asin)
        {
            return Err(CommunityError::AlreadyShared(d.id));
        }
        let new = self.check(user.id, product, claimed, now).await?;
        let deal = self.store().create_shared_deal(&new).await?;
        tracing::info!(deal = %deal.id, status = deal.status.as_str(), reason = ?deal.reason, "deal shared");
        Ok(deal)
    }

    /// Reads the product fresh from the source, scores it and decides.
    async fn check(
        &self,
        user: UserId,
        product: ProductRef,
        claimed: Option<Money>,
        now: DateTime<Utc>,
    ) -> Result<NewSharedDeal, CommunityError> {
        let rejected =
            |title: String, price: Option<Money>, score: Option<u8>, why: String| NewSharedDeal {
                user_id: user,
                marketplace: product.marketplace,
                asin: product.asin,
                title,
                price,
                claimed_price: claimed.filter(|c| c.currency() == product.marketplace.currency()),
                score,
                status: DealStatus::Rejected,
                reason: Some(clip(&why, crate::domain::MAX_REASON_CHARS)),
                created_at: now,
            };
        let fresh = match self
            .catalog
            .lookup(product.marketplace, &[product.asin])
            .await
        {
            Ok(batch) => batch.items.into_iter().find(|p| p.asin == product.asin),
            Err(e) if e.is_retryable() => return Err(e.into()),
            Err(e) => {
                return Ok(rejected(
                    String::new(),
                    None,
                    None,
                    format!("the source refused this product: {e}"),
                ));
            }
        };
        let Some(fresh) = fresh else {
            return Ok(rejected(
                String::new(),
                None,
                None,
                "the source does not know this product".to_owned(),
            ));
        };
        let title = fresh.title.clone();
        let report = self
            .catalog
            .history(product.marketplace, product.asin, false)
            .await?;
        let score = report.score.as_ref();
        let points = score.map(|s| s.score);
        let Some(price) = fresh.price() else {
            return Ok(rejected(
                title,
                None,
                points,
                "the product has no current price".to_owned(),
            ));
        };
        if fresh.availability() == Availability::OutOfStock {
            return Ok(rejected(
                title,
                Some(price),
                points,
                "the product is out of stock".to_owned(),
            ));
        }
        if let Some(c) = claimed
            && !claim_matches(c, price)
        {
            return Ok(rejected(
                title,
                Some(price),
                points,
                format!("claimed {c} but the price now is {price}"),
            ));
        }
        match score.map(|s| s.verdict) {
            Some(DealVerdict::FakeSale) => {
                return Ok(rejected(
                    title,
                    Some(price),
                    points,
                    "the discount rests on a raised MRP (a fake sale)".to_owned(),
                ));
            }
            Some(DealVerdict::Poor) => {
                return Ok(rejected(
                    title,
                    Some(price),
                    points,
                    "the price is above its usual price".to_owned(),
                ));
            }
            _ => {}
        }
        Ok(NewSharedDeal {
            user_id: user,
            marketplace: product.marketplace,
            asin: product.asin,
            title,
            price: Some(price),
            claimed_price: claimed,
            score: points,
            status: DealStatus::Verified,
            reason: None,
            created_at: now,
        })
    }

    /// One deal with its tally.
    ///
    /// # Errors
    ///
    /// [`CommunityError::UnknownDeal`], or the store failed.
    pub async fn deal(&self, id: SharedDealId) -> Result<SharedDeal, CommunityError> {
        self.store()
            .shared_deal(id)
            .await?
            .ok_or(CommunityError::UnknownDeal(id))
    }

    /// Verified deals of the last [`LISTING_DAYS`] days in `order`, at most `limit`.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn list(
        &self,
        order: ListingOrder,
        limit: usize,
    ) -> Result<Vec<SharedDeal>, CommunityError> {
        let mut deals = self
            .store()
            .shared_deals(&SharedDealQuery {
                user: None,
                since: Some(self.now() - Duration::days(LISTING_DAYS)),
                status: Some(DealStatus::Verified),
                limit: if order == ListingOrder::Newest {
                    limit
                } else {
                    10_000
                },
            })
            .await?;
        if order == ListingOrder::Top {
            deals.sort_by(|a, b| {
                b.net_votes()
                    .cmp(&a.net_votes())
                    .then(b.score.cmp(&a.score))
                    .then(b.created_at.cmp(&a.created_at))
                    .then(b.id.cmp(&a.id))
            });
            deals.truncate(limit);
        }
        Ok(deals)
    }

    /// A user's vote on a deal (voting again replaces their vote). Returns the deal with its
    /// new tally.
    ///
    /// # Errors
    ///
    /// [`CommunityError::UnknownDeal`], [`CommunityError::NotVotable`] (rejected deal),
    /// [`CommunityError::OwnDeal`], or the store failed.
    pub async fn vote(
        &self,
        voter: &User,
        deal: SharedDealId,
        vote: Vote,
    ) -> Result<SharedDeal, CommunityError> {
        let d = self.deal(deal).await?;
        if d.status != DealStatus::Verified {
            return Err(CommunityError::NotVotable(deal));
        }
        if d.user_id == voter.id {
            return Err(CommunityError::OwnDeal);
        }
        Ok(self
            .store()
            .set_deal_vote(deal, voter.id, Some(vote), self.now())
            .await?)
    }

    /// Records the referral of a user who came through `code`'s invitation (see the
    /// module doc for what is refused).
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn refer(
        &self,
        referred: &User,
        referrer: UserId,
    ) -> Result<ReferralOutcome, CommunityError> {
        let refuse = |why| Ok(ReferralOutcome::Refused { why });
        if referrer == referred.id {
            return refuse(ReferralRefusal::SelfReferral);
        }
        match self.store().get_user(referrer).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => return refuse(ReferralRefusal::UnknownReferrer),
            Err(e) => return Err(e.into()),
        }
        if self.store().referral_of(referred.id).await?.is_some() {
            return refuse(ReferralRefusal::AlreadyReferred);
        }
        let now = self.now();
        let new = referred.created_at > now - Duration::minutes(NEW_USER_MINUTES)
            && self.store().list_watches(referred.id).await?.is_empty();
        if !new {
            return refuse(ReferralRefusal::ExistingUser);
        }
        // Walk up the referrer's chain: the referred user must not be in it.
        let mut up = referrer;
        for _ in 0..64 {
            match self.store().referral_of(up).await? {
                Some(r) if r.referrer == referred.id => return refuse(ReferralRefusal::Loop),
                Some(r) => up = r.referrer,
                None => break,
            }
        }
        let referral = Referral {
            referrer,
            referred: referred.id,
            at: now,
        };
        match self.store().record_referral(&referral).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. }) => return refuse(ReferralRefusal::AlreadyReferred),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(referrer = %referrer, referred = %referred.id, "referral recorded");
        Ok(ReferralOutcome::Recorded { referrer })
    }

    /// A user's referrals and the watch slots they earned.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn referral_stats(&self, user: UserId) -> Result<ReferralStats, CommunityError> {
        let referred = self.store().referral_count(user).await?;
        let extra = referral_slots(referred);
        Ok(ReferralStats {
            referred,
            extra_watch_slots: extra,
            watch_cap: crate::watches::MAX_WATCHES_PER_USER + extra,
        })
    }

    /// Subscribes a chat to a category's deals, or changes its settings. `role` is the
    /// acting person's role in the chat, as Telegram reported it.
    ///
    /// # Errors
    ///
    /// [`CommunityError::NotAdmin`], [`CommunityError::UnknownCategory`],
    /// [`CommunityError::Invalid`] (settings out of range), or the source or store failed.
    pub async fn subscribe(
        &self,
        chat: &User,
        role: ChatRole,
        node_id: &str,
        min_score: u8,
        max_per_hour: u32,
    ) -> Result<GroupSubscription, CommunityError> {
        if !role.can_moderate() {
            return Err(CommunityError::NotAdmin);
        }
        if min_score > 100 {
            return Err(CommunityError::Invalid(
                "a minimum score is 0 to 100".to_owned(),
            ));
        }
        if !(1..=60).contains(&max_per_hour) {
            return Err(CommunityError::Invalid(
                "posts per hour must be 1 to 60".to_owned(),
            ));
        }
        let node_id = node_id.trim();
        if !crate::store::community::valid_node_id(node_id) {
            return Err(CommunityError::UnknownCategory(node_id.to_owned()));
        }
        let nodes = self
            .catalog
            .browse_nodes(&crate::ports::BrowseNodesRequest {
                marketplace: chat.settings.marketplace,
                ids: vec![node_id.to_owned()],
            })
            .await?;
        let Some(node) = nodes.into_iter().find(|n| n.id == node_id) else {
            return Err(CommunityError::UnknownCategory(node_id.to_owned()));
        };
        let sub = GroupSubscription {
            chat: chat.id,
            node_id: node.id,
            node_name: clip(&node.name, 200),
            min_score,
            max_per_hour,
            updated_at: self.now(),
        };
        self.store().save_group_subscription(&sub).await?;
        tracing::info!(chat = %chat.id, node = %sub.node_id, min_score, max_per_hour, "group subscribed");
        Ok(sub)
    }

    /// Ends a chat's subscription to a category; false when there was none.
    ///
    /// # Errors
    ///
    /// [`CommunityError::NotAdmin`], or the store failed.
    pub async fn unsubscribe(
        &self,
        chat: &User,
        role: ChatRole,
        node_id: &str,
    ) -> Result<bool, CommunityError> {
        if !role.can_moderate() {
            return Err(CommunityError::NotAdmin);
        }
        Ok(self
            .store()
            .delete_group_subscription(chat.id, node_id.trim())
            .await?)
    }

    /// A chat's subscriptions.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn subscriptions(
        &self,
        chat: &User,
    ) -> Result<Vec<GroupSubscription>, CommunityError> {
        Ok(self.store().group_subscriptions(Some(chat.id)).await?)
    }

    /// The deals that may be posted now: verified community deals of the last
    /// [`POST_WINDOW_HOURS`] hours and the engine's best deals among watched products
    /// (a product in both counts once, as the community's).
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn candidates(&self) -> Result<Vec<DealCandidate>, CommunityError> {
        let now = self.now();
        let mut out: Vec<DealCandidate> = Vec::new();
        let mut nodes: HashMap<(Marketplace, Asin), Vec<String>> = HashMap::new();
        let community = self
            .store()
            .shared_deals(&SharedDealQuery {
                user: None,
                since: Some(now - Duration::hours(POST_WINDOW_HOURS)),
                status: Some(DealStatus::Verified),
                limit: 500,
            })
            .await?;
        for d in community {
            let Some(score) = d.score else { continue };
            let ids = self.node_ids_of(&mut nodes, d.marketplace, d.asin).await?;
            if out
                .iter()
                .any(|c| c.marketplace == d.marketplace && c.asin == d.asin)
            {
                continue;
            }
            out.push(DealCandidate {
                marketplace: d.marketplace,
                asin: d.asin,
                title: d.title,
                price: d.price,
                score,
                source: PostSource::Community {
                    deal: d.id,
                    up_votes: d.up_votes,
                },
                node_ids: ids,
                at: d.created_at,
            });
        }
        let engine = self.insights.deals(200, 50).await?;
        for d in engine {
            if out
                .iter()
                .any(|c| c.marketplace == d.marketplace && c.asin == d.asin)
            {
                continue;
            }
            let ids = self.node_ids_of(&mut nodes, d.marketplace, d.asin).await?;
            out.push(DealCandidate {
                marketplace: d.marketplace,
                asin: d.asin,
                title: d.title.unwrap_or_default(),
                price: d.price,
                score: d.score.score,
                source: PostSource::Engine {
                    watchers: d.watchers,
                },
                node_ids: ids,
                at: now,
            });
        }
        Ok(out)
    }

    async fn node_ids_of(
        &self,
        cache: &mut HashMap<(Marketplace, Asin), Vec<String>>,
        m: Marketplace,
        a: Asin,
    ) -> Result<Vec<String>, StoreError> {
        if let Some(ids) = cache.get(&(m, a)) {
            return Ok(ids.clone());
        }
        let ids = self
            .store()
            .get_product(m, a)
            .await?
            .map(|p| node_ids(&p))
            .unwrap_or_default();
        cache.insert((m, a), ids.clone());
        Ok(ids)
    }

    /// Decides and records the posts every subscribed chat gets now (each product once
    /// per chat, at most the subscription's hourly cap counted over the chat's posts of
    /// the last hour). The front-end sends them; a post is recorded before it is sent, so
    /// a failed send is not retried (at most once).
    ///
    /// # Errors
    ///
    /// The store failed (posts recorded until then stay recorded and are returned by no
    /// later call).
    pub async fn due_group_posts(&self) -> Result<Vec<PlannedPost>, CommunityError> {
        let subs = self.store().group_subscriptions(None).await?;
        if subs.is_empty() {
            return Ok(Vec::new());
        }
        let candidates = self.candidates().await?;
        let now = self.now();
        let mut out = Vec::new();
        for sub in subs {
            let chat = match self.store().get_user(sub.chat).await {
                Ok(u) if u.active => u,
                Ok(_) | Err(StoreError::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            let recent = self
                .store()
                .group_posts(sub.chat, window_start(now))
                .await?;
            let room = (sub.max_per_hour as usize).saturating_sub(recent.len());
            if room == 0 {
                continue;
            }
            let posted = self
                .store()
                .group_posts(sub.chat, DateTime::<Utc>::MIN_UTC)
                .await?;
            let seen = |c: &DealCandidate| {
                posted
                    .iter()
                    .any(|p| p.marketplace == c.marketplace && p.asin == c.asin)
            };
            for c in pick_posts(&sub, &candidates, &seen, room) {
                let post = GroupPost {
                    chat: sub.chat,
                    marketplace: c.marketplace,
                    asin: c.asin,
                    deal: match c.source {
                        PostSource::Community { deal, .. } => Some(deal),
                        PostSource::Engine { .. } => None,
                    },
                    score: c.score,
                    at: now,
                };
                if self.store().record_group_post(&post).await? {
                    out.push(PlannedPost {
                        chat: chat.clone(),
                        subscription: sub.clone(),
                        deal: c.clone(),
                    });
                }
            }
        }
        Ok(out)
    }
}
