//! Contract-test suites every adapter of a port runs (feature `test-util`).
//!
//! Each suite is a module of `pub async fn`s, one per behaviour, taking the adapter under
//! test, and a macro (`store_contract!`, `source_contract!`) that expands them into named
//! `#[tokio::test]`s for one adapter.
pub mod cache;
pub mod quota;
#[cfg(feature = "redis")]
pub mod redis_server;
pub mod source;
pub mod store;
