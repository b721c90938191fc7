//! Alerts POSTed as JSON to a webhook, signed with HMAC-SHA256 (feature `webhook`).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::JsonLinesRecord;
use crate::ports::notifier::{Notification, Notifier, NotifyError};

/// The signature header: `sha256=<hex HMAC-SHA256 of the body under the shared secret>`.
pub const SIGNATURE_HEADER: &str = "X-Mandi-Signature";
/// The idempotency key header; receivers drop a key they have seen.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret`.
///
/// # Examples
///
/// ```
/// use mandi_core::alerts::notify::sign_body;
/// // RFC 4231 test case 2.
/// assert_eq!(
///     sign_body(b"Jefe", b"what do ya want for nothing?"),
///     "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
/// );
/// ```
pub fn sign_body(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// POSTs each alert as JSON ([`JsonLinesRecord`]) to a URL with the headers
/// [`SIGNATURE_HEADER`] and [`IDEMPOTENCY_HEADER`].
///
/// Replies: 2xx delivered; 404 and 410 recipient gone; 429 rate limited (honouring
/// `Retry-After` seconds); other 4xx permanent; 5xx, timeouts and connection failures
/// transient.
pub struct WebhookNotifier {
    client: reqwest::Client,
    url: url::Url,
    secret: Vec<u8>,
}

impl fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookNotifier")
            .field("url", &self.url.as_str())
            .field("secret", &"[redacted]")
            .finish()
    }
}

fn transient(reason: String) -> NotifyError {
    NotifyError::Transient {
        channel: "webhook".to_owned(),
        reason,
    }
}

impl WebhookNotifier {
    /// A notifier posting to `url`, signing with `secret`, giving up on a reply after
    /// `timeout`.
    ///
    /// # Errors
    ///
    /// [`NotifyError::Permanent`] when the HTTP client cannot be built or the URL is not
    /// http(s).
    pub fn new(
        url: url::Url,
        secret: impl Into<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Self, NotifyError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(NotifyError::Permanent {
                channel: "webhook".to_owned(),
                reason: format!(
                    "the webhook URL must be http or https, not {:?}",
                    url.scheme()
                ),
            });
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| NotifyError::Permanent {
                channel: "webhook".to_owned(),
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Self {
            client,
            url,
            secret: secret.into(),
        })
    }

    /// A notifier posting to `url` through an HTTP client shared with others (its timeout
    /// applies), signing with `secret`.
    ///
    /// # Errors
    ///
    /// [`NotifyError::Permanent`] when the URL is not http(s).
    pub fn with_client(
        client: reqwest::Client,
        url: url::Url,
        secret: impl Into<Vec<u8>>,
    ) -> Result<Self, NotifyError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(NotifyError::Permanent {
                channel: "webhook".to_owned(),
                reason: format!(
                    "the webhook URL must be http or https, not {:?}",
                    url.scheme()
                ),
            });
        }
        Ok(Self {
            client,
            url,
            secret: secret.into(),
        })
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    fn channel(&self) -> &str {
        "webhook"
    }

    async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
        let body = serde_json::to_vec(&JsonLinesRecord {
            idempotency_key: n.idempotency_key.clone(),
            user_id: n.user.id,
            alert: n.alert.clone(),
        })
        .map_err(|e| NotifyError::Permanent {
            channel: "webhook".to_owned(),
            reason: format!("the alert cannot be written as JSON: {e}"),
        })?;
        let signature = sign_body(&self.secret, &body);
        let reply = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(IDEMPOTENCY_HEADER, &n.idempotency_key)
            .body(body)
            .send()
            .await
            .map_err(|e| transient(format!("the webhook did not answer: {e}")))?;
        let status = reply.status();
        if status.is_success() {
            return Ok(());
        }
        let code = status.as_u16();
        Err(match code {
            404 | 410 => NotifyError::RecipientGone {
                channel: "webhook".to_owned(),
                reason: format!("the webhook answered {status}"),
            },
            429 => NotifyError::RateLimited {
                channel: "webhook".to_owned(),
                retry_after: Duration::from_secs(
                    reply
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(60),
                ),
            },
            400..=499 => NotifyError::Permanent {
                channel: "webhook".to_owned(),
                reason: format!("the webhook refused the alert with {status}"),
            },
            _ => transient(format!("the webhook answered {status}")),
        })
    }
}
