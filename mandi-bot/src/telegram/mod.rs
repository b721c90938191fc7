//! A small typed client of the Telegram Bot API on `reqwest` (no framework): the methods the
//! bot uses, the JSON shapes they speak, typed errors, long polling and a webhook receiver.

mod client;
mod error;
pub mod types;
mod updates;

pub use client::{
    BotClient, BotClientBuilder, DEFAULT_BASE_URL, InputFile, RawUpdate, SendOptions, TgResult,
    decode,
};
pub use error::TelegramError;
pub use updates::{Backoff, Poller, SECRET_HEADER, webhook_router};
