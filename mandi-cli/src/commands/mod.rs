//! One module per noun, each with a clap `Cmd` and a `run`.

pub mod asin;
pub mod ask;
pub mod backtest;
pub mod categories;
pub mod chart;
pub mod community;
pub mod compare_markets;
pub mod completions;
pub mod config;
pub mod deals;
pub mod demo;
pub mod history;
pub mod insights;
pub mod lookup;
pub mod migrate;
pub mod monitor;
pub mod nodes;
pub mod predict;
pub mod quality;
pub mod recommend;
pub mod report;
pub mod revenue;
pub mod sandbox;
pub mod search;
pub mod serve;
pub mod similar;
pub mod variations;
pub mod watch;
pub mod watch_builder;

use std::path::PathBuf;

use crate::cli::{Cli, Command};
use crate::config::{ConfigLocation, Env, Settings, SourceKind};
use crate::error::{Error, Result};
use crate::output::Output;
use mandi_core::links::{AssociateTag, LinkError, parse_product_input};
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
    /// `--color`: whether progress lines and colour may be written to a terminal.
    pub color: crate::style::ColorWhen,
}

impl Context {
    /// True when live progress (a line redrawn in place) may go to stderr: it is a terminal,
    /// `--color` allows escape codes, and stdout is not JSON.
    pub fn live_progress(&self, out: &Output<'_>) -> bool {
        !out.is_json() && crate::style::stderr_enabled(self.color)
    }
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
        color: cli.color,
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
        Command::Sandbox(cmd) => sandbox::run(cmd, &ctx, out),
        Command::Demo(cmd) => demo::run(cmd, &ctx, out),
        Command::Watch(cmd) => watch::run(cmd, &ctx, out),
        Command::Monitor(cmd) => monitor::run(cmd, &ctx, out),
        Command::Status(cmd) => monitor::run_status(cmd, &ctx, out),
        Command::Alerts(cmd) => watch::run_alerts(cmd, &ctx, out),
        Command::Export(cmd) => watch::run_export(cmd, &ctx, out),
        Command::Import(cmd) => watch::run_import(cmd, &ctx, out),
        Command::Asin(cmd) => asin::run(cmd, &ctx, out),
        Command::Ask(cmd) => ask::run(cmd, &ctx, out),
        Command::Similar(cmd) => similar::run(cmd, &ctx, out),
        Command::Categories(cmd) => categories::run(cmd, &ctx, out),
        Command::Backtest(cmd) => backtest::run(cmd, &ctx, out),
        Command::Predict(cmd) => predict::run(cmd, &ctx, out),
        Command::Completions(cmd) => completions::run(cmd, out),
        Command::Man(cmd) => completions::run_man(cmd, out),
        Command::Serve(cmd) => serve::run(cmd, &ctx, out),
        Command::Keys(cmd) => serve::run_keys(cmd, &ctx, out),
        Command::Deals(cmd) => deals::run_deals(cmd, &ctx, out),
        Command::Stats(cmd) => deals::run_stats(cmd, &ctx, out),
        Command::Migrate(cmd) => migrate::run(cmd, &ctx, out),
        Command::Report(cmd) => report::run(cmd, &ctx, out),
        Command::Recommend(cmd) => recommend::run(cmd, &ctx, out),
        Command::Quality(cmd) => quality::run(cmd, &ctx, out),
        Command::Revenue(cmd) => revenue::run(cmd, &ctx, out),
        Command::Community(cmd) => community::run(cmd, &ctx, out),
        Command::CompareMarkets(cmd) => compare_markets::run(cmd, &ctx, out),
    }
}

/// Reads what a user typed as products: ASINs, links, or whole pasted messages. A link names
/// its marketplace; a bare ASIN is in `default_marketplace`; a short link (amzn.in…) is
/// expanded over the network.
///
/// # Errors
///
/// [`Error::Input`] naming the first input that holds no product, and why.
pub fn product_inputs(
    ctx: &Context,
    inputs: &[String],
    default_marketplace: Marketplace,
) -> Result<Vec<(Marketplace, Asin)>> {
    inputs
        .iter()
        .map(|text| {
            let product = match parse_product_input(text, default_marketplace) {
                Ok(p) => p,
                Err(LinkError::ShortLink { .. }) => {
                    asin::expand(text, default_marketplace, false, ctx)?
                }
                Err(e) => return Err(Error::Input(input_error(text, &e.to_string()))),
            };
            Ok((product.marketplace, product.asin))
        })
        .collect()
}

/// The message for an input that holds no product: the error as it is when it already quotes
/// the input, else prefixed with the input (quoted, and cut to 60 characters).
pub fn input_error(text: &str, error: &str) -> String {
    let head: String = text.trim().chars().take(20).collect();
    if !head.is_empty() && error.contains(&head) {
        error.to_owned()
    } else {
        format!("{:?}: {error}", crate::render::truncate(text.trim(), 60))
    }
}

/// The Buy-link redirect the settings describe (`[server] public_url` and
/// `general.associate_tag`); `None` when no public URL is set.
///
/// # Errors
///
/// [`Error::Setup`] when the URL or the tag is unusable.
pub fn affiliate_config(
    settings: &Settings,
) -> Result<Option<mandi_core::affiliate::AffiliateConfig>> {
    mandi_core::affiliate::AffiliateConfig::from_settings(
        settings.server.public_url.as_deref(),
        settings.general.marketplace,
        settings.general.associate_tag.as_deref(),
    )
    .map_err(|e| Error::Setup {
        what: "server.public_url",
        message: e.to_string(),
    })
}

/// The configured associate tag, checked.
///
/// # Errors
///
/// [`Error::Setup`] when `general.associate_tag` does not look like an Associates tag.
pub fn associate_tag(settings: &Settings) -> Result<Option<AssociateTag>> {
    settings
        .general
        .associate_tag
        .as_deref()
        .map(AssociateTag::parse)
        .transpose()
        .map_err(|e| Error::Setup {
            what: "general.associate_tag",
            message: e.to_string(),
        })
}
