//! Amazon product links: parsing what users paste, and building affiliate links.
//!
//! People paste links in every shape Amazon and its apps produce: `/dp/ASIN`,
//! `/gp/product/ASIN`, `/gp/aw/d/ASIN` (mobile), `/exec/obidos/ASIN/ASIN` (very old),
//! `/product-reviews/ASIN`, `/gp/offer-listing/ASIN`, `/gp/product/glance/ASIN`,
//! `/o/ASIN/ASIN`, `/-/hi/dp/ASIN` (a language prefix), an SEO slug before `/dp/`, `m.`,
//! `smile.` and bare domains, tracking parameters (`ref=`, `tag=`, `th=`, `psc=`…),
//! percent-encoding, odd case, and usually a whole chat message around the link. Sponsored
//! results and ad redirects carry the product link URL-encoded in a parameter
//! (`/sspa/click?…&url=%2F…%2Fdp%2FASIN`, `/gp/slredirect/picassoRedirect.html?…&url=…`,
//! `aax-eu.amazon-adsystem.com/x/c/…/https://www.amazon.in/dp/ASIN`): the carried link is read
//! as if pasted itself, and only when it is an Amazon shop link. [`parse_product_link`] finds
//! the product in all of these without touching the network, and names the page when a link
//! is to a wish list, a search or a store rather than a product.
//!
//! Short links (`amzn.in`, `amzn.to`, `a.co`, `amzn.eu`…) carry no ASIN; expanding them
//! needs an HTTP round trip, which goes through the [`LinkResolver`] port
//! ([`resolve_and_parse`]). The core crate ships only [`OfflineResolver`], which says clearly
//! that the network is needed; `mandi_paapi::resolver::HttpLinkResolver` is the HTTP adapter.
//!
//! Hosts are checked exactly: `amazon.in.evil.com`, `amazon-in.com` or
//! `amazon.in@evil.com` are refused as [`LinkError::Lookalike`] with the reason.
//!
//! # Examples
//!
//! ```
//! use mandi_core::links::{affiliate_link, parse_product_link, AssociateTag};
//! use mandi_core::Marketplace;
//!
//! let msg = "Deal! Redmi Note 13 at ₹17,999 https://www.amazon.in/Redmi-Note-13/dp/B0CX59H5W7/ref=sr_1_3?th=1 hurry";
//! let product = parse_product_link(msg)?;
//! assert_eq!(product.asin.as_str(), "B0CX59H5W7");
//! assert_eq!(product.marketplace, Marketplace::India);
//!
//! let tag = AssociateTag::parse("mandi-21")?;
//! assert_eq!(
//!     affiliate_link(product.asin, product.marketplace, &tag),
//!     "https://www.amazon.in/dp/B0CX59H5W7?tag=mandi-21"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::domain::{Asin, AsinError, Marketplace};

/// A product an Amazon link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProductRef {
    /// The product's ASIN (upper case).
    pub asin: Asin,
    /// The marketplace the link belongs to.
    pub marketplace: Marketplace,
}

impl ProductRef {
    /// A product in a marketplace.
    pub fn new(asin: Asin, marketplace: Marketplace) -> Self {
        Self { asin, marketplace }
    }

    /// The canonical product page, `https://www.amazon.in/dp/B0CX59H5W7`.
    pub fn canonical_url(&self) -> String {
        canonical_url(self.asin, self.marketplace)
    }
}

impl fmt::Display for ProductRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.asin, self.marketplace)
    }
}

/// Why a link or a message did not yield a product.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The input is empty.
    #[error("nothing to read: paste an Amazon product link or an ASIN such as B0CX59H5W7")]
    Empty,
    /// The text holds no link (and is not an ASIN).
    #[error(
        "no link found in {text:?}: paste an Amazon product link (https://www.amazon.in/dp/…) or an ASIN"
    )]
    NoLink {
        /// The start of the text.
        text: String,
    },
    /// The link is not an http(s) link.
    #[error("{scheme}: links are not product pages; paste an https:// Amazon link")]
    UnsupportedScheme {
        /// The scheme found.
        scheme: String,
    },
    /// The link goes to a site that is not Amazon.
    #[error(
        "{host} is not an Amazon shop; paste a link from amazon.in or another Amazon marketplace"
    )]
    NotAmazon {
        /// The host the link goes to.
        host: String,
    },
    /// The link only looks like Amazon; it goes elsewhere.
    #[error("{host} only looks like Amazon: {reason}; the link was refused")]
    Lookalike {
        /// The host the link really goes to.
        host: String,
        /// What gives it away.
        reason: String,
    },
    /// An Amazon link that does not point at one product (a search, a store, the home page).
    #[error(
        "this Amazon link does not point at a product (no /dp/ASIN in it): {url}; open the product page and share that link"
    )]
    NotAProduct {
        /// The link.
        url: String,
    },
    /// An Amazon link to a page that is not one product: a wish list, a search, a store.
    #[error("{url} is {page}, not a product page; open one product from it and share that link")]
    NotAProductPage {
        /// The link.
        url: String,
        /// What the page is ("a wish list", "a search results page"…).
        page: &'static str,
    },
    /// The link has a product path but what stands where the ASIN goes is not one.
    #[error("the link {url} names {found:?} as the product, which is not an ASIN: {source}")]
    InvalidAsin {
        /// The link.
        url: String,
        /// The text in the ASIN's place.
        found: String,
        /// What is wrong with it.
        #[source]
        source: AsinError,
    },
    /// A bare ASIN that is not valid.
    #[error(transparent)]
    Asin(#[from] AsinError),
    /// A short link: the product is only known after following its redirect.
    #[error(
        "{url} is a short link; it must be expanded over the network to find the product (resolve it, or paste the full amazon link)"
    )]
    ShortLink {
        /// The short link.
        url: String,
    },
    /// Expanding a short link failed.
    #[error("could not expand the short link {url}: {source}")]
    Resolve {
        /// The short link.
        url: String,
        /// Why.
        #[source]
        source: ResolveError,
    },
}

/// The kind of a [`LinkError`], for scripts and tests that branch on it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkErrorKind {
    /// [`LinkError::Empty`].
    Empty,
    /// [`LinkError::NoLink`].
    NoLink,
    /// [`LinkError::UnsupportedScheme`].
    UnsupportedScheme,
    /// [`LinkError::NotAmazon`].
    NotAmazon,
    /// [`LinkError::Lookalike`].
    Lookalike,
    /// [`LinkError::NotAProduct`].
    NotAProduct,
    /// [`LinkError::InvalidAsin`] or [`LinkError::Asin`].
    InvalidAsin,
    /// [`LinkError::ShortLink`].
    ShortLink,
    /// [`LinkError::Resolve`].
    Resolve,
}

impl LinkError {
    /// The kind of error.
    pub fn kind(&self) -> LinkErrorKind {
        if let Self::NotAProductPage { .. } = self {
            return LinkErrorKind::NotAProduct;
        }
        match self {
            Self::Empty => LinkErrorKind::Empty,
            Self::NoLink { .. } => LinkErrorKind::NoLink,
            Self::UnsupportedScheme { .. } => LinkErrorKind::UnsupportedScheme,
            Self::NotAmazon { .. } => LinkErrorKind::NotAmazon,
            Self::Lookalike { .. } => LinkErrorKind::Lookalike,
            Self::NotAProduct { .. } | Self::NotAProductPage { .. } => LinkErrorKind::NotAProduct,
            Self::InvalidAsin { .. } | Self::Asin(_) => LinkErrorKind::InvalidAsin,
            Self::ShortLink { .. } => LinkErrorKind::ShortLink,
            Self::Resolve { .. } => LinkErrorKind::Resolve,
        }
    }

    /// How useful the error is to show when a message held several links that all failed:
    /// the highest wins.
    fn rank(&self) -> u8 {
        match self {
            Self::ShortLink { .. } => 9,
            Self::Lookalike { .. } => 8,
            Self::InvalidAsin { .. } | Self::Asin(_) => 7,
            Self::NotAProduct { .. } | Self::NotAProductPage { .. } => 6,
            Self::Resolve { .. } => 5,
            Self::NotAmazon { .. } => 4,
            Self::UnsupportedScheme { .. } => 3,
            Self::NoLink { .. } => 2,
            Self::Empty => 1,
        }
    }
}

impl fmt::Display for LinkErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::Empty => "empty",
            Self::NoLink => "no_link",
            Self::UnsupportedScheme => "unsupported_scheme",
            Self::NotAmazon => "not_amazon",
            Self::Lookalike => "lookalike",
            Self::NotAProduct => "not_a_product",
            Self::InvalidAsin => "invalid_asin",
            Self::ShortLink => "short_link",
            Self::Resolve => "resolve",
        };
        f.write_str(s)
    }
}

// --- short links ---

/// Why a short link could not be expanded.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No network is available to this resolver.
    #[error(
        "short link needs network: this resolver works offline; paste the full product link (amazon.in/dp/…) instead"
    )]
    Offline,
    /// The redirects did not end at a product within the hop limit.
    #[error("gave up after {hops} redirects without reaching a product page")]
    TooManyRedirects {
        /// Redirects followed.
        hops: usize,
    },
    /// A redirect pointed away from Amazon; it was not followed.
    #[error("it redirects to {location}, which is not Amazon; the redirect was not followed")]
    LeftAmazon {
        /// Where the redirect pointed.
        location: String,
    },
    /// The short link answered without a redirect (an expired or mistyped link).
    #[error("the short link answered HTTP {status} instead of redirecting; it may have expired")]
    NoRedirect {
        /// The HTTP status.
        status: u16,
    },
    /// The redirect's `Location` header is missing or not a URL.
    #[error("the redirect's Location {location:?} is not a usable link")]
    BadLocation {
        /// The header's value.
        location: String,
    },
    /// The request timed out; it may work later.
    #[error("the request timed out after {seconds} s; try again later")]
    Timeout {
        /// The timeout.
        seconds: u64,
    },
    /// The request failed at the network level; it may work later.
    #[error("network error: {message}")]
    Network {
        /// What failed.
        message: String,
    },
}

impl ResolveError {
    /// True when the same request may work later (timeouts and network failures).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Timeout { .. } | Self::Network { .. })
    }
}

/// Expands a short link (`https://amzn.in/d/…`) to the full link it redirects to.
///
/// Adapters follow redirects one hop at a time and only through Amazon hosts; the result is
/// then parsed with [`parse_product_link`]. Use [`OfflineResolver`] where there is no
/// network.
///
/// # Examples
///
/// ```
/// use mandi_core::links::{LinkResolver, OfflineResolver, ResolveError};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let short = url::Url::parse("https://amzn.in/d/3xYzAbC")?;
/// assert_eq!(OfflineResolver.resolve(&short).await, Err(ResolveError::Offline));
/// # Ok(())
/// # }
/// # tokio::runtime::Runtime::new()?.block_on(run())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[async_trait]
pub trait LinkResolver: Send + Sync {
    /// Follows the short link's redirects and returns the expanded link.
    ///
    /// # Errors
    ///
    /// [`ResolveError`] naming why the link could not be expanded.
    async fn resolve(&self, short: &Url) -> Result<Url, ResolveError>;
}

macro_rules! forward_resolver {
    ($($ty:ty),*) => {$(
        #[async_trait]
        impl<T: LinkResolver + ?Sized> LinkResolver for $ty {
            async fn resolve(&self, short: &Url) -> Result<Url, ResolveError> {
                (**self).resolve(short).await
            }
        }
    )*};
}
forward_resolver!(&T, Arc<T>, Box<T>);

/// A [`LinkResolver`] for places without network: every short link fails with
/// [`ResolveError::Offline`].
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineResolver;

#[async_trait]
impl LinkResolver for OfflineResolver {
    async fn resolve(&self, _short: &Url) -> Result<Url, ResolveError> {
        Err(ResolveError::Offline)
    }
}

/// Short-link hosts Amazon uses, and the marketplace when the host names one.
const SHORT_HOSTS: &[&str] = &[
    "amzn.to",
    "amzn.in",
    "amzn.eu",
    "amzn.asia",
    "amzn.com",
    "a.co",
];

/// True for Amazon's short-link hosts (`amzn.in`, `amzn.to`, `a.co`…), with or without `www.`.
pub fn is_short_link_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    SHORT_HOSTS.iter().any(|h| host.eq_ignore_ascii_case(h))
}

/// The marketplace of an Amazon shop host: `www.amazon.in`, `amazon.in`, `m.amazon.in`, and
/// any other subdomain of an Amazon marketplace domain (which only Amazon controls).
/// `None` for everything else, lookalikes included.
pub fn marketplace_of_host(host: &str) -> Option<Marketplace> {
    let host = host.trim_end_matches('.');
    if let Some(m) = Marketplace::from_host(host) {
        return Some(m);
    }
    let lower = host.to_ascii_lowercase();
    Marketplace::ALL.into_iter().find(|m| {
        let root = &m.domain()[4..]; // "amazon.in" from "www.amazon.in"
        lower
            .strip_suffix(root)
            .is_some_and(|head| head.ends_with('.'))
    })
}

/// True when `host` is an Amazon shop host or an Amazon short-link host.
pub fn is_amazon_host(host: &str) -> bool {
    marketplace_of_host(host).is_some() || is_short_link_host(host)
}

// --- parsing ---

/// Finds the Amazon product in a link or in a whole message holding one.
///
/// Works offline: a short link gives [`LinkError::ShortLink`] (use [`resolve_and_parse`] to
/// expand it). When the text holds several links, the first one that names a product wins;
/// when none does, the most telling error is returned.
///
/// # Errors
///
/// [`LinkError`] saying why no product was found: no link, not Amazon, a lookalike host, an
/// Amazon page that is not a product, a malformed ASIN, or a short link.
///
/// # Examples
///
/// ```
/// use mandi_core::links::{parse_product_link, LinkErrorKind};
/// use mandi_core::Marketplace;
/// let p = parse_product_link("https://m.amazon.co.uk/gp/aw/d/B08N5WRWNW?psc=1")?;
/// assert_eq!((p.asin.as_str(), p.marketplace), ("B08N5WRWNW", Marketplace::UnitedKingdom));
///
/// let err = parse_product_link("https://www.amazon.in.evil.com/dp/B0CX59H5W7").unwrap_err();
/// assert_eq!(err.kind(), LinkErrorKind::Lookalike);
/// # Ok::<(), mandi_core::links::LinkError>(())
/// ```
pub fn parse_product_link(text: &str) -> Result<ProductRef, LinkError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(LinkError::Empty);
    }
    let mut best: Option<LinkError> = None;
    for candidate in candidates(trimmed) {
        match parse_url_text(&candidate) {
            Ok(product) => return Ok(product),
            Err(e) => {
                if best.as_ref().is_none_or(|b| e.rank() > b.rank()) {
                    best = Some(e);
                }
            }
        }
    }
    Err(best.unwrap_or_else(|| LinkError::NoLink {
        text: excerpt(trimmed),
    }))
}

/// Reads what a user typed where "a link or an ASIN" is expected: a bare ASIN (in
/// `default_marketplace`) or anything [`parse_product_link`] accepts.
///
/// # Errors
///
/// [`LinkError::Asin`] for ten letters and digits that are not a valid ASIN; otherwise as
/// [`parse_product_link`].
///
/// # Examples
///
/// ```
/// use mandi_core::links::parse_product_input;
/// use mandi_core::Marketplace;
/// let p = parse_product_input(" b0cx59h5w7 ", Marketplace::India)?;
/// assert_eq!(p.asin.as_str(), "B0CX59H5W7");
/// let p = parse_product_input("amazon.de/dp/B0CX59H5W7", Marketplace::India)?;
/// assert_eq!(p.marketplace, Marketplace::Germany);
/// # Ok::<(), mandi_core::links::LinkError>(())
/// ```
pub fn parse_product_input(
    input: &str,
    default_marketplace: Marketplace,
) -> Result<ProductRef, LinkError> {
    let trimmed = input.trim();
    if trimmed.len() == 10 && trimmed.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(ProductRef::new(Asin::parse(trimmed)?, default_marketplace));
    }
    parse_product_link(trimmed)
}

/// Like [`parse_product_link`], but a short link is expanded with `resolver` and the link
/// it leads to is parsed. The resolver is only called when the text holds no product link
/// of its own.
///
/// # Errors
///
/// As [`parse_product_link`], plus [`LinkError::Resolve`] when expansion fails (with
/// [`OfflineResolver`]: [`ResolveError::Offline`]).
///
/// # Examples
///
/// ```
/// use mandi_core::links::{resolve_and_parse, LinkErrorKind, OfflineResolver};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let full = resolve_and_parse("https://www.amazon.in/dp/B0CX59H5W7", &OfflineResolver).await?;
/// assert_eq!(full.asin.as_str(), "B0CX59H5W7");
/// let short = resolve_and_parse("see https://amzn.in/d/3xYzAbC", &OfflineResolver).await;
/// assert_eq!(short.map_err(|e| e.kind()), Err(LinkErrorKind::Resolve));
/// # Ok(())
/// # }
/// # tokio::runtime::Runtime::new()?.block_on(run())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn resolve_and_parse<R: LinkResolver + ?Sized>(
    text: &str,
    resolver: &R,
) -> Result<ProductRef, LinkError> {
    match parse_product_link(text) {
        Err(LinkError::ShortLink { url }) => expand(url, resolver).await,
        other => other,
    }
}

/// [`parse_product_input`] with short links expanded by `resolver`.
///
/// # Errors
///
/// As [`parse_product_input`] and [`resolve_and_parse`].
pub async fn resolve_product_input<R: LinkResolver + ?Sized>(
    input: &str,
    default_marketplace: Marketplace,
    resolver: &R,
) -> Result<ProductRef, LinkError> {
    match parse_product_input(input, default_marketplace) {
        Err(LinkError::ShortLink { url }) => expand(url, resolver).await,
        other => other,
    }
}

async fn expand<R: LinkResolver + ?Sized>(
    url: String,
    resolver: &R,
) -> Result<ProductRef, LinkError> {
    let short = Url::parse(&url).map_err(|_| LinkError::NoLink { text: url.clone() })?;
    let expanded = resolver
        .resolve(&short)
        .await
        .map_err(|source| LinkError::Resolve {
            url: url.clone(),
            source,
        })?;
    match parse_url(&expanded) {
        // A short link that leads to another short link, or away, is a resolver failure.
        Err(LinkError::ShortLink { .. }) => Err(LinkError::Resolve {
            url,
            source: ResolveError::TooManyRedirects { hops: 0 },
        }),
        other => other,
    }
}

fn excerpt(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// Characters that separate words in a chat message besides white space.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '<' | '>'
                | '"'
                | '|'
                | '\u{200b}'
                | '\u{200c}'
                | '\u{200d}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2060}'
                | '\u{feff}'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '«'
                | '»'
                | '…'
        )
}

const LEADING_JUNK: &[char] = &['(', '[', '{', '\'', '*', '_', '~', '`'];
const TRAILING_JUNK: &[char] = &[
    '.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '*', '_', '~', '`',
];

/// The link-looking words of a text, each as a full `scheme://` link.
fn candidates(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split(is_separator)
        .filter(|w| !w.is_empty())
        .filter_map(candidate)
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn candidate(word: &str) -> Option<Cow<'_, str>> {
    // A whole link that was percent-encoded (pasted from a redirect parameter).
    if find_ci(word, "%3a%2f%2f").is_some() {
        let decoded = percent_decode_str(word).decode_utf8_lossy().into_owned();
        return candidate(&decoded).map(|c| Cow::Owned(c.into_owned()));
    }
    if let Some(i) = find_ci(word, "://") {
        // Walk back over the scheme's letters ("Link:https://…" → "https://…").
        let start = word[..i]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .last()
            .map_or(i, |(j, _)| j);
        let link = trim_junk(&word[start..]);
        return (link.len() > i - start + 3).then_some(Cow::Borrowed(link));
    }
    let word = trim_junk(word);
    let (host, rest) = match word.find(['/', '?', '#']) {
        Some(i) => (&word[..i], &word[i..]),
        None => (word, ""),
    };
    let host_lower = host.to_ascii_lowercase();
    let host_like = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'@' | b':'))
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    let amazonish = host_lower.contains("amazon") || host_lower.contains("amzn");
    let linkish = rest.starts_with('/') || host_lower.starts_with("www.") || amazonish;
    if host_like && linkish {
        Some(Cow::Owned(format!("https://{word}")))
    } else {
        None
    }
}

fn trim_junk(word: &str) -> &str {
    word.trim_start_matches(LEADING_JUNK)
        .trim_end_matches(TRAILING_JUNK)
}

fn parse_url_text(text: &str) -> Result<ProductRef, LinkError> {
    let url = Url::parse(text).map_err(|_| LinkError::NoLink {
        text: excerpt(text),
    })?;
    parse_url(&url)
}

/// Finds the product in one parsed link.
fn parse_url(url: &Url) -> Result<ProductRef, LinkError> {
    parse_url_at(url, 0)
}

/// How deep links carried inside links are followed (an ad redirect holding a product link).
const MAX_CARRIED_DEPTH: u8 = 2;

/// [`parse_url`] for a link found `depth` levels inside another.
fn parse_url_at(url: &Url, depth: u8) -> Result<ProductRef, LinkError> {
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(LinkError::UnsupportedScheme {
                scheme: other.to_owned(),
            });
        }
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_owned(),
        Some(other) => {
            return Err(LinkError::NotAmazon {
                host: other.to_string(),
            });
        }
        None => {
            return Err(LinkError::NoLink {
                text: excerpt(url.as_str()),
            });
        }
    };
    if let Some(reason) = userinfo_trick(url, &host) {
        return Err(LinkError::Lookalike { host, reason });
    }
    if let Some(marketplace) = marketplace_of_host(&host) {
        return match find_asin(url) {
            Ok(asin) => Ok(ProductRef::new(asin, marketplace)),
            Err(e) => match carried_product(url, depth) {
                Some(found) => found,
                None => Err(short_form(url)
                    .or_else(|| not_a_product_page(url))
                    .unwrap_or(e)),
            },
        };
    }
    if is_ad_host(&host) {
        return match carried_product(url, depth) {
            Some(found) => found,
            None => Err(LinkError::NotAProductPage {
                url: url.as_str().to_owned(),
                page: "an Amazon ad link that carries no product link",
            }),
        };
    }
    if is_short_link_host(&host) {
        // amzn.com/ASIN is the one short form that carries the ASIN itself.
        let bare = host.strip_prefix("www.").unwrap_or(&host);
        if bare == "amzn.com" {
            if let Ok(asin) = find_asin(url) {
                return Ok(ProductRef::new(asin, Marketplace::UnitedStates));
            }
            if let Some(asin) = first_segment_asin(url) {
                return Ok(ProductRef::new(asin, Marketplace::UnitedStates));
            }
        }
        return Err(LinkError::ShortLink {
            url: url.as_str().to_owned(),
        });
    }
    match lookalike_reason(&host, url) {
        Some(reason) => Err(LinkError::Lookalike { host, reason }),
        None => Err(LinkError::NotAmazon { host }),
    }
}

/// Amazon's ad server, whose click links carry the shop link they lead to.
fn is_ad_host(host: &str) -> bool {
    let lower = host.to_ascii_lowercase();
    lower == "amazon-adsystem.com" || lower.ends_with(".amazon-adsystem.com")
}

/// The query parameters ad and redirect links carry their destination in.
const CARRIER_KEYS: [&str; 6] = [
    "url",
    "u",
    "location",
    "redirecturl",
    "redirect_url",
    "dest",
];

/// The product of a link carried inside `url`: a sponsored result's `url=%2F…%2Fdp%2FASIN`
/// (a path on the same shop), an absolute Amazon shop link in such a parameter, or one
/// written into an ad server's path. `None` when nothing is carried; a carried link that is
/// not an Amazon shop link is not followed.
fn carried_product(url: &Url, depth: u8) -> Option<Result<ProductRef, LinkError>> {
    if depth >= MAX_CARRIED_DEPTH {
        return None;
    }
    let mut carried: Vec<String> = url
        .query_pairs()
        .filter(|(k, _)| CARRIER_KEYS.iter().any(|c| k.eq_ignore_ascii_case(c)))
        .map(|(_, v)| v.into_owned())
        .take(4)
        .collect();
    if is_ad_host(url.host_str().unwrap_or_default()) {
        let path = percent_decode_str(url.path()).decode_utf8_lossy();
        if let Some(at) = find_ci(&path, "/https://").or_else(|| find_ci(&path, "/http://")) {
            let mut inner = path[at + 1..].to_owned();
            if let Some(q) = url.query() {
                inner.push('?');
                inner.push_str(q);
            }
            carried.insert(0, inner);
        }
    }
    for text in carried {
        let text = text.trim();
        let inner = if text.starts_with('/') && !text.starts_with("//") {
            // A path on the shop the link is on.
            if marketplace_of_host(url.host_str().unwrap_or_default()).is_none() {
                continue;
            }
            url.join(text).ok()
        } else {
            Url::parse(text).ok()
        };
        let Some(inner) = inner else { continue };
        let on_shop = inner
            .host_str()
            .is_some_and(|h| marketplace_of_host(h.trim_end_matches('.')).is_some());
        if !on_shop || !inner.username().is_empty() {
            continue;
        }
        if let Ok(found) = parse_url_at(&inner, depth + 1) {
            return Some(Ok(found));
        }
    }
    None
}

/// `amazon.in/d/XXXX`: the app's share form, a short link on the shop's own host. It needs
/// the network like `amzn.in/d/…`.
fn short_form(url: &Url) -> Option<LinkError> {
    let segs = segments(url);
    match segs.as_slice() {
        [d, code] if d.eq_ignore_ascii_case("d") && code.len() <= 32 => {
            Some(LinkError::ShortLink {
                url: url.as_str().to_owned(),
            })
        }
        _ => None,
    }
}

/// Names the Amazon pages people share that are not one product.
fn not_a_product_page(url: &Url) -> Option<LinkError> {
    let segs = segments(url);
    let seg = |i: usize| {
        segs.get(i)
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_default()
    };
    let (first, second) = (seg(0), seg(1));
    let page = match (first.as_str(), second.as_str()) {
        ("hz", "wishlist") | ("wishlist", _) => "a wish list",
        ("gp", "registry") | ("registry", _) | ("baby-reg", _) | ("wedding", _) => {
            "a gift registry"
        }
        ("s", _) => "a search results page",
        ("gp", "search") => "a search results page",
        ("stores", _) => "a brand store",
        ("shop", _) => "an influencer's storefront",
        ("gp", "cart") | ("cart", _) => "the shopping cart",
        ("gp", "goldbox") | ("deals", _) => "the deals page",
        ("b", _) | ("gp", "browse.html") => "a category page",
        ("gp", "bestsellers") | ("bestsellers", _) => "a best-sellers list",
        _ => return None,
    };
    Some(LinkError::NotAProductPage {
        url: url.as_str().to_owned(),
        page,
    })
}

/// `https://amazon.in@evil.com/…`: the part before `@` is a user name, not the host.
fn userinfo_trick(url: &Url, host: &str) -> Option<String> {
    let user = percent_decode_str(url.username()).decode_utf8_lossy();
    let password = url
        .password()
        .map(|p| percent_decode_str(p).decode_utf8_lossy());
    let looks = |s: &str| {
        let l = s.to_ascii_lowercase();
        l.contains("amazon") || l.contains("amzn")
    };
    let tricky = looks(&user) || password.as_deref().is_some_and(looks);
    (tricky && !is_amazon_host(host)).then(|| {
        format!("the text before '@' ({user}) is only a user name; the link really goes to {host}")
    })
}

/// The registrable part of a host, roughly: its last two labels, or three under a
/// two-level suffix such as `co.uk`.
fn site_of(host: &str) -> &str {
    let labels: Vec<&str> = host.rsplitn(4, '.').collect();
    let keep = match labels.as_slice() {
        [_tld, second, ..] if matches!(*second, "co" | "com" | "org" | "net" | "ac" | "gov") => 3,
        _ => 2,
    };
    let mut dots = 0;
    for (i, b) in host.bytes().enumerate().rev() {
        if b == b'.' {
            dots += 1;
            if dots == keep {
                return &host[i + 1..];
            }
        }
    }
    host
}

fn lookalike_reason(host: &str, url: &Url) -> Option<String> {
    let lower = host.to_ascii_lowercase();
    let site = site_of(&lower);
    for m in Marketplace::ALL {
        let root = &m.domain()[4..];
        if lower.starts_with(&format!("{root}.")) || lower.contains(&format!(".{root}.")) {
            return Some(format!(
                "{root} is only the start of the name; the site is {site}, not Amazon"
            ));
        }
    }
    for short in SHORT_HOSTS {
        if lower.starts_with(&format!("{short}.")) || lower.contains(&format!(".{short}.")) {
            return Some(format!(
                "{short} is only the start of the name; the site is {site}, not Amazon"
            ));
        }
    }
    let squashed: String = lower
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            _ => c,
        })
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    if squashed.contains("amazon") || squashed.contains("amzn") || squashed.contains("arnazon") {
        return Some(format!(
            "{site} is not an Amazon domain (Amazon India is amazon.in)"
        ));
    }
    if lower.split('.').any(|l| l.starts_with("xn--")) && find_asin(url).is_ok() {
        return Some(
            "the name uses look-alike letters from another alphabet (it is really an xn-- domain)"
                .to_owned(),
        );
    }
    None
}

/// Decoded path segments, at most a few dozen.
fn segments(url: &Url) -> Vec<Cow<'_, str>> {
    url.path_segments()
        .map(|segs| {
            segs.filter(|s| !s.is_empty())
                .take(32)
                .map(|s| percent_decode_str(s).decode_utf8_lossy())
                .collect()
        })
        .unwrap_or_default()
}

/// The ASIN-shaped start of a path segment: ten letters and digits not followed by another.
fn asin_text(segment: &str) -> &str {
    let end = segment
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(segment.len());
    &segment[..end]
}

/// Does the segment at `i` announce that the next one is the ASIN?
fn is_marker(segs: &[Cow<'_, str>], i: usize) -> bool {
    let s = segs[i].as_ref();
    let prev = if i > 0 { segs[i - 1].as_ref() } else { "" };
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    eq(s, "dp")
        || eq(s, "offer-listing")
        || eq(s, "product-reviews")
        || eq(s, "asin")
        || (eq(s, "product") && (eq(prev, "gp") || eq(prev, "review") || eq(prev, "dp")))
        || ((eq(s, "d") || eq(s, "ol") || eq(s, "cr")) && eq(prev, "aw"))
        || ((eq(s, "glance") || eq(s, "images")) && eq(prev, "product"))
        || (eq(s, "detail") && eq(prev, "video"))
        || (s == "-" && eq(prev, "detail"))
        || (eq(s, "o") && i == 0)
}

fn find_asin(url: &Url) -> Result<Asin, LinkError> {
    let segs = segments(url);
    let mut bad: Option<LinkError> = None;
    for i in 0..segs.len().saturating_sub(1) {
        if !is_marker(&segs, i) {
            continue;
        }
        let next = segs[i + 1].as_ref();
        let text = asin_text(next);
        match Asin::parse(text) {
            Ok(asin) => return Ok(asin),
            Err(source) => {
                // "/gp/product/glance/…" and the like: only a ten-character word is an
                // attempt at an ASIN.
                if bad.is_none() && text.len() == 10 {
                    bad = Some(LinkError::InvalidAsin {
                        url: url.as_str().to_owned(),
                        found: text.to_owned(),
                        source,
                    });
                }
            }
        }
    }
    for (key, value) in url.query_pairs() {
        if ["asin", "asin.1", "creativeasin", "pd_rd_i"]
            .iter()
            .any(|k| key.eq_ignore_ascii_case(k))
            && let Ok(asin) = Asin::parse(asin_text(&value))
        {
            return Ok(asin);
        }
    }
    Err(bad.unwrap_or_else(|| LinkError::NotAProduct {
        url: url.as_str().to_owned(),
    }))
}

fn first_segment_asin(url: &Url) -> Option<Asin> {
    let segs = segments(url);
    let first = segs.first()?;
    Asin::parse(asin_text(first)).ok()
}

// --- affiliate links ---

/// Why a text is not an Associates tag.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not an Amazon Associates tag: {reason} (a tag looks like yourname-21: lower-case letters, digits and hyphens, then a hyphen and two digits)"
)]
pub struct TagError {
    /// The rejected text.
    pub input: String,
    /// What is wrong.
    pub reason: &'static str,
}

/// An Amazon Associates tracking id (`yourname-21`), checked so it can go into a link as is.
///
/// The form is a name of lower-case letters, digits and hyphens (at most 64 characters in
/// all), then a hyphen and a two-digit regional suffix. Amazon issues the suffix per
/// marketplace programme (Indian tags conventionally end in `-21`, US ones in `-20`); the
/// suffixes of other programmes are not reliably documented, so any two digits are accepted.
///
/// # Examples
///
/// ```
/// use mandi_core::links::AssociateTag;
/// assert!(AssociateTag::parse("mandi-21").is_ok());
/// assert!(AssociateTag::parse("mandi").is_err());
/// assert!(AssociateTag::parse("x-21&tag=evil-20").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AssociateTag(String);

impl AssociateTag {
    /// Checks a tag.
    ///
    /// # Errors
    ///
    /// [`TagError`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Self, TagError> {
        let t = text.trim();
        let err = |reason| TagError {
            input: text.to_owned(),
            reason,
        };
        if t.is_empty() {
            return Err(err("it is empty"));
        }
        if t.len() > 64 {
            return Err(err("it is longer than 64 characters"));
        }
        if !t
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(err(
                "it holds characters other than lower-case letters, digits and hyphens",
            ));
        }
        let Some((name, suffix)) = t.rsplit_once('-') else {
            return Err(err("it has no regional suffix such as -21"));
        };
        if suffix.len() != 2 || !suffix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(
                "it does not end in a hyphen and two digits such as -21",
            ));
        }
        if name.is_empty() || name.starts_with('-') || name.ends_with('-') {
            return Err(err("the name before the suffix is missing or malformed"));
        }
        Ok(Self(t.to_owned()))
    }

    /// The tag as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-digit regional suffix (`21`).
    pub fn suffix(&self) -> &str {
        &self.0[self.0.len() - 2..]
    }
}

impl fmt::Display for AssociateTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for AssociateTag {
    type Err = TagError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> Deserialize<'de> for AssociateTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The canonical product page of an ASIN: `https://www.amazon.in/dp/B0CX59H5W7`.
pub fn canonical_url(asin: Asin, marketplace: Marketplace) -> String {
    format!("https://{}/dp/{}", marketplace.domain(), asin)
}

/// The canonical affiliate link of a product: `https://www.amazon.in/dp/ASIN?tag=yourname-21`.
///
/// Built from scratch, so no other tag, `ref=` or tracking parameter from a pasted link can
/// survive into it.
///
/// # Examples
///
/// ```
/// use mandi_core::links::{affiliate_link, parse_product_link, AssociateTag};
/// let pasted = parse_product_link("https://amazon.in/dp/B0CX59H5W7?tag=someoneelse-21&ref=x")?;
/// let tag = AssociateTag::parse("mandi-21")?;
/// assert_eq!(
///     affiliate_link(pasted.asin, pasted.marketplace, &tag),
///     "https://www.amazon.in/dp/B0CX59H5W7?tag=mandi-21"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn affiliate_link(asin: Asin, marketplace: Marketplace, tag: &AssociateTag) -> String {
    format!("{}?tag={}", canonical_url(asin, marketplace), tag.as_str())
}

/// The affiliate link of a product in a given [`LinkFormat`](crate::domain::LinkFormat):
/// `/dp/ASIN?tag=…` (the same as [`affiliate_link`]) or `/gp/product/ASIN?tag=…`. Without a
/// tag the link carries no `tag` parameter at all.
///
/// # Examples
///
/// ```
/// use mandi_core::links::{affiliate_link_as, AssociateTag};
/// use mandi_core::{Asin, LinkFormat, Marketplace};
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let tag = AssociateTag::parse("mandi-21")?;
/// assert_eq!(
///     affiliate_link_as(asin, Marketplace::India, Some(&tag), LinkFormat::GpProduct),
///     "https://www.amazon.in/gp/product/B0CX59H5W7?tag=mandi-21"
/// );
/// assert_eq!(
///     affiliate_link_as(asin, Marketplace::India, None, LinkFormat::Dp),
///     "https://www.amazon.in/dp/B0CX59H5W7"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn affiliate_link_as(
    asin: Asin,
    marketplace: Marketplace,
    tag: Option<&AssociateTag>,
    format: crate::domain::LinkFormat,
) -> String {
    let path = match format {
        crate::domain::LinkFormat::Dp => "dp",
        crate::domain::LinkFormat::GpProduct => "gp/product",
    };
    let base = format!("https://{}/{path}/{asin}", marketplace.domain());
    match tag {
        Some(tag) => format!("{base}?tag={}", tag.as_str()),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_of_keeps_two_level_suffixes() {
        assert_eq!(site_of("www.amazon.in.evil.com"), "evil.com");
        assert_eq!(site_of("amazon.in.evil.co.uk"), "evil.co.uk");
        assert_eq!(site_of("evil.com"), "evil.com");
        assert_eq!(site_of("localhost"), "localhost");
    }

    #[test]
    fn candidates_trim_chat_punctuation() {
        let found: Vec<String> = candidates(
            "(see https://www.amazon.in/dp/B0CX59H5W7). also *amazon.in/dp/B0CX59H5W7* ok",
        )
        .map(Cow::into_owned)
        .collect();
        assert_eq!(
            found,
            vec![
                "https://www.amazon.in/dp/B0CX59H5W7",
                "https://amazon.in/dp/B0CX59H5W7"
            ]
        );
    }

    #[test]
    fn plain_words_are_not_candidates() {
        assert_eq!(
            candidates("Rs.999 only, e.g. today. Deal.Great price").count(),
            0
        );
    }

    #[test]
    fn subdomains_of_amazon_are_amazon() {
        assert_eq!(
            marketplace_of_host("music.amazon.in"),
            Some(Marketplace::India)
        );
        assert_eq!(marketplace_of_host("evilamazon.in"), None);
        assert_eq!(
            marketplace_of_host("www.amazon.com.au"),
            Some(Marketplace::Australia)
        );
        assert_eq!(marketplace_of_host("amazon.com.evil"), None);
    }
}
