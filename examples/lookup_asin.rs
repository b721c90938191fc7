//! Looks up one ASIN on Amazon and prints its title, price, stock and deal.
//!
//! Credentials come from the environment, under the same names the `mandi` config uses:
//!
//! * Creators API (the default): `MANDI_CREATORS__CREDENTIAL_ID`,
//!   `MANDI_CREATORS__CREDENTIAL_SECRET`, `MANDI_CREATORS__VERSION` (`2.2` or `3.2` for
//!   amazon.in) and `MANDI_GENERAL__ASSOCIATE_TAG`; optional `MANDI_CREATORS__BASE_URL`
//!   and `MANDI_CREATORS__TOKEN_URL` (the sandbox, a mirror).
//! * PA-API 5.0 (`--paapi5`): `MANDI_PAAPI__ACCESS_KEY`, `MANDI_PAAPI__SECRET_KEY`,
//!   `MANDI_PAAPI__ASSOCIATE_TAG`; optional `MANDI_PAAPI__HOST` (a base URL).
//!
//! ```text
//! cargo run -p mandi-examples --example lookup_asin -- B0CX59H5W7 [IN] [--paapi5]
//! ```

use std::env;

use anyhow::{Context, bail};
use mandi_core::{Asin, ItemsRequest, Marketplace, ProductSource};
use mandi_paapi::creators::{CreatorsApiSource, CredentialVersion};
use mandi_paapi::paapi5::PaApi5Source;

fn var(name: &str) -> anyhow::Result<String> {
    env::var(name).with_context(|| format!("set {name} in the environment"))
}

fn source(paapi5: bool) -> anyhow::Result<Box<dyn ProductSource>> {
    if paapi5 {
        let mut builder = PaApi5Source::builder()
            .access_key(var("MANDI_PAAPI__ACCESS_KEY")?)
            .secret_key(var("MANDI_PAAPI__SECRET_KEY")?)
            .associate_tag(var("MANDI_PAAPI__ASSOCIATE_TAG")?);
        if let Ok(host) = env::var("MANDI_PAAPI__HOST") {
            builder = builder.base_url(host);
        }
        return Ok(Box::new(builder.build()?));
    }
    let version: CredentialVersion = env::var("MANDI_CREATORS__VERSION")
        .unwrap_or_else(|_| "2.2".to_owned())
        .parse()?;
    let mut builder = CreatorsApiSource::builder()
        .credential_id(var("MANDI_CREATORS__CREDENTIAL_ID")?)
        .credential_secret(var("MANDI_CREATORS__CREDENTIAL_SECRET")?)
        .credential_version(version)
        .associate_tag(var("MANDI_GENERAL__ASSOCIATE_TAG")?);
    if let Ok(url) = env::var("MANDI_CREATORS__BASE_URL") {
        builder = builder.base_url(url);
    }
    if let Ok(url) = env::var("MANDI_CREATORS__TOKEN_URL") {
        builder = builder.token_url(url);
    }
    Ok(Box::new(builder.build()?))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    let paapi5 = args.iter().any(|a| a == "--paapi5");
    let mut positional = args.iter().filter(|a| !a.starts_with("--"));
    let Some(asin_text) = positional.next() else {
        bail!("usage: lookup_asin <ASIN> [marketplace, e.g. IN] [--paapi5]");
    };
    let asin: Asin = asin_text.parse()?;
    let marketplace: Marketplace = match positional.next() {
        Some(m) => m.parse()?,
        None => Marketplace::India,
    };
    let source = source(paapi5)?;
    let batch = source
        .get_items(&ItemsRequest::new(marketplace, [asin]))
        .await
        .with_context(|| format!("looking up {asin} through {}", source.name()))?;
    for error in &batch.errors {
        println!("{}: {} ({})", error.asin, error.message, error.code);
    }
    for product in &batch.items {
        println!("{} — {}", product.asin, product.title);
        match product.price() {
            Some(price) => println!("  price: {price}"),
            None => println!("  price: unknown"),
        }
        println!("  stock: {}", product.availability().as_str());
        if let Some(offer) = product.buy_box() {
            if let Some(list) = offer.list_price {
                println!("  M.R.P.: {list}");
            }
            if let Some(badge) = offer.deal.as_ref().and_then(|d| d.badge.as_deref()) {
                println!("  deal: {badge}");
            }
        }
        if let Some(reviews) = product.reviews {
            println!(
                "  rating: {} ({} ratings)",
                reviews.rating_text(),
                reviews.count
            );
        }
        if let Some(url) = &product.detail_page_url {
            println!("  {url}");
        }
    }
    Ok(())
}
