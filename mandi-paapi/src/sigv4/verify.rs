//! Verification: the server side, checking a received request's `Authorization` header.

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::Mac;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::canonical::{
    build_canonical_request, check_method, is_token_byte, normalize_header_value, normalize_path,
    split_uri,
};
use super::signing::{build_string_to_sign, new_hmac, signing_key};
use super::{ALGORITHM, AUTHORIZATION, SignableRequest, SigningError, TERMINATOR, X_AMZ_DATE};

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

/// The parts of an `Authorization` header.
pub(super) struct ParsedAuthorization<'a> {
    pub(super) access_key_id: &'a str,
    pub(super) date: &'a str,
    pub(super) region: &'a str,
    pub(super) service: &'a str,
    pub(super) signed_headers_raw: &'a str,
    pub(super) signed_headers: Vec<&'a str>,
    pub(super) signature: [u8; 32],
}

fn malformed(reason: impl Into<String>) -> VerifyError {
    VerifyError::MalformedAuthorization {
        reason: reason.into(),
    }
}

/// Splits an `Authorization` header into its parts, naming what is malformed.
pub(super) fn parse_authorization(value: &str) -> Result<ParsedAuthorization<'_>, VerifyError> {
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
pub(super) fn single_header<'a>(
    headers: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, ()> {
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

pub(super) fn parse_amz_date(value: &str) -> Option<DateTime<Utc>> {
    if value.len() != 16 || !value.is_ascii() {
        return None;
    }
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|naive| naive.and_utc())
}
