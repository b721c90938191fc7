//! `mandi watch suggest`, `mandi watch review` and `mandi watch add --variants`: the smart
//! watch builder of the library's `DiscoveryService`.

use mandi_core::discovery::{
    DiscoveryService, ReviewIssue, TargetKind, VariantWatches, WatchReview, WatchSuggestions,
};
use mandi_core::links::ProductRef;
use mandi_core::watches::WatchSpec;
use mandi_core::{Bps, User};
use serde::Serialize;

use super::{Context, Outcome, product_inputs};
use crate::app::App;
use crate::error::{Error, Result};
use crate::output::{Output, table};
use crate::render;

/// `--variants` with the attributes the variations must have.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct VariantFlags {
    /// Watch the variations of the product's family that match --colour / --storage.
    #[arg(long)]
    pub variants: bool,
    /// With --variants: the colour (words of it: `blue` finds `Ocean Blue`).
    #[arg(long, value_name = "COLOUR", requires = "variants")]
    pub colour: Option<String>,
    /// With --variants: the storage or size (`256GB`, `8 kg`).
    #[arg(long, alias = "size", value_name = "STORAGE", requires = "variants")]
    pub storage: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    WatchSuggestions(&'a WatchSuggestions),
    WatchReview(&'a [WatchReview]),
    Watches(Vec<&'a mandi_core::Watch>),
}

/// Adds watches for the matching variations.
///
/// # Errors
///
/// No variation matches, or a watch could not be added.
pub async fn add_variants(
    app: &App,
    user: &User,
    product: ProductRef,
    spec: WatchSpec,
    flags: &VariantFlags,
    out: &mut Output<'_>,
) -> Result<()> {
    let mut wanted = Vec::new();
    if let Some(c) = &flags.colour {
        wanted.push(("colour".to_owned(), c.clone()));
    }
    if let Some(s) = &flags.storage {
        wanted.push(("storage".to_owned(), s.clone()));
    }
    if wanted.is_empty() {
        return Err(Error::Input(
            "--variants needs --colour and/or --storage to choose the variations".into(),
        ));
    }
    let discovery = DiscoveryService::new(app.catalog.clone());
    let made: VariantWatches = discovery
        .watch_variants(user, product.marketplace, product.asin, &wanted, spec)
        .await
        .map_err(super::ask::discovery_error)?;
    if out.is_json() {
        return out.json(&Document::Watches(
            made.added.iter().map(|a| &a.watch).collect(),
        ));
    }
    for (asin, id) in &made.already_watched {
        out.line(format!("already watched: {asin} (watch {id})"))?;
    }
    for a in &made.added {
        out.line(format!(
            "watch {}: {}  {}  {}",
            a.watch.id,
            a.product.asin,
            render::price(a.product.price()),
            render::truncate(&a.product.title, 60)
        ))?;
    }
    Ok(())
}

fn kind_text(k: TargetKind) -> String {
    match k {
        TargetKind::ReachedShareOf90Days { percent } => {
            format!("{} of 90 days", Bps::percent(i64::from(percent)))
        }
        TargetKind::LastSaleLow => "last sale low".to_owned(),
        TargetKind::NextSale => "next sale".to_owned(),
        _ => format!("{k:?}"),
    }
}

/// Runs `mandi watch suggest`.
///
/// # Errors
///
/// The input is not a product, or the source or store failed.
pub async fn suggest(
    app: &App,
    ctx: &Context,
    input: &str,
    out: &mut Output<'_>,
) -> Result<Outcome> {
    let (marketplace, asin) = product_inputs(ctx, &[input.to_owned()], app.marketplace)?
        .first()
        .copied()
        .ok_or_else(|| Error::Input("give one ASIN or link".into()))?;
    let discovery = DiscoveryService::new(app.catalog.clone());
    let s = discovery
        .suggest_targets(marketplace, asin)
        .await
        .map_err(super::ask::discovery_error)?;
    if out.is_json() {
        out.json(&Document::WatchSuggestions(&s))?;
    } else {
        let title = s.product.as_ref().map(|p| p.title.as_str()).unwrap_or("");
        out.line(format!(
            "{}  now {}  ({} days of history)  {}",
            s.asin,
            render::price(s.current),
            s.history_days,
            render::truncate(title, 50)
        ))?;
        if s.suggestions.is_empty() {
            out.line("not enough history below today's price to suggest a target yet")?;
        } else {
            let rows: Vec<Vec<String>> = s
                .suggestions
                .iter()
                .map(|t| {
                    vec![
                        render::price(Some(t.target)),
                        kind_text(t.kind),
                        format!("{}×", t.fired_past_year),
                        render::whole_percent(i64::from(t.share_of_year_bps)).to_string(),
                        t.why.clone(),
                    ]
                })
                .collect();
            for line in table(
                &["TARGET", "FROM", "FIRED/YEAR", "TIME BELOW", "WHY"],
                &rows,
            ) {
                out.line(line)?;
            }
            out.line(format!(
                "pick one: mandi watch add {} --below <TARGET>",
                s.asin
            ))?;
        }
    }
    Ok(if s.suggestions.is_empty() {
        Outcome::NothingFound
    } else {
        Outcome::Success
    })
}

/// Runs `mandi watch review`.
///
/// # Errors
///
/// The store failed.
pub async fn review(app: &App, user: &User, out: &mut Output<'_>) -> Result<Outcome> {
    let discovery = DiscoveryService::new(app.catalog.clone());
    let findings = discovery
        .review_watches(user)
        .await
        .map_err(super::ask::discovery_error)?;
    if out.is_json() {
        out.json(&Document::WatchReview(&findings))?;
    } else if findings.is_empty() {
        out.line("every watch looks fine")?;
    } else {
        for f in &findings {
            let issue = match f.issue {
                ReviewIssue::Unrealistic => "unrealistic",
                ReviewIssue::Redundant => "redundant",
                ReviewIssue::Stale => "stale",
                _ => "issue",
            };
            out.line(format!(
                "watch {} ({}): {issue} — {}",
                f.watch_id, f.asin, f.detail
            ))?;
            out.line(format!("    suggestion: {}", f.suggestion))?;
        }
    }
    Ok(Outcome::Success)
}
