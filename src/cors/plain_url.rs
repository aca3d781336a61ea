//! The origin, path and query of a plain `http`/`https` URL, read by slicing instead of a
//! full WHATWG parse: the engine asks for the origin of several URLs per exchange, and a full
//! parse (with its allocations for path and query) costs more than the rest of the judgement.
//!
//! Only URLs whose origin the WHATWG parser would leave unchanged are read here: lower-case
//! scheme `http` or `https`, no user info, a host of lower-case ASCII letters, digits, `-`
//! and `.` whose last label starts with a letter (so it is neither an IPv4 address nor
//! punycode to validate), and an optional port without leading zeros. Everything else is
//! declined and goes to the `url` crate, so the result always equals
//! `Url::parse(url)?.origin().ascii_serialization()` (checked by a test against the crate).
//! [`parts`] also needs a path and query the parser would not rewrite: characters that are
//! never percent-encoded, no dot segments.

use std::borrow::Cow;

/// The serialized origin of `url` when it is a plain URL as above; `None` means "not read
/// here", never "no origin".
pub(super) fn origin(url: &str) -> Option<String> {
    split(url).map(|(origin, _)| origin.into_owned())
}

/// A plain URL's serialized origin, path (`/` when empty) and query (without `?`), equal to
/// the `url` crate's `origin().ascii_serialization()`, `path()` and `query()`.
pub(crate) struct Parts<'a> {
    /// The serialized origin: the URL's own beginning when it is written so (no default
    /// port).
    pub origin: Cow<'a, str>,
    /// The path.
    pub path: &'a str,
    /// The query, when there is a `?`.
    pub query: Option<&'a str>,
    /// What follows the authority in the URL: path, query and fragment as written.
    pub after: &'a str,
}

/// The parts of `url` when it is plain, path and query included; `None` means "not read
/// here".
pub(crate) fn parts(url: &str) -> Option<Parts<'_>> {
    let (origin, after) = split(url)?;
    let rest = after
        .get(..memchr::memchr(b'#', after.as_bytes()).unwrap_or(after.len()))
        .unwrap_or(after);
    let (path, query) = match memchr::memchr(b'?', rest.as_bytes()) {
        Some(q) => (rest.get(..q)?, Some(rest.get(q + 1..)?)),
        None => (rest, None),
    };
    let plain_query =
        query.is_none_or(|q| q.bytes().all(|b| b == b'?' || PATH_BYTES[usize::from(b)]));
    if !plain_path(path.as_bytes()) || !plain_query {
        return None;
    }
    Some(Parts {
        origin,
        path: if path.is_empty() { "/" } else { path },
        query,
        after,
    })
}

/// Whether a path is kept as it is by the parser: only [`PATH_BYTES`] and no dot segment
/// (`/.`, also percent-encoded as `%2e`), which the parser resolves. One pass over the bytes.
fn plain_path(path: &[u8]) -> bool {
    let mut previous = 0u8;
    for (i, &b) in path.iter().enumerate() {
        let dot = (b == b'.' && previous == b'/')
            || (b == b'%'
                && path.get(i + 1) == Some(&b'2')
                && matches!(path.get(i + 2), Some(b'e' | b'E')));
        if dot || !PATH_BYTES[usize::from(b)] {
            return false;
        }
        previous = b;
    }
    true
}

/// Bytes a path or query keeps as they are: letters, digits and `-._~!$&()*+,;=:@/%`.
const PATH_BYTES: [bool; 256] = byte_set(b"-._~!$&()*+,;=:@/%", true);
/// Bytes of a plain host: lower-case letters, digits, `-` and `.`.
const HOST_BYTES: [bool; 256] = byte_set(b"-.", false);

/// A byte table of ASCII digits, lower-case letters (and upper-case ones when `upper`) and
/// `extra`.
const fn byte_set(extra: &[u8], upper: bool) -> [bool; 256] {
    let mut set = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        set[b] = c.is_ascii_digit() || c.is_ascii_lowercase() || (upper && c.is_ascii_uppercase());
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        set[extra[i] as usize] = true;
        i += 1;
    }
    set
}

/// The host of a plain URL (lower case already), as `Url::host_str` gives it.
pub(crate) fn host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#' | b'\\' | b':'))
        .unwrap_or(rest.len());
    let host = rest.get(..end)?;
    // The whole origin must be plain, port and all.
    authority(url).is_some().then_some(host)
}

/// The origin of a plain URL and what follows its authority. The origin is borrowed from
/// the URL when the URL begins with it, as it does unless a default port is written.
fn split(url: &str) -> Option<(Cow<'_, str>, &str)> {
    let plain = authority(url)?;
    let len = plain.scheme.len() + 3 + plain.host.len() + plain.port.map_or(0, |p| p.len() + 1);
    if url.len() - plain.after.len() == len {
        return Some((Cow::Borrowed(url.get(..len)?), plain.after));
    }
    let mut origin = String::with_capacity(len);
    origin.push_str(plain.scheme);
    origin.push_str("://");
    origin.push_str(plain.host);
    if let Some(p) = plain.port {
        origin.push(':');
        origin.push_str(p);
    }
    Some((Cow::Owned(origin), plain.after))
}

/// Whether two URLs have the same origin, when both are plain: compared piece by piece,
/// without building either serialization. `None` means "not read here".
pub(super) fn same_origin(a: &str, b: &str) -> Option<bool> {
    let (a, b) = (authority(a)?, authority(b)?);
    Some(a.scheme == b.scheme && a.host == b.host && a.port == b.port)
}

/// The pieces of a plain URL's origin, checked, without building its serialization.
struct Authority<'a> {
    scheme: &'static str,
    host: &'a str,
    /// The port, when not the scheme's default.
    port: Option<&'a str>,
    /// What follows the authority.
    after: &'a str,
}

/// The origin of `url` when it is plain, in pieces.
fn authority(url: &str) -> Option<Authority<'_>> {
    let (scheme, default_port, rest) = if let Some(rest) = url.strip_prefix("https://") {
        ("https", 443, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        ("http", 80, rest)
    } else {
        return None;
    };
    // Tabs and newlines anywhere are removed by the parser; a URL holding one is declined.
    if memchr::memchr3(b'\t', b'\n', b'\r', url.as_bytes()).is_some() {
        return None;
    }
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#' | b'\\'))
        .unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    let after = rest.get(end..)?;
    let (host, port) = match authority.bytes().position(|b| b == b':') {
        Some(colon) => (authority.get(..colon)?, Some(authority.get(colon + 1..)?)),
        None => (authority, None),
    };
    if !plain_host(host.as_bytes()) {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) => {
            let plain = !p.is_empty()
                && p.len() <= 5
                && !p.starts_with('0')
                && p.bytes().all(|b| b.is_ascii_digit());
            if !plain {
                return None;
            }
            let n: u32 = p.parse().ok()?;
            if n > 65_535 {
                return None;
            }
            (n != default_port).then_some(p)
        }
    };
    Some(Authority {
        scheme,
        host,
        port,
        after,
    })
}

/// Lower-case ASCII labels of letters, digits and `-`, none empty, none punycode, the last
/// one starting with a letter. One pass over the bytes.
fn plain_host(host: &[u8]) -> bool {
    let mut label = 0;
    for (i, &b) in host.iter().enumerate() {
        if b == b'.' {
            let done = host.get(label..i).unwrap_or_default();
            if done.is_empty() || done.starts_with(b"xn--") {
                return false;
            }
            label = i + 1;
        } else if !HOST_BYTES[usize::from(b)] {
            return false;
        }
    }
    let last = host.get(label..).unwrap_or_default();
    !last.starts_with(b"xn--") && last.first().is_some_and(u8::is_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_crate(url: &str) -> Option<String> {
        url::Url::parse(url)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    }

    #[test]
    fn agrees_with_the_url_crate_whenever_it_answers() {
        let hosts = [
            "a.test",
            "api.example.com",
            "x",
            "a-b.c",
            "a..b",
            ".a",
            "a.",
            "1.2.3.4",
            "a.1",
            "a.0x1f",
            "xn--nxasmq6b.test",
            "A.test",
            "a_b.test",
            "",
            "a.test:",
            "a.test:80",
            "a.test:443",
            "a.test:080",
            "a.test:8080",
            "a.test:65535",
            "a.test:65536",
            "a.test:99999",
            "a.test:1x",
            "u:p@a.test",
            "a.test%2e",
            "[::1]",
            "a.b-",
        ];
        let tails = ["", "/", "/p?q=1#f", "?q", "#f", "\\p", "/a b", "/\tp"];
        let mut answered = 0;
        for scheme in [
            "http://", "https://", "HTTP://", "ws://", "http:/", "https:",
        ] {
            for host in hosts {
                for tail in tails {
                    let url = format!("{scheme}{host}{tail}");
                    if let Some(fast) = origin(&url) {
                        answered += 1;
                        assert_eq!(Some(fast), by_crate(&url), "{url}");
                    }
                }
            }
        }
        assert!(answered > 50, "the fast path answered only {answered} URLs");
    }

    #[test]
    fn same_origin_agrees_with_the_url_crate_whenever_it_answers() {
        let urls = [
            "http://a.test/",
            "http://a.test:80/x",
            "http://a.test:8080/",
            "http://a.test:08080/",
            "https://a.test/",
            "https://a.test:443/?q",
            "https://a.test:80/",
            "https://b.a.test/",
            "http://A.test/",
            "http://1.2.3.4/",
            "https://u:p@a.test/",
            "http://a.test#f",
            "ws://a.test/",
            "data:text/plain,x",
        ];
        let by_crate = |a: &str, b: &str| match (url::Url::parse(a), url::Url::parse(b)) {
            (Ok(a), Ok(b)) => a.origin().is_tuple() && a.origin() == b.origin(),
            _ => false,
        };
        let (mut answered, mut same) = (0, 0);
        for a in urls {
            for b in urls {
                if let Some(fast) = same_origin(a, b) {
                    answered += 1;
                    same += usize::from(fast);
                    assert_eq!(fast, by_crate(a, b), "{a} {b}");
                }
            }
        }
        assert!(
            answered > 40 && same > 10,
            "{answered} answered, {same} same"
        );
    }

    #[test]
    fn reads_plain_urls() {
        assert_eq!(
            origin("https://a.test/x").as_deref(),
            Some("https://a.test")
        );
        assert_eq!(
            origin("http://a.test:8080").as_deref(),
            Some("http://a.test:8080")
        );
        assert_eq!(
            origin("http://a.test:80/").as_deref(),
            Some("http://a.test")
        );
        assert_eq!(origin("http://203.0.113.7/"), None);
        assert_eq!(origin("http://A.test/"), None);
        // A written default port is left out of the origin, which is then text of its own.
        let p = parts("http://a.test:80/x?y").expect("plain");
        assert!(matches!(p.origin, Cow::Owned(_)));
        assert_eq!((p.origin.as_ref(), p.after), ("http://a.test", "/x?y"));
    }
    #[test]
    fn paths_and_queries_agree_with_the_url_crate_whenever_read() {
        let paths = [
            "", "/", "/a/b", "/a/./b", "/a/../b", "/.", "/a/%2e/b", "/a%2Fb", "/a b", "/a\"b",
            "/a<b>", "/a`b", "/a{b}", "/a^b", "/a|b", "/~user", "/a;b=c", "/é", "/a%zz", "/a'b",
            "//x", "/a@b:c", "/a\\b", "/a\tb",
        ];
        let queries = [
            "", "?", "?a=1&b=2", "?a=1?b", "?a b", "?a'b", "?a\"b", "?a<b", "?q=%41", "?a/b",
            "?a`b", "?a{b}", "?a^b", "?é",
        ];
        let mut read = 0;
        for path in paths {
            for query in queries {
                for fragment in ["", "#f", "#a?b"] {
                    let url = format!("https://a.test:8443{path}{query}{fragment}");
                    let Some(p) = parts(&url) else { continue };
                    read += 1;
                    let u = url::Url::parse(&url).expect("a plain URL parses");
                    assert_eq!(p.origin, u.origin().ascii_serialization(), "{url}");
                    // Written without a default port, the origin is the URL's beginning.
                    assert!(matches!(p.origin, Cow::Borrowed(_)), "{url}");
                    assert_eq!(format!("{}{}", p.origin, p.after), url);
                    assert_eq!(p.path, u.path(), "{url}");
                    assert_eq!(p.query, u.query(), "{url}");
                }
            }
        }
        assert!(read > 100, "read only {read} URLs");
    }
    #[test]
    fn hosts_agree_with_the_url_crate_whenever_read() {
        for url in [
            "https://a.test/x",
            "http://a.test:8080/",
            "http://a.test:80",
            "https://b-c.d.e?q",
            "http://a.test#f",
            "http://A.test/",
            "http://1.2.3.4/",
            "http://u@a.test/",
        ] {
            if let Some(host) = host(url) {
                let u = url::Url::parse(url).expect("a plain URL parses");
                assert_eq!(Some(host), u.host_str(), "{url}");
            }
        }
        assert_eq!(host("https://a.test:8443/x"), Some("a.test"));
        assert_eq!(host("http://A.test/"), None);
    }
}
