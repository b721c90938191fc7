//! `mandi lookup <ASIN|url>…`: current price, MRP, discount, stock, rating and link.

use serde::Serialize;

use super::{Context, Outcome, associate_tag, product_inputs};
use crate::app::{App, block_on};
use crate::error::Result;
use crate::output::Output;
use crate::render;
use mandi_core::{ItemError, Marketplace, Product};

const EXAMPLES: &str = "\
Examples:
  mandi lookup B0CX59H5W7
  mandi lookup \"https://www.amazon.in/dp/B0CX59H5W7?tag=someone-21\" B0D5YCYS1G
  mandi lookup B0CX59H5W7 --marketplace de          # amazon.de, in euros
  mandi --json lookup B0CX59H5W7

Every offer seen is saved to the price history (see `mandi history`).
Exit status: 0 when something was found, 1 when nothing was, 2 on error.";

/// `mandi lookup`: current data for products, by ASIN or pasted link.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// ASINs or Amazon links (a whole pasted message works too).
    #[arg(required = true, value_name = "ASIN|URL")]
    inputs: Vec<String>,
    /// The marketplace of bare ASINs: a country code (`in`, `us`, `uk`, `de`…) or a domain
    /// (`www.amazon.de`); default `general.marketplace`. Links keep their own marketplace.
    #[arg(long, short = 'm', value_name = "MARKETPLACE")]
    marketplace: Option<Marketplace>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Lookup {
        items: Vec<ProductView<'a>>,
        errors: &'a [ItemError],
    },
}

/// A product as `--json` shows it: the product and its affiliate link.
#[derive(Debug, Serialize)]
pub struct ProductView<'a> {
    /// The product as fetched.
    #[serde(flatten)]
    pub product: &'a Product,
    /// The link to share (with the configured associate tag, when there is one).
    pub link: String,
}

/// Runs `mandi lookup`.
///
/// # Errors
///
/// Bad input, or the source or store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let tag = associate_tag(&settings)?;
    let tag = tag.as_ref();
    let default = cmd.marketplace.unwrap_or(settings.general.marketplace);
    let refs = product_inputs(ctx, &cmd.inputs, default)?;
    block_on(async {
        let app = App::open(ctx).await?;
        let mut items = Vec::new();
        let mut errors = Vec::new();
        // One call per marketplace (links may name several).
        let mut marketplaces: Vec<_> = refs.iter().map(|r| r.0).collect();
        marketplaces.dedup();
        for marketplace in marketplaces {
            let asins: Vec<_> = refs
                .iter()
                .filter(|r| r.0 == marketplace)
                .map(|r| r.1)
                .collect();
            let batch = app.catalog.lookup(marketplace, &asins).await?;
            items.extend(batch.items);
            errors.extend(batch.errors);
        }
        if out.is_json() {
            let views = items
                .iter()
                .map(|p| ProductView {
                    product: p,
                    link: render::product_link(p, tag),
                })
                .collect();
            out.json(&Document::Lookup {
                items: views,
                errors: &errors,
            })?;
        } else {
            for p in &items {
                for line in render::product_card(p, tag) {
                    out.line(line)?;
                }
                out.line("")?;
            }
            for e in &errors {
                out.note(format!("{}: not found ({}: {})", e.asin, e.code, e.message))?;
            }
        }
        Ok(if items.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}
