//! How products, prices and times read in a terminal: prices as `₹54,999`, unknowns as
//! "unknown" (never zero, never "out of stock"), times in IST.

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Kolkata;
use mandi_core::links::{AssociateTag, affiliate_link, canonical_url};
use mandi_core::{Availability, Bps, Money, Offer, Product, Reviews};

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

/// A share in basis points rounded down to whole percent, for columns and summaries (`23%`).
pub fn whole_percent(bps: i64) -> Bps {
    Bps(bps).whole_percent()
}

/// A ratio or probability (`0.4237`) through [`Bps`]'s one `Display` (`42.37%`), or "n/a"
/// when it is not a number.
pub fn ratio(x: f64) -> String {
    Bps::from_ratio(x).map_or_else(|| "n/a".to_owned(), |b| b.to_string())
}

/// The discount from MRP as `23%`, or an empty string when there is none to show.
pub fn discount(offer: Option<&Offer>) -> String {
    match offer.and_then(Offer::discount_bps) {
        Some(bps) if bps > 0 => whole_percent(bps).to_string(),
        _ => String::new(),
    }
}

/// `4.3★ (1,85,016)` (the count in Indian grouping, as prices are), or "unknown" when there
/// are no ratings to show.
pub fn rating(reviews: Option<&Reviews>) -> String {
    match reviews {
        Some(r) if r.count > 0 => format!("{}★ ({})", r.rating_text(), count(r.count)),
        _ => "unknown".to_owned(),
    }
}

/// A count in Indian grouping: `1,85,016`.
pub fn count(n: impl Into<u64>) -> String {
    mandi_core::group_count(n.into())
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

/// The link to a product's page, with the associate tag when one is configured.
pub fn product_link(p: &Product, tag: Option<&AssociateTag>) -> String {
    match tag {
        Some(tag) => affiliate_link(p.asin, p.marketplace, tag),
        None => canonical_url(p.asin, p.marketplace),
    }
}

/// A product as a few readable lines: title, price against MRP, stock, rating, seller, link.
pub fn product_card(p: &Product, tag: Option<&AssociateTag>) -> Vec<String> {
    let offer = p.buy_box();
    let mut lines = vec![format!("{}  {}", p.asin, p.title)];
    // amazon.in's amounts as they always were (`₹1,54,999`); another shop's the way it
    // writes them (`1.299,00 €` on amazon.de, `$1,299.00` on amazon.com).
    let home = p.marketplace == mandi_core::Marketplace::India;
    let shown = |m: mandi_core::Money| {
        if home {
            m.display_short()
        } else {
            format!("{:#}", m.display_in(p.marketplace))
        }
    };
    let mut price_line = format!("  price   {}", p.price().map_or_else(|| price(None), shown));
    if let Some(mrp) = offer.and_then(|o| o.list_price) {
        let label = if home { "MRP" } else { "list" };
        price_line.push_str(&format!("   {label} {}", shown(mrp)));
        let off = discount(offer);
        if !off.is_empty() {
            price_line.push_str(&format!("   {off} off"));
        }
    }
    lines.push(price_line);
    lines.push(format!("  stock   {}", availability(p.availability())));
    lines.push(format!(
        "  rating  {}",
        match p.reviews.as_ref() {
            Some(r) if r.count > 0 => format!("{}★ ({} ratings)", r.rating_text(), count(r.count)),
            _ => "unknown".to_owned(),
        }
    ));
    if let Some(deal) = offer.and_then(|o| o.deal.as_ref()) {
        let ends = deal
            .ends_at
            .map(|t| format!(", ends {}", ist(t)))
            .unwrap_or_default();
        lines.push(format!(
            "  deal    {}{ends}",
            deal.badge.as_deref().unwrap_or("deal")
        ));
    }
    if let Some(name) = offer.and_then(|o| o.merchant.name.as_deref()) {
        lines.push(format!("  seller  {name}"));
    }
    lines.push(format!("  link    {}", product_link(p, tag)));
    lines
}

/// The verdict of a deal score in words.
pub fn verdict(v: mandi_core::DealVerdict) -> &'static str {
    use mandi_core::DealVerdict as V;
    match v {
        V::GreatDeal => "great deal",
        V::GoodDeal => "good deal",
        V::Fair => "fair price",
        V::Poor => "poor price",
        V::FakeSale => "fake sale",
        V::NotEnoughData => "not enough history to judge",
        _ => "unrated",
    }
}

/// A duration as "3 days", "5 hours" or "12 minutes".
pub fn ago(d: chrono::Duration) -> String {
    if d.num_days() >= 1 {
        format!("{} days", d.num_days())
    } else if d.num_hours() >= 1 {
        format!("{} hours", d.num_hours())
    } else {
        format!("{} minutes", d.num_minutes().max(0))
    }
}

/// The head of a history report: product, current and previous price, flags, score.
pub fn history_summary(r: &mandi_core::catalog::HistoryReport) -> Vec<String> {
    let s = &r.summary;
    let title = r
        .product
        .as_ref()
        .map_or("(not fetched yet)", |p| p.title.as_str());
    let mut lines = vec![format!("{}  {}", r.asin, title)];
    let current = s.current.map_or_else(
        || "unknown".to_owned(),
        |c| format!("{} since {}", c.price.display_short(), ist(c.at)),
    );
    lines.push(format!(
        "  now       {current}  ({})",
        availability(s.availability)
    ));
    if let Some(p) = s.previous {
        lines.push(format!("  before    {}", p.price.display_short()));
    }
    if let Some(d) = s.since_last_change(r.now) {
        lines.push(format!("  changed   {} ago", ago(d)));
    }
    let mut flags: Vec<String> = s
        .lowest_in
        .iter()
        .filter(|(_, low)| *low)
        .map(|(d, _)| format!("lowest in {d} days"))
        .collect();
    if s.is_all_time_low {
        flags.push("all-time low".to_owned());
    }
    if !flags.is_empty() {
        lines.push(format!("  flags     {}", flags.join(", ")));
    }
    lines.push(format!(
        "  history   {} observations, {} drops, {} rises, {} gaps",
        s.observations,
        s.drops,
        s.rises,
        s.gaps.len()
    ));
    if let Some(score) = &r.score {
        lines.push(format!(
            "  score     {}/100 — {}",
            score.score,
            verdict(score.verdict)
        ));
    }
    lines
}

/// The deal score's parts and the price patterns, in words.
pub fn insights(r: &mandi_core::catalog::HistoryReport) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(score) = &r.score {
        lines.push("why this score:".to_owned());
        for part in &score.parts {
            lines.push(format!(
                "  {:>3}  {:<12} {}",
                part.points, part.name, part.explanation
            ));
        }
    }
    let p = &r.patterns;
    lines.push("patterns:".to_owned());
    lines.push(format!(
        "  volatility  {}",
        p.volatility_bps.map_or_else(
            || "unknown".to_owned(),
            |v| format!("{} (90 days)", Bps::from(v))
        )
    ));
    lines.push(format!(
        "  trend       {}",
        p.trend_bps_per_30d.map_or_else(
            || "unknown".to_owned(),
            |t| format!("{}{} per 30 days", if t < 0 { "" } else { "+" }, Bps(t))
        )
    ));
    lines.push(format!(
        "  sale drops  {} seen{}",
        p.drops.len(),
        p.typical_drop_bps
            .map(|d| format!(", typically {} deep", whole_percent(i64::from(d))))
            .unwrap_or_default()
    ));
    if !p.festivals.is_empty() {
        lines.push(format!("  drops in    {}", p.festivals.join(", ")));
    }
    if let Some(w) = &p.next_drop {
        lines.push(format!(
            "  next drop   {} to {} ({})",
            ist_date(w.from),
            ist_date(w.to),
            w.reason
        ));
    }
    lines
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
            count: 185_016,
        });
        assert_eq!(
            product_row(&p, 40),
            vec![
                "B0CX59H5W7",
                "₹750",
                "₹1,000",
                "25%",
                "in stock",
                "4.3★ (1,85,016)",
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
