//! The `AccountQuota` contract run against the in-process quota (the Redis one runs it in
//! `tests/redis_quota.rs`).

use std::sync::Arc;

use mandi_core::ManualClock;
use mandi_core::monitor::{Quota, QuotaConfig};

mod memory {
    use super::*;
    mandi_core::quota_contract!(|clock: ManualClock, config: QuotaConfig| Quota::new(
        config,
        Arc::new(clock),
        1
    )
    .expect("valid settings"));
}
