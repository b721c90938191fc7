//! `mandi variations <ASIN|url>`: the colours, sizes and storage options of a product.

use serde::Serialize;

use super::{Context, Outcome, product_inputs};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::{Output, table};
use crate::render;
use mandi_core::{VariationFamily, VariationsRequest};

const EXAMPLES: &str = "\
Examples:
  mandi variations B0CX59H5W7
  mandi variations \"https://www.amazon.in/dp/B0CX59H5W7\" --page 2
  mandi --json variations B0CX59H5W7";

/// `mandi variations`: a product's variation family.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// Any ASIN of the family (parent or child), or its link.
    #[arg(value_name = "ASIN|URL")]
    input: String,
    /// Page of variations (ten a page), from 1.
    #[arg(long, default_value_t = 1)]
    page: u8,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Variations(&'a VariationFamily),
}

/// Runs `mandi variations`.
///
/// # Errors
///
/// Bad input, or the source or store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let refs = product_inputs(
        ctx,
        std::slice::from_ref(&cmd.input),
        settings.general.marketplace,
    )?;
    let (marketplace, asin) = refs
        .first()
        .copied()
        .ok_or_else(|| Error::Input("give one ASIN or link".into()))?;
    let mut request = VariationsRequest::new(marketplace, asin);
    request.variation_page = cmd.page;
    request
        .validate()
        .map_err(|e| Error::Input(e.to_string()))?;
    block_on(async {
        let app = App::open(ctx).await?;
        let family = app.catalog.variations(&request).await?;
        if out.is_json() {
            out.json(&Document::Variations(&family))?;
        } else {
            out.line(format!(
                "family {} — {} variations in {}",
                family.parent_asin,
                family.variation_count,
                if family.dimensions.is_empty() {
                    "no named dimension".to_owned()
                } else {
                    family.dimensions.join(", ")
                }
            ))?;
            if let Some((lo, hi)) = family.price_range {
                out.line(format!(
                    "prices from {} to {}",
                    lo.display_short(),
                    hi.display_short()
                ))?;
            }
            let rows: Vec<_> = family
                .items
                .iter()
                .map(|p| {
                    let variant = p
                        .variation_attributes
                        .iter()
                        .map(|a| a.value.as_str())
                        .collect::<Vec<_>>()
                        .join(" / ");
                    vec![
                        p.asin.to_string(),
                        render::truncate(&variant, 30),
                        render::price(p.price()),
                        render::availability(p.availability()).to_owned(),
                    ]
                })
                .collect();
            for line in table(&["ASIN", "VARIANT", "PRICE", "STOCK"], &rows) {
                out.line(line)?;
            }
        }
        Ok(if family.items.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}
