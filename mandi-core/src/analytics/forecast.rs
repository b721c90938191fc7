//! Scoring probability forecasts against what happened: Brier score, skill against a
//! baseline, calibration by decile, and the confusion counts of a yes/no advice.

use serde::{Deserialize, Serialize};

/// One decile of a calibration table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge of the predicted probability (inclusive).
    pub from: f64,
    /// Upper edge (exclusive; the last bin includes 1).
    pub to: f64,
    /// Forecasts in the bin.
    pub count: u64,
    /// Mean predicted probability in the bin.
    pub mean_predicted: Option<f64>,
    /// Share of those forecasts whose event happened.
    pub observed: Option<f64>,
}

/// Accumulates probability forecasts and their outcomes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForecastTally {
    count: u64,
    events: u64,
    squared_error: f64,
    bins: [(u64, f64, u64); 10],
}

impl ForecastTally {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one forecast (clamped into 0–1) and whether its event happened.
    ///
    /// ```
    /// use mandi_core::analytics::forecast::ForecastTally;
    /// let mut t = ForecastTally::new();
    /// t.add(0.8, true);
    /// t.add(0.2, false);
    /// assert!((t.brier().unwrap() - 0.04).abs() < 1e-12);
    /// ```
    pub fn add(&mut self, probability: f64, happened: bool) {
        let p = if probability.is_finite() {
            probability.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let y = if happened { 1.0 } else { 0.0 };
        self.count += 1;
        self.events += u64::from(happened);
        self.squared_error += (p - y) * (p - y);
        let bin = ((p * 10.0).floor() as usize).min(9);
        self.bins[bin].0 += 1;
        self.bins[bin].1 += p;
        self.bins[bin].2 += u64::from(happened);
    }

    /// Forecasts counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Share of forecasts whose event happened.
    pub fn base_rate(&self) -> Option<f64> {
        (self.count > 0).then(|| self.events as f64 / self.count as f64)
    }

    /// Mean squared error of the probabilities (0 is perfect).
    pub fn brier(&self) -> Option<f64> {
        (self.count > 0).then(|| self.squared_error / self.count as f64)
    }

    /// The calibration table, by decile of predicted probability.
    pub fn calibration(&self) -> Vec<CalibrationBin> {
        self.bins
            .iter()
            .enumerate()
            .map(|(i, (n, sum, hits))| CalibrationBin {
                from: i as f64 / 10.0,
                to: (i + 1) as f64 / 10.0,
                count: *n,
                mean_predicted: (*n > 0).then(|| sum / *n as f64),
                observed: (*n > 0).then(|| *hits as f64 / *n as f64),
            })
            .collect()
    }
}

/// Brier skill score of a forecast against a baseline: `1 − brier / baseline` (1 is perfect,
/// 0 no better than the baseline).
pub fn skill(brier: f64, baseline: f64) -> Option<f64> {
    (baseline > 0.0).then(|| 1.0 - brier / baseline)
}

/// Confusion counts of a yes/no advice against what happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdviceTally {
    /// Advised and it happened.
    pub true_positive: u64,
    /// Advised, did not happen.
    pub false_positive: u64,
    /// Not advised, happened.
    pub false_negative: u64,
    /// Neither.
    pub true_negative: u64,
}

impl AdviceTally {
    /// Counts one advice.
    pub fn add(&mut self, advised: bool, happened: bool) {
        match (advised, happened) {
            (true, true) => self.true_positive += 1,
            (true, false) => self.false_positive += 1,
            (false, true) => self.false_negative += 1,
            (false, false) => self.true_negative += 1,
        }
    }

    /// TP / (TP + FP); `None` when never advised.
    pub fn precision(&self) -> Option<f64> {
        let d = self.true_positive + self.false_positive;
        (d > 0).then(|| self.true_positive as f64 / d as f64)
    }

    /// TP / (TP + FN); `None` when it never happened.
    pub fn recall(&self) -> Option<f64> {
        let d = self.true_positive + self.false_negative;
        (d > 0).then(|| self.true_positive as f64 / d as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_forecasts_score_zero_and_fill_the_end_bins() {
        let mut t = ForecastTally::new();
        t.add(1.0, true);
        t.add(0.0, false);
        assert_eq!(t.brier(), Some(0.0));
        let cal = t.calibration();
        assert_eq!(cal[9].count, 1);
        assert_eq!(cal[0].count, 1);
        assert_eq!(cal[9].observed, Some(1.0));
        assert_eq!(skill(0.1, 0.2), Some(0.5));
    }

    #[test]
    fn advice_precision_and_recall() {
        let mut a = AdviceTally::default();
        a.add(true, true);
        a.add(true, false);
        a.add(false, true);
        a.add(false, false);
        assert_eq!(a.precision(), Some(0.5));
        assert_eq!(a.recall(), Some(0.5));
    }
}
