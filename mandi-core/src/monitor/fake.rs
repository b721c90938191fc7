//! An in-memory catalogue for simulations and soak tests, with seeded fault injection
//! (feature `test-util`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::Jitter;
use crate::domain::{
    Asin, Availability, BrowseNode, Currency, Marketplace, Money, Offer, Product, VariationFamily,
};
use crate::ports::clock::Clock;
use crate::ports::source::{
    BrowseNodesRequest, ItemError, ItemErrorKind, ItemsBatch, ItemsRequest, ProductSource,
    SearchPage, SearchRequest, SourceError, VariationsRequest,
};

/// A kind of injected fault.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// HTTP 429 with a `Retry-After`.
    ThrottledWithRetryAfter,
    /// HTTP 429 without one.
    Throttled,
    /// HTTP 500 or 503.
    Server,
    /// No answer in time.
    Timeout,
    /// The connection failed.
    Network,
    /// An unreadable (malformed) reply.
    Malformed,
    /// A reply that silently leaves one asked-for ASIN out.
    DroppedItem,
    /// A reply with a per-item error for one ASIN.
    ItemError,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 8] = [
        FaultKind::ThrottledWithRetryAfter,
        FaultKind::Throttled,
        FaultKind::Server,
        FaultKind::Timeout,
        FaultKind::Network,
        FaultKind::Malformed,
        FaultKind::DroppedItem,
        FaultKind::ItemError,
    ];
}

/// A catalogue of products whose prices move with the clock, answering `get_items` only.
///
/// Every ASIN added with [`FakeSource::add`] has a base price; volatile ones change price
/// every `volatile_period`. A share of calls (`fault_percent`) fails with a fault chosen at
/// random from [`FaultKind::ALL`] (seeded). Every call is counted.
#[derive(Debug)]
pub struct FakeSource {
    clock: Arc<dyn Clock>,
    catalog: Mutex<HashMap<(Marketplace, Asin), (i64, bool)>>,
    fault_percent: u64,
    jitter: Jitter,
    volatile_period_secs: i64,
    calls: AtomicU64,
    outage: std::sync::atomic::AtomicBool,
    poisoned: Mutex<Vec<Asin>>,
    faults: Mutex<HashMap<FaultKind, u64>>,
}

impl FakeSource {
    /// An empty catalogue failing `fault_percent` % of calls (0–100), seeded by `seed`.
    pub fn new(clock: Arc<dyn Clock>, fault_percent: u8, seed: u64) -> Self {
        Self {
            clock,
            catalog: Mutex::new(HashMap::new()),
            fault_percent: u64::from(fault_percent.min(100)),
            jitter: Jitter::new(seed),
            volatile_period_secs: 3_600,
            calls: AtomicU64::new(0),
            outage: std::sync::atomic::AtomicBool::new(false),
            poisoned: Mutex::new(Vec::new()),
            faults: Mutex::new(HashMap::new()),
        }
    }

    /// Adds a product with a base price in paise; `volatile` ones change price every hour.
    pub fn add(&self, marketplace: Marketplace, asin: Asin, price_minor: i64, volatile: bool) {
        self.catalog
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((marketplace, asin), (price_minor, volatile));
    }

    /// Starts or ends an outage: while it lasts every call fails with HTTP 503.
    pub fn set_outage(&self, down: bool) {
        self.outage.store(down, Ordering::Relaxed);
    }

    /// Makes every call that asks for `asin` fail with an unreadable reply (a product the
    /// source cannot describe).
    pub fn poison(&self, asin: Asin) {
        self.poisoned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(asin);
    }

    /// Calls answered or failed so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// How many faults of each kind were injected.
    pub fn faults(&self) -> HashMap<FaultKind, u64> {
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn product(&self, marketplace: Marketplace, asin: Asin, base: i64, volatile: bool) -> Product {
        let now = self.clock.now();
        let mut p = Product::new(asin, marketplace, format!("Fake product {asin}"), now);
        let step = if volatile {
            (now.timestamp() / self.volatile_period_secs) % 7
        } else {
            0
        };
        let price = Money::from_minor(base - step * 100, Currency::INR);
        p.offers
            .push(Offer::new(Some(price), Availability::InStock));
        p
    }

    fn fault(&self) -> Option<FaultKind> {
        if self.jitter.below(100) >= self.fault_percent {
            return None;
        }
        let kind = FaultKind::ALL[self.jitter.below(FaultKind::ALL.len() as u64) as usize];
        *self
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(kind)
            .or_default() += 1;
        Some(kind)
    }
}

fn refuse(what: &str) -> SourceError {
    SourceError::invalid(format!(
        "the fake source answers get_items only, not {what}"
    ))
}

#[async_trait]
impl ProductSource for FakeSource {
    fn name(&self) -> &str {
        "fake"
    }

    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let name = "fake".to_owned();
        if self.outage.load(Ordering::Relaxed) {
            return Err(SourceError::Server {
                source_name: name,
                status: 503,
                message: "ServiceUnavailable (outage)".into(),
            });
        }
        let poisoned = self
            .poisoned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(bad) = request.asins.iter().find(|a| poisoned.contains(a)) {
            return Err(SourceError::Decode {
                source_name: name,
                path: format!("ItemsResult.Items[{bad}]"),
                message: "unexpected value".into(),
            });
        }
        let fault = self.fault();
        match fault {
            Some(FaultKind::ThrottledWithRetryAfter) => {
                return Err(SourceError::Throttled {
                    source_name: name,
                    retry_after: Some(Duration::from_secs(1 + self.jitter.below(5))),
                    message: "TooManyRequests".into(),
                });
            }
            Some(FaultKind::Throttled) => {
                return Err(SourceError::Throttled {
                    source_name: name,
                    retry_after: None,
                    message: "TooManyRequests".into(),
                });
            }
            Some(FaultKind::Server) => {
                return Err(SourceError::Server {
                    source_name: name,
                    status: if self.jitter.below(2) == 0 { 500 } else { 503 },
                    message: "InternalFailure".into(),
                });
            }
            Some(FaultKind::Timeout) => {
                return Err(SourceError::Timeout {
                    source_name: name,
                    phase: "read".into(),
                });
            }
            Some(FaultKind::Network) => {
                return Err(SourceError::Network {
                    source_name: name,
                    message: "connection reset".into(),
                });
            }
            Some(FaultKind::Malformed) => {
                return Err(SourceError::Decode {
                    source_name: name,
                    path: "ItemsResult.Items[0].Offers".into(),
                    message: "expected an object".into(),
                });
            }
            _ => {}
        }
        let asins = request.unique_asins();
        let catalog = self
            .catalog
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut batch = ItemsBatch::default();
        let victim = asins
            .get(self.jitter.below(asins.len().max(1) as u64) as usize)
            .copied();
        for asin in asins {
            if Some(asin) == victim && fault == Some(FaultKind::DroppedItem) {
                continue;
            }
            if Some(asin) == victim && fault == Some(FaultKind::ItemError) {
                batch.errors.push(ItemError {
                    asin,
                    kind: ItemErrorKind::Other,
                    code: "InternalFailure".into(),
                    message: "try again".into(),
                });
                continue;
            }
            match catalog.get(&(request.marketplace, asin)) {
                Some((base, volatile)) => {
                    batch
                        .items
                        .push(self.product(request.marketplace, asin, *base, *volatile));
                }
                None => batch.errors.push(ItemError {
                    asin,
                    kind: ItemErrorKind::NotFound,
                    code: "ItemNotAccessible".into(),
                    message: format!("no item {asin}"),
                }),
            }
        }
        Ok(batch)
    }

    async fn search_items(&self, _: &SearchRequest) -> Result<SearchPage, SourceError> {
        Err(refuse("search"))
    }

    async fn get_variations(&self, _: &VariationsRequest) -> Result<VariationFamily, SourceError> {
        Err(refuse("variations"))
    }

    async fn get_browse_nodes(
        &self,
        _: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        Err(refuse("browse nodes"))
    }
}

/// ASINs `B000000000`.. numbered from `start`, for simulations.
pub fn numbered_asins(start: u32, count: u32) -> Vec<Asin> {
    (start..start.saturating_add(count))
        .filter_map(|i| format!("B{i:09}").parse().ok())
        .collect()
}
