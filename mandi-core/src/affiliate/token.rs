//! Redirect tokens: 144 random bits in 24 URL-safe characters, stored only as a hash.

use std::fmt;

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::AffiliateError;

/// Random bytes in a token (144 bits; at least 128 are required).
const TOKEN_BYTES: usize = 18;

/// Characters in a token: base64url of [`TOKEN_BYTES`], no padding.
pub const TOKEN_CHARS: usize = TOKEN_BYTES / 3 * 4;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The secret part of a `/r/<token>` link: random, URL-safe, carrying nothing about the
/// user or product. Its `Debug` does not show it, so it cannot reach a log by accident; the
/// store keeps only [`RedirectToken::hash`].
#[derive(Clone, PartialEq, Eq)]
pub struct RedirectToken(String);

impl RedirectToken {
    /// A fresh token from the operating system's random source (through `rand`'s
    /// thread-local generator, reseeded from it).
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(encode(&bytes))
    }

    /// Reads a token from a URL path segment.
    ///
    /// # Errors
    ///
    /// [`AffiliateError::MalformedToken`] unless it is exactly [`TOKEN_CHARS`] characters
    /// of the URL-safe base64 alphabet (the message does not repeat the input).
    pub fn parse(text: &str) -> Result<Self, AffiliateError> {
        if text.len() == TOKEN_CHARS && text.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(Self(text.to_owned()))
        } else {
            Err(AffiliateError::MalformedToken)
        }
    }

    /// The token as it goes into a link. Treat it as a secret: never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the token, lower-case hex: what the store keeps and looks up.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for RedirectToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedirectToken(<redacted>)")
    }
}

/// Base64url without padding of a multiple of three bytes.
fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() / 3 * 4);
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            let six = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[six as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn encoding_matches_rfc_4648_base64url() {
        // RFC 4648 §10 ("foobar") and a vector that uses both URL-safe characters.
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "-_-_");
    }

    #[test]
    fn generated_tokens_are_url_safe_distinct_and_parse_back() {
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let token = RedirectToken::generate();
            assert_eq!(token.expose().len(), TOKEN_CHARS);
            assert!(
                token
                    .expose()
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(
                RedirectToken::parse(token.expose()).ok(),
                Some(token.clone())
            );
            assert!(seen.insert(token.expose().to_owned()), "a token repeated");
        }
    }

    #[test]
    fn token_bits_look_uniform() {
        // Every one of the 144 bit positions is set in about half of 4,000 tokens; a
        // fixed or biased byte would show here (4 standard deviations is about ±126).
        let mut ones = [0u32; TOKEN_BYTES * 8];
        let decode = |c: u8| ALPHABET.iter().position(|&a| a == c).expect("alphabet") as u32;
        for _ in 0..4_000 {
            let token = RedirectToken::generate();
            let mut bit = 0;
            for c in token.expose().bytes() {
                let six = decode(c);
                for i in (0..6).rev() {
                    ones[bit] += (six >> i) & 1;
                    bit += 1;
                }
            }
        }
        for (i, n) in ones.iter().enumerate() {
            assert!(
                (1_874..=2_126).contains(n),
                "bit {i} set {n} times in 4,000"
            );
        }
    }

    #[test]
    fn malformed_tokens_are_refused_without_echoing_them() {
        for bad in [
            "",
            "short",
            "AAAAAAAAAAAAAAAAAAAAAAA",   // 23
            "AAAAAAAAAAAAAAAAAAAAAAAAA", // 25
            "AAAAAAAAAAAAAAAAAAAAAA+/",  // standard, not URL-safe, base64
            "AAAAAAAAAAAAAAAAAAAAAA%2",
            "ААААААААААААААААААААААА", // Cyrillic
        ] {
            let err = RedirectToken::parse(bad).expect_err(bad);
            assert!(matches!(err, AffiliateError::MalformedToken));
            if !bad.is_empty() {
                assert!(!err.to_string().contains(bad));
            }
        }
    }

    #[test]
    fn the_hash_is_sha256_hex_and_debug_hides_the_token() {
        let token = RedirectToken::parse("Zm9vYmFyZm9vYmFyZm9vYmFy").expect("token");
        // SHA-256 of the 24 ASCII characters, computed independently (sha256sum).
        assert_eq!(
            token.hash(),
            "bedae852828dcb6b4884edd102421d9e3c66ba414b89bec4495782ee852239ce"
        );
        assert!(!format!("{token:?}").contains("Zm9v"));
    }
}
