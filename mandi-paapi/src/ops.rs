//! Operations support shared by the front-ends (feature `ops`): the Prometheus exporter with
//! its `/metrics` and `/healthz` listener, and the Redis adapters built from the `[cache]`
//! and `[quota]` settings.
//!
//! The library records metrics ([`mandi_core::telemetry`]); a front-end calls
//! [`install_exporter`] once and [`serve`] where it listens (`mandi monitor --listen ADDR`,
//! the bot's `[metrics] listen`).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::TimeDelta;
use mandi_core::cache::RedisCache;
use mandi_core::monitor::{QuotaConfig, RedisQuota};
use mandi_core::redis_conn::RedisConnection;
use mandi_core::{AccountQuota, Clock};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::settings::Settings;

/// Errors of the operations support.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// The listen address is not an address.
    #[error("cannot listen on {addr:?}: {message}")]
    Listen {
        /// The address given.
        addr: String,
        /// Why.
        message: String,
    },
    /// Another metrics recorder was installed in this process first.
    #[error("cannot install the Prometheus exporter: {0}")]
    Exporter(String),
    /// The quota settings cannot be used.
    #[error("the account quota: {0}")]
    Quota(String),
    /// No signal handler could be installed.
    #[error("cannot handle {signal}: {message}")]
    Signal {
        /// The signal.
        signal: &'static str,
        /// Why.
        message: String,
    },
    /// A Redis setting could not be used.
    #[error("[{section}] redis_url: {message}")]
    Redis {
        /// `cache` or `quota`.
        section: &'static str,
        /// Why.
        message: String,
    },
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder for this process (once; later calls return the same
/// handle) and registers the metrics' help texts.
///
/// # Errors
///
/// [`OpsError::Exporter`] when another recorder was installed first.
pub fn install_exporter() -> Result<PrometheusHandle, OpsError> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| OpsError::Exporter(e.to_string()))?;
    let handle = HANDLE.get_or_init(|| handle).clone();
    mandi_core::telemetry::describe();
    Ok(handle)
}

/// An async health check: `Ok` when the process can do its work (its store answers).
pub type HealthCheck =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// A running `/metrics` + `/healthz` listener; dropping it stops the listener.
#[derive(Debug)]
pub struct OpsServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl OpsServer {
    /// The address it listens on (the real port when `:0` was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops listening and waits for the listener to end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for OpsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `GET /metrics` (the Prometheus text format) and `GET /healthz` (200 `ok`, or 503
/// with the failed check's message) on `listen`, installing the exporter if needed.
///
/// # Errors
///
/// [`OpsError::Listen`] when the address is bad or taken; [`OpsError::Exporter`].
pub async fn serve(listen: &str, health: HealthCheck) -> Result<OpsServer, OpsError> {
    let handle = install_exporter()?;
    let addr: SocketAddr = listen.parse().map_err(|e| OpsError::Listen {
        addr: listen.to_owned(),
        message: format!("not an address such as 127.0.0.1:9184 ({e})"),
    })?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| OpsError::Listen {
            addr: listen.to_owned(),
            message: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| OpsError::Listen {
        addr: listen.to_owned(),
        message: e.to_string(),
    })?;
    let app = Router::new()
        .route(
            "/metrics",
            get(move || {
                let handle = handle.clone();
                async move {
                    handle.run_upkeep();
                    (
                        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                        handle.render(),
                    )
                }
            }),
        )
        .route(
            "/healthz",
            get(move || {
                let health = health.clone();
                async move {
                    match health().await {
                        Ok(()) => (StatusCode::OK, "ok\n".to_owned()).into_response(),
                        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("unhealthy: {e}\n"))
                            .into_response(),
                    }
                }
            }),
        );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "the metrics listener stopped");
        }
    });
    tracing::info!(%addr, "serving /metrics and /healthz");
    Ok(OpsServer {
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}

/// The Redis cache tier of `[cache]`, when `redis_url` is set.
///
/// # Errors
///
/// [`OpsError::Redis`] when the URL cannot be used.
pub fn redis_cache(
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> Result<Option<RedisCache>, OpsError> {
    let Some(url) = &settings.cache.redis_url else {
        return Ok(None);
    };
    let connection = RedisConnection::open(url).map_err(|e| OpsError::Redis {
        section: "cache",
        message: e.to_string(),
    })?;
    let ttl = TimeDelta::minutes(i64::try_from(settings.cache.ttl_minutes).unwrap_or(i64::MAX));
    Ok(Some(RedisCache::new(
        connection,
        settings.cache.key_prefix.clone(),
        ttl,
        clock,
    )))
}

/// The account quota: in Redis (shared by every process on the account) when `[quota]
/// redis_url` is set, else in process.
///
/// # Errors
///
/// [`OpsError::Redis`] when the URL or the settings cannot be used.
pub fn account_quota(
    settings: &Settings,
    config: QuotaConfig,
    clock: Arc<dyn Clock>,
    seed: u64,
) -> Result<Arc<dyn AccountQuota>, OpsError> {
    let bad = |message: String| OpsError::Redis {
        section: "quota",
        message,
    };
    match &settings.quota.redis_url {
        Some(url) => {
            let connection = RedisConnection::open(url).map_err(|e| bad(e.to_string()))?;
            let quota = RedisQuota::new(
                connection,
                settings.quota.key_prefix.clone(),
                config,
                clock,
                seed,
            )
            .map_err(|e| OpsError::Quota(e.to_string()))?;
            Ok(Arc::new(quota))
        }
        None => {
            let quota = mandi_core::monitor::Quota::new(config, clock, seed)
                .map_err(|e| OpsError::Quota(e.to_string()))?;
            Ok(Arc::new(quota))
        }
    }
}

/// A stop request: Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `docker stop`, systemd and
/// Kubernetes send). Front-ends treat both alike: finish the call in flight, flush what is
/// due, exit 0.
#[derive(Debug)]
pub struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Installs the handlers now, so a signal arriving before [`StopSignals::recv`] is
    /// awaited is not lost.
    ///
    /// # Errors
    ///
    /// [`OpsError::Signal`] when a handler cannot be installed.
    pub fn install() -> Result<Self, OpsError> {
        Ok(Self {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(|e| OpsError::Signal {
                    signal: "SIGTERM",
                    message: e.to_string(),
                })?,
        })
    }

    /// Waits for the next stop request; returns the signal's name (`SIGINT`, `SIGTERM`).
    ///
    /// # Errors
    ///
    /// [`OpsError::Signal`] when Ctrl-C cannot be listened for.
    pub async fn recv(&mut self) -> Result<&'static str, OpsError> {
        #[cfg(unix)]
        {
            tokio::select! {
                r = tokio::signal::ctrl_c() => r.map(|()| "SIGINT").map_err(|e| OpsError::Signal {
                    signal: "SIGINT",
                    message: e.to_string(),
                }),
                _ = self.term.recv() => Ok("SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c()
                .await
                .map(|()| "SIGINT")
                .map_err(|e| OpsError::Signal {
                    signal: "SIGINT",
                    message: e.to_string(),
                })
        }
    }
}
