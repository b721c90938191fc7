//! Fault injection and the TPS/TPD quota.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::time::Instant;

use super::catalog::rng::{hash, unit};

/// Faults the sandbox injects into catalog operations (and robot checks into product
/// pages), decided per request from a seed, so a run is repeatable.
///
/// Rates are probabilities from 0 to 1; at most one fault hits a request, tried in the
/// order throttle, server error, timeout, malformed body, truncated body.
///
/// # Examples
///
/// ```
/// use mandi_paapi::sandbox::Faults;
/// let f: Faults = "429=0.1,5xx=0.05,timeout=0.01,latency=50ms".parse().unwrap();
/// assert_eq!(f.throttle, 0.1);
/// assert_eq!(f.latency, std::time::Duration::from_millis(50));
/// assert!(Faults::none().is_none());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Seed of the fault decisions.
    pub seed: u64,
    /// Rate of 429 TooManyRequests answers.
    pub throttle: f64,
    /// Rate of 500/503 answers.
    pub server_error: f64,
    /// Rate of answers held back for [`Faults::timeout_delay`] (beyond a client's timeout).
    pub timeout: f64,
    /// How long a "timeout" answer is held back (30 s by default).
    pub timeout_delay: Duration,
    /// Rate of 200 answers whose body is not JSON.
    pub malformed: f64,
    /// Rate of 200 answers whose JSON is cut in the middle.
    pub truncated: f64,
    /// Rate of robot-check pages instead of product pages.
    pub captcha: f64,
    /// Extra latency added to every answer.
    pub latency: Duration,
    /// Rate of glitched items: an item of a successful GetItems answer shows a wrong price
    /// or another product's title ([`GlitchKind`]). A glitch is transient (the next read of
    /// the same item is true) and the oracle knows it was not real
    /// ([`crate::sandbox::Oracle::glitches`]).
    pub glitch: f64,
}

/// How a glitched item is wrong.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlitchKind {
    /// The price is a hundredth of the real one (the decimal point moved).
    Hundredth,
    /// The price is ₹1.
    OneRupee,
    /// The price is ten times the real one.
    TenTimes,
    /// The title is another product's (the price is real).
    OtherTitle,
}

impl GlitchKind {
    /// Every kind.
    pub const ALL: [GlitchKind; 4] = [
        Self::Hundredth,
        Self::OneRupee,
        Self::TenTimes,
        Self::OtherTitle,
    ];

    /// True when the kind changes the price (and so needs a price to change).
    pub fn changes_price(self) -> bool {
        !matches!(self, Self::OtherTitle)
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self::none()
    }
}

/// A fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Throttle,
    ServerError(u16),
    Timeout,
    Malformed,
    Truncated,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self {
            seed: 0,
            throttle: 0.0,
            server_error: 0.0,
            timeout: 0.0,
            timeout_delay: Duration::from_secs(30),
            malformed: 0.0,
            truncated: 0.0,
            captcha: 0.0,
            latency: Duration::ZERO,
            glitch: 0.0,
        }
    }

    /// True when no fault is configured.
    pub fn is_none(&self) -> bool {
        self.throttle
            + self.server_error
            + self.timeout
            + self.malformed
            + self.truncated
            + self.captcha
            + self.glitch
            == 0.0
            && self.latency.is_zero()
    }

    /// The fault for request number `n`, if any.
    pub(crate) fn decide(&self, n: u64) -> Option<Fault> {
        let u = unit(hash(&[self.seed, 0xFA17, n]));
        let mut edge = 0.0;
        for (rate, fault) in [
            (self.throttle, Fault::Throttle),
            (
                self.server_error,
                Fault::ServerError(if n.is_multiple_of(2) { 500 } else { 503 }),
            ),
            (self.timeout, Fault::Timeout),
            (self.malformed, Fault::Malformed),
            (self.truncated, Fault::Truncated),
        ] {
            edge += rate.clamp(0.0, 1.0);
            if u < edge {
                return Some(fault);
            }
        }
        None
    }

    /// The glitch of served item number `n`, if any.
    pub(crate) fn glitch_for(&self, n: u64) -> Option<GlitchKind> {
        if self.glitch <= 0.0 || unit(hash(&[self.seed, 0x611C, n])) >= self.glitch {
            return None;
        }
        let k = hash(&[self.seed, 0x611D, n]) % GlitchKind::ALL.len() as u64;
        GlitchKind::ALL.get(k as usize).copied()
    }

    /// True when page request number `n` gets a robot check.
    pub(crate) fn captcha_for(&self, n: u64) -> bool {
        unit(hash(&[self.seed, 0xCA97, n])) < self.captcha
    }
}

/// Why a fault specification does not parse.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad fault setting {item:?}: {reason}; write e.g. 429=0.1,5xx=0.05,timeout=0.01,malformed=0.01,truncated=0.01,captcha=0.1,glitch=0.02,latency=50ms,delay=30s,seed=7"
)]
pub struct FaultsParseError {
    /// The item that failed.
    pub item: String,
    /// What is wrong.
    pub reason: String,
}

fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    if let Some(ms) = t.strip_suffix("ms") {
        return ms.trim().parse().ok().map(Duration::from_millis);
    }
    if let Some(s) = t.strip_suffix('s') {
        return s.trim().parse().ok().map(Duration::from_secs);
    }
    t.parse().ok().map(Duration::from_millis)
}

impl std::str::FromStr for Faults {
    type Err = FaultsParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut f = Faults::none();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let err = |reason: &str| FaultsParseError {
                item: item.to_owned(),
                reason: reason.to_owned(),
            };
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| err("expected key=value"))?;
            let rate = || -> Result<f64, FaultsParseError> {
                let r: f64 = value
                    .trim()
                    .parse()
                    .map_err(|_| err("the rate is not a number"))?;
                if (0.0..=1.0).contains(&r) {
                    Ok(r)
                } else {
                    Err(err("a rate must be between 0 and 1"))
                }
            };
            match key.trim() {
                "429" | "throttle" => f.throttle = rate()?,
                "5xx" | "500" | "server" => f.server_error = rate()?,
                "timeout" => f.timeout = rate()?,
                "malformed" => f.malformed = rate()?,
                "truncated" => f.truncated = rate()?,
                "captcha" => f.captcha = rate()?,
                "glitch" => f.glitch = rate()?,
                "latency" => {
                    f.latency = parse_duration(value).ok_or_else(|| err("not a duration"))?;
                }
                "delay" => {
                    f.timeout_delay = parse_duration(value).ok_or_else(|| err("not a duration"))?;
                }
                "seed" => {
                    f.seed = value
                        .trim()
                        .parse()
                        .map_err(|_| err("the seed is not a whole number"))?;
                }
                _ => return Err(err("unknown fault")),
            }
        }
        Ok(f)
    }
}

/// The request quota per credential: transactions per second and per day, answered with 429
/// TooManyRequests as Amazon does. Unlimited by default.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quota {
    /// Requests per second (real time, a one-second window).
    pub tps: Option<u32>,
    /// Requests per day (sandbox clock, UTC days).
    pub tpd: Option<u32>,
}

impl Quota {
    /// No limit.
    pub fn unlimited() -> Self {
        Self::default()
    }

    /// Amazon's starting quota: 1 request per second, 8,640 per day.
    pub fn amazon_default() -> Self {
        Self {
            tps: Some(1),
            tpd: Some(8_640),
        }
    }

    /// A quota with the given limits.
    pub fn new(tps: Option<u32>, tpd: Option<u32>) -> Self {
        Self { tps, tpd }
    }
}

#[derive(Debug)]
struct Usage {
    window_start: Instant,
    in_window: u32,
    day: NaiveDate,
    in_day: u32,
}

/// Counts requests per credential.
#[derive(Debug, Default)]
pub(crate) struct QuotaState {
    usage: HashMap<String, Usage>,
}

impl QuotaState {
    /// Counts one request; false when it is over the quota.
    pub(crate) fn admit(&mut self, quota: Quota, who: &str, now: DateTime<Utc>) -> bool {
        if quota.tps.is_none() && quota.tpd.is_none() {
            return true;
        }
        let instant = Instant::now();
        let day = now.date_naive();
        let usage = self.usage.entry(who.to_owned()).or_insert(Usage {
            window_start: instant,
            in_window: 0,
            day,
            in_day: 0,
        });
        if instant.duration_since(usage.window_start) >= Duration::from_secs(1) {
            usage.window_start = instant;
            usage.in_window = 0;
        }
        if usage.day != day {
            usage.day = day;
            usage.in_day = 0;
        }
        if quota.tps.is_some_and(|t| usage.in_window >= t)
            || quota.tpd.is_some_and(|t| usage.in_day >= t)
        {
            return false;
        }
        usage.in_window += 1;
        usage.in_day += 1;
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fault_decisions_are_deterministic_and_near_their_rates() {
        let f: Faults = "429=0.2,5xx=0.1,seed=3".parse().unwrap();
        let a: Vec<_> = (0..2_000).map(|n| f.decide(n)).collect();
        let b: Vec<_> = (0..2_000).map(|n| f.decide(n)).collect();
        assert_eq!(a, b);
        let throttled = a.iter().filter(|x| **x == Some(Fault::Throttle)).count();
        assert!((300..500).contains(&throttled), "{throttled}");
        assert!(Faults::none().decide(1).is_none());
        assert!("429=2".parse::<Faults>().is_err());
        assert!("bogus=0.1".parse::<Faults>().is_err());
    }

    #[test]
    fn glitches_are_seeded_near_their_rate_and_of_every_kind() {
        let f: Faults = "glitch=0.1,seed=5".parse().unwrap();
        assert!(!f.is_none());
        let a: Vec<_> = (0..5_000).map(|n| f.glitch_for(n)).collect();
        assert_eq!(a, (0..5_000).map(|n| f.glitch_for(n)).collect::<Vec<_>>());
        let hits = a.iter().flatten().count();
        assert!((400..600).contains(&hits), "{hits}");
        for kind in GlitchKind::ALL {
            assert!(a.contains(&Some(kind)), "{kind:?}");
        }
        assert!((0..1_000).all(|n| Faults::none().glitch_for(n).is_none()));
    }
}
