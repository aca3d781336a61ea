//! Which requests need a preflight: method normalization and the CORS-safelisted methods
//! (<https://fetch.spec.whatwg.org/#concept-method-normalize>,
//! <https://fetch.spec.whatwg.org/#cors-safelisted-method>), CORS-safelisted request headers
//! with their value rules (<https://fetch.spec.whatwg.org/#cors-safelisted-request-header>,
//! Chromium `IsCorsSafelistedHeader`), forbidden request headers
//! (<https://fetch.spec.whatwg.org/#forbidden-request-header>, Chromium
//! `net::HttpUtil::IsSafeHeader`, which still forbids `User-Agent`) and the CORS-unsafe
//! request-header names (<https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names>,
//! Chromium `CorsUnsafeRequestHeaderNames`: request order, lower case).
//!
//! [`recorded_unsafe_names`] reconstructs the names from a recorded request, ignoring what the
//! browser or the network stack adds (`cors-causes.md` §3.2 "Reconstructing U").

use std::borrow::Cow;

use crate::model::Request;

/// The six methods the Fetch standard upper-cases.
const NORMALIZED_METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// Normalizes a method: the six of `NORMALIZED_METHODS` are upper-cased when they match
/// case-insensitively; any other method stays as written (`patch` stays `patch`).
pub fn normalize_method(method: &str) -> Cow<'_, str> {
    match NORMALIZED_METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
    {
        Some(m) if *m != method => Cow::Borrowed(m),
        _ => Cow::Borrowed(method),
    }
}

/// Whether a method would be changed by [`normalize_method`] or is outside the six and not
/// upper case (the `method-not-normalized` warning).
pub fn is_unnormalized_method(method: &str) -> bool {
    !NORMALIZED_METHODS.contains(&method)
        && !NORMALIZED_METHODS
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method))
        && method.bytes().any(|b| b.is_ascii_lowercase())
}

/// `GET`, `HEAD` or `POST`, byte-exact (methods are normalized before this question).
pub fn is_cors_safelisted_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST")
}

/// A CORS-unsafe request-header byte.
pub fn is_cors_unsafe_request_header_byte(b: u8) -> bool {
    (b < 0x20 && b != 0x09)
        || matches!(
            b,
            b'"' | b'('
                | b')'
                | b':'
                | b'<'
                | b'>'
                | b'?'
                | b'@'
                | b'['
                | b'\\'
                | b']'
                | b'{'
                | b'}'
                | 0x7F
        )
}

/// Whether a request header is forbidden (set by the browser, never by script), as Chromium
/// decides: the Fetch list, `proxy-`/`sec-` prefixes, method-override headers naming a
/// forbidden method, and `User-Agent`.
pub fn is_forbidden_request_header(name: &str, value: &str) -> bool {
    is_forbidden(name, value.as_bytes())
}

/// [`is_forbidden_request_header`] on the recorded value bytes, read as text only for the
/// method-override headers. Names are matched lower-cased on the stack: this runs for every
/// header of every request.
fn is_forbidden(name: &str, value: &[u8]) -> bool {
    let mut buf = [0u8; LOWER_NAME];
    is_forbidden_lowered(
        name.as_bytes(),
        lower_bytes(name.as_bytes(), &mut buf),
        value,
    )
}

/// [`is_forbidden`] given `name` lower-cased as [`lower_bytes`] does it.
fn is_forbidden_lowered(name: &[u8], lower: Option<&[u8]>, value: &[u8]) -> bool {
    let has_prefix = |p: &[u8]| {
        name.get(..p.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(p))
    };
    if has_prefix(b"proxy-") || has_prefix(b"sec-") {
        return true;
    }
    match lower {
        Some(
            b"accept-charset"
            | b"accept-encoding"
            | b"access-control-request-headers"
            | b"access-control-request-method"
            | b"access-control-request-private-network"
            | b"connection"
            | b"content-length"
            | b"cookie"
            | b"cookie2"
            | b"date"
            | b"dnt"
            | b"expect"
            | b"host"
            | b"keep-alive"
            | b"origin"
            | b"referer"
            | b"set-cookie"
            | b"te"
            | b"trailer"
            | b"transfer-encoding"
            | b"upgrade"
            | b"via"
            | b"user-agent",
        ) => true,
        Some(b"x-http-method" | b"x-http-method-override" | b"x-method-override") => {
            crate::model::headers::text(value).split(',').any(|v| {
                let v = v.trim();
                ["CONNECT", "TRACE", "TRACK"]
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(v))
            })
        }
        _ => false,
    }
}

/// Bytes of a name lower-cased on the stack: more than any name matched here.
const LOWER_NAME: usize = 40;

/// `name` lower-cased (ASCII) into `buf`; `None` when it does not fit, and so matches none
/// of the short names callers look for. Bytes, not text: every name matched is ASCII, so a
/// name that is not UTF-8 matches none of them either way, and this runs for every header of
/// every request.
fn lower_bytes<'b>(name: &[u8], buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    Some(lower)
}

/// Whether `name: value` is a CORS-safelisted request-header.
pub fn is_cors_safelisted_request_header(name: &str, value: &[u8]) -> bool {
    // Every safelisted name is short: lower-case it on the stack.
    let mut buf = [0u8; LOWER_NAME];
    is_safelisted_lowered(lower_bytes(name.as_bytes(), &mut buf), value)
}

/// [`is_cors_safelisted_request_header`] given the name lower-cased by [`lower_bytes`].
fn is_safelisted_lowered(lower: Option<&[u8]>, value: &[u8]) -> bool {
    if value.len() > 128 {
        return false;
    }
    let no_unsafe_byte = || !value.iter().any(|&b| is_cors_unsafe_request_header_byte(b));
    let Some(lower) = lower else {
        return false;
    };
    match lower {
        b"accept" => no_unsafe_byte(),
        b"accept-language" | b"content-language" => value.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b' ' | b'*' | b',' | b'-' | b'.' | b';' | b'=')
        }),
        b"content-type" => no_unsafe_byte() && is_safelisted_content_type(value),
        b"range" => is_simple_range(value),
        // Chromium-only: the intervention report header and client hints.
        b"intervention" => no_unsafe_byte(),
        b"save-data" => value == b"on",
        b"dpr" | b"downlink" | b"device-memory" => is_decimal(value),
        b"width" | b"viewport-width" | b"rtt" => {
            !value.is_empty() && value.iter().all(u8::is_ascii_digit)
        }
        b"ect" => matches!(value, b"slow-2g" | b"2g" | b"3g" | b"4g"),
        _ => false,
    }
}

/// `1*DIGIT [ "." 1*DIGIT ]`.
fn is_decimal(v: &[u8]) -> bool {
    let s = crate::model::headers::text(v);
    let mut parts = s.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && parts.next().is_none_or(digits)
}

/// "Parse a MIME type" succeeds and the essence is one of the three form types.
fn is_safelisted_content_type(value: &[u8]) -> bool {
    let s = crate::model::headers::text(value);
    let s = s.trim_matches([' ', '\t', '\n', '\r']);
    let essence = s.split(';').next().unwrap_or("");
    let Some((ty, sub)) = essence.split_once('/') else {
        return false;
    };
    let sub = sub.trim_end_matches([' ', '\t', '\n', '\r']);
    if !super::fields::is_token(ty) || !super::fields::is_token(sub) {
        return false;
    }
    [
        ("application", "x-www-form-urlencoded"),
        ("multipart", "form-data"),
        ("text", "plain"),
    ]
    .iter()
    .any(|(t, s)| ty.eq_ignore_ascii_case(t) && sub.eq_ignore_ascii_case(s))
}

/// `bytes=N-` or `bytes=N-M` with N ≤ M, no whitespace, one range.
fn is_simple_range(value: &[u8]) -> bool {
    let Some(rest) = value.strip_prefix(b"bytes=") else {
        return false;
    };
    let s = crate::model::headers::text(rest);
    let Some((start, end)) = s.split_once('-') else {
        return false;
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(start) {
        return false;
    }
    if end.is_empty() {
        return true;
    }
    if !digits(end) {
        return false;
    }
    match (start.parse::<u128>(), end.parse::<u128>()) {
        (Ok(a), Ok(b)) => a <= b,
        _ => false,
    }
}

/// The CORS-unsafe request-header names of a header list, lower-cased, in request order,
/// without duplicates; forbidden headers are skipped (Chromium
/// `CorsUnsafeNotForbiddenRequestHeaderNames`). When the safelisted values together exceed
/// 1024 bytes, their names are unsafe too.
pub fn cors_unsafe_request_header_names<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Vec<String> {
    unsafe_names(
        headers.into_iter().map(|(n, v)| (n.as_bytes(), v)),
        |_, _| false,
    )
}

/// [`cors_unsafe_request_header_names`] over recorded names (read as text lossily, and only
/// when one is CORS-unsafe), leaving out the lines `skip` picks (given the name and its
/// lower-case form). Each name is lower-cased once, on the stack, for every question asked of
/// it: this runs for every header of every request. Every question is asked ignoring case,
/// so the lower-case form stands for the name.
fn unsafe_names<'a>(
    headers: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
    skip: impl Fn(&[u8], Option<&[u8]>) -> bool,
) -> Vec<String> {
    let mut unsafe_names: Vec<String> = Vec::new();
    let mut potentially: Vec<&[u8]> = Vec::new();
    let mut total = 0usize;
    let add = |names: &mut Vec<String>, raw: &[u8]| {
        let name = crate::model::headers::text(raw);
        if !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            names.push(name.to_ascii_lowercase());
        }
    };
    for (raw, value) in headers {
        let mut buf = [0u8; LOWER_NAME];
        let lower = lower_bytes(raw, &mut buf);
        if skip(raw, lower) || is_forbidden_lowered(raw, lower, value) {
            continue;
        }
        if is_safelisted_lowered(lower, value) {
            total = total.saturating_add(value.len());
            potentially.push(raw);
        } else {
            add(&mut unsafe_names, raw);
        }
    }
    if total > 1024 {
        for raw in potentially {
            add(&mut unsafe_names, raw);
        }
    }
    unsafe_names
}

/// The CORS-unsafe names of a recorded request, ignoring what the browser, the network stack
/// or a proxy before the capture point adds by itself: HTTP/2 pseudo-headers, forbidden and
/// `Sec-*` headers, `Priority`, `X-Client-Data`, `Cache-Control`/`Pragma` (added for cache
/// modes and DevTools "Disable cache"), the conditional headers of a revalidation, and the
/// forwarding headers (`X-Forwarded-*`, `Forwarded`, `X-Real-IP`, `Via`) of a capture taken
/// behind a proxy.
pub fn recorded_unsafe_names(request: &Request, revalidating: bool) -> Vec<String> {
    let browser_added = |n: &[u8], lower: Option<&[u8]>| {
        n.starts_with(b":")
            || n.get(..12)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"x-forwarded-"))
            || match lower {
                Some(
                    b"priority" | b"x-client-data" | b"cache-control" | b"pragma" | b"forwarded"
                    | b"x-real-ip" | b"via",
                ) => true,
                Some(b"if-none-match" | b"if-modified-since") => revalidating,
                _ => false,
            }
    };
    unsafe_names(
        request.headers.iter().map(|h| (h.name, h.value)),
        browser_added,
    )
}

/// Whether `ex` revalidated a cached response (a `304`, or an answer from the cache): its
/// conditional headers are then the browser's own.
pub fn is_revalidation(ex: &crate::model::Exchange) -> bool {
    ex.response
        .as_ref()
        .is_some_and(|r| r.status == 304 || r.from_cache.is_some())
}

/// The names in an `Access-Control-Request-Headers` value, lower-cased, in order.
pub fn parse_request_headers(value: &str) -> Vec<String> {
    super::fields::split_list(value)
        .map(|s| s.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_normalization() {
        let cases = [
            ("get", "GET"),
            ("Post", "POST"),
            ("delete", "DELETE"),
            ("patch", "patch"),
            ("PATCH", "PATCH"),
            ("options", "OPTIONS"),
        ];
        for (m, want) in cases {
            assert_eq!(normalize_method(m), want, "{m}");
        }
        assert!(is_unnormalized_method("patch"));
        assert!(!is_unnormalized_method("PATCH"));
        assert!(!is_unnormalized_method("put"));
        assert!(is_cors_safelisted_method("POST"));
        assert!(!is_cors_safelisted_method("PUT"));
        assert!(!is_cors_safelisted_method("post"));
    }

    #[test]
    fn safelisted_request_header_value_rules() {
        let cases: &[(&str, &str, bool)] = &[
            ("Accept", "*/*", true),
            ("Accept", "application/json", true),
            ("Accept", "text/html(1)", false),
            ("Accept-Language", "en-US,en;q=0.9", true),
            ("Accept-Language", "en_US", false),
            ("Content-Language", "de-DE", true),
            ("Content-Type", "text/plain", true),
            ("Content-Type", "text/plain;charset=UTF-8", true),
            ("Content-Type", "TEXT/PLAIN; charset=utf-8", true),
            ("Content-Type", "application/x-www-form-urlencoded", true),
            ("Content-Type", "multipart/form-data; boundary=abc", true),
            (
                "Content-Type",
                "multipart/form-data; boundary=\"abc\"",
                false,
            ),
            ("Content-Type", "application/json", false),
            ("Content-Type", "text/plain/x", false),
            ("Content-Type", "text", false),
            ("Range", "bytes=0-", true),
            ("Range", "bytes=0-499", true),
            ("Range", "bytes=500-100", false),
            ("Range", "bytes=-500", false),
            ("Range", "bytes=0-1,5-9", false),
            ("Range", "bytes= 0-1", false),
            ("X-Requested-With", "XMLHttpRequest", false),
            ("Authorization", "Bearer x", false),
            ("Save-Data", "on", true),
            ("DPR", "2.5", true),
            ("ECT", "4g", true),
        ];
        for (name, value, want) in cases {
            assert_eq!(
                is_cors_safelisted_request_header(name, value.as_bytes()),
                *want,
                "{name}: {value}"
            );
        }
        let long = "a".repeat(129);
        assert!(!is_cors_safelisted_request_header(
            "Accept",
            long.as_bytes()
        ));
    }

    #[test]
    fn forbidden_headers() {
        for n in [
            "Cookie",
            "Host",
            "Origin",
            "Sec-Fetch-Mode",
            "Proxy-Authorization",
            "User-Agent",
            "Referer",
        ] {
            assert!(is_forbidden_request_header(n, "x"), "{n}");
        }
        assert!(is_forbidden_request_header(
            "X-HTTP-Method-Override",
            "TRACE"
        ));
        assert!(!is_forbidden_request_header(
            "X-HTTP-Method-Override",
            "PATCH"
        ));
        assert!(!is_forbidden_request_header("Authorization", "x"));
    }

    #[test]
    fn unsafe_names_in_request_order_and_1024_rule() {
        let headers = [
            ("X-B", &b"1"[..]),
            ("Content-Type", b"application/json"),
            ("Accept", b"*/*"),
            ("Cookie", b"a=b"),
            ("x-b", b"2"),
        ];
        assert_eq!(
            cors_unsafe_request_header_names(headers),
            vec!["x-b".to_string(), "content-type".to_string()]
        );
        let big = "a".repeat(120);
        let many: Vec<(String, Vec<u8>)> = (0..9)
            .map(|_| ("Accept".to_string(), big.clone().into_bytes()))
            .collect();
        let names =
            cors_unsafe_request_header_names(many.iter().map(|(n, v)| (n.as_str(), v.as_slice())));
        assert_eq!(names, vec!["accept".to_string()]);
    }
}
