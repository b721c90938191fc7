//! Many monitor workers on one PostgreSQL database: leases on buckets of watched products.
//!
//! The watched products are split into [`LEASE_BUCKETS`] buckets by a stable hash of
//! marketplace and ASIN ([`lease_bucket`]). A [`MonitorWorker`] joins the database under an
//! owner id, and its heartbeat ([`MonitorWorker::renew`]) keeps its leases alive, claims its
//! fair share of free or expired buckets (`FOR UPDATE SKIP LOCKED`) and gives back what is
//! above its share when more workers joined. Its store ([`MonitorWorker::store`]) is a
//! [`PostgresStore`] that
//!
//! - lists only the products of the buckets it holds in [`Store::watched_products`], so the
//!   monitoring loop built on it refreshes those and no others;
//! - fences every price update: inside the update's transaction it reads the product's
//!   lease with a share lock and writes nothing (a [`StoreError::Conflict`]) unless this
//!   worker still holds it, unexpired, at the generation it was given. The share lock makes
//!   a takeover wait until the update has committed, so the next owner reads the rule states
//!   it wrote; an expired worker can never commit a stale rule state or an alert twice.
//!
//! A worker killed however it dies stops renewing: its buckets expire after the lease time
//! and the survivors take them over at their next heartbeat, each with a new generation.
//!
//! [`Store::watched_products`]: crate::Store::watched_products

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::PostgresStore;
use super::rows::Ctx;
use super::shim::{Conn, OptionalExtension, Val, params};
use crate::domain::{Asin, Marketplace};
use crate::ports::store::{PriceUpdate, StoreError, StoreResult, WatchedProduct};
use crate::store::decode::marketplace_code;

/// How many buckets the watched products are split into (rows of `monitor_leases`).
pub const LEASE_BUCKETS: u32 = 64;

/// The bucket of a product: FNV-1a of `"<marketplace code>:<ASIN>"` modulo
/// [`LEASE_BUCKETS`], the same in every process and build.
pub fn lease_bucket(marketplace: Marketplace, asin: Asin) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let code = marketplace_code(marketplace);
    for b in code
        .bytes()
        .chain(std::iter::once(b':'))
        .chain(asin.as_str().bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // The remainder is below 64.
    (h % u64::from(LEASE_BUCKETS)) as u32
}

/// The leases a worker's store holds: bucket → generation.
#[derive(Debug)]
pub(super) struct Fence {
    owner: String,
    held: RwLock<HashMap<u32, i64>>,
}

impl Fence {
    fn held(&self) -> HashMap<u32, i64> {
        self.held
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set(&self, held: HashMap<u32, i64>) {
        *self
            .held
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = held;
    }

    /// The products of the buckets held.
    pub(super) fn keep_held(&self, all: Vec<WatchedProduct>) -> Vec<WatchedProduct> {
        let held = self.held();
        all.into_iter()
            .filter(|w| held.contains_key(&lease_bucket(w.marketplace, w.asin)))
            .collect()
    }

    /// The buckets an update's product may be fenced by: its own and, for a variation,
    /// its parent's.
    fn buckets_of(update: &PriceUpdate) -> Vec<u32> {
        let product = update
            .product
            .as_ref()
            .or(update.quarantine.as_ref().map(|q| &q.product));
        let (marketplace, asin, parent) = match (product, update.points.first()) {
            (Some(p), _) => (p.marketplace, p.asin, p.parent_asin),
            (None, Some(point)) => (point.marketplace, point.asin, None),
            (None, None) => return Vec::new(),
        };
        let mut buckets = vec![lease_bucket(marketplace, asin)];
        if let Some(parent) = parent {
            buckets.push(lease_bucket(marketplace, parent));
        }
        buckets
    }

    /// Inside a batch's transaction, before any [`Fence::check`]: share-locks the lease rows
    /// of every bucket the batch touches in ascending bucket order. The heartbeat locks its
    /// rows in the same order, so a batch and a heartbeat never wait on each other in a
    /// cycle (one run saw PostgreSQL's `deadlock detected` when the checks locked rows in
    /// the batch's order).
    pub(super) async fn lock_batch(
        &self,
        tx: &Conn<'_>,
        updates: &[PriceUpdate],
    ) -> StoreResult<()> {
        let mut buckets: Vec<i64> = updates
            .iter()
            .flat_map(Self::buckets_of)
            .map(i64::from)
            .collect();
        buckets.sort_unstable();
        buckets.dedup();
        if buckets.is_empty() {
            return Ok(());
        }
        tx.prepare_cached(
            "SELECT bucket FROM monitor_leases WHERE bucket = ANY($1::BIGINT[]) ORDER BY bucket \
             FOR SHARE",
        )
        .ctx("monitor lease")?
        .query(&[Val::IntList(buckets)])
        .await
        .ctx("monitor lease")?;
        Ok(())
    }

    /// Inside an update's transaction: fails unless this worker still holds the bucket of
    /// the update's product (for a variation, its own bucket or its parent's), unexpired, at
    /// the generation it was given; the lease row stays share-locked until the commit.
    pub(super) async fn check(&self, tx: &Conn<'_>, update: &PriceUpdate) -> StoreResult<()> {
        const W: &str = "monitor lease";
        let product = update
            .product
            .as_ref()
            .or(update.quarantine.as_ref().map(|q| &q.product));
        let (marketplace, asin, parent) = match (product, update.points.first()) {
            (Some(p), _) => (p.marketplace, p.asin, p.parent_asin),
            (None, Some(point)) => (point.marketplace, point.asin, None),
            (None, None)
                if update.rule_states.is_empty()
                    && update.alerts.is_empty()
                    && update.settle.is_empty() =>
            {
                return Ok(());
            }
            (None, None) => {
                return Err(StoreError::Invalid {
                    what: "price update",
                    reason: "a monitor worker's update names no product".to_owned(),
                });
            }
        };
        let held = self.held();
        let mut buckets = vec![lease_bucket(marketplace, asin)];
        if let Some(parent) = parent {
            buckets.push(lease_bucket(marketplace, parent));
        }
        let stmt = tx
            .prepare_cached(
                "SELECT generation FROM monitor_leases
                 WHERE bucket = $1 AND owner = $2 AND expires_at > clock_timestamp()
                 FOR SHARE",
            )
            .ctx(W)?;
        for bucket in buckets {
            let Some(generation) = held.get(&bucket) else {
                continue;
            };
            let stored: Option<i64> = stmt
                .query_row(params![i64::from(bucket), self.owner.clone()], |r| r.get(0))
                .await
                .optional()
                .ctx(W)?;
            if stored == Some(*generation) {
                return Ok(());
            }
        }
        Err(StoreError::Conflict {
            what: W,
            detail: format!(
                "worker {} does not hold the lease of {asin} (bucket {}) any more; the update \
                 was not written (another worker refreshes it now)",
                self.owner,
                lease_bucket(marketplace, asin)
            ),
        })
    }
}

/// What one heartbeat left a worker with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRound {
    /// The buckets held now, with their generations.
    pub held: BTreeMap<u32, i64>,
    /// Workers alive (this one included).
    pub workers: u32,
    /// Buckets newly claimed by this heartbeat.
    pub claimed: usize,
    /// Buckets given back (above the fair share).
    pub released: usize,
}

/// One monitor worker on a PostgreSQL database (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct MonitorWorker {
    store: PostgresStore,
    fence: Arc<Fence>,
    ttl: Duration,
}

impl MonitorWorker {
    /// Joins the database of `store` as worker `owner` (unique per process, e.g. host and
    /// pid) with leases of `ttl`, and takes a first share of the buckets.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] for a zero `ttl` or an empty owner; the store's errors.
    pub async fn join(store: &PostgresStore, owner: &str, ttl: Duration) -> StoreResult<Self> {
        if ttl.is_zero() || owner.trim().is_empty() {
            return Err(StoreError::Invalid {
                what: "monitor worker",
                reason: "a worker needs an owner id and a lease time above zero".to_owned(),
            });
        }
        let fence = Arc::new(Fence {
            owner: owner.to_owned(),
            held: RwLock::new(HashMap::new()),
        });
        let mut fenced = store.clone();
        fenced.fence = Some(fence.clone());
        let worker = Self {
            store: fenced,
            fence,
            ttl,
        };
        worker.renew().await?;
        Ok(worker)
    }

    /// The worker's store: lists only the products of its buckets and writes a price update
    /// only while it holds the product's lease. Build the monitoring loop on it.
    pub fn store(&self) -> &PostgresStore {
        &self.store
    }

    /// The owner id.
    pub fn owner(&self) -> &str {
        &self.fence.owner
    }

    /// The lease time.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The buckets held as of the last heartbeat.
    pub fn held(&self) -> BTreeMap<u32, i64> {
        self.fence.held().into_iter().collect()
    }

    /// The heartbeat: extends the leases still held, gives back those above the fair share
    /// (`LEASE_BUCKETS` / workers alive, rounded up) and claims free or expired buckets up
    /// to it, in one transaction.
    ///
    /// # Errors
    ///
    /// The store's errors (the leases known before are kept; they simply run out).
    pub async fn renew(&self) -> StoreResult<LeaseRound> {
        const W: &str = "monitor lease";
        let ttl_ms = i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let owner = self.fence.owner.clone();
        let mut client = self.store.client().await?;
        let tx = client.transaction().await.ctx(W)?;
        tx.execute(
            "INSERT INTO monitor_workers (owner, seen_until)
             VALUES ($1, clock_timestamp() + $2::float8 * interval '1 millisecond')
             ON CONFLICT (owner) DO UPDATE SET seen_until = EXCLUDED.seen_until",
            &[&owner, &(ttl_ms as f64)],
        )
        .await
        .ctx(W)?;
        tx.execute(
            "DELETE FROM monitor_workers WHERE seen_until < clock_timestamp() - interval '1 day'",
            &[],
        )
        .await
        .ctx(W)?;
        let workers: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM monitor_workers WHERE seen_until > clock_timestamp()",
                &[],
            )
            .await
            .ctx(W)?
            .get(0);
        let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
        let share = LEASE_BUCKETS.div_ceil(workers) as usize;
        // Still ours: nobody took them over (the owner would have changed), so the
        // generation we were given still stands even if the expiry passed meanwhile.
        // Lock this worker's rows in bucket order first, the order `Fence::lock_batch` uses.
        tx.query(
            "SELECT bucket FROM monitor_leases WHERE owner = $1 ORDER BY bucket FOR UPDATE",
            &[&owner],
        )
        .await
        .ctx(W)?;
        let mut held: BTreeMap<u32, i64> = BTreeMap::new();
        for row in tx
            .query(
                "UPDATE monitor_leases
                 SET expires_at = clock_timestamp() + $2::float8 * interval '1 millisecond'
                 WHERE owner = $1 RETURNING bucket, generation",
                &[&owner, &(ttl_ms as f64)],
            )
            .await
            .ctx(W)?
        {
            let bucket: i32 = row.get(0);
            held.insert(u32::try_from(bucket).unwrap_or(0), row.get(1));
        }
        let mut released = 0;
        if held.len() > share {
            let extra: Vec<i32> = held
                .keys()
                .rev()
                .take(held.len() - share)
                .map(|b| i32::try_from(*b).unwrap_or(0))
                .collect();
            // Given back; the generation moves on so an update still in flight for them
            // cannot commit.
            released = tx
                .execute(
                    "UPDATE monitor_leases
                     SET owner = NULL, expires_at = '-infinity', generation = generation + 1
                     WHERE owner = $1 AND bucket = ANY($2)",
                    &[&owner, &extra],
                )
                .await
                .ctx(W)? as usize;
            for b in &extra {
                held.remove(&u32::try_from(*b).unwrap_or(0));
            }
        }
        let mut claimed = 0;
        if held.len() < share {
            let want = i64::try_from(share - held.len()).unwrap_or(0);
            for row in tx
                .query(
                    "UPDATE monitor_leases
                     SET owner = $1, generation = generation + 1,
                         expires_at = clock_timestamp() + $3::float8 * interval '1 millisecond'
                     WHERE bucket IN (
                         SELECT bucket FROM monitor_leases
                         WHERE owner IS NULL OR expires_at < clock_timestamp()
                         ORDER BY bucket LIMIT $2
                         FOR UPDATE SKIP LOCKED)
                     RETURNING bucket, generation",
                    &[&owner, &want, &(ttl_ms as f64)],
                )
                .await
                .ctx(W)?
            {
                let bucket: i32 = row.get(0);
                held.insert(u32::try_from(bucket).unwrap_or(0), row.get(1));
                claimed += 1;
            }
        }
        tx.commit().await.ctx(W)?;
        self.fence.set(held.iter().map(|(b, g)| (*b, *g)).collect());
        if claimed > 0 || released > 0 {
            tracing::info!(
                owner = %owner, held = held.len(), claimed, released, workers,
                "monitor leases changed hands"
            );
        }
        Ok(LeaseRound {
            held,
            workers,
            claimed,
            released,
        })
    }

    /// Gives every lease back and leaves (a clean stop: the others take the buckets at
    /// their next heartbeat instead of waiting for the leases to run out).
    ///
    /// # Errors
    ///
    /// The store's errors.
    pub async fn leave(&self) -> StoreResult<()> {
        const W: &str = "monitor lease";
        let owner = self.fence.owner.clone();
        self.fence.set(HashMap::new());
        let mut client = self.store.client().await?;
        let tx = client.transaction().await.ctx(W)?;
        tx.query(
            "SELECT bucket FROM monitor_leases WHERE owner = $1 ORDER BY bucket FOR UPDATE",
            &[&owner],
        )
        .await
        .ctx(W)?;
        tx.execute(
            "UPDATE monitor_leases
             SET owner = NULL, expires_at = '-infinity', generation = generation + 1
             WHERE owner = $1",
            &[&owner],
        )
        .await
        .ctx(W)?;
        tx.execute("DELETE FROM monitor_workers WHERE owner = $1", &[&owner])
            .await
            .ctx(W)?;
        tx.commit().await.ctx(W)
    }

    /// Runs the heartbeat every third of the lease time on the tokio runtime until the
    /// returned handle is dropped.
    pub fn spawn_heartbeat(&self) -> Heartbeat {
        let worker = self.clone();
        let every = (self.ttl / 3).max(Duration::from_millis(50));
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = worker.renew().await {
                    tracing::warn!(error = %e, owner = %worker.owner(), "monitor lease heartbeat failed");
                }
            }
        });
        Heartbeat { task }
    }
}

/// The heartbeat task of a [`MonitorWorker`]; stopped when dropped.
#[derive(Debug)]
pub struct Heartbeat {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_stable_and_spread() {
        let a: Asin = "B0CX59H5W7".parse().expect("asin");
        assert_eq!(
            lease_bucket(Marketplace::India, a),
            lease_bucket(Marketplace::India, a)
        );
        let mut seen = std::collections::HashSet::new();
        for i in 0..2_000 {
            let asin: Asin = format!("B0{i:08}").parse().expect("asin");
            let b = lease_bucket(Marketplace::India, asin);
            assert!(b < LEASE_BUCKETS);
            seen.insert(b);
        }
        assert_eq!(seen.len(), LEASE_BUCKETS as usize, "every bucket is used");
    }
}
