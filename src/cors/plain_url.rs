//! The origin of a plain `http`/`https` URL, read by slicing instead of a full WHATWG parse:
//! the engine asks for the origin of several URLs per exchange, and a full parse (with its
//! allocations for path and query) costs more than the rest of the judgement.
//!
//! Only URLs whose origin the WHATWG parser would leave unchanged are read here: lower-case
//! scheme `http` or `https`, no user info, a host of lower-case ASCII letters, digits, `-`
//! and `.` whose last label starts with a letter (so it is neither an IPv4 address nor
//! punycode to validate), and an optional port without leading zeros. Everything else is
//! declined and goes to the `url` crate, so the result always equals
//! `Url::parse(url)?.origin().ascii_serialization()` (checked by a test against the crate).

/// The serialized origin of `url` when it is a plain URL as above; `None` means "not read
/// here", never "no origin".
pub(super) fn of(url: &str) -> Option<String> {
    let (scheme, default_port, rest) = if let Some(rest) = url.strip_prefix("https://") {
        ("https", 443, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        ("http", 80, rest)
    } else {
        return None;
    };
    // Tabs and newlines anywhere are removed by the parser; a URL holding one is declined.
    if url.bytes().any(|b| matches!(b, b'\t' | b'\n' | b'\r')) {
        return None;
    }
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#' | b'\\'))
        .unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if !plain_host(host) {
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
    let mut origin = String::with_capacity(scheme.len() + 3 + authority.len());
    origin.push_str(scheme);
    origin.push_str("://");
    origin.push_str(host);
    if let Some(p) = port {
        origin.push(':');
        origin.push_str(p);
    }
    Some(origin)
}

/// Lower-case ASCII labels of letters, digits and `-`, none empty, none punycode, the last
/// one starting with a letter.
fn plain_host(host: &str) -> bool {
    let bytes = host.as_bytes();
    let chars_ok = bytes
        .iter()
        .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !chars_ok {
        return false;
    }
    let mut labels = host.split('.');
    let labels_ok = labels
        .clone()
        .all(|l| !l.is_empty() && !l.starts_with("xn--"));
    let last_ok = labels
        .next_back()
        .and_then(|l| l.bytes().next())
        .is_some_and(|b| b.is_ascii_lowercase());
    labels_ok && last_ok
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
                    if let Some(fast) = of(&url) {
                        answered += 1;
                        assert_eq!(Some(fast), by_crate(&url), "{url}");
                    }
                }
            }
        }
        assert!(answered > 50, "the fast path answered only {answered} URLs");
    }

    #[test]
    fn reads_plain_urls() {
        assert_eq!(of("https://a.test/x").as_deref(), Some("https://a.test"));
        assert_eq!(
            of("http://a.test:8080").as_deref(),
            Some("http://a.test:8080")
        );
        assert_eq!(of("http://a.test:80/").as_deref(), Some("http://a.test"));
        assert_eq!(of("http://203.0.113.7/"), None);
        assert_eq!(of("http://A.test/"), None);
    }
}
