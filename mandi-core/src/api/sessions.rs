//! Admin dashboard sessions ([`AdminSessions`]), kept in the store so a restart does not
//! log anybody out. The session id (the cookie) is random and only its SHA-256 is stored;
//! the CSRF token of a session's forms is derived from the id, so nothing secret is stored
//! and a token is worthless without the cookie.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::domain::AdminSession;
use crate::ports::{Clock, Store, StoreError};

/// A session just opened.
#[derive(Debug)]
pub struct OpenedSession {
    /// The id to set as the cookie (never stored, never logged).
    pub id: SecretString,
    /// The CSRF token of its forms.
    pub csrf: String,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    /// The CSRF token of its forms.
    pub csrf: String,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}

/// Opens, checks and closes admin sessions.
#[derive(Clone)]
pub struct AdminSessions {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    lifetime: Duration,
}

impl std::fmt::Debug for AdminSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSessions")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The CSRF token of the session with this id.
pub fn csrf_token(id: &str) -> String {
    sha256_hex(&format!("mandi-admin-csrf:{id}"))
}

impl AdminSessions {
    /// Sessions lasting `lifetime`, over a store and a clock.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, lifetime: Duration) -> Self {
        Self {
            store,
            clock,
            lifetime,
        }
    }

    /// How long a session lasts.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Opens a session (after the caller checked the login).
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn open(&self) -> Result<OpenedSession, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let id = hex::encode(bytes);
        let now = self.clock.now();
        let expires_at = now + self.lifetime;
        self.store
            .create_admin_session(
                &AdminSession {
                    id_hash: sha256_hex(&id),
                    created_at: now,
                    expires_at,
                },
                now,
            )
            .await?;
        Ok(OpenedSession {
            csrf: csrf_token(&id),
            id: SecretString::from(id),
            expires_at,
        })
    }

    /// The live session with this id, if any.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn check(&self, id: &SecretString) -> Result<Option<LiveSession>, StoreError> {
        let id = id.expose_secret();
        if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        Ok(self
            .store
            .admin_session(&sha256_hex(id), self.clock.now())
            .await?
            .map(|s| LiveSession {
                csrf: csrf_token(id),
                expires_at: s.expires_at,
            }))
    }

    /// Ends the session with this id.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn close(&self, id: &SecretString) -> Result<(), StoreError> {
        self.store
            .delete_admin_session(&sha256_hex(id.expose_secret()))
            .await
    }
}
