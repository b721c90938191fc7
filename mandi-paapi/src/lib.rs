//! Amazon Creators API and PA-API 5.0 clients as Mandi `ProductSource` adapters, and the
//! sandbox marketplace: an offline Amazon on loopback that speaks both APIs.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod connect;
pub mod creators;
pub mod error;
pub mod paapi5;
pub mod resolver;
pub mod sandbox;
pub mod scraper;
pub mod settings;
pub mod sigv4;
pub mod transport;
