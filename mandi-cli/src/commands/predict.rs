//! `mandi predict <ASIN|url>`: will the price drop if I wait? Probability, expected low,
//! likely window, reasons, and a buy-now-or-wait verdict.

use mandi_core::Bps;
use mandi_core::analytics::predict::{Forecast, PredictSettings, Verdict, forecast};
use serde::Serialize;

use super::{Context, Outcome, product_inputs};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::render;

const EXAMPLES: &str = "\
Examples:
  mandi predict B0CX59H5W7
  mandi predict --drop 10 --days 45 \"https://www.amazon.in/dp/B0CX59H5W7\"
  mandi --json predict B0CX59H5W7

The prediction rests on the product's own price history (the longer, the better) and the
sale calendar; `mandi backtest` shows how well it does on simulated years.";

/// `mandi predict`: the price-drop prediction and the buy-or-wait advice.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// The product: an ASIN or an Amazon link.
    #[arg(value_name = "ASIN|URL")]
    input: String,
    /// The drop asked about, in percent of today's price.
    #[arg(long, default_value_t = 5)]
    drop: u32,
    /// The horizon, in days.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Use the stored history only; do not fetch the current offer first.
    #[arg(long)]
    no_refresh: bool,
}

/// The JSON documents of this command.
#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Forecast(&'a Forecast),
}

/// Runs `mandi predict …`.
///
/// # Errors
///
/// Bad input (no product, a drop or horizon out of range), configuration and source errors.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    if cmd.drop == 0 || cmd.drop >= 100 {
        return Err(Error::Input(format!(
            "--drop {}: give 1 to 99 (percent)",
            cmd.drop
        )));
    }
    if cmd.days == 0 || cmd.days > 365 {
        return Err(Error::Input(format!("--days {}: give 1 to 365", cmd.days)));
    }
    let settings = ctx.settings()?;
    let (marketplace, asin) = product_inputs(
        ctx,
        std::slice::from_ref(&cmd.input),
        settings.general.marketplace,
    )?
    .first()
    .copied()
    .ok_or_else(|| Error::Input("give one ASIN or link".into()))?;
    let predict_settings = PredictSettings {
        drop_bps: cmd.drop * 100,
        horizon_days: cmd.days,
        ..PredictSettings::default()
    };
    block_on(async {
        let app = App::open(ctx).await?;
        let report = app
            .catalog
            .history(marketplace, asin, !cmd.no_refresh)
            .await?;
        if report.product.is_none() && report.points.is_empty() {
            out.line(format!("{asin}: no history yet"))?;
            return Ok(Outcome::NothingFound);
        }
        let f = forecast(&report, &predict_settings);
        if out.is_json() {
            out.json(&Document::Forecast(&f))?;
            return Ok(Outcome::Success);
        }
        let p = &f.prediction;
        let verdict = match f.advice.verdict {
            Verdict::BuyNow => "BUY NOW",
            Verdict::Wait => "WAIT",
            _ => "UNAVAILABLE",
        };
        out.line(format!("{asin}: {verdict} — {}", f.advice.reason))?;
        if let Some(current) = p.current {
            out.line(format!("Now: {current}"))?;
        }
        out.line(format!(
            "Chance of a drop of {} or more within {} days: {} ({}–{})",
            Bps::from(p.drop_bps),
            cmd.days,
            render::ratio(p.probability),
            render::ratio(p.probability_interval.0),
            render::ratio(p.probability_interval.1)
        ))?;
        if let (Some(low), Some((lo, hi))) = (p.expected_low, p.low_interval) {
            out.line(format!("Expected low: {low} (80% between {lo} and {hi})"))?;
        }
        if let Some(target) = f.advice.target {
            out.line(format!("Worth waiting for: {target}"))?;
        }
        if let Some(w) = &p.window {
            out.line(format!(
                "Likely window: {} to {} ({})",
                w.from.format("%-d %b %Y"),
                w.to.format("%-d %b %Y"),
                w.reason
            ))?;
        }
        if let Some(r) = &p.restock
            && let Some(back) = r.expected_back
        {
            out.line(format!(
                "Likely back in stock: {} ({} within {} days)",
                back.format("%-d %b %Y"),
                render::ratio(r.probability_within_horizon),
                cmd.days
            ))?;
        }
        out.line("Why:")?;
        for reason in &p.reasons {
            out.line(format!("  - {reason}"))?;
        }
        Ok(Outcome::Success)
    })
}
