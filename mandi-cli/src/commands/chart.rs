//! `mandi chart <ASIN|url> [-o file.png] [--days 90]`: the price history as a PNG.

use std::path::PathBuf;

use serde::Serialize;

use super::{Context, Outcome, product_inputs};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;
use mandi_core::charts::{ChartOptions, render_price_chart};

const EXAMPLES: &str = "\
Examples:
  mandi chart B0CX59H5W7
  mandi chart \"https://www.amazon.in/dp/B0CX59H5W7\" -o phone.png --days 365
  mandi chart B0CX59H5W7 --width 600 --height 300

The chart shows the price as steps, the lowest/average/highest band, the current price,
sale events and stock-outs, with dates in IST. No system fonts are needed.";

/// `mandi chart`: draw a price chart.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// The product: ASIN or link.
    #[arg(value_name = "ASIN|URL")]
    input: String,
    /// Where to write the PNG (default: <ASIN>.png in the current directory).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// How many days back to show (1 to 3650).
    #[arg(long, default_value_t = 90)]
    days: u32,
    /// Width in pixels.
    #[arg(long, default_value_t = 1000)]
    width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 500)]
    height: u32,
    /// Don't fetch the current price first.
    #[arg(long)]
    no_refresh: bool,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document {
    Chart { path: String, bytes: usize },
}

/// Runs `mandi chart`.
///
/// # Errors
///
/// Bad input, no history to draw, or the file cannot be written.
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
    let path = cmd
        .output
        .unwrap_or_else(|| PathBuf::from(format!("{asin}.png")));
    block_on(async {
        let app = App::open(ctx).await?;
        let report = app
            .catalog
            .history(marketplace, asin, !cmd.no_refresh)
            .await?;
        let options = ChartOptions {
            width: cmd.width,
            height: cmd.height,
            days: cmd.days,
            title: report.product.as_ref().map(|p| p.title.clone()),
        };
        let png =
            render_price_chart(&report.points, report.as_of, &options).map_err(|e| match e {
                // Nothing to draw is "nothing found" (exit 1), not a failure.
                mandi_core::charts::ChartError::NoData { .. } => {
                    Error::NotFound(format!("{asin}: {e}"))
                }
                _ => Error::Input(format!("{asin}: {e}")),
            })?;
        std::fs::write(&path, &png).map_err(|e| Error::Setup {
            what: "chart file",
            message: format!("cannot write {}: {e}", path.display()),
        })?;
        if out.is_json() {
            out.json(&Document::Chart {
                path: path.display().to_string(),
                bytes: png.len(),
            })?;
        } else {
            out.line(format!(
                "wrote {} ({} KiB)",
                path.display(),
                png.len().div_ceil(1024)
            ))?;
        }
        Ok(Outcome::Success)
    })
}
