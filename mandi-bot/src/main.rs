//! `mandi-bot`: Mandi's reference Telegram front-end.
//!
//! It is not built yet. Until the issue "Telegram bot: the reference front-end" lands, this
//! binary says so and exits with status 2 instead of pretending to run.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::process::ExitCode;

/// What the binary prints: the plain truth about its state.
const NOT_BUILT: &str = "mandi-bot: the Telegram front-end is not built yet (see the issue 'Telegram bot: the reference front-end'); use the `mandi` command meanwhile";

fn main() -> ExitCode {
    eprintln!("{NOT_BUILT}");
    ExitCode::from(2)
}
