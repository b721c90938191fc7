//! `mandi similar ASIN`: products like this one (same category, similar price, shared brand
//! and specs), ranked with the reason, from the library's `DiscoveryService`.

use mandi_core::Product;
use mandi_core::discovery::{DiscoveryService, RankedProduct};

use super::{Context, Outcome, product_inputs};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::render;

const EXAMPLES: &str = "\
Examples:
  mandi similar B0CX59H5W7
  mandi similar \"https://www.amazon.in/dp/B0CX59H5W7\" --limit 5
  mandi --json similar B0CX59H5W7";

/// `mandi similar`: products like this one.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// The product: ASIN or link.
    #[arg(value_name = "ASIN|LINK")]
    input: String,
    /// At most this many products.
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

/// Prints a product and the products like it.
pub(crate) fn print(
    out: &mut Output<'_>,
    base: &Product,
    similar: &[RankedProduct],
    limit: usize,
) -> Result<()> {
    if out.is_json() {
        return out.json(&super::ask::similar_json(base, similar));
    }
    out.line(format!(
        "like {}  {}  {}",
        base.asin,
        render::price(base.price()),
        render::truncate(&base.title, 60)
    ))?;
    if similar.is_empty() {
        out.line("no similar products found")?;
    }
    for line in super::ask::ranked_lines(similar, limit) {
        out.line(line)?;
    }
    Ok(())
}

/// Runs `mandi similar`.
///
/// # Errors
///
/// The input is not a product, or the source or store failed.
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
    if !(1..=50).contains(&cmd.limit) {
        return Err(Error::Input(format!(
            "--limit must be 1 to 50, got {}",
            cmd.limit
        )));
    }
    block_on(async {
        let app = App::open(ctx).await?;
        let discovery = DiscoveryService::new(app.catalog.clone());
        let (base, similar) = discovery
            .similar(marketplace, asin, cmd.limit)
            .await
            .map_err(super::ask::discovery_error)?;
        print(out, &base, &similar, cmd.limit)?;
        Ok(if similar.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}
