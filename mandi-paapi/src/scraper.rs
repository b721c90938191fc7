//! The fallback scraper: reads an Amazon product page (`/dp/<ASIN>`) when the APIs are
//! unavailable. Off by default.
//!
//! [`parse_product_page`] reads title, price, M.R.P., availability, rating, brand, seller
//! and deal badge from the page's HTML with a real HTML parser (the `scraper` crate), for the
//! layouts amazon.in serves: desktop (`apex_desktop`, `corePriceDisplay_desktop_feature_div`),
//! mobile (`apex_mobile`), out of stock (`outOfStock`), deals (`dealBadge_feature_div`) and
//! books (`#price`, `#listPrice`, format swatches). Anything it cannot read stays unknown:
//! a CAPTCHA / robot-check page is recognised first and gives [`PageKind::RobotCheck`] with
//! [`Availability::Unknown`] and no price — never a number picked off the challenge page.
//!
//! [`ScraperSource`] is a [`ProductSource`] that only answers `get_items`, fetching one page
//! per ASIN from a configured base URL; every product it returns is marked
//! [`DataOrigin::Scraped`]. It refuses search, variations and browse nodes with a clear
//! error. Use it only where the site's terms allow, and only as the monitor's fallback.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ::scraper::{ElementRef, Html, Selector};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use mandi_core::{
    Asin, Availability, BrowseNode, BrowseNodesRequest, Clock, DataOrigin, DealDetails, ItemError,
    ItemErrorKind, ItemsBatch, ItemsRequest, Marketplace, Merchant, Money, Offer, Product,
    ProductSource, Reviews, Savings, SearchPage, SearchRequest, SourceError, VariationFamily,
    VariationsRequest,
};
use url::Url;

use crate::error::{Error, Result};
use crate::transport::parse_retry_after;

/// The largest page read: 4 MiB.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// What kind of page came back.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// A product page.
    Product,
    /// A CAPTCHA / robot check: nothing on it is product data.
    RobotCheck,
    /// Amazon's "Looking for something?" page: no such product.
    NotFound,
    /// A page that is none of these (a layout this parser does not know).
    Unrecognised,
}

/// A deal badge as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapedDeal {
    /// The badge (`Lightning Deal`, `Limited time deal`).
    pub badge: String,
    /// The countdown shown (`Ends in 04:12:33`).
    pub ends_in: Option<TimeDelta>,
    /// How much of the deal is claimed, in percent.
    pub percent_claimed: Option<u8>,
}

/// What one product page says. Every field is optional: what the page does not show (or
/// shows in a form that cannot be read safely) stays `None` / `Unknown`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapedPage {
    /// The kind of page.
    pub kind: PageKind,
    /// The product title.
    pub title: Option<String>,
    /// The brand from the byline (`Visit the Samsung Store` → `Samsung`).
    pub brand: Option<String>,
    /// Authors from a book byline.
    pub authors: Vec<String>,
    /// The price to pay.
    pub price: Option<Money>,
    /// The M.R.P. / list price shown struck through.
    pub list_price: Option<Money>,
    /// The saving in percent the page shows (`-26%` → 26).
    pub savings_percent: Option<u8>,
    /// Whether it can be bought.
    pub availability: Availability,
    /// The availability message (`Only 3 left in stock.`).
    pub availability_message: Option<String>,
    /// Star rating and number of ratings.
    pub reviews: Option<Reviews>,
    /// The deal badge, if any.
    pub deal: Option<ScrapedDeal>,
    /// The seller's name.
    pub seller: Option<String>,
}

impl ScrapedPage {
    fn empty(kind: PageKind) -> Self {
        Self {
            kind,
            title: None,
            brand: None,
            authors: Vec::new(),
            price: None,
            list_price: None,
            savings_percent: None,
            availability: Availability::Unknown,
            availability_message: None,
            reviews: None,
            deal: None,
            seller: None,
        }
    }

    /// The page as a [`Product`] marked [`DataOrigin::Scraped`]; `None` unless it is a
    /// product page with a title.
    pub fn into_product(
        self,
        asin: Asin,
        marketplace: Marketplace,
        fetched_at: DateTime<Utc>,
        url: Option<String>,
    ) -> Option<Product> {
        if self.kind != PageKind::Product {
            return None;
        }
        let title = self.title?;
        let mut product = Product::new(asin, marketplace, title, fetched_at);
        product.brand = self.brand;
        product.contributors = self
            .authors
            .into_iter()
            .map(|a| ("Author".to_owned(), a))
            .collect();
        product.detail_page_url = url;
        product.reviews = self.reviews;
        product.origin = DataOrigin::Scraped;
        let savings = match (self.price, self.list_price, self.savings_percent) {
            (Some(p), Some(l), Some(percent)) => p
                .currency()
                .eq(&l.currency())
                .then(|| l.checked_sub(p).ok())
                .flatten()
                .filter(|a| a.minor() > 0)
                .map(|amount| Savings { amount, percent }),
            _ => None,
        };
        let deal = self.deal.map(|d| DealDetails {
            badge: Some(d.badge),
            access_type: None,
            starts_at: None,
            ends_at: d.ends_in.map(|left| fetched_at + left),
            percent_claimed: d.percent_claimed,
        });
        product.offers.push(Offer {
            listing_id: None,
            price: self.price,
            list_price: self.list_price,
            savings,
            merchant: Merchant {
                id: None,
                name: self.seller,
                fulfilled_by_amazon: false,
            },
            condition: mandi_core::Condition::New,
            is_buy_box_winner: true,
            deal,
            availability: self.availability,
            availability_message: self.availability_message,
            loyalty_points: None,
        });
        Some(product)
    }
}

fn selector(css: &str) -> Selector {
    // The selectors are constants of this file; a test parses every one.
    Selector::parse(css).unwrap_or_else(|e| panic!("invalid built-in selector {css:?}: {e}"))
}

macro_rules! selectors {
    ($($name:ident = $css:expr;)*) => {
        $(static $name: LazyLock<Selector> = LazyLock::new(|| selector($css));)*
        #[cfg(test)]
        const ALL_SELECTORS: &[&str] = &[$($css),*];
    };
}

selectors! {
    TITLE = "#productTitle, #title #ebooksProductTitle";
    BYLINE = "#bylineInfo";
    AUTHORS = "#bylineInfo .author a";
    PRICE_TO_PAY = "#corePriceDisplay_desktop_feature_div .priceToPay, #corePriceDisplay_mobile_feature_div .priceToPay, #apex_desktop .priceToPay, #apex_mobile .priceToPay";
    CORE_PRICE = "#corePrice_feature_div .a-price:not([data-a-strike]), #corePrice_desktop .a-price:not([data-a-strike]), #corePrice_mobile_feature_div .a-price:not([data-a-strike])";
    PLAIN_PRICE = "#price, #newBuyBoxPrice, #price_inside_buybox, #kindle-price";
    SWATCH_PRICE = "#tmmSwatches .swatchElement.selected .a-color-price";
    STRUCK_PRICE = ".basisPrice .a-price, .a-price[data-a-strike=\"true\"]";
    LIST_PRICE = "#listPrice, #buyBoxInner .a-text-strike";
    OFFSCREEN = ".a-offscreen";
    PRICE_WHOLE = ".a-price-whole";
    PRICE_FRACTION = ".a-price-fraction";
    SAVINGS = ".savingsPercentage";
    AVAILABILITY = "#availability";
    OUT_OF_STOCK = "#outOfStock";
    ADD_TO_CART = "#add-to-cart-button";
    RATING = "#acrPopover";
    RATING_ALT = "#acrPopover .a-icon-alt";
    RATING_COUNT = "#acrCustomerReviewText";
    DEAL = "#dealBadge_feature_div, #dealBadge";
    DEAL_BADGE = "#dealBadge span, #dealBadge_feature_div .dealBadgeTextColor";
    SELLER = "#sellerProfileTriggerId, #merchant-info a";
    CAPTCHA = "form[action*=\"validateCaptcha\"], #captchacharacters";
    PAGE_TITLE = "title";
}

/// Text of an element with runs of white space collapsed.
fn text(el: ElementRef<'_>) -> String {
    el.text()
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

fn first_text(doc: &Html, sel: &Selector) -> Option<String> {
    doc.select(sel).map(text).find(|t| !t.is_empty())
}

/// A price read as money of the marketplace's currency; anything odd is `None`.
fn money(raw: &str, marketplace: Marketplace) -> Option<Money> {
    let cleaned = raw
        .trim()
        .trim_start_matches("M.R.P.:")
        .trim_start_matches("MRP:")
        .trim();
    if cleaned.is_empty() || cleaned.contains(['-', '\u{2013}']) {
        // A range (`₹199 - ₹499`) is not one price, and a price is never negative.
        return None;
    }
    let m = Money::parse(cleaned, marketplace.currency()).ok()?;
    (m.minor() > 0 && m.currency() == marketplace.currency()).then_some(m)
}

/// The amount an `.a-price` element shows: its off-screen text, or whole + fraction.
fn a_price(el: ElementRef<'_>, marketplace: Marketplace) -> Option<Money> {
    if let Some(off) = el.select(&OFFSCREEN).map(text).find(|t| !t.is_empty()) {
        return money(&off, marketplace);
    }
    let whole = el.select(&PRICE_WHOLE).next().map(text)?;
    let whole = whole.trim_end_matches('.');
    let fraction = el.select(&PRICE_FRACTION).next().map(text);
    let joined = match fraction {
        Some(f) if !f.is_empty() => format!("{whole}.{f}"),
        _ => whole.to_owned(),
    };
    money(&joined, marketplace)
}

fn parse_price(doc: &Html, marketplace: Marketplace) -> Option<Money> {
    for sel in [&*PRICE_TO_PAY, &*CORE_PRICE] {
        if let Some(m) = doc.select(sel).find_map(|el| a_price(el, marketplace)) {
            return Some(m);
        }
    }
    for sel in [&*PLAIN_PRICE, &*SWATCH_PRICE] {
        if let Some(m) = doc.select(sel).find_map(|el| money(&text(el), marketplace)) {
            return Some(m);
        }
    }
    None
}

fn parse_list_price(doc: &Html, marketplace: Marketplace) -> Option<Money> {
    doc.select(&STRUCK_PRICE)
        .find_map(|el| a_price(el, marketplace))
        .or_else(|| {
            doc.select(&LIST_PRICE)
                .find_map(|el| money(&text(el), marketplace))
        })
}

fn parse_availability(doc: &Html) -> (Availability, Option<String>) {
    let message = first_text(doc, &AVAILABILITY);
    if let Some(msg) = &message {
        let lower = msg.to_lowercase();
        let state = if lower.contains("currently unavailable")
            || lower.contains("out of stock")
            || lower.contains("unavailable")
        {
            Availability::OutOfStock
        } else if lower.contains("pre-order") || lower.contains("will be released") {
            Availability::Preorder
        } else if lower.contains("in stock")
            || lower.contains("left in stock")
            || lower.contains("available to ship")
            || lower.contains("usually dispatched")
            || lower.contains("dispatched within")
        {
            Availability::InStock
        } else {
            Availability::Unknown
        };
        if state != Availability::Unknown {
            return (state, message);
        }
    }
    let state = if doc.select(&OUT_OF_STOCK).next().is_some() {
        Availability::OutOfStock
    } else if doc.select(&ADD_TO_CART).next().is_some() {
        Availability::InStock
    } else {
        Availability::Unknown
    };
    (state, message)
}

/// `4.3 out of 5 stars` → 430.
fn rating_centi(raw: &str) -> Option<u16> {
    let number: String = raw
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let (whole, frac) = number.split_once('.').unwrap_or((&number, ""));
    let whole: u16 = whole.parse().ok()?;
    let frac: u16 = match frac.len() {
        0 => 0,
        1 => frac.parse::<u16>().ok()? * 10,
        _ => frac.get(..2)?.parse().ok()?,
    };
    let centi = whole.checked_mul(100)?.checked_add(frac)?;
    (centi <= 500).then_some(centi)
}

fn digits(raw: &str) -> Option<u32> {
    let d: String = raw.chars().filter(char::is_ascii_digit).collect();
    d.parse().ok()
}

fn parse_reviews(doc: &Html) -> Option<Reviews> {
    let from_title = doc
        .select(&RATING)
        .next()
        .and_then(|el| el.value().attr("title"))
        .and_then(rating_centi);
    let rating =
        from_title.or_else(|| first_text(doc, &RATING_ALT).and_then(|t| rating_centi(&t)))?;
    let count = first_text(doc, &RATING_COUNT)
        .and_then(|t| digits(&t))
        .unwrap_or(0);
    Some(Reviews {
        rating_centi: rating,
        count,
    })
}

/// `Ends in 04:12:33` → the countdown.
fn countdown(text: &str) -> Option<TimeDelta> {
    let rest = &text[text.to_lowercase().find("ends in")? + "ends in".len()..];
    let token = rest.split_whitespace().next()?;
    let parts: Vec<i64> = token
        .split(':')
        .map(|p| p.parse::<i64>().ok())
        .collect::<Option<_>>()?;
    let secs = match parts.as_slice() {
        [h, m, s] => h * 3600 + m * 60 + s,
        [m, s] => m * 60 + s,
        _ => return None,
    };
    (0..=7 * 86_400)
        .contains(&secs)
        .then(|| TimeDelta::seconds(secs))
}

/// `37% claimed` → 37.
fn percent_claimed(text: &str) -> Option<u8> {
    let at = text.find("% claimed")?;
    let digits: String = text[..at]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse::<u8>().ok().filter(|p| *p <= 100)
}

fn parse_deal(doc: &Html) -> Option<ScrapedDeal> {
    let container = doc.select(&DEAL).next()?;
    let all = text(container);
    let badge = first_text(doc, &DEAL_BADGE).or_else(|| {
        [
            "Lightning Deal",
            "Limited time deal",
            "Deal of the Day",
            "Prime Day Deal",
        ]
        .into_iter()
        .find(|b| all.to_lowercase().contains(&b.to_lowercase()))
        .map(str::to_owned)
    })?;
    Some(ScrapedDeal {
        badge,
        ends_in: countdown(&all),
        percent_claimed: percent_claimed(&all),
    })
}

fn parse_brand(doc: &Html) -> Option<String> {
    let byline = doc.select(&BYLINE).next()?;
    if byline.select(&AUTHORS).next().is_some() {
        return None;
    }
    let t = text(byline);
    let brand = if let Some(rest) = t.strip_prefix("Visit the ") {
        rest.strip_suffix(" Store").unwrap_or(rest)
    } else if let Some(rest) = t.strip_prefix("Brand: ") {
        rest
    } else {
        &t
    };
    let brand = brand.trim();
    (!brand.is_empty() && brand.len() <= 100).then(|| brand.to_owned())
}

fn is_robot_check(doc: &Html, html: &str) -> bool {
    doc.select(&CAPTCHA).next().is_some()
        || html.contains("Enter the characters you see below")
        || html.contains("Type the characters you see in this image")
        || html.contains("make sure you're not a robot")
        || first_text(doc, &PAGE_TITLE).is_some_and(|t| t.eq_ignore_ascii_case("Robot Check"))
}

fn is_not_found(html: &str) -> bool {
    html.contains("Looking for something?")
        || html.contains("The Web address you entered is not a functioning page")
}

/// Reads a product page of `marketplace` (prices are taken in its currency).
///
/// # Examples
///
/// ```
/// use mandi_core::{Availability, Marketplace};
/// use mandi_paapi::scraper::{PageKind, parse_product_page};
/// let page = parse_product_page(
///     r#"<span id="productTitle"> Phone </span>
///        <div id="corePrice_feature_div"><span class="a-price"><span class="a-offscreen">₹9,999.00</span></span></div>
///        <div id="availability"><span>In stock</span></div>"#,
///     Marketplace::India,
/// );
/// assert_eq!(page.kind, PageKind::Product);
/// assert_eq!(page.title.as_deref(), Some("Phone"));
/// assert_eq!(page.price.map(|p| p.minor()), Some(999_900));
/// assert_eq!(page.availability, Availability::InStock);
/// ```
pub fn parse_product_page(html: &str, marketplace: Marketplace) -> ScrapedPage {
    let doc = Html::parse_document(html);
    if is_robot_check(&doc, html) {
        return ScrapedPage::empty(PageKind::RobotCheck);
    }
    let title = first_text(&doc, &TITLE).filter(|t| t.chars().count() <= 1_000);
    let Some(title) = title else {
        let kind = if is_not_found(html) {
            PageKind::NotFound
        } else {
            PageKind::Unrecognised
        };
        return ScrapedPage::empty(kind);
    };
    let (availability, availability_message) = parse_availability(&doc);
    let price = parse_price(&doc, marketplace);
    let mut list_price = parse_list_price(&doc, marketplace);
    if availability == Availability::OutOfStock && price.is_none() {
        // No price block: nothing to compare an M.R.P. against.
        list_price = None;
    }
    if let (Some(p), Some(l)) = (price, list_price)
        && l.minor() <= p.minor()
    {
        // An M.R.P. at or below the price is not a saving; keep the price only.
        list_price = None;
    }
    let savings_percent = first_text(&doc, &SAVINGS)
        .and_then(|t| digits(&t))
        .and_then(|p| u8::try_from(p).ok())
        .filter(|p| *p < 100);
    ScrapedPage {
        kind: PageKind::Product,
        title: Some(title),
        brand: parse_brand(&doc),
        authors: doc
            .select(&AUTHORS)
            .map(text)
            .filter(|a| !a.is_empty())
            .collect(),
        price,
        list_price,
        savings_percent,
        availability,
        availability_message,
        reviews: parse_reviews(&doc),
        deal: parse_deal(&doc),
        seller: first_text(&doc, &SELLER),
    }
}

/// Settings of the fallback scraper. Off by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScraperSettings {
    /// Whether the scraper may be used at all (default `false`).
    pub enabled: bool,
    /// Where product pages live: `<base_url>/dp/<ASIN>` (the sandbox's address in tests).
    pub base_url: Option<Url>,
    /// Time allowed for one page.
    pub timeout: Duration,
}

impl Default for ScraperSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            base_url: None,
            timeout: Duration::from_secs(15),
        }
    }
}

/// A [`ProductSource`] reading product pages (see the [module docs](self)).
#[derive(Debug)]
pub struct ScraperSource {
    client: reqwest::Client,
    base_url: Url,
    clock: Arc<dyn Clock>,
}

const NAME: &str = "scraper";

impl ScraperSource {
    /// The scraper the settings describe, or `None` when they leave it off.
    ///
    /// # Errors
    ///
    /// [`Error::Missing`] without a base URL, [`Error::Invalid`] for one that cannot be a
    /// base, [`Error::HttpClient`] when the HTTP client cannot start.
    pub fn from_settings(
        settings: &ScraperSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Option<Self>> {
        if !settings.enabled {
            return Ok(None);
        }
        let base_url = settings.base_url.clone().ok_or(Error::Missing {
            what: "scraper base URL",
        })?;
        Self::new(base_url, settings.timeout, clock).map(Some)
    }

    /// A scraper reading `<base_url>/dp/<ASIN>`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a URL that cannot be a base, [`Error::HttpClient`] when the
    /// HTTP client cannot start.
    pub fn new(base_url: Url, timeout: Duration, clock: Arc<dyn Clock>) -> Result<Self> {
        if base_url.cannot_be_a_base() || !matches!(base_url.scheme(), "http" | "https") {
            return Err(Error::Invalid {
                what: "scraper base URL",
                reason: format!("{base_url} is not an http(s) address"),
            });
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("mandi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::HttpClient(Box::new(e)))?;
        Ok(Self {
            client,
            base_url,
            clock,
        })
    }

    fn page_url(&self, asin: Asin) -> String {
        format!(
            "{}/dp/{}",
            self.base_url.as_str().trim_end_matches('/'),
            asin
        )
    }

    fn map_error(error: &reqwest::Error) -> SourceError {
        if error.is_timeout() {
            SourceError::Timeout {
                source_name: NAME.to_owned(),
                phase: if error.is_connect() {
                    "connect"
                } else {
                    "read"
                }
                .to_owned(),
            }
        } else {
            SourceError::Network {
                source_name: NAME.to_owned(),
                message: error.to_string(),
            }
        }
    }

    /// Fetches one page: its status, `Retry-After` and body (at most [`MAX_PAGE_BYTES`]).
    async fn fetch(&self, url: &str) -> Result<(u16, Option<Duration>, String), SourceError> {
        let mut response = self
            .client
            .get(url)
            .header("accept", "text/html")
            .send()
            .await
            .map_err(|e| Self::map_error(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, self.clock.now()));
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| Self::map_error(&e))? {
            if body.len() + chunk.len() > MAX_PAGE_BYTES {
                return Err(SourceError::Decode {
                    source_name: NAME.to_owned(),
                    path: "body".to_owned(),
                    message: format!("the page is larger than {MAX_PAGE_BYTES} bytes"),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok((
            status,
            retry_after,
            String::from_utf8_lossy(&body).into_owned(),
        ))
    }
}

fn item_error(asin: Asin, kind: ItemErrorKind, code: &str, message: String) -> ItemError {
    ItemError {
        asin,
        kind,
        code: code.to_owned(),
        message,
    }
}

fn refuse(operation: &str) -> SourceError {
    SourceError::InvalidInput {
        code: "NotSupported".to_owned(),
        message: format!(
            "the fallback scraper only reads product pages (get_items); {operation} needs the Creators API or PA-API source"
        ),
    }
}

#[async_trait]
impl ProductSource for ScraperSource {
    fn name(&self) -> &str {
        NAME
    }

    /// One page per ASIN, in request order. A robot check stops the batch: that ASIN and
    /// the rest are reported as `RobotCheck` item errors (retry later) and no more pages are
    /// asked for. A 404 or Amazon's "not a functioning page" is `NotFound`.
    ///
    /// # Errors
    ///
    /// [`SourceError::Throttled`] for HTTP 429 (with its `Retry-After`),
    /// [`SourceError::Server`] for other 5xx that are not a robot check,
    /// [`SourceError::Timeout`] / [`SourceError::Network`] when no page arrived.
    #[tracing::instrument(skip_all, err, fields(asins = request.asins.len()))]
    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        let mut batch = ItemsBatch::default();
        let asins = request.unique_asins();
        let mut blocked = false;
        for asin in asins {
            if blocked {
                batch.errors.push(item_error(
                    asin,
                    ItemErrorKind::Other,
                    "RobotCheck",
                    "not fetched: the site asked for a CAPTCHA; try again later".to_owned(),
                ));
                continue;
            }
            let url = self.page_url(asin);
            let (status, retry_after, body) = self.fetch(&url).await?;
            if status == 429 {
                return Err(SourceError::Throttled {
                    source_name: NAME.to_owned(),
                    retry_after,
                    message: "the product pages asked to slow down (HTTP 429)".to_owned(),
                });
            }
            let page = parse_product_page(&body, request.marketplace);
            match page.kind {
                PageKind::RobotCheck => {
                    blocked = true;
                    tracing::warn!(%asin, "robot check page: stopping this batch");
                    batch.errors.push(item_error(
                        asin,
                        ItemErrorKind::Other,
                        "RobotCheck",
                        "the site answered with a CAPTCHA / robot check; nothing was read".to_owned(),
                    ));
                }
                _ if status >= 500 => {
                    return Err(SourceError::Server {
                        source_name: NAME.to_owned(),
                        status,
                        message: format!("product page {asin} failed"),
                    });
                }
                PageKind::NotFound => batch.errors.push(item_error(
                    asin,
                    ItemErrorKind::NotFound,
                    "NotFound",
                    format!("no product page for {asin}"),
                )),
                _ if status == 404 => batch.errors.push(item_error(
                    asin,
                    ItemErrorKind::NotFound,
                    "NotFound",
                    format!("no product page for {asin} (HTTP 404)"),
                )),
                PageKind::Product if status < 300 => {
                    let now = self.clock.now();
                    if let Some(p) = page.into_product(asin, request.marketplace, now, Some(url)) {
                        batch.items.push(p);
                    }
                }
                _ => batch.errors.push(item_error(
                    asin,
                    ItemErrorKind::Other,
                    "UnrecognisedPage",
                    format!("the page for {asin} (HTTP {status}) is not a product page this scraper can read"),
                )),
            }
        }
        Ok(batch)
    }

    async fn search_items(&self, _: &SearchRequest) -> Result<SearchPage, SourceError> {
        Err(refuse("search"))
    }

    async fn get_variations(&self, _: &VariationsRequest) -> Result<VariationFamily, SourceError> {
        Err(refuse("variations"))
    }

    async fn get_browse_nodes(
        &self,
        _: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        Err(refuse("browse nodes"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;

    #[test]
    fn every_built_in_selector_parses() {
        for css in ALL_SELECTORS {
            assert!(Selector::parse(css).is_ok(), "{css}");
        }
    }

    #[test]
    fn ratings_read_and_odd_ones_are_refused() {
        assert_eq!(rating_centi("4.3 out of 5 stars"), Some(430));
        assert_eq!(rating_centi("4 out of 5 stars"), Some(400));
        assert_eq!(rating_centi("4.35"), Some(435));
        assert_eq!(rating_centi("9.9 out of 5"), None);
        assert_eq!(rating_centi("stars"), None);
    }

    #[test]
    fn money_refuses_ranges_zero_and_other_currencies() {
        let inr = |s| money(s, Marketplace::India).map(|m| m.minor());
        assert_eq!(inr("₹1,23,456.50"), Some(12_345_650));
        assert_eq!(inr("M.R.P.: ₹799"), Some(79_900));
        assert_eq!(inr("₹199 - ₹499"), None);
        assert_eq!(inr("₹0.00"), None);
        assert_eq!(inr("₹0"), None);
        assert_eq!(inr("-₹5"), None);
        assert_eq!(inr("₹15,799.005"), None);
        assert_eq!(inr("$12.00"), None);
        assert_eq!(inr("Currently unavailable"), None);
    }

    #[test]
    fn a_zero_page_price_is_unknown_not_free() {
        for shown in ["₹0.00", "₹0", "₹15,799.005", "$59.49"] {
            let html = format!(
                r#"<span id="productTitle"> Phone </span>
                   <div id="corePrice_feature_div"><span class="a-price"><span class="a-offscreen">{shown}</span></span></div>
                   <div id="availability"><span>In stock</span></div>"#
            );
            let page = parse_product_page(&html, Marketplace::India);
            assert_eq!(page.kind, PageKind::Product);
            assert_eq!(page.price, None, "{shown}");
            assert_eq!(page.availability, Availability::InStock);
        }
    }

    #[test]
    fn countdown_and_claimed_share() {
        assert_eq!(
            countdown("Ends in 04:12:33"),
            Some(TimeDelta::seconds(15_153))
        );
        assert_eq!(
            countdown("ends in 09:05 hurry"),
            Some(TimeDelta::seconds(545))
        );
        assert_eq!(countdown("Ends in soon"), None);
        assert_eq!(percent_claimed("37% claimed"), Some(37));
        assert_eq!(percent_claimed("claimed"), None);
    }
}
