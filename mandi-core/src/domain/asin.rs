//! The Amazon Standard Identification Number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a string is not an ASIN.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsinError {
    /// The text does not have exactly ten characters.
    #[error("an ASIN has 10 characters, {input:?} has {len}")]
    Length {
        /// The rejected input.
        input: String,
        /// Its length in characters.
        len: usize,
    },
    /// A character other than A–Z or 0–9 was found.
    #[error("an ASIN holds only letters and digits, {input:?} has {found:?}")]
    Character {
        /// The rejected input.
        input: String,
        /// The first offending character.
        found: char,
    },
    /// Neither a `B0…` ASIN nor an ISBN-10 with a valid check digit.
    #[error(
        "{input:?} is not an ASIN: it must start with \"B0\" or be an ISBN-10 with a valid check digit"
    )]
    Shape {
        /// The rejected input.
        input: String,
    },
}

/// A validated ASIN, normalised to upper case.
///
/// Amazon product ASINs are ten characters starting with `B0`; books use their
/// ISBN-10 (nine digits and a check digit that may be `X`).
///
/// # Examples
///
/// ```
/// use mandi_core::Asin;
/// let asin: Asin = "b0cx59h5w7".parse()?;
/// assert_eq!(asin.as_str(), "B0CX59H5W7");
/// assert!(Asin::parse("0143333623").is_ok()); // an ISBN-10
/// assert!(Asin::parse("0143333624").is_err()); // bad check digit
/// # Ok::<(), mandi_core::AsinError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Asin([u8; 10]);

impl Asin {
    /// Parses and normalises an ASIN.
    ///
    /// # Errors
    ///
    /// [`AsinError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, AsinError> {
        let trimmed = input.trim();
        let len = trimmed.chars().count();
        if len != 10 {
            return Err(AsinError::Length {
                input: input.to_owned(),
                len,
            });
        }
        let mut bytes = [0u8; 10];
        for (slot, ch) in bytes.iter_mut().zip(trimmed.chars()) {
            if !ch.is_ascii_alphanumeric() {
                return Err(AsinError::Character {
                    input: input.to_owned(),
                    found: ch,
                });
            }
            *slot = ch.to_ascii_uppercase() as u8;
        }
        if (bytes[0] == b'B' && bytes[1] == b'0') || is_isbn10(&bytes) {
            Ok(Self(bytes))
        } else {
            Err(AsinError::Shape {
                input: input.to_owned(),
            })
        }
    }

    /// The ASIN as text (always ten upper-case ASCII characters).
    pub fn as_str(&self) -> &str {
        // The bytes are validated ASCII alphanumerics, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("??????????")
    }

    /// True when this ASIN is a book's ISBN-10.
    pub fn is_isbn(&self) -> bool {
        is_isbn10(&self.0)
    }
}

fn is_isbn10(bytes: &[u8; 10]) -> bool {
    let mut sum = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        let value = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'X' if i == 9 => 10,
            _ => return false,
        };
        sum += value * (10 - i as u32);
    }
    sum.is_multiple_of(11)
}

impl fmt::Display for Asin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Asin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Asin({})", self.as_str())
    }
}

impl FromStr for Asin {
    type Err = AsinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Asin {
    type Error = AsinError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl Serialize for Asin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Asin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_upper_case() {
        assert_eq!(
            Asin::parse(" b0cx59h5w7 ").map(|a| a.to_string()),
            Ok("B0CX59H5W7".into())
        );
    }

    #[test]
    fn accepts_isbn10_with_x_check_digit() {
        assert!(Asin::parse("080442957X").is_ok());
        assert!(Asin::parse("080442957x").is_ok());
    }

    #[test]
    fn rejects_wrong_shapes_with_reasons() {
        assert!(matches!(
            Asin::parse("B0CX59H5W"),
            Err(AsinError::Length { len: 9, .. })
        ));
        assert!(matches!(
            Asin::parse("B0CX59H5W-"),
            Err(AsinError::Character { found: '-', .. })
        ));
        assert!(matches!(
            Asin::parse("A0CX59H5W7"),
            Err(AsinError::Shape { .. })
        ));
        assert!(matches!(
            Asin::parse("0143333624"),
            Err(AsinError::Shape { .. })
        ));
        assert!(matches!(
            Asin::parse("B0CX59H5W७"),
            Err(AsinError::Character { .. })
        ));
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let asin = Asin::parse("B0CX59H5W7").expect("valid");
        let json = serde_json::to_string(&asin).expect("serialise");
        assert_eq!(json, "\"B0CX59H5W7\"");
        assert_eq!(
            serde_json::from_str::<Asin>(&json).expect("deserialise"),
            asin
        );
        assert!(serde_json::from_str::<Asin>("\"nope\"").is_err());
    }
}
