//! `mandi community`: the deals users shared and the bot verified, newest first or top
//! voted, with their score and votes (the library's `CommunityService`).

use mandi_core::SharedDeal;
use mandi_core::community::{CommunityError, CommunityService, ListingOrder};
use serde::Serialize;

use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;

/// `mandi community`: verified community deals.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  mandi community\n  mandi community --top --limit 5 --json")]
pub struct Cmd {
    /// Most net votes first (then best score) instead of newest first.
    #[arg(long)]
    top: bool,
    /// How many deals to list (1–100).
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    CommunityDeals(&'a [SharedDeal]),
}

fn community_error(e: CommunityError) -> Error {
    match e {
        CommunityError::Catalog(c) => Error::Catalog(c),
        CommunityError::Store(s) => Error::Store(s),
        other => Error::Input(other.to_string()),
    }
}

/// Runs `mandi community`.
///
/// # Errors
///
/// A bad `--limit`, or the store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    if !(1..=100).contains(&cmd.limit) {
        return Err(Error::Input(format!(
            "--limit must be 1 to 100, got {}",
            cmd.limit
        )));
    }
    block_on(async {
        let app = App::open(ctx).await?;
        let order = if cmd.top {
            ListingOrder::Top
        } else {
            ListingOrder::Newest
        };
        let deals = CommunityService::new(app.catalog.clone())
            .list(order, cmd.limit)
            .await
            .map_err(community_error)?;
        if out.is_json() {
            out.json(&Document::CommunityDeals(&deals))?;
            return Ok(Outcome::Success);
        }
        if deals.is_empty() {
            out.line("No verified community deals in the last 7 days.")?;
            return Ok(Outcome::Success);
        }
        for d in &deals {
            let title: String = d.title.chars().take(48).collect();
            out.line(format!(
                "#{:<5} {}  {:<48} {:>10}  score {:>3}  +{} -{}  {}",
                d.id.0,
                d.asin,
                title,
                d.price
                    .map_or_else(|| "unknown".to_owned(), |p| p.display_short()),
                d.score.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                d.up_votes,
                d.down_votes,
                d.created_at.format("%Y-%m-%d %H:%M UTC")
            ))?;
        }
        Ok(Outcome::Success)
    })
}
