//! `mandi compare-markets <ASIN|URL>`: one product's landed cost in several Amazon stores.

use serde::Serialize;

use super::{Context, Outcome, product_inputs};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;
use mandi_core::crossborder::{MarketComparison, MarketOption, MarketStatus, ShippingEstimate};
use mandi_core::{Marketplace, Money};

const EXAMPLES: &str = "\
Examples:
  mandi compare-markets B0CX59H5W7
  mandi compare-markets \"https://www.amazon.in/dp/B0CX59H5W7\" --markets com,co.uk,de,ae
  mandi --json compare-markets B0CX59H5W7 --home in

Each store's price is converted to your currency at the ECB reference rates ([fx] in the
config; the embedded sandbox serves its own), plus estimated shipping and, for a buyer in
India, customs duty (BCD + SWS + IGST) from the table shipped with Mandi, with its sources
and date. Only an in-stock option whose every part is known can be the cheapest.
Exit status: 0 when some store has a price, 1 when none has, 2 on error.";

/// `mandi compare-markets`: the product in each store, converted, shipped and taxed.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// The product: an ASIN or a link from any Amazon store.
    #[arg(value_name = "ASIN|URL")]
    input: String,
    /// The stores to compare (`com,co.uk,de`, country codes or domains); default `[fx]
    /// compare` in the config (amazon.in, .com, .co.uk, .de).
    #[arg(long, value_delimiter = ',', value_name = "STORES")]
    markets: Vec<String>,
    /// Your own store, whose currency and import rules apply (default: the configured
    /// marketplace).
    #[arg(long, value_name = "STORE")]
    home: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    CompareMarkets(&'a MarketComparison),
}

/// Reads a store as people write it: `in`, `com`, `co.uk`, `amazon.de`, `www.amazon.ae`,
/// or a country code (`US`, `UK`).
fn parse_store(text: &str) -> Result<Marketplace> {
    text.parse::<Marketplace>().map_err(|_| {
        Error::Input(format!(
            "{text:?} is not an Amazon store: write a domain ending such as in, com, co.uk, de, or a country code"
        ))
    })
}

/// Runs `mandi compare-markets`.
///
/// # Errors
///
/// Bad input, or the store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let home = match &cmd.home {
        Some(h) => parse_store(h)?,
        None => settings.general.marketplace,
    };
    let markets = if cmd.markets.is_empty() {
        settings.fx.compare.clone()
    } else {
        cmd.markets
            .iter()
            .filter(|m| !m.trim().is_empty())
            .map(|m| parse_store(m))
            .collect::<Result<Vec<_>>>()?
    };
    let (_, asin) = product_inputs(ctx, std::slice::from_ref(&cmd.input), home)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Input("give one ASIN or link".into()))?;
    block_on(async {
        let app = App::open(ctx).await?;
        let comparison = app.cross_border()?.compare(asin, home, &markets).await;
        if out.is_json() {
            out.json(&Document::CompareMarkets(&comparison))?;
        } else {
            for line in render(&comparison) {
                out.line(line)?;
            }
        }
        let priced = comparison.markets.iter().any(|o| o.price.is_some());
        Ok(if priced {
            Outcome::Success
        } else {
            Outcome::NothingFound
        })
    })
}

fn money(m: Option<Money>, market: Marketplace) -> String {
    m.map_or_else(|| "—".to_owned(), |m| format!("{:#}", m.display_in(market)))
}

fn status_text(o: &MarketOption) -> Option<String> {
    Some(match &o.status {
        MarketStatus::Available => return None,
        MarketStatus::OutOfStock => "out of stock".to_owned(),
        MarketStatus::StockUnknown => "stock unknown".to_owned(),
        MarketStatus::PriceUnknown => "price unknown".to_owned(),
        MarketStatus::NotSold { code, .. } => format!("not sold here ({code})"),
        MarketStatus::NotImportable { reason } => format!("not importable: {reason}"),
        MarketStatus::NotShipped => "not shipped to India from this store".to_owned(),
        MarketStatus::Failed { message } => format!("could not ask: {message}"),
    })
}

/// The comparison as text: a line per store, then the cheapest and where the figures come
/// from.
pub fn render(c: &MarketComparison) -> Vec<String> {
    let home = c.home;
    let mut lines = vec![format!(
        "{} ({}) for a buyer on {home}, in {}",
        c.title.as_deref().unwrap_or("Product"),
        c.asin,
        c.currency.code()
    )];
    match c.rates {
        Some(r) => lines.push(format!(
            "Rates: ECB reference rates of {}{}",
            r.date,
            if r.stale { " (STALE)" } else { "" }
        )),
        None => lines.push("Rates: none available; foreign prices are not converted".to_owned()),
    }
    lines.push(String::new());
    for o in &c.markets {
        let mark = if o.cheapest { "*" } else { " " };
        let mut line = format!(
            "{mark} {:<18} {:>14}",
            o.marketplace.domain(),
            money(o.price, o.marketplace)
        );
        if let Some(s) = status_text(o) {
            line.push_str(&format!("  {s}"));
        }
        lines.push(line);
        if o.price.is_none() {
            continue;
        }
        let mut parts = Vec::new();
        if o.marketplace.currency() != c.currency {
            parts.push(format!("= {}", money(o.price_converted, home)));
        }
        match o.shipping {
            Some(ShippingEstimate::Estimated { .. }) => {
                parts.push(format!("shipping ≈ {}", money(o.shipping_converted, home)));
            }
            Some(ShippingEstimate::Domestic) => parts.push("domestic delivery".to_owned()),
            Some(ShippingEstimate::NotShipped) | None => {}
        }
        if let Some(d) = o.duty {
            parts.push(format!(
                "duty {} ({}: BCD {} + SWS {} + IGST {})",
                money(Some(d.total), home),
                o.duty_category.as_deref().unwrap_or("general"),
                money(Some(d.bcd), home),
                money(Some(d.sws), home),
                money(Some(d.igst), home),
            ));
        }
        if let Some(l) = o.landed {
            parts.push(format!("landed {}", money(Some(l), home)));
        }
        if !parts.is_empty() {
            lines.push(format!("    {}", parts.join(", ")));
        }
        for n in &o.notes {
            lines.push(format!("    note: {n}"));
        }
    }
    lines.push(String::new());
    match c.cheapest {
        Some(best) => {
            let mut line = format!("Cheapest: {best}");
            if let Some(s) = c.saving_vs_home {
                line.push_str(&format!(", {} less than on {home}", money(Some(s), home)));
            }
            lines.push(line);
        }
        None => lines.push("Cheapest: none of the options is complete and in stock".to_owned()),
    }
    for n in &c.notes {
        lines.push(format!("Note: {n}"));
    }
    lines.push(format!(
        "Duty: {}, as of {}. Shipping: {} of {}.",
        c.tables.duty_title, c.tables.duty_as_of, c.tables.shipping_title, c.tables.shipping_as_of
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_are_read_as_people_write_them() {
        for (text, m) in [
            ("in", Marketplace::India),
            ("com", Marketplace::UnitedStates),
            (".co.uk", Marketplace::UnitedKingdom),
            ("UK", Marketplace::UnitedKingdom),
            ("amazon.de", Marketplace::Germany),
            ("www.amazon.ae", Marketplace::UnitedArabEmirates),
        ] {
            assert_eq!(parse_store(text).ok(), Some(m), "{text}");
        }
        let err = parse_store("ebay").expect_err("not a store");
        assert!(err.to_string().contains("\"ebay\""), "{err}");
    }
}
