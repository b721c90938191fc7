//! The data-quality guard between observations and alerts (issue 19): a suspect observation
//! is held in quarantine and read again at once — by the alert step itself, or by the
//! monitor loop at interactive priority — and only a confirming second read lets it fire.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::alerts::AlertStep;
use mandi_core::monitor::quota::{Grant, Permit, Priority, QuotaConfig, QuotaError, QuotaSnapshot};
use mandi_core::monitor::{
    BreakerConfig, CircuitBreaker, HintBoard, ManualSleeper, MonitorLoop, Planner, PlannerConfig,
    Quota, Sleeper,
};
use mandi_core::quality::SuspectReason;
use mandi_core::store::MemoryStore;
use mandi_core::{
    AccountQuota, AlertRule, Asin, Availability, BrowseNode, BrowseNodesRequest, Clock, Currency,
    ExternalIdentity, HistoryQuery, ItemsBatch, ItemsRequest, ManualClock, Marketplace, Money,
    NewUser, NewWatch, Offer, Product, ProductSource, QuarantineStatus, SearchPage, SearchRequest,
    SourceError, Store, UserSettings, VariationFamily, VariationsRequest, WatchTarget,
};

const IN: Marketplace = Marketplace::India;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

fn asin() -> Asin {
    "B0CX59H5W7".parse().unwrap()
}

fn rupees(r: i64) -> Money {
    Money::from_major(r, Currency::INR)
}

/// Answers each call for the product with the next scripted price (the last one repeats),
/// counting calls.
struct Scripted {
    clock: ManualClock,
    prices: Mutex<VecDeque<i64>>,
    last: Mutex<i64>,
    calls: Mutex<u32>,
}

impl Scripted {
    fn new(clock: ManualClock, first: i64) -> Self {
        Self {
            clock,
            prices: Mutex::new(VecDeque::new()),
            last: Mutex::new(first),
            calls: Mutex::new(0),
        }
    }

    /// The next answers, in order.
    fn then(&self, prices: &[i64]) {
        self.prices.lock().unwrap().extend(prices);
    }

    fn calls(&self) -> u32 {
        *self.calls.lock().unwrap()
    }
}

#[async_trait]
impl ProductSource for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        *self.calls.lock().unwrap() += 1;
        let price = match self.prices.lock().unwrap().pop_front() {
            Some(p) => {
                *self.last.lock().unwrap() = p;
                p
            }
            None => *self.last.lock().unwrap(),
        };
        let items = request
            .asins
            .iter()
            .map(|a| {
                let mut p = Product::new(
                    *a,
                    IN,
                    "ASUS Vivobook 15 Intel Core i5 16GB 512GB",
                    self.clock.now(),
                );
                p.offers
                    .push(Offer::new(Some(rupees(price)), Availability::InStock));
                p
            })
            .collect();
        Ok(ItemsBatch {
            items,
            ..ItemsBatch::default()
        })
    }

    async fn search_items(&self, _: &SearchRequest) -> Result<SearchPage, SourceError> {
        Err(SourceError::invalid("no search"))
    }

    async fn get_variations(&self, _: &VariationsRequest) -> Result<VariationFamily, SourceError> {
        Err(SourceError::invalid("no variations"))
    }

    async fn get_browse_nodes(
        &self,
        _: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        Err(SourceError::invalid("no browse nodes"))
    }
}

/// A store with one user watching the product for a price at or below ₹40,000.
async fn watched_store(clock: &ManualClock) -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    let user = store
        .upsert_user(
            &NewUser {
                identity: ExternalIdentity::new("test", "guard"),
                display_name: None,
                settings: UserSettings::default(),
            },
            clock.now(),
        )
        .await
        .unwrap();
    store
        .create_watch(
            &NewWatch {
                user_id: user.id,
                target: WatchTarget::Product {
                    marketplace: IN,
                    asin: asin(),
                },
                rules: vec![AlertRule::TargetPrice {
                    at_or_below: rupees(40_000),
                }],
                baseline_price: None,
                label: None,
            },
            clock.now(),
        )
        .await
        .unwrap();
    store
}

/// A week of calm history: the product read eight times, eight hours apart, from the start.
async fn calm_week(step: &AlertStep, clock: &ManualClock) {
    for h in 0..8 {
        clock.set(start() + Duration::hours(h * 8));
        step.refresh(IN, &[asin()]).await.unwrap();
    }
}

async fn alerts(store: &MemoryStore) -> Vec<mandi_core::Alert> {
    let user = store
        .find_user(&ExternalIdentity::new("test", "guard"))
        .await
        .unwrap()
        .unwrap();
    store.alert_history(user.id, 100, 0).await.unwrap()
}

#[tokio::test]
async fn a_glitch_is_rejected_by_the_second_read_and_fires_nothing() {
    let clock = ManualClock::new(start());
    let store = watched_store(&clock).await;
    let source = Arc::new(Scripted::new(clock.clone(), 54_999));
    let step = AlertStep::new(source.clone(), store.clone(), Arc::new(clock.clone()));
    calm_week(&step, &clock).await;
    assert_eq!(source.calls(), 8);
    // A glitch (a hundredth of the price) answered once; the second read is true.
    source.then(&[549, 54_999]);
    clock.set(start() + Duration::hours(64));
    let report = step.refresh(IN, &[asin()]).await.unwrap();
    assert_eq!(
        (report.quarantined, report.rejected, report.confirmed),
        (1, 1, 0)
    );
    assert_eq!(report.confirm_calls, 1, "read again at once");
    assert_eq!(source.calls(), 10);
    assert_eq!(report.alerts_created, 0);
    assert!(alerts(&store).await.is_empty(), "no ₹549 laptop alert");
    let held = store.quarantined(IN, &[asin()], false).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].status, QuarantineStatus::Rejected);
    assert_eq!(held[0].reason, SuspectReason::OutsideRobustRange);
    let history = store
        .price_history(&HistoryQuery::buy_box(IN, asin()))
        .await
        .unwrap();
    assert!(history.iter().all(|p| p.price == Some(rupees(54_999))));
    assert_eq!(
        history.len(),
        9,
        "the second read is recorded, the glitch is not"
    );
}

#[tokio::test]
async fn a_real_drop_held_as_suspect_fires_once_from_the_confirming_read() {
    let clock = ManualClock::new(start());
    let store = watched_store(&clock).await;
    let source = Arc::new(Scripted::new(clock.clone(), 54_999));
    let step = AlertStep::new(source.clone(), store.clone(), Arc::new(clock.clone()));
    calm_week(&step, &clock).await;
    // A real clearance at ₹9,999: far outside the range, so held; the second read agrees.
    source.then(&[9_999]);
    let at = start() + Duration::hours(64);
    clock.set(at);
    let report = step.refresh(IN, &[asin()]).await.unwrap();
    assert_eq!(
        (report.quarantined, report.confirmed, report.rejected),
        (1, 1, 0)
    );
    assert_eq!(report.alerts_created, 1);
    let fired = alerts(&store).await;
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].price, Some(rupees(9_999)));
    assert_eq!(fired[0].previous_price, Some(rupees(54_999)));
    assert_eq!(fired[0].triggered_at, at, "no refresh of delay");
    // The next refresh at the same price is ordinary: nothing held, nothing fired again.
    clock.set(at + Duration::hours(8));
    let report = step.refresh(IN, &[asin()]).await.unwrap();
    assert_eq!(
        (report.quarantined, report.alerts_created),
        (0, 0),
        "{report:?}"
    );
    assert_eq!(alerts(&store).await.len(), 1);
}

/// Records the priority of every permit asked for, delegating to a real quota.
#[derive(Debug)]
struct RecordingQuota {
    inner: Quota,
    asked: Mutex<Vec<Priority>>,
}

#[async_trait]
impl AccountQuota for RecordingQuota {
    fn name(&self) -> &str {
        "recording"
    }
    fn config(&self) -> &QuotaConfig {
        self.inner.config()
    }
    async fn try_acquire(&self, p: Priority) -> Result<Grant, QuotaError> {
        AccountQuota::try_acquire(&self.inner, p).await
    }
    async fn next_ready_at(&self, p: Priority) -> Result<Option<DateTime<Utc>>, QuotaError> {
        AccountQuota::next_ready_at(&self.inner, p).await
    }
    async fn acquire(&self, p: Priority, s: &dyn Sleeper) -> Result<Permit, QuotaError> {
        self.asked.lock().unwrap().push(p);
        AccountQuota::acquire(&self.inner, p, s).await
    }
    async fn record(
        &self,
        outcome: Result<(), &SourceError>,
    ) -> Result<Option<DateTime<Utc>>, QuotaError> {
        AccountQuota::record(&self.inner, outcome).await
    }
    async fn pause_until(&self, at: DateTime<Utc>) -> Result<(), QuotaError> {
        AccountQuota::pause_until(&self.inner, at).await
    }
    async fn set_used_today(&self, used: u32) -> Result<(), QuotaError> {
        AccountQuota::set_used_today(&self.inner, used).await
    }
    async fn snapshot(&self) -> Result<QuotaSnapshot, QuotaError> {
        AccountQuota::snapshot(&self.inner).await
    }
}

#[tokio::test]
async fn the_monitor_reads_a_suspect_product_again_at_once_with_interactive_priority() {
    let clock = ManualClock::new(start());
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let store = watched_store(&clock).await;
    let source = Arc::new(Scripted::new(clock.clone(), 54_999));
    let board = Arc::new(HintBoard::new());
    let step = Arc::new(
        AlertStep::new(source.clone(), store.clone(), shared.clone()).with_hints(board.clone()),
    );
    let quota = Arc::new(RecordingQuota {
        inner: Quota::new(QuotaConfig::rate_only(1.0), shared.clone(), 7).unwrap(),
        asked: Mutex::new(Vec::new()),
    });
    let planner = Planner::new(PlannerConfig {
        base_interval: Duration::hours(8),
        min_interval: Duration::hours(8),
        max_interval: Duration::hours(8),
        ..PlannerConfig::default()
    });
    let mut monitor = MonitorLoop::new(
        planner,
        source.clone(),
        quota.clone(),
        Arc::new(CircuitBreaker::new(
            "scripted",
            BreakerConfig::default(),
            shared.clone(),
        )),
        shared.clone(),
        Arc::new(ManualSleeper::new(clock.clone())),
        step,
    )
    .with_hints(board)
    .with_store(store.clone());
    monitor.sync_watched().await.unwrap();
    for _ in 0..8 {
        monitor.step().await;
    }
    assert_eq!(source.calls(), 8);
    assert!(
        quota
            .asked
            .lock()
            .unwrap()
            .iter()
            .all(|p| *p == Priority::WatchesDue)
    );
    // The ninth read glitches (₹1); the second read comes right after, at interactive
    // priority, and is true.
    source.then(&[1, 54_999]);
    let before = clock.now();
    monitor.step().await;
    let glitch_at = clock.now();
    assert!(glitch_at >= before);
    assert_eq!(
        source.calls(),
        10,
        "the second read was made in the same step"
    );
    let asked = quota.asked.lock().unwrap().clone();
    assert_eq!(
        &asked[asked.len() - 2..],
        &[Priority::WatchesDue, Priority::Interactive]
    );
    assert_eq!(monitor.stats().confirm_calls, 1);
    let held = store.quarantined(IN, &[asin()], false).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].status, QuarantineStatus::Rejected);
    assert!(alerts(&store).await.is_empty(), "no ₹1 laptop alert");
}

/// A laptop listing in the Laptops node, with a rating.
fn laptop(asin: &str, title: &str, rating_centi: u16, count: u32, at: DateTime<Utc>) -> Product {
    let mut p = Product::new(asin.parse().unwrap(), IN, title, at);
    p.brand = Some("ASUS".into());
    p.browse_nodes = vec![BrowseNode {
        id: "1375424031".into(),
        name: "Laptops".into(),
        context_free_name: None,
        is_root: false,
        ancestors: vec![mandi_core::BrowseNodeRef {
            id: "976392031".into(),
            name: "Computers & Accessories".into(),
        }],
        children: Vec::new(),
        sales_rank: None,
    }];
    p.reviews = Some(mandi_core::Reviews {
        rating_centi,
        count,
    });
    p.offers
        .push(Offer::new(Some(rupees(54_999)), Availability::InStock));
    p
}

#[tokio::test]
async fn the_quality_report_shows_rejected_glitches_duplicates_and_review_cautions() {
    use mandi_core::catalog::CatalogService;
    use mandi_core::quality::report::{MissingField, QualityService, ReviewCaution};
    let clock = ManualClock::new(start());
    let store = watched_store(&clock).await;
    let source = Arc::new(Scripted::new(clock.clone(), 54_999));
    let step = AlertStep::new(source.clone(), store.clone(), Arc::new(clock.clone()));
    calm_week(&step, &clock).await;
    source.then(&[549, 54_999]);
    clock.set(start() + Duration::hours(64));
    step.refresh(IN, &[asin()]).await.unwrap();
    // The listing as saved later (category, brand, a rating from a handful of buyers), a
    // relisting of it under another ASIN with a spammy title, and its category's peers.
    let at = start() + Duration::hours(70);
    let title =
        "ASUS Vivobook 15, Intel Core i5-1235U, 16GB RAM, 512GB SSD, 15.6 inch (Quiet Blue)";
    let mut watched = laptop(asin().as_str(), title, 490, 9, at);
    watched.title = format!("ASUS  {title} | Best Gift for Men Women Boys Girls");
    store.upsert_product(&watched).await.unwrap();
    store
        .upsert_product(&laptop("B0TWIN0001", title, 410, 2_000, at))
        .await
        .unwrap();
    for (i, rating) in [400_u16, 410, 395, 420].into_iter().enumerate() {
        let other = format!("HP Laptop 15s, Intel Core i3, 8GB RAM, 512GB SSD, model {i}");
        store
            .upsert_product(&laptop(&format!("B0PEER000{i}"), &other, rating, 900, at))
            .await
            .unwrap();
    }
    let catalog = CatalogService::new(source, store.clone(), Arc::new(clock.clone()));
    let report = QualityService::new(catalog).report(IN, &[]).await.unwrap();
    assert_eq!(report.products.len(), 1, "the watched product");
    assert_eq!(report.peers_compared, 5);
    let p = &report.products[0];
    assert_eq!(p.asin, asin());
    assert_eq!(p.rejected_observations, 1, "the ₹549 glitch");
    assert_eq!(p.pending_observations, 0);
    assert_eq!(p.cleaned.title, title);
    assert_eq!(p.duplicates, vec!["B0TWIN0001".parse::<Asin>().unwrap()]);
    assert_eq!(
        p.cautions,
        vec![ReviewCaution::HighRatingFewRatings {
            rating_centi: 490,
            count: 9,
            // The median of 4.00, 4.10, 3.95, 4.20 and the relisting's 4.10.
            category_median_centi: 410,
        }]
    );
    assert_eq!(p.missing, vec![MissingField::Image, MissingField::Features]);
    // 100 - 2 gaps - 3 kinds of title fix (whitespace, brand, spam) - duplicates - caution.
    assert_eq!(p.score, 100 - 20 - 15 - 10 - 10);
}
