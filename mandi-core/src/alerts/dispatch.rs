//! The dispatcher: delivers due outbox rows through notifiers, at least once, never dropping.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::digest::DigestBuilder;
use crate::domain::{AlertMode, User, UserId};
use crate::ports::Clock;
use crate::ports::notifier::{DigestNotification, Notification, Notifier, NotifyError};
use crate::ports::store::{Delivery, HoldReason, Store, StoreError};

/// How failed deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// Attempts before a row is marked dead (counting the first).
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each further one.
    pub base_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// Up to this share of the wait is added as jitter, in basis points (2500 = 25 %).
    pub jitter_bps: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::seconds(30),
            max_delay: Duration::hours(6),
            jitter_bps: 2500,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failures`-th failure (1 = the first) of the delivery with this
    /// idempotency key: exponential backoff capped at `max_delay`, plus a jitter derived from
    /// the key (spread between rows, reproducible for one row).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::Duration;
    /// use mandi_core::alerts::RetryPolicy;
    /// let p = RetryPolicy { jitter_bps: 0, ..RetryPolicy::default() };
    /// assert_eq!(p.delay(1, "k"), Duration::seconds(30));
    /// assert_eq!(p.delay(3, "k"), Duration::seconds(120));
    /// assert_eq!(p.delay(40, "k"), Duration::hours(6));
    /// ```
    pub fn delay(&self, failures: u32, key: &str) -> Duration {
        let exp = failures.saturating_sub(1).min(30);
        let base = self.base_delay.num_milliseconds().max(0);
        let raw = base.saturating_mul(1_i64 << exp);
        let capped = raw.min(self.max_delay.num_milliseconds().max(0));
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        failures.hash(&mut h);
        let spread = i128::from(capped) * i128::from(self.jitter_bps) / 10_000;
        let jitter = if spread > 0 {
            i64::try_from(i128::from(h.finish() % (u64::MAX / 2)) % (spread + 1)).unwrap_or(0)
        } else {
            0
        };
        Duration::milliseconds(capped.saturating_add(jitter))
    }
}

/// When alerts may reach a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliveryPolicy {
    /// The local time (user's time zone) the daily digest goes out.
    pub digest_at: NaiveTime,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            digest_at: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

/// What one dispatcher pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchReport {
    /// Rows claimed.
    pub claimed: usize,
    /// Delivered and marked sent.
    pub sent: usize,
    /// Failed and scheduled for a retry.
    pub retried: usize,
    /// Marked dead (too many attempts, a permanent error, an unreachable user).
    pub dead: usize,
    /// Held back for quiet hours, the digest or the daily cap.
    pub held: usize,
}

/// Delivers due outbox rows through notifiers.
///
/// Each pass claims due rows of its notifiers' channels (with a lease), then for each row:
/// holds it (quiet hours → until they end; digest mode → until the next digest time; daily
/// cap reached → until the user's next local day), or delivers it with its idempotency key and
/// marks it sent. A retryable failure is retried after [`RetryPolicy::delay`]; after
/// [`RetryPolicy::max_attempts`] attempts, on a permanent error, or when the user cannot be
/// reached (the user is then marked inactive) the row is marked **dead** — kept for review,
/// never silently dropped. A row that was held once is not held again for the same reason.
///
/// A crash between delivering and marking sent delivers the row again once the lease runs out,
/// with the same idempotency key, which the receiver uses to drop the repeat (see the
/// [module docs](super)).
#[derive(Clone)]
pub struct Dispatcher {
    store: Arc<dyn Store>,
    notifiers: Vec<Arc<dyn Notifier>>,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    policy: DeliveryPolicy,
    lease: Duration,
    batch: usize,
    digest: DigestBuilder,
}

impl fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatcher")
            .field("channels", &self.channels())
            .field("retry", &self.retry)
            .field("policy", &self.policy)
            .field("lease", &self.lease)
            .field("batch", &self.batch)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

/// The next moment after `now` at which the local time in `tz` is `at`.
fn next_local(now: DateTime<Utc>, tz: chrono_tz::Tz, at: NaiveTime) -> DateTime<Utc> {
    let mut day = now.with_timezone(&tz).date_naive();
    for _ in 0..3 {
        let candidate = tz
            .from_local_datetime(&day.and_time(at))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            // A time skipped by a DST change: an hour later exists.
            .or_else(|| {
                tz.from_local_datetime(&(day.and_time(at) + Duration::hours(1)))
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            });
        if let Some(c) = candidate
            && c > now
        {
            return c;
        }
        day = day.succ_opt().unwrap_or(day);
    }
    now + Duration::days(1)
}

/// The UTC bounds of the user's local day containing `now`.
fn local_day(now: DateTime<Utc>, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let day = now.with_timezone(&tz).date_naive();
    let start = tz
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map_or(now - Duration::days(1), |t| t.with_timezone(&Utc));
    (start, next_local(now, tz, NaiveTime::MIN))
}

enum Step {
    Deliver,
    /// Released at digest time: goes out in the user's one digest message.
    Digest,
    Hold(DateTime<Utc>, HoldReason),
    Dead(String),
}

/// The digest rows of one user and channel claimed in one pass.
type DigestGroups = Vec<((UserId, String), User, Vec<Delivery>)>;

impl Dispatcher {
    /// A dispatcher over these notifiers (one per channel) with default policies, a 5-minute
    /// lease and batches of 100 rows.
    pub fn new(
        store: Arc<dyn Store>,
        notifiers: Vec<Arc<dyn Notifier>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            notifiers,
            clock,
            retry: RetryPolicy::default(),
            policy: DeliveryPolicy::default(),
            lease: Duration::minutes(5),
            batch: 100,
            digest: DigestBuilder::new(),
        }
    }

    /// Builds digests with `builder` (its contributors add sections after the alerts).
    pub fn with_digest(mut self, builder: DigestBuilder) -> Self {
        self.digest = builder;
        self
    }

    /// Retries with `retry`.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Holds deliveries by `policy`.
    pub fn with_policy(mut self, policy: DeliveryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Claims rows for `lease` (how long a crashed dispatcher keeps them from others).
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Claims at most `batch` rows per pass.
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// The channels this dispatcher delivers.
    pub fn channels(&self) -> Vec<String> {
        self.notifiers
            .iter()
            .map(|n| n.channel().to_owned())
            .collect()
    }

    /// Delivers due rows until none is left due now.
    ///
    /// # Errors
    ///
    /// The store failing; rows already handled stay handled.
    pub async fn drain(&self) -> Result<DispatchReport, StoreError> {
        let mut total = DispatchReport::default();
        loop {
            let r = self.run_once().await?;
            total.claimed += r.claimed;
            total.sent += r.sent;
            total.retried += r.retried;
            total.dead += r.dead;
            total.held += r.held;
            if r.claimed < self.batch {
                return Ok(total);
            }
        }
    }

    /// One pass: claims up to a batch of due rows and handles each.
    ///
    /// # Errors
    ///
    /// The store failing; rows already handled stay handled, the rest come due again after
    /// the lease.
    #[tracing::instrument(skip_all, err(level = "debug"))]
    pub async fn run_once(&self) -> Result<DispatchReport, StoreError> {
        let now = self.clock.now();
        let claimed = crate::telemetry::timed(
            "claim_due_deliveries",
            self.store
                .claim_due_deliveries(now, &self.channels(), self.batch, self.lease),
        )
        .await?;
        let mut report = DispatchReport {
            claimed: claimed.len(),
            ..DispatchReport::default()
        };
        let mut users: HashMap<UserId, Option<User>> = HashMap::new();
        let mut digests: DigestGroups = Vec::new();
        for d in claimed {
            let user = match users.get(&d.entry.user_id) {
                Some(u) => u.clone(),
                None => {
                    let u = match self.store.get_user(d.entry.user_id).await {
                        Ok(u) => Some(u),
                        Err(e) if e.is_not_found() => None,
                        Err(e) => return Err(e),
                    };
                    users.insert(d.entry.user_id, u.clone());
                    u
                }
            };
            if let Some(gone) = self.handle(d, user, now, &mut report, &mut digests).await? {
                users.insert(gone.id, Some(gone));
            }
        }
        for ((_, channel), user, rows) in digests {
            self.deliver_digest(&channel, user, rows, now, &mut report)
                .await?;
        }
        metrics::counter!(crate::telemetry::ALERTS_DELIVERED).increment(report.sent as u64);
        metrics::counter!(crate::telemetry::ALERTS_FAILED, "kind" => "retry")
            .increment(report.retried as u64);
        metrics::counter!(crate::telemetry::ALERTS_FAILED, "kind" => "dead")
            .increment(report.dead as u64);
        Ok(report)
    }

    /// Delivers the digest rows of one user and channel as one message, and marks every row
    /// sent (or failed, or dead) together. The key is made from the rows, so a retry of the
    /// same rows is recognised by the receiver.
    async fn deliver_digest(
        &self,
        channel: &str,
        user: User,
        rows: Vec<Delivery>,
        now: DateTime<Utc>,
        report: &mut DispatchReport,
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = rows.iter().map(|d| d.entry.id).collect();
        let first = ids.iter().min().copied().unwrap_or_default();
        let last = ids.iter().max().copied().unwrap_or_default();
        let key = format!(
            "digest:u{}:{channel}:{first}-{last}:{}",
            user.id.0,
            ids.len()
        );
        let Some(notifier) = self.notifiers.iter().find(|n| n.channel() == channel) else {
            for id in ids {
                let next = now + self.retry.delay(1, &key);
                self.store
                    .mark_failed(id, next, "no notifier for this channel")
                    .await?;
                report.retried += 1;
            }
            return Ok(());
        };
        let attempts = rows
            .iter()
            .map(|d| d.entry.attempts)
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        let alerts = rows.into_iter().map(|d| d.alert).collect();
        let digest = self.digest.build(&user, alerts, now).await;
        let notification = DigestNotification {
            idempotency_key: key.clone(),
            user: user.clone(),
            digest,
        };
        match notifier.deliver_digest(&notification).await {
            Ok(()) => {
                for id in ids {
                    self.store.mark_sent(id, now).await?;
                    report.sent += 1;
                }
            }
            Err(e) if matches!(e, NotifyError::RecipientGone { .. }) => {
                tracing::warn!(user = %user.id, error = %e, "recipient gone; user deactivated");
                crate::users::UserService::new(self.store.clone(), self.clock.clone())
                    .deactivate(&user)
                    .await?;
                for id in ids {
                    self.store.mark_dead(id, &e.to_string()).await?;
                    report.dead += 1;
                }
            }
            Err(e) if !e.is_retryable() || attempts >= self.retry.max_attempts => {
                tracing::warn!(user = %user.id, attempts, error = %e, "digest given up; rows kept as dead");
                for id in ids {
                    self.store
                        .mark_dead(id, &format!("after {attempts} attempt(s): {e}"))
                        .await?;
                    report.dead += 1;
                }
            }
            Err(e) => {
                let mut wait = self.retry.delay(attempts, &key);
                if let NotifyError::RateLimited { retry_after, .. } = &e
                    && let Ok(after) = Duration::from_std(*retry_after)
                {
                    wait = wait.max(after);
                }
                for id in ids {
                    self.store
                        .mark_failed(id, now + wait, &e.to_string())
                        .await?;
                    report.retried += 1;
                }
            }
        }
        Ok(())
    }

    async fn step(
        &self,
        d: &Delivery,
        user: &User,
        now: DateTime<Utc>,
    ) -> Result<Step, StoreError> {
        if !user.active {
            return Ok(Step::Dead(
                "recipient unreachable: the user is inactive".to_owned(),
            ));
        }
        let tz = user.settings.tz();
        let local = now.with_timezone(&tz).time();
        match user.settings.alert_mode {
            AlertMode::DailyDigest => {
                if d.hold != Some(HoldReason::Digest) {
                    // The digest goes out at digest time, or when quiet hours covering it end.
                    let at = match user.settings.quiet_hours {
                        Some(q) if q.contains(self.policy.digest_at) => q.end,
                        _ => self.policy.digest_at,
                    };
                    return Ok(Step::Hold(next_local(now, tz, at), HoldReason::Digest));
                }
                return Ok(Step::Digest);
            }
            _ => {
                if let Some(q) = user.settings.quiet_hours
                    && d.hold.is_none()
                    && q.contains(local)
                {
                    return Ok(Step::Hold(
                        next_local(now, tz, q.end),
                        HoldReason::QuietHours,
                    ));
                }
            }
        }
        if let Some(cap) = user.settings.daily_cap {
            let (from, until) = local_day(now, tz);
            if self.store.count_sent(user.id, from, until).await? >= cap {
                return Ok(Step::Hold(until, HoldReason::DailyCap));
            }
        }
        Ok(Step::Deliver)
    }

    async fn handle(
        &self,
        d: Delivery,
        user: Option<User>,
        now: DateTime<Utc>,
        report: &mut DispatchReport,
        digests: &mut DigestGroups,
    ) -> Result<Option<User>, StoreError> {
        let id = d.entry.id;
        let Some(user) = user else {
            self.store
                .mark_dead(id, "recipient unreachable: the user no longer exists")
                .await?;
            report.dead += 1;
            return Ok(None);
        };
        match self.step(&d, &user, now).await? {
            Step::Hold(until, reason) => {
                self.store.hold_delivery(id, until, reason).await?;
                report.held += 1;
                return Ok(None);
            }
            Step::Dead(why) => {
                self.store.mark_dead(id, &why).await?;
                report.dead += 1;
                return Ok(None);
            }
            Step::Digest => {
                let group = (user.id, d.entry.channel.clone());
                match digests.iter_mut().find(|(k, _, _)| *k == group) {
                    Some((_, _, rows)) => rows.push(d),
                    None => digests.push((group, user, vec![d])),
                }
                return Ok(None);
            }
            Step::Deliver => {}
        }
        let Some(notifier) = self
            .notifiers
            .iter()
            .find(|n| n.channel() == d.entry.channel)
        else {
            // Claimed by channel, so this cannot happen; retry later rather than drop.
            let next = now
                + self
                    .retry
                    .delay(d.entry.attempts + 1, &d.entry.idempotency_key);
            self.store
                .mark_failed(id, next, "no notifier for this channel")
                .await?;
            report.retried += 1;
            return Ok(None);
        };
        let notification = Notification {
            idempotency_key: d.entry.idempotency_key.clone(),
            user: user.clone(),
            alert: d.alert.clone(),
        };
        match notifier.deliver(&notification).await {
            Ok(()) => {
                self.store.mark_sent(id, now).await?;
                report.sent += 1;
            }
            Err(e) => {
                let attempts = d.entry.attempts.saturating_add(1);
                if matches!(e, NotifyError::RecipientGone { .. }) {
                    tracing::warn!(user = %user.id, error = %e, "recipient gone; user deactivated");
                    // The one place a gone recipient is handled: inactive, watches paused.
                    let gone =
                        crate::users::UserService::new(self.store.clone(), self.clock.clone())
                            .deactivate(&user)
                            .await?;
                    self.store.mark_dead(id, &e.to_string()).await?;
                    report.dead += 1;
                    return Ok(Some(gone));
                } else if !e.is_retryable() || attempts >= self.retry.max_attempts {
                    tracing::warn!(outbox = id, attempts, error = %e, "delivery given up; row kept as dead");
                    self.store
                        .mark_dead(id, &format!("after {attempts} attempt(s): {e}"))
                        .await?;
                    report.dead += 1;
                } else {
                    let mut wait = self.retry.delay(attempts, &d.entry.idempotency_key);
                    if let NotifyError::RateLimited { retry_after, .. } = &e
                        && let Ok(after) = Duration::from_std(*retry_after)
                    {
                        wait = wait.max(after);
                    }
                    self.store
                        .mark_failed(id, now + wait, &e.to_string())
                        .await?;
                    report.retried += 1;
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ist() -> chrono_tz::Tz {
        chrono_tz::Asia::Kolkata
    }

    #[test]
    fn next_local_is_strictly_after_now_in_the_users_zone() {
        // 02:00 UTC = 07:30 IST; the next 09:00 IST is 03:30 UTC the same day.
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap();
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        assert_eq!(
            next_local(now, ist(), nine),
            Utc.with_ymd_and_hms(2026, 11, 25, 3, 30, 0).unwrap()
        );
        // At 09:00 IST exactly, the next one is tomorrow.
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 3, 30, 0).unwrap();
        assert_eq!(
            next_local(at, ist(), nine),
            Utc.with_ymd_and_hms(2026, 11, 26, 3, 30, 0).unwrap()
        );
    }

    #[test]
    fn local_day_bounds_follow_ist_midnight() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 20, 0, 0).unwrap(); // 01:30 IST on the 26th
        let (from, until) = local_day(now, ist());
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 11, 25, 18, 30, 0).unwrap());
        assert_eq!(
            until,
            Utc.with_ymd_and_hms(2026, 11, 26, 18, 30, 0).unwrap()
        );
    }

    #[test]
    fn backoff_doubles_caps_and_jitters_within_bounds() {
        let p = RetryPolicy::default();
        for n in 1..12 {
            let plain = RetryPolicy { jitter_bps: 0, ..p }.delay(n, "key");
            let jittered = p.delay(n, "key");
            assert!(
                jittered >= plain && jittered <= plain + plain / 4,
                "{n}: {jittered} vs {plain}"
            );
            assert_eq!(jittered, p.delay(n, "key"), "reproducible");
        }
        assert_eq!(
            RetryPolicy { jitter_bps: 0, ..p }.delay(2, "k"),
            Duration::seconds(60)
        );
    }
}
