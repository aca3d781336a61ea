//! Non-blocking observations (`cors-causes.md` §5) read from one response or request. The
//! warnings that need pairing or history (`preflight-missing`, `cors-redirect`,
//! `credentialed-without-cookies`, reflection across origins) are decided by the engine and
//! phrased here.

use super::check::{ACAC, ACAO};
use super::fields;
use super::preflight::{ACAM, ACMA};
use super::preflight_cache::{parse_max_age, MaxAgeValue};
use super::safelist::is_unnormalized_method;
use crate::model::{Request, Response, Warning, WarningId};

fn warning(id: WarningId, message: String) -> Warning {
    Warning { id, message }
}

/// Warnings on the CORS headers of any response to a CORS request or preflight sent with
/// `Origin: origin`. `reflected` is how many distinct origins this server has echoed with
/// credentials allowed, this one included.
pub fn response_warnings(
    response: &Response,
    origin: &str,
    reflected: usize,
    preflight: bool,
) -> Vec<Warning> {
    let mut out = Vec::new();
    let h = &response.headers;
    let acao = fields::get(h, ACAO);
    let acac = fields::get(h, ACAC);
    let credentials = acac.as_deref() == Some("true");
    match acao.as_deref() {
        Some("*") if credentials => out.push(warning(
            WarningId::WildcardWithAcacTrue,
            "Access-Control-Allow-Origin is '*' with Access-Control-Allow-Credentials 'true': credentialed requests will fail".into(),
        )),
        Some("null") => out.push(warning(
            WarningId::AllowsNullOrigin,
            format!(
                "Access-Control-Allow-Origin is 'null'{}: any sandboxed or data: document is allowed",
                if credentials { " with credentials" } else { "" }
            ),
        )),
        _ => {}
    }
    if let Some(value) = acao.as_deref() {
        if value == origin && value != "*" {
            if credentials && (reflected >= 2 || origin == "null") {
                out.push(warning(
                    WarningId::OriginReflectionWithCredentials,
                    format!("the server echoes the request Origin with credentials allowed ({reflected} different origins seen)"),
                ));
            }
            if !preflight && !fields::varies_on_origin(h) {
                out.push(warning(
                    WarningId::VaryOriginMissing,
                    format!("Access-Control-Allow-Origin echoes '{origin}' but Vary lacks Origin: caches may serve it to other origins"),
                ));
            }
        }
    }
    if preflight {
        out.extend(preflight_warnings(response));
    }
    out
}

/// Warnings only a preflight response can raise: `Access-Control-Max-Age` and method case.
fn preflight_warnings(response: &Response) -> Vec<Warning> {
    let mut out = Vec::new();
    let h = &response.headers;
    if h.count(ACMA) > 1 {
        out.push(warning(
            WarningId::MaxAgeInvalid,
            format!("Access-Control-Max-Age has {} field lines: browsers fall back to 5 s (Firefox does not cache)", h.count(ACMA)),
        ));
    } else if let Some(v) = fields::get(h, ACMA) {
        match parse_max_age(Some(&v)).value {
            MaxAgeValue::Invalid | MaxAgeValue::Negative => out.push(warning(
                WarningId::MaxAgeInvalid,
                format!("Access-Control-Max-Age '{v}' is not a non-negative integer: Chromium uses 5 s (0 when negative), Firefox does not cache"),
            )),
            MaxAgeValue::Capped(n) => out.push(warning(
                WarningId::MaxAgeAboveCap,
                format!("Access-Control-Max-Age {n} s is capped: Chromium keeps 7200 s, WebKit 600 s, Firefox 86400 s"),
            )),
            MaxAgeValue::Valid => {
                if let Ok(n) = v.trim_start_matches('+').parse::<u64>() {
                    if n > 600 {
                        out.push(warning(
                            WarningId::MaxAgeAboveCap,
                            format!("Access-Control-Max-Age {n} s is capped at 600 s by WebKit"),
                        ));
                    }
                }
            }
            MaxAgeValue::Absent => {}
        }
    }
    if let Some(v) = fields::get(h, ACAM) {
        let lower: Vec<&str> = fields::split_list(&v)
            .filter(|m| m.bytes().any(|b| b.is_ascii_lowercase()))
            .collect();
        if !lower.is_empty() {
            out.push(warning(
                WarningId::AllowMethodsNotUppercase,
                format!("Access-Control-Allow-Methods lists {} not in upper case: matching is case-sensitive", lower.join(", ")),
            ));
        }
    }
    out
}

/// Warnings on the request line.
pub fn request_warnings(request: &Request) -> Vec<Warning> {
    if is_unnormalized_method(&request.method) {
        vec![warning(
            WarningId::MethodNotNormalized,
            format!(
                "method '{}' is sent as written (only the six standard methods are upper-cased); Access-Control-Allow-Methods must match it exactly",
                request.method
            ),
        )]
    } else {
        Vec::new()
    }
}

/// `cors-redirect`.
pub fn cors_redirect(status: u16, to: &str) -> Warning {
    warning(
        WarningId::CorsRedirect,
        format!("CORS request redirected ({status}) to '{to}': each hop is checked, may need its own preflight, and a cross-origin hop sends Origin: null"),
    )
}

/// `preflight-missing`.
pub fn preflight_missing(method: &str, names: &[String]) -> Warning {
    let why = if names.is_empty() {
        format!("method {method}")
    } else {
        format!("method {method} with headers {}", names.join(", "))
    };
    warning(
        WarningId::PreflightMissing,
        format!("{why} needs a preflight, but none is recorded or cached in the recording (cached before it started, or not recorded)"),
    )
}

/// `recorded-completion-overrides-check`: the recorder shows the request completed although
/// the recorded headers fail with `cause`.
pub fn recorded_completion_overrides_check(cause: &str) -> Warning {
    warning(
        WarningId::RecordedCompletionOverridesCheck,
        format!("the recorder marks every request the browser failed and this one completed, so it was not blocked, though its recorded headers fail the CORS check ({cause}): the recording's headers are not the ones the browser checked"),
    )
}

/// `credentialed-without-cookies`.
pub fn credentialed_without_cookies() -> Warning {
    warning(
        WarningId::CredentialedWithoutCookies,
        "the failure proves credentials mode 'include', but no Cookie was sent (third-party cookie blocking, SameSite, or a sanitized export)".into(),
    )
}

/// `authorization-covered-by-wildcard`, with the message Google Chrome would print.
pub fn authorization_covered_by_wildcard(chrome_message: &str) -> Warning {
    warning(
        WarningId::AuthorizationCoveredByWildcard,
        format!("Authorization is allowed only by Access-Control-Allow-Headers '*': this browser sent the request, Google Chrome blocks it: {chrome_message}"),
    )
}

/// `pna-preflight-failed-warning`.
pub fn pna_preflight(message: &str) -> Warning {
    warning(WarningId::PnaPreflightFailed, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(lines: &[(&str, &str)]) -> Response {
        let mut r = Response {
            status: 200,
            ..Response::default()
        };
        for (n, v) in lines {
            r.headers.push(*n, *v);
        }
        r
    }

    fn ids(w: &[Warning]) -> Vec<WarningId> {
        w.iter().map(|w| w.id).collect()
    }

    #[test]
    fn response_warning_table() {
        use WarningId::*;
        const O: &str = "https://app.test";
        type Case<'a> = (&'a [(&'a str, &'a str)], usize, bool, &'a [WarningId]);
        let cases: &[Case] = &[
            (&[(ACAO, O)], 1, false, &[VaryOriginMissing]),
            (
                &[(ACAO, O), ("Vary", "Accept-Encoding, Origin")],
                1,
                false,
                &[],
            ),
            (&[(ACAO, O)], 1, true, &[]),
            (&[(ACAO, "*")], 1, false, &[]),
            (
                &[(ACAO, "*"), (ACAC, "true")],
                1,
                false,
                &[WildcardWithAcacTrue],
            ),
            (&[(ACAO, "null")], 1, false, &[AllowsNullOrigin]),
            (
                &[(ACAO, O), (ACAC, "true"), ("Vary", "Origin")],
                2,
                false,
                &[OriginReflectionWithCredentials],
            ),
            (
                &[(ACAO, O), (ACAC, "true"), ("Vary", "Origin")],
                1,
                false,
                &[],
            ),
            (&[(ACAO, O), (ACMA, "86400")], 1, true, &[MaxAgeAboveCap]),
            (&[(ACAO, O), (ACMA, "3600")], 1, true, &[MaxAgeAboveCap]),
            (&[(ACAO, O), (ACMA, "600")], 1, true, &[]),
            (&[(ACAO, O), (ACMA, "ten")], 1, true, &[MaxAgeInvalid]),
            (&[(ACAO, O), (ACMA, "-5")], 1, true, &[MaxAgeInvalid]),
            (
                &[(ACAO, O), (ACMA, "5"), (ACMA, "5")],
                1,
                true,
                &[MaxAgeInvalid],
            ),
            (
                &[(ACAO, O), (ACAM, "GET, put")],
                1,
                true,
                &[AllowMethodsNotUppercase],
            ),
        ];
        for (lines, reflected, preflight, want) in cases {
            assert_eq!(
                ids(&response_warnings(&resp(lines), O, *reflected, *preflight)),
                want.to_vec(),
                "{lines:?}"
            );
        }
    }

    #[test]
    fn method_warning() {
        let r = Request {
            method: "patch".into(),
            ..Request::default()
        };
        assert_eq!(
            ids(&request_warnings(&r)),
            vec![WarningId::MethodNotNormalized]
        );
        let r = Request {
            method: "put".into(),
            ..Request::default()
        };
        assert!(request_warnings(&r).is_empty());
    }
}
