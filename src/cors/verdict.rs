//! Judging one exchange once its context is known (its preflight, redirect chain, siblings):
//! the preflight check of a preflight, and the CORS check of an actual response, each turned
//! into a verdict with faults and warnings. The order of checks is Chromium's; the row chosen
//! among those sharing a Chromium error is the one whose fix differs (`cors-causes.md` §2).
//!
//! Credentials mode is never recorded: a `Cookie` header (or recorded cookies) proves
//! `include`, and a resource type whose fetch never sends credentials across origins (a font)
//! proves it was not; otherwise the request is judged as not credentialed and the cause that
//! would apply with credentials is kept as conditional, unless the browser's own failure of the
//! request proves it was credentialed.
//!
//! Every fault also carries the reason key Firefox reports for it. Firefox reaches the same
//! verdicts on these checks with its own counting: more than one field line spelled exactly
//! `Access-Control-Allow-Origin` is `CORSMultipleAllowOriginNotAllowed` (checked before
//! anything else), any other value that is not the origin `CORSAllowOriginNotMatchingOrigin`;
//! of several headers a preflight does not allow it names the first in sorted order.

use super::check::{cors_check, AccessError, AccessFailure, ACAC, ACAO};
use super::evidence::{self, Fault, OtherDetail};
use super::fields;
use super::pairing::PreflightAsk;
use super::preflight::{
    preflight_check, private_network_check, ActualRequest, PreflightFailure, PreflightResult, ACAH,
    ACAM, ACAPN, ACRH, ACRM, ACRPN,
};
use super::proxy::{proxy_cause, ProxyChange, ProxyDifference};
use super::redirect::{is_redirect, location, location_cause};
use crate::model::{
    BrowserProfile, CauseId, EvidenceSource as Src, Exchange, ExchangeId, FailureKind, HeaderList,
    Response, Verdict, Warning,
};

/// What the recording proves about the credentials mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// A cookie was sent: mode `include`.
    Include,
    /// The request's type fixes a mode that sends no credentials across origins: a font
    /// (CSS fonts are fetched with credentials mode `same-origin`).
    Omit,
    /// Not recorded.
    Unknown,
}

impl Credentials {
    /// What an exchange shows.
    pub fn of(ex: &Exchange) -> Self {
        let request = &ex.request;
        if request.cookies_recorded || request.headers.contains("cookie") {
            return Credentials::Include;
        }
        let font = ex
            .recorder
            .resource_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("font"))
            || request
                .headers
                .first("sec-fetch-dest")
                .is_some_and(|d| d.eq_ignore_ascii_case(b"font"));
        if font {
            Credentials::Omit
        } else {
            Credentials::Unknown
        }
    }
}

/// The reason key Firefox reports for a failed `Access-Control-Allow-Origin` or
/// `-Credentials` check of `headers` (see the module doc).
pub fn firefox_access_key(headers: &HeaderList, error: AccessError) -> &'static str {
    let exact = headers.iter().filter(|h| h.name == ACAO.as_bytes()).count();
    if exact > 1 {
        return "CORSMultipleAllowOriginNotAllowed";
    }
    match error {
        AccessError::MissingAllowOriginHeader => "CORSMissingAllowOrigin2",
        AccessError::WildcardOriginNotAllowed => "CORSNotSupportingCredentials",
        AccessError::InvalidAllowCredentials => "CORSMissingAllowCredentials",
        AccessError::MultipleAllowOriginValues
        | AccessError::InvalidAllowOriginValue
        | AccessError::AllowOriginMismatch => "CORSAllowOriginNotMatchingOrigin",
    }
}

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

/// Whether a failure kind is a network-level failure, not a CORS block.
pub fn is_network_failure(kind: FailureKind) -> bool {
    !matches!(kind, FailureKind::Generic | FailureKind::Other)
}

/// The outcome of a preflight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreflightOutcome {
    /// It passed; `conditional` holds what would fail with credentials, `pna` a Private
    /// Network Access failure Chromium only warned about.
    Passed {
        /// What it allows.
        result: PreflightResult,
        /// Faults that apply only if the request was credentialed.
        conditional: Vec<Fault>,
        /// Private Network Access fault, warning-only.
        pna: Option<Fault>,
    },
    /// It failed.
    Failed(Fault),
    /// No HTTP response: a network error.
    NetworkError(String),
    /// No response and no failure recorded.
    NoResponse(String),
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
    let pna = private_network_check(&p.request, response).map(|f| fault(f, include));
    match preflight_check(response, origin, actual, include, &p.request.url, profile) {
        Err(f) => PreflightOutcome::Failed(fault(f, include)),
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
    let mut items: Vec<&str> = allowed.map(fields::split_list).unwrap_or_default();
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

/// The origin server's side of a proxied exchange, as evidence: for the proxy causes, what it
/// sent as `Access-Control-Allow-Origin`; for any other cause, what it sent as the decisive
/// header when the proxy changed that header (the cause stays the browser's, the evidence
/// names the proxy).
fn add_proxy_evidence(
    fault: &mut Fault,
    proxy: &[ProxyDifference],
    id: ExchangeId,
    decisive: Option<&str>,
) {
    let proxy_cause = matches!(
        fault.cause,
        CauseId::AllowOriginStrippedByProxy
            | CauseId::AllowOriginRewrittenByProxy
            | CauseId::HeaderDuplicatedByProxy
    );
    let header = match (proxy_cause, decisive) {
        (true, _) => ACAO,
        (false, Some(h)) if !h.eq_ignore_ascii_case(ACAO) => h,
        _ => return,
    };
    let Some(d) = proxy.iter().find(|d| d.header.eq_ignore_ascii_case(header)) else {
        return;
    };
    let leg = match d.upstream_leg {
        Some((up, at)) => (
            up,
            format!("what the origin server sent the proxy (upstream leg, {at})"),
        ),
        None => (id, "what the origin server sent the proxy".to_string()),
    };
    let (exchange, mut note) = leg;
    if !proxy_cause {
        let did = match d.change {
            ProxyChange::Stripped => "removed",
            ProxyChange::Added => "added",
            ProxyChange::Rewritten => "rewrote",
            ProxyChange::Duplicated => "duplicated",
        };
        note.push_str(&format!(
            "; the proxy {did} {}: fix the proxy's configuration, not the server",
            d.header
        ));
    }
    fault.evidence.push(crate::model::Evidence {
        source: Src::Upstream,
        exchange,
        header: Some(d.header.to_string()),
        values: d.upstream.clone(),
        primary: false,
        note,
    });
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

/// What is known around an actual response.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResponseContext<'a> {
    /// The request origin as sent.
    pub origin: &'a str,
    /// An earlier hop tainted the origin.
    pub tainted: bool,
    /// Other responses of this server (or the preflight) carry `Access-Control-Allow-Origin`.
    pub sibling_acao: bool,
    /// Proxy differences, when both legs were captured.
    pub proxy: &'a [ProxyDifference],
}

/// The judgement of an actual response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseJudgement {
    /// Verdict.
    pub verdict: Verdict,
    /// Faults, the reported one first.
    pub faults: Vec<Fault>,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// Note.
    pub note: Option<String>,
}

/// Whether a shared or browser cache served the response.
fn served_from_cache(r: &Response) -> bool {
    let h = &r.headers;
    r.from_cache.is_some()
        || fields::get(h, "age")
            .and_then(|a| a.parse::<u64>().ok())
            .is_some_and(|a| a > 0)
        || fields::get(h, "x-cache").is_some_and(|v| v.to_ascii_lowercase().contains("hit"))
        || fields::get(h, "cf-cache-status").is_some_and(|v| v.eq_ignore_ascii_case("hit"))
}

fn varies_on_origin(r: &Response) -> bool {
    let v = fields::get(&r.headers, "vary").unwrap_or_default();
    fields::split_list(&v)
        .iter()
        .any(|t| t.eq_ignore_ascii_case("origin") || *t == "*")
}

/// The row for an access failure on an actual response.
fn actual_cause(f: &AccessFailure, r: &Response, ctx: &ResponseContext<'_>) -> CauseId {
    match f.error {
        AccessError::MissingAllowOriginHeader => {
            if is_redirect(r) {
                CauseId::MissingAllowOriginOnRedirect
            } else if r.status >= 400 && ctx.sibling_acao {
                CauseId::MissingAllowOriginOnError
            } else {
                CauseId::MissingAllowOrigin
            }
        }
        AccessError::MultipleAllowOriginValues => CauseId::MultipleAllowOrigin,
        AccessError::InvalidAllowOriginValue => CauseId::InvalidAllowOrigin,
        AccessError::AllowOriginMismatch => {
            if served_from_cache(r) && !varies_on_origin(r) {
                CauseId::CachedResponseWrongOrigin
            } else if ctx.tainted {
                CauseId::RedirectTaintedOrigin
            } else if ctx.origin == "null" {
                CauseId::NullOriginNotAllowed
            } else {
                CauseId::AllowOriginMismatch
            }
        }
        AccessError::WildcardOriginNotAllowed => CauseId::WildcardWithCredentials,
        AccessError::InvalidAllowCredentials => {
            if r.headers.contains(ACAC) {
                CauseId::AllowCredentialsNotTrue
            } else {
                CauseId::AllowCredentialsMissing
            }
        }
    }
}

fn response_fault(
    id: ExchangeId,
    ex: &Exchange,
    r: &Response,
    f: &AccessFailure,
    ctx: &ResponseContext<'_>,
) -> Fault {
    let base = actual_cause(f, r, ctx);
    let cause = proxy_cause(ctx.proxy, base).unwrap_or(base);
    let mut fault = Fault::new(cause, f.failed_parameter.clone());
    let (req, res) = (&ex.request.headers, &r.headers);
    fault.reported_as = base;
    fault.firefox = Some(firefox_access_key(res, f.error));
    fault.detail.status = Some(r.status);
    let src = if is_redirect(r) {
        Src::Redirect
    } else {
        Src::Response
    };
    let ev = &mut fault.evidence;
    if f.error == AccessError::InvalidAllowCredentials {
        ev.push(evidence::header(
            src,
            id,
            res,
            ACAC,
            true,
            format!("{ACAC}: {}", evidence::shown(res, ACAC)),
        ));
        ev.push(evidence::header(
            src,
            id,
            res,
            ACAO,
            false,
            "the origin matched",
        ));
    } else {
        ev.push(evidence::header(
            src,
            id,
            res,
            ACAO,
            true,
            format!("{ACAO}: {}", evidence::shown(res, ACAO)),
        ));
    }
    ev.push(evidence::header(
        Src::Request,
        id,
        req,
        "Origin",
        false,
        if ctx.tainted {
            "Origin: null after a cross-origin redirect"
        } else {
            "the origin the request was sent with"
        },
    ));
    match cause {
        CauseId::MissingAllowOriginOnError => ev.push(evidence::status(
            src,
            id,
            r,
            false,
            "error status; other responses of this server carry the header",
        )),
        CauseId::MissingAllowOriginOnRedirect => {
            ev.push(evidence::status(
                src,
                id,
                r,
                false,
                "the CORS check runs on the redirect before it is followed",
            ));
            ev.push(evidence::header(
                src,
                id,
                res,
                "Location",
                false,
                "redirect target",
            ));
        }
        CauseId::CachedResponseWrongOrigin => {
            let how = match r.from_cache {
                Some(_) => "served from the browser cache".to_string(),
                None => "served by a shared cache".to_string(),
            };
            ev.push(evidence::header(
                src,
                id,
                res,
                "Vary",
                false,
                format!("Vary: {}", evidence::shown(res, "Vary")),
            ));
            for h in ["Age", "X-Cache", "CF-Cache-Status"] {
                if res.contains(h) {
                    ev.push(evidence::header(src, id, res, h, false, how.clone()));
                }
            }
            if r.from_cache.is_some() {
                ev.push(evidence::fact(src, id, "from cache", false, how));
            }
        }
        CauseId::WildcardWithCredentials
        | CauseId::AllowCredentialsMissing
        | CauseId::AllowCredentialsNotTrue
            if req.contains("cookie") =>
        {
            ev.push(evidence::header(
                Src::Request,
                id,
                req,
                "Cookie",
                false,
                "a cookie was sent: credentials mode include",
            ));
        }
        _ => {}
    }
    fault.header_hint = ACAO.to_string();
    let decisive = match cause {
        CauseId::AllowCredentialsMissing | CauseId::AllowCredentialsNotTrue => Some(ACAC),
        _ => None,
    };
    add_proxy_evidence(&mut fault, ctx.proxy, id, decisive);
    fault
}

/// Judges an actual response (redirects included) that reached the page's browser.
pub fn judge_response(
    id: ExchangeId,
    ex: &Exchange,
    r: &Response,
    credentials: Credentials,
    ctx: &ResponseContext<'_>,
) -> ResponseJudgement {
    let mut out = ResponseJudgement {
        verdict: Verdict::Allowed,
        faults: Vec::new(),
        warnings: Vec::new(),
        note: None,
    };
    let failure = ex.failure.as_ref();
    if r.status == 304
        && (ex.request.headers.contains("if-none-match")
            || ex.request.headers.contains("if-modified-since"))
    {
        out.note = Some("304 answering a revalidation: the CORS check is skipped (the cached response was checked)".into());
        return out;
    }
    let include = credentials == Credentials::Include;
    let url = ex.request.url.as_str();
    if let Err(f) = cors_check(&r.headers, ctx.origin, include, url) {
        out.verdict = Verdict::Blocked;
        out.faults.push(response_fault(id, ex, r, &f, ctx));
        return out;
    }
    // Chromium checks the Location after the CORS check on the redirect response.
    if is_redirect(r) {
        if let Some(to) = location(r, url) {
            if let Some(cause) = location_cause(&to) {
                let mut fault = Fault::new(cause, None);
                if cause == CauseId::RedirectDisallowedScheme {
                    fault.url = Some(to.to_string());
                }
                fault.evidence.push(evidence::header(
                    Src::Redirect,
                    id,
                    &r.headers,
                    "Location",
                    true,
                    "redirect target",
                ));
                out.verdict = Verdict::Blocked;
                out.faults.push(fault);
                return out;
            }
            out.warnings
                .push(super::warnings::cors_redirect(r.status, to.as_str()));
        }
    }
    if credentials == Credentials::Unknown {
        if let Err(f) = cors_check(&r.headers, ctx.origin, true, url) {
            let mut fault = response_fault(id, ex, r, &f, ctx);
            if failure.is_some_and(|f| f.kind == FailureKind::Generic) {
                out.verdict = Verdict::Blocked;
                fault.evidence.push(evidence::fact(
                    Src::Response,
                    id,
                    failure.map(|f| f.text.clone()).unwrap_or_default(),
                    false,
                    "the browser failed the request: it was credentialed",
                ));
                out.warnings
                    .push(super::warnings::credentialed_without_cookies());
                out.faults.push(fault);
                return out;
            }
            fault.if_credentialed = true;
            out.faults.push(fault);
        }
    }
    match failure {
        Some(f) if f.kind == FailureKind::Generic => {
            out.verdict = Verdict::Indeterminate;
            out.note = Some(format!("the browser failed the request ({}) although its response passes the CORS check; the recording does not show why", f.text));
        }
        Some(f) => {
            out.verdict = Verdict::NetworkError;
            out.note = Some(f.text.clone());
        }
        None => {}
    }
    out
}
