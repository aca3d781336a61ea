//! The preflight side of the engine: judging a preflight for the request it authorised
//! (found ahead in the window when the recording lists it after), recording it for later
//! requests and the preflight cache, and inferring the request a failed preflight stopped
//! when the recording lacks it.

use std::sync::Arc;

use super::super::classify::Classification;
use super::super::evidence::{Fault, ReportContext};
use super::super::fields;
use super::super::message::initiator_word;
use super::super::pairing::{could_pair, recorder_link, PreflightAsk};
use super::super::verdict::{
    judge_preflight, preflight_network_fault, Credentials, PreflightJudgement, PreflightOutcome,
};
use super::super::warnings;
use super::{plain_parts, space_of, Engine, Held, PreflightRecord, Role, Slot};
use crate::model::{Assessment, CauseId, Exchange, ExchangeKind, Location, Request, Verdict};

/// What judging a preflight needs of the request it authorised.
struct AheadRequest {
    credentials: Credentials,
    sent: bool,
    stopped: bool,
    word: &'static str,
}

impl Engine {
    pub(super) fn process_preflight(
        &mut self,
        h: Box<Held>,
        c: Classification,
        out: &mut dyn FnMut(Assessment),
    ) {
        let ask = PreflightAsk::of(&h.ex);
        let origin = c
            .origin
            .clone()
            .or_else(|| Self::page_origin_of(&h.ex))
            .unwrap_or_else(|| "null".into());
        let claimed_by = self.claimed_ahead.remove(&h.id);
        let claimed = claimed_by.is_some();
        // The request it authorised, still ahead in the window.
        let ahead = if claimed {
            None
        } else {
            self.find_request_ahead(&h, &ask)
        };
        let ahead_ex = ahead
            .and_then(|slot| self.buffer.get(&slot))
            .map(|a| AheadRequest {
                credentials: Credentials::of(&a.ex),
                sent: a.ex.response.is_some(),
                stopped: a.kind.stopped(),
                word: initiator_word(a.ex.recorder.resource_type.as_deref()),
            });
        let credentials = ahead_ex
            .as_ref()
            .map_or(Credentials::Unknown, |a| a.credentials);
        let actual =
            ask.actual_request(ahead.and_then(|slot| self.buffer.get(&slot)).map(|a| &a.ex));
        let proxy = match &h.role {
            Role::ProxyClient(d) => d.as_slice(),
            _ => &[],
        };
        let profile = self.profile_of(&h.ex);
        let judgement = PreflightJudgement {
            ask: &ask,
            actual: &actual,
            origin: &origin,
            credentials,
            proxy,
            profile,
        };
        let mut outcome = judge_preflight(h.id, &h.ex, &judgement);
        let mut lenient = None;
        if let PreflightOutcome::Failed(f) = &outcome {
            // Firefox, Safari and Chromium without Chrome's preference let `*` cover
            // Authorization: the profile says so, or the request on the wire shows the
            // recording browser did.
            let sent = ahead_ex.as_ref().is_some_and(|a| a.sent);
            let covered = sent || profile.wildcard_covers_authorization;
            if f.cause == CauseId::AuthorizationNotCoveredByWildcard && covered {
                if let Some(r) = &h.ex.response {
                    let mut without = actual.clone();
                    without.unsafe_names.retain(|n| n != "authorization");
                    let relaxed = PreflightJudgement {
                        actual: &without,
                        ..judgement
                    };
                    if let PreflightOutcome::Passed { .. } = judge_preflight(h.id, &h.ex, &relaxed)
                    {
                        let result = super::super::preflight::preflight_check(
                            r,
                            &origin,
                            &without,
                            credentials == Credentials::Include,
                            &h.ex.request.url,
                            profile,
                        );
                        if let Ok(result) = result {
                            lenient = Some(f.clone());
                            outcome = PreflightOutcome::Passed {
                                result,
                                conditional: Vec::new(),
                                pna: None,
                            };
                        }
                    }
                }
            }
        }
        let failed = matches!(
            outcome,
            PreflightOutcome::Failed(_) | PreflightOutcome::NetworkError(_)
        );
        let ahead_stopped = ahead_ex.as_ref().is_some_and(|a| a.stopped);
        let word = ahead_ex.as_ref().map_or(initiator_word(None), |a| a.word);
        let ctx = ReportContext {
            kind: word,
            url: &ask.url,
            initial_url: None,
            page_origin: &origin,
            request_origin: &origin,
            method: &ask.method,
            space: space_of(&h.ex),
            profile,
        };
        let mut a = plain_parts(h.id, c.kind, Some(origin.clone()));
        // A passing preflight with no request of its own anywhere in the window. A recorder
        // that leaves out every request the browser failed (chrome-har) shows the request was
        // made (a preflight is only sent for one) and failed, by a cause the file does not keep.
        // Elsewhere (a capture), when the preflight passes only for an uncredentialed request,
        // the browser did not send it, which proves it was credentialed.
        let alone = !claimed && ahead_ex.is_none();
        let passed = matches!(&outcome, PreflightOutcome::Passed { .. });
        let dropped = alone
            && passed
            && h.ex.recorder.outcome == crate::model::RecordedOutcome::FailuresDropped;
        let unanswered = alone
            && !dropped
            && matches!(&outcome, PreflightOutcome::Passed { conditional, .. } if !conditional.is_empty());
        match &outcome {
            PreflightOutcome::Passed {
                result,
                conditional,
                pna,
            } => {
                let proven = ahead_stopped || unanswered || claimed_by.is_some_and(|c| c.stopped);
                let mut faults: Vec<Fault> = conditional.clone();
                if proven && faults.is_empty() {
                    faults.extend(pna.as_deref().cloned());
                }
                if proven && !faults.is_empty() {
                    a.verdict = Verdict::Blocked;
                    for f in &mut faults {
                        f.if_credentialed = false;
                    }
                } else {
                    a.verdict = Verdict::Allowed;
                    if let Some(p) = pna {
                        let msg = p.finding(&ctx).message;
                        a.warnings.push(warnings::pna_preflight(&msg));
                    }
                }
                a.causes = faults.into_iter().map(|f| f.into_finding(&ctx)).collect();
                // The request was sent after it: the preflight passed for it as it was (its
                // credentials mode included), so what credentials would break is latent.
                let answered = ahead_ex.as_ref().is_some_and(|r| r.sent)
                    || claimed_by.is_some_and(|c| c.answered);
                if !proven && answered {
                    a.latent_if_credentialed();
                }
                let at =
                    h.ex.timing
                        .finished
                        .or(h.ex.timing.response_started)
                        .unwrap_or(h.at);
                let (o, u, id) = (&origin, &ask.url, h.id);
                self.client_state(&h, |s| s.preflights.insert(o, u, id, result, at));
            }
            PreflightOutcome::Failed(f) => {
                a.verdict = Verdict::Blocked;
                a.causes.push(f.finding(&ctx));
            }
            PreflightOutcome::NetworkError(text) => {
                a.verdict = Verdict::NetworkError;
                a.note = Some(text.clone());
            }
            PreflightOutcome::NoResponse(text) => {
                a.verdict = Verdict::Indeterminate;
                a.note = Some(text.clone());
            }
        }
        if let Some(f) = lenient {
            let m = f.finding(&ctx).message;
            a.warnings
                .push(warnings::authorization_covered_by_wildcard(&m));
        }
        if let Some(r) = &h.ex.response {
            let reflected = self.reflected(&h, r, &origin);
            a.warnings
                .extend(warnings::response_warnings(r, &origin, reflected, true));
        }
        // Who uses this preflight: the request ahead (told now), else later requests.
        let linked = claimed || ahead_ex.is_some();
        // An assigned request is never looked for by a preflight again.
        if let Some((slot, a)) = ahead.and_then(|s| Some((s, self.buffer.get(&s)?))) {
            self.assigned.insert(a.id, h.id);
            self.index.forget_by_url(slot, &a.keys, a.kind);
        }
        let inferred = ((failed && !linked) || unanswered || dropped)
            .then(|| self.infer_request(&h, &ask, &origin, &outcome, dropped));
        self.recent.push(PreflightRecord {
            id: h.id,
            at: h.at,
            client: h.client.clone(),
            ask: Arc::new(ask),
            outcome: Arc::new(outcome),
            claimed: linked,
            inferred: inferred.is_some(),
        });
        self.remember_server(&h);
        out(a.finish(h.ex));
        if let Some(i) = inferred {
            out(i);
        }
    }

    /// The request ahead in the window that `p` authorised: the recorder's link first, then a
    /// request that was never sent, then any other match; a failed preflight only pairs with a
    /// request that was never sent.
    ///
    /// Without a link to follow the ranks are searched in turn: the requests never sent, then
    /// all; the first that pairs in window order wins. Requests already assigned a preflight
    /// have left the index, so a URL called thousands of times in a window (a GraphQL
    /// endpoint) is not walked again for every preflight.
    pub(super) fn find_request_ahead(&self, p: &Held, ask: &PreflightAsk) -> Option<Slot> {
        let linkable =
            p.ex.recorder
                .initiator
                .as_ref()
                .is_some_and(|i| i.request_id.is_some());
        if !linkable {
            let pairs = |slot: &Slot| self.pairs_ahead(p, ask, *slot).map(|_| *slot);
            return self
                .index
                .stopped_at(&p.keys)
                .find_map(pairs)
                .or_else(|| self.index.requests_at(&p.keys).find_map(pairs));
        }
        let mut best: Option<(u8, Slot)> = None;
        for &slot in self.index.requests_at(&p.keys) {
            let Some(a) = self.pairs_ahead(p, ask, slot) else {
                continue;
            };
            let rank = if recorder_link(&p.ex, &a.ex) == Some(true) {
                0
            } else if a.kind.stopped() {
                1
            } else {
                2
            };
            if best.is_none_or(|(r, _)| rank < r) {
                best = Some((rank, slot));
            }
            if rank == 0 {
                break;
            }
        }
        best.map(|(_, i)| i)
    }

    /// The request held at `slot`, when preflight `p` (asking `ask`) can be the one it was
    /// sent for.
    fn pairs_ahead(&self, p: &Held, ask: &PreflightAsk, slot: Slot) -> Option<&Held> {
        let a = self.buffer.get(&slot)?;
        if a.client != p.client
            || self.assigned.contains_key(&a.id)
            || matches!(a.role, Role::ProxyUpstream(..))
            || a.keys.url(&a.ex) != p.keys.url(&p.ex)
            || a.at.secs_since(p.at).abs() > self.window_secs
        {
            return None;
        }
        let a_origin = fields::get(&a.ex.request.headers, "origin");
        could_pair(&p.ex, ask, &a.ex, a_origin.as_deref()).then_some(&**a)
    }

    /// The request a preflight was sent for, which the recording lacks: stopped by the failed
    /// preflight, stopped because it was credentialed, or (`dropped`) left out by a recorder
    /// that leaves out every request the browser failed.
    pub(super) fn infer_request(
        &mut self,
        p: &Held,
        ask: &PreflightAsk,
        origin: &str,
        outcome: &PreflightOutcome,
        dropped: bool,
    ) -> Assessment {
        let id = self.inferred_id(p.id);
        let mut request = Request {
            method: ask.method.clone(),
            url: p.ex.request.url.clone(),
            ..Request::default()
        };
        request.headers.push("Origin", origin);
        for n in &ask.headers {
            request.headers.push(n.as_str(), "");
        }
        let mut ex = Exchange::new(Location::InferredFrom(p.ex.location.anchor()), request);
        ex.timing.started = p.ex.timing.finished.or(Some(p.at));
        ex.endpoints = p.ex.endpoints;
        ex.recorder.page_url = p.ex.recorder.page_url.clone();
        let ctx = ReportContext {
            kind: "fetch",
            url: &ask.url,
            initial_url: None,
            page_origin: origin,
            request_origin: origin,
            method: &ask.method,
            space: space_of(&p.ex),
            profile: self.profile_of(&p.ex),
        };
        let mut a = plain_parts(id, ExchangeKind::Cors, Some(origin.to_string()));
        a.sent = false;
        a.preflight = Some(p.id);
        a.verdict = Verdict::Blocked;
        a.note =
            Some("not in the recording: the failed preflight stopped it before it was sent".into());
        if dropped {
            let mut f = Fault::new(CauseId::BlockedCauseNotRecorded, None);
            f.evidence.push(super::super::evidence::fact(
                crate::model::EvidenceSource::PreflightResponse,
                p.id,
                format!("{} {}", ask.method, ask.url),
                true,
                "the preflight for it passed, and the recorder leaves out every request the browser failed",
            ));
            a.sent = true;
            a.note = Some(
                "not in the recording: the recorder (chrome-har) leaves out every request the browser failed, and its preflight was recorded; what blocked it (its response, or credentials the preflight did not allow) is not in the file"
                    .into(),
            );
            a.causes.push(f.into_finding(&ctx));
            // What would have blocked it, had it been credentialed.
            if let PreflightOutcome::Passed { conditional, .. } = outcome {
                a.causes.extend(conditional.iter().map(|f| f.finding(&ctx)));
            }
            return a.finish(ex);
        }
        match outcome {
            PreflightOutcome::Failed(f) => a.causes.push(f.finding(&ctx)),
            PreflightOutcome::NetworkError(text) => a
                .causes
                .push(preflight_network_fault(p.id, text).into_finding(&ctx)),
            PreflightOutcome::Passed { conditional, .. } => {
                a.note = Some(
                    "not in the recording: the preflight passes only for an uncredentialed request, and the browser never sent it"
                        .into(),
                );
                for f in conditional {
                    let mut f = f.clone();
                    f.if_credentialed = false;
                    a.causes.push(f.finding(&ctx));
                }
            }
            PreflightOutcome::NoResponse(_) => {}
        }
        a.finish(ex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        EntryIndex, Exchange, Failure, Initiator, Limits, Location, Request, Timestamp,
    };

    const URL: &str = "https://api.test/graphql";

    fn request(method: &str, at: i64) -> Exchange {
        let request = Request {
            method: method.into(),
            url: URL.into(),
            ..Request::default()
        };
        let mut e = Exchange::new(Location::Entry(EntryIndex(0)), request);
        e.request.headers.push("Origin", "https://app.test");
        e.timing.started = Some(Timestamp(at));
        e
    }

    fn preflight() -> Exchange {
        let mut p = request("OPTIONS", 0);
        p.request
            .headers
            .push("Access-Control-Request-Method", "POST");
        p
    }

    /// Holds `requests` (sent ones answered, the others never sent) and finds which one a
    /// preflight recorded first pairs with, by its position.
    fn paired(requests: &[(bool, Option<&str>)], link: Option<&str>) -> Option<usize> {
        let mut engine = Engine::new(&Limits::default());
        for (i, (sent, id)) in requests.iter().enumerate() {
            let mut e = request("POST", 1_000 + i as i64);
            if *sent {
                e.response = Some(crate::model::Response {
                    status: 200,
                    ..Default::default()
                });
            } else {
                e.failure = Some(Failure::from_text("net::ERR_FAILED"));
                e.request.reached_network = Some(false);
            }
            e.recorder.request_id = id.map(str::to_string);
            engine.push_prepared(Engine::prepare(e), &mut |_| {});
        }
        let mut p = preflight();
        p.recorder.initiator = link.map(|id| Initiator {
            kind: "preflight".into(),
            url: Some(URL.into()),
            request_id: Some(id.into()),
        });
        let held = Engine::prepare(p).held;
        let ask = PreflightAsk::of(&held.ex);
        let slot = engine.find_request_ahead(&held, &ask)?;
        usize::try_from(slot.1 .0).ok()
    }

    #[test]
    fn the_request_never_sent_wins_over_earlier_ones_sent() {
        let sent = (true, None);
        let never = (false, None);
        assert_eq!(paired(&[sent, sent, sent], None), Some(0));
        assert_eq!(paired(&[sent, sent, never, sent, never], None), Some(2));
        assert_eq!(paired(&[never, sent, never], None), Some(0));
        assert_eq!(paired(&[], None), None);
    }

    #[test]
    fn the_linked_request_wins_wherever_it_is() {
        let sent = |id| (true, Some(id));
        let never = (false, None);
        let requests = [sent("1"), never, sent("2"), sent("3"), never];
        assert_eq!(paired(&requests, Some("3")), Some(3));
        assert_eq!(paired(&requests, Some("1")), Some(0));
        // A link to no request held: ranked as without one.
        assert_eq!(paired(&requests, Some("9")), Some(1));
    }
}
