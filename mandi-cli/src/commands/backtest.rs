//! `mandi backtest`: the price-drop predictor walked forward over the sandbox's simulated years.

use mandi_core::{Bps, Currency, Money};
use mandi_paapi::sandbox::backtest::{BacktestConfig, BacktestReport, run as run_backtest};
use serde::Serialize;

use super::{Context, Outcome};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::render;

const EXAMPLES: &str = "\
Examples:
  mandi backtest --seed 2 --products 300 --years 2
  mandi --json backtest --seed 7 --products 40 --years 1

Each product of the sandbox catalogue is observed every hour straight from the sandbox's
price oracle; every week the predictor says how likely a drop of 5% or more within 30 days
is, using only the history seen so far, and the oracle then says what happened. The model
was tuned on seed 1: report on another seed. A full run (300 products, 2 years) takes a few
minutes; build with --release.";

/// `mandi backtest`: how good the price-drop predictions are.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// The sandbox catalogue seed (the model was tuned on seed 1).
    #[arg(long, default_value_t = 2)]
    seed: u64,
    /// Products, spread over the catalogue.
    #[arg(long, default_value_t = 300)]
    products: usize,
    /// Years of weekly predictions (after a year of history).
    #[arg(long, default_value_t = 2)]
    years: u32,
    /// The drop asked about, in percent.
    #[arg(long, default_value_t = 5)]
    drop: u32,
    /// The horizon, in days.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Leave the deal score out of the buy-or-wait advice (faster).
    #[arg(long)]
    no_score: bool,
}

/// The JSON documents of this command.
#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Backtest(&'a BacktestReport),
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_owned(), render::ratio)
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4}"))
}

fn rupees(paise: i64) -> String {
    Money::from_minor(paise, Currency::INR).display_short()
}

/// Runs `mandi backtest …`.
///
/// # Errors
///
/// [`Error::Input`] for a size of zero or out of range.
pub fn run(cmd: Cmd, _ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    if cmd.products == 0 || cmd.products > 100_000 {
        return Err(Error::Input(format!(
            "--products {}: give 1 to 100000",
            cmd.products
        )));
    }
    if cmd.years == 0 || cmd.years > 10 {
        return Err(Error::Input(format!("--years {}: give 1 to 10", cmd.years)));
    }
    if cmd.drop == 0 || cmd.drop >= 100 {
        return Err(Error::Input(format!(
            "--drop {}: give 1 to 99 (percent)",
            cmd.drop
        )));
    }
    if cmd.days == 0 || cmd.days > 365 {
        return Err(Error::Input(format!("--days {}: give 1 to 365", cmd.days)));
    }
    let mut config = BacktestConfig::new(cmd.seed, cmd.products, cmd.years);
    config.settings.drop_bps = cmd.drop * 100;
    config.settings.horizon_days = cmd.days;
    config.use_scorer = !cmd.no_score;
    let report = run_backtest(&config);
    if out.is_json() {
        out.json(&Document::Backtest(&report))?;
        return Ok(Outcome::Success);
    }
    out.line(format!(
        "Backtest: seed {}, {} products, {} years, {} predictions ({} moments out of stock)",
        report.seed, report.products, report.years, report.predictions, report.out_of_stock
    ))?;
    out.line(format!(
        "Drops of {} or more within {} days happened {}",
        Bps::from(config.settings.drop_bps),
        cmd.days,
        pct(report.base_rate)
    ))?;
    out.line(format!(
        "Brier: model {}, always buy now {}, wait for the next big sale {} (skill over the better baseline {})",
        num(report.brier),
        num(report.buy_now_brier),
        num(report.next_sale_brier),
        num(report.skill)
    ))?;
    out.line(format!(
        "Wait advice: {} times, precision {}, recall {}",
        report.wait_advised,
        pct(report.wait_precision),
        pct(report.wait_recall)
    ))?;
    out.line(format!(
        "Saved by following the advice: {} of {} ({}); waiting for the next big sale: {} of {}",
        rupees(report.advice_savings.saved_paise),
        rupees(report.advice_savings.buy_now_paise),
        (report.advice_savings.buy_now_paise > 0)
            .then(|| {
                Bps::from_fraction(
                    report.advice_savings.saved_paise,
                    report.advice_savings.buy_now_paise,
                )
            })
            .flatten()
            .map_or_else(|| "n/a".to_owned(), |b| b.to_string()),
        rupees(report.next_sale_savings.saved_paise),
        rupees(report.next_sale_savings.buy_now_paise),
    ))?;
    out.line("Calibration (predicted → observed):")?;
    for bin in &report.calibration {
        out.line(format!(
            "  {:.1}–{:.1}: {:>7} forecasts, mean {} → observed {}",
            bin.from,
            bin.to,
            bin.count,
            num(bin.mean_predicted),
            num(bin.observed)
        ))?;
    }
    Ok(Outcome::Success)
}
