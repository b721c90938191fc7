//! Results of an A/B experiment: a conversion rate per arm and a two-sided two-proportion
//! z-test of each arm against the first (the control), with a verdict that stays "not yet
//! significant" until there is enough data and p is below the significance level.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// The significance level of one experiment (split over its comparisons, Bonferroni).
pub const ALPHA: f64 = 0.05;

/// The fewest trials an arm needs before it is compared.
pub const MIN_TRIALS: u64 = 100;

/// The fewest successes and the fewest failures an arm needs (the normal approximation
/// behind the z-test holds only with about five of each).
pub const MIN_OUTCOMES: u64 = 5;

/// What one arm saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmCounts {
    /// The arm's name.
    pub arm: String,
    /// Trials: links shown (for click-through) or links followed (for orders per click).
    pub trials: u64,
    /// Successes among them: links followed, or clicks that led to an order.
    pub successes: u64,
}

impl ArmCounts {
    /// The conversion rate, `None` without trials.
    pub fn rate(&self) -> Option<f64> {
        (self.trials > 0).then(|| self.successes as f64 / self.trials as f64)
    }

    fn enough(&self) -> bool {
        self.trials >= MIN_TRIALS
            && self.successes >= MIN_OUTCOMES
            && self.trials.saturating_sub(self.successes) >= MIN_OUTCOMES
    }
}

/// A two-sided two-proportion z-test (pooled standard error).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZTest {
    /// `(p_b - p_a) / se`.
    pub z: f64,
    /// `2 * (1 - Φ(|z|))`.
    pub p_value: f64,
}

/// Tests whether two arms' rates differ. `None` when a side has no trials, or when every
/// trial of both succeeded or none did (no variance to test).
pub fn two_proportion_z_test(a: &ArmCounts, b: &ArmCounts) -> Option<ZTest> {
    if a.trials == 0 || b.trials == 0 || a.successes > a.trials || b.successes > b.trials {
        return None;
    }
    let (n1, n2) = (a.trials as f64, b.trials as f64);
    let (x1, x2) = (a.successes as f64, b.successes as f64);
    let pooled = (x1 + x2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 || !se.is_finite() {
        return None;
    }
    let z = (x2 / n2 - x1 / n1) / se;
    let normal = Normal::standard();
    let p_value = (2.0 * (1.0 - normal.cdf(z.abs()))).clamp(0.0, 1.0);
    Some(ZTest { z, p_value })
}

/// What can be said about one arm against the control.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// One of the two arms has fewer than [`MIN_TRIALS`] trials or fewer than
    /// [`MIN_OUTCOMES`] successes or failures.
    NotEnoughData,
    /// Enough data, but p is not below the level yet (or the rates are equal).
    NotYetSignificant {
        /// The test.
        test: Option<ZTest>,
    },
    /// The difference is significant: `better` is the arm with the higher rate.
    Significant {
        /// The test.
        test: ZTest,
        /// The arm that converts better.
        better: String,
    },
}

/// One arm against the control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The control arm.
    pub control: String,
    /// The arm compared with it.
    pub arm: String,
    /// The level this comparison is held to ([`ALPHA`] over the number of comparisons).
    pub alpha: f64,
    /// The verdict.
    pub verdict: Verdict,
}

/// An experiment's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentResults {
    /// The experiment's key.
    pub key: String,
    /// What a trial and a success are (`click_through`, `orders_per_click`).
    pub metric: String,
    /// Every arm's counts, in the experiment's order; the first is the control.
    pub arms: Vec<ArmCounts>,
    /// Each other arm against the control.
    pub comparisons: Vec<Comparison>,
}

impl ExperimentResults {
    /// Compares every arm after the first with the first.
    pub fn evaluate(key: &str, metric: &str, arms: Vec<ArmCounts>) -> Self {
        let mut comparisons = Vec::new();
        if let Some((control, others)) = arms.split_first() {
            let alpha = ALPHA / others.len().max(1) as f64;
            for arm in others {
                let verdict = if !(control.enough() && arm.enough()) {
                    Verdict::NotEnoughData
                } else {
                    match two_proportion_z_test(control, arm) {
                        Some(test) if test.p_value < alpha => Verdict::Significant {
                            test,
                            better: if test.z > 0.0 {
                                arm.arm.clone()
                            } else {
                                control.arm.clone()
                            },
                        },
                        test => Verdict::NotYetSignificant { test },
                    }
                };
                comparisons.push(Comparison {
                    control: control.arm.clone(),
                    arm: arm.arm.clone(),
                    alpha,
                    verdict,
                });
            }
        }
        Self {
            key: key.to_owned(),
            metric: metric.to_owned(),
            arms,
            comparisons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(name: &str, successes: u64, trials: u64) -> ArmCounts {
        ArmCounts {
            arm: name.to_owned(),
            trials,
            successes,
        }
    }

    #[test]
    fn the_test_matches_the_textbook_example() {
        // OpenStax Introductory Statistics, two population proportions (hives medication):
        // 20 of 200 against 12 of 200, pooled 0.08, z = 1.47, p-value 0.1404.
        let t = two_proportion_z_test(&arm("b", 12, 200), &arm("a", 20, 200)).expect("test");
        assert!((t.z - 1.4744).abs() < 1e-4, "{t:?}");
        assert!((t.p_value - 0.1404).abs() < 1e-4, "{t:?}");
        // The sign follows the order; the p-value does not.
        let back = two_proportion_z_test(&arm("a", 20, 200), &arm("b", 12, 200)).expect("t");
        assert!((back.z + t.z).abs() < 1e-12 && (back.p_value - t.p_value).abs() < 1e-12);
    }

    #[test]
    fn the_normal_tail_matches_known_quantiles() {
        // Φ(1.959964) = 0.975: a z of 1.96 is p = 0.05 two-sided; 2.575829 is p = 0.01.
        // Built from counts: 60 of 200 against 40 of 200 has pooled 0.25, se 0.0433013,
        // z = 2.309401, p = 0.020921 (Φ(2.3094) = 0.989539 from the standard table).
        let t = two_proportion_z_test(&arm("a", 40, 200), &arm("b", 60, 200)).expect("t");
        assert!((t.z - 2.309_401).abs() < 1e-6, "{t:?}");
        assert!((t.p_value - 0.020_921).abs() < 1e-5, "{t:?}");
        let normal = Normal::standard();
        assert!((2.0 * (1.0 - normal.cdf(1.959_964)) - 0.05).abs() < 1e-6);
        assert!((2.0 * (1.0 - normal.cdf(2.575_829)) - 0.01).abs() < 1e-6);
    }

    #[test]
    fn degenerate_counts_have_no_test() {
        assert_eq!(
            two_proportion_z_test(&arm("a", 0, 0), &arm("b", 1, 10)),
            None
        );
        assert_eq!(
            two_proportion_z_test(&arm("a", 0, 50), &arm("b", 0, 50)),
            None
        );
        assert_eq!(
            two_proportion_z_test(&arm("a", 50, 50), &arm("b", 9, 9)),
            None
        );
        assert_eq!(
            two_proportion_z_test(&arm("a", 51, 50), &arm("b", 9, 9)),
            None
        );
    }

    #[test]
    fn verdicts_wait_for_data_then_for_significance() {
        // Small arms: not enough data, however different.
        let r = ExperimentResults::evaluate(
            "cards",
            "click_through",
            vec![arm("image", 1, 50), arm("chart", 40, 50)],
        );
        assert_eq!(r.comparisons[0].verdict, Verdict::NotEnoughData);
        // Enough data, p = 0.1404: not yet significant.
        let r = ExperimentResults::evaluate(
            "cards",
            "click_through",
            vec![arm("image", 20, 200), arm("chart", 12, 200)],
        );
        assert!(matches!(
            r.comparisons[0].verdict,
            Verdict::NotYetSignificant { test: Some(_) }
        ));
        // p = 0.0209 < 0.05: significant, the chart card converts better.
        let r = ExperimentResults::evaluate(
            "cards",
            "click_through",
            vec![arm("image", 40, 200), arm("chart", 60, 200)],
        );
        match &r.comparisons[0].verdict {
            Verdict::Significant { better, test } => {
                assert_eq!(better, "chart");
                assert!(test.p_value < 0.05);
            }
            other => panic!("expected significant, got {other:?}"),
        }
        assert_eq!(r.comparisons[0].alpha, 0.05);
    }

    #[test]
    fn several_arms_share_the_level() {
        // Three arms: each comparison is held to 0.05 / 2 = 0.025. 60 of 200 against the
        // control's 40 of 200 (p = 0.0209) counts; 58 of 200 (p = 0.0364) would count
        // alone but not here.
        let r = ExperimentResults::evaluate(
            "buttons",
            "click_through",
            vec![
                arm("Buy now", 40, 200),
                arm("See deal", 60, 200),
                arm("Grab it", 58, 200),
            ],
        );
        assert_eq!(r.comparisons.len(), 2);
        assert!(r.comparisons.iter().all(|c| c.alpha == 0.025));
        assert!(matches!(
            r.comparisons[0].verdict,
            Verdict::Significant { .. }
        ));
        match &r.comparisons[1].verdict {
            Verdict::NotYetSignificant { test: Some(t) } => {
                assert!((t.p_value - 0.036_385).abs() < 1e-5, "{t:?}");
            }
            other => panic!("{other:?}"),
        }
        let alone = ExperimentResults::evaluate(
            "buttons",
            "click_through",
            vec![arm("Buy now", 40, 200), arm("Grab it", 58, 200)],
        );
        assert!(matches!(
            alone.comparisons[0].verdict,
            Verdict::Significant { .. }
        ));
    }
}
