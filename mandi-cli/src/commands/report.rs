//! `mandi report`: a market report over the products watched or seen, or with `--product` the
//! competitive picture of one product (buy box against other sellers new and used) — both the
//! library's `MarketService`, which the bot and the server can show too.

use std::path::PathBuf;

use mandi_core::charts::ChartOptions;
use mandi_core::market::{
    CompetitivePicture, MarketReport, MarketService, ReportPeriod, ReportRequest,
};
use serde::Serialize;

use super::{Context, Outcome, product_inputs};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;

const EXAMPLES: &str = "Examples:
  mandi report
  mandi report --period month --category 1805560031
  mandi report --period day --json
  mandi report --chart laptops-index.png
  mandi report --product B0CX59H5W7 --period month";

/// `mandi report`: top deals, biggest movers, new lows, category price index, sales ahead.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// Only products in this browse node or below it.
    #[arg(long, value_name = "NODE")]
    category: Option<String>,
    /// Instead of the market: the competitive picture of this product (ASIN or link) — buy
    /// box against other sellers new and used over the period, from the stored history.
    #[arg(long, value_name = "ASIN|URL", conflicts_with_all = ["category", "chart"])]
    product: Option<String>,
    /// The period: day, week or month.
    #[arg(long, default_value = "week", value_name = "day|week|month")]
    period: String,
    /// How many entries per list (1–100).
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Also draw the category price index as a PNG to this file.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    MarketReport(&'a MarketReport),
    CompetitivePicture(&'a CompetitivePicture),
}

/// Runs `mandi report`.
///
/// # Errors
///
/// A bad `--period`, `--limit` or `--product`, the store failed, or the chart cannot be
/// written.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let period = ReportPeriod::parse(&cmd.period).ok_or_else(|| {
        Error::Input(format!(
            "--period must be day, week or month, got {:?}",
            cmd.period
        ))
    })?;
    if !(1..=100).contains(&cmd.limit) {
        return Err(Error::Input(format!(
            "--limit must be 1 to 100, got {}",
            cmd.limit
        )));
    }
    if let Some(input) = &cmd.product {
        return competition(input, period, ctx, out);
    }
    block_on(async {
        let app = App::open(ctx).await?;
        let request = ReportRequest {
            marketplace: app.marketplace,
            category: cmd.category.clone(),
            period,
            limit: cmd.limit,
        };
        let report = MarketService::new(app.catalog.clone())
            .report(&request)
            .await?;
        if let Some(path) = &cmd.chart {
            let options = ChartOptions {
                title: Some(format!(
                    "Category price index, last {} (100 = start)",
                    period.as_str()
                )),
                ..ChartOptions::default()
            };
            let png = report.index_chart(&options).map_err(|e| match e {
                mandi_core::charts::ChartError::NoData { .. } => {
                    Error::NotFound(format!("no category price index to chart: {e}"))
                }
                _ => Error::Input(e.to_string()),
            })?;
            std::fs::write(path, &png).map_err(|e| Error::Setup {
                what: "chart file",
                message: format!("cannot write {}: {e}", path.display()),
            })?;
            if !out.is_json() {
                out.line(format!("wrote {}", path.display()))?;
            }
        }
        if out.is_json() {
            out.json(&Document::MarketReport(&report))?;
        } else {
            for line in report.to_text().lines() {
                out.line(line)?;
            }
        }
        Ok(if report.products == 0 {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}

/// `mandi report --product`: the competitive picture of one product over the period.
fn competition(
    input: &str,
    period: ReportPeriod,
    ctx: &Context,
    out: &mut Output<'_>,
) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let (marketplace, asin) = product_inputs(
        ctx,
        std::slice::from_ref(&input.to_owned()),
        settings.general.marketplace,
    )?
    .first()
    .copied()
    .ok_or_else(|| Error::Input("--product: give one ASIN or link".into()))?;
    block_on(async {
        let app = App::open(ctx).await?;
        let picture = MarketService::new(app.catalog.clone())
            .competition(marketplace, asin, period)
            .await?;
        if out.is_json() {
            out.json(&Document::CompetitivePicture(&picture))?;
        } else {
            for line in picture.to_text().lines() {
                out.line(line)?;
            }
        }
        Ok(if picture.kinds.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}
