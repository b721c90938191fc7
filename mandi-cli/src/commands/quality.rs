//! `mandi quality [ASIN|URL…]`: per-product data quality of saved products.

use serde::Serialize;

use super::{Context, Outcome, product_inputs};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;
use mandi_core::quality::report::{QualityReport, QualityService};

const EXAMPLES: &str = "\
Examples:
  mandi quality                      # every watched product
  mandi quality B0CX59H5W7
  mandi --json quality \"https://www.amazon.in/dp/B0CX59H5W7\"

It reads the saved copies (look a product up or watch it first): what each listing lacks,
its cleaned title, its specs, probable duplicates under other ASINs among the saved
products of its category, review cautions, and the glitches the quality guard rejected.";

/// `mandi quality`: how trustworthy and complete the saved listings are.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// The products: ASINs or links (default: every watched product).
    #[arg(value_name = "ASIN|URL")]
    inputs: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Quality(&'a QualityReport),
}

/// Runs `mandi quality`.
///
/// # Errors
///
/// Bad input, or the store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let products = product_inputs(ctx, &cmd.inputs, settings.general.marketplace)?;
    let marketplace = products
        .first()
        .map_or(settings.general.marketplace, |(m, _)| *m);
    if products.iter().any(|(m, _)| *m != marketplace) {
        return Err(Error::Input(
            "give products of one marketplace at a time".into(),
        ));
    }
    let asins: Vec<_> = products.iter().map(|(_, a)| *a).collect();
    block_on(async {
        let app = App::open(ctx).await?;
        let report = QualityService::new(app.catalog.clone())
            .report(marketplace, &asins)
            .await?;
        if out.is_json() {
            out.json(&Document::Quality(&report))?;
        } else {
            for line in render(&report) {
                out.line(line)?;
            }
        }
        Ok(if report.products.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}

fn render(report: &QualityReport) -> Vec<String> {
    if report.products.is_empty() {
        return vec![
            "No saved products to report on: look a product up or watch it first.".to_owned(),
        ];
    }
    let mut lines = Vec::new();
    for p in &report.products {
        lines.push(format!("{}  quality {}/100  {}", p.asin, p.score, p.title));
        if p.cleaned.fixes.is_empty() {
            lines.push("  title: clean".to_owned());
        } else {
            let fixes: Vec<&str> = p.cleaned.fixes.iter().map(|f| f.describe()).collect();
            lines.push(format!(
                "  title: {} → {}",
                fixes.join(", "),
                p.cleaned.title
            ));
        }
        if !p.specs.is_empty() {
            let specs: Vec<String> = p
                .specs
                .iter()
                .map(|s| format!("{} {}", s.key.label(), s.value))
                .collect();
            lines.push(format!("  specs: {}", specs.join(" · ")));
        }
        if !p.missing.is_empty() {
            let missing: Vec<&str> = p.missing.iter().map(|m| m.describe()).collect();
            lines.push(format!("  missing: {}", missing.join(", ")));
        }
        if !p.duplicates.is_empty() {
            let twins: Vec<String> = p.duplicates.iter().map(ToString::to_string).collect();
            lines.push(format!(
                "  probably the same product as: {}",
                twins.join(", ")
            ));
        }
        for c in &p.cautions {
            lines.push(format!("  caution: {}", c.describe()));
        }
        if p.rejected_observations > 0 || p.pending_observations > 0 {
            lines.push(format!(
                "  guard: {} glitch(es) rejected, {} waiting for a second read",
                p.rejected_observations, p.pending_observations
            ));
        }
    }
    lines.push(format!(
        "{} product(s); compared with {} saved product(s) of their categories.",
        report.products.len(),
        report.peers_compared
    ));
    lines
}
