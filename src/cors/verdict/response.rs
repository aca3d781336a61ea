//! Judging an actual response (redirects included) that reached the page's browser: the CORS
//! check, the row among those sharing a Chromium error, the evidence, the redirect's
//! `Location` checks, and what would apply only with credentials.

use super::super::check::{cors_check, AccessError, AccessFailure, ACAC, ACAO};
use super::super::evidence::{self, Fault};
use super::super::fields;
use super::super::proxy::{proxy_cause, ProxyDifference};
use super::super::redirect::{is_redirect, location, location_cause};
use super::{add_proxy_evidence, firefox_access_key, Credentials};
use crate::model::{
    CauseId, EvidenceSource as Src, Exchange, ExchangeId, FailureKind, Response, Verdict, Warning,
};

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
            if served_from_cache(r) && !fields::varies_on_origin(&r.headers) {
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
                .push(super::super::warnings::cors_redirect(r.status, to.as_str()));
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
                    .push(super::super::warnings::credentialed_without_cookies());
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
