//! Integration tests of mandi-bot against the fake Telegram Bot API on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod binary;
mod client;
mod community;
mod conversation;
mod discovery;
mod engagement;
mod notifier;
#[allow(dead_code)]
mod support;
mod telegram_user;
