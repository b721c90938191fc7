//! Mandi: Amazon price tracking and deal intelligence, amazon.in first.
//!
//! `mandi-core` is the embeddable library. It holds the domain types ([`Asin`], [`Money`],
//! [`Product`], [`Watch`]…), the **ports** the engines depend on ([`ProductSource`],
//! [`Store`], [`Notifier`], [`Scorer`], [`Clock`]) and the engines themselves.
//!
//! # The main design decision: ports and adapters
//!
//! Nothing in this crate talks to Amazon, Telegram or a particular database directly.
//! Engines take `Arc<dyn Port>` values chosen by the binary at run time, and every adapter of
//! a port runs the same contract-test suite (feature `test-util`). So the SQLite store and a
//! future Postgres store are interchangeable, and a simulation can swap the system clock for
//! a [`ManualClock`] to run a year of prices in seconds.
//!
//! Money is always integer minor units with a currency ([`Money`]); times are UTC
//! (`chrono`) and shown in IST where a person reads them; an unknown price or stock level is
//! a state of its own ([`Availability::Unknown`], `Option<Money>`), never zero.
//!
//! # Examples
//!
//! ```
//! use mandi_core::{Asin, Currency, Money};
//! let asin: Asin = "B0CX59H5W7".parse()?;
//! let price = Money::parse("₹54,999", Currency::INR)?;
//! assert_eq!(price.to_string(), "₹54,999");
//! # let _ = asin;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "affiliate")]
#[cfg_attr(docsrs, doc(cfg(feature = "affiliate")))]
pub mod affiliate;
pub mod alerts;
pub mod analytics;
#[cfg(feature = "api")]
pub mod api;
pub mod cache;
pub mod catalog;
#[cfg(feature = "charts")]
#[cfg_attr(docsrs, doc(cfg(feature = "charts")))]
pub mod charts;
pub mod community;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod contract;
pub mod crossborder;
pub mod digest;
pub mod digest_intel;
pub mod discovery;
pub mod domain;
pub mod engagement;
pub mod fx;
pub mod insights;
pub mod links;
pub mod market;
pub mod monitor;
pub mod ports;
pub mod quality;
pub mod recommend;
#[cfg(feature = "redis")]
pub mod redis_conn;
pub mod store;
pub mod telemetry;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_support;
pub mod users;
pub mod watches;

pub use domain::*;
pub use ports::*;
