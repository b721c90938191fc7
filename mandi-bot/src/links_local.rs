//! What the bot reads as a product in a message, on top of `mandi_core::links` (every
//! amazon.in link shape, lookalike refusal, affiliate links): a link anywhere in the text, or
//! a bare ASIN among its words.

use mandi_core::links::{
    AssociateTag, LinkErrorKind, affiliate_link, canonical_url, parse_product_input,
    parse_product_link,
};
use mandi_core::{Asin, Marketplace};

/// A product found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundProduct {
    /// The marketplace from the link's host, or the user's default for a bare ASIN.
    pub marketplace: Marketplace,
    /// The ASIN.
    pub asin: Asin,
}

/// Finds the product in a text: a product link anywhere in it (Amazon hosts only, lookalikes
/// refused), else a bare ASIN among its words. Short links (amzn.in…) are not expanded here.
pub fn find_product(text: &str, default: Marketplace) -> Option<FoundProduct> {
    match parse_product_input(text, default).or_else(|_| parse_product_link(text)) {
        Ok(p) => {
            return Some(FoundProduct {
                marketplace: p.marketplace,
                asin: p.asin,
            });
        }
        // A link that is not Amazon's (or only looks like it) is not read for ASINs.
        Err(e) if e.kind() != LinkErrorKind::NoLink => return None,
        Err(_) => {}
    }
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 10)
        .find_map(|w| Asin::parse(w).ok())
        .map(|asin| FoundProduct {
            marketplace: default,
            asin,
        })
}

/// The product page, with the affiliate tag when it is a valid Associates tag.
pub fn product_url(marketplace: Marketplace, asin: Asin, tag: Option<&str>) -> String {
    match tag.and_then(|t| AssociateTag::parse(t).ok()) {
        Some(tag) => affiliate_link(asin, marketplace, &tag),
        None => canonical_url(asin, marketplace),
    }
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
            .is_none(),
            "a lookalike link is refused, not mined for an ASIN"
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
