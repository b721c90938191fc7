//! Typed errors of the Bot API client. No message ever holds the bot token (request URLs are
//! stripped from transport errors).

use std::time::Duration;

/// Errors of [`BotClient`](super::BotClient) calls.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelegramError {
    /// Flood control (HTTP 429): wait `retry_after` before sending again.
    #[error("Telegram flood control on {method}: retry after {retry_after:?} ({description})")]
    RateLimited {
        /// The method called.
        method: String,
        /// How long Telegram asked us to wait.
        retry_after: Duration,
        /// Telegram's description.
        description: String,
    },
    /// HTTP 403: the user blocked the bot, or the bot was removed from the chat.
    #[error("Telegram refused {method} for this chat (403): {description}")]
    Forbidden {
        /// The method called.
        method: String,
        /// Telegram's description (`Forbidden: bot was blocked by the user`).
        description: String,
    },
    /// HTTP 400 with `migrate_to_chat_id`: the group became a supergroup; resend to the new id.
    #[error("the group chat moved to supergroup {new_chat_id}; send to the new id")]
    ChatMigrated {
        /// The method called.
        method: String,
        /// The supergroup's id.
        new_chat_id: i64,
    },
    /// HTTP 401/404: the token is wrong or revoked.
    #[error(
        "Telegram rejected the bot token ({code}: {description}); check TELEGRAM_BOT_TOKEN or the config"
    )]
    Unauthorized {
        /// The error code.
        code: i64,
        /// Telegram's description.
        description: String,
    },
    /// Any other `{ok:false}` answer.
    #[error("Telegram answered {method} with error {code}: {description}")]
    Api {
        /// The method called.
        method: String,
        /// The error code (mirrors the HTTP status).
        code: i64,
        /// Telegram's description.
        description: String,
    },
    /// The request timed out.
    #[error("Telegram did not answer {method} in time")]
    Timeout {
        /// The method called.
        method: String,
    },
    /// The network failed before an answer arrived.
    #[error("could not reach Telegram for {method}: {message}")]
    Network {
        /// The method called.
        method: String,
        /// What failed (without the URL, which holds the token).
        message: String,
    },
    /// The answer could not be understood.
    #[error("Telegram's answer to {method} could not be read at {path}: {message}")]
    Decode {
        /// The method called.
        method: String,
        /// The JSON path where decoding failed (`body` for non-JSON).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The request could not be built (a value that cannot be sent).
    #[error("could not build the {method} request: {message}")]
    Request {
        /// The method.
        method: String,
        /// What was wrong.
        message: String,
    },
}

impl TelegramError {
    /// True when the same request may succeed later (flood control, network, 5xx).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Timeout { .. } | Self::Network { .. } => true,
            Self::Api { code, .. } => *code >= 500,
            _ => false,
        }
    }

    /// The wait Telegram asked for, if this is flood control.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}
