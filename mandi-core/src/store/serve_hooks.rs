//! Checks shared by the adapters for webhook subscriptions and admin sessions.

use crate::domain::{AdminSession, NewWebhook};
use crate::ports::store::{StoreError, StoreResult};

/// Refuses a subscription that cannot be stored (nothing is written).
pub(crate) fn validate_new_webhook(w: &NewWebhook) -> StoreResult<()> {
    let url = url::Url::parse(w.url.trim()).map_err(|e| StoreError::Invalid {
        what: "webhook",
        reason: format!("{:?} is not a URL: {e}", w.url),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(StoreError::Invalid {
            what: "webhook",
            reason: format!("{:?} is not an http(s) URL with a host", w.url),
        });
    }
    if w.url.len() > 2_000 {
        return Err(StoreError::Invalid {
            what: "webhook",
            reason: "the URL is longer than 2,000 bytes".to_owned(),
        });
    }
    let n = w.secret.chars().count();
    if !(16..=256).contains(&n) || w.secret.chars().any(char::is_control) {
        return Err(StoreError::Invalid {
            what: "webhook",
            reason: "the signing secret must be 16 to 256 characters without control characters"
                .to_owned(),
        });
    }
    Ok(())
}

/// Refuses a session that cannot be stored (nothing is written).
pub(crate) fn validate_session(s: &AdminSession) -> StoreResult<()> {
    if s.id_hash.len() != 64 || !s.id_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Invalid {
            what: "admin session",
            reason: "the id hash must be 64 hex digits (SHA-256)".to_owned(),
        });
    }
    if s.expires_at <= s.created_at {
        return Err(StoreError::Invalid {
            what: "admin session",
            reason: "a session must end after it starts".to_owned(),
        });
    }
    Ok(())
}
