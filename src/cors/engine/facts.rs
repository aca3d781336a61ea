//! What the recording shows of one exchange, on its own: whether it reached the network, was
//! stopped by the browser, which CORS-unsafe headers it set, where its server is, and what a
//! request that claimed a preflight shows of its outcome.

use super::super::origin::AddressSpace;
use super::super::safelist::{is_revalidation, normalize_method, recorded_unsafe_names};
use super::{Held, PreflightRecord};
use crate::model::{Exchange, FailureKind};

/// What the request that claimed a preflight still ahead shows of its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Claim {
    /// It was stopped (which proves a credentials-dependent failure).
    pub stopped: bool,
    /// It got a response: it was sent, so its preflight passed for it.
    pub answered: bool,
}

impl Claim {
    /// What `ex` shows.
    pub fn of(ex: &Exchange) -> Self {
        Self {
            stopped: stopped(ex),
            answered: ex.response.is_some(),
        }
    }
}

/// Whether a judged preflight to the request's URL (the caller looks up by URL) asked for
/// its method and origin, from the same browser.
pub(super) fn pair_record(r: &PreflightRecord, a: &Held, origin: Option<&str>) -> bool {
    let a_client = &a.client;
    let a = &a.ex;
    r.client == *a_client
        && (normalize_method(&a.request.method) == r.ask.method.as_str()
            || a.request.method == r.ask.method)
        && match (origin, r.ask.origin.as_deref()) {
            (Some(a), Some(p)) => a == p,
            _ => true,
        }
}

/// The CORS-unsafe header names of a request as recorded; the conditional headers of a
/// revalidation (a `304`, or an answer from the cache) are the browser's own.
pub(super) fn request_unsafe_names(ex: &Exchange) -> Vec<String> {
    recorded_unsafe_names(&ex.request, is_revalidation(ex))
}

/// The browser stopped the request before it got a response: Chromium's `net::ERR_FAILED`, or
/// a recorder's entry that shows the request never left the browser without naming a failure
/// (Firefox).
pub(super) fn stopped(ex: &Exchange) -> bool {
    ex.response.is_none()
        && match &ex.failure {
            Some(f) => f.kind == FailureKind::Generic,
            None => ex.request.reached_network == Some(false),
        }
}

/// Whether the request reached the network as far as the recording shows: a response came
/// back, the capture saw it on the wire, or nothing says it did not (the recorder's shape of
/// a request never sent, a failure before sending).
pub(super) fn reached_network(ex: &Exchange) -> bool {
    if ex.response.is_some() {
        return true;
    }
    if let Some(reached) = ex.request.reached_network {
        return reached;
    }
    !ex.failure.as_ref().is_some_and(|f| f.before_sending())
}

pub(super) fn space_of(ex: &Exchange) -> Option<&'static str> {
    ex.endpoints
        .server
        .map(|s| s.ip())
        .or(ex.endpoints.server_ip)
        .map(|ip| AddressSpace::of(ip).as_str())
}
