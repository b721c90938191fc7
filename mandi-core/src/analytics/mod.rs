//! Price-history analytics, the deal-quality scorer and price patterns.
