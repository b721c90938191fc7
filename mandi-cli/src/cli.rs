//! The command line: `mandi [global options] <noun> [<verb>] …`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;
use crate::config::SourceKind;
use crate::style::ColorWhen;

/// The heading the options that work with every command are listed under in `--help`.
pub const GLOBAL_HEADING: &str = "Global options";

const EXAMPLES: &str = "\
Examples:
  mandi lookup B0CX59H5W7
  mandi asin \"https://www.amazon.in/dp/B0CX59H5W7\"
  mandi --json asin B0CX59H5W7
  mandi config show
  mandi completions bash > ~/.local/share/bash-completion/completions/mandi

Exit status: 0 success, 1 nothing found, 2 error.
Logs go to stderr; set RUST_LOG (for example RUST_LOG=debug) or pass -v for more.";

/// Amazon price tracking and deal intelligence, amazon.in first.
#[derive(Debug, Parser)]
#[command(name = "mandi", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Print one JSON document (JSON Lines for streams) instead of text.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING)]
    pub json: bool,
    /// Read settings from this file instead of mandi.toml in the config directory.
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL_HEADING)]
    pub config: Option<PathBuf>,
    /// Where product data comes from (default: from the config; the sandbox until
    /// credentials are configured).
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "SOURCE",
        help_heading = GLOBAL_HEADING
    )]
    pub source: Option<SourceKind>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = GLOBAL_HEADING)]
    pub verbose: u8,
    /// When to use colour and terminal escape codes: auto (a terminal without NO_COLOR),
    /// always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorWhen::Auto,
        help_heading = GLOBAL_HEADING
    )]
    pub color: ColorWhen,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The nouns.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// A guided tour on an offline sandbox marketplace: lookups, search, weeks of prices.
    Demo(commands::demo::Cmd),
    /// Show where the configuration lives, what is in effect, or write a starter file.
    Config(commands::config::Cmd),
    /// Current price, MRP, discount, stock and rating of products, by ASIN or link.
    Lookup(commands::lookup::Cmd),
    /// Search products, with filters on category, brand, price, rating and discount.
    Search(commands::search::Cmd),
    /// The variations (colour, size, storage) of a product.
    Variations(commands::variations::Cmd),
    /// Browse nodes (categories) by id, with their ancestors and children.
    Nodes(commands::nodes::Cmd),
    /// A product's price history: lows, highs, averages, flags and a sparkline.
    History(commands::history::Cmd),
    /// Draw a product's price history as a PNG chart.
    Chart(commands::chart::Cmd),
    /// The deal score with its reasons (fake-sale check included) and the price patterns.
    Insights(commands::insights::Cmd),
    /// Watch products: alerts on target prices, drops, lows, stock and deals.
    Watch(commands::watch::Cmd),
    /// Refresh watched products at the quota limit and deliver alerts (until Ctrl-C).
    Monitor(commands::monitor::Cmd),
    /// Quota used, breaker state and freshness of the monitoring.
    Status(commands::monitor::StatusCmd),
    /// The alerts your watches fired, newest first.
    Alerts(commands::watch::AlertsCmd),
    /// Write all your watches and settings as JSON.
    Export(commands::watch::ExportCmd),
    /// Read watches and settings written by `mandi export` (all or nothing).
    Import(commands::watch::ImportCmd),
    /// Run the offline sandbox marketplace (Creators API + PA-API 5.0) on loopback.
    Sandbox(commands::sandbox::Cmd),
    /// Find the ASIN and marketplace in an Amazon link, a chat message or an ASIN.
    Asin(commands::asin::Cmd),
    /// Ask in words: "gaming laptop under 80k with RTX 4060", "iPhone 15 vs Galaxy S24".
    Ask(commands::ask::Cmd),
    /// Products like this one: same category, similar price, shared brand and specs.
    Similar(commands::similar::Cmd),
    /// The browse tree: children, path, typical prices, most watched and trending products.
    Categories(commands::categories::Cmd),
    /// Backtest the price-drop predictor on the sandbox's simulated years.
    Backtest(commands::backtest::Cmd),
    /// Will the price drop if I wait? Probability, expected low, window and a verdict.
    Predict(commands::predict::Cmd),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(commands::completions::Cmd),
    /// Print the manual page (roff) for `man`.
    Man(commands::completions::ManCmd),
    /// Serve the REST API and the admin dashboard (with the monitoring loop).
    Serve(commands::serve::ServeCmd),
    /// API keys of `mandi serve`: create (shown once), list, revoke.
    Keys(commands::serve::KeysCmd),
    /// The best deals among watched products, by deal score (as the bot's /deals).
    Deals(commands::deals::DealsCmd),
    /// Your watches and what they saved you (as the bot's /stats).
    Stats(commands::deals::StatsCmd),
    /// Copy the SQLite database into PostgreSQL and verify the copy (rows and checksums).
    Migrate(commands::migrate::MigrateCmd),
    /// Market report: top deals, biggest movers, new lows, category price index, sales ahead;
    /// with --product, one product's buy box against other sellers new and used.
    Report(commands::report::Cmd),
    /// Products for you, from your watches, clicks and searches and what other watchers watch.
    Recommend(commands::recommend::Cmd),
    /// Data quality of saved products: gaps, cleaned titles, specs, duplicates, review
    /// cautions and rejected glitches.
    Quality(commands::quality::Cmd),
    /// Affiliate revenue: funnel search, card, click, order with drop-off; revenue by
    /// category, top products, user value.
    Revenue(commands::revenue::Cmd),
    /// Deals users shared and the bot verified, newest or top voted, with score and votes.
    Community(commands::community::Cmd),
    /// One product in several Amazon stores: converted price, shipping, import duty for
    /// India, landed cost and the cheapest option.
    CompareMarkets(commands::compare_markets::Cmd),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_an_example_in_its_help() {
        fn walk(cmd: &clap::Command, path: &str) {
            let name = format!("{path} {}", cmd.get_name());
            let help = cmd
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains("mandi "),
                "`{name}` has no example in its --help"
            );
            for sub in cmd.get_subcommands() {
                walk(sub, &name);
            }
        }
        walk(&Cli::command(), "");
    }
}
