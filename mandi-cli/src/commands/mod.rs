//! One module per noun, each with a clap `Cmd` and a `run`.

pub mod asin;
pub mod config;

use std::path::PathBuf;

use crate::cli::{Cli, Command};
use crate::config::{ConfigLocation, Env, Settings, SourceKind};
use crate::error::Result;
use crate::output::Output;

/// How a command that ran without error ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did what was asked (exit 0).
    Success,
    /// It ran but found nothing (exit 1).
    #[expect(dead_code, reason = "used by the product commands, which land next")]
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
        Command::Asin(cmd) => asin::run(cmd, &ctx, out),
    }
}
