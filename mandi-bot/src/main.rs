//! `mandi-bot`: Mandi's reference Telegram front-end.
//!
//! ```text
//! TELEGRAM_BOT_TOKEN=123:ABC mandi-bot [--config mandi-bot.toml]
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
use mandi_bot::config::{BotSettings, SourceKind};
use mandi_bot::notifier::{NotifierConfig, TelegramNotifier, UserRecipientEvents};
use mandi_bot::telegram::{BotClient, Poller, webhook_router};
use mandi_core::catalog::CatalogService;
use mandi_core::monitor::{
    MonitoringService, MonitoringSettings, Quota, QuotaConfig, TokioSleeper,
};
use mandi_core::store::SqliteStore;
use mandi_core::{Clock, Notifier, ProductSource, Store, SystemClock};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::Sandbox;

fn config_path() -> Option<PathBuf> {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(p) = a.strip_prefix("--config=") {
            return Some(PathBuf::from(p));
        }
    }
    std::env::var_os("MANDI_BOT_CONFIG").map(PathBuf::from)
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!(
            "mandi-bot: Mandi's Telegram bot\n\nUsage: mandi-bot [--config <file>]\n\n\
             TELEGRAM_BOT_TOKEN   the bot token from @BotFather (or `token` in the config)\n\
             MANDI_BOT_CONFIG     the config file (TOML) when --config is not given\n\
             MANDI_BOT_ADMINS     admin Telegram user ids, comma-separated"
        );
        return ExitCode::SUCCESS;
    }
    let settings = match BotSettings::load(config_path().as_deref(), |k| std::env::var(k).ok()) {
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
    let marketplace = settings.marketplace()?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // The sandbox marketplace runs in-process on loopback (the default until credentials
    // are configured); kept alive for as long as the bot runs.
    let (source, _sandbox) = match settings.source {
        SourceKind::Sandbox => {
            let sandbox = Sandbox::builder()
                .clock(clock.clone())
                .start()
                .await
                .context("starting the sandbox marketplace")?;
            let source: Arc<dyn ProductSource> = Arc::new(
                sandbox
                    .creators_source(CredentialVersion::V2_2)
                    .context("the sandbox client")?,
            );
            tracing::info!(base_url = sandbox.base_url(), "sandbox marketplace started");
            (source, Some(sandbox))
        }
        _ => (settings.build_source(clock.clone())?, None),
    };
    let db = settings
        .database
        .clone()
        .unwrap_or_else(|| PathBuf::from("mandi-bot.db"));
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&db).with_context(|| format!("opening the database {}", db.display()))?,
    );
    // One quota for the account: chat lookups take interactive permits ahead of the
    // monitoring loop, which shares it.
    let quota =
        Arc::new(Quota::new(QuotaConfig::default(), clock.clone(), 0x626f74).context("the quota")?);
    let catalog = CatalogService::new(source.clone(), store.clone(), clock.clone())
        .with_channels(vec!["telegram".to_owned()])
        .with_quota(quota, Arc::new(TokioSleeper::new(clock.clone())));
    let mut builder = BotClient::builder().token(token);
    if let Some(url) = &settings.api_base_url {
        builder = builder.base_url(url.clone());
    }
    let client = builder.build()?;
    let me = client
        .get_me()
        .await
        .context("checking the bot token with getMe")?;
    tracing::info!(bot = ?me.username, source = source.name(), "mandi-bot starting");
    let notifier = Arc::new(
        TelegramNotifier::new(
            client.clone(),
            NotifierConfig {
                associate_tag: settings.affiliate_tag.clone(),
                attach_chart: true,
                ..NotifierConfig::default()
            },
        )
        .with_events(Arc::new(UserRecipientEvents::new(
            mandi_core::users::UserService::for_catalog(&catalog),
        )))
        .with_catalog(catalog.clone()),
    );
    // Monitoring: watched products refreshed at the quota limit, alerts delivered through
    // the Telegram notifier (quiet hours, digests and daily caps applied on the way).
    let mut monitoring = MonitoringService::new(
        &catalog,
        vec![notifier.clone() as Arc<dyn Notifier>],
        Arc::new(TokioSleeper::new(clock.clone())),
        MonitoringSettings::default(),
        None,
    )
    .context("setting up monitoring")?;
    let monitor_task = tokio::spawn(async move {
        if let Err(e) = monitoring
            .run_until(chrono::DateTime::<chrono::Utc>::MAX_UTC, |_| {})
            .await
        {
            tracing::error!(error = %e, "monitoring stopped");
        }
    });
    let bot = Arc::new(
        Bot::new(
            catalog,
            notifier,
            BotConfig {
                admins: settings.admins.clone(),
                marketplace,
                associate_tag: settings.affiliate_tag.clone(),
                source_name: source.name().to_owned(),
            },
        )
        .with_resolver(Arc::new(
            mandi_paapi::resolver::HttpLinkResolver::builder()
                .build()
                .context("the short-link resolver")?,
        )),
    );
    if let Err(e) = bot.register_commands().await {
        tracing::warn!(error = %e, "could not register the command menu");
    }
    let serve = async {
        match &settings.webhook {
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
    let result = tokio::select! {
        r = serve => r,
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("stopping");
            Ok(())
        }
    };
    monitor_task.abort();
    result
}
