//! `mandi serve` (the REST API and admin dashboard, with the monitoring loop) and
//! `mandi keys` (API keys: create, list, revoke).

use std::sync::Arc;

use mandi_core::api::keys::KeyService;
use mandi_core::api::webhooks::{SubscriptionNotifier, WebhookTargets};
use mandi_core::monitor::{MonitoringService, MonitoringSettings, TokioSleeper};
use mandi_core::{ApiKeyId, KeyScope, RateLimit};
use mandi_server::{AppState, ServerConfig};
use secrecy::ExposeSecret;

use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;

const SERVE_EXAMPLES: &str = "\
Examples:
  mandi serve --listen 127.0.0.1:8080
  mandi serve --listen 0.0.0.0:8080 --no-monitor
  curl -H \"Authorization: Bearer $KEY\" http://127.0.0.1:8080/api/v1/products/B0CX59H5W7

The API is under /api/v1 (OpenAPI document at /api/v1/openapi.json), the admin dashboard at
/admin ([server] admin_password, or an admin-scope key). Keys: `mandi keys create`.
With [server] public_url set, /r/<token> answers the bot's Buy links and records each click.";

/// `mandi serve`: the REST API and the admin dashboard.
#[derive(Debug, clap::Args)]
#[command(after_help = SERVE_EXAMPLES)]
pub struct ServeCmd {
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Do not run the monitoring loop (another `mandi monitor` runs it).
    #[arg(long)]
    no_monitor: bool,
}

/// Runs `mandi serve` until Ctrl-C or SIGTERM: then stops taking connections, lets the
/// requests in flight finish, stops the monitoring loop and delivers what is due before
/// exiting.
///
/// # Errors
///
/// The address cannot be bound, or the store, source or notifiers cannot start.
pub fn run(cmd: ServeCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    block_on(async {
        let mut signals = mandi_paapi::ops::StopSignals::install().map_err(|e| Error::Setup {
            what: "signal handler",
            message: e.to_string(),
        })?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let app = App::open(ctx).await?;
        let affiliate = super::affiliate_config(&app.settings)?;
        let redirect_base = affiliate.as_ref().map(|_| {
            app.settings
                .server
                .public_url
                .as_deref()
                .unwrap_or_default()
                .trim()
                .trim_end_matches('/')
                .to_owned()
        });
        let config = ServerConfig {
            admin_password: app.settings.server.admin_password.clone(),
            webhook_targets: webhook_targets(&app),
            affiliate,
            ..ServerConfig::default()
        };
        let state =
            AppState::new(app.catalog.clone(), config).with_cross_border(app.cross_border()?);
        let listener = tokio::net::TcpListener::bind(cmd.listen)
            .await
            .map_err(|e| Error::Setup {
                what: "listen address",
                message: format!("cannot listen on {}: {e}", cmd.listen),
            })?;
        let addr = listener.local_addr().map_err(|e| Error::Setup {
            what: "listen address",
            message: e.to_string(),
        })?;
        out.line(format!(
            "serving the API on http://{addr}/api/v1 and the dashboard on http://{addr}/admin (Ctrl-C stops)"
        ))?;
        match &redirect_base {
            Some(base) => out.line(format!(
                "Buy links: {base}/r/<token> is answered here and each click recorded"
            ))?,
            None => out.line(
                "Buy links go straight to Amazon (set [server] public_url to record clicks)",
            )?,
        }
        out.flush()?;
        let monitor = if cmd.no_monitor {
            None
        } else {
            let settings = MonitoringSettings {
                quota: app.quota_config()?,
                ..MonitoringSettings::default()
            };
            let sleeper = Arc::new(TokioSleeper::new(app.catalog.clock().clone()));
            let mut notifiers = app.notifiers()?;
            notifiers.push(subscription_notifier(&app)?);
            let mut service =
                MonitoringService::new(&app.catalog, notifiers, sleeper, settings, app.fallback()?)
                    .map_err(|e| Error::Input(format!("[monitor] quota: {e}")))?;
            let progress_state = state.clone();
            let mut stop = stop_rx.clone();
            Some(tokio::spawn(async move {
                let result = service
                    .run_until_stopped(chrono::DateTime::<chrono::Utc>::MAX_UTC, &mut stop, |p| {
                        progress_state.set_monitor_progress(p.clone());
                    })
                    .await;
                if let Err(e) = result {
                    tracing::error!(error = %e, "the monitoring loop stopped");
                }
            }))
        };
        // Ctrl-C and SIGTERM alike: the server drains its requests, the monitoring loop
        // finishes a call in flight and delivers what is due, then the command exits 0.
        let shutdown = async move {
            match signals.recv().await {
                Ok(name) => {
                    tracing::info!(
                        signal = name,
                        "stopping: finishing requests in flight, then delivering what is due"
                    );
                    eprintln!(
                        "stopping ({name}): finishing requests in flight, then delivering what is due"
                    );
                }
                Err(e) => {
                    tracing::error!(error = %e, "no signal handler; stop the process to end it");
                    std::future::pending::<()>().await;
                }
            }
            let _ = stop_tx.send(true);
        };
        let served = mandi_server::serve(listener, state, shutdown).await;
        if let Some(task) = monitor
            && let Err(e) = task.await
        {
            tracing::error!(error = %e, "the monitoring task failed");
        }
        served.map_err(|e| Error::Setup {
            what: "server",
            message: e.to_string(),
        })?;
        Ok(Outcome::Success)
    })
}

/// The hosts webhook subscriptions may point at (`[server] allow_private_webhooks`).
fn webhook_targets(app: &App) -> WebhookTargets {
    if app.settings.server.allow_private_webhooks {
        WebhookTargets::AnyAddress
    } else {
        WebhookTargets::PublicOnly
    }
}

/// Delivers alerts to the REST API's webhook subscriptions.
///
/// # Errors
///
/// The HTTP client cannot be built.
pub fn subscription_notifier(app: &App) -> Result<Arc<dyn mandi_core::Notifier>> {
    let n = SubscriptionNotifier::with_targets(
        app.catalog.store().clone(),
        app.catalog.clock().clone(),
        std::time::Duration::from_secs(10),
        webhook_targets(app),
    )
    .map_err(|e| Error::Setup {
        what: "webhook subscriptions",
        message: e.to_string(),
    })?;
    Ok(Arc::new(n))
}

const KEYS_EXAMPLES: &str = "\
Examples:
  mandi keys create --name pricing-team --scope write
  mandi keys create --name ops --scope admin --rate 50 --burst 200
  mandi keys list
  mandi keys revoke 3

A key is shown once, when it is made; only its SHA-256 is stored. Keys of one name act as
one account (rotate a key by making a new one of the same name, then revoking the old).";

/// `mandi keys`: API keys of `mandi serve`.
#[derive(Debug, clap::Args)]
#[command(after_help = KEYS_EXAMPLES)]
pub struct KeysCmd {
    #[command(subcommand)]
    action: KeysAction,
}

#[derive(Debug, clap::Subcommand)]
enum KeysAction {
    /// Make a key (shown once).
    #[command(after_help = "Examples:\n  mandi keys create --name pricing-team --scope write")]
    Create {
        /// Its name (keys of one name share one account).
        #[arg(long)]
        name: String,
        /// read, write or admin.
        #[arg(long, value_parser = ["read", "write", "admin"], default_value = "read")]
        scope: String,
        /// Requests a second (10 by default).
        #[arg(long)]
        rate: Option<u32>,
        /// Burst (50 by default).
        #[arg(long)]
        burst: Option<u32>,
    },
    /// List keys (never their secrets).
    #[command(after_help = "Examples:\n  mandi keys list\n  mandi --json keys list")]
    List,
    /// Revoke a key by id.
    #[command(after_help = "Examples:\n  mandi keys revoke 3")]
    Revoke {
        /// The key's id (from `mandi keys list`).
        id: i64,
    },
}

/// Runs `mandi keys`.
///
/// # Errors
///
/// Bad input, or the store failed.
pub fn run_keys(cmd: KeysCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    block_on(async {
        let app = App::open(ctx).await?;
        let keys = KeyService::new(app.catalog.store().clone(), app.catalog.clock().clone());
        let fail = |e: mandi_core::api::keys::KeyError| Error::Input(e.to_string());
        match cmd.action {
            KeysAction::Create {
                name,
                scope,
                rate,
                burst,
            } => {
                let scope = KeyScope::parse(&scope).unwrap_or(KeyScope::Read);
                let limit = (rate.is_some() || burst.is_some()).then(|| {
                    let d = RateLimit::default();
                    RateLimit {
                        per_second: rate.unwrap_or(d.per_second),
                        burst: burst.unwrap_or(d.burst),
                    }
                });
                let made = keys.create(&name, scope, limit).await.map_err(fail)?;
                if out.is_json() {
                    out.json(&serde_json::json!({
                        "type": "api_key",
                        "data": {
                            "id": made.key.id,
                            "name": made.key.name,
                            "scope": made.key.scope,
                            "rate_limit": made.key.rate_limit,
                            "secret": made.secret.expose_secret(),
                        }
                    }))?;
                } else {
                    out.line(format!(
                        "key {} ({}, scope {}, {} req/s, burst {}):",
                        made.key.id,
                        made.key.name,
                        made.key.scope.as_str(),
                        made.key.rate_limit.per_second,
                        made.key.rate_limit.burst
                    ))?;
                    out.line(made.secret.expose_secret().to_owned())?;
                    out.line("keep it now: it is not shown again".to_owned())?;
                }
            }
            KeysAction::List => {
                let list = keys.list().await.map_err(fail)?;
                if out.is_json() {
                    let rows: Vec<_> = list
                        .iter()
                        .map(|k| {
                            serde_json::json!({
                                "id": k.id, "name": k.name, "scope": k.scope, "prefix": k.prefix,
                                "rate_limit": k.rate_limit, "created_at": k.created_at,
                                "revoked_at": k.revoked_at, "last_used_at": k.last_used_at,
                            })
                        })
                        .collect();
                    out.json(&serde_json::json!({ "type": "api_keys", "data": rows }))?;
                } else if list.is_empty() {
                    out.line(
                        "no keys yet; make one with `mandi keys create --name … --scope …`"
                            .to_owned(),
                    )?;
                    return Ok(Outcome::NothingFound);
                } else {
                    for k in list {
                        out.line(format!(
                            "{:>4}  {:<24} {:<6} {}…  {} req/s burst {}{}",
                            k.id,
                            k.name,
                            k.scope.as_str(),
                            k.prefix,
                            k.rate_limit.per_second,
                            k.rate_limit.burst,
                            if k.revoked_at.is_some() {
                                "  (revoked)"
                            } else {
                                ""
                            }
                        ))?;
                    }
                }
            }
            KeysAction::Revoke { id } => {
                keys.revoke(ApiKeyId(id)).await.map_err(fail)?;
                out.line(format!("key {id} revoked"))?;
            }
        }
        Ok(Outcome::Success)
    })
}
