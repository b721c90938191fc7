//! Metrics the library records through the `metrics` facade. The library only records; a
//! front-end installs an exporter (`metrics-exporter-prometheus` in `mandi monitor --listen`
//! and the bot) and serves `/metrics`. Without an exporter every call is a no-op.
//!
//! | name | kind | labels | what |
//! | --- | --- | --- | --- |
//! | `mandi_source_calls_total` | counter | `source`, `outcome` | calls to a product source (`ok`, `throttled`, `server_error`, `timeout`, `network`, `auth`, `not_found`, `invalid_input`, `decode`, `unavailable`) |
//! | `mandi_quota_used_today` | gauge | | requests counted today |
//! | `mandi_quota_left_today` | gauge | `class` | requests left today for `watches_due` and `interactive` |
//! | `mandi_breaker_state` | gauge | `source` | 0 closed, 1 half-open, 2 open |
//! | `mandi_freshness_lag_seconds` | summary | | age of each watched product's last refresh, sampled every monitoring slice |
//! | `mandi_alerts_created_total` | counter | | alerts fired |
//! | `mandi_alerts_delivered_total` | counter | | deliveries sent |
//! | `mandi_alerts_failed_total` | counter | `kind` | failed deliveries: `retry` (will be tried again) or `dead` (given up) |
//! | `mandi_outbox_depth` | gauge | | deliveries waiting in the outbox |
//! | `mandi_store_seconds` | summary | `op` | latency of the monitor's store operations |

use std::future::Future;
use std::time::Instant;

use crate::ports::source::SourceError;

/// Calls to a product source, by `source` and `outcome`.
pub const SOURCE_CALLS: &str = "mandi_source_calls_total";
/// Requests counted today.
pub const QUOTA_USED: &str = "mandi_quota_used_today";
/// Requests left today, by `class`.
pub const QUOTA_LEFT: &str = "mandi_quota_left_today";
/// The circuit breaker's state by `source`: 0 closed, 1 half-open, 2 open.
pub const BREAKER_STATE: &str = "mandi_breaker_state";
/// Age of each watched product's last refresh, in seconds.
pub const FRESHNESS_LAG: &str = "mandi_freshness_lag_seconds";
/// Alerts fired.
pub const ALERTS_CREATED: &str = "mandi_alerts_created_total";
/// Deliveries sent.
pub const ALERTS_DELIVERED: &str = "mandi_alerts_delivered_total";
/// Failed deliveries by `kind` (`retry`, `dead`).
pub const ALERTS_FAILED: &str = "mandi_alerts_failed_total";
/// Deliveries waiting in the outbox.
pub const OUTBOX_DEPTH: &str = "mandi_outbox_depth";
/// Latency of store operations by `op`, in seconds.
pub const STORE_SECONDS: &str = "mandi_store_seconds";

/// Every metric name, for checks that an exporter shows them all.
pub const ALL: [&str; 10] = [
    SOURCE_CALLS,
    QUOTA_USED,
    QUOTA_LEFT,
    BREAKER_STATE,
    FRESHNESS_LAG,
    ALERTS_CREATED,
    ALERTS_DELIVERED,
    ALERTS_FAILED,
    OUTBOX_DEPTH,
    STORE_SECONDS,
];

/// Registers the help text of every metric with the installed recorder (call once after
/// installing an exporter).
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        SOURCE_CALLS,
        "Calls to a product source by source and outcome"
    );
    describe_gauge!(
        QUOTA_USED,
        "Requests counted against the account today (UTC)"
    );
    describe_gauge!(QUOTA_LEFT, "Requests left today by priority class");
    describe_gauge!(
        BREAKER_STATE,
        "Circuit breaker state by source: 0 closed, 1 half-open, 2 open"
    );
    describe_histogram!(
        FRESHNESS_LAG,
        Unit::Seconds,
        "Age of each watched product's last refresh"
    );
    describe_counter!(ALERTS_CREATED, "Alerts fired");
    describe_counter!(ALERTS_DELIVERED, "Alert deliveries sent");
    describe_counter!(
        ALERTS_FAILED,
        "Failed alert deliveries by kind (retry, dead)"
    );
    describe_gauge!(OUTBOX_DEPTH, "Deliveries waiting in the outbox");
    describe_histogram!(
        STORE_SECONDS,
        Unit::Seconds,
        "Latency of store operations by op"
    );
}

/// The `outcome` label of a source call.
pub fn outcome(result: Result<(), &SourceError>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(SourceError::Throttled { .. }) => "throttled",
        Err(SourceError::Server { .. }) => "server_error",
        Err(SourceError::Timeout { .. }) => "timeout",
        Err(SourceError::Network { .. }) => "network",
        Err(SourceError::Decode { .. }) => "decode",
        Err(SourceError::Unauthorized { .. } | SourceError::AccessDenied { .. }) => "auth",
        Err(SourceError::NotFound { .. }) => "not_found",
        Err(SourceError::InvalidInput { .. }) => "invalid_input",
        Err(SourceError::Unavailable { .. }) => "unavailable",
    }
}

/// Counts one call to `source`.
pub fn source_call(source: &str, result: Result<(), &SourceError>) {
    metrics::counter!(SOURCE_CALLS, "source" => source.to_owned(), "outcome" => outcome(result))
        .increment(1);
}

/// Runs a store operation, recording its latency under `op`.
pub async fn timed<T>(op: &'static str, work: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let out = work.await;
    metrics::histogram!(STORE_SECONDS, "op" => op).record(started.elapsed().as_secs_f64());
    out
}
