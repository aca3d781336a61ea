//! What identifies a finding, and the cheap normalizations that build it from an exchange:
//! the server origin of a URL and the client of an exchange. Lookups borrow the parts of the
//! key ([`KeyRef`]) so that an exchange of a known finding allocates nothing.

use std::hash::{BuildHasher, Hash};

use super::{FindingKind, Rule};

/// A finding's identity, owned.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub kind: FindingKind,
    pub rule: Rule,
    pub server: String,
    pub route: String,
    pub page: String,
}

/// A finding's identity, borrowed. Hashes exactly as [`Key`] does (same fields, same order;
/// `&str` hashes as `String`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct KeyRef<'a> {
    pub kind: FindingKind,
    pub rule: Rule,
    pub server: &'a str,
    pub route: &'a str,
    pub page: &'a str,
}

impl indexmap::Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.kind == key.kind
            && self.rule == key.rule
            && self.server == key.server
            && self.route == key.route
            && self.page == key.page
    }
}

impl KeyRef<'_> {
    pub fn to_owned(self) -> Key {
        Key {
            kind: self.kind,
            rule: self.rule,
            server: self.server.to_string(),
            route: self.route.to_string(),
            page: self.page.to_string(),
        }
    }
}

/// The serialized origin of an absolute URL (`scheme://host[:port]`, lower case, default port
/// left out, user info dropped), borrowed from `url` when it is already in that form, else
/// written into `scratch`. URLs the quick path does not handle (non-ASCII or percent-encoded
/// hosts, no `://`) go through the `url` crate; a URL it cannot parse is its own origin.
pub(super) fn server_origin<'a>(url: &'a str, scratch: &'a mut String) -> &'a str {
    let b = url.as_bytes();
    let Some(colon) = memchr::memmem::find(b, b"://") else {
        return parsed_origin(url, scratch);
    };
    let start = colon + 3;
    // One pass over the authority: where it ends, and whether it is plain lower-case ASCII.
    let mut end = b.len();
    let mut plain = colon > 0;
    for (i, c) in b.iter().enumerate().skip(start) {
        match c {
            b'/' | b'?' | b'#' => {
                end = i;
                break;
            }
            b'A'..=b'Z' | b'%' | b'@' | 0x80.. => plain = false,
            _ => {}
        }
    }
    let scheme = url.get(..colon).unwrap_or_default();
    if !plain
        || end == start
        || !scheme.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'+' || c == b'-' || c == b'.'
        })
    {
        return parsed_origin(url, scratch);
    }
    let authority = url.get(start..end).unwrap_or_default();
    let default = match scheme {
        "http" | "ws" => ":80",
        "https" | "wss" => ":443",
        _ => "",
    };
    if !default.is_empty() && authority.ends_with(default) {
        scratch.clear();
        scratch.push_str(scheme);
        scratch.push_str("://");
        scratch.push_str(
            authority
                .get(..authority.len() - default.len())
                .unwrap_or_default(),
        );
        return scratch;
    }
    url.get(..end).unwrap_or(url)
}

fn parsed_origin<'a>(url: &'a str, scratch: &'a mut String) -> &'a str {
    match url::Url::parse(url) {
        Ok(u) if u.origin().is_tuple() => {
            *scratch = u.origin().ascii_serialization();
            scratch
        }
        _ => url,
    }
}

/// A hash naming the client of an exchange: its IP address where the recording has one
/// (`198.51.100.7:50312` and `[2001:db8::1]:443` count by address), else its input (a HAR is
/// one browser).
pub(super) fn client_hash(client: Option<&str>, input: usize) -> u64 {
    let hasher = foldhash::fast::FixedState::with_seed(0x636f_7273);
    match client {
        Some(c) => {
            let ip = match c.rsplit_once(':') {
                Some((ip, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !ip.is_empty() => {
                    ip
                }
                _ => c,
            };
            hasher.hash_one(("ip", ip))
        }
        None => hasher.hash_one(("input", input)),
    }
}

/// Hashes a borrowed key the way the map does, for tests.
#[cfg(test)]
pub(super) fn same_hash(a: &Key, b: &KeyRef<'_>) -> bool {
    let s = std::collections::hash_map::RandomState::new();
    let one = |k: &dyn Fn(&mut std::collections::hash_map::DefaultHasher)| {
        let mut h = s.build_hasher();
        k(&mut h);
        std::hash::Hasher::finish(&h)
    };
    one(&|h| a.hash(h)) == one(&|h| b.hash(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CauseId;

    #[test]
    fn borrowed_and_owned_keys_hash_alike() {
        let r = KeyRef {
            kind: FindingKind::Blocked,
            rule: Rule::Cause(CauseId::MissingAllowOrigin),
            server: "https://api.x",
            route: "/v1/items/{id}",
            page: "https://app.x",
        };
        assert!(same_hash(&r.to_owned(), &r));
    }

    #[test]
    fn server_origins() {
        let mut s = String::new();
        let cases = [
            ("https://api.example.com/v1/x?y", "https://api.example.com"),
            (
                "http://api.example.com:8080/",
                "http://api.example.com:8080",
            ),
            ("http://api.example.com:80/x", "http://api.example.com"),
            ("https://api.example.com:443", "https://api.example.com"),
            ("HTTPS://API.Example.COM/x", "https://api.example.com"),
            (
                "https://user:pw@api.example.com/x",
                "https://api.example.com",
            ),
            ("http://[::1]:8101/x", "http://[::1]:8101"),
            ("https://bücher.example/x", "https://xn--bcher-kva.example"),
            ("not a url", "not a url"),
        ];
        for (url, want) in cases {
            assert_eq!(server_origin(url, &mut s), want, "{url}");
        }
    }

    #[test]
    fn clients_by_address() {
        assert_eq!(
            client_hash(Some("198.51.100.7:50312"), 0),
            client_hash(Some("198.51.100.7:50999"), 3)
        );
        assert_ne!(
            client_hash(Some("198.51.100.7:50312"), 0),
            client_hash(Some("198.51.100.8:50312"), 0)
        );
        assert_eq!(
            client_hash(Some("[2001:db8::1]:443"), 0),
            client_hash(Some("[2001:db8::1]:80"), 0)
        );
        assert_eq!(client_hash(None, 1), client_hash(None, 1));
        assert_ne!(client_hash(None, 1), client_hash(None, 2));
    }
}
