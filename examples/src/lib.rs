//! Runnable examples live beside this file; see `cargo run -p mandi-examples --example …`.
