//! Shared HTTP plumbing for the Amazon API clients.
//!
//! Both adapters ([`crate::creators::CreatorsApiSource`] and
//! [`crate::paapi5::PaApi5Source`]) build a [`PreparedRequest`] per attempt and hand it to
//! one [`HttpTransport::send`] path, which
//!
//! * waits for the client-side rate limiter ([`RateLimit`], the account's TPS),
//! * sends with connect and read timeouts ([`Timeouts`]),
//! * reads at most [`HttpTransport::max_body_bytes`] of the reply (8 MiB by default) and
//!   answers a larger one with [`SourceError::Decode`] at path `body`,
//! * retries HTTP 429, 500, 502, 503 and 504 and connection failures with exponential
//!   backoff and jitter ([`RetryPolicy`]), honouring `Retry-After` (seconds or an HTTP date).
//!
//! It also holds [`Decimal`], the exact decimal number the APIs use for money, and
//! [`decode_json`], which decodes through `serde_path_to_error` so a bad payload names the
//! JSON path that failed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use mandi_core::{Clock, Currency, Money, SourceError};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The largest reply read by default: 8 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// How failed requests are retried.
///
/// The wait before retry `n` (from 0) is `base_delay * 2^n`, capped at `max_delay`, of which a
/// random half is taken off ("equal jitter") so clients that failed together do not retry
/// together. A `Retry-After` from the server replaces the computed wait when it is longer;
/// one longer than `max_retry_after` is not waited for: the call fails with
/// [`SourceError::Throttled`] carrying the wait instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// The first backoff.
    pub base_delay: Duration,
    /// The longest computed backoff.
    pub max_delay: Duration,
    /// The longest server-requested wait that is honoured in-line.
    pub max_retry_after: Duration,
    /// Whether to randomise backoffs.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Tiny delays, for tests: `max_retries` retries a millisecond apart, no jitter.
    pub fn fast(max_retries: u32) -> Self {
        Self {
            max_retries,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(5),
            jitter: false,
        }
    }

    /// The backoff before retry `attempt` (0 for the first retry), before `Retry-After`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX);
        let full = self
            .base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        if !self.jitter || full.is_zero() {
            return full;
        }
        let half = full / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(rand::random_range(0..=nanos))
    }

    /// True for the HTTP statuses worth retrying: 429, 500, 502, 503, 504.
    pub fn is_retryable_status(status: u16) -> bool {
        matches!(status, 429 | 500 | 502 | 503 | 504)
    }
}

/// Connect and read timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time allowed to open the connection (TCP and TLS).
    pub connect: Duration,
    /// Time allowed between bytes of the reply (and for its headers to arrive).
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            read: Duration::from_secs(20),
        }
    }
}

/// A client-side rate limit: at most one request per `min_interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// The least time between the starts of two requests.
    pub min_interval: Duration,
}

impl RateLimit {
    /// `tps` requests per second (the accounts' default is 1).
    ///
    /// # Errors
    ///
    /// [`crate::Error`]-style message as a `String` when `tps` is zero.
    pub fn per_second(tps: u32) -> Result<Self, crate::error::Error> {
        if tps == 0 {
            return Err(crate::error::Error::Invalid {
                what: "requests per second",
                reason: "must be at least 1".to_owned(),
            });
        }
        Ok(Self {
            min_interval: Duration::from_secs(1) / tps,
        })
    }

    /// No limit (tests, the sandbox).
    pub fn unlimited() -> Self {
        Self {
            min_interval: Duration::ZERO,
        }
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            min_interval: Duration::from_secs(1),
        }
    }
}

/// Spaces request starts at least `min_interval` apart, in arrival order.
#[derive(Debug)]
struct Limiter {
    limit: RateLimit,
    next_free: Mutex<Option<Instant>>,
}

impl Limiter {
    async fn acquire(&self) {
        if self.limit.min_interval.is_zero() {
            return;
        }
        let start = {
            let mut next = self.next_free.lock().await;
            let now = Instant::now();
            let start = next.map_or(now, |n| n.max(now));
            *next = Some(start + self.limit.min_interval);
            start
        };
        tokio::time::sleep_until(start).await;
    }
}

/// One request, ready to send.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    /// The full URL.
    pub url: String,
    /// Headers in order (names as given).
    pub headers: Vec<(String, String)>,
    /// The body (JSON).
    pub body: Vec<u8>,
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may carry tokens or signatures: list the names only.
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("PreparedRequest")
            .field("url", &self.url)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A reply of any status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The wait the server asked for (`Retry-After`), if any.
    pub retry_after: Option<Duration>,
    /// The body, at most the transport's size limit.
    pub body: Bytes,
    /// How many attempts were made (1 when the first succeeded).
    pub attempts: u32,
}

/// The HTTP client shared by the adapters.
#[derive(Debug)]
pub struct HttpTransport {
    client: reqwest::Client,
    source_name: String,
    retry: RetryPolicy,
    limiter: Limiter,
    max_body: usize,
    clock: Arc<dyn Clock>,
    timeouts: Timeouts,
}

impl HttpTransport {
    /// A transport for `source_name` (used in errors and logs).
    ///
    /// # Errors
    ///
    /// [`crate::error::Error::HttpClient`] when the TLS backend cannot start.
    pub fn new(
        source_name: &str,
        timeouts: Timeouts,
        retry: RetryPolicy,
        limit: RateLimit,
        clock: Arc<dyn Clock>,
    ) -> crate::error::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .read_timeout(timeouts.read)
            .user_agent(concat!("mandi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| crate::error::Error::HttpClient(Box::new(e)))?;
        Ok(Self {
            client,
            source_name: source_name.to_owned(),
            retry,
            limiter: Limiter {
                limit,
                next_free: Mutex::new(None),
            },
            max_body: DEFAULT_MAX_BODY_BYTES,
            clock,
            timeouts,
        })
    }

    /// Sets the largest reply read (8 MiB by default).
    pub fn with_max_body_bytes(mut self, max: usize) -> Self {
        self.max_body = max;
        self
    }

    /// The largest reply read.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body
    }

    /// The source name used in errors.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The clock used for `Retry-After` dates.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Sends a POST built by `prepare` (called again for every attempt, so signatures and
    /// timestamps are fresh), retrying as the [`RetryPolicy`] says. Returns the last reply
    /// whatever its status; callers map error statuses to [`SourceError`].
    ///
    /// # Errors
    ///
    /// [`SourceError::Timeout`], [`SourceError::Network`] when no reply arrived,
    /// [`SourceError::Decode`] for a reply over the size limit, [`SourceError::Throttled`]
    /// when the server asks for a wait longer than the policy allows, and whatever
    /// `prepare` returns.
    pub async fn send(
        &self,
        prepare: &(dyn Fn() -> Result<PreparedRequest, SourceError> + Send + Sync),
    ) -> Result<RawResponse, SourceError> {
        let mut attempt: u32 = 0;
        loop {
            let request = prepare()?;
            let outcome = self.send_once(&request).await;
            let retries_left = attempt < self.retry.max_retries;
            match outcome {
                Ok(mut response) => {
                    response.attempts = attempt + 1;
                    if !retries_left || !RetryPolicy::is_retryable_status(response.status) {
                        return Ok(response);
                    }
                    let mut wait = self.retry.backoff(attempt);
                    if let Some(asked) = response.retry_after {
                        if asked > self.retry.max_retry_after {
                            return Err(SourceError::Throttled {
                                source_name: self.source_name.clone(),
                                retry_after: Some(asked),
                                message: format!(
                                    "the server asked to wait {}s, longer than the {}s this client waits in-line",
                                    asked.as_secs(),
                                    self.retry.max_retry_after.as_secs()
                                ),
                            });
                        }
                        wait = wait.max(asked);
                    }
                    tracing::warn!(
                        source = %self.source_name,
                        status = response.status,
                        attempt = attempt + 1,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "retrying after a retryable status"
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(error @ SourceError::Network { .. }) if retries_left => {
                    let wait = self.retry.backoff(attempt);
                    tracing::warn!(source = %self.source_name, attempt = attempt + 1, %error, "retrying after a network failure");
                    tokio::time::sleep(wait).await;
                }
                Err(error) => return Err(error),
            }
            attempt += 1;
        }
    }

    async fn send_once(&self, request: &PreparedRequest) -> Result<RawResponse, SourceError> {
        self.limiter.acquire().await;
        let mut builder = self
            .client
            .post(&request.url)
            // A bound on the whole exchange as well, in case a server trickles bytes.
            .timeout(self.timeouts.connect + self.timeouts.read * 3)
            .body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let mut response = builder.send().await.map_err(|e| self.map_error(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, self.clock.now()));
        if let Some(len) = response.content_length()
            && len > self.max_body as u64
        {
            return Err(self.too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.map_error(&e))? {
            if body.len() + chunk.len() > self.max_body {
                return Err(self.too_large());
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(source = %self.source_name, status, bytes = body.len(), "reply received");
        Ok(RawResponse {
            status,
            retry_after,
            body: Bytes::from(body),
            attempts: 1,
        })
    }

    fn too_large(&self) -> SourceError {
        SourceError::Decode {
            source_name: self.source_name.clone(),
            path: "body".to_owned(),
            message: format!("the reply is larger than {} bytes", self.max_body),
        }
    }

    fn map_error(&self, error: &reqwest::Error) -> SourceError {
        if error.is_timeout() {
            SourceError::Timeout {
                source_name: self.source_name.clone(),
                phase: if error.is_connect() {
                    "connect"
                } else {
                    "read"
                }
                .to_owned(),
            }
        } else {
            // reqwest's Display does not include the URL's query or any header.
            let mut message = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            SourceError::Network {
                source_name: self.source_name.clone(),
                message,
            }
        }
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (RFC 7231), relative to `now`.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = at.with_timezone(&chrono::Utc) - now;
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// Decodes a JSON reply, naming the JSON path where decoding failed.
///
/// # Errors
///
/// [`SourceError::Decode`] with the path (`itemsResult.items[0].asin`) or `body` when the
/// reply is not JSON at all (an HTML error page, an empty body).
pub fn decode_json<T: DeserializeOwned>(source_name: &str, body: &[u8]) -> Result<T, SourceError> {
    decode_borrowed(source_name, body)
}

/// Like [`decode_json`], for types that borrow from the body (`&str`, `Cow`, `&RawValue`).
///
/// # Errors
///
/// As [`decode_json`].
pub fn decode_borrowed<'a, T: serde::Deserialize<'a>>(
    source_name: &str,
    body: &'a [u8],
) -> Result<T, SourceError> {
    check_json_body(source_name, body)?;
    // Fast path: a plain parse. Only a reply that fails is parsed again with path tracking,
    // which allocates per key, to name where it went wrong.
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(_) => Err(decode_failure::<T>(source_name, body)),
    }
}

/// Refuses an empty body and an HTML/XML page before any JSON parsing.
///
/// # Errors
///
/// [`SourceError::Decode`] at path `body`.
pub fn check_json_body(source_name: &str, body: &[u8]) -> Result<(), SourceError> {
    let trimmed = body.trim_ascii_start();
    if trimmed.is_empty() {
        return Err(SourceError::Decode {
            source_name: source_name.to_owned(),
            path: "body".to_owned(),
            message: "the reply is empty".to_owned(),
        });
    }
    if trimmed.first() == Some(&b'<') {
        return Err(SourceError::Decode {
            source_name: source_name.to_owned(),
            path: "body".to_owned(),
            message: format!(
                "expected JSON but got an HTML/XML page starting {:?}",
                snippet(body)
            ),
        });
    }
    Ok(())
}

/// The [`SourceError::Decode`] for a body that does not decode as `T`, naming the JSON path
/// where it fails (parsed again with path tracking).
pub fn decode_failure<'a, T: serde::Deserialize<'a>>(
    source_name: &str,
    body: &'a [u8],
) -> SourceError {
    let mut de = serde_json::Deserializer::from_slice(body);
    let error = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => {
            let path = e.path().to_string();
            (
                if path == "." { "body".to_owned() } else { path },
                e.into_inner().to_string(),
            )
        }
        Ok(_) => match de.end() {
            Err(e) => ("body".to_owned(), e.to_string()),
            Ok(()) => (
                "body".to_owned(),
                "the reply could not be decoded".to_owned(),
            ),
        },
    };
    SourceError::Decode {
        source_name: source_name.to_owned(),
        path: error.0,
        message: error.1,
    }
}

/// The first 120 characters of a body, for error messages.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(480)]);
    text.chars().take(120).collect()
}

/// An exact decimal number as the APIs send it for money and ratings (`59.49`).
///
/// Kept as its decimal text and converted to [`Money`] with integer arithmetic only.
/// JSON numbers reach serde as `u64`, `i64` or `f64`; an `f64` is turned back into the
/// shortest decimal text that reads back as the same `f64` (Rust's `Display`), which is
/// the text Amazon sent for any amount of up to 15 significant digits. No arithmetic is
/// done in floating point. Numbers sent as strings (`"59.49"`) are accepted too.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Decimal(String);

impl Decimal {
    /// A decimal from its text, checked.
    ///
    /// # Errors
    ///
    /// A message when `text` is not a plain decimal number.
    pub fn parse(text: &str) -> Result<Self, String> {
        split_decimal(text)?;
        Ok(Self(text.trim().to_owned()))
    }

    /// The decimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The amount in `currency`'s minor units.
    ///
    /// More decimal places than the currency has are rounded half-up (away from zero on a
    /// tie): `59.495` INR is ₹59.50. Amazon sends at most the currency's places for prices;
    /// extra places appear only in unit prices and are rounded.
    ///
    /// # Errors
    ///
    /// A message naming the problem (not a number, too large).
    pub fn to_money(&self, currency: Currency) -> Result<Money, String> {
        self.scaled(currency.exponent())
            .map(|minor| Money::from_minor(minor, currency))
    }

    /// The value times `10^places`, rounded half-up.
    ///
    /// # Errors
    ///
    /// A message when the text is not a number or the result does not fit an `i64`.
    pub fn scaled(&self, places: u32) -> Result<i64, String> {
        scaled_text(&self.0, places)
    }
}

/// Decimal `text` times `10^places`, rounded half-up (away from zero on a tie).
///
/// # Errors
///
/// A message when the text is not a number or the result does not fit an `i64`.
pub fn scaled_text(text: &str, places: u32) -> Result<i64, String> {
    {
        let (negative, digits, scale) = split_decimal(text)?;
        // value = digits * 10^-scale; want round(value * 10^places)
        let shift = i64::from(places) - scale;
        let too_large = || format!("{text} is too large an amount");
        let magnitude: i128 = if shift >= 0 {
            let factor = 10i128
                .checked_pow(u32::try_from(shift).map_err(|_| too_large())?)
                .ok_or_else(too_large)?;
            digits.checked_mul(factor).ok_or_else(too_large)?
        } else {
            let drop = u32::try_from(-shift).map_err(|_| too_large())?;
            match 10i128.checked_pow(drop) {
                Some(divisor) => {
                    let q = digits / divisor;
                    let r = digits % divisor;
                    if r * 2 >= divisor { q + 1 } else { q }
                }
                // Dividing by more than 10^38 leaves nothing.
                None => 0,
            }
        };
        let signed = if negative { -magnitude } else { magnitude };
        i64::try_from(signed).map_err(|_| too_large())
    }
}

/// Splits decimal text into (negative, digits, scale) with value = digits × 10^-scale.
fn split_decimal(text: &str) -> Result<(bool, i128, i64), String> {
    let t = text.trim();
    let bad = |why: &str| format!("{t:?} is not a decimal number: {why}");
    let (negative, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => {
            let exp: i64 = rest[i + 1..]
                .parse()
                .map_err(|_| bad("the exponent is not a whole number"))?;
            if exp.abs() > 400 {
                return Err(bad("the exponent is out of range"));
            }
            (&rest[..i], exp)
        }
        None => (rest, 0),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad("it has no digits"));
    }
    if !whole
        .bytes()
        .chain(frac.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return Err(bad("it has characters other than digits"));
    }
    // No allocation: the digits are read straight off the text.
    let mut digits: i128 = 0;
    let mut significant = 0usize;
    for b in whole.bytes().chain(frac.bytes()) {
        if significant == 0 && b == b'0' {
            continue;
        }
        significant += 1;
        if significant > 36 {
            return Err(bad("it has too many digits"));
        }
        digits = digits * 10 + i128::from(b - b'0');
    }
    let frac_len = i64::try_from(frac.len()).map_err(|_| bad("too many digits"))?;
    Ok((negative && digits != 0, digits, frac_len - exponent))
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({})", self.0)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Money> for Decimal {
    fn from(m: Money) -> Self {
        let places = m.currency().exponent();
        let per = 10i64.pow(places).unsigned_abs();
        let abs = m.minor().unsigned_abs();
        let sign = if m.minor() < 0 { "-" } else { "" };
        if places == 0 {
            Self(format!("{sign}{abs}"))
        } else {
            Self(format!(
                "{sign}{}.{:0width$}",
                abs / per,
                abs % per,
                width = places as usize
            ))
        }
    }
}

impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Written as a JSON number, as Amazon does. Whole numbers go out exactly; others
        // through serde_json's number parser (serialisation only; the sandbox uses it).
        if let Ok(i) = self.0.parse::<i64>() {
            return s.serialize_i64(i);
        }
        match self.0.parse::<serde_json::Number>() {
            Ok(n) => n.serialize(s),
            Err(_) => s.serialize_str(&self.0),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        // The number's own text, not an f64: `15799.005` stays three decimal places and
        // `15799.0000000000000001` is not read as 15799.
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        let text = amount_text(raw.get()).map_err(D::Error::custom)?;
        Decimal::parse(text).map_err(D::Error::custom)
    }
}

/// The text of a JSON amount: a number as written, or the contents of a string holding one
/// (`"59.49"`). `null`, objects, arrays and strings with escapes are refused.
///
/// # Errors
///
/// A message naming what was sent instead of a number.
pub fn amount_text(raw: &str) -> Result<&str, String> {
    let raw = raw.trim();
    let text = match raw.as_bytes().first() {
        Some(b'"') => raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .filter(|inner| !inner.contains('\\'))
            .ok_or_else(|| format!("{} is not a decimal number", snippet(raw.as_bytes())))?,
        Some(b'-' | b'0'..=b'9') => raw,
        _ => return Err(format!("{} is not a number", snippet(raw.as_bytes()))),
    };
    Ok(text)
}

/// Why an amount cannot be taken as money of a currency exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountError {
    /// Not a decimal number at all.
    NotANumber(String),
    /// More decimal places than the currency has minor units (`15799.005` rupees).
    TooPrecise {
        /// Decimal places that carry a value (trailing zeros do not count).
        places: u32,
        /// The currency's minor-unit places.
        allowed: u32,
    },
    /// Does not fit the money type.
    TooLarge,
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotANumber(why) => f.write_str(why),
            Self::TooPrecise { places, allowed } => write!(
                f,
                "it has {places} decimal places but the currency has {allowed}"
            ),
            Self::TooLarge => f.write_str("it is too large an amount"),
        }
    }
}

/// The exact value of decimal `text` in units of `10^-places`, refusing anything that
/// would need rounding. Trailing zeros carry no value (`1500.0` yen is 1500 yen);
/// exponents are allowed (`1.5e3`). Counting is done on the text, never through `f64`.
///
/// # Errors
///
/// [`AmountError`] naming why the text is not an exact amount.
pub fn exact_minor(text: &str, places: u32) -> Result<i64, AmountError> {
    let (negative, mut digits, mut scale) = split_decimal(text).map_err(AmountError::NotANumber)?;
    if digits == 0 {
        return Ok(0);
    }
    while scale > 0 && digits % 10 == 0 {
        digits /= 10;
        scale -= 1;
    }
    let allowed = i64::from(places);
    if scale > allowed {
        return Err(AmountError::TooPrecise {
            places: u32::try_from(scale).unwrap_or(u32::MAX),
            allowed: places,
        });
    }
    let shift = u32::try_from(allowed - scale).map_err(|_| AmountError::TooLarge)?;
    let magnitude = 10i128
        .checked_pow(shift)
        .and_then(|f| digits.checked_mul(f))
        .ok_or(AmountError::TooLarge)?;
    let signed = if negative { -magnitude } else { magnitude };
    i64::try_from(signed).map_err(|_| AmountError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn dec(json: &str) -> Decimal {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn decimals_convert_to_money_exactly() {
        assert_eq!(
            dec("59.49").to_money(Currency::INR).unwrap(),
            Money::from_minor(5949, Currency::INR)
        );
        assert_eq!(
            dec("54999").to_money(Currency::INR).unwrap(),
            Money::from_minor(5_499_900, Currency::INR)
        );
        assert_eq!(dec("0.1").to_money(Currency::USD).unwrap().minor(), 10);
        assert_eq!(dec("1234.5").to_money(Currency::JPY).unwrap().minor(), 1235);
        assert_eq!(
            dec("\"59.495\"").to_money(Currency::INR).unwrap().minor(),
            5950
        );
        assert_eq!(
            dec("\"59.4949\"").to_money(Currency::INR).unwrap().minor(),
            5949
        );
        assert_eq!(
            dec("\"-1.005\"").to_money(Currency::INR).unwrap().minor(),
            -101
        );
        assert_eq!(
            dec("\"1.5e3\"").to_money(Currency::INR).unwrap().minor(),
            150_000
        );
        assert_eq!(
            dec("99999999.99").to_money(Currency::INR).unwrap().minor(),
            9_999_999_999
        );
        assert!(dec("\"1e30\"").to_money(Currency::INR).is_err());
        assert!(serde_json::from_str::<Decimal>("\"12a\"").is_err());
        assert!(serde_json::from_str::<Decimal>("{}").is_err());
    }

    #[test]
    fn decimals_round_trip_through_json() {
        for text in ["59.49", "54999", "0.05", "-3.5"] {
            let d = Decimal::parse(text).unwrap();
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, text);
            assert_eq!(serde_json::from_str::<Decimal>(&json).unwrap(), d);
        }
        assert_eq!(
            Decimal::from(Money::from_minor(5_499_900, Currency::INR)).as_str(),
            "54999.00"
        );
        assert_eq!(
            Decimal::from(Money::from_minor(-5, Currency::USD)).as_str(),
            "-0.05"
        );
        assert_eq!(
            Decimal::from(Money::from_minor(1500, Currency::JPY)).as_str(),
            "1500"
        );
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            max_retry_after: Duration::from_secs(1),
            jitter: false,
        };
        assert_eq!(p.backoff(0), Duration::from_millis(100));
        assert_eq!(p.backoff(1), Duration::from_millis(200));
        assert_eq!(p.backoff(2), Duration::from_millis(350));
        assert_eq!(p.backoff(40), Duration::from_millis(350));
        let j = RetryPolicy { jitter: true, ..p };
        for _ in 0..50 {
            let d = j.backoff(1);
            assert!(d >= Duration::from_millis(100) && d <= Duration::from_millis(200));
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 06:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 05:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn decode_names_the_path_and_spots_html() {
        #[derive(serde::Deserialize, Debug)]
        struct Outer {
            #[allow(dead_code)]
            items: Vec<Inner>,
        }
        #[derive(serde::Deserialize, Debug)]
        struct Inner {
            #[allow(dead_code)]
            n: u32,
        }
        let err = decode_json::<Outer>("t", br#"{"items":[{"n":1},{"n":"x"}]}"#).unwrap_err();
        assert!(
            matches!(&err, SourceError::Decode { path, .. } if path == "items[1].n"),
            "{err:?}"
        );
        let err = decode_json::<Outer>("t", b"<html><body>503</body></html>").unwrap_err();
        assert!(
            matches!(&err, SourceError::Decode { path, message, .. } if path == "body" && message.contains("HTML"))
        );
        let err = decode_json::<Outer>("t", b"").unwrap_err();
        assert!(matches!(&err, SourceError::Decode { path, .. } if path == "body"));
        let err = decode_json::<Outer>("t", br#"{"items":[{"n":1}"#).unwrap_err();
        assert!(matches!(&err, SourceError::Decode { .. }));
    }

    #[test]
    fn prepared_request_debug_hides_header_values() {
        let r = PreparedRequest {
            url: "http://127.0.0.1/x".into(),
            headers: vec![("Authorization".into(), "Bearer secret-token".into())],
            body: vec![],
        };
        let text = format!("{r:?}");
        assert!(text.contains("Authorization") && !text.contains("secret-token"));
    }
}
