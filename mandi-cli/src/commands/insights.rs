//! `mandi insights <ASIN|url>`: the deal score with its reasons, and the price patterns.

use serde::Serialize;

use super::{Context, Outcome, product_inputs};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::render;
use mandi_core::catalog::HistoryReport;

const EXAMPLES: &str = "\
Examples:
  mandi insights B0CX59H5W7
  mandi --json insights \"https://www.amazon.in/dp/B0CX59H5W7\"";

/// `mandi insights`: is this a real deal, and when will it drop next?
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// The product: ASIN or link.
    #[arg(value_name = "ASIN|URL")]
    input: String,
    /// Don't fetch the current price first.
    #[arg(long)]
    no_refresh: bool,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Insights(&'a HistoryReport),
}

/// Runs `mandi insights`.
///
/// # Errors
///
/// Bad input, or the source or store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let (marketplace, asin) = product_inputs(
        ctx,
        std::slice::from_ref(&cmd.input),
        settings.general.marketplace,
    )?
    .first()
    .copied()
    .ok_or_else(|| Error::Input("give one ASIN or link".into()))?;
    block_on(async {
        let app = App::open(ctx).await?;
        let report = app
            .catalog
            .history(marketplace, asin, !cmd.no_refresh)
            .await?;
        if out.is_json() {
            out.json(&Document::Insights(&report))?;
        } else {
            for line in render::history_summary(&report) {
                out.line(line)?;
            }
            for line in render::insights(&report) {
                out.line(line)?;
            }
        }
        Ok(if report.product.is_none() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}
