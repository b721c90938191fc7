//! The CLI's error type. `main` turns it into a one-line message and exit code 2 (1 when
//! what was asked about does not exist).

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
    /// A lookup failed (source or store).
    #[error(transparent)]
    Catalog(#[from] mandi_core::catalog::CatalogError),
    /// The store failed.
    #[error("price history store: {0}")]
    Store(#[from] mandi_core::StoreError),
    /// Affiliate links, reports or revenue failed.
    #[error(transparent)]
    Affiliate(#[from] mandi_core::affiliate::AffiliateError),
    /// Savings, achievements or leaderboards failed.
    #[error(transparent)]
    Engagement(#[from] mandi_core::engagement::EngagementError),
    /// Something the command needs could not be started.
    #[error("{what}: {message}")]
    Setup {
        /// What was being started.
        what: &'static str,
        /// Why it failed.
        message: String,
    },
    /// What was asked about does not exist (exit 1, like a search that found nothing).
    #[error("{0}")]
    NotFound(String),
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

impl Error {
    /// True when the product, family, watch or history asked about does not exist: exit 1,
    /// as for a search that found nothing, rather than 2 for a failure.
    pub fn is_not_found(&self) -> bool {
        use mandi_core::SourceError;
        use mandi_core::catalog::CatalogError;
        matches!(
            self,
            Self::NotFound(_)
                | Self::Source(SourceError::NotFound { .. })
                | Self::Catalog(CatalogError::Source(SourceError::NotFound { .. }))
        )
    }
}

/// The longest run of characters without a space that an error message shows; a longer one
/// (a pasted 100 KB argument) is cut with `…`.
pub const MAX_WORD_CHARS: usize = 80;

/// An error and its causes as one line: each cause is appended only when the message does not
/// already say it (no "X: X"), line breaks become spaces, and overlong words are cut.
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if !text.is_empty() && !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = e.source();
    }
    message
        .split_whitespace()
        .map(|word| {
            if word.chars().count() > MAX_WORD_CHARS {
                let mut cut: String = word.chars().take(MAX_WORD_CHARS - 1).collect();
                cut.push('…');
                cut
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("inner failure")]
    struct Inner;

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct Repeats(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Adds(#[source] Inner);

    #[test]
    fn causes_are_not_repeated_and_long_words_are_cut() {
        assert_eq!(one_line(&Repeats(Inner)), "outer: inner failure");
        assert_eq!(one_line(&Adds(Inner)), "outer: inner failure");
        let long = format!("bad input {}\nsecond line", "a".repeat(100_000));
        let line = one_line(&Error::Input(long));
        assert!(line.chars().count() < 120, "{line}");
        assert!(line.starts_with("bad input aaa") && line.ends_with("… second line"));
    }

    #[test]
    fn not_found_is_told_apart_from_failures() {
        assert!(Error::NotFound("x".into()).is_not_found());
        let source = mandi_core::SourceError::NotFound {
            code: "ItemNotAccessible".into(),
            message: "gone".into(),
        };
        assert!(Error::Source(source).is_not_found());
        assert!(!Error::Input("x".into()).is_not_found());
    }
}
