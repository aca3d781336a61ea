//! Judging a preflight for the request it asks about: the preflight check in the profile's
//! order, the faults it finds with their evidence, and those that would apply only with
//! credentials.

use super::super::check::AccessError;
use super::super::check::{ACAC, ACAO};
use super::super::evidence::{self, Fault, OtherDetail};
use super::super::fields;
use super::super::pairing::PreflightAsk;
use super::super::preflight::{
    preflight_check, private_network_check, ActualRequest, PreflightFailure, ACAH, ACAM, ACAPN,
    ACRH, ACRM, ACRPN,
};
use super::super::proxy::{proxy_cause, ProxyDifference};
use super::{
    add_proxy_evidence, firefox_access_key, is_network_failure, Credentials, PreflightOutcome,
};
use crate::model::{
    BrowserProfile, CauseId, EvidenceSource as Src, Exchange, ExchangeId, Response,
};

/// The access error a preflight cause stands for, when it is one.
fn preflight_access_error(cause: CauseId) -> Option<AccessError> {
    Some(match cause {
        CauseId::PreflightWildcardWithCredentials => AccessError::WildcardOriginNotAllowed,
        CauseId::PreflightMissingAllowOrigin => AccessError::MissingAllowOriginHeader,
        CauseId::PreflightMultipleAllowOrigin => AccessError::MultipleAllowOriginValues,
        CauseId::PreflightInvalidAllowOrigin => AccessError::InvalidAllowOriginValue,
        CauseId::PreflightAllowOriginMismatch => AccessError::AllowOriginMismatch,
        CauseId::PreflightAllowCredentialsInvalid => AccessError::InvalidAllowCredentials,
        _ => return None,
    })
}

/// Of the headers a preflight was asked for, the first in sorted order that `allowed` (the
/// response's `Access-Control-Allow-Headers`) does not allow: the one Firefox names.
fn firefox_missing_header(
    allowed: Option<&str>,
    actual: &ActualRequest,
    include: bool,
) -> Option<String> {
    let allowed: Vec<String> = allowed
        .and_then(fields::parse_token_list)
        .unwrap_or_default()
        .into_iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let wildcard = !include && allowed.iter().any(|h| h == "*");
    let mut names: Vec<&String> = actual.unsafe_names.iter().collect();
    names.sort();
    names
        .into_iter()
        .find(|n| !wildcard && !allowed.contains(n))
        .cloned()
}

/// The request a preflight is judged for, and as which browser.
#[derive(Clone, Copy, Debug)]
pub struct PreflightJudgement<'a> {
    /// What the preflight asks for.
    pub ask: &'a PreflightAsk,
    /// The request it authorises.
    pub actual: &'a ActualRequest,
    /// The origin it was sent with.
    pub origin: &'a str,
    /// The actual request's credentials mode, as far as the recording shows it.
    pub credentials: Credentials,
    /// Proxy differences, when both legs were captured.
    pub proxy: &'a [ProxyDifference],
    /// The browser.
    pub profile: &'a BrowserProfile,
}

/// Judges a preflight for the request it asks about.
pub fn judge_preflight(
    id: ExchangeId,
    p: &Exchange,
    j: &PreflightJudgement<'_>,
) -> PreflightOutcome {
    let PreflightJudgement {
        ask,
        actual,
        origin,
        credentials,
        proxy,
        profile,
    } = *j;
    let Some(response) = &p.response else {
        return match &p.failure {
            Some(f) if is_network_failure(f.kind) => PreflightOutcome::NetworkError(f.text.clone()),
            Some(f) => PreflightOutcome::NoResponse(format!(
                "preflight failed without a response ({})",
                f.text
            )),
            None => {
                PreflightOutcome::NoResponse("no response to the preflight was recorded".into())
            }
        };
    };
    let include = credentials == Credentials::Include;
    let fault = |f: PreflightFailure, include: bool| {
        preflight_fault(id, p, response, ask, f, proxy, actual, include)
    };
    let pna = private_network_check(&p.request, response).map(|f| Box::new(fault(f, include)));
    match preflight_check(response, origin, actual, include, &p.request.url, profile) {
        Err(f) => PreflightOutcome::Failed(Box::new(fault(f, include))),
        Ok(result) => {
            let mut conditional = Vec::new();
            if credentials == Credentials::Unknown {
                let url = &p.request.url;
                if let Err(f) = preflight_check(response, origin, actual, true, url, profile) {
                    if f.needs_credentials() {
                        let mut fault = fault(f, true);
                        fault.if_credentialed = true;
                        conditional.push(fault);
                    }
                }
            }
            PreflightOutcome::Passed {
                result,
                conditional,
                pna,
            }
        }
    }
}

/// `allowed` (a `#token` list) with each of `wanted` it lacks appended: the complete value a
/// fix should send. Methods compare case-sensitively, header names do not.
fn completed_list(allowed: Option<&str>, wanted: &[&str], case_sensitive: bool) -> String {
    let mut items: Vec<&str> = allowed
        .map(|a| fields::split_list(a).collect())
        .unwrap_or_default();
    for w in wanted {
        let present = items.iter().any(|i| {
            if case_sensitive {
                i == w
            } else {
                i.eq_ignore_ascii_case(w)
            }
        });
        if !present && !w.is_empty() {
            items.push(w);
        }
    }
    items.join(", ")
}

/// Why the decisive `Access-Control-Allow-Methods` / `-Headers` value fails, beyond the value.
fn allow_list_note(cause: CauseId, label: &str, shown: &str, missing: &str) -> String {
    let names_missing = !matches!(
        cause,
        CauseId::PreflightInvalidAllowMethods
            | CauseId::PreflightInvalidAllowHeaders
            | CauseId::AuthorizationNotCoveredByWildcard
    );
    if names_missing && missing.is_empty() {
        return format!("{label}: {shown}");
    }
    if shown == "absent" && matches!(cause, CauseId::MethodNotAllowed | CauseId::HeaderNotAllowed) {
        return format!("no {label} (header absent), so {missing} is not allowed");
    }
    match cause {
        CauseId::PreflightInvalidAllowMethods | CauseId::PreflightInvalidAllowHeaders => {
            format!("{label}: {shown} is not a comma-separated list of tokens")
        }
        CauseId::MethodNotAllowed => format!("{label}: {shown}, without {missing}"),
        CauseId::MethodCaseMismatch => format!(
            "{label}: {shown}; methods compare case-sensitively and {missing} is not normalized to upper case"
        ),
        CauseId::MethodWildcardWithCredentials | CauseId::HeaderWildcardWithCredentials => {
            format!(
                "{label}: {shown}; for a credentialed request * is a literal name, not a wildcard, and {missing} is not listed"
            )
        }
        CauseId::HeaderNotAllowed => format!("{label}: {shown}, without {missing}"),
        CauseId::AuthorizationNotCoveredByWildcard => {
            format!("{label}: {shown}; * never covers authorization, which must be listed by name")
        }
        _ => format!("{label}: {shown}"),
    }
}

#[allow(clippy::too_many_arguments)]
fn preflight_fault(
    id: ExchangeId,
    p: &Exchange,
    response: &Response,
    ask: &PreflightAsk,
    f: PreflightFailure,
    proxy: &[ProxyDifference],
    actual: &ActualRequest,
    include: bool,
) -> Fault {
    let req = &p.request.headers;
    let res = &response.headers;
    let cause = proxy_cause(proxy, f.cause).unwrap_or(f.cause);
    let mut fault = Fault::new(cause, f.failed_parameter.clone());
    fault.on_preflight = true;
    // A proxy row keeps the preflight's own CorsError and Firefox key.
    fault.reported_as = f.cause;
    fault.firefox = match preflight_access_error(f.cause) {
        Some(error) => Some(firefox_access_key(res, error)),
        None => f.cause.info().firefox,
    };
    fault.detail = OtherDetail {
        status: Some(response.status),
        token: f.token.clone(),
        value: f
            .header
            .and_then(|h| fields::get(res, h))
            .map(|v| v.into_owned()),
        header: match f.cause {
            CauseId::HeaderNotAllowed | CauseId::HeaderWildcardWithCredentials => {
                firefox_missing_header(fields::get(res, ACAH).as_deref(), actual, include)
            }
            _ => None,
        },
    };
    fault.header_hint = f
        .failed_parameter
        .clone()
        .filter(|_| f.header == Some(ACAH))
        .unwrap_or_else(|| ask.headers.join(", "));
    let allowed = f.header.and_then(|h| fields::get(res, h));
    match cause {
        CauseId::HeaderNotAllowed | CauseId::HeaderWildcardWithCredentials => {
            let asked: Vec<&str> = ask.headers.iter().map(String::as_str).collect();
            fault.header_hint = completed_list(allowed.as_deref(), &asked, false);
        }
        CauseId::MethodNotAllowed
        | CauseId::MethodCaseMismatch
        | CauseId::MethodWildcardWithCredentials => {
            let asked = [ask.method.as_str()];
            fault.method_hint = Some(completed_list(allowed.as_deref(), &asked, true));
        }
        _ => {}
    }
    let ev = &mut fault.evidence;
    match f.header {
        Some(h) if h == ACAO || h == ACAC => {
            ev.push(evidence::header(
                Src::PreflightResponse,
                id,
                res,
                h,
                true,
                format!("{h} on the preflight response: {}", evidence::shown(res, h)),
            ));
            if h == ACAC {
                ev.push(evidence::header(
                    Src::PreflightResponse,
                    id,
                    res,
                    ACAO,
                    false,
                    "the origin matched",
                ));
            }
            ev.push(evidence::header(
                Src::PreflightRequest,
                id,
                req,
                "Origin",
                false,
                "the origin the preflight was sent with",
            ));
            ev.push(evidence::status(
                Src::PreflightResponse,
                id,
                response,
                false,
                "status (checked after the origin)",
            ));
        }
        Some(h) if h == ACAM || h == ACAH || h == ACAPN => {
            // The decisive allow-list, then what the preflight asked for.
            let (asked, label, asked_note) = if h == ACAM {
                (ACRM, "allowed methods", "the method the request uses")
            } else if h == ACAH {
                (ACRH, "allowed headers", "the headers the request sets")
            } else {
                (
                    ACRPN,
                    ACAPN,
                    "the preflight asked for private network access",
                )
            };
            let shown = evidence::shown(res, h);
            let missing = f.failed_parameter.as_deref().unwrap_or_default();
            ev.push(evidence::header(
                Src::PreflightResponse,
                id,
                res,
                h,
                true,
                allow_list_note(cause, label, &shown, missing),
            ));
            ev.push(evidence::header(
                Src::PreflightRequest,
                id,
                req,
                asked,
                false,
                asked_note,
            ));
        }
        _ => {
            let note = if f.cause == CauseId::PreflightRedirect {
                "the preflight was redirected"
            } else {
                "not an ok status (200-299)"
            };
            ev.push(evidence::status(
                Src::PreflightResponse,
                id,
                response,
                true,
                note,
            ));
            if f.cause == CauseId::PreflightRedirect {
                ev.push(evidence::header(
                    Src::PreflightResponse,
                    id,
                    res,
                    "Location",
                    false,
                    "redirect target",
                ));
            } else {
                ev.push(evidence::header(
                    Src::PreflightResponse,
                    id,
                    res,
                    ACAO,
                    false,
                    "the origin check passed",
                ));
                if res.contains("allow") {
                    ev.push(evidence::header(
                        Src::PreflightResponse,
                        id,
                        res,
                        "Allow",
                        false,
                        "methods the route accepts",
                    ));
                }
            }
        }
    }
    add_proxy_evidence(&mut fault, proxy, id, f.header);
    fault
}

/// The network-error fault an actual request gets from its failed preflight.
pub fn preflight_network_fault(preflight: ExchangeId, text: &str) -> Fault {
    let mut f = Fault::new(CauseId::PreflightNetworkError, None);
    f.net_error = Some(text.to_string());
    f.evidence.push(evidence::fact(
        Src::PreflightResponse,
        preflight,
        text,
        true,
        "the preflight got no HTTP response",
    ));
    f
}
