//! The request side of the engine: following redirect chains, finding the preflight that
//! authorised (or refused) a request or the cache entry that covered it, and judging the
//! request on its response or on its preflight when it was never sent.

use std::sync::Arc;

use super::super::classify::Classification;
use super::super::evidence::ReportContext;
use super::super::message::initiator_word;
use super::super::origin::{hop_taints, without_fragment};
use super::super::pairing::{could_pair, PreflightAsk};
use super::super::preflight::ActualRequest;
use super::super::redirect::{is_redirect, location, Chain};
use super::super::safelist::{is_cors_safelisted_method, normalize_method};
use super::super::verdict::{
    is_network_failure, judge_preflight, judge_response, preflight_network_fault, Credentials,
    PreflightJudgement, PreflightOutcome, ResponseContext,
};
use super::super::warnings;
use super::{
    pair_record, plain_parts, reached_network, request_unsafe_names, space_of, stopped, Engine,
    Held, Paired, Role,
};
use crate::model::{Assessment, CauseId, ExchangeKind, Verdict};

impl Engine {
    pub(super) fn process_actual(
        &mut self,
        mut h: Box<Held>,
        c: Classification,
        out: &mut dyn FnMut(Assessment),
    ) {
        let url = h.ex.request.url.as_str();
        let window = self.window_secs;
        let chain = self.client_state(&h, |s| s.chains.follow(url, Some(h.at), window));
        if chain.as_ref().is_some_and(|ch| ch.refused) {
            // A recorder kept the hop the browser would not go to (Playwright, Firefox).
            let mut a = plain_parts(h.id, ExchangeKind::Cors, c.origin.clone());
            a.sent = false;
            a.note = Some(
                "the browser refused to follow the redirect to this URL (its Location failed the CORS checks): the block is reported on that redirect"
                    .into(),
            );
            self.remember_server(&h);
            out(a.finish(h.ex));
            return;
        }
        let profile = self.profile_of(&h.ex);
        let names = h
            .unsafe_names
            .take()
            .unwrap_or_else(|| request_unsafe_names(&h.ex));
        let method = normalize_method(&h.ex.request.method);
        let needs_preflight = !is_cors_safelisted_method(&method) || !names.is_empty();
        // Look even when the recorded request seems simple: XHR uploads force a preflight, and
        // sanitized exports strip the `Authorization` that required one.
        let paired = self.find_preflight(&h, c.origin.as_deref(), true);
        let origin = c
            .origin
            .clone()
            .or_else(|| paired.as_ref().and_then(|p| p.ask.origin.clone()))
            .or_else(|| Self::page_origin_of(&h.ex));
        let page_origin = chain
            .as_ref()
            .map(|ch| ch.page_origin.clone())
            .or_else(|| origin.clone());
        let tainted = chain
            .as_ref()
            .is_some_and(|ch| ch.tainted || hop_taints(&ch.page_origin, &ch.previous_url, url));
        let credentials = Credentials::of(&h.ex);
        let mut a = plain_parts(h.id, ExchangeKind::Cors, origin.clone());
        if page_origin != origin {
            a.page_origin = page_origin.clone();
        }
        a.preflight = paired.as_ref().map(|p| p.id);
        a.warnings.extend(warnings::request_warnings(&h.ex.request));
        let initial_url = chain.as_ref().map(|ch| ch.initial_url.clone());
        let word = initiator_word(h.ex.recorder.resource_type.as_deref());
        let shown_origin = page_origin.clone().unwrap_or_else(|| "null".into());
        let request_origin = origin.clone().unwrap_or_else(|| "null".into());
        let ctx = ReportContext {
            kind: word,
            url,
            initial_url: initial_url.as_deref(),
            page_origin: &shown_origin,
            request_origin: &request_origin,
            method: &h.ex.request.method,
            space: space_of(&h.ex),
            profile,
        };
        if paired.is_none() && needs_preflight && !c.never_sent {
            if let Some(o) = origin.as_deref() {
                let actual = ActualRequest {
                    method: method.to_string(),
                    unsafe_names: names.clone(),
                };
                let include = credentials == Credentials::Include;
                let key = without_fragment(url);
                let at = h.at;
                let cached = self.client_state(&h, |s| {
                    s.preflights.lookup(o, key, at, &actual, include, profile)
                });
                match cached {
                    Some(from) => a.preflight_cached_from = Some(from),
                    None => a
                        .warnings
                        .push(warnings::preflight_missing(&method, &names)),
                }
            }
        }
        let failure = h.ex.failure.clone();
        match (&h.ex.response, paired.as_ref().map(|p| &*p.outcome)) {
            _ if failure.as_ref().is_some_and(|f| is_network_failure(f.kind)) => {
                a.verdict = Verdict::NetworkError;
                a.note = failure.map(|f| f.text);
                a.sent = reached_network(&h.ex);
            }
            (None, Some(PreflightOutcome::Failed(f))) => {
                a.verdict = Verdict::Blocked;
                a.sent = false;
                a.causes.push(f.finding(&ctx));
            }
            (None, Some(PreflightOutcome::NetworkError(text))) => {
                a.verdict = Verdict::Blocked;
                a.sent = false;
                let pid = paired.as_ref().map(|p| p.id).unwrap_or(h.id);
                a.causes
                    .push(preflight_network_fault(pid, text).into_finding(&ctx));
            }
            // A recorder that names no failure (Firefox) shows the request never left the
            // browser and its preflight got no HTTP response: the preflight stopped it.
            (None, Some(PreflightOutcome::NoResponse(text))) if stopped(&h.ex) => {
                a.verdict = Verdict::Blocked;
                a.sent = false;
                let pid = paired.as_ref().map(|p| p.id).unwrap_or(h.id);
                a.causes
                    .push(preflight_network_fault(pid, text).into_finding(&ctx));
            }
            (
                None,
                Some(PreflightOutcome::Passed {
                    conditional, pna, ..
                }),
            ) if stopped(&h.ex) => {
                a.sent = false;
                let mut faults = conditional.clone();
                if faults.is_empty() {
                    faults.extend(pna.as_deref().cloned());
                }
                if faults.is_empty() {
                    a.verdict = Verdict::Indeterminate;
                    a.note = Some("the browser failed the request after a passing preflight; the recording does not show why".into());
                } else {
                    a.verdict = Verdict::Blocked;
                    for f in &mut faults {
                        f.if_credentialed = false;
                    }
                    a.causes = faults.iter().map(|f| f.finding(&ctx)).collect();
                    if conditional
                        .iter()
                        .any(|f| f.cause == faults.first().map(|g| g.cause).unwrap_or(f.cause))
                    {
                        a.warnings.push(warnings::credentialed_without_cookies());
                    }
                }
            }
            (None, _) => {
                a.sent = !c.never_sent && reached_network(&h.ex);
                self.judge_unanswered(&h, &c, origin.as_deref(), &ctx, &mut a);
            }
            (Some(r), p) => {
                // Only an error response without the header needs its siblings (a window scan).
                let sibling_acao = r.status >= 400
                    && !r.headers.contains(super::super::check::ACAO)
                    && self.sibling_acao(h.keys.server(&h.ex), p);
                let proxy = match &h.role {
                    Role::ProxyClient(d) => d.as_slice(),
                    _ => &[],
                };
                let rctx = ResponseContext {
                    origin: &request_origin,
                    tainted,
                    sibling_acao,
                    proxy,
                };
                let j = judge_response(h.id, &h.ex, r, credentials, &rctx);
                a.verdict = j.verdict;
                a.note = j.note;
                a.causes = j.faults.into_iter().map(|f| f.into_finding(&ctx)).collect();
                if let Some(PreflightOutcome::Passed { conditional, .. }) = p {
                    a.causes.extend(conditional.iter().map(|f| f.finding(&ctx)));
                }
                // A recorder that keeps the browser's outcome shows this request completed: it
                // was not blocked, and what would block it only with credentials is a latent
                // risk.
                let completed = h.ex.failure.is_none();
                // (A refused redirect target is the hop recorders mark, not this one.)
                let location_cause = a.causes.first().is_some_and(|f| {
                    matches!(
                        f.cause,
                        CauseId::RedirectContainsCredentials | CauseId::RedirectDisallowedScheme
                    )
                });
                if completed && h.ex.recorder.outcome.completion_proves_allowed() {
                    if a.verdict == Verdict::Blocked && !location_cause {
                        let cause = a.causes.first().map_or("", |f| f.cause.info().name);
                        a.warnings
                            .push(warnings::recorded_completion_overrides_check(cause));
                        a.verdict = Verdict::Allowed;
                        a.causes.retain(|f| f.if_credentialed);
                    }
                    a.latent_if_credentialed();
                }
                a.warnings.extend(j.warnings);
                let reflected = self.reflected(&h, r, &request_origin);
                a.warnings.extend(warnings::response_warnings(
                    r,
                    &request_origin,
                    reflected,
                    false,
                ));
                let refused = a.verdict == Verdict::Blocked && location_cause;
                if is_redirect(r) && (a.verdict != Verdict::Blocked || refused) {
                    if let (Some(to), Some(po)) = (location(r, url), page_origin.clone()) {
                        let chain = Chain {
                            initial_url: initial_url.clone().unwrap_or_else(|| url.to_string()),
                            page_origin: po,
                            tainted,
                            previous: h.id,
                            previous_url: url.to_string(),
                            at: h.at,
                            refused,
                        };
                        self.client_state(&h, |s| s.chains.expect(to.as_str(), chain));
                    }
                }
            }
        }
        if a.verdict == Verdict::Blocked {
            // Conditional causes stay only when nothing certain blocked it.
            let certain = a.causes.iter().any(|f| !f.if_credentialed);
            if certain {
                a.causes.retain(|f| !f.if_credentialed);
            }
        }
        self.remember_server(&h);
        a.unsafe_names = Some(names);
        out(a.finish(h.ex));
    }

    /// The preflight that authorised (or refused) an actual request: one the engine already
    /// assigned it, an unclaimed recent one, or one still ahead in the window.
    pub(super) fn find_preflight(
        &mut self,
        h: &Held,
        origin: Option<&str>,
        look: bool,
    ) -> Option<Paired> {
        if let Some(pid) = self.assigned.remove(&h.id) {
            if let Some(r) = self.recent.get(pid) {
                return Some(Paired {
                    id: r.id,
                    ask: Arc::clone(&r.ask),
                    outcome: Arc::clone(&r.outcome),
                });
            }
        }
        if !look {
            return None;
        }
        let window = self.window_secs;
        if let Some(r) = self.recent.latest_for(h.keys.url(&h.ex), |r| {
            !r.claimed
                && {
                    let d = h.at.secs_since(r.at);
                    (-1.0..=window).contains(&d)
                }
                && pair_record(r, h, origin)
        }) {
            r.claimed = true;
            let late = r.inferred;
            let paired = Paired {
                id: r.id,
                ask: Arc::clone(&r.ask),
                outcome: Arc::clone(&r.outcome),
            };
            self.late_requests += u64::from(late);
            return Some(paired);
        }
        let found = self
            .index
            .preflights_at(&h.keys)
            .filter_map(|slot| self.buffer.get(slot))
            .find(|p| {
                p.client == h.client
                    && p.keys.url(&p.ex) == h.keys.url(&h.ex)
                    && !self.claimed_ahead.contains_key(&p.id)
                    && p.at.secs_since(h.at).abs() <= window
                    && could_pair(&p.ex, &PreflightAsk::of(&p.ex), &h.ex, origin)
            })?;
        let ask = PreflightAsk::of(&found.ex);
        let p_origin = ask
            .origin
            .clone()
            .or_else(|| origin.map(str::to_string))
            .unwrap_or_else(|| "null".into());
        let proxy = match &found.role {
            Role::ProxyClient(d) => d.clone(),
            _ => Vec::new(),
        };
        let actual = ask.actual_request(Some(&h.ex));
        let judgement = PreflightJudgement {
            ask: &ask,
            actual: &actual,
            origin: &p_origin,
            credentials: Credentials::of(&h.ex),
            proxy: &proxy,
            profile: self.profile_of(&found.ex),
        };
        let outcome = judge_preflight(found.id, &found.ex, &judgement);
        let id = found.id;
        self.claimed_ahead.insert(id, super::Claim::of(&h.ex));
        Some(Paired {
            id,
            ask: Arc::new(ask),
            outcome: Arc::new(outcome),
        })
    }

    /// Whether other responses of the same server carry `Access-Control-Allow-Origin`: the
    /// preflight, earlier responses, or responses ahead in the window.
    pub(super) fn sibling_acao(
        &self,
        server: Option<&str>,
        preflight: Option<&PreflightOutcome>,
    ) -> bool {
        if matches!(preflight, Some(PreflightOutcome::Passed { .. })) {
            return true;
        }
        let Some(server) = server else {
            return false;
        };
        self.acao_servers.contains(server) || self.index.server_has_acao(server)
    }
}
