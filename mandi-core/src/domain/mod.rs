//! Domain types: identifiers, money, products, users, watches and alerts.

mod affiliate;
mod alert;
mod asin;
mod bps;
mod community;
mod history;
mod marketplace;
mod money;
mod product;
mod serve_hooks;
mod server;
mod user;
mod watch;

pub use affiliate::{
    AffiliateClick, AffiliateOrder, ClickSource, ClickTarget, ClickTargetId, LinkFormat,
    MAX_QUERY_CHARS, MAX_VARIANT_CHARS, NewClickTarget, ReportKind,
};
pub use alert::{Alert, AlertCard, AlertHeadline, AlertId, DeliveryStatus, OutboxEntry};
pub use asin::{Asin, AsinError};
pub use bps::Bps;
pub use community::{
    DealStatus, GroupPost, GroupSubscription, MAX_REASON_CHARS, NewSharedDeal, Referral,
    SharedDeal, SharedDealId, SharedDealQuery, Vote,
};
pub use history::PricePoint;
pub use marketplace::{CredentialGroup, Marketplace, PartnerTagRule, UnknownMarketplace};
pub use money::{Currency, LocalMoney, Money, MoneyError, MoneyFormat, group_count};
pub use product::{
    Availability, BrowseNode, BrowseNodeRef, Condition, DataOrigin, DealDetails, Image, Merchant,
    Offer, OfferKind, Product, ReviewObservation, Reviews, Savings, VariationAttribute,
    VariationFamily,
};
pub use serve_hooks::{AdminSession, NewWebhook, Webhook, WebhookId};
pub use server::{
    ActivityFacts, AlertFact, ApiKey, ApiKeyId, BulkCounts, BulkItem, BulkItemStatus, BulkJob,
    BulkJobId, BulkSpec, KeyScope, KeyUsage, NewApiKey, NewBulkJob, RateLimit, UserFacts,
};
pub use user::{
    AlertMode, ExternalIdentity, Language, NewUser, QuietHours, User, UserId, UserSettings,
};
pub use watch::{AlertRule, NewWatch, Watch, WatchId, WatchState, WatchTarget};
