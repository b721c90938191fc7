//! Receiving updates: long polling ([`Poller`]) or a webhook ([`webhook_router`]).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc;

use super::client::{BotClient, RawUpdate};
use super::error::TelegramError;
use super::types::Update;

/// The header Telegram sends the webhook secret in.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Exponential backoff between failed polls: 0.5 s doubling to 30 s; flood control's
/// `retry_after` wins when given.
#[derive(Debug, Clone)]
pub struct Backoff {
    current: Duration,
    min: Duration,
    max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Duration::from_millis(500), Duration::from_secs(30))
    }
}

impl Backoff {
    /// A backoff between `min` and `max`.
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            current: min,
            min,
            max,
        }
    }

    /// The wait after this failure (doubling each time).
    pub fn next_wait(&mut self, error: &TelegramError) -> Duration {
        if let Some(wait) = error.retry_after() {
            return wait;
        }
        let wait = self.current;
        self.current = (self.current * 2).min(self.max);
        wait
    }

    /// Back to the shortest wait after a success.
    pub fn reset(&mut self) {
        self.current = self.min;
    }
}

/// Long polling with `getUpdates`: keeps the offset past every update seen (malformed ones
/// included) and backs off on failures.
#[derive(Debug)]
pub struct Poller {
    client: BotClient,
    offset: Option<i64>,
    timeout_secs: u32,
    backoff: Backoff,
    malformed: u64,
}

impl Poller {
    /// A poller waiting up to `timeout_secs` per request (25 is typical; 0 for short polls).
    pub fn new(client: BotClient, timeout_secs: u32) -> Self {
        Self {
            client,
            offset: None,
            timeout_secs,
            backoff: Backoff::default(),
            malformed: 0,
        }
    }

    /// The same poller with another backoff.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The next offset asked for.
    pub fn offset(&self) -> Option<i64> {
        self.offset
    }

    /// How many malformed updates were skipped so far.
    pub fn malformed_count(&self) -> u64 {
        self.malformed
    }

    /// One `getUpdates` call; moves the offset past everything returned.
    ///
    /// # Errors
    ///
    /// The call failed (the offset is unchanged).
    pub async fn poll_once(&mut self) -> Result<Vec<Update>, TelegramError> {
        let raw = self
            .client
            .get_updates(self.offset, 100, self.timeout_secs)
            .await?;
        let mut out = Vec::with_capacity(raw.len());
        for r in raw {
            if let Some(id) = r.update_id() {
                let next = id.saturating_add(1);
                if self.offset.is_none_or(|o| next > o) {
                    self.offset = Some(next);
                }
            }
            match r {
                RawUpdate::Update(u) => out.push(*u),
                RawUpdate::Malformed { update_id, error } => {
                    self.malformed += 1;
                    tracing::warn!(?update_id, %error, "skipped an update that could not be read");
                }
            }
        }
        Ok(out)
    }

    /// Polls until the receiver is dropped, sending every update into `tx`; waits with
    /// backoff after failures. Stops with the error when the token is refused.
    ///
    /// # Errors
    ///
    /// [`TelegramError::Unauthorized`]: retrying cannot help.
    pub async fn run(mut self, tx: mpsc::Sender<Update>) -> Result<(), TelegramError> {
        loop {
            match self.poll_once().await {
                Ok(updates) => {
                    self.backoff.reset();
                    for u in updates {
                        if tx.send(u).await.is_err() {
                            return Ok(());
                        }
                    }
                }
                Err(e @ TelegramError::Unauthorized { .. }) => return Err(e),
                Err(e) => {
                    let wait = self.backoff.next_wait(&e);
                    tracing::warn!(error = %e, ?wait, "getUpdates failed; backing off");
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = tx.closed() => return Ok(()),
                    }
                }
            }
        }
    }
}

#[derive(Clone)]
struct WebhookState {
    secret: Arc<SecretString>,
    tx: mpsc::Sender<Update>,
}

/// An axum router that accepts Telegram's webhook POSTs at `path`, checks the secret-token
/// header (401 when wrong or missing) and forwards each update into `tx`. Updates that cannot
/// be read are acknowledged (200) and dropped, so Telegram does not resend them forever.
pub fn webhook_router(path: &str, secret: SecretString, tx: mpsc::Sender<Update>) -> Router {
    let state = WebhookState {
        secret: Arc::new(secret),
        tx,
    };
    Router::new()
        .route(path, post(webhook_handler))
        .with_state(state)
}

async fn webhook_handler(
    State(state): State<WebhookState>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !constant_time_eq(given, state.secret.expose_secret().as_bytes()) {
        tracing::warn!("webhook request with a wrong or missing secret token refused");
        return StatusCode::UNAUTHORIZED;
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "webhook body is not JSON; dropped");
            return StatusCode::OK;
        }
    };
    match RawUpdate::from_value(value) {
        RawUpdate::Update(u) => {
            if state.tx.send(*u).await.is_err() {
                return StatusCode::SERVICE_UNAVAILABLE;
            }
        }
        RawUpdate::Malformed { update_id, error } => {
            tracing::warn!(?update_id, %error, "webhook update could not be read; dropped");
        }
    }
    StatusCode::OK
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_respects_retry_after() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(350));
        let net = TelegramError::Network {
            method: "getUpdates".into(),
            message: "down".into(),
        };
        assert_eq!(b.next_wait(&net), Duration::from_millis(100));
        assert_eq!(b.next_wait(&net), Duration::from_millis(200));
        assert_eq!(b.next_wait(&net), Duration::from_millis(350));
        let flood = TelegramError::RateLimited {
            method: "getUpdates".into(),
            retry_after: Duration::from_secs(3),
            description: String::new(),
        };
        assert_eq!(b.next_wait(&flood), Duration::from_secs(3));
        b.reset();
        assert_eq!(b.next_wait(&net), Duration::from_millis(100));
    }

    #[test]
    fn secret_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"ab", b"abc"));
    }
}
