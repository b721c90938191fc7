//! Money as integer minor units with a currency; never floating point.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency used by an Amazon marketplace.
#[non_exhaustive]
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Currency {
    /// Indian rupee.
    INR,
    /// US dollar.
    USD,
    /// Canadian dollar.
    CAD,
    /// Mexican peso.
    MXN,
    /// Brazilian real.
    BRL,
    /// Pound sterling.
    GBP,
    /// Euro.
    EUR,
    /// Swedish krona.
    SEK,
    /// Polish złoty.
    PLN,
    /// Turkish lira.
    TRY,
    /// UAE dirham.
    AED,
    /// Saudi riyal.
    SAR,
    /// Egyptian pound.
    EGP,
    /// Japanese yen.
    JPY,
    /// Singapore dollar.
    SGD,
    /// Australian dollar.
    AUD,
}

impl Currency {
    /// Every supported currency.
    pub const ALL: [Currency; 16] = [
        Self::INR,
        Self::USD,
        Self::CAD,
        Self::MXN,
        Self::BRL,
        Self::GBP,
        Self::EUR,
        Self::SEK,
        Self::PLN,
        Self::TRY,
        Self::AED,
        Self::SAR,
        Self::EGP,
        Self::JPY,
        Self::SGD,
        Self::AUD,
    ];

    /// The ISO 4217 code (`INR`).
    pub fn code(self) -> &'static str {
        match self {
            Self::INR => "INR",
            Self::USD => "USD",
            Self::CAD => "CAD",
            Self::MXN => "MXN",
            Self::BRL => "BRL",
            Self::GBP => "GBP",
            Self::EUR => "EUR",
            Self::SEK => "SEK",
            Self::PLN => "PLN",
            Self::TRY => "TRY",
            Self::AED => "AED",
            Self::SAR => "SAR",
            Self::EGP => "EGP",
            Self::JPY => "JPY",
            Self::SGD => "SGD",
            Self::AUD => "AUD",
        }
    }

    /// Decimal places of the minor unit (2 for paise, 0 for yen).
    pub fn exponent(self) -> u32 {
        match self {
            Self::JPY => 0,
            _ => 2,
        }
    }

    /// The symbol shown before an amount (`₹`).
    pub fn symbol(self) -> &'static str {
        match self {
            Self::INR => "₹",
            Self::USD => "$",
            Self::CAD => "CA$",
            Self::MXN => "MX$",
            Self::BRL => "R$",
            Self::GBP => "£",
            Self::EUR => "€",
            Self::SEK => "kr ",
            Self::PLN => "zł ",
            Self::TRY => "₺",
            Self::AED => "AED ",
            Self::SAR => "SAR ",
            Self::EGP => "EGP ",
            Self::JPY => "¥",
            Self::SGD => "S$",
            Self::AUD => "A$",
        }
    }

    fn minor_per_major(self) -> i64 {
        10_i64.pow(self.exponent())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        Self::ALL
            .into_iter()
            .find(|c| c.code() == upper)
            .ok_or_else(|| MoneyError::UnknownCurrency(s.to_owned()))
    }
}

/// Why an amount could not be parsed or computed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The text holds no number.
    #[error("no amount found in {0:?}: write it like ₹1,23,456 or 999.00")]
    NoAmount(String),
    /// The text is not a well-formed amount.
    #[error("{input:?} is not an amount: {reason}")]
    Malformed {
        /// The rejected input.
        input: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// More decimal places than the currency has.
    #[error("{input:?} has more decimal places than {currency} allows ({places})")]
    TooPrecise {
        /// The rejected input.
        input: String,
        /// The currency.
        currency: Currency,
        /// Its number of decimal places.
        places: u32,
    },
    /// The amount does not fit in 64 bits of minor units.
    #[error("{0:?} is too large an amount")]
    Overflow(String),
    /// An operation mixed two currencies.
    #[error("cannot combine {left} with {right}: amounts are in different currencies")]
    CurrencyMismatch {
        /// The left operand's currency.
        left: Currency,
        /// The right operand's currency.
        right: Currency,
    },
    /// A currency code that is not supported.
    #[error("unknown currency {0:?}")]
    UnknownCurrency(String),
}

/// An amount of money: integer minor units (paise for INR) and a currency.
///
/// # Examples
///
/// ```
/// use mandi_core::{Currency, Money};
/// let price = Money::parse("₹1,23,456", Currency::INR)?;
/// assert_eq!(price.minor(), 12_345_600);
/// assert_eq!(price.to_string(), "₹1,23,456");
/// assert_eq!(format!("{price:#}"), "₹1,23,456.00");
/// assert_eq!(Money::parse("Rs. 999.50", Currency::INR)?.to_string(), "₹999.50");
/// assert_eq!(Money::parse("79,999.00", Currency::INR)?, Money::from_major(79_999, Currency::INR));
/// # Ok::<(), mandi_core::MoneyError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// An amount from minor units (paise).
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// An amount from whole major units (rupees). Saturates at the `i64` limit.
    pub fn from_major(major: i64, currency: Currency) -> Self {
        Self {
            minor: major.saturating_mul(currency.minor_per_major()),
            currency,
        }
    }

    /// Zero in a currency.
    pub const fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// The amount in minor units.
    pub const fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// True when the amount is zero.
    pub const fn is_zero(&self) -> bool {
        self.minor == 0
    }

    /// Adds two amounts of the same currency.
    ///
    /// # Errors
    ///
    /// [`MoneyError::CurrencyMismatch`] for different currencies, [`MoneyError::Overflow`]
    /// when the sum does not fit.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money::from_minor(minor, self.currency))
            .ok_or_else(|| MoneyError::Overflow(format!("{self} + {other}")))
    }

    /// Subtracts an amount of the same currency.
    ///
    /// # Errors
    ///
    /// As for [`Money::checked_add`].
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|minor| Money::from_minor(minor, self.currency))
            .ok_or_else(|| MoneyError::Overflow(format!("{self} - {other}")))
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// How far `self` is below `reference`, in basis points (1/100 of a percent), rounded
    /// toward zero. `None` when the currencies differ or `reference` is not positive.
    ///
    /// ```
    /// use mandi_core::{Currency, Money};
    /// let mrp = Money::from_major(1000, Currency::INR);
    /// let price = Money::from_major(750, Currency::INR);
    /// assert_eq!(price.discount_bps(mrp), Some(2500));
    /// ```
    pub fn discount_bps(self, reference: Money) -> Option<i64> {
        if self.currency != reference.currency || reference.minor <= 0 {
            return None;
        }
        let diff = i128::from(reference.minor) - i128::from(self.minor);
        i64::try_from(diff * 10_000 / i128::from(reference.minor)).ok()
    }

    /// `bps` basis points of this amount, rounded half away from zero.
    pub fn percent_bps(self, bps: i64) -> Money {
        let v = i128::from(self.minor) * i128::from(bps);
        let rounded = if v >= 0 {
            (v + 5_000) / 10_000
        } else {
            (v - 5_000) / 10_000
        };
        Money::from_minor(
            i64::try_from(rounded).unwrap_or(if v >= 0 { i64::MAX } else { i64::MIN }),
            self.currency,
        )
    }

    /// Parses an amount as a shopper or a web page writes it: `₹1,23,456`, `Rs. 999`,
    /// `INR 999.50`, `79,999.00`, `$12.5`. A currency sign in the text wins over
    /// `default_currency`; without one, `default_currency` is used.
    ///
    /// # Errors
    ///
    /// [`MoneyError`] naming what is wrong: no number, a malformed number, more decimals than
    /// the currency has, or an amount too large to hold.
    pub fn parse(text: &str, default_currency: Currency) -> Result<Money, MoneyError> {
        let trimmed = text.trim();
        let (sign, unsigned_text) = match trimmed.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", trimmed),
        };
        let (currency, rest) = split_currency(unsigned_text, default_currency);
        let number = format!("{sign}{rest}");
        let mut cleaned = String::with_capacity(number.len());
        for ch in number.chars() {
            match ch {
                '0'..='9' | '.' | '-' => cleaned.push(ch),
                ',' | '\u{00a0}' | '\u{202f}' | '\u{2009}' | ' ' | '\'' | '_' => {}
                _ => {
                    return Err(MoneyError::Malformed {
                        input: text.to_owned(),
                        reason: "it contains characters that are not part of an amount",
                    });
                }
            }
        }
        let negative = cleaned.starts_with('-');
        let unsigned = cleaned.trim_start_matches('-');
        if unsigned.contains('-') || cleaned.matches('-').count() > 1 {
            return Err(MoneyError::Malformed {
                input: text.to_owned(),
                reason: "a minus sign may only lead the amount",
            });
        }
        if unsigned.is_empty() || unsigned == "." {
            return Err(MoneyError::NoAmount(text.to_owned()));
        }
        let (whole, frac) = match unsigned.split_once('.') {
            Some((w, f)) => {
                if f.contains('.') {
                    return Err(MoneyError::Malformed {
                        input: text.to_owned(),
                        reason: "it has more than one decimal point",
                    });
                }
                (w, f)
            }
            None => (unsigned, ""),
        };
        let places = currency.exponent();
        let frac_trimmed = frac.trim_end_matches('0');
        if frac_trimmed.len() > places as usize {
            return Err(MoneyError::TooPrecise {
                input: text.to_owned(),
                currency,
                places,
            });
        }
        let overflow = || MoneyError::Overflow(text.to_owned());
        let whole_value: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| overflow())?
        };
        let mut frac_value: i64 = 0;
        for (i, d) in frac_trimmed.bytes().enumerate() {
            frac_value += i64::from(d - b'0') * 10_i64.pow(places - 1 - i as u32);
        }
        let minor = whole_value
            .checked_mul(currency.minor_per_major())
            .and_then(|m| m.checked_add(frac_value))
            .ok_or_else(overflow)?;
        Ok(Money::from_minor(
            if negative { -minor } else { minor },
            currency,
        ))
    }

    /// The amount as people read it, the same as `Display`: `₹54,999` rather than
    /// `₹54,999.00`, but `₹54,999.50` stays as it is.
    pub fn display_short(&self) -> String {
        self.to_string()
    }

    /// The amount with every minor unit written out, the same as `{:#}`: `₹54,999.00`.
    pub fn display_full(&self) -> String {
        format!("{self:#}")
    }
}

/// Splits a leading or trailing currency marker from the number.
fn split_currency(text: &str, default: Currency) -> (Currency, &str) {
    let t = text.trim();
    const MARKERS: &[(&str, Currency)] = &[
        ("₹", Currency::INR),
        ("Rs.", Currency::INR),
        ("Rs", Currency::INR),
        ("rs.", Currency::INR),
        ("rs", Currency::INR),
        ("RS.", Currency::INR),
        ("RS", Currency::INR),
        ("INR", Currency::INR),
        ("CA$", Currency::CAD),
        ("MX$", Currency::MXN),
        ("R$", Currency::BRL),
        ("S$", Currency::SGD),
        ("A$", Currency::AUD),
        ("US$", Currency::USD),
        ("$", Currency::USD),
        ("£", Currency::GBP),
        ("€", Currency::EUR),
        ("¥", Currency::JPY),
        ("￥", Currency::JPY),
        ("₺", Currency::TRY),
    ];
    for (marker, currency) in MARKERS {
        if let Some(rest) = t.strip_prefix(marker) {
            // A bare "$" means the default when the default is a dollar currency.
            let c = if *marker == "$"
                && matches!(
                    default,
                    Currency::CAD | Currency::SGD | Currency::AUD | Currency::MXN
                ) {
                default
            } else {
                *currency
            };
            return (c, rest.trim());
        }
        if let Some(rest) = t.strip_suffix(marker) {
            return (*currency, rest.trim());
        }
    }
    for c in Currency::ALL {
        let symbol = c.symbol().trim();
        if let Some(rest) = t.strip_prefix(symbol) {
            return (c, rest.trim());
        }
        if let Some(rest) = t.strip_prefix(c.code()) {
            return (c, rest.trim());
        }
        if let Some(rest) = t.strip_suffix(c.code()) {
            return (c, rest.trim());
        }
    }
    (default, t)
}

/// A count written the way amounts in rupees are, with Indian grouping: `1,85,016`
/// (ratings, reviews, products).
///
/// ```
/// assert_eq!(mandi_core::group_count(185_016), "1,85,016");
/// assert_eq!(mandi_core::group_count(999), "999");
/// ```
pub fn group_count(n: u64) -> String {
    group_digits(&n.to_string(), true)
}

fn group_digits(digits: &str, indian: bool) -> String {
    let len = digits.len();
    if len <= 3 {
        return digits.to_owned();
    }
    let (head, last3) = digits.split_at(len - 3);
    let group = if indian { 2 } else { 3 };
    let mut parts: Vec<&str> = Vec::new();
    let mut end = head.len();
    while end > group {
        parts.push(&head[end - group..end]);
        end -= group;
    }
    parts.push(&head[..end]);
    parts.reverse();
    format!("{},{}", parts.join(","), last3)
}

/// One way money reads everywhere (terminal, chat, alert texts, charts): `₹1,23,456` for INR
/// (Indian grouping), `$1,234.50` for others; minor units are shown only when there are some.
/// The alternate form (`{:#}`) always writes them: `₹1,23,456.00`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per = self.currency.minor_per_major().unsigned_abs();
        let abs = self.minor.unsigned_abs();
        let whole = group_digits(&(abs / per).to_string(), self.currency == Currency::INR);
        let sign = if self.minor < 0 { "-" } else { "" };
        let places = self.currency.exponent() as usize;
        if places == 0 || (abs.is_multiple_of(per) && !f.alternate()) {
            write!(f, "{sign}{}{whole}", self.currency.symbol())
        } else {
            write!(
                f,
                "{sign}{}{whole}.{:0places$}",
                self.currency.symbol(),
                abs % per
            )
        }
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} {})", self.minor, self.currency.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn inr(text: &str) -> Result<Money, MoneyError> {
        Money::parse(text, Currency::INR)
    }

    #[test]
    fn formats_inr_with_indian_grouping() {
        let cases = [
            (0, "₹0.00"),
            (99, "₹0.99"),
            (99_900, "₹999.00"),
            (100_000, "₹1,000.00"),
            (12_345_600, "₹1,23,456.00"),
            (1_234_567_890, "₹1,23,45,678.90"),
            (-5_000, "-₹50.00"),
        ];
        for (minor, text) in cases {
            let money = Money::from_minor(minor, Currency::INR);
            assert_eq!(format!("{money:#}"), text);
            // The everyday form drops `.00` but keeps real paise.
            let short = text.strip_suffix(".00").unwrap_or(text);
            assert_eq!(money.to_string(), short);
            assert_eq!(money.display_short(), short);
            assert_eq!(money.display_full(), text);
        }
    }

    #[test]
    fn formats_other_currencies_with_western_grouping() {
        assert_eq!(
            Money::from_minor(123_456_789, Currency::USD).to_string(),
            "$1,234,567.89"
        );
        assert_eq!(
            Money::from_minor(123_456, Currency::JPY).to_string(),
            "¥123,456"
        );
    }

    #[test]
    fn parses_what_shoppers_write() {
        let cases = [
            ("₹1,23,456", 12_345_600),
            ("Rs. 999", 99_900),
            ("Rs.999", 99_900),
            ("rs 999", 99_900),
            ("INR 999.50", 99_950),
            ("79,999.00", 7_999_900),
            ("₹ 54,999", 5_499_900),
            ("₹999.5", 99_950),
            ("1,23,456.", 12_345_600),
            (".5", 50),
            ("₹\u{a0}2,499", 249_900),
        ];
        for (text, minor) in cases {
            assert_eq!(
                inr(text),
                Ok(Money::from_minor(minor, Currency::INR)),
                "{text}"
            );
        }
        assert_eq!(
            Money::parse("$12.5", Currency::INR).map(|m| m.currency()),
            Ok(Currency::USD)
        );
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        assert!(matches!(inr(""), Err(MoneyError::NoAmount(_))));
        assert!(matches!(inr("₹"), Err(MoneyError::NoAmount(_))));
        assert!(matches!(inr("abc"), Err(MoneyError::Malformed { .. })));
        assert!(matches!(inr("1.2.3"), Err(MoneyError::Malformed { .. })));
        assert!(matches!(inr("9-9"), Err(MoneyError::Malformed { .. })));
        assert!(matches!(inr("999.505"), Err(MoneyError::TooPrecise { .. })));
        assert!(matches!(
            inr("99999999999999999999"),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn refuses_to_mix_currencies() {
        let a = Money::from_major(1, Currency::INR);
        let b = Money::from_major(1, Currency::USD);
        assert!(matches!(
            a.checked_add(b),
            Err(MoneyError::CurrencyMismatch { .. })
        ));
        assert_eq!(a.checked_add(a), Ok(Money::from_major(2, Currency::INR)));
    }

    #[test]
    fn short_display_drops_only_zero_paise() {
        assert_eq!(
            Money::from_major(54_999, Currency::INR).display_short(),
            "₹54,999"
        );
        assert_eq!(
            Money::from_minor(5_499_950, Currency::INR).display_short(),
            "₹54,999.50"
        );
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(minor in -1_000_000_000_000_i64..1_000_000_000_000_i64, idx in 0usize..16) {
            let currency = Currency::ALL[idx];
            let money = Money::from_minor(minor, currency);
            let text = money.to_string();
            prop_assert_eq!(Money::parse(&text, currency), Ok(money), "{}", text);
        }

        #[test]
        fn parse_never_panics(text in ".{0,40}") {
            let _ = Money::parse(&text, Currency::INR);
        }
    }
}
