//! India's customs duty on personal imports, from the table in
//! `mandi-core/assets/india-import-duty.toml` (its sources and date are in the file and in
//! [`DutyTable::sources`] / [`DutyTable::as_of`]).
//!
//! # Arithmetic
//!
//! Every amount is integer paise; percentages are exact decimals (`1.125`). With the cost
//! `C` and freight `F` (both already in rupees):
//!
//! 1. insurance `I = C × insurance %`, rounded half up to the paisa;
//! 2. assessable value `AV = C + F + I`;
//! 3. `BCD = AV × bcd %`, `SWS = BCD × sws %`, `IGST = (AV + BCD + SWS) × igst %`, each
//!    rounded half up to the paisa;
//! 4. the duty payable is `BCD + SWS + IGST` rounded to the nearest rupee, 50 paise and
//!    more going up (Customs Act s. 154A).
//!
//! The insurance is only part of the value duty is levied on; it is not a charge the buyer
//! pays, so the landed cost is `C + F + duty`.

use serde::{Deserialize, Serialize};

use crate::domain::{Currency, Money, Product};

/// Why a duty or shipping table could not be read.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The file is not valid TOML of the expected shape.
    #[error("{table}: {message}")]
    Malformed {
        /// Which table.
        table: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A percentage or amount that is not a non-negative decimal.
    #[error("{table}: {field} = {text:?} is not a non-negative decimal such as 1.125")]
    BadNumber {
        /// Which table.
        table: &'static str,
        /// The field.
        field: String,
        /// The rejected text.
        text: String,
    },
}

/// A non-negative exact decimal: `digits × 10^-scale` (`1.125` is 1125 × 10⁻³).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    digits: u64,
    scale: u32,
}

impl Decimal {
    /// Parses `12`, `1.125` or `0.5`; at most 9 decimals and 18 digits.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 9
            || whole.len() + frac.len() > 18
        {
            return None;
        }
        let digits = format!("{whole}{frac}").parse().ok()?;
        Some(Self {
            digits,
            scale: u32::try_from(frac.len()).ok()?,
        })
    }

    /// Zero.
    pub const ZERO: Decimal = Decimal {
        digits: 0,
        scale: 0,
    };

    /// True when zero.
    pub fn is_zero(self) -> bool {
        self.digits == 0
    }

    /// `minor × self / 100`, rounded half up (the amounts here are never negative).
    pub fn percent_of(self, minor: i64) -> Option<i64> {
        let denominator = 100_i128 * 10_i128.checked_pow(self.scale)?;
        let product = i128::from(minor).checked_mul(i128::from(self.digits))?;
        let rounded = (product * 2 + denominator) / (denominator * 2);
        i64::try_from(rounded).ok()
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.digits.to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return f.write_str(&text);
        }
        let padded = format!("{text:0>width$}", width = scale + 1);
        let (whole, frac) = padded.split_at(padded.len() - scale);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            f.write_str(whole)
        } else {
            write!(f, "{whole}.{frac}")
        }
    }
}

impl Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// How big a parcel a category usually makes (sets the shipping estimate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParcelSize {
    /// Books, clothes, cosmetics.
    Small,
    /// Phones, headphones, gadgets.
    Medium,
    /// Laptops, kitchen appliances.
    Large,
    /// Televisions and the like: not shipped to India by stores abroad.
    Oversize,
}

/// One category's rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DutyCategory {
    /// Stable key (`phones`, `books`, `general`).
    pub key: String,
    /// What a person reads (`Mobile phones`).
    pub label: String,
    /// The customs tariff heading assessed (`9804 90 00`).
    pub heading: String,
    /// Basic customs duty, percent of the assessable value.
    pub bcd_percent: Decimal,
    /// Social welfare surcharge, percent of the BCD.
    pub sws_percent_of_bcd: Decimal,
    /// IGST, percent of the assessable value plus BCD and SWS.
    pub igst_percent: Decimal,
    /// Usual parcel size.
    pub size: ParcelSize,
    /// Why goods of this category cannot be imported this way, when they cannot.
    pub not_importable_because: Option<String>,
    #[serde(skip)]
    matches: Vec<String>,
}

impl DutyCategory {
    /// True when goods of this category can be imported as a personal courier import.
    pub fn importable(&self) -> bool {
        self.not_importable_because.is_none()
    }
}

/// The duty on one import, in rupees (paise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DutyBreakdown {
    /// Insurance counted into the value (not paid by the buyer).
    pub insurance: Money,
    /// Cost + freight + insurance.
    pub assessable_value: Money,
    /// Basic customs duty.
    pub bcd: Money,
    /// Social welfare surcharge.
    pub sws: Money,
    /// Integrated GST.
    pub igst: Money,
    /// `bcd + sws + igst` rounded to the nearest rupee: what is paid.
    pub total: Money,
    /// True when the value is over the courier limit, so the goods would be assessed at
    /// tariff rates instead and this estimate may be wrong.
    pub over_courier_limit: bool,
}

/// The duty table: categories with their rates, and where they come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DutyTable {
    /// What the table is.
    pub title: String,
    /// The date the rates are as of (ISO `YYYY-MM-DD`).
    pub as_of: String,
    /// Where the rates come from.
    pub sources: Vec<String>,
    /// Insurance as a percentage of cost when not known.
    pub insurance_percent: Decimal,
    /// The largest value (in paise) cleared as a courier import.
    pub courier_value_limit: Money,
    /// The categories, in matching order; the last is the fallback.
    pub categories: Vec<DutyCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    title: String,
    as_of: String,
    sources: Vec<String>,
    insurance_percent: String,
    courier_value_limit_inr: i64,
    category: Vec<RawCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    key: String,
    label: String,
    heading: String,
    bcd_percent: String,
    sws_percent_of_bcd: String,
    igst_percent: String,
    size: ParcelSize,
    #[serde(default = "yes")]
    importable: bool,
    #[serde(default)]
    not_importable_because: Option<String>,
    matches: Vec<String>,
}

fn yes() -> bool {
    true
}

const DUTY: &str = "duty table";

fn decimal(field: &str, text: &str) -> Result<Decimal, TableError> {
    Decimal::parse(text).ok_or_else(|| TableError::BadNumber {
        table: DUTY,
        field: field.to_owned(),
        text: text.to_owned(),
    })
}

/// Lower-case words of `text` joined by single spaces, padded with a space each side.
pub(super) fn words(text: &str) -> String {
    let mut out = String::from(" ");
    for word in text
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
    {
        out.push_str(&word.to_lowercase());
        out.push(' ');
    }
    out
}

impl DutyTable {
    /// The table shipped with Mandi (`assets/india-import-duty.toml`).
    ///
    /// # Errors
    ///
    /// Never for the shipped file (a test reads it); the signature is that of
    /// [`DutyTable::parse`].
    pub fn india() -> Result<Self, TableError> {
        Self::parse(include_str!("../../assets/india-import-duty.toml"))
    }

    /// Reads a table in the shipped file's format.
    ///
    /// # Errors
    ///
    /// [`TableError`] naming the field that is wrong.
    pub fn parse(text: &str) -> Result<Self, TableError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| TableError::Malformed {
            table: DUTY,
            message: e.to_string(),
        })?;
        if raw.category.is_empty() {
            return Err(TableError::Malformed {
                table: DUTY,
                message: "no [[category]] rows".to_owned(),
            });
        }
        if chrono::NaiveDate::parse_from_str(&raw.as_of, "%Y-%m-%d").is_err() {
            return Err(TableError::Malformed {
                table: DUTY,
                message: format!("as_of = {:?} is not a date like 2026-02-01", raw.as_of),
            });
        }
        if raw.courier_value_limit_inr <= 0 {
            return Err(TableError::Malformed {
                table: DUTY,
                message: "courier_value_limit_inr must be positive".to_owned(),
            });
        }
        let mut categories = Vec::with_capacity(raw.category.len());
        for c in raw.category {
            if !c.importable && c.not_importable_because.is_none() {
                return Err(TableError::Malformed {
                    table: DUTY,
                    message: format!(
                        "category {}: importable = false needs not_importable_because",
                        c.key
                    ),
                });
            }
            let field = |name: &str| format!("category {}: {name}", c.key);
            categories.push(DutyCategory {
                bcd_percent: decimal(&field("bcd_percent"), &c.bcd_percent)?,
                sws_percent_of_bcd: decimal(&field("sws_percent_of_bcd"), &c.sws_percent_of_bcd)?,
                igst_percent: decimal(&field("igst_percent"), &c.igst_percent)?,
                not_importable_because: if c.importable {
                    None
                } else {
                    c.not_importable_because
                },
                matches: c.matches.iter().map(|m| words(m)).collect(),
                key: c.key,
                label: c.label,
                heading: c.heading,
                size: c.size,
            });
        }
        Ok(Self {
            title: raw.title,
            as_of: raw.as_of,
            sources: raw.sources,
            insurance_percent: decimal("insurance_percent", &raw.insurance_percent)?,
            courier_value_limit: Money::from_major(raw.courier_value_limit_inr, Currency::INR),
            categories,
        })
    }

    /// The category a product falls in: the first whose words appear in the product's
    /// group or one of its browse nodes (or their ancestors), else the last row.
    pub fn category_of(&self, product: &Product) -> &DutyCategory {
        let mut haystacks = Vec::new();
        if let Some(group) = &product.product_group {
            haystacks.push(words(group));
        }
        for node in &product.browse_nodes {
            haystacks.push(words(&node.name));
            if let Some(name) = &node.context_free_name {
                haystacks.push(words(name));
            }
            haystacks.extend(node.ancestors.iter().map(|a| words(&a.name)));
        }
        self.categories
            .iter()
            .find(|c| {
                c.matches
                    .iter()
                    .any(|m| haystacks.iter().any(|h| h.contains(m.as_str())))
            })
            .or_else(|| self.categories.last())
            .unwrap_or_else(|| unreachable_category())
    }

    /// The category with `key`.
    pub fn category(&self, key: &str) -> Option<&DutyCategory> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// The duty on goods costing `cost` with `freight`, both in rupees, under `category`.
    ///
    /// # Errors
    ///
    /// [`DutyError`] when an amount is not in rupees or too large to hold.
    pub fn duty(
        &self,
        category: &DutyCategory,
        cost: Money,
        freight: Money,
    ) -> Result<DutyBreakdown, DutyError> {
        for m in [cost, freight] {
            if m.currency() != Currency::INR {
                return Err(DutyError::NotRupees(m.currency().code()));
            }
        }
        let pct = |d: Decimal, minor: i64| d.percent_of(minor).ok_or(DutyError::Overflow);
        let add = |a: i64, b: i64| a.checked_add(b).ok_or(DutyError::Overflow);
        let insurance = pct(self.insurance_percent, cost.minor())?;
        let value = add(add(cost.minor(), freight.minor())?, insurance)?;
        let bcd = pct(category.bcd_percent, value)?;
        let sws = pct(category.sws_percent_of_bcd, bcd)?;
        let igst = pct(category.igst_percent, add(add(value, bcd)?, sws)?)?;
        let exact = add(add(bcd, sws)?, igst)?;
        // Section 154A: to the nearest rupee, 50 paise and more going up.
        let total = add(exact, 50)? / 100 * 100;
        let inr = |minor| Money::from_minor(minor, Currency::INR);
        Ok(DutyBreakdown {
            insurance: inr(insurance),
            assessable_value: inr(value),
            bcd: inr(bcd),
            sws: inr(sws),
            igst: inr(igst),
            total: inr(total),
            over_courier_limit: value > self.courier_value_limit.minor(),
        })
    }
}

/// A parsed table always has a category (parse refuses an empty list); this is the
/// branch the type system cannot see.
fn unreachable_category() -> &'static DutyCategory {
    static FALLBACK: std::sync::OnceLock<DutyCategory> = std::sync::OnceLock::new();
    FALLBACK.get_or_init(|| DutyCategory {
        key: "general".to_owned(),
        label: "Other goods".to_owned(),
        heading: "9804 90 00".to_owned(),
        bcd_percent: Decimal::ZERO,
        sws_percent_of_bcd: Decimal::ZERO,
        igst_percent: Decimal::ZERO,
        size: ParcelSize::Medium,
        not_importable_because: Some("no duty table rows".to_owned()),
        matches: Vec::new(),
    })
}

/// Why a duty could not be computed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DutyError {
    /// An amount in another currency than rupees.
    #[error("duty is computed on rupee amounts, not {0}")]
    NotRupees(&'static str),
    /// An amount too large to hold.
    #[error("the amount is too large to compute duty on")]
    Overflow,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Asin, BrowseNode, Marketplace};

    fn inr(rupees: i64) -> Money {
        Money::from_major(rupees, Currency::INR)
    }

    fn table() -> DutyTable {
        DutyTable::india().expect("the shipped duty table parses")
    }

    #[test]
    fn the_shipped_table_reads_with_its_source_and_date() {
        let t = table();
        assert_eq!(t.as_of, "2026-02-01");
        assert!(t.sources.iter().any(|s| s.contains("50/2017")));
        assert_eq!(t.categories.last().map(|c| c.key.as_str()), Some("general"));
        assert_eq!(t.courier_value_limit, inr(1_000_000));
    }

    #[test]
    fn general_goods_pay_the_sources_30_98_percent_of_the_assessable_value() {
        // The source's worked example: AV = X gives 10 % + 1 % + 19.98 % = 30.98 % of X.
        let t = table();
        let general = t.category("general").expect("general row");
        // Choose cost so that AV is exactly ₹1,00,000: insurance is 1.125 % of cost, so
        // cost = 1,00,000 / 1.01125 is not whole; test the rates on AV directly instead.
        let cost = inr(100_000);
        let d = t
            .duty(general, cost, Money::zero(Currency::INR))
            .expect("duty");
        assert_eq!(d.insurance, inr(1_125));
        assert_eq!(d.assessable_value, inr(101_125));
        assert_eq!(d.bcd, Money::from_minor(1_011_250, Currency::INR));
        assert_eq!(d.sws, Money::from_minor(101_125, Currency::INR));
        // IGST 18 % of (101125 + 10112.50 + 1011.25) = 18 % of 112248.75 = 20204.775
        assert_eq!(d.igst, Money::from_minor(2_020_478, Currency::INR));
        // 10112.50 + 1011.25 + 20204.78 = 31328.53 → ₹31,329
        assert_eq!(d.total, inr(31_329));
        // 30.98 % of the assessable value, to the rupee.
        assert_eq!(d.total.minor(), (101_125 * 3098 + 5_000) / 10_000 * 100);
        assert!(!d.over_courier_limit);
    }

    #[test]
    fn duty_rounds_to_the_nearest_rupee_fifty_paise_going_up() {
        let t = table();
        let general = t.category("general").expect("general row");
        // Find a cost whose exact duty ends in exactly 50 paise or just under.
        for cost in 1..2_000 {
            let d = t
                .duty(
                    general,
                    Money::from_minor(cost * 37, Currency::INR),
                    Money::zero(Currency::INR),
                )
                .expect("duty");
            let exact = d.bcd.minor() + d.sws.minor() + d.igst.minor();
            let paise = exact % 100;
            let expected = if paise >= 50 {
                exact - paise + 100
            } else {
                exact - paise
            };
            assert_eq!(d.total.minor(), expected, "cost {cost}");
        }
    }

    #[test]
    fn books_pay_basic_duty_only() {
        let t = table();
        let books = t.category("books").expect("books row");
        let d = t.duty(books, inr(1_000), inr(500)).expect("duty");
        // AV = 1000 + 500 + 11.25 = 1511.25; BCD 5 % = 75.5625 → 75.56; SWS 7.556 → 7.56.
        assert_eq!(
            d.assessable_value,
            Money::from_minor(151_125, Currency::INR)
        );
        assert_eq!(d.bcd, Money::from_minor(7_556, Currency::INR));
        assert_eq!(d.sws, Money::from_minor(756, Currency::INR));
        assert_eq!(d.igst, Money::zero(Currency::INR));
        assert_eq!(d.total, inr(83));
    }

    #[test]
    fn a_consignment_over_ten_lakh_is_flagged() {
        let t = table();
        let general = t.category("general").expect("general row");
        let d = t.duty(general, inr(990_000), inr(5_000)).expect("duty");
        assert!(d.over_courier_limit, "AV 10,06,137.50 is over ₹10,00,000");
    }

    #[test]
    fn foreign_amounts_are_refused() {
        let t = table();
        let general = t.category("general").expect("general row");
        let usd = Money::from_major(10, Currency::USD);
        assert_eq!(
            t.duty(general, usd, Money::zero(Currency::INR)),
            Err(DutyError::NotRupees("USD"))
        );
    }

    fn product(group: Option<&str>, node: Option<&str>) -> Product {
        let asin: Asin = "B0CX59H5W7".parse().expect("asin");
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let mut p = Product::new(asin, Marketplace::UnitedStates, "Thing", at);
        p.product_group = group.map(str::to_owned);
        if let Some(name) = node {
            p.browse_nodes.push(BrowseNode {
                id: "1".to_owned(),
                name: name.to_owned(),
                context_free_name: None,
                is_root: false,
                ancestors: Vec::new(),
                children: Vec::new(),
                sales_rank: None,
            });
        }
        p
    }

    #[test]
    fn categories_come_from_the_group_or_the_browse_nodes() {
        let t = table();
        let key = |g, n| t.category_of(&product(g, n)).key.clone();
        assert_eq!(key(Some("Wireless"), None), "phones");
        assert_eq!(key(Some("Book"), None), "books");
        assert_eq!(key(Some("Personal Computer"), None), "computers");
        assert_eq!(key(Some("Home Theater"), None), "televisions");
        assert_eq!(key(None, Some("Smartphones & Basic Mobiles")), "phones");
        assert_eq!(key(Some("Grocery"), None), "grocery");
        assert_eq!(key(None, None), "general");
        // Whole words: "Bookshelf speakers" is not a book.
        assert_eq!(key(Some("Bookshelf Speakers"), None), "general");
        assert!(!t.category("grocery").expect("grocery row").importable());
    }

    #[test]
    fn malformed_tables_name_the_field() {
        let bad = include_str!("../../assets/india-import-duty.toml").replacen(
            "bcd_percent = \"5\"",
            "bcd_percent = \"five\"",
            1,
        );
        let err = DutyTable::parse(&bad).expect_err("bad number");
        assert!(
            err.to_string().contains("category books: bcd_percent"),
            "{err}"
        );
        let err = DutyTable::parse("title = 1").expect_err("bad shape");
        assert!(err.to_string().starts_with("duty table:"), "{err}");
    }

    #[test]
    fn decimals_parse_and_print_exactly() {
        assert_eq!(
            Decimal::parse("1.125").map(|d| d.to_string()),
            Some("1.125".into())
        );
        assert_eq!(
            Decimal::parse("10").map(|d| d.to_string()),
            Some("10".into())
        );
        assert_eq!(
            Decimal::parse("0.50").map(|d| d.to_string()),
            Some("0.5".into())
        );
        for bad in ["", "-1", "1.2.3", "1e3", ".5", "12345678901234567890"] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Decimal::parse("18").and_then(|d| d.percent_of(250)),
            Some(45)
        );
        assert_eq!(
            Decimal::parse("1.125").and_then(|d| d.percent_of(4_000)),
            Some(45)
        );
    }
}
