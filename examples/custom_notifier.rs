//! Implementing a port: a `Notifier` that writes alerts as JSON Lines to any writer (here
//! stdout), plugged into a monitor that watches one product on the sandbox marketplace for a
//! simulated fortnight. Finishes by itself in a few seconds, offline.
//!
//! ```text
//! cargo run -p mandi-examples --example custom_notifier
//! ```

use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use mandi_core::catalog::CatalogService;
use mandi_core::links::ProductRef;
use mandi_core::monitor::{ManualSleeper, MonitoringService, MonitoringSettings};
use mandi_core::store::SqliteStore;
use mandi_core::watches::{WatchService, WatchSpec};
use mandi_core::{
    AlertRule, Asin, Clock, ExternalIdentity, ManualClock, Marketplace, Notification, Notifier,
    NotifyError,
};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::Sandbox;

/// Alerts as JSON Lines: one object per delivered alert.
struct JsonLinesNotifier<W: Write + Send> {
    out: Mutex<W>,
    /// Keys already written: the dispatcher may hand the same alert over again after a crash,
    /// and a notifier delivers each key once.
    seen: Mutex<std::collections::HashSet<String>>,
}

#[async_trait]
impl<W: Write + Send> Notifier for JsonLinesNotifier<W> {
    fn channel(&self) -> &str {
        "jsonl"
    }

    async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
        let fresh = self
            .seen
            .lock()
            .map_err(|_| permanent("lock poisoned"))?
            .insert(n.idempotency_key.clone());
        if !fresh {
            return Ok(());
        }
        let line = serde_json::json!({
            "user": n.user.id.to_string(),
            "asin": n.alert.asin.to_string(),
            "rule": format!("{:?}", n.alert.rule),
            "message": n.alert.message,
            "price": n.alert.price.map(|p| p.to_string()),
        });
        let mut out = self.out.lock().map_err(|_| permanent("lock poisoned"))?;
        // A failed write may pass (a full pipe): the dispatcher retries transient errors.
        writeln!(out, "{line}").map_err(|e| NotifyError::Transient {
            channel: "jsonl".into(),
            reason: e.to_string(),
        })
    }
}

fn permanent(reason: &str) -> NotifyError {
    NotifyError::Permanent {
        channel: "jsonl".into(),
        reason: reason.into(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
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

    let watches = WatchService::new(catalog.clone());
    let user = watches
        .user(ExternalIdentity::new("example", "me"), None)
        .await?;
    let asin: Asin = "B0CX59H5W7".parse()?;
    let spec = WatchSpec {
        rules: vec![
            AlertRule::DropFromBaseline { bps: 300 },
            AlertRule::LowestInDays { days: 7 },
        ],
        ..WatchSpec::default()
    };
    watches
        .add(&user, ProductRef::new(asin, Marketplace::India), spec)
        .await?;

    let notifier = Arc::new(JsonLinesNotifier {
        out: Mutex::new(std::io::stdout()),
        seen: Mutex::new(Default::default()),
    });
    let settings = MonitoringSettings {
        dispatch_every: Duration::hours(1),
        resync_every: Duration::hours(1),
        ..MonitoringSettings::default()
    };
    let sleeper = Arc::new(ManualSleeper::new((*clock).clone()));
    let mut monitor = MonitoringService::new(&catalog, vec![notifier], sleeper, settings, None)?;
    monitor
        .run_until(clock.now() + Duration::days(14), |_| {})
        .await?;
    monitor.dispatch().await?;
    eprintln!(
        "{} alerts delivered over 14 simulated days",
        monitor.progress().alerts_sent
    );
    sandbox.shutdown().await;
    Ok(())
}
