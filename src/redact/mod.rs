//! Redaction: one policy that turns secret values into markers before any report renderer or
//! the HAR writer of `sanitize` sees them.
//!
//! # What is a secret
//! - values of credential headers: `Cookie` and `Set-Cookie` (each cookie's value; names and
//!   `Set-Cookie` attributes are kept), `Authorization` and `Proxy-Authorization` (the scheme
//!   is kept), and headers whose names say they carry a key, token, secret, password,
//!   signature or session (`X-Api-Key`, `X-Amz-Security-Token`, `X-Client-Data`, ...; see
//!   [`header`]);
//! - credentials in URLs (`user:pass@`) and the values of query and fragment parameters that
//!   carry secrets (`token`, `access_token`, `code`, `key`, `sig`, `signature`, `password`,
//!   `session`, AWS and GCS signed-URL parameters, ...; see [`url`]), wherever a URL appears:
//!   request URLs, `Location`, `Referer`, console messages, fixes, notes.
//!
//! Headers CORS is decided on are never redacted: `Origin`, `Access-Control-*`, `Vary`,
//! `Host`, `Sec-Fetch-*`, cache and proxy headers, and the origin part of every URL. Header
//! names are always kept. Redaction is applied after the engine, so it never changes a
//! verdict; `sanitize` keeps every value the engine reads, so a sanitized HAR is judged alike.
//!
//! # The marker
//! `redacted-<length class>-<hash>`, for example `redacted-16to31-3fa9c2e1`: the length of the
//! value in bytes as a power-of-two class (`1to7`, `8to15`, ..., `1024plus`) and the first 8
//! hex digits of HMAC-SHA-256 over the value under the run's key, so equal values stay visibly
//! equal (the same cookie in two requests, the token of a URL and the bearer token of a
//! header). Only lower-case letters, digits and hyphens: valid as it stands in a header, a
//! cookie, any URL component, JSON, HTML or XML. A value that already is a marker is left as
//! it is, so redacting twice (a report over a sanitized HAR) changes nothing. Empty values
//! stay empty.
//!
//! # The key
//! By default each run draws a random 256-bit key: markers are comparable within one report
//! or one sanitized file, and nobody holding only the output can test a guess of a secret
//! against them. A key given with `--redact-key` (or `CORSCOPE_REDACT_KEY`) makes markers
//! stable across runs, for comparing reports or sanitized files made at different times;
//! whoever holds that key can test guesses (`printf %s VALUE | openssl dgst -sha256 -hmac KEY`
//! gives the hash), so treat it as a secret.
//!
//! # Why hand-written URL and header splitting
//! A URL parser (the `url` crate) normalises what it parses: case, percent-encoding, default
//! ports, dot segments. Redaction must change the secret parts only and leave every other
//! byte as recorded, since `sanitize`'s output is judged again and reports quote what was
//! recorded; so values are split by hand at the delimiters RFC 3986 and RFC 6265 define.

pub mod header;
pub mod record;
pub mod text;
pub mod url;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The redaction policy of a run: off, or on with a key.
#[derive(Clone)]
pub struct Redactor {
    /// The keyed MAC, ready to be cloned per value; `None` when redaction is off. Shared:
    /// every worker of a run uses the same key.
    mac: Option<Arc<HmacSha256>>,
    /// Whether the key was given (stable across runs) rather than drawn for this run.
    stable: bool,
}

impl fmt::Debug for Redactor {
    // Never prints the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("on", &self.is_on())
            .field("stable_key", &self.stable)
            .finish()
    }
}

impl Default for Redactor {
    /// On, with a random key.
    fn default() -> Self {
        Self::random()
    }
}

impl Redactor {
    /// Redaction on with a key drawn for this run.
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            // No system randomness: fall back to the standard library's per-process random
            // hash keys, which the operating system seeded.
            use std::hash::{BuildHasher, Hasher};
            for (i, chunk) in key.chunks_mut(8).enumerate() {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_usize(i);
                chunk.copy_from_slice(&h.finish().to_le_bytes());
            }
        }
        Self::keyed(&key, false)
    }

    /// Redaction on with a given key, so markers are the same in every run with that key.
    pub fn with_key(key: &[u8]) -> Self {
        Self::keyed(key, true)
    }

    fn keyed(key: &[u8], stable: bool) -> Self {
        Self {
            // HMAC takes keys of any length.
            mac: HmacSha256::new_from_slice(key).ok().map(Arc::new),
            stable,
        }
    }

    /// Redaction off: every value is shown as recorded.
    pub fn off() -> Self {
        Self {
            mac: None,
            stable: false,
        }
    }

    /// Whether values are redacted.
    pub fn is_on(&self) -> bool {
        self.mac.is_some()
    }

    /// Whether the key was given rather than drawn for this run.
    pub fn has_stable_key(&self) -> bool {
        self.stable
    }

    /// The marker standing for `value` (see the module doc), or the value itself when
    /// redaction is off, it is empty, or it is a marker already.
    pub fn secret<'a>(&self, value: &'a str) -> Cow<'a, str> {
        match &self.mac {
            Some(mac) if !value.is_empty() && !is_marker(value) => {
                Cow::Owned(marker(mac, value.as_bytes()))
            }
            _ => Cow::Borrowed(value),
        }
    }
}

fn marker(mac: &HmacSha256, value: &[u8]) -> String {
    let mut mac = mac.clone();
    mac.update(value);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(32);
    out.push_str("redacted-");
    out.push_str(length_class(value.len()));
    out.push('-');
    push_hex(&mut out, digest.get(..4).unwrap_or_default());
    out
}

/// Appends `bytes` to `out` in lower-case hex, two digits a byte (markers and finding
/// fingerprints spell digest prefixes so).
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
}

/// The power-of-two class of a length in bytes.
fn length_class(len: usize) -> &'static str {
    match len {
        0..=7 => "1to7",
        8..=15 => "8to15",
        16..=31 => "16to31",
        32..=63 => "32to63",
        64..=127 => "64to127",
        128..=255 => "128to255",
        256..=511 => "256to511",
        512..=1023 => "512to1023",
        _ => "1024plus",
    }
}

const CLASSES: [&str; 9] = [
    "1to7",
    "8to15",
    "16to31",
    "32to63",
    "64to127",
    "128to255",
    "256to511",
    "512to1023",
    "1024plus",
];

/// Whether `s` is a marker written by [`Redactor::secret`].
pub fn is_marker(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("redacted-") else {
        return false;
    };
    let Some((class, hash)) = rest.rsplit_once('-') else {
        return false;
    };
    CLASSES.contains(&class)
        && hash.len() == 8
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Replaces `s` by `f(s)` when that changed it.
pub(crate) fn apply(s: &mut String, f: impl FnOnce(&str) -> Cow<'_, str>) {
    if let Cow::Owned(new) = f(s) {
        *s = new;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_keep_length_class_and_equal_values_equal() {
        let r = Redactor::with_key(b"k");
        let a = r.secret("s-wildcard-with-credentials").into_owned();
        assert!(a.starts_with("redacted-16to31-"), "{a}");
        assert!(is_marker(&a));
        assert_eq!(a, r.secret("s-wildcard-with-credentials"));
        assert_ne!(a, r.secret("s-wildcard-with-credentialz"));
        assert_eq!(r.secret(""), "");
        assert_eq!(r.secret(&a), a, "a marker is left as it is");
        assert!(r.secret("x").starts_with("redacted-1to7-"));
        assert!(r
            .secret(&"x".repeat(5000))
            .starts_with("redacted-1024plus-"));
    }

    #[test]
    fn the_hash_is_hmac_sha256_under_the_key() {
        // RFC 4231 test case 2: HMAC-SHA-256("Jefe", "what do ya want for nothing?")
        // = 5bdcc146bf60754e...
        let r = Redactor::with_key(b"Jefe");
        assert_eq!(
            r.secret("what do ya want for nothing?"),
            "redacted-16to31-5bdcc146"
        );
    }

    #[test]
    fn random_keys_differ_and_off_shows_values() {
        let (a, b) = (Redactor::random(), Redactor::random());
        assert_ne!(a.secret("same value"), b.secret("same value"));
        assert!(!a.has_stable_key());
        let off = Redactor::off();
        assert!(!off.is_on());
        assert_eq!(off.secret("sid=1"), "sid=1");
        assert!(!format!("{:?}", Redactor::with_key(b"hidden")).contains("hidden"));
    }

    #[test]
    fn markers_are_recognised_exactly() {
        assert!(is_marker("redacted-8to15-0123abcd"));
        assert!(!is_marker("redacted-8to15-0123abc"));
        assert!(!is_marker("redacted-9to15-0123abcd"));
        assert!(!is_marker("redacted-8to15-0123ABCD"));
        assert!(!is_marker("xredacted-8to15-0123abcd"));
    }
}
