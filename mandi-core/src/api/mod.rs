//! The services behind Mandi's REST API and admin dashboard (feature `api`), shared by any
//! server front-end: API keys and their usage ([`KeyService`]), per-key token-bucket rate
//! limits ([`RateLimiter`]), bulk monitoring jobs ([`BulkService`]), products served from the
//! store when fresh ([`cached_product`]), and the admin statistics ([`AdminStats`]).
//!
//! A server holds no rule of its own: it authenticates with [`KeyService::authenticate`],
//! asks the [`RateLimiter`], and calls these services and the
//! [`WatchService`](crate::watches::WatchService) as the key's user.

pub mod account;
pub mod admin;
pub mod bulk;
pub mod keys;
pub mod products;
pub mod ratelimit;
pub mod sessions;
pub mod webhooks;

pub use admin::AdminStats;
pub use bulk::BulkService;
pub use keys::KeyService;
pub use products::cached_product;
pub use ratelimit::RateLimiter;
pub use sessions::AdminSessions;
pub use webhooks::{WebhookService, WebhookTargets};
