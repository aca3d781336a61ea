//! Route templating: a URL path with its identifiers collapsed, so that
//! `/users/123/orders/9f1c0c2e7b` and `/users/77/orders/0a4b99e1c3` are one route,
//! `/users/{id}/orders/{id}`.
//!
//! The rules, applied to each `/`-separated segment of the path (the query and fragment are
//! dropped; an empty path is `/`):
//!
//! 1. A segment with a file extension (`123.json`, `avatar-9f1c0c2e.png`: a final `.` followed
//!    by one to five ASCII letters) is judged on its stem and keeps its extension
//!    (`{id}.json`).
//! 2. The whole segment (or stem) becomes `{id}` when it is
//!    - a number: ASCII digits only (`123`, `20240514`);
//!    - a UUID: 8-4-4-4-12 hexadecimal digits, any case, also without the dashes (32 hex);
//!    - a hash or hexadecimal id: at least 7 hexadecimal digits with at least one digit
//!      (`9f1c0c2`, an MD5, SHA-1 or SHA-256 in hex);
//!    - a date or time: `YYYY-MM-DD`, optionally followed by `T` or `_` and a time
//!      (`2024-05-14T10:21:07Z`);
//!    - a token: at least 16 characters of the base64url alphabet (`A-Z a-z 0-9 - _`, `=`
//!      padding, `.` between the parts of a JWT, `~`, `+`) with at least one digit, and
//!      either both upper and lower case letters (`dGhpcy1pcy1hLXRva2Vu42`, a JWT) or no
//!      separator at all (`k3j4h5g6f7d8s9a0q1w2`, a session id); a lower-case slug with
//!      separators (`preflight-405-with-acao`) is a name;
//!    - longer than 64 bytes (a value, not a name).
//! 3. Otherwise, a run of 4 or more digits inside the segment becomes `{id}`
//!    (`order-10045` → `order-{id}`, `INV-2024-0042` → `INV-{id}-{id}`), while names with a
//!    short number in them stay as they are (`v1`, `v2beta`, `oauth2`, `sha256`, `x509`,
//!    `preflight-405-with-acao`).
//!
//! Everything else is kept byte for byte (case, percent-encoding, a trailing `/`): route
//! names are what developers search their code for. Written here rather than taken from a
//! crate: no crate templates paths by these rules, and they are the contract of the
//! findings' fingerprint.

/// The placeholder for an identifier.
pub const ID: &str = "{id}";

/// The route of `url`'s path: its identifiers replaced by [`ID`]. `url` may be absolute
/// (`https://host/path?q`) or a path.
pub fn route(url: &str) -> String {
    let mut out = String::with_capacity(url.len().min(128));
    route_into(url, &mut out);
    out
}

/// [`route`], written into `out` (cleared first), reusing its allocation.
pub fn route_into(url: &str, out: &mut String) {
    out.clear();
    let path = path_of(url);
    if path.is_empty() {
        out.push('/');
        return;
    }
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        template_segment(segment, out);
    }
}

/// The path of an absolute URL or a path, without query and fragment.
fn path_of(url: &str) -> &str {
    let b = url.as_bytes();
    let find = |from: usize, stop: fn(u8) -> bool| {
        b.get(from..)
            .and_then(|rest| rest.iter().position(|c| stop(*c)))
            .map_or(b.len(), |i| from + i)
    };
    // A URL's `://` is near its start: a plain search costs less than building a searcher.
    let start = match b.windows(3).position(|w| w == b"://") {
        Some(at) => find(at + 3, |c| matches!(c, b'/' | b'?' | b'#')),
        None => 0,
    };
    if b.get(start).is_some_and(|c| *c != b'/') && start > 0 {
        return "";
    }
    let end = find(start, |c| matches!(c, b'?' | b'#'));
    url.get(start..end).unwrap_or_default()
}

fn template_segment(segment: &str, out: &mut String) {
    if segment.is_empty() {
        return;
    }
    let (stem, ext) = split_extension(segment);
    let shape = Shape::of(stem);
    if is_identifier(stem, &shape) {
        out.push_str(ID);
        out.push_str(ext);
        return;
    }
    // Digit runs inside the segment (rule 3); the extension has no digits.
    if shape.digits < 4 {
        out.push_str(segment);
        return;
    }
    let bytes = segment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let digit = bytes.get(i).is_some_and(u8::is_ascii_digit);
        while bytes.get(i).is_some_and(|b| b.is_ascii_digit() == digit) {
            i += 1;
        }
        let run = segment.get(start..i).unwrap_or_default();
        if digit && run.len() >= 4 {
            out.push_str(ID);
        } else {
            out.push_str(run);
        }
    }
}

/// Splits `name.ext` when `ext` is one to five ASCII letters and `name` is not empty.
fn split_extension(segment: &str) -> (&str, &str) {
    match segment.rfind('.') {
        Some(dot) if dot > 0 => {
            let ext = segment.get(dot + 1..).unwrap_or_default();
            if (1..=5).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphabetic()) {
                (
                    segment.get(..dot).unwrap_or(segment),
                    segment.get(dot..).unwrap_or_default(),
                )
            } else {
                (segment, "")
            }
        }
        _ => (segment, ""),
    }
}

/// What a segment is made of, read in one pass.
#[derive(Default)]
struct Shape {
    digits: usize,
    upper: bool,
    lower: bool,
    /// A letter that is not a hexadecimal digit.
    non_hex: bool,
    /// One of `- _ . ~ +`.
    separator: bool,
    /// A byte outside the base64url alphabet, `=` and the separators.
    other: bool,
}

impl Shape {
    fn of(s: &str) -> Shape {
        let mut sh = Shape::default();
        for b in s.bytes() {
            match b {
                b'0'..=b'9' => sh.digits += 1,
                b'a'..=b'f' => sh.lower = true,
                b'A'..=b'F' => sh.upper = true,
                b'g'..=b'z' => {
                    sh.lower = true;
                    sh.non_hex = true;
                }
                b'G'..=b'Z' => {
                    sh.upper = true;
                    sh.non_hex = true;
                }
                b'-' | b'_' | b'.' | b'~' | b'+' => sh.separator = true,
                b'=' => {}
                _ => sh.other = true,
            }
        }
        sh
    }
}

/// Rule 2.
fn is_identifier(s: &str, sh: &Shape) -> bool {
    if s.len() > 64 {
        return true;
    }
    // Every other rule needs a digit: most names end here, after one pass.
    if sh.digits == 0 {
        return false;
    }
    let hex_only = !sh.non_hex && !sh.separator && !sh.other && !s.contains('=');
    sh.digits == s.len()
        || (hex_only && s.len() >= 7)
        || is_uuid(s)
        || is_date(s)
        || (s.len() >= 16
            && !sh.other
            && (sh.upper || sh.lower)
            && ((sh.upper && sh.lower) || !sh.separator))
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `YYYY-MM-DD`, then optionally `T`/`_`/`t` and anything of `0-9 : . + - Z z`.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| at(i).is_ascii_digit());
    if !(digits(0..4) && at(4) == b'-' && digits(5..7) && at(7) == b'-' && digits(8..10)) {
        return false;
    }
    match b.get(10) {
        None => true,
        Some(b'T' | b't' | b'_') => b
            .get(11..)
            .unwrap_or_default()
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b':' | b'.' | b'+' | b'-' | b'Z' | b'z')),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_looking_paths() {
        let cases: &[(&str, &str)] = &[
            // numbers
            ("https://api.example.com/users/123/orders/9f1c0c2e7b", "/users/{id}/orders/{id}"),
            ("/v1/items/4711", "/v1/items/{id}"),
            ("/v2/accounts/0/balance", "/v2/accounts/{id}/balance"),
            // UUIDs, with and without dashes, any case
            ("/api/sessions/3f2504e0-4f89-41d3-9a0c-0305e82c3301", "/api/sessions/{id}"),
            ("/api/sessions/3F2504E0-4F89-41D3-9A0C-0305E82C3301/events", "/api/sessions/{id}/events"),
            ("/blobs/3f2504e04f8941d39a0c0305e82c3301", "/blobs/{id}"),
            // hashes
            ("/commits/9f1c0c2", "/commits/{id}"),
            ("/files/d41d8cd98f00b204e9800998ecf8427e", "/files/{id}"),
            ("/sha1/da39a3ee5e6b4b0d3255bfef95601890afd80709", "/sha1/{id}"),
            (
                "/sha256/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/raw",
                "/sha256/{id}/raw",
            ),
            // dates and times
            ("/reports/2024-05-14", "/reports/{id}"),
            ("/reports/2024-05-14/daily", "/reports/{id}/daily"),
            ("/events/2024-05-14T10:21:07Z", "/events/{id}"),
            ("/events/2024-05-14T10:21:07.123+02:00", "/events/{id}"),
            ("/archive/2024/05/14", "/archive/{id}/{id}/{id}"),
            ("/archive/20240514", "/archive/{id}"),
            // base64-ish tokens and JWTs
            ("/invite/dGhpcy1pcy1hLXRva2VuLTQy", "/invite/{id}"),
            ("/reset/aZ9_kQ-3mR8xLw2vB7nT", "/reset/{id}"),
            ("/sessions/k3j4h5g6f7d8s9a0q1w2", "/sessions/{id}"),
            ("/docs/configure-cors-for-nginx-in-5-steps", "/docs/configure-cors-for-nginx-in-5-steps"),
            (
                "/auth/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                "/auth/{id}",
            ),
            // file extensions
            ("/exports/123.json", "/exports/{id}.json"),
            ("/avatars/9f1c0c2e7b.png", "/avatars/{id}.png"),
            ("/static/app.js", "/static/app.js"),
            // digit runs inside words
            ("/orders/order-10045/lines", "/orders/order-{id}/lines"),
            ("/invoices/INV-2024-0042", "/invoices/INV-{id}-{id}"),
            ("/list/page_12", "/list/page_12"),
            ("/customers/cus12345/cards", "/customers/cus{id}/cards"),
            ("/certs/x509/sha256", "/certs/x509/sha256"),
            // names that stay
            ("/v1/items", "/v1/items"),
            ("/api/v2beta/oauth2/token", "/api/v2beta/oauth2/token"),
            ("/s3/buckets/assets", "/s3/buckets/assets"),
            ("/deadbeef", "/deadbeef"),
            ("/s/preflight-405-with-acao/item", "/s/preflight-405-with-acao/item"),
            ("/graphql", "/graphql"),
            ("/Users/Me%20Too/", "/Users/Me%20Too/"),
            // query, fragment, empty paths
            ("https://api.example.com/v1/items/17?page=3#top", "/v1/items/{id}"),
            ("https://api.example.com", "/"),
            ("https://api.example.com?x=1", "/"),
            ("https://api.example.com/", "/"),
            ("", "/"),
        ];
        for (url, want) in cases {
            assert_eq!(route(url), *want, "{url}");
        }
    }

    #[test]
    fn long_segments_are_values() {
        let long = "a".repeat(65);
        assert_eq!(route(&format!("/x/{long}")), "/x/{id}");
        let name = "a".repeat(64);
        assert_eq!(route(&format!("/x/{name}")), format!("/x/{name}"));
    }

    #[test]
    fn same_route_for_different_ids() {
        let a = route("https://shop.example/users/123/orders/9f1c0c2e7b?x=1");
        let b = route("https://shop.example/users/77/orders/0a4b99e1c3");
        assert_eq!(a, b);
    }

    #[test]
    fn non_ascii_and_odd_bytes_do_not_panic() {
        for url in [
            "/ünïcödé/123",
            "/%E2%82%AC/12345",
            "//",
            "/a//b",
            "http://h/é.json",
            "/.git",
        ] {
            let r = route(url);
            assert!(r.starts_with('/'), "{url} -> {r}");
        }
        assert_eq!(route("/a//b"), "/a//b");
        assert_eq!(route("/ünïcödé/123"), "/ünïcödé/{id}");
    }

    #[test]
    fn into_reuses_the_buffer() {
        let mut out = String::from("junk");
        route_into("/v1/items/42", &mut out);
        assert_eq!(out, "/v1/items/{id}");
    }
}
