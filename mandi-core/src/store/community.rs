//! Checks shared by the adapters for community records (shared deals, referrals, group
//! subscriptions and posts).

use crate::domain::{
    DealStatus, GroupSubscription, MAX_REASON_CHARS, NewSharedDeal, Referral, SharedDeal,
};
use crate::ports::store::{StoreError, StoreResult};

/// What errors about shared deals name.
pub(crate) const DEAL: &str = "shared deal";
/// What errors about referrals name.
pub(crate) const REFERRAL: &str = "referral";
/// What errors about group subscriptions name.
pub(crate) const SUB: &str = "group subscription";
/// What errors about group posts name.
pub(crate) const POST: &str = "group post";

/// The longest category name kept, in characters.
pub(crate) const MAX_NODE_NAME_CHARS: usize = 200;

fn invalid(what: &'static str, reason: &str) -> StoreError {
    StoreError::Invalid {
        what,
        reason: reason.to_owned(),
    }
}

/// Refuses a shared deal that cannot be stored and returns it normalised (time truncated
/// to the millisecond).
pub(crate) fn validate_new_deal(d: &NewSharedDeal) -> StoreResult<NewSharedDeal> {
    if d.score.is_some_and(|s| s > 100) {
        return Err(invalid(DEAL, "a score is 0 to 100"));
    }
    let currency = d.marketplace.currency();
    if [d.price, d.claimed_price]
        .iter()
        .flatten()
        .any(|m| m.currency() != currency)
    {
        return Err(invalid(
            DEAL,
            "prices must be in the marketplace's currency",
        ));
    }
    match d.status {
        DealStatus::Verified if d.price.is_none() => {
            return Err(invalid(DEAL, "a verified deal has a price"));
        }
        DealStatus::Verified if d.reason.is_some() => {
            return Err(invalid(DEAL, "a verified deal has no rejection reason"));
        }
        DealStatus::Rejected if d.reason.as_deref().is_none_or(|r| r.trim().is_empty()) => {
            return Err(invalid(DEAL, "a rejected deal says why"));
        }
        _ => {}
    }
    if let Some(r) = &d.reason
        && r.chars().count() > MAX_REASON_CHARS
    {
        return Err(invalid(DEAL, "a reason is at most 300 characters"));
    }
    let mut out = d.clone();
    out.created_at = crate::store::truncate(d.created_at);
    Ok(out)
}

/// The stored deal of a new one, with no votes.
pub(crate) fn deal_of(id: i64, d: NewSharedDeal) -> SharedDeal {
    SharedDeal {
        id: crate::domain::SharedDealId(id),
        user_id: d.user_id,
        marketplace: d.marketplace,
        asin: d.asin,
        title: d.title,
        price: d.price,
        claimed_price: d.claimed_price,
        score: d.score,
        status: d.status,
        reason: d.reason,
        created_at: d.created_at,
        up_votes: 0,
        down_votes: 0,
    }
}

/// Refuses a self-referral.
pub(crate) fn validate_referral(r: &Referral) -> StoreResult<Referral> {
    if r.referrer == r.referred {
        return Err(invalid(REFERRAL, "a user cannot refer themselves"));
    }
    let mut out = *r;
    out.at = crate::store::truncate(r.at);
    Ok(out)
}

/// True for a browse node id: 1 to 20 ASCII digits.
pub(crate) fn valid_node_id(id: &str) -> bool {
    (1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

/// Refuses a subscription that cannot be stored and returns it normalised.
pub(crate) fn validate_subscription(s: &GroupSubscription) -> StoreResult<GroupSubscription> {
    if !valid_node_id(&s.node_id) {
        return Err(invalid(SUB, "a category id is 1 to 20 digits"));
    }
    let name = s.node_name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NODE_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(invalid(SUB, "a category name is 1 to 200 characters"));
    }
    if s.min_score > 100 {
        return Err(invalid(SUB, "a minimum score is 0 to 100"));
    }
    if !(1..=60).contains(&s.max_per_hour) {
        return Err(invalid(SUB, "at most 1 to 60 posts an hour"));
    }
    let mut out = s.clone();
    out.node_name = name.to_owned();
    out.updated_at = crate::store::truncate(s.updated_at);
    Ok(out)
}

/// Row decoding of the SQL stores.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod rows {
    use super::{DEAL, POST, SUB};
    use crate::domain::{
        DealStatus, GroupPost, GroupSubscription, SharedDeal, SharedDealId, UserId,
    };
    use crate::ports::store::{StoreError, StoreResult};
    use crate::store::decode::{asin, marketplace, money, time};

    /// The columns of [`DealRow`], in order, for SELECTs of `shared_deals d` (the tallies
    /// are counted from `deal_votes`).
    pub(crate) const DEAL_COLUMNS: &str = "d.id, d.user_id, d.marketplace, d.asin, d.title, \
         d.price_minor, d.claimed_minor, d.currency, d.score, d.status, d.reason, d.created_at_ms, \
         (SELECT COUNT(*) FROM deal_votes v WHERE v.deal_id = d.id AND v.vote = 1), \
         (SELECT COUNT(*) FROM deal_votes v WHERE v.deal_id = d.id AND v.vote = -1)";

    /// A shared deal's stored columns, as read back.
    #[derive(Debug)]
    pub(crate) struct DealRow {
        pub id: i64,
        pub user_id: i64,
        pub marketplace: String,
        pub asin: String,
        pub title: String,
        pub price_minor: Option<i64>,
        pub claimed_minor: Option<i64>,
        pub currency: String,
        pub score: Option<i64>,
        pub status: String,
        pub reason: Option<String>,
        pub created_at_ms: i64,
        pub up: i64,
        pub down: i64,
    }

    fn corrupt(what: &'static str, detail: String) -> StoreError {
        StoreError::Corrupt { what, detail }
    }

    impl DealRow {
        /// The domain value.
        pub(crate) fn decode(self) -> StoreResult<SharedDeal> {
            let price = match self.price_minor {
                Some(m) => money(Some(m), Some(self.currency.clone()), DEAL)?,
                None => None,
            };
            let claimed_price = match self.claimed_minor {
                Some(m) => money(Some(m), Some(self.currency.clone()), DEAL)?,
                None => None,
            };
            Ok(SharedDeal {
                id: SharedDealId(self.id),
                user_id: UserId(self.user_id),
                marketplace: marketplace(&self.marketplace, DEAL)?,
                asin: asin(&self.asin, DEAL)?,
                title: self.title,
                price,
                claimed_price,
                score: self
                    .score
                    .map(|s| {
                        u8::try_from(s)
                            .ok()
                            .filter(|s| *s <= 100)
                            .ok_or_else(|| corrupt(DEAL, format!("score {s}")))
                    })
                    .transpose()?,
                status: DealStatus::parse(&self.status)
                    .ok_or_else(|| corrupt(DEAL, format!("unknown status {:?}", self.status)))?,
                reason: self.reason,
                created_at: time(self.created_at_ms, DEAL)?,
                up_votes: u32::try_from(self.up).unwrap_or(u32::MAX),
                down_votes: u32::try_from(self.down).unwrap_or(u32::MAX),
            })
        }
    }

    /// The columns of a subscription, in [`sub_of`] order.
    pub(crate) const SUB_COLUMNS: &str =
        "chat_user_id, node_id, node_name, min_score, max_per_hour, updated_at_ms";

    /// A subscription of its stored columns.
    pub(crate) fn sub_of(
        chat: i64,
        node_id: String,
        node_name: String,
        min_score: i64,
        max_per_hour: i64,
        updated_at_ms: i64,
    ) -> StoreResult<GroupSubscription> {
        Ok(GroupSubscription {
            chat: UserId(chat),
            node_id,
            node_name,
            min_score: u8::try_from(min_score)
                .map_err(|_| corrupt(SUB, format!("minimum score {min_score}")))?,
            max_per_hour: u32::try_from(max_per_hour)
                .map_err(|_| corrupt(SUB, format!("hourly cap {max_per_hour}")))?,
            updated_at: time(updated_at_ms, SUB)?,
        })
    }

    /// The columns of a group post, in [`post_of`] order.
    pub(crate) const POST_COLUMNS: &str = "chat_user_id, marketplace, asin, deal_id, score, at_ms";

    /// A group post of its stored columns.
    pub(crate) fn post_of(
        chat: i64,
        market: String,
        product: String,
        deal: Option<i64>,
        score: i64,
        at_ms: i64,
    ) -> StoreResult<GroupPost> {
        Ok(GroupPost {
            chat: UserId(chat),
            marketplace: marketplace(&market, POST)?,
            asin: asin(&product, POST)?,
            deal: deal.map(SharedDealId),
            score: u8::try_from(score).map_err(|_| corrupt(POST, format!("score {score}")))?,
            at: time(at_ms, POST)?,
        })
    }
}
