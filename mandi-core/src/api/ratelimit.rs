//! Per-key token buckets: each key gets `per_second` tokens a second up to `burst`; a
//! request takes one token or is refused with the time until one is back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::domain::{ApiKeyId, RateLimit};
use crate::ports::Clock;

/// What the limiter decided about one request, with what the `RateLimit-*` headers show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// True when the request may go ahead.
    pub allowed: bool,
    /// The bucket's size (the burst).
    pub limit: u32,
    /// Whole tokens left after this request.
    pub remaining: u32,
    /// Seconds until the bucket is full again (rounded up).
    pub reset_secs: u64,
    /// For a refused request: seconds until one token is back (rounded up, at least 1).
    pub retry_after_secs: Option<u64>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

/// Token buckets per API key, in memory (one server process).
pub struct RateLimiter {
    clock: Arc<dyn Clock>,
    buckets: Mutex<HashMap<ApiKeyId, Bucket>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// A limiter reading `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from `key`'s bucket (created full on first use) under `limit`.
    pub fn check(&self, key: ApiKeyId, limit: RateLimit) -> RateDecision {
        let now = self.clock.now();
        let rate = f64::from(limit.per_second.max(1));
        let burst = f64::from(limit.burst.max(1));
        let Ok(mut buckets) = self.buckets.lock() else {
            // A poisoned lock only follows a panic elsewhere; refusing everything would turn
            // it into an outage, so the request goes ahead unmetered.
            return RateDecision {
                allowed: true,
                limit: limit.burst,
                remaining: 0,
                reset_secs: 0,
                retry_after_secs: None,
            };
        };
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = (now - bucket.at)
            .num_microseconds()
            .unwrap_or(i64::MAX)
            .max(0) as f64
            / 1e6;
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at = now;
        let allowed = bucket.tokens >= 1.0;
        if allowed {
            bucket.tokens -= 1.0;
        }
        let reset_secs = ((burst - bucket.tokens) / rate).ceil() as u64;
        let retry_after_secs =
            (!allowed).then(|| (((1.0 - bucket.tokens) / rate).ceil() as u64).max(1));
        RateDecision {
            allowed,
            limit: limit.burst,
            remaining: bucket.tokens.floor() as u32,
            reset_secs,
            retry_after_secs,
        }
    }

    /// Forgets a key's bucket (after its limit changed or it was revoked).
    pub fn forget(&self, key: ApiKeyId) {
        if let Ok(mut buckets) = self.buckets.lock() {
            buckets.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let clock = ManualClock::new(DateTime::from_timestamp(1_750_000_000, 0).expect("t"));
        let limiter = RateLimiter::new(Arc::new(clock.clone()));
        let limit = RateLimit {
            per_second: 10,
            burst: 50,
        };
        let key = ApiKeyId(1);
        for i in 0..50 {
            let d = limiter.check(key, limit);
            assert!(d.allowed, "request {i} of the burst");
            assert_eq!(d.remaining, 49 - i);
        }
        let refused = limiter.check(key, limit);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_secs, Some(1));
        assert_eq!(refused.reset_secs, 5);
        // Another key has its own bucket.
        assert!(limiter.check(ApiKeyId(2), limit).allowed);
        clock.advance(chrono::Duration::milliseconds(500));
        let allowed = (0..10)
            .filter(|_| limiter.check(key, limit).allowed)
            .count();
        assert_eq!(allowed, 5, "half a second brings back five tokens");
        clock.advance(chrono::Duration::seconds(60));
        assert_eq!(
            limiter.check(key, limit).remaining,
            49,
            "never above the burst"
        );
    }
}
