//! `mandi categories [NODE]`: the browse tree around a category, its typical price range
//! from the prices the store has seen, and its most-watched and trending products; from the
//! library's `DiscoveryService`.

use mandi_core::Bps;
use mandi_core::discovery::{CategoryProduct, CategoryReport, DiscoveryService};
use serde::Serialize;

use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::Result;
use crate::output::Output;
use crate::render;

const EXAMPLES: &str = "\
Examples:
  mandi categories                 # the top of the tree
  mandi categories laptops
  mandi categories 1805560031
  mandi --json categories \"Gaming Laptops\"";

/// `mandi categories`: the browse tree with prices and popular products.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// A browse-node id, a category name or a category word (`laptops`, `फोन`).
    #[arg(value_name = "NODE")]
    node: Option<String>,
    /// How many popular and trending products to show.
    #[arg(long, default_value_t = 5)]
    top: usize,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Category(&'a CategoryReport),
}

fn product_line(p: &CategoryProduct) -> String {
    let extra = match (p.drop_bps, p.dropped_from) {
        (Some(bps), Some(from)) => {
            format!("  down {} from {}", Bps::from(bps), from.display_short())
        }
        _ if p.watchers > 0 => format!("  {} watching", p.watchers),
        _ => String::new(),
    };
    format!(
        "  {}  {:>10}  {}{extra}",
        p.asin,
        render::price(p.price),
        render::truncate(&p.title, 60)
    )
}

/// Runs `mandi categories`.
///
/// # Errors
///
/// An unknown category, or the store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    block_on(async {
        let app = App::open(ctx).await?;
        let discovery = DiscoveryService::new(app.catalog.clone());
        let report = discovery
            .category(app.marketplace, cmd.node.as_deref(), cmd.top)
            .await
            .map_err(super::ask::discovery_error)?;
        if out.is_json() {
            out.json(&Document::Category(&report))?;
            return Ok(Outcome::Success);
        }
        if let Some(n) = &report.node {
            let path: Vec<&str> = report.path.iter().map(|p| p.name.as_str()).collect();
            out.line(format!("{} ({})", n.name, n.id))?;
            out.line(format!("path      {}", path.join(" › ")))?;
        }
        if !report.children.is_empty() {
            out.line(if report.node.is_some() {
                "children"
            } else {
                "categories"
            })?;
            for c in &report.children {
                out.line(format!("  {:<12} {}", c.id, c.name))?;
            }
        }
        if report.node.is_some() {
            out.line(format!(
                "seen      {} products in the store",
                report.products_seen
            ))?;
            match &report.prices {
                Some(r) => out.line(format!(
                    "prices    typical {} – {} (median {}; 10–90%: {} – {}; {} priced)",
                    r.p25.display_short(),
                    r.p75.display_short(),
                    r.p50.display_short(),
                    r.p10.display_short(),
                    r.p90.display_short(),
                    r.products
                ))?,
                None => out.line("prices    none seen yet (search or look up products first)")?,
            }
            if !report.popular.is_empty() {
                out.line("most watched")?;
                for p in &report.popular {
                    out.line(product_line(p))?;
                }
            }
            if !report.trending.is_empty() {
                out.line("biggest drops, last 30 days")?;
                for p in &report.trending {
                    out.line(product_line(p))?;
                }
            }
        }
        Ok(Outcome::Success)
    })
}
