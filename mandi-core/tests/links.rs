//! Amazon link parsing: a table of real-world link shapes, lookalikes, short links,
//! affiliate links, and a property test that the parser never panics.

use mandi_core::Marketplace::{self, *};
use mandi_core::links::{
    AssociateTag, LinkError, LinkErrorKind, LinkResolver, OfflineResolver, ResolveError,
    affiliate_link, parse_product_input, parse_product_link, resolve_and_parse,
};
use proptest::prelude::*;

enum Expect {
    Product(&'static str, Marketplace),
    Error(LinkErrorKind),
}
use Expect::{Error, Product};

/// Link shapes seen in the wild (shared from the Amazon app, browsers, deal channels, old
/// blogs), with the product or the error each must give.
const CASES: &[(&str, Expect)] = &[
    // The common shapes.
    (
        "https://www.amazon.in/dp/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/dp/B0CX59H5W7/",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/product/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/product/B0CX59H5W7/ref=ppx_yo_dt_b_asin_title_o00_s00?ie=UTF8&psc=1",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/aw/d/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/aw/d/B0CX59H5W7/ref=mp_s_a_1_1?keywords=redmi&qid=1718000000&sr=8-1",
        Product("B0CX59H5W7", India),
    ),
    (
        "http://www.amazon.com/exec/obidos/ASIN/0143333623/",
        Product("0143333623", UnitedStates),
    ),
    (
        "http://www.amazon.com/exec/obidos/tg/detail/-/0143333623/qid=1100000000",
        Product("0143333623", UnitedStates),
    ),
    (
        "https://www.amazon.in/product-reviews/B0CX59H5W7/ref=cm_cr_dp_d_show_all_btm?ie=UTF8&reviewerType=all_reviews",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/Redmi-Note-13-5G-Arctic/product-reviews/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/offer-listing/B0CX59H5W7/ref=dp_olp_all_mbc?ie=UTF8&condition=all",
        Product("B0CX59H5W7", India),
    ),
    // SEO slugs, tracking and affiliate parameters.
    (
        "https://www.amazon.in/Redmi-Arctic-White-256GB-Storage/dp/B0CX59H5W7/ref=sr_1_3?crid=2M1X&dib=eyJ2&keywords=redmi+note+13&qid=1718000000&sprefix=redmi%2Caps%2C312&sr=8-3",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/Apple-iPhone-15-128-GB/dp/B0CHX1W1XY?th=1",
        Product("B0CHX1W1XY", India),
    ),
    (
        "https://www.amazon.in/dp/B0CX59H5W7?tag=somedeals-21&linkCode=ogi&th=1&psc=1",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/dp/B0CX59H5W7/ref=cm_sw_r_wa_apa_glt_fabc_XYZ?_encoding=UTF8&psc=1",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/Samsung-Galaxy-Storage-Without-Offer/dp/B0CS5XW6TN/ref=sr_1_1_sspa?pd_rd_w=abc&content-id=amzn1.sym.x&pf_rd_p=y&pf_rd_r=Z&pd_rd_wg=Q&pd_rd_r=R&sp_csd=d2lkZ2V0&smid=A14CZOWI0VEHLG",
        Product("B0CS5XW6TN", India),
    ),
    (
        "https://www.amazon.in/-/hi/dp/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/dp/product/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    // Domains: bare, mobile, upper case, trailing dot, other marketplaces.
    (
        "https://amazon.in/dp/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://m.amazon.in/dp/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "HTTPS://WWW.AMAZON.IN/DP/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.Amazon.In/Dp/b0cx59h5w7?Th=1",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in./dp/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "http://www.amazon.in:443/dp/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    ("www.amazon.in/dp/B0CX59H5W7", Product("B0CX59H5W7", India)),
    (
        "amazon.in/gp/product/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.com/dp/B08N5WRWNW",
        Product("B08N5WRWNW", UnitedStates),
    ),
    (
        "https://smile.amazon.com/dp/B08N5WRWNW",
        Product("B08N5WRWNW", UnitedStates),
    ),
    (
        "https://www.amazon.co.uk/gp/product/B08N5WRWNW",
        Product("B08N5WRWNW", UnitedKingdom),
    ),
    (
        "https://www.amazon.de/-/en/dp/B08N5WRWNW",
        Product("B08N5WRWNW", Germany),
    ),
    (
        "https://www.amazon.co.jp/dp/B08N5WRWNW",
        Product("B08N5WRWNW", Japan),
    ),
    (
        "https://www.amazon.com.au/dp/B08N5WRWNW",
        Product("B08N5WRWNW", Australia),
    ),
    (
        "https://www.amazon.com.br/dp/B08N5WRWNW",
        Product("B08N5WRWNW", Brazil),
    ),
    (
        "https://www.amazon.ae/dp/B08N5WRWNW",
        Product("B08N5WRWNW", UnitedArabEmirates),
    ),
    (
        "https://www.amazon.com.mx/dp/B08N5WRWNW",
        Product("B08N5WRWNW", Mexico),
    ),
    (
        "https://www.amazon.sa/dp/B08N5WRWNW",
        Product("B08N5WRWNW", SaudiArabia),
    ),
    (
        "https://amzn.com/B08N5WRWNW",
        Product("B08N5WRWNW", UnitedStates),
    ),
    // Books by ISBN-10, and percent-encoding.
    (
        "https://www.amazon.in/Wings-Fire-Autobiography-Abdul-Kalam/dp/080442957X",
        Product("080442957X", India),
    ),
    (
        "https://www.amazon.in/dp/%42%30CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/%E0%A4%B0%E0%A5%87%E0%A4%A1%E0%A4%AE%E0%A5%80/dp/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https%3A%2F%2Fwww.amazon.in%2Fdp%2FB0CX59H5W7%3Fth%3D1",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/aw/d/?asin=B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/s?k=phone&pd_rd_i=B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    // Whole chat messages.
    (
        "Check this out! https://www.amazon.in/dp/B0CX59H5W7?th=1 only ₹17,999 today 🔥",
        Product("B0CX59H5W7", India),
    ),
    (
        "*Deal of the day*\nRedmi Note 13 5G\n👉 https://www.amazon.in/Redmi/dp/B0CX59H5W7/ref=x.\nHurry!",
        Product("B0CX59H5W7", India),
    ),
    (
        "Sharing: Redmi Note 13 (https://amazon.in/dp/B0CX59H5W7)",
        Product("B0CX59H5W7", India),
    ),
    (
        "Link:https://www.amazon.in/dp/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "see youtube https://youtu.be/abc and buy at https://www.amazon.in/dp/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "Buy\u{a0}now\u{200b}https://www.amazon.in/dp/B0CX59H5W7\u{200e}",
        Product("B0CX59H5W7", India),
    ),
    (
        "“https://www.amazon.in/dp/B0CX59H5W7”",
        Product("B0CX59H5W7", India),
    ),
    // Short links need the network.
    ("https://amzn.in/d/3xYzAbC", Error(LinkErrorKind::ShortLink)),
    ("https://amzn.to/3Kq2XyZ", Error(LinkErrorKind::ShortLink)),
    ("https://a.co/d/0aBcDeF", Error(LinkErrorKind::ShortLink)),
    ("https://amzn.eu/d/aBcD123", Error(LinkErrorKind::ShortLink)),
    (
        "Great price!! amzn.in/d/3xYzAbC",
        Error(LinkErrorKind::ShortLink),
    ),
    // Lookalikes and other sites.
    (
        "https://www.amazon.in.evil.com/dp/B0CX59H5W7",
        Error(LinkErrorKind::Lookalike),
    ),
    (
        "https://amazon-in.com/dp/B0CX59H5W7",
        Error(LinkErrorKind::Lookalike),
    ),
    (
        "https://www.amazon.in@evil.com/dp/B0CX59H5W7",
        Error(LinkErrorKind::Lookalike),
    ),
    (
        "https://amaz0n.in/dp/B0CX59H5W7",
        Error(LinkErrorKind::Lookalike),
    ),
    (
        "https://amzn.in.deals.example/d/abc",
        Error(LinkErrorKind::Lookalike),
    ),
    (
        "https://www.amazon.xyz/dp/B0CX59H5W7",
        Error(LinkErrorKind::Lookalike),
    ),
    (
        "https://www.аmazon.in/dp/B0CX59H5W7",
        Error(LinkErrorKind::Lookalike),
    ),
    (
        "https://www.flipkart.com/redmi-note-13/p/itm123",
        Error(LinkErrorKind::NotAmazon),
    ),
    (
        "https://127.0.0.1/dp/B0CX59H5W7",
        Error(LinkErrorKind::NotAmazon),
    ),
    (
        "ftp://www.amazon.in/dp/B0CX59H5W7",
        Error(LinkErrorKind::UnsupportedScheme),
    ),
    // Amazon, but not a product.
    ("https://www.amazon.in/", Error(LinkErrorKind::NotAProduct)),
    (
        "https://www.amazon.in/s?k=redmi+note+13",
        Error(LinkErrorKind::NotAProduct),
    ),
    (
        "https://www.amazon.in/deals?ref_=nav_cs_gb",
        Error(LinkErrorKind::NotAProduct),
    ),
    (
        "https://www.amazon.in/dp/A0CX59H5W7",
        Error(LinkErrorKind::InvalidAsin),
    ),
    (
        "https://www.amazon.in/dp/0143333624",
        Error(LinkErrorKind::InvalidAsin),
    ),
    // No link at all.
    (
        "hello, is this still available?",
        Error(LinkErrorKind::NoLink),
    ),
    ("   ", Error(LinkErrorKind::Empty)),
    // Sponsored search results and ad redirects carry the product link URL-encoded.
    (
        "https://www.amazon.in/sspa/click?ie=UTF8&spc=MTo0NTY3OjE3MDAwMDAwMDA6c3BfYXRmOjMwMDA&url=%2FRedmi-Arctic-White-128GB-Storage%2Fdp%2FB0CX59H5W7%2Fref%3Dsr_1_1_sspa%3Fkeywords%3Dredmi%26psc%3D1&sp_csd=d2lkZ2V0TmFtZT1zcF9hdGY",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/slredirect/picassoRedirect.html/ref=pa_sp_atf_aps_sr_pg1_1?ie=UTF8&adId=A0123456789ABCDEFGHIJ&url=%2FRedmi-Note-13%2Fdp%2FB0CX59H5W7%2Fref%3Dsr_1_1_sspa%3Fpsc%3D1&qualifier=1700000000&id=1234567890123456&widgetName=sp_atf",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://aax-eu.amazon-adsystem.com/x/c/RHdkYWJjZGVm/https://www.amazon.in/dp/B0CX59H5W7?tag=deals-21&linkCode=ogi",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/r.html?C=ABC&R=1&T=C&U=https%3A%2F%2Fwww.amazon.in%2Fdp%2FB0CX59H5W7%3Fref_%3Dpe_123",
        Product("B0CX59H5W7", India),
    ),
    // An ad redirect towards another site is not followed.
    (
        "https://www.amazon.in/sspa/click?url=https%3A%2F%2Fevil.example%2Fdp%2FB0CX59H5W7",
        Error(LinkErrorKind::NotAProduct),
    ),
    (
        "https://aax-eu.amazon-adsystem.com/x/c/RHdkYWJj/https://evil.example/dp/B0CX59H5W7",
        Error(LinkErrorKind::NotAProduct),
    ),
    // Other /gp/ sub-paths and old shapes.
    (
        "https://www.amazon.in/gp/product/glance/B0CX59H5W7/ref=x",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/product/images/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/aw/ol/B0CX59H5W7?ie=UTF8",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/gp/aw/cr/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/o/ASIN/B0CX59H5W7/ref=nosim",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/dp/product/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/-/hi/dp/B0CX59H5W7",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://www.amazon.in/-/hi/Redmi-Note-13/dp/B0CX59H5W7?th=1",
        Product("B0CX59H5W7", India),
    ),
    (
        "https://smile.amazon.com/dp/B08N5WRWNW",
        Product("B08N5WRWNW", UnitedStates),
    ),
    (
        "https://www.amazon.in/gp/aws/cart/add.html?ASIN.1=B0CX59H5W7&Quantity.1=1",
        Product("B0CX59H5W7", India),
    ),
    // The app's share form on the shop's own host needs the network, like amzn.in.
    (
        "https://www.amazon.in/d/8Zx3kLmQ",
        Error(LinkErrorKind::ShortLink),
    ),
    // Pages that are not one product are named.
    (
        "https://www.amazon.in/hz/wishlist/ls/2ABCDEFGHIJKL?ref_=wl_share",
        Error(LinkErrorKind::NotAProduct),
    ),
    (
        "https://www.amazon.in/s?k=redmi+note+13&ref=nb_sb_noss",
        Error(LinkErrorKind::NotAProduct),
    ),
];

#[test]
fn real_world_link_shapes() {
    assert!(CASES.len() >= 40, "the table must keep at least 40 shapes");
    let mut failures = Vec::new();
    for (input, expect) in CASES {
        let got = parse_product_link(input);
        let ok = match (expect, &got) {
            (Product(asin, m), Ok(p)) => p.asin.as_str() == *asin && p.marketplace == *m,
            (Error(kind), Err(e)) => e.kind() == *kind,
            _ => false,
        };
        if !ok {
            let want = match expect {
                Product(a, m) => format!("{a} on {m}"),
                Error(k) => format!("error {k}"),
            };
            failures.push(format!("{input:?}\n    want {want}\n    got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn pages_that_are_not_products_are_named() {
    for (link, page) in [
        (
            "https://www.amazon.in/hz/wishlist/ls/2ABCDEFGHIJKL",
            "a wish list",
        ),
        ("https://www.amazon.in/s?k=redmi", "a search results page"),
        (
            "https://www.amazon.in/stores/Redmi/page/ABC",
            "a brand store",
        ),
        (
            "https://www.amazon.in/deals?ref_=nav_cs_gb",
            "the deals page",
        ),
    ] {
        let e = parse_product_link(link).unwrap_err();
        assert!(e.to_string().contains(page), "{link}: {e}");
        assert_eq!(e.kind(), LinkErrorKind::NotAProduct, "{link}");
    }
    // The ad server is Amazon's, not a lookalike; with no product in it, it says so.
    let e = parse_product_link("https://aax-eu.amazon-adsystem.com/x/c/RHdk/").unwrap_err();
    assert!(e.to_string().contains("ad link"), "{e}");
    // Lookalikes of the ad server are still refused.
    let e = parse_product_link(
        "https://amazon-adsystem.com.evil.example/x/c/a/https://www.amazon.in/dp/B0CX59H5W7",
    )
    .unwrap_err();
    assert_eq!(e.kind(), LinkErrorKind::Lookalike, "{e}");
}

#[test]
fn lookalikes_say_why() {
    let reason = |text: &str| match parse_product_link(text) {
        Err(LinkError::Lookalike { host, reason }) => format!("{host}: {reason}"),
        other => panic!("{text}: expected a lookalike, got {other:?}"),
    };
    let r = reason("https://www.amazon.in.evil.com/dp/B0CX59H5W7");
    assert!(r.contains("evil.com"), "{r}");
    assert!(r.contains("only the start"), "{r}");
    let r = reason("https://www.amazon.in@evil.com/dp/B0CX59H5W7");
    assert!(r.contains("user name") && r.contains("evil.com"), "{r}");
    let r = reason("https://amazon-in.com/dp/B0CX59H5W7");
    assert!(r.contains("amazon-in.com is not an Amazon domain"), "{r}");
    let message = parse_product_link("https://www.amazon.in.evil.com/dp/B0CX59H5W7")
        .expect_err("lookalike")
        .to_string();
    assert!(message.contains("refused"), "{message}");
}

#[test]
fn errors_name_what_to_do() {
    let err = parse_product_link("https://amzn.in/d/3xYzAbC").expect_err("short");
    assert!(err.to_string().contains("short link"), "{err}");
    let err = parse_product_link("https://www.amazon.in/s?k=phone").expect_err("search");
    assert!(
        err.to_string()
            .contains("a search results page, not a product page"),
        "{err}"
    );
    let err = parse_product_link("https://www.amazon.in/gp/help/customer").expect_err("help");
    assert!(
        err.to_string().contains("does not point at a product"),
        "{err}"
    );
    let err = parse_product_link("https://www.flipkart.com/x/p/1").expect_err("flipkart");
    assert_eq!(
        err.to_string(),
        "www.flipkart.com is not an Amazon shop; paste a link from amazon.in or another Amazon marketplace"
    );
}

#[test]
fn the_first_product_link_in_a_message_wins() {
    let p = parse_product_link(
        "old: https://www.amazon.com/dp/B08N5WRWNW new: https://www.amazon.in/dp/B0CX59H5W7",
    )
    .expect("product");
    assert_eq!(p.asin.as_str(), "B08N5WRWNW");
    assert_eq!(p.marketplace, UnitedStates);
    // A failing link before a good one does not hide it.
    let p = parse_product_link("https://amzn.in/d/x or https://amazon.in/dp/B0CX59H5W7")
        .expect("product");
    assert_eq!(p.asin.as_str(), "B0CX59H5W7");
}

#[test]
fn bare_asins_are_accepted_where_a_link_or_asin_is_expected() {
    let p = parse_product_input("B0CX59H5W7", India).expect("asin");
    assert_eq!((p.asin.as_str(), p.marketplace), ("B0CX59H5W7", India));
    let p = parse_product_input(" 080442957x\n", UnitedKingdom).expect("isbn");
    assert_eq!(
        (p.asin.as_str(), p.marketplace),
        ("080442957X", UnitedKingdom)
    );
    let err = parse_product_input("A0CX59H5W7", India).expect_err("bad shape");
    assert_eq!(err.kind(), LinkErrorKind::InvalidAsin);
    // A link keeps its own marketplace.
    let p = parse_product_input("https://www.amazon.de/dp/B08N5WRWNW", India).expect("link");
    assert_eq!(p.marketplace, Germany);
    // A bare ASIN is not a link.
    assert_eq!(
        parse_product_link("B0CX59H5W7").map_err(|e| e.kind()),
        Err(LinkErrorKind::NoLink)
    );
}

#[test]
fn canonical_and_affiliate_links() {
    let p = parse_product_link("https://m.amazon.in/gp/aw/d/b0cx59h5w7?tag=other-21&ref=abc")
        .expect("product");
    assert_eq!(p.canonical_url(), "https://www.amazon.in/dp/B0CX59H5W7");
    let tag = AssociateTag::parse("mandi-21").expect("tag");
    assert_eq!(
        affiliate_link(p.asin, p.marketplace, &tag),
        "https://www.amazon.in/dp/B0CX59H5W7?tag=mandi-21"
    );
    let us = AssociateTag::parse("mandi-20").expect("tag");
    assert_eq!(
        affiliate_link(p.asin, UnitedKingdom, &us),
        "https://www.amazon.co.uk/dp/B0CX59H5W7?tag=mandi-20"
    );
    assert_eq!(tag.suffix(), "21");
}

#[test]
fn associate_tags_that_do_not_look_like_tags_are_refused() {
    for good in ["mandi-21", "my-deal-store-21", "a1-20", " shop2024-22 "] {
        assert!(AssociateTag::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "mandi",
        "mandi-",
        "-21",
        "mandi-2",
        "mandi-211",
        "Mandi-21",
        "mandi_shop-21",
        "mandi-21&tag=evil-20",
        "mandi 21",
        "mandi--21",
        &format!("{}-21", "a".repeat(62)),
    ] {
        let err = AssociateTag::parse(bad).expect_err(bad);
        assert!(err.to_string().contains("Associates tag"), "{err}");
    }
    let json: Result<AssociateTag, _> = serde_json::from_str("\"nope\"");
    assert!(json.is_err());
    let json: AssociateTag = serde_json::from_str("\"mandi-21\"").expect("tag");
    assert_eq!(json.as_str(), "mandi-21");
}

/// A resolver that answers from a fixed table (the HTTP adapter lives in mandi-paapi).
struct Table(&'static [(&'static str, &'static str)]);

#[async_trait::async_trait]
impl LinkResolver for Table {
    async fn resolve(&self, short: &url::Url) -> Result<url::Url, ResolveError> {
        self.0
            .iter()
            .find(|(s, _)| *s == short.as_str())
            .map(|(_, full)| url::Url::parse(full).expect("test URL"))
            .ok_or(ResolveError::NoRedirect { status: 404 })
    }
}

#[tokio::test]
async fn short_links_resolve_through_the_port() {
    let table = Table(&[
        (
            "https://amzn.in/d/3xYzAbC",
            "https://www.amazon.in/Redmi/dp/B0CX59H5W7?ref=x&tag=t-21",
        ),
        ("https://amzn.to/loop", "https://amzn.to/loop"),
        (
            "https://a.co/d/evil",
            "https://www.amazon.in.evil.com/dp/B0CX59H5W7",
        ),
    ]);
    let p = resolve_and_parse("look: https://amzn.in/d/3xYzAbC !", &table)
        .await
        .expect("resolved");
    assert_eq!((p.asin.as_str(), p.marketplace), ("B0CX59H5W7", India));
    // Through a shared pointer as well.
    let shared = std::sync::Arc::new(table);
    let p = resolve_and_parse("https://amzn.in/d/3xYzAbC", &shared)
        .await
        .expect("resolved");
    assert_eq!(p.asin.as_str(), "B0CX59H5W7");
    let err = resolve_and_parse("https://amzn.to/loop", &shared)
        .await
        .expect_err("loop");
    assert_eq!(err.kind(), LinkErrorKind::Resolve);
    let err = resolve_and_parse("https://a.co/d/evil", &shared)
        .await
        .expect_err("evil");
    assert_eq!(err.kind(), LinkErrorKind::Lookalike);
    let err = resolve_and_parse("https://a.co/d/unknown", &shared)
        .await
        .expect_err("dead");
    assert!(matches!(
        err,
        LinkError::Resolve {
            source: ResolveError::NoRedirect { status: 404 },
            ..
        }
    ));
}

#[tokio::test]
async fn the_offline_resolver_says_the_network_is_needed() {
    let err = resolve_and_parse("https://amzn.in/d/3xYzAbC", &OfflineResolver)
        .await
        .expect_err("offline");
    assert!(matches!(
        err,
        LinkError::Resolve {
            source: ResolveError::Offline,
            ..
        }
    ));
    let message = format!(
        "{err}: {}",
        std::error::Error::source(&err).expect("source")
    );
    assert!(message.contains("short link needs network"), "{message}");
    // Full links never reach the resolver.
    let p = resolve_and_parse("https://www.amazon.in/dp/B0CX59H5W7", &OfflineResolver)
        .await
        .expect("no resolver needed");
    assert_eq!(p.asin.as_str(), "B0CX59H5W7");
}

proptest! {
    #[test]
    fn parsing_never_panics_on_any_text(text in ".{0,300}") {
        let _ = parse_product_link(&text);
        let _ = parse_product_input(&text, India);
    }

    #[test]
    fn parsing_never_panics_on_link_like_text(
        prefix in "[ -~]{0,20}",
        host in "(www\\.|m\\.)?(amazon|amzn|a)\\.[a-z.]{1,8}",
        path in "[/a-zA-Z0-9%?&=._~-]{0,80}",
    ) {
        let _ = parse_product_link(&format!("{prefix} https://{host}{path} "));
        let _ = parse_product_link(&format!("{host}{path}"));
    }

    #[test]
    fn any_valid_asin_in_any_shape_is_found(
        tail in "[A-Z0-9]{8}",
        slug in "[A-Za-z0-9-]{0,30}",
        query in "[a-z_]{1,8}=[a-zA-Z0-9]{0,10}",
        idx in 0usize..22,
    ) {
        let asin = format!("B0{tail}");
        let m = Marketplace::ALL[idx];
        let link = format!("Look https://{}/{slug}/dp/{}?{query} now", m.domain(), asin.to_lowercase());
        let p = parse_product_link(&link).expect("product");
        prop_assert_eq!(p.asin.as_str(), asin.as_str());
        prop_assert_eq!(p.marketplace, m);
    }
}
