//! `GET /r/<token>`: the short redirect behind every Buy link. The click is recorded by
//! [`mandi_core::affiliate::AffiliateService::follow`]; this module only answers it.
//!
//! The answer is `302 Found` with the Amazon link in `Location`, `Cache-Control: no-store`
//! (every click reaches the server) and `Referrer-Policy: no-referrer` (Amazon does not
//! see the token). An unknown or malformed token is a `404` problem document; the token is
//! never logged or echoed.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mandi_core::affiliate::AffiliateError;

use crate::AppState;
use crate::error::{ApiError, problem_response};

/// The redirect route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/r/{token}", axum::routing::get(follow))
        .with_state(state)
}

/// Follows a Buy link.
async fn follow(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(affiliate) = state.affiliate() else {
        return problem_response(
            StatusCode::NOT_FOUND,
            "not-found",
            "affiliate links are not enabled on this server".to_owned(),
        );
    };
    match affiliate.follow(&token).await {
        Ok(redirect) => match HeaderValue::from_str(&redirect.location) {
            Ok(location) => {
                let mut response = StatusCode::FOUND.into_response();
                let headers = response.headers_mut();
                headers.insert(header::LOCATION, location);
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                headers.insert(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                );
                headers.insert(
                    header::HeaderName::from_static("x-robots-tag"),
                    HeaderValue::from_static("noindex"),
                );
                response
            }
            Err(_) => ApiError::Internal("the product link cannot be sent as a header".into())
                .into_response(),
        },
        Err(e @ (AffiliateError::MalformedToken | AffiliateError::UnknownToken)) => {
            problem_response(StatusCode::NOT_FOUND, "unknown-link", e.to_string())
        }
        Err(AffiliateError::Store(e)) => ApiError::from(e).into_response(),
        Err(e) => ApiError::Internal(e.to_string()).into_response(),
    }
}
