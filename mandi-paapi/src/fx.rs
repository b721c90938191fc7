//! Exchange rates over HTTP: [`HttpRateSource`] fetches an ECB reference-rate document
//! (`eurofxref-daily.xml`, or the sandbox's copy at [`SANDBOX_FEED_PATH`]) and reads it with
//! [`RateTable::parse_ecb_xml`].
//!
//! # Examples
//!
//! ```no_run
//! use std::sync::Arc;
//! use mandi_core::fx::RateCache;
//! use mandi_core::{Currency, Money, SystemClock};
//! use mandi_paapi::fx::HttpRateSource;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let source = HttpRateSource::new("https://example.org/stats/eurofxref/eurofxref-daily.xml")?;
//! let rates = RateCache::new(source, Arc::new(SystemClock));
//! let c = rates.convert(Money::from_major(100, Currency::USD), Currency::INR).await?;
//! println!("{} (rates of {}{})", c.money, c.rate_date, if c.stale { ", stale" } else { "" });
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

use async_trait::async_trait;
use mandi_core::fx::{FxError, RateSource, RateTable};
use url::Url;

/// Where the sandbox marketplace serves its deterministic ECB-format feed.
pub const SANDBOX_FEED_PATH: &str = "/ecb/eurofxref-daily.xml";

/// The largest feed read (the ECB's 90-day history is about 50 KiB).
const MAX_FEED_BYTES: usize = 4 << 20;

/// An ECB-format rate feed fetched over HTTP(S).
#[derive(Debug, Clone)]
pub struct HttpRateSource {
    client: reqwest::Client,
    url: Url,
}

impl HttpRateSource {
    /// A source for `url`, with a 20-second timeout.
    ///
    /// # Errors
    ///
    /// [`FxError::Fetch`] when `url` is not an http(s) URL or no HTTP client can be made.
    pub fn new(url: &str) -> Result<Self, FxError> {
        Self::with_timeout(url, Duration::from_secs(20))
    }

    /// A source for `url` with its own timeout.
    ///
    /// # Errors
    ///
    /// As [`HttpRateSource::new`].
    pub fn with_timeout(url: &str, timeout: Duration) -> Result<Self, FxError> {
        let fail = |message: String| FxError::Fetch {
            source_name: url.to_owned(),
            message,
        };
        let parsed = Url::parse(url).map_err(|e| fail(format!("not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(fail("not an http(s) URL".to_owned()));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("mandi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| fail(e.to_string()))?;
        Ok(Self {
            client,
            url: parsed,
        })
    }

    /// The feed of a sandbox marketplace at `base_url` (`http://127.0.0.1:PORT`).
    ///
    /// # Errors
    ///
    /// As [`HttpRateSource::new`].
    pub fn sandbox(base_url: &str) -> Result<Self, FxError> {
        Self::new(&format!(
            "{}{SANDBOX_FEED_PATH}",
            base_url.trim_end_matches('/')
        ))
    }

    /// The feed's URL.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

#[async_trait]
impl RateSource for HttpRateSource {
    #[tracing::instrument(skip_all, err(level = "debug"), fields(url = %self.url))]
    async fn fetch(&self) -> Result<RateTable, FxError> {
        let fail = |message: String| FxError::Fetch {
            source_name: self.url.to_string(),
            message,
        };
        let reply = self
            .client
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/xml, text/xml")
            .send()
            .await
            .map_err(|e| {
                fail(if e.is_timeout() {
                    "the request timed out".to_owned()
                } else {
                    format!("network error: {e}")
                })
            })?;
        let status = reply.status();
        if !status.is_success() {
            return Err(fail(format!("HTTP {}", status.as_u16())));
        }
        if reply
            .content_length()
            .is_some_and(|n| n > MAX_FEED_BYTES as u64)
        {
            return Err(fail("the feed is too large".to_owned()));
        }
        let bytes = reply
            .bytes()
            .await
            .map_err(|e| fail(format!("reading the body: {e}")))?;
        if bytes.len() > MAX_FEED_BYTES {
            return Err(fail("the feed is too large".to_owned()));
        }
        let text =
            std::str::from_utf8(&bytes).map_err(|_| fail("the feed is not UTF-8".to_owned()))?;
        RateTable::parse_ecb_xml(text)
    }

    fn describe(&self) -> String {
        self.url.to_string()
    }
}
/// The rate cache the `[fx]` settings describe: the file when one is set, else the URL,
/// else the embedded sandbox's feed when `sandbox_url` is given, else the ECB's daily feed;
/// refetched every six hours, the last good table kept in `cache_file`.
///
/// # Errors
///
/// [`FxError::Fetch`] when the URL is not an http(s) URL.
pub fn rate_cache(
    settings: &crate::settings::FxSettings,
    sandbox_url: Option<&str>,
    clock: std::sync::Arc<dyn mandi_core::Clock>,
    cache_file: Option<std::path::PathBuf>,
) -> Result<mandi_core::fx::RateCache<std::sync::Arc<dyn RateSource>>, FxError> {
    use std::sync::Arc;
    let source: Arc<dyn RateSource> = if let Some(file) = &settings.file {
        Arc::new(mandi_core::fx::FileRateSource::new(file.clone()))
    } else if let Some(url) = &settings.url {
        Arc::new(HttpRateSource::new(url)?)
    } else if let Some(base) = sandbox_url {
        Arc::new(HttpRateSource::sandbox(base)?)
    } else {
        Arc::new(HttpRateSource::new(crate::settings::ECB_DAILY_FEED)?)
    };
    let policy = mandi_core::fx::FxPolicy {
        max_age_days: u32::try_from(settings.max_age_days).unwrap_or(u32::MAX),
    };
    let mut cache = mandi_core::fx::RateCache::new(source, clock).policy(policy);
    if let Some(path) = cache_file {
        cache = cache.cache_file(path);
    }
    Ok(cache)
}
