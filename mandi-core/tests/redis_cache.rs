//! The Redis cache tier against a real `redis-server` started on loopback for each test
//! (killed when the test ends, also on panic). Without the binary the binary prints
//! `skipped: no redis-server` and runs nothing.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::TimeDelta;
use mandi_core::cache::{Cache, CacheError, RedisCache};
use mandi_core::contract::redis_server::{RedisServer, print_skipped};
use mandi_core::redis_conn::RedisConnection;
use mandi_core::{Asin, Clock, ManualClock, Marketplace, Product};

/// A Redis cache together with the server it runs on; dropping it stops the server.
#[derive(Debug)]
struct OnOwnServer {
    cache: RedisCache,
    _server: RedisServer,
}

#[async_trait]
impl Cache for OnOwnServer {
    fn name(&self) -> &str {
        self.cache.name()
    }
    async fn get(&self, m: Marketplace, a: Asin) -> Result<Option<Product>, CacheError> {
        self.cache.get(m, a).await
    }
    async fn put(&self, p: &Product) -> Result<bool, CacheError> {
        self.cache.put(p).await
    }
    async fn invalidate(&self, m: Marketplace, a: Asin) -> Result<(), CacheError> {
        self.cache.invalidate(m, a).await
    }
}

fn server_or_skip() -> RedisServer {
    match RedisServer::start() {
        Some(server) => server,
        None => {
            // Nothing else runs in this binary: say so once and stop.
            print_skipped();
            std::process::exit(0);
        }
    }
}

fn on_own_server(clock: ManualClock, ttl: TimeDelta) -> OnOwnServer {
    let server = server_or_skip();
    let connection = RedisConnection::open(&server.url()).expect("loopback URL");
    OnOwnServer {
        cache: RedisCache::new(connection, "mandi-test", ttl, Arc::new(clock)),
        _server: server,
    }
}

mod contract {
    mandi_core::cache_contract!(super::on_own_server);
}

#[tokio::test]
async fn a_corrupt_entry_is_an_error_naming_the_key() {
    let server = server_or_skip();
    let connection = RedisConnection::open(&server.url()).expect("loopback URL");
    let clock = ManualClock::new(mandi_core::SystemClock.now());
    let cache = RedisCache::new(
        connection.clone(),
        "t",
        TimeDelta::minutes(5),
        Arc::new(clock),
    );
    let asin: Asin = "B0CX59H5W7".parse().expect("asin");
    let mut conn = connection.manager().await.expect("connect");
    let _: () = redis::cmd("HSET")
        .arg("t:product:IN:B0CX59H5W7")
        .arg("at")
        .arg(1)
        .arg("p")
        .arg("{not json")
        .query_async(&mut conn)
        .await
        .expect("hset");
    let err = cache
        .get(Marketplace::India, asin)
        .await
        .expect_err("corrupt");
    assert!(err.to_string().contains("t:product:IN:B0CX59H5W7"), "{err}");
}

#[tokio::test]
async fn two_processes_worth_of_caches_share_one_server() {
    let server = server_or_skip();
    let clock = ManualClock::new(mandi_core::SystemClock.now());
    let make = || {
        RedisCache::new(
            RedisConnection::open(&server.url()).expect("url"),
            "shared",
            TimeDelta::minutes(5),
            Arc::new(clock.clone()),
        )
    };
    let (a, b) = (make(), make());
    let asin: Asin = "B0CX59H5W7".parse().expect("asin");
    let p = Product::new(asin, Marketplace::India, "Phone", clock.now());
    assert!(a.put(&p).await.expect("put"));
    assert_eq!(b.get(Marketplace::India, asin).await.expect("get"), Some(p));
}
