//! The console texts of the browsers other than Chromium, verbatim, for the causes that have
//! them: Firefox's CORS strings by their key (Firefox 153 ESR `security.properties`, plus
//! `CheckSameOriginError` from `caps.properties`; the recording run reads the same strings out
//! of the browser into `samples/recordings/firefox-verdicts.json`), and WebKit's
//! access-control error descriptions (`CrossOriginAccessControl.cpp`,
//! `CrossOriginPreflightResultCache.cpp`). `%1$S` is the URL, `%2$S` the detail (a status
//! code, a header value, a token, a header name); WebKit's texts use `{origin}`, `{status}`,
//! `{value}`, `{method}`, `{header}`.

/// Firefox's CORS console strings, by key.
pub const FIREFOX: &[(&str, &str)] = &[
    ("CORSDisabled", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS disabled)."),
    ("CORSDidNotSucceed2", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS request did not succeed). Status code: %2$S."),
    ("CORSOriginHeaderNotAdded", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS header ‘Origin’ cannot be added)."),
    ("CORSExternalRedirectNotAllowed", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS request external redirect not allowed)."),
    ("CORSRequestNotHttp", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS request not http)."),
    ("CORSMissingAllowOrigin2", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: %2$S."),
    ("CORSMultipleAllowOriginNotAllowed", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed)."),
    ("CORSAllowOriginNotMatchingOrigin", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘%2$S’)."),
    ("CORSNotSupportingCredentials", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘%1$S’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’)."),
    ("CORSMethodNotFound", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’)."),
    ("CORSMissingAllowCredentials", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’)."),
    ("CORSPreflightDidNotSucceed3", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: CORS preflight response did not succeed). Status code: %2$S."),
    ("CORSInvalidAllowMethod", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: invalid token ‘%2$S’ in CORS header ‘Access-Control-Allow-Methods’)."),
    ("CORSInvalidAllowHeader", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: invalid token ‘%2$S’ in CORS header ‘Access-Control-Allow-Headers’)."),
    ("CORSMissingAllowHeaderFromPreflight2", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %1$S. (Reason: header ‘%2$S’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response)."),
    ("CORSAllowHeaderFromPreflightDeprecation", "Cross-Origin Request Warning: The Same Origin Policy will disallow reading the remote resource at %1$S soon. (Reason: When the `Access-Control-Allow-Headers` is `*`, the `Authorization` header is not covered. To include the `Authorization` header, it must be explicitly listed in CORS header `Access-Control-Allow-Headers`)."),
    ("CheckSameOriginError", "Security Error: Content at %1$S may not load data from %2$S."),
];

/// Firefox's text for `key`.
pub fn firefox(key: &str) -> Option<&'static str> {
    FIREFOX.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

/// Firefox's text for `key` with the URL and the detail filled in.
pub fn firefox_message(key: &str, url: &str, detail: &str) -> Option<String> {
    let text = firefox(key)?;
    // Filled in one pass so that a URL holding `%2$S` is not filled again.
    let mut out = String::with_capacity(text.len() + url.len() + detail.len());
    let mut rest = text;
    while let Some(at) = rest.find("%") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        if let Some(after) = from.strip_prefix("%1$S") {
            out.push_str(url);
            rest = after;
        } else if let Some(after) = from.strip_prefix("%2$S") {
            out.push_str(detail);
            rest = after;
        } else {
            out.push('%');
            rest = from.get(1..).unwrap_or("");
        }
    }
    out.push_str(rest);
    Some(out)
}

/// WebKit: `*` answered to a credentialed request.
pub const WEBKIT_WILDCARD: &str =
    "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.";
/// WebKit: a comma in `Access-Control-Allow-Origin`.
pub const WEBKIT_MULTIPLE: &str =
    "Access-Control-Allow-Origin cannot contain more than one origin.";
/// WebKit: any other value (absent, invalid or another origin).
pub const WEBKIT_NOT_ALLOWED: &str =
    "Origin {origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}";
/// WebKit: `Access-Control-Allow-Credentials` is not `true`.
pub const WEBKIT_CREDENTIALS: &str =
    "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\".";
/// WebKit: a preflight answered outside 200-299.
pub const WEBKIT_PREFLIGHT_STATUS: &str =
    "Preflight response is not successful. Status code: {status}";
/// WebKit: an unparsable `Access-Control-Allow-Methods`.
pub const WEBKIT_INVALID_METHODS: &str =
    "Header Access-Control-Allow-Methods has an invalid value: {value}";
/// WebKit: an unparsable `Access-Control-Allow-Headers`.
pub const WEBKIT_INVALID_HEADERS: &str =
    "Header Access-Control-Allow-Headers has an invalid value: {value}";
/// WebKit: a method the preflight does not allow.
pub const WEBKIT_METHOD: &str = "Method {method} is not allowed by Access-Control-Allow-Methods.";
/// WebKit: a header the preflight does not allow.
pub const WEBKIT_HEADER: &str =
    "Request header field {header} is not allowed by Access-Control-Allow-Headers.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firefox_messages_fill_url_and_detail_once() {
        assert_eq!(
            firefox_message("CORSMissingAllowOrigin2", "http://a.test/x", "200").as_deref(),
            Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://a.test/x. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.")
        );
        let m = firefox_message(
            "CORSAllowOriginNotMatchingOrigin",
            "http://a.test/%2$S",
            "x",
        );
        assert!(m.is_some_and(|m| m.contains("http://a.test/%2$S.") && m.contains("‘x’")));
        assert_eq!(firefox_message("NoSuchKey", "u", "d"), None);
        for (k, t) in FIREFOX {
            assert!(t.contains("%1$S"), "{k}");
        }
    }
}
