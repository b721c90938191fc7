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
//!
//! Whoever holds a write key chooses where the server sends requests, so by default
//! ([`WebhookTargets::PublicOnly`]) a subscription may only point at the public internet: a
//! URL naming a loopback, private, link-local or otherwise non-public address (or
//! `localhost`) is refused when it is made, a host name that resolves only to such
//! addresses is not connected to when an alert is delivered, and redirects are not
//! followed. An operator whose receivers live on their own network turns this off
//! (`[server] allow_private_webhooks = true`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
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

/// Which receivers webhook subscriptions may point at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WebhookTargets {
    /// Only hosts on the public internet (the default for a server others hold keys to).
    #[default]
    PublicOnly,
    /// Any host, loopback and private networks included (receivers on the operator's own
    /// network, and tests).
    AnyAddress,
}

/// True for an address on the public internet: not loopback, private (RFC 1918, unique
/// local), link-local (cloud metadata lives there), shared (CGNAT), unspecified,
/// broadcast, multicast, documentation or benchmarking space; an IPv4-mapped IPv6 address
/// is judged as its IPv4 address.
#[must_use]
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0064 && ip.segments()[1] == 0xff9b)
}

/// The public ones of a host name's addresses (what a delivery may connect to).
#[cfg_attr(not(feature = "webhook"), allow(dead_code))]
fn public_addresses(found: Vec<std::net::SocketAddr>) -> Vec<std::net::SocketAddr> {
    found
        .into_iter()
        .filter(|a| is_public_address(a.ip()))
        .collect()
}

/// Why `url` may not be a webhook receiver under `targets`, or `None` when it may.
/// Only the URL itself is judged here (scheme, host, a literal address, `localhost`); a
/// host name's addresses are checked when a delivery resolves it.
#[must_use]
pub fn refuse_target(url: &url::Url, targets: WebhookTargets) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Some(format!("{url} is not an http(s) URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("the URL must not carry a user name or password".to_owned());
    }
    let private = match url.host() {
        None => return Some(format!("{url} has no host")),
        Some(url::Host::Ipv4(ip)) => !is_public_address(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public_address(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
    };
    (private && targets == WebhookTargets::PublicOnly).then(|| {
        format!(
            "{} is not a public internet address; webhooks may only point at public hosts \
             (an operator allows private ones with [server] allow_private_webhooks)",
            url.host_str().unwrap_or_default()
        )
    })
}

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
    targets: WebhookTargets,
}

impl std::fmt::Debug for WebhookService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService").finish_non_exhaustive()
    }
}

impl WebhookService {
    /// The service over a store and a clock; subscriptions may point only at public hosts.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            targets: WebhookTargets::default(),
        }
    }

    /// The same service, allowing the receivers `targets` names.
    #[must_use]
    pub fn with_targets(mut self, targets: WebhookTargets) -> Self {
        self.targets = targets;
        self
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
        let parsed = url::Url::parse(url.trim())
            .map_err(|e| WebhookError::Invalid(format!("{:?} is not a URL: {e}", truncate(url))))?;
        if let Some(reason) = refuse_target(&parsed, self.targets) {
            return Err(WebhookError::Invalid(reason));
        }
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

/// At most 100 characters of a refused input, for an error message.
fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(100).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(feature = "webhook")]
pub use notifier::SubscriptionNotifier;

#[cfg(feature = "webhook")]
mod notifier {
    use std::sync::Arc;
    use std::time::Duration;

    use async_trait::async_trait;

    use super::{SUBSCRIPTION_CHANNEL, WebhookTargets, refuse_target};
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
        targets: WebhookTargets,
    }

    /// Resolves host names like the system does, then keeps only public addresses: a name
    /// that points at loopback or a private network is not connected to.
    #[derive(Debug)]
    struct PublicOnlyResolver;

    impl reqwest::dns::Resolve for PublicOnlyResolver {
        fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async move {
                let host = name.as_str().to_owned();
                let found: Vec<std::net::SocketAddr> =
                    tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
                let public = super::public_addresses(found);
                if public.is_empty() {
                    let e: Box<dyn std::error::Error + Send + Sync> = format!(
                        "{host} resolves to no public internet address; webhooks may only \
                         reach public hosts"
                    )
                    .into();
                    return Err(e);
                }
                let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
                Ok(addrs)
            })
        }
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
            Self::build(store, clock, timeout, WebhookTargets::default())
        }

        /// The same as [`SubscriptionNotifier::new`], delivering to the receivers `targets`
        /// names.
        ///
        /// # Errors
        ///
        /// [`NotifyError::Permanent`] when the HTTP client cannot be built.
        pub fn with_targets(
            store: Arc<dyn Store>,
            clock: Arc<dyn Clock>,
            timeout: Duration,
            targets: WebhookTargets,
        ) -> Result<Self, NotifyError> {
            Self::build(store, clock, timeout, targets)
        }

        fn build(
            store: Arc<dyn Store>,
            clock: Arc<dyn Clock>,
            timeout: Duration,
            targets: WebhookTargets,
        ) -> Result<Self, NotifyError> {
            // A redirect could lead anywhere: a receiver answering 3xx has not taken it.
            let mut builder = reqwest::Client::builder()
                .timeout(timeout)
                .redirect(reqwest::redirect::Policy::none());
            if targets == WebhookTargets::PublicOnly {
                builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
            }
            let client = builder.build().map_err(|e| NotifyError::Permanent {
                channel: SUBSCRIPTION_CHANNEL.to_owned(),
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
            Ok(Self {
                store,
                clock,
                client,
                targets,
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
                    // Stored when private receivers were allowed, and they no longer are.
                    Ok(url) => match refuse_target(&url, self.targets) {
                        Some(reason) => Err(NotifyError::Permanent {
                            channel: SUBSCRIPTION_CHANNEL.to_owned(),
                            reason: format!("subscription {}: {reason}", sub.id),
                        }),
                        None => WebhookNotifier::with_client(
                            self.client.clone(),
                            url,
                            sub.secret.as_bytes().to_vec(),
                        ),
                    },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> bool {
        let url = url::Url::parse(url).expect("a URL");
        refuse_target(&url, WebhookTargets::PublicOnly).is_some()
    }

    #[test]
    fn non_public_receivers_are_refused_by_default() {
        for url in [
            "http://127.0.0.1:9/x",
            "http://127.8.0.1/",
            "http://[::1]:8080/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.5/hook",
            "http://172.16.3.4/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost:8080/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://user:pw@example.com/",
            "ftp://example.com/",
        ] {
            assert!(refused(url), "{url} should be refused");
        }
    }

    #[test]
    fn public_receivers_are_accepted_and_private_ones_when_allowed() {
        for url in [
            "https://hooks.example.com/mandi",
            "http://93.184.216.34/",
            "https://[2606:4700::1111]/",
        ] {
            assert!(!refused(url), "{url} should be accepted");
        }
        let local = url::Url::parse("http://127.0.0.1:9/x").expect("a URL");
        assert_eq!(refuse_target(&local, WebhookTargets::AnyAddress), None);
    }

    #[test]
    fn a_name_resolving_to_private_addresses_keeps_only_its_public_ones() {
        let addr = |s: &str| s.parse::<std::net::SocketAddr>().expect("an address");
        let found = vec![
            addr("127.0.0.1:0"),
            addr("10.0.0.1:0"),
            addr("[::1]:0"),
            addr("93.184.216.34:0"),
        ];
        assert_eq!(public_addresses(found), vec![addr("93.184.216.34:0")]);
        assert!(public_addresses(vec![addr("169.254.169.254:0")]).is_empty());
    }

    #[test]
    fn the_refusal_names_the_host_and_the_setting() {
        let url = url::Url::parse("http://169.254.169.254/").expect("a URL");
        let reason = refuse_target(&url, WebhookTargets::PublicOnly).expect("refused");
        assert!(reason.contains("169.254.169.254"), "{reason}");
        assert!(reason.contains("allow_private_webhooks"), "{reason}");
    }
}
