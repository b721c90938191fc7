//! `mandi monitor` (the monitoring loop with a live progress line) and `mandi status`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use mandi_core::monitor::{MonitorProgress, MonitoringService, MonitoringSettings, TokioSleeper};
use mandi_core::store::{DEFAULT_MONITOR_LEASE, DatabaseLocation, join_monitor};
use mandi_core::{Clock, SystemClock};
use serde::{Deserialize, Serialize};

use super::{Context, Outcome};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::render;

const EXAMPLES: &str = "\
Examples:
  mandi monitor                      # until Ctrl-C or SIGTERM
  mandi monitor --listen 127.0.0.1:9184   # with /metrics and /healthz
  mandi monitor --once               # refresh every watched product once, deliver, exit
  mandi monitor --for 30m
  mandi monitor --until \"2026-11-26 09:00\"   # IST
  mandi status

It keeps every watched product as fresh as the quota allows ([monitor] tps/tpd), one call
per ten products, and delivers alerts to the terminal and to [notify] jsonl/webhook.";

/// `mandi monitor`: refresh watched products at the quota limit and deliver alerts.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// Refresh every watched product once, deliver the alerts, and exit.
    #[arg(long, conflicts_with_all = ["until", "duration"])]
    once: bool,
    /// Stop at this moment (IST, `YYYY-MM-DD HH:MM`, or RFC 3339).
    #[arg(long, value_name = "TIME", conflicts_with = "duration")]
    until: Option<String>,
    /// Stop after this long (10m, 2h, 1d).
    #[arg(long = "for", value_name = "DURATION")]
    duration: Option<String>,
    /// Serve `/metrics` (Prometheus text format) and `/healthz` on this address while
    /// monitoring (`127.0.0.1:9184`; port 0 picks a free one, printed on stderr).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Also deliver alerts to the REST API's webhook subscriptions (when `mandi serve
    /// --no-monitor` runs beside this loop; `mandi serve` alone delivers them itself).
    #[arg(long)]
    api_webhooks: bool,
}

/// The snapshot `mandi monitor` leaves for `mandi status`.
#[derive(Debug, Serialize, Deserialize)]
struct StatusFile {
    source: String,
    progress: MonitorProgress,
}

fn status_path(database: &Path) -> PathBuf {
    database.with_extension("monitor-status.json")
}

fn parse_until(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let t = text.trim();
    let at = if let Ok(t) = DateTime::parse_from_rfc3339(t) {
        t.with_timezone(&Utc)
    } else {
        let naive = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M"))
            .map_err(|_| {
                Error::Input(format!(
                    "--until {text:?} is not a time such as \"2026-11-26 09:00\" (IST) or RFC 3339"
                ))
            })?;
        chrono_tz::Asia::Kolkata
            .from_local_datetime(&naive)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| Error::Input(format!("--until {text:?} is not a valid IST time")))?
    };
    if at <= now {
        return Err(Error::Input(format!("--until {text:?} is already past")));
    }
    Ok(at)
}

/// Parses `10m`, `2h`, `1d`, `90s`.
pub fn parse_duration(text: &str, what: &str) -> Result<Duration> {
    let t = text.trim().to_ascii_lowercase();
    let bad = || {
        Error::Input(format!(
            "{what} {text:?} is not a duration such as 90s, 10m, 2h or 1d"
        ))
    };
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let n: i64 = t[..split].parse().map_err(|_| bad())?;
    let d = match &t[split..] {
        "s" => Duration::seconds(n),
        "m" | "min" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        "w" => Duration::weeks(n),
        _ => return Err(bad()),
    };
    if d <= Duration::zero() || d > Duration::days(3650) {
        return Err(bad());
    }
    Ok(d)
}

fn age(secs: Option<i64>) -> String {
    secs.map_or_else(|| "—".to_owned(), |s| render::ago(Duration::seconds(s)))
}

/// One progress line.
pub fn progress_line(p: &MonitorProgress) -> String {
    format!(
        "products {} · due {} · calls left today {} · fresh: mean {}, oldest {} · breaker {} · alerts sent {}",
        p.products,
        p.due_now,
        p.quota.left_for_watches,
        age(p.mean_age_secs),
        age(p.oldest_age_secs),
        breaker_text(&p.breaker.state),
        p.alerts_sent
    )
}

fn breaker_text(state: &mandi_core::monitor::BreakerState) -> String {
    use mandi_core::monitor::BreakerState as B;
    match state {
        B::Closed => "closed".to_owned(),
        B::Open { until } => format!("open until {}", render::ist(*until)),
        B::HalfOpen => "half-open".to_owned(),
        _ => "unknown".to_owned(),
    }
}

/// Runs `mandi monitor`.
///
/// # Errors
///
/// Bad options, or the source, store or notifiers cannot start.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let now = SystemClock.now();
    let until = match (&cmd.until, &cmd.duration) {
        (Some(u), _) => Some(parse_until(u, now)?),
        (None, Some(d)) => Some(now + parse_duration(d, "--for")?),
        (None, None) => None,
    };
    block_on(async {
        // Installed first, so a SIGTERM during start-up is not lost.
        let mut signals = mandi_paapi::ops::StopSignals::install().map_err(|e| Error::Setup {
            what: "signal handler",
            message: e.to_string(),
        })?;
        let app = App::open(ctx).await?;
        // One monitor per SQLite file (a second one is refused: it would refresh the same
        // products again); on PostgreSQL one more worker, refreshing the products of the
        // buckets it leases through a store that writes only while it holds them.
        let location = DatabaseLocation::from_setting(&app.settings.database_path()?);
        let seat = join_monitor(&location, DEFAULT_MONITOR_LEASE).await?;
        let catalog = app
            .catalog
            .clone()
            .with_store(seat.store(app.catalog.store()));
        let _ops = match &cmd.listen {
            Some(addr) => {
                let catalog = app.catalog.clone();
                let health: mandi_paapi::ops::HealthCheck = Arc::new(move || {
                    let catalog = catalog.clone();
                    Box::pin(async move { catalog.check_health().await })
                });
                let server =
                    mandi_paapi::ops::serve(addr, health)
                        .await
                        .map_err(|e| Error::Setup {
                            what: "--listen",
                            message: e.to_string(),
                        })?;
                eprintln!("serving /metrics and /healthz on http://{}", server.addr());
                Some(server)
            }
            None => None,
        };
        let mut notifiers = app.notifiers()?;
        if cmd.api_webhooks {
            notifiers.push(super::serve::subscription_notifier(&app)?);
        }
        if cmd.once {
            let report =
                catalog
                    .alert_step()
                    .refresh_watched()
                    .await
                    .map_err(|e| Error::Setup {
                        what: "monitoring",
                        message: e.to_string(),
                    })?;
            let delivered = mandi_core::alerts::Dispatcher::new(
                catalog.store().clone(),
                notifiers,
                catalog.clock().clone(),
            )
            .drain()
            .await?;
            seat.leave().await;
            if out.is_json() {
                out.json(&serde_json::json!({
                    "type": "monitor_once",
                    "data": { "refresh": report, "delivery": delivered }
                }))?;
            } else {
                out.line(format!(
                    "refreshed {} products in {} calls ({} unknown); {} alerts fired, {} delivered",
                    report.fetched + report.unknown,
                    report.source_calls,
                    report.unknown,
                    report.alerts_created,
                    delivered.sent
                ))?;
            }
            return Ok(Outcome::Success);
        }
        let settings = MonitoringSettings {
            quota: app.quota_config()?,
            ..MonitoringSettings::default()
        };
        let sleeper = Arc::new(TokioSleeper::new(app.catalog.clock().clone()));
        let mut service =
            MonitoringService::new(&catalog, notifiers, sleeper, settings, app.fallback()?)
                .map_err(|e| Error::Input(format!("[monitor] quota: {e}")))?;
        if let Some(shared) = app.shared_cache()? {
            service = service.with_shared_cache(shared);
        }
        service.observe().await;
        let status = status_path(&app.database);
        let source = app.catalog.source().name().to_owned();
        // A line redrawn in place only on a terminal that takes escape codes (`--color`).
        let tty = crate::style::stderr_enabled(ctx.color);
        let mut last_line = SystemClock.now() - Duration::minutes(5);
        let mut on_progress = |p: &MonitorProgress| {
            let file = StatusFile {
                source: source.clone(),
                progress: p.clone(),
            };
            if let Ok(text) = serde_json::to_string(&file)
                && let Err(e) = std::fs::write(&status, text)
            {
                tracing::warn!(error = %e, "could not write the status file");
            }
            let line = progress_line(p);
            if tty {
                eprint!("\r\x1b[2K{line}");
                let _ = std::io::stderr().flush();
            } else if p.at - last_line >= Duration::minutes(1) {
                eprintln!("{line}");
                last_line = p.at;
            }
        };
        let end = until.unwrap_or(DateTime::<Utc>::MAX_UTC);
        // Ctrl-C and SIGTERM alike: the loop finishes a call in flight and stores its answer,
        // then what is due is delivered and the command exits 0.
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        let watcher = tokio::spawn(async move {
            match signals.recv().await {
                Ok(name) => {
                    eprintln!();
                    eprintln!(
                        "{name}: stopping: finishing the call in flight, delivering what is due, then exiting"
                    );
                }
                Err(e) => {
                    tracing::error!(error = %e, "no signal handler; stop the process to end it");
                    std::future::pending::<()>().await;
                }
            }
            let _ = stop_tx.send(true);
        });
        service
            .run_until_stopped(end, &mut stop_rx, &mut on_progress)
            .await?;
        watcher.abort();
        service.dispatch().await?;
        seat.leave().await;
        let p = service.progress();
        if tty {
            eprintln!();
        }
        if out.is_json() {
            out.json(&serde_json::json!({ "type": "monitor", "data": p }))?;
        } else {
            out.line(progress_line(&p))?;
        }
        Ok(Outcome::Success)
    })
}

/// `mandi status`: quota, breaker state and freshness.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  mandi status\n  mandi --json status")]
pub struct StatusCmd {}

/// Runs `mandi status`.
///
/// # Errors
///
/// The store failed.
pub fn run_status(_cmd: StatusCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    block_on(async {
        let app = App::open(ctx).await?;
        let watched = app.catalog.watched_products().await?;
        let source = app.catalog.source().name().to_owned();
        let today = app.catalog.clock().now().date_naive();
        let usage = app.catalog.api_usage_on(today).await?;
        let quota = app.quota_config()?;
        let snapshot: Option<StatusFile> = std::fs::read_to_string(status_path(&app.database))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        if out.is_json() {
            out.json(&serde_json::json!({
                "type": "status",
                "data": {
                    "source": source,
                    "watched_products": watched.len(),
                    "calls_today": usage.calls,
                    "failed_today": usage.failed,
                    "daily_limit": quota.daily_limit,
                    "monitor": snapshot.as_ref().map(|s| &s.progress),
                }
            }))?;
        } else {
            out.line(format!("source           {source}"))?;
            out.line(format!("watched products {}", watched.len()))?;
            out.line(format!(
                "calls today      {} of {} ({} failed; UTC day)",
                usage.calls, quota.daily_limit, usage.failed
            ))?;
            match &snapshot {
                Some(s) => {
                    out.line(format!(
                        "monitor          last seen {}",
                        render::ist(s.progress.at)
                    ))?;
                    out.line(format!("                 {}", progress_line(&s.progress)))?;
                }
                None => out.line("monitor          not run yet (mandi monitor)")?,
            }
        }
        Ok(Outcome::Success)
    })
}
