//! Seeded corpus generators shared by the criterion benchmarks.
