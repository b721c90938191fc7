//! Notifier adapters: terminal, JSON-lines file and (feature `webhook`) HTTP webhook.
//!
//! Each one is also a receiver that drops repeats: it remembers the idempotency keys it
//! delivered (the terminal for the life of the process, the JSON-lines file across reopens, the
//! webhook by sending the key in the `Idempotency-Key` header for the receiving server to use).

mod jsonl;
mod terminal;
#[cfg(feature = "webhook")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhook")))]
mod webhook;

pub use jsonl::{JsonLinesNotifier, JsonLinesRecord};
pub use terminal::TerminalNotifier;
#[cfg(feature = "webhook")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhook")))]
pub use webhook::{IDEMPOTENCY_HEADER, SIGNATURE_HEADER, WebhookNotifier, sign_body};
