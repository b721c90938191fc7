//! `mandi`: Amazon price lookups and deal intelligence from the terminal.
//!
//! Exit codes: 0 success, 1 the command ran but found nothing (or the product, family or
//! watch asked about does not exist), 2 error (a one-line reason on stderr). A closed stdout
//! (`mandi … | head`) exits 0.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod app;
mod cli;
mod commands;
mod config;
mod error;
mod output;
mod render;
mod style;
mod telemetry;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::commands::Outcome;
use crate::output::Output;

fn main() -> ExitCode {
    // `--color` is read before parsing so that clap's own help and errors follow it too.
    let early = style::ColorWhen::from_args(std::env::args_os()).unwrap_or_default();
    let clap_color = match early {
        style::ColorWhen::Always => clap::ColorChoice::Always,
        style::ColorWhen::Never => clap::ColorChoice::Never,
        style::ColorWhen::Auto if style::ColorEnv::capture().no_color => clap::ColorChoice::Never,
        style::ColorWhen::Auto => clap::ColorChoice::Auto,
    };
    let matches = Cli::command().color(clap_color).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let stderr_color = style::stderr_enabled(cli.color);
    telemetry::init(cli.verbose, stderr_color);
    // Not `stdout().lock()`: a lock held for the whole command deadlocks any other thread
    // that prints (`mandi serve` delivers alerts to the terminal from a worker thread).
    let mut out = Output::new(cli.json, std::io::stdout());
    let result = commands::run(cli, &mut out).and_then(|outcome| {
        out.flush()?;
        Ok(outcome)
    });
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::NothingFound) => ExitCode::from(1),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let code = if e.is_not_found() { 1 } else { 2 };
            eprintln!(
                "{} {}",
                style::error_prefix("mandi:", stderr_color),
                error::one_line(&e)
            );
            ExitCode::from(code)
        }
    }
}
