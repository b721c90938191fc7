//! Alerts printed to a terminal (or any writer).

use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::ports::notifier::{Notification, Notifier, NotifyError};

/// Writes one line per alert to a writer (stdout by default): the time in the user's time zone
/// (IST by default), the rule's headline ([`crate::AlertHeadline`]) and the message. Repeats of an idempotency key are dropped for the life of
/// the notifier.
///
/// # Examples
///
/// ```
/// use mandi_core::alerts::notify::TerminalNotifier;
/// let notifier = TerminalNotifier::new(Vec::<u8>::new());
/// # let _ = notifier;
/// ```
pub struct TerminalNotifier<W: Write + Send = std::io::Stdout> {
    inner: Mutex<(W, HashSet<String>)>,
}

impl<W: Write + Send> fmt::Debug for TerminalNotifier<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TerminalNotifier").finish_non_exhaustive()
    }
}

impl TerminalNotifier<std::io::Stdout> {
    /// A notifier printing to standard output.
    pub fn stdout() -> Self {
        Self::new(std::io::stdout())
    }
}

impl<W: Write + Send> TerminalNotifier<W> {
    /// A notifier writing to `out`.
    pub fn new(out: W) -> Self {
        Self {
            inner: Mutex::new((out, HashSet::new())),
        }
    }

    /// The writer back (e.g. a `Vec<u8>` in tests).
    pub fn into_inner(self) -> W {
        match self.inner.into_inner() {
            Ok((w, _)) => w,
            Err(poisoned) => poisoned.into_inner().0,
        }
    }
}

#[async_trait]
impl<W: Write + Send> Notifier for TerminalNotifier<W> {
    fn channel(&self) -> &str {
        "terminal"
    }

    async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
        let mut guard = self.inner.lock().map_err(|_| NotifyError::Transient {
            channel: "terminal".to_owned(),
            reason: "the terminal writer is unusable after a panic".to_owned(),
        })?;
        let (out, seen) = &mut *guard;
        if seen.contains(&n.idempotency_key) {
            return Ok(());
        }
        let local = n.alert.triggered_at.with_timezone(&n.user.settings.tz());
        // The headline of the rule (the same one the bot shows), then the engine's line.
        writeln!(
            out,
            "[{}] {}: {}",
            local.format("%Y-%m-%d %H:%M %Z"),
            n.alert.headline(),
            n.alert.message
        )
        .and_then(|()| out.flush())
        .map_err(|e| NotifyError::Transient {
            channel: "terminal".to_owned(),
            reason: format!("cannot write to the terminal: {e}"),
        })?;
        seen.insert(n.idempotency_key.clone());
        Ok(())
    }
}
