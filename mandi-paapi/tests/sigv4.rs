//! Golden tests for the SigV4 signer and verifier, on the public AWS SigV4 test suite in
//! `tests/sigv4/<case>/` (origin and licence in `tests/sigv4/README.md`), and a property test
//! that checks our signatures against the `aws-sigv4` crate on random requests.

#![allow(clippy::unwrap_used)] // tests may unwrap

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use mandi_paapi::sigv4::{
    self, Credentials, SignableRequest, SignedOutput, SigningParams, SigningSettings, VerifyError,
};
use secrecy::SecretString;

/// A parsed `request.txt` or `header-signed-request.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RawRequest {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawRequest {
    /// Parses `METHOD URI HTTP/1.1`, `Name:value` lines (a line starting with a space or tab
    /// continues the previous value), a blank line and the body.
    fn parse(text: &str, origin: &str) -> Self {
        let (head, body) = match text.split_once("\n\n") {
            Some((head, body)) => (head, body),
            None => (text.trim_end_matches('\n'), ""),
        };
        let mut lines = head.split('\n');
        let request_line = lines
            .next()
            .unwrap_or_else(|| panic!("{origin}: empty request"));
        let (method, rest) = request_line
            .split_once(' ')
            .unwrap_or_else(|| panic!("{origin}: bad request line {request_line:?}"));
        let (uri, version) = rest
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("{origin}: bad request line {request_line:?}"));
        assert_eq!(version, "HTTP/1.1", "{origin}: request line version");
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with(' ') || line.starts_with('\t') {
                let (_, value) = headers
                    .last_mut()
                    .unwrap_or_else(|| panic!("{origin}: continuation line before any header"));
                value.push('\n');
                value.push_str(line);
            } else {
                let (name, value) = line
                    .split_once(':')
                    .unwrap_or_else(|| panic!("{origin}: bad header line {line:?}"));
                headers.push((name.to_owned(), value.to_owned()));
            }
        }
        Self {
            method: method.to_owned(),
            uri: uri.to_owned(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn signable(&self) -> SignableRequest<'_> {
        SignableRequest {
            method: &self.method,
            uri: &self.uri,
            headers: &self.headers,
            body: &self.body,
        }
    }

    /// Headers with lower-case names, sorted by name; repeated names keep their order.
    fn comparable_headers(&self) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        headers
    }
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextCredentials {
    access_key_id: String,
    secret_access_key: String,
    token: Option<String>,
}

/// `context.json` of a case.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Context {
    credentials: ContextCredentials,
    /// Only used by query-string (presigned) signing, which the suite's header cases do not need.
    #[allow(dead_code)]
    expiration_in_seconds: u64,
    normalize: bool,
    region: String,
    service: String,
    sign_body: bool,
    timestamp: DateTime<Utc>,
    /// The session token is added after signing and so is not signed.
    #[serde(default)]
    omit_session_token: bool,
}

/// One case of the suite, read relative to this crate so tests run on a fresh clone.
struct SigningCase {
    name: String,
    dir: PathBuf,
}

impl SigningCase {
    fn new(name: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join("sigv4")
            .join(name);
        assert!(dir.is_dir(), "missing case folder {}", dir.display());
        Self {
            name: name.to_owned(),
            dir,
        }
    }

    /// Reads a file of the case, CRLF normalised to LF.
    fn read(&self, file: &str) -> String {
        let path = self.dir.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        text.replace("\r\n", "\n")
    }

    fn context(&self) -> Context {
        serde_json::from_str(&self.read("context.json"))
            .unwrap_or_else(|e| panic!("{}: bad context.json: {e}", self.name))
    }

    fn request(&self) -> RawRequest {
        RawRequest::parse(
            &self.read("request.txt"),
            &format!("{}/request.txt", self.name),
        )
    }

    fn expected_signed_request(&self) -> RawRequest {
        RawRequest::parse(
            &self.read("header-signed-request.txt"),
            &format!("{}/header-signed-request.txt", self.name),
        )
    }

    fn expected(&self, file: &str) -> String {
        self.read(file).trim_end_matches('\n').to_owned()
    }

    /// Credentials as the signer sees them: without the token when it is added after signing.
    fn signing_credentials(&self, context: &Context) -> Credentials {
        let token = if context.omit_session_token {
            None
        } else {
            context.credentials.token.clone()
        };
        Credentials::new(
            context.credentials.access_key_id.clone(),
            context.credentials.secret_access_key.clone(),
            token,
        )
    }

    /// Signs the case's request and returns the output and the request as sent.
    fn sign(&self) -> (Context, SignedOutput, RawRequest) {
        let context = self.context();
        let request = self.request();
        let credentials = self.signing_credentials(&context);
        let params = SigningParams {
            credentials: &credentials,
            region: &context.region,
            service: &context.service,
            time: context.timestamp,
        };
        let settings = SigningSettings {
            normalize_path: context.normalize,
            sign_body_hash_header: context.sign_body,
        };
        let output = sigv4::sign(&request.signable(), &params, &settings)
            .unwrap_or_else(|e| panic!("{}: signing failed: {e}", self.name));
        let mut sent = request.clone();
        if context.omit_session_token {
            let token = context
                .credentials
                .token
                .clone()
                .unwrap_or_else(|| panic!("{}: omit_session_token without a token", self.name));
            sent.headers
                .push(("X-Amz-Security-Token".to_owned(), token));
        }
        sent.headers.extend(output.headers.iter().cloned());
        (context, output, sent)
    }
}

/// Asserts canonical request, string to sign, signature, then the signed request.
fn run_signing_case(name: &str) {
    let case = SigningCase::new(name);
    let (_, output, sent) = case.sign();
    assert_eq!(
        output.canonical_request,
        case.expected("header-canonical-request.txt"),
        "{name}: canonical request"
    );
    assert_eq!(
        output.string_to_sign,
        case.expected("header-string-to-sign.txt"),
        "{name}: string to sign"
    );
    assert_eq!(
        output.signature,
        case.expected("header-signature.txt"),
        "{name}: signature"
    );
    let expected = case.expected_signed_request();
    assert_eq!(
        sent.method, expected.method,
        "{name}: signed request method"
    );
    assert_eq!(sent.uri, expected.uri, "{name}: signed request URI");
    assert_eq!(
        sent.comparable_headers(),
        expected.comparable_headers(),
        "{name}: signed request headers"
    );
    assert_eq!(sent.body, expected.body, "{name}: signed request body");
}

fn lookup_for(context: &Context) -> impl Fn(&str) -> Option<SecretString> + '_ {
    move |id: &str| {
        (id == context.credentials.access_key_id)
            .then(|| SecretString::from(context.credentials.secret_access_key.clone()))
    }
}

fn verify_sent(
    sent: &RawRequest,
    lookup: &dyn Fn(&str) -> Option<SecretString>,
    now: DateTime<Utc>,
    context: &Context,
) -> Result<sigv4::VerifiedRequest, VerifyError> {
    sigv4::verify(
        &sent.signable(),
        lookup,
        now,
        Duration::minutes(15),
        &context.region,
        &context.service,
    )
}

/// Changes the last byte of a value to another printable one.
fn change_one_byte(value: &str) -> String {
    let mut bytes = value.as_bytes().to_vec();
    let last = bytes.last_mut().expect("non-empty value");
    *last = if *last == b'a' { b'b' } else { b'a' };
    String::from_utf8(bytes).expect("ASCII change keeps UTF-8")
}

/// `verify` accepts the signed request of the case and rejects every kind of tampering.
fn run_verify_case(name: &str) {
    let case = SigningCase::new(name);
    let (context, output, sent) = case.sign();
    let lookup = lookup_for(&context);
    let now = context.timestamp;

    let verified = verify_sent(&sent, &lookup, now, &context)
        .unwrap_or_else(|e| panic!("{name}: verify rejected the signed request: {e}"));
    assert_eq!(
        verified.access_key_id, context.credentials.access_key_id,
        "{name}: key id"
    );
    assert_eq!(verified.region, context.region, "{name}: region");
    assert_eq!(verified.service, context.service, "{name}: service");
    assert_eq!(verified.time, context.timestamp, "{name}: time");
    let signed_list = output
        .canonical_request
        .lines()
        .rev()
        .nth(1)
        .expect("signed headers line")
        .to_owned();
    assert_eq!(
        verified.signed_headers.join(";"),
        signed_list,
        "{name}: signed headers"
    );

    let expect_err = |request: &RawRequest,
                      lookup: &dyn Fn(&str) -> Option<SecretString>,
                      now: DateTime<Utc>,
                      what: &str| {
        verify_sent(request, lookup, now, &context)
            .err()
            .unwrap_or_else(|| panic!("{name}: verify accepted {what}"))
    };

    // One byte of body changed (or added, for an empty body).
    let mut tampered = sent.clone();
    match tampered.body.first_mut() {
        Some(byte) => *byte ^= 0x01,
        None => tampered.body.push(b'x'),
    }
    assert_eq!(
        expect_err(&tampered, &lookup, now, "a changed body"),
        VerifyError::SignatureMismatch,
        "{name}: changed body"
    );

    // One byte of each signed header changed (x-amz-date: its seconds).
    for signed in &verified.signed_headers {
        let mut tampered = sent.clone();
        let (_, value) = tampered
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(signed))
            .expect("signed header present");
        *value = if signed == "x-amz-date" {
            value.replacen("00Z", "01Z", 1)
        } else {
            change_one_byte(value)
        };
        let err = expect_err(
            &tampered,
            &lookup,
            now,
            &format!("a changed `{signed}` header"),
        );
        assert_eq!(
            err,
            VerifyError::SignatureMismatch,
            "{name}: changed `{signed}`"
        );
        assert_eq!(err.code(), "InvalidSignature");
    }

    // Another method, another path.
    let mut tampered = sent.clone();
    tampered.method = if sent.method == "GET" { "POST" } else { "GET" }.to_owned();
    assert_eq!(
        expect_err(&tampered, &lookup, now, "a changed method"),
        VerifyError::SignatureMismatch,
        "{name}: changed method"
    );
    let mut tampered = sent.clone();
    tampered.uri.push('x');
    assert_eq!(
        expect_err(&tampered, &lookup, now, "a changed URI"),
        VerifyError::SignatureMismatch,
        "{name}: changed URI"
    );

    // The wrong secret.
    let wrong_secret = |_: &str| {
        Some(SecretString::from(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ",
        ))
    };
    assert_eq!(
        expect_err(&sent, &wrong_secret, now, "the wrong secret"),
        VerifyError::SignatureMismatch,
        "{name}: wrong secret"
    );

    // An unknown access key.
    let unknown = |_: &str| None;
    let err = expect_err(&sent, &unknown, now, "an unknown access key");
    assert_eq!(
        err.code(),
        "UnrecognizedClient",
        "{name}: unknown key: {err}"
    );

    // 16 minutes later or earlier is too far; 14 minutes is fine.
    for minutes in [16, -16] {
        let err = expect_err(
            &sent,
            &lookup,
            now + Duration::minutes(minutes),
            "an old request",
        );
        assert_eq!(err.code(), "RequestExpired", "{name}: {minutes} min: {err}");
    }
    verify_sent(&sent, &lookup, now + Duration::minutes(14), &context)
        .unwrap_or_else(|e| panic!("{name}: 14 minutes of skew rejected: {e}"));

    // Another region or service expected.
    let err = sigv4::verify(
        &sent.signable(),
        &lookup,
        now,
        Duration::minutes(15),
        "eu-west-1",
        &context.service,
    )
    .unwrap_err();
    assert!(
        matches!(err, VerifyError::RegionMismatch { .. }),
        "{name}: region: {err}"
    );
    let err = sigv4::verify(
        &sent.signable(),
        &lookup,
        now,
        Duration::minutes(15),
        &context.region,
        "ProductAdvertisingAPI",
    )
    .unwrap_err();
    assert!(
        matches!(err, VerifyError::ServiceMismatch { .. }),
        "{name}: service: {err}"
    );

    // No Authorization header at all.
    let mut stripped = sent.clone();
    stripped
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
    let err = expect_err(&stripped, &lookup, now, "a request without Authorization");
    assert_eq!(
        err.code(),
        "MissingAuthenticationToken",
        "{name}: no authorization"
    );
}

macro_rules! sigv4_case {
    ($name:ident) => {
        mod $name {
            #[test]
            fn signs_like_the_suite() {
                super::run_signing_case(&stringify!($name).replace('_', "-"));
            }

            #[test]
            fn verify_accepts_it_and_rejects_tampering() {
                super::run_verify_case(&stringify!($name).replace('_', "-"));
            }
        }
    };
}

sigv4_case!(get_header_key_duplicate);
sigv4_case!(get_header_value_multiline);
sigv4_case!(get_header_value_order);
sigv4_case!(get_header_value_trim);
sigv4_case!(get_relative_normalized);
sigv4_case!(get_relative_relative_normalized);
sigv4_case!(get_relative_relative_unnormalized);
sigv4_case!(get_relative_unnormalized);
sigv4_case!(get_slash_dot_slash_normalized);
sigv4_case!(get_slash_dot_slash_unnormalized);
sigv4_case!(get_slash_normalized);
sigv4_case!(get_slash_pointless_dot_normalized);
sigv4_case!(get_slash_pointless_dot_unnormalized);
sigv4_case!(get_slash_unnormalized);
sigv4_case!(get_slashes_normalized);
sigv4_case!(get_slashes_unnormalized);
sigv4_case!(get_space_normalized);
sigv4_case!(get_space_unnormalized);
sigv4_case!(get_unreserved);
sigv4_case!(get_utf8);
sigv4_case!(get_vanilla);
sigv4_case!(get_vanilla_empty_query_key);
sigv4_case!(get_vanilla_query);
sigv4_case!(get_vanilla_query_order_encoded);
sigv4_case!(get_vanilla_query_order_key_case);
sigv4_case!(get_vanilla_query_unreserved);
sigv4_case!(get_vanilla_utf8_query);
sigv4_case!(get_vanilla_with_session_token);
sigv4_case!(post_header_key_case);
sigv4_case!(post_header_key_sort);
sigv4_case!(post_header_value_case);
sigv4_case!(post_sts_header_after);
sigv4_case!(post_sts_header_before);
sigv4_case!(post_vanilla);
sigv4_case!(post_vanilla_empty_query_value);
sigv4_case!(post_vanilla_query);
sigv4_case!(post_x_www_form_urlencoded);
sigv4_case!(post_x_www_form_urlencoded_parameters);

/// Every case folder has a test above, and every test a folder.
#[test]
fn every_case_folder_is_tested() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("sigv4");
    let mut folders: Vec<String> = std::fs::read_dir(&root)
        .expect("read tests/sigv4")
        .map(|entry| entry.expect("dir entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let this_file = include_str!("sigv4.rs");
    let mut tested: Vec<String> = this_file
        .lines()
        .filter_map(|line| line.strip_prefix("sigv4_case!("))
        .filter_map(|rest| rest.strip_suffix(");"))
        .map(|name| name.replace('_', "-"))
        .collect();
    tested.sort();
    assert_eq!(folders.len(), 38, "the suite has 38 cases");
    assert_eq!(folders, tested, "case folders vs sigv4_case! lines");
}

/// Property test: our signature equals the `aws-sigv4` crate's for the same random request.
mod cross_check {
    use std::time::{Duration as StdDuration, UNIX_EPOCH};

    use aws_sigv4::http_request::{
        PayloadChecksumKind, SignableBody, SignableRequest as AwsRequest,
        SigningSettings as AwsSettings, UriPathNormalizationMode,
    };
    use chrono::DateTime;
    use mandi_paapi::sigv4::{
        self, Credentials, SignableRequest, SigningParams, SigningSettings, VerifyError,
    };
    use proptest::prelude::*;
    use secrecy::SecretString;

    /// A piece of a path segment: characters the `http` crate accepts in a path, including
    /// sub-delimiters and percent-escapes (which must be encoded a second time).
    fn path_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[A-Za-z0-9._~-]{1,6}",
            2 => "[!$&'()*+,;=:@\\[\\]^|]",
            1 => Just("%20".to_owned()),
            1 => Just("%2F".to_owned()),
            1 => Just("%E1%88%B4".to_owned()),
            1 => "%[0-9A-Fa-f]{2}",
        ]
    }

    fn path_segment() -> impl Strategy<Value = String> {
        prop_oneof![
            1 => Just(String::new()),
            1 => Just(".".to_owned()),
            1 => Just("..".to_owned()),
            6 => proptest::collection::vec(path_piece(), 1..4).prop_map(|v| v.concat()),
        ]
    }

    fn path() -> impl Strategy<Value = String> {
        proptest::collection::vec(path_segment(), 0..6).prop_map(|segments| {
            let mut path = String::from("/");
            path.push_str(&segments.join("/"));
            path
        })
    }

    /// Characters of a query name or value: `+`, sub-delimiters, `/`, `?`, valid and broken
    /// percent-escapes, and escaped invalid UTF-8.
    fn query_text(allow_equals: bool) -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            6 => "[A-Za-z0-9._~-]{1,5}",
            3 => "[!$'()*+,;:@/?\\[\\]\\\\^`{|}]",
            1 => Just("%20".to_owned()),
            1 => Just("%2B".to_owned()),
            1 => Just("%E1%88%B4".to_owned()),
            1 => Just("%FF".to_owned()),
            1 => Just("%zz".to_owned()),
            1 => Just("%4".to_owned()),
            1 => "%[0-9A-Fa-f]{2}",
            1 => Just(if allow_equals { "=" } else { "~" }.to_owned()),
        ];
        proptest::collection::vec(piece, 0..4).prop_map(|v| v.concat())
    }

    fn query() -> impl Strategy<Value = Option<String>> {
        let param = prop_oneof![
            4 => (query_text(false), query_text(true)).prop_map(|(k, v)| format!("{k}={v}")),
            1 => query_text(false),
            1 => Just(String::new()),
        ];
        proptest::option::of(proptest::collection::vec(param, 0..5).prop_map(|p| p.join("&")))
    }

    fn header() -> impl Strategy<Value = (String, String)> {
        let name = prop_oneof![
            Just("Content-Type"),
            Just("content-encoding"),
            Just("X-Amz-Target"),
            Just("x-custom"),
            Just("My-Header1"),
            Just("ACCEPT"),
            Just("User-Agent"),
            Just("x-amzn-trace-id"),
            Just("Transfer-Encoding"),
        ];
        (name, "[ -~\t]{0,24}").prop_map(|(n, v)| (n.to_owned(), v))
    }

    #[derive(Debug, Clone)]
    struct Input {
        method: &'static str,
        host: &'static str,
        uri: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        access_key_id: String,
        secret: String,
        token: Option<String>,
        region: String,
        service: String,
        seconds: u64,
        normalize: bool,
        sign_body: bool,
    }

    fn input() -> impl Strategy<Value = Input> {
        let request = (
            prop_oneof![
                Just("GET"),
                Just("POST"),
                Just("PUT"),
                Just("DELETE"),
                Just("HEAD")
            ],
            prop_oneof![
                Just("webservices.amazon.in"),
                Just("example.amazonaws.com"),
                Just("127.0.0.1:8080")
            ],
            path(),
            query(),
            proptest::collection::vec(header(), 0..6),
            proptest::collection::vec(any::<u8>(), 0..200),
        );
        let signer = (
            "AKIA[A-Z0-9]{16}",
            "[A-Za-z0-9/+]{40}",
            proptest::option::of("[A-Za-z0-9/+=]{16,64}"),
            "[a-z]{2}-[a-z]{4,9}-[1-9]",
            prop_oneof![
                Just("ProductAdvertisingAPI".to_owned()),
                Just("service".to_owned()),
                "[a-z0-9]{1,12}"
            ],
            0u64..4_102_444_800,
            any::<bool>(),
            any::<bool>(),
        );
        (request, signer).prop_map(
            |(
                (method, host, path, query, headers, body),
                (access_key_id, secret, token, region, service, seconds, normalize, sign_body),
            )| {
                let uri = match query {
                    Some(query) => format!("{path}?{query}"),
                    None => path,
                };
                let mut all_headers = vec![("Host".to_owned(), host.to_owned())];
                all_headers.extend(headers);
                Input {
                    method,
                    host,
                    uri,
                    headers: all_headers,
                    body,
                    access_key_id,
                    secret,
                    token,
                    region,
                    service,
                    seconds,
                    normalize,
                    sign_body,
                }
            },
        )
    }

    /// Signs with `aws-sigv4`; returns the signature and headers to add.
    fn sign_with_aws_sigv4(input: &Input) -> (String, Vec<(String, String)>) {
        let identity = aws_credential_types::Credentials::new(
            input.access_key_id.clone(),
            input.secret.clone(),
            input.token.clone(),
            None,
            "proptest",
        )
        .into();
        let mut settings = AwsSettings::default();
        settings.uri_path_normalization_mode = if input.normalize {
            UriPathNormalizationMode::Enabled
        } else {
            UriPathNormalizationMode::Disabled
        };
        settings.payload_checksum_kind = if input.sign_body {
            PayloadChecksumKind::XAmzSha256
        } else {
            PayloadChecksumKind::NoHeader
        };
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&input.region)
            .name(&input.service)
            .time(UNIX_EPOCH + StdDuration::from_secs(input.seconds))
            .settings(settings)
            .build()
            .expect("complete aws-sigv4 params")
            .into();
        let full_uri = format!("https://{}{}", input.host, input.uri);
        let request = AwsRequest::new(
            input.method,
            full_uri,
            input.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            SignableBody::Bytes(&input.body),
        )
        .expect("aws-sigv4 accepts the generated request");
        let output = aws_sigv4::http_request::sign(request, &params).expect("aws-sigv4 signs");
        let (instructions, signature) = output.into_parts();
        let (headers, _) = instructions.into_parts();
        let headers = headers
            .iter()
            .map(|h| (h.name().to_owned(), h.value().to_owned()))
            .collect();
        (signature, headers)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        #[test]
        fn signature_equals_aws_sigv4(input in input()) {
            let credentials = Credentials::new(
                input.access_key_id.clone(),
                input.secret.clone(),
                input.token.clone(),
            );
            let seconds = i64::try_from(input.seconds).expect("small");
            let params = SigningParams {
                credentials: &credentials,
                region: &input.region,
                service: &input.service,
                time: DateTime::from_timestamp(seconds, 0).expect("in range"),
            };
            let settings = SigningSettings {
                normalize_path: input.normalize,
                sign_body_hash_header: input.sign_body,
            };
            let request = SignableRequest {
                method: input.method,
                uri: &input.uri,
                headers: &input.headers,
                body: &input.body,
            };
            let ours = sigv4::sign(&request, &params, &settings).expect("we sign");
            let (signature, mut aws_headers) = sign_with_aws_sigv4(&input);
            prop_assert_eq!(
                &ours.signature,
                &signature,
                "canonical request:\n{}",
                ours.canonical_request
            );
            let mut our_headers = ours.headers.clone();
            our_headers.sort();
            aws_headers.sort();
            prop_assert_eq!(our_headers, aws_headers);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Whatever we sign, `verify` accepts; with one more body byte, it refuses.
        #[test]
        fn verify_accepts_what_sign_produces(input in input()) {
            let credentials = Credentials::new(
                input.access_key_id.clone(),
                input.secret.clone(),
                input.token.clone(),
            );
            let seconds = i64::try_from(input.seconds).expect("small");
            let time = DateTime::from_timestamp(seconds, 0).expect("in range");
            let params = SigningParams {
                credentials: &credentials,
                region: &input.region,
                service: &input.service,
                time,
            };
            let settings = SigningSettings {
                normalize_path: input.normalize,
                sign_body_hash_header: input.sign_body,
            };
            let request = SignableRequest {
                method: input.method,
                uri: &input.uri,
                headers: &input.headers,
                body: &input.body,
            };
            let signed = sigv4::sign(&request, &params, &settings).expect("we sign");
            let mut sent_headers = input.headers.clone();
            sent_headers.extend(signed.headers);
            let sent = SignableRequest { headers: &sent_headers, ..request };
            let lookup = |id: &str| {
                (id == input.access_key_id).then(|| SecretString::from(input.secret.clone()))
            };
            let verified = sigv4::verify(
                &sent,
                &lookup,
                time,
                chrono::Duration::minutes(15),
                &input.region,
                &input.service,
            );
            prop_assert!(verified.is_ok(), "rejected: {:?}", verified);

            let mut longer_body = input.body.clone();
            longer_body.push(b'!');
            let tampered = SignableRequest { body: &longer_body, ..sent };
            let rejected = sigv4::verify(
                &tampered,
                &lookup,
                time,
                chrono::Duration::minutes(15),
                &input.region,
                &input.service,
            );
            prop_assert_eq!(rejected, Err(VerifyError::SignatureMismatch));
        }
    }
}
