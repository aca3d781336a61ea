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

mod preflight;
mod response;

pub use preflight::{judge_preflight, preflight_network_fault, PreflightJudgement};
pub use response::{judge_response, ResponseContext, ResponseJudgement};

use super::check::{AccessError, ACAO};
use super::evidence::Fault;
use super::preflight::PreflightResult;
use super::proxy::{ProxyChange, ProxyDifference};
use crate::model::{CauseId, EvidenceSource as Src, Exchange, ExchangeId, FailureKind, HeaderList};

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
        /// Private Network Access fault, warning-only (boxed, as the failure below: judged
        /// preflights are kept while requests may pair with them, and most have neither).
        pna: Option<Box<Fault>>,
    },
    /// It failed.
    Failed(Box<Fault>),
    /// No HTTP response: a network error.
    NetworkError(String),
    /// No response and no failure recorded.
    NoResponse(String),
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
