//! Errors as RFC 9457 `application/problem+json` documents with a stable `type`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mandi_core::api::bulk::BulkError;
use mandi_core::api::keys::KeyError;
use mandi_core::api::webhooks::WebhookError;
use mandi_core::catalog::CatalogError;
use mandi_core::watches::WatchError;
use mandi_core::{SourceError, StoreError};

use crate::dto::Problem;

/// The base of every problem `type` (a stable identifier, not a page to fetch).
pub const PROBLEM_BASE: &str = "https://mandi.dev/problems/";

/// An error a handler answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed or names nothing usable.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no key, or an unknown or revoked one.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the key's scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: nothing of that id among the key's own.
    #[error("{0}")]
    NotFound(String),
    /// 409: it already exists.
    #[error("{0}")]
    Conflict(String),
    /// 422: well-formed but not acceptable (bad rules, too many items).
    #[error("{0}")]
    Unprocessable(String),
    /// 429: the key's rate limit is spent.
    #[error("rate limit exceeded; retry after {retry_after} s")]
    RateLimited {
        /// Seconds until a request is allowed again.
        retry_after: u64,
    },
    /// 502/503: the product source failed or is throttled.
    #[error("{0}")]
    Upstream(String),
    /// 500: the store failed.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status and the stable problem type name.
    pub fn kind(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request"),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate-limited"),
            Self::Upstream(_) => (StatusCode::BAD_GATEWAY, "upstream"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        let (status, name) = self.kind();
        Problem {
            r#type: format!("{PROBLEM_BASE}{name}"),
            title: status.canonical_reason().unwrap_or("error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
        }
    }
}

/// A problem response of any status (also used for 413, 408 and 404 of the framework).
pub fn problem_response(status: StatusCode, name: &str, detail: String) -> Response {
    let body = Problem {
        r#type: format!("{PROBLEM_BASE}{name}"),
        title: status.canonical_reason().unwrap_or("error").to_owned(),
        status: status.as_u16(),
        detail,
    };
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, name) = self.kind();
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed");
        }
        let mut response = problem_response(status, name, self.to_string());
        if let Self::RateLimited { retry_after } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => Self::NotFound(e.to_string()),
            StoreError::Conflict { .. } => Self::Conflict(e.to_string()),
            StoreError::Invalid { .. } => Self::Unprocessable(e.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<SourceError> for ApiError {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::InvalidInput { .. } => Self::BadRequest(e.to_string()),
            SourceError::NotFound { .. } => Self::NotFound(e.to_string()),
            other => Self::Upstream(other.to_string()),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Source(e) => e.into(),
            CatalogError::Store(e) => e.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<WatchError> for ApiError {
    fn from(e: WatchError) -> Self {
        match e {
            WatchError::Invalid(m) => Self::Unprocessable(m),
            WatchError::UnknownProduct(_) | WatchError::NotFound(_) => {
                Self::NotFound(e.to_string())
            }
            WatchError::Duplicate(_) => Self::Conflict(e.to_string()),
            WatchError::Catalog(c) => c.into(),
            WatchError::Store(s) => s.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<BulkError> for ApiError {
    fn from(e: BulkError) -> Self {
        match e {
            BulkError::Invalid(m) => Self::Unprocessable(m),
            BulkError::NotFound(_) => Self::NotFound(e.to_string()),
            BulkError::Store(s) => s.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Unknown | KeyError::Revoked => Self::Unauthorized(e.to_string()),
            KeyError::Invalid(m) => Self::Unprocessable(m),
            KeyError::Store(s) => s.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::Invalid(m) => Self::Unprocessable(m),
            WebhookError::NotFound(_) => Self::NotFound(e.to_string()),
            WebhookError::Store(s) => s.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}
