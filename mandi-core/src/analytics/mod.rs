//! Price-history analytics, the deal-quality scorer and price patterns.
//!
//! Everything here is pure computation over [`PricePoint`](crate::PricePoint)s and a `now`
//! taken from the `Clock` port, so it can be backtested on simulated history.

pub mod calendar;
pub mod forecast;
mod patterns;
pub mod predict;
mod retention;
mod scorer;
pub mod series;
mod sparkline;
mod summary;

pub use patterns::{DropWindow, PricePatterns, SALE_DROP_BPS, SaleDrop, patterns};
pub use retention::{RetentionPolicy, downsample};
pub use scorer::{HistoryScorer, ScorerSettings};
pub use sparkline::sparkline;
pub use summary::{DatedPrice, Gap, HistorySummary, STANDARD_WINDOWS, WindowStats, summarize};
