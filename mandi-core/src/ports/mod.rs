//! The ports: traits the engines depend on, implemented by adapters chosen at the edge.

pub mod clock;
pub mod notifier;
pub mod quota;
pub mod scorer;
pub mod source;
pub mod store;

pub use clock::{Clock, ManualClock, ScaledClock, SystemClock};
pub use notifier::{Notification, Notifier, NotifyError};
pub use quota::AccountQuota;
pub use scorer::{DealScore, DealVerdict, ScoreInput, ScorePart, Scorer};
pub use source::{
    AvailabilityFilter, BrowseNodesRequest, DeliveryFlag, ItemError, ItemErrorKind, ItemsBatch,
    ItemsRequest, MAX_ITEMS_PER_CALL, MerchantFilter, ProductSource, SearchPage, SearchRequest,
    SortBy, SourceError, VariationsRequest,
};
pub use store::{
    ApiUsage, ApiUsageTotals, AppliedUpdate, Delivery, HistoryQuery, HoldReason, NewAlert,
    PriceStats, PriceUpdate, SearchLog, Store, StoreError, StoreResult, WatchedProduct,
};
pub use store::{CoWatch, MarketRow, ProductClick};
pub use store::{
    NewQuarantine, QuarantineId, QuarantineStatus, QuarantinedObservation, Settlement,
};
