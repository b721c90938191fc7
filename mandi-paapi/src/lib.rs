//! Amazon Creators API and PA-API 5.0 clients as Mandi `ProductSource` adapters, and the
//! sandbox marketplace: an offline Amazon on loopback that speaks both APIs.
//!
//! # Features
//!
//! | feature | what it adds | default |
//! | --- | --- | --- |
//! | `paapi5` | [`paapi5::PaApi5Source`] and the AWS Signature V4 signer ([`sigv4`]) | yes |
//! | `scraper` | `scraper::ScraperSource`, reading public product pages (an HTML parser) | yes |
//! | `sandbox` | `sandbox::Sandbox`, the offline marketplace (an HTTP server; implies `paapi5`) | yes |
//!
//! The Creators API client ([`creators`]), the link resolver ([`resolver`]) and the shared
//! HTTP transport are always there. An embedder who wants only the Creators API client turns
//! the defaults off (`default-features = false`) and compiles neither the HTTP server nor the
//! HTML parser.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod connect;
pub mod creators;
pub mod error;
pub mod fx;
#[cfg(feature = "ops")]
#[cfg_attr(docsrs, doc(cfg(feature = "ops")))]
pub mod ops;
#[cfg(feature = "paapi5")]
#[cfg_attr(docsrs, doc(cfg(feature = "paapi5")))]
pub mod paapi5;
pub mod regional;
pub mod resolver;
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;
#[cfg(feature = "scraper")]
#[cfg_attr(docsrs, doc(cfg(feature = "scraper")))]
pub mod scraper;
pub mod settings;
#[cfg(feature = "paapi5")]
#[cfg_attr(docsrs, doc(cfg(feature = "paapi5")))]
pub mod sigv4;
pub mod transport;
