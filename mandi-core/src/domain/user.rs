//! Users and their settings.

use std::fmt;

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::Marketplace;

/// A user's id, assigned by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How a front-end knows a user (`telegram` / chat id, `cli` / `local`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExternalIdentity {
    /// The front-end or identity provider (`telegram`, `cli`).
    pub provider: String,
    /// The id within that provider.
    pub subject: String,
}

impl ExternalIdentity {
    /// An identity from a provider and a subject.
    pub fn new(provider: impl Into<String>, subject: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            subject: subject.into(),
        }
    }
}

/// When a user wants alerts.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertMode {
    /// As soon as they fire (outside quiet hours).
    #[default]
    RealTime,
    /// Folded into one daily digest.
    DailyDigest,
}

/// The language of messages to a user.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// English.
    #[default]
    English,
    /// Hindi.
    Hindi,
}

/// A daily window (in the user's time zone) during which no alert is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// Start of the window (local time).
    pub start: NaiveTime,
    /// End of the window (local time); may be before `start` to span midnight.
    pub end: NaiveTime,
}

impl QuietHours {
    /// True when `local` falls inside the window.
    pub fn contains(&self, local: NaiveTime) -> bool {
        if self.start <= self.end {
            local >= self.start && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }
}

/// A user's preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserSettings {
    /// IANA time zone name; `Asia/Kolkata` by default.
    pub time_zone: String,
    /// Real-time or daily digest.
    pub alert_mode: AlertMode,
    /// Quiet hours, if any.
    pub quiet_hours: Option<QuietHours>,
    /// At most this many alerts a day (`None`: no cap).
    pub daily_cap: Option<u32>,
    /// Message language.
    pub language: Language,
    /// The marketplace links without a domain default to.
    pub marketplace: Marketplace,
    /// Whether the user appears on the public leaderboards (top savers, deal finders).
    /// Off unless the user turns it on; a user who did not opt in never appears.
    pub leaderboard_opt_in: bool,
}

impl Default for UserSettings {
    fn default() -> Self {
        Self {
            time_zone: "Asia/Kolkata".to_owned(),
            alert_mode: AlertMode::RealTime,
            quiet_hours: None,
            daily_cap: None,
            language: Language::English,
            marketplace: Marketplace::India,
            leaderboard_opt_in: false,
        }
    }
}

impl UserSettings {
    /// The time zone, falling back to IST when the stored name is not valid.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Asia::Kolkata)
    }
}

/// A person using Mandi through some front-end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The store-assigned id.
    pub id: UserId,
    /// How the front-end knows them.
    pub identity: ExternalIdentity,
    /// A name to greet them by.
    pub display_name: Option<String>,
    /// Their preferences.
    pub settings: UserSettings,
    /// False once a front-end learns they cannot be reached (e.g. they blocked the bot).
    pub active: bool,
    /// When they were first seen.
    pub created_at: DateTime<Utc>,
}

/// What is needed to create a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    /// How the front-end knows them.
    pub identity: ExternalIdentity,
    /// A name to greet them by.
    pub display_name: Option<String>,
    /// Their preferences.
    pub settings: UserSettings,
}
