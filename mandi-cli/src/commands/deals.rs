//! `mandi deals` and `mandi stats`: the library's `InsightsService`, shared with the bot's
//! `/deals` and `/stats`.

use mandi_core::insights::{InsightsService, RankedDeal, SavingsReport};
use mandi_core::watches::WatchService;
use serde::Serialize;

use super::watch::local_user;
use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::{Output, table};
use crate::render;

/// `mandi deals`: the best deals among watched products, by deal score.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  mandi deals\n  mandi deals --limit 5 --json")]
pub struct DealsCmd {
    /// How many deals to show (1–100).
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// How many of the most watched products to look at (1–1000).
    #[arg(long, default_value_t = 50)]
    scan: usize,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum DealsDocument<'a> {
    Deals(&'a [RankedDeal]),
}

/// Runs `mandi deals`.
///
/// # Errors
///
/// A bad `--limit` or `--scan`, or the store failed.
pub fn run_deals(cmd: DealsCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    if !(1..=100).contains(&cmd.limit) {
        return Err(Error::Input(format!(
            "--limit must be 1 to 100, got {}",
            cmd.limit
        )));
    }
    if !(1..=1000).contains(&cmd.scan) {
        return Err(Error::Input(format!(
            "--scan must be 1 to 1000, got {}",
            cmd.scan
        )));
    }
    block_on(async {
        let app = App::open(ctx).await?;
        let deals = InsightsService::new(app.catalog.clone())
            .deals(cmd.scan, cmd.limit)
            .await?;
        if out.is_json() {
            out.json(&DealsDocument::Deals(&deals))?;
        } else if deals.is_empty() {
            out.line("no deals yet: watch products (`mandi watch add`) and let `mandi monitor` collect prices")?;
        } else {
            let rows: Vec<_> = deals
                .iter()
                .map(|d| {
                    vec![
                        format!("{}/100", d.score.score),
                        render::verdict(d.score.verdict).to_owned(),
                        render::price(d.price),
                        d.asin.to_string(),
                        render::truncate(d.title.as_deref().unwrap_or("-"), 50),
                        d.category.clone().unwrap_or_else(|| "-".to_owned()),
                    ]
                })
                .collect();
            for line in table(
                &["SCORE", "VERDICT", "PRICE", "ASIN", "TITLE", "CATEGORY"],
                &rows,
            ) {
                out.line(line)?;
            }
        }
        Ok(if deals.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}

/// `mandi stats`: your watches and what they saved you.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  mandi stats\n  mandi stats --json")]
pub struct StatsCmd {}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum StatsDocument<'a> {
    Stats(&'a SavingsReport),
}

/// Runs `mandi stats`.
///
/// # Errors
///
/// The store failed.
pub fn run_stats(_cmd: StatsCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    block_on(async {
        let app = App::open(ctx).await?;
        let watches = WatchService::new(app.catalog.clone());
        let user = local_user(&watches).await?;
        let report = InsightsService::new(app.catalog.clone())
            .savings(&user)
            .await?;
        if out.is_json() {
            out.json(&StatsDocument::Stats(&report))?;
        } else {
            out.line(format!(
                "watches: {} ({} active)",
                report.watches, report.active
            ))?;
            out.line(format!("cheaper than when watched: {}", report.cheaper))?;
            let saved = if report.saved.is_empty() {
                render::price(Some(report.saved_in(user.settings.marketplace.currency())))
            } else {
                report
                    .saved
                    .iter()
                    .map(|m| render::price(Some(*m)))
                    .collect::<Vec<_>>()
                    .join(" + ")
            };
            out.line(format!("saved: {saved}"))?;
        }
        Ok(Outcome::Success)
    })
}
