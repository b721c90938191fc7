//! `mandi deals` and `mandi stats`: the library's `InsightsService`, shared with the bot's
//! `/deals` and `/stats`.

use mandi_core::engagement::{Board, EngagementService, Leaderboard, Period, UserStats};
use mandi_core::insights::{InsightsService, RankedDeal, SavingsReport};
use mandi_core::watches::WatchService;
use serde::Serialize;

use super::watch::local_user;
use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::{Output, table};
use crate::render;

/// `mandi deals`: the best deals among watched products, by deal score.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  mandi deals\n  mandi deals --limit 5 --json")]
pub struct DealsCmd {
    /// How many deals to show (1–100).
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// How many of the most watched products to look at (1–1000).
    #[arg(long, default_value_t = 50)]
    scan: usize,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum DealsDocument<'a> {
    Deals(&'a [RankedDeal]),
}

/// Runs `mandi deals`.
///
/// # Errors
///
/// A bad `--limit` or `--scan`, or the store failed.
pub fn run_deals(cmd: DealsCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    if !(1..=100).contains(&cmd.limit) {
        return Err(Error::Input(format!(
            "--limit must be 1 to 100, got {}",
            cmd.limit
        )));
    }
    if !(1..=1000).contains(&cmd.scan) {
        return Err(Error::Input(format!(
            "--scan must be 1 to 1000, got {}",
            cmd.scan
        )));
    }
    block_on(async {
        let app = App::open(ctx).await?;
        let deals = InsightsService::new(app.catalog.clone())
            .deals(cmd.scan, cmd.limit)
            .await?;
        if out.is_json() {
            out.json(&DealsDocument::Deals(&deals))?;
        } else if deals.is_empty() {
            out.line("no deals yet: watch products (`mandi watch add`) and let `mandi monitor` collect prices")?;
        } else {
            let rows: Vec<_> = deals
                .iter()
                .map(|d| {
                    vec![
                        format!("{}/100", d.score.score),
                        render::verdict(d.score.verdict).to_owned(),
                        render::price(d.price),
                        d.asin.to_string(),
                        render::truncate(d.title.as_deref().unwrap_or("-"), 50),
                        d.category.clone().unwrap_or_else(|| "-".to_owned()),
                    ]
                })
                .collect();
            for line in table(
                &["SCORE", "VERDICT", "PRICE", "ASIN", "TITLE", "CATEGORY"],
                &rows,
            ) {
                out.line(line)?;
            }
        }
        Ok(if deals.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}

/// `mandi stats`: your watches, what confirmed purchases saved you, achievements, streaks,
/// and the opt-in leaderboards.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  mandi stats
  mandi stats --json
  mandi stats --leaderboard on
  mandi stats --board savers --period week --category Electronics

Savings count only purchases confirmed by an imported Associates orders report (mandi revenue
import FILE), against the product's 90-day median price (and apart, its MRP).")]
pub struct StatsCmd {
    /// Show a leaderboard instead: top savers or deal finders (users who opted in only).
    #[arg(long, value_parser = ["savers", "finders"])]
    board: Option<String>,
    /// The leaderboard's period, ending now.
    #[arg(long, value_parser = ["week", "month", "all"], default_value = "month", requires = "board")]
    period: String,
    /// Only this category (Amazon's category in the Associates reports).
    #[arg(long, requires = "board")]
    category: Option<String>,
    /// Appear on the leaderboards (on) or not (off, the default).
    #[arg(long, value_parser = ["on", "off"], conflicts_with = "board")]
    leaderboard: Option<String>,
}

#[derive(Debug, Serialize)]
struct StatsData<'a> {
    #[serde(flatten)]
    watches: &'a SavingsReport,
    events: &'a UserStats,
    leaderboard_opt_in: bool,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum StatsDocument<'a> {
    Stats(StatsData<'a>),
    Leaderboard(&'a Leaderboard),
}

fn sums(list: &[mandi_core::Money]) -> String {
    list.iter()
        .map(|m| render::price(Some(*m)))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Runs `mandi stats`.
///
/// # Errors
///
/// The store failed.
pub fn run_stats(cmd: StatsCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    block_on(async {
        let app = App::open(ctx).await?;
        let watches = WatchService::new(app.catalog.clone());
        let mut user = local_user(&watches).await?;
        let engagement =
            EngagementService::new(app.catalog.store().clone(), app.catalog.clock().clone());
        if let Some(board) = &cmd.board {
            let (Some(board), Some(period)) = (Board::parse(board), Period::parse(&cmd.period))
            else {
                return Err(Error::Input(format!(
                    "unknown board {board:?} or period {:?}",
                    cmd.period
                )));
            };
            let currency = user.settings.marketplace.currency();
            let list = engagement
                .leaderboard(board, period, cmd.category.as_deref(), currency, 10)
                .await?;
            if out.is_json() {
                out.json(&StatsDocument::Leaderboard(&list))?;
            } else if list.entries.is_empty() {
                out.line("Nobody on this leaderboard yet (only users who opted in appear).")?;
            } else {
                for e in &list.entries {
                    out.line(format!(
                        "{:>3}. {:<24} {:>12} {:>3} deals",
                        e.rank,
                        e.name,
                        render::price(Some(e.saved)),
                        e.deals
                    ))?;
                }
            }
            return Ok(if list.entries.is_empty() {
                Outcome::NothingFound
            } else {
                Outcome::Success
            });
        }
        if let Some(on) = &cmd.leaderboard {
            let mut settings = user.settings.clone();
            settings.leaderboard_opt_in = on == "on";
            user = watches
                .save_settings(&user, settings)
                .await
                .map_err(super::watch::watch_error)?;
        }
        let report = InsightsService::new(app.catalog.clone())
            .savings(&user)
            .await?;
        let stats = engagement.stats(&user).await?;
        if out.is_json() {
            out.json(&StatsDocument::Stats(StatsData {
                watches: &report,
                events: &stats,
                leaderboard_opt_in: user.settings.leaderboard_opt_in,
            }))?;
            return Ok(Outcome::Success);
        }
        out.line(format!(
            "watches: {} ({} active)",
            report.watches, report.active
        ))?;
        let below = if report.saved.is_empty() {
            render::price(Some(report.saved_in(user.settings.marketplace.currency())))
        } else {
            sums(&report.saved)
        };
        out.line(format!(
            "cheaper than when watched: {} (by {below}; not a saving until you buy)",
            report.cheaper
        ))?;
        if stats.nothing_confirmed() {
            out.line(
                "saved: nothing confirmed yet (savings count purchases confirmed by an imported \
                 Associates orders report)",
            )?;
        } else {
            let median = if stats.saved_vs_median.is_empty() {
                "unknown (too little price history)".to_owned()
            } else {
                sums(&stats.saved_vs_median)
            };
            out.line(format!(
                "saved: {median} against 90-day medians over {} purchase(s)",
                stats.purchases.len()
            ))?;
            if !stats.saved_vs_mrp.is_empty() {
                out.line(format!(
                    "       {} against MRPs (often inflated)",
                    sums(&stats.saved_vs_mrp)
                ))?;
            }
            for p in &stats.best_deals {
                let title: String = p.title.chars().take(40).collect();
                out.line(format!(
                    "  best: {title} at {} ({} below the median) on {}",
                    render::price(Some(p.paid)),
                    render::price(p.saved_vs_median),
                    p.day
                ))?;
            }
        }
        out.line(format!(
            "alerts: {} received, {} acted on, {} real deals, {} missed",
            stats.alerts, stats.alerts_acted_on, stats.real_deal_alerts, stats.missed_count
        ))?;
        for m in &stats.missed {
            out.line(format!(
                "  missed: {} at {} ({}) on {}",
                m.asin,
                render::price(m.price),
                m.score
                    .map_or_else(|| "no score".to_owned(), |s| format!("score {s}")),
                render::ist_date(m.triggered_at)
            ))?;
        }
        out.line(format!(
            "streak: {} day(s) (longest {})",
            stats.streak.current, stats.streak.longest
        ))?;
        if stats.achievements.is_empty() {
            out.line("achievements: none yet")?;
        }
        for e in &stats.achievements {
            out.line(format!(
                "achievement: {} — {} ({})",
                e.achievement.title(),
                e.achievement.rule(),
                render::ist(e.at)
            ))?;
        }
        out.line(format!(
            "leaderboards: {} (mandi stats --leaderboard on|off)",
            if user.settings.leaderboard_opt_in {
                "you appear"
            } else {
                "you do not appear"
            }
        ))?;
        Ok(Outcome::Success)
    })
}
