//! Search over the catalogue: every filter the clients send, relevance ranking and the
//! documented sorts.

use chrono::{DateTime, Utc};
use mandi_core::{Availability, Marketplace};

use super::catalog::model::{Item, SELLERS};
use super::catalog::words;
use super::oracle::{Oracle, TrueOffer};
use crate::creators::model::SearchItemsRequest;

/// Search indexes the sandbox knows (amazon.in's names).
pub(crate) const SEARCH_INDEXES: &[&str] = &[
    "All",
    "Apparel",
    "Appliances",
    "Beauty",
    "Books",
    "Computers",
    "Electronics",
    "Fashion",
    "GroceryAndGourmetFood",
    "HomeAndKitchen",
    "Shoes",
];

/// Sort names the APIs document.
pub(crate) const SORTS: &[&str] = &[
    "AvgCustomerReviews",
    "Featured",
    "NewestArrivals",
    "Price:HighToLow",
    "Price:LowToHigh",
    "Relevance",
];

/// A search hit: the item, its offer now and its relevance score.
pub(crate) struct Hit<'a> {
    pub(crate) item: &'a Item,
    pub(crate) offer: TrueOffer,
    pub(crate) score: u32,
}

fn matches_words(haystack: &str, needle: &str) -> bool {
    let have = words(haystack);
    words(needle).iter().all(|w| have.contains(w))
}

/// Every item `marketplace` sells matching the request at `at`, ranked (prices in the
/// market's currency). The request is assumed validated.
pub(crate) fn search<'a>(
    oracle: &'a Oracle,
    request: &SearchItemsRequest,
    at: DateTime<Utc>,
    marketplace: Marketplace,
) -> Vec<Hit<'a>> {
    let catalog = oracle.catalog();
    let query: Vec<String> = request.keywords.as_deref().map(words).unwrap_or_default();
    let node = request
        .browse_node_id
        .as_deref()
        .and_then(|id| catalog.tree.index(id));
    let index = request.search_index.as_deref().filter(|i| *i != "All");
    let include_oos = request.availability.as_deref() == Some("IncludeOutOfStock");
    let flags = request.delivery_flags.clone().unwrap_or_default();
    let mut hits: Vec<Hit<'a>> = Vec::new();
    for item in &catalog.items {
        let Some(priced) = oracle.priced_item(marketplace, item) else {
            continue;
        };
        if let Some(index) = index
            && !item.search_indexes.contains(&index)
        {
            continue;
        }
        if let Some(node) = node
            && !item.node_path.contains(&node)
        {
            continue;
        }
        if let Some(brand) = request.brand.as_deref()
            && !item.brand.eq_ignore_ascii_case(brand.trim())
            && !matches_words(&item.brand, brand)
        {
            continue;
        }
        if let Some(title) = request.title.as_deref()
            && !matches_words(&item.title, title)
        {
            continue;
        }
        if let Some(author) = request.author.as_deref()
            && !item
                .contributors
                .iter()
                .any(|(role, name)| role == "Author" && matches_words(name, author))
        {
            continue;
        }
        // The catalogue holds no films or music.
        if request.actor.is_some() || request.artist.is_some() {
            continue;
        }
        if let Some(min) = request.min_reviews_rating
            && item.reviews.rating_centi < u16::from(min) * 100
        {
            continue;
        }
        if request.merchant.as_deref() == Some("Amazon") && item.merchant != 0 {
            continue;
        }
        if request
            .condition
            .as_deref()
            .is_some_and(|c| !matches!(c, "Any" | "New"))
        {
            // Every listing is new.
            continue;
        }
        let delivery_ok = flags.iter().all(|f| match f.as_str() {
            "Prime" | "FulfilledByAmazon" => item.fba,
            "AmazonGlobal" => item.global,
            "FreeShipping" => item.fba || item.base >= 49_900,
            _ => true,
        });
        if !delivery_ok {
            continue;
        }
        let mut score = 0u32;
        if !query.is_empty() {
            let mut all = true;
            for w in &query {
                match item.tokens.binary_search_by(|(t, _)| t.as_str().cmp(w)) {
                    Ok(i) => score += u32::from(item.tokens[i].1) * 10,
                    Err(_) => {
                        // A prefix of three letters or more still counts (`lap` → `laptop`).
                        let prefix = w.len() >= 3
                            && item.tokens.iter().any(|(t, _)| t.starts_with(w.as_str()));
                        if prefix {
                            score += 5;
                        } else {
                            all = false;
                            break;
                        }
                    }
                }
            }
            if !all {
                continue;
            }
        }
        let offer = oracle.offer_priced(&priced, at);
        if !include_oos && offer.availability != Availability::InStock {
            continue;
        }
        if let Some(min) = request.min_price
            && offer.price.is_none_or(|p| p.minor() < min)
        {
            continue;
        }
        if let Some(max) = request.max_price
            && offer.price.is_none_or(|p| p.minor() > max)
        {
            continue;
        }
        if let Some(min) = request.min_saving_percent
            && offer.discount_percent().unwrap_or(0) < min
        {
            continue;
        }
        hits.push(Hit { item, offer, score });
    }
    let price = |h: &Hit<'_>| h.offer.price.map(|p| p.minor());
    match request.sort_by.as_deref() {
        Some("Price:LowToHigh") => {
            hits.sort_by_key(|h| (price(h).unwrap_or(i64::MAX), h.item.asin));
        }
        Some("Price:HighToLow") => {
            hits.sort_by_key(|h| (std::cmp::Reverse(price(h).unwrap_or(-1)), h.item.asin));
        }
        Some("AvgCustomerReviews") => hits.sort_by_key(|h| {
            (
                std::cmp::Reverse(h.item.reviews.rating_centi),
                std::cmp::Reverse(h.item.reviews.count),
                h.item.asin,
            )
        }),
        Some("NewestArrivals") => {
            hits.sort_by_key(|h| (std::cmp::Reverse(h.item.released), h.item.asin));
        }
        Some("Featured") => {
            hits.sort_by_key(|h| (std::cmp::Reverse(h.item.popularity), h.item.asin));
        }
        _ => hits.sort_by_key(|h| {
            (
                std::cmp::Reverse(h.score),
                std::cmp::Reverse(h.item.popularity),
                h.item.asin,
            )
        }),
    }
    hits
}

/// The seller name of an item (for pages).
pub(crate) fn seller_name(item: &Item) -> &'static str {
    SELLERS[item.merchant.min(SELLERS.len() - 1)].name
}
