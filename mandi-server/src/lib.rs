//! `mandi-server`: Mandi's REST API (`/api/v1`, OpenAPI 3.1 at `/api/v1/openapi.json`) and
//! admin dashboard (`/admin`), an axum front-end over the `mandi-core` services.
//!
//! It holds routing and HTML only: keys, rate limits, bulk jobs, webhook subscriptions,
//! admin sessions, watches and statistics are the library's ([`mandi_core::api`],
//! [`mandi_core::watches`]). Webhook subscriptions are delivered by the monitoring loop
//! through the outbox ([`mandi_core::api::webhooks::SubscriptionNotifier`]), which the
//! process running the loop adds to its notifiers (`mandi serve` does). Every API request carries
//! `Authorization: Bearer <key>`; the key acts as one Mandi user and sees only that user's
//! watches, alerts and jobs. Errors are `application/problem+json` with a stable `type`;
//! bodies are size-limited and every route has a timeout.
//!
//! # Examples
//!
//! ```no_run
//! # async fn run(catalog: mandi_core::catalog::CatalogService) -> std::io::Result<()> {
//! let state = mandi_server::AppState::new(catalog, mandi_server::ServerConfig::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! mandi_server::serve(listener, state, std::future::pending()).await
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod api;
pub mod dto;
pub mod error;
pub mod redirect;

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mandi_core::affiliate::{AffiliateConfig, AffiliateService};
use mandi_core::api::{
    AdminSessions, AdminStats, BulkService, KeyService, RateLimiter, WebhookService, WebhookTargets,
};
use mandi_core::catalog::CatalogService;
use mandi_core::monitor::MonitorProgress;
use mandi_core::watches::WatchService;
use secrecy::SecretString;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The admin dashboard's password (an admin-scope key also logs in); `None`: keys only.
    pub admin_password: Option<SecretString>,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long any request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// How old a stored product may be and still be served without a fresh lookup.
    pub product_max_age: chrono::Duration,
    /// How long an admin session lasts.
    pub session_lifetime: chrono::Duration,
    /// Which hosts webhook subscriptions may point at (public ones only by default).
    pub webhook_targets: WebhookTargets,
    /// Affiliate Buy links served at `/r/<token>`; `None`: the route answers 404.
    pub affiliate: Option<AffiliateConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            admin_password: None,
            max_body_bytes: 4 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            product_max_age: chrono::Duration::minutes(15),
            session_lifetime: chrono::Duration::hours(8),
            webhook_targets: WebhookTargets::PublicOnly,
            affiliate: None,
        }
    }
}

/// Everything the handlers share. Cloning is cheap.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    catalog: CatalogService,
    watches: WatchService,
    keys: KeyService,
    limiter: RateLimiter,
    bulk: BulkService,
    stats: AdminStats,
    config: ServerConfig,
    monitor: RwLock<Option<MonitorProgress>>,
    sessions: AdminSessions,
    webhooks: WebhookService,
    affiliate: Option<AffiliateService>,
    cross_border: std::sync::OnceLock<mandi_core::crossborder::CrossBorderService>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// The state over a catalog (its source, store and clock) and a configuration.
    pub fn new(catalog: CatalogService, config: ServerConfig) -> Self {
        let clock = catalog.clock().clone();
        Self {
            inner: Arc::new(Inner {
                watches: WatchService::new(catalog.clone()),
                keys: KeyService::new(catalog.store().clone(), clock.clone()),
                limiter: RateLimiter::new(clock.clone()),
                bulk: BulkService::new(catalog.clone()),
                stats: AdminStats::new(catalog.clone()),
                sessions: AdminSessions::new(
                    catalog.store().clone(),
                    clock.clone(),
                    config.session_lifetime,
                ),
                webhooks: WebhookService::new(catalog.store().clone(), clock.clone())
                    .with_targets(config.webhook_targets),
                affiliate: config
                    .affiliate
                    .clone()
                    .map(|c| AffiliateService::new(catalog.store().clone(), clock.clone(), c)),
                catalog,
                config,
                monitor: RwLock::new(None),
                cross_border: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The catalog.
    pub fn catalog(&self) -> &CatalogService {
        &self.inner.catalog
    }

    /// The API keys.
    pub fn keys(&self) -> &KeyService {
        &self.inner.keys
    }

    /// The bulk jobs.
    pub fn bulk(&self) -> &BulkService {
        &self.inner.bulk
    }

    /// The webhook subscriptions.
    pub fn webhooks(&self) -> &WebhookService {
        &self.inner.webhooks
    }

    /// Serves `/api/v1/products/{asin}/markets` with `service` (the route answers 404
    /// without one). Set once; a second call is ignored.
    pub fn with_cross_border(self, service: mandi_core::crossborder::CrossBorderService) -> Self {
        if self.inner.cross_border.set(service).is_err() {
            tracing::warn!("the cross-border comparison was already set");
        }
        self
    }

    /// The cross-border comparison, when configured.
    pub fn cross_border(&self) -> Option<&mandi_core::crossborder::CrossBorderService> {
        self.inner.cross_border.get()
    }

    /// The affiliate links, when configured.
    pub fn affiliate(&self) -> Option<&AffiliateService> {
        self.inner.affiliate.as_ref()
    }

    /// Publishes the monitoring loop's progress (the dashboard shows it).
    pub fn set_monitor_progress(&self, progress: MonitorProgress) {
        if let Ok(mut m) = self.inner.monitor.write() {
            *m = Some(progress);
        }
    }

    fn monitor_progress(&self) -> Option<MonitorProgress> {
        self.inner.monitor.read().ok().and_then(|m| m.clone())
    }
}

/// The whole application: `/healthz`, `/api/v1/…`, `/admin/…` and the Buy-link redirects
/// `/r/<token>`, with the body limit,
/// timeout and security headers.
pub fn router(state: AppState) -> Router {
    let config = state.inner.config.clone();
    Router::new()
        .merge(api::router(state.clone()))
        .merge(admin::router(state.clone()))
        .merge(redirect::router(state))
        .fallback(|| async {
            error::problem_response(StatusCode::NOT_FOUND, "not-found", "no such route".into())
        })
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(axum::middleware::map_response(problem_for_framework_errors))
}

/// Turns the framework's bare error responses (413 from the body limit, 408 from the
/// timeout, 405, 415, 422 from extractors) into problem documents.
async fn problem_for_framework_errors(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    if response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        return response;
    }
    let name = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::NOT_FOUND => "not-found",
        s if s.is_server_error() => "internal",
        _ => "bad-request",
    };
    let (parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 64 * 1024)
        .await
        .ok()
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    let mut problem = error::problem_response(status, name, detail);
    for (k, v) in &parts.headers {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            problem.headers_mut().insert(k.clone(), v.clone());
        }
    }
    problem.into_response()
}

/// Serves the application on `listener` until `shutdown` resolves; flushes key usage every
/// five seconds and at the end; resumes bulk jobs a restart interrupted.
///
/// # Errors
///
/// The listener failed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let flusher = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                if let Err(e) = state.keys().flush_usage().await {
                    tracing::warn!(error = %e, "could not save API key usage; kept for the next try");
                }
            }
        })
    };
    let resumer = {
        let bulk = state.bulk().clone();
        tokio::spawn(async move {
            match bulk.resume_unfinished().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(jobs = n, "resumed unfinished bulk jobs"),
                Err(e) => tracing::warn!(error = %e, "could not resume bulk jobs"),
            }
        })
    };
    let app = router(state.clone());
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    flusher.abort();
    resumer.abort();
    if let Err(e) = state.keys().flush_usage().await {
        tracing::warn!(error = %e, "could not save API key usage at shutdown");
    }
    result
}
