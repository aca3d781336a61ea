//! The preflight cache of one browser (<https://fetch.spec.whatwg.org/#concept-cache>,
//! `cors-causes.md` §3.6), as its profile keeps it:
//!
//! - Chromium (`PreflightCache`, `PreflightResult`) and WebKit (`CrossOriginPreflightResultCache`)
//!   keep one result per (origin, full URL), replaced by each successful preflight; a result
//!   remembers whether it was made for a credentialed request (needed to serve one). Lifetime
//!   from `Access-Control-Max-Age`: absent or unparsable → 5 s, negative → 0, capped (Chromium
//!   7200 s, WebKit 600 s). Chromium never caches URLs of 1024 bytes or more.
//! - Firefox (`nsPreflightCache`) keys entries by origin, URL and credentials flag, and keeps
//!   every allowed method and header as a token of its own with its own expiry, so successive
//!   preflights to one URL accumulate. Only digits are a valid `Access-Control-Max-Age`
//!   (anything else, and 0, is not cached), absent → 5 s, capped at 86 400 s.
//!
//! The samples show both: `ok-preflight-cache-invalid-max-age` (one preflight in Chromium, two
//! in Firefox) and `ok-preflight-cache-per-header` (three in Chromium, two in Firefox).
//!
//! Memory: at most the profile's entry count (Chromium 1024, Firefox 100); the least recently
//! written key is evicted first (Chromium purges at random; a deterministic order keeps output
//! reproducible).

use super::footprint::{self, Weighed};
use super::preflight::{check_headers, check_method, ActualRequest, PreflightResult};
use crate::model::browser::{InvalidMaxAge, PreflightCachePolicy};
use crate::model::{BrowserProfile, ExchangeId, Timestamp};

/// Default lifetime when `Access-Control-Max-Age` is absent or unparsable (seconds).
pub const DEFAULT_MAX_AGE_SECS: u64 = 5;
/// Chromium's cap (`kMaxTimeout = base::Hours(2)`), seconds.
pub const MAX_AGE_CAP_SECS: u64 = 7200;
/// Entries kept by Chromium.
pub const CACHE_ENTRIES: usize = 1024;
/// URLs this long or longer are not cached.
pub const MAX_URL_BYTES: usize = 1024;

/// What the `Access-Control-Max-Age` field held, as Chromium reads it.
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

/// Seconds a result stays cached under `policy` (0: not cached).
pub fn lifetime(policy: &PreflightCachePolicy, value: Option<&str>) -> u64 {
    let Some(v) = value else {
        return policy.default_secs;
    };
    match policy.invalid {
        // Firefox: digits only; anything else is not cached.
        InvalidMaxAge::NotCached => {
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                return 0;
            }
            v.parse::<u64>()
                .map_or(policy.cap_secs, |n| n.min(policy.cap_secs))
        }
        InvalidMaxAge::DefaultLifetime => {
            let m = parse_max_age(Some(v));
            match m.value {
                MaxAgeValue::Invalid => policy.default_secs,
                MaxAgeValue::Negative => 0,
                MaxAgeValue::Capped(n) => n.min(policy.cap_secs),
                MaxAgeValue::Valid | MaxAgeValue::Absent => m.secs.min(policy.cap_secs),
            }
        }
    }
}

/// What one key holds: the allowed methods and headers, each with its expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    /// The latest preflight that wrote it.
    preflight: ExchangeId,
    /// Made for a credentialed request.
    credentials: bool,
    /// When the last written result stops serving.
    expires: Timestamp,
    methods: Vec<(String, Timestamp)>,
    headers: Vec<(String, Timestamp)>,
}

impl Entry {
    fn fresh(list: &[(String, Timestamp)], now: Timestamp) -> Vec<String> {
        list.iter()
            .filter(|(_, expires)| now <= *expires)
            .map(|(t, _)| t.clone())
            .collect()
    }
}

/// A key of the cache: origin, URL, and (Firefox) whether credentialed.
type Key = (String, String, bool);

/// Estimated bytes `key` and `entry` hold, as kept in the cache.
fn entry_bytes(key: &Key, entry: &Entry) -> usize {
    let tokens = |list: &Vec<(String, Timestamp)>| {
        list.capacity() * std::mem::size_of::<(String, Timestamp)>()
            + list
                .iter()
                .map(|(t, _)| footprint::string(t))
                .sum::<usize>()
            + if list.capacity() > 0 {
                footprint::BLOCK
            } else {
                0
            }
    };
    footprint::lru_entry::<(Key, Entry)>()
        + footprint::string(&key.0)
        + footprint::string(&key.1)
        + tokens(&entry.methods)
        + tokens(&entry.headers)
}

fn merge(list: &mut Vec<(String, Timestamp)>, tokens: &[String], expires: Timestamp) {
    for t in tokens {
        match list.iter_mut().find(|(x, _)| x == t) {
            Some(e) => e.1 = expires,
            None => list.push((t.clone(), expires)),
        }
    }
}

/// The preflight cache of one browser client.
#[derive(Debug)]
pub struct PreflightCache {
    /// The entries, with their estimated bytes (see [`footprint`]).
    entries: Weighed<Key, Entry>,
    policy: PreflightCachePolicy,
}

impl PreflightCache {
    /// An empty cache kept as `policy` says.
    pub fn new(policy: PreflightCachePolicy) -> Self {
        Self {
            entries: Weighed::new(entry_bytes),
            policy,
        }
    }

    /// The key of a result: Firefox keeps credentialed and uncredentialed results apart.
    fn key(&self, origin: &str, url: &str, credentials: bool) -> Key {
        (
            origin.to_string(),
            url.to_string(),
            self.policy.per_token && credentials,
        )
    }

    /// Stores the result of a successful preflight made at `at`.
    pub fn insert(
        &mut self,
        origin: &str,
        url: &str,
        preflight: ExchangeId,
        result: &PreflightResult,
        at: Timestamp,
    ) {
        if url.len() >= MAX_URL_BYTES {
            return;
        }
        let secs = lifetime(&self.policy, result.max_age.as_deref());
        let key = self.key(origin, url, result.credentials);
        if secs == 0 {
            if !self.policy.per_token {
                self.entries.pop(&key);
            }
            return;
        }
        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
        let expires = Timestamp(at.0.saturating_add(secs.saturating_mul(1_000_000_000)));
        let old = match self.policy.per_token {
            true => self.entries.pop(&key),
            false => None,
        };
        let mut entry = old.unwrap_or(Entry {
            preflight,
            credentials: result.credentials,
            expires,
            methods: Vec::new(),
            headers: Vec::new(),
        });
        entry.preflight = preflight;
        entry.expires = entry.expires.max(expires);
        merge(&mut entry.methods, &result.methods, expires);
        merge(&mut entry.headers, &result.headers, expires);
        self.entries.push(key, entry, self.policy.entries.max(1));
    }

    /// Estimated bytes of the results held.
    pub fn bytes(&self) -> usize {
        self.entries.bytes()
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
        profile: &BrowserProfile,
    ) -> Option<ExchangeId> {
        let entry = self.entries.peek(&self.key(origin, url, include))?;
        if include && !entry.credentials {
            return None;
        }
        if now > entry.expires {
            return None;
        }
        let methods = Entry::fresh(&entry.methods, now);
        let headers = Entry::fresh(&entry.headers, now);
        let include = include || entry.credentials;
        let covers = check_method(&methods, &actual.method, include).is_ok()
            && check_headers(
                &headers,
                actual,
                include,
                profile.wildcard_covers_authorization,
            )
            .is_ok();
        covers.then_some(entry.preflight)
    }

    /// Number of keys held.
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
    use crate::model::browser::{CHROMIUM, FIREFOX, SAFARI};

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

    #[test]
    fn lifetimes_per_browser() {
        let cases: &[(Option<&str>, u64, u64, u64)] = &[
            // value, Chromium, Firefox, Safari
            (None, 5, 5, 5),
            (Some("600"), 600, 600, 600),
            (Some("86400"), 7200, 86400, 600),
            (Some("100000"), 7200, 86400, 600),
            (Some("abc"), 5, 0, 5),
            (Some("+60"), 60, 0, 60),
            (Some("-1"), 0, 0, 0),
            (Some("0"), 0, 0, 0),
        ];
        for (v, c, f, s) in cases {
            let got = [&CHROMIUM, &FIREFOX, &SAFARI].map(|p| lifetime(&p.preflight_cache, *v));
            assert_eq!(got, [*c, *f, *s], "{v:?}");
        }
    }

    fn result(methods: &[&str], headers: &[&str], secs: u64, credentials: bool) -> PreflightResult {
        PreflightResult {
            methods: methods.iter().map(|s| s.to_string()).collect(),
            headers: headers.iter().map(|s| s.to_string()).collect(),
            credentials,
            max_age: Some(secs.to_string()),
        }
    }

    fn actual(method: &str, names: &[&str]) -> ActualRequest {
        ActualRequest {
            method: method.into(),
            unsafe_names: names.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_parts(100 + s, 0)
    }

    #[test]
    fn one_result_per_key_expiry_and_credentials() {
        let p = &CHROMIUM;
        let mut c = PreflightCache::new(p.preflight_cache);
        c.insert(
            "o",
            "u",
            ExchangeId(1),
            &result(&["PUT"], &["x-a"], 10, false),
            at(0),
        );
        let look =
            |c: &PreflightCache, o, u, t, a: &ActualRequest, inc| c.lookup(o, u, at(t), a, inc, p);
        assert_eq!(
            look(&c, "o", "u", 5, &actual("PUT", &["x-a"]), false),
            Some(ExchangeId(1))
        );
        assert_eq!(
            look(&c, "o", "u", 11, &actual("PUT", &[]), false),
            None,
            "expired"
        );
        assert_eq!(
            look(&c, "o", "u", 5, &actual("DELETE", &[]), false),
            None,
            "method"
        );
        assert_eq!(
            look(&c, "o", "u", 5, &actual("PUT", &["x-b"]), false),
            None,
            "header"
        );
        assert_eq!(
            look(&c, "o", "u", 5, &actual("PUT", &[]), true),
            None,
            "credentials"
        );
        assert_eq!(
            look(&c, "o", "u?x", 5, &actual("PUT", &[]), false),
            None,
            "full URL"
        );
        assert_eq!(
            look(&c, "p", "u", 5, &actual("PUT", &[]), false),
            None,
            "origin"
        );
        // replaced, not merged
        c.insert(
            "o",
            "u",
            ExchangeId(2),
            &result(&["DELETE"], &[], 10, false),
            at(1),
        );
        assert_eq!(look(&c, "o", "u", 2, &actual("PUT", &[]), false), None);
        assert_eq!(
            look(&c, "o", "u", 2, &actual("DELETE", &[]), false),
            Some(ExchangeId(2))
        );
        assert_eq!(c.len(), 1);
    }

    /// Firefox keeps a token per method and header: the samples' `ok-preflight-cache-per-header`
    /// (X-A, then X-B, then both) needs no third preflight in Firefox.
    #[test]
    fn firefox_accumulates_tokens_and_keys_credentials_apart() {
        let p = &FIREFOX;
        let mut c = PreflightCache::new(p.preflight_cache);
        c.insert(
            "o",
            "u",
            ExchangeId(1),
            &result(&["PUT"], &["x-a"], 600, false),
            at(0),
        );
        c.insert(
            "o",
            "u",
            ExchangeId(2),
            &result(&["PUT"], &["x-b"], 600, false),
            at(1),
        );
        let both = actual("PUT", &["x-a", "x-b"]);
        assert_eq!(
            c.lookup("o", "u", at(2), &both, false, p),
            Some(ExchangeId(2))
        );
        assert_eq!(c.lookup("o", "u", at(2), &both, true, p), None);
        let mut chromium = PreflightCache::new(CHROMIUM.preflight_cache);
        chromium.insert(
            "o",
            "u",
            ExchangeId(1),
            &result(&["PUT"], &["x-a"], 600, false),
            at(0),
        );
        chromium.insert(
            "o",
            "u",
            ExchangeId(2),
            &result(&["PUT"], &["x-b"], 600, false),
            at(1),
        );
        assert_eq!(
            chromium.lookup("o", "u", at(2), &both, false, &CHROMIUM),
            None
        );
        // An unparsable Max-Age is not cached by Firefox, 5 s by Chromium.
        let mut r = result(&["PUT"], &[], 0, false);
        r.max_age = Some("abc".into());
        c.insert("o", "v", ExchangeId(3), &r, at(0));
        chromium.insert("o", "v", ExchangeId(3), &r, at(0));
        let put = actual("PUT", &[]);
        assert_eq!(c.lookup("o", "v", at(1), &put, false, p), None);
        assert_eq!(
            chromium.lookup("o", "v", at(1), &put, false, &CHROMIUM),
            Some(ExchangeId(3))
        );
        // `*` covers Authorization for Firefox, not as Chrome judges.
        c.insert(
            "o",
            "w",
            ExchangeId(4),
            &result(&["PUT"], &["*"], 600, false),
            at(0),
        );
        chromium.insert(
            "o",
            "w",
            ExchangeId(4),
            &result(&["PUT"], &["*"], 600, false),
            at(0),
        );
        let auth = actual("PUT", &["authorization"]);
        assert_eq!(
            c.lookup("o", "w", at(1), &auth, false, p),
            Some(ExchangeId(4))
        );
        assert_eq!(
            chromium.lookup("o", "w", at(1), &auth, false, &CHROMIUM),
            None
        );
    }

    #[test]
    fn long_urls_are_not_cached_and_size_is_bounded() {
        let mut c = PreflightCache::new(CHROMIUM.preflight_cache);
        c.insert(
            "o",
            &"u".repeat(1024),
            ExchangeId(1),
            &result(&["PUT"], &[], 5, false),
            at(0),
        );
        assert!(c.is_empty());
        for i in 0..(CACHE_ENTRIES + 10) {
            let r = result(&["PUT"], &[], 5, false);
            c.insert("o", &format!("u{i}"), ExchangeId(i as u64), &r, at(0));
        }
        assert_eq!(c.len(), CACHE_ENTRIES);
        let mut f = PreflightCache::new(FIREFOX.preflight_cache);
        for i in 0..200 {
            let r = result(&["PUT"], &[], 5, false);
            f.insert("o", &format!("u{i}"), ExchangeId(i as u64), &r, at(0));
        }
        assert_eq!(f.len(), 100);
    }

    /// The byte count kept as entries come and go equals a count made afresh.
    fn recount(c: &PreflightCache) -> usize {
        c.entries.iter().map(|(k, e)| entry_bytes(k, e)).sum()
    }

    #[test]
    fn bytes_follow_what_is_held() {
        for p in [&CHROMIUM, &FIREFOX] {
            let mut c = PreflightCache::new(p.preflight_cache);
            let short = result(&["PUT"], &["x-a"], 60, false);
            c.insert("o", "/a", ExchangeId(1), &short, at(0));
            let one = c.bytes();
            assert!(one > 0);
            assert_eq!(one, recount(&c));
            let long_url = format!("/{}", "x".repeat(500));
            c.insert("o", &long_url, ExchangeId(2), &short, at(1));
            assert!(c.bytes() > 2 * one + 400, "{}", c.bytes());
            // Written again with more tokens (Firefox merges them into the entry).
            let more = result(&["PUT", "DELETE"], &["x-a", "x-b", "x-c"], 60, false);
            c.insert("o", "/a", ExchangeId(3), &more, at(2));
            assert_eq!(c.bytes(), recount(&c));
            // Many keys: the profile's bound evicts, and the count follows.
            for i in 0..2 * p.preflight_cache.entries {
                c.insert("o", &format!("/k{i}"), ExchangeId(4), &short, at(3));
            }
            assert_eq!(c.len(), p.preflight_cache.entries);
            assert_eq!(c.bytes(), recount(&c));
            if !p.preflight_cache.per_token {
                // Chromium: a result with `Access-Control-Max-Age: 0` removes the key.
                let before = c.bytes();
                let last = format!("/k{}", 2 * p.preflight_cache.entries - 1);
                c.insert(
                    "o",
                    &last,
                    ExchangeId(5),
                    &result(&["PUT"], &[], 0, false),
                    at(4),
                );
                assert!(c.bytes() < before);
                assert_eq!(c.bytes(), recount(&c));
            }
        }
    }
}
