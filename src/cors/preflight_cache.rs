//! The preflight cache as Chromium keeps it (`PreflightCache`, `PreflightResult`,
//! <https://fetch.spec.whatwg.org/#concept-cache>, `cors-causes.md` §3.6): one result per
//! (origin, full URL), replaced by each successful preflight; the result remembers whether it
//! was made for a credentialed request (such a result is needed to serve one). Lifetime from
//! `Access-Control-Max-Age`: absent or unparsable → 5 s, negative → 0, capped at 7200 s. URLs of
//! 1024 bytes or more are never cached.
//!
//! Memory: at most [`CACHE_ENTRIES`] entries; the oldest insertion is evicted first
//! (Chromium purges at random; a deterministic order keeps output reproducible).

use std::num::NonZeroUsize;

use lru::LruCache;

use super::preflight::{check_headers, check_method, ActualRequest, PreflightResult};
use crate::model::{ExchangeId, Timestamp};

/// Default lifetime when `Access-Control-Max-Age` is absent or unparsable (seconds).
pub const DEFAULT_MAX_AGE_SECS: u64 = 5;
/// Chromium's cap (`kMaxTimeout = base::Hours(2)`), seconds.
pub const MAX_AGE_CAP_SECS: u64 = 7200;
/// Entries kept (Chromium: 1024).
pub const CACHE_ENTRIES: usize = 1024;
/// URLs this long or longer are not cached.
pub const MAX_URL_BYTES: usize = 1024;

/// What the `Access-Control-Max-Age` field held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxAgeValue {
    /// Absent.
    Absent,
    /// A non-negative integer at or below the cap.
    Valid,
    /// Above Chromium's cap; the given value.
    Capped(u64),
    /// A negative integer (means 0).
    Negative,
    /// Not an integer (several field lines included).
    Invalid,
}

/// The lifetime Chromium uses, and what the field held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxAge {
    /// Seconds the result stays in the cache.
    pub secs: u64,
    /// What the field held.
    pub value: MaxAgeValue,
}

/// Parses `Access-Control-Max-Age` as Chromium (`base::StringToInt64`: optional sign, digits
/// only, no whitespace, no overflow).
pub fn parse_max_age(value: Option<&str>) -> MaxAge {
    let Some(v) = value else {
        return MaxAge {
            secs: DEFAULT_MAX_AGE_SECS,
            value: MaxAgeValue::Absent,
        };
    };
    let (negative, digits) = match v.as_bytes().first() {
        Some(b'-') => (true, v.get(1..).unwrap_or("")),
        Some(b'+') => (false, v.get(1..).unwrap_or("")),
        _ => (false, v),
    };
    let parsed = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i64>().ok()
    } else {
        None
    };
    match parsed {
        None => MaxAge {
            secs: DEFAULT_MAX_AGE_SECS,
            value: MaxAgeValue::Invalid,
        },
        Some(n) if negative && n > 0 => MaxAge {
            secs: 0,
            value: MaxAgeValue::Negative,
        },
        Some(n) => {
            let n = n.unsigned_abs();
            if n > MAX_AGE_CAP_SECS {
                MaxAge {
                    secs: MAX_AGE_CAP_SECS,
                    value: MaxAgeValue::Capped(n),
                }
            } else {
                MaxAge {
                    secs: n,
                    value: MaxAgeValue::Valid,
                }
            }
        }
    }
}

/// One cached preflight result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntry {
    /// The preflight that produced it.
    pub preflight: ExchangeId,
    /// What it allows.
    pub result: PreflightResult,
    /// When it stops serving.
    pub expires: Timestamp,
}

/// The cache of one input, keyed by origin and URL; a key written again counts as the newest.
#[derive(Debug)]
pub struct PreflightCache {
    entries: LruCache<(String, String), CacheEntry>,
}

impl Default for PreflightCache {
    fn default() -> Self {
        Self::new()
    }
}

impl PreflightCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self {
            entries: LruCache::new(NonZeroUsize::MIN.saturating_add(CACHE_ENTRIES - 1)),
        }
    }

    /// Stores the result of a successful preflight made at `at`, replacing the key's previous
    /// result.
    pub fn insert(
        &mut self,
        origin: &str,
        url: &str,
        preflight: ExchangeId,
        result: PreflightResult,
        at: Timestamp,
    ) {
        if url.len() >= MAX_URL_BYTES {
            return;
        }
        let key = (origin.to_string(), url.to_string());
        let secs = i64::try_from(result.max_age.secs).unwrap_or(i64::MAX);
        let expires = Timestamp(at.0.saturating_add(secs.saturating_mul(1_000_000_000)));
        self.entries.push(
            key,
            CacheEntry {
                preflight,
                result,
                expires,
            },
        );
    }

    /// The preflight whose cached result covers `actual` at `now`, if any: fresh, made with
    /// credentials when the request is credentialed, allowing the method and every header.
    pub fn lookup(
        &self,
        origin: &str,
        url: &str,
        now: Timestamp,
        actual: &ActualRequest,
        include: bool,
    ) -> Option<ExchangeId> {
        let entry = self.entries.peek(&(origin.to_string(), url.to_string()))?;
        if now > entry.expires || (include && !entry.result.credentials) {
            return None;
        }
        let r = &entry.result;
        let include = include || r.credentials;
        (check_method(&r.methods, &actual.method, include).is_ok()
            && check_headers(&r.headers, actual, include).is_ok())
        .then_some(entry.preflight)
    }

    /// Number of entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_parsing_as_chromium() {
        let cases: &[(Option<&str>, u64, MaxAgeValue)] = &[
            (None, 5, MaxAgeValue::Absent),
            (Some("600"), 600, MaxAgeValue::Valid),
            (Some("0"), 0, MaxAgeValue::Valid),
            (Some("+60"), 60, MaxAgeValue::Valid),
            (Some("7200"), 7200, MaxAgeValue::Valid),
            (Some("86400"), 7200, MaxAgeValue::Capped(86400)),
            (Some("-1"), 0, MaxAgeValue::Negative),
            (Some("abc"), 5, MaxAgeValue::Invalid),
            (Some(""), 5, MaxAgeValue::Invalid),
            (Some(" 60"), 5, MaxAgeValue::Invalid),
            (Some("60, 60"), 5, MaxAgeValue::Invalid),
            (Some("1.5"), 5, MaxAgeValue::Invalid),
            (Some("99999999999999999999"), 5, MaxAgeValue::Invalid),
        ];
        for (value, secs, kind) in cases {
            assert_eq!(
                parse_max_age(*value),
                MaxAge {
                    secs: *secs,
                    value: *kind
                },
                "{value:?}"
            );
        }
    }

    fn result(methods: &[&str], headers: &[&str], secs: u64, credentials: bool) -> PreflightResult {
        PreflightResult {
            methods: methods.iter().map(|s| s.to_string()).collect(),
            headers: headers.iter().map(|s| s.to_string()).collect(),
            credentials,
            max_age: MaxAge {
                secs,
                value: MaxAgeValue::Valid,
            },
        }
    }

    fn actual(method: &str, names: &[&str]) -> ActualRequest {
        ActualRequest {
            method: method.into(),
            unsafe_names: names.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn one_result_per_key_expiry_and_credentials() {
        let mut c = PreflightCache::new();
        let t0 = Timestamp::from_parts(100, 0);
        c.insert(
            "o",
            "u",
            ExchangeId(1),
            result(&["PUT"], &["x-a"], 10, false),
            t0,
        );
        let at = |s: i64| Timestamp::from_parts(100 + s, 0);
        assert_eq!(
            c.lookup("o", "u", at(5), &actual("PUT", &["x-a"]), false),
            Some(ExchangeId(1))
        );
        assert_eq!(
            c.lookup("o", "u", at(11), &actual("PUT", &[]), false),
            None,
            "expired"
        );
        assert_eq!(
            c.lookup("o", "u", at(5), &actual("DELETE", &[]), false),
            None,
            "method"
        );
        assert_eq!(
            c.lookup("o", "u", at(5), &actual("PUT", &["x-b"]), false),
            None,
            "header"
        );
        assert_eq!(
            c.lookup("o", "u", at(5), &actual("PUT", &[]), true),
            None,
            "credentials"
        );
        assert_eq!(
            c.lookup("o", "u?x", at(5), &actual("PUT", &[]), false),
            None,
            "full URL"
        );
        assert_eq!(
            c.lookup("p", "u", at(5), &actual("PUT", &[]), false),
            None,
            "origin"
        );
        // replaced, not merged
        c.insert(
            "o",
            "u",
            ExchangeId(2),
            result(&["DELETE"], &[], 10, false),
            at(1),
        );
        assert_eq!(c.lookup("o", "u", at(2), &actual("PUT", &[]), false), None);
        assert_eq!(
            c.lookup("o", "u", at(2), &actual("DELETE", &[]), false),
            Some(ExchangeId(2))
        );
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn long_urls_are_not_cached_and_size_is_bounded() {
        let mut c = PreflightCache::new();
        let t0 = Timestamp::from_parts(0, 0);
        c.insert(
            "o",
            &"u".repeat(1024),
            ExchangeId(1),
            result(&[], &[], 5, false),
            t0,
        );
        assert!(c.is_empty());
        for i in 0..(CACHE_ENTRIES + 10) {
            c.insert(
                "o",
                &format!("u{i}"),
                ExchangeId(i as u64),
                result(&[], &[], 5, false),
                t0,
            );
        }
        assert_eq!(c.len(), CACHE_ENTRIES);
    }
}
