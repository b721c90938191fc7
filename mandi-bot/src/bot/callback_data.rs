//! Callback data of the bot's buttons: short, typed, always within Telegram's 64 bytes.

use mandi_core::{Asin, Marketplace, WatchId};

use crate::text::{MAX_CALLBACK_DATA, truncate_bytes};

/// What a button does.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// Pause a watch.
    Pause(WatchId),
    /// Resume a watch.
    Resume(WatchId),
    /// Snooze a watch for a day.
    Snooze(WatchId),
    /// Ask for a new target price.
    Target(WatchId),
    /// Delete a watch.
    Delete(WatchId),
    /// Watch a product (from a search card).
    Watch(Asin),
    /// Show a product's price history.
    History(Asin),
    /// Show a product's competitive picture over the last month.
    Report(Asin),
    /// Products like this one (`/similar`).
    Similar(Asin),
    /// One card of the variation carousel of a product's family.
    Variant {
        /// The variation shown (index into the family's items).
        index: u8,
        /// A product of the family (the parent or any child).
        asin: Asin,
    },
    /// Another page of a search.
    SearchPage {
        /// The page (1–10).
        page: u8,
        /// The words (shortened to fit).
        query: String,
    },
    /// Toggle real-time / digest alerts.
    ToggleMode,
    /// Toggle English / Hindi.
    ToggleLanguage,
    /// Cycle quiet hours (off → 22:00–07:00 → off).
    ToggleQuiet,
    /// Cycle the daily cap (none → 5 → 10 → 20 → none).
    CycleCap,
    /// Show the marketplace picker.
    ChooseMarketplace,
    /// Turn the leaderboard opt-in on or off.
    ToggleLeaderboard,
    /// Make this the user's marketplace.
    SetMarketplace(Marketplace),
    /// Resume the watches paused while the user could not be reached (offered to a user
    /// who comes back); the ones they paused themselves stay paused.
    ResumeAll,
    /// Open a category of the browse tree (its node id).
    Category(String),
    /// A vote on a shared community deal.
    Vote {
        /// The deal.
        deal: mandi_core::SharedDealId,
        /// Up (true) or down.
        up: bool,
    },
    /// One product card of a comparison carousel: which one, of these products.
    Card {
        /// The product shown (index into `asins`).
        index: u8,
        /// The products compared (at most 4, to fit the 64 bytes).
        asins: Vec<Asin>,
    },
}

impl Callback {
    /// The data string (≤ 64 bytes).
    pub fn encode(&self) -> String {
        let s = match self {
            Self::Pause(id) => format!("p:{id}"),
            Self::Resume(id) => format!("r:{id}"),
            Self::Snooze(id) => format!("z:{id}"),
            Self::Target(id) => format!("t:{id}"),
            Self::Delete(id) => format!("d:{id}"),
            Self::Watch(a) => format!("w:{}", a.as_str()),
            Self::History(a) => format!("h:{}", a.as_str()),
            Self::Report(a) => format!("o:{}", a.as_str()),
            Self::Similar(a) => format!("m:{}", a.as_str()),
            Self::Variant { index, asin } => format!("vr:{index}:{}", asin.as_str()),
            Self::SearchPage { page, query } => format!("s:{page}:{query}"),
            Self::ToggleMode => "st:mode".to_owned(),
            Self::ToggleLanguage => "st:lang".to_owned(),
            Self::ToggleQuiet => "st:quiet".to_owned(),
            Self::CycleCap => "st:cap".to_owned(),
            Self::ChooseMarketplace => "st:mk".to_owned(),
            Self::ToggleLeaderboard => "st:lb".to_owned(),
            Self::SetMarketplace(m) => format!("mk:{}", m.country_code()),
            Self::ResumeAll => "ra:all".to_owned(),
            Self::Category(id) => format!("c:{id}"),
            Self::Vote { deal, up } => format!("v:{deal}:{}", if *up { 'u' } else { 'd' }),
            Self::Card { index, asins } => format!(
                "k:{index}:{}",
                asins
                    .iter()
                    .take(4)
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        truncate_bytes(&s, MAX_CALLBACK_DATA).to_owned()
    }

    /// Parses data from a button; `None` for anything this bot did not make.
    pub fn decode(data: &str) -> Option<Self> {
        let (kind, rest) = data.split_once(':')?;
        let id = || rest.parse::<i64>().ok().map(WatchId);
        let asin = || Asin::parse(rest).ok();
        Some(match kind {
            "p" => Self::Pause(id()?),
            "r" => Self::Resume(id()?),
            "z" => Self::Snooze(id()?),
            "t" => Self::Target(id()?),
            "d" => Self::Delete(id()?),
            "w" => Self::Watch(asin()?),
            "h" => Self::History(asin()?),
            "o" => Self::Report(asin()?),
            "m" => Self::Similar(asin()?),
            "vr" => {
                let (index, a) = rest.split_once(':')?;
                Self::Variant {
                    index: index.parse().ok()?,
                    asin: Asin::parse(a).ok()?,
                }
            }
            "s" => {
                let (page, query) = rest.split_once(':')?;
                let page = page.parse().ok().filter(|p| (1..=10).contains(p))?;
                Self::SearchPage {
                    page,
                    query: query.to_owned(),
                }
            }
            "st" => match rest {
                "mode" => Self::ToggleMode,
                "lang" => Self::ToggleLanguage,
                "quiet" => Self::ToggleQuiet,
                "cap" => Self::CycleCap,
                "mk" => Self::ChooseMarketplace,
                "lb" => Self::ToggleLeaderboard,
                _ => return None,
            },
            "mk" => Self::SetMarketplace(
                Marketplace::ALL
                    .into_iter()
                    .find(|m| m.country_code() == rest)?,
            ),
            "ra" if rest == "all" => Self::ResumeAll,
            "v" => {
                let (deal, dir) = rest.split_once(':')?;
                let up = match dir {
                    "u" => true,
                    "d" => false,
                    _ => return None,
                };
                Self::Vote {
                    deal: mandi_core::SharedDealId(deal.parse().ok().filter(|d: &i64| *d > 0)?),
                    up,
                }
            }
            "k" => {
                let (index, list) = rest.split_once(':')?;
                let asins = list
                    .split(',')
                    .map(|a| Asin::parse(a).ok())
                    .collect::<Option<Vec<_>>>()?;
                let index: u8 = index.parse().ok()?;
                if asins.is_empty() || asins.len() > 4 || usize::from(index) >= asins.len() {
                    return None;
                }
                Self::Card { index, asins }
            }
            "c" if !rest.is_empty()
                && rest.len() <= 40
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                Self::Category(rest.to_owned())
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_stays_within_64_bytes() {
        let asin = Asin::parse("B0CX59H5W7").unwrap();
        for c in [
            Callback::Pause(WatchId(i64::MAX)),
            Callback::Delete(WatchId(1)),
            Callback::Watch(asin),
            Callback::History(asin),
            Callback::Report(asin),
            Callback::Similar(asin),
            Callback::Variant {
                index: u8::MAX,
                asin,
            },
            Callback::Vote {
                deal: mandi_core::SharedDealId(i64::MAX),
                up: false,
            },
            Callback::SearchPage {
                page: 3,
                query: "redmi note".into(),
            },
            Callback::CycleCap,
            Callback::ChooseMarketplace,
            Callback::SetMarketplace(Marketplace::UnitedKingdom),
            Callback::SetMarketplace(Marketplace::India),
            Callback::ResumeAll,
            Callback::Category("1805560031".into()),
            Callback::Card {
                index: 3,
                asins: vec![asin; 4],
            },
        ] {
            let d = c.encode();
            assert!(d.len() <= 64);
            assert_eq!(Callback::decode(&d), Some(c));
        }
        let long = Callback::SearchPage {
            page: 2,
            query: "फ़ोन ".repeat(40),
        };
        let d = long.encode();
        assert!(d.len() <= 64 && std::str::from_utf8(d.as_bytes()).is_ok());
        assert!(matches!(
            Callback::decode(&d),
            Some(Callback::SearchPage { page: 2, .. })
        ));
    }

    #[test]
    fn foreign_data_is_refused() {
        for d in [
            "",
            "x",
            "p:abc",
            "w:NOTANASIN",
            "s:99:x",
            "st:rm -rf",
            "zz:1",
        ] {
            assert_eq!(Callback::decode(d), None, "{d}");
        }
    }
}
