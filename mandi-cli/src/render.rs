//! How products, prices and times read in a terminal: prices as `₹54,999`, unknowns as
//! "unknown" (never zero, never "out of stock"), times in IST.

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Kolkata;
use mandi_core::{Availability, Money, Offer, Product, Reviews};

/// A price, or "unknown".
pub fn price(money: Option<Money>) -> String {
    money.map_or_else(|| "unknown".to_owned(), |m| m.display_short())
}

/// Stock, in words.
pub fn availability(a: Availability) -> &'static str {
    match a {
        Availability::InStock => "in stock",
        Availability::OutOfStock => "out of stock",
        Availability::Preorder => "pre-order",
        _ => "unknown",
    }
}

/// The discount from MRP as `23%`, or an empty string when there is none to show.
pub fn discount(offer: Option<&Offer>) -> String {
    match offer.and_then(Offer::discount_bps) {
        Some(bps) if bps > 0 => format!("{}%", bps / 100),
        _ => String::new(),
    }
}

/// `4.3★ (12,345)`, or "unknown" when there are no ratings to show.
pub fn rating(reviews: Option<&Reviews>) -> String {
    match reviews {
        Some(r) if r.count > 0 => format!("{}★ ({})", r.rating_text(), group_thousands(r.count)),
        _ => "unknown".to_owned(),
    }
}

fn group_thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A moment in IST: `25 Nov 2026, 14:05 IST`.
pub fn ist(at: DateTime<Utc>) -> String {
    at.with_timezone(&Kolkata)
        .format("%-d %b %Y, %H:%M IST")
        .to_string()
}

/// A date in IST: `25 Nov 2026`.
pub fn ist_date(at: DateTime<Utc>) -> String {
    at.with_timezone(&Kolkata).format("%-d %b %Y").to_string()
}

/// Shortens text to at most `max` characters, ending with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// One table row for a product: ASIN, price, MRP, discount, stock, rating, title.
pub fn product_row(p: &Product, title_width: usize) -> Vec<String> {
    let offer = p.buy_box();
    vec![
        p.asin.to_string(),
        price(p.price()),
        price(offer.and_then(|o| o.list_price)),
        discount(offer),
        availability(p.availability()).to_owned(),
        rating(p.reviews.as_ref()),
        truncate(&p.title, title_width),
    ]
}

/// The header matching [`product_row`].
#[cfg_attr(test, allow(dead_code))]
pub const PRODUCT_HEADER: [&str; 7] = ["ASIN", "PRICE", "MRP", "OFF", "STOCK", "RATING", "TITLE"];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use mandi_core::{Asin, Currency, Marketplace};

    #[test]
    fn unknown_is_never_zero_or_out_of_stock() {
        assert_eq!(price(None), "unknown");
        assert_eq!(availability(Availability::Unknown), "unknown");
        assert_eq!(rating(None), "unknown");
    }

    #[test]
    fn prices_use_indian_grouping_without_zero_paise() {
        assert_eq!(
            price(Some(Money::from_major(154_999, Currency::INR))),
            "₹1,54,999"
        );
    }

    #[test]
    fn times_read_in_ist() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 25, 8, 35, 0)
            .single()
            .expect("valid time");
        assert_eq!(ist(at), "25 Nov 2026, 14:05 IST");
        assert_eq!(ist_date(at), "25 Nov 2026");
    }

    #[test]
    fn product_rows_show_discount_and_rating() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
            .single()
            .expect("valid time");
        let asin = Asin::parse("B0CX59H5W7").expect("asin");
        let mut p = Product::new(asin, Marketplace::India, "Phone", at);
        let mut offer = Offer::new(
            Some(Money::from_major(750, Currency::INR)),
            Availability::InStock,
        );
        offer.list_price = Some(Money::from_major(1_000, Currency::INR));
        p.offers.push(offer);
        p.reviews = Some(Reviews {
            rating_centi: 430,
            count: 12_345,
        });
        assert_eq!(
            product_row(&p, 40),
            vec![
                "B0CX59H5W7",
                "₹750",
                "₹1,000",
                "25%",
                "in stock",
                "4.3★ (12,345)",
                "Phone"
            ]
        );
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("मंडी बाज़ार", 5), "मंडी…");
        assert_eq!(truncate("short", 10), "short");
    }
}
