//! Affiliate links (issue 21): every Buy link is a short `/r/<token>` redirect that records
//! the click and then sends the user to the Amazon product page with the right associate
//! tag, in the link format of the user's A/B arm.
//!
//! - [`RedirectToken`]: 144 random bits, URL-safe, carrying nothing about the user or the
//!   product; the store keeps only its SHA-256.
//! - [`Experiment`]: deterministic A/B assignment by SHA-256 of the experiment key and the
//!   user id.
//! - [`stats`]: results per arm with a two-proportion z-test (`statrs`), "not yet
//!   significant" until there is enough data and p < 0.05.
//! - [`reports`]: the Associates orders and earnings reports, parsed into typed rows;
//!   [`AffiliateService::import_report`] attributes them to clicks and stores them once.
//! - [`revenue`]: the funnel search → card → click → order, revenue by category, top
//!   products and user value (`mandi revenue`).
//! - [`AffiliateService`]: makes Buy links ([`AffiliateService::buy_link`]) and follows them
//!   ([`AffiliateService::follow`]). Front-ends (the server's `/r/<token>` route, the bot's
//!   cards) only call it.

mod experiments;
pub mod reports;
pub mod revenue;
pub mod stats;
mod token;
mod tracking;

pub use experiments::{Experiment, MAX_ARMS};
pub use token::{RedirectToken, TOKEN_CHARS};
pub use tracking::{AffiliateConfig, AffiliateService, BuyLink, ImportSummary, Redirect};

use crate::ports::store::StoreError;

/// What can go wrong with affiliate links. No message ever contains a redirect token.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AffiliateError {
    /// The token in a `/r/<token>` link is not one Mandi makes (wrong length or
    /// characters); the link was mistyped or cut short.
    #[error(
        "this link is malformed: a Mandi redirect link ends in {TOKEN_CHARS} letters, digits, \
         '-' or '_'; copy the whole link again"
    )]
    MalformedToken,
    /// The token is well formed but no link was made with it.
    #[error("this link is unknown: it was not made by this Mandi, or its data was removed")]
    UnknownToken,
    /// An experiment's definition is unusable.
    #[error("experiment {key:?} is invalid: {reason}")]
    InvalidExperiment {
        /// The experiment's key.
        key: String,
        /// Why.
        reason: String,
    },
    /// The configuration is unusable.
    #[error("affiliate configuration is invalid: {0}")]
    InvalidConfig(String),
    /// A sum of money does not fit (or mixes currencies).
    #[error("revenue arithmetic failed: {0}")]
    Arithmetic(String),
    /// An Associates report could not be read (nothing was imported).
    #[error(transparent)]
    Report(#[from] reports::ReportError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
