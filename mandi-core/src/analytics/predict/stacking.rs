//! The stacking layer's shape: the basis its logistic part reads (the raw features of
//! [`super::predict_with_features`] and some hinges, products and group terms of them) and
//! the shallow regression trees boosted on top of it. The fitted layer itself is data,
//! `stacking.json` next to this file, written by the backtest's fit
//! (`mandi-paapi/tests/backtest.rs`, `fit_stacking_on_training_seeds`).

use serde::{Deserialize, Serialize};

/// Which expansion of the raw features the logistic weights are over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StackBasis {
    /// The raw features as they are ([`super::STACK_FEATURE_NAMES`]).
    #[default]
    Raw,
    /// The raw features, then hinges of the state's logit, of the price against its usual
    /// level, of the block level, of the days to the next sale and of the lightning-deal rate,
    /// the state's logit times some of them, and some features again for the ordinary days (no
    /// sale ahead nor on, a usual price, no deal running) alone ([`wide_basis`]).
    Wide,
}

impl StackBasis {
    /// The basis of some raw features.
    pub fn expand(self, features: &[f64]) -> Option<Vec<f64>> {
        match self {
            Self::Raw => Some(features.to_vec()),
            Self::Wide => wide_basis(features),
        }
    }
}

/// Knots of the hinges `max(0, x - knot)` of the [`StackBasis::Wide`] basis, per raw feature
/// index (chosen by hand around the features' quantiles on the tuning seed).
const HINGES: [(usize, &[f64]); 5] = [
    (18, &[-1.0, 0.0, 1.0, 2.0, 3.0]),
    (22, &[-0.1, -0.05, 0.0, 0.05, 0.1]),
    (19, &[0.02, 0.05, 0.08]),
    (9, &[0.25, 0.5, 1.0]),
    (13, &[0.02, 0.03]),
];
/// Raw features repeated for the ordinary days alone.
const ORDINARY: [usize; 9] = [0, 1, 2, 3, 12, 13, 18, 20, 22];
/// Raw features multiplied by the state's logit.
const TIMES_STATE: [usize; 4] = [9, 13, 20, 23];

/// Whether a prediction's raw features describe an ordinary day: no sale ahead nor on, the
/// current block not raised, no lightning deal running.
pub fn is_ordinary(features: &[f64]) -> bool {
    features.len() > 21
        && features[5] < 0.5
        && features[6] < 0.5
        && features[19] <= 0.03
        && features[21] > -0.03
}

/// The [`StackBasis::Wide`] expansion (`None` when there are too few raw features).
pub fn wide_basis(x: &[f64]) -> Option<Vec<f64>> {
    if x.len() < super::STACK_FEATURE_NAMES.len() {
        return None;
    }
    let mut out = x.to_vec();
    let ordinary = f64::from(u8::from(is_ordinary(x)));
    // The state's hinges come first, then the ordinary days' terms, then the other hinges
    // (the order the weights were fitted in).
    let (state, knots) = HINGES[0];
    out.extend(knots.iter().map(|k| (x[state] - k).max(0.0)));
    out.extend(ORDINARY.iter().map(|&i| ordinary * x[i]));
    for (i, knots) in &HINGES[1..] {
        out.extend(knots.iter().map(|k| (x[*i] - k).max(0.0)));
    }
    out.extend(TIMES_STATE.iter().map(|&i| x[18] * x[i]));
    Some(out)
}

/// One regression tree of the boosted part: split nodes in heap order (node `n`'s children
/// are `2n + 1`, taken when the feature is at or below the threshold, and `2n + 2`) over the
/// raw features, and the leaves' logit increments, left to right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackTree {
    /// `(raw feature index, threshold)` per split node.
    pub splits: Vec<(usize, f64)>,
    /// One logit increment per leaf (one more than the splits).
    pub leaves: Vec<f64>,
}

impl StackTree {
    /// The tree's logit increment for some raw features (`None` when the tree does not fit
    /// them).
    pub fn value(&self, features: &[f64]) -> Option<f64> {
        let mut node = 0;
        while node < self.splits.len() {
            let (feature, threshold) = self.splits[node];
            node = 2 * node
                + if *features.get(feature)? <= threshold {
                    1
                } else {
                    2
                };
        }
        self.leaves.get(node - self.splits.len()).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PredictSettings, STACK_FEATURE_NAMES, Stacking};
    use super::*;

    #[test]
    fn a_tree_walks_to_the_leaf_its_splits_give() {
        // Depth 2: feature 0 at or below 1, then feature 1 at or below 0 (left) or 5 (right).
        let tree = StackTree {
            splits: vec![(0, 1.0), (1, 0.0), (1, 5.0)],
            leaves: vec![-1.0, -0.5, 0.5, 1.0],
        };
        assert_eq!(tree.value(&[1.0, 0.0]), Some(-1.0));
        assert_eq!(tree.value(&[0.0, 0.1]), Some(-0.5));
        assert_eq!(tree.value(&[2.0, 5.0]), Some(0.5));
        assert_eq!(tree.value(&[2.0, 6.0]), Some(1.0));
        // A feature it does not have.
        assert_eq!(tree.value(&[2.0]), None);
    }

    #[test]
    fn the_wide_basis_adds_hinges_group_terms_and_products() {
        let mut x = vec![0.0; STACK_FEATURE_NAMES.len()];
        x[0] = 1.0;
        x[18] = 2.5;
        let wide = wide_basis(&x).unwrap_or_default();
        let hinges: usize = HINGES.iter().map(|(_, k)| k.len()).sum();
        assert_eq!(
            wide.len(),
            x.len() + hinges + ORDINARY.len() + TIMES_STATE.len()
        );
        // The state's hinges at -1, 0, 1, 2, 3.
        assert_eq!(&wide[x.len()..x.len() + 5], &[3.5, 2.5, 1.5, 0.5, 0.0]);
        // An ordinary day (nothing ahead, usual price): its intercept term is on.
        assert!(is_ordinary(&x));
        assert_eq!(wide[x.len() + 5], 1.0);
        x[5] = 1.0;
        assert!(!is_ordinary(&x));
        assert_eq!(wide_basis(&x[..10]), None);
    }

    #[test]
    fn the_committed_layer_parses_and_gives_a_probability() {
        let fitted = Stacking::fitted();
        assert_eq!(fitted.basis, StackBasis::Wide);
        assert!(!fitted.trees.is_empty());
        let mut x = vec![0.0; STACK_FEATURE_NAMES.len()];
        x[0] = 1.0;
        x[18] = 1.0;
        let p = fitted.apply(&x, &PredictSettings::default());
        assert!(p.is_some_and(|p| (0.0..=1.0).contains(&p)), "{p:?}");
        // Another horizon: the layer does not apply.
        let other = PredictSettings {
            horizon_days: 14,
            ..PredictSettings::default()
        };
        assert_eq!(fitted.apply(&x, &other), None);
    }
}
