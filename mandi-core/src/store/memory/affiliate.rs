//! Affiliate click targets and clicks in the in-memory store.

use chrono::{DateTime, Utc};

use super::{State, not_found};
use crate::domain::{AffiliateClick, AffiliateOrder, ClickTarget, ClickTargetId, NewClickTarget};
use crate::ports::store::{StoreError, StoreResult};
use crate::store::affiliate::{W, validate_new_target, validate_orders};
use crate::store::truncate;

/// This part of the in-memory state.
#[derive(Debug, Default)]
pub(super) struct AffiliateState {
    /// Targets; target `i` has id `i + 1`.
    targets: Vec<ClickTarget>,
    /// Clicks in the order they were recorded.
    clicks: Vec<AffiliateClick>,
    /// Imported report rows in the order they were stored.
    orders: Vec<AffiliateOrder>,
}

pub(super) fn create_target(state: &mut State, new: &NewClickTarget) -> StoreResult<ClickTarget> {
    let new = validate_new_target(new)?;
    if !state.users.contains_key(&new.user_id.0) {
        return Err(not_found("user", new.user_id));
    }
    let a = &mut state.affiliate;
    if a.targets.iter().any(|t| t.token_hash == new.token_hash) {
        return Err(StoreError::Conflict {
            what: W,
            detail: "a target with this token hash is already stored".to_owned(),
        });
    }
    let target = ClickTarget {
        id: ClickTargetId(a.targets.len() as i64 + 1),
        token_hash: new.token_hash,
        user_id: new.user_id,
        source: new.source,
        marketplace: new.marketplace,
        asin: new.asin,
        variant: new.variant,
        link_format: new.link_format,
        created_at: new.created_at,
    };
    a.targets.push(target.clone());
    Ok(target)
}

pub(super) fn target(state: &State, token_hash: &str) -> Option<ClickTarget> {
    let hash = token_hash.to_ascii_lowercase();
    state
        .affiliate
        .targets
        .iter()
        .find(|t| t.token_hash == hash)
        .cloned()
}

fn live_target(state: &State, id: ClickTargetId) -> Option<&ClickTarget> {
    let t = usize::try_from(id.0 - 1)
        .ok()
        .and_then(|i| state.affiliate.targets.get(i))?;
    // A deleted user takes their targets along, as the SQL stores' cascade does.
    state.users.contains_key(&t.user_id.0).then_some(t)
}

pub(super) fn record_click(
    state: &mut State,
    target: ClickTargetId,
    at: DateTime<Utc>,
) -> StoreResult<AffiliateClick> {
    let found = live_target(state, target).ok_or_else(|| not_found(W, target))?;
    let click = AffiliateClick::of(found, truncate(at));
    state.affiliate.clicks.push(click.clone());
    Ok(click)
}

pub(super) fn targets_between(
    state: &State,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<ClickTarget> {
    let (since, until) = (truncate(since), truncate(until));
    let mut out: Vec<ClickTarget> = state
        .affiliate
        .targets
        .iter()
        .filter(|t| t.created_at >= since && t.created_at < until)
        .filter(|t| state.users.contains_key(&t.user_id.0))
        .cloned()
        .collect();
    out.sort_by_key(|t| (t.created_at, t.id));
    out
}

pub(super) fn clicks(
    state: &State,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<AffiliateClick> {
    let (since, until) = (truncate(since), truncate(until));
    let mut out: Vec<AffiliateClick> = state
        .affiliate
        .clicks
        .iter()
        .filter(|c| c.at >= since && c.at < until)
        .filter(|c| live_target(state, c.target_id).is_some())
        .cloned()
        .collect();
    // Stable: ties stay in the order they were recorded.
    out.sort_by_key(|c| c.at);
    out
}

pub(super) fn record_orders(state: &mut State, orders: &[AffiliateOrder]) -> StoreResult<usize> {
    validate_orders(orders)?;
    for o in orders {
        let known_user = o.user_id.is_none_or(|u| state.users.contains_key(&u.0));
        let known_target = o
            .click_target
            .is_none_or(|t| live_target(state, t).is_some());
        if !(known_user && known_target) {
            // As the SQL stores' foreign keys refuse it, the whole batch included.
            return Err(StoreError::Conflict {
                what: crate::store::affiliate::ORDER,
                detail: format!("row {} names an unknown click or user", o.import_key),
            });
        }
    }
    let mut added = 0;
    for o in orders {
        let key = o.import_key.to_ascii_lowercase();
        if state.affiliate.orders.iter().any(|s| s.import_key == key) {
            continue;
        }
        let mut stored = o.clone();
        stored.import_key = key;
        state.affiliate.orders.push(stored);
        added += 1;
    }
    Ok(added)
}

pub(super) fn orders(
    state: &State,
    since: chrono::NaiveDate,
    until: chrono::NaiveDate,
) -> Vec<AffiliateOrder> {
    let mut out: Vec<AffiliateOrder> = state
        .affiliate
        .orders
        .iter()
        .filter(|o| o.day >= since && o.day < until)
        .cloned()
        .collect();
    out.sort_by_key(|o| o.day);
    out
}
