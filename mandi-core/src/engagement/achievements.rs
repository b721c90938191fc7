//! Achievements and streaks, computed from events only (followed Buy links and purchases
//! confirmed by an imported Associates orders report). Each rule is written on its
//! [`Achievement`] variant and returned by [`Achievement::rule`].

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Currency, Money};

/// The saving, in rupees, that earns [`Achievement::Saved10k`].
pub const SAVED_MILESTONE_RUPEES: i64 = 10_000;

/// The real-deal alerts acted on that earn [`Achievement::DealHunter`].
pub const DEAL_HUNTER_ALERTS: usize = 10;

/// The days in a row that earn [`Achievement::WeekStreak`].
pub const STREAK_DAYS: u32 = 7;

/// An achievement. Each is earned once, at the moment of the event that completed it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Achievement {
    /// The first time the user followed the Buy link of one of their alerts.
    FirstAlertActedOn,
    /// The first confirmed purchase below the product's 90-day median.
    FirstSaving,
    /// [`DEAL_HUNTER_ALERTS`] alerts with a real-deal verdict (good or great deal)
    /// acted on (their Buy link followed).
    DealHunter,
    /// A confirmed purchase at or below the lowest price ever recorded for the product,
    /// with at least 30 days of history before it.
    AllTimeLow,
    /// Confirmed savings against the 90-day median (net, in rupees) reach ₹10,000.
    Saved10k,
    /// A Buy link followed on [`STREAK_DAYS`] days in a row (days of the user's time
    /// zone).
    WeekStreak,
}

impl Achievement {
    /// Every achievement, in the order shown.
    pub const ALL: [Achievement; 6] = [
        Self::FirstAlertActedOn,
        Self::FirstSaving,
        Self::DealHunter,
        Self::AllTimeLow,
        Self::Saved10k,
        Self::WeekStreak,
    ];

    /// A stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstAlertActedOn => "first_alert_acted_on",
            Self::FirstSaving => "first_saving",
            Self::DealHunter => "deal_hunter",
            Self::AllTimeLow => "all_time_low",
            Self::Saved10k => "saved_10k",
            Self::WeekStreak => "week_streak",
        }
    }

    /// Its title, in English.
    pub fn title(self) -> &'static str {
        match self {
            Self::FirstAlertActedOn => "Quick on the draw",
            Self::FirstSaving => "First saving",
            Self::DealHunter => "Deal hunter",
            Self::AllTimeLow => "Rock bottom",
            Self::Saved10k => "₹10,000 saved",
            Self::WeekStreak => "7-day streak",
        }
    }

    /// Its rule, in English.
    pub fn rule(self) -> &'static str {
        match self {
            Self::FirstAlertActedOn => "follow the Buy link of one of your alerts",
            Self::FirstSaving => {
                "buy something below its 90-day median price (confirmed by the Associates \
                 orders report)"
            }
            Self::DealHunter => "act on 10 alerts whose deal verdict was a good or great deal",
            Self::AllTimeLow => {
                "buy at or below the lowest price ever recorded (30 days of history or more)"
            }
            Self::Saved10k => "save ₹10,000 in all against 90-day medians",
            Self::WeekStreak => "follow a Buy link on 7 days in a row",
        }
    }
}

/// An achievement with the moment it was earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earned {
    /// Which.
    pub achievement: Achievement,
    /// When the event that completed it happened.
    pub at: DateTime<Utc>,
}

/// The events achievements are computed from, each list in time order.
#[derive(Debug, Clone, Default)]
pub struct Events {
    /// Followed Buy links: when, and whether from an alert, and whether that alert was a
    /// real deal.
    pub clicks: Vec<ClickEvent>,
    /// Confirmed purchases: when (the moment of the attributed click), the saving against
    /// the 90-day median (`None`: too little history), and whether it was an all-time
    /// low.
    pub purchases: Vec<PurchaseEvent>,
    /// The user's time zone (for streak days).
    pub tz: Option<chrono_tz::Tz>,
}

/// A followed Buy link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClickEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// Whether it was an alert's Buy link.
    pub from_alert: bool,
    /// Whether that alert's verdict was a good or great deal.
    pub real_deal: bool,
}

/// A confirmed purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurchaseEvent {
    /// The moment of the click it is attributed to.
    pub at: DateTime<Utc>,
    /// Its saving against the 90-day median, when known.
    pub saved: Option<Money>,
    /// Whether it was an all-time low.
    pub all_time_low: bool,
}

/// A user's streak of days with a followed Buy link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Streak {
    /// Days in a row up to today, or up to yesterday when today has none yet (0 when the
    /// last such day is older).
    pub current: u32,
    /// The longest run ever.
    pub longest: u32,
    /// The last day with a followed link.
    pub last_day: Option<NaiveDate>,
}

/// The streak of `days` as of `today`.
pub fn streak(days: &BTreeSet<NaiveDate>, today: NaiveDate) -> Streak {
    let mut longest = 0;
    let mut run = 0;
    let mut previous: Option<NaiveDate> = None;
    for d in days {
        run = match previous {
            Some(p) if p.succ_opt() == Some(*d) => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(*d);
    }
    let last_day = days.iter().next_back().copied();
    let alive = last_day.is_some_and(|d| d == today || d.succ_opt() == Some(today));
    Streak {
        current: if alive { run } else { 0 },
        longest,
        last_day,
    }
}

/// The first day on which a run of `n` days in a row was completed.
pub fn first_run_completed(days: &BTreeSet<NaiveDate>, n: u32) -> Option<NaiveDate> {
    let mut run = 0;
    let mut previous: Option<NaiveDate> = None;
    for d in days {
        run = match previous {
            Some(p) if p.succ_opt() == Some(*d) => run + 1,
            _ => 1,
        };
        if run >= n {
            return Some(*d);
        }
        previous = Some(*d);
    }
    None
}

/// The achievements earned by these events, in the order of [`Achievement::ALL`].
pub fn earned(events: &Events) -> Vec<Earned> {
    let mut out = Vec::new();
    let mut push = |achievement, at: Option<DateTime<Utc>>| {
        if let Some(at) = at {
            out.push(Earned { achievement, at });
        }
    };
    push(
        Achievement::FirstAlertActedOn,
        events.clicks.iter().find(|c| c.from_alert).map(|c| c.at),
    );
    push(
        Achievement::FirstSaving,
        events
            .purchases
            .iter()
            .find(|p| p.saved.is_some_and(|s| s.minor() > 0))
            .map(|p| p.at),
    );
    push(
        Achievement::DealHunter,
        events
            .clicks
            .iter()
            .filter(|c| c.from_alert && c.real_deal)
            .nth(DEAL_HUNTER_ALERTS - 1)
            .map(|c| c.at),
    );
    push(
        Achievement::AllTimeLow,
        events
            .purchases
            .iter()
            .find(|p| p.all_time_low)
            .map(|p| p.at),
    );
    let milestone = Money::from_major(SAVED_MILESTONE_RUPEES, Currency::INR).minor();
    let mut total: i64 = 0;
    let mut crossed = None;
    for p in &events.purchases {
        if let Some(s) = p.saved.filter(|s| s.currency() == Currency::INR) {
            total = total.saturating_add(s.minor());
            if total >= milestone {
                crossed = Some(p.at);
                break;
            }
        }
    }
    push(Achievement::Saved10k, crossed);
    let tz = events.tz.unwrap_or(chrono_tz::Asia::Kolkata);
    let local_day = |at: DateTime<Utc>| at.with_timezone(&tz).date_naive();
    let days: BTreeSet<NaiveDate> = events.clicks.iter().map(|c| local_day(c.at)).collect();
    push(
        Achievement::WeekStreak,
        first_run_completed(&days, STREAK_DAYS)
            .and_then(|day| events.clicks.iter().find(|c| local_day(c.at) == day))
            .map(|c| c.at),
    );
    out
}

/// The local days (of `tz`) of these moments.
pub fn days_of(
    moments: impl IntoIterator<Item = DateTime<Utc>>,
    tz: chrono_tz::Tz,
) -> BTreeSet<NaiveDate> {
    moments
        .into_iter()
        .map(|at| at.with_timezone(&tz).date_naive())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn t(hours: i64) -> DateTime<Utc> {
        // 2026-12-01T00:00:00Z = 05:30 IST.
        DateTime::from_timestamp(1_796_083_200, 0).expect("t") + TimeDelta::hours(hours)
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("day")
    }

    fn click(hours: i64, from_alert: bool, real_deal: bool) -> ClickEvent {
        ClickEvent {
            at: t(hours),
            from_alert,
            real_deal,
        }
    }

    fn inr(rupees: i64) -> Money {
        Money::from_major(rupees, Currency::INR)
    }

    fn purchase(hours: i64, saved: Option<i64>, all_time_low: bool) -> PurchaseEvent {
        PurchaseEvent {
            at: t(hours),
            saved: saved.map(inr),
            all_time_low,
        }
    }

    fn only(events: &Events, a: Achievement) -> Option<DateTime<Utc>> {
        earned(events)
            .into_iter()
            .find(|e| e.achievement == a)
            .map(|e| e.at)
    }

    #[test]
    fn streaks_count_days_in_a_row_and_stay_alive_until_a_day_is_missed() {
        let days: BTreeSet<_> = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-05"]
            .iter()
            .map(|d| day(d))
            .collect();
        assert_eq!(
            streak(&days, day("2026-12-05")),
            Streak {
                current: 1,
                longest: 3,
                last_day: Some(day("2026-12-05"))
            }
        );
        assert_eq!(
            streak(&days, day("2026-12-06")).current,
            1,
            "yesterday still counts"
        );
        assert_eq!(
            streak(&days, day("2026-12-07")).current,
            0,
            "a missed day ends it"
        );
        assert_eq!(
            streak(&BTreeSet::new(), day("2026-12-07")),
            Streak::default()
        );
        assert_eq!(first_run_completed(&days, 3), Some(day("2026-12-03")));
        assert_eq!(first_run_completed(&days, 4), None);
    }

    #[test]
    fn first_alert_acted_on_is_the_first_alert_click_not_any_click() {
        let events = Events {
            clicks: vec![click(1, false, false), click(5, true, false)],
            ..Events::default()
        };
        assert_eq!(only(&events, Achievement::FirstAlertActedOn), Some(t(5)));
        let none = Events {
            clicks: vec![click(1, false, true)],
            ..Events::default()
        };
        assert_eq!(only(&none, Achievement::FirstAlertActedOn), None);
    }

    #[test]
    fn first_saving_needs_a_positive_known_saving() {
        let events = Events {
            purchases: vec![
                purchase(1, None, false),
                purchase(2, Some(0), false),
                purchase(3, Some(-50), false),
                purchase(4, Some(1), false),
            ],
            ..Events::default()
        };
        assert_eq!(only(&events, Achievement::FirstSaving), Some(t(4)));
    }

    #[test]
    fn deal_hunter_is_the_tenth_real_deal_alert_acted_on() {
        let mut clicks: Vec<ClickEvent> = (0..9).map(|h| click(h, true, true)).collect();
        clicks.push(click(20, true, false));
        clicks.push(click(21, false, true));
        let mut events = Events {
            clicks,
            ..Events::default()
        };
        assert_eq!(
            only(&events, Achievement::DealHunter),
            None,
            "nine real deals"
        );
        events.clicks.push(click(30, true, true));
        assert_eq!(only(&events, Achievement::DealHunter), Some(t(30)));
    }

    #[test]
    fn all_time_low_is_the_first_purchase_at_one() {
        let events = Events {
            purchases: vec![purchase(1, Some(5), false), purchase(9, Some(5), true)],
            ..Events::default()
        };
        assert_eq!(only(&events, Achievement::AllTimeLow), Some(t(9)));
    }

    #[test]
    fn ten_thousand_rupees_saved_is_earned_by_the_purchase_that_crosses_it_net() {
        let events = Events {
            purchases: vec![
                purchase(1, Some(6_000), false),
                // Paying above the median counts against the total.
                purchase(2, Some(-1_000), false),
                purchase(3, Some(4_998), false),
                purchase(4, Some(1), false),
                purchase(5, Some(1), false),
            ],
            ..Events::default()
        };
        assert_eq!(only(&events, Achievement::Saved10k), Some(t(5)));
        // Exactly ₹10,000.00 counts; ₹9,999.99 does not.
        let exact = Events {
            purchases: vec![PurchaseEvent {
                at: t(1),
                saved: Some(Money::from_minor(1_000_000, Currency::INR)),
                all_time_low: false,
            }],
            ..Events::default()
        };
        assert_eq!(only(&exact, Achievement::Saved10k), Some(t(1)));
        let short = Events {
            purchases: vec![PurchaseEvent {
                at: t(1),
                saved: Some(Money::from_minor(999_999, Currency::INR)),
                all_time_low: false,
            }],
            ..Events::default()
        };
        assert_eq!(only(&short, Achievement::Saved10k), None);
    }

    #[test]
    fn a_week_streak_is_earned_at_the_first_click_of_the_seventh_day_in_ist() {
        // One click a day at 20:00 UTC (01:30 IST the next day) for 7 days: IST days
        // 12-02 … 12-08.
        let mut clicks: Vec<ClickEvent> =
            (0..7).map(|d| click(d * 24 + 20, false, false)).collect();
        // A second click on the 7th IST day, later.
        clicks.push(click(6 * 24 + 22, false, false));
        let events = Events {
            clicks: clicks.clone(),
            tz: Some(chrono_tz::Asia::Kolkata),
            ..Events::default()
        };
        assert_eq!(only(&events, Achievement::WeekStreak), Some(t(6 * 24 + 20)));
        // A gap (day 4 missing) breaks it.
        let gap: Vec<ClickEvent> = clicks
            .into_iter()
            .filter(|c| c.at != t(3 * 24 + 20))
            .collect();
        let events = Events {
            clicks: gap,
            tz: Some(chrono_tz::Asia::Kolkata),
            ..Events::default()
        };
        assert_eq!(only(&events, Achievement::WeekStreak), None);
    }

    #[test]
    fn every_achievement_has_a_rule_and_a_distinct_name() {
        let names: BTreeSet<_> = Achievement::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), Achievement::ALL.len());
        assert!(
            Achievement::ALL
                .iter()
                .all(|a| !a.rule().is_empty() && !a.title().is_empty())
        );
        assert_eq!(
            days_of([t(0), t(20)], chrono_tz::Asia::Kolkata).len(),
            2,
            "00:00 UTC and 20:00 UTC are two IST days"
        );
    }
}
