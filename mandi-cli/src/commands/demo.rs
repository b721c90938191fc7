//! `mandi demo`: a guided tour on an in-process sandbox marketplace and a temporary store.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use mandi_core::alerts::notify::TerminalNotifier;
use mandi_core::catalog::{CatalogService, HistoryReport};
use mandi_core::charts::{ChartOptions, render_price_chart};
use mandi_core::links::ProductRef;
use mandi_core::monitor::{ManualSleeper, MonitoringService, MonitoringSettings};
use mandi_core::store::SqliteStore;
use mandi_core::watches::{WatchService, WatchSpec};
use mandi_core::{
    AlertRule, Asin, BrowseNodesRequest, Clock, ExternalIdentity, ManualClock, Marketplace,
    ProductSource, SearchRequest, VariationsRequest,
};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::{RunningSandbox, Sandbox};

use super::{Context, Outcome};
use crate::app::block_on;
use crate::error::{Error, Result};
use crate::output::{Output, table};
use crate::render;

const EXAMPLES: &str = "\
Examples:
  mandi demo
  mandi demo --days 60 --start 2026-09-01
  mandi demo --seed 7

Everything runs offline: an in-process sandbox marketplace on 127.0.0.1 that speaks the
Amazon Creators API, and a temporary database deleted at the end.";

/// `mandi demo`: see what Mandi does in a minute, with no account and no network.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// Catalogue seed of the sandbox.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// First simulated day (YYYY-MM-DD, IST); default: three weeks before the latest
    /// festival sale.
    #[arg(long, value_name = "DATE")]
    start: Option<NaiveDate>,
    /// How many days of monitoring to simulate (1 to 180).
    #[arg(long, default_value_t = 30)]
    days: u32,
}

/// The IST midnight starting `day`.
fn ist_midnight(day: NaiveDate) -> DateTime<Utc> {
    chrono_tz::Asia::Kolkata
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .single()
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

struct Tour<'a, 'o> {
    out: &'a mut Output<'o>,
    /// Progress may be redrawn on stderr (a terminal, stdout not redirected).
    live: bool,
}

impl Tour<'_, '_> {
    fn step(&mut self, n: u32, what: &str, command: &str) -> Result<()> {
        self.out.line("")?;
        self.out.line(format!("{n}. {what}"))?;
        self.out.line(format!("   $ {command}"))?;
        Ok(())
    }

    fn lines(&mut self, lines: impl IntoIterator<Item = String>) -> Result<()> {
        for line in lines {
            self.out.line(format!("   {line}"))?;
        }
        Ok(())
    }
}

/// Runs `mandi demo`.
///
/// # Errors
///
/// Bad options, or the sandbox or the temporary store cannot start.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let live = ctx.live_progress(out) && std::io::IsTerminal::is_terminal(&std::io::stdout());
    if !(1..=180).contains(&cmd.days) {
        return Err(Error::Input(format!(
            "--days must be 1 to 180, got {}",
            cmd.days
        )));
    }
    if out.is_json() {
        return Err(Error::Input(
            "the demo is a tour for people; its commands each have --json".into(),
        ));
    }
    let dir = tempfile::tempdir().map_err(|e| Error::Setup {
        what: "temporary directory",
        message: e.to_string(),
    })?;
    block_on(async {
        // The sandbox first on the real clock, only to ask its calendar for a start day.
        let start = match cmd.start {
            Some(day) => ist_midnight(day),
            None => default_start(cmd.seed).await?,
        };
        let clock = Arc::new(ManualClock::new(start));
        let sandbox = Sandbox::builder()
            .seed(cmd.seed)
            .clock(clock.clone())
            .start()
            .await
            .map_err(|e| Error::Setup {
                what: "sandbox marketplace",
                message: e.to_string(),
            })?;
        let source: Arc<dyn ProductSource> = Arc::new(
            sandbox
                .creators_source(CredentialVersion::V2_2)
                .map_err(|e| Error::Setup {
                    what: "sandbox client",
                    message: e.to_string(),
                })?,
        );
        let db = dir.path().join("mandi.db");
        let store = Arc::new(SqliteStore::open(&db)?);
        let catalog = CatalogService::new(source, store, clock.clone());
        let mut tour = Tour { out, live };
        tour.out.line(format!(
            "Mandi demo: an offline amazon.in (sandbox marketplace, seed {}, {} products) at {}",
            cmd.seed,
            sandbox.catalog().len(),
            sandbox.base_url()
        ))?;
        tour.out.line(format!(
            "spoken to through the Amazon Creators API client; prices saved to {}",
            db.display()
        ))?;
        tour.out
            .line(format!("simulated clock: {}", render::ist(clock.now())))?;
        let tracked = guided_lookups(&mut tour, &catalog, &sandbox).await?;
        simulate(&mut tour, &catalog, &clock, &tracked, cmd.days).await?;
        tour.out.line("")?;
        tour.out.line("What to try next (the sandbox is the default source until you configure Amazon credentials):")?;
        let s = sandbox.catalog().sample();
        tour.lines([
            format!(
                "mandi lookup {}            current price, MRP, discount, stock",
                s.phone
            ),
            "mandi search \"gaming laptop\" --max-price 80000 --min-rating 4".to_owned(),
            format!(
                "mandi history {}           lows, highs, averages and a sparkline",
                s.phone
            ),
            format!("mandi chart {} -o phone.png", s.phone),
            format!("mandi insights {}          is it a real deal?", s.phone),
            "mandi sandbox --speed 3600       run the marketplace for other clients".to_owned(),
            "mandi config init                add your Creators API credentials".to_owned(),
        ])?;
        sandbox.shutdown().await;
        Ok(Outcome::Success)
    })
}

/// Three weeks before the start of the latest festival sale that has begun by now.
async fn default_start(seed: u64) -> Result<DateTime<Utc>> {
    let probe = Sandbox::builder()
        .seed(seed)
        .start()
        .await
        .map_err(|e| Error::Setup {
            what: "sandbox marketplace",
            message: e.to_string(),
        })?;
    let now = probe.now();
    let sales = probe.oracle().sales(now - Duration::days(365), now);
    probe.shutdown().await;
    let sale_start = sales
        .iter()
        .map(|s| s.starts_at)
        .filter(|t| *t <= now)
        .max()
        .unwrap_or(now - Duration::days(30));
    Ok(sale_start - Duration::days(21))
}

/// Steps 1–4: lookup, search, variations, nodes. Returns the products to follow.
async fn guided_lookups(
    tour: &mut Tour<'_, '_>,
    catalog: &CatalogService,
    sandbox: &RunningSandbox,
) -> Result<Vec<Asin>> {
    let s = sandbox.catalog().sample();
    let link = format!("https://www.amazon.in/dp/{}?tag=someone-21&psc=1", s.phone);
    tour.step(
        1,
        "Look up a product from a pasted link (the tag of someone else's link is dropped)",
        &format!("mandi lookup \"{link}\""),
    )?;
    let parsed =
        mandi_core::links::parse_product_link(&link).map_err(|e| Error::Input(e.to_string()))?;
    let batch = catalog
        .lookup(parsed.marketplace, &[parsed.asin, s.book])
        .await?;
    for p in &batch.items {
        tour.lines(render::product_card(p, None))?;
    }

    tour.step(
        2,
        "Search with filters",
        "mandi search \"gaming laptop\" --max-price 80000 --min-rating 4",
    )?;
    let mut request = SearchRequest::keywords(Marketplace::India, "gaming laptop");
    request.max_price = Some(mandi_core::Money::from_major(
        80_000,
        mandi_core::Currency::INR,
    ));
    request.min_reviews_rating = Some(4);
    request.item_count = 5;
    let page = catalog.search(&request, None).await?;
    let rows: Vec<_> = page
        .items
        .iter()
        .map(|p| render::product_row(p, 50))
        .collect();
    tour.lines(table(&render::PRODUCT_HEADER, &rows))?;

    tour.step(
        3,
        "The variations of a product family",
        &format!("mandi variations {}", s.family_parent),
    )?;
    let family = catalog
        .variations(&VariationsRequest::new(Marketplace::India, s.family_parent))
        .await?;
    let rows: Vec<_> = family
        .items
        .iter()
        .take(6)
        .map(|p| {
            vec![
                p.asin.to_string(),
                p.variation_attributes
                    .iter()
                    .map(|a| a.value.as_str())
                    .collect::<Vec<_>>()
                    .join(" / "),
                render::price(p.price()),
                render::availability(p.availability()).to_owned(),
            ]
        })
        .collect();
    tour.lines([format!(
        "{} variations of {}",
        family.variation_count, family.parent_asin
    )])?;
    tour.lines(table(&["ASIN", "VARIANT", "PRICE", "STOCK"], &rows))?;

    tour.step(
        4,
        "A category of the browse tree",
        &format!("mandi nodes {}", s.node_id),
    )?;
    let nodes = catalog
        .browse_nodes(&BrowseNodesRequest {
            marketplace: Marketplace::India,
            ids: vec![s.node_id.clone()],
        })
        .await?;
    for node in &nodes {
        let path: Vec<&str> = node
            .ancestors
            .iter()
            .rev()
            .map(|a| a.name.as_str())
            .chain(std::iter::once(node.name.as_str()))
            .collect();
        tour.lines([format!("{}  {}", node.id, path.join(" › "))])?;
    }

    let mut tracked: Vec<Asin> = Vec::new();
    for asin in [s.phone, s.laptop, s.book, s.family_child] {
        if !tracked.contains(&asin) {
            tracked.push(asin);
        }
    }
    for p in &page.items {
        if tracked.len() < 10 && !tracked.contains(&p.asin) {
            tracked.push(p.asin);
        }
    }
    Ok(tracked)
}

/// Steps 5–7: watches, days of monitoring in seconds, the alerts, then what history says.
async fn simulate(
    tour: &mut Tour<'_, '_>,
    catalog: &CatalogService,
    clock: &ManualClock,
    tracked: &[Asin],
    days: u32,
) -> Result<()> {
    tour.step(
        5,
        "Watch them: 8% under today's price, the lowest in 30 days, back in stock",
        "mandi watch add <ASIN> --drop 8% --lowest 30d --in-stock",
    )?;
    let watches = WatchService::new(catalog.clone());
    let user = watches
        .user(ExternalIdentity::new("cli", "demo"), None)
        .await
        .map_err(super::watch::watch_error)?;
    for asin in tracked {
        let spec = WatchSpec {
            rules: vec![
                AlertRule::DropFromBaseline { bps: 800 },
                AlertRule::LowestInDays { days: 30 },
                AlertRule::BackInStock,
            ],
            ..WatchSpec::default()
        };
        let added = watches
            .add(&user, ProductRef::new(*asin, Marketplace::India), spec)
            .await
            .map_err(super::watch::watch_error)?;
        tour.lines([format!(
            "watch {}: {}  now {}",
            added.watch.id,
            render::truncate(&added.product.title, 60),
            render::price(added.product.price())
        )])?;
    }

    tour.step(
        6,
        &format!("{days} days of monitoring, simulated in seconds: at most 1 call a second, up to ten products a call"),
        "mandi monitor",
    )?;
    let began = std::time::Instant::now();
    let sleeper = Arc::new(ManualSleeper::new(clock.clone()));
    let settings = MonitoringSettings {
        dispatch_every: Duration::hours(1),
        resync_every: Duration::hours(1),
        ..MonitoringSettings::default()
    };
    let notifiers: Vec<Arc<dyn mandi_core::Notifier>> =
        vec![Arc::new(TerminalNotifier::new(std::io::sink()))];
    let mut service =
        MonitoringService::new(catalog, notifiers, sleeper, settings, None).map_err(|e| {
            Error::Setup {
                what: "monitoring",
                message: e.to_string(),
            }
        })?;
    let start = clock.now();
    let until = start + Duration::days(i64::from(days));
    // On a terminal, one line redrawn in place shows the simulated days going by; piped
    // output gets only the summary below.
    let live = tour.live;
    let mut shown_day = -1;
    service
        .run_until(until, |p| {
            let day = (p.at - start).num_days();
            if live && day != shown_day {
                shown_day = day;
                eprint!(
                    "\r\x1b[2K   day {}/{days} · {} calls · {} alerts sent",
                    (day + 1).min(i64::from(days)),
                    p.stats.calls,
                    p.alerts_sent
                );
                let _ = std::io::Write::flush(&mut std::io::stderr());
            }
        })
        .await?;
    if live {
        eprint!("\r\x1b[2K");
        let _ = std::io::Write::flush(&mut std::io::stderr());
    }
    let p = service.progress();
    tour.lines([format!(
        "{} calls carrying {:.1} products each over {days} simulated days in {:.1} s; now {}",
        p.stats.calls,
        p.stats.asins_per_call(),
        began.elapsed().as_secs_f64(),
        render::ist(clock.now())
    )])?;
    let alerts = watches
        .alerts(&user, 1_000, 0)
        .await
        .map_err(super::watch::watch_error)?;
    tour.lines([format!(
        "{} alerts fired and were delivered ({} sent); the first ones:",
        alerts.len(),
        p.alerts_sent
    )])?;
    let rows: Vec<Vec<String>> = alerts
        .iter()
        .rev()
        .take(12)
        .map(|a| {
            vec![
                render::ist(a.triggered_at),
                a.asin.to_string(),
                render::price(a.price),
                render::truncate(&a.message, 70),
            ]
        })
        .collect();
    tour.lines(table(&["WHEN", "ASIN", "PRICE", "ALERT"], &rows))?;
    tour.lines([
        "$ mandi alerts".to_owned(),
        String::new(),
        format!("What the {days} days did to the prices ($ mandi history <ASIN>):"),
    ])?;

    let mut reports: Vec<HistoryReport> = Vec::new();
    for asin in tracked {
        reports.push(catalog.history(Marketplace::India, *asin, false).await?);
    }
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            let low = r
                .summary
                .window(Some(30))
                .and_then(|w| w.lowest)
                .map_or_else(|| "unknown".to_owned(), |d| d.price.display_short());
            vec![
                r.asin.to_string(),
                render::price(r.summary.current.map(|c| c.price)),
                low,
                mandi_core::analytics::sparkline(&r.points, r.as_of, days, 28),
                r.score.as_ref().map_or_else(String::new, |s| {
                    format!("{} {}", s.score, render::verdict(s.verdict))
                }),
            ]
        })
        .collect();
    tour.lines(table(
        &[
            "ASIN",
            "NOW",
            "30-DAY LOW",
            "PRICE OVER THE WEEKS",
            "DEAL SCORE",
        ],
        &rows,
    ))?;

    // The most telling product: a fake sale if there is one, else the best score.
    let pick = reports
        .iter()
        .find(|r| {
            r.score
                .as_ref()
                .is_some_and(|s| s.verdict == mandi_core::DealVerdict::FakeSale)
        })
        .or_else(|| {
            reports
                .iter()
                .max_by_key(|r| r.score.as_ref().map_or(0, |s| s.score))
        });
    if let Some(r) = pick {
        tour.step(
            7,
            "Is it a real deal? The score explained, and the price patterns",
            &format!("mandi insights {}", r.asin),
        )?;
        tour.lines(render::history_summary(r))?;
        tour.lines(render::insights(r))?;
        let options = ChartOptions {
            days,
            title: r.product.as_ref().map(|p| p.title.clone()),
            ..ChartOptions::default()
        };
        if let Ok(png) = render_price_chart(&r.points, r.as_of, &options) {
            let path = std::env::temp_dir().join(format!("mandi-demo-{}.png", r.asin));
            match std::fs::write(&path, png) {
                Ok(()) => tour.lines([format!(
                    "chart: {}  ($ mandi chart {})",
                    path.display(),
                    r.asin
                )])?,
                Err(e) => tracing::warn!(error = %e, "could not write the demo chart"),
            }
        }
    }
    Ok(())
}
