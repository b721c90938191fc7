//! Money as integer minor units with a currency; never floating point.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::marketplace::Marketplace;

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

/// How a marketplace writes amounts: the CLDR number and currency conventions of its
/// locale ([`Marketplace::locale`]).
///
/// | marketplace | locale | example (`{:#}`) | notes |
/// |---|---|---|---|
/// | amazon.in | en-IN | `₹1,29,999.00` | Indian grouping (3, then 2) |
/// | amazon.com | en-US | `$1,299.00` | |
/// | amazon.ca | en-CA | `$1,299.00` | CAD is `$` at home |
/// | amazon.com.mx | es-MX | `$1,299.00` | MXN is `$` at home; es-MX groups from 4 digits |
/// | amazon.com.br | pt-BR | `R$ 1.299,00` | no-break space after `R$` |
/// | amazon.co.uk | en-GB | `£1,299.00` | |
/// | amazon.de, amazon.it | de-DE, it-IT | `1.299,00 €` | |
/// | amazon.es | es-ES | `1299,00 €`, `12.999,00 €` | CLDR `minimumGroupingDigits` 2: four-digit amounts are not grouped |
/// | amazon.fr, amazon.com.be | fr-FR, fr-BE | `1 299,00 €` | group: U+202F narrow no-break space; before `€`: U+00A0 |
/// | amazon.nl | nl-NL | `€ 1.299,00` | |
/// | amazon.ie | en-IE | `€1,299.00` | |
/// | amazon.se | sv-SE | `1 299,00 kr` | group and gap: U+00A0 |
/// | amazon.pl | pl-PL | `1299,00 zł`, `12 999,00 zł` | group U+00A0, `minimumGroupingDigits` 2 |
/// | amazon.com.tr | tr-TR | `₺1.299,00` | |
/// | amazon.ae, .sa, .eg | en-AE, en-SA, en-EG | `AED 1,299.00` | the code, a no-break space, the amount |
/// | amazon.co.jp | ja-JP | `￥129,800` | fullwidth yen sign (CLDR ja); no minor units |
/// | amazon.sg, amazon.com.au | en-SG, en-AU | `$1,299.00` | |
///
/// Negative amounts lead with an ASCII `-` everywhere (CLDR's sv and a few others use
/// U+2212; prices are never negative, so one sign is kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoneyFormat {
    /// The currency sign as shoppers of the locale see it (`₹`, `$`, `€`, `kr`).
    pub symbol: &'static str,
    /// True when the sign stands before the number (`$1`), false after (`1 €`).
    pub symbol_first: bool,
    /// What separates the sign from the number: `""` or U+00A0.
    pub gap: &'static str,
    /// The decimal separator.
    pub decimal: char,
    /// The grouping separator (`,`, `.`, U+00A0, U+202F).
    pub group: &'static str,
    /// The fewest digits before the first separator for grouping to apply (CLDR
    /// `minimumGroupingDigits`: 2 for es and pl, so `1299` but `12 999`).
    pub min_grouping: u8,
    /// Indian grouping (`1,29,999`: a group of three, then groups of two).
    pub indian: bool,
}

const NBSP: &str = "\u{a0}";
const NNBSP: &str = "\u{202f}";

impl MoneyFormat {
    /// The format of a marketplace.
    pub fn of(marketplace: Marketplace) -> Self {
        use Marketplace as M;
        let western = |symbol| Self {
            symbol,
            symbol_first: true,
            gap: "",
            decimal: '.',
            group: ",",
            min_grouping: 1,
            indian: false,
        };
        let euro_after = |group, min_grouping| Self {
            symbol: "€",
            symbol_first: false,
            gap: NBSP,
            decimal: ',',
            group,
            min_grouping,
            indian: false,
        };
        match marketplace {
            M::India => Self {
                indian: true,
                ..western("₹")
            },
            M::UnitedStates | M::Canada | M::Mexico | M::Singapore | M::Australia => western("$"),
            M::UnitedKingdom => western("£"),
            M::Ireland => western("€"),
            M::Japan => western("￥"),
            M::UnitedArabEmirates => Self {
                gap: NBSP,
                ..western("AED")
            },
            M::SaudiArabia => Self {
                gap: NBSP,
                ..western("SAR")
            },
            M::Egypt => Self {
                gap: NBSP,
                ..western("EGP")
            },
            M::Brazil => Self {
                gap: NBSP,
                decimal: ',',
                group: ".",
                ..western("R$")
            },
            M::Turkey => Self {
                decimal: ',',
                group: ".",
                ..western("₺")
            },
            M::Netherlands => Self {
                gap: NBSP,
                decimal: ',',
                group: ".",
                ..western("€")
            },
            M::Germany | M::Italy => euro_after(".", 1),
            M::Spain => euro_after(".", 2),
            M::France | M::Belgium => euro_after(NNBSP, 1),
            M::Sweden => Self {
                symbol: "kr",
                ..euro_after(NBSP, 1)
            },
            M::Poland => Self {
                symbol: "zł",
                ..euro_after(NBSP, 2)
            },
        }
    }

    fn group_whole(&self, digits: &str) -> String {
        // minimumGroupingDigits 2: no separator unless at least two digits stand before
        // the first one.
        if digits.len() <= 3 || digits.len() < 3 + usize::from(self.min_grouping) {
            return digits.to_owned();
        }
        group_digits(digits, self.indian).replace(',', self.group)
    }
}

/// An amount written the way a marketplace writes it ([`Money::display_in`]). `{}` drops
/// zero minor units (`₹1,29,999`, `1.299 €`… only when they are zero); `{:#}` always writes
/// them (`1.299,00 €`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalMoney {
    money: Money,
    format: MoneyFormat,
}

impl fmt::Display for LocalMoney {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let currency = self.money.currency;
        let per = currency.minor_per_major().unsigned_abs();
        let abs = self.money.minor.unsigned_abs();
        let fmt = &self.format;
        let mut number = fmt.group_whole(&(abs / per).to_string());
        let places = currency.exponent() as usize;
        if places > 0 && (f.alternate() || !abs.is_multiple_of(per)) {
            number.push(fmt.decimal);
            number.push_str(&format!("{:0places$}", abs % per));
        }
        let sign = if self.money.minor < 0 { "-" } else { "" };
        if fmt.symbol_first {
            write!(f, "{sign}{}{}{number}", fmt.symbol, fmt.gap)
        } else {
            write!(f, "{sign}{number}{}{}", fmt.gap, fmt.symbol)
        }
    }
}

impl Money {
    /// The amount written the way `marketplace` writes it (see [`MoneyFormat`]).
    ///
    /// ```
    /// use mandi_core::{Currency, Marketplace, Money};
    /// let m = Money::from_major(1_299, Currency::EUR);
    /// assert_eq!(format!("{:#}", m.display_in(Marketplace::Germany)), "1.299,00\u{a0}€");
    /// let yen = Money::from_major(129_800, Currency::JPY);
    /// assert_eq!(yen.display_in(Marketplace::Japan).to_string(), "￥129,800");
    /// ```
    pub fn display_in(self, marketplace: Marketplace) -> LocalMoney {
        LocalMoney {
            money: self,
            format: marketplace.money_format(),
        }
    }

    /// Parses an amount as `marketplace` writes it: `1.299,00 €` on amazon.de is 1299
    /// euros, `1,299.00` on amazon.com is 1299 dollars. The shop's own sign (`$` means
    /// Canadian dollars on amazon.ca, `kr` Swedish kronor) and any sign [`Money::parse`]
    /// knows are accepted before or after the number; without one, the shop's currency
    /// is meant.
    ///
    /// # Errors
    ///
    /// As [`Money::parse`].
    ///
    /// ```
    /// use mandi_core::{Currency, Marketplace, Money};
    /// let m = Money::parse_in("1.299,50 €", Marketplace::Germany)?;
    /// assert_eq!(m, Money::from_minor(129_950, Currency::EUR));
    /// let kr = Money::parse_in("1 299 kr", Marketplace::Sweden)?;
    /// assert_eq!(kr, Money::from_major(1_299, Currency::SEK));
    /// # Ok::<(), mandi_core::MoneyError>(())
    /// ```
    pub fn parse_in(text: &str, marketplace: Marketplace) -> Result<Money, MoneyError> {
        let fmt = marketplace.money_format();
        let home = marketplace.currency();
        let trimmed = text.trim();
        let (sign, unsigned) = match trimmed
            .strip_prefix('-')
            .or_else(|| trimmed.strip_prefix('\u{2212}'))
        {
            Some(rest) => ("-", rest.trim_start()),
            None => ("", trimmed),
        };
        let (currency, number) = match unsigned
            .strip_prefix(fmt.symbol)
            .or_else(|| unsigned.strip_suffix(fmt.symbol))
        {
            Some(rest) => (home, rest.trim_matches(is_amount_space)),
            None => split_currency(unsigned, home),
        };
        let mut normal = String::with_capacity(number.len() + 1);
        normal.push_str(sign);
        for ch in number.chars() {
            match ch {
                c if c == fmt.decimal => normal.push('.'),
                '.' | ',' if fmt.decimal == ',' || ch == ',' => {}
                c if is_amount_space(c) => {}
                c => normal.push(c),
            }
        }
        // The currency was taken off above; `parse` must not read a marker again.
        Money::parse(&normal, currency).map_err(|e| match e {
            MoneyError::Malformed { reason, .. } => MoneyError::Malformed {
                input: text.to_owned(),
                reason,
            },
            MoneyError::NoAmount(_) => MoneyError::NoAmount(text.to_owned()),
            MoneyError::TooPrecise {
                currency, places, ..
            } => MoneyError::TooPrecise {
                input: text.to_owned(),
                currency,
                places,
            },
            MoneyError::Overflow(_) => MoneyError::Overflow(text.to_owned()),
            other => other,
        })
    }

    /// An amount an API sent as a decimal number (`1299.5`, `129800`, `1.2998e5`), taken
    /// exactly: no `f64` on the way. Trailing zeros carry no value (`129800.00` yen is fine)
    /// but a digit past the currency's minor unit is refused (`129800.5` yen,
    /// `15799.005` rupees): such an amount is not a price.
    ///
    /// # Errors
    ///
    /// [`MoneyError::TooPrecise`] as above, [`MoneyError::Malformed`] for text that is not
    /// a JSON-style decimal number, [`MoneyError::Overflow`] when it does not fit.
    ///
    /// ```
    /// use mandi_core::{Currency, Money, MoneyError};
    /// assert_eq!(Money::from_api_amount("129800", Currency::JPY)?.minor(), 129_800);
    /// assert!(matches!(Money::from_api_amount("129800.5", Currency::JPY), Err(MoneyError::TooPrecise { .. })));
    /// assert_eq!(Money::from_api_amount("1.2995e3", Currency::USD)?.minor(), 129_950);
    /// # Ok::<(), MoneyError>(())
    /// ```
    pub fn from_api_amount(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let malformed = |reason| MoneyError::Malformed {
            input: text.chars().take(40).collect(),
            reason,
        };
        let t = text.trim();
        let (negative, t) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let (mantissa, exponent) = match t.find(['e', 'E']) {
            Some(i) => {
                let e = &t[i + 1..];
                let e = e.strip_prefix('+').unwrap_or(e);
                let exp: i32 = e
                    .parse()
                    .ok()
                    .filter(|x: &i32| x.unsigned_abs() <= 40)
                    .ok_or_else(|| malformed("its exponent is not a small whole number"))?;
                (&t[..i], exp)
            }
            None => (t, 0),
        };
        let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (mantissa.contains('.') && frac.is_empty())
        {
            return Err(malformed("it is not a decimal number"));
        }
        // value = digits × 10^-scale
        let digits_text = format!("{whole}{frac}");
        let digits_text = digits_text.trim_start_matches('0');
        if digits_text.len() > 36 {
            return Err(MoneyError::Overflow(text.chars().take(40).collect()));
        }
        let mut digits: i128 = 0;
        for b in digits_text.bytes() {
            digits = digits * 10 + i128::from(b - b'0');
        }
        let mut scale = i64::try_from(frac.len()).unwrap_or(i64::MAX) - i64::from(exponent);
        if digits == 0 {
            return Ok(Money::zero(currency));
        }
        while scale > 0 && digits % 10 == 0 {
            digits /= 10;
            scale -= 1;
        }
        let places = i64::from(currency.exponent());
        if scale > places {
            return Err(MoneyError::TooPrecise {
                input: text.chars().take(40).collect(),
                currency,
                places: currency.exponent(),
            });
        }
        let overflow = || MoneyError::Overflow(text.chars().take(40).collect());
        let shift = u32::try_from(places - scale).map_err(|_| overflow())?;
        let magnitude = 10i128
            .checked_pow(shift)
            .and_then(|f| digits.checked_mul(f))
            .ok_or_else(overflow)?;
        let minor =
            i64::try_from(if negative { -magnitude } else { magnitude }).map_err(|_| overflow())?;
        Ok(Money::from_minor(minor, currency))
    }
}

fn is_amount_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
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
        if let Some(rest) = t.strip_suffix(symbol) {
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

#[cfg(test)]
mod local_tests {
    use super::*;
    use proptest::prelude::*;

    const NB: &str = "\u{a0}";
    const NN: &str = "\u{202f}";

    /// Every marketplace: 1,299 (whole), 12,999.5, 1,29,999 and 0.99 in its own currency,
    /// as `{:#}` and `{}`. Hand-written from the CLDR patterns named in `MoneyFormat`.
    #[test]
    fn every_marketplace_formats_its_own_currency() {
        use Marketplace as M;
        #[rustfmt::skip]
        let table: Vec<(Marketplace, &str, &str, String, String)> = vec![
            // (shop, 1,299 full, 1,299 short, 12,999.50 full, 129,999 full)
            (M::India, "₹1,299.00", "₹1,299", "₹12,999.50".into(), "₹1,29,999.00".into()),
            (M::UnitedStates, "$1,299.00", "$1,299", "$12,999.50".into(), "$129,999.00".into()),
            (M::Canada, "$1,299.00", "$1,299", "$12,999.50".into(), "$129,999.00".into()),
            (M::Mexico, "$1,299.00", "$1,299", "$12,999.50".into(), "$129,999.00".into()),
            (M::Brazil, "R$\u{a0}1.299,00", "R$\u{a0}1.299", format!("R${NB}12.999,50"), format!("R${NB}129.999,00")),
            (M::UnitedKingdom, "£1,299.00", "£1,299", "£12,999.50".into(), "£129,999.00".into()),
            (M::Germany, "1.299,00\u{a0}€", "1.299\u{a0}€", format!("12.999,50{NB}€"), format!("129.999,00{NB}€")),
            (M::Italy, "1.299,00\u{a0}€", "1.299\u{a0}€", format!("12.999,50{NB}€"), format!("129.999,00{NB}€")),
            (M::Spain, "1299,00\u{a0}€", "1299\u{a0}€", format!("12.999,50{NB}€"), format!("129.999,00{NB}€")),
            (M::France, "1\u{202f}299,00\u{a0}€", "1\u{202f}299\u{a0}€", format!("12{NN}999,50{NB}€"), format!("129{NN}999,00{NB}€")),
            (M::Belgium, "1\u{202f}299,00\u{a0}€", "1\u{202f}299\u{a0}€", format!("12{NN}999,50{NB}€"), format!("129{NN}999,00{NB}€")),
            (M::Netherlands, "€\u{a0}1.299,00", "€\u{a0}1.299", format!("€{NB}12.999,50"), format!("€{NB}129.999,00")),
            (M::Ireland, "€1,299.00", "€1,299", "€12,999.50".into(), "€129,999.00".into()),
            (M::Sweden, "1\u{a0}299,00\u{a0}kr", "1\u{a0}299\u{a0}kr", format!("12{NB}999,50{NB}kr"), format!("129{NB}999,00{NB}kr")),
            (M::Poland, "1299,00\u{a0}zł", "1299\u{a0}zł", format!("12{NB}999,50{NB}zł"), format!("129{NB}999,00{NB}zł")),
            (M::Turkey, "₺1.299,00", "₺1.299", "₺12.999,50".into(), "₺129.999,00".into()),
            (M::UnitedArabEmirates, "AED\u{a0}1,299.00", "AED\u{a0}1,299", format!("AED{NB}12,999.50"), format!("AED{NB}129,999.00")),
            (M::SaudiArabia, "SAR\u{a0}1,299.00", "SAR\u{a0}1,299", format!("SAR{NB}12,999.50"), format!("SAR{NB}129,999.00")),
            (M::Egypt, "EGP\u{a0}1,299.00", "EGP\u{a0}1,299", format!("EGP{NB}12,999.50"), format!("EGP{NB}129,999.00")),
            (M::Singapore, "$1,299.00", "$1,299", "$12,999.50".into(), "$129,999.00".into()),
            (M::Australia, "$1,299.00", "$1,299", "$12,999.50".into(), "$129,999.00".into()),
        ];
        assert_eq!(
            table.len() + 1,
            Marketplace::ALL.len(),
            "Japan is tested apart"
        );
        for (m, full, short, cents, big) in &table {
            let c = m.currency();
            let whole = Money::from_major(1_299, c);
            assert_eq!(format!("{:#}", whole.display_in(*m)), *full, "{m}");
            assert_eq!(whole.display_in(*m).to_string(), *short, "{m}");
            let with_cents = Money::from_minor(1_299_950, c);
            assert_eq!(with_cents.display_in(*m).to_string(), *cents, "{m}");
            assert_eq!(format!("{:#}", with_cents.display_in(*m)), *cents, "{m}");
            let large = Money::from_major(129_999, c);
            assert_eq!(format!("{:#}", large.display_in(*m)), *big, "{m}");
            // Each reads back as the same amount in that shop.
            for text in [*full, *short, cents.as_str(), big.as_str()] {
                let back = Money::parse_in(text, *m).map(|x| x.currency());
                assert_eq!(back, Ok(c), "{m}: {text}");
            }
            assert_eq!(Money::parse_in(full, *m), Ok(whole), "{m}");
            assert_eq!(Money::parse_in(cents, *m), Ok(with_cents), "{m}");
            assert_eq!(Money::parse_in(big, *m), Ok(large), "{m}");
        }
    }

    #[test]
    fn yen_has_no_minor_units() {
        let yen = Money::from_major(129_800, Currency::JPY);
        assert_eq!(yen.minor(), 129_800);
        assert_eq!(yen.display_in(Marketplace::Japan).to_string(), "￥129,800");
        assert_eq!(
            format!("{:#}", yen.display_in(Marketplace::Japan)),
            "￥129,800"
        );
        for text in ["￥129,800", "¥129,800", "129,800", "129800円"] {
            let parsed = Money::parse_in(text.trim_end_matches('円'), Marketplace::Japan);
            assert_eq!(parsed, Ok(yen), "{text}");
        }
        assert!(matches!(
            Money::parse_in("￥129,800.5", Marketplace::Japan),
            Err(MoneyError::TooPrecise { places: 0, .. })
        ));
    }

    #[test]
    fn indian_grouping_stays_for_inr() {
        let m = Money::from_major(129_999, Currency::INR);
        assert_eq!(m.display_in(Marketplace::India).to_string(), "₹1,29,999");
        assert_eq!(
            Money::from_minor(1_234_567_890, Currency::INR)
                .display_in(Marketplace::India)
                .to_string(),
            "₹1,23,45,678.90"
        );
        assert_eq!(m.to_string(), m.display_in(Marketplace::India).to_string());
    }

    #[test]
    fn small_and_negative_amounts() {
        let m = Money::from_minor(99, Currency::EUR);
        assert_eq!(
            m.display_in(Marketplace::Germany).to_string(),
            "0,99\u{a0}€"
        );
        let neg = Money::from_minor(-129_900, Currency::EUR);
        assert_eq!(
            format!("{:#}", neg.display_in(Marketplace::Germany)),
            "-1.299,00\u{a0}€"
        );
        assert_eq!(
            Money::parse_in("-1.299,00 €", Marketplace::Germany),
            Ok(neg)
        );
        assert_eq!(
            Money::parse_in("−1.299,00 €", Marketplace::Germany),
            Ok(neg),
            "U+2212 minus"
        );
    }

    #[test]
    fn the_shop_decides_what_separators_mean() {
        // The same text, two shops, two amounts.
        assert_eq!(
            Money::parse_in("1.299", Marketplace::Germany),
            Ok(Money::from_major(1_299, Currency::EUR))
        );
        assert_eq!(
            Money::parse_in("1.299", Marketplace::UnitedStates),
            Err(MoneyError::TooPrecise {
                input: "1.299".into(),
                currency: Currency::USD,
                places: 2
            })
        );
        // A foreign sign wins over the shop's currency; the shop's separators still apply.
        assert_eq!(
            Money::parse_in("12,50 £", Marketplace::Germany),
            Ok(Money::from_minor(1_250, Currency::GBP))
        );
        assert_eq!(
            Money::parse_in("£12.50", Marketplace::UnitedKingdom),
            Ok(Money::from_minor(1_250, Currency::GBP))
        );
        assert_eq!(
            Money::parse_in("1 299,00 €", Marketplace::France),
            Ok(Money::from_major(1_299, Currency::EUR))
        );
        assert!(matches!(
            Money::parse_in("abc €", Marketplace::France),
            Err(MoneyError::Malformed { .. })
        ));
        assert!(matches!(
            Money::parse_in("€", Marketplace::Ireland),
            Err(MoneyError::NoAmount(_))
        ));
    }

    #[test]
    fn api_amounts_respect_minor_units_of_every_currency() {
        for c in Currency::ALL {
            let places = c.exponent();
            let per = 10_i64.pow(places);
            assert_eq!(
                Money::from_api_amount("1299", c),
                Ok(Money::from_minor(1_299 * per, c))
            );
            assert_eq!(
                Money::from_api_amount("1299.000", c),
                Ok(Money::from_minor(1_299 * per, c)),
                "{c}: trailing zeros carry nothing"
            );
            // One digit past the minor unit is not a price.
            let too_fine = format!("1299.{}1", "0".repeat(places as usize));
            assert!(
                matches!(
                    Money::from_api_amount(&too_fine, c),
                    Err(MoneyError::TooPrecise { .. })
                ),
                "{c}: {too_fine}"
            );
        }
        assert_eq!(
            Money::from_api_amount("15799.5", Currency::INR),
            Ok(Money::from_minor(1_579_950, Currency::INR))
        );
        assert!(matches!(
            Money::from_api_amount("15799.005", Currency::INR),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert_eq!(
            Money::from_api_amount("1.298E5", Currency::JPY),
            Ok(Money::from_minor(129_800, Currency::JPY))
        );
        assert!(matches!(
            Money::from_api_amount("1.29855e4", Currency::JPY),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert_eq!(
            Money::from_api_amount("-0.5", Currency::USD),
            Ok(Money::from_minor(-50, Currency::USD))
        );
        for bad in [
            "", "-", "1.", ".5", "1,299", "1e", "NaN", "1.2.3", "0x10", "1e99",
        ] {
            assert!(
                Money::from_api_amount(bad, Currency::USD).is_err(),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Money::from_api_amount("99999999999999999999", Currency::USD),
            Err(MoneyError::Overflow(_))
        ));
    }

    proptest! {
        #[test]
        fn local_display_then_parse_round_trips(
            minor in -1_000_000_000_000_i64..1_000_000_000_000_i64,
            idx in 0usize..22,
            full in any::<bool>(),
        ) {
            let m = Marketplace::ALL[idx];
            let money = Money::from_minor(minor, m.currency());
            let text = if full {
                format!("{:#}", money.display_in(m))
            } else {
                money.display_in(m).to_string()
            };
            prop_assert_eq!(Money::parse_in(&text, m), Ok(money), "{}", text);
        }

        #[test]
        fn parse_in_never_panics(text in ".{0,40}", idx in 0usize..22) {
            let _ = Money::parse_in(&text, Marketplace::ALL[idx]);
            let _ = Money::from_api_amount(&text, Currency::ALL[idx % 16]);
        }
    }
}
