//! Webhook subscriptions, their deliveries and admin sessions in the in-memory store.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::{State, not_found};
use crate::domain::{AdminSession, NewWebhook, UserId, Webhook, WebhookId};
use crate::ports::store::StoreResult;
use crate::store::serve_hooks::{validate_new_webhook, validate_session};
use crate::store::truncate;

/// This part of the in-memory state.
#[derive(Debug, Default)]
pub(super) struct HookState {
    hooks: BTreeMap<i64, Webhook>,
    last_hook_id: i64,
    /// Idempotency key → subscriptions that received it.
    delivered: HashMap<String, BTreeSet<i64>>,
    /// Id hash → session.
    sessions: HashMap<String, AdminSession>,
}

pub(super) fn create_webhook(
    state: &mut State,
    new: &NewWebhook,
    now: DateTime<Utc>,
) -> StoreResult<Webhook> {
    validate_new_webhook(new)?;
    if !state.users.contains_key(&new.user_id.0) {
        return Err(not_found("user", new.user_id));
    }
    let h = &mut state.hooks;
    h.last_hook_id += 1;
    let hook = Webhook {
        id: WebhookId(h.last_hook_id),
        user_id: new.user_id,
        url: new.url.trim().to_owned(),
        secret: new.secret.clone(),
        created_at: truncate(now),
    };
    h.hooks.insert(hook.id.0, hook.clone());
    Ok(hook)
}

pub(super) fn list_webhooks(state: &State, user: UserId) -> Vec<Webhook> {
    state
        .hooks
        .hooks
        .values()
        .filter(|w| w.user_id == user)
        .cloned()
        .collect()
}

pub(super) fn delete_webhook(state: &mut State, user: UserId, id: WebhookId) -> StoreResult<()> {
    let h = &mut state.hooks;
    if h.hooks.get(&id.0).is_none_or(|w| w.user_id != user) {
        return Err(not_found("webhook", id));
    }
    h.hooks.remove(&id.0);
    for subs in h.delivered.values_mut() {
        subs.remove(&id.0);
    }
    h.delivered.retain(|_, subs| !subs.is_empty());
    Ok(())
}

pub(super) fn webhook_deliveries(state: &State, key: &str) -> Vec<WebhookId> {
    state
        .hooks
        .delivered
        .get(key)
        .map(|s| s.iter().map(|id| WebhookId(*id)).collect())
        .unwrap_or_default()
}

pub(super) fn record_webhook_delivery(
    state: &mut State,
    id: WebhookId,
    key: &str,
) -> StoreResult<()> {
    let h = &mut state.hooks;
    if !h.hooks.contains_key(&id.0) {
        return Err(not_found("webhook", id));
    }
    h.delivered.entry(key.to_owned()).or_default().insert(id.0);
    Ok(())
}

pub(super) fn create_admin_session(
    state: &mut State,
    s: &AdminSession,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    validate_session(s)?;
    let now = truncate(now);
    let sessions = &mut state.hooks.sessions;
    sessions.retain(|_, x| x.expires_at > now);
    let id_hash = s.id_hash.to_ascii_lowercase();
    if sessions.contains_key(&id_hash) {
        return Err(crate::ports::store::StoreError::Conflict {
            what: "admin session",
            detail: "a session with this id hash".to_owned(),
        });
    }
    sessions.insert(
        id_hash.clone(),
        AdminSession {
            id_hash,
            created_at: truncate(s.created_at),
            expires_at: truncate(s.expires_at),
        },
    );
    Ok(())
}

pub(super) fn admin_session(
    state: &State,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Option<AdminSession> {
    let now = truncate(now);
    state
        .hooks
        .sessions
        .get(&id_hash.to_ascii_lowercase())
        .filter(|s| s.expires_at > now)
        .cloned()
}

pub(super) fn delete_admin_session(state: &mut State, id_hash: &str) {
    state.hooks.sessions.remove(&id_hash.to_ascii_lowercase());
}
