//! `mandi`: Amazon price lookups and deal intelligence from the terminal.
//!
//! Exit codes: 0 success, 1 the command ran but found nothing, 2 error (a one-line reason on
//! stderr). A closed stdout (`mandi … | head`) exits 0.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod app;
mod cli;
mod commands;
mod config;
mod error;
mod output;
mod render;
mod telemetry;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::commands::Outcome;
use crate::output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.verbose);
    let stdout = std::io::stdout();
    let mut out = Output::new(cli.json, stdout.lock());
    let result = commands::run(cli, &mut out).and_then(|outcome| {
        out.flush()?;
        Ok(outcome)
    });
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::NothingFound) => ExitCode::from(1),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let e = anyhow::Error::new(e);
            eprintln!("mandi: {e:#}");
            ExitCode::from(2)
        }
    }
}
