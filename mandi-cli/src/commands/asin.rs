//! `mandi asin <url-or-text>`: the ASIN and marketplace of a pasted link or message.

use mandi_core::Marketplace;
use mandi_core::links::{
    AssociateTag, LinkError, OfflineResolver, ProductRef, affiliate_link, parse_product_input,
    resolve_product_input,
};
use mandi_paapi::resolver::HttpLinkResolver;
use serde::Serialize;

use super::{Context, Outcome};
use crate::error::{Error, Result};
use crate::output::Output;

/// Sends short-link requests to this server instead of Amazon's (for tests on loopback).
pub const SHORT_LINK_BASE_VAR: &str = "MANDI_SHORT_LINK_BASE_URL";

const EXAMPLES: &str = "\
Examples:
  mandi asin \"https://www.amazon.in/Redmi-Note-13/dp/B0CX59H5W7?th=1\"
  mandi asin B0CX59H5W7
  mandi asin \"Great deal! https://amzn.in/d/3xYzAbC only today\"
  mandi --json asin \"https://m.amazon.co.uk/gp/aw/d/B08N5WRWNW\"
  mandi asin --offline \"https://amzn.to/3Kq2XyZ\"

Short links (amzn.in, amzn.to, a.co…) are expanded over the network, following redirects
only through Amazon hosts; --offline refuses them instead. With general.associate_tag set,
the affiliate link is printed too. Bad input exits 2 with the reason on stderr.";

/// `mandi asin`: find the product in an Amazon link, a chat message or an ASIN.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// An Amazon product link, a whole message holding one, or a bare ASIN (several words
    /// are joined with spaces, so an unquoted message works too).
    #[arg(value_name = "URL-OR-TEXT", required = true, num_args = 1..)]
    input: Vec<String>,
    /// Never use the network: a short link is an error instead of being expanded.
    #[arg(long)]
    offline: bool,
}

/// The JSON documents of this command.
#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Product(&'a Report),
}

#[derive(Debug, Serialize)]
struct Report {
    asin: String,
    marketplace: String,
    country: String,
    url: String,
    affiliate_url: Option<String>,
    expanded_from: Option<String>,
}

/// Runs `mandi asin …`.
///
/// # Errors
///
/// [`Error::Input`] when no product can be found in the input (with the reason), and
/// configuration errors (an associate tag that is not one included).
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let tag = settings
        .general
        .associate_tag
        .as_deref()
        .map(AssociateTag::parse)
        .transpose()
        .map_err(|e| Error::Setup {
            what: "general.associate_tag",
            message: e.to_string(),
        })?;
    let text = cmd.input.join(" ");
    let default = settings.general.marketplace;
    let (product, expanded_from) = match parse_product_input(&text, default) {
        Ok(p) => (p, None),
        Err(LinkError::ShortLink { url }) => {
            let p = expand(&text, default, cmd.offline, ctx)?;
            (p, Some(url))
        }
        Err(e) => return Err(Error::Input(e.to_string())),
    };
    let report = Report {
        asin: product.asin.to_string(),
        marketplace: product.marketplace.domain().to_owned(),
        country: product.marketplace.country_code().to_owned(),
        url: product.canonical_url(),
        affiliate_url: tag
            .as_ref()
            .map(|t| affiliate_link(product.asin, product.marketplace, t)),
        expanded_from,
    };
    if out.is_json() {
        out.json(&Document::Product(&report))?;
    } else {
        out.line(format_args!("ASIN         {}", report.asin))?;
        out.line(format_args!(
            "Marketplace  {} ({})",
            report.marketplace, report.country
        ))?;
        out.line(format_args!("Link         {}", report.url))?;
        if let Some(affiliate) = &report.affiliate_url {
            out.line(format_args!("Affiliate    {affiliate}"))?;
        }
        if let Some(short) = &report.expanded_from {
            out.line(format_args!("Expanded     {short}"))?;
        }
    }
    Ok(Outcome::Success)
}

/// Expands a short link: offline it fails with the reason; otherwise over HTTP.
pub(crate) fn expand(
    text: &str,
    default: Marketplace,
    offline: bool,
    ctx: &Context,
) -> Result<ProductRef> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup {
            what: "async runtime",
            message: e.to_string(),
        })?;
    let result = if offline {
        runtime.block_on(resolve_product_input(text, default, &OfflineResolver))
    } else {
        let mut builder = HttpLinkResolver::builder();
        if let Some(base) = ctx.env.get(SHORT_LINK_BASE_VAR) {
            builder = builder.base_url(base).map_err(|e| Error::Setup {
                what: SHORT_LINK_BASE_VAR,
                message: e.to_string(),
            })?;
        }
        let resolver = builder.build().map_err(|e| Error::Setup {
            what: "short-link resolver",
            message: e.to_string(),
        })?;
        runtime.block_on(resolve_product_input(text, default, &resolver))
    };
    result.map_err(|e| Error::Input(e.to_string()))
}
