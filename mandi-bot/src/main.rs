//! `mandi-bot` binary (being built).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(2)
}
