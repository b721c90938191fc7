//! Opens a SQLite store in a file, records a product and a few prices, and reads the
//! price history back.
//!
//! ```text
//! cargo run -p mandi-examples --example open_store_and_record_price -- [path/to/mandi.db]
//! ```
//!
//! Without a path the database goes to a file in the system's temporary directory, which
//! is removed afterwards.

use chrono::{DateTime, FixedOffset, TimeDelta};
use mandi_core::store::SqliteStore;
use mandi_core::{
    Asin, Availability, Currency, DataOrigin, HistoryQuery, Marketplace, Money, Offer, OfferKind,
    PricePoint, Product, Store,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let path = match std::env::args().nth(1) {
        Some(p) => p.into(),
        None => temp.path().join("mandi.db"),
    };
    let store = SqliteStore::open(&path)?;
    println!("opened {}", store.location());

    let asin: Asin = "B0CX59H5W7".parse()?;
    // A fixed start time keeps the example's output the same on every run.
    let start =
        DateTime::from_timestamp(1_750_000_000, 0).ok_or_else(|| anyhow::anyhow!("time"))?;
    // Saving a product records its current offer in the price history too.
    let mut product = Product::new(
        asin,
        Marketplace::India,
        "Redmi Note 13 5G (Arctic White, 8GB RAM, 256GB Storage)",
        start,
    );
    let first_price = Money::parse("₹18,999", Currency::INR)?;
    product.offers = vec![Offer::new(Some(first_price), Availability::InStock)];
    store.upsert_product(&product).await?;

    // Then the next hours' prices; the second is unknown (a gap, never zero).
    let prices = ["₹18,499", "", "₹17,999"];
    let mut points = Vec::new();
    for (i, text) in prices.iter().enumerate() {
        let price = if text.is_empty() {
            None
        } else {
            Some(Money::parse(text, Currency::INR)?)
        };
        points.push(PricePoint {
            marketplace: Marketplace::India,
            asin,
            offer_kind: OfferKind::BuyBox,
            at: start + TimeDelta::hours(i as i64 + 1),
            price,
            list_price: Some(Money::from_major(24_999, Currency::INR)),
            availability: if price.is_some() {
                Availability::InStock
            } else {
                Availability::Unknown
            },
            deal_badge: None,
            origin: DataOrigin::Api,
        });
    }
    // One call, one transaction.
    let added = store.record_prices(&points).await?;
    println!("recorded {added} price points");

    let history = store
        .price_history(&HistoryQuery::buy_box(Marketplace::India, asin))
        .await?;
    // Stored in UTC, shown in India Standard Time.
    let ist = FixedOffset::east_opt(5 * 3600 + 30 * 60).ok_or_else(|| anyhow::anyhow!("IST"))?;
    for p in &history {
        let price = p
            .price
            .map_or_else(|| "unknown".to_owned(), |m| m.to_string());
        let at = p.at.with_timezone(&ist);
        println!("  {}  {price}", at.format("%Y-%m-%d %H:%M IST"));
    }
    Ok(())
}
