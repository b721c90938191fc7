//! `mandi history <ASIN|url>`: the price history summary, a sparkline, `--json` or `--csv`.

use serde::Serialize;

use super::{Context, Outcome, product_inputs};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::{Output, table};
use crate::render;
use mandi_core::analytics::sparkline;
use mandi_core::catalog::HistoryReport;

const EXAMPLES: &str = "\
Examples:
  mandi history B0CX59H5W7
  mandi history \"https://www.amazon.in/dp/B0CX59H5W7\" --no-refresh
  mandi --json history B0CX59H5W7
  mandi history B0CX59H5W7 --csv > prices.csv

Gaps (failed or unknown fetches) show as gaps, never as a price of zero.";

/// `mandi history`: what a product's price has done.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// The product: ASIN or link.
    #[arg(value_name = "ASIN|URL")]
    input: String,
    /// Every observation as CSV (time in UTC and IST, price in rupees and paise).
    #[arg(long)]
    csv: bool,
    /// Don't fetch the current price first; report only what is stored.
    #[arg(long)]
    no_refresh: bool,
    /// Days the sparkline covers.
    #[arg(long, default_value_t = 90)]
    days: u32,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    History(&'a HistoryReport),
}

/// Runs `mandi history`.
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
    if !(1..=3650).contains(&cmd.days) {
        return Err(Error::Input(format!(
            "--days must be 1 to 3650, got {}",
            cmd.days
        )));
    }
    block_on(async {
        let app = App::open(ctx).await?;
        let report = app
            .catalog
            .history(marketplace, asin, !cmd.no_refresh)
            .await?;
        if report.points.is_empty() {
            if out.is_json() {
                out.json(&Document::History(&report))?;
            } else {
                out.line(format!("{asin}: no price history yet"))?;
            }
            return Ok(Outcome::NothingFound);
        }
        if out.is_json() {
            out.json(&Document::History(&report))?;
        } else if cmd.csv {
            out.line("time_utc,time_ist,price_inr,price_minor,availability,origin")?;
            for p in &report.points {
                out.line(format!(
                    "{},{},{},{},{},{}",
                    p.at.to_rfc3339(),
                    p.at.with_timezone(&chrono_tz::Asia::Kolkata).to_rfc3339(),
                    p.price
                        .map(|m| m.to_string().replace([',', '₹'], ""))
                        .unwrap_or_default(),
                    p.price.map(|m| m.minor().to_string()).unwrap_or_default(),
                    p.availability.as_str(),
                    p.origin.as_str(),
                ))?;
            }
        } else {
            for line in render::history_summary(&report) {
                out.line(line)?;
            }
            out.line(format!(
                "last {} days  {}",
                cmd.days,
                sparkline(&report.points, report.as_of, cmd.days, 60)
            ))?;
            let rows: Vec<Vec<String>> = report
                .summary
                .windows
                .iter()
                .map(|w| {
                    let dated = |d: Option<mandi_core::analytics::DatedPrice>| {
                        d.map_or_else(
                            || "unknown".to_owned(),
                            |d| format!("{} ({})", d.price.display_short(), render::ist_date(d.at)),
                        )
                    };
                    vec![
                        w.days
                            .map_or_else(|| "all time".to_owned(), |d| format!("{d} days")),
                        dated(w.lowest),
                        dated(w.highest),
                        render::price(w.average),
                        render::whole_percent(i64::from(w.known_bps)).to_string(),
                    ]
                })
                .collect();
            for line in table(&["WINDOW", "LOWEST", "HIGHEST", "AVERAGE", "KNOWN"], &rows) {
                out.line(line)?;
            }
        }
        Ok(Outcome::Success)
    })
}
