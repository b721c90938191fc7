//! `mandi ask "<text>"`: a question in words (English, Hinglish or Hindi) answered through the
//! library's `DiscoveryService`: searches, comparisons, prices, histories, watches, similar.

use mandi_core::discovery::{
    Comparison, DiscoveryError, DiscoveryService, Intent, ParsedQuery, ProductMention,
    RankedProduct, SearchAnswer,
};
use mandi_core::links::ProductRef;
use mandi_core::watches::{WatchService, WatchSpec};
use mandi_core::{AlertRule, Bps, Product};
use serde::Serialize;

use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::{Output, table};
use crate::render;

const EXAMPLES: &str = "\
Examples:
  mandi ask \"gaming laptop under 80k with RTX 4060\"
  mandi ask \"boAt earbuds 1k ke andar\"
  mandi ask \"iPhone 15 vs Galaxy S24\"
  mandi ask \"80 हज़ार से कम में लैपटॉप\"
  mandi ask \"price history of B0CX59H5W7\"
  mandi ask --parse --json \"phone under 20k with 5g, 4+ rating\"

--parse shows how the text was understood without asking the source.
Exit status: 0 when something was found, 1 when nothing was, 2 on error.";

/// `mandi ask`: ask in words.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// The question, in quotes or as several words.
    #[arg(value_name = "TEXT", required = true, num_args = 1..)]
    text: Vec<String>,
    /// Only show how the text was understood (no network).
    #[arg(long)]
    parse: bool,
    /// At most this many results.
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    ParsedQuery(&'a ParsedQuery),
    AskSearch(&'a SearchAnswer),
    Comparison(&'a Comparison),
    Product(&'a Product),
    History(&'a mandi_core::catalog::HistoryReport),
    Watch(&'a mandi_core::Watch),
    Similar {
        product: &'a Product,
        similar: &'a [RankedProduct],
    },
}

/// Maps a discovery error: the catalogue's keep their kind, the rest are input problems.
pub fn discovery_error(e: DiscoveryError) -> Error {
    match e {
        DiscoveryError::Catalog(c) => Error::Catalog(c),
        DiscoveryError::Store(s) => Error::Store(s),
        other => Error::Input(other.to_string()),
    }
}

fn parsed_lines(q: &ParsedQuery) -> Vec<String> {
    let mut lines = vec![format!("intent      {}", q.intent.as_str())];
    if !q.keywords.is_empty() {
        lines.push(format!("keywords    {}", q.keywords));
    }
    if let Some(c) = &q.category {
        lines.push(format!("category    {} ({})", c.name, c.browse_node));
    }
    if !q.brands.is_empty() {
        lines.push(format!("brands      {}", q.brands.join(", ")));
    }
    if let Some(m) = q.min_price {
        lines.push(format!("min price   {m}"));
    }
    if let Some(m) = q.max_price {
        lines.push(format!("max price   {m}"));
    }
    if !q.features.is_empty() {
        lines.push(format!("features    {}", q.features.join(", ")));
    }
    if let Some(r) = q.min_rating {
        lines.push(format!("min rating  {r}★"));
    }
    if let Some(d) = q.min_discount_percent {
        lines.push(format!("min off     {}", Bps::percent(i64::from(d))));
    }
    if let Some(s) = q.sort {
        lines.push(format!(
            "sort        {}",
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ));
    }
    for p in &q.products {
        lines.push(format!(
            "product     {}",
            match p {
                ProductMention::Asin { asin } => asin.to_string(),
                ProductMention::Link { asin, marketplace } => format!("{asin} ({marketplace})"),
                ProductMention::ShortLink { url } => url.clone(),
                ProductMention::Name { name } => name.clone(),
                _ => format!("{p:?}"),
            }
        ));
    }
    lines
}

pub(crate) fn ranked_lines(results: &[RankedProduct], limit: usize) -> Vec<String> {
    results
        .iter()
        .take(limit)
        .enumerate()
        .flat_map(|(i, r)| {
            [
                format!(
                    "{:>2}. {}  {:>10}  {}",
                    i + 1,
                    r.product.asin,
                    render::price(r.product.price()),
                    render::truncate(&r.product.title, 70)
                ),
                format!("    why: {}", r.reasons.join(" · ")),
            ]
        })
        .collect()
}

fn comparison_lines(c: &Comparison) -> Vec<String> {
    let mut header = vec!["".to_owned()];
    header.extend(c.products.iter().map(|p| p.product.asin.to_string()));
    let row = |name: &str, f: &dyn Fn(&mandi_core::discovery::ComparedProduct) -> String| {
        let mut r = vec![name.to_owned()];
        r.extend(c.products.iter().map(f));
        r
    };
    let rows = vec![
        row("title", &|p| render::truncate(&p.product.title, 34)),
        row("price", &|p| render::price(p.price)),
        row("MRP", &|p| render::price(p.mrp)),
        row("off", &|p| {
            p.discount_percent
                .map(|d| Bps::percent(i64::from(d)).to_string())
                .unwrap_or_else(|| "—".into())
        }),
        row("deal score", &|p| {
            p.deal
                .as_ref()
                .map(|d| format!("{} {}", d.score, render::verdict(d.verdict)))
                .unwrap_or_else(|| "—".into())
        }),
        row("rating", &|p| {
            p.rating_centi
                .map(|r| format!("{:.1}★", f64::from(r) / 100.0))
                .unwrap_or_else(|| "—".into())
        }),
        row("key specs", &|p| {
            render::truncate(&p.key_specs.join(", "), 34)
        }),
        row("90-day low", &|p| render::price(p.low_90d)),
    ];
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut lines = table(&header_refs, &rows);
    lines.push(String::new());
    lines.push(format!(
        "recommended: {} — {}",
        c.recommended,
        c.reasons.join("; ")
    ));
    lines
}

/// Runs `mandi ask`.
///
/// # Errors
///
/// Nothing to search for, a product that cannot be found, or the source or store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let text = cmd.text.join(" ");
    let query = mandi_core::discovery::parse_query(&text);
    if cmd.parse {
        if out.is_json() {
            out.json(&Document::ParsedQuery(&query))?;
        } else {
            for line in parsed_lines(&query) {
                out.line(line)?;
            }
        }
        return Ok(Outcome::Success);
    }
    block_on(async {
        let app = App::open(ctx).await?;
        let marketplace = app.marketplace;
        let discovery = DiscoveryService::new(app.catalog.clone());
        match query.intent {
            Intent::Compare => {
                let c = discovery
                    .compare(&query, marketplace)
                    .await
                    .map_err(discovery_error)?;
                if out.is_json() {
                    out.json(&Document::Comparison(&c))?;
                } else {
                    for line in comparison_lines(&c) {
                        out.line(line)?;
                    }
                }
                Ok(Outcome::Success)
            }
            Intent::Price => {
                let p = discovery
                    .first_product(&query, marketplace)
                    .await
                    .map_err(discovery_error)?;
                let batch = app.catalog.lookup(p.marketplace, &[p.asin]).await?;
                let p = batch.items.into_iter().next().unwrap_or(p);
                if out.is_json() {
                    out.json(&Document::Product(&p))?;
                } else {
                    let tag = super::associate_tag(&app.settings)?;
                    for line in render::product_card(&p, tag.as_ref()) {
                        out.line(line)?;
                    }
                }
                Ok(Outcome::Success)
            }
            Intent::History => {
                let p = discovery
                    .first_product(&query, marketplace)
                    .await
                    .map_err(discovery_error)?;
                let report = app.catalog.history(p.marketplace, p.asin, true).await?;
                if out.is_json() {
                    out.json(&Document::History(&report))?;
                } else {
                    out.line(format!("{}  {}", p.asin, render::truncate(&p.title, 70)))?;
                    for line in render::history_summary(&report) {
                        out.line(line)?;
                    }
                }
                Ok(Outcome::Success)
            }
            Intent::Watch => {
                let p = discovery
                    .first_product(&query, marketplace)
                    .await
                    .map_err(discovery_error)?;
                let watches = WatchService::new(app.catalog.clone());
                let user = super::watch::local_user(&watches).await?;
                let rules = query
                    .max_price
                    .map(|m| vec![AlertRule::TargetPrice { at_or_below: m }])
                    .unwrap_or_default();
                let added = watches
                    .add(
                        &user,
                        ProductRef::new(p.asin, p.marketplace),
                        WatchSpec {
                            rules,
                            ..WatchSpec::default()
                        },
                    )
                    .await
                    .map_err(super::watch::watch_error)?;
                if out.is_json() {
                    out.json(&Document::Watch(&added.watch))?;
                } else {
                    out.line(format!(
                        "watch {}: {} — {} (now {})",
                        added.watch.id,
                        added.product.asin,
                        added
                            .watch
                            .rules
                            .iter()
                            .map(super::watch::rule_text)
                            .collect::<Vec<_>>()
                            .join(", "),
                        render::price(added.product.price())
                    ))?;
                }
                Ok(Outcome::Success)
            }
            Intent::Similar => {
                let p = discovery
                    .first_product(&query, marketplace)
                    .await
                    .map_err(discovery_error)?;
                let (base, similar) = discovery
                    .similar(p.marketplace, p.asin, cmd.limit)
                    .await
                    .map_err(discovery_error)?;
                super::similar::print(out, &base, &similar, cmd.limit)?;
                Ok(if similar.is_empty() {
                    Outcome::NothingFound
                } else {
                    Outcome::Success
                })
            }
            _ => {
                let answer = discovery
                    .search(&query, marketplace, None)
                    .await
                    .map_err(discovery_error)?;
                if out.is_json() {
                    out.json(&Document::AskSearch(&answer))?;
                } else if answer.results.is_empty() {
                    out.line(format!(
                        "nothing matched{}",
                        if answer.filtered_out > 0 {
                            format!(
                                " ({} results lacked a required feature, brand or rating)",
                                answer.filtered_out
                            )
                        } else {
                            String::new()
                        }
                    ))?;
                } else {
                    if answer.relaxed {
                        out.line(format!(
                            "no product matched \"{}\"; showing the best of the category instead",
                            query.keywords
                        ))?;
                    }
                    for line in ranked_lines(&answer.results, cmd.limit) {
                        out.line(line)?;
                    }
                }
                Ok(if answer.results.is_empty() {
                    Outcome::NothingFound
                } else {
                    Outcome::Success
                })
            }
        }
    })
}

/// Prints similar products (shared by `mandi similar`).
pub(crate) fn similar_json<'a>(
    product: &'a Product,
    similar: &'a [RankedProduct],
) -> impl Serialize + 'a {
    Document::Similar { product, similar }
}
