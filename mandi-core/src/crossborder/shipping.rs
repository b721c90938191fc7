//! Estimated shipping to India from a store abroad, from
//! `mandi-core/assets/shipping-to-india.toml`: Mandi's round estimates per parcel size, not
//! quotes (the store shows its real charge at checkout).

use serde::{Deserialize, Serialize};

use super::duty::{ParcelSize, TableError};
use crate::domain::{Currency, Marketplace, Money};

/// One store's estimates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShippingRow {
    /// The store (`None` for the default row).
    pub market: Option<Marketplace>,
    /// A small parcel.
    pub small: Money,
    /// A medium parcel.
    pub medium: Money,
    /// A large parcel.
    pub large: Money,
}

/// The shipping estimates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShippingTable {
    /// What the table is.
    pub title: String,
    /// The date of the estimates.
    pub as_of: String,
    /// Per-store rows; the row with `market: None` is used for stores not listed.
    pub rows: Vec<ShippingRow>,
}

/// What shipping a comparison counts for one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShippingEstimate {
    /// Bought in the buyer's own country: delivery is not counted (free over the store's
    /// minimum for most goods).
    Domestic,
    /// An estimate in the store's currency (or the default row's).
    Estimated {
        /// The estimate.
        amount: Money,
        /// True when the store has no row of its own and the default row was used.
        default_row: bool,
    },
    /// Goods of this size are not shipped to India from this store.
    NotShipped,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    title: String,
    as_of: String,
    from: Vec<RawRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    market: String,
    currency: String,
    small: String,
    medium: String,
    large: String,
}

const SHIPPING: &str = "shipping table";

impl ShippingTable {
    /// The estimates shipped with Mandi (`assets/shipping-to-india.toml`).
    ///
    /// # Errors
    ///
    /// Never for the shipped file (a test reads it); see [`ShippingTable::parse`].
    pub fn india() -> Result<Self, TableError> {
        Self::parse(include_str!("../../assets/shipping-to-india.toml"))
    }

    /// Reads a table in the shipped file's format.
    ///
    /// # Errors
    ///
    /// [`TableError`] naming the row and field that are wrong.
    pub fn parse(text: &str) -> Result<Self, TableError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| TableError::Malformed {
            table: SHIPPING,
            message: e.to_string(),
        })?;
        let mut rows = Vec::with_capacity(raw.from.len());
        for r in raw.from {
            let market = if r.market == "default" {
                None
            } else {
                Some(
                    r.market
                        .parse::<Marketplace>()
                        .map_err(|e| TableError::Malformed {
                            table: SHIPPING,
                            message: format!("market = {:?}: {e}", r.market),
                        })?,
                )
            };
            let currency: Currency = r.currency.parse().map_err(|_| TableError::Malformed {
                table: SHIPPING,
                message: format!("currency = {:?} is not a currency code", r.currency),
            })?;
            let amount = |field: &str, text: &str| {
                Money::from_api_amount(text, currency)
                    .ok()
                    .filter(|m| m.minor() >= 0)
                    .ok_or_else(|| TableError::BadNumber {
                        table: SHIPPING,
                        field: format!("{} {field}", r.market),
                        text: text.to_owned(),
                    })
            };
            rows.push(ShippingRow {
                market,
                small: amount("small", &r.small)?,
                medium: amount("medium", &r.medium)?,
                large: amount("large", &r.large)?,
            });
        }
        if !rows.iter().any(|r| r.market.is_none()) {
            return Err(TableError::Malformed {
                table: SHIPPING,
                message: "no row with market = \"default\"".to_owned(),
            });
        }
        Ok(Self {
            title: raw.title,
            as_of: raw.as_of,
            rows,
        })
    }

    /// The estimate for a parcel of `size` from `from` to a buyer in `home`.
    pub fn estimate(
        &self,
        from: Marketplace,
        home: Marketplace,
        size: ParcelSize,
    ) -> ShippingEstimate {
        if from.country_code() == home.country_code() {
            return ShippingEstimate::Domestic;
        }
        let own = self.rows.iter().find(|r| r.market == Some(from));
        let Some(row) = own.or_else(|| self.rows.iter().find(|r| r.market.is_none())) else {
            return ShippingEstimate::NotShipped;
        };
        let amount = match size {
            ParcelSize::Small => row.small,
            ParcelSize::Medium => row.medium,
            ParcelSize::Large => row.large,
            ParcelSize::Oversize => return ShippingEstimate::NotShipped,
        };
        ShippingEstimate::Estimated {
            amount,
            default_row: own.is_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_estimates_read_and_pick_the_stores_row() {
        let t = ShippingTable::india().expect("shipped table parses");
        assert_eq!(
            t.estimate(
                Marketplace::UnitedStates,
                Marketplace::India,
                ParcelSize::Medium
            ),
            ShippingEstimate::Estimated {
                amount: Money::from_minor(1_499, Currency::USD),
                default_row: false
            }
        );
        assert_eq!(
            t.estimate(Marketplace::Germany, Marketplace::India, ParcelSize::Small),
            ShippingEstimate::Estimated {
                amount: Money::from_minor(899, Currency::EUR),
                default_row: false
            }
        );
        assert_eq!(
            t.estimate(Marketplace::Japan, Marketplace::India, ParcelSize::Large),
            ShippingEstimate::Estimated {
                amount: Money::from_minor(3_999, Currency::USD),
                default_row: true
            }
        );
        assert_eq!(
            t.estimate(Marketplace::India, Marketplace::India, ParcelSize::Large),
            ShippingEstimate::Domestic
        );
        assert_eq!(
            t.estimate(
                Marketplace::UnitedKingdom,
                Marketplace::India,
                ParcelSize::Oversize
            ),
            ShippingEstimate::NotShipped
        );
    }

    #[test]
    fn bad_rows_are_named() {
        let text = include_str!("../../assets/shipping-to-india.toml").replacen(
            "small = \"9.99\"",
            "small = \"-9.99\"",
            1,
        );
        let err = ShippingTable::parse(&text).expect_err("negative");
        assert!(err.to_string().contains("www.amazon.com small"), "{err}");
        let text = include_str!("../../assets/shipping-to-india.toml").replacen(
            "market = \"default\"",
            "market = \"www.example.com\"",
            1,
        );
        assert!(ShippingTable::parse(&text).is_err());
    }
}
