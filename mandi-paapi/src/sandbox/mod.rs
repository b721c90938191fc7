//! The sandbox marketplace: an offline amazon.in on loopback that speaks both APIs exactly,
//! serves product pages, and knows the true price of every product at every moment. The same
//! process serves amazon.com, amazon.co.uk and amazon.de too ([`SANDBOX_MARKETPLACES`]).
//!
//! * **Marketplaces**: by default a sandbox serves all of [`SANDBOX_MARKETPLACES`] (amazon.in,
//!   amazon.com, amazon.co.uk, amazon.de); [`SandboxBuilder::marketplaces`] serves fewer
//!   (amazon.in always). amazon.in sells the whole catalogue exactly as before (the default
//!   catalogue and its prices do not change with the other markets); each other market sells
//!   a seed-determined, overlapping part of it ([`Oracle::sells`], [`Oracle::markets_of`],
//!   [`Oracle::asins_in`]) in its own currency, with its own price level, price endings,
//!   stock-outs, lightning deals and sale calendar (amazon.com: Prime Day, Black Friday,
//!   Cyber Monday; amazon.co.uk: Prime Day, Black Friday, Boxing Day; amazon.de: Prime Day,
//!   Black Friday), priced by [`Oracle::offer_in`]. Titles and browse nodes stay amazon.in's,
//!   in English, everywhere. The Creators API picks the market by `x-marketplace`, PA-API 5.0
//!   by the `Marketplace` field (amazon.in when absent) and checks the SigV4 scope names that
//!   market's region (`us-east-1` for amazon.com, `eu-west-1` for the others). An ASIN a
//!   market does not sell is a per-item `ItemNotAccessible` error; a marketplace the sandbox
//!   does not serve is refused with `InvalidParameterValue`. Creators credentials are per
//!   region group as Amazon's are: the token URLs `/oauth2/token` and `/auth/o2/token` issue
//!   versions 2.2 / 3.2 (Europe and India), `/na/oauth2/token` and `/na/auth/o2/token`
//!   versions 2.1 / 3.1 (North America), all for the same test credentials
//!   ([`RunningSandbox::token_url`]); [`RunningSandbox::all_markets_source`] routes each
//!   request to the right one. One associate tag serves every market (a simplification:
//!   Amazon issues one per programme).
//!
//! * **Catalogue** ([`Catalog`]): about 2,000 products (phones, laptops, TVs, appliances,
//!   audio, books with ISBN ASINs, fashion, grocery, beauty) generated from a seed, with
//!   variation families and an amazon.in-shaped browse-node tree; any size from one product
//!   per category to a million for runs at scale ([`SandboxBuilder::products`]).
//! * **Oracle** ([`Oracle`]): price, MRP, stock and deals are a pure function of
//!   (seed, ASIN, time) — daily noise, festival sales on the Indian calendar, lightning deals,
//!   stock-outs, price rises and fake sales (MRP raised before a "discount") — and the list of
//!   [`MarketEvent`]s in a time range. Time comes from the [`Clock`] port, so a
//!   [`mandi_core::ManualClock`] runs a simulated year in seconds.
//! * **Server** ([`Sandbox::builder`]): token endpoints on the real paths of both Creators
//!   API credential versions (`/oauth2/token` form body for 2.x, `/auth/o2/token` JSON body
//!   for 3.x), `POST /catalog/v1/getItems|searchItems|getVariations|getBrowseNodes`
//!   (bearer token, `x-marketplace`), `POST /paapi5/getitems|searchitems|getvariations|
//!   getbrowsenodes` with real SigV4 verification (`InvalidSignature`, `RequestExpired`
//!   beyond 15 minutes of the sandbox clock), the documented limits and error bodies of each
//!   API, a TPS/TPD [`Quota`] answering 429, product pages at `/dp/<ASIN>` and
//!   `/gp/aw/d/<ASIN>` in amazon.in's layout, and [`Faults`] (429, 5xx, timeouts, malformed
//!   and truncated bodies, latency, robot checks) decided from a seed.
//!
//! The server binds loopback only (port 0 by default).
//!
//! # Examples
//!
//! ```no_run
//! use mandi_core::{ItemsRequest, Marketplace, ProductSource};
//! use mandi_paapi::creators::CredentialVersion;
//! use mandi_paapi::sandbox::Sandbox;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder().seed(7).start().await?;
//! println!("{}", sandbox.banner());
//! let source = sandbox.creators_source(CredentialVersion::V2_2)?;
//! let asin = sandbox.catalog().sample().phone;
//! let batch = source.get_items(&ItemsRequest::new(Marketplace::India, [asin])).await?;
//! assert_eq!(batch.items[0].price(), sandbox.oracle().offer(asin, sandbox.now()).unwrap().price);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

pub mod backtest;
pub mod catalog;
mod faults;
mod html;
mod markets;
pub mod oracle;
mod render;
mod search;
mod server;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mandi_core::{Clock, Marketplace, SystemClock};
use secrecy::{ExposeSecret, SecretString};

pub use catalog::{
    Catalog, CatalogSample, CatalogSizeError, DEFAULT_PRODUCTS, IMAGE_HOST, MAX_PRODUCTS,
};
pub use faults::{Faults, FaultsParseError, GlitchKind, Quota};
pub use markets::SANDBOX_MARKETPLACES;
pub use oracle::{
    DealKind, EventKind, MarketEvent, Oracle, SaleInfo, ServedGlitch, TrueDeal, TrueOffer,
};

use crate::creators::{CreatorsApiSource, CreatorsApiSourceBuilder, CredentialVersion};
use crate::paapi5::{PaApi5Source, PaApi5SourceBuilder};
pub use crate::regional::RegionalSource;
use crate::transport::{RateLimit, RetryPolicy};
use mandi_core::ProductSource;

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 2026;

/// Errors starting the sandbox.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The bind address is not a loopback address.
    #[error("the sandbox binds loopback only; {0} is not a loopback address (use 127.0.0.1)")]
    NotLoopback(SocketAddr),
    /// The port could not be bound.
    #[error("could not bind the sandbox to {addr}: {source}; pick another port or use port 0")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The catalogue size is out of range.
    #[error(transparent)]
    CatalogSize(#[from] CatalogSizeError),
    /// A marketplace the sandbox has no catalogue view of.
    #[error(
        "the sandbox serves www.amazon.in, www.amazon.com, www.amazon.co.uk and www.amazon.de, not {0}"
    )]
    UnsupportedMarketplace(mandi_core::Marketplace),
}

/// One set of Creators API test credentials.
#[derive(Clone)]
pub struct CreatorsCredentials {
    /// The credential id (OAuth2 client id).
    pub credential_id: String,
    /// The credential secret.
    pub credential_secret: SecretString,
    /// The credential version (2.2 or 3.2: India is in the Europe group).
    pub version: CredentialVersion,
}

impl fmt::Debug for CreatorsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatorsCredentials")
            .field("credential_id", &self.credential_id)
            .field("credential_secret", &"[redacted]")
            .field("version", &self.version)
            .finish()
    }
}

/// The PA-API 5.0 test credentials.
#[derive(Clone)]
pub struct PaapiCredentials {
    /// The access key id.
    pub access_key: String,
    /// The secret access key.
    pub secret_key: SecretString,
}

impl fmt::Debug for PaapiCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaapiCredentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &"[redacted]")
            .finish()
    }
}

/// Every credential the sandbox accepts. They are test values, not secrets, but are kept
/// in [`SecretString`]s so they travel like real ones.
#[derive(Debug, Clone)]
pub struct SandboxCredentials {
    /// Creators API, credential version 2.2 (Cognito flow, `/oauth2/token`).
    pub creators_v2: CreatorsCredentials,
    /// Creators API, credential version 3.2 (Login with Amazon flow, `/auth/o2/token`).
    pub creators_v3: CreatorsCredentials,
    /// PA-API 5.0 access and secret key.
    pub paapi: PaapiCredentials,
    /// The associate tag both APIs accept (their wire field `partnerTag` / `PartnerTag`).
    pub associate_tag: String,
}

impl SandboxCredentials {
    /// The fixed test credentials.
    pub fn test() -> Self {
        Self {
            creators_v2: CreatorsCredentials {
                credential_id: "sandbox-cognito-client-id".to_owned(),
                credential_secret: SecretString::from("sandbox-cognito-secret"),
                version: CredentialVersion::V2_2,
            },
            creators_v3: CreatorsCredentials {
                credential_id: "amzn1.application-oa2-client.sandbox".to_owned(),
                credential_secret: SecretString::from("sandbox-lwa-secret"),
                version: CredentialVersion::V3_2,
            },
            paapi: PaapiCredentials {
                access_key: "AKIASANDBOXEXAMPLE00".to_owned(),
                secret_key: SecretString::from("sandbox/secret/key/EXAMPLEKEY0000000000"),
            },
            associate_tag: "mandi-21".to_owned(),
        }
    }

    /// The Creators credentials of a version family (2.x → `creators_v2`, 3.x → `creators_v3`).
    pub fn creators(&self, version: CredentialVersion) -> &CreatorsCredentials {
        if version.is_lwa() {
            &self.creators_v3
        } else {
            &self.creators_v2
        }
    }
}

/// Builds and starts a sandbox.
#[derive(Debug)]
pub struct SandboxBuilder {
    seed: u64,
    products: usize,
    clock: Option<Arc<dyn Clock>>,
    wall_clock: Option<Arc<dyn Clock>>,
    faults: Faults,
    quota: Quota,
    addr: SocketAddr,
    credentials: SandboxCredentials,
    token_lifetime: Duration,
    marketplaces: Vec<Marketplace>,
}

/// The sandbox marketplace.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder: seed [`DEFAULT_SEED`], [`DEFAULT_PRODUCTS`] products, system clock, no
    /// faults, no quota, `127.0.0.1:0`, [`SandboxCredentials::test`], one-hour tokens, every
    /// marketplace of [`SANDBOX_MARKETPLACES`].
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            seed: DEFAULT_SEED,
            products: DEFAULT_PRODUCTS,
            clock: None,
            wall_clock: None,
            faults: Faults::none(),
            quota: Quota::unlimited(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            credentials: SandboxCredentials::test(),
            token_lifetime: Duration::from_secs(3600),
            marketplaces: SANDBOX_MARKETPLACES.to_vec(),
        }
    }
}

impl SandboxBuilder {
    /// The catalogue and price seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How many buyable products the catalogue holds ([`DEFAULT_PRODUCTS`] unless set): the
    /// default catalogue's category shares scaled, e.g. 100,000 for a monitor run at scale.
    /// [`SandboxBuilder::start`] refuses a size out of [`Catalog::for_seed_sized`]'s range.
    pub fn products(mut self, products: usize) -> Self {
        self.products = products;
        self
    }

    /// The clock prices, token expiry and signature dates are judged by.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// A separate clock for what happens in real time when prices run fast (a
    /// `ScaledClock` as [`SandboxBuilder::clock`]): token lifetimes, quota windows and the
    /// dates signatures are checked against. Without it these follow the price clock, which
    /// is what a simulation on a `ManualClock` wants.
    pub fn wall_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.wall_clock = Some(clock);
        self
    }

    /// Faults to inject.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// The request quota per credential.
    pub fn quota(mut self, quota: Quota) -> Self {
        self.quota = quota;
        self
    }

    /// The address to bind (loopback only; port 0 picks a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The credentials to accept (the fixed test ones by default).
    pub fn credentials(mut self, credentials: SandboxCredentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// The marketplaces to serve (all of [`SANDBOX_MARKETPLACES`] by default). amazon.in is
    /// always served, first; the others in [`SANDBOX_MARKETPLACES`] order.
    /// [`SandboxBuilder::start`] refuses a marketplace outside [`SANDBOX_MARKETPLACES`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use mandi_core::Marketplace;
    /// use mandi_paapi::sandbox::Sandbox;
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = Sandbox::builder()
    ///     .marketplaces([Marketplace::UnitedKingdom, Marketplace::Germany])
    ///     .start()
    ///     .await?;
    /// assert_eq!(sandbox.marketplaces().len(), 3);
    /// # Ok(()) }
    /// ```
    pub fn marketplaces(mut self, marketplaces: impl IntoIterator<Item = Marketplace>) -> Self {
        self.marketplaces = marketplaces.into_iter().collect();
        self
    }

    /// How long issued tokens live (one hour by default, as Amazon's).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Binds and serves in the background.
    ///
    /// # Errors
    ///
    /// [`SandboxError::NotLoopback`] for a non-loopback address, [`SandboxError::Bind`] when
    /// the port is taken, [`SandboxError::CatalogSize`] for a catalogue size out of range,
    /// [`SandboxError::UnsupportedMarketplace`] for a marketplace outside
    /// [`SANDBOX_MARKETPLACES`].
    pub async fn start(self) -> Result<RunningSandbox, SandboxError> {
        if !self.addr.ip().is_loopback() {
            return Err(SandboxError::NotLoopback(self.addr));
        }
        if let Some(&m) = self
            .marketplaces
            .iter()
            .find(|m| !SANDBOX_MARKETPLACES.contains(m))
        {
            return Err(SandboxError::UnsupportedMarketplace(m));
        }
        let markets: Vec<Marketplace> = SANDBOX_MARKETPLACES
            .into_iter()
            .filter(|m| *m == Marketplace::India || self.marketplaces.contains(m))
            .collect();
        let catalog = Catalog::for_seed_sized(self.seed, self.products)?;
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: self.addr,
            source,
        })?;
        let base_url = format!("http://{addr}");
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let oracle = Oracle::new(catalog);
        let mut shared = server::Shared::new(
            oracle,
            clock,
            self.credentials,
            self.faults,
            self.quota,
            base_url.clone(),
            i64::try_from(self.token_lifetime.as_secs()).unwrap_or(3600),
        );
        shared.markets = markets;
        if let Some(wall) = self.wall_clock {
            shared.wall_clock = wall;
        }
        let shared = Arc::new(shared);
        let app = server::router(shared.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "the sandbox server stopped with an error");
            }
        });
        tracing::info!(%base_url, "sandbox marketplace listening");
        Ok(RunningSandbox {
            shared,
            addr,
            base_url,
            stop: Some(tx),
            task: Some(task),
        })
    }
}

/// A sandbox serving in the background; dropping it stops the server.
pub struct RunningSandbox {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    base_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl fmt::Debug for RunningSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningSandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl RunningSandbox {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The credentials it accepts.
    pub fn credentials(&self) -> &SandboxCredentials {
        &self.shared.credentials
    }

    /// The oracle: true offers and events.
    pub fn oracle(&self) -> &Oracle {
        &self.shared.oracle
    }

    /// The catalogue.
    pub fn catalog(&self) -> &Arc<Catalog> {
        self.shared.oracle.catalog()
    }

    /// The sandbox's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// The sandbox's clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.shared.clock.clone()
    }

    /// The marketplaces served, amazon.in first.
    pub fn marketplaces(&self) -> &[Marketplace] {
        &self.shared.markets
    }

    /// The token URL of a Creators credential version on this sandbox: `/oauth2/token`
    /// (2.2, and 2.3 which no served marketplace needs), `/auth/o2/token` (3.2, 3.3),
    /// `/na/oauth2/token` (2.1), `/na/auth/o2/token` (3.1).
    pub fn token_url(&self, version: CredentialVersion) -> String {
        let region = if version.group() == mandi_core::CredentialGroup::NorthAmerica {
            "/na"
        } else {
            ""
        };
        if version.is_lwa() {
            format!("{}{region}/auth/o2/token", self.base_url)
        } else {
            format!("{}{region}/oauth2/token", self.base_url)
        }
    }

    /// A Creators API source builder pointed at this sandbox with its credentials of
    /// `version`'s family, its clock, no client rate limit and the default retry policy.
    pub fn creators_source_builder(&self, version: CredentialVersion) -> CreatorsApiSourceBuilder {
        let creds = self.credentials().creators(version);
        CreatorsApiSource::builder()
            .credential_id(creds.credential_id.clone())
            .credential_secret(creds.credential_secret.clone())
            .credential_version(version)
            .associate_tag(self.credentials().associate_tag.clone())
            .base_url(self.base_url.clone())
            .token_url(self.token_url(version))
            .rate_limit(RateLimit::unlimited())
            .clock(self.clock())
    }

    /// A source for every served marketplace over the Creators API: requests for amazon.com
    /// go through credentials of version 2.1 (3.1 when `lwa`), the others through 2.2 (3.2),
    /// each with its own token. Its name is the Creators source's.
    ///
    /// # Errors
    ///
    /// The builder's [`crate::error::Error`] (not expected with the sandbox's own values).
    pub fn all_markets_source(&self, lwa: bool) -> crate::error::Result<RegionalSource> {
        let (na, eu) = if lwa {
            (CredentialVersion::V3_1, CredentialVersion::V3_2)
        } else {
            (CredentialVersion::V2_1, CredentialVersion::V2_2)
        };
        let europe: Arc<dyn ProductSource> = Arc::new(self.creators_source(eu)?);
        let america: Arc<dyn ProductSource> = Arc::new(self.creators_source(na)?);
        Ok(RegionalSource::new(europe)
            .with_region(mandi_core::CredentialGroup::NorthAmerica, america))
    }

    /// A Creators API source pointed at this sandbox (`V2_2` or `V3_2` for India and the
    /// European marketplaces, `V2_1` or `V3_1` for amazon.com).
    ///
    /// # Errors
    ///
    /// The builder's [`crate::error::Error`] (not expected with the sandbox's own values).
    pub fn creators_source(
        &self,
        version: CredentialVersion,
    ) -> crate::error::Result<CreatorsApiSource> {
        self.creators_source_builder(version).build()
    }

    /// A PA-API 5.0 source builder pointed at this sandbox with its keys and clock.
    pub fn paapi5_source_builder(&self) -> PaApi5SourceBuilder {
        let creds = &self.credentials().paapi;
        PaApi5Source::builder()
            .access_key(creds.access_key.clone())
            .secret_key(creds.secret_key.clone())
            .associate_tag(self.credentials().associate_tag.clone())
            .base_url(self.base_url.clone())
            .rate_limit(RateLimit::unlimited())
            .clock(self.clock())
    }

    /// A PA-API 5.0 source pointed at this sandbox.
    ///
    /// # Errors
    ///
    /// The builder's [`crate::error::Error`] (not expected with the sandbox's own values).
    pub fn paapi5_source(&self) -> crate::error::Result<PaApi5Source> {
        self.paapi5_source_builder().build()
    }

    /// A retry policy that does not retry, for tests that want to see each fault.
    pub fn no_retries() -> RetryPolicy {
        RetryPolicy::none()
    }

    /// Forgets every issued token: the next catalog call is refused with 401 and a client
    /// must fetch a new token.
    pub fn revoke_tokens(&self) {
        self.shared.revoke_tokens();
    }

    /// What `mandi sandbox` prints: base URL, the marketplaces served, credentials of both
    /// kinds and sample ASINs.
    pub fn banner(&self) -> String {
        let c = self.credentials();
        let s = self.catalog().sample();
        let mut markets = String::new();
        for &m in self.marketplaces() {
            let sold = self.oracle().asins_in(m).len();
            markets.push_str(&format!(
                "\x20 {:<18} {} {:>5} products  PA-API region {:<9}  Creators credentials {}/{}\n",
                m.creators_marketplace(),
                m.currency().code(),
                sold,
                m.paapi_region(),
                m.credential_version(),
                m.credential_version().replacen('2', "3", 1),
            ));
        }
        format!(
            "Mandi sandbox marketplace (offline amazon.in, seed {seed}, {items} products)\n\
             base URL:          {base}\n\
             marketplaces (x-marketplace / Marketplace):\n{markets}\
             associate tag:     {tag}\n\
             \n\
             Creators API 2.2 (Cognito):  token URL {base}/oauth2/token  (2.1: {base}/na/oauth2/token)\n\
             \x20 credential id:     {v2id}\n\
             \x20 credential secret: {v2secret}\n\
             Creators API 3.2 (LwA):      token URL {base}/auth/o2/token  (3.1: {base}/na/auth/o2/token)\n\
             \x20 credential id:     {v3id}\n\
             \x20 credential secret: {v3secret}\n\
             PA-API 5.0 (SigV4, the marketplace's region, host {host}):\n\
             \x20 access key:        {ak}\n\
             \x20 secret key:        {sk}\n\
             \n\
             try: {base}/dp/{phone}  (phone)  {base}/dp/{book}  (book)\n\
             \x20    variations of {parent}, browse node {node}\n",
            seed = self.catalog().seed(),
            items = self.catalog().len(),
            base = self.base_url,
            host = self.addr,
            tag = c.associate_tag,
            v2id = c.creators_v2.credential_id,
            v2secret = c.creators_v2.credential_secret.expose_secret(),
            v3id = c.creators_v3.credential_id,
            v3secret = c.creators_v3.credential_secret.expose_secret(),
            ak = c.paapi.access_key,
            sk = c.paapi.secret_key.expose_secret(),
            phone = s.phone,
            book = s.book,
            parent = s.family_parent,
            node = s.node_id,
        )
    }

    /// Stops the server: new connections are refused, in-flight requests get up to two
    /// seconds to finish (held-back "timeout" faults are cut).
    pub async fn shutdown(mut self) {
        self.stop_now().await;
    }

    async fn stop_now(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
