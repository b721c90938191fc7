//! Errors of this crate (being written).
