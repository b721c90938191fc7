//! TEMPORARY: a small local stand-in for `mandi_core::links`, which is being written on
//! another branch. It finds an ASIN in what a user pastes (a bare ASIN, or an Amazon URL with
//! `/dp/<ASIN>`, `/gp/product/<ASIN>` or `/gp/aw/d/<ASIN>`) and builds a product link with
//! the affiliate tag. Replace every use with `mandi_core::links` once that lands; nothing else
//! in the bot depends on how this is done.

use mandi_core::{Asin, Marketplace};

/// A product found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundProduct {
    /// The marketplace from the link's host, or the user's default for a bare ASIN.
    pub marketplace: Marketplace,
    /// The ASIN.
    pub asin: Asin,
}

/// Finds the first product in a text: URLs first (Amazon hosts only), then a bare ASIN.
pub fn find_product(text: &str, default: Marketplace) -> Option<FoundProduct> {
    for word in text.split_whitespace() {
        let word = word.trim_matches(|c: char| matches!(c, '(' | ')' | '<' | '>' | '"' | '\''));
        if let Ok(url) = url::Url::parse(word)
            && matches!(url.scheme(), "http" | "https")
            && let Some(host) = url.host_str()
            && let Some(marketplace) = Marketplace::from_host(host)
            && let Some(asin) = asin_in_path(url.path())
        {
            return Some(FoundProduct { marketplace, asin });
        }
    }
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 10 && w.starts_with(['B', 'b']))
        .find_map(|w| Asin::parse(w).ok())
        .map(|asin| FoundProduct {
            marketplace: default,
            asin,
        })
}

fn asin_in_path(path: &str) -> Option<Asin> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segs.windows(2).find_map(|w| match w {
        ["dp" | "product" | "d", candidate] => Asin::parse(candidate).ok(),
        _ => None,
    })
}

/// The product page with the affiliate tag (`https://www.amazon.in/dp/<ASIN>?tag=<tag>`).
pub fn product_url(marketplace: Marketplace, asin: Asin, tag: Option<&str>) -> String {
    let mut url = format!("https://{}/dp/{}", marketplace.domain(), asin.as_str());
    if let Some(tag) = tag.filter(|t| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        url.push_str("?tag=");
        url.push_str(tag);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_products_in_links_and_bare_asins() {
        let f = find_product(
            "Look: https://www.amazon.in/Redmi-Note/dp/B0CX59H5W7/ref=sr_1_1?th=1 wow",
            Marketplace::UnitedStates,
        )
        .unwrap();
        assert_eq!(f.marketplace, Marketplace::India);
        assert_eq!(f.asin.as_str(), "B0CX59H5W7");
        let f = find_product("watch b0cx59h5w7 please", Marketplace::India).unwrap();
        assert_eq!(f.asin.as_str(), "B0CX59H5W7");
        let f = find_product(
            "https://amazon.co.uk/gp/product/B0CX59H5W7",
            Marketplace::India,
        )
        .unwrap();
        assert_eq!(f.marketplace, Marketplace::UnitedKingdom);
        assert!(
            find_product(
                "https://amazon.in.evil.com/dp/B0CX59H5W7",
                Marketplace::India
            )
            .is_some_and(|f| f.marketplace == Marketplace::India)
        );
        assert!(find_product("hello there", Marketplace::India).is_none());
    }

    #[test]
    fn affiliate_links_refuse_odd_tags() {
        let a = Asin::parse("B0CX59H5W7").unwrap();
        assert_eq!(
            product_url(Marketplace::India, a, Some("mandi-21")),
            "https://www.amazon.in/dp/B0CX59H5W7?tag=mandi-21"
        );
        assert_eq!(
            product_url(Marketplace::India, a, Some("x&y=1")),
            "https://www.amazon.in/dp/B0CX59H5W7"
        );
    }
}
