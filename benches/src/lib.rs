//! Seeded corpus generators shared by the criterion benchmarks.

pub mod alerts;
pub mod calibration;
pub mod links;
pub mod monitor_sim;
