//! The engine proper: the reordering window, the state carried between exchanges (recent
//! preflights, preflight cache, redirect chains, what servers sent), and the assembly of one
//! assessment per exchange. The checks themselves live in `verdict`, `check`, `preflight`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::classify::{classify, is_preflight, Classification};
use super::evidence::{Fault, ReportContext};
use super::fields;
use super::message::initiator_word;
use super::origin::{hop_taints, serialize_url_origin, without_fragment, AddressSpace};
use super::pairing::{could_pair, recorder_link, PreflightAsk};
use super::preflight::ActualRequest;
use super::preflight_cache::PreflightCache;
use super::proxy::{compare_proxy_legs, ProxyDifference};
use super::redirect::{is_redirect, location, Chain, RedirectChains};
use super::safelist::{is_cors_safelisted_method, normalize_method, recorded_unsafe_names};
use super::verdict::{
    is_network_failure, judge_preflight, judge_response, preflight_network_fault, Credentials,
    PreflightOutcome, ResponseContext,
};
use super::warnings;
use crate::model::{
    Assessment, CauseId, Exchange, ExchangeId, ExchangeKind, FailureKind, Limits, Location,
    Request, Timestamp, Verdict, Warning,
};

/// Inferred exchanges are numbered from here, so they never collide with arrival numbers.
pub const INFERRED_BASE: u64 = 1 << 32;
/// Servers remembered for sibling and reflection evidence.
pub const STATE_ENTRIES: usize = 4096;

/// A held exchange and its role.
struct Held {
    id: ExchangeId,
    at: Timestamp,
    ex: Exchange,
    role: Role,
}

enum Role {
    Plain,
    ProxyClient(Vec<ProxyDifference>),
    ProxyUpstream(ExchangeId),
}

/// A preflight judged already, kept while requests may still pair with it.
struct PreflightRecord {
    id: ExchangeId,
    at: Timestamp,
    ask: PreflightAsk,
    outcome: PreflightOutcome,
    claimed: bool,
}

/// The preflight an actual request was matched with.
struct Paired {
    id: ExchangeId,
    ask: PreflightAsk,
    outcome: PreflightOutcome,
}

/// Judges the exchanges of one input, in the order the input holds them.
pub struct Engine {
    window: usize,
    window_secs: f64,
    next_id: u64,
    next_inferred: u64,
    last_at: Timestamp,
    buffer: VecDeque<Held>,
    cache: PreflightCache,
    recent: VecDeque<PreflightRecord>,
    claimed_ahead: BTreeSet<ExchangeId>,
    assigned: BTreeMap<ExchangeId, ExchangeId>,
    chains: RedirectChains,
    acao_servers: VecDeque<String>,
    reflections: BTreeMap<String, BTreeSet<String>>,
}

impl Engine {
    /// A new engine for one input.
    pub fn new(limits: &Limits) -> Self {
        Self {
            window: limits.engine_window.max(1),
            window_secs: limits.engine_window_secs as f64,
            next_id: 0,
            next_inferred: INFERRED_BASE,
            last_at: Timestamp(0),
            buffer: VecDeque::new(),
            cache: PreflightCache::new(),
            recent: VecDeque::new(),
            claimed_ahead: BTreeSet::new(),
            assigned: BTreeMap::new(),
            chains: RedirectChains::new(limits.engine_window.clamp(1, STATE_ENTRIES)),
            acao_servers: VecDeque::new(),
            reflections: BTreeMap::new(),
        }
    }

    /// Takes exchanges of one input in recording order; emits assessments once final.
    pub fn push(&mut self, exchange: Exchange, out: &mut dyn FnMut(Assessment)) {
        self.hold(exchange, Role::Plain);
        self.drain(out);
    }

    /// Takes the two legs of one proxied exchange (the client's and the origin server's side
    /// of a proxy, see [`compare_proxy_legs`]). The client leg is judged with the differences
    /// as evidence (`allow-origin-stripped-by-proxy`, `allow-origin-rewritten-by-proxy`,
    /// `header-duplicated-by-proxy`); the upstream leg is emitted as not applicable, pointing
    /// at the client leg. Two ids are used, client leg first.
    pub fn push_proxy_legs(
        &mut self,
        client_leg: Exchange,
        upstream_leg: Exchange,
        out: &mut dyn FnMut(Assessment),
    ) {
        let differences = compare_proxy_legs(&client_leg, &upstream_leg);
        let client = self.hold(client_leg, Role::ProxyClient(differences));
        self.hold(upstream_leg, Role::ProxyUpstream(client));
        self.drain(out);
    }

    /// Emits everything still held.
    pub fn finish(&mut self, out: &mut dyn FnMut(Assessment)) {
        while let Some(h) = self.buffer.pop_front() {
            self.process(h, out);
        }
    }

    fn hold(&mut self, ex: Exchange, role: Role) -> ExchangeId {
        let id = ExchangeId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        let at = ex.timing.started.unwrap_or(self.last_at);
        self.last_at = self.last_at.max(at);
        let pos = self.buffer.partition_point(|h| (h.at, h.id) <= (at, id));
        self.buffer.insert(pos, Held { id, at, ex, role });
        id
    }

    fn drain(&mut self, out: &mut dyn FnMut(Assessment)) {
        loop {
            let span = match (self.buffer.front(), self.buffer.back()) {
                (Some(f), Some(b)) => b.at.secs_since(f.at),
                _ => return,
            };
            if self.buffer.len() <= self.window && span <= self.window_secs {
                return;
            }
            if let Some(h) = self.buffer.pop_front() {
                self.process(h, out);
            }
        }
    }

    fn process(&mut self, h: Held, out: &mut dyn FnMut(Assessment)) {
        self.forget_old(h.at);
        let c = classify(&h.ex);
        if let Role::ProxyUpstream(client) = h.role {
            let note = format!(
                "upstream leg of proxied exchange {}: judged on the client leg",
                client.0
            );
            out(plain(
                h,
                c.kind,
                c.origin,
                Verdict::NotApplicable,
                Some(note),
            ));
            return;
        }
        match c.kind {
            ExchangeKind::Preflight => self.process_preflight(h, c, out),
            ExchangeKind::Cors => self.process_actual(h, c, out),
            ExchangeKind::SameOrigin | ExchangeKind::NotCors => {
                let (verdict, note) = match &h.ex.failure {
                    Some(f) if is_network_failure(f.kind) => {
                        (Verdict::NetworkError, Some(f.text.clone()))
                    }
                    _ => (Verdict::NotApplicable, c.note.clone()),
                };
                self.remember_server(&h.ex);
                out(plain(h, c.kind, c.origin, verdict, note));
            }
        }
    }

    fn forget_old(&mut self, now: Timestamp) {
        let window = self.window_secs;
        while self
            .recent
            .front()
            .is_some_and(|r| now.secs_since(r.at) > window)
            || self.recent.len() > STATE_ENTRIES
        {
            self.recent.pop_front();
        }
    }

    fn page_origin_of(ex: &Exchange) -> Option<String> {
        ex.recorder
            .page_url
            .as_deref()
            .and_then(serialize_url_origin)
            .or_else(|| {
                fields::get(&ex.request.headers, "referer").and_then(|r| serialize_url_origin(&r))
            })
            .filter(|o| o != "null")
    }

    fn process_preflight(&mut self, h: Held, c: Classification, out: &mut dyn FnMut(Assessment)) {
        let ask = PreflightAsk::of(&h.ex);
        let origin = c
            .origin
            .clone()
            .or_else(|| Self::page_origin_of(&h.ex))
            .unwrap_or_else(|| "null".into());
        let claimed = self.claimed_ahead.remove(&h.id);
        // The request it authorised, still ahead in the window.
        let ahead = if claimed {
            None
        } else {
            self.find_request_ahead(&h, &ask)
        };
        let ahead_ex = ahead
            .and_then(|i| self.buffer.get(i))
            .map(|a| (a.id, a.ex.clone()));
        let credentials = ahead_ex
            .as_ref()
            .map(|(_, a)| Credentials::of(&a.request))
            .unwrap_or(Credentials::Unknown);
        let actual = ask.actual_request(ahead_ex.as_ref().map(|(_, a)| a));
        let proxy = match &h.role {
            Role::ProxyClient(d) => d.as_slice(),
            _ => &[],
        };
        let mut outcome = judge_preflight(h.id, &h.ex, &ask, &actual, &origin, credentials, proxy);
        let mut lenient = None;
        if let PreflightOutcome::Failed(f) = &outcome {
            // Chromium without Chrome's preference lets `*` cover Authorization: the request
            // on the wire shows this browser did.
            let sent = ahead_ex.as_ref().is_some_and(|(_, a)| a.response.is_some());
            if f.cause == CauseId::AuthorizationNotCoveredByWildcard && sent {
                if let Some(r) = &h.ex.response {
                    let mut without = actual.clone();
                    without.unsafe_names.retain(|n| n != "authorization");
                    if let PreflightOutcome::Passed { .. } =
                        judge_preflight(h.id, &h.ex, &ask, &without, &origin, credentials, proxy)
                    {
                        let result = super::preflight::preflight_check(
                            r,
                            &origin,
                            &without,
                            credentials == Credentials::Include,
                            &h.ex.request.url,
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
        let ahead_stopped = ahead_ex.as_ref().is_some_and(|(_, a)| stopped(a));
        let word = initiator_word(
            ahead_ex
                .as_ref()
                .and_then(|(_, a)| a.recorder.resource_type.as_deref()),
        );
        let ctx = ReportContext {
            kind: word,
            url: &ask.url,
            initial_url: None,
            page_origin: &origin,
            request_origin: &origin,
            method: &ask.method,
            space: space_of(&h.ex),
        };
        let mut a = plain_parts(h.id, c.kind, Some(origin.clone()));
        match &outcome {
            PreflightOutcome::Passed {
                result,
                conditional,
                pna,
            } => {
                let proven = ahead_stopped;
                let mut faults: Vec<Fault> = conditional.clone();
                if proven && faults.is_empty() {
                    faults.extend(pna.clone());
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
                a.causes = faults.iter().map(|f| f.finding(&ctx)).collect();
                let at =
                    h.ex.timing
                        .finished
                        .or(h.ex.timing.response_started)
                        .unwrap_or(h.at);
                self.cache
                    .insert(&origin, &ask.url, h.id, result.clone(), at);
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
            let reflected = self.reflected(&h.ex, r, &origin);
            a.warnings
                .extend(warnings::response_warnings(r, &origin, reflected, true));
        }
        // Who uses this preflight: the request ahead (told now), else later requests.
        let linked = claimed || ahead_ex.is_some();
        if let Some((aid, _)) = &ahead_ex {
            self.assigned.insert(*aid, h.id);
        }
        self.recent.push_back(PreflightRecord {
            id: h.id,
            at: h.at,
            ask: ask.clone(),
            outcome: outcome.clone(),
            claimed: linked,
        });
        let inferred = (failed && !linked).then(|| self.infer_request(&h, &ask, &origin, &outcome));
        self.remember_server(&h.ex);
        out(a.finish(h.ex));
        if let Some(i) = inferred {
            out(i);
        }
    }

    /// The request ahead in the window that `p` authorised: the recorder's link first, then a
    /// request that was never sent, then any other match; a failed preflight only pairs with a
    /// request that was never sent.
    fn find_request_ahead(&self, p: &Held, ask: &PreflightAsk) -> Option<usize> {
        let mut best: Option<(u8, usize)> = None;
        for (i, a) in self.buffer.iter().enumerate() {
            if is_preflight(&a.ex)
                || matches!(a.role, Role::ProxyUpstream(_))
                || self.assigned.contains_key(&a.id)
            {
                continue;
            }
            if a.at.secs_since(p.at).abs() > self.window_secs {
                continue;
            }
            let a_origin = fields::get(&a.ex.request.headers, "origin");
            if !could_pair(&p.ex, ask, &a.ex, a_origin.as_deref()) {
                continue;
            }
            let rank = if recorder_link(&p.ex, &a.ex) == Some(true) {
                0
            } else if stopped(&a.ex) {
                1
            } else {
                2
            };
            if best.is_none_or(|(r, _)| rank < r) {
                best = Some((rank, i));
            }
        }
        best.map(|(_, i)| i)
    }

    fn infer_request(
        &mut self,
        p: &Held,
        ask: &PreflightAsk,
        origin: &str,
        outcome: &PreflightOutcome,
    ) -> Assessment {
        let id = ExchangeId(self.next_inferred);
        self.next_inferred = self.next_inferred.wrapping_add(1);
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
        };
        let mut a = plain_parts(id, ExchangeKind::Cors, Some(origin.to_string()));
        a.sent = false;
        a.preflight = Some(p.id);
        a.verdict = Verdict::Blocked;
        a.note =
            Some("not in the recording: the failed preflight stopped it before it was sent".into());
        match outcome {
            PreflightOutcome::Failed(f) => a.causes.push(f.finding(&ctx)),
            PreflightOutcome::NetworkError(text) => a
                .causes
                .push(preflight_network_fault(p.id, text).finding(&ctx)),
            _ => {}
        }
        a.finish(ex)
    }

    fn process_actual(&mut self, h: Held, c: Classification, out: &mut dyn FnMut(Assessment)) {
        let url = h.ex.request.url.clone();
        let chain = self.chains.follow(&url, Some(h.at), self.window_secs);
        let revalidating =
            h.ex.response
                .as_ref()
                .is_some_and(|r| r.status == 304 || r.from_cache.is_some());
        let names = recorded_unsafe_names(&h.ex.request, revalidating);
        let method = normalize_method(&h.ex.request.method).into_owned();
        let needs_preflight = !is_cors_safelisted_method(&method) || !names.is_empty();
        let paired = self.find_preflight(&h, c.origin.as_deref(), needs_preflight || c.never_sent);
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
            .is_some_and(|ch| ch.tainted || hop_taints(&ch.page_origin, &ch.previous_url, &url));
        let credentials = Credentials::of(&h.ex.request);
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
            url: &url,
            initial_url: initial_url.as_deref(),
            page_origin: &shown_origin,
            request_origin: &request_origin,
            method: &h.ex.request.method,
            space: space_of(&h.ex),
        };
        if paired.is_none() && needs_preflight && !c.never_sent {
            if let Some(o) = origin.as_deref() {
                let actual = ActualRequest {
                    method: method.clone(),
                    unsafe_names: names.clone(),
                };
                let include = credentials == Credentials::Include;
                match self
                    .cache
                    .lookup(o, without_fragment(&url), h.at, &actual, include)
                {
                    Some(from) => a.preflight_cached_from = Some(from),
                    None => a
                        .warnings
                        .push(warnings::preflight_missing(&method, &names)),
                }
            }
        }
        let failure = h.ex.failure.clone();
        match (&h.ex.response, paired.as_ref().map(|p| &p.outcome)) {
            _ if failure.as_ref().is_some_and(|f| is_network_failure(f.kind)) => {
                a.verdict = Verdict::NetworkError;
                a.note = failure.map(|f| f.text);
                a.sent = h.ex.response.is_some();
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
                    .push(preflight_network_fault(pid, text).finding(&ctx));
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
                    faults.extend(pna.clone());
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
                a.sent = !c.never_sent;
                self.judge_unanswered(&h, &c, origin.as_deref(), &ctx, &mut a);
            }
            (Some(r), p) => {
                // Only an error response without the header needs its siblings (a window scan).
                let sibling_acao = r.status >= 400
                    && !r.headers.contains(super::check::ACAO)
                    && self.sibling_acao(&h.ex, p);
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
                a.causes = j.faults.iter().map(|f| f.finding(&ctx)).collect();
                if let Some(PreflightOutcome::Passed { conditional, .. }) = p {
                    a.causes.extend(conditional.iter().map(|f| f.finding(&ctx)));
                }
                a.warnings.extend(j.warnings);
                let reflected = self.reflected(&h.ex, r, &request_origin);
                a.warnings.extend(warnings::response_warnings(
                    r,
                    &request_origin,
                    reflected,
                    false,
                ));
                if is_redirect(r) && a.verdict != Verdict::Blocked {
                    if let (Some(to), Some(po)) = (location(r, &url), page_origin.clone()) {
                        self.chains.expect(
                            to.as_str(),
                            Chain {
                                initial_url: initial_url.clone().unwrap_or_else(|| url.clone()),
                                page_origin: po,
                                tainted,
                                previous: h.id,
                                previous_url: url.clone(),
                                at: h.at,
                            },
                        );
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
        self.remember_server(&h.ex);
        out(a.finish(h.ex));
    }

    /// A CORS request with no response and no failed preflight.
    fn judge_unanswered(
        &self,
        h: &Held,
        c: &Classification,
        origin: Option<&str>,
        ctx: &ReportContext<'_>,
        a: &mut Draft,
    ) {
        let generic =
            h.ex.failure
                .as_ref()
                .is_some_and(|f| f.kind == FailureKind::Generic);
        let scheme = url::Url::parse(&h.ex.request.url)
            .map(|u| u.scheme().to_string())
            .unwrap_or_default();
        if generic
            && !matches!(scheme.as_str(), "http" | "https" | "")
            && super::classify::is_script_request(&h.ex)
        {
            let mut f = Fault::new(crate::model::CauseId::CorsDisabledScheme, None);
            f.evidence.push(super::evidence::fact(
                crate::model::EvidenceSource::Request,
                h.id,
                h.ex.request.url.clone(),
                true,
                format!("scheme '{scheme}' does not support CORS"),
            ));
            a.sent = false;
            a.verdict = Verdict::Blocked;
            a.causes.push(f.finding(ctx));
            return;
        }
        a.verdict = Verdict::Indeterminate;
        a.note = Some(if origin.is_none() {
            "never sent and nothing in the recording tells its origin (no preflight, page or Referer)".into()
        } else if c.never_sent {
            "never sent, and no preflight for it is recorded: the cause is not in the recording"
                .into()
        } else {
            "no response was recorded".into()
        });
    }

    /// The preflight that authorised (or refused) an actual request: one the engine already
    /// assigned it, an unclaimed recent one, or one still ahead in the window.
    fn find_preflight(&mut self, h: &Held, origin: Option<&str>, look: bool) -> Option<Paired> {
        if let Some(pid) = self.assigned.remove(&h.id) {
            if let Some(r) = self.recent.iter().find(|r| r.id == pid) {
                return Some(Paired {
                    id: r.id,
                    ask: r.ask.clone(),
                    outcome: r.outcome.clone(),
                });
            }
        }
        if !look {
            return None;
        }
        let window = self.window_secs;
        if let Some(r) = self.recent.iter_mut().rev().find(|r| {
            !r.claimed
                && {
                    let d = h.at.secs_since(r.at);
                    (-1.0..=window).contains(&d)
                }
                && pair_record(r, &h.ex, origin)
        }) {
            r.claimed = true;
            return Some(Paired {
                id: r.id,
                ask: r.ask.clone(),
                outcome: r.outcome.clone(),
            });
        }
        let found = self.buffer.iter().find(|p| {
            is_preflight(&p.ex)
                && !self.claimed_ahead.contains(&p.id)
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
        let outcome = judge_preflight(
            found.id,
            &found.ex,
            &ask,
            &ask.actual_request(Some(&h.ex)),
            &p_origin,
            Credentials::of(&h.ex.request),
            &proxy,
        );
        let id = found.id;
        self.claimed_ahead.insert(id);
        Some(Paired { id, ask, outcome })
    }

    /// Whether other responses of the same server carry `Access-Control-Allow-Origin`: the
    /// preflight, earlier responses, or responses ahead in the window.
    fn sibling_acao(&self, ex: &Exchange, preflight: Option<&PreflightOutcome>) -> bool {
        if matches!(preflight, Some(PreflightOutcome::Passed { .. })) {
            return true;
        }
        let Some(server) = serialize_url_origin(&ex.request.url) else {
            return false;
        };
        self.acao_servers.contains(&server)
            || self.buffer.iter().any(|h| {
                h.ex.response
                    .as_ref()
                    .is_some_and(|r| r.headers.contains(super::check::ACAO))
                    && serialize_url_origin(&h.ex.request.url).as_deref() == Some(server.as_str())
            })
    }

    fn remember_server(&mut self, ex: &Exchange) {
        let Some(r) = &ex.response else { return };
        if !r.headers.contains(super::check::ACAO) {
            return;
        }
        let Some(server) = serialize_url_origin(&ex.request.url) else {
            return;
        };
        if !self.acao_servers.contains(&server) {
            self.acao_servers.push_back(server);
            if self.acao_servers.len() > STATE_ENTRIES {
                self.acao_servers.pop_front();
            }
        }
    }

    /// How many distinct origins this server echoed with credentials allowed, counting this
    /// response.
    fn reflected(&mut self, ex: &Exchange, r: &crate::model::Response, origin: &str) -> usize {
        let echoes = fields::get(&r.headers, super::check::ACAO).as_deref() == Some(origin)
            && fields::get(&r.headers, super::check::ACAC).as_deref() == Some("true");
        let Some(server) = serialize_url_origin(&ex.request.url) else {
            return 0;
        };
        if !echoes {
            return self.reflections.get(&server).map_or(0, BTreeSet::len);
        }
        if !self.reflections.contains_key(&server) && self.reflections.len() >= STATE_ENTRIES {
            if let Some(k) = self.reflections.keys().next().cloned() {
                self.reflections.remove(&k);
            }
        }
        let set = self.reflections.entry(server).or_default();
        if set.len() < 64 {
            set.insert(origin.to_string());
        }
        set.len()
    }
}

fn pair_record(r: &PreflightRecord, a: &Exchange, origin: Option<&str>) -> bool {
    without_fragment(&a.request.url) == r.ask.url
        && (normalize_method(&a.request.method) == r.ask.method.as_str()
            || a.request.method == r.ask.method)
        && match (origin, r.ask.origin.as_deref()) {
            (Some(a), Some(p)) => a == p,
            _ => true,
        }
}

/// The browser failed the request before it got a response (Chromium's `net::ERR_FAILED`).
fn stopped(ex: &Exchange) -> bool {
    ex.response.is_none()
        && ex
            .failure
            .as_ref()
            .is_some_and(|f| f.kind == FailureKind::Generic)
}

fn space_of(ex: &Exchange) -> Option<&'static str> {
    ex.endpoints
        .server
        .map(|s| s.ip())
        .or(ex.endpoints.server_ip)
        .map(|ip| AddressSpace::of(ip).as_str())
}

/// An assessment being built.
struct Draft {
    id: ExchangeId,
    kind: ExchangeKind,
    origin: Option<String>,
    page_origin: Option<String>,
    sent: bool,
    preflight: Option<ExchangeId>,
    preflight_cached_from: Option<ExchangeId>,
    verdict: Verdict,
    causes: Vec<crate::model::Finding>,
    warnings: Vec<Warning>,
    note: Option<String>,
}

impl Draft {
    fn finish(self, exchange: Exchange) -> Assessment {
        let mut warnings = self.warnings;
        let mut seen = BTreeSet::new();
        warnings.retain(|w| seen.insert((w.id, w.message.clone())));
        Assessment {
            id: self.id,
            exchange,
            kind: self.kind,
            origin: self.origin,
            page_origin: self.page_origin,
            sent: self.sent,
            preflight: self.preflight,
            preflight_cached_from: self.preflight_cached_from,
            verdict: self.verdict,
            causes: self.causes,
            warnings,
            note: self.note,
        }
    }
}

fn plain_parts(id: ExchangeId, kind: ExchangeKind, origin: Option<String>) -> Draft {
    Draft {
        id,
        kind,
        origin,
        page_origin: None,
        sent: true,
        preflight: None,
        preflight_cached_from: None,
        verdict: Verdict::NotApplicable,
        causes: Vec::new(),
        warnings: Vec::new(),
        note: None,
    }
}

fn plain(
    h: Held,
    kind: ExchangeKind,
    origin: Option<String>,
    verdict: Verdict,
    note: Option<String>,
) -> Assessment {
    let mut d = plain_parts(h.id, kind, origin);
    d.verdict = verdict;
    d.note = note;
    d.sent = h.ex.response.is_some() || h.ex.failure.is_none();
    d.finish(h.ex)
}
