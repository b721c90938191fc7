//! The Indian online-sale calendar: when amazon.in's big sales usually run.
//!
//! Dates are approximate windows in IST, from the published sale dates of past years; they
//! serve to label price drops ("dropped in Great Indian Festival 2025") and to predict the next
//! likely drop, never to decide a price.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A sale window in IST calendar dates, both ends inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleWindow {
    /// The sale's name (`Great Indian Festival`).
    pub name: String,
    /// First day (IST).
    pub start: NaiveDate,
    /// Last day (IST).
    pub end: NaiveDate,
}

impl SaleWindow {
    /// True when `day` is inside the window.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
}

/// Diwali (Lakshmi Puja) dates; the Great Indian Festival runs in the weeks before.
const DIWALI: [(i32, u32, u32); 10] = [
    (2022, 10, 24),
    (2023, 11, 12),
    (2024, 10, 31),
    (2025, 10, 20),
    (2026, 11, 8),
    (2027, 10, 29),
    (2028, 10, 17),
    (2029, 11, 5),
    (2030, 10, 26),
    (2031, 11, 14),
];

/// The date of Diwali in `year`, for the years the table covers (2022–2031); otherwise a
/// typical date (1 November).
pub fn diwali(year: i32) -> NaiveDate {
    DIWALI
        .iter()
        .find(|(y, _, _)| *y == year)
        .and_then(|(y, m, d)| NaiveDate::from_ymd_opt(*y, *m, *d))
        .or_else(|| NaiveDate::from_ymd_opt(year, 11, 1))
        .unwrap_or(NaiveDate::MIN)
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// Prime Day India: the published dates where known, else the third Saturday of July and the
/// Sunday after.
fn prime_day(year: i32) -> (NaiveDate, NaiveDate) {
    match year {
        2022 => (ymd(2022, 7, 23), ymd(2022, 7, 24)),
        2023 => (ymd(2023, 7, 15), ymd(2023, 7, 16)),
        2024 => (ymd(2024, 7, 20), ymd(2024, 7, 21)),
        2025 => (ymd(2025, 7, 12), ymd(2025, 7, 14)),
        _ => {
            let first = NaiveDate::from_weekday_of_month_opt(year, 7, chrono::Weekday::Sat, 3)
                .unwrap_or_else(|| ymd(year, 7, 15));
            (first, first + chrono::Duration::days(1))
        }
    }
}

/// The big amazon.in sales of one year, in date order.
///
/// ```
/// use mandi_core::analytics::calendar::sale_windows;
/// let names: Vec<String> = sale_windows(2026).into_iter().map(|w| w.name).collect();
/// assert_eq!(names, ["Great Republic Day Sale", "Prime Day", "Great Freedom Festival", "Great Indian Festival", "Year End Sale"]);
/// ```
pub fn sale_windows(year: i32) -> Vec<SaleWindow> {
    let diwali = diwali(year);
    let festival_start = diwali - chrono::Duration::days(35);
    let (prime_start, prime_end) = prime_day(year);
    vec![
        SaleWindow {
            name: "Great Republic Day Sale".to_owned(),
            start: ymd(year, 1, 13),
            end: ymd(year, 1, 22),
        },
        SaleWindow {
            name: "Prime Day".to_owned(),
            start: prime_start,
            end: prime_end,
        },
        SaleWindow {
            name: "Great Freedom Festival".to_owned(),
            start: ymd(year, 8, 6),
            end: ymd(year, 8, 10),
        },
        SaleWindow {
            name: "Great Indian Festival".to_owned(),
            start: festival_start,
            end: diwali + chrono::Duration::days(2),
        },
        SaleWindow {
            name: "Year End Sale".to_owned(),
            start: ymd(year, 12, 20),
            end: ymd(year, 12, 31),
        },
    ]
}

/// The sale running on `day`, if any.
pub fn sale_on(day: NaiveDate) -> Option<SaleWindow> {
    sale_windows(day.year())
        .into_iter()
        .find(|w| w.contains(day))
}

/// The next window named `name` that ends on or after `day`.
pub fn next_window(name: &str, day: NaiveDate) -> Option<SaleWindow> {
    (day.year()..=day.year() + 1)
        .flat_map(sale_windows)
        .find(|w| w.name == name && w.end >= day)
}
