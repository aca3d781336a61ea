//! What kind of exchange the Fetch standard sees (`cors-causes.md` §3.1): a preflight, a CORS
//! request, a same-origin request, or something CORS does not apply to (navigation,
//! `no-cors`, WebSocket, no `Origin`, non-browser client). Reads `Sec-Fetch-Mode` /
//! `Sec-Fetch-Site` when present, the `Origin` header and method otherwise, and the recorder's
//! resource type as a hint.
//!
//! A request Chromium never sent (DevTools HAR: no response, provisional headers without
//! `Origin`) is classified as CORS with its origin still unknown; pairing fills it in from its
//! preflight, the page or `Referer`.

use super::fields;
use super::origin::{same_origin, serialize_url_origin};
use super::safelist::{is_cors_safelisted_method, normalize_method, recorded_unsafe_names};
use crate::model::{Exchange, ExchangeKind, FailureKind};

/// The outcome of classification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// The kind.
    pub kind: ExchangeKind,
    /// The origin the request was sent with (`Origin`), when sent.
    pub origin: Option<String>,
    /// The request was never sent (provisional headers, no response): its origin and cause
    /// come from its preflight.
    pub never_sent: bool,
    /// Why, when the kind rests on a judgement worth telling.
    pub note: Option<String>,
}

impl Classification {
    fn new(kind: ExchangeKind, origin: Option<String>, note: Option<&str>) -> Self {
        Self {
            kind,
            origin,
            never_sent: false,
            note: note.map(str::to_string),
        }
    }
}

/// Whether an exchange is a CORS preflight: `OPTIONS` with `Access-Control-Request-Method`, or
/// an `OPTIONS` the recorder marks as a preflight.
pub fn is_preflight(ex: &Exchange) -> bool {
    ex.request.method.eq_ignore_ascii_case("OPTIONS")
        && (ex.request.headers.contains("access-control-request-method")
            || ex.recorder.resource_type.as_deref() == Some("preflight")
            || ex
                .recorder
                .initiator
                .as_ref()
                .is_some_and(|i| i.kind == "preflight"))
}

/// Whether the recording shows a request the browser never sent: no response, a generic
/// failure or provisional headers, and no `Origin` on the wire.
pub fn is_never_sent(ex: &Exchange) -> bool {
    ex.response.is_none()
        && !ex.request.headers.contains("origin")
        && (ex.request.headers_provisional
            || ex
                .failure
                .as_ref()
                .is_some_and(|f| f.kind == FailureKind::Generic))
}

/// Whether the recorder says script made this request (`fetch`, `xhr`).
pub fn is_script_request(ex: &Exchange) -> bool {
    matches!(
        ex.recorder
            .resource_type
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("fetch") | Some("xhr") | Some("xmlhttprequest")
    )
}

/// Classifies one exchange on its own.
pub fn classify(ex: &Exchange) -> Classification {
    classify_with(ex, serialize_url_origin(&ex.request.url).as_deref())
}

/// [`classify`], given the serialized origin of the request URL already (`None` when the URL
/// does not parse).
pub fn classify_with(ex: &Exchange, url_origin: Option<&str>) -> Classification {
    let headers = &ex.request.headers;
    let origin = fields::get(headers, "origin").map(std::borrow::Cow::into_owned);
    if is_preflight(ex) {
        return Classification::new(ExchangeKind::Preflight, origin, None);
    }
    // Values compared ignoring ASCII case, without lower-casing copies.
    let is = |v: Option<&str>, want: &str| v.is_some_and(|v| v.eq_ignore_ascii_case(want));
    let mode = fields::get(headers, "sec-fetch-mode");
    let mode = mode.as_deref();
    let site = fields::get(headers, "sec-fetch-site");
    let resource = ex.recorder.resource_type.as_deref();
    if is(resource, "websocket")
        || is(mode, "websocket")
        || is(fields::get(headers, "upgrade").as_deref(), "websocket")
    {
        return Classification::new(
            ExchangeKind::NotCors,
            origin,
            Some("WebSocket handshake: not subject to CORS"),
        );
    }
    if is(mode, "navigate") || is(resource, "document") {
        return Classification::new(
            ExchangeKind::NotCors,
            origin,
            Some("navigation: not subject to CORS"),
        );
    }
    if is(mode, "no-cors") {
        return Classification::new(
            ExchangeKind::NotCors,
            origin,
            Some("mode no-cors: opaque response, never a CORS block"),
        );
    }
    if is_never_sent(ex) && mode.is_none() {
        let page = ex.recorder.page_url.as_deref();
        if page.is_some_and(|p| same_origin(p, &ex.request.url)) {
            return Classification::new(ExchangeKind::SameOrigin, None, None);
        }
        return Classification {
            kind: ExchangeKind::Cors,
            origin: None,
            never_sent: true,
            note: None,
        };
    }
    let Some(origin) = origin else {
        let page = ex.recorder.page_url.as_deref();
        if page.is_some_and(|p| same_origin(p, &ex.request.url)) {
            return Classification::new(ExchangeKind::SameOrigin, None, None);
        }
        return Classification::new(
            ExchangeKind::NotCors,
            None,
            Some(
                "no Origin header: not a CORS request (same-origin GET, no-cors, or not a browser)",
            ),
        );
    };
    if is(site.as_deref(), "same-origin") || is(mode, "same-origin") {
        return Classification::new(ExchangeKind::SameOrigin, Some(origin), None);
    }
    if url_origin == Some(origin.as_str()) {
        return Classification::new(ExchangeKind::SameOrigin, Some(origin), None);
    }
    if is(mode, "cors") {
        return Classification::new(ExchangeKind::Cors, Some(origin), None);
    }
    let method = normalize_method(&ex.request.method);
    if matches!(method.as_ref(), "GET" | "HEAD") || !is_cors_safelisted_method(&method) {
        // Origin on GET/HEAD is only sent in cors mode; no-cors allows only safelisted methods.
        return Classification::new(ExchangeKind::Cors, Some(origin), None);
    }
    let cors_response = ex.response.as_ref().is_some_and(|r| {
        r.headers.iter().any(|h| {
            h.name_str()
                .to_ascii_lowercase()
                .starts_with("access-control-")
        })
    });
    if !is_script_request(ex) && looks_like_navigation(ex) {
        return Classification::new(
            ExchangeKind::NotCors,
            Some(origin),
            Some("cross-origin POST with the headers of a navigation: a form submission"),
        );
    }
    if cors_response
        || is_script_request(ex)
        || !recorded_unsafe_names(&ex.request, false).is_empty()
    {
        return Classification::new(ExchangeKind::Cors, Some(origin), None);
    }
    if ex.recorder.resource_type.is_none() {
        // On the wire (no recorder type), a form submission is a navigation and says so:
        // `Upgrade-Insecure-Requests`, an HTML `Accept`. A script's POST does neither.
        return Classification::new(ExchangeKind::Cors, Some(origin), None);
    }
    Classification::new(
        ExchangeKind::NotCors,
        Some(origin),
        Some("cross-origin POST without Sec-Fetch-Mode or any CORS sign: treated as a form submission or no-cors request"),
    )
}

/// Whether a request carries the headers browsers put on navigations (form submissions):
/// `Upgrade-Insecure-Requests: 1` or an `Accept` that asks for HTML first.
pub fn looks_like_navigation(ex: &Exchange) -> bool {
    let h = &ex.request.headers;
    h.contains("upgrade-insecure-requests")
        || h.first("accept")
            .is_some_and(|a| a.starts_with(b"text/html"))
        || h.first("sec-fetch-dest")
            .is_some_and(|d| matches!(d, b"document" | b"iframe" | b"frame"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryIndex, Failure, Location, Request, Response};

    fn ex(method: &str, url: &str, headers: &[(&str, &str)]) -> Exchange {
        let mut request = Request {
            method: method.into(),
            url: url.into(),
            ..Request::default()
        };
        for (n, v) in headers {
            request.headers.push(*n, *v);
        }
        Exchange::new(Location::Entry(EntryIndex(0)), request)
    }

    const API: &str = "https://api.test/x";

    #[test]
    fn kinds() {
        use ExchangeKind::*;
        let o = ("Origin", "https://app.test");
        let cases: Vec<(Exchange, ExchangeKind)> = vec![
            (
                ex(
                    "OPTIONS",
                    API,
                    &[o, ("Access-Control-Request-Method", "PUT")],
                ),
                Preflight,
            ),
            (ex("OPTIONS", API, &[o]), Cors),
            (ex("GET", API, &[o]), Cors),
            (ex("GET", API, &[o, ("Sec-Fetch-Mode", "cors")]), Cors),
            (ex("GET", API, &[o, ("Sec-Fetch-Mode", "no-cors")]), NotCors),
            (ex("GET", API, &[("Sec-Fetch-Mode", "navigate")]), NotCors),
            (
                ex("GET", API, &[o, ("Sec-Fetch-Mode", "websocket")]),
                NotCors,
            ),
            (ex("GET", API, &[o, ("Upgrade", "websocket")]), NotCors),
            (
                ex(
                    "POST",
                    API,
                    &[
                        o,
                        ("Sec-Fetch-Mode", "cors"),
                        ("Sec-Fetch-Site", "same-origin"),
                    ],
                ),
                SameOrigin,
            ),
            (
                ex("GET", API, &[("Origin", "https://api.test")]),
                SameOrigin,
            ),
            (ex("GET", API, &[]), NotCors),
            (ex("PUT", API, &[o]), Cors),
            // A form submission says it is a navigation; a script's POST on the wire does not.
            (
                ex("POST", API, &[o, ("Upgrade-Insecure-Requests", "1")]),
                NotCors,
            ),
            (
                ex("POST", API, &[o, ("Accept", "text/html,*/*;q=0.8")]),
                NotCors,
            ),
            (ex("POST", API, &[o, ("Accept", "*/*")]), Cors),
            (
                ex("POST", API, &[o, ("Content-Type", "application/json")]),
                Cors,
            ),
            (ex("GET", API, &[("Origin", "null")]), Cors),
        ];
        for (e, want) in cases {
            assert_eq!(
                classify(&e).kind,
                want,
                "{} {:?}",
                e.request.method,
                e.request.headers
            );
        }
    }

    #[test]
    fn post_with_cors_response_or_fetch_type_is_cors() {
        let mut e = ex("POST", API, &[("Origin", "https://app.test")]);
        e.recorder.resource_type = Some("fetch".into());
        assert_eq!(classify(&e).kind, ExchangeKind::Cors);
        let mut e = ex("POST", API, &[("Origin", "https://app.test")]);
        let mut r = Response {
            status: 200,
            ..Response::default()
        };
        r.headers.push("Access-Control-Allow-Origin", "*");
        e.response = Some(r);
        assert_eq!(classify(&e).kind, ExchangeKind::Cors);
    }

    #[test]
    fn never_sent_request_is_cors_with_unknown_origin() {
        let mut e = ex("PUT", API, &[("Content-Type", "application/json")]);
        e.request.headers_provisional = true;
        e.failure = Some(Failure::from_text("net::ERR_FAILED"));
        let c = classify(&e);
        assert_eq!(
            (c.kind, c.never_sent, c.origin),
            (ExchangeKind::Cors, true, None)
        );
        e.recorder.page_url = Some("https://api.test/page".into());
        assert_eq!(classify(&e).kind, ExchangeKind::SameOrigin);
    }
}
