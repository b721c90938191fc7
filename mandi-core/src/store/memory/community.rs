//! Community records in the in-memory store: shared deals and votes, referrals, group
//! subscriptions and posts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{State, not_found};
use crate::domain::{
    GroupPost, GroupSubscription, NewSharedDeal, Referral, SharedDeal, SharedDealId,
    SharedDealQuery, UserId, Vote,
};
use crate::ports::store::{StoreError, StoreResult};
use crate::store::community::{
    DEAL, POST, REFERRAL, deal_of, validate_new_deal, validate_referral, validate_subscription,
};
use crate::store::truncate;

/// This part of the in-memory state.
#[derive(Debug, Default)]
pub(super) struct CommunityState {
    /// Deals without tallies; deal `i` has id `i + 1`.
    deals: Vec<SharedDeal>,
    /// Votes by (deal id, voter id).
    votes: BTreeMap<(i64, i64), Vote>,
    /// Referrals by referred user id.
    referrals: BTreeMap<i64, Referral>,
    /// Subscriptions by (chat, node id).
    subs: BTreeMap<(i64, String), GroupSubscription>,
    /// Posts in the order they were recorded.
    posts: Vec<GroupPost>,
}

impl CommunityState {
    fn tallied(&self, d: &SharedDeal) -> SharedDeal {
        let mut out = d.clone();
        let votes = self
            .votes
            .range((d.id.0, i64::MIN)..=(d.id.0, i64::MAX))
            .map(|(_, v)| *v);
        let (up, down) = votes.fold((0u32, 0u32), |(u, n), v| match v {
            Vote::Up => (u + 1, n),
            Vote::Down => (u, n + 1),
        });
        out.up_votes = up;
        out.down_votes = down;
        out
    }
}

pub(super) fn create_deal(state: &mut State, new: &NewSharedDeal) -> StoreResult<SharedDeal> {
    let new = validate_new_deal(new)?;
    if !state.users.contains_key(&new.user_id.0) {
        return Err(not_found("user", new.user_id));
    }
    let c = &mut state.community;
    let deal = deal_of(c.deals.len() as i64 + 1, new);
    c.deals.push(deal.clone());
    Ok(deal)
}

pub(super) fn deal(state: &State, id: SharedDealId) -> Option<SharedDeal> {
    let c = &state.community;
    usize::try_from(id.0 - 1)
        .ok()
        .and_then(|i| c.deals.get(i))
        .map(|d| c.tallied(d))
}

pub(super) fn deals(state: &State, q: &SharedDealQuery) -> Vec<SharedDeal> {
    let c = &state.community;
    let mut out: Vec<SharedDeal> = c
        .deals
        .iter()
        .filter(|d| q.user.is_none_or(|u| d.user_id == u))
        .filter(|d| q.since.is_none_or(|s| d.created_at >= truncate(s)))
        .filter(|d| q.status.is_none_or(|s| d.status == s))
        .map(|d| c.tallied(d))
        .collect();
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    out.truncate(q.limit);
    out
}

pub(super) fn set_vote(
    state: &mut State,
    id: SharedDealId,
    voter: UserId,
    vote: Option<Vote>,
) -> StoreResult<SharedDeal> {
    if deal(state, id).is_none() {
        return Err(not_found(DEAL, id));
    }
    if !state.users.contains_key(&voter.0) {
        return Err(not_found("user", voter));
    }
    let c = &mut state.community;
    match vote {
        Some(v) => {
            c.votes.insert((id.0, voter.0), v);
        }
        None => {
            c.votes.remove(&(id.0, voter.0));
        }
    }
    deal(state, id).ok_or_else(|| not_found(DEAL, id))
}

pub(super) fn record_referral(state: &mut State, r: &Referral) -> StoreResult<()> {
    let r = validate_referral(r)?;
    for u in [r.referrer, r.referred] {
        if !state.users.contains_key(&u.0) {
            return Err(not_found("user", u));
        }
    }
    let c = &mut state.community;
    if c.referrals.contains_key(&r.referred.0) {
        return Err(StoreError::Conflict {
            what: REFERRAL,
            detail: format!("user {} was already referred", r.referred),
        });
    }
    c.referrals.insert(r.referred.0, r);
    Ok(())
}

pub(super) fn referral_of(state: &State, referred: UserId) -> Option<Referral> {
    state.community.referrals.get(&referred.0).copied()
}

pub(super) fn referral_count(state: &State, referrer: UserId) -> u32 {
    let n = state
        .community
        .referrals
        .values()
        .filter(|r| r.referrer == referrer)
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(super) fn save_sub(state: &mut State, s: &GroupSubscription) -> StoreResult<()> {
    let s = validate_subscription(s)?;
    if !state.users.contains_key(&s.chat.0) {
        return Err(not_found("user", s.chat));
    }
    state
        .community
        .subs
        .insert((s.chat.0, s.node_id.clone()), s);
    Ok(())
}

pub(super) fn delete_sub(state: &mut State, chat: UserId, node_id: &str) -> bool {
    state
        .community
        .subs
        .remove(&(chat.0, node_id.to_owned()))
        .is_some()
}

pub(super) fn subs(state: &State, chat: Option<UserId>) -> Vec<GroupSubscription> {
    state
        .community
        .subs
        .values()
        .filter(|s| chat.is_none_or(|c| s.chat == c))
        .cloned()
        .collect()
}

pub(super) fn record_post(state: &mut State, p: &GroupPost) -> StoreResult<bool> {
    if !state.users.contains_key(&p.chat.0) {
        return Err(not_found("user", p.chat));
    }
    if let Some(d) = p.deal
        && deal(state, d).is_none()
    {
        return Err(not_found(DEAL, d));
    }
    if p.score > 100 {
        return Err(StoreError::Invalid {
            what: POST,
            reason: "a score is 0 to 100".to_owned(),
        });
    }
    let c = &mut state.community;
    if c.posts
        .iter()
        .any(|q| q.chat == p.chat && q.marketplace == p.marketplace && q.asin == p.asin)
    {
        return Ok(false);
    }
    let mut p = p.clone();
    p.at = truncate(p.at);
    c.posts.push(p);
    Ok(true)
}

pub(super) fn posts(state: &State, chat: UserId, since: DateTime<Utc>) -> Vec<GroupPost> {
    let since = truncate(since);
    let mut out: Vec<GroupPost> = state
        .community
        .posts
        .iter()
        .filter(|p| p.chat == chat && p.at >= since)
        .cloned()
        .collect();
    out.sort_by_key(|p| p.at);
    out
}
