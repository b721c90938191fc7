//! Basis points: shares (discounts, drops, rises) as whole hundredths of a percent, with one
//! way of showing them.

use std::fmt::Write as _;

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

    /// A whole number of percent: `Bps::percent(23)` is 23 % (`Bps(2300)`).
    pub const fn percent(percent: i64) -> Self {
        Self(percent.saturating_mul(100))
    }

    /// The share cut to whole percent, toward zero (`12.99%` → `12%`), for columns and
    /// summaries that show whole percent.
    pub const fn whole_percent(self) -> Self {
        Self(self.0 / 100 * 100)
    }

    /// A ratio or probability (`0.125` = 12.5 %) in basis points, rounded half away from
    /// zero; `None` for NaN, an infinity, or a ratio too large for `i64` basis points.
    ///
    /// For estimates (probabilities, shares of days) that are floats to begin with; shares of
    /// money go through [`Bps::from_fraction`], which stays in integers.
    ///
    /// # Examples
    ///
    /// ```
    /// use mandi_core::Bps;
    /// assert_eq!(Bps::from_ratio(0.4237), Some(Bps(4237)));
    /// assert_eq!(Bps::from_ratio(0.03125), Some(Bps(313)));
    /// assert_eq!(Bps::from_ratio(f64::NAN), None);
    /// ```
    pub fn from_ratio(ratio: f64) -> Option<Self> {
        if !ratio.is_finite() {
            return None;
        }
        // `f64::round` rounds half away from zero.
        let bps = (ratio * 10_000.0).round();
        // i64::MIN is exactly -2^63 as an f64; i64::MAX rounds up to 2^63, which is out.
        if bps < i64::MIN as f64 || bps >= i64::MAX as f64 {
            return None;
        }
        Some(Self(bps as i64))
    }

    /// `numerator / denominator` in basis points, in integers, rounded half away from zero;
    /// `None` when the denominator is zero or the share does not fit in `i64`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mandi_core::Bps;
    /// // ₹1,025 is 2.5 % above ₹1,000.
    /// assert_eq!(Bps::from_fraction(25, 1_000), Some(Bps(250)));
    /// assert_eq!(Bps::from_fraction(1, 3), Some(Bps(3333)));
    /// assert_eq!(Bps::from_fraction(1, 0), None);
    /// ```
    pub fn from_fraction(numerator: i64, denominator: i64) -> Option<Self> {
        if denominator == 0 {
            return None;
        }
        let n = i128::from(numerator) * 10_000;
        let d = i128::from(denominator);
        let q = (n.abs() * 2 + d.abs()) / (d.abs() * 2);
        let signed = if (n < 0) != (d < 0) { -q } else { q };
        i64::try_from(signed).ok().map(Self)
    }
}

impl From<u32> for Bps {
    fn from(v: u32) -> Self {
        Self(i64::from(v))
    }
}

impl std::fmt::Display for Bps {
    /// At most two decimals, trailing zeros dropped. `{:+}` writes a `+` before a share above
    /// zero (`+3.2%`, for changes); a width pads like a number (`{:>8}`, right-aligned by
    /// default); a precision is ignored, the precision being the rule above.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = match self.0 {
            v if v < 0 => "-",
            v if v > 0 && f.sign_plus() => "+",
            _ => "",
        };
        let v = self.0.unsigned_abs();
        let (whole, frac) = (v / 100, v % 100);
        let text = match frac {
            0 => format!("{sign}{whole}%"),
            f10 if f10 % 10 == 0 => format!("{sign}{whole}.{}%", f10 / 10),
            _ => format!("{sign}{whole}.{frac:02}%"),
        };
        let len = text.chars().count();
        let Some(pad) = f
            .width()
            .and_then(|w| w.checked_sub(len))
            .filter(|p| *p > 0)
        else {
            return f.write_str(&text);
        };
        let fill = |f: &mut std::fmt::Formatter<'_>, n: usize| -> std::fmt::Result {
            let c = f.fill();
            (0..n).try_for_each(|_| f.write_char(c))
        };
        match f.align() {
            Some(std::fmt::Alignment::Left) => {
                f.write_str(&text)?;
                fill(f, pad)
            }
            Some(std::fmt::Alignment::Center) => {
                fill(f, pad / 2)?;
                f.write_str(&text)?;
                fill(f, pad - pad / 2)
            }
            _ => {
                fill(f, pad)?;
                f.write_str(&text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_drops_trailing_zeros_and_keeps_two_decimals_at_most() {
        for (bps, text) in [
            (0, "0%"),
            (1000, "10%"),
            (1250, "12.5%"),
            (1234, "12.34%"),
            (5, "0.05%"),
            (50, "0.5%"),
            (-320, "-3.2%"),
            (-5, "-0.05%"),
            (10_000, "100%"),
        ] {
            assert_eq!(Bps(bps).to_string(), text, "{bps}");
        }
    }

    #[test]
    fn display_takes_a_plus_sign_and_a_width() {
        assert_eq!(format!("{:+}", Bps(320)), "+3.2%");
        assert_eq!(format!("{:+}", Bps(-320)), "-3.2%");
        assert_eq!(format!("{:+}", Bps(0)), "0%");
        assert_eq!(format!("{:8}", Bps(-1234)), " -12.34%");
        assert_eq!(format!("{:+8}", Bps(1250)), "  +12.5%");
        assert_eq!(format!("{:<7}|", Bps(500)), "5%     |");
        assert_eq!(format!("{:^6}", Bps(500)), "  5%  ");
        assert_eq!(format!("{:3}", Bps(1234)), "12.34%");
        assert_eq!(format!("{:.0}", Bps(1234)), "12.34%");
    }

    #[test]
    fn percent_and_whole_percent() {
        assert_eq!(Bps::percent(23), Bps(2300));
        assert_eq!(Bps::percent(-3).to_string(), "-3%");
        assert_eq!(Bps(1299).whole_percent(), Bps(1200));
        assert_eq!(Bps(-1299).whole_percent(), Bps(-1200));
        assert_eq!(Bps(99).whole_percent().to_string(), "0%");
    }

    #[test]
    fn from_ratio_rounds_half_away_from_zero() {
        assert_eq!(Bps::from_ratio(0.0), Some(Bps(0)));
        assert_eq!(Bps::from_ratio(1.0), Some(Bps(10_000)));
        assert_eq!(Bps::from_ratio(0.125), Some(Bps(1250)));
        // 1/32 = 312.5 bps exactly in binary floating point.
        assert_eq!(Bps::from_ratio(0.03125), Some(Bps(313)));
        assert_eq!(Bps::from_ratio(-0.03125), Some(Bps(-313)));
        assert_eq!(Bps::from_ratio(0.42374), Some(Bps(4237)));
        assert_eq!(Bps::from_ratio(-0.2), Some(Bps(-2000)));
    }

    #[test]
    fn from_ratio_refuses_nan_infinities_and_overflow() {
        assert_eq!(Bps::from_ratio(f64::NAN), None);
        assert_eq!(Bps::from_ratio(f64::INFINITY), None);
        assert_eq!(Bps::from_ratio(f64::NEG_INFINITY), None);
        assert_eq!(Bps::from_ratio(1e300), None);
        assert_eq!(Bps::from_ratio(-1e300), None);
        assert_eq!(Bps::from_ratio(f64::MAX), None);
    }

    #[test]
    fn from_fraction_rounds_half_away_from_zero_in_integers() {
        assert_eq!(Bps::from_fraction(25, 1_000), Some(Bps(250)));
        assert_eq!(Bps::from_fraction(1, 3), Some(Bps(3333)));
        assert_eq!(Bps::from_fraction(2, 3), Some(Bps(6667)));
        // 1/16,000 = 0.625 bps → 1; 1/20,000 = 0.5 bps → 1 (half away from zero).
        assert_eq!(Bps::from_fraction(1, 16_000), Some(Bps(1)));
        assert_eq!(Bps::from_fraction(1, 20_000), Some(Bps(1)));
        assert_eq!(Bps::from_fraction(-1, 20_000), Some(Bps(-1)));
        assert_eq!(Bps::from_fraction(1, -20_000), Some(Bps(-1)));
        assert_eq!(Bps::from_fraction(-1, -20_000), Some(Bps(1)));
        assert_eq!(Bps::from_fraction(1, 30_000), Some(Bps(0)));
        assert_eq!(Bps::from_fraction(0, 7), Some(Bps(0)));
    }

    #[test]
    fn from_fraction_refuses_zero_denominator_and_overflow() {
        assert_eq!(Bps::from_fraction(1, 0), None);
        assert_eq!(Bps::from_fraction(i64::MAX, 1), None);
        assert_eq!(Bps::from_fraction(i64::MIN, 1), None);
        assert_eq!(Bps::from_fraction(i64::MIN, -1), None);
        assert_eq!(Bps::from_fraction(i64::MAX, i64::MAX), Some(Bps(10_000)));
    }
}
