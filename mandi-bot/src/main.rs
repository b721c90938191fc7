//! `mandi-bot`: Mandi's reference Telegram front-end.
//!
//! ```text
//! TELEGRAM_BOT_TOKEN=123:ABC mandi-bot [--config mandi.toml]
//! ```
//!
//! Exit codes: 0 after Ctrl-C, 2 on a setup error (no token, bad config, token refused).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use mandi_bot::bot::{Bot, BotConfig};
use mandi_bot::config::BotSettings;
use mandi_bot::notifier::{NotifierConfig, TelegramNotifier, UserRecipientEvents};
use mandi_bot::telegram::{BotClient, Poller, webhook_router};
use mandi_core::catalog::CatalogService;
use mandi_core::monitor::{MonitoringService, MonitoringSettings, QuotaConfig, TokioSleeper};
use mandi_core::store::{DEFAULT_MONITOR_LEASE, DatabaseLocation, join_monitor, open_store};
use mandi_core::{Clock, Notifier, ProductSource, Store, SystemClock};
use mandi_paapi::sandbox::Sandbox;
use mandi_paapi::settings::{Env, SourceKind};

/// Mandi's Telegram bot: watch Amazon products and get deal alerts.
///
/// Settings come from `mandi.toml` (the CLI's file: `--config`, `MANDI_CONFIG_DIR`, or the
/// platform config directory) and `MANDI_<SECTION>__<KEY>` variables; the token from
/// `TELEGRAM_BOT_TOKEN` or `MANDI_TELEGRAM__TOKEN`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "mandi-bot",
    version,
    about,
    after_help = "Examples:\n  TELEGRAM_BOT_TOKEN=123:ABC mandi-bot\n  mandi-bot --config ./mandi.toml\n\n\
Environment:\n  TELEGRAM_BOT_TOKEN          the bot token from @BotFather\n  \
MANDI_TELEGRAM__ADMINS      admin Telegram user ids, comma-separated\n  \
MANDI_GENERAL__DATABASE     the SQLite database (default: mandi.db in the data directory)\n  \
MANDI_CONFIG_DIR            the directory holding mandi.toml"
)]
struct Args {
    /// The configuration file (TOML); `mandi.toml` in the config directory by default.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn main() -> ExitCode {
    // Argument errors (`--bogus`) name the flag and exit 2; `--version` and `--help` exit 0.
    let args = match <Args as clap::Parser>::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let settings = match BotSettings::load(args.config.as_deref(), &Env::capture()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mandi-bot: {e}");
            return ExitCode::from(2);
        }
    };
    let token = match settings.token() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("mandi-bot: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mandi-bot: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(settings, token)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mandi-bot: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(settings: BotSettings, token: secrecy::SecretString) -> anyhow::Result<()> {
    // Installed first, so a SIGTERM during start-up is not lost.
    let mut signals = mandi_paapi::ops::StopSignals::install().context("the signal handler")?;
    let marketplace = settings.marketplace();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // The sandbox marketplace runs in-process on loopback (the default until credentials
    // are configured); kept alive for as long as the bot runs.
    let (source, _sandbox) = match settings.source() {
        SourceKind::Sandbox => {
            let sandbox = Sandbox::builder()
                .seed(settings.settings.sandbox.seed)
                .clock(clock.clone())
                .start()
                .await
                .context("starting the sandbox marketplace")?;
            // One client per credential region, so every market the sandbox serves
            // (amazon.in, .com, .co.uk, .de) answers `/compare`.
            let source: Arc<dyn ProductSource> = Arc::new(
                sandbox
                    .all_markets_source(false)
                    .context("the sandbox client")?,
            );
            tracing::info!(base_url = sandbox.base_url(), "sandbox marketplace started");
            (source, Some(sandbox))
        }
        _ => (settings.build_source(clock.clone())?, None),
    };
    let db = DatabaseLocation::from_setting(&settings.database_path()?);
    let store: Arc<dyn Store> = open_store(&db)
        .await
        .with_context(|| format!("opening the database {db}"))?;
    // The bot runs a monitoring loop: on SQLite the only monitor of the file (a `mandi
    // monitor` or another bot on it is refused instead of firing every alert twice); on
    // PostgreSQL one more monitor worker, sharing the watched products through leases.
    let seat = join_monitor(&db, DEFAULT_MONITOR_LEASE).await?;
    // One quota for the account: chat lookups take interactive permits ahead of the
    // monitoring loop, which shares it.
    // In Redis when `[quota] redis_url` is set, so several bot instances, `mandi monitor`
    // workers and `mandi lookup` on one account never exceed it together.
    let quota = mandi_paapi::ops::account_quota(
        &settings.settings,
        bot_quota_config(&settings.settings.monitor),
        clock.clone(),
        0x626f74 ^ u64::from(std::process::id()),
    )
    .context("the quota")?;
    let catalog = CatalogService::new(source.clone(), store.clone(), clock.clone())
        .with_channels(vec!["telegram".to_owned()])
        .with_quota(quota, Arc::new(TokioSleeper::new(clock.clone())));
    let mut builder = BotClient::builder().token(token);
    if let Some(url) = &settings.settings.telegram.api_base_url {
        builder = builder.base_url(url.clone());
    }
    let client = builder.build()?;
    let me = client
        .get_me()
        .await
        .context("checking the bot token with getMe")?;
    tracing::info!(bot = ?me.username, source = source.name(), "mandi-bot starting");
    let mut alert_notifier = TelegramNotifier::new(
        client.clone(),
        NotifierConfig {
            associate_tag: settings.associate_tag(),
            attach_chart: true,
            ..NotifierConfig::default()
        },
    )
    .with_events(Arc::new(UserRecipientEvents::new(
        mandi_core::users::UserService::for_catalog(&catalog),
    )))
    .with_catalog(catalog.clone());
    let affiliate = settings.affiliate_config()?.map(|config| {
        tracing::info!("Buy buttons point at the /r/<token> redirect of [server] public_url");
        mandi_core::affiliate::AffiliateService::new(catalog.store().clone(), clock.clone(), config)
    });
    if let Some(a) = &affiliate {
        alert_notifier = alert_notifier.with_affiliate(a.clone());
    }
    let notifier = Arc::new(alert_notifier);
    // Monitoring: watched products refreshed at the quota limit, alerts delivered through
    // the Telegram notifier (quiet hours, digests and daily caps applied on the way).
    // The loop refreshes and writes through the seat's store (a worker's store is fenced by
    // its leases); chat lookups keep the plain one.
    let monitor_catalog = catalog.clone().with_store(seat.store(&store));
    let mut monitoring = MonitoringService::new(
        &monitor_catalog,
        vec![notifier.clone() as Arc<dyn Notifier>],
        Arc::new(TokioSleeper::new(clock.clone())),
        MonitoringSettings::default(),
        None,
    )
    .context("setting up monitoring")?;
    if let Some(cache) =
        mandi_paapi::ops::redis_cache(&settings.settings, clock.clone()).context("the cache")?
    {
        monitoring = monitoring.with_shared_cache(Arc::new(cache));
    }
    // `/metrics` and `/healthz` when `[metrics] listen` is set.
    let _ops = match &settings.settings.metrics.listen {
        Some(addr) => {
            let health_catalog = catalog.clone();
            let health: mandi_paapi::ops::HealthCheck = Arc::new(move || {
                let catalog = health_catalog.clone();
                Box::pin(async move { catalog.check_health().await })
            });
            let server = mandi_paapi::ops::serve(addr, health)
                .await
                .context("the metrics listener")?;
            tracing::info!(addr = %server.addr(), "serving /metrics and /healthz");
            Some(server)
        }
        None => None,
    };
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let monitor_task = tokio::spawn(async move {
        monitoring.observe().await;
        if let Err(e) = monitoring
            .run_until_stopped(
                chrono::DateTime::<chrono::Utc>::MAX_UTC,
                &mut stop_rx,
                |_| {},
            )
            .await
        {
            tracing::error!(error = %e, "monitoring stopped");
        }
        seat.leave().await;
    });
    // `/compare`: other stores through the same catalogue, rates from `[fx]` (the
    // sandbox's own feed when the sandbox is the source), the last table kept beside the
    // database.
    let rates = mandi_paapi::fx::rate_cache(
        &settings.settings.fx,
        _sandbox.as_ref().map(|s| s.base_url()),
        clock.clone(),
        Some(settings.database_path()?.with_file_name("ecb-rates.xml")),
    )
    .context("the exchange-rate source ([fx])")?;
    let cross_border =
        mandi_core::crossborder::CrossBorderService::new(catalog.clone(), Arc::new(rates))
            .context("the duty and shipping tables")?;
    let bot = Arc::new(
        Bot::new(
            catalog,
            notifier,
            BotConfig {
                admins: settings.settings.telegram.admins.clone(),
                marketplace,
                associate_tag: settings.associate_tag(),
                source_name: source.name().to_owned(),
                // The sandbox speaks the creators protocol but is not Amazon: say so.
                source_label: match settings.source() {
                    SourceKind::Sandbox => format!(
                        "sandbox (seed {}, loopback)",
                        settings.settings.sandbox.seed
                    ),
                    _ => source.name().to_owned(),
                },
            },
        )
        .with_resolver(Arc::new(
            mandi_paapi::resolver::HttpLinkResolver::builder()
                .build()
                .context("the short-link resolver")?,
        ))
        .with_cross_border(cross_border)
        .with_affiliate_opt(affiliate),
    );
    if let Err(e) = bot.register_commands().await {
        tracing::warn!(error = %e, "could not register the command menu");
    }
    // Subscribed groups get the deals they are due (each within its hourly cap) every five
    // minutes, besides right after a deal is shared or a group subscribes.
    let group_posts = {
        let bot = bot.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                match bot.post_group_deals().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(posts = n, "deals posted to subscribed groups"),
                    Err(e) => tracing::warn!(error = %e, "group posts failed"),
                }
            }
        })
    };
    let serve = async {
        match &settings.settings.telegram.webhook {
            Some(w) => {
                client.set_webhook(&w.url, &w.secret, false).await?;
                let (tx, rx) = tokio::sync::mpsc::channel(1024);
                let _lanes = bot.spawn_lanes(rx);
                let listener = tokio::net::TcpListener::bind(&w.listen)
                    .await
                    .with_context(|| format!("listening on {}", w.listen))?;
                tracing::info!(listen = %w.listen, "webhook mode");
                axum::serve(listener, webhook_router(&w.path, w.secret.clone(), tx)).await?;
                anyhow::Ok(())
            }
            None => {
                client.delete_webhook().await?;
                tracing::info!("long polling");
                bot.clone()
                    .run_polling(Poller::new(client.clone(), 25))
                    .await?;
                anyhow::Ok(())
            }
        }
    };
    // Ctrl-C and SIGTERM alike: stop taking updates, let the monitoring loop finish a call
    // in flight and deliver what is due, then exit 0.
    let result = tokio::select! {
        r = serve => r,
        signal = signals.recv() => {
            let name = signal.context("the signal handler")?;
            tracing::info!(signal = name, "stopping: finishing the call in flight, delivering what is due");
            Ok(())
        }
    };
    group_posts.abort();
    let _ = stop_tx.send(true);
    if let Err(e) = monitor_task.await {
        tracing::error!(error = %e, "the monitoring task failed");
    }
    result
}

/// The account's quota from `[monitor]` tps/tpd, with the usual reserves (5 % of the day for
/// interactive lookups, 10 % for due watches, 5 % for enrichment).
fn bot_quota_config(m: &mandi_paapi::settings::MonitorSettings) -> QuotaConfig {
    let daily = u32::try_from(m.tpd).unwrap_or(u32::MAX);
    let mut quota = QuotaConfig::sandbox();
    #[allow(clippy::cast_precision_loss)] // at most 1,000 (validated by the settings loader)
    {
        quota.requests_per_second = m.tps as f64;
    }
    quota.daily_limit = daily;
    quota.interactive_reserve = daily / 20;
    quota.watches_reserve = daily / 10;
    quota.enrichment_reserve = daily / 20;
    quota
}
