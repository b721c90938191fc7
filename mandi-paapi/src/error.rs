//! Errors of this crate: building and configuring the API clients.
//!
//! Errors of the calls themselves are [`mandi_core::SourceError`], the port's error type, so
//! callers handle every catalogue alike.

/// What went wrong while configuring a client.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A required setting was not given.
    #[error("{what} is required: set it on the builder (or in the config file / environment)")]
    Missing {
        /// The missing setting (`credential id`, `associate tag`…).
        what: &'static str,
    },
    /// A setting has a value that cannot be used.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// The setting.
        what: &'static str,
        /// Why it cannot be used.
        reason: String,
    },
    /// The Creators API credential version is not one this client knows how to use.
    #[error(
        "unsupported Creators API credential version {0:?}: use 2.1, 2.2 or 2.3 (Cognito) or 3.1, 3.2 or 3.3 (Login with Amazon)"
    )]
    UnsupportedCredentialVersion(String),
    /// The HTTP client could not be built (TLS backend failed to start).
    #[error("could not build the HTTP client")]
    HttpClient(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// This crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do() {
        let e = Error::Missing {
            what: "associate tag",
        };
        assert!(e.to_string().contains("associate tag is required"));
        let e = Error::UnsupportedCredentialVersion("9.9".into());
        assert!(e.to_string().contains("2.1, 2.2 or 2.3"));
    }
}
