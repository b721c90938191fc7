//! Interactive lookups that arrive together share calls: single-product lookups made within a
//! few milliseconds of each other are packed, up to ten ASINs, into one `getItems` call.
//!
//! When 40 people paste 40 links at once against a 1-call-a-second quota, one call each
//! answers the last after about 39 s; packed ten to a call, all are answered in about 4 s.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};

use super::CatalogError;
use crate::domain::{Asin, Marketplace};
use crate::ports::{ItemsBatch, MAX_ITEMS_PER_CALL, SourceError, StoreError};

/// How a shared call ended, as each waiter receives it.
#[derive(Debug, Clone)]
pub(super) enum Shared {
    /// The call was answered (and its products saved).
    Answered(Arc<ItemsBatch>),
    /// The source refused the call.
    Source(SourceError),
    /// The store could not save what was fetched.
    Store(String),
}

/// A batch being collected (or, once sealed, waiting for its call).
struct Open {
    id: u64,
    marketplace: Marketplace,
    sealed: bool,
    asins: Vec<Asin>,
    waiters: Vec<oneshot::Sender<Shared>>,
    full: Arc<Notify>,
}

#[derive(Default)]
struct Batches {
    next_id: u64,
    list: Vec<Open>,
}

/// Collects lookups per marketplace.
pub(super) struct Coalescer {
    window: Duration,
    batches: Mutex<Batches>,
}

impl std::fmt::Debug for Coalescer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalescer")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

/// What [`Coalescer::join`] tells the caller to do.
pub(super) enum Joined {
    /// This caller opened the batch: it must have the call made after the window (or as
    /// soon as `full` wakes), then [`Coalescer::take`] it by `id`.
    Opened {
        /// The batch.
        id: u64,
        /// Wakes the batch early when ten ASINs are collected.
        full: Arc<Notify>,
        /// The caller's answer.
        answer: oneshot::Receiver<Shared>,
    },
    /// The caller joined an open batch.
    Waiting(oneshot::Receiver<Shared>),
}

impl Coalescer {
    pub(super) fn new(window: Duration) -> Self {
        Self {
            window,
            batches: Mutex::new(Batches::default()),
        }
    }

    pub(super) fn window(&self) -> Duration {
        self.window
    }

    /// Adds `asins` (at most ten, unique) to the marketplace's open batch, or opens a new
    /// one when they do not fit.
    pub(super) fn join(&self, marketplace: Marketplace, asins: &[Asin]) -> Joined {
        let (tx, rx) = oneshot::channel();
        let mut batches = self.batches.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(batch) = batches
            .list
            .iter_mut()
            .find(|b| b.marketplace == marketplace && !b.sealed)
        {
            let extra = asins.iter().filter(|a| !batch.asins.contains(a)).count();
            if batch.asins.len() + extra <= MAX_ITEMS_PER_CALL {
                for a in asins {
                    if !batch.asins.contains(a) {
                        batch.asins.push(*a);
                    }
                }
                batch.waiters.push(tx);
                if batch.asins.len() == MAX_ITEMS_PER_CALL {
                    batch.sealed = true;
                    batch.full.notify_one();
                }
                return Joined::Waiting(rx);
            }
            // No room for these ASINs: send that one now and open a new one.
            batch.sealed = true;
            batch.full.notify_one();
        }
        let full = Arc::new(Notify::new());
        let sealed = asins.len() >= MAX_ITEMS_PER_CALL;
        if sealed {
            full.notify_one();
        }
        batches.next_id += 1;
        let id = batches.next_id;
        batches.list.push(Open {
            id,
            marketplace,
            sealed,
            asins: asins.to_vec(),
            waiters: vec![tx],
            full: full.clone(),
        });
        Joined::Opened {
            id,
            full,
            answer: rx,
        }
    }

    /// Takes batch `id` out of collection: its ASINs and who waits for them.
    pub(super) fn take(&self, id: u64) -> Option<(Vec<Asin>, Vec<oneshot::Sender<Shared>>)> {
        let mut batches = self.batches.lock().unwrap_or_else(|e| e.into_inner());
        let i = batches.list.iter().position(|b| b.id == id)?;
        let b = batches.list.swap_remove(i);
        Some((b.asins, b.waiters))
    }
}

/// What each waiter gets out of a shared answer: the items and errors of its own ASINs.
pub(super) fn answer_for(shared: Shared, asins: &[Asin]) -> Result<ItemsBatch, CatalogError> {
    match shared {
        Shared::Answered(batch) => Ok(ItemsBatch {
            items: batch
                .items
                .iter()
                .filter(|p| asins.contains(&p.asin))
                .cloned()
                .collect(),
            errors: batch
                .errors
                .iter()
                .filter(|e| asins.contains(&e.asin))
                .cloned()
                .collect(),
        }),
        Shared::Source(e) => Err(CatalogError::Source(e)),
        Shared::Store(message) => Err(CatalogError::Store(store_error(message))),
    }
}

/// The store error a waiter reports when the shared save failed.
pub(super) fn store_error(message: String) -> StoreError {
    StoreError::Backend {
        message,
        source: None,
    }
}
