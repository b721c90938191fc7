//! `mandi-bot`: Mandi's reference Telegram front-end, as a library and the `mandi-bot` binary.
//!
//! # The main design decision: a thin composition of the library
//!
//! The bot holds no business logic. Lookups, search and history reports come from
//! `mandi_core::catalog::CatalogService`; users and watches from the `Store` port; alerts are
//! delivered by [`notifier::TelegramNotifier`], an adapter of the `Notifier` port. What is here
//! is Telegram itself: a small typed Bot API client ([`telegram`]), the throttled notifier, the
//! conversation ([`bot`]) and, with feature `test-util`, a fake Bot API server on loopback
//! ([`fake`]) that enforces Telegram's rate limits so tests can prove the bot keeps to them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bot;
pub mod config;
#[cfg(feature = "test-util")]
pub mod fake;
pub mod i18n;
pub mod links_local;
pub mod notifier;
pub mod telegram;
pub mod text;
