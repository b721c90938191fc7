//! Product pages in amazon.in's HTML layout, for the fallback scraper: desktop `/dp/<ASIN>`,
//! mobile `/gp/aw/d/<ASIN>`, the "dog" page for unknown ASINs and the robot check.
//!
//! The element ids and classes are the ones scrapers rely on: `productTitle`,
//! `corePrice_feature_div` / `corePriceDisplay_desktop_feature_div` with `a-price-whole`
//! and `a-offscreen`, the struck-through M.R.P. (`a-text-price`), `savingsPercentage`,
//! `availability`, `acrPopover` and `acrCustomerReviewText`, and a deal badge.

use mandi_core::{Availability, Money};

use super::catalog::model::Item;
use super::oracle::{DealKind, TrueOffer};
use super::search::seller_name;

/// Escapes text for HTML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `₹54,999.00` split into whole (`54,999`) and fraction (`00`).
fn split_price(m: Money) -> (String, String, String) {
    let full = m.to_string();
    let symbol: String = full.chars().take_while(|c| !c.is_ascii_digit()).collect();
    let rest = &full[symbol.len()..];
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, "00"));
    (symbol, whole.to_owned(), frac.to_owned())
}

fn price_block(price: Money, mobile: bool) -> String {
    let (symbol, whole, frac) = split_price(price);
    let id = if mobile {
        "corePriceDisplay_mobile_feature_div"
    } else {
        "corePriceDisplay_desktop_feature_div"
    };
    format!(
        r#"<div id="{id}" class="celwidget"><span class="a-price aok-align-center reinventPricePriceToPayMargin priceToPay" data-a-size="xl" data-a-color="base"><span class="a-offscreen">{full}</span><span aria-hidden="true"><span class="a-price-symbol">{symbol}</span><span class="a-price-whole">{whole}<span class="a-price-decimal">.</span></span><span class="a-price-fraction">{frac}</span></span></span></div>"#,
        full = escape(&price.to_string()),
    )
}

/// The product page of an item at one moment.
pub(crate) fn product_page(item: &Item, offer: &TrueOffer, mobile: bool, base_url: &str) -> String {
    let title = escape(&item.title);
    let mut body = String::with_capacity(8_192);
    body.push_str(&format!(
        r#"<!doctype html><html lang="en-in" class="a-no-js"><head><meta charset="utf-8"><title>{title} : Amazon.in</title><link rel="canonical" href="{base_url}/dp/{asin}"></head><body class="{cls}"><div id="dp" class="{group}"><div id="dp-container">"#,
        asin = item.asin,
        cls = if mobile { "a-m-in a-mobile" } else { "a-m-in a-desktop" },
        group = escape(item.product_group),
    ));
    body.push_str(&format!(
        r#"<div id="titleSection"><h1 id="title" class="a-size-large a-spacing-none"><span id="productTitle" class="a-size-large product-title-word-break">{title}</span>"#
    ));
    if item.asin.is_isbn() {
        body.push_str(r#"<span id="productSubtitle" class="a-size-medium a-color-secondary">Paperback</span>"#);
    }
    body.push_str("</h1></div>");
    if item.contributors.is_empty() {
        body.push_str(&format!(
            r#"<div id="bylineInfo_feature_div"><a id="bylineInfo" class="a-link-normal" href="/stores/{b}">Visit the {b} Store</a></div>"#,
            b = escape(&item.brand)
        ));
    } else {
        body.push_str(
            r#"<div id="bylineInfo" class="a-section a-spacing-micro bylineHidden feature">"#,
        );
        for (role, name) in &item.contributors {
            body.push_str(&format!(
                r#"<span class="author notFaded" data-width=""><a class="a-link-normal" href="/s?i=stripbooks&amp;field-author={n}">{n}</a> <span class="contribution"><span class="a-color-secondary">({r})</span></span></span>"#,
                n = escape(name),
                r = escape(role)
            ));
        }
        body.push_str("</div>");
    }
    let rating = item.reviews.rating_centi;
    let stars = format!("{}.{}", rating / 100, (rating % 100) / 10);
    body.push_str(&format!(
        r##"<div id="averageCustomerReviews"><span id="acrPopover" class="reviewCountTextLinkedHistogram noUnderline" title="{stars} out of 5 stars"><span class="a-declarative"><a class="a-popover-trigger a-declarative"><i class="a-icon a-icon-star a-star-4-5"><span class="a-icon-alt">{stars} out of 5 stars</span></i></a></span></span><a id="acrCustomerReviewLink" class="a-link-normal" href="#customerReviews"><span id="acrCustomerReviewText" class="a-size-base">{count} ratings</span></a></div>"##,
        count = group_digits(u64::from(item.reviews.count)),
    ));
    if let Some(deal) = &offer.deal {
        let text = match deal.kind {
            DealKind::Lightning => "Lightning Deal",
            _ => "Limited time deal",
        };
        body.push_str(&format!(
            r#"<div id="dealBadge_feature_div" class="celwidget"><span class="a-size-small dealBadge"><span class="a-size-small dealBadgeTextColor a-text-bold">{text}</span></span>"#
        ));
        if let Some(claimed) = deal.percent_claimed {
            body.push_str(&format!(
                r#"<div id="dealClaimedPercent" class="a-size-small">{claimed}% claimed</div>"#
            ));
        }
        body.push_str("</div>");
    }
    let core_id = if mobile {
        "corePrice_mobile_feature_div"
    } else {
        "corePrice_feature_div"
    };
    body.push_str(&format!(
        r#"<div id="{core_id}" class="celwidget" data-feature-name="corePrice">"#
    ));
    match offer.price {
        Some(price) => {
            if let Some(percent) = offer.discount_percent() {
                body.push_str(&format!(
                    r#"<span class="a-size-large a-color-price savingPriceOverride aok-align-center reinventPriceSavingsPercentageMargin savingsPercentage">-{percent}%</span>"#
                ));
            }
            body.push_str(&price_block(price, mobile));
            if offer.mrp.minor() > price.minor() {
                body.push_str(&format!(
                    r#"<div class="a-section a-spacing-small aok-align-center"><span class="a-size-small a-color-secondary aok-align-center basisPrice">M.R.P.: <span class="a-price a-text-price" data-a-size="s" data-a-strike="true" data-a-color="secondary"><span class="a-offscreen">{mrp}</span><span aria-hidden="true">{mrp}</span></span></span></div>"#,
                    mrp = escape(&offer.mrp.to_string())
                ));
            }
            body.push_str(r#"<span class="a-size-small">Inclusive of all taxes</span>"#);
        }
        None => body
            .push_str(r#"<span class="a-color-price a-text-bold">Currently unavailable.</span>"#),
    }
    body.push_str("</div>");
    let (class, text) = match offer.availability {
        Availability::OutOfStock => (
            "a-size-medium a-color-price",
            "Currently unavailable. We don't know when or if this item will be back in stock."
                .to_owned(),
        ),
        _ if offer.scarce => (
            "a-size-medium a-color-price",
            "Only 2 left in stock.".to_owned(),
        ),
        _ => ("a-size-medium a-color-success", "In stock".to_owned()),
    };
    body.push_str(&format!(
        r#"<div id="availability" class="a-section a-spacing-base"><span class="{class}">{text}</span></div>"#
    ));
    body.push_str(&format!(
        r#"<div id="merchantInfoFeature_feature_div"><span class="a-size-small offer-display-feature-text-message">Sold by <a id="sellerProfileTriggerId">{}</a>{}</span></div>"#,
        escape(seller_name(item)),
        if item.fba { " and Fulfilled by Amazon" } else { "" }
    ));
    body.push_str(r#"<div id="feature-bullets" class="a-section a-spacing-medium a-spacing-top-small"><ul class="a-unordered-list a-vertical a-spacing-mini">"#);
    for f in &item.features {
        body.push_str(&format!(
            r#"<li><span class="a-list-item">{}</span></li>"#,
            escape(f)
        ));
    }
    body.push_str("</ul></div>");
    if let Some(img) = item.images.first() {
        body.push_str(&format!(
            r#"<div id="imgTagWrapperId" class="imgTagWrapper"><img id="landingImage" alt="{title}" src="{}" data-old-hires="{}"></div>"#,
            escape(img),
            escape(img)
        ));
    }
    body.push_str(&format!(
        r#"<input type="hidden" id="ASIN" name="ASIN" value="{}"></div></div></body></html>"#,
        item.asin
    ));
    body
}

/// Groups digits the Indian way is not used for counts on amazon.in: `12,345`.
fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The "Page Not Found" page amazon.in serves for an unknown ASIN.
pub(crate) fn not_found_page() -> String {
    r#"<!doctype html><html><head><title>Page Not Found</title></head><body><div id="g"><a href="/ref=cs_404_logo"><img alt="Amazon.in" src="/404-logo.png"></a><h1>Looking for something?</h1><p>We're sorry. The Web address you entered is not a functioning page on our site.</p><a href="/ref=cs_404_link">Click here to go back to the Amazon home page</a></div></body></html>"#.to_owned()
}

/// The robot check (CAPTCHA) page.
pub(crate) fn captcha_page(seed: u64) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><title dir="ltr">Amazon.in</title><meta name="robots" content="noindex,nofollow"></head><body><div class="a-container a-padding-double-large"><div class="a-box a-alert a-alert-info a-spacing-base"><div class="a-box-inner"><h4>Enter the characters you see below</h4><p class="a-last">Sorry, we just need to make sure you're not a robot. For best results, please make sure your browser is accepting cookies.</p></div></div><form method="get" action="/errors/validateCaptcha" name=""><input type="hidden" name="amzn" value="{seed:016x}"><div class="a-row a-text-center"><img src="/captcha/{seed:016x}.jpg"></div><input autocomplete="off" placeholder="Type characters" name="field-keywords" type="text" id="captchacharacters"><button type="submit" class="a-button-text">Continue shopping</button></form></div></body></html>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_group_by_thousands() {
        assert_eq!(group_digits(1234567), "1,234,567");
        assert_eq!(group_digits(999), "999");
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
    }
}
