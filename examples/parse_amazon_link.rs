//! Finds the product in Amazon links and chat messages, offline, and builds affiliate links.
//!
//! ```text
//! cargo run -p mandi-examples --example parse_amazon_link -- "Deal! https://amzn.in/dp/B0CX59H5W7"
//! ```
//!
//! With no argument it runs through a few typical inputs, good and bad.

use mandi_core::Marketplace;
use mandi_core::links::{AssociateTag, affiliate_link, parse_product_input};

fn main() -> anyhow::Result<()> {
    let tag = AssociateTag::parse("mandi-21")?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let inputs: Vec<String> = if args.is_empty() {
        [
            "Redmi Note 13 at ₹17,999 👉 https://www.amazon.in/Redmi-Note-13/dp/B0CX59H5W7/ref=sr_1_3?th=1",
            "https://m.amazon.co.uk/gp/aw/d/B08N5WRWNW?psc=1&tag=someoneelse-21",
            "b0cx59h5w7",
            "https://amzn.in/d/3xYzAbC",
            "https://www.amazon.in.evil.com/dp/B0CX59H5W7",
        ]
        .map(str::to_owned)
        .to_vec()
    } else {
        vec![args.join(" ")]
    };
    for input in inputs {
        println!("{input}");
        match parse_product_input(&input, Marketplace::India) {
            Ok(product) => {
                println!("  -> {product}");
                println!("     {}", product.canonical_url());
                println!(
                    "     {}",
                    affiliate_link(product.asin, product.marketplace, &tag)
                );
            }
            // Short links need a `LinkResolver` (mandi_paapi::resolver::HttpLinkResolver).
            Err(e) => println!("  !! {} ({})", e, e.kind()),
        }
    }
    Ok(())
}
