//! The Amazon Associates reports as Associates Central exports them (CSV, or tab-separated),
//! parsed into typed rows with money in minor units.
//!
//! Both files start with a title line naming the report and its period, then a header:
//!
//! ```text
//! Fee-Orders reports from 12-01-2026 to 12-31-2026
//! Category,Name,ASIN,Date,Qty,Price(Rs.),Link Type,Tag,Indirect Sales,Device Type Group
//!
//! Fee-Earnings reports from 2026-12-01 to 2026-12-31
//! Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price(Rs.),Items Shipped,Returns,Revenue(Rs.),Ad Fees(Rs.),Device Type Group
//! ```
//!
//! The money columns carry the currency in the header (`Price(Rs.)` on amazon.in,
//! `Price($)` on amazon.com). Dates come as `2026-12-01`, `2026-12-01 10:23:45`,
//! `12-01-2026` or `December 1, 2026`. `Indirect Sales` is `DI` when the item bought is
//! the one linked to. The title line is optional (a file re-saved without it still
//! parses); the kind then comes from the columns.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::domain::{Asin, Currency, Money, ReportKind};

/// A report that cannot be read; nothing of it is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The file has no header line with the columns of either report.
    #[error(
        "this is not an Associates orders or earnings report: {0}; download the report \
         again from Associates Central (Reports, Download) as CSV or TSV"
    )]
    NotAReport(String),
    /// Rows that cannot be read, each naming its line (1-based, as an editor shows it).
    #[error("{} bad row(s), nothing imported: {}", .0.len(), .0.iter().take(10).map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    BadRows(Vec<RowError>),
}

/// One unreadable row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct RowError {
    /// The line, 1-based.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// A parsed row of either report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// The line it came from, 1-based.
    pub line: usize,
    /// Amazon's category.
    pub category: String,
    /// The product title.
    pub name: String,
    /// The product.
    pub asin: Asin,
    /// The tracking ID (associate tag) credited.
    pub tracking_id: String,
    /// The order date (orders) or ship date (earnings).
    pub day: NaiveDate,
    /// Items ordered or shipped.
    pub quantity: u32,
    /// Items returned (earnings; 0 for orders).
    pub returns: u32,
    /// The item price.
    pub price: Money,
    /// Revenue: the earnings report's column, price × quantity for orders.
    pub revenue: Money,
    /// Advertising fees (earnings; zero for orders).
    pub fees: Money,
    /// Whether the item bought was the one linked to (orders' `Indirect Sales`), if given.
    pub direct: Option<bool>,
    /// The import key: SHA-256 of the kind, the row's fields and how many identical rows
    /// came before it in the file (two identical orders on one day are two orders).
    pub import_key: String,
}

/// A parsed report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedReport {
    /// Which report.
    pub kind: ReportKind,
    /// The period of the title line, when there is one.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// The currency of the money columns.
    pub currency: Currency,
    /// The rows, in file order.
    pub rows: Vec<ReportRow>,
}

/// Reads an orders or earnings report.
///
/// # Errors
///
/// [`ReportError::NotAReport`] when no header is found or a required column is missing;
/// [`ReportError::BadRows`] listing every unreadable row by line.
pub fn parse_report(text: &str) -> Result<ParsedReport, ReportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (mut header_no, mut header) = lines
        .next()
        .ok_or_else(|| ReportError::NotAReport("the file is empty".to_owned()))?;
    let mut title_kind = None;
    let mut period = None;
    if header.trim_start().starts_with("Fee-") {
        let title = header.trim();
        title_kind = if title.starts_with("Fee-Orders") {
            Some(ReportKind::Orders)
        } else if title.starts_with("Fee-Earnings") {
            Some(ReportKind::Earnings)
        } else {
            return Err(ReportError::NotAReport(format!(
                "line {}: {:?} names another report (only Fee-Orders and Fee-Earnings are \
                 read)",
                header_no + 1,
                title.chars().take(60).collect::<String>()
            )));
        };
        period = parse_period(title);
        (header_no, header) = lines.next().ok_or_else(|| {
            ReportError::NotAReport("the title line is not followed by a header".to_owned())
        })?;
    }
    let delimiter = if header.contains('\t') { '\t' } else { ',' };
    let columns = split_record(header, delimiter)
        .map_err(|reason| ReportError::NotAReport(format!("line {}: {reason}", header_no + 1)))?;
    let columns = Columns::find(&columns, title_kind)
        .map_err(|reason| ReportError::NotAReport(format!("line {}: {reason}", header_no + 1)))?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::<String, u32>::new();
    for (i, line) in lines {
        let n = i + 1;
        let fields = match split_record(line, delimiter) {
            Ok(f) => f,
            Err(reason) => {
                errors.push(RowError { line: n, reason });
                continue;
            }
        };
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        match columns.row(n, &fields) {
            Ok(mut row) => {
                let content = format!(
                    "{}\u{1f}{}",
                    columns.kind.as_str(),
                    fields
                        .iter()
                        .map(|f| f.trim())
                        .collect::<Vec<_>>()
                        .join("\u{1f}")
                );
                let nth = seen.entry(content.clone()).or_insert(0);
                row.import_key =
                    hex::encode(Sha256::digest(format!("{content}\u{1e}{nth}").as_bytes()));
                *nth += 1;
                rows.push(row);
            }
            Err(reason) => errors.push(RowError { line: n, reason }),
        }
    }
    if !errors.is_empty() {
        return Err(ReportError::BadRows(errors));
    }
    Ok(ParsedReport {
        kind: columns.kind,
        period,
        currency: columns.currency,
        rows,
    })
}

/// `… from 12-01-2026 to 12-31-2026` → the two dates.
fn parse_period(title: &str) -> Option<(NaiveDate, NaiveDate)> {
    let rest = title.split_once(" from ")?.1;
    let (from, to) = rest.split_once(" to ")?;
    let to = to.split_whitespace().next()?;
    Some((parse_day(from.trim()).ok()?, parse_day(to).ok()?))
}

/// A report date, with or without a time of day.
fn parse_day(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let date_part = t.split([' ', 'T']).next().unwrap_or(t);
    for format in ["%Y-%m-%d", "%m-%d-%Y", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(date_part, format) {
            return Ok(d);
        }
    }
    for format in ["%B %d, %Y", "%b %d, %Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, format) {
            return Ok(d);
        }
    }
    Err(format!(
        "date {t:?} is not a date (2026-12-01, 12-01-2026 or December 1, 2026)"
    ))
}

/// Splits one CSV or TSV record; `"` quotes a field (`""` is a quote inside it).
fn split_record(line: &str, delimiter: char) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == delimiter {
            fields.push(std::mem::take(&mut field));
            at_start = true;
        } else {
            field.push(c);
            at_start = false;
        }
    }
    if quoted {
        return Err("a quoted field is not closed".to_owned());
    }
    fields.push(field);
    Ok(fields)
}

/// Where each column is, for one report kind.
struct Columns {
    kind: ReportKind,
    currency: Currency,
    category: usize,
    name: usize,
    asin: usize,
    tracking: usize,
    day: usize,
    quantity: usize,
    price: usize,
    returns: Option<usize>,
    revenue: Option<usize>,
    fees: Option<usize>,
    indirect: Option<usize>,
}

/// `Price(Rs.)` → (`Price`, INR).
fn money_column(name: &str) -> Option<(&str, Option<Currency>)> {
    let (base, rest) = name.split_once('(')?;
    let symbol = rest.strip_suffix(')')?.trim();
    let currency = match symbol {
        "Rs." | "Rs" | "₹" | "INR" => Some(Currency::INR),
        "$" | "USD" => Some(Currency::USD),
        "£" | "GBP" => Some(Currency::GBP),
        "€" | "EUR" => Some(Currency::EUR),
        "¥" | "JPY" => Some(Currency::JPY),
        _ => None,
    };
    Some((base.trim(), currency))
}

impl Columns {
    fn find(header: &[String], title_kind: Option<ReportKind>) -> Result<Self, String> {
        let names: Vec<&str> = header.iter().map(|h| h.trim()).collect();
        let at = |wanted: &[&str]| names.iter().position(|n| wanted.contains(n));
        let money = |base: &str| -> Result<Option<(usize, Currency)>, String> {
            for (i, n) in names.iter().enumerate() {
                if let Some((b, currency)) = money_column(n)
                    && b == base
                {
                    return match currency {
                        Some(c) => Ok(Some((i, c))),
                        None => Err(format!("column {n:?} names a currency Mandi does not know")),
                    };
                }
            }
            Ok(None)
        };
        let kind = match title_kind {
            Some(k) => k,
            None if at(&["Date Shipped"]).is_some() => ReportKind::Earnings,
            None if at(&["Date"]).is_some() => ReportKind::Orders,
            None => {
                return Err("the header has neither a Date nor a Date Shipped column".to_owned());
            }
        };
        let need = |wanted: &[&str]| {
            at(wanted).ok_or_else(|| format!("the header has no {:?} column", wanted[0]))
        };
        let (price, currency) =
            money("Price")?.ok_or_else(|| "the header has no Price(…) column".to_owned())?;
        let mut columns = Columns {
            kind,
            currency,
            category: need(&["Category"])?,
            name: need(&["Name", "Item Name", "Product Title"])?,
            asin: need(&["ASIN"])?,
            tracking: need(&["Tracking ID", "Tag", "Tracking Id"])?,
            day: 0,
            quantity: 0,
            price,
            returns: None,
            revenue: None,
            fees: None,
            indirect: at(&["Indirect Sales"]),
        };
        match kind {
            ReportKind::Orders => {
                columns.day = need(&["Date"])?;
                columns.quantity = need(&["Qty", "Quantity", "Items Ordered"])?;
            }
            _ => {
                columns.day = need(&["Date Shipped"])?;
                columns.quantity = need(&["Items Shipped"])?;
                columns.returns = Some(need(&["Returns"])?);
                let money_of = |base: &str| -> Result<usize, String> {
                    let (i, c) = money(base)?
                        .ok_or_else(|| format!("the header has no {base}(…) column"))?;
                    if c != currency {
                        return Err(format!("{base} is in {c}, Price in {currency}"));
                    }
                    Ok(i)
                };
                columns.revenue = Some(money_of("Revenue")?);
                columns.fees = Some(money_of("Ad Fees")?);
            }
        }
        Ok(columns)
    }

    fn row(&self, line: usize, fields: &[String]) -> Result<ReportRow, String> {
        let get = |i: usize| -> Result<&str, String> {
            fields
                .get(i)
                .map(|f| f.trim())
                .ok_or_else(|| format!("{} fields, expected more", fields.len()))
        };
        let count = |i: usize, what: &str| -> Result<u32, String> {
            let t = get(i)?;
            t.parse::<u32>()
                .map_err(|_| format!("{what} {t:?} is not a whole number"))
        };
        let amount = |i: usize, what: &str| -> Result<Money, String> {
            let t = get(i)?;
            if t.is_empty() {
                return Err(format!("{what} is empty"));
            }
            Money::parse(t, self.currency).map_err(|e| format!("{what} {t:?}: {e}"))
        };
        let asin_text = get(self.asin)?;
        let asin: Asin = asin_text
            .parse()
            .map_err(|_| format!("ASIN {asin_text:?} is not an ASIN"))?;
        let tracking_id = get(self.tracking)?.to_owned();
        if tracking_id.is_empty() {
            return Err("the tracking ID is empty".to_owned());
        }
        let quantity = count(self.quantity, "quantity")?;
        let price = amount(self.price, "price")?;
        if price.currency() != self.currency {
            return Err(format!(
                "price is in {}, not {}",
                price.currency(),
                self.currency
            ));
        }
        let (returns, revenue, fees) = match (self.returns, self.revenue, self.fees) {
            (Some(r), Some(v), Some(f)) => (
                count(r, "returns")?,
                amount(v, "revenue")?,
                amount(f, "ad fees")?,
            ),
            _ => {
                let total = price
                    .minor()
                    .checked_mul(i64::from(quantity))
                    .ok_or_else(|| "price × quantity is too large".to_owned())?;
                (
                    0,
                    Money::from_minor(total, self.currency),
                    Money::zero(self.currency),
                )
            }
        };
        let direct = match self.indirect.map(get).transpose()? {
            Some("DI") => Some(true),
            Some("NDI") => Some(false),
            Some("") | None => None,
            Some(other) => return Err(format!("Indirect Sales {other:?} is neither DI nor NDI")),
        };
        Ok(ReportRow {
            line,
            category: get(self.category)?.to_owned(),
            name: get(self.name)?.to_owned(),
            asin,
            tracking_id,
            day: parse_day(get(self.day)?)?,
            quantity,
            returns,
            price,
            revenue,
            fees,
            direct,
            import_key: String::new(),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    /// An orders report as Associates Central (amazon.in) exports it.
    pub(crate) const ORDERS_CSV: &str = "\
Fee-Orders reports from 12-01-2026 to 12-31-2026
Category,Name,ASIN,Date,Qty,Price(Rs.),Link Type,Tag,Indirect Sales,Device Type Group
Cell Phones & Accessories,\"Redmi Note 13 5G (Arctic White, 8GB RAM, 256GB)\",B0CX59H5W7,2026-12-02 10:23:45,1,\"17,999.00\",Text+Image,mandi-21,DI,PHONE
Computers & Accessories,\"Logitech MX Master 3S, \"\"Graphite\"\"\",B09HMKFDXC,2026-12-03 18:01:02,2,\"8,495.00\",Text,mandi-21,NDI,DESKTOP
Cell Phones & Accessories,\"Redmi Note 13 5G (Arctic White, 8GB RAM, 256GB)\",B0CX59H5W7,2026-12-02 10:23:45,1,\"17,999.00\",Text+Image,mandi-21,DI,PHONE
";

    /// An earnings report as Associates Central (amazon.in) exports it, tab-separated.
    pub(crate) const EARNINGS_TSV: &str = "\
Fee-Earnings reports from 2026-12-01 to 2026-12-31
Category\tName\tASIN\tSeller\tTracking ID\tDate Shipped\tPrice(Rs.)\tItems Shipped\tReturns\tRevenue(Rs.)\tAd Fees(Rs.)\tDevice Type Group
Cell Phones & Accessories\tRedmi Note 13 5G (Arctic White, 8GB RAM, 256GB)\tB0CX59H5W7\tAppario Retail\tmandi-21\t2026-12-05\t17999.00\t1\t0\t17999.00\t179.99\tPHONE
Computers & Accessories\tLogitech MX Master 3S\tB09HMKFDXC\tCloudtail\tmandi-21\t2026-12-06\t8495.00\t2\t1\t8495.00\t297.33\tDESKTOP
";
}

#[cfg(test)]
mod tests {
    use super::tests_support::{EARNINGS_TSV, ORDERS_CSV};
    use super::*;

    #[test]
    fn the_orders_report_parses_into_typed_rows() {
        let r = parse_report(ORDERS_CSV).expect("parse");
        assert_eq!(r.kind, ReportKind::Orders);
        assert_eq!(r.currency, Currency::INR);
        let d = |s: &str| s.parse::<NaiveDate>().expect("day");
        assert_eq!(r.period, Some((d("2026-12-01"), d("2026-12-31"))));
        assert_eq!(r.rows.len(), 3);
        let first = &r.rows[0];
        assert_eq!(first.line, 3);
        assert_eq!(
            first.name,
            "Redmi Note 13 5G (Arctic White, 8GB RAM, 256GB)"
        );
        assert_eq!(first.asin.as_str(), "B0CX59H5W7");
        assert_eq!(first.day, d("2026-12-02"));
        assert_eq!(first.price.minor(), 1_799_900);
        assert_eq!(first.revenue.minor(), 1_799_900);
        assert_eq!(first.fees.minor(), 0);
        assert_eq!(first.tracking_id, "mandi-21");
        assert_eq!(first.direct, Some(true));
        let second = &r.rows[1];
        assert_eq!(second.name, "Logitech MX Master 3S, \"Graphite\"");
        assert_eq!(second.quantity, 2);
        assert_eq!(second.revenue.minor(), 1_699_000);
        assert_eq!(second.direct, Some(false));
        // Two identical orders are two rows with different keys; parsing again gives
        // the same keys.
        assert_ne!(r.rows[0].import_key, r.rows[2].import_key);
        let again = parse_report(ORDERS_CSV).expect("again");
        let keys = |p: &ParsedReport| {
            p.rows
                .iter()
                .map(|r| r.import_key.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&r), keys(&again));
    }

    #[test]
    fn the_earnings_report_parses_into_typed_rows() {
        let r = parse_report(EARNINGS_TSV).expect("parse");
        assert_eq!(r.kind, ReportKind::Earnings);
        assert_eq!(r.rows.len(), 2);
        let mouse = &r.rows[1];
        assert_eq!(mouse.line, 4);
        assert_eq!(mouse.day, "2026-12-06".parse::<NaiveDate>().expect("day"));
        assert_eq!(mouse.quantity, 2);
        assert_eq!(mouse.returns, 1);
        assert_eq!(mouse.price.minor(), 849_500);
        assert_eq!(mouse.revenue.minor(), 849_500);
        assert_eq!(mouse.fees.minor(), 29_733);
        assert_eq!(mouse.direct, None);
    }

    #[test]
    fn a_file_without_its_title_line_and_other_date_forms_still_parse() {
        let text = "\u{feff}Category,Name,ASIN,Date,Qty,Price($),Link Type,Tag\n\
                    Books,A Book,0143127748,\"December 4, 2026\",3,12.99,Text,mandi-20\n\
                    Books,A Book,0143127748,12-05-2026,1,12.99,Text,mandi-20\n";
        let r = parse_report(text).expect("parse");
        assert_eq!(r.kind, ReportKind::Orders);
        assert_eq!(r.currency, Currency::USD);
        assert_eq!(r.period, None);
        assert_eq!(r.rows[0].day, "2026-12-04".parse::<NaiveDate>().expect("d"));
        assert_eq!(r.rows[0].revenue.minor(), 3_897);
        assert_eq!(r.rows[1].day, "2026-12-05".parse::<NaiveDate>().expect("d"));
    }

    #[test]
    fn bad_rows_are_named_by_line_and_nothing_is_kept() {
        let text = "\
Fee-Orders reports from 12-01-2026 to 12-31-2026
Category,Name,ASIN,Date,Qty,Price(Rs.),Link Type,Tag,Indirect Sales,Device Type Group
Books,Fine,B0CX59H5W7,2026-12-02,1,100.00,Text,mandi-21,DI,PHONE
Books,Bad ASIN,NOT-AN-ASIN,2026-12-02,1,100.00,Text,mandi-21,DI,PHONE
Books,Bad price,B0CX59H5W7,2026-12-02,1,12.3x,Text,mandi-21,DI,PHONE

Books,Bad date,B0CX59H5W7,yesterday,1,100.00,Text,mandi-21,DI,PHONE
Books,Bad qty,B0CX59H5W7,2026-12-02,-1,100.00,Text,mandi-21,DI,PHONE
Books,\"Unclosed,B0CX59H5W7,2026-12-02,1,100.00,Text,mandi-21,DI,PHONE
Books,Bad paise,B0CX59H5W7,2026-12-02,1,100.001,Text,mandi-21,DI,PHONE
";
        let err = parse_report(text).expect_err("bad rows");
        let ReportError::BadRows(rows) = &err else {
            panic!("{err:?}");
        };
        let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![4, 5, 7, 8, 9, 10]);
        assert!(rows[0].reason.contains("NOT-AN-ASIN"), "{rows:?}");
        assert!(rows[1].reason.contains("12.3x"), "{rows:?}");
        assert!(rows[2].reason.contains("yesterday"), "{rows:?}");
        assert!(rows[3].reason.contains("-1"), "{rows:?}");
        assert!(rows[4].reason.contains("not closed"), "{rows:?}");
        assert!(rows[5].reason.contains("100.001"), "{rows:?}");
        let message = err.to_string();
        assert!(
            message.starts_with("6 bad row(s), nothing imported: line 4:"),
            "{message}"
        );
    }

    #[test]
    fn files_that_are_not_reports_are_refused_clearly() {
        for (text, words) in [
            ("", "empty"),
            (
                "Fee-Bounty reports from 12-01-2026 to 12-31-2026\nName,Date\n",
                "another report",
            ),
            ("hello,world\n1,2\n", "neither a Date nor a Date Shipped"),
            (
                "Category,Name,ASIN,Date,Qty,Tag\nBooks,A,B0CX59H5W7,2026-12-01,1,t-21\n",
                "Price",
            ),
            (
                "Category,Name,ASIN,Date,Qty,Price(XYZ),Tag\n",
                "currency Mandi does not know",
            ),
            (
                "Fee-Earnings reports from 2026-12-01 to 2026-12-31\n\
                 Category,Name,ASIN,Tracking ID,Date Shipped,Price(Rs.),Items Shipped,Returns,Revenue(Rs.)\n",
                "Ad Fees",
            ),
        ] {
            let err = parse_report(text).expect_err(text);
            assert!(matches!(err, ReportError::NotAReport(_)), "{err:?}");
            assert!(err.to_string().contains(words), "{err} lacks {words:?}");
        }
    }
}
