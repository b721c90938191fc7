//! Time on the sandbox's terms: IST (Asia/Kolkata, UTC+05:30, no daylight saving) days, and the
//! Indian sale calendar — Great Republic Day Sale, Prime Day, Great Freedom Festival, Great
//! Indian Festival (around Diwali) and the Year End Sale — for any year from 2020 to 2040.
//!
//! The other marketplaces the sandbox serves have their own calendars on their own local days
//! ([`SaleCalendar::for_market`]): amazon.com Prime Day (July), Black Friday week and Cyber
//! Monday; amazon.co.uk Prime Day, Black Friday (to Cyber Monday) and Boxing Day; amazon.de
//! Prime Day and Black Friday (to Cyber Monday). Their local days use a fixed offset all year
//! (UTC−05:00 for amazon.com, UTC for amazon.co.uk, UTC+01:00 for amazon.de): daylight saving
//! is not modelled, so a sale there starts at that local midnight in winter time.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use mandi_core::Marketplace;

/// IST is UTC+05:30 all year.
pub(crate) const IST_OFFSET_SECS: i64 = 5 * 3600 + 30 * 60;
/// Seconds in a day.
pub(crate) const DAY_SECS: i64 = 86_400;
/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
const UNIX_EPOCH_CE_DAYS: i32 = 719_163;

/// The IST day number (days since 1970-01-01 IST) of a unix time.
#[cfg(test)]
pub(crate) fn ist_day(unix: i64) -> i64 {
    (unix + IST_OFFSET_SECS).div_euclid(DAY_SECS)
}

/// The unix time of IST midnight starting day `day`.
#[cfg(test)]
pub(crate) fn ist_midnight(day: i64) -> i64 {
    day * DAY_SECS - IST_OFFSET_SECS
}

/// The local day number (days since 1970-01-01 local) of a unix time at a fixed UTC offset.
pub(crate) fn local_day(unix: i64, offset_secs: i64) -> i64 {
    (unix + offset_secs).div_euclid(DAY_SECS)
}

/// The unix time of local midnight starting day `day` at a fixed UTC offset.
pub(crate) fn local_midnight(day: i64, offset_secs: i64) -> i64 {
    day * DAY_SECS - offset_secs
}

/// The fixed UTC offset the sandbox keeps a marketplace's days in (IST for amazon.in; winter
/// time for the others: daylight saving is not modelled).
pub(crate) fn offset_of(marketplace: Marketplace) -> i64 {
    match marketplace {
        Marketplace::India => IST_OFFSET_SECS,
        Marketplace::UnitedStates | Marketplace::Canada => -5 * 3600,
        Marketplace::UnitedKingdom | Marketplace::Ireland => 0,
        _ => 3600,
    }
}

/// The IST day number of a calendar date.
pub(crate) fn day_of(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce() - UNIX_EPOCH_CE_DAYS)
}

/// The calendar date of an IST day number (clamped into chrono's range).
#[cfg(test)]
pub(crate) fn date_of(day: i64) -> NaiveDate {
    let ce = day.saturating_add(i64::from(UNIX_EPOCH_CE_DAYS));
    let ce = i32::try_from(ce).unwrap_or(if ce < 0 { 1 } else { i32::MAX / 2 });
    NaiveDate::from_num_days_from_ce_opt(ce).unwrap_or(NaiveDate::MIN)
}

/// A unix time as a `DateTime<Utc>` (saturating at chrono's limits).
pub(crate) fn to_utc(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Which of the yearly sales a window is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SaleKind {
    /// Great Republic Day Sale (January).
    RepublicDay,
    /// Prime Day (July, Prime members).
    PrimeDay,
    /// Great Freedom Festival (August, around Independence Day).
    FreedomFestival,
    /// Great Indian Festival (late September to Diwali).
    GreatIndianFestival,
    /// Year End Sale (late December).
    YearEnd,
    /// Black Friday: the week before Black Friday to Black Friday weekend (amazon.com), or on
    /// to Cyber Monday (amazon.co.uk, amazon.de).
    BlackFriday,
    /// Cyber Monday (amazon.com; in the European shops it closes the Black Friday sale).
    CyberMonday,
    /// Boxing Day sale (amazon.co.uk, 26 to 31 December).
    BoxingDay,
}

impl SaleKind {
    /// The sale's name as the shop shows it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::RepublicDay => "Great Republic Day Sale",
            Self::PrimeDay => "Prime Day",
            Self::FreedomFestival => "Great Freedom Festival",
            Self::GreatIndianFestival => "Great Indian Festival",
            Self::YearEnd => "Year End Sale",
            Self::BlackFriday => "Black Friday",
            Self::CyberMonday => "Cyber Monday",
            Self::BoxingDay => "Boxing Day",
        }
    }

    /// A stable number for hashing.
    pub(crate) fn code(self) -> u64 {
        match self {
            Self::RepublicDay => 1,
            Self::PrimeDay => 2,
            Self::FreedomFestival => 3,
            Self::GreatIndianFestival => 4,
            Self::YearEnd => 5,
            Self::BlackFriday => 6,
            Self::CyberMonday => 7,
            Self::BoxingDay => 8,
        }
    }
}

/// One sale on the calendar: local days `first..=last` (IST for amazon.in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SaleWindow {
    /// Which sale.
    pub(crate) kind: SaleKind,
    /// The calendar year it belongs to.
    pub(crate) year: i32,
    /// First IST day.
    pub(crate) first: i64,
    /// Last IST day (inclusive).
    pub(crate) last: i64,
    /// The UTC offset of the marketplace's days, seconds.
    pub(crate) offset: i64,
}

impl SaleWindow {
    /// A stable hash key for this occurrence of the sale.
    pub(crate) fn key(&self) -> u64 {
        self.kind.code() * 10_000 + self.year as u64
    }

    /// Unix time the sale starts (local midnight of the first day).
    pub(crate) fn starts_unix(&self) -> i64 {
        local_midnight(self.first, self.offset)
    }

    /// Unix time the sale ends (local midnight after the last day).
    pub(crate) fn ends_unix(&self) -> i64 {
        local_midnight(self.last + 1, self.offset)
    }
}

/// Diwali (Lakshmi Puja) dates. Outside the table the sale calendar assumes 1 November.
const DIWALI: &[(i32, u32, u32)] = &[
    (2020, 11, 14),
    (2021, 11, 4),
    (2022, 10, 24),
    (2023, 11, 12),
    (2024, 11, 1),
    (2025, 10, 20),
    (2026, 11, 8),
    (2027, 10, 29),
    (2028, 10, 17),
    (2029, 11, 5),
    (2030, 10, 26),
];

/// Diwali of a year (from the table, else 1 November).
pub(crate) fn diwali(year: i32) -> NaiveDate {
    let (m, d) = DIWALI
        .iter()
        .find(|(y, _, _)| *y == year)
        .map_or((11, 1), |(_, m, d)| (*m, *d));
    ymd(year, m, d)
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// Prime Day India dates where known; otherwise the third Saturday and Sunday of July.
fn prime_day(year: i32) -> (NaiveDate, NaiveDate) {
    match year {
        2022 => (ymd(2022, 7, 23), ymd(2022, 7, 24)),
        2023 => (ymd(2023, 7, 15), ymd(2023, 7, 16)),
        2024 => (ymd(2024, 7, 20), ymd(2024, 7, 21)),
        2025 => (ymd(2025, 7, 12), ymd(2025, 7, 14)),
        _ => {
            let first = NaiveDate::from_weekday_of_month_opt(year, 7, Weekday::Sat, 3)
                .unwrap_or_else(|| ymd(year, 7, 15));
            (first, first + chrono::Days::new(1))
        }
    }
}

/// The sales of one year, in date order, never overlapping.
pub(crate) fn sales_of_year(year: i32) -> Vec<SaleWindow> {
    let window = |kind, first: NaiveDate, last: NaiveDate| SaleWindow {
        kind,
        year,
        first: day_of(first),
        last: day_of(last),
        offset: IST_OFFSET_SECS,
    };
    let (pd_first, pd_last) = prime_day(year);
    let diwali = diwali(year);
    // The Great Indian Festival opens about five weeks before Diwali (not before 22 September,
    // the start of Navratri at the earliest) and runs to Diwali.
    let gif_first = (diwali - chrono::Days::new(35)).max(ymd(year, 9, 22));
    vec![
        window(SaleKind::RepublicDay, ymd(year, 1, 17), ymd(year, 1, 22)),
        window(SaleKind::PrimeDay, pd_first, pd_last),
        window(SaleKind::FreedomFestival, ymd(year, 8, 6), ymd(year, 8, 10)),
        window(SaleKind::GreatIndianFestival, gif_first, diwali),
        window(SaleKind::YearEnd, ymd(year, 12, 22), ymd(year, 12, 31)),
    ]
}

/// Prime Day in the United States and Europe where known; otherwise the second Tuesday and
/// Wednesday of July.
fn global_prime_day(year: i32) -> (NaiveDate, NaiveDate) {
    match year {
        2023 => (ymd(2023, 7, 11), ymd(2023, 7, 12)),
        2024 => (ymd(2024, 7, 16), ymd(2024, 7, 17)),
        2025 => (ymd(2025, 7, 8), ymd(2025, 7, 11)),
        _ => {
            let first = NaiveDate::from_weekday_of_month_opt(year, 7, Weekday::Tue, 2)
                .unwrap_or_else(|| ymd(year, 7, 8));
            (first, first + chrono::Days::new(1))
        }
    }
}

/// Black Friday: the day after the fourth Thursday of November.
pub(crate) fn black_friday(year: i32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Thu, 4)
        .map_or_else(|| ymd(year, 11, 27), |d| d + chrono::Days::new(1))
}

/// The sales of one year in a marketplace other than India, in date order, never
/// overlapping; empty for a marketplace without a sandbox calendar.
pub(crate) fn market_sales_of_year(marketplace: Marketplace, year: i32) -> Vec<SaleWindow> {
    let offset = offset_of(marketplace);
    let window = |kind, first: NaiveDate, last: NaiveDate| SaleWindow {
        kind,
        year,
        first: day_of(first),
        last: day_of(last),
        offset,
    };
    let (pd_first, pd_last) = global_prime_day(year);
    let bf = black_friday(year);
    let week_before = bf - chrono::Days::new(7);
    let cyber_monday = bf + chrono::Days::new(3);
    match marketplace {
        Marketplace::India => sales_of_year(year),
        Marketplace::UnitedStates => vec![
            window(SaleKind::PrimeDay, pd_first, pd_last),
            window(
                SaleKind::BlackFriday,
                week_before,
                bf + chrono::Days::new(2),
            ),
            window(SaleKind::CyberMonday, cyber_monday, cyber_monday),
        ],
        Marketplace::UnitedKingdom => vec![
            window(SaleKind::PrimeDay, pd_first, pd_last),
            window(SaleKind::BlackFriday, week_before, cyber_monday),
            window(SaleKind::BoxingDay, ymd(year, 12, 26), ymd(year, 12, 31)),
        ],
        Marketplace::Germany => vec![
            window(SaleKind::PrimeDay, pd_first, pd_last),
            window(SaleKind::BlackFriday, week_before, cyber_monday),
        ],
        _ => Vec::new(),
    }
}

/// The sale calendar for a range of years, sorted by first day.
#[derive(Debug, Clone)]
pub(crate) struct SaleCalendar {
    windows: Vec<SaleWindow>,
}

impl SaleCalendar {
    /// Every sale from 2020 to 2040.
    pub(crate) fn new() -> Self {
        let windows = (2020..=2040).flat_map(sales_of_year).collect();
        Self { windows }
    }

    /// Every sale of a marketplace's calendar from 2020 to 2040 (India's is
    /// [`SaleCalendar::new`]).
    pub(crate) fn for_market(marketplace: Marketplace) -> Self {
        if marketplace == Marketplace::India {
            return Self::new();
        }
        let windows = (2020..=2040)
            .flat_map(|y| market_sales_of_year(marketplace, y))
            .collect();
        Self { windows }
    }

    /// The sale running on an IST day, if any.
    pub(crate) fn on(&self, day: i64) -> Option<&SaleWindow> {
        let i = self.windows.partition_point(|w| w.last < day);
        self.windows.get(i).filter(|w| w.first <= day)
    }

    /// The first sale whose last day is on or after `day` (running or upcoming).
    pub(crate) fn current_or_next(&self, day: i64) -> Option<&SaleWindow> {
        let i = self.windows.partition_point(|w| w.last < day);
        self.windows.get(i)
    }

    /// Every window.
    pub(crate) fn windows(&self) -> &[SaleWindow] {
        &self.windows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ist_days_start_at_1830_utc() {
        // 2026-10-19 18:30 UTC is 2026-10-20 00:00 IST.
        let t = DateTime::parse_from_rfc3339("2026-10-19T18:30:00Z")
            .map(|d| d.timestamp())
            .unwrap_or_default();
        let d = ist_day(t);
        assert_eq!(date_of(d), ymd(2026, 10, 20));
        assert_eq!(ist_midnight(d), t);
        assert_eq!(ist_day(t - 1), d - 1);
    }

    #[test]
    fn great_indian_festival_2026_runs_up_to_diwali() {
        let cal = SaleCalendar::new();
        let diwali = day_of(ymd(2026, 11, 8));
        let sale = cal.on(diwali).map(|w| w.kind);
        assert_eq!(sale, Some(SaleKind::GreatIndianFestival));
        assert_eq!(cal.on(day_of(ymd(2026, 10, 4))).map(|w| w.kind), sale);
        assert_eq!(cal.on(day_of(ymd(2026, 10, 3))), None);
        assert_eq!(
            cal.on(day_of(ymd(2024, 9, 27))).map(|w| w.kind),
            Some(SaleKind::GreatIndianFestival)
        );
    }

    #[test]
    fn prime_day_and_republic_day_fall_on_their_months() {
        let cal = SaleCalendar::new();
        assert_eq!(
            cal.on(day_of(ymd(2024, 7, 20))).map(|w| w.kind),
            Some(SaleKind::PrimeDay)
        );
        // 2026: the third Saturday of July is the 18th.
        assert_eq!(
            cal.on(day_of(ymd(2026, 7, 19))).map(|w| w.kind),
            Some(SaleKind::PrimeDay)
        );
        assert_eq!(
            cal.on(day_of(ymd(2027, 1, 20))).map(|w| w.kind),
            Some(SaleKind::RepublicDay)
        );
        assert_eq!(cal.on(day_of(ymd(2027, 3, 20))), None);
    }

    #[test]
    fn windows_are_sorted_and_disjoint() {
        for m in [
            Marketplace::India,
            Marketplace::UnitedStates,
            Marketplace::UnitedKingdom,
            Marketplace::Germany,
        ] {
            let cal = SaleCalendar::for_market(m);
            assert!(!cal.windows().is_empty(), "{m}");
            assert!(cal.windows().windows(2).all(|w| w[0].last < w[1].first));
            assert!(cal.windows().iter().all(|w| w.first <= w.last));
        }
    }

    #[test]
    fn each_market_has_its_own_sales() {
        let kind = |m, y, mo, d| {
            SaleCalendar::for_market(m)
                .on(day_of(ymd(y, mo, d)))
                .map(|w| w.kind)
        };
        // 2026: Thanksgiving is 26 November, Black Friday the 27th, Cyber Monday 30 November.
        assert_eq!(black_friday(2026), ymd(2026, 11, 27));
        assert_eq!(
            kind(Marketplace::UnitedStates, 2026, 11, 27),
            Some(SaleKind::BlackFriday)
        );
        assert_eq!(
            kind(Marketplace::UnitedStates, 2026, 11, 30),
            Some(SaleKind::CyberMonday)
        );
        assert_eq!(
            kind(Marketplace::UnitedKingdom, 2026, 11, 30),
            Some(SaleKind::BlackFriday)
        );
        assert_eq!(kind(Marketplace::India, 2026, 11, 27), None);
        assert_eq!(
            kind(Marketplace::UnitedKingdom, 2026, 12, 27),
            Some(SaleKind::BoxingDay)
        );
        assert_eq!(kind(Marketplace::Germany, 2026, 12, 27), None);
        assert_eq!(kind(Marketplace::UnitedStates, 2026, 12, 27), None);
        assert_eq!(
            kind(Marketplace::India, 2026, 12, 27),
            Some(SaleKind::YearEnd)
        );
        // Prime Day 2026: the second Tuesday of July (14th) abroad, 18–19 July in India.
        assert_eq!(
            kind(Marketplace::Germany, 2026, 7, 14),
            Some(SaleKind::PrimeDay)
        );
        assert_eq!(kind(Marketplace::India, 2026, 7, 14), None);
        assert_eq!(
            kind(Marketplace::India, 2026, 10, 20),
            Some(SaleKind::GreatIndianFestival)
        );
        assert_eq!(kind(Marketplace::UnitedStates, 2026, 10, 20), None);
    }
}
