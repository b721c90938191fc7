//! The `AccountQuota` contract: behaviour every quota adapter must show.
//!
//! Each behaviour is a `pub async fn` taking a factory that builds a fresh quota (nothing
//! spent) from a [`ManualClock`] and the settings. [`quota_contract!`](crate::quota_contract)
//! expands them into named `#[tokio::test]`s:
//!
//! ```ignore
//! mod memory {
//!     mandi_core::quota_contract!(|clock, config| mandi_core::monitor::Quota::new(
//!         config, std::sync::Arc::new(clock), 1).expect("valid settings"));
//! }
//! ```

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use crate::monitor::{Grant, ManualSleeper, Permit, Priority, QuotaConfig, QuotaError, Sleeper};
use crate::ports::clock::{Clock, ManualClock};
use crate::ports::quota::AccountQuota;
use crate::ports::source::SourceError;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
        .single()
        .expect("valid test time")
}

fn setup<Q: AccountQuota, F: Fn(ManualClock, QuotaConfig) -> Q>(
    make: F,
    config: QuotaConfig,
) -> (ManualClock, Q) {
    let clock = ManualClock::new(start());
    let quota = make(clock.clone(), config);
    (clock, quota)
}

async fn granted<Q: AccountQuota>(q: &Q, priority: Priority) -> Permit {
    match q.try_acquire(priority).await.expect("backend") {
        Grant::Now(p) => p,
        other => panic!("{} quota: expected a permit, got {other:?}", q.name()),
    }
}

/// One request per second: the next waits exactly one interval.
pub async fn one_request_per_second_then_wait<
    Q: AccountQuota,
    F: Fn(ManualClock, QuotaConfig) -> Q,
>(
    make: F,
) {
    let (clock, q) = setup(make, QuotaConfig::rate_only(1.0));
    let p = granted(&q, Priority::WatchesDue).await;
    assert_eq!((p.at, p.used_today), (start(), 1));
    assert_eq!(
        q.try_acquire(Priority::WatchesDue).await.expect("backend"),
        Grant::Wait(start() + TimeDelta::seconds(1))
    );
    clock.advance(TimeDelta::milliseconds(999));
    assert!(matches!(
        q.try_acquire(Priority::WatchesDue).await.expect("backend"),
        Grant::Wait(_)
    ));
    clock.advance(TimeDelta::milliseconds(1));
    assert_eq!(granted(&q, Priority::WatchesDue).await.used_today, 2);
}

/// `burst` requests go back to back, then the rate applies.
pub async fn burst_lets_requests_go_back_to_back<
    Q: AccountQuota,
    F: Fn(ManualClock, QuotaConfig) -> Q,
>(
    make: F,
) {
    let config = QuotaConfig {
        burst: 3,
        ..QuotaConfig::rate_only(2.0)
    };
    let (clock, q) = setup(make, config);
    for _ in 0..3 {
        granted(&q, Priority::Interactive).await;
    }
    assert_eq!(
        q.try_acquire(Priority::Interactive).await.expect("backend"),
        Grant::Wait(start() + TimeDelta::milliseconds(500))
    );
    clock.advance(TimeDelta::milliseconds(500));
    granted(&q, Priority::Interactive).await;
}

/// The reserves keep the end of the day for higher classes; the count resets at midnight UTC.
pub async fn daily_reserves_and_midnight_reset<
    Q: AccountQuota,
    F: Fn(ManualClock, QuotaConfig) -> Q,
>(
    make: F,
) {
    let config = QuotaConfig {
        requests_per_second: 1000.0,
        daily_limit: 10,
        interactive_reserve: 2,
        watches_reserve: 1,
        enrichment_reserve: 1,
        pace_daily: false,
        ..QuotaConfig::sandbox()
    };
    let (clock, q) = setup(make, config);
    let midnight = start() + TimeDelta::days(1);
    for _ in 0..6 {
        granted(&q, Priority::Analytics).await;
        clock.advance(TimeDelta::seconds(1));
    }
    assert_eq!(
        q.try_acquire(Priority::Analytics).await.expect("backend"),
        Grant::Exhausted(midnight)
    );
    granted(&q, Priority::Enrichment).await;
    clock.advance(TimeDelta::seconds(1));
    assert_eq!(
        q.try_acquire(Priority::Enrichment).await.expect("backend"),
        Grant::Exhausted(midnight)
    );
    granted(&q, Priority::WatchesDue).await;
    clock.advance(TimeDelta::seconds(1));
    assert_eq!(
        q.try_acquire(Priority::WatchesDue).await.expect("backend"),
        Grant::Exhausted(midnight)
    );
    for _ in 0..2 {
        granted(&q, Priority::Interactive).await;
        clock.advance(TimeDelta::seconds(1));
    }
    assert_eq!(
        q.try_acquire(Priority::Interactive).await.expect("backend"),
        Grant::Exhausted(midnight)
    );
    let snap = q.snapshot().await.expect("backend");
    assert_eq!((snap.used_today, snap.left_for_interactive), (10, 0));
    let err = q
        .acquire(Priority::WatchesDue, &ManualSleeper::new(clock.clone()))
        .await
        .expect_err("spent");
    assert!(
        matches!(err, QuotaError::DailyLimitReached { resets_at, .. } if resets_at == midnight),
        "{err}"
    );
    assert!(err.to_string().contains("midnight UTC"), "{err}");
    clock.set(midnight);
    assert_eq!(q.snapshot().await.expect("backend").used_today, 0);
    assert_eq!(granted(&q, Priority::Analytics).await.used_today, 1);
}

/// `next_ready_at` takes nothing.
pub async fn next_ready_at_takes_nothing<Q: AccountQuota, F: Fn(ManualClock, QuotaConfig) -> Q>(
    make: F,
) {
    let (clock, q) = setup(make, QuotaConfig::rate_only(1.0));
    for _ in 0..2 {
        assert_eq!(
            q.next_ready_at(Priority::WatchesDue).await.expect("b"),
            Some(start())
        );
    }
    granted(&q, Priority::WatchesDue).await;
    assert_eq!(
        q.next_ready_at(Priority::WatchesDue).await.expect("b"),
        Some(start() + TimeDelta::seconds(1))
    );
    clock.set(start() + TimeDelta::days(1));
    assert_eq!(
        q.next_ready_at(Priority::WatchesDue).await.expect("b"),
        Some(start() + TimeDelta::days(1))
    );
    assert_eq!(q.snapshot().await.expect("b").used_today, 0);
}

/// With pacing, background classes spread what is left over the rest of the UTC day;
/// interactive lookups are not paced.
pub async fn pacing_spreads_the_day_allowance<
    Q: AccountQuota,
    F: Fn(ManualClock, QuotaConfig) -> Q,
>(
    make: F,
) {
    let (clock, q) = setup(make, QuotaConfig::sandbox());
    granted(&q, Priority::WatchesDue).await;
    clock.advance(TimeDelta::seconds(1));
    let Grant::Wait(at) = q.try_acquire(Priority::WatchesDue).await.expect("b") else {
        panic!("{} quota: background work is paced", q.name());
    };
    let gap = (at - start()).num_milliseconds();
    // 86,400 s over the 8,207 requests left to watches ≈ 10.5 s.
    assert!((10_000..11_000).contains(&gap), "gap {gap} ms");
    granted(&q, Priority::Interactive).await;
}

/// A sleeper that waits until the test opens its gate.
#[derive(Debug)]
struct GateSleeper(tokio::sync::watch::Receiver<bool>);

#[async_trait::async_trait]
impl Sleeper for GateSleeper {
    async fn sleep_until(&self, _at: DateTime<Utc>) {
        let mut rx = self.0.clone();
        let _ = rx.wait_for(|open| *open).await;
    }
}

/// While an interactive lookup waits for a permit, lower classes get none; it goes first.
pub async fn a_waiting_higher_class_goes_first<
    Q: AccountQuota + 'static,
    F: Fn(ManualClock, QuotaConfig) -> Q,
>(
    make: F,
) {
    let (clock, q) = setup(make, QuotaConfig::rate_only(1.0));
    let q = Arc::new(q);
    granted(&q, Priority::WatchesDue).await;
    let (open, gate) = tokio::sync::watch::channel(false);
    let interactive = {
        let q = q.clone();
        tokio::spawn(async move {
            q.acquire(Priority::Interactive, &GateSleeper(gate))
                .await
                .expect("interactive permit")
        })
    };
    // Give the lookup time to ask once and start waiting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    clock.set(start() + TimeDelta::seconds(1));
    for class in [Priority::WatchesDue, Priority::Analytics] {
        assert!(
            matches!(q.try_acquire(class).await.expect("b"), Grant::Wait(_)),
            "{} quota: {} took the waiting lookup's request",
            q.name(),
            class.as_str()
        );
    }
    open.send_replace(true);
    let permit = interactive.await.expect("lookup task");
    assert_eq!(permit.at, start() + TimeDelta::seconds(1));
    clock.set(start() + TimeDelta::seconds(2));
    granted(&q, Priority::Analytics).await;
}

/// `Retry-After` pauses the whole bucket; a later, shorter pause does not shorten it.
pub async fn retry_after_pauses_the_bucket<
    Q: AccountQuota,
    F: Fn(ManualClock, QuotaConfig) -> Q,
>(
    make: F,
) {
    let (clock, q) = setup(make, QuotaConfig::rate_only(1.0));
    let err = SourceError::Throttled {
        source_name: "sandbox".into(),
        retry_after: Some(Duration::from_secs(30)),
        message: "slow down".into(),
    };
    assert_eq!(
        q.record(Err(&err)).await.expect("b"),
        Some(start() + TimeDelta::seconds(30))
    );
    q.pause_until(start() + TimeDelta::seconds(5))
        .await
        .expect("b");
    assert_eq!(
        q.try_acquire(Priority::Interactive).await.expect("b"),
        Grant::Wait(start() + TimeDelta::seconds(30))
    );
    assert_eq!(
        q.snapshot().await.expect("b").paused_until,
        Some(start() + TimeDelta::seconds(30))
    );
    clock.advance(TimeDelta::seconds(30));
    granted(&q, Priority::Interactive).await;
}

/// Server errors back off exponentially with jitter; a success resets; other errors change
/// nothing.
pub async fn failures_back_off_and_success_resets<
    Q: AccountQuota,
    F: Fn(ManualClock, QuotaConfig) -> Q,
>(
    make: F,
) {
    let (_clock, q) = setup(make, QuotaConfig::rate_only(1.0));
    let err = SourceError::Server {
        source_name: "sandbox".into(),
        status: 503,
        message: "busy".into(),
    };
    for i in 0..4 {
        let until = q.record(Err(&err)).await.expect("b").expect("a pause");
        let wait = (until - start()).num_milliseconds();
        let step = 2_000_i64 << i;
        assert!((step / 2..=step).contains(&wait), "wait {i}: {wait} ms");
    }
    assert_eq!(q.snapshot().await.expect("b").consecutive_failures, 4);
    assert_eq!(q.record(Ok(())).await.expect("b"), None);
    assert_eq!(q.snapshot().await.expect("b").consecutive_failures, 0);
    let decode = SourceError::Decode {
        source_name: "sandbox".into(),
        path: "body".into(),
        message: "junk".into(),
    };
    assert_eq!(q.record(Err(&decode)).await.expect("b"), None);
}

/// A restart starts today's count where the store says it was.
pub async fn set_used_today_counts_toward_the_day<
    Q: AccountQuota,
    F: Fn(ManualClock, QuotaConfig) -> Q,
>(
    make: F,
) {
    let config = QuotaConfig {
        daily_limit: 100,
        interactive_reserve: 0,
        watches_reserve: 0,
        enrichment_reserve: 0,
        pace_daily: false,
        ..QuotaConfig::rate_only(1.0)
    };
    let (_clock, q) = setup(make, config);
    q.set_used_today(99).await.expect("b");
    assert_eq!(granted(&q, Priority::WatchesDue).await.used_today, 100);
    assert!(matches!(
        q.try_acquire(Priority::Interactive).await.expect("b"),
        Grant::Exhausted(_)
    ));
}

/// `acquire` waits through the sleeper: on a manual clock five permits at 2/s take 2 s.
pub async fn acquire_sleeps_through_the_sleeper<
    Q: AccountQuota,
    F: Fn(ManualClock, QuotaConfig) -> Q,
>(
    make: F,
) {
    let (clock, q) = setup(make, QuotaConfig::rate_only(2.0));
    let sleeper = ManualSleeper::new(clock.clone());
    for n in 1..=5 {
        let p = q
            .acquire(Priority::WatchesDue, &sleeper)
            .await
            .expect("permit");
        assert_eq!(p.used_today, n);
    }
    assert_eq!(clock.now(), start() + TimeDelta::seconds(2));
}

/// The adapter works behind `Arc<dyn AccountQuota>`.
pub async fn works_as_a_shared_trait_object<
    Q: AccountQuota + 'static,
    F: Fn(ManualClock, QuotaConfig) -> Q,
>(
    make: F,
) {
    let (_clock, q) = setup(make, QuotaConfig::sandbox());
    let shared: Arc<dyn AccountQuota> = Arc::new(q);
    assert!(!shared.name().is_empty());
    assert_eq!(shared.config(), &QuotaConfig::sandbox());
    assert!(matches!(
        shared.try_acquire(Priority::Interactive).await.expect("b"),
        Grant::Now(_)
    ));
    assert_eq!(shared.snapshot().await.expect("b").used_today, 1);
}

/// Expands the quota contract into one `#[tokio::test]` per behaviour; `$make` is a closure
/// `|clock: ManualClock, config: QuotaConfig| -> impl AccountQuota` building a fresh quota.
#[macro_export]
macro_rules! quota_contract {
    ($make:expr) => {
        $crate::quota_contract!(@tests $make;
            one_request_per_second_then_wait,
            burst_lets_requests_go_back_to_back,
            daily_reserves_and_midnight_reset,
            next_ready_at_takes_nothing,
            pacing_spreads_the_day_allowance,
            a_waiting_higher_class_goes_first,
            retry_after_pauses_the_bucket,
            failures_back_off_and_success_resets,
            set_used_today_counts_toward_the_day,
            acquire_sleeps_through_the_sleeper,
            works_as_a_shared_trait_object,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                $crate::contract::quota::$name($make).await
            }
        )*
    };
}
