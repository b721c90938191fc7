//! One module per noun, each with a clap `Cmd` and a `run`.

pub mod chart;
pub mod config;
pub mod history;
pub mod insights;
pub mod lookup;
pub mod nodes;
pub mod search;
pub mod variations;

use std::path::PathBuf;

use crate::cli::{Cli, Command};
use crate::config::{ConfigLocation, Env, Settings, SourceKind};
use crate::error::{Error, Result};
use crate::output::Output;
use mandi_core::{Asin, Marketplace};

/// How a command that ran without error ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did what was asked (exit 0).
    Success,
    /// It ran but found nothing (exit 1).
    NothingFound,
}

/// What every command may need: the global options and the environment.
#[derive(Debug)]
pub struct Context {
    /// `--config`.
    pub config_flag: Option<PathBuf>,
    /// `--source`.
    pub source_flag: Option<SourceKind>,
    /// The environment captured at start-up.
    pub env: Env,
}

impl Context {
    /// The configuration file in use.
    ///
    /// # Errors
    ///
    /// No configuration directory can be found.
    pub fn location(&self) -> Result<ConfigLocation> {
        Ok(crate::config::locate(
            self.config_flag.as_deref(),
            &self.env,
        )?)
    }

    /// The settings in effect (file, then environment, then `--source`).
    ///
    /// # Errors
    ///
    /// The configuration is unreadable or invalid.
    pub fn settings(&self) -> Result<Settings> {
        let mut settings = crate::config::load(&self.location()?, &self.env)?;
        if let Some(source) = self.source_flag {
            settings.general.source = Some(source);
        }
        Ok(settings)
    }
}

/// Runs the command the user asked for.
///
/// # Errors
///
/// Whatever the command reports; `main` prints it and exits 2.
pub fn run(cli: Cli, out: &mut Output<'_>) -> Result<Outcome> {
    let ctx = Context {
        config_flag: cli.config,
        source_flag: cli.source,
        env: Env::capture(),
    };
    match cli.command {
        Command::Config(cmd) => config::run(cmd, &ctx, out),
        Command::Lookup(cmd) => lookup::run(cmd, &ctx, out),
        Command::Search(cmd) => search::run(cmd, &ctx, out),
        Command::Variations(cmd) => variations::run(cmd, &ctx, out),
        Command::Nodes(cmd) => nodes::run(cmd, &ctx, out),
        Command::History(cmd) => history::run(cmd, &ctx, out),
        Command::Chart(cmd) => chart::run(cmd, &ctx, out),
        Command::Insights(cmd) => insights::run(cmd, &ctx, out),
    }
}

/// Reads what a user typed as products: ASINs, links, or whole pasted messages. A link names
/// its marketplace; a bare ASIN is in `default_marketplace`.
///
/// # Errors
///
/// [`Error::Input`] naming the first input that holds no product.
pub fn product_inputs(
    inputs: &[String],
    default_marketplace: Marketplace,
) -> Result<Vec<(Marketplace, Asin)>> {
    inputs
        .iter()
        .map(|text| {
            Asin::parse(text.trim())
                .map(|asin| (default_marketplace, asin))
                .map_err(|e| Error::Input(format!("{text:?}: {e}")))
        })
        .collect()
}
