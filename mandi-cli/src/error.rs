//! The CLI's error type. `main` turns it into a one-line message and exit code 2.

use crate::config::ConfigError;

/// Why a command failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration could not be found, read or used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The user's input is not acceptable; the message says why and what is expected.
    #[error("{0}")]
    Input(String),
    /// The product source failed.
    #[error(transparent)]
    Source(#[from] mandi_core::SourceError),
    /// The store failed.
    #[error("price history store: {0}")]
    Store(#[from] mandi_core::StoreError),
    /// Something the command needs could not be started.
    #[error("{what}: {message}")]
    Setup {
        /// What was being started.
        what: &'static str,
        /// Why it failed.
        message: String,
    },
    /// Writing to stdout failed (a closed pipe is not reported as an error).
    #[error("cannot write output")]
    Output(#[source] std::io::Error),
}

impl Error {
    /// True when stdout was closed by the reader (`mandi … | head`): not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Output(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::Output(std::io::Error::from(e))
    }
}

/// Result of a command.
pub type Result<T, E = Error> = std::result::Result<T, E>;
