//! What an API key's user reads about their own account: their alerts.

use crate::catalog::CatalogService;
use crate::domain::{Alert, User, WatchId};
use crate::ports::StoreError;

/// The most alerts one page may hold.
pub const MAX_ALERTS_PAGE: usize = 500;

/// A user's alerts, newest first, `limit` (at most [`MAX_ALERTS_PAGE`]) from `offset`.
///
/// # Errors
///
/// The store failed.
pub async fn alert_history(
    catalog: &CatalogService,
    user: &User,
    limit: usize,
    offset: usize,
) -> Result<Vec<Alert>, StoreError> {
    catalog
        .store()
        .alert_history(user.id, limit.clamp(1, MAX_ALERTS_PAGE), offset)
        .await
}

/// The alerts of one of a user's watches, newest first.
///
/// # Errors
///
/// [`StoreError::NotFound`] when the watch is not theirs; a store failure.
pub async fn watch_alerts(
    catalog: &CatalogService,
    user: &User,
    watch: WatchId,
) -> Result<Vec<Alert>, StoreError> {
    catalog.store().watch_alerts(user.id, watch).await
}
