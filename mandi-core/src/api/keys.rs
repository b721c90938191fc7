//! API keys: made with a random secret shown once, stored as its SHA-256, each acting as
//! one Mandi user; usage counted in memory and flushed to the store in batches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::domain::{
    ApiKey, ApiKeyId, ExternalIdentity, KeyScope, KeyUsage, NewApiKey, NewUser, RateLimit, User,
    UserSettings,
};
use crate::ports::{Clock, Store, StoreError};

/// How a key's secret starts (`mk_` and 64 hex digits).
pub const SECRET_PREFIX: &str = "mk_";
/// The identity provider of the users API keys act as.
pub const KEY_IDENTITY_PROVIDER: &str = "api";
/// How long an authenticated key is remembered before the store is asked again (a key
/// revoked by another process stops working within this time; one revoked through this
/// service stops at once).
pub const AUTH_CACHE_SECS: i64 = 5;

/// Errors of the key service.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The request to make a key is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// No key has this secret.
    #[error("unknown API key")]
    Unknown,
    /// The key was revoked.
    #[error("this API key was revoked")]
    Revoked,
    /// The store failed.
    #[error("could not read or save API keys: {0}")]
    Store(#[from] StoreError),
}

/// A key just made, with its secret (shown once, never stored).
#[derive(Debug)]
pub struct CreatedKey {
    /// The stored key.
    pub key: ApiKey,
    /// The secret to hand to the caller.
    pub secret: SecretString,
}

/// A key that authenticated, with the user it acts as.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The key.
    pub key: ApiKey,
    /// Its user.
    pub user: User,
}

/// The SHA-256 of a secret, in lower-case hex.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Makes, authenticates, lists and revokes API keys, and counts their use.
pub struct KeyService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    cache: Mutex<HashMap<String, (Principal, DateTime<Utc>)>>,
    usage: Mutex<HashMap<(ApiKeyId, chrono::NaiveDate), KeyUsage>>,
}

impl std::fmt::Debug for KeyService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyService").finish_non_exhaustive()
    }
}

impl KeyService {
    /// The service over a store and a clock.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            cache: Mutex::new(HashMap::new()),
            usage: Mutex::new(HashMap::new()),
        }
    }

    /// Makes a key named `name`. Keys of one name act as one Mandi user (identity
    /// `api` / name), so a key is rotated by making a new one of the same name and revoking
    /// the old. `rate_limit` defaults to 10 requests a second with a burst of 50.
    ///
    /// # Errors
    ///
    /// [`KeyError::Invalid`] for an empty or overlong name or a zero rate; a store failure.
    pub async fn create(
        &self,
        name: &str,
        scope: KeyScope,
        rate_limit: Option<RateLimit>,
    ) -> Result<CreatedKey, KeyError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(KeyError::Invalid(
                "a key needs a name of 1 to 100 characters without control characters".into(),
            ));
        }
        let rate_limit = rate_limit.unwrap_or_default();
        if rate_limit.per_second == 0 || rate_limit.burst == 0 {
            return Err(KeyError::Invalid(
                "a rate limit needs at least 1 request a second and a burst of at least 1".into(),
            ));
        }
        let now = self.clock.now();
        let user = self
            .store
            .upsert_user(
                &NewUser {
                    identity: ExternalIdentity::new(KEY_IDENTITY_PROVIDER, name),
                    display_name: Some(name.to_owned()),
                    settings: UserSettings::default(),
                },
                now,
            )
            .await?;
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!("{SECRET_PREFIX}{}", hex::encode(bytes));
        let key = self
            .store
            .create_api_key(
                &NewApiKey {
                    user_id: user.id,
                    name: name.to_owned(),
                    scope,
                    prefix: secret[..SECRET_PREFIX.len() + 6].to_owned(),
                    secret_hash: hash_secret(&secret),
                    rate_limit,
                },
                now,
            )
            .await?;
        Ok(CreatedKey {
            key,
            secret: SecretString::from(secret),
        })
    }

    /// The key with this secret and its user.
    ///
    /// # Errors
    ///
    /// [`KeyError::Unknown`], [`KeyError::Revoked`], or a store failure.
    pub async fn authenticate(&self, secret: &SecretString) -> Result<Principal, KeyError> {
        let secret = secret.expose_secret().trim();
        if !secret.starts_with(SECRET_PREFIX) || secret.len() > 200 {
            return Err(KeyError::Unknown);
        }
        let hash = hash_secret(secret);
        let now = self.clock.now();
        if let Ok(cache) = self.cache.lock()
            && let Some((p, at)) = cache.get(&hash)
            && (now - *at).num_seconds() < AUTH_CACHE_SECS
        {
            return Ok(p.clone());
        }
        let key = self
            .store
            .api_key_by_hash(&hash)
            .await?
            .ok_or(KeyError::Unknown)?;
        if key.revoked_at.is_some() {
            return Err(KeyError::Revoked);
        }
        let user = self.store.get_user(key.user_id).await?;
        let principal = Principal { key, user };
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(hash, (principal.clone(), now));
        }
        Ok(principal)
    }

    /// Every key, oldest first.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn list(&self) -> Result<Vec<ApiKey>, KeyError> {
        Ok(self.store.list_api_keys().await?)
    }

    /// Revokes a key; it is refused from now on.
    ///
    /// # Errors
    ///
    /// No such key, or the store failed.
    pub async fn revoke(&self, id: ApiKeyId) -> Result<(), KeyError> {
        self.store.revoke_api_key(id, self.clock.now()).await?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, (p, _)| p.key.id != id);
        }
        Ok(())
    }

    /// Forgets the cached principals of `user`, so the next request reads the user (and
    /// settings just changed) from the store.
    pub fn forget_user(&self, user: crate::UserId) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, (p, _)| p.user.id != user);
        }
    }

    /// Counts one request of a key (accepted or refused by the rate limit); kept in memory
    /// until [`KeyService::flush_usage`].
    pub fn record_use(&self, key: ApiKeyId, accepted: bool) {
        let now = self.clock.now();
        if let Ok(mut usage) = self.usage.lock() {
            let row = usage.entry((key, now.date_naive())).or_insert(KeyUsage {
                key_id: key,
                day: now.date_naive(),
                requests: 0,
                rejected: 0,
                last_used_at: now,
            });
            if accepted {
                row.requests += 1;
            } else {
                row.rejected += 1;
            }
            row.last_used_at = row.last_used_at.max(now);
        }
    }

    /// Writes the counted use to the store; returns how many key-days were written. On a
    /// store failure the counts are kept for the next flush.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn flush_usage(&self) -> Result<usize, KeyError> {
        let batch: Vec<KeyUsage> = match self.usage.lock() {
            Ok(mut usage) => usage.drain().map(|(_, u)| u).collect(),
            Err(_) => return Ok(0),
        };
        if batch.is_empty() {
            return Ok(0);
        }
        if let Err(e) = self.store.add_key_usage(&batch).await {
            if let Ok(mut usage) = self.usage.lock() {
                for u in batch {
                    let row = usage.entry((u.key_id, u.day)).or_insert(KeyUsage {
                        requests: 0,
                        rejected: 0,
                        ..u
                    });
                    row.requests += u.requests;
                    row.rejected += u.rejected;
                    row.last_used_at = row.last_used_at.max(u.last_used_at);
                }
            }
            return Err(e.into());
        }
        Ok(batch.len())
    }

    /// A key's usage per day over the last `days` days (flushed counts only).
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn usage(&self, key: ApiKeyId, days: u32) -> Result<Vec<KeyUsage>, KeyError> {
        let since = (self.clock.now() - chrono::Duration::days(i64::from(days))).date_naive();
        Ok(self.store.key_usage(key, since).await?)
    }

    /// True when `scope` may do what `needed` allows.
    pub fn allows(scope: KeyScope, needed: KeyScope) -> bool {
        scope.allows(needed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use crate::store::MemoryStore;

    fn service() -> (KeyService, ManualClock) {
        let clock = ManualClock::new(DateTime::from_timestamp(1_750_000_000, 0).expect("time"));
        (
            KeyService::new(Arc::new(MemoryStore::new()), Arc::new(clock.clone())),
            clock,
        )
    }

    #[tokio::test]
    async fn a_key_authenticates_until_revoked_and_its_secret_is_not_stored() {
        let (keys, _) = service();
        let made = keys
            .create("pricing", KeyScope::Write, None)
            .await
            .expect("create");
        let secret = made.secret.expose_secret().to_owned();
        assert!(secret.starts_with("mk_") && secret.len() == 67);
        assert_eq!(made.key.rate_limit, RateLimit::default());
        assert_ne!(made.key.secret_hash, secret);
        assert!(!format!("{made:?}").contains(&secret[10..]));
        let p = keys.authenticate(&made.secret).await.expect("auth");
        assert_eq!(p.key.id, made.key.id);
        assert_eq!(p.user.identity, ExternalIdentity::new("api", "pricing"));
        assert!(matches!(
            keys.authenticate(&SecretString::from("mk_nope")).await,
            Err(KeyError::Unknown)
        ));
        keys.revoke(made.key.id).await.expect("revoke");
        assert!(matches!(
            keys.authenticate(&made.secret).await,
            Err(KeyError::Revoked)
        ));
    }

    #[tokio::test]
    async fn keys_of_one_name_share_a_user_and_usage_is_flushed() {
        let (keys, clock) = service();
        let a = keys.create("team", KeyScope::Read, None).await.expect("a");
        let b = keys
            .create(
                "team",
                KeyScope::Admin,
                Some(RateLimit {
                    per_second: 1,
                    burst: 2,
                }),
            )
            .await
            .expect("b");
        assert_eq!(a.key.user_id, b.key.user_id);
        keys.record_use(a.key.id, true);
        keys.record_use(a.key.id, true);
        keys.record_use(a.key.id, false);
        clock.advance(chrono::Duration::days(1));
        keys.record_use(a.key.id, true);
        assert_eq!(keys.flush_usage().await.expect("flush"), 2);
        assert_eq!(keys.flush_usage().await.expect("flush"), 0);
        let usage = keys.usage(a.key.id, 7).await.expect("usage");
        assert_eq!(
            usage
                .iter()
                .map(|u| (u.requests, u.rejected))
                .collect::<Vec<_>>(),
            vec![(2, 1), (1, 0)]
        );
        assert!(matches!(
            keys.create(" ", KeyScope::Read, None).await,
            Err(KeyError::Invalid(_))
        ));
    }
}
