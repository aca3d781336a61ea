//! Exchanges CORS does not judge on their own: same-origin requests, navigations, no-cors
//! loads, non-browser clients. One case is judged all the same: a same-origin request in mode
//! `cors` that is redirected to another origin becomes a CORS request at that hop
//! (<https://fetch.spec.whatwg.org/#concept-http-redirect-fetch>): a `Location` with a user
//! name or password is `redirect-contains-credentials` on the redirect itself (Chromium
//! reports it there, as the samples' `redirect-same-origin-credentials` shows), and the next
//! hop carries the page's origin and is judged as a CORS request of the chain.

use super::super::classify::{is_script_request, looks_like_navigation, Classification};
use super::super::evidence::{self, Fault, ReportContext};
use super::super::fields;
use super::super::message::initiator_word;
use super::super::origin::{has_credentials, same_origin, serialize_url_origin};
use super::super::redirect::{is_redirect, location, Chain};
use super::super::verdict::is_network_failure;
use super::{plain, plain_parts, reached_network, space_of, Engine, Held};
use crate::model::{Assessment, CauseId, EvidenceSource, ExchangeKind, Verdict};

impl Engine {
    /// Judges a same-origin or non-CORS exchange.
    pub(super) fn process_other(&mut self, h: Box<Held>, c: Classification) -> Assessment {
        let (verdict, note) = match &h.ex.failure {
            Some(f) if is_network_failure(f.kind) => (Verdict::NetworkError, Some(f.text.clone())),
            _ => (Verdict::NotApplicable, c.note.clone()),
        };
        let url = h.ex.request.url.clone();
        let target =
            h.ex.response
                .as_ref()
                .filter(|r| is_redirect(r))
                .and_then(|r| location(r, &url));
        let page = page_origin(&h, &c);
        let (Some(to), Some(page)) = (target, page) else {
            return plain(h, c.kind, c.origin, verdict, note);
        };
        if same_origin(&url, to.as_str()) || !cors_mode(&h) {
            return plain(h, c.kind, c.origin, verdict, note);
        }
        if !has_credentials(&to) {
            let chain = Chain {
                initial_url: url.clone(),
                page_origin: page,
                tainted: false,
                previous: h.id,
                previous_url: url,
                at: h.at,
                refused: false,
            };
            self.client_state(&h, |s| s.chains.expect(to.as_str(), chain));
            return plain(h, c.kind, c.origin, verdict, note);
        }
        let profile = self.profile_of(&h.ex);
        let mut fault = Fault::new(CauseId::RedirectContainsCredentials, None);
        if let Some(r) = &h.ex.response {
            fault.evidence.push(evidence::header(
                EvidenceSource::Redirect,
                h.id,
                &r.headers,
                "Location",
                true,
                "redirect target: another origin, with a user name or password",
            ));
        }
        let ctx = ReportContext {
            kind: initiator_word(h.ex.recorder.resource_type.as_deref()),
            url: &url,
            initial_url: None,
            page_origin: &page,
            request_origin: &page,
            method: &h.ex.request.method,
            space: space_of(&h.ex),
            profile,
        };
        let mut a = plain_parts(
            h.id,
            c.kind,
            c.origin.clone().or_else(|| Some(page.clone())),
        );
        a.verdict = Verdict::Blocked;
        a.sent = reached_network(&h.ex);
        a.causes.push(fault.into_finding(&ctx));
        a.note = Some(
            "a same-origin request redirected to another origin is a CORS request from that hop"
                .into(),
        );
        a.finish(h.ex)
    }
}

/// The origin of the page a request without `Origin` was made from, when it is the request
/// URL's own: a same-origin request. The URL's origin is the one its lookup keys hold.
fn page_origin(h: &Held, c: &Classification) -> Option<String> {
    let url_origin = h.keys.server(&h.ex)?;
    let page = match c.kind {
        ExchangeKind::SameOrigin => c.origin.clone().unwrap_or_else(|| url_origin.to_string()),
        _ if c.origin.is_none() => h
            .ex
            .recorder
            .page_url
            .as_deref()
            .and_then(serialize_url_origin)
            .or_else(|| {
                fields::get(&h.ex.request.headers, "referer").and_then(|r| serialize_url_origin(&r))
            })?,
        _ => return None,
    };
    (page == url_origin).then_some(page)
}

/// Whether a request went out in mode `cors`: `Sec-Fetch-Mode: cors`, a script's fetch or
/// XMLHttpRequest, or, with neither recorded, a request that does not look like a navigation
/// and accepts anything (`Accept: */*`, what fetch and XMLHttpRequest send).
fn cors_mode(h: &Held) -> bool {
    let headers = &h.ex.request.headers;
    if let Some(mode) = headers.first("sec-fetch-mode") {
        return mode.eq_ignore_ascii_case(b"cors");
    }
    if h.ex.recorder.resource_type.is_some() {
        return is_script_request(&h.ex);
    }
    !looks_like_navigation(&h.ex) && headers.first("accept").is_none_or(|a| a == b"*/*")
}
