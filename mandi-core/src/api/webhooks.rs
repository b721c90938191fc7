//! Webhook subscriptions for alerts ([`WebhookService`]): an API user registers URLs, and
//! every alert of theirs is POSTed to each, signed with the subscription's secret by the
//! webhook notifier (`X-Mandi-Signature: sha256=<HMAC-SHA256 of the body>`).
//!
//! Delivery goes through the outbox like every channel: the monitoring loop writes one row
//! per alert for the [`SUBSCRIPTION_CHANNEL`], and the dispatcher hands it to the
//! [`SubscriptionNotifier`] (feature `webhook`), which posts to each of the user's
//! subscriptions that has not received this row yet and records each success in the store.
//! A failed subscription makes the row retry with backoff; the retry skips the ones already
//! reached, so each subscription gets each alert once (a crash between the POST and the
//! record repeats it with the same `Idempotency-Key`, which the receiver drops).

use std::sync::Arc;

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use crate::domain::{NewWebhook, User, Webhook, WebhookId};
use crate::ports::{Clock, Store, StoreError};

/// The outbox channel of API webhook subscriptions.
pub const SUBSCRIPTION_CHANNEL: &str = "api-webhook";
/// How many subscriptions one user may have.
pub const MAX_WEBHOOKS_PER_USER: usize = 10;
/// How a generated signing secret starts.
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

/// Errors of the webhook subscriptions.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The subscription is not acceptable (URL, secret, too many).
    #[error("{0}")]
    Invalid(String),
    /// No such subscription among the user's.
    #[error("no webhook subscription {0}")]
    NotFound(WebhookId),
    /// The store failed.
    #[error("could not read or save webhook subscriptions: {0}")]
    Store(StoreError),
}

impl From<StoreError> for WebhookError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid { reason, .. } => Self::Invalid(reason),
            other => Self::Store(other),
        }
    }
}

/// A subscription just made, with its signing secret (shown once).
#[derive(Debug)]
pub struct CreatedWebhook {
    /// The stored subscription.
    pub webhook: Webhook,
    /// The secret the receiver checks signatures with.
    pub secret: SecretString,
}

/// Makes, lists and deletes a user's webhook subscriptions.
#[derive(Clone)]
pub struct WebhookService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for WebhookService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService").finish_non_exhaustive()
    }
}

impl WebhookService {
    /// The service over a store and a clock.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Subscribes `user`'s alerts to `url` (http or https). The signing secret is
    /// `secret` when given (16 to 256 characters), else a random one.
    ///
    /// # Errors
    ///
    /// [`WebhookError::Invalid`] for a bad URL or secret or more than
    /// [`MAX_WEBHOOKS_PER_USER`] subscriptions; a store failure.
    pub async fn create(
        &self,
        user: &User,
        url: &str,
        secret: Option<SecretString>,
    ) -> Result<CreatedWebhook, WebhookError> {
        if self.store.list_webhooks(user.id).await?.len() >= MAX_WEBHOOKS_PER_USER {
            return Err(WebhookError::Invalid(format!(
                "at most {MAX_WEBHOOKS_PER_USER} webhook subscriptions per key; delete one first"
            )));
        }
        let secret = secret.unwrap_or_else(|| {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            SecretString::from(format!("{WEBHOOK_SECRET_PREFIX}{}", hex::encode(bytes)))
        });
        let webhook = self
            .store
            .create_webhook(
                &NewWebhook {
                    user_id: user.id,
                    url: url.trim().to_owned(),
                    secret: secret.expose_secret().to_owned(),
                },
                self.clock.now(),
            )
            .await?;
        Ok(CreatedWebhook { webhook, secret })
    }

    /// The user's subscriptions, oldest first.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn list(&self, user: &User) -> Result<Vec<Webhook>, WebhookError> {
        Ok(self.store.list_webhooks(user.id).await?)
    }

    /// Deletes one of the user's subscriptions.
    ///
    /// # Errors
    ///
    /// [`WebhookError::NotFound`] for an id that is not the user's; a store failure.
    pub async fn delete(&self, user: &User, id: WebhookId) -> Result<(), WebhookError> {
        match self.store.delete_webhook(user.id, id).await {
            Err(e) if e.is_not_found() => Err(WebhookError::NotFound(id)),
            other => Ok(other?),
        }
    }
}

#[cfg(feature = "webhook")]
pub use notifier::SubscriptionNotifier;

#[cfg(feature = "webhook")]
mod notifier {
    use std::sync::Arc;
    use std::time::Duration;

    use async_trait::async_trait;

    use super::SUBSCRIPTION_CHANNEL;
    use crate::alerts::notify::WebhookNotifier;
    use crate::ports::notifier::{Notification, Notifier, NotifyError};
    use crate::ports::{Clock, Store};

    /// Delivers a user's alerts to each of their webhook subscriptions (see the
    /// [module docs](super)); channel [`SUBSCRIPTION_CHANNEL`].
    ///
    /// A user without subscriptions has nothing to receive: the row is done. A
    /// subscription answering 404 or 410 fails permanently for that subscription only (the
    /// user stays active: they may have other channels).
    pub struct SubscriptionNotifier {
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        client: reqwest::Client,
    }

    impl std::fmt::Debug for SubscriptionNotifier {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("SubscriptionNotifier")
                .finish_non_exhaustive()
        }
    }

    impl SubscriptionNotifier {
        /// A notifier reading subscriptions from `store`, giving up on a receiver after
        /// `timeout`.
        ///
        /// # Errors
        ///
        /// [`NotifyError::Permanent`] when the HTTP client cannot be built.
        pub fn new(
            store: Arc<dyn Store>,
            clock: Arc<dyn Clock>,
            timeout: Duration,
        ) -> Result<Self, NotifyError> {
            let client = reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .map_err(|e| NotifyError::Permanent {
                    channel: SUBSCRIPTION_CHANNEL.to_owned(),
                    reason: format!("cannot build the HTTP client: {e}"),
                })?;
            Ok(Self {
                store,
                clock,
                client,
            })
        }
    }

    fn transient(reason: String) -> NotifyError {
        NotifyError::Transient {
            channel: SUBSCRIPTION_CHANNEL.to_owned(),
            reason,
        }
    }

    #[async_trait]
    impl Notifier for SubscriptionNotifier {
        fn channel(&self) -> &str {
            SUBSCRIPTION_CHANNEL
        }

        async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
            let store_failed = |e: crate::ports::StoreError| {
                transient(format!("the webhook subscriptions cannot be read: {e}"))
            };
            let subs = self
                .store
                .list_webhooks(n.user.id)
                .await
                .map_err(store_failed)?;
            if subs.is_empty() {
                return Ok(());
            }
            let done = self
                .store
                .webhook_deliveries(&n.idempotency_key)
                .await
                .map_err(store_failed)?;
            let mut retry: Option<NotifyError> = None;
            let mut permanent: Option<NotifyError> = None;
            for sub in subs.iter().filter(|s| !done.contains(&s.id)) {
                let result = match url::Url::parse(&sub.url) {
                    Ok(url) => WebhookNotifier::with_client(
                        self.client.clone(),
                        url,
                        sub.secret.as_bytes().to_vec(),
                    ),
                    Err(e) => Err(NotifyError::Permanent {
                        channel: SUBSCRIPTION_CHANNEL.to_owned(),
                        reason: format!("subscription {}: bad URL: {e}", sub.id),
                    }),
                };
                let result = match result {
                    Ok(hook) => hook.deliver(n).await,
                    Err(e) => Err(e),
                };
                match result {
                    Ok(()) => {
                        if let Err(e) = self
                            .store
                            .record_webhook_delivery(sub.id, &n.idempotency_key, self.clock.now())
                            .await
                            && !e.is_not_found()
                        {
                            // Delivered but not recorded: a retry repeats it with the same
                            // idempotency key, which the receiver drops.
                            retry.get_or_insert(store_failed(e));
                        }
                    }
                    Err(e) if e.is_retryable() => {
                        tracing::debug!(webhook = %sub.id, error = %e, "webhook delivery will be retried");
                        retry.get_or_insert(e);
                    }
                    Err(e) => {
                        tracing::warn!(webhook = %sub.id, error = %e, "webhook subscription refused the alert");
                        permanent.get_or_insert(NotifyError::Permanent {
                            channel: SUBSCRIPTION_CHANNEL.to_owned(),
                            reason: format!("subscription {}: {e}", sub.id),
                        });
                    }
                }
            }
            match (retry, permanent) {
                (Some(e), _) => Err(e),
                (None, Some(e)) => Err(e),
                (None, None) => Ok(()),
            }
        }
    }
}
