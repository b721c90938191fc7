//! `mandi recommend`: products for the local user, from their profile and from what other
//! watchers of their products watch (the library's `RecommendService`, as the bot's
//! `/foryou`).

use mandi_core::recommend::{RecommendService, Recommendation, UserProfile};
use mandi_core::watches::WatchService;
use serde::Serialize;

use super::watch::local_user;
use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::render;

/// `mandi recommend`: products for you, each with its reason.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  mandi recommend\n  mandi recommend --limit 5 --json")]
pub struct Cmd {
    /// How many products (1–50).
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Recommendations {
        profile: &'a UserProfile,
        recommendations: &'a [Recommendation],
    },
}

/// Runs `mandi recommend`.
///
/// # Errors
///
/// A bad `--limit`, or the store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    if !(1..=50).contains(&cmd.limit) {
        return Err(Error::Input(format!(
            "--limit must be 1 to 50, got {}",
            cmd.limit
        )));
    }
    block_on(async {
        let app = App::open(ctx).await?;
        let user = local_user(&WatchService::new(app.catalog.clone())).await?;
        let (profile, recs) = RecommendService::new(app.catalog.clone())
            .recommend(&user, cmd.limit)
            .await?;
        if out.is_json() {
            out.json(&Document::Recommendations {
                profile: &profile,
                recommendations: &recs,
            })?;
        } else if recs.is_empty() {
            out.line("nothing to recommend yet: watch a few products (`mandi watch add`) so Mandi learns what you like")?;
        } else {
            if let Some(c) = profile.categories.first() {
                out.line(format!(
                    "you follow mostly {} ({})",
                    c.name,
                    render::ratio(c.weight)
                ))?;
            }
            for r in &recs {
                out.line(format!(
                    "{}  {}  {}",
                    render::price(r.price),
                    r.asin,
                    render::truncate(r.title.as_deref().unwrap_or("-"), 60)
                ))?;
                out.line(format!("    {}", r.reason))?;
            }
        }
        Ok(if recs.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}
