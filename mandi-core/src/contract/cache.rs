//! The `Cache` contract: behaviour every cache adapter must show.
//!
//! Each behaviour is a `pub async fn` taking a factory that builds a fresh, empty cache from
//! a [`ManualClock`] and a TTL. [`cache_contract!`](crate::cache_contract) expands them into
//! named `#[tokio::test]`s:
//!
//! ```ignore
//! mod memory {
//!     mandi_core::cache_contract!(|clock, ttl| mandi_core::cache::MemoryCache::new(
//!         100, ttl, std::sync::Arc::new(clock)));
//! }
//! ```

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use crate::cache::Cache;
use crate::domain::{Asin, Availability, Currency, Marketplace, Money, Offer, Product};
use crate::ports::clock::{Clock, ManualClock};

fn asin(text: &str) -> Asin {
    text.parse().expect("valid test ASIN")
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0)
        .single()
        .expect("valid test time")
}

fn product(a: Asin, m: Marketplace, price: Option<i64>, at: DateTime<Utc>) -> Product {
    let mut p = Product::new(a, m, format!("Product {a}"), at);
    p.offers.push(Offer::new(
        price.map(|minor| Money::from_minor(minor, Currency::INR)),
        if price.is_some() {
            Availability::InStock
        } else {
            Availability::Unknown
        },
    ));
    p
}

const TTL_MINUTES: i64 = 30;

fn setup<C: Cache, F: Fn(ManualClock, TimeDelta) -> C>(make: F) -> (ManualClock, C) {
    let clock = ManualClock::new(start());
    let cache = make(clock.clone(), TimeDelta::minutes(TTL_MINUTES));
    (clock, cache)
}

/// A copy put is the copy got back.
pub async fn put_then_get_returns_the_copy<C: Cache, F: Fn(ManualClock, TimeDelta) -> C>(make: F) {
    let (clock, cache) = setup(make);
    let p = product(
        asin("B0CX59H5W7"),
        Marketplace::India,
        Some(5_499_900),
        clock.now(),
    );
    assert!(cache.put(&p).await.expect("put"));
    let got = cache.get(Marketplace::India, p.asin).await.expect("get");
    assert_eq!(got.as_ref(), Some(&p), "{} cache", cache.name());
}

/// A product never put is a miss.
pub async fn missing_product_is_none<C: Cache, F: Fn(ManualClock, TimeDelta) -> C>(make: F) {
    let (_clock, cache) = setup(make);
    let got = cache
        .get(Marketplace::India, asin("B000000404"))
        .await
        .expect("get");
    assert_eq!(got, None);
}

/// A copy fetched later replaces the held one.
pub async fn fresher_copy_replaces_the_held_one<C: Cache, F: Fn(ManualClock, TimeDelta) -> C>(
    make: F,
) {
    let (clock, cache) = setup(make);
    let a = asin("B0CX59H5W7");
    cache
        .put(&product(a, Marketplace::India, Some(10_000), clock.now()))
        .await
        .expect("put");
    clock.advance(TimeDelta::minutes(1));
    let newer = product(a, Marketplace::India, Some(9_000), clock.now());
    assert!(cache.put(&newer).await.expect("put"));
    let got = cache.get(Marketplace::India, a).await.expect("get");
    assert_eq!(got.and_then(|p| p.price()), newer.price());
}

/// A late answer fetched earlier than the held copy does not replace it.
pub async fn older_copy_does_not_replace_a_fresher_one<
    C: Cache,
    F: Fn(ManualClock, TimeDelta) -> C,
>(
    make: F,
) {
    let (clock, cache) = setup(make);
    let a = asin("B0CX59H5W7");
    let older = product(a, Marketplace::India, Some(10_000), clock.now());
    clock.advance(TimeDelta::minutes(1));
    let newer = product(a, Marketplace::India, Some(9_000), clock.now());
    cache.put(&newer).await.expect("put");
    assert!(!cache.put(&older).await.expect("put"), "older copy refused");
    let got = cache.get(Marketplace::India, a).await.expect("get");
    assert_eq!(got.map(|p| p.fetched_at), Some(newer.fetched_at));
}

/// A copy older than the TTL is not served.
pub async fn expired_copies_are_not_served<C: Cache, F: Fn(ManualClock, TimeDelta) -> C>(make: F) {
    let (clock, cache) = setup(make);
    let a = asin("B0CX59H5W7");
    cache
        .put(&product(a, Marketplace::India, Some(10_000), clock.now()))
        .await
        .expect("put");
    clock.advance(TimeDelta::minutes(TTL_MINUTES - 1));
    assert!(
        cache
            .get(Marketplace::India, a)
            .await
            .expect("get")
            .is_some()
    );
    clock.advance(TimeDelta::minutes(1));
    assert!(
        cache
            .get(Marketplace::India, a)
            .await
            .expect("get")
            .is_none(),
        "{} cache served a copy past its TTL",
        cache.name()
    );
}

/// Invalidation forgets the copy; the next put is served again.
pub async fn invalidate_forgets_until_the_next_put<C: Cache, F: Fn(ManualClock, TimeDelta) -> C>(
    make: F,
) {
    let (clock, cache) = setup(make);
    let a = asin("B0CX59H5W7");
    cache
        .put(&product(a, Marketplace::India, Some(10_000), clock.now()))
        .await
        .expect("put");
    cache
        .invalidate(Marketplace::India, a)
        .await
        .expect("invalidate");
    assert!(
        cache
            .get(Marketplace::India, a)
            .await
            .expect("get")
            .is_none()
    );
    // Invalidating what is not held is fine.
    cache
        .invalidate(Marketplace::India, asin("B000000404"))
        .await
        .expect("invalidate a miss");
    clock.advance(TimeDelta::seconds(5));
    let newer = product(a, Marketplace::India, Some(8_000), clock.now());
    assert!(cache.put(&newer).await.expect("put"));
    let got = cache.get(Marketplace::India, a).await.expect("get");
    assert_eq!(got.and_then(|p| p.price()), newer.price());
}

/// The same ASIN in two marketplaces is two entries.
pub async fn marketplaces_are_kept_apart<C: Cache, F: Fn(ManualClock, TimeDelta) -> C>(make: F) {
    let (clock, cache) = setup(make);
    let a = asin("B0CX59H5W7");
    let india = product(a, Marketplace::India, Some(10_000), clock.now());
    cache.put(&india).await.expect("put");
    assert!(
        cache
            .get(Marketplace::UnitedStates, a)
            .await
            .expect("get")
            .is_none()
    );
    let us = product(a, Marketplace::UnitedStates, Some(1_200), clock.now());
    cache.put(&us).await.expect("put");
    let got_in = cache.get(Marketplace::India, a).await.expect("get");
    assert_eq!(got_in.map(|p| p.marketplace), Some(Marketplace::India));
}

/// An unknown price and availability stay unknown through the cache.
pub async fn unknown_price_stays_unknown<C: Cache, F: Fn(ManualClock, TimeDelta) -> C>(make: F) {
    let (clock, cache) = setup(make);
    let p = product(asin("B0CX59H5W7"), Marketplace::India, None, clock.now());
    cache.put(&p).await.expect("put");
    let got = cache
        .get(Marketplace::India, p.asin)
        .await
        .expect("get")
        .expect("held");
    assert_eq!(got.price(), None);
    assert_eq!(got.availability(), Availability::Unknown);
}

/// Warming (a no-op for one tier) never loses or changes what is held.
pub async fn warming_keeps_what_is_held<C: Cache, F: Fn(ManualClock, TimeDelta) -> C>(make: F) {
    let (clock, cache) = setup(make);
    let p = product(
        asin("B0CX59H5W7"),
        Marketplace::India,
        Some(4_200),
        clock.now(),
    );
    cache.put(&p).await.expect("put");
    let keys = [
        (Marketplace::India, p.asin),
        (Marketplace::India, asin("B000000404")),
    ];
    let loaded = cache.warm(&keys).await.expect("warm");
    assert!(loaded <= 1, "{loaded} loaded for one known product");
    let got = cache.get(Marketplace::India, p.asin).await.expect("get");
    assert_eq!(got.as_ref(), Some(&p));
    assert!(
        cache
            .get(Marketplace::India, asin("B000000404"))
            .await
            .expect("get")
            .is_none()
    );
}

/// The adapter works behind `Arc<dyn Cache>`.
pub async fn works_as_a_shared_trait_object<
    C: Cache + 'static,
    F: Fn(ManualClock, TimeDelta) -> C,
>(
    make: F,
) {
    let (clock, cache) = setup(make);
    let shared: Arc<dyn Cache> = Arc::new(cache);
    let p = product(
        asin("B0CX59H5W7"),
        Marketplace::India,
        Some(100),
        clock.now(),
    );
    let by_ref: &dyn Cache = &shared;
    by_ref.put(&p).await.expect("put");
    assert!(
        shared
            .get(Marketplace::India, p.asin)
            .await
            .expect("get")
            .is_some()
    );
    assert!(!shared.name().is_empty());
}

/// Expands the cache contract into one `#[tokio::test]` per behaviour; `$make` is a closure
/// `|clock: ManualClock, ttl: TimeDelta| -> impl Cache` building a fresh, empty cache.
#[macro_export]
macro_rules! cache_contract {
    ($make:expr) => {
        $crate::cache_contract!(@tests $make;
            put_then_get_returns_the_copy,
            missing_product_is_none,
            fresher_copy_replaces_the_held_one,
            older_copy_does_not_replace_a_fresher_one,
            expired_copies_are_not_served,
            invalidate_forgets_until_the_next_put,
            marketplaces_are_kept_apart,
            unknown_price_stays_unknown,
            warming_keeps_what_is_held,
            works_as_a_shared_trait_object,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                $crate::contract::cache::$name($make).await
            }
        )*
    };
}
