//! Basis points: shares (discounts, drops, rises) as whole hundredths of a percent, with one
//! way of showing them.

use serde::{Deserialize, Serialize};

/// A share in basis points: 100 = 1 %, 1250 = 12.5 %. Shown with one `Display` everywhere:
/// at most two decimals, trailing zeros dropped (`10%`, `12.5%`, `0.05%`, `-3.2%`).
///
/// # Examples
///
/// ```
/// use mandi_core::Bps;
/// assert_eq!(Bps(1000).to_string(), "10%");
/// assert_eq!(Bps(1250).to_string(), "12.5%");
/// assert_eq!(Bps(1234).to_string(), "12.34%");
/// assert_eq!(Bps(5).to_string(), "0.05%");
/// assert_eq!(Bps(-320).to_string(), "-3.2%");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Bps(pub i64);

impl Bps {
    /// The absolute share.
    pub fn abs(self) -> Self {
        Self(self.0.saturating_abs())
    }
}

impl From<u32> for Bps {
    fn from(v: u32) -> Self {
        Self(i64::from(v))
    }
}

impl std::fmt::Display for Bps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let v = self.0.unsigned_abs();
        let (whole, frac) = (v / 100, v % 100);
        match frac {
            0 => write!(f, "{sign}{whole}%"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{whole}.{}%", f10 / 10),
            _ => write!(f, "{sign}{whole}.{frac:02}%"),
        }
    }
}
