//! Why a product matched, was found similar or was recommended, as data: front-ends word
//! each reason in the user's language; [`std::fmt::Display`] gives the English phrase the
//! `reasons` strings of the results carry.

use std::fmt;

use serde::Serialize;

use crate::domain::{Bps, Money};

/// One reason, with the facts it rests on.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum MatchReason {
    /// The title holds words of the query: `matches "gaming laptop"`.
    Keywords {
        /// The query's words.
        words: String,
    },
    /// The product is in the category asked for: `in Gaming Laptops`.
    InCategory {
        /// The category's name.
        name: String,
    },
    /// The product is of a brand asked for: `Redmi`.
    Brand {
        /// The brand.
        name: String,
    },
    /// The product has the features asked for: `has RTX 4060, 16GB RAM`.
    HasFeatures {
        /// The features.
        features: Vec<String>,
    },
    /// The price is within the ceiling asked for: `₹74,990 within ₹80,000`.
    PriceWithin {
        /// The price.
        price: Money,
        /// The ceiling.
        max: Money,
    },
    /// The price (a floor was asked for): `₹74,990`.
    Price {
        /// The price.
        price: Money,
    },
    /// The rating: `4.3★ (1234 ratings)`.
    Rating {
        /// Hundredths of a star.
        rating_centi: u16,
        /// How many ratings.
        count: u32,
    },
    /// The discount off MRP: `40% off`.
    Discount {
        /// Percent.
        percent: u8,
    },
    /// The deal score: `deal score 78`.
    DealScore {
        /// 0–100.
        score: u8,
    },
    /// A similar product in the same leaf category: `also in Smartphones`.
    AlsoIn {
        /// The category's name.
        name: String,
    },
    /// A similar product of the same brand: `same brand (iQOO)`.
    SameBrand {
        /// The brand.
        name: String,
    },
    /// A similar product sharing specs: `shares 5G, 8GB RAM`.
    Shares {
        /// The specs shared.
        features: Vec<String>,
    },
    /// A similar product's price against the product's: `₹15,999, 6% cheaper`.
    PriceAgainst {
        /// The similar product's price.
        price: Money,
        /// How much dearer (positive) or cheaper (negative); 0 for the same price.
        share: Bps,
    },
    /// The cheapest of a comparison: `cheapest at ₹15,999 (vs ₹17,499)`.
    Cheapest {
        /// Its price.
        price: Money,
        /// The others' prices.
        others: Vec<Money>,
    },
    /// The best deal score of a comparison: `best deal score (78)`.
    BestDealScore {
        /// 0–100.
        score: u8,
    },
    /// The best rating of a comparison: `best rated (4.3★)`.
    BestRated {
        /// Hundredths of a star.
        rating_centi: u16,
    },
    /// The nearest its 90-day low of a comparison.
    ClosestToLow,
    /// The most specs listed in a comparison: `more listed specs (5G, AMOLED)`.
    MoreSpecs {
        /// The specs.
        specs: Vec<String>,
    },
    /// Nothing sets the compared products apart; the first named is picked.
    Level,
}

/// `4.3` from hundredths of a star (rounded to tenths).
pub fn stars(rating_centi: u16) -> String {
    let tenths = (u32::from(rating_centi) + 5) / 10;
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn prices(list: &[Money]) -> String {
    list.iter()
        .map(|m| m.display_short())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for MatchReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keywords { words } => write!(f, "matches \"{words}\""),
            Self::InCategory { name } => write!(f, "in {name}"),
            Self::Brand { name } => f.write_str(name),
            Self::HasFeatures { features } => write!(f, "has {}", features.join(", ")),
            Self::PriceWithin { price, max } => write!(
                f,
                "{} within {}",
                price.display_short(),
                max.display_short()
            ),
            Self::Price { price } => f.write_str(&price.display_short()),
            Self::Rating {
                rating_centi,
                count,
            } => write!(f, "{}★ ({count} ratings)", stars(*rating_centi)),
            Self::Discount { percent } => write!(f, "{percent}% off"),
            Self::DealScore { score } => write!(f, "deal score {score}"),
            Self::AlsoIn { name } => write!(f, "also in {name}"),
            Self::SameBrand { name } => write!(f, "same brand ({name})"),
            Self::Shares { features } => write!(f, "shares {}", features.join(", ")),
            Self::PriceAgainst { price, share } => {
                let b = price.display_short();
                match share.0 {
                    0 => write!(f, "same price ({b})"),
                    p if p < 0 => write!(f, "{b}, {} cheaper", share.abs()),
                    _ => write!(f, "{b}, {share} dearer"),
                }
            }
            Self::Cheapest { price, others } => write!(
                f,
                "cheapest at {} (vs {})",
                price.display_short(),
                prices(others)
            ),
            Self::BestDealScore { score } => write!(f, "best deal score ({score})"),
            Self::BestRated { rating_centi } => {
                write!(f, "best rated ({}★)", stars(*rating_centi))
            }
            Self::ClosestToLow => f.write_str("closest to its 90-day low"),
            Self::MoreSpecs { specs } => write!(f, "more listed specs ({})", specs.join(", ")),
            Self::Level => {
                f.write_str("the two are level on price, deal score and rating; first named")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn english_phrases() {
        let inr = |r| Money::from_major(r, Currency::INR);
        let cases = [
            (
                MatchReason::PriceWithin {
                    price: inr(74_990),
                    max: inr(80_000),
                },
                format!(
                    "{} within {}",
                    inr(74_990).display_short(),
                    inr(80_000).display_short()
                ),
            ),
            (
                MatchReason::Rating {
                    rating_centi: 435,
                    count: 12,
                },
                "4.4★ (12 ratings)".to_owned(),
            ),
            (
                MatchReason::PriceAgainst {
                    price: inr(100),
                    share: Bps(-600),
                },
                format!("{}, 6% cheaper", inr(100).display_short()),
            ),
            (
                MatchReason::BestRated { rating_centi: 410 },
                "best rated (4.1★)".to_owned(),
            ),
        ];
        for (reason, english) in cases {
            assert_eq!(reason.to_string(), english);
        }
    }
}
