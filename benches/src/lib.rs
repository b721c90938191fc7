//! Seeded corpus generators shared by the criterion benchmarks.
pub mod monitor_sim;
