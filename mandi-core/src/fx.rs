//! Exchange rates: the European Central Bank's daily reference rates, and exact conversion
//! of [`Money`] between currencies.
//!
//! # The feed
//!
//! The ECB publishes, on each TARGET working day at about 16:00 CET, the euro's reference
//! rate against some thirty currencies in `eurofxref-daily.xml` (and 90 days of them in
//! `eurofxref-hist-90d.xml`, the same format with one dated `Cube` per day):
//!
//! ```xml
//! <gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
//!                  xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
//!   <gesmes:subject>Reference rates</gesmes:subject>
//!   <Cube>
//!     <Cube time='2026-12-04'>
//!       <Cube currency='USD' rate='1.0523'/>
//!       <Cube currency='JPY' rate='171.94'/>
//!       …
//! ```
//!
//! A rate is how many units of the currency one euro buys. [`RateTable::parse_ecb_xml`]
//! reads it (the latest day when there are several), [`RateTable::to_ecb_xml`] writes it
//! (the sandbox serves its feed so), and [`RateSource`] is the port that fetches one:
//! [`FileRateSource`] here, `mandi_paapi::fx::HttpRateSource` over HTTP. [`RateCache`] keeps
//! the last table with its date and the time it was fetched, refetches after a set
//! interval, falls back to the table it has (or to a cache file) when a fetch fails, and
//! says when the table is stale.
//!
//! The ECB does not publish the UAE dirham, the Saudi riyal or the Egyptian pound:
//! converting them is [`FxError::NoRate`] unless a table has them added
//! ([`RateTable::with_rate`]).
//!
//! # Exact arithmetic and rounding
//!
//! Rates are kept as the decimal text gives them (an integer and a count of decimal places),
//! amounts as integer minor units; nothing goes through `f64`. Converting `a` minor units of
//! currency A (exponent `eA`, rate `rA`) to currency B (exponent `eB`, rate `rB`) computes the
//! exact rational `a × rB × 10^eB / (rA × 10^eA)` in 128-bit integers, crossing through the
//! euro without rounding there, and rounds **once, half to even** (banker's rounding) to a
//! whole minor unit of B: `0.5` paise goes to `0`, `1.5` to `2`, `2.5` to `2`. Half-even is
//! chosen so that many conversions carry no upward bias.
//!
//! # Staleness
//!
//! A table is stale when its date is more than [`FxPolicy::max_age_days`] days before
//! today (UTC). The default, 5, covers the longest regular gap in the ECB's calendar
//! (Easter: Thursday's rates stand until Tuesday afternoon); a weekend never makes rates
//! stale.
//!
//! # Examples
//!
//! ```
//! use chrono::NaiveDate;
//! use mandi_core::fx::RateTable;
//! use mandi_core::{Currency, Money};
//!
//! let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
//! <gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
//!   <Cube><Cube time='2026-12-04'>
//!     <Cube currency='USD' rate='1.0523'/><Cube currency='INR' rate='89.2495'/>
//!   </Cube></Cube>
//! </gesmes:Envelope>"#;
//! let table = RateTable::parse_ecb_xml(xml)?;
//! assert_eq!(table.date(), NaiveDate::from_ymd_opt(2026, 12, 4).unwrap());
//! let eur = Money::from_major(100, Currency::EUR);
//! assert_eq!(table.convert(eur, Currency::USD)?, Money::from_minor(10_523, Currency::USD));
//! // 100 USD = 100 / 1.0523 × 89.2495 INR = 8481.3741328… → ₹8,481.37
//! let usd = Money::from_major(100, Currency::USD);
//! assert_eq!(table.convert(usd, Currency::INR)?, Money::from_minor(848_137, Currency::INR));
//! # Ok::<(), mandi_core::fx::FxError>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{Currency, Money};
use crate::ports::Clock;

/// Why rates could not be read, fetched or used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FxError {
    /// The text is not well-formed ECB reference-rate XML.
    #[error("not an ECB reference-rate feed: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// The feed holds no dated rates.
    #[error("the ECB feed holds no rates (no <Cube time=…> with currencies in it)")]
    NoRates,
    /// A rate text that is not a positive decimal.
    #[error("{text:?} is not an exchange rate: write a positive decimal such as 1.0523")]
    BadRate {
        /// The rejected text.
        text: String,
    },
    /// The table has no rate for a currency.
    #[error(
        "no exchange rate for {currency}: the ECB does not publish it; add one to the table or convert through another currency"
    )]
    NoRate {
        /// The currency's code.
        currency: String,
    },
    /// The converted amount does not fit.
    #[error("converting {amount} gives an amount too large to hold")]
    Overflow {
        /// The amount converted.
        amount: String,
    },
    /// A file could not be read or written.
    #[error("rates file {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
    /// Fetching the feed failed (network, HTTP status); it may work later.
    #[error("fetching exchange rates from {source_name} failed: {message}")]
    Fetch {
        /// Where from.
        source_name: String,
        /// What failed.
        message: String,
    },
}

/// An exchange rate: units of a currency per euro, as an exact decimal (`1.0523` is
/// 10523 × 10⁻⁴).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    digits: u64,
    scale: u32,
}

impl Rate {
    /// One (the euro's own rate).
    pub const ONE: Rate = Rate {
        digits: 1,
        scale: 0,
    };

    /// Parses a positive decimal (`1.0523`, `171.94`, `395.10`). At most 18 digits; no sign,
    /// exponent or grouping.
    ///
    /// # Errors
    ///
    /// [`FxError::BadRate`] for anything else, zero included.
    pub fn parse(text: &str) -> Result<Rate, FxError> {
        let bad = || FxError::BadRate {
            text: text.chars().take(32).collect(),
        };
        let t = text.trim();
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (t.contains('.') && frac.is_empty())
        {
            return Err(bad());
        }
        let all = format!("{whole}{frac}");
        let significant = all.trim_start_matches('0');
        if significant.len() > 18 {
            return Err(bad());
        }
        let digits: u64 = if significant.is_empty() {
            0
        } else {
            significant.parse().map_err(|_| bad())?
        };
        if digits == 0 {
            return Err(bad());
        }
        let scale = u32::try_from(frac.len()).map_err(|_| bad())?;
        if scale > 18 {
            return Err(bad());
        }
        Ok(Rate { digits, scale })
    }

    /// The rate as `digits × 10^-scale`.
    pub fn parts(self) -> (u64, u32) {
        (self.digits, self.scale)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.digits.to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return f.write_str(&text);
        }
        let padded = format!("{text:0>width$}", width = scale + 1);
        let (w, d) = padded.split_at(padded.len() - scale);
        write!(f, "{w}.{d}")
    }
}

impl fmt::Debug for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rate({self})")
    }
}

impl std::str::FromStr for Rate {
    type Err = FxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The reference rates of one day: units of each currency per euro.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateTable {
    date: NaiveDate,
    /// In the feed's order; codes are three upper-case letters, EUR never among them.
    rates: Vec<(String, Rate)>,
}

impl RateTable {
    /// An empty table for a day (only EUR converts, to itself).
    pub fn new(date: NaiveDate) -> Self {
        Self {
            date,
            rates: Vec::new(),
        }
    }

    /// The table with a rate set (replacing one for the same currency). Setting EUR is
    /// ignored: the euro's rate is always one.
    pub fn with_rate(mut self, currency: &str, rate: Rate) -> Self {
        let code = currency.trim().to_ascii_uppercase();
        if code == "EUR" {
            return self;
        }
        match self.rates.iter_mut().find(|(c, _)| *c == code) {
            Some(slot) => slot.1 = rate,
            None => self.rates.push((code, rate)),
        }
        self
    }

    /// The day the rates are for.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// Every rate, in the feed's order (EUR not included).
    pub fn rates(&self) -> impl Iterator<Item = (&str, Rate)> {
        self.rates.iter().map(|(c, r)| (c.as_str(), *r))
    }

    /// Units of `code` per euro (`EUR` is one); `None` when the table lacks it.
    pub fn rate_of(&self, code: &str) -> Option<Rate> {
        if code.eq_ignore_ascii_case("EUR") {
            return Some(Rate::ONE);
        }
        self.rates
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(code))
            .map(|(_, r)| *r)
    }

    /// Units of `currency` per euro.
    pub fn rate(&self, currency: Currency) -> Option<Rate> {
        self.rate_of(currency.code())
    }

    /// Whole days from the table's date to `today` (0 on the day itself; negative for a
    /// table dated in the future).
    pub fn age_days(&self, today: NaiveDate) -> i64 {
        (today - self.date).num_days()
    }

    /// True when the table is more than `max_age_days` days old on `today`.
    pub fn is_stale(&self, today: NaiveDate, max_age_days: u32) -> bool {
        self.age_days(today) > i64::from(max_age_days)
    }

    /// Converts `money` into `to` through the euro, exactly, rounding once half to even to
    /// a minor unit of `to` (see the [module docs](self)).
    ///
    /// # Errors
    ///
    /// [`FxError::NoRate`] when the table lacks either currency, [`FxError::Overflow`] when
    /// the result does not fit.
    pub fn convert(&self, money: Money, to: Currency) -> Result<Money, FxError> {
        let from = money.currency();
        if from == to {
            return Ok(money);
        }
        let no_rate = |c: Currency| FxError::NoRate {
            currency: c.code().to_owned(),
        };
        let rate_from = self.rate(from).ok_or_else(|| no_rate(from))?;
        let rate_to = self.rate(to).ok_or_else(|| no_rate(to))?;
        let overflow = || FxError::Overflow {
            amount: money.to_string(),
        };
        // minor_to = minor_from × d_to × 10^(s_from + e_to) / (d_from × 10^(s_to + e_from))
        let pow = |n: u32| 10_i128.checked_pow(n);
        let num = i128::from(money.minor())
            .checked_mul(i128::from(rate_to.digits))
            .and_then(|v| v.checked_mul(pow(rate_from.scale + to.exponent())?))
            .ok_or_else(overflow)?;
        let den = i128::from(rate_from.digits)
            .checked_mul(pow(rate_to.scale + from.exponent()).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
        let minor = div_round_half_even(num, den);
        let minor = i64::try_from(minor).map_err(|_| overflow())?;
        Ok(Money::from_minor(minor, to))
    }

    /// Reads an ECB reference-rate document (`eurofxref-daily.xml`, or a history feed with
    /// several days, of which the latest is taken).
    ///
    /// # Errors
    ///
    /// [`FxError::Malformed`] for text that is not such a document, [`FxError::NoRates`]
    /// when it has no dated rates, [`FxError::BadRate`] for a rate that is not a positive
    /// decimal.
    pub fn parse_ecb_xml(xml: &str) -> Result<RateTable, FxError> {
        let mut days = Self::parse_ecb_history(xml)?;
        days.sort_by_key(|t| t.date);
        days.pop().ok_or(FxError::NoRates)
    }

    /// Reads every day of an ECB reference-rate document, in the document's order.
    ///
    /// # Errors
    ///
    /// As [`RateTable::parse_ecb_xml`].
    pub fn parse_ecb_history(xml: &str) -> Result<Vec<RateTable>, FxError> {
        let mut days: Vec<RateTable> = Vec::new();
        let mut saw_root = false;
        for tag in Tags::new(xml) {
            let tag = tag?;
            let local = tag.name.rsplit(':').next().unwrap_or(tag.name);
            if !saw_root {
                if local != "Envelope" {
                    return Err(malformed(format!(
                        "the document starts with <{}>, not <gesmes:Envelope>",
                        tag.name
                    )));
                }
                saw_root = true;
                continue;
            }
            if local != "Cube" {
                continue;
            }
            if let Some(time) = tag.attr("time") {
                let date = NaiveDate::parse_from_str(&time, "%Y-%m-%d").map_err(|_| {
                    malformed(format!("the day {time:?} is not a date like 2026-12-04"))
                })?;
                if days.iter().any(|d| d.date == date) {
                    return Err(malformed(format!("the day {date} appears twice")));
                }
                days.push(RateTable::new(date));
            } else if let Some(code) = tag.attr("currency") {
                let day = days.last_mut().ok_or_else(|| {
                    malformed(format!("the rate of {code} is outside a dated <Cube>"))
                })?;
                if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(malformed(format!(
                        "{code:?} is not a currency code (three capital letters)"
                    )));
                }
                let rate_text = tag
                    .attr("rate")
                    .ok_or_else(|| malformed(format!("the currency {code} has no rate")))?;
                let rate = Rate::parse(&rate_text)?;
                if day.rate_of(&code).is_some() || code == "EUR" {
                    return Err(malformed(format!("{code} has two rates on {}", day.date)));
                }
                day.rates.push((code.into_owned(), rate));
            }
        }
        if !saw_root {
            return Err(malformed("the document has no elements".to_owned()));
        }
        days.retain(|d| !d.rates.is_empty());
        if days.is_empty() {
            return Err(FxError::NoRates);
        }
        Ok(days)
    }

    /// The table as an ECB `eurofxref-daily.xml` document.
    pub fn to_ecb_xml(&self) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gesmes:Envelope xmlns:gesmes=\"http://www.gesmes.org/xml/2002-08-01\" xmlns=\"http://www.ecb.int/vocabulary/2002-08-01/eurofxref\">\n\t<gesmes:subject>Reference rates</gesmes:subject>\n\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n\t</gesmes:Sender>\n\t<Cube>\n",
        );
        out.push_str(&format!(
            "\t\t<Cube time='{}'>\n",
            self.date.format("%Y-%m-%d")
        ));
        for (code, rate) in &self.rates {
            out.push_str(&format!("\t\t\t<Cube currency='{code}' rate='{rate}'/>\n"));
        }
        out.push_str("\t\t</Cube>\n\t</Cube>\n</gesmes:Envelope>\n");
        out
    }
}

/// `num / den` rounded to the nearest integer, ties to even. `den` must be positive.
fn div_round_half_even(num: i128, den: i128) -> i128 {
    let negative = num < 0;
    let n = num.unsigned_abs();
    let d = den.unsigned_abs();
    let (mut q, r) = (n / d, n % d);
    // Compare 2r with d without overflow: r < d ≤ i128::MAX, so 2r fits in u128.
    let twice = r * 2;
    if twice > d || (twice == d && q % 2 == 1) {
        q += 1;
    }
    let q = i128::try_from(q).unwrap_or(i128::MAX);
    if negative { -q } else { q }
}

fn malformed(reason: String) -> FxError {
    FxError::Malformed { reason }
}

/// One start tag of an XML document.
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, &'a str)>,
}

impl<'a> Tag<'a> {
    /// An attribute's value with the five predefined entities decoded.
    fn attr(&self, name: &str) -> Option<std::borrow::Cow<'a, str>> {
        let raw = self.attrs.iter().find(|(k, _)| *k == name)?.1;
        if !raw.contains('&') {
            return Some(std::borrow::Cow::Borrowed(raw));
        }
        Some(std::borrow::Cow::Owned(
            raw.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        ))
    }
}

/// The start tags of an XML document, skipping the declaration, comments, CDATA, doctype
/// and end tags. Enough XML for the ECB's flat format; anything unbalanced is an error.
struct Tags<'a> {
    rest: &'a str,
    failed: bool,
}

impl<'a> Tags<'a> {
    fn new(xml: &'a str) -> Self {
        Self {
            rest: xml.trim_start_matches('\u{feff}'),
            failed: false,
        }
    }

    fn fail(&mut self, reason: &str) -> Option<Result<Tag<'a>, FxError>> {
        self.failed = true;
        Some(Err(malformed(reason.to_owned())))
    }
}

impl<'a> Iterator for Tags<'a> {
    type Item = Result<Tag<'a>, FxError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.failed {
                return None;
            }
            let rest: &'a str = self.rest;
            let start = rest.find('<')?;
            let after = &rest[start..];
            let mut skipped = false;
            for (open, close) in [
                ("<?", "?>"),
                ("<!--", "-->"),
                ("<![CDATA[", "]]>"),
                ("<!", ">"),
                ("</", ">"),
            ] {
                if let Some(body) = after.strip_prefix(open) {
                    match body.find(close) {
                        Some(end) => self.rest = &body[end + close.len()..],
                        None => return self.fail("a markup declaration or end tag is not closed"),
                    }
                    skipped = true;
                    break;
                }
            }
            if skipped {
                continue;
            }
            // A start tag: find its end outside quotes.
            let body = &after[1..];
            let mut quote: Option<char> = None;
            let mut end = None;
            for (i, c) in body.char_indices() {
                match (quote, c) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), _) => {}
                    (None, '"' | '\'') => quote = Some(c),
                    (None, '>') => {
                        end = Some(i);
                        break;
                    }
                    (None, '<') => return self.fail("a '<' inside a tag"),
                    _ => {}
                }
            }
            let Some(end) = end else {
                return self.fail("a tag is not closed");
            };
            self.rest = &body[end + 1..];
            let inner = body[..end].trim_end().trim_end_matches('/');
            let name_end = inner
                .find(|c: char| c.is_whitespace())
                .unwrap_or(inner.len());
            let name = &inner[..name_end];
            if name.is_empty() {
                return self.fail("a tag has no name");
            }
            let mut attrs = Vec::new();
            let mut a = inner[name_end..].trim_start();
            while !a.is_empty() {
                let Some(eq) = a.find('=') else {
                    return self.fail("an attribute has no value");
                };
                let key = a[..eq].trim();
                let v = a[eq + 1..].trim_start();
                let Some(q) = v.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
                    return self.fail("an attribute value is not quoted");
                };
                let Some(close) = v[1..].find(q) else {
                    return self.fail("an attribute value is not closed");
                };
                attrs.push((key, &v[1..1 + close]));
                a = v[close + 2..].trim_start();
            }
            return Some(Ok(Tag { name, attrs }));
        }
    }
}

/// How old a table may be before conversions with it are flagged stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FxPolicy {
    /// Days after its date a table is still fresh (default 5; see the module docs).
    pub max_age_days: u32,
}

impl Default for FxPolicy {
    fn default() -> Self {
        Self { max_age_days: 5 }
    }
}

/// A converted amount with the rates it was converted at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Converted {
    /// The amount in the target currency.
    pub money: Money,
    /// The date of the rates used.
    pub rate_date: NaiveDate,
    /// True when those rates were older than the policy allows: show the result as stale.
    pub stale: bool,
}

/// Where rate tables come from (a file, a URL, the sandbox).
#[async_trait]
pub trait RateSource: Send + Sync {
    /// Fetches the current table.
    ///
    /// # Errors
    ///
    /// [`FxError`] naming why no table could be had.
    async fn fetch(&self) -> Result<RateTable, FxError>;

    /// Where the rates come from, for messages (`file /etc/mandi/rates.xml`).
    fn describe(&self) -> String;
}

#[async_trait]
impl<T: RateSource + ?Sized> RateSource for Arc<T> {
    async fn fetch(&self) -> Result<RateTable, FxError> {
        (**self).fetch().await
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// Rates read from an ECB-format file.
#[derive(Debug, Clone)]
pub struct FileRateSource {
    path: PathBuf,
}

impl FileRateSource {
    /// A source reading `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

fn read_table(path: &Path) -> Result<RateTable, FxError> {
    let text = std::fs::read_to_string(path).map_err(|e| FxError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    RateTable::parse_ecb_xml(&text)
}

#[async_trait]
impl RateSource for FileRateSource {
    async fn fetch(&self) -> Result<RateTable, FxError> {
        read_table(&self.path)
    }
    fn describe(&self) -> String {
        format!("file {}", self.path.display())
    }
}

/// A table with when it was fetched, as [`RateCache`] hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateSnapshot {
    /// The rates.
    pub table: RateTable,
    /// When they were fetched (or loaded from the cache file).
    pub fetched_at: DateTime<Utc>,
    /// True when the table is older than the policy allows on the clock's today.
    pub stale: bool,
}

/// The last rate table, refetched from a [`RateSource`] when older than an interval.
///
/// A failed fetch keeps the table the cache has (flagged stale once its date is too old);
/// with nothing in memory it falls back to the cache file, when one is set. Each successful
/// fetch is written to the cache file, so a restart without network still has rates.
pub struct RateCache<S> {
    source: S,
    clock: Arc<dyn Clock>,
    policy: FxPolicy,
    refresh_after: chrono::Duration,
    cache_file: Option<PathBuf>,
    state: Mutex<Option<(RateTable, DateTime<Utc>)>>,
}

impl<S> fmt::Debug for RateCache<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateCache")
            .field("policy", &self.policy)
            .field("refresh_after", &self.refresh_after)
            .field("cache_file", &self.cache_file)
            .finish_non_exhaustive()
    }
}

impl<S: RateSource> RateCache<S> {
    /// A cache over `source`, refetching after six hours by default.
    pub fn new(source: S, clock: Arc<dyn Clock>) -> Self {
        Self {
            source,
            clock,
            policy: FxPolicy::default(),
            refresh_after: chrono::Duration::hours(6),
            cache_file: None,
            state: Mutex::new(None),
        }
    }

    /// Sets the staleness policy.
    pub fn policy(mut self, policy: FxPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets how long a fetched table is used before the source is asked again.
    pub fn refresh_after(mut self, interval: chrono::Duration) -> Self {
        self.refresh_after = interval;
        self
    }

    /// Keeps the last good table in `path` (ECB format), read when the source fails.
    pub fn cache_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.cache_file = Some(path.into());
        self
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Option<(RateTable, DateTime<Utc>)>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn snapshot(&self, table: RateTable, fetched_at: DateTime<Utc>) -> RateSnapshot {
        let today = self.clock.now().date_naive();
        let stale = table.is_stale(today, self.policy.max_age_days);
        RateSnapshot {
            table,
            fetched_at,
            stale,
        }
    }

    /// The current table: the cached one while it is younger than the refresh interval,
    /// else a fresh fetch; on a failed fetch the cached (or cache-file) table.
    ///
    /// # Errors
    ///
    /// The fetch's [`FxError`] when there is no table to fall back on.
    pub async fn table(&self) -> Result<RateSnapshot, FxError> {
        let now = self.clock.now();
        let cached = self.state().clone();
        if let Some((table, at)) = &cached
            && now - *at < self.refresh_after
        {
            return Ok(self.snapshot(table.clone(), *at));
        }
        match self.source.fetch().await {
            Ok(fresh) => {
                // A source that answers with an older day than we have does not win.
                let keep = match &cached {
                    Some((old, _)) if old.date > fresh.date => old.clone(),
                    _ => fresh,
                };
                if let Some(path) = &self.cache_file
                    && let Err(e) = std::fs::write(path, keep.to_ecb_xml())
                {
                    tracing::warn!(path = %path.display(), error = %e, "could not write the rates cache file");
                }
                *self.state() = Some((keep.clone(), now));
                Ok(self.snapshot(keep, now))
            }
            Err(e) => {
                tracing::warn!(source = %self.source.describe(), error = %e, "exchange rates not refreshed; using the last table");
                if let Some((table, at)) = cached {
                    return Ok(self.snapshot(table, at));
                }
                let from_file = self.cache_file.as_deref().map(read_table);
                match from_file {
                    Some(Ok(table)) => {
                        *self.state() = Some((table.clone(), now));
                        Ok(self.snapshot(table, now))
                    }
                    _ => Err(e),
                }
            }
        }
    }

    /// Converts `money` into `to` at the current table's rates (see [`RateTable::convert`]).
    ///
    /// # Errors
    ///
    /// As [`RateCache::table`] and [`RateTable::convert`].
    pub async fn convert(&self, money: Money, to: Currency) -> Result<Converted, FxError> {
        let snap = self.table().await?;
        Ok(Converted {
            money: snap.table.convert(money, to)?,
            rate_date: snap.table.date(),
            stale: snap.stale,
        })
    }
}

/// The deterministic table the sandbox marketplace serves for `date`: rates of the order
/// of the ECB's in late 2026, fixed so tests can compute conversions by hand. AED, SAR and
/// EGP are included (the real ECB feed lacks them) so that every marketplace converts.
pub fn sandbox_rates(date: NaiveDate) -> RateTable {
    const RATES: &[(&str, &str)] = &[
        ("USD", "1.0523"),
        ("JPY", "171.94"),
        ("BGN", "1.9558"),
        ("CZK", "25.025"),
        ("DKK", "7.4575"),
        ("GBP", "0.84638"),
        ("HUF", "395.10"),
        ("PLN", "4.3090"),
        ("RON", "4.9773"),
        ("SEK", "11.3595"),
        ("CHF", "0.9634"),
        ("NOK", "11.3965"),
        ("TRY", "35.1868"),
        ("AUD", "1.6079"),
        ("BRL", "5.8915"),
        ("CAD", "1.4670"),
        ("CNY", "7.7748"),
        ("INR", "89.2495"),
        ("MXN", "19.5654"),
        ("SGD", "1.4513"),
        ("AED", "3.8646"),
        ("SAR", "3.9461"),
        ("EGP", "51.2870"),
    ];
    RATES.iter().fold(RateTable::new(date), |t, (code, text)| {
        match Rate::parse(text) {
            Ok(rate) => t.with_rate(code, rate),
            Err(_) => t,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_even_rounding() {
        let cases = [
            (5, 10, 0),
            (15, 10, 2),
            (25, 10, 2),
            (35, 10, 4),
            (14, 10, 1),
            (16, 10, 2),
            (-5, 10, 0),
            (-15, 10, -2),
            (-25, 10, -2),
            (-26, 10, -3),
            (0, 7, 0),
            (1, 3, 0),
            (2, 3, 1),
        ];
        for (n, d, q) in cases {
            assert_eq!(div_round_half_even(n, d), q, "{n}/{d}");
        }
    }

    #[test]
    fn rates_parse_and_print_as_written() {
        for text in [
            "1.0523", "171.94", "395.10", "0.84638", "17487.21", "1", "0.001",
        ] {
            assert_eq!(
                Rate::parse(text).map(|r| r.to_string()),
                Ok(text.to_owned())
            );
        }
        assert_eq!(Rate::parse("1.0523").map(Rate::parts), Ok((10_523, 4)));
        for bad in [
            "", "0", "0.000", "-1.2", "1,2", "1.", ".5", "1e3", "abc", "1.2.3",
        ] {
            assert!(Rate::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_tag_reader_skips_what_is_not_a_start_tag() {
        let xml = "<?xml version='1.0'?><!-- c <Cube> --><!DOCTYPE x><a b=\"x>y\" c='1'/><![CDATA[<Cube>]]></a>";
        let tags: Vec<(String, Vec<(String, String)>)> = Tags::new(xml)
            .map(|t| {
                let t = t.expect("tag");
                (
                    t.name.to_owned(),
                    t.attrs
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            tags,
            vec![(
                "a".to_owned(),
                vec![
                    ("b".to_owned(), "x>y".to_owned()),
                    ("c".to_owned(), "1".to_owned())
                ]
            )]
        );
        for bad in ["<a", "<a b=1>", "<a b='1>", "<!-- x", "<a <b>"] {
            assert!(Tags::new(bad).any(|t| t.is_err()), "{bad}");
        }
    }
}
