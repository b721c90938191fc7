//! The wiring of the product commands: settings → store, clock, source → the library's
//! [`CatalogService`]. The CLI holds no business logic; it only picks adapters.

use std::future::Future;
use std::sync::Arc;

use mandi_core::catalog::CatalogService;
use mandi_core::store::{DatabaseLocation, open_store};
use mandi_core::{Clock, Marketplace, ProductSource, Store, SystemClock};
use mandi_paapi::connect::{self, ConnectError, CreatorsConnection, PaapiConnection};
use mandi_paapi::creators::CreatorsApiSource;
use mandi_paapi::paapi5::PaApi5Source;
use secrecy::ExposeSecret;

use crate::commands::Context;
use crate::config::{Settings, SourceKind};
use crate::error::{Error, Result};

/// Runs an async command body on a fresh multi-threaded runtime.
///
/// # Errors
///
/// The runtime cannot start, or the body fails.
pub fn block_on<T>(body: impl Future<Output = Result<T>>) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Setup {
            what: "async runtime",
            message: e.to_string(),
        })?;
    runtime.block_on(body)
}

/// Everything a product command needs, opened from the settings.
pub struct App {
    /// The settings in effect.
    pub settings: Settings,
    /// The database file.
    pub database: std::path::PathBuf,
    /// The sandbox's base URL when the source is the embedded sandbox.
    pub sandbox_url: Option<String>,
    /// The marketplace asked about.
    pub marketplace: Marketplace,
    /// Which source is in use.
    pub source_kind: SourceKind,
    /// The lookups, over the chosen source and the store.
    pub catalog: CatalogService,
    /// The in-process sandbox, kept alive while the command runs.
    _sandbox: Option<mandi_paapi::sandbox::RunningSandbox>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("marketplace", &self.marketplace)
            .field("source", &self.source_kind)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Opens the store named by the settings and the source they pick.
    ///
    /// # Errors
    ///
    /// Bad settings, a database that cannot be opened, or a source that cannot be built.
    pub async fn open(ctx: &Context) -> Result<Self> {
        let settings = ctx.settings()?;
        let path = settings.database_path()?;
        let location = DatabaseLocation::from_setting(&path);
        let store = open_store(&location).await?;
        // Files that live beside the database (the monitor's status file) go to the data
        // directory when the database is a PostgreSQL server.
        let path = match location {
            DatabaseLocation::Sqlite(path) => path,
            DatabaseLocation::Postgres(_) => settings
                .database_path_default()
                .map_err(|e| Error::Setup {
                    what: "data directory",
                    message: e.to_string(),
                })?
                .with_file_name("mandi-postgres.db"),
        };
        Self::with_store(settings, store, path).await
    }

    /// Builds the app over a given store (the demo uses a temporary one).
    ///
    /// # Errors
    ///
    /// A source that cannot be built.
    pub async fn with_store(
        settings: Settings,
        store: Arc<dyn Store>,
        database: std::path::PathBuf,
    ) -> Result<Self> {
        let marketplace = settings.general.marketplace;
        let source_kind = settings.source();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let (source, sandbox): (Arc<dyn ProductSource>, _) = match source_kind {
            SourceKind::Sandbox => {
                let running = start_sandbox(&settings, clock.clone()).await?;
                // Every marketplace the sandbox serves, each through credentials of its
                // region group (amazon.com: 2.1; amazon.in and Europe: 2.2).
                let source = running
                    .all_markets_source(false)
                    .map_err(|e| Error::Setup {
                        what: "sandbox client",
                        message: e.to_string(),
                    })?;
                (Arc::new(source), Some(running))
            }
            SourceKind::Creators => (Arc::new(creators_source(&settings, clock.clone())?), None),
            SourceKind::Paapi5 => (Arc::new(paapi5_source(&settings, clock.clone())?), None),
        };
        tracing::info!(source = source.name(), "product source ready");
        let channels = notifier_channels(&settings);
        let sandbox_url = sandbox.as_ref().map(|s| s.base_url().to_owned());
        let mut catalog = CatalogService::new(source, store, clock.clone()).with_channels(channels);
        if settings.quota.redis_url.is_some() {
            // One quota in Redis for every process on the account: lookups here take
            // interactive permits from it, and `mandi monitor` shares it.
            let quota = mandi_paapi::ops::account_quota(
                &settings,
                quota_config(&settings)?,
                clock.clone(),
                u64::from(std::process::id()),
            )
            .map_err(|e| Error::Setup {
                what: "quota",
                message: e.to_string(),
            })?;
            catalog = catalog.with_quota(
                quota,
                Arc::new(mandi_core::monitor::TokioSleeper::new(clock.clone())),
            );
        }
        Ok(Self {
            catalog,
            settings,
            database,
            sandbox_url,
            marketplace,
            source_kind,
            _sandbox: sandbox,
        })
    }
}

/// The notifier channels the settings turn on: always the terminal, plus `jsonl` and
/// `webhook` when configured.
pub fn notifier_channels(settings: &Settings) -> Vec<String> {
    let mut channels = vec!["terminal".to_owned()];
    if settings.notify.jsonl.is_some() {
        channels.push("jsonl".to_owned());
    }
    if settings.notify.webhook_url.is_some() {
        channels.push("webhook".to_owned());
    }
    channels
}

impl App {
    /// The notifiers of [`notifier_channels`], opened.
    ///
    /// # Errors
    ///
    /// The JSON-lines file cannot be opened or the webhook client cannot be built.
    pub fn notifiers(&self) -> Result<Vec<Arc<dyn mandi_core::Notifier>>> {
        use mandi_core::alerts::notify::{JsonLinesNotifier, TerminalNotifier, WebhookNotifier};
        let setup = |what: &'static str| {
            move |e: mandi_core::NotifyError| Error::Setup {
                what,
                message: e.to_string(),
            }
        };
        let mut notifiers: Vec<Arc<dyn mandi_core::Notifier>> =
            vec![Arc::new(TerminalNotifier::stdout())];
        let n = &self.settings.notify;
        if let Some(path) = &n.jsonl {
            notifiers.push(Arc::new(
                JsonLinesNotifier::open(path).map_err(setup("notify.jsonl"))?,
            ));
        }
        if let (Some(url), Some(secret)) = (&n.webhook_url, &n.webhook_secret) {
            let url = url::Url::parse(url).map_err(|e| Error::Setup {
                what: "notify.webhook_url",
                message: e.to_string(),
            })?;
            notifiers.push(Arc::new(
                WebhookNotifier::new(
                    url,
                    secret.expose_secret().as_bytes().to_vec(),
                    std::time::Duration::from_secs(10),
                )
                .map_err(setup("notify.webhook_url"))?,
            ));
        }
        Ok(notifiers)
    }

    /// The account's quota from `[monitor]`.
    ///
    /// # Errors
    ///
    /// A quota out of range.
    pub fn quota_config(&self) -> Result<mandi_core::monitor::QuotaConfig> {
        quota_config(&self.settings)
    }

    /// The Redis cache tier of `[cache]`, when configured.
    ///
    /// # Errors
    ///
    /// An unusable `[cache] redis_url`.
    pub fn shared_cache(&self) -> Result<Option<Arc<dyn mandi_core::cache::Cache>>> {
        let cache = mandi_paapi::ops::redis_cache(&self.settings, self.catalog.clock().clone())
            .map_err(|e| Error::Setup {
                what: "cache",
                message: e.to_string(),
            })?;
        Ok(cache.map(|c| Arc::new(c) as Arc<dyn mandi_core::cache::Cache>))
    }

    /// The fallback page scraper, when `[monitor] fallback_scraper` is on: product pages of
    /// the marketplace (of the sandbox, when that is the source), one page a second.
    ///
    /// # Errors
    ///
    /// The scraper cannot be built.
    pub fn fallback(&self) -> Result<Option<mandi_core::monitor::scheduler::Fallback>> {
        if !self.settings.monitor.fallback_scraper {
            return Ok(None);
        }
        let base = self
            .sandbox_url
            .clone()
            .unwrap_or_else(|| format!("https://{}", self.marketplace.domain()));
        let base = url::Url::parse(&base).map_err(|e| Error::Setup {
            what: "fallback scraper",
            message: e.to_string(),
        })?;
        let clock = self.catalog.clock().clone();
        let scraper = mandi_paapi::scraper::ScraperSource::new(
            base,
            std::time::Duration::from_secs(15),
            clock.clone(),
        )
        .map_err(setup_error("fallback scraper"))?;
        let quota = mandi_core::monitor::Quota::new(
            mandi_core::monitor::QuotaConfig::rate_only(1.0),
            clock,
            7,
        )
        .map_err(|e| Error::Setup {
            what: "fallback scraper",
            message: e.to_string(),
        })?;
        Ok(Some(mandi_core::monitor::scheduler::Fallback {
            source: Arc::new(scraper),
            quota: Arc::new(quota),
            per_call: 1,
        }))
    }
}

/// Starts the embedded sandbox marketplace on loopback with the configured seed.
///
/// # Errors
///
/// The sandbox cannot bind a port.
pub async fn start_sandbox(
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> Result<mandi_paapi::sandbox::RunningSandbox> {
    mandi_paapi::sandbox::Sandbox::builder()
        .seed(settings.sandbox.seed)
        .clock(clock)
        .start()
        .await
        .map_err(|e| Error::Setup {
            what: "sandbox marketplace",
            message: e.to_string(),
        })
}

fn setup_error(what: &'static str) -> impl Fn(mandi_paapi::error::Error) -> Error {
    move |e| Error::Setup {
        what,
        message: e.to_string(),
    }
}

/// Names the CLI's configuration key for a setting the source builder found missing or bad.
fn connect_error(section: &'static str) -> impl Fn(ConnectError) -> Error {
    move |e| {
        let key = match e.field() {
            "associate_tag" if section == "creators" => "general.associate_tag".to_owned(),
            field if field == section => section.to_owned(),
            field => format!("{section}.{field}"),
        };
        match e {
            ConnectError::Missing { .. } => Error::Input(format!(
                "{} needs `{key}` in the config (or MANDI_{}); run `mandi config init` for a \
                 starter file",
                if section == "creators" {
                    "the Creators API"
                } else {
                    "PA-API 5.0"
                },
                key.replace('.', "__").to_uppercase()
            )),
            ConnectError::Invalid { message, .. } => Error::Input(format!("`{key}`: {message}")),
            _ => Error::Input(format!("`{key}`: {e}")),
        }
    }
}

fn creators_source(settings: &Settings, clock: Arc<dyn Clock>) -> Result<CreatorsApiSource> {
    let c = &settings.creators;
    connect::creators_source(
        &CreatorsConnection {
            credential_id: c.credential_id.as_deref(),
            credential_secret: c.credential_secret.as_ref(),
            version: c.version.as_deref(),
            associate_tag: settings.general.associate_tag.as_deref(),
            base_url: c.base_url.as_deref(),
            token_url: c.token_url.as_deref(),
        },
        clock,
    )
    .map_err(connect_error("creators"))
}

fn paapi5_source(settings: &Settings, clock: Arc<dyn Clock>) -> Result<PaApi5Source> {
    let p = &settings.paapi;
    connect::paapi5_source(
        &PaapiConnection {
            access_key: p.access_key.as_deref(),
            secret_key: p.secret_key.as_ref(),
            associate_tag: p.associate_tag.as_deref(),
            host: p.host.as_deref(),
        },
        clock,
    )
    .map_err(connect_error("paapi"))
}

/// The account's quota from `[monitor]` (the CLI's and the shared quota's settings).
///
/// # Errors
///
/// A quota out of range.
pub fn quota_config(settings: &Settings) -> Result<mandi_core::monitor::QuotaConfig> {
    let m = &settings.monitor;
    let daily = u32::try_from(m.tpd)
        .map_err(|_| Error::Input(format!("monitor.tpd {} is too large", m.tpd)))?;
    let mut quota = mandi_core::monitor::QuotaConfig::sandbox();
    #[allow(clippy::cast_precision_loss)] // at most 1,000
    {
        quota.requests_per_second = m.tps as f64;
    }
    quota.daily_limit = daily;
    quota.interactive_reserve = daily / 20;
    quota.watches_reserve = daily / 10;
    quota.enrichment_reserve = daily / 20;
    Ok(quota)
}

impl App {
    /// The cross-border comparison over this app's catalogue, with exchange rates from the
    /// `[fx]` settings (the embedded sandbox's feed when the source is the sandbox), the
    /// last good table kept beside the database.
    ///
    /// # Errors
    ///
    /// A rates URL that is not a URL, or an unreadable shipped table.
    pub fn cross_border(&self) -> Result<mandi_core::crossborder::CrossBorderService> {
        let setup = |what: &'static str| {
            move |e: &dyn std::fmt::Display| Error::Setup {
                what,
                message: e.to_string(),
            }
        };
        let rates = mandi_paapi::fx::rate_cache(
            &self.settings.fx,
            self.sandbox_url.as_deref(),
            self.catalog.clock().clone(),
            Some(self.database.with_file_name("ecb-rates.xml")),
        )
        .map_err(|e| setup("fx")(&e))?;
        mandi_core::crossborder::CrossBorderService::new(self.catalog.clone(), Arc::new(rates))
            .map_err(|e| setup("duty tables")(&e))
    }
}
