//! Checks and row decoding shared by the adapters for affiliate click targets and clicks.

use crate::domain::{
    AffiliateOrder, ClickSource, MAX_QUERY_CHARS, MAX_VARIANT_CHARS, NewClickTarget,
};
use crate::ports::store::{StoreError, StoreResult};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use rows::*;

/// What errors of this part name.
pub(crate) const W: &str = "click target";

/// Refuses a click target that cannot be stored and returns it normalised (hash in lower
/// case, time truncated to the millisecond).
pub(crate) fn validate_new_target(t: &NewClickTarget) -> StoreResult<NewClickTarget> {
    let invalid = |reason: &str| StoreError::Invalid {
        what: W,
        reason: reason.to_owned(),
    };
    if t.token_hash.len() != 64 || !t.token_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid("the token hash must be 64 hex digits (SHA-256)"));
    }
    if let Some(v) = &t.variant {
        let n = v.chars().count();
        if v.trim().is_empty() || n > MAX_VARIANT_CHARS || v.chars().any(char::is_control) {
            return Err(invalid(
                "a variant must be 1 to 64 characters without control characters",
            ));
        }
    }
    if let ClickSource::Search { query } = &t.source
        && (query.trim().is_empty() || query.chars().count() > MAX_QUERY_CHARS)
    {
        return Err(invalid("a search query must be 1 to 500 characters"));
    }
    let mut out = t.clone();
    out.token_hash = t.token_hash.to_ascii_lowercase();
    out.created_at = crate::store::truncate(t.created_at);
    Ok(out)
}

/// What errors about imported report rows name.
pub(crate) const ORDER: &str = "affiliate order";

/// Refuses imported rows that cannot be stored (nothing is written then).
pub(crate) fn validate_orders(orders: &[AffiliateOrder]) -> StoreResult<()> {
    for o in orders {
        let invalid = |reason: String| StoreError::Invalid {
            what: ORDER,
            reason,
        };
        if o.import_key.len() != 64 || !o.import_key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(
                "the import key must be 64 hex digits (SHA-256)".into(),
            ));
        }
        let c = o.price.currency();
        if o.revenue.currency() != c || o.fees.currency() != c {
            return Err(invalid(format!(
                "row {}: price, revenue and fees must share one currency",
                o.import_key
            )));
        }
        if o.tracking_id.trim().is_empty() {
            return Err(invalid(format!(
                "row {}: the tracking ID is empty",
                o.import_key
            )));
        }
        if o.click_target.is_some() != o.user_id.is_some() {
            return Err(invalid(format!(
                "row {}: an attributed row names both its click and its user",
                o.import_key
            )));
        }
    }
    Ok(())
}

/// The stored form of a day: `YYYY-MM-DD` (sorts as text).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn day_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Row decoding of the SQL stores.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod rows {
    use super::W;
    use crate::domain::{
        AffiliateClick, ClickSource, ClickTarget, ClickTargetId, LinkFormat, UserId,
    };
    use crate::ports::store::{StoreError, StoreResult};
    use crate::store::decode::{asin, marketplace, time};

    /// A click target's stored columns, as read back (the adapters' common row shape).
    #[derive(Debug)]
    pub(crate) struct TargetRow {
        pub id: i64,
        pub token_hash: String,
        pub user_id: i64,
        pub source_kind: String,
        pub alert_id: Option<i64>,
        pub query: Option<String>,
        pub marketplace: String,
        pub asin: String,
        pub variant: Option<String>,
        pub link_format: String,
        pub created_at_ms: i64,
    }

    /// The columns of [`TargetRow`], in order, for SELECTs.
    pub(crate) const TARGET_COLUMNS: &str = "id, token_hash, user_id, source_kind, source_alert_id, \
         source_query, marketplace, asin, variant, link_format, created_at_ms";

    fn corrupt(detail: String) -> StoreError {
        StoreError::Corrupt { what: W, detail }
    }

    impl TargetRow {
        /// The domain value.
        pub(crate) fn decode(self) -> StoreResult<ClickTarget> {
            let source = ClickSource::from_parts(&self.source_kind, self.alert_id, self.query)
                .ok_or_else(|| corrupt(format!("source {:?} is inconsistent", self.source_kind)))?;
            Ok(ClickTarget {
                id: ClickTargetId(self.id),
                token_hash: self.token_hash,
                user_id: UserId(self.user_id),
                source,
                marketplace: marketplace(&self.marketplace, W)?,
                asin: asin(&self.asin, W)?,
                variant: self.variant,
                link_format: LinkFormat::parse(&self.link_format).ok_or_else(|| {
                    corrupt(format!("unknown link format {:?}", self.link_format))
                })?,
                created_at: time(self.created_at_ms, W)?,
            })
        }
    }

    /// An imported row's stored columns, in [`ORDER_COLUMNS`] order.
    #[derive(Debug)]
    pub(crate) struct OrderRow {
        pub import_key: String,
        pub kind: String,
        pub marketplace: String,
        pub asin: String,
        pub tracking_id: String,
        pub category: String,
        pub title: String,
        pub day: String,
        pub quantity: i64,
        pub returns: i64,
        pub price_minor: i64,
        pub revenue_minor: i64,
        pub fees_minor: i64,
        pub currency: String,
        pub click_target_id: Option<i64>,
        pub user_id: Option<i64>,
    }

    /// The columns of [`OrderRow`], in order.
    pub(crate) const ORDER_COLUMNS: &str = "import_key, kind, marketplace, asin, tracking_id, \
         category, title, day, quantity, returns, price_minor, revenue_minor, fees_minor, \
         currency, click_target_id, user_id";

    impl OrderRow {
        /// The domain value.
        pub(crate) fn decode(self) -> StoreResult<crate::domain::AffiliateOrder> {
            use crate::domain::{Currency, Money, ReportKind};
            const O: &str = super::ORDER;
            let corrupt = |detail: String| StoreError::Corrupt { what: O, detail };
            let currency: Currency = self
                .currency
                .parse()
                .map_err(|_| corrupt(format!("unknown currency {:?}", self.currency)))?;
            let count = |n: i64| u32::try_from(n).map_err(|_| corrupt(format!("count {n}")));
            // A deleted click target or user leaves the row unattributed as a whole.
            let (click_target, user_id) = match (self.click_target_id, self.user_id) {
                (Some(t), Some(u)) => (Some(ClickTargetId(t)), Some(UserId(u))),
                _ => (None, None),
            };
            Ok(crate::domain::AffiliateOrder {
                import_key: self.import_key,
                kind: ReportKind::parse(&self.kind)
                    .ok_or_else(|| corrupt(format!("unknown kind {:?}", self.kind)))?,
                marketplace: marketplace(&self.marketplace, O)?,
                asin: asin(&self.asin, O)?,
                tracking_id: self.tracking_id,
                category: self.category,
                title: self.title,
                day: self
                    .day
                    .parse()
                    .map_err(|_| corrupt(format!("day {:?}", self.day)))?,
                quantity: count(self.quantity)?,
                returns: count(self.returns)?,
                price: Money::from_minor(self.price_minor, currency),
                revenue: Money::from_minor(self.revenue_minor, currency),
                fees: Money::from_minor(self.fees_minor, currency),
                click_target,
                user_id,
            })
        }
    }

    /// A click: its target's row and when it was followed.
    pub(crate) fn decode_click(target: TargetRow, at_ms: i64) -> StoreResult<AffiliateClick> {
        let at = time(at_ms, "affiliate click")?;
        Ok(AffiliateClick::of(&target.decode()?, at))
    }
}
