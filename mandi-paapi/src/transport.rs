//! Shared HTTP plumbing (being written).
