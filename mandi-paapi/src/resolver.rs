//! Short-link resolver (being written).
