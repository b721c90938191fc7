//! Products served from the store while fresh, fetched from the source otherwise.

use chrono::Duration;

use crate::catalog::{CatalogError, CatalogService};
use crate::domain::{Asin, Marketplace, Product};

/// The product as last saved when it was fetched less than `max_age` ago; otherwise it is
/// looked up (and saved) through the catalog. `None` when the source does not know it.
///
/// # Errors
///
/// The store failed, or a needed lookup was refused.
pub async fn cached_product(
    catalog: &CatalogService,
    marketplace: Marketplace,
    asin: Asin,
    max_age: Duration,
) -> Result<Option<Product>, CatalogError> {
    if let Some(p) = catalog.store().get_product(marketplace, asin).await?
        && catalog.clock().now() - p.fetched_at < max_age
    {
        return Ok(Some(p));
    }
    let batch = catalog.lookup(marketplace, &[asin]).await?;
    Ok(batch.items.into_iter().find(|p| p.asin == asin))
}
