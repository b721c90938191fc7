//! [`UserService`]: the accounts side every front-end shares — listing users (admin views,
//! broadcasts), a recipient who can no longer be reached, a chat that moved to a new id, a
//! user who came back.

use std::sync::Arc;

use crate::domain::{ExternalIdentity, User};
use crate::ports::{Clock, Store, StoreError};

/// How many users one store read brings when listing everyone.
const PAGE: usize = 500;

/// Accounts, on top of the `Store` port.
#[derive(Clone)]
pub struct UserService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for UserService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserService").finish_non_exhaustive()
    }
}

impl UserService {
    /// The service over a store and a clock.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// The service over a catalog's store and clock.
    pub fn for_catalog(catalog: &crate::catalog::CatalogService) -> Self {
        Self::new(catalog.store().clone(), catalog.clock().clone())
    }

    /// The user known by `identity`, if any.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn find(&self, identity: &ExternalIdentity) -> Result<Option<User>, StoreError> {
        self.store.find_user(identity).await
    }

    /// Every user (active or not), in id order, read a page at a time.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn all(&self) -> Result<Vec<User>, StoreError> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self.store.list_users(after, PAGE).await?;
            let full = page.len() == PAGE;
            after = page.last().map(|u| u.id);
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }

    /// A user who cannot be reached any more (they blocked the bot, the chat is gone): marks
    /// them inactive and pauses their live watches, so nothing more is fetched or sent for
    /// them. Those watches are paused *because the user could not be reached* (see
    /// [`Store::pause_unreachable`]): when the user comes back,
    /// [`WatchService::resume_unreachable`](crate::watches::WatchService::resume_unreachable)
    /// resumes them and leaves the ones they had paused themselves paused. Doing it again
    /// changes nothing. Returns the user as stored.
    ///
    /// # Errors
    ///
    /// The store failed (what was done stays done).
    pub async fn deactivate(&self, user: &User) -> Result<User, StoreError> {
        let mut stored = self.store.get_user(user.id).await?;
        if stored.active {
            stored.active = false;
            self.store.update_user(&stored).await?;
        }
        let paused = self
            .store
            .pause_unreachable(user.id, self.clock.now())
            .await?;
        tracing::info!(user = %user.id, paused = paused.len(), "recipient unreachable: user deactivated, watches paused");
        Ok(stored)
    }

    /// [`UserService::deactivate`] for the user known by `identity`; `None` when there is
    /// no such user.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn deactivate_identity(
        &self,
        identity: &ExternalIdentity,
    ) -> Result<Option<User>, StoreError> {
        match self.store.find_user(identity).await? {
            Some(u) => self.deactivate(&u).await.map(Some),
            None => Ok(None),
        }
    }

    /// A user who wrote again after being deactivated: reachable again (their watches stay
    /// paused until they resume them, e.g. all at once with
    /// [`WatchService::resume_unreachable`](crate::watches::WatchService::resume_unreachable)). Returns the user as stored.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn reactivate(&self, user: &User) -> Result<User, StoreError> {
        let mut stored = self.store.get_user(user.id).await?;
        if !stored.active {
            stored.active = true;
            self.store.update_user(&stored).await?;
        }
        Ok(stored)
    }

    /// The chat known as `from` now has the identity `to` (a Telegram group became a
    /// supergroup): the stored user moves, and their watches follow. `None` when no user
    /// has `from`; moving to the identity the user already has changes nothing.
    ///
    /// # Errors
    ///
    /// [`StoreError::Conflict`] when another user already holds `to`, or the store failed.
    pub async fn move_identity(
        &self,
        from: &ExternalIdentity,
        to: &ExternalIdentity,
    ) -> Result<Option<User>, StoreError> {
        let Some(user) = self.store.find_user(from).await? else {
            return Ok(None);
        };
        self.store.update_user_identity(user.id, to).await?;
        tracing::info!(user = %user.id, provider = %to.provider, "user moved to a new identity");
        self.store.get_user(user.id).await.map(Some)
    }
}
