//! `mandi search "<words>"` with every filter the APIs offer.

use serde::Serialize;

use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::{Output, table};
use crate::render;
use mandi_core::{Money, SearchPage, SearchRequest, SortBy};

const EXAMPLES: &str = "\
Examples:
  mandi search \"gaming laptop\" --max-price 80000 --min-rating 4
  mandi search phone --brand Samsung --sort price-asc
  mandi search \"earbuds\" --min-discount 30 --page 2
  mandi --json search \"basmati rice\" --category GroceryAndGourmetFood

Prices are in rupees (\"79,999\", \"₹1,23,456\" and \"Rs. 999\" all work).
Exit status: 0 when something was found, 1 when nothing was, 2 on error.";

/// `mandi search`: find products.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// What to look for.
    #[arg(value_name = "WORDS")]
    words: String,
    /// The search index (category), such as `Electronics`, `Books`, `Fashion`.
    #[arg(long, value_name = "INDEX")]
    category: Option<String>,
    /// Only this brand.
    #[arg(long)]
    brand: Option<String>,
    /// Lowest price, in rupees.
    #[arg(long, value_name = "PRICE")]
    min_price: Option<String>,
    /// Highest price, in rupees.
    #[arg(long, value_name = "PRICE")]
    max_price: Option<String>,
    /// Minimum average rating, 1 to 4 stars.
    #[arg(long, value_name = "STARS")]
    min_rating: Option<u8>,
    /// Minimum saving off MRP, 1 to 99 percent.
    #[arg(long, value_name = "PERCENT")]
    min_discount: Option<u8>,
    /// Ordering: relevance, price-asc, price-desc, rating, featured, newest.
    #[arg(long, value_name = "ORDER")]
    sort: Option<String>,
    /// Page of results, 1 to 10.
    #[arg(long, default_value_t = 1)]
    page: u8,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Search(&'a SearchPage),
}

fn money(text: &str, what: &str, currency: mandi_core::Currency) -> Result<Money> {
    Money::parse(text, currency)
        .map_err(|e| Error::Input(format!("{what} {text:?} is not a price: {e}")))
}

/// Runs `mandi search`.
///
/// # Errors
///
/// A filter out of its range, or the source or store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let marketplace = settings.general.marketplace;
    let currency = marketplace.currency();
    let mut request = SearchRequest::keywords(marketplace, cmd.words);
    request.search_index = cmd.category;
    request.brand = cmd.brand;
    request.min_price = cmd
        .min_price
        .as_deref()
        .map(|t| money(t, "--min-price", currency))
        .transpose()?;
    request.max_price = cmd
        .max_price
        .as_deref()
        .map(|t| money(t, "--max-price", currency))
        .transpose()?;
    request.min_reviews_rating = cmd.min_rating;
    request.min_saving_percent = cmd.min_discount;
    request.sort_by = cmd
        .sort
        .as_deref()
        .map(|s| {
            SortBy::parse(s).ok_or_else(|| {
                Error::Input(format!(
                    "--sort {s:?} is not an ordering; use relevance, price-asc, price-desc, \
                     rating, featured or newest"
                ))
            })
        })
        .transpose()?;
    request.item_page = cmd.page;
    request
        .validate()
        .map_err(|e| Error::Input(e.to_string()))?;
    block_on(async {
        let app = App::open(ctx).await?;
        let page = app.catalog.search(&request, None).await?;
        if out.is_json() {
            out.json(&Document::Search(&page))?;
        } else if page.items.is_empty() {
            out.line("no results")?;
        } else {
            let rows: Vec<_> = page
                .items
                .iter()
                .map(|p| render::product_row(p, 60))
                .collect();
            for line in table(&render::PRODUCT_HEADER, &rows) {
                out.line(line)?;
            }
            if let Some(total) = page.total_results {
                out.line(format!(
                    "page {} of the results ({total} in all)",
                    request.item_page
                ))?;
            }
        }
        Ok(if page.items.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}
