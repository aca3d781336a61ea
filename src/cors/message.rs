//! Chromium's console messages (`GetErrorString`, `cors-causes.md` §1), filled in:
//!
//! `Access to {kind} at '{url}' [(redirected from '{initial}') ]from origin '{origin}' has been
//! blocked by CORS policy: [Response to preflight request doesn't pass access control check: ]{DETAIL}[suffix]`
//!
//! `{kind}` comes from the recorded resource type (`fetch` when unknown); `{origin}` is the
//! page's origin, not a tainted `null`; the hint is Chromium's `failed_parameter`, non-printable
//! and non-ASCII characters escaped as `\uXXXX` (`EncodeHint`, M132+). Suffixes as Chromium
//! 156 prints them (see `MessageSuffix`). Causes Chromium reports
//! only as a net error print as the browser's network line: `{METHOD} {url} {net error}`.
//! Also fills a cause's fix template.
//!
//! Judged as another browser, a finding carries that browser's text where it has one:
//! Firefox's `security.properties` string for the finding's reason key (its URL is the one
//! whose response failed, its detail the status code, header value, token or header name
//! Firefox names), WebKit's access-control error description for the checks WebKit describes;
//! Chromium's message otherwise.

use super::evidence::{Fault, ReportContext};
use crate::model::browser::ConsoleStyle;
use crate::model::cause::PREFLIGHT_INFIX;
use crate::model::{reasons, CauseId};

/// Chromium's word for what initiated a request (`Resource::ResourceTypeToString`), from a
/// recorder's resource type. Unknown types read as `fetch`.
pub fn initiator_word(resource_type: Option<&str>) -> &'static str {
    match resource_type.map(str::to_ascii_lowercase).as_deref() {
        Some("xhr") | Some("xmlhttprequest") => "XMLHttpRequest",
        Some("script") => "script",
        Some("stylesheet") | Some("css") => "CSS stylesheet",
        Some("image") | Some("img") | Some("imageset") => "image",
        Some("font") => "font",
        Some("texttrack") => "text track",
        Some("manifest") => "manifest",
        _ => "fetch",
    }
}

/// Escapes what Chromium's `EncodeHint` escapes: anything outside printable ASCII.
pub fn encode_hint(hint: &str) -> String {
    let mut out = String::with_capacity(hint.len());
    for c in hint.chars() {
        if (' '..='~').contains(&c) {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04X}"));
            }
        }
    }
    out
}

/// What a console message is made of.
#[derive(Clone, Debug, Default)]
pub struct MessageParts<'a> {
    /// Chromium's initiator word (see [`initiator_word`]).
    pub kind: &'a str,
    /// The URL whose response failed (the last URL of a redirect chain).
    pub url: &'a str,
    /// The chain's first URL, when it differs.
    pub initial_url: Option<&'a str>,
    /// The page's origin.
    pub origin: &'a str,
    /// Chromium's `failed_parameter`.
    pub hint: Option<&'a str>,
    /// The cause is reported on a preflight (adds the infix to rows shared with actual
    /// responses, such as the proxy rows).
    pub on_preflight: bool,
    /// The request method, for net-error lines.
    pub method: &'a str,
    /// The net error text, for causes Chromium reports only as a net error.
    pub net_error: Option<&'a str>,
    /// The address space, for local-network rows.
    pub space: Option<&'a str>,
}

/// The console message for `cause`.
pub fn console_message(cause: CauseId, p: &MessageParts<'_>) -> String {
    let info = cause.info();
    if info.chromium.is_none() {
        let error = p.net_error.or(p.hint).unwrap_or("net::ERR_FAILED");
        return format!("{} {} {}", p.method, p.url, error);
    }
    let hint = encode_hint(p.hint.unwrap_or(""));
    let space = p.space.unwrap_or("local");
    // Private Network Access named the spaces `local` (loopback), `private`, `public`.
    let space = match (cause, space) {
        (
            CauseId::PnaMissingAllowPrivateNetwork | CauseId::PnaInvalidAllowPrivateNetwork,
            "local",
        ) => "private",
        (
            CauseId::PnaMissingAllowPrivateNetwork | CauseId::PnaInvalidAllowPrivateNetwork,
            "loopback",
        ) => "local",
        (_, s) => s,
    };
    let detail = fill(
        info.detail,
        &[("hint", &hint), ("space", space), ("target", "public")],
    );
    let (open, redirected, close) = match p.initial_url {
        Some(i) if i != p.url => ("(redirected from '", i, "') "),
        _ => ("", "", ""),
    };
    let infix = if info.preflight_infix
        || (p.on_preflight
            && matches!(
                cause,
                CauseId::AllowOriginStrippedByProxy
                    | CauseId::AllowOriginRewrittenByProxy
                    | CauseId::HeaderDuplicatedByProxy
            )) {
        PREFLIGHT_INFIX
    } else {
        ""
    };
    let suffix = if info.suffix.printed_for(p.kind) {
        info.suffix.text()
    } else {
        ""
    };
    // Concatenated in one allocation, not formatted: this runs for every cause of every
    // record.
    [
        "Access to ",
        p.kind,
        " at '",
        p.url,
        "' ",
        open,
        redirected,
        close,
        "from origin '",
        p.origin,
        "' has been blocked by CORS policy: ",
        infix,
        &detail,
        suffix,
    ]
    .concat()
}

/// The console message of the browser the finding is judged as (see the module doc).
pub fn browser_message(f: &Fault, ctx: &ReportContext<'_>, p: &MessageParts<'_>) -> String {
    let other = match ctx.profile.console {
        ConsoleStyle::Chromium => None,
        ConsoleStyle::Firefox => firefox_message(f, p),
        ConsoleStyle::WebKit => webkit_message(f, ctx.request_origin, p),
    };
    other.unwrap_or_else(|| console_message(f.cause, p))
}

/// Firefox's console text for the fault's reason key, when it has one.
fn firefox_message(f: &Fault, p: &MessageParts<'_>) -> Option<String> {
    let key = f.firefox?;
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let detail = match key {
        "CORSMissingAllowOrigin2" | "CORSPreflightDidNotSucceed3" => f
            .detail
            .status
            .map_or_else(|| "(null)".to_string(), |s| s.to_string()),
        "CORSDidNotSucceed2" => "(null)".to_string(),
        "CORSAllowOriginNotMatchingOrigin" => text(&f.failed_parameter),
        "CORSInvalidAllowMethod" | "CORSInvalidAllowHeader" => text(&f.detail.token),
        "CORSMissingAllowHeaderFromPreflight2" => {
            text(&f.detail.header.clone().or(f.failed_parameter.clone()))
        }
        // `Content at {page} may not load data from {url}`.
        "CheckSameOriginError" => return reasons::firefox_message(key, p.origin, p.url),
        _ => String::new(),
    };
    reasons::firefox_message(key, p.url, &detail)
}

/// WebKit's access-control error description, for the checks WebKit describes.
fn webkit_message(f: &Fault, origin: &str, p: &MessageParts<'_>) -> Option<String> {
    use CauseId::*;
    let status = f.detail.status.map(|s| s.to_string()).unwrap_or_default();
    let hint = p.hint.unwrap_or("");
    let not_allowed = || {
        fill(
            reasons::WEBKIT_NOT_ALLOWED,
            &[("origin", origin), ("status", &status)],
        )
    };
    let text = match f.reported_as {
        WildcardWithCredentials | PreflightWildcardWithCredentials => {
            reasons::WEBKIT_WILDCARD.to_string()
        }
        MultipleAllowOrigin | PreflightMultipleAllowOrigin if hint.contains(',') => {
            reasons::WEBKIT_MULTIPLE.to_string()
        }
        MissingAllowOrigin
        | MissingAllowOriginOnError
        | MissingAllowOriginOnRedirect
        | MultipleAllowOrigin
        | InvalidAllowOrigin
        | AllowOriginMismatch
        | RedirectTaintedOrigin
        | NullOriginNotAllowed
        | CachedResponseWrongOrigin
        | PreflightMissingAllowOrigin
        | PreflightMultipleAllowOrigin
        | PreflightInvalidAllowOrigin
        | PreflightAllowOriginMismatch => not_allowed(),
        AllowCredentialsMissing | AllowCredentialsNotTrue | PreflightAllowCredentialsInvalid => {
            reasons::WEBKIT_CREDENTIALS.to_string()
        }
        PreflightStatus405
        | PreflightStatus401403
        | PreflightStatus404
        | PreflightStatus5xx
        | PreflightStatusOther => fill(reasons::WEBKIT_PREFLIGHT_STATUS, &[("status", &status)]),
        PreflightInvalidAllowMethods | PreflightInvalidAllowHeaders => {
            let template = if f.reported_as == PreflightInvalidAllowMethods {
                reasons::WEBKIT_INVALID_METHODS
            } else {
                reasons::WEBKIT_INVALID_HEADERS
            };
            let value = f.detail.value.clone().unwrap_or_default();
            fill(template, &[("value", &value)])
        }
        MethodNotAllowed | MethodCaseMismatch | MethodWildcardWithCredentials => {
            fill(reasons::WEBKIT_METHOD, &[("method", hint)])
        }
        HeaderNotAllowed | HeaderWildcardWithCredentials => {
            fill(reasons::WEBKIT_HEADER, &[("header", hint)])
        }
        _ => return None,
    };
    Some(text)
}

/// A cause's fix with `{origin}`, `{method}` and `{header}` filled in.
pub fn fill_fix(cause: CauseId, origin: &str, method: &str, header: &str) -> String {
    fill(
        cause.info().fix,
        &[("origin", origin), ("method", method), ("header", header)],
    )
}

/// `template` with each `{name}` of `values` replaced by its value, in one pass (a value is
/// never searched for placeholders itself); other braces are kept.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = memchr::memchr(b'{', rest.as_bytes()) {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        let value = from.get(1..).and_then(|f| {
            let close = memchr::memchr(b'}', f.as_bytes())?;
            let name = f.get(..close)?;
            let (_, v) = values.iter().find(|(n, _)| *n == name)?;
            Some((*v, close + 2))
        });
        match value {
            Some((v, used)) => {
                out.push_str(v);
                rest = from.get(used..).unwrap_or("");
            }
            None => {
                out.push('{');
                rest = from.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(kind: &'a str, hint: Option<&'a str>) -> MessageParts<'a> {
        MessageParts {
            kind,
            url: "https://api.test/x",
            origin: "https://app.test",
            hint,
            method: "GET",
            ..MessageParts::default()
        }
    }

    #[test]
    fn fill_replaces_known_placeholders_once() {
        let v = [("origin", "https://{method}.test"), ("method", "PUT")];
        assert_eq!(
            fill("allow {origin} for {method}; keep {other} and { and }", &v),
            "allow https://{method}.test for PUT; keep {other} and { and }"
        );
        assert_eq!(fill("{", &v), "{");
        assert_eq!(fill("{method", &v), "{method");
        assert_eq!(fill("", &v), "");
    }

    #[test]
    fn messages_match_chromium_format() {
        let cases: &[(CauseId, &str, Option<&str>, &str)] = &[
            (CauseId::MissingAllowOrigin, "fetch", None,
             "Access to fetch at 'https://api.test/x' from origin 'https://app.test' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."),
            (CauseId::MissingAllowOrigin, "XMLHttpRequest", None,
             "Access to XMLHttpRequest at 'https://api.test/x' from origin 'https://app.test' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."),
            (CauseId::AllowOriginMismatch, "fetch", Some("https://x.test"),
             "Access to fetch at 'https://api.test/x' from origin 'https://app.test' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'https://x.test' that is not equal to the supplied origin. Have the server send the header with a valid value."),
            (CauseId::WildcardWithCredentials, "XMLHttpRequest", None,
             "Access to XMLHttpRequest at 'https://api.test/x' from origin 'https://app.test' has been blocked by CORS policy: The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'. The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute."),
            (CauseId::PreflightStatus405, "fetch", None,
             "Access to fetch at 'https://api.test/x' from origin 'https://app.test' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status."),
            (CauseId::MethodNotAllowed, "fetch", Some("PUT"),
             "Access to fetch at 'https://api.test/x' from origin 'https://app.test' has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response."),
            (CauseId::PreflightNetworkError, "fetch", Some("net::ERR_CONNECTION_RESET"),
             "GET https://api.test/x net::ERR_CONNECTION_RESET"),
            (CauseId::AllowCredentialsMissing, "script", Some(""),
             "Access to script at 'https://api.test/x' from origin 'https://app.test' has been blocked by CORS policy: The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'."),
        ];
        for (cause, kind, hint, want) in cases {
            assert_eq!(
                console_message(*cause, &parts(kind, *hint)),
                *want,
                "{cause:?}"
            );
        }
    }

    #[test]
    fn redirected_from_only_when_urls_differ() {
        let mut p = parts("fetch", Some("https://app.test"));
        p.initial_url = Some("https://api.test/start");
        let m = console_message(CauseId::RedirectTaintedOrigin, &p);
        assert!(m.starts_with("Access to fetch at 'https://api.test/x' (redirected from 'https://api.test/start') from origin 'https://app.test'"), "{m}");
        p.initial_url = Some("https://api.test/x");
        assert!(!console_message(CauseId::RedirectTaintedOrigin, &p).contains("redirected"));
    }

    #[test]
    fn initiator_words_and_hint_encoding() {
        assert_eq!(initiator_word(Some("xhr")), "XMLHttpRequest");
        assert_eq!(initiator_word(Some("Fetch")), "fetch");
        assert_eq!(initiator_word(Some("stylesheet")), "CSS stylesheet");
        assert_eq!(initiator_word(None), "fetch");
        assert_eq!(encode_hint("a\u{7}é"), "a\\u0007\\u00E9");
        assert_eq!(encode_hint("https://a.test, *"), "https://a.test, *");
    }
}
