//! Embedding Mandi in another program: the host keeps doing its own work while a watch list
//! is monitored on a background task, alerts go to the built-in terminal notifier, and the
//! host reads the price history afterwards through the library services. Runs on the sandbox
//! marketplace with a simulated clock, so a month passes in seconds and the program ends by
//! itself.
//!
//! ```text
//! cargo run -p mandi-examples --example embed_monitoring
//! ```
//!
//! In production the same wiring takes `mandi_paapi::connect::creators_source` (real
//! credentials), `SqliteStore::open` on a lasting path, `SystemClock` and `TokioSleeper`.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use mandi_core::alerts::notify::TerminalNotifier;
use mandi_core::catalog::CatalogService;
use mandi_core::links::parse_product_input;
use mandi_core::monitor::{ManualSleeper, MonitoringService, MonitoringSettings};
use mandi_core::store::SqliteStore;
use mandi_core::watches::{WatchService, WatchSpec};
use mandi_core::{AlertRule, Clock, ExternalIdentity, ManualClock, Marketplace, Notifier};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::Sandbox;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // 1. The pieces: a product source, a store, a clock.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
            .single()
            .ok_or_else(|| anyhow::anyhow!("start time"))?,
    ));
    let sandbox = Sandbox::builder().clock(clock.clone()).start().await?;
    let source = Arc::new(sandbox.creators_source(CredentialVersion::V2_2)?);
    let dir = tempfile::tempdir()?;
    let store = Arc::new(SqliteStore::open(dir.path().join("mandi.db"))?);
    let catalog = CatalogService::new(source, store, clock.clone());

    // 2. Watches, from whatever the host's users paste.
    let watches = WatchService::new(catalog.clone());
    let user = watches
        .user(ExternalIdentity::new("host-app", "user-1"), None)
        .await?;
    let pasted = [
        "Look! https://www.amazon.in/Redmi-Note-13/dp/B0CX59H5W7?th=1",
        "B0D5YCYS1G",
    ];
    for text in pasted {
        let product = parse_product_input(text, Marketplace::India)?;
        let spec = WatchSpec {
            rules: vec![
                AlertRule::DropFromBaseline { bps: 500 },
                AlertRule::LowestInDays { days: 14 },
                AlertRule::BackInStock,
            ],
            ..WatchSpec::default()
        };
        let added = watches.add(&user, product, spec).await?;
        println!("watching {} ({})", added.product.title, product.asin);
    }

    // 3. Monitoring on a background task; alerts are printed as they are delivered.
    let notifiers: Vec<Arc<dyn Notifier>> =
        vec![Arc::new(TerminalNotifier::new(std::io::stdout()))];
    let settings = MonitoringSettings {
        dispatch_every: Duration::hours(1),
        resync_every: Duration::hours(1),
        ..MonitoringSettings::default()
    };
    let sleeper = Arc::new(ManualSleeper::new((*clock).clone()));
    let mut monitor = MonitoringService::new(&catalog, notifiers, sleeper, settings, None)?;
    let until = clock.now() + Duration::days(30);
    let monitoring = tokio::spawn(async move {
        monitor.run_until(until, |_| {}).await?;
        monitor.dispatch().await?;
        Ok::<_, mandi_core::StoreError>(monitor.progress())
    });

    // 4. The host program goes on with its own work meanwhile.
    let mut host_ticks = 0u32;
    while !monitoring.is_finished() {
        host_ticks += 1;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let progress = monitoring.await??;
    println!(
        "a simulated month: {} calls, {} alerts delivered; the host ran {host_ticks} ticks meanwhile",
        progress.stats.calls, progress.alerts_sent
    );

    // 5. What the history says now, through the same services.
    for text in pasted {
        let product = parse_product_input(text, Marketplace::India)?;
        let report = catalog
            .history(product.marketplace, product.asin, false)
            .await?;
        println!(
            "{}: {} observations, {} drops, now {}",
            product.asin,
            report.summary.observations,
            report.summary.drops,
            report
                .summary
                .current
                .map_or_else(|| "unknown".to_owned(), |c| c.price.to_string())
        );
    }
    sandbox.shutdown().await;
    Ok(())
}
