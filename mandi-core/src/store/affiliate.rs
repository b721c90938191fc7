//! Checks and row decoding shared by the adapters for affiliate click targets and clicks.

use crate::domain::{ClickSource, MAX_QUERY_CHARS, MAX_VARIANT_CHARS, NewClickTarget};
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

    /// A click: its target's row and when it was followed.
    pub(crate) fn decode_click(target: TargetRow, at_ms: i64) -> StoreResult<AffiliateClick> {
        let at = time(at_ms, "affiliate click")?;
        Ok(AffiliateClick::of(&target.decode()?, at))
    }
}
