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
//! The code follows the three stages: `canonical` builds the canonical request (the rules
//! above), `signing` the string to sign, the signing key and the signature ([`sign`],
//! [`signing_key`]), and `verify` checks a received request ([`verify`]) by rebuilding the
//! same canonical request.
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

mod canonical;
mod signing;
mod verify;

use std::fmt;

use chrono::{DateTime, Utc};
use hmac::Hmac;
use secrecy::SecretString;
use sha2::Sha256;

pub use signing::{sign, signing_key};
pub use verify::{VerifiedRequest, VerifyError, verify};

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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::canonical::*;
    use super::signing::*;
    use super::verify::*;
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
