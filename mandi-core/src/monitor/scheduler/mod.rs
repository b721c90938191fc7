//! Refresh planning at the quota limit, and the async driver that carries plans out.
//!
//! # The planner
//!
//! [`Planner`] keeps one entry per watched product — one refresh per ASIN however many users
//! watch it — and a queue ordered by when each is due (earliest deadline first). Each
//! product's wanted interval ([`Planner::wanted_interval`]) starts from `base_interval` and
//! shortens when the product's price moves often (volatility learnt from the refreshes), when
//! its price is close to someone's target ([`RefreshHint::target_gap_bps`], from the rule
//! engine) and while a lightning deal runs; it stays within `min_interval..=max_interval`.
//!
//! [`Planner::plan`] answers "given now, which batch goes next and when": the most overdue
//! product sets the time, and the batch is filled — up to [`MAX_ITEMS_PER_CALL`](crate::ports::source::MAX_ITEMS_PER_CALL) ASINs of one
//! marketplace — with the next most overdue ones and, when fewer are due, with products due
//! soon (within `pull_ahead_percent` of their interval), so calls go out full. When the quota
//! cannot keep up with the wanted intervals, everything is overdue and the queue turns
//! round-robin: with N products at R calls per second each is refreshed every N / (10 R)
//! seconds, the physical limit ([`Planner::quota_floor`]).
//!
//! # The driver
//!
//! [`MonitorLoop`] takes the next plan, waits for its time and for a permit of class
//! [`Priority::WatchesDue`](crate::monitor::Priority::WatchesDue), asks the breaker, calls the [`ProductSource`](crate::ProductSource) and hands what came
//! back to a [`BatchSink`] (the alert step, [`crate::alerts::AlertStep`], that saves prices and evaluates alerts). Fresh
//! copies go into the [`Cache`](crate::cache::Cache) (a fresher fetch replaces the held copy; an ASIN the source
//! no longer knows is invalidated). While the breaker is open it answers from the fallback
//! scraper when one is configured (data marked [`DataOrigin::Scraped`](crate::DataOrigin::Scraped)) and otherwise from the
//! cache (marked [`DataOrigin::Cached`](crate::DataOrigin::Cached)), flagging the batch as stale.
//!
//! The two halves live in `scheduler/planner.rs` and `scheduler/driver.rs`; everything is
//! re-exported here.

mod driver;
mod planner;

pub use driver::{
    BatchSink, Fallback, FetchedBatch, MonitorLoop, MonitorStats, SinkError, StepOutcome,
    WARM_LIMIT,
};
pub use planner::{
    HintBoard, PlannedBatch, Planner, PlannerConfig, PlannerStats, ProductKey, RefreshHint,
    UNREADABLE_ISOLATION,
};

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use std::sync::{Arc, Mutex};

    use async_trait::async_trait;
    use chrono::{DateTime, TimeDelta, TimeZone, Utc};

    use super::*;
    use crate::cache::MemoryCache;
    use crate::domain::{Asin, DataOrigin, Marketplace, Money, Product};
    use crate::monitor::breaker::{BreakerConfig, BreakerState, CircuitBreaker};
    use crate::monitor::fake::{FakeSource, numbered_asins};
    use crate::monitor::quota::{Quota, QuotaConfig};
    use crate::monitor::{Jitter, ManualSleeper};
    use crate::ports::clock::{Clock, ManualClock};
    use crate::ports::source::SourceError;
    use crate::ports::store::{Store, WatchedProduct};
    use crate::store::MemoryStore;

    const IN: Marketplace = Marketplace::India;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap()
    }

    fn watched(asins: &[Asin], watchers: u32) -> Vec<WatchedProduct> {
        asins
            .iter()
            .map(|a| WatchedProduct {
                marketplace: IN,
                asin: *a,
                watchers,
            })
            .collect()
    }

    fn fetched(asin: Asin, at: DateTime<Utc>, price: i64) -> Product {
        let mut p = Product::new(asin, IN, "p", at);
        p.offers.push(crate::domain::Offer::new(
            Some(Money::from_minor(price, crate::domain::Currency::INR)),
            crate::domain::Availability::InStock,
        ));
        p
    }

    #[test]
    fn batches_are_packed_ten_asins_per_call_most_overdue_first() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 25);
        planner.sync(&watched(&asins, 3), start());
        let mut seen = Vec::new();
        for expected in [10, 10, 5] {
            let plan = planner.plan(start()).unwrap();
            assert_eq!(plan.send_at, start());
            assert_eq!(plan.asins.len(), expected);
            for a in &plan.asins {
                planner.refreshed(&fetched(*a, start(), 100));
                seen.push(*a);
            }
        }
        assert_eq!(seen, asins, "each ASIN once, in the order they became due");
        let next = planner.plan(start()).unwrap();
        assert_eq!(next.send_at, start() + TimeDelta::hours(2));
    }

    #[test]
    fn one_refresh_per_asin_however_many_watch_it() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 3);
        planner.sync(&watched(&asins, 500), start());
        assert_eq!(planner.len(), 3);
        assert_eq!(planner.plan(start()).unwrap().asins, asins);
    }

    #[test]
    fn a_batch_is_one_marketplace() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 4);
        let mut w = watched(&asins[..2], 1);
        w.extend(asins[2..].iter().map(|a| WatchedProduct {
            marketplace: Marketplace::UnitedStates,
            asin: *a,
            watchers: 1,
        }));
        planner.sync(&w, start());
        let plan = planner.plan(start()).unwrap();
        assert_eq!(plan.marketplace, IN);
        assert_eq!(plan.asins, asins[..2]);
    }

    #[test]
    fn sync_drops_products_nobody_watches_and_keeps_the_rest() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 3);
        planner.sync(&watched(&asins, 1), start());
        planner.refreshed(&fetched(asins[0], start(), 100));
        planner.sync(&watched(&asins[..1], 2), start() + TimeDelta::minutes(1));
        assert_eq!(planner.len(), 1);
        assert_eq!(
            planner.last_refreshed(ProductKey::new(IN, asins[0])),
            Some(start())
        );
    }

    #[test]
    fn interval_shortens_near_a_target_during_deals_and_for_volatile_prices() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 4);
        planner.sync(&watched(&asins, 1), start());
        let key = |i: usize| ProductKey::new(IN, asins[i]);
        let base = TimeDelta::hours(2);
        assert_eq!(planner.wanted_interval(key(0), start()), base);
        planner.set_hint(
            key(1),
            RefreshHint {
                target_gap_bps: Some(300),
                deal_ends_at: None,
            },
            start(),
        );
        assert_eq!(planner.wanted_interval(key(1), start()), base / 4);
        planner.set_hint(
            key(1),
            RefreshHint {
                target_gap_bps: Some(800),
                deal_ends_at: None,
            },
            start(),
        );
        assert_eq!(planner.wanted_interval(key(1), start()), base / 2);
        let ends = start() + TimeDelta::hours(1);
        planner.set_hint(
            key(2),
            RefreshHint {
                target_gap_bps: None,
                deal_ends_at: Some(ends),
            },
            start(),
        );
        assert_eq!(
            planner.wanted_interval(key(2), start()),
            TimeDelta::minutes(5)
        );
        assert_eq!(planner.wanted_interval(key(2), ends), base, "deal over");
        // A price that moves on every refresh.
        for i in 0..6 {
            planner.refreshed(&fetched(asins[3], start() + TimeDelta::hours(i), 100 + i));
        }
        assert_eq!(planner.wanted_interval(key(3), start()), base / 4);
        // A price that never moves relaxes to twice the base.
        for i in 0..12 {
            planner.refreshed(&fetched(asins[0], start() + TimeDelta::hours(i), 100));
        }
        assert_eq!(planner.wanted_interval(key(0), start()), base * 2);
    }

    #[test]
    fn a_batch_is_filled_with_products_due_soon() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 10);
        planner.sync(&watched(&asins, 1), start());
        // Refresh them a minute apart: all due within 9 minutes of each other.
        for (i, a) in asins.iter().enumerate() {
            planner.refreshed(&fetched(*a, start() + TimeDelta::minutes(i as i64), 100));
        }
        let plan = planner.plan(start() + TimeDelta::hours(2)).unwrap();
        assert_eq!(plan.asins.len(), 10, "9 pulled ahead of their time");
        assert_eq!(plan.send_at, start() + TimeDelta::hours(2));
    }

    #[test]
    fn failures_back_off_and_unknown_products_wait_the_longest() {
        let mut planner = Planner::new(PlannerConfig::default());
        let asins = numbered_asins(1, 2);
        planner.sync(&watched(&asins, 1), start());
        let jitter = Jitter::new(1);
        let k0 = ProductKey::new(IN, asins[0]);
        let mut last = start();
        for i in 0..3 {
            planner.failed(k0, start(), &jitter);
            let due = planner.due_at(k0).unwrap();
            let step = TimeDelta::seconds(30 << i);
            assert!(due >= start() + step / 2 && due <= start() + step, "{due}");
            last = due;
        }
        assert!(last > start());
        let k1 = ProductKey::new(IN, asins[1]);
        planner.gone(k1, start());
        assert_eq!(planner.due_at(k1).unwrap(), start() + TimeDelta::hours(24));
    }

    #[test]
    fn quota_floor_is_n_over_ten_seconds_at_one_call_per_second() {
        let mut planner = Planner::new(PlannerConfig::as_fresh_as_possible());
        let asins = numbered_asins(1, 1_000);
        planner.sync(&watched(&asins, 1), start());
        assert_eq!(planner.quota_floor(1.0), TimeDelta::seconds(100));
        let key = ProductKey::new(IN, asins[0]);
        assert_eq!(planner.wanted_interval(key, start()), TimeDelta::seconds(1));
        assert_eq!(
            planner.effective_interval(key, start(), 1.0),
            TimeDelta::seconds(100)
        );
    }

    #[derive(Debug, Default)]
    struct RecordingSink {
        batches: Mutex<Vec<FetchedBatch>>,
        fail_next: Mutex<u32>,
    }

    #[async_trait]
    impl BatchSink for RecordingSink {
        async fn handle(&self, batch: &FetchedBatch) -> Result<(), SinkError> {
            let mut fail = self.fail_next.lock().unwrap();
            if *fail > 0 {
                *fail -= 1;
                return Err(SinkError::Failed {
                    message: "database locked".into(),
                    source: None,
                });
            }
            self.batches.lock().unwrap().push(batch.clone());
            Ok(())
        }
    }

    struct Rig {
        clock: ManualClock,
        source: Arc<FakeSource>,
        sink: Arc<RecordingSink>,
        monitor: MonitorLoop,
    }

    fn rig(products: u32, fault_percent: u8, quota: QuotaConfig, breaker: BreakerConfig) -> Rig {
        let clock = ManualClock::new(start());
        let shared: Arc<dyn Clock> = Arc::new(clock.clone());
        let source = Arc::new(FakeSource::new(shared.clone(), fault_percent, 42));
        let asins = numbered_asins(1, products);
        for (i, a) in asins.iter().enumerate() {
            source.add(IN, *a, 10_000 + i as i64, i % 3 == 0);
        }
        let mut planner = Planner::new(PlannerConfig::as_fresh_as_possible());
        planner.sync(&watched(&asins, 1), start());
        let sink = Arc::new(RecordingSink::default());
        let monitor = MonitorLoop::new(
            planner,
            source.clone(),
            Arc::new(Quota::new(quota, shared.clone(), 7).unwrap()),
            Arc::new(CircuitBreaker::new("fake", breaker, shared.clone())),
            shared,
            Arc::new(ManualSleeper::new(clock.clone())),
            sink.clone(),
        );
        Rig {
            clock,
            source,
            sink,
            monitor,
        }
    }

    #[tokio::test]
    async fn driver_refreshes_every_product_at_the_quota_limit_with_full_calls() {
        let mut r = rig(
            1_000,
            0,
            QuotaConfig::rate_only(1.0),
            BreakerConfig::default(),
        );
        r.monitor
            .run_until(start() + TimeDelta::seconds(300), TimeDelta::hours(1))
            .await;
        let stats = r.monitor.stats();
        assert!(stats.asins_per_call() >= 9.9, "{stats:?}");
        assert!((299..=301).contains(&stats.calls), "{stats:?}");
        assert_eq!(r.source.calls(), stats.calls);
        let pstats = r.monitor.planner().stats(r.clock.now());
        assert_eq!(pstats.never_refreshed, 0);
        // 1,000 products at 1 call/s in calls of 10: every product within 100 s.
        assert!(
            pstats.oldest_age.unwrap() <= TimeDelta::seconds(101),
            "{pstats:?}"
        );
        let batches = r.sink.batches.lock().unwrap();
        assert!(
            batches
                .iter()
                .all(|b| !b.stale && b.origin == DataOrigin::Api)
        );
    }

    #[tokio::test]
    async fn open_breaker_answers_from_cache_marked_stale_then_recovers() {
        let mut r = rig(
            20,
            0,
            QuotaConfig::rate_only(1.0),
            BreakerConfig {
                failure_threshold: 1,
                cool_down: std::time::Duration::from_secs(60),
                ..BreakerConfig::default()
            },
        );
        let cache = Arc::new(MemoryCache::new(
            100,
            TimeDelta::hours(1),
            Arc::new(r.clock.clone()),
        ));
        r.monitor = r.monitor.with_cache(cache.clone());
        // Two good calls fill the cache.
        for _ in 0..2 {
            assert!(matches!(
                r.monitor.step().await,
                StepOutcome::Fetched { refreshed: 10, .. }
            ));
        }
        assert_eq!(cache.len(), 20);
        r.monitor.breaker().record(Err(&SourceError::Server {
            source_name: "fake".into(),
            status: 503,
            message: "down".into(),
        }));
        assert!(matches!(
            r.monitor.breaker().state(),
            BreakerState::Open { .. }
        ));
        let calls_before = r.source.calls();
        let outcome = r.monitor.step().await;
        let StepOutcome::ServedStale {
            cached,
            scraped: 0,
            retry_at,
        } = outcome
        else {
            panic!("expected stale service, got {outcome:?}");
        };
        assert_eq!(cached, 10);
        assert_eq!(r.source.calls(), calls_before, "no call while open");
        {
            let batches = r.sink.batches.lock().unwrap();
            let last = batches.last().unwrap();
            assert!(last.stale);
            assert_eq!(last.origin, DataOrigin::Cached);
            assert!(last.products.iter().all(|p| p.origin == DataOrigin::Cached));
        }
        // After the cool-down a probe goes through and the source is used again.
        r.monitor
            .run_until(retry_at + TimeDelta::seconds(5), TimeDelta::hours(1))
            .await;
        assert!(r.source.calls() > calls_before);
        assert_eq!(r.monitor.breaker().state(), BreakerState::Closed);
    }

    #[tokio::test]
    async fn open_breaker_uses_the_fallback_and_marks_data_scraped() {
        let mut r = rig(
            10,
            0,
            QuotaConfig::rate_only(1.0),
            BreakerConfig {
                failure_threshold: 1,
                ..BreakerConfig::default()
            },
        );
        let shared: Arc<dyn Clock> = Arc::new(r.clock.clone());
        let scraper = Arc::new(FakeSource::new(shared.clone(), 0, 9));
        for a in numbered_asins(1, 10) {
            scraper.add(IN, a, 5_000, false);
        }
        r.monitor = r.monitor.with_fallback(Fallback {
            source: scraper.clone(),
            quota: Arc::new(Quota::new(QuotaConfig::rate_only(0.2), shared, 3).unwrap()),
            per_call: 10,
        });
        r.monitor.breaker().record(Err(&SourceError::Timeout {
            source_name: "fake".into(),
            phase: "read".into(),
        }));
        let outcome = r.monitor.step().await;
        assert!(
            matches!(
                outcome,
                StepOutcome::ServedStale {
                    scraped: 10,
                    cached: 0,
                    ..
                }
            ),
            "{outcome:?}"
        );
        assert_eq!(r.source.calls(), 0);
        assert_eq!(scraper.calls(), 1);
        let batches = r.sink.batches.lock().unwrap();
        let last = batches.last().unwrap();
        assert!(last.stale);
        assert_eq!(last.origin, DataOrigin::Scraped);
        assert!(
            last.products
                .iter()
                .all(|p| p.origin == DataOrigin::Scraped)
        );
        assert_eq!(r.monitor.stats().scraped, 10);
    }

    #[tokio::test]
    async fn warming_loads_the_most_watched_due_products_into_memory() {
        use crate::cache::{StoreCache, TieredCache};
        let mut r = rig(30, 0, QuotaConfig::rate_only(1.0), BreakerConfig::default());
        let store = Arc::new(MemoryStore::new());
        let asins = numbered_asins(1, 30);
        for a in &asins {
            store
                .upsert_product(&fetched(*a, start(), 100))
                .await
                .unwrap();
        }
        let clock: Arc<dyn Clock> = Arc::new(r.clock.clone());
        let tiered = Arc::new(TieredCache::new(
            MemoryCache::new(100, TimeDelta::hours(1), clock.clone()),
            StoreCache::new(store, TimeDelta::days(1), clock),
        ));
        r.monitor = r.monitor.with_cache(tiered.clone());
        assert_eq!(r.monitor.warm_cache(TimeDelta::minutes(5), 12).await, 12);
        assert_eq!(tiered.l1().len(), 12);
    }

    #[tokio::test]
    async fn the_fallback_reads_at_most_its_share_per_call() {
        let mut r = rig(
            10,
            0,
            QuotaConfig::rate_only(1.0),
            BreakerConfig {
                failure_threshold: 1,
                ..BreakerConfig::default()
            },
        );
        let shared: Arc<dyn Clock> = Arc::new(r.clock.clone());
        let scraper = Arc::new(FakeSource::new(shared.clone(), 0, 9));
        for a in numbered_asins(1, 10) {
            scraper.add(IN, a, 5_000, false);
        }
        r.monitor = r.monitor.with_fallback(Fallback {
            source: scraper.clone(),
            quota: Arc::new(Quota::new(QuotaConfig::rate_only(1.0), shared, 3).unwrap()),
            per_call: 3,
        });
        r.monitor.breaker().record(Err(&SourceError::Timeout {
            source_name: "fake".into(),
            phase: "read".into(),
        }));
        let outcome = r.monitor.step().await;
        assert!(
            matches!(outcome, StepOutcome::ServedStale { scraped: 3, .. }),
            "{outcome:?}"
        );
        let batches = r.sink.batches.lock().unwrap();
        assert_eq!(batches.last().unwrap().requested.len(), 3);
        assert_eq!(r.monitor.planner().stats(r.clock.now()).never_refreshed, 7);
    }

    #[tokio::test]
    async fn an_asin_the_source_cannot_describe_is_isolated_and_the_rest_stay_fresh() {
        let mut r = rig(40, 0, QuotaConfig::rate_only(1.0), BreakerConfig::default());
        let asins = numbered_asins(1, 40);
        r.source.poison(asins[7]);
        r.monitor
            .run_until(start() + TimeDelta::minutes(10), TimeDelta::hours(1))
            .await;
        let now = r.clock.now();
        for (i, a) in asins.iter().enumerate() {
            let last = r.monitor.planner().last_refreshed(ProductKey::new(IN, *a));
            if i == 7 {
                assert_eq!(last, None);
            } else {
                assert!(
                    last.is_some_and(|t| now - t <= TimeDelta::seconds(30)),
                    "{a}: {last:?}"
                );
            }
        }
        assert_eq!(r.monitor.breaker().state(), BreakerState::Closed);
        let stats = r.monitor.stats();
        assert!(stats.failed_calls * 10 < stats.calls, "{stats:?}");
    }

    #[tokio::test]
    async fn a_refused_batch_is_fetched_again() {
        let mut r = rig(10, 0, QuotaConfig::rate_only(1.0), BreakerConfig::default());
        *r.sink.fail_next.lock().unwrap() = 1;
        assert!(matches!(r.monitor.step().await, StepOutcome::SinkFailed(_)));
        assert_eq!(r.monitor.planner().stats(r.clock.now()).never_refreshed, 10);
        r.monitor
            .run_until(start() + TimeDelta::minutes(2), TimeDelta::hours(1))
            .await;
        assert_eq!(r.monitor.planner().stats(r.clock.now()).never_refreshed, 0);
        assert_eq!(r.monitor.stats().sink_failures, 1);
    }

    #[tokio::test]
    async fn watched_products_come_from_the_store_and_calls_are_recorded() {
        use crate::domain::{AlertRule, NewUser, NewWatch, WatchTarget};
        let mut r = rig(0, 0, QuotaConfig::rate_only(1.0), BreakerConfig::default());
        let store = Arc::new(MemoryStore::new());
        let asins = numbered_asins(1, 3);
        for a in &asins {
            r.source.add(IN, *a, 1_000, false);
        }
        for user in 0..2 {
            let new_user = NewUser {
                identity: crate::domain::ExternalIdentity::new(
                    "telegram",
                    format!("{}", 1000 + user),
                ),
                display_name: None,
                settings: crate::domain::UserSettings::default(),
            };
            let u = store.upsert_user(&new_user, start()).await.unwrap();
            for a in &asins {
                let watch = NewWatch {
                    user_id: u.id,
                    target: WatchTarget::Product {
                        marketplace: IN,
                        asin: *a,
                    },
                    rules: vec![AlertRule::BackInStock],
                    baseline_price: None,
                    label: None,
                };
                store.create_watch(&watch, start()).await.unwrap();
            }
        }
        r.monitor = r.monitor.with_store(store.clone());
        assert_eq!(r.monitor.sync_watched().await.unwrap(), 3);
        assert!(matches!(
            r.monitor.step().await,
            StepOutcome::Fetched {
                requested: 3,
                refreshed: 3
            }
        ));
        let usage = store.api_usage("fake", start().date_naive()).await.unwrap();
        assert_eq!(usage.calls, 1);
        assert_eq!(usage.items, 3);
    }

    /// A source whose `get_items` says when it starts and waits for the test to let it go.
    #[derive(Debug)]
    struct GatedSource {
        inner: Arc<FakeSource>,
        started: tokio::sync::Notify,
        gate: tokio::sync::Notify,
    }

    #[async_trait]
    impl crate::ports::ProductSource for GatedSource {
        fn name(&self) -> &str {
            self.inner.name()
        }
        async fn get_items(
            &self,
            r: &crate::ports::ItemsRequest,
        ) -> Result<crate::ports::ItemsBatch, SourceError> {
            self.started.notify_one();
            self.gate.notified().await;
            self.inner.get_items(r).await
        }
        async fn search_items(
            &self,
            r: &crate::ports::SearchRequest,
        ) -> Result<crate::ports::SearchPage, SourceError> {
            self.inner.search_items(r).await
        }
        async fn get_variations(
            &self,
            r: &crate::ports::VariationsRequest,
        ) -> Result<crate::domain::VariationFamily, SourceError> {
            self.inner.get_variations(r).await
        }
        async fn get_browse_nodes(
            &self,
            r: &crate::ports::BrowseNodesRequest,
        ) -> Result<Vec<crate::domain::BrowseNode>, SourceError> {
            self.inner.get_browse_nodes(r).await
        }
    }

    /// A stop asked while a call is in flight lets the call finish and its answer reach the
    /// sink, then the loop returns without another call; a stop asked before starting makes
    /// no call at all.
    #[tokio::test]
    async fn a_stop_finishes_the_call_in_flight_then_returns() {
        let clock = ManualClock::new(start());
        let shared: Arc<dyn Clock> = Arc::new(clock.clone());
        let fake = Arc::new(FakeSource::new(shared.clone(), 0, 42));
        let asins = numbered_asins(1, 25);
        for a in &asins {
            fake.add(IN, *a, 10_000, false);
        }
        let source = Arc::new(GatedSource {
            inner: fake.clone(),
            started: tokio::sync::Notify::new(),
            gate: tokio::sync::Notify::new(),
        });
        let mut planner = Planner::new(PlannerConfig::as_fresh_as_possible());
        planner.sync(&watched(&asins, 1), start());
        let sink = Arc::new(RecordingSink::default());
        let mut monitor = MonitorLoop::new(
            planner,
            source.clone(),
            Arc::new(Quota::new(QuotaConfig::rate_only(1.0), shared.clone(), 7).unwrap()),
            Arc::new(CircuitBreaker::new(
                "fake",
                BreakerConfig::default(),
                shared.clone(),
            )),
            shared,
            Arc::new(ManualSleeper::new(clock.clone())),
            sink.clone(),
        );
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let control = async {
            source.started.notified().await;
            stop.send_replace(true);
            source.gate.notify_one();
        };
        tokio::join!(
            monitor.run_until_stopped(
                start() + TimeDelta::hours(1),
                TimeDelta::minutes(1),
                &mut stopped
            ),
            control
        );
        assert_eq!(fake.calls(), 1, "one call, finished");
        assert_eq!(
            sink.batches.lock().unwrap().len(),
            1,
            "its answer was handled"
        );
        assert!(
            clock.now() < start() + TimeDelta::hours(1),
            "returned early"
        );
        // Already stopped: nothing is sent.
        monitor
            .run_until_stopped(
                start() + TimeDelta::hours(1),
                TimeDelta::minutes(1),
                &mut stopped,
            )
            .await;
        assert_eq!(fake.calls(), 1);
    }
}
