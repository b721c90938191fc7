//! A/B experiments: named arms, and a deterministic assignment of each user to one arm by
//! the SHA-256 of the experiment key and the user id (no state, no storage: the same user
//! always sees the same arm, on every process).

use sha2::{Digest, Sha256};

use super::AffiliateError;
use crate::domain::{LinkFormat, UserId};

/// The most arms an experiment may have.
pub const MAX_ARMS: usize = 8;

/// An experiment: a stable key and two or more named arms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Experiment {
    key: String,
    arms: Vec<String>,
}

impl Experiment {
    /// An experiment named `key` with these arms.
    ///
    /// # Errors
    ///
    /// [`AffiliateError::InvalidExperiment`] for an empty key, fewer than two or more than
    /// [`MAX_ARMS`] arms, an empty or repeated arm name, or a name longer than 64
    /// characters or with control characters (arm names are stored as card variants).
    pub fn new<S: Into<String>>(
        key: impl Into<String>,
        arms: impl IntoIterator<Item = S>,
    ) -> Result<Self, AffiliateError> {
        let key = key.into();
        let arms: Vec<String> = arms.into_iter().map(Into::into).collect();
        let invalid = |reason: String| AffiliateError::InvalidExperiment {
            key: key.clone(),
            reason,
        };
        if key.trim().is_empty() {
            return Err(invalid("the key is empty".to_owned()));
        }
        if !(2..=MAX_ARMS).contains(&arms.len()) {
            return Err(invalid(format!(
                "an experiment needs 2 to {MAX_ARMS} arms, not {}",
                arms.len()
            )));
        }
        for (i, arm) in arms.iter().enumerate() {
            if arm.trim().is_empty()
                || arm.chars().count() > crate::domain::MAX_VARIANT_CHARS
                || arm.chars().any(char::is_control)
            {
                return Err(invalid(format!(
                    "arm {arm:?} must be 1 to 64 characters without control characters"
                )));
            }
            if arms[..i].contains(arm) {
                return Err(invalid(format!("arm {arm:?} is named twice")));
            }
        }
        Ok(Self { key, arms })
    }

    /// The link-format experiment: `/dp/` against `/gp/product/` links.
    pub fn link_formats(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            arms: LinkFormat::ALL
                .iter()
                .map(|f| f.as_str().to_owned())
                .collect(),
        }
    }

    /// The experiment's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The arms, in the order given.
    pub fn arms(&self) -> &[String] {
        &self.arms
    }

    /// The index of the arm `user` is in: the first eight bytes of
    /// `SHA-256("<key>:<user id>")`, big-endian, modulo the number of arms. The same
    /// experiment and user always give the same arm; different experiments split users
    /// independently.
    pub fn assign(&self, user: UserId) -> usize {
        let digest = Sha256::digest(format!("{}:{}", self.key, user.0).as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        // The modulo bias is below 2^-60 for up to eight arms.
        (u64::from_be_bytes(first) % self.arms.len() as u64) as usize
    }

    /// The name of the arm `user` is in.
    pub fn arm_of(&self, user: UserId) -> &str {
        &self.arms[self.assign(user)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_is_stable_across_instances() {
        let a = Experiment::new("button-2026-12", ["Buy now", "See deal", "Grab it"]).expect("a");
        let b = Experiment::new("button-2026-12", ["Buy now", "See deal", "Grab it"]).expect("b");
        for id in 0..2_000 {
            assert_eq!(a.assign(UserId(id)), b.assign(UserId(id)));
            assert_eq!(a.assign(UserId(id)), a.assign(UserId(id)));
        }
    }

    #[test]
    fn assignment_matches_the_documented_hash() {
        // `printf 'links:7' | sha256sum` starts 593682960ba41b61…: odd, so arm 1 of 2;
        // and 0x593682960ba41b61 % 3 = 2 (arm 2 of 3).
        let e = Experiment::link_formats("links");
        assert_eq!(e.assign(UserId(7)), 1);
        assert_eq!(e.arm_of(UserId(7)), "gp_product");
        let three = Experiment::new("links", ["a", "b", "c"]).expect("three arms");
        assert_eq!(three.assign(UserId(7)), 2);
    }

    #[test]
    fn assignment_is_balanced() {
        // 20,000 users over 2, 3 and 5 arms: every arm within 4 standard deviations of
        // its share (binomial), and a chi-square below the 0.999 quantile.
        for arms in [2usize, 3, 5] {
            let names: Vec<String> = (0..arms).map(|i| format!("arm{i}")).collect();
            let e = Experiment::new(format!("balance-{arms}"), names).expect("experiment");
            let n = 20_000.0;
            let mut counts = vec![0f64; arms];
            for id in 1..=20_000 {
                counts[e.assign(UserId(id))] += 1.0;
            }
            let p = 1.0 / arms as f64;
            let expected = n * p;
            let sd = (n * p * (1.0 - p)).sqrt();
            let mut chi2 = 0.0;
            for c in &counts {
                assert!((c - expected).abs() < 4.0 * sd, "{arms} arms: {counts:?}");
                chi2 += (c - expected).powi(2) / expected;
            }
            // 0.999 quantiles of chi-square with 1, 2 and 4 degrees of freedom.
            let limit = match arms {
                2 => 10.828,
                3 => 13.816,
                _ => 18.467,
            };
            assert!(chi2 < limit, "{arms} arms: chi2 {chi2}");
        }
    }

    #[test]
    fn experiments_split_users_independently() {
        // Arms of two experiments are not correlated: each of the four combinations gets
        // about a quarter of the users.
        let a = Experiment::link_formats("links-a");
        let b = Experiment::link_formats("links-b");
        let mut cells = [0u32; 4];
        for id in 1..=8_000 {
            cells[a.assign(UserId(id)) * 2 + b.assign(UserId(id))] += 1;
        }
        for c in cells {
            assert!((1_820..=2_180).contains(&c), "{cells:?}");
        }
    }

    #[test]
    fn bad_experiments_are_refused() {
        for (key, arms) in [
            ("", vec!["a", "b"]),
            ("k", vec!["a"]),
            ("k", vec!["a", "a"]),
            ("k", vec!["a", ""]),
            ("k", vec!["a", "b\nc"]),
            ("k", vec!["a", "b", "c", "d", "e", "f", "g", "h", "i"]),
        ] {
            assert!(
                matches!(
                    Experiment::new(key, arms.clone()),
                    Err(AffiliateError::InvalidExperiment { .. })
                ),
                "{key:?} {arms:?}"
            );
        }
    }
}
