//! Amazon Creators API and PA-API 5.0 clients (placeholder while the crate is built).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
