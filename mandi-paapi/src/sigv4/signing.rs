//! Signing: the string to sign, the signing key and the signature of a request.

use chrono::{DateTime, Datelike, Utc};
use hmac::Mac;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::canonical::{
    build_canonical_request, check_header_name, check_method, normalize_header_value, split_uri,
};
use super::{
    ALGORITHM, AUTHORIZATION, HmacSha256, SignableRequest, SignedOutput, SigningError,
    SigningParams, SigningSettings, TERMINATOR, UNSIGNED_HEADERS, X_AMZ_CONTENT_SHA256, X_AMZ_DATE,
    X_AMZ_SECURITY_TOKEN,
};

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

pub(super) fn build_string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
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

pub(super) fn new_hmac(key: &[u8]) -> HmacSha256 {
    match <HmacSha256 as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC takes keys of any length (RFC 2104 hashes long keys and zero-pads short ones);
        // `Hmac::new_from_slice` never returns an error.
        Err(_) => unreachable!("HMAC-SHA256 accepts keys of any length"),
    }
}

pub(super) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = new_hmac(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

pub(super) fn check_scope_part(what: &'static str, value: &str) -> Result<(), SigningError> {
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

pub(super) fn format_amz_date(time: DateTime<Utc>) -> Result<String, SigningError> {
    if !(0..=9999).contains(&time.year()) {
        return Err(SigningError::TimeOutOfRange { time });
    }
    Ok(time.format("%Y%m%dT%H%M%SZ").to_string())
}
