//! [`HttpLinkResolver`]: expands Amazon short links (`amzn.in`, `amzn.to`, `a.co`…) over
//! HTTP, the adapter of [`mandi_core::links::LinkResolver`].
//!
//! Redirects are **not** followed automatically: each hop's `Location` is read and checked,
//! and only Amazon hosts (shops and short-link services) are followed, at most
//! [`HttpLinkResolver::DEFAULT_MAX_HOPS`] times. As soon as a hop lands on an Amazon product
//! page, that link is returned without fetching it. A redirect anywhere else stops with
//! [`ResolveError::LeftAmazon`].
//!
//! For tests, [`HttpLinkResolverBuilder::base_url`] sends every request to one server (say a
//! wiremock on loopback) with the original path and query, while the hosts are still
//! checked as if the real ones had been contacted.

use std::time::Duration;

use async_trait::async_trait;
use mandi_core::links::{
    LinkResolver, ResolveError, is_amazon_host, is_short_link_host, marketplace_of_host,
    parse_product_link,
};
use url::Url;

/// Expands Amazon short links by following their redirects one hop at a time.
///
/// # Examples
///
/// ```no_run
/// use mandi_core::links::resolve_and_parse;
/// use mandi_paapi::resolver::HttpLinkResolver;
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let resolver = HttpLinkResolver::builder().build()?;
/// let product = resolve_and_parse("https://amzn.in/d/3xYzAbC", &resolver).await?;
/// println!("{} on {}", product.asin, product.marketplace);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HttpLinkResolver {
    client: reqwest::Client,
    base_url: Option<Url>,
    max_hops: usize,
    timeout: Duration,
}

/// Builds an [`HttpLinkResolver`].
#[derive(Debug, Clone)]
pub struct HttpLinkResolverBuilder {
    base_url: Option<Url>,
    max_hops: usize,
    timeout: Duration,
    connect_timeout: Duration,
}

/// Why an [`HttpLinkResolver`] could not be built.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ResolverBuildError {
    /// The base URL is not an absolute http(s) URL.
    #[error("the resolver base URL {0:?} is not an http(s) URL such as http://127.0.0.1:8080")]
    BaseUrl(String),
    /// The HTTP client could not be created.
    #[error("cannot create the HTTP client: {0}")]
    Client(String),
}

impl HttpLinkResolverBuilder {
    /// Sends every request to this server instead of the short link's host (path and query
    /// kept). For tests against a local mock.
    ///
    /// # Errors
    ///
    /// [`ResolverBuildError::BaseUrl`] when `url` is not an http(s) URL.
    pub fn base_url(mut self, url: &str) -> Result<Self, ResolverBuildError> {
        let parsed = Url::parse(url).map_err(|_| ResolverBuildError::BaseUrl(url.to_owned()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(ResolverBuildError::BaseUrl(url.to_owned()));
        }
        self.base_url = Some(parsed);
        Ok(self)
    }

    /// The most redirects followed before giving up (default
    /// [`HttpLinkResolver::DEFAULT_MAX_HOPS`]).
    pub fn max_hops(mut self, hops: usize) -> Self {
        self.max_hops = hops;
        self
    }

    /// The time limit of each request (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit to connect (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Builds the resolver.
    ///
    /// # Errors
    ///
    /// [`ResolverBuildError::Client`] when the HTTP client cannot be created.
    pub fn build(self) -> Result<HttpLinkResolver, ResolverBuildError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(concat!("mandi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ResolverBuildError::Client(e.to_string()))?;
        Ok(HttpLinkResolver {
            client,
            base_url: self.base_url,
            max_hops: self.max_hops,
            timeout: self.timeout,
        })
    }
}

impl HttpLinkResolver {
    /// Redirects followed at most by default.
    pub const DEFAULT_MAX_HOPS: usize = 5;

    /// A builder with the defaults: real hosts, 5 hops, 10 s per request, 5 s to connect.
    pub fn builder() -> HttpLinkResolverBuilder {
        HttpLinkResolverBuilder {
            base_url: None,
            max_hops: Self::DEFAULT_MAX_HOPS,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// Where the request for `url` actually goes: `url` itself, or the base URL with
    /// `url`'s path and query.
    fn target(&self, url: &Url) -> Url {
        match &self.base_url {
            None => url.clone(),
            Some(base) => {
                let mut t = base.clone();
                t.set_path(url.path());
                t.set_query(url.query());
                t
            }
        }
    }

    /// One hop: the `Location` the link redirects to, resolved against it.
    async fn hop(&self, url: &Url) -> Result<Url, ResolveError> {
        let target = self.target(url);
        tracing::debug!(
            host = url.host_str().unwrap_or(""),
            "following a short link"
        );
        let response = self
            .client
            .get(target)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        if !status.is_redirection() {
            return Err(ResolveError::NoRedirect {
                status: status.as_u16(),
            });
        }
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .ok_or_else(|| ResolveError::BadLocation {
                location: String::new(),
            })?;
        let text = location.to_str().map_err(|_| ResolveError::BadLocation {
            location: String::from_utf8_lossy(location.as_bytes()).into_owned(),
        })?;
        url.join(text).map_err(|_| ResolveError::BadLocation {
            location: text.to_owned(),
        })
    }

    fn transport_error(&self, e: &reqwest::Error) -> ResolveError {
        if e.is_timeout() {
            ResolveError::Timeout {
                seconds: self.timeout.as_secs().max(1),
            }
        } else {
            // The error's text may hold the URL; it holds no secret.
            ResolveError::Network {
                message: e.to_string(),
            }
        }
    }
}

#[async_trait]
impl LinkResolver for HttpLinkResolver {
    // A failed expansion is the caller's to report; log it only at debug level.
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn resolve(&self, short: &Url) -> Result<Url, ResolveError> {
        let mut current = short.clone();
        for _ in 0..self.max_hops {
            let next = self.hop(&current).await?;
            let host = next.host_str().unwrap_or("").trim_end_matches('.');
            let http = matches!(next.scheme(), "http" | "https");
            if !http || !is_amazon_host(host) || next.username() != "" {
                return Err(ResolveError::LeftAmazon {
                    location: next.as_str().to_owned(),
                });
            }
            if marketplace_of_host(host).is_some() && parse_product_link(next.as_str()).is_ok() {
                return Ok(next);
            }
            if !is_short_link_host(host) && marketplace_of_host(host).is_none() {
                return Err(ResolveError::LeftAmazon {
                    location: next.as_str().to_owned(),
                });
            }
            current = next;
        }
        Err(ResolveError::TooManyRedirects {
            hops: self.max_hops,
        })
    }
}
