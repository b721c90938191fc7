//! The REST API server's tables in the in-memory store: API keys, their usage, bulk jobs.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{State, not_found};
use crate::domain::{
    ActivityFacts, AlertFact, ApiKey, ApiKeyId, BulkCounts, BulkItem, BulkJob, BulkJobId,
    DeliveryStatus, KeyUsage, NewApiKey, NewBulkJob, UserFacts, UserId, WatchState,
};
use crate::ports::store::{StoreError, StoreResult};
use crate::store::{latest, truncate, validate_bulk_job, validate_new_key};

/// The server's part of the in-memory state.
#[derive(Debug, Default)]
pub(super) struct ServerState {
    keys: BTreeMap<i64, ApiKey>,
    last_key_id: i64,
    usage: BTreeMap<(i64, NaiveDate), KeyUsage>,
    jobs: BTreeMap<i64, BulkJob>,
    items: BTreeMap<i64, Vec<BulkItem>>,
    last_job_id: i64,
}

pub(super) fn create_api_key(
    state: &mut State,
    new: &NewApiKey,
    now: DateTime<Utc>,
) -> StoreResult<ApiKey> {
    validate_new_key(new)?;
    if !state.users.contains_key(&new.user_id.0) {
        return Err(not_found("user", new.user_id));
    }
    let s = &mut state.server;
    if s.keys.values().any(|k| k.secret_hash == new.secret_hash) {
        return Err(StoreError::Conflict {
            what: "api key",
            detail: "a key with this secret hash".to_owned(),
        });
    }
    s.last_key_id += 1;
    let key = ApiKey {
        id: ApiKeyId(s.last_key_id),
        user_id: new.user_id,
        name: new.name.trim().to_owned(),
        scope: new.scope,
        prefix: new.prefix.clone(),
        secret_hash: new.secret_hash.to_ascii_lowercase(),
        rate_limit: new.rate_limit,
        created_at: truncate(now),
        revoked_at: None,
        last_used_at: None,
    };
    s.keys.insert(key.id.0, key.clone());
    Ok(key)
}

pub(super) fn api_key_by_hash(state: &State, hash: &str) -> Option<ApiKey> {
    let hash = hash.to_ascii_lowercase();
    state
        .server
        .keys
        .values()
        .find(|k| k.secret_hash == hash)
        .cloned()
}

pub(super) fn list_api_keys(state: &State) -> Vec<ApiKey> {
    state.server.keys.values().cloned().collect()
}

pub(super) fn revoke_api_key(
    state: &mut State,
    id: ApiKeyId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let key = state
        .server
        .keys
        .get_mut(&id.0)
        .ok_or_else(|| not_found("api key", id))?;
    if key.revoked_at.is_none() {
        key.revoked_at = Some(truncate(now));
    }
    Ok(())
}

pub(super) fn add_key_usage(state: &mut State, usage: &[KeyUsage]) -> StoreResult<()> {
    let s = &mut state.server;
    if let Some(u) = usage.iter().find(|u| !s.keys.contains_key(&u.key_id.0)) {
        return Err(not_found("api key", u.key_id));
    }
    for u in usage {
        let at = truncate(u.last_used_at);
        let row = s.usage.entry((u.key_id.0, u.day)).or_insert(KeyUsage {
            requests: 0,
            rejected: 0,
            last_used_at: at,
            ..*u
        });
        row.requests = row.requests.saturating_add(u.requests);
        row.rejected = row.rejected.saturating_add(u.rejected);
        row.last_used_at = row.last_used_at.max(at);
        if let Some(key) = s.keys.get_mut(&u.key_id.0) {
            key.last_used_at = latest(key.last_used_at, Some(at));
        }
    }
    Ok(())
}

pub(super) fn key_usage(state: &State, id: ApiKeyId, since: NaiveDate) -> Vec<KeyUsage> {
    state
        .server
        .usage
        .range((id.0, since)..=(id.0, NaiveDate::MAX))
        .map(|(_, u)| *u)
        .collect()
}

pub(super) fn create_bulk_job(
    state: &mut State,
    new: &NewBulkJob,
    now: DateTime<Utc>,
) -> StoreResult<BulkJob> {
    validate_bulk_job(new)?;
    if !state.users.contains_key(&new.user_id.0) {
        return Err(not_found("user", new.user_id));
    }
    let s = &mut state.server;
    s.last_job_id += 1;
    let mut counts = BulkCounts::default();
    for i in &new.items {
        counts.add(i.status);
    }
    let job = BulkJob {
        id: BulkJobId(s.last_job_id),
        user_id: new.user_id,
        spec: new.spec.clone(),
        total: u32::try_from(new.items.len()).unwrap_or(u32::MAX),
        counts,
        created_at: truncate(now),
        finished_at: None,
    };
    s.jobs.insert(job.id.0, job.clone());
    s.items.insert(job.id.0, new.items.clone());
    Ok(job)
}

pub(super) fn get_bulk_job(state: &State, user: UserId, id: BulkJobId) -> StoreResult<BulkJob> {
    state
        .server
        .jobs
        .get(&id.0)
        .filter(|j| j.user_id == user)
        .cloned()
        .ok_or_else(|| not_found("bulk job", id))
}

pub(super) fn bulk_job_items(
    state: &State,
    user: UserId,
    id: BulkJobId,
) -> StoreResult<Vec<BulkItem>> {
    get_bulk_job(state, user, id)?;
    Ok(state.server.items.get(&id.0).cloned().unwrap_or_default())
}

pub(super) fn record_bulk_items(
    state: &mut State,
    id: BulkJobId,
    items: &[BulkItem],
    finished_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let s = &mut state.server;
    let (Some(job), Some(stored)) = (s.jobs.get_mut(&id.0), s.items.get_mut(&id.0)) else {
        return Err(not_found("bulk job", id));
    };
    if let Some(bad) = items.iter().find(|i| i.position as usize >= stored.len()) {
        return Err(StoreError::Invalid {
            what: "bulk job",
            reason: format!("job {id} has no item at position {}", bad.position),
        });
    }
    for item in items {
        stored[item.position as usize] = item.clone();
    }
    let mut counts = BulkCounts::default();
    for i in stored.iter() {
        counts.add(i.status);
    }
    job.counts = counts;
    if let Some(at) = finished_at {
        job.finished_at = Some(truncate(at));
    }
    Ok(())
}

pub(super) fn unfinished_bulk_jobs(state: &State) -> Vec<BulkJob> {
    state
        .server
        .jobs
        .values()
        .filter(|j| j.finished_at.is_none())
        .cloned()
        .collect()
}

pub(super) fn activity_facts(state: &State, since: DateTime<Utc>) -> ActivityFacts {
    let users = state
        .users
        .values()
        .map(|user| {
            let mut facts = UserFacts {
                user: user.clone(),
                watches: 0,
                live_watches: 0,
                last_active_at: None,
            };
            for w in state.watches.values().filter(|w| w.user_id == user.id) {
                facts.watches += 1;
                if w.state != WatchState::Paused {
                    facts.live_watches += 1;
                }
                facts.last_active_at = latest(facts.last_active_at, Some(w.updated_at));
            }
            for s in state.searches.iter().filter(|s| s.user_id == Some(user.id)) {
                facts.last_active_at = latest(facts.last_active_at, Some(s.at));
            }
            for k in state.server.keys.values().filter(|k| k.user_id == user.id) {
                facts.last_active_at = latest(facts.last_active_at, k.last_used_at);
            }
            facts
        })
        .collect();
    let mut watches_created: Vec<_> = state
        .watches
        .values()
        .map(|w| w.created_at)
        .filter(|t| *t >= since)
        .collect();
    watches_created.sort();
    let mut alerts: Vec<AlertFact> = state
        .alerts
        .values()
        .filter(|a| a.triggered_at >= since)
        .map(|a| AlertFact {
            at: a.triggered_at,
            user_id: a.user_id,
            sent: state
                .outbox
                .values()
                .any(|o| o.entry.alert_id == a.id && o.entry.status == DeliveryStatus::Sent),
        })
        .collect();
    alerts.sort_by_key(|a| a.at);
    let count = |status: DeliveryStatus| {
        u32::try_from(
            state
                .outbox
                .values()
                .filter(|o| o.entry.status == status)
                .count(),
        )
        .unwrap_or(u32::MAX)
    };
    ActivityFacts {
        users,
        watches_created,
        alerts,
        outbox_pending: count(DeliveryStatus::Pending),
        outbox_dead: count(DeliveryStatus::Dead),
    }
}
