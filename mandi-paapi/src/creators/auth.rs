//! OAuth2 client-credentials tokens for the Creators API.
//!
//! Credential version 2.x uses Amazon Cognito: a form-encoded body, scope
//! `creatorsapi/default`, and the header `Authorization: Bearer <token>, Version <v>`.
//! Version 3.x uses Login with Amazon: a JSON body, scope `creatorsapi::default`, and
//! `Authorization: Bearer <token>`. The minor version picks the region group:
//! `.1` North America, `.2` Europe (with India), `.3` Far East.
//!
//! The token is cached and refreshed 30 seconds before it expires; a mutex makes
//! concurrent callers wait for one refresh instead of each asking for a token.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use mandi_core::{Clock, CredentialGroup, SourceError};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use super::model::{TokenErrorResponse, TokenResponse};
use crate::transport::{HttpTransport, PreparedRequest, decode_json, snippet};

/// How long before expiry a token is refreshed.
pub const REFRESH_MARGIN_SECONDS: i64 = 30;

/// The lifetime assumed when the token endpoint does not say.
pub const DEFAULT_TOKEN_LIFETIME_SECONDS: u64 = 3600;

/// A Creators API credential version.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialVersion {
    /// 2.1: Cognito, North America.
    V2_1,
    /// 2.2: Cognito, Europe and India.
    V2_2,
    /// 2.3: Cognito, Far East.
    V2_3,
    /// 3.1: Login with Amazon, North America.
    V3_1,
    /// 3.2: Login with Amazon, Europe and India.
    V3_2,
    /// 3.3: Login with Amazon, Far East.
    V3_3,
}

impl CredentialVersion {
    /// The version as written in the `Authorization` header (`2.2`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2_1 => "2.1",
            Self::V2_2 => "2.2",
            Self::V2_3 => "2.3",
            Self::V3_1 => "3.1",
            Self::V3_2 => "3.2",
            Self::V3_3 => "3.3",
        }
    }

    /// True for Login with Amazon (3.x).
    pub fn is_lwa(self) -> bool {
        matches!(self, Self::V3_1 | Self::V3_2 | Self::V3_3)
    }

    /// The region group the credentials were issued for.
    pub fn group(self) -> CredentialGroup {
        match self {
            Self::V2_1 | Self::V3_1 => CredentialGroup::NorthAmerica,
            Self::V2_2 | Self::V3_2 => CredentialGroup::Europe,
            Self::V2_3 | Self::V3_3 => CredentialGroup::FarEast,
        }
    }

    /// The OAuth2 token URL of this version.
    pub fn token_url(self) -> &'static str {
        match self {
            Self::V2_1 => "https://creatorsapi.auth.us-east-1.amazoncognito.com/oauth2/token",
            Self::V2_2 => "https://creatorsapi.auth.eu-south-2.amazoncognito.com/oauth2/token",
            Self::V2_3 => "https://creatorsapi.auth.us-west-2.amazoncognito.com/oauth2/token",
            Self::V3_1 => "https://api.amazon.com/auth/o2/token",
            Self::V3_2 => "https://api.amazon.co.uk/auth/o2/token",
            Self::V3_3 => "https://api.amazon.co.jp/auth/o2/token",
        }
    }

    /// The OAuth2 scope.
    pub fn scope(self) -> &'static str {
        if self.is_lwa() {
            "creatorsapi::default"
        } else {
            "creatorsapi/default"
        }
    }

    /// The `Authorization` header value for `token`.
    pub fn authorization(self, token: &str) -> String {
        if self.is_lwa() {
            format!("Bearer {token}")
        } else {
            format!("Bearer {token}, Version {}", self.as_str())
        }
    }
}

impl fmt::Display for CredentialVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CredentialVersion {
    type Err = crate::error::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "2.1" => Self::V2_1,
            "2.2" => Self::V2_2,
            "2.3" => Self::V2_3,
            "3.1" => Self::V3_1,
            "3.2" => Self::V3_2,
            "3.3" => Self::V3_3,
            other => {
                return Err(crate::error::Error::UnsupportedCredentialVersion(
                    other.to_owned(),
                ));
            }
        })
    }
}

struct CachedToken {
    token: SecretString,
    refresh_at: DateTime<Utc>,
}

/// Fetches, caches and refreshes the bearer token.
pub(crate) struct TokenManager {
    transport: HttpTransport,
    token_url: String,
    client_id: String,
    client_secret: SecretString,
    version: CredentialVersion,
    clock: Arc<dyn Clock>,
    state: Mutex<Option<CachedToken>>,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl TokenManager {
    pub(crate) fn new(
        transport: HttpTransport,
        token_url: String,
        client_id: String,
        client_secret: SecretString,
        version: CredentialVersion,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            transport,
            token_url,
            client_id,
            client_secret,
            version,
            clock,
            state: Mutex::new(None),
        }
    }

    /// A valid token, fetched when none is cached or the cached one is within 30 s of
    /// expiry. Concurrent callers share one refresh.
    pub(crate) async fn token(&self) -> Result<SecretString, SourceError> {
        let mut state = self.state.lock().await;
        if let Some(cached) = state.as_ref()
            && self.clock.now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }
        let fresh = self.fetch().await?;
        let token = fresh.token.clone();
        *state = Some(fresh);
        Ok(token)
    }

    /// Forgets `stale` (after a 401) unless another caller already replaced it.
    pub(crate) async fn invalidate(&self, stale: &SecretString) {
        let mut state = self.state.lock().await;
        if state
            .as_ref()
            .is_some_and(|c| c.token.expose_secret() == stale.expose_secret())
        {
            *state = None;
        }
    }

    async fn fetch(&self) -> Result<CachedToken, SourceError> {
        let name = self.transport.source_name().to_owned();
        let (content_type, body) = if self.version.is_lwa() {
            let body = serde_json::json!({
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret.expose_secret(),
                "scope": self.version.scope(),
            });
            ("application/json", body.to_string().into_bytes())
        } else {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("client_id", &self.client_id)
                .append_pair("client_secret", self.client_secret.expose_secret())
                .append_pair("scope", self.version.scope())
                .finish();
            ("application/x-www-form-urlencoded", body.into_bytes())
        };
        let prepare = || {
            Ok(PreparedRequest {
                url: self.token_url.clone(),
                headers: vec![
                    ("content-type".to_owned(), content_type.to_owned()),
                    ("accept".to_owned(), "application/json".to_owned()),
                ],
                body: body.clone(),
            })
        };
        tracing::debug!(version = %self.version, "requesting a Creators API token");
        let reply = self.transport.send(&prepare).await?;
        if !(200..300).contains(&reply.status) {
            let parsed: Option<TokenErrorResponse> = serde_json::from_slice(&reply.body).ok();
            let code = parsed
                .as_ref()
                .and_then(|p| p.error.clone())
                .unwrap_or_else(|| format!("HTTP {}", reply.status));
            let message = parsed
                .and_then(|p| p.error_description)
                .unwrap_or_else(|| snippet(&reply.body));
            return Err(match reply.status {
                429 => SourceError::Throttled {
                    source_name: name,
                    retry_after: reply.retry_after,
                    message: format!("token endpoint: {message}"),
                },
                s if s >= 500 => SourceError::Server {
                    source_name: name,
                    status: s,
                    message: format!("token endpoint: {message}"),
                },
                _ => SourceError::Unauthorized {
                    source_name: name,
                    code,
                    message: format!("the token endpoint refused the credentials: {message}"),
                },
            });
        }
        let token: TokenResponse = decode_json(&name, &reply.body)?;
        if token.access_token.is_empty() {
            return Err(SourceError::Decode {
                source_name: name,
                path: "access_token".to_owned(),
                message: "the token endpoint sent an empty token".to_owned(),
            });
        }
        let lifetime = token.expires_in.unwrap_or(DEFAULT_TOKEN_LIFETIME_SECONDS);
        let lifetime = i64::try_from(lifetime)
            .unwrap_or(i64::MAX / 2)
            .min(10 * 365 * 86_400);
        let refresh_at =
            self.clock.now() + ChronoDuration::seconds(lifetime - REFRESH_MARGIN_SECONDS);
        Ok(CachedToken {
            token: SecretString::from(token.access_token),
            refresh_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_pick_flow_scope_header_and_region() {
        let v: CredentialVersion = "2.2".parse().unwrap();
        assert_eq!(v.group(), CredentialGroup::Europe);
        assert_eq!(v.scope(), "creatorsapi/default");
        assert_eq!(v.authorization("t"), "Bearer t, Version 2.2");
        assert!(v.token_url().contains("eu-south-2"));
        let v: CredentialVersion = "3.2".parse().unwrap();
        assert!(v.is_lwa());
        assert_eq!(v.scope(), "creatorsapi::default");
        assert_eq!(v.authorization("t"), "Bearer t");
        assert_eq!(v.group(), CredentialGroup::Europe);
        assert!(
            "2.9"
                .parse::<CredentialVersion>()
                .unwrap_err()
                .to_string()
                .contains("unsupported")
        );
        assert!(CredentialVersion::V2_1.token_url().contains("us-east-1"));
        assert!(CredentialVersion::V2_3.token_url().contains("us-west-2"));
    }
}
