//! Shared by the stores: the checks and the one-pass fold behind `Store::market_snapshot`.

use chrono::{DateTime, Utc};

use crate::domain::{Asin, BrowseNodeRef, Money};
use crate::ports::store::{MarketRow, StoreError, StoreResult};

/// Checks that moments are given and ascending.
pub(crate) fn validate_moments(moments: &[DateTime<Utc>]) -> StoreResult<()> {
    if moments.is_empty() {
        return Err(StoreError::Invalid {
            what: "market snapshot",
            reason: "at least one moment is needed".to_owned(),
        });
    }
    if moments.windows(2).any(|w| w[0] > w[1]) {
        return Err(StoreError::Invalid {
            what: "market snapshot",
            reason: "moments must be in ascending order".to_owned(),
        });
    }
    Ok(())
}

/// Folds one product's known buy-box prices (time order) into a row: the price at each
/// moment and the lows before and during. Shared with the in-memory store.
pub(crate) struct RowBuilder<'a> {
    moments: &'a [i64],
    prices: Vec<Option<Money>>,
    next: usize,
    last: Option<Money>,
    low_before: Option<Money>,
    low_during: Option<Money>,
}

impl<'a> RowBuilder<'a> {
    /// A builder for moments in unix milliseconds, ascending.
    pub(crate) fn new(moments: &'a [i64]) -> Self {
        Self {
            moments,
            prices: Vec::with_capacity(moments.len()),
            next: 0,
            last: None,
            low_before: None,
            low_during: None,
        }
    }

    /// Adds a known price at `at_ms` (calls in time order).
    pub(crate) fn push(&mut self, at_ms: i64, price: Money) {
        while self.next < self.moments.len() && self.moments[self.next] < at_ms {
            self.prices.push(self.last);
            self.next += 1;
        }
        if self.next >= self.moments.len() {
            return;
        }
        let lower = |l: Option<Money>| {
            Some(l.map_or(
                price,
                |l: Money| if price.minor() < l.minor() { price } else { l },
            ))
        };
        if at_ms <= self.moments[0] {
            self.low_before = lower(self.low_before);
        } else {
            self.low_during = lower(self.low_during);
        }
        self.last = Some(price);
    }

    /// The row, `None` when no price was known by the last moment.
    pub(crate) fn finish(
        mut self,
        asin: Asin,
        category: Option<BrowseNodeRef>,
    ) -> Option<MarketRow> {
        while self.prices.len() < self.moments.len() {
            self.prices.push(self.last);
        }
        self.prices.last().copied().flatten()?;
        Some(MarketRow {
            asin,
            category,
            prices: self.prices,
            low_before: self.low_before,
            low_during: self.low_during,
        })
    }
}
