//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`): a signer for PA-API 5.0 requests and a
//! verifier for the sandbox marketplace.
//!
//! The signer is hand-written on `hmac` + `sha2` + `hex`: it is small, sits on the hot path of
//! every PA-API call, and the sandbox needs the very same canonicalisation to check what clients
//! send. Nothing is cached between calls: the signing key is a pure function of
//! (secret, date, region, service), and the time is an argument, so every signature is
//! reproducible. The public AWS SigV4 test suite (`mandi-paapi/tests/sigv4/`) pins each stage
//! (canonical request, string to sign, signature, signed request), and a property test checks
//! the signature against the `aws-sigv4` crate on random requests.
//!
//! Canonicalisation follows the AWS specification, in the form the AWS SDKs use for every
//! service but S3:
//!
//! * **URI path**: as sent (already percent-encoded on the wire), optionally normalised
//!   (`.`/`..` segments removed, empty segments collapsed), then percent-encoded once more:
//!   every byte outside the RFC 3986 unreserved set `A-Z a-z 0-9 - . _ ~` except `/` becomes
//!   `%XY`, so `%20` on the wire signs as `%2520` ("double encoding").
//! * **Query**: split on `&` (empty pieces dropped), each piece split on the first `=`; names
//!   and values are form-decoded (`+` is a space, `%XY` a byte) and then encoded with the
//!   unreserved set; pairs are sorted by encoded name, then encoded value; a missing value
//!   signs as `name=`.
//! * **Headers**: names lower-cased; values with line breaks folded into spaces, leading and
//!   trailing spaces removed and inner runs of spaces collapsed to one; repeated names joined
//!   with `,` in the order sent; sorted by name. `user-agent`, `x-amzn-trace-id` and
//!   `transfer-encoding` are left unsigned (see [`UNSIGNED_HEADERS`]).
//! * **Payload**: lower-case hex SHA-256 of the body bytes.
//!
//! # Examples
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use mandi_paapi::sigv4::{self, Credentials, SignableRequest, SigningParams, SigningSettings};
//!
//! let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
//! let headers = vec![("host".to_owned(), "example.amazonaws.com".to_owned())];
//! let request = SignableRequest { method: "GET", uri: "/", headers: &headers, body: b"" };
//! let params = SigningParams {
//!     credentials: &credentials,
//!     region: "us-east-1",
//!     service: "service",
//!     time: Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap(),
//! };
//! let signed = sigv4::sign(&request, &params, &SigningSettings::default())?;
//! assert_eq!(
//!     signed.signature,
//!     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
//! );
//! # Ok::<(), sigv4::SigningError>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The only algorithm this module signs and verifies.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The header carrying the request time, `YYYYMMDD'T'HHMMSS'Z'`.
pub const X_AMZ_DATE: &str = "x-amz-date";

/// The header carrying a temporary credential's session token.
pub const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";

/// The header carrying the hex SHA-256 of the body, when [`SigningSettings::sign_body_hash_header`] is on.
pub const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// The header carrying the signature.
pub const AUTHORIZATION: &str = "authorization";

/// Headers that are sent but never signed, because proxies and HTTP stacks may change or drop
/// them in transit (the AWS SDKs leave the same set out).
pub const UNSIGNED_HEADERS: [&str; 3] = ["user-agent", "x-amzn-trace-id", "transfer-encoding"];

const TERMINATOR: &str = "aws4_request";

type HmacSha256 = Hmac<Sha256>;

/// AWS credentials; the secret and session token are redacted in `Debug`.
#[derive(Clone)]
pub struct Credentials {
    /// The access key id, e.g. `AKIDEXAMPLE`; it is not secret and appears in the `Authorization` header.
    pub access_key_id: String,
    /// The secret access key; it never leaves this process.
    pub secret_access_key: SecretString,
    /// The session token of temporary credentials; sent and signed as `x-amz-security-token`.
    pub session_token: Option<SecretString>,
}

impl Credentials {
    /// Builds credentials from plain strings (e.g. read from configuration).
    ///
    /// # Examples
    ///
    /// ```
    /// let credentials = mandi_paapi::sigv4::Credentials::new("AKIDEXAMPLE", "secret", None);
    /// assert!(!format!("{credentials:?}").contains("secret\""));
    /// ```
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: SecretString::from(secret_access_key.into()),
            session_token: session_token.map(SecretString::from),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// Where and when to sign.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// Who signs.
    pub credentials: &'a Credentials,
    /// The signing region, e.g. `eu-west-1` for amazon.in's PA-API host.
    pub region: &'a str,
    /// The signing service name, e.g. `ProductAdvertisingAPI`.
    pub service: &'a str,
    /// The signing time; it becomes `x-amz-date` and the credential scope date.
    pub time: DateTime<Utc>,
}

/// A request to sign or verify: method, path + query as sent (e.g. `/paapi5/getitems` or
/// `/?a=b`), headers as sent (must include `host`), body bytes.
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    /// The HTTP method, e.g. `POST`; used as given.
    pub method: &'a str,
    /// The path and query as they go on the wire, starting with `/`; a `#fragment` is ignored.
    pub uri: &'a str,
    /// The headers as sent, names in any case; repeated names are allowed.
    pub headers: &'a [(String, String)],
    /// The body bytes.
    pub body: &'a [u8],
}

impl fmt::Debug for SignableRequest<'_> {
    /// Shows header names only: values may carry tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field(
                "header_names",
                &self
                    .headers
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Signing options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningSettings {
    /// Normalise the URI path (remove `.`/`..` segments, collapse `//`) before encoding it; true
    /// for every AWS service but S3. Default: `true`.
    pub normalize_path: bool,
    /// Add and sign an `x-amz-content-sha256` header holding the body hash. Default: `false`.
    pub sign_body_hash_header: bool,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            normalize_path: true,
            sign_body_hash_header: false,
        }
    }
}

/// What signing produced; the caller adds `headers` to the request it sends.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub struct SignedOutput {
    /// Headers to add, lower-case names, in this order: `x-amz-date`, `x-amz-security-token` (with
    /// a session token), `x-amz-content-sha256` (with `sign_body_hash_header`), `authorization`.
    pub headers: Vec<(String, String)>,
    /// The canonical request that was hashed (contains the session token, if any: do not log it).
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The signature, 64 lower-case hex digits.
    pub signature: String,
}

impl fmt::Debug for SignedOutput {
    /// Redacts the session token in headers and canonical request.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                if n == X_AMZ_SECURITY_TOKEN {
                    (n.as_str(), "[redacted]")
                } else {
                    (n.as_str(), v.as_str())
                }
            })
            .collect();
        let canonical_request: Vec<&str> = self
            .canonical_request
            .split('\n')
            .map(|line| {
                if line.starts_with("x-amz-security-token:") {
                    "x-amz-security-token:[redacted]"
                } else {
                    line
                }
            })
            .collect();
        f.debug_struct("SignedOutput")
            .field("headers", &headers)
            .field("canonical_request", &canonical_request.join("\n"))
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .finish()
    }
}

/// Why a request could not be signed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The request has no `host` header.
    #[error("the request has no `host` header; add the Host header that will be sent")]
    MissingHost,
    /// The method is empty or not an HTTP token.
    #[error("invalid HTTP method {method:?}: expected a token such as GET or POST")]
    InvalidMethod {
        /// The method given.
        method: String,
    },
    /// The URI is not a path + query starting with `/`, or holds control characters.
    #[error("invalid request URI {uri:?}: {reason}")]
    InvalidUri {
        /// The URI given.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header name is empty or holds characters not allowed in HTTP header names.
    #[error("invalid header name {name:?}: expected an HTTP token such as `x-amz-target`")]
    InvalidHeaderName {
        /// The header name given.
        name: String,
    },
    /// A header value holds control characters other than tab and line breaks.
    #[error("the value of header `{name}` holds a control character")]
    InvalidHeaderValue {
        /// The header's name (the value is not repeated: it may be secret).
        name: String,
    },
    /// The request already carries a header that signing adds.
    #[error(
        "the request already has a `{name}` header, which signing adds; remove it before signing"
    )]
    ReservedHeader {
        /// The lower-case header name.
        name: String,
    },
    /// The access key id, region or service cannot go into a credential scope.
    #[error(
        "invalid {what} {value:?}: it must be non-empty without `/`, `,`, `=`, spaces or control characters"
    )]
    InvalidScope {
        /// Which part: `access key id`, `region` or `service`.
        what: &'static str,
        /// The value given.
        value: String,
    },
    /// The signing time cannot be written as `YYYYMMDD'T'HHMMSS'Z'`.
    #[error("signing time {time} is outside the years 0000..=9999")]
    TimeOutOfRange {
        /// The time given.
        time: DateTime<Utc>,
    },
}

/// Signs `request`: returns the headers to add and every intermediate result.
///
/// # Errors
///
/// [`SigningError`] when the request has no `host` header, already has a header that signing
/// adds (`authorization`, `x-amz-date`, and `x-amz-security-token` / `x-amz-content-sha256` when
/// signing adds them), or holds an invalid method, URI, header name or value, or when the access
/// key id, region or service is empty or holds separators.
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use mandi_paapi::sigv4::{self, Credentials, SignableRequest, SigningParams, SigningSettings};
///
/// let credentials = Credentials::new("AKIDEXAMPLE", "secret", None);
/// let headers = vec![
///     ("Host".to_owned(), "webservices.amazon.in".to_owned()),
///     ("Content-Type".to_owned(), "application/json; charset=utf-8".to_owned()),
///     ("X-Amz-Target".to_owned(), "com.amazon.paapi5.v1.ProductAdvertisingAPIv1.GetItems".to_owned()),
/// ];
/// let body = br#"{"ItemIds":["B0CHX1W1XY"],"PartnerTag":"mandi-21","PartnerType":"Associates"}"#;
/// let request = SignableRequest { method: "POST", uri: "/paapi5/getitems", headers: &headers, body };
/// let params = SigningParams {
///     credentials: &credentials,
///     region: "eu-west-1",
///     service: "ProductAdvertisingAPI",
///     time: Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap(),
/// };
/// let signed = sigv4::sign(&request, &params, &SigningSettings::default())?;
/// assert_eq!(signed.headers[0], ("x-amz-date".to_owned(), "20250102T030405Z".to_owned()));
/// assert!(signed.headers[1].1.starts_with(
///     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250102/eu-west-1/ProductAdvertisingAPI/aws4_request, \
///      SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
/// ));
/// # Ok::<(), sigv4::SigningError>(())
/// ```
pub fn sign(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    settings: &SigningSettings,
) -> Result<SignedOutput, SigningError> {
    let credentials = params.credentials;
    check_scope_part("access key id", &credentials.access_key_id)?;
    check_scope_part("region", params.region)?;
    check_scope_part("service", params.service)?;
    check_method(request.method)?;
    let (path, query) = split_uri(request.uri)?;
    let amz_date = format_amz_date(params.time)?;
    let date = &amz_date[..8];
    let token = credentials
        .session_token
        .as_ref()
        .map(ExposeSecret::expose_secret);
    let payload_hash = hex::encode(Sha256::digest(request.body));

    let mut headers: Vec<(String, String)> = Vec::with_capacity(request.headers.len() + 3);
    for (name, value) in request.headers {
        check_header_name(name)?;
        let lower = name.to_ascii_lowercase();
        let reserved = lower == AUTHORIZATION
            || lower == X_AMZ_DATE
            || (lower == X_AMZ_SECURITY_TOKEN && token.is_some())
            || (lower == X_AMZ_CONTENT_SHA256 && settings.sign_body_hash_header);
        if reserved {
            return Err(SigningError::ReservedHeader { name: lower });
        }
        if UNSIGNED_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        let mut normalized = String::with_capacity(value.len());
        normalize_header_value(value, &mut normalized).map_err(|()| {
            SigningError::InvalidHeaderValue {
                name: lower.clone(),
            }
        })?;
        headers.push((lower, normalized));
    }
    headers.push((X_AMZ_DATE.to_owned(), amz_date.clone()));
    if let Some(token) = token {
        let mut normalized = String::with_capacity(token.len());
        normalize_header_value(token, &mut normalized).map_err(|()| {
            SigningError::InvalidHeaderValue {
                name: X_AMZ_SECURITY_TOKEN.to_owned(),
            }
        })?;
        headers.push((X_AMZ_SECURITY_TOKEN.to_owned(), normalized));
    }
    if settings.sign_body_hash_header {
        headers.push((X_AMZ_CONTENT_SHA256.to_owned(), payload_hash.clone()));
    }
    // Stable: repeated names keep the order they were sent in.
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    if !headers.iter().any(|(name, _)| name == "host") {
        return Err(SigningError::MissingHost);
    }

    let mut signed_headers = String::new();
    let mut canonical_headers = String::new();
    let mut previous: Option<&str> = None;
    for (name, value) in &headers {
        if previous == Some(name.as_str()) {
            canonical_headers.pop(); // the '\n' of the previous value
            canonical_headers.push(',');
        } else {
            if previous.is_some() {
                signed_headers.push(';');
            }
            signed_headers.push_str(name);
            canonical_headers.push_str(name);
            canonical_headers.push(':');
        }
        canonical_headers.push_str(value);
        canonical_headers.push('\n');
        previous = Some(name);
    }

    let canonical_request = build_canonical_request(
        request.method,
        path,
        query,
        settings.normalize_path,
        &canonical_headers,
        &signed_headers,
        &payload_hash,
    );
    let scope = format!("{date}/{}/{}/{TERMINATOR}", params.region, params.service);
    let string_to_sign = build_string_to_sign(&amz_date, &scope, &canonical_request);
    let key = signing_key(
        credentials.secret_access_key.expose_secret(),
        date,
        params.region,
        params.service,
    );
    let signature = hex::encode(hmac_sha256(&key, string_to_sign.as_bytes()));
    tracing::trace!(
        method = request.method,
        path,
        signed_headers = %signed_headers,
        string_to_sign = %string_to_sign,
        "signed request"
    );

    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id
    );
    let mut out_headers = Vec::with_capacity(4);
    out_headers.push((X_AMZ_DATE.to_owned(), amz_date));
    if let Some(token) = token {
        out_headers.push((X_AMZ_SECURITY_TOKEN.to_owned(), token.to_owned()));
    }
    if settings.sign_body_hash_header {
        out_headers.push((X_AMZ_CONTENT_SHA256.to_owned(), payload_hash));
    }
    out_headers.push((AUTHORIZATION.to_owned(), authorization));
    Ok(SignedOutput {
        headers: out_headers,
        canonical_request,
        string_to_sign,
        signature,
    })
}

/// Derives the SigV4 signing key: `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
///
/// `date` is the credential scope date, `YYYYMMDD`. The key is valid for that day, region and
/// service only; nothing is cached.
///
/// # Examples
///
/// ```
/// // The example of the AWS documentation ("Derive a signing key").
/// let key = mandi_paapi::sigv4::signing_key(
///     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam",
/// );
/// assert_eq!(hex::encode(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
/// ```
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let mut secret = Vec::with_capacity(4 + secret_access_key.len());
    secret.extend_from_slice(b"AWS4");
    secret.extend_from_slice(secret_access_key.as_bytes());
    let k_date = hmac_sha256(&secret, date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, TERMINATOR.as_bytes())
}

/// A request whose signature checked out.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRequest {
    /// The access key id that signed it.
    pub access_key_id: String,
    /// The credential scope region.
    pub region: String,
    /// The credential scope service.
    pub service: String,
    /// The signed header names, lower case, as listed in `SignedHeaders`.
    pub signed_headers: Vec<String>,
    /// The request time from `x-amz-date`.
    pub time: DateTime<Utc>,
}

/// Why a received request failed verification; [`VerifyError::code`] gives the AWS error code.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `Authorization` header.
    #[error("the request has no Authorization header; sign it with AWS Signature Version 4")]
    MissingAuthorization,
    /// The `Authorization` header does not parse.
    #[error("malformed Authorization header: {reason}")]
    MalformedAuthorization {
        /// What is wrong with it.
        reason: String,
    },
    /// The `Authorization` header names another algorithm.
    #[error("unsupported signing algorithm {algorithm:?}; only AWS4-HMAC-SHA256 is accepted")]
    UnsupportedAlgorithm {
        /// The algorithm named.
        algorithm: String,
    },
    /// No `x-amz-date` header.
    #[error("the request has no x-amz-date header")]
    MissingDate,
    /// The `x-amz-date` header is not `YYYYMMDD'T'HHMMSS'Z'`.
    #[error("malformed x-amz-date {value:?}: expected YYYYMMDD'T'HHMMSS'Z'")]
    MalformedDate {
        /// The header value.
        value: String,
    },
    /// `SignedHeaders` leaves out a header that must be signed (`host`, `x-amz-date`).
    #[error("`{name}` must be listed in SignedHeaders")]
    UnsignedRequiredHeader {
        /// The header name.
        name: &'static str,
    },
    /// `SignedHeaders` lists a header that the request does not have.
    #[error("signed header `{name}` is not present in the request")]
    SignedHeaderAbsent {
        /// The header name.
        name: String,
    },
    /// No secret is known for the access key id.
    #[error(
        "the security token included in the request is invalid: unknown access key id {access_key_id:?}"
    )]
    UnrecognizedClient {
        /// The access key id given.
        access_key_id: String,
    },
    /// The credential scope names another region.
    #[error("credential scope region {got:?} is wrong; expecting {expected:?}")]
    RegionMismatch {
        /// The region this endpoint serves.
        expected: String,
        /// The region in the credential scope.
        got: String,
    },
    /// The credential scope names another service.
    #[error("credential scope service {got:?} is wrong; expecting {expected:?}")]
    ServiceMismatch {
        /// The service this endpoint serves.
        expected: String,
        /// The service in the credential scope.
        got: String,
    },
    /// The credential scope date differs from the date of `x-amz-date`.
    #[error("credential scope date {scope_date} does not match x-amz-date {request_date}")]
    ScopeDateMismatch {
        /// The scope date, `YYYYMMDD`.
        scope_date: String,
        /// The date part of `x-amz-date`.
        request_date: String,
    },
    /// `x-amz-date` is too far from the server's clock.
    #[error(
        "request has expired: signed at {signed_at}, server time {now}, allowed skew {max_skew_seconds} s"
    )]
    RequestExpired {
        /// The time from `x-amz-date`.
        signed_at: DateTime<Utc>,
        /// The server time.
        now: DateTime<Utc>,
        /// The allowed difference, in seconds.
        max_skew_seconds: i64,
    },
    /// The request holds something that cannot be canonicalised (bad URI, header name or value).
    #[error("the request cannot be canonicalised: {0}")]
    InvalidRequest(#[source] SigningError),
    /// The signature does not match the request.
    #[error(
        "the request signature we calculated does not match the signature you provided; check the secret access key and signing method"
    )]
    SignatureMismatch,
}

impl VerifyError {
    /// The AWS / PA-API error code for this failure: `MissingAuthenticationToken`,
    /// `IncompleteSignature`, `UnrecognizedClient`, `RequestExpired` or `InvalidSignature`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mandi_paapi::sigv4::VerifyError;
    /// assert_eq!(VerifyError::SignatureMismatch.code(), "InvalidSignature");
    /// assert_eq!(VerifyError::MissingAuthorization.code(), "MissingAuthenticationToken");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAuthorization => "MissingAuthenticationToken",
            Self::MalformedAuthorization { .. }
            | Self::UnsupportedAlgorithm { .. }
            | Self::MissingDate
            | Self::MalformedDate { .. }
            | Self::UnsignedRequiredHeader { .. }
            | Self::SignedHeaderAbsent { .. } => "IncompleteSignature",
            Self::UnrecognizedClient { .. } => "UnrecognizedClient",
            Self::RequestExpired { .. } => "RequestExpired",
            Self::RegionMismatch { .. }
            | Self::ServiceMismatch { .. }
            | Self::ScopeDateMismatch { .. }
            | Self::InvalidRequest(_)
            | Self::SignatureMismatch => "InvalidSignature",
        }
    }
}

/// Server side: checks the `Authorization` header of a received request against the secret that
/// `lookup_secret` returns for its access key id.
///
/// The request must carry `authorization` and `x-amz-date` headers; `SignedHeaders` must list
/// `host` and `x-amz-date`. The credential scope must name `expected_region` and
/// `expected_service` and the date of `x-amz-date`, which must lie within `max_skew` of `now`.
/// The canonical request is rebuilt from the signed headers and the body received, with the path
/// normalised, and, if that fails to match, once more with the path as sent (a signer with
/// normalisation off, as for S3, signs that form; either binds the exact path received). The
/// signature is compared in constant time.
///
/// # Errors
///
/// A [`VerifyError`] naming the first check that failed; [`VerifyError::code`] maps it to
/// `MissingAuthenticationToken`, `IncompleteSignature`, `UnrecognizedClient`, `RequestExpired`
/// or `InvalidSignature`.
///
/// # Examples
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use mandi_paapi::sigv4::{self, Credentials, SignableRequest, SigningParams, SigningSettings};
/// use secrecy::SecretString;
///
/// let credentials = Credentials::new("AKIDEXAMPLE", "secret", None);
/// let time = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
/// let mut headers = vec![("host".to_owned(), "localhost".to_owned())];
/// let params = SigningParams { credentials: &credentials, region: "eu-west-1", service: "ProductAdvertisingAPI", time };
/// let signed = sigv4::sign(
///     &SignableRequest { method: "POST", uri: "/paapi5/getitems", headers: &headers, body: b"{}" },
///     &params,
///     &SigningSettings::default(),
/// )?;
/// headers.extend(signed.headers);
///
/// let lookup = |id: &str| (id == "AKIDEXAMPLE").then(|| SecretString::from("secret"));
/// let received = SignableRequest { method: "POST", uri: "/paapi5/getitems", headers: &headers, body: b"{}" };
/// let verified = sigv4::verify(&received, &lookup, time, Duration::minutes(15), "eu-west-1", "ProductAdvertisingAPI")
///     .expect("a request signed with the right secret verifies");
/// assert_eq!(verified.access_key_id, "AKIDEXAMPLE");
///
/// let tampered = SignableRequest { body: b"{ }", ..received };
/// let err = sigv4::verify(&tampered, &lookup, time, Duration::minutes(15), "eu-west-1", "ProductAdvertisingAPI")
///     .unwrap_err();
/// assert_eq!(err.code(), "InvalidSignature");
/// # Ok::<(), sigv4::SigningError>(())
/// ```
pub fn verify(
    request: &SignableRequest<'_>,
    lookup_secret: &dyn Fn(&str) -> Option<SecretString>,
    now: DateTime<Utc>,
    max_skew: chrono::Duration,
    expected_region: &str,
    expected_service: &str,
) -> Result<VerifiedRequest, VerifyError> {
    let result = verify_inner(
        request,
        lookup_secret,
        now,
        max_skew,
        expected_region,
        expected_service,
    );
    if let Err(err) = &result {
        tracing::debug!(code = err.code(), error = %err, "SigV4 verification failed");
    }
    result
}

fn verify_inner(
    request: &SignableRequest<'_>,
    lookup_secret: &dyn Fn(&str) -> Option<SecretString>,
    now: DateTime<Utc>,
    max_skew: chrono::Duration,
    expected_region: &str,
    expected_service: &str,
) -> Result<VerifiedRequest, VerifyError> {
    let authorization = single_header(request.headers, AUTHORIZATION)
        .map_err(|()| malformed("more than one Authorization header"))?
        .ok_or(VerifyError::MissingAuthorization)?;
    let auth = parse_authorization(authorization)?;

    let amz_date = single_header(request.headers, X_AMZ_DATE)
        .map_err(|()| VerifyError::MalformedDate {
            value: "more than one x-amz-date header".to_owned(),
        })?
        .ok_or(VerifyError::MissingDate)?
        .trim();
    let time = parse_amz_date(amz_date).ok_or_else(|| VerifyError::MalformedDate {
        value: amz_date.to_owned(),
    })?;
    if auth.date != &amz_date[..8] {
        return Err(VerifyError::ScopeDateMismatch {
            scope_date: auth.date.to_owned(),
            request_date: amz_date[..8].to_owned(),
        });
    }
    if auth.region != expected_region {
        return Err(VerifyError::RegionMismatch {
            expected: expected_region.to_owned(),
            got: auth.region.to_owned(),
        });
    }
    if auth.service != expected_service {
        return Err(VerifyError::ServiceMismatch {
            expected: expected_service.to_owned(),
            got: auth.service.to_owned(),
        });
    }
    for required in ["host", X_AMZ_DATE] {
        if !auth.signed_headers.contains(&required) {
            return Err(VerifyError::UnsignedRequiredHeader { name: required });
        }
    }
    let secret =
        lookup_secret(auth.access_key_id).ok_or_else(|| VerifyError::UnrecognizedClient {
            access_key_id: auth.access_key_id.to_owned(),
        })?;
    let skew = (now - time).abs();
    if skew > max_skew {
        return Err(VerifyError::RequestExpired {
            signed_at: time,
            now,
            max_skew_seconds: max_skew.num_seconds(),
        });
    }

    check_method(request.method).map_err(VerifyError::InvalidRequest)?;
    let (path, query) = split_uri(request.uri).map_err(VerifyError::InvalidRequest)?;
    let mut canonical_headers = String::new();
    for name in &auth.signed_headers {
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        let mut found = false;
        for (sent_name, value) in request.headers {
            if sent_name.eq_ignore_ascii_case(name) {
                if found {
                    canonical_headers.push(',');
                }
                found = true;
                normalize_header_value(value, &mut canonical_headers).map_err(|()| {
                    VerifyError::InvalidRequest(SigningError::InvalidHeaderValue {
                        name: (*name).to_owned(),
                    })
                })?;
            }
        }
        if !found {
            return Err(VerifyError::SignedHeaderAbsent {
                name: (*name).to_owned(),
            });
        }
        canonical_headers.push('\n');
    }
    let payload_hash = hex::encode(Sha256::digest(request.body));
    let scope = format!(
        "{}/{}/{}/{TERMINATOR}",
        auth.date, auth.region, auth.service
    );
    let key = signing_key(secret.expose_secret(), auth.date, auth.region, auth.service);

    let matches = |normalize: bool| {
        let canonical_request = build_canonical_request(
            request.method,
            path,
            query,
            normalize,
            &canonical_headers,
            auth.signed_headers_raw,
            &payload_hash,
        );
        let string_to_sign = build_string_to_sign(amz_date, &scope, &canonical_request);
        let mut mac = new_hmac(&key);
        mac.update(string_to_sign.as_bytes());
        mac.verify_slice(&auth.signature).is_ok()
    };
    let verified = matches(true) || (normalize_path(path) != path && matches(false));
    if !verified {
        return Err(VerifyError::SignatureMismatch);
    }
    Ok(VerifiedRequest {
        access_key_id: auth.access_key_id.to_owned(),
        region: auth.region.to_owned(),
        service: auth.service.to_owned(),
        signed_headers: auth
            .signed_headers
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        time,
    })
}

struct ParsedAuthorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers_raw: &'a str,
    signed_headers: Vec<&'a str>,
    signature: [u8; 32],
}

fn malformed(reason: impl Into<String>) -> VerifyError {
    VerifyError::MalformedAuthorization {
        reason: reason.into(),
    }
}

fn parse_authorization(value: &str) -> Result<ParsedAuthorization<'_>, VerifyError> {
    let value = value.trim_matches(' ');
    let (algorithm, rest) = value.split_once(' ').ok_or_else(|| {
        malformed("expected `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`")
    })?;
    if algorithm != ALGORITHM {
        return Err(VerifyError::UnsupportedAlgorithm {
            algorithm: algorithm.to_owned(),
        });
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim_matches(' ');
        let (key, val) = part
            .split_once('=')
            .ok_or_else(|| malformed(format!("component {part:?} is not `name=value`")))?;
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            other => return Err(malformed(format!("unknown component {other:?}"))),
        };
        if slot.replace(val).is_some() {
            return Err(malformed(format!("component {key} appears twice")));
        }
    }
    let credential = credential.ok_or_else(|| malformed("Credential is missing"))?;
    let signed_headers_raw = signed_headers.ok_or_else(|| malformed("SignedHeaders is missing"))?;
    let signature_hex = signature.ok_or_else(|| malformed("Signature is missing"))?;

    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope[..] else {
        return Err(malformed(
            "Credential must be `<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request`",
        ));
    };
    if terminator != TERMINATOR {
        return Err(malformed("Credential scope must end with `aws4_request`"));
    }
    if access_key_id.is_empty() || region.is_empty() || service.is_empty() {
        return Err(malformed(
            "Credential has an empty access key id, region or service",
        ));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("Credential scope date must be YYYYMMDD"));
    }

    let signed_headers: Vec<&str> = signed_headers_raw.split(';').collect();
    for (i, name) in signed_headers.iter().enumerate() {
        if name.is_empty()
            || !name.bytes().all(is_token_byte)
            || name.bytes().any(|b| b.is_ascii_uppercase())
        {
            return Err(malformed(format!(
                "SignedHeaders entry {name:?} is not a lower-case header name"
            )));
        }
        if signed_headers[..i].contains(name) {
            return Err(malformed(format!("SignedHeaders lists {name:?} twice")));
        }
    }

    let mut signature = [0u8; 32];
    hex::decode_to_slice(signature_hex, &mut signature)
        .map_err(|_| malformed("Signature must be 64 hex digits"))?;
    Ok(ParsedAuthorization {
        access_key_id,
        date,
        region,
        service,
        signed_headers_raw,
        signed_headers,
        signature,
    })
}

/// The one header named `name` (case-insensitive): `Ok(None)` if absent, `Err` if repeated.
fn single_header<'a>(headers: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ()> {
    let mut found = None;
    for (n, v) in headers {
        if n.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(());
            }
            found = Some(v.as_str());
        }
    }
    Ok(found)
}

fn build_canonical_request(
    method: &str,
    path: &str,
    query: &str,
    normalize: bool,
    canonical_headers: &str,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    let mut out = String::with_capacity(
        method.len()
            + path.len() * 3
            + query.len() * 3
            + canonical_headers.len()
            + signed_headers.len()
            + payload_hash.len()
            + 8,
    );
    out.push_str(method);
    out.push('\n');
    if normalize {
        encode_into(&normalize_path(path), true, &mut out);
    } else {
        encode_into(path, true, &mut out);
    }
    out.push('\n');
    canonical_query_into(query, &mut out);
    out.push('\n');
    out.push_str(canonical_headers);
    out.push('\n');
    out.push_str(signed_headers);
    out.push('\n');
    out.push_str(payload_hash);
    out
}

fn build_string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    let hash = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    let mut out = String::with_capacity(ALGORITHM.len() + amz_date.len() + scope.len() + 67);
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(amz_date);
    out.push('\n');
    out.push_str(scope);
    out.push('\n');
    out.push_str(&hash);
    out
}

fn new_hmac(key: &[u8]) -> HmacSha256 {
    match <HmacSha256 as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC takes keys of any length (RFC 2104 hashes long keys and zero-pads short ones);
        // `Hmac::new_from_slice` never returns an error.
        Err(_) => unreachable!("HMAC-SHA256 accepts keys of any length"),
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = new_hmac(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Splits `/path?query#fragment` into path and query; the fragment is dropped.
fn split_uri(uri: &str) -> Result<(&str, &str), SigningError> {
    let invalid = |reason| SigningError::InvalidUri {
        uri: uri.to_owned(),
        reason,
    };
    if !uri.starts_with('/') {
        return Err(invalid(
            "expected a path starting with `/`, such as `/paapi5/getitems`",
        ));
    }
    if uri.chars().any(char::is_control) {
        return Err(invalid("it holds a control character"));
    }
    let without_fragment = uri.split_once('#').map_or(uri, |(before, _)| before);
    Ok(without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, "")))
}

/// Removes `.` and `..` segments and empty segments (RFC 3986 section 5.2.4, plus collapsing
/// `//`), keeping a trailing slash; the result starts with `/`.
fn normalize_path(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        return Cow::Borrowed("/");
    }
    if !path.contains('.') && !path.contains("//") && path.starts_with('/') {
        return Cow::Borrowed(path);
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    let trailing = ["/", "/.", "/./", "/..", "/../"]
        .iter()
        .any(|end| path.ends_with(end));
    if out.is_empty() || (trailing && !out.ends_with('/')) {
        out.push('/');
    }
    Cow::Owned(out)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes every byte outside the RFC 3986 unreserved set (and `/` when `keep_slash`).
fn encode_into(s: &str, keep_slash: bool, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// Form-decodes a query component: `+` is a space, `%XY` a byte; invalid UTF-8 becomes U+FFFD.
fn form_decode(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'+' || b == b'%') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|b| char::from(*b).to_digit(16));
                let lo = bytes.get(i + 2).and_then(|b| char::from(*b).to_digit(16));
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    // Both digits are < 16, so the byte fits.
                    out.push(((hi << 4) | lo) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            other => out.push(other),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn canonical_query_into(query: &str, out: &mut String) {
    if query.is_empty() {
        return;
    }
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let mut enc_name = String::with_capacity(name.len());
            encode_into(&form_decode(name), false, &mut enc_name);
            let mut enc_value = String::with_capacity(value.len());
            encode_into(&form_decode(value), false, &mut enc_value);
            (enc_name, enc_value)
        })
        .collect();
    pairs.sort_unstable();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
}

/// Appends the canonical form of a header value: line breaks fold into spaces, leading and
/// trailing spaces go, inner runs of spaces become one. Fails on control characters other than
/// tab, CR and LF.
fn normalize_header_value(value: &str, out: &mut String) -> Result<(), ()> {
    let mut started = false;
    let mut pending_space = false;
    for ch in value.chars() {
        let ch = if ch == '\r' || ch == '\n' { ' ' } else { ch };
        if ch == ' ' {
            pending_space = started;
            continue;
        }
        if ch.is_ascii_control() && ch != '\t' {
            return Err(());
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(ch);
        started = true;
    }
    Ok(())
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn check_header_name(name: &str) -> Result<(), SigningError> {
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(SigningError::InvalidHeaderName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

fn check_method(method: &str) -> Result<(), SigningError> {
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(SigningError::InvalidMethod {
            method: method.to_owned(),
        });
    }
    Ok(())
}

fn check_scope_part(what: &'static str, value: &str) -> Result<(), SigningError> {
    let bad = value.is_empty()
        || value
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | ',' | '='));
    if bad {
        return Err(SigningError::InvalidScope {
            what,
            value: value.to_owned(),
        });
    }
    Ok(())
}

fn format_amz_date(time: DateTime<Utc>) -> Result<String, SigningError> {
    if !(0..=9999).contains(&time.year()) {
        return Err(SigningError::TimeOutOfRange { time });
    }
    Ok(time.format("%Y%m%dT%H%M%SZ").to_string())
}

fn parse_amz_date(value: &str) -> Option<DateTime<Utc>> {
    if value.len() != 16 || !value.is_ascii() {
        return None;
    }
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn canonical_uri(path: &str, normalize: bool) -> String {
        let mut out = String::new();
        if normalize {
            encode_into(&normalize_path(path), true, &mut out);
        } else {
            encode_into(path, true, &mut out);
        }
        out
    }

    fn canonical_query(query: &str) -> String {
        let mut out = String::new();
        canonical_query_into(query, &mut out);
        out
    }

    fn normalized(value: &str) -> String {
        let mut out = String::new();
        normalize_header_value(value, &mut out).unwrap();
        out
    }

    fn request_headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn example_time() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap()
    }

    #[test]
    fn signing_key_matches_the_aws_documentation_example() {
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn path_normalisation_removes_dot_segments_and_empty_segments() {
        assert_eq!(normalize_path(""), "/");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("/a/b/../c"), "/a/c");
        assert_eq!(normalize_path("/a/b/.."), "/a/");
        assert_eq!(normalize_path("/../../a"), "/a");
        assert_eq!(normalize_path("//a//b//"), "/a/b/");
        assert_eq!(normalize_path("/a/./b/."), "/a/b/");
        assert_eq!(normalize_path("/a.b/c..d"), "/a.b/c..d");
        assert_eq!(normalize_path("/%2E%2E/a"), "/%2E%2E/a");
    }

    #[test]
    fn canonical_uri_encodes_the_path_again() {
        assert_eq!(canonical_uri("/example space/", false), "/example%20space/");
        assert_eq!(canonical_uri("/a%20b", true), "/a%2520b");
        assert_eq!(canonical_uri("/\u{1234}", true), "/%E1%88%B4");
        assert_eq!(
            canonical_uri("/-._~AZaz09!$&'()*+,;=:@", true),
            "/-._~AZaz09%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40"
        );
        assert_eq!(canonical_uri("//a/./b", false), "//a/./b");
    }

    #[test]
    fn canonical_query_sorts_encoded_pairs_and_keeps_empty_values() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("flag&x="), "flag=&x=");
        assert_eq!(canonical_query("&&a=1&"), "a=1");
        assert_eq!(canonical_query("a+b=c%20d"), "a%20b=c%20d");
        assert_eq!(canonical_query("k=a=b"), "k=a%3Db");
        assert_eq!(canonical_query("k=%41%7e"), "k=A~");
        assert_eq!(canonical_query("k=%zz%4"), "k=%25zz%254");
        assert_eq!(canonical_query("k=%FF"), "k=%EF%BF%BD");
        // Sorted after encoding: '%' (0x25) sorts before '-' (0x2d).
        assert_eq!(canonical_query("a-b=1&a/b=2"), "a%2Fb=2&a-b=1");
    }

    #[test]
    fn header_values_are_trimmed_folded_and_collapsed() {
        assert_eq!(normalized("  a   b  "), "a b");
        assert_eq!(
            normalized("value1\n  value2\r\n     value3"),
            "value1 value2 value3"
        );
        assert_eq!(normalized("\"a   b   c\""), "\"a b c\"");
        assert_eq!(normalized("a\tb"), "a\tb");
        assert_eq!(normalized(""), "");
        assert!(normalize_header_value("a\u{0}b", &mut String::new()).is_err());
    }

    #[test]
    fn amz_dates_round_trip() {
        let time = example_time();
        let text = format_amz_date(time).unwrap();
        assert_eq!(text, "20150830T123600Z");
        assert_eq!(parse_amz_date(&text), Some(time));
        assert_eq!(parse_amz_date("2015-08-30T12:36:00Z"), None);
        assert_eq!(parse_amz_date("20150830T123600"), None);
    }

    #[test]
    fn sign_rejects_bad_input_with_named_errors() {
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", Some("token".to_owned()));
        let params = SigningParams {
            credentials: &credentials,
            region: "us-east-1",
            service: "service",
            time: example_time(),
        };
        let settings = SigningSettings::default();
        let sign_with = |method: &str, uri: &str, headers: &[(&str, &str)]| {
            let headers = request_headers(headers);
            sign(
                &SignableRequest {
                    method,
                    uri,
                    headers: &headers,
                    body: b"",
                },
                &params,
                &settings,
            )
        };
        let host = ("Host", "example.amazonaws.com");
        assert_eq!(
            sign_with("GET", "/", &[]).unwrap_err(),
            SigningError::MissingHost
        );
        assert!(matches!(
            sign_with("GET", "paapi5", &[host]).unwrap_err(),
            SigningError::InvalidUri { .. }
        ));
        assert!(matches!(
            sign_with("GE T", "/", &[host]).unwrap_err(),
            SigningError::InvalidMethod { .. }
        ));
        assert!(matches!(
            sign_with("GET", "/", &[host, ("bad name", "x")]).unwrap_err(),
            SigningError::InvalidHeaderName { .. }
        ));
        assert_eq!(
            sign_with("GET", "/", &[host, ("x-a", "a\u{7}")]).unwrap_err(),
            SigningError::InvalidHeaderValue {
                name: "x-a".to_owned()
            }
        );
        for reserved in ["Authorization", "X-Amz-Date", "X-Amz-Security-Token"] {
            assert_eq!(
                sign_with("GET", "/", &[host, (reserved, "x")]).unwrap_err(),
                SigningError::ReservedHeader {
                    name: reserved.to_ascii_lowercase()
                }
            );
        }
        let bad_region = SigningParams {
            region: "us/east",
            ..params
        };
        let headers = request_headers(&[host]);
        let err = sign(
            &SignableRequest {
                method: "GET",
                uri: "/",
                headers: &headers,
                body: b"",
            },
            &bad_region,
            &settings,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("invalid region \"us/east\""),
            "{err}"
        );
    }

    #[test]
    fn unsigned_headers_are_sent_but_not_signed() {
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", None);
        let params = SigningParams {
            credentials: &credentials,
            region: "us-east-1",
            service: "service",
            time: example_time(),
        };
        let headers = request_headers(&[
            ("Host", "example.amazonaws.com"),
            ("User-Agent", "mandi/0.1"),
            ("Transfer-Encoding", "chunked"),
        ]);
        let signed = sign(
            &SignableRequest {
                method: "GET",
                uri: "/",
                headers: &headers,
                body: b"",
            },
            &params,
            &SigningSettings::default(),
        )
        .unwrap();
        assert!(
            signed.headers[1]
                .1
                .contains("SignedHeaders=host;x-amz-date,"),
            "{}",
            signed.headers[1].1
        );
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let credentials =
            Credentials::new("AKIDEXAMPLE", "top-secret", Some("tok-secret".to_owned()));
        let debug = format!("{credentials:?}");
        assert!(debug.contains("AKIDEXAMPLE"));
        assert!(
            !debug.contains("top-secret") && !debug.contains("tok-secret"),
            "{debug}"
        );

        let headers = request_headers(&[("Host", "example.amazonaws.com")]);
        let signed = sign(
            &SignableRequest {
                method: "GET",
                uri: "/",
                headers: &headers,
                body: b"",
            },
            &SigningParams {
                credentials: &credentials,
                region: "us-east-1",
                service: "service",
                time: example_time(),
            },
            &SigningSettings::default(),
        )
        .unwrap();
        assert!(signed.canonical_request.contains("tok-secret"));
        let debug = format!("{signed:?}");
        assert!(!debug.contains("tok-secret"), "{debug}");
        assert!(debug.contains(&signed.signature));
    }

    #[test]
    fn authorization_parsing_names_what_is_wrong() {
        let ok = "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let parsed = parse_authorization(ok).unwrap();
        assert_eq!(parsed.access_key_id, "AKID");
        assert_eq!(parsed.signed_headers, ["host", "x-amz-date"]);

        let err = |value: &str| parse_authorization(value).err().unwrap();
        assert!(matches!(
            err("AWS4-HMAC-SHA1 Credential=a"),
            VerifyError::UnsupportedAlgorithm { .. }
        ));
        assert_eq!(
            err(&ok.replace(", Signature", ", X=1, Signature")).code(),
            "IncompleteSignature"
        );
        assert!(
            err(&ok.replace("/aws4_request", "/aws5_request"))
                .to_string()
                .contains("aws4_request")
        );
        assert!(
            err(&ok.replace("Signature=5f", "Signature=zz"))
                .to_string()
                .contains("64 hex digits")
        );
        assert!(
            err(&ok.replace(", SignedHeaders=host;x-amz-date", ""))
                .to_string()
                .contains("SignedHeaders is missing")
        );
        assert!(
            err(&ok.replace("host;x-amz-date", "Host;x-amz-date"))
                .to_string()
                .contains("lower-case")
        );
        assert!(
            err(&ok.replace("host;x-amz-date", "host;host"))
                .to_string()
                .contains("twice")
        );
    }

    #[test]
    fn verify_error_codes_cover_the_paapi_codes() {
        assert_eq!(
            VerifyError::MissingAuthorization.code(),
            "MissingAuthenticationToken"
        );
        assert_eq!(VerifyError::MissingDate.code(), "IncompleteSignature");
        assert_eq!(
            VerifyError::UnrecognizedClient {
                access_key_id: "x".to_owned()
            }
            .code(),
            "UnrecognizedClient"
        );
        assert_eq!(
            VerifyError::RequestExpired {
                signed_at: example_time(),
                now: example_time(),
                max_skew_seconds: 900
            }
            .code(),
            "RequestExpired"
        );
        assert_eq!(VerifyError::SignatureMismatch.code(), "InvalidSignature");
    }
}
