//! The canonical request: the request in the one form both sides hash (method, canonical
//! path, canonical query, canonical headers, signed header names, payload hash).

use std::borrow::Cow;

use super::SigningError;

pub(super) fn build_canonical_request(
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

/// Splits `/path?query#fragment` into path and query; the fragment is dropped.
pub(super) fn split_uri(uri: &str) -> Result<(&str, &str), SigningError> {
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
pub(super) fn normalize_path(path: &str) -> Cow<'_, str> {
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

pub(super) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes every byte outside the RFC 3986 unreserved set (and `/` when `keep_slash`).
pub(super) fn encode_into(s: &str, keep_slash: bool, out: &mut String) {
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
pub(super) fn form_decode(s: &str) -> Cow<'_, str> {
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

pub(super) fn canonical_query_into(query: &str, out: &mut String) {
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
pub(super) fn normalize_header_value(value: &str, out: &mut String) -> Result<(), ()> {
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

pub(super) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

pub(super) fn check_header_name(name: &str) -> Result<(), SigningError> {
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(SigningError::InvalidHeaderName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

pub(super) fn check_method(method: &str) -> Result<(), SigningError> {
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(SigningError::InvalidMethod {
            method: method.to_owned(),
        });
    }
    Ok(())
}
