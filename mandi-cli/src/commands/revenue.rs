//! `mandi revenue`: what the affiliate links earn — the funnel search → card → click →
//! order with the drop-off at each step, revenue by category, top products and user
//! value (the library's `RevenueService`; import the Associates reports first).

use chrono::TimeDelta;
use mandi_core::Clock;
use mandi_core::affiliate::revenue::{FunnelStep, RevenueReport, RevenueService};
use serde::Serialize;

use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;

/// `mandi revenue`: the affiliate funnel and what it earned.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mandi revenue\n  mandi revenue --days 7 --top 5 --json\n  mandi revenue import Fee-Orders.csv",
    args_conflicts_with_subcommands = true
)]
pub struct Cmd {
    /// Import a report instead of showing one.
    #[command(subcommand)]
    action: Option<Action>,
    /// The period: the last N days (1–366), up to now.
    #[arg(long, default_value_t = 30)]
    days: i64,
    /// How many products and users to list (1–100).
    #[arg(long, default_value_t = 10)]
    top: usize,
}

/// What `mandi revenue` can do besides showing the report.
#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Import an Associates orders or earnings report (CSV or TSV, as Associates Central
    /// exports it): each row credited to general.associate_tag is attributed to the Buy-link
    /// click it came from (and so to its user's savings); importing a file again adds
    /// nothing.
    #[command(
        after_help = "Examples:\n  mandi revenue import Fee-Orders-2026-12.csv\n  mandi revenue import Fee-Earnings-2026-12.tsv --json\n\nNeeds [server] public_url (clicks are recorded by the redirect) and general.associate_tag."
    )]
    Import {
        /// The report file.
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Revenue(&'a RevenueReport),
    Import(&'a mandi_core::affiliate::ImportSummary),
}

/// Runs `mandi revenue import FILE`.
fn import(file: &std::path::Path, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::Input(format!("cannot read the report {}: {e}", file.display())))?;
    block_on(async {
        let app = App::open(ctx).await?;
        let Some(config) = super::affiliate_config(&app.settings)? else {
            return Err(Error::Input(
                "set [server] public_url first: clicks (which reports are attributed to) are \
                 only recorded by the Buy-link redirect of `mandi serve`"
                    .to_owned(),
            ));
        };
        let service = mandi_core::affiliate::AffiliateService::new(
            app.catalog.store().clone(),
            app.catalog.clock().clone(),
            config,
        );
        let summary = service
            .import_report(&text, app.settings.general.marketplace)
            .await?;
        if out.is_json() {
            out.json(&Document::Import(&summary))?;
            return Ok(Outcome::Success);
        }
        out.line(format!(
            "{} report: {} rows, {} new, {} attributed to a click, {} credited to another tag",
            summary.kind.as_str(),
            summary.rows,
            summary.added,
            summary.attributed,
            summary.other_tags
        ))?;
        Ok(Outcome::Success)
    })
}

/// `75.00%` from basis points.
fn percent(bps: u64) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

fn funnel_lines(out: &mut Output<'_>, steps: &[FunnelStep]) -> Result<()> {
    let mut previous: Option<&str> = None;
    for s in steps {
        let detail = match (previous, s.conversion_bps, s.drop_off_bps) {
            (Some(p), Some(c), Some(d)) => {
                format!("   {} of {p}, {} drop off", percent(c), percent(d))
            }
            (Some(p), _, _) => format!("   (no {p} to compare with)"),
            _ => String::new(),
        };
        out.line(format!("  {:<7} {:>8}{detail}", s.step, s.count))?;
        previous = Some(&s.step);
    }
    Ok(())
}

/// Runs `mandi revenue`.
///
/// # Errors
///
/// A bad `--days` or `--top`, or the store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    if let Some(Action::Import { file }) = &cmd.action {
        return import(file, ctx, out);
    }
    if !(1..=366).contains(&cmd.days) {
        return Err(Error::Input(format!(
            "--days must be 1 to 366, got {}",
            cmd.days
        )));
    }
    if !(1..=100).contains(&cmd.top) {
        return Err(Error::Input(format!(
            "--top must be 1 to 100, got {}",
            cmd.top
        )));
    }
    block_on(async {
        let app = App::open(ctx).await?;
        let until = app.catalog.clock().now();
        let since = until - TimeDelta::days(cmd.days);
        let report = RevenueService::new(app.catalog.store().clone())
            .report(since, until, cmd.top)
            .await?;
        if out.is_json() {
            out.json(&Document::Revenue(&report))?;
            return Ok(Outcome::Success);
        }
        out.line(format!(
            "Affiliate revenue, {} to {} (UTC)",
            since.format("%Y-%m-%d %H:%M"),
            until.format("%Y-%m-%d %H:%M")
        ))?;
        out.line("From searches:")?;
        funnel_lines(out, &report.search_funnel)?;
        out.line("Buy links of every source (alerts, searches, cards):")?;
        funnel_lines(out, &report.link_funnel)?;
        if report.categories.is_empty() {
            out.line(
                "No earnings yet: download the earnings and orders reports from Associates \
                 Central and import them.",
            )?;
            return Ok(Outcome::Success);
        }
        out.line("Revenue by category (fees earned, sales credited, items kept):")?;
        for c in &report.categories {
            out.line(format!(
                "  {:<32} {:>12} {:>14} {:>5}",
                c.category,
                c.fees.display_short(),
                c.sales.display_short(),
                c.items
            ))?;
        }
        out.line("Top products:")?;
        for p in &report.top_products {
            let title: String = p.title.chars().take(40).collect();
            out.line(format!(
                "  {}  {:<40} {:>12} {:>5}",
                p.asin,
                title,
                p.fees.display_short(),
                p.items
            ))?;
        }
        out.line("User value:")?;
        for u in &report.users {
            out.line(format!(
                "  user {:<8} {:>4} clicks {:>5} items {:>12}",
                u.user_id.0,
                u.clicks,
                u.items,
                u.fees.display_short()
            ))?;
        }
        Ok(Outcome::Success)
    })
}
