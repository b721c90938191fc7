//! Integration tests of the `mandi` binary: one test binary, one module per command.
//!
//! Every test runs the built binary in a fresh temporary directory that holds its own
//! `MANDI_CONFIG_DIR`, database and home directory, with the rest of the environment
//! cleared, so nothing on the machine running the tests is read or written.

#[macro_use]
mod macros;
mod util;

mod asin;
mod backtest;
mod cli;
mod competition;
mod config;
mod demo;
mod discovery;
mod markets;
mod migrate;
mod ops;
mod products;
mod release;
mod revenue;
mod serve;
mod watch;
