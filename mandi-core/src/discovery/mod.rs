//! Discovery: natural-language queries, smart search, categories, comparisons, similar
//! products and a watch builder grounded in price history.
//!
//! [`parse_query`] reads what a shopper types (English, Hinglish or Hindi) into a
//! [`ParsedQuery`]; [`taxonomy`] is the offline browse tree, category words and brand list
//! it uses.

pub mod categories;
pub mod query;
pub mod reasons;
pub mod taxonomy;

pub use query::{CategoryMatch, Intent, ParsedQuery, ProductMention, QuerySort, parse_query};
pub use reasons::MatchReason;
pub mod service;
pub mod watch_builder;

pub use categories::{
    CategoryProduct, CategoryReport, NodeRef, PriceRange, Suggestion, SuggestionKind, price_range,
};
pub use service::{
    ComparedProduct, Comparison, DiscoveryError, DiscoveryResult, DiscoveryService, RankedProduct,
    SearchAnswer, has_feature, key_specs, leaf_node,
};
pub use watch_builder::{
    ReviewIssue, TargetKind, TargetSuggestion, VariantWatches, WatchReview, WatchSuggestions,
    target_suggestions,
};
