//! The wire schema both Amazon APIs share, written once.
//!
//! The Creators API and PA-API 5.0 send the same JSON shapes; the Creators API spells field
//! names in lowerCamelCase (`offersV2.listings[0].price.money.amount`), PA-API 5.0 in
//! PascalCase (`OffersV2.Listings[0].Price.Money.Amount`), and a few acronyms differ
//! (`detailPageURL`, `ASIN`). [`wire_models!`] expands the structs and their mapping into
//! domain types for one spelling; `creators::model` and `paapi5::model` each expand it.
//!
//! Every struct derives `Serialize` and `Deserialize`, is `pub`, and skips absent optional
//! fields when serialised, so the sandbox marketplace can build its replies from them.
//! Unknown fields are ignored, so new API fields do not break decoding.

use chrono::{DateTime, NaiveDateTime, Utc};
use mandi_core::{Availability, Currency, ItemErrorKind, Marketplace, Money, SourceError};

use crate::transport::{AmountError, Decimal, amount_text, exact_minor};

/// What mapping a reply into domain types needs to know.
#[derive(Debug, Clone, Copy)]
pub struct MapContext<'a> {
    /// The source name for errors.
    pub source_name: &'a str,
    /// The marketplace asked (its currency is the default).
    pub marketplace: Marketplace,
    /// The currency prices must be in: the marketplace's, or the currency of preference a
    /// search asked for. An amount in any other currency is not a price.
    pub currency: Currency,
    /// When the reply arrived.
    pub fetched_at: DateTime<Utc>,
    /// True for PA-API 5.0 (PascalCase field names in error paths).
    pub pascal: bool,
}

impl MapContext<'_> {
    /// A decode error at `path`.
    pub fn decode(&self, path: &str, message: impl Into<String>) -> SourceError {
        SourceError::Decode {
            source_name: self.source_name.to_owned(),
            path: path.to_owned(),
            message: message.into(),
        }
    }

    /// A camelCase field name in this API's spelling.
    pub fn field(&self, camel: &str) -> String {
        if !self.pascal {
            return camel.to_owned();
        }
        let mut chars = camel.chars();
        match chars.next() {
            Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
            None => String::new(),
        }
    }

    /// `path.field` in this API's spelling.
    pub fn join(&self, path: &str, camel: &str) -> String {
        if path.is_empty() {
            self.field(camel)
        } else {
            format!("{path}.{}", self.field(camel))
        }
    }

    /// Converts an amount and currency code to [`Money`]; `None` when there is no amount.
    ///
    /// # Errors
    ///
    /// [`SourceError::Decode`] when the currency is unknown or the amount unreadable.
    pub fn money(
        &self,
        amount: Option<&Decimal>,
        currency: Option<&str>,
        path: &str,
    ) -> Result<Option<Money>, SourceError> {
        let Some(amount) = amount else {
            return Ok(None);
        };
        let currency = match currency {
            Some(code) => code
                .parse::<Currency>()
                .map_err(|e| self.decode(&self.join(path, "currency"), e.to_string()))?,
            None => self.marketplace.currency(),
        };
        amount
            .to_money(currency)
            .map(Some)
            .map_err(|e| self.decode(&self.join(path, "amount"), e))
    }
}

/// A string of a reply, borrowed from the reply's bytes unless it had escapes to undo.
///
/// (`Cow<str>` itself always owns when decoded inside an `Option`; this newtype borrows.)
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text<'a>(pub std::borrow::Cow<'a, str>);

impl Text<'_> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as an owned string (one allocation when borrowed, none when owned).
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The part an amount plays in a reply, for the checks and the log.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountRole {
    /// The price to pay (`offersV2.listings[].price.money`).
    Price,
    /// The reference price (M.R.P., `savingBasis.money`).
    ListPrice,
    /// The amount saved (`savings.money`).
    Savings,
    /// The lowest or highest price of a variation family.
    PriceRange,
}

impl AmountRole {
    /// A short name for logs (`price`, `list_price`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Price => "price",
            Self::ListPrice => "list_price",
            Self::Savings => "savings",
            Self::PriceRange => "price_range",
        }
    }
}

impl MapContext<'_> {
    /// An amount checked as money of [`MapContext::currency`]; `None` (unknown) when there
    /// is none or when it is not a price, with the reason logged as a warning.
    ///
    /// Not a price: an amount that is not a decimal number, zero or negative (a zero saving
    /// is simply no saving), in another currency or an unknown one, with more decimal
    /// places than the currency has minor units (`15799.005` rupees), or too large to hold.
    /// `amount` is the amount's JSON text as sent (a number, or a string holding one), so
    /// decimals are counted on the text and nothing goes through `f64`. A missing currency
    /// code means the marketplace's.
    pub fn checked_money(
        &self,
        asin: &str,
        role: AmountRole,
        amount: Option<&str>,
        currency: Option<&str>,
    ) -> Option<Money> {
        let raw = amount?;
        match self.check_money(role, raw, currency) {
            Ok(money) => money,
            Err(reason) => {
                let shown: String = raw.chars().take(40).collect();
                tracing::warn!(
                    source = self.source_name,
                    asin = %asin.chars().take(16).collect::<String>(),
                    field = role.as_str(),
                    amount = %shown,
                    currency = currency.map(|c| c.chars().take(8).collect::<String>()).as_deref(),
                    %reason,
                    "not a price: recorded as unknown"
                );
                None
            }
        }
    }

    fn check_money(
        &self,
        role: AmountRole,
        raw: &str,
        currency: Option<&str>,
    ) -> Result<Option<Money>, String> {
        let text = amount_text(raw)?;
        let currency = match currency {
            None => self.marketplace.currency(),
            Some(code) => code.trim().parse::<Currency>().map_err(|_| {
                format!(
                    "the currency {:?} is not one Mandi knows",
                    code.chars().take(8).collect::<String>()
                )
            })?,
        };
        if currency != self.currency {
            return Err(format!(
                "it is in {} but prices here are in {}",
                currency.code(),
                self.currency.code()
            ));
        }
        let minor = exact_minor(text, currency.exponent()).map_err(|e| match e {
            AmountError::TooPrecise { .. } => format!("{text}: {e}"),
            other => other.to_string(),
        })?;
        match minor {
            0 if role == AmountRole::Savings => Ok(None),
            0 => Err("it is zero".to_owned()),
            m if m < 0 => Err("it is negative".to_owned()),
            m => Ok(Some(Money::from_minor(m, currency))),
        }
    }
}

/// An item of a reply that could not be turned into a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFault {
    /// The item's ASIN text, when it could be read.
    pub asin: Option<String>,
    /// The JSON path of the fault (`itemsResult.items[3].offersV2`).
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// The result of one `getItems` call of at most ten ASINs: the products and the per-item
/// errors, every one about an ASIN that was asked for.
#[derive(Debug, Clone, Default)]
pub struct ItemsChunk {
    /// The products returned.
    pub products: Vec<mandi_core::Product>,
    /// Per-item errors (not accessible, invalid, not found, unreadable).
    pub errors: Vec<mandi_core::ItemError>,
}

/// True for the error codes Amazon gives about one item of a request (which name it in
/// their message), as opposed to the whole request.
pub fn is_item_error_code(code: &str) -> bool {
    matches!(
        code,
        "ItemNotAccessible" | "InvalidParameterValue" | "InvalidItemId" | "ItemNotFound"
    )
}

/// True for the codes that say nothing matched.
fn is_not_found_code(code: &str) -> bool {
    matches!(
        code,
        "NoResults" | "ItemNotFound" | "ResourceNotFound" | "NotFound"
    )
}

/// Checks a `getItems` reply against the ASINs asked for and sorts its errors.
///
/// * A product or unreadable item whose ASIN was not asked for refuses the whole reply
///   ([`SourceError::Decode`] naming the ASIN and its path), as does an ASIN returned twice:
///   such a reply answers some other request.
/// * An unreadable item with an ASIN asked for is a per-item error (`UnreadableItem`) and
///   costs only that item.
/// * An error entry with a per-item code ([`is_item_error_code`]) whose message names ASINs
///   asked for is a per-item error for each; a "nothing matched" code (`NoResults`) makes the
///   ASINs not returned not found; any other entry is an error of the whole request of its
///   kind ([`classify_error`]: throttled, internal failure, invalid parameter…), never "not
///   found".
/// * A reply with neither items nor errors is refused.
///
/// # Errors
///
/// As above.
pub fn assemble_items(
    source_name: &str,
    asked: &[mandi_core::Asin],
    items: Vec<Result<mandi_core::Product, ItemFault>>,
    items_path: &str,
    errors: Vec<(Option<String>, Option<String>)>,
) -> Result<ItemsChunk, SourceError> {
    use mandi_core::{Asin, ItemError};

    let decode = |path: String, message: String| SourceError::Decode {
        source_name: source_name.to_owned(),
        path,
        message,
    };
    if items.is_empty() && errors.is_empty() {
        return Err(decode(
            "body".to_owned(),
            "the reply has neither items nor errors".to_owned(),
        ));
    }
    let mut chunk = ItemsChunk::default();
    let mut unattributed: Vec<ItemFault> = Vec::new();
    let mut seen: Vec<Asin> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let path = || format!("{items_path}[{i}]");
        let asin = match &item {
            Ok(product) => Some(product.asin),
            Err(fault) => fault.asin.as_deref().and_then(|a| Asin::parse(a).ok()),
        };
        let Some(asin) = asin else {
            if let Err(fault) = item {
                tracing::warn!(source = source_name, path = %fault.path, reason = %fault.message, "an item of the reply could not be read");
                unattributed.push(fault);
            }
            continue;
        };
        if !asked.contains(&asin) {
            return Err(decode(
                path(),
                format!("the reply has {asin}, which was not asked for"),
            ));
        }
        if seen.contains(&asin) {
            return Err(decode(path(), format!("the reply has {asin} twice")));
        }
        seen.push(asin);
        match item {
            Ok(product) => chunk.products.push(product),
            Err(fault) => {
                tracing::warn!(source = source_name, %asin, path = %fault.path, reason = %fault.message, "an item of the reply could not be read");
                chunk.errors.push(ItemError {
                    asin,
                    kind: ItemErrorKind::Other,
                    code: "UnreadableItem".to_owned(),
                    message: format!("{}: {}", fault.path, fault.message),
                });
            }
        }
    }
    let mut not_found: Option<(String, String)> = None;
    for (code, message) in errors {
        let code = code.unwrap_or_default();
        let message = message.unwrap_or_default();
        let named: Vec<Asin> = asked
            .iter()
            .filter(|a| message.contains(a.as_str()))
            .copied()
            .collect();
        if is_item_error_code(&code) && !named.is_empty() {
            for asin in named {
                if seen.contains(&asin) {
                    continue;
                }
                seen.push(asin);
                chunk.errors.push(ItemError {
                    asin,
                    kind: item_error_kind(&code),
                    code: code.clone(),
                    message: message.clone(),
                });
            }
        } else if is_not_found_code(&code) {
            not_found.get_or_insert((code, message));
        } else {
            return Err(classify_error(
                source_name,
                200,
                (!code.is_empty()).then_some(code),
                Some(message).filter(|m| !m.is_empty()),
                None,
            ));
        }
    }
    for asin in asked {
        if seen.contains(asin) {
            continue;
        }
        if let Some((code, message)) = &not_found {
            chunk.errors.push(ItemError {
                asin: *asin,
                kind: ItemErrorKind::NotFound,
                code: code.clone(),
                message: message.clone(),
            });
        } else if let Some(first) = unattributed.first() {
            chunk.errors.push(ItemError {
                asin: *asin,
                kind: ItemErrorKind::Other,
                code: "UnreadableItem".to_owned(),
                message: format!(
                    "the reply did not include {asin} readably: {} item(s) could not be read ({}: {})",
                    unattributed.len(),
                    first.path,
                    first.message
                ),
            });
        }
    }
    Ok(chunk)
}

/// Maps an OffersV2 availability type to [`Availability`].
///
/// `IN_STOCK`, `IN_STOCK_SCARCE` and `LEADTIME` (ships after a lead time) can be bought now;
/// `PREORDER` and `AVAILABLE_DATE` are pre-orders; anything else, or nothing, is
/// [`Availability::Unknown`], never "out of stock".
pub fn availability_from_type(kind: Option<&str>) -> Availability {
    let Some(kind) = kind else {
        return Availability::Unknown;
    };
    let is = |name: &str| kind.eq_ignore_ascii_case(name);
    if is("IN_STOCK") || is("IN_STOCK_SCARCE") || is("LEADTIME") {
        Availability::InStock
    } else if is("OUT_OF_STOCK") {
        Availability::OutOfStock
    } else if is("PREORDER") || is("AVAILABLE_DATE") {
        Availability::Preorder
    } else {
        Availability::Unknown
    }
}

/// The OffersV2 availability type for an [`Availability`] (the reverse of
/// [`availability_from_type`]; `None` for unknown).
pub fn availability_type(availability: Availability) -> Option<&'static str> {
    match availability {
        Availability::InStock => Some("IN_STOCK"),
        Availability::OutOfStock => Some("OUT_OF_STOCK"),
        Availability::Preorder => Some("PREORDER"),
        _ => None,
    }
}

/// Parses a deal time: RFC 3339, or Amazon's minute form `2024-11-06T05:35Z`.
pub fn parse_deal_time(text: &str) -> Option<DateTime<Utc>> {
    if let Some(t) = parse_minute_time(text) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let bare = text.strip_suffix('Z').unwrap_or(text);
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(bare, f).ok())
    .map(|n| n.and_utc())
}

/// Amazon's minute form `2024-11-06T05:35Z` read by position, without a format parser
/// (every deal of a reply carries two of these); `None` for any other shape.
fn parse_minute_time(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() != 17
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b'Z'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)?;
    let time = chrono::NaiveTime::from_hms_opt(num(11..13)?, num(14..16)?, 0)?;
    Some(date.and_time(time).and_utc())
}

/// Formats a deal time the way Amazon sends it (`2024-11-06T05:35:00Z`).
pub fn format_deal_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The kind of a per-item error code.
pub fn item_error_kind(code: &str) -> ItemErrorKind {
    match code {
        "ItemNotAccessible" => ItemErrorKind::NotAccessible,
        "InvalidParameterValue" | "InvalidItemId" => ItemErrorKind::Invalid,
        "ItemNotFound" | "NoResults" | "ResourceNotFound" => ItemErrorKind::NotFound,
        _ => ItemErrorKind::Other,
    }
}

/// Maps an error reply to the port's typed error, by Amazon's code first and the HTTP
/// status second. Amazon's code and message are kept.
pub fn classify_error(
    source_name: &str,
    status: u16,
    code: Option<String>,
    message: Option<String>,
    retry_after: Option<std::time::Duration>,
) -> SourceError {
    let message = message.unwrap_or_else(|| format!("HTTP {status} without a message"));
    let name = source_name.to_owned();
    if status >= 500 {
        return SourceError::Server {
            source_name: name,
            status,
            message: match code {
                Some(c) => format!("{c}: {message}"),
                None => message,
            },
        };
    }
    let code_text = code.clone().unwrap_or_default();
    // Codes may come qualified (`com.amazon.paapi5#TooManyRequestsException`).
    let bare = code_text
        .rsplit(['#', '.'])
        .next()
        .unwrap_or("")
        .trim_end_matches("Exception");
    match bare {
        "InternalFailure"
        | "InternalServer"
        | "InternalServerError"
        | "InternalError"
        | "ServiceUnavailable"
        | "ServerError" => {
            return SourceError::Server {
                source_name: name,
                status,
                message: format!("{code_text}: {message}"),
            };
        }
        "TooManyRequests" | "Throttling" | "Throttle" | "RequestThrottled" | "Throttled" => {
            return SourceError::Throttled {
                source_name: name,
                retry_after,
                message,
            };
        }
        "InvalidSignature"
        | "UnrecognizedClient"
        | "IncompleteSignature"
        | "RequestExpired"
        | "MissingAuthenticationToken"
        | "InvalidToken"
        | "ExpiredToken"
        | "Unauthorized"
        | "NotAuthorized"
        | "InvalidClient"
        | "invalid_client"
        | "TokenExpired"
        | "InvalidIssuer"
        | "MissingClaim"
        | "MissingKeyId"
        | "UnsupportedClient"
        | "MissingCredential" => {
            return SourceError::Unauthorized {
                source_name: name,
                code: code_text,
                message,
            };
        }
        "InvalidPartnerTag"
        | "InvalidAssociate"
        | "AssociateNotEligible"
        | "AccessDenied"
        | "Forbidden" => {
            return SourceError::AccessDenied {
                source_name: name,
                code: code_text,
                message,
            };
        }
        "NoResults" | "ItemNotFound" | "ResourceNotFound" | "NotFound" => {
            return SourceError::NotFound {
                code: code_text,
                message,
            };
        }
        "InvalidParameterValue"
        | "MissingParameter"
        | "InvalidParameterCombination"
        | "UnknownOperation"
        | "Validation"
        | "InvalidInput"
        | "BadRequest"
        | "CannotParse"
        | "FieldValidationFailed"
        | "ItemNotAccessible" => {
            return SourceError::InvalidInput {
                code: code_text,
                message,
            };
        }
        _ => {}
    }
    let code_or = |default: &str| code.clone().unwrap_or_else(|| default.to_owned());
    match status {
        429 => SourceError::Throttled {
            source_name: name,
            retry_after,
            message,
        },
        401 => SourceError::Unauthorized {
            source_name: name,
            code: code_or("Unauthorized"),
            message,
        },
        403 => SourceError::AccessDenied {
            source_name: name,
            code: code_or("AccessDenied"),
            message,
        },
        404 => SourceError::NotFound {
            code: code_or("NotFound"),
            message,
        },
        _ => SourceError::InvalidInput {
            code: code_or(&format!("HTTP{status}")),
            message,
        },
    }
}

/// The error of a reply that carries `errors` and no result: the first entry's kind
/// ([`classify_error`]: `NoResults` is not found, `TooManyRequests` throttled,
/// `InternalFailure` a server failure…); `None` without entries.
pub fn reply_error(
    source_name: &str,
    errors: Vec<(Option<String>, Option<String>)>,
) -> Option<SourceError> {
    let (code, message) = errors.into_iter().next()?;
    Some(classify_error(source_name, 200, code, message, None))
}

/// The search page of a decoded `searchItems` reply: readable items (others are logged
/// and left out). A reply with `errors` and no items is an error of that kind (`NoResults`
/// is an empty page); errors next to items are logged.
///
/// # Errors
///
/// The classified error of an error-only reply.
pub fn search_page(
    ctx: &MapContext<'_>,
    items: Vec<Result<mandi_core::Product, ItemFault>>,
    errors: Vec<(Option<String>, Option<String>)>,
    (present, total_results, search_url): (bool, Option<u32>, Option<String>),
) -> Result<mandi_core::SearchPage, SourceError> {
    if items.is_empty() && !errors.is_empty() {
        return match reply_error(ctx.source_name, errors) {
            Some(SourceError::NotFound { .. }) | None => Ok(mandi_core::SearchPage::default()),
            Some(e) => Err(e),
        };
    }
    for (code, message) in &errors {
        tracing::warn!(
            source = ctx.source_name,
            code = code.as_deref().unwrap_or(""),
            message = message.as_deref().unwrap_or(""),
            "search reply carries an error next to its results"
        );
    }
    if !present {
        return Ok(mandi_core::SearchPage::default());
    }
    let mut page = mandi_core::SearchPage {
        items: Vec::with_capacity(items.len()),
        total_results,
        search_url,
    };
    for item in items {
        match item {
            Ok(p) => page.items.push(p),
            Err(f) => {
                tracing::warn!(source = ctx.source_name, path = %f.path, reason = %f.message, "a search result could not be read: left out");
            }
        }
    }
    Ok(page)
}

/// Splits a request into calls of at most [`mandi_core::MAX_ITEMS_PER_CALL`] unique ASINs,
/// runs `fetch` on each in turn and assembles one batch in request order.
///
/// `fetch` returns the products and per-item errors of its call, already checked against
/// the ASINs it asked for ([`assemble_items`]). A call answered with
/// [`SourceError::NotFound`] (every ASIN unknown) becomes a per-item error for each of its
/// ASINs; any ASIN neither returned nor named by an error gets an `ItemNotReturned` error,
/// so every ASIN asked for is accounted for.
///
/// # Errors
///
/// The first error of a call other than `NotFound`.
pub async fn get_items_chunked<F, Fut>(
    request: &mandi_core::ItemsRequest,
    mut fetch: F,
) -> Result<mandi_core::ItemsBatch, SourceError>
where
    F: FnMut(Vec<mandi_core::Asin>) -> Fut,
    Fut: std::future::Future<Output = Result<ItemsChunk, SourceError>>,
{
    use std::collections::HashMap;

    use mandi_core::{ItemError, MAX_ITEMS_PER_CALL};

    let unique = request.unique_asins();
    let mut found: HashMap<mandi_core::Asin, mandi_core::Product> = HashMap::new();
    let mut failed: HashMap<mandi_core::Asin, ItemError> = HashMap::new();
    for chunk in unique.chunks(MAX_ITEMS_PER_CALL) {
        match fetch(chunk.to_vec()).await {
            Ok(ItemsChunk { products, errors }) => {
                for product in products {
                    if chunk.contains(&product.asin) {
                        found.entry(product.asin).or_insert(product);
                    }
                }
                for error in errors {
                    if chunk.contains(&error.asin) {
                        failed.entry(error.asin).or_insert(error);
                    }
                }
            }
            Err(SourceError::NotFound { code, message }) => {
                for asin in chunk {
                    failed.entry(*asin).or_insert_with(|| ItemError {
                        asin: *asin,
                        kind: ItemErrorKind::NotFound,
                        code: code.clone(),
                        message: message.clone(),
                    });
                }
            }
            Err(other) => return Err(other),
        }
    }
    let mut batch = mandi_core::ItemsBatch::default();
    for asin in unique {
        if let Some(product) = found.remove(&asin) {
            batch.items.push(product);
        } else if let Some(error) = failed.remove(&asin) {
            batch.errors.push(error);
        } else {
            batch.errors.push(ItemError {
                asin,
                kind: ItemErrorKind::NotFound,
                code: "ItemNotReturned".to_owned(),
                message: format!("the reply did not include {asin}"),
            });
        }
    }
    Ok(batch)
}

/// Checks the request-wide settings both APIs document: one language of preference in
/// `xx_YY` form.
///
/// # Errors
///
/// [`SourceError::InvalidInput`] naming the bad value.
pub fn validate_languages(languages: &[String]) -> Result<(), SourceError> {
    if languages.len() > 1 {
        return Err(SourceError::invalid(format!(
            "only one language of preference is supported, got {}",
            languages.len()
        )));
    }
    if let Some(bad) = languages.iter().find(|l| {
        let b = l.as_bytes();
        !(b.len() == 5
            && b[0].is_ascii_lowercase()
            && b[1].is_ascii_lowercase()
            && b[2] == b'_'
            && b[3].is_ascii_uppercase()
            && b[4].is_ascii_uppercase())
    }) {
        return Err(SourceError::invalid(format!(
            "language of preference {bad:?} must look like en_IN (language_COUNTRY)"
        )));
    }
    Ok(())
}

/// The minor units of a price filter, checked against the currency prices will be in.
///
/// # Errors
///
/// [`SourceError::InvalidInput`] when the filter is in another currency.
pub fn price_filter(
    price: Option<Money>,
    expected: Currency,
    what: &str,
) -> Result<Option<i64>, SourceError> {
    match price {
        Some(p) if p.currency() != expected => Err(SourceError::invalid(format!(
            "{what} price {p} is in {}, but prices are in {expected}",
            p.currency()
        ))),
        Some(p) => Ok(Some(p.minor())),
        None => Ok(None),
    }
}

/// The API name of a condition filter.
pub fn condition_name(condition: mandi_core::Condition) -> &'static str {
    use mandi_core::Condition;
    match condition {
        Condition::New => "New",
        Condition::Used => "Used",
        Condition::Refurbished => "Refurbished",
        Condition::Collectible => "Collectible",
        _ => "Any",
    }
}

/// The API name of a merchant filter.
pub fn merchant_name(merchant: mandi_core::MerchantFilter) -> &'static str {
    match merchant {
        mandi_core::MerchantFilter::Amazon => "Amazon",
        _ => "All",
    }
}

/// The API name of an availability filter.
pub fn availability_filter_name(filter: mandi_core::AvailabilityFilter) -> &'static str {
    match filter {
        mandi_core::AvailabilityFilter::IncludeOutOfStock => "IncludeOutOfStock",
        _ => "Available",
    }
}

/// Delivery flags without duplicates, in the order given.
pub fn delivery_flag_names(flags: &[mandi_core::DeliveryFlag]) -> Option<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for f in flags {
        let n = f.api_name().to_owned();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    (!names.is_empty()).then_some(names)
}

/// Deserialises an optional count that the APIs may send as `12` or `12.0` (the official
/// SDK types counts as int-or-float); a fraction or a negative number is an error.
///
/// # Errors
///
/// The deserialiser's error naming the bad value.
pub fn lenient_u32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    use serde::Deserialize;
    use serde::de::Error as _;
    let Some(number) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(u) = number.as_u64() {
        return u32::try_from(u)
            .map(Some)
            .map_err(|_| D::Error::custom(format!("{u} is too large a count")));
    }
    let text = number.to_string();
    let whole = text
        .strip_suffix(".0")
        .and_then(|w| w.parse::<u32>().ok())
        .ok_or_else(|| D::Error::custom(format!("{text} is not a whole, non-negative count")))?;
    Ok(Some(whole))
}

/// Expands the shared wire structs and their mapping for one API's spelling.
macro_rules! wire_models {
    (
        case = $case:literal,
        pascal = $pascal:literal,
        asin = $asin:literal,
        detail_page_url = $dpu:literal,
        parent_asin = $pasin:literal,
        search_url = $surl:literal,
        violates_map = $vmap:literal,
        type_field = $ty:literal,
        url = $url:literal,
        items_result = $ir:literal,
        items_result_alias = $ira:literal $(,)?
    ) => {
        use mandi_core::{
            Asin, BrowseNode, BrowseNodeRef, Condition, DealDetails, Image, Merchant, Offer,
            Product, Reviews, Savings, SourceError, VariationAttribute as DomainVariationAttribute,
            VariationFamily,
        };
        use serde::{Deserialize, Serialize};

        use $crate::creators::wire::{
            MapContext, availability_from_type, lenient_u32, parse_deal_time,
        };
        use $crate::transport::Decimal;

        /// True when this API spells fields in PascalCase.
        pub const PASCAL_CASE: bool = $pascal;

        // ----- requests -------------------------------------------------------------------

        /// The `GetItems` request body.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct GetItemsRequest {
            /// The associate tag.
            pub partner_tag: String,
            /// `Associates` (PA-API 5.0 only).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub partner_type: Option<String>,
            /// The marketplace domain (`www.amazon.in`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub marketplace: Option<String>,
            /// Up to ten ASINs.
            #[serde(default)]
            pub item_ids: Vec<String>,
            /// `ASIN`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub item_id_type: Option<String>,
            /// The resources asked for.
            #[serde(default)]
            pub resources: Vec<String>,
            /// Offer condition filter (`Any`, `New`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub condition: Option<String>,
            /// ISO 4217 currency for prices.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub currency_of_preference: Option<String>,
            /// Locale of preference (`en_IN`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub languages_of_preference: Option<Vec<String>>,
        }

        /// The `SearchItems` request body.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct SearchItemsRequest {
            /// The associate tag.
            pub partner_tag: String,
            /// `Associates` (PA-API 5.0 only).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub partner_type: Option<String>,
            /// The marketplace domain.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub marketplace: Option<String>,
            /// Free-text keywords.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub keywords: Option<String>,
            /// The search index (`All`, `Electronics`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub search_index: Option<String>,
            /// A browse node to search in.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub browse_node_id: Option<String>,
            /// Brand.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub brand: Option<String>,
            /// Title words.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub title: Option<String>,
            /// Actor.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub actor: Option<String>,
            /// Artist.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub artist: Option<String>,
            /// Author.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub author: Option<String>,
            /// Lowest price in the currency's minor units (`3241` = 32.41).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub min_price: Option<i64>,
            /// Highest price in minor units.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub max_price: Option<i64>,
            /// Minimum rating, 1–4.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub min_reviews_rating: Option<u8>,
            /// Minimum saving percent, 1–99.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub min_saving_percent: Option<u8>,
            /// Offer condition filter (`Any`, `New`, `Used`…).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub condition: Option<String>,
            /// Delivery filters (`Prime`, `FreeShipping`…).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub delivery_flags: Option<Vec<String>>,
            /// Seller filter (`All`, `Amazon`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub merchant: Option<String>,
            /// Stock filter (`Available`, `IncludeOutOfStock`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub availability: Option<String>,
            /// Ordering (`Price:LowToHigh`…).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub sort_by: Option<String>,
            /// Results per page, 1–10.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub item_count: Option<u8>,
            /// Page, 1–10.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub item_page: Option<u8>,
            /// ISO 4217 currency for prices.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub currency_of_preference: Option<String>,
            /// Locale of preference.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub languages_of_preference: Option<Vec<String>>,
            /// The resources asked for.
            #[serde(default)]
            pub resources: Vec<String>,
        }

        /// The `GetVariations` request body.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct GetVariationsRequest {
            /// The associate tag.
            pub partner_tag: String,
            /// `Associates` (PA-API 5.0 only).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub partner_type: Option<String>,
            /// The marketplace domain.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub marketplace: Option<String>,
            /// Any ASIN of the family.
            #[serde(rename = $asin)]
            pub asin: String,
            /// Variations per page, 1–10.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub variation_count: Option<u8>,
            /// Page, from 1.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub variation_page: Option<u8>,
            /// Offer condition filter.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub condition: Option<String>,
            /// ISO 4217 currency for prices.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub currency_of_preference: Option<String>,
            /// Locale of preference.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub languages_of_preference: Option<Vec<String>>,
            /// The resources asked for.
            #[serde(default)]
            pub resources: Vec<String>,
        }

        /// The `GetBrowseNodes` request body.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct GetBrowseNodesRequest {
            /// The associate tag.
            pub partner_tag: String,
            /// `Associates` (PA-API 5.0 only).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub partner_type: Option<String>,
            /// The marketplace domain.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub marketplace: Option<String>,
            /// Up to ten browse node ids.
            #[serde(default)]
            pub browse_node_ids: Vec<String>,
            /// Locale of preference.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub languages_of_preference: Option<Vec<String>>,
            /// The resources asked for.
            #[serde(default)]
            pub resources: Vec<String>,
        }

        // ----- responses ------------------------------------------------------------------

        /// One error entry (per item in a partial result, or for the whole call).
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct ErrorData {
            /// The error code (`ItemNotAccessible`, `InvalidParameterValue`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub code: Option<String>,
            /// Amazon's message.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub message: Option<String>,
        }

        /// The `GetItems` reply.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct GetItemsResponse {
            /// The items found.
            #[serde(rename = $ir, alias = $ira, default, skip_serializing_if = "Option::is_none")]
            pub items_result: Option<ItemsResult>,
            /// Per-item errors (partial results).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub errors: Option<Vec<ErrorData>>,
        }

        /// The items of a `GetItems` reply.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct ItemsResult {
            /// The items (in no particular order).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub items: Option<Vec<Item>>,
        }

        /// The `SearchItems` reply.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct SearchItemsResponse {
            /// The results.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub search_result: Option<SearchResult>,
            /// Errors (partial failures).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub errors: Option<Vec<ErrorData>>,
        }

        /// One page of search results.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct SearchResult {
            /// The items, best first.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub items: Option<Vec<Item>>,
            /// How many results the search has.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub total_result_count: Option<u32>,
            /// The search's page on the shop.
            #[serde(rename = $surl, default, skip_serializing_if = "Option::is_none")]
            pub search_url: Option<String>,
            /// Dynamic refinements, kept as sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub search_refinements: Option<serde_json::Value>,
        }

        /// The `GetVariations` reply.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct GetVariationsResponse {
            /// The variations.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub variations_result: Option<VariationsResult>,
            /// Errors.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub errors: Option<Vec<ErrorData>>,
        }

        /// The variations of a family.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct VariationsResult {
            /// The child items on this page.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub items: Option<Vec<Item>>,
            /// The family summary.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub variation_summary: Option<VariationSummary>,
        }

        /// `variationSummary`: counts, price range and dimensions of a family.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct VariationSummary {
            /// Pages of variations.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub page_count: Option<u32>,
            /// Lowest and highest price among the variations.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub price: Option<VariationPrice>,
            /// Variations in the family.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub variation_count: Option<u32>,
            /// The dimensions the variations differ by.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub variation_dimensions: Option<Vec<VariationDimension>>,
        }

        /// The price range of a family.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct VariationPrice {
            /// Highest price.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub highest_price: Option<MoneyAmount>,
            /// Lowest price.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub lowest_price: Option<MoneyAmount>,
        }

        /// A variation dimension (`size_name`, `color_name`).
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct VariationDimension {
            /// Display name (`Size`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub display_name: Option<String>,
            /// Locale.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub locale: Option<String>,
            /// Name (`size_name`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name: Option<String>,
            /// The values seen.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub values: Option<Vec<String>>,
        }

        /// The `GetBrowseNodes` reply.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct GetBrowseNodesResponse {
            /// The nodes found.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub browse_nodes_result: Option<BrowseNodesResult>,
            /// Errors for invalid ids.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub errors: Option<Vec<ErrorData>>,
        }

        /// The nodes of a `GetBrowseNodes` reply.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct BrowseNodesResult {
            /// The nodes.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub browse_nodes: Option<Vec<BrowseNodeData>>,
        }

        /// A browse node with its ancestry ladder and children.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct BrowseNodeData {
            /// The node id.
            pub id: String,
            /// The name shown on the shop.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub display_name: Option<String>,
            /// A name that needs no context.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub context_free_name: Option<String>,
            /// Whether it is a root category.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub is_root: Option<bool>,
            /// The item's sales rank in this node (item browse nodes only).
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub sales_rank: Option<u32>,
            /// The parent, whose own parent follows, up to the root.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub ancestor: Option<Box<BrowseNodeAncestor>>,
            /// The children.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub children: Option<Vec<BrowseNodeChild>>,
        }

        /// A rung of the ancestry ladder.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct BrowseNodeAncestor {
            /// The node id.
            pub id: String,
            /// The name shown on the shop.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub display_name: Option<String>,
            /// A name that needs no context.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub context_free_name: Option<String>,
            /// The next rung up.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub ancestor: Option<Box<BrowseNodeAncestor>>,
        }

        /// A child node.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct BrowseNodeChild {
            /// The node id.
            pub id: String,
            /// The name shown on the shop.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub display_name: Option<String>,
            /// A name that needs no context.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub context_free_name: Option<String>,
        }

        // ----- items ----------------------------------------------------------------------

        /// An item with the resources asked for.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct Item {
            /// The ASIN.
            #[serde(rename = $asin)]
            pub asin: String,
            /// The product page (with the associate tag).
            #[serde(rename = $dpu, default, skip_serializing_if = "Option::is_none")]
            pub detail_page_url: Option<String>,
            /// The parent ASIN of a variation.
            #[serde(rename = $pasin, default, skip_serializing_if = "Option::is_none")]
            pub parent_asin: Option<String>,
            /// `itemInfo.*`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub item_info: Option<ItemInfo>,
            /// `images.*`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub images: Option<Images>,
            /// `offersV2.*`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub offers_v2: Option<OffersV2>,
            /// `customerReviews.*`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub customer_reviews: Option<CustomerReviews>,
            /// `browseNodeInfo.*`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub browse_node_info: Option<BrowseNodeInfo>,
            /// The dimension values of a variation (`GetVariations` only).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub variation_attributes: Option<Vec<VariationAttribute>>,
        }

        /// A variation's value along one dimension.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct VariationAttribute {
            /// The dimension (`size_name`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name: Option<String>,
            /// The value (`XL`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub value: Option<String>,
        }

        /// A single text attribute.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct DisplayValue {
            /// The value.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub display_value: Option<String>,
            /// The label.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub label: Option<String>,
            /// The locale.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub locale: Option<String>,
        }

        /// A multi-valued text attribute.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct DisplayValues {
            /// The values.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub display_values: Option<Vec<String>>,
            /// The label.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub label: Option<String>,
            /// The locale.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub locale: Option<String>,
        }

        /// `itemInfo`: descriptive attributes.
        ///
        /// The attributes Mandi maps are typed; the others are kept as sent.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct ItemInfo {
            /// `itemInfo.title`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub title: Option<DisplayValue>,
            /// `itemInfo.byLineInfo`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub by_line_info: Option<ByLineInfo>,
            /// `itemInfo.classifications`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub classifications: Option<Classifications>,
            /// `itemInfo.features`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub features: Option<DisplayValues>,
            /// `itemInfo.contentInfo`, as sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub content_info: Option<serde_json::Value>,
            /// `itemInfo.contentRating`, as sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub content_rating: Option<serde_json::Value>,
            /// `itemInfo.externalIds`, as sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub external_ids: Option<serde_json::Value>,
            /// `itemInfo.manufactureInfo`, as sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub manufacture_info: Option<serde_json::Value>,
            /// `itemInfo.productInfo`, as sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub product_info: Option<serde_json::Value>,
            /// `itemInfo.technicalInfo`, as sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub technical_info: Option<serde_json::Value>,
            /// `itemInfo.tradeInInfo`, as sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub trade_in_info: Option<serde_json::Value>,
        }

        /// `itemInfo.byLineInfo`.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct ByLineInfo {
            /// Brand.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub brand: Option<DisplayValue>,
            /// Manufacturer.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub manufacturer: Option<DisplayValue>,
            /// Authors, artists…
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub contributors: Option<Vec<Contributor>>,
        }

        /// A contributor.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct Contributor {
            /// Locale.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub locale: Option<String>,
            /// Name.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name: Option<String>,
            /// Role as shown (`Author`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub role: Option<String>,
            /// Role type (`author`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub role_type: Option<String>,
        }

        /// `itemInfo.classifications`.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct Classifications {
            /// Binding (`Paperback`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub binding: Option<DisplayValue>,
            /// Product group (`Wireless`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub product_group: Option<DisplayValue>,
        }

        /// `images`.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct Images {
            /// The main image.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub primary: Option<ImageType>,
            /// Other images.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub variants: Option<Vec<ImageType>>,
        }

        /// One image in up to three sizes.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct ImageType {
            /// Small.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub small: Option<ImageSize>,
            /// Medium.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub medium: Option<ImageSize>,
            /// Large.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub large: Option<ImageSize>,
        }

        /// An image URL with its size.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct ImageSize {
            /// URL.
            #[serde(rename = $url)]
            pub url: String,
            /// Height in pixels.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub height: Option<u32>,
            /// Width in pixels.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub width: Option<u32>,
        }

        /// `offersV2`.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct OffersV2 {
            /// The offer listings.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub listings: Option<Vec<Listing>>,
        }

        /// One offer listing.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct Listing {
            /// Stock.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub availability: Option<ListingAvailability>,
            /// Condition.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub condition: Option<ListingCondition>,
            /// Deal.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub deal_details: Option<ListingDealDetails>,
            /// Whether this offer holds the buy box.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub is_buy_box_winner: Option<bool>,
            /// Loyalty points (Japan).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub loyalty_points: Option<LoyaltyPoints>,
            /// Seller.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub merchant_info: Option<MerchantInfo>,
            /// Price, saving basis and savings.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub price: Option<ListingPrice>,
            /// `LIGHTNING_DEAL`, `SUBSCRIBE_AND_SAVE`, or none.
            #[serde(rename = $ty, default, skip_serializing_if = "Option::is_none")]
            pub listing_type: Option<String>,
            /// Whether the offer violates the minimum advertised price policy.
            #[serde(rename = $vmap, default, skip_serializing_if = "Option::is_none")]
            pub violates_map: Option<bool>,
        }

        /// A listing's stock.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct ListingAvailability {
            /// Most that may be ordered.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub max_order_quantity: Option<u32>,
            /// Message (`In stock`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub message: Option<String>,
            /// Least that may be ordered.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub min_order_quantity: Option<u32>,
            /// `IN_STOCK`, `IN_STOCK_SCARCE`, `OUT_OF_STOCK`, `PREORDER`, `LEADTIME`,
            /// `AVAILABLE_DATE`, `UNKNOWN`.
            #[serde(rename = $ty, default, skip_serializing_if = "Option::is_none")]
            pub kind: Option<String>,
        }

        /// A listing's condition.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct ListingCondition {
            /// Seller's note.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub condition_note: Option<String>,
            /// Sub-condition (`LikeNew`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub sub_condition: Option<String>,
            /// `New`, `Used`, `Refurbished`, `Collectible`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub value: Option<String>,
        }

        /// A listing's deal.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct ListingDealDetails {
            /// `ALL`, `PRIME_EARLY_ACCESS`, `PRIME_EXCLUSIVE`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub access_type: Option<String>,
            /// Badge text (`Limited time deal`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub badge: Option<String>,
            /// Prime early access window.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub early_access_duration_in_milliseconds: Option<u64>,
            /// End (`2024-11-06T05:35Z`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub end_time: Option<String>,
            /// Percent of deal stock claimed.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub percent_claimed: Option<u32>,
            /// Start.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub start_time: Option<String>,
        }

        /// Loyalty points.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct LoyaltyPoints {
            /// Points earned.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub points: Option<u32>,
        }

        /// The seller.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct MerchantInfo {
            /// Seller id.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub id: Option<String>,
            /// Seller name.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name: Option<String>,
        }

        /// A listing's price.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct ListingPrice {
            /// The buying price.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub money: Option<MoneyAmount>,
            /// Price per unit.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub price_per_unit: Option<MoneyAmount>,
            /// The reference price the saving is measured from.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub saving_basis: Option<SavingBasis>,
            /// The saving.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub savings: Option<SavingsData>,
        }

        /// An amount of money as sent.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct MoneyAmount {
            /// The decimal amount (`59.49`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub amount: Option<Decimal>,
            /// ISO 4217 code.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub currency: Option<String>,
            /// Formatted (`₹59.49`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub display_amount: Option<String>,
        }

        /// A saving basis (list price, was price).
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct SavingBasis {
            /// The reference price.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub money: Option<MoneyAmount>,
            /// `LIST_PRICE`, `WAS_PRICE`, `LOWEST_PRICE`…
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub saving_basis_type: Option<String>,
            /// Label (`M.R.P.:`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub saving_basis_type_label: Option<String>,
        }

        /// A saving.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct SavingsData {
            /// The amount saved.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub money: Option<MoneyAmount>,
            /// Percent saved.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub percentage: Option<u32>,
        }

        /// `customerReviews`.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct CustomerReviews {
            /// Number of ratings.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub count: Option<u32>,
            /// Average stars.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub star_rating: Option<StarRating>,
        }

        /// Average stars.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct StarRating {
            /// Stars out of 5 (`4.3`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub value: Option<Decimal>,
        }

        /// `browseNodeInfo`.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct BrowseNodeInfo {
            /// The nodes the item is in.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub browse_nodes: Option<Vec<BrowseNodeData>>,
            /// Rank in the whole website category.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub website_sales_rank: Option<WebsiteSalesRank>,
        }

        /// `browseNodeInfo.websiteSalesRank`.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = $case)]
        pub struct WebsiteSalesRank {
            /// Category name without context.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub context_free_name: Option<String>,
            /// Category name.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub display_name: Option<String>,
            /// Rank.
            #[serde(
                default,
                deserialize_with = "lenient_u32",
                skip_serializing_if = "Option::is_none"
            )]
            pub sales_rank: Option<u32>,
        }

        // ----- mapping into domain types ---------------------------------------------------

        impl BrowseNodeData {
            /// The domain browse node (ancestors nearest first).
            pub fn to_domain(&self) -> BrowseNode {
                let mut ancestors = Vec::new();
                let mut next = self.ancestor.as_deref();
                while let Some(a) = next {
                    ancestors.push(BrowseNodeRef {
                        id: a.id.clone(),
                        name: a.display_name.clone().unwrap_or_default(),
                    });
                    next = a.ancestor.as_deref();
                }
                BrowseNode {
                    id: self.id.clone(),
                    name: self.display_name.clone().unwrap_or_default(),
                    context_free_name: self.context_free_name.clone(),
                    is_root: self.is_root.unwrap_or(false),
                    ancestors,
                    children: self
                        .children
                        .iter()
                        .flatten()
                        .map(|c| BrowseNodeRef {
                            id: c.id.clone(),
                            name: c.display_name.clone().unwrap_or_default(),
                        })
                        .collect(),
                    sales_rank: self.sales_rank,
                }
            }
        }

        impl MoneyAmount {
            /// The amount as [`mandi_core::Money`]; `None` without an amount.
            ///
            /// # Errors
            ///
            /// [`SourceError::Decode`] naming `path` for an unknown currency or bad amount.
            pub fn to_money(
                &self,
                ctx: &MapContext<'_>,
                path: &str,
            ) -> Result<Option<mandi_core::Money>, SourceError> {
                ctx.money(self.amount.as_ref(), self.currency.as_deref(), path)
            }
        }

        impl Listing {
            /// The domain offer.
            ///
            /// A missing price is `None` and a missing stock state is
            /// [`mandi_core::Availability::Unknown`]; a missing condition is `New`, the
            /// condition OffersV2 lists by default.
            ///
            /// # Errors
            ///
            /// [`SourceError::Decode`] for unreadable money.
            pub fn to_offer(
                &self,
                ctx: &MapContext<'_>,
                asin: &str,
                _path: &str,
            ) -> Result<Offer, SourceError> {
                use $crate::creators::wire::AmountRole;
                let money = |m: Option<&MoneyAmount>, role| {
                    m.and_then(|m| {
                        ctx.checked_money(
                            asin,
                            role,
                            m.amount.as_ref().map(Decimal::as_str),
                            m.currency.as_deref(),
                        )
                    })
                };
                let price_data = self.price.as_ref();
                let price = money(price_data.and_then(|p| p.money.as_ref()), AmountRole::Price);
                let list_price = money(
                    price_data
                        .and_then(|p| p.saving_basis.as_ref())
                        .and_then(|b| b.money.as_ref()),
                    AmountRole::ListPrice,
                );
                let savings = price_data.and_then(|p| p.savings.as_ref()).and_then(|s| {
                    money(s.money.as_ref(), AmountRole::Savings).map(|amount| Savings {
                        amount,
                        percent: s
                            .percentage
                            .and_then(|p| u8::try_from(p.min(100)).ok())
                            .unwrap_or(0),
                    })
                });
                let deal = self.deal_details.as_ref().map(|d| DealDetails {
                    badge: d.badge.clone().or_else(|| {
                        self.listing_type
                            .as_deref()
                            .filter(|t| t.eq_ignore_ascii_case("LIGHTNING_DEAL"))
                            .map(|_| "Lightning Deal".to_owned())
                    }),
                    access_type: d.access_type.clone(),
                    starts_at: d.start_time.as_deref().and_then(parse_deal_time),
                    ends_at: d.end_time.as_deref().and_then(parse_deal_time),
                    percent_claimed: d
                        .percent_claimed
                        .and_then(|p| u8::try_from(p.min(100)).ok()),
                });
                let merchant = self
                    .merchant_info
                    .as_ref()
                    .map(|m| Merchant {
                        id: m.id.clone(),
                        name: m.name.clone(),
                        fulfilled_by_amazon: false,
                    })
                    .unwrap_or_default();
                Ok(Offer {
                    listing_id: None,
                    price,
                    list_price,
                    savings,
                    merchant,
                    condition: self
                        .condition
                        .as_ref()
                        .and_then(|c| c.value.as_deref())
                        .map_or(Condition::New, Condition::from_str_lossy),
                    is_buy_box_winner: self.is_buy_box_winner.unwrap_or(false),
                    deal,
                    availability: availability_from_type(
                        self.availability.as_ref().and_then(|a| a.kind.as_deref()),
                    ),
                    availability_message: self
                        .availability
                        .as_ref()
                        .and_then(|a| a.message.clone()),
                    loyalty_points: self.loyalty_points.as_ref().and_then(|l| l.points),
                })
            }
        }

        impl Item {
            /// The domain product, with every resource present mapped.
            ///
            /// # Errors
            ///
            /// [`SourceError::Decode`] naming the path of an invalid ASIN or unreadable
            /// money.
            pub fn to_product(
                &self,
                ctx: &MapContext<'_>,
                path: &str,
            ) -> Result<Product, SourceError> {
                let asin = Asin::parse(&self.asin)
                    .map_err(|e| ctx.decode(&format!("{path}.{}", $asin), e.to_string()))?;
                let parent_asin =
                    match &self.parent_asin {
                        Some(text) => Some(Asin::parse(text).map_err(|e| {
                            ctx.decode(&format!("{path}.{}", $pasin), e.to_string())
                        })?),
                        None => None,
                    };
                let info = self.item_info.as_ref();
                let title = info
                    .and_then(|i| i.title.as_ref())
                    .and_then(|t| t.display_value.clone())
                    .unwrap_or_default();
                let mut product = Product::new(asin, ctx.marketplace, title, ctx.fetched_at);
                product.parent_asin = parent_asin;
                product.detail_page_url = self.detail_page_url.clone();
                if let Some(info) = info {
                    if let Some(by_line) = &info.by_line_info {
                        product.brand =
                            by_line.brand.as_ref().and_then(|b| b.display_value.clone());
                        product.manufacturer = by_line
                            .manufacturer
                            .as_ref()
                            .and_then(|m| m.display_value.clone());
                        product.contributors = by_line
                            .contributors
                            .iter()
                            .flatten()
                            .filter_map(|c| {
                                let name = c.name.clone()?;
                                let role = c
                                    .role
                                    .clone()
                                    .or_else(|| c.role_type.clone())
                                    .unwrap_or_else(|| "Contributor".to_owned());
                                Some((role, name))
                            })
                            .collect();
                    }
                    product.product_group = info
                        .classifications
                        .as_ref()
                        .and_then(|c| c.product_group.as_ref())
                        .and_then(|g| g.display_value.clone());
                    product.features = info
                        .features
                        .as_ref()
                        .and_then(|f| f.display_values.clone())
                        .unwrap_or_default();
                }
                if let Some(images) = &self.images {
                    product.images = images
                        .primary
                        .iter()
                        .chain(images.variants.iter().flatten())
                        .filter_map(|i| {
                            let size = i
                                .large
                                .as_ref()
                                .or(i.medium.as_ref())
                                .or(i.small.as_ref())?;
                            Some(Image {
                                url: size.url.clone(),
                                width: size.width.unwrap_or(0),
                                height: size.height.unwrap_or(0),
                            })
                        })
                        .collect();
                }
                if let Some(nodes) = self
                    .browse_node_info
                    .as_ref()
                    .and_then(|b| b.browse_nodes.as_ref())
                {
                    product.browse_nodes = nodes.iter().map(BrowseNodeData::to_domain).collect();
                }
                product.variation_attributes = self
                    .variation_attributes
                    .iter()
                    .flatten()
                    .filter_map(|a| {
                        Some(DomainVariationAttribute {
                            name: a.name.clone()?,
                            value: a.value.clone()?,
                        })
                    })
                    .collect();
                if let Some(listings) = self.offers_v2.as_ref().and_then(|o| o.listings.as_ref()) {
                    let base = ctx.join(&ctx.join(path, "offersV2"), "listings");
                    product.offers = listings
                        .iter()
                        .enumerate()
                        .map(|(i, l)| l.to_offer(ctx, &self.asin, &format!("{base}[{i}]")))
                        .collect::<Result<_, _>>()?;
                }
                if let Some(reviews) = &self.customer_reviews {
                    let rating_path = ctx.join(
                        &ctx.join(&ctx.join(path, "customerReviews"), "starRating"),
                        "value",
                    );
                    let rating = match reviews.star_rating.as_ref().and_then(|s| s.value.as_ref()) {
                        Some(v) => {
                            let centi = v.scaled(2).map_err(|e| ctx.decode(&rating_path, e))?;
                            Some(u16::try_from(centi).ok().filter(|c| *c <= 500).ok_or_else(
                                || {
                                    ctx.decode(
                                        &rating_path,
                                        format!("{v} is not a rating from 0 to 5"),
                                    )
                                },
                            )?)
                        }
                        None => None,
                    };
                    if rating.is_some() || reviews.count.is_some() {
                        product.reviews = Some(Reviews {
                            rating_centi: rating.unwrap_or(0),
                            count: reviews.count.unwrap_or(0),
                        });
                    }
                }
                Ok(product)
            }
        }

        impl VariationsResult {
            /// The domain family; `requested` is the ASIN asked about (used as the parent
            /// when no item names one).
            ///
            /// # Errors
            ///
            /// [`SourceError::Decode`] for unreadable items or money.
            pub fn to_family(
                &self,
                ctx: &MapContext<'_>,
                requested: Asin,
                path: &str,
            ) -> Result<VariationFamily, SourceError> {
                let items_path = ctx.join(path, "items");
                let items: Vec<Product> = self
                    .items
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, item)| item.to_product(ctx, &format!("{items_path}[{i}]")))
                    .collect::<Result<_, _>>()?;
                let parent_asin = items
                    .iter()
                    .find_map(|p| p.parent_asin)
                    .unwrap_or(requested);
                let summary = self.variation_summary.as_ref();
                let dimensions = summary
                    .and_then(|s| s.variation_dimensions.as_ref())
                    .map(|d| {
                        d.iter()
                            .filter_map(|d| d.name.clone().or_else(|| d.display_name.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                let price = summary.and_then(|s| s.price.as_ref());
                let range = |m: Option<&MoneyAmount>| {
                    m.and_then(|m| {
                        ctx.checked_money(
                            requested.as_str(),
                            $crate::creators::wire::AmountRole::PriceRange,
                            m.amount.as_ref().map(Decimal::as_str),
                            m.currency.as_deref(),
                        )
                    })
                };
                let lowest = range(price.and_then(|p| p.lowest_price.as_ref()));
                let highest = range(price.and_then(|p| p.highest_price.as_ref()));
                let variation_count = summary
                    .and_then(|s| s.variation_count)
                    .unwrap_or_else(|| u32::try_from(items.len()).unwrap_or(u32::MAX));
                Ok(VariationFamily {
                    parent_asin,
                    dimensions,
                    items,
                    variation_count,
                    price_range: lowest.zip(highest),
                })
            }
        }
        /// Borrowing views of the replies, for the clients' decoding.
        ///
        /// They hold only what is mapped into domain types and borrow every string from the
        /// reply's bytes ([`Text`](crate::creators::wire::Text) owns only strings with escapes),
        /// so decoding allocates little beyond the domain values themselves; amounts are kept
        /// as their JSON text (`&RawValue`) and checked exactly. The owned structs of the
        /// parent module remain the full schema the sandbox writes.
        pub mod view {
            use mandi_core::{
                Asin, BrowseNode, BrowseNodeRef, Condition, DealDetails, Image, Merchant, Offer,
                Product, Reviews, Savings, SourceError,
                VariationAttribute as DomainVariationAttribute, VariationFamily,
            };
            use serde::Deserialize;
            use serde_json::value::RawValue;

            use $crate::creators::wire::{
                AmountRole, ItemFault, MapContext, Text, availability_from_type, lenient_u32,
                parse_deal_time,
            };

            /// One error entry.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ErrorView<'a> {
                /// The code.
                #[serde(borrow, default)]
                pub code: Option<Text<'a>>,
                /// The message.
                #[serde(borrow, default)]
                pub message: Option<Text<'a>>,
            }

            impl ErrorView<'_> {
                /// `(code, message)` as owned strings.
                pub fn into_pair(self) -> (Option<String>, Option<String>) {
                    (
                        self.code.map(Text::into_string),
                        self.message.map(Text::into_string),
                    )
                }
            }

            /// A list of items, each decoded as `I` (an [`ItemView`], or its raw JSON).
            #[derive(Debug, Deserialize)]
            #[serde(rename_all = $case, bound(deserialize = "I: Deserialize<'de>"))]
            pub struct ItemList<I> {
                /// The items.
                #[serde(default = "none")]
                pub items: Option<Vec<I>>,
            }

            fn none<T>() -> Option<T> {
                None
            }

            /// The `GetItems` reply.
            #[derive(Debug, Deserialize)]
            #[serde(rename_all = $case, bound(deserialize = "I: Deserialize<'de>, 'de: 'a"))]
            pub struct GetItemsReply<'a, I> {
                /// The items found.
                #[serde(rename = $ir, alias = $ira, default = "none")]
                pub items_result: Option<ItemList<I>>,
                /// Per-item and whole-request errors.
                #[serde(borrow, default)]
                pub errors: Option<Vec<ErrorView<'a>>>,
            }

            /// One page of search results.
            #[derive(Debug, Deserialize)]
            #[serde(rename_all = $case, bound(deserialize = "I: Deserialize<'de>, 'de: 'a"))]
            pub struct SearchList<'a, I> {
                /// The items.
                #[serde(default = "none")]
                pub items: Option<Vec<I>>,
                /// How many results the search has.
                #[serde(default, deserialize_with = "lenient_u32")]
                pub total_result_count: Option<u32>,
                /// The search's page on the shop.
                #[serde(rename = $surl, borrow, default)]
                pub search_url: Option<Text<'a>>,
            }

            /// The `SearchItems` reply.
            #[derive(Debug, Deserialize)]
            #[serde(rename_all = $case, bound(deserialize = "I: Deserialize<'de>, 'de: 'a"))]
            pub struct SearchReply<'a, I> {
                /// The results.
                #[serde(borrow, default = "none")]
                pub search_result: Option<SearchList<'a, I>>,
                /// Errors.
                #[serde(borrow, default)]
                pub errors: Option<Vec<ErrorView<'a>>>,
            }

            /// The variations of a family.
            #[derive(Debug, Deserialize)]
            #[serde(rename_all = $case, bound(deserialize = "I: Deserialize<'de>, 'de: 'a"))]
            pub struct VariationsList<'a, I> {
                /// The child items on this page.
                #[serde(default = "none")]
                pub items: Option<Vec<I>>,
                /// The family summary.
                #[serde(borrow, default)]
                pub variation_summary: Option<SummaryView<'a>>,
            }

            /// The `GetVariations` reply.
            #[derive(Debug, Deserialize)]
            #[serde(rename_all = $case, bound(deserialize = "I: Deserialize<'de>, 'de: 'a"))]
            pub struct VariationsReply<'a, I> {
                /// The variations.
                #[serde(borrow, default = "none")]
                pub variations_result: Option<VariationsList<'a, I>>,
                /// Errors.
                #[serde(borrow, default)]
                pub errors: Option<Vec<ErrorView<'a>>>,
            }

            /// `variationSummary`.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct SummaryView<'a> {
                /// Lowest and highest price.
                #[serde(borrow, default)]
                pub price: Option<RangeView<'a>>,
                /// Variations in the family.
                #[serde(default, deserialize_with = "lenient_u32")]
                pub variation_count: Option<u32>,
                /// The dimensions.
                #[serde(borrow, default)]
                pub variation_dimensions: Option<Vec<DimensionView<'a>>>,
            }

            /// A family's price range.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct RangeView<'a> {
                /// Highest price.
                #[serde(borrow, default)]
                pub highest_price: Option<MoneyView<'a>>,
                /// Lowest price.
                #[serde(borrow, default)]
                pub lowest_price: Option<MoneyView<'a>>,
            }

            /// A variation dimension.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct DimensionView<'a> {
                /// Name (`size_name`).
                #[serde(borrow, default)]
                pub name: Option<Text<'a>>,
                /// Display name (`Size`).
                #[serde(borrow, default)]
                pub display_name: Option<Text<'a>>,
            }

            /// An amount as sent: its JSON text and currency code.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct MoneyView<'a> {
                /// The amount's JSON text (a number, or a string holding one).
                #[serde(borrow, default)]
                pub amount: Option<&'a RawValue>,
                /// ISO 4217 code.
                #[serde(borrow, default)]
                pub currency: Option<Text<'a>>,
            }

            impl MoneyView<'_> {
                fn checked(
                    &self,
                    ctx: &MapContext<'_>,
                    asin: &str,
                    role: AmountRole,
                ) -> Option<mandi_core::Money> {
                    ctx.checked_money(
                        asin,
                        role,
                        self.amount.map(RawValue::get),
                        self.currency.as_ref().map(Text::as_str),
                    )
                }
            }

            /// Only the ASIN of an item (to name an item that could not be read).
            #[derive(Debug, Default, Deserialize)]
            pub struct AsinOnly<'a> {
                /// The ASIN.
                #[serde(rename = $asin, borrow, default)]
                pub asin: Option<Text<'a>>,
            }

            /// An item with the resources Mandi maps.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ItemView<'a> {
                /// The ASIN.
                #[serde(rename = $asin, borrow)]
                pub asin: Text<'a>,
                /// The product page.
                #[serde(rename = $dpu, borrow, default)]
                pub detail_page_url: Option<Text<'a>>,
                /// The parent ASIN.
                #[serde(rename = $pasin, borrow, default)]
                pub parent_asin: Option<Text<'a>>,
                /// `itemInfo`.
                #[serde(borrow, default)]
                pub item_info: Option<InfoView<'a>>,
                /// `images`.
                #[serde(borrow, default)]
                pub images: Option<ImagesView<'a>>,
                /// `offersV2`.
                #[serde(borrow, default)]
                pub offers_v2: Option<OffersView<'a>>,
                /// `customerReviews`.
                #[serde(borrow, default)]
                pub customer_reviews: Option<ReviewsView<'a>>,
                /// `browseNodeInfo`.
                #[serde(borrow, default)]
                pub browse_node_info: Option<NodeInfoView<'a>>,
                /// `variationAttributes`.
                #[serde(borrow, default)]
                pub variation_attributes: Option<Vec<AttributeView<'a>>>,
            }

            /// A single text attribute.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct DisplayView<'a> {
                /// The value.
                #[serde(borrow, default)]
                pub display_value: Option<Text<'a>>,
            }

            /// A multi-valued text attribute.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct DisplayValuesView<'a> {
                /// The values.
                #[serde(borrow, default)]
                pub display_values: Option<Vec<Text<'a>>>,
            }

            /// `itemInfo`.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct InfoView<'a> {
                /// Title.
                #[serde(borrow, default)]
                pub title: Option<DisplayView<'a>>,
                /// Brand, manufacturer, contributors.
                #[serde(borrow, default)]
                pub by_line_info: Option<ByLineView<'a>>,
                /// Product group.
                #[serde(borrow, default)]
                pub classifications: Option<ClassificationsView<'a>>,
                /// Features.
                #[serde(borrow, default)]
                pub features: Option<DisplayValuesView<'a>>,
            }

            /// `itemInfo.byLineInfo`.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ByLineView<'a> {
                /// Brand.
                #[serde(borrow, default)]
                pub brand: Option<DisplayView<'a>>,
                /// Manufacturer.
                #[serde(borrow, default)]
                pub manufacturer: Option<DisplayView<'a>>,
                /// Contributors.
                #[serde(borrow, default)]
                pub contributors: Option<Vec<ContributorView<'a>>>,
            }

            /// A contributor.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ContributorView<'a> {
                /// Name.
                #[serde(borrow, default)]
                pub name: Option<Text<'a>>,
                /// Role as shown.
                #[serde(borrow, default)]
                pub role: Option<Text<'a>>,
                /// Role type.
                #[serde(borrow, default)]
                pub role_type: Option<Text<'a>>,
            }

            /// `itemInfo.classifications`.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ClassificationsView<'a> {
                /// Product group.
                #[serde(borrow, default)]
                pub product_group: Option<DisplayView<'a>>,
            }

            /// `images`.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ImagesView<'a> {
                /// The main image.
                #[serde(borrow, default)]
                pub primary: Option<ImageTypeView<'a>>,
                /// Other images.
                #[serde(borrow, default)]
                pub variants: Option<Vec<ImageTypeView<'a>>>,
            }

            /// One image in up to three sizes.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ImageTypeView<'a> {
                /// Small.
                #[serde(borrow, default)]
                pub small: Option<ImageSizeView<'a>>,
                /// Medium.
                #[serde(borrow, default)]
                pub medium: Option<ImageSizeView<'a>>,
                /// Large.
                #[serde(borrow, default)]
                pub large: Option<ImageSizeView<'a>>,
            }

            /// An image URL with its size.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ImageSizeView<'a> {
                /// URL.
                #[serde(rename = $url, borrow)]
                pub url: Text<'a>,
                /// Height.
                #[serde(default, deserialize_with = "lenient_u32")]
                pub height: Option<u32>,
                /// Width.
                #[serde(default, deserialize_with = "lenient_u32")]
                pub width: Option<u32>,
            }

            /// `browseNodeInfo`.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct NodeInfoView<'a> {
                /// The nodes.
                #[serde(borrow, default)]
                pub browse_nodes: Option<Vec<NodeView<'a>>>,
            }

            /// A browse node.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct NodeView<'a> {
                /// Id.
                #[serde(borrow)]
                pub id: Text<'a>,
                /// Name.
                #[serde(borrow, default)]
                pub display_name: Option<Text<'a>>,
                /// Name without context.
                #[serde(borrow, default)]
                pub context_free_name: Option<Text<'a>>,
                /// Root?
                #[serde(default)]
                pub is_root: Option<bool>,
                /// Sales rank.
                #[serde(default, deserialize_with = "lenient_u32")]
                pub sales_rank: Option<u32>,
                /// Parent ladder.
                #[serde(borrow, default)]
                pub ancestor: Option<Box<AncestorView<'a>>>,
                /// Children.
                #[serde(borrow, default)]
                pub children: Option<Vec<ChildView<'a>>>,
            }

            /// A rung of the ancestry ladder.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct AncestorView<'a> {
                /// Id.
                #[serde(borrow)]
                pub id: Text<'a>,
                /// Name.
                #[serde(borrow, default)]
                pub display_name: Option<Text<'a>>,
                /// Next rung up.
                #[serde(borrow, default)]
                pub ancestor: Option<Box<AncestorView<'a>>>,
            }

            /// A child node.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ChildView<'a> {
                /// Id.
                #[serde(borrow)]
                pub id: Text<'a>,
                /// Name.
                #[serde(borrow, default)]
                pub display_name: Option<Text<'a>>,
            }

            /// A variation attribute.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct AttributeView<'a> {
                /// Dimension.
                #[serde(borrow, default)]
                pub name: Option<Text<'a>>,
                /// Value.
                #[serde(borrow, default)]
                pub value: Option<Text<'a>>,
            }

            /// `offersV2`.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct OffersView<'a> {
                /// Listings.
                #[serde(borrow, default)]
                pub listings: Option<Vec<ListingView<'a>>>,
            }

            /// One listing.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ListingView<'a> {
                /// Stock.
                #[serde(borrow, default)]
                pub availability: Option<AvailabilityView<'a>>,
                /// Condition.
                #[serde(borrow, default)]
                pub condition: Option<ConditionView<'a>>,
                /// Deal.
                #[serde(borrow, default)]
                pub deal_details: Option<DealView<'a>>,
                /// Buy box?
                #[serde(default)]
                pub is_buy_box_winner: Option<bool>,
                /// Loyalty points.
                #[serde(default)]
                pub loyalty_points: Option<PointsView>,
                /// Seller.
                #[serde(borrow, default)]
                pub merchant_info: Option<MerchantView<'a>>,
                /// Price.
                #[serde(borrow, default)]
                pub price: Option<PriceView<'a>>,
                /// Listing type.
                #[serde(rename = $ty, borrow, default)]
                pub listing_type: Option<Text<'a>>,
            }

            /// A listing's stock.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct AvailabilityView<'a> {
                /// Type.
                #[serde(rename = $ty, borrow, default)]
                pub kind: Option<Text<'a>>,
                /// Message.
                #[serde(borrow, default)]
                pub message: Option<Text<'a>>,
            }

            /// A listing's condition.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ConditionView<'a> {
                /// Value.
                #[serde(borrow, default)]
                pub value: Option<Text<'a>>,
            }

            /// A listing's deal.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct DealView<'a> {
                /// Access type.
                #[serde(borrow, default)]
                pub access_type: Option<Text<'a>>,
                /// Badge.
                #[serde(borrow, default)]
                pub badge: Option<Text<'a>>,
                /// End.
                #[serde(borrow, default)]
                pub end_time: Option<Text<'a>>,
                /// Start.
                #[serde(borrow, default)]
                pub start_time: Option<Text<'a>>,
                /// Percent claimed.
                #[serde(default, deserialize_with = "lenient_u32")]
                pub percent_claimed: Option<u32>,
            }

            /// Loyalty points.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct PointsView {
                /// Points.
                #[serde(default, deserialize_with = "lenient_u32")]
                pub points: Option<u32>,
            }

            /// The seller.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct MerchantView<'a> {
                /// Id.
                #[serde(borrow, default)]
                pub id: Option<Text<'a>>,
                /// Name.
                #[serde(borrow, default)]
                pub name: Option<Text<'a>>,
            }

            /// A listing's price.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct PriceView<'a> {
                /// The price to pay.
                #[serde(borrow, default)]
                pub money: Option<MoneyView<'a>>,
                /// The reference price.
                #[serde(borrow, default)]
                pub saving_basis: Option<BasisView<'a>>,
                /// The saving.
                #[serde(borrow, default)]
                pub savings: Option<SavingsView<'a>>,
            }

            /// A saving basis.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct BasisView<'a> {
                /// The reference price.
                #[serde(borrow, default)]
                pub money: Option<MoneyView<'a>>,
            }

            /// A saving.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct SavingsView<'a> {
                /// The amount saved.
                #[serde(borrow, default)]
                pub money: Option<MoneyView<'a>>,
                /// Percent saved.
                #[serde(default, deserialize_with = "lenient_u32")]
                pub percentage: Option<u32>,
            }

            /// `customerReviews`.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct ReviewsView<'a> {
                /// Ratings.
                #[serde(default, deserialize_with = "lenient_u32")]
                pub count: Option<u32>,
                /// Stars.
                #[serde(borrow, default)]
                pub star_rating: Option<StarView<'a>>,
            }

            /// Average stars.
            #[derive(Debug, Default, Deserialize)]
            #[serde(rename_all = $case)]
            pub struct StarView<'a> {
                /// Stars out of 5, as sent.
                #[serde(borrow, default)]
                pub value: Option<&'a RawValue>,
            }

            fn text(t: Option<Text<'_>>) -> Option<String> {
                t.map(Text::into_string)
            }

            fn display(d: Option<DisplayView<'_>>) -> Option<String> {
                d.and_then(|d| text(d.display_value))
            }

            impl NodeView<'_> {
                /// The domain browse node.
                pub fn into_domain(self) -> BrowseNode {
                    let mut ancestors = Vec::new();
                    let mut next = self.ancestor;
                    while let Some(a) = next {
                        let a = *a;
                        ancestors.push(BrowseNodeRef {
                            id: a.id.into_string(),
                            name: text(a.display_name).unwrap_or_default(),
                        });
                        next = a.ancestor;
                    }
                    BrowseNode {
                        id: self.id.into_string(),
                        name: text(self.display_name).unwrap_or_default(),
                        context_free_name: text(self.context_free_name),
                        is_root: self.is_root.unwrap_or(false),
                        ancestors,
                        children: self
                            .children
                            .into_iter()
                            .flatten()
                            .map(|c| BrowseNodeRef {
                                id: c.id.into_string(),
                                name: text(c.display_name).unwrap_or_default(),
                            })
                            .collect(),
                        sales_rank: self.sales_rank,
                    }
                }
            }

            impl ListingView<'_> {
                /// The domain offer; amounts that are not prices are unknown (logged).
                pub fn into_offer(self, ctx: &MapContext<'_>, asin: &str) -> Offer {
                    let price_data = self.price.as_ref();
                    let price = price_data
                        .and_then(|p| p.money.as_ref())
                        .and_then(|m| m.checked(ctx, asin, AmountRole::Price));
                    let list_price = price_data
                        .and_then(|p| p.saving_basis.as_ref())
                        .and_then(|b| b.money.as_ref())
                        .and_then(|m| m.checked(ctx, asin, AmountRole::ListPrice));
                    let savings = price_data.and_then(|p| p.savings.as_ref()).and_then(|s| {
                        let amount = s.money.as_ref()?.checked(ctx, asin, AmountRole::Savings)?;
                        Some(Savings {
                            amount,
                            percent: s
                                .percentage
                                .and_then(|p| u8::try_from(p.min(100)).ok())
                                .unwrap_or(0),
                        })
                    });
                    let lightning = self
                        .listing_type
                        .as_ref()
                        .is_some_and(|t| t.as_str().eq_ignore_ascii_case("LIGHTNING_DEAL"));
                    let deal = self.deal_details.map(|d| DealDetails {
                        badge: text(d.badge)
                            .or_else(|| lightning.then(|| "Lightning Deal".to_owned())),
                        starts_at: d.start_time.as_ref().and_then(|t| parse_deal_time(t.as_str())),
                        ends_at: d.end_time.as_ref().and_then(|t| parse_deal_time(t.as_str())),
                        access_type: text(d.access_type),
                        percent_claimed: d
                            .percent_claimed
                            .and_then(|p| u8::try_from(p.min(100)).ok()),
                    });
                    let merchant = self
                        .merchant_info
                        .map(|m| Merchant {
                            id: text(m.id),
                            name: text(m.name),
                            fulfilled_by_amazon: false,
                        })
                        .unwrap_or_default();
                    let (kind, availability_message) = match self.availability {
                        Some(a) => (a.kind, text(a.message)),
                        None => (None, None),
                    };
                    Offer {
                        listing_id: None,
                        price,
                        list_price,
                        savings,
                        merchant,
                        condition: self
                            .condition
                            .and_then(|c| c.value)
                            .map_or(Condition::New, |v| Condition::from_str_lossy(v.as_str())),
                        is_buy_box_winner: self.is_buy_box_winner.unwrap_or(false),
                        deal,
                        availability: availability_from_type(kind.as_ref().map(Text::as_str)),
                        availability_message,
                        loyalty_points: self.loyalty_points.and_then(|l| l.points),
                    }
                }
            }

            impl ItemView<'_> {
                /// The domain product.
                ///
                /// Only an unreadable ASIN makes the item a fault (path relative to the
                /// item, `.asin`); an amount that is not a price is an unknown price, and a
                /// bad parent ASIN or star rating is left unknown, each logged.
                ///
                /// # Errors
                ///
                /// [`ItemFault`] when the ASIN is not an ASIN.
                pub fn into_product(self, ctx: &MapContext<'_>) -> Result<Product, ItemFault> {
                    let asin = Asin::parse(self.asin.as_str()).map_err(|e| ItemFault {
                        asin: None,
                        path: concat!(".", $asin).to_owned(),
                        message: e.to_string(),
                    })?;
                    let asin_text = asin.as_str();
                    let parent_asin = self.parent_asin.as_ref().and_then(|p| {
                        Asin::parse(p.as_str())
                            .map_err(|e| {
                                tracing::warn!(source = ctx.source_name, asin = asin_text, reason = %e, "the parent ASIN is not an ASIN: left unknown");
                            })
                            .ok()
                    });
                    let mut info = self.item_info.unwrap_or_default();
                    let title = display(info.title.take()).unwrap_or_default();
                    let mut product = Product::new(asin, ctx.marketplace, title, ctx.fetched_at);
                    product.parent_asin = parent_asin;
                    product.detail_page_url = text(self.detail_page_url);
                    if let Some(by_line) = info.by_line_info {
                        product.brand = display(by_line.brand);
                        product.manufacturer = display(by_line.manufacturer);
                        product.contributors = by_line
                            .contributors
                            .into_iter()
                            .flatten()
                            .filter_map(|c| {
                                let name = text(c.name)?;
                                let role = text(c.role)
                                    .or_else(|| text(c.role_type))
                                    .unwrap_or_else(|| "Contributor".to_owned());
                                Some((role, name))
                            })
                            .collect();
                    }
                    product.product_group =
                        display(info.classifications.and_then(|c| c.product_group));
                    product.features = info
                        .features
                        .and_then(|f| f.display_values)
                        .map(|v| v.into_iter().map(Text::into_string).collect())
                        .unwrap_or_default();
                    if let Some(images) = self.images {
                        product.images = images
                            .primary
                            .into_iter()
                            .chain(images.variants.into_iter().flatten())
                            .filter_map(|i| {
                                let size = i.large.or(i.medium).or(i.small)?;
                                Some(Image {
                                    url: size.url.into_string(),
                                    width: size.width.unwrap_or(0),
                                    height: size.height.unwrap_or(0),
                                })
                            })
                            .collect();
                    }
                    if let Some(nodes) = self.browse_node_info.and_then(|b| b.browse_nodes) {
                        product.browse_nodes =
                            nodes.into_iter().map(NodeView::into_domain).collect();
                    }
                    product.variation_attributes = self
                        .variation_attributes
                        .into_iter()
                        .flatten()
                        .filter_map(|a| {
                            Some(DomainVariationAttribute {
                                name: text(a.name)?,
                                value: text(a.value)?,
                            })
                        })
                        .collect();
                    if let Some(listings) = self.offers_v2.and_then(|o| o.listings) {
                        product.offers = listings
                            .into_iter()
                            .map(|l| l.into_offer(ctx, asin_text))
                            .collect();
                    }
                    if let Some(reviews) = self.customer_reviews {
                        let rating = reviews
                            .star_rating
                            .and_then(|s| s.value)
                            .and_then(|raw| {
                                let checked = $crate::transport::amount_text(raw.get())
                                    .and_then(|t| $crate::transport::scaled_text(t, 2))
                                    .ok()
                                    .and_then(|c| u16::try_from(c).ok())
                                    .filter(|c| *c <= 500);
                                if checked.is_none() {
                                    let shown: String = raw.get().chars().take(40).collect();
                                    tracing::warn!(source = ctx.source_name, asin = asin_text, rating = %shown, "not a rating from 0 to 5: left unknown");
                                }
                                checked
                            });
                        if rating.is_some() || reviews.count.is_some() {
                            product.reviews = Some(Reviews {
                                rating_centi: rating.unwrap_or(0),
                                count: reviews.count.unwrap_or(0),
                            });
                        }
                    }
                    Ok(product)
                }
            }

            /// A decoded item, or why it could not be decoded (path relative to the item).
            pub type Slot<'a> = Result<ItemView<'a>, ItemFault>;

            /// Decodes one item from its raw JSON, naming the path of a fault.
            pub fn slot_from_raw<'a>(raw: &'a RawValue) -> Slot<'a> {
                let text = raw.get();
                if let Ok(item) = serde_json::from_str::<ItemView<'a>>(text) {
                    return Ok(item);
                }
                let mut de = serde_json::Deserializer::from_str(text);
                let (path, message) =
                    match serde_path_to_error::deserialize::<_, ItemView<'a>>(&mut de) {
                        Err(e) => {
                            let path = e.path().to_string();
                            (
                                if path == "." { String::new() } else { format!(".{path}") },
                                e.into_inner().to_string(),
                            )
                        }
                        Ok(_) => (String::new(), "the item could not be read".to_owned()),
                    };
                let asin = serde_json::from_str::<AsinOnly<'a>>(text)
                    .ok()
                    .and_then(|a| a.asin)
                    .map(Text::into_string);
                Err(ItemFault {
                    asin,
                    path,
                    message,
                })
            }

            /// Decodes items (as views or raw JSON) into slots.
            pub trait IntoSlot<'a> {
                /// The slot.
                fn into_slot(self) -> Slot<'a>;
            }

            impl<'a> IntoSlot<'a> for ItemView<'a> {
                fn into_slot(self) -> Slot<'a> {
                    Ok(self)
                }
            }

            impl<'a> IntoSlot<'a> for &'a RawValue {
                fn into_slot(self) -> Slot<'a> {
                    slot_from_raw(self)
                }
            }

            fn slots<'a, I: IntoSlot<'a>>(items: Option<Vec<I>>) -> Vec<Slot<'a>> {
                items
                    .unwrap_or_default()
                    .into_iter()
                    .map(IntoSlot::into_slot)
                    .collect()
            }

            /// Decodes a reply of type `R<ItemView>`; when that fails, decodes it as
            /// `R<&RawValue>` and each item alone, so one unreadable item costs only
            /// itself. A reply that fails even so is a [`SourceError::Decode`] naming the
            /// path.
            fn lenient<'a, Full, Raw, Out>(
                source_name: &str,
                body: &'a [u8],
                full: impl FnOnce(Full) -> Out,
                raw: impl FnOnce(Raw) -> Out,
            ) -> Result<Out, SourceError>
            where
                Full: Deserialize<'a>,
                Raw: Deserialize<'a>,
            {
                $crate::transport::check_json_body(source_name, body)?;
                // One UTF-8 check of the whole body up front is cheaper than one per string
                // (SIMD, chosen at run time; a body that fails it is checked again by the
                // standard library for the error's position).
                let text = match simdutf8::basic::from_utf8(body) {
                    Ok(text) => text,
                    Err(_) => std::str::from_utf8(body).map_err(|e| SourceError::Decode {
                        source_name: source_name.to_owned(),
                        path: "body".to_owned(),
                        message: format!("the reply is not UTF-8: {e}"),
                    })?,
                };
                if let Ok(reply) = serde_json::from_str::<Full>(text) {
                    return Ok(full(reply));
                }
                match serde_json::from_slice::<Raw>(body) {
                    Ok(reply) => Ok(raw(reply)),
                    Err(_) => Err($crate::transport::decode_failure::<Full>(source_name, body)),
                }
            }

            /// A decoded list reply: the items (or faults) and the error entries.
            #[derive(Debug)]
            pub struct Decoded<'a, Extra> {
                /// The items in reply order.
                pub items: Vec<Slot<'a>>,
                /// The `errors` entries.
                pub errors: Vec<ErrorView<'a>>,
                /// What else the reply carries (search totals, the family summary).
                pub extra: Extra,
            }

            /// Decodes a `GetItems` reply.
            ///
            /// # Errors
            ///
            /// [`SourceError::Decode`] when the reply as a whole cannot be read.
            pub fn decode_get_items<'a>(
                source_name: &str,
                body: &'a [u8],
            ) -> Result<Decoded<'a, ()>, SourceError> {
                fn out<'a, I: IntoSlot<'a>>(r: GetItemsReply<'a, I>) -> Decoded<'a, ()> {
                    Decoded {
                        items: slots(r.items_result.and_then(|l| l.items)),
                        errors: r.errors.unwrap_or_default(),
                        extra: (),
                    }
                }
                lenient(
                    source_name,
                    body,
                    out::<ItemView<'a>>,
                    out::<&'a RawValue>,
                )
            }

            /// What a search page carries besides items: `(present, total, search URL)`.
            pub type SearchExtra = (bool, Option<u32>, Option<String>);

            /// Decodes a `SearchItems` reply.
            ///
            /// # Errors
            ///
            /// [`SourceError::Decode`] when the reply as a whole cannot be read.
            pub fn decode_search<'a>(
                source_name: &str,
                body: &'a [u8],
            ) -> Result<Decoded<'a, SearchExtra>, SourceError> {
                fn out<'a, I: IntoSlot<'a>>(r: SearchReply<'a, I>) -> Decoded<'a, SearchExtra> {
                    let errors = r.errors.unwrap_or_default();
                    match r.search_result {
                        Some(s) => Decoded {
                            items: slots(s.items),
                            errors,
                            extra: (true, s.total_result_count, text(s.search_url)),
                        },
                        None => Decoded {
                            items: Vec::new(),
                            errors,
                            extra: (false, None, None),
                        },
                    }
                }
                lenient(
                    source_name,
                    body,
                    out::<ItemView<'a>>,
                    out::<&'a RawValue>,
                )
            }

            /// Decodes a `GetVariations` reply; the extra is the summary, `None` when the
            /// reply has no variations result.
            ///
            /// # Errors
            ///
            /// [`SourceError::Decode`] when the reply as a whole cannot be read.
            pub fn decode_variations<'a>(
                source_name: &str,
                body: &'a [u8],
            ) -> Result<Decoded<'a, Option<Option<SummaryView<'a>>>>, SourceError> {
                fn out<'a, I: IntoSlot<'a>>(
                    r: VariationsReply<'a, I>,
                ) -> Decoded<'a, Option<Option<SummaryView<'a>>>> {
                    let errors = r.errors.unwrap_or_default();
                    match r.variations_result {
                        Some(v) => Decoded {
                            items: slots(v.items),
                            errors,
                            extra: Some(v.variation_summary),
                        },
                        None => Decoded {
                            items: Vec::new(),
                            errors,
                            extra: None,
                        },
                    }
                }
                lenient(
                    source_name,
                    body,
                    out::<ItemView<'a>>,
                    out::<&'a RawValue>,
                )
            }

            /// Maps slots to products, turning each fault's path into the full path
            /// (`itemsResult.items[3].offersV2`).
            pub fn products<'a>(
                items: Vec<Slot<'a>>,
                ctx: &MapContext<'_>,
                items_path: &str,
            ) -> Vec<Result<Product, ItemFault>> {
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, slot)| {
                        slot.and_then(|item| {
                            // A borrowed clone: no allocation unless the item fails.
                            let asin = item.asin.clone();
                            item.into_product(ctx).map_err(|mut f| {
                                f.asin = Some(asin.into_string());
                                f
                            })
                        })
                        .map_err(|mut f| {
                            f.path = format!("{items_path}[{i}]{}", f.path);
                            f
                        })
                    })
                    .collect()
            }

            /// The family of a `GetVariations` reply: readable items only (others are
            /// logged and left out), all of one family.
            ///
            /// # Errors
            ///
            /// [`SourceError::Decode`] when the items name more than one parent ASIN.
            pub fn family(
                items: Vec<Result<Product, ItemFault>>,
                summary: Option<SummaryView<'_>>,
                ctx: &MapContext<'_>,
                requested: Asin,
                items_path: &str,
            ) -> Result<VariationFamily, SourceError> {
                let mut kept: Vec<Product> = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Ok(p) => kept.push(p),
                        Err(f) => {
                            tracing::warn!(source = ctx.source_name, path = %f.path, reason = %f.message, "a variation could not be read: left out");
                        }
                    }
                }
                let mut parents = kept.iter().filter_map(|p| p.parent_asin);
                let parent_asin = parents.next();
                if let Some(other) = parents.find(|p| Some(*p) != parent_asin) {
                    return Err(SourceError::Decode {
                        source_name: ctx.source_name.to_owned(),
                        path: items_path.to_owned(),
                        message: format!(
                            "the variations of {requested} name two parents, {} and {other}",
                            parent_asin.map(|p| p.to_string()).unwrap_or_default()
                        ),
                    });
                }
                let summary = summary.unwrap_or_default();
                let range = summary.price.unwrap_or_default();
                let checked = |m: Option<MoneyView<'_>>| {
                    m.and_then(|m| m.checked(ctx, requested.as_str(), AmountRole::PriceRange))
                };
                let lowest = checked(range.lowest_price);
                let highest = checked(range.highest_price);
                let dimensions = summary
                    .variation_dimensions
                    .into_iter()
                    .flatten()
                    .filter_map(|d| text(d.name).or_else(|| text(d.display_name)))
                    .collect();
                let variation_count = summary
                    .variation_count
                    .unwrap_or_else(|| u32::try_from(kept.len()).unwrap_or(u32::MAX));
                Ok(VariationFamily {
                    parent_asin: parent_asin.unwrap_or(requested),
                    dimensions,
                    items: kept,
                    variation_count,
                    price_range: lowest.zip(highest),
                })
            }
        }

    };
}

pub(crate) use wire_models;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn deal_times_accept_amazons_minute_form() {
        let t = Utc.with_ymd_and_hms(2024, 11, 6, 5, 35, 0).unwrap();
        assert_eq!(parse_deal_time("2024-11-06T05:35Z"), Some(t));
        assert_eq!(parse_deal_time("2024-11-06T05:35:00Z"), Some(t));
        assert_eq!(parse_deal_time("2024-11-06T11:05:00+05:30"), Some(t));
        assert_eq!(parse_deal_time(&format_deal_time(t)), Some(t));
        assert_eq!(parse_deal_time("tomorrow"), None);
        // The minute form is read by position: impossible dates and times and non-digits in
        // it are refused, as the format parser refused them.
        for bad in [
            "2024-13-06T05:35Z",
            "2024-02-30T05:35Z",
            "2024-11-06T24:00Z",
            "2024-11-06T05:60Z",
            "2024-11-0xT05:35Z",
            "2024-11-06 05:35Z",
        ] {
            assert_eq!(parse_deal_time(bad), None, "{bad}");
        }
        assert_eq!(
            parse_deal_time("2024-02-29T23:59Z"),
            Some(Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 0).unwrap())
        );
    }

    #[test]
    fn availability_types_map_and_unknown_is_never_out_of_stock() {
        assert_eq!(
            availability_from_type(Some("IN_STOCK_SCARCE")),
            Availability::InStock
        );
        assert_eq!(
            availability_from_type(Some("OUT_OF_STOCK")),
            Availability::OutOfStock
        );
        assert_eq!(
            availability_from_type(Some("PREORDER")),
            Availability::Preorder
        );
        assert_eq!(
            availability_from_type(Some("UNKNOWN")),
            Availability::Unknown
        );
        assert_eq!(availability_from_type(None), Availability::Unknown);
        for a in [
            Availability::InStock,
            Availability::OutOfStock,
            Availability::Preorder,
        ] {
            assert_eq!(availability_from_type(availability_type(a)), a);
        }
    }

    fn india() -> MapContext<'static> {
        MapContext {
            source_name: "t",
            marketplace: Marketplace::India,
            currency: Currency::INR,
            fetched_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            pascal: false,
        }
    }

    /// Every marketplace takes amounts in its own currency with that currency's minor-unit
    /// digits: two decimals for most, none for the yen; one digit more is not a price.
    #[test]
    fn every_marketplace_checks_amounts_against_its_currencys_minor_units() {
        for m in Marketplace::ALL {
            let ctx = MapContext {
                marketplace: m,
                currency: m.currency(),
                ..india()
            };
            let price = |amount: &str, currency: Option<&str>| {
                ctx.checked_money("B0CX59H5W7", AmountRole::Price, Some(amount), currency)
            };
            let c = m.currency();
            let whole = Some(Money::from_major(1_299, c));
            assert_eq!(price("1299", None), whole, "{m}");
            assert_eq!(price("1299", Some(c.code())), whole, "{m}");
            assert_eq!(price("1299.00", None), whole, "{m}");
            assert_eq!(
                price("1299", Some(if c == Currency::INR { "USD" } else { "INR" })),
                None,
                "{m}: another currency"
            );
            let finest = format!(
                "1299.{}1",
                "0".repeat(c.exponent() as usize - usize::from(c.exponent() > 0))
            );
            let one_more = format!("1299.{}1", "0".repeat(c.exponent() as usize));
            if c.exponent() > 0 {
                assert_eq!(
                    price(&finest, None),
                    Some(Money::from_minor(129_900 + 1, c)),
                    "{m}: {finest}"
                );
            }
            assert_eq!(price(&one_more, None), None, "{m}: {one_more}");
        }
        let jp = MapContext {
            marketplace: Marketplace::Japan,
            currency: Currency::JPY,
            ..india()
        };
        let yen = |a: &str| jp.checked_money("B0CHX3QBCH", AmountRole::Price, Some(a), Some("JPY"));
        assert_eq!(
            yen("129800"),
            Some(Money::from_major(129_800, Currency::JPY))
        );
        assert_eq!(
            yen("129800.0"),
            Some(Money::from_major(129_800, Currency::JPY))
        );
        assert_eq!(yen("129800.5"), None);
        assert_eq!(
            yen("1.298e5"),
            Some(Money::from_major(129_800, Currency::JPY))
        );
    }

    #[test]
    fn amounts_that_are_not_prices_are_unknown() {
        let ctx = india();
        let price = |amount: &str, currency: Option<&str>| {
            ctx.checked_money("B0CX59H5W7", AmountRole::Price, Some(amount), currency)
        };
        let inr = |minor| Some(Money::from_minor(minor, Currency::INR));
        assert_eq!(price("15799", Some("INR")), inr(1_579_900));
        assert_eq!(price("15799.5", None), inr(1_579_950));
        assert_eq!(price("15799.000", Some("INR")), inr(1_579_900));
        assert_eq!(price("1.5e3", Some("INR")), inr(150_000));
        assert_eq!(price("\"59.49\"", Some("INR")), inr(5949));
        // Not prices: zero, negative, another or unknown currency, sub-paise, garbage.
        for (amount, currency) in [
            ("0", Some("INR")),
            ("0.00", Some("INR")),
            ("-1", Some("INR")),
            ("-0.01", None),
            ("15799", Some("USD")),
            ("15799", Some("XYZ")),
            ("15799.005", Some("INR")),
            ("15799.0000000000000001", Some("INR")),
            ("1e-3", Some("INR")),
            ("1e30", Some("INR")),
            ("\"12a\"", Some("INR")),
            ("\"1\\u0030\"", Some("INR")),
            ("true", Some("INR")),
            ("{}", Some("INR")),
            ("null", Some("INR")),
        ] {
            assert_eq!(price(amount, currency), None, "{amount} {currency:?}");
        }
        // A zero saving is no saving; a negative one is not one either.
        let saving =
            |amount| ctx.checked_money("B0CX59H5W7", AmountRole::Savings, Some(amount), None);
        assert_eq!(saving("0"), None);
        assert_eq!(saving("-5"), None);
        assert_eq!(saving("250"), inr(25_000));
        // A search that asked for another currency takes prices in it.
        let usd = MapContext {
            currency: Currency::USD,
            ..india()
        };
        assert_eq!(
            usd.checked_money("B0CX59H5W7", AmountRole::Price, Some("59.49"), Some("USD")),
            Some(Money::from_minor(5949, Currency::USD))
        );
        assert_eq!(
            usd.checked_money("B0CX59H5W7", AmountRole::Price, Some("59.49"), Some("INR")),
            None
        );
    }

    #[test]
    fn field_names_follow_the_api_spelling() {
        let mut ctx = india();
        assert_eq!(ctx.join("items[0]", "offersV2"), "items[0].offersV2");
        ctx.pascal = true;
        assert_eq!(ctx.join("Items[0]", "offersV2"), "Items[0].OffersV2");
        assert!(matches!(
            ctx.money(Some(&Decimal::parse("1").unwrap()), Some("XYZ"), "P"),
            Err(SourceError::Decode { path, .. }) if path == "P.Currency"
        ));
        assert_eq!(
            ctx.money(Some(&Decimal::parse("54999").unwrap()), None, "P")
                .unwrap(),
            Some(Money::from_major(54999, Currency::INR))
        );
    }
}
