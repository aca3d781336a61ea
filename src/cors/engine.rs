//! The engine proper: the reordering window, the state carried between exchanges (recent
//! preflights, each browser's preflight cache, redirect chains and HTTP-cache memory, what
//! servers sent and where they are), and the assembly of one assessment per exchange. The
//! checks themselves live in `verdict`, `check`, `preflight`; which browser an exchange is
//! judged as is the profile its options choose.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;
use std::sync::Arc;

use lru::LruCache;

mod clients;
mod draft;
mod facts;
mod preflights;
mod recent;
mod requests;
mod same_origin;
mod spaces;
mod unanswered;
mod window;

pub use clients::ClientKeying;
use clients::{ClientKey, ClientState, Clients};
use draft::{plain, plain_parts, Draft};
use facts::{pair_record, reached_network, request_unsafe_names, space_of, stopped, Claim};
use recent::RecentPreflights;
use spaces::Spaces;
use window::{HeldAs, Keys, Slot, WindowIndex};

use super::classify::{classify_with, Classification};
use super::fields;
use super::origin::serialize_url_origin;
use super::pairing::PreflightAsk;
use super::proxy::{compare_proxy_legs, ProxyDifference};
use super::verdict::PreflightOutcome;
use crate::model::{
    Assessment, BrowserChoice, BrowserProfile, Exchange, ExchangeId, ExchangeKind, Issue, Limits,
    Timestamp, Verdict,
};

/// Inferred exchanges are numbered from here, so they never collide with arrival numbers.
pub const INFERRED_BASE: u64 = 1 << 32;
/// With ids given by the caller ([`Engine::push_prepared_as`]), an inferred exchange's id is
/// its anchor's id with this bit set: the caller tells it apart and knows where it hangs.
pub const INFERRED_FLAG: u64 = 1 << 63;
/// Servers remembered for sibling and reflection evidence.
pub const STATE_ENTRIES: usize = 4096;

/// An input's browser state was forgotten for some clients to stay within
/// [`Limits::engine_client_entries`].
pub const ENGINE_CLIENTS_EVICTED: &str = "engine-client-state-evicted";

/// Requests recorded after their failed preflight had left the window and been judged
/// without them: the report also shows each as a request that preflight stopped, never sent.
pub const ENGINE_WINDOW_PASSED: &str = "engine-window-passed";

/// How an input is judged: as which browser, and how its clients are told apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineOptions {
    /// The browser whose verdicts are reproduced.
    pub browser: BrowserChoice,
    /// How the clients of a capture are told apart.
    pub clients: ClientKeying,
}

/// A held exchange and its role.
struct Held {
    id: ExchangeId,
    at: Timestamp,
    ex: Exchange,
    keys: Keys,
    /// The browser it belongs to.
    client: ClientKey,
    /// Taken when the exchange is judged.
    class: Option<Classification>,
    /// A preflight, a request never sent or another request, known from when it was
    /// prepared: the window indexes them apart, and a preflight's lookup for its request
    /// reads it without reading the exchanges held again (held for a window's worth of
    /// exchanges, they are out of cache by then).
    kind: HeldAs,
    /// The CORS-unsafe header names of a CORS request, taken when it is judged.
    unsafe_names: Option<Vec<String>>,
    role: Role,
}

/// An exchange with what the engine derives from it alone: lookup keys, classification and
/// the CORS-unsafe header names of a CORS request. [`Engine::prepare`] computes it, on any
/// thread; [`Engine::push_prepared`] judges it.
pub struct Prepared {
    /// Boxed from the start, so that the exchange is not copied again as it moves between
    /// threads and into the window; id, time, client and role are set when it is held.
    held: Box<Held>,
}

enum Role {
    Plain,
    ProxyClient(Vec<ProxyDifference>),
    /// The far side of a proxy; the client leg it belongs to was recorded here.
    ProxyUpstream(crate::model::Location),
}

/// A preflight judged already, kept while requests may still pair with it. What it asked
/// and its outcome are shared with the requests it pairs with, not copied for each.
struct PreflightRecord {
    id: ExchangeId,
    at: Timestamp,
    client: ClientKey,
    ask: Arc<PreflightAsk>,
    outcome: Arc<PreflightOutcome>,
    claimed: bool,
    /// It failed with no request in sight, and a request it stopped was inferred.
    inferred: bool,
}

/// The preflight an actual request was matched with.
struct Paired {
    id: ExchangeId,
    ask: Arc<PreflightAsk>,
    outcome: Arc<PreflightOutcome>,
}

/// Judges the exchanges of one input, in the order the input holds them.
pub struct Engine {
    options: EngineOptions,
    window: usize,
    window_secs: f64,
    next_id: u64,
    next_inferred: u64,
    /// Ids come from the caller, and inferred ones from their anchors.
    external_ids: bool,
    last_at: Timestamp,
    /// Boxed: the tree moves its entries as it splits and merges nodes.
    buffer: BTreeMap<Slot, Box<Held>>,
    index: WindowIndex,
    clients: Clients,
    recent: RecentPreflights,
    /// Preflights still in the window already claimed by a request, and what that request
    /// shows of its outcome.
    claimed_ahead: BTreeMap<ExchangeId, Claim>,
    assigned: BTreeMap<ExchangeId, ExchangeId>,
    /// Servers seen answering with `Access-Control-Allow-Origin`, the oldest forgotten first.
    acao_servers: LruCache<String, ()>,
    reflections: BTreeMap<String, BTreeSet<String>>,
    /// The address space each host was seen at.
    spaces: Spaces,
    /// Requests that paired with a preflight judged without them ([`ENGINE_WINDOW_PASSED`]).
    late_requests: u64,
}

impl Engine {
    /// A new engine for one input, judging as Chromium (or the browser each recording names).
    pub fn new(limits: &Limits) -> Self {
        Self::with_options(limits, EngineOptions::default())
    }

    /// A new engine for one input, judging as `options` say.
    pub fn with_options(limits: &Limits, options: EngineOptions) -> Self {
        let chains = limits.engine_window.clamp(1, STATE_ENTRIES);
        Self {
            options,
            window: limits.engine_window.max(1),
            window_secs: limits.engine_window_secs as f64,
            next_id: 0,
            next_inferred: INFERRED_BASE,
            external_ids: false,
            last_at: Timestamp(0),
            buffer: BTreeMap::new(),
            index: WindowIndex::default(),
            clients: Clients::new(
                limits.engine_client_entries,
                limits.engine_client_bytes,
                chains,
            ),
            recent: RecentPreflights::default(),
            claimed_ahead: BTreeMap::new(),
            assigned: BTreeMap::new(),
            acao_servers: LruCache::sparse(NonZeroUsize::MIN.saturating_add(STATE_ENTRIES - 1)),
            reflections: BTreeMap::new(),
            spaces: Spaces::new(STATE_ENTRIES),
            late_requests: 0,
        }
    }

    /// In-band issues of the input so far: clients whose browser state was forgotten, and
    /// requests recorded after the window had moved past their failed preflight.
    pub fn issues(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let evicted = self.clients.evicted();
        if evicted > 0 {
            issues.push(Issue::general(
                ENGINE_CLIENTS_EVICTED,
                format!(
                    "the browser state (preflight cache, redirect chains, HTTP cache) of {evicted} clients was forgotten to stay within the engine's bound on client state; their later requests are judged without it"
                ),
            ));
        }
        let late = self.late_requests;
        if late > 0 {
            issues.push(
                Issue::general(
                    ENGINE_WINDOW_PASSED,
                    format!(
                        "the engine's window ({} exchanges, {} s) moved past a failed preflight before its request was recorded, {late} times: the preflight was judged without it, and the request is also shown as one that preflight stopped, never sent (a larger --window holds them together)",
                        self.window, self.window_secs
                    ),
                )
                .times(late),
            );
        }
        issues
    }

    /// The profile an exchange is judged with.
    fn profile_of(&self, ex: &Exchange) -> &'static BrowserProfile {
        self.options.browser.profile(ex.recorder.browser)
    }

    /// Reads or changes the state of the browser `h` belongs to.
    fn client_state<R>(&mut self, h: &Held, f: impl FnOnce(&mut ClientState) -> R) -> R {
        let policy = self.profile_of(&h.ex).preflight_cache;
        self.clients.with(&h.client, &policy, f)
    }

    /// Takes exchanges of one input in recording order; emits assessments once final.
    pub fn push(&mut self, exchange: Exchange, out: &mut dyn FnMut(Assessment)) {
        self.push_prepared(Self::prepare(exchange), out);
    }

    /// Derives what judging `exchange` needs from it alone, so that a reader's thread can do
    /// it while the engine's thread judges earlier exchanges.
    pub fn prepare(exchange: Exchange) -> Prepared {
        let keys = Keys::of(&exchange);
        let class = classify_with(&exchange, keys.server(&exchange));
        let unsafe_names =
            (class.kind == ExchangeKind::Cors).then(|| request_unsafe_names(&exchange));
        let kind = HeldAs::of(super::classify::is_preflight(&exchange), stopped(&exchange));
        Prepared {
            held: Box::new(Held {
                id: ExchangeId(0),
                at: Timestamp(0),
                ex: exchange,
                keys,
                client: ClientKey::Unknown,
                class: Some(class),
                kind,
                unsafe_names,
                role: Role::Plain,
            }),
        }
    }

    /// [`Engine::push`] for an exchange [`Engine::prepare`] prepared.
    pub fn push_prepared(&mut self, prepared: Prepared, out: &mut dyn FnMut(Assessment)) {
        self.hold(prepared, Role::Plain, None);
        self.drain(out);
    }

    /// [`Engine::push_prepared`] with the id the caller gives (ids must grow with the order
    /// exchanges are pushed in). From the first such call on, an inferred exchange's id is
    /// its anchor's with [`INFERRED_FLAG`] set.
    pub fn push_prepared_as(
        &mut self,
        prepared: Prepared,
        id: ExchangeId,
        out: &mut dyn FnMut(Assessment),
    ) {
        self.external_ids = true;
        self.hold(prepared, Role::Plain, Some(id));
        self.drain(out);
    }

    /// The capture time of the oldest exchange still held, if any.
    pub fn oldest_held(&self) -> Option<Timestamp> {
        self.buffer.first_key_value().map(|((at, _), _)| *at)
    }

    /// Judges every held exchange that started before `t`: the caller's clock says no
    /// exchange it still holds can pair with them any more.
    pub fn flush_before(&mut self, t: Timestamp, out: &mut dyn FnMut(Assessment)) {
        while self.oldest_held().is_some_and(|at| at < t) {
            if let Some(h) = self.pop_front() {
                self.process(h, out);
            }
        }
    }

    /// The id of the request inferred from preflight `anchor`.
    fn inferred_id(&mut self, anchor: ExchangeId) -> ExchangeId {
        if self.external_ids {
            return ExchangeId(INFERRED_FLAG | anchor.0);
        }
        let id = ExchangeId(self.next_inferred);
        self.next_inferred = self.next_inferred.wrapping_add(1);
        id
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
        let mut differences = compare_proxy_legs(&client_leg, &upstream_leg);
        let upstream_at = upstream_leg.location;
        let client_at = client_leg.location;
        let client = self.hold(
            Self::prepare(client_leg),
            Role::ProxyClient(Vec::new()),
            None,
        );
        let upstream = self.hold(
            Self::prepare(upstream_leg),
            Role::ProxyUpstream(client_at),
            None,
        );
        for d in &mut differences {
            d.upstream_leg = Some((upstream.1, upstream_at));
        }
        if let Some(h) = self.buffer.get_mut(&client) {
            h.role = Role::ProxyClient(differences);
        }
        self.drain(out);
    }

    /// Emits everything still held.
    pub fn finish(&mut self, out: &mut dyn FnMut(Assessment)) {
        while let Some(h) = self.pop_front() {
            self.process(h, out);
        }
    }

    fn hold(&mut self, prepared: Prepared, role: Role, given: Option<ExchangeId>) -> Slot {
        let mut h = prepared.held;
        let id = given.unwrap_or(ExchangeId(self.next_id));
        self.next_id = self.next_id.wrapping_add(1);
        let at = h.ex.timing.started.unwrap_or(self.last_at);
        self.last_at = self.last_at.max(at);
        self.index.add((at, id), &h.ex, &h.keys, h.kind);
        h.client = self.options.clients.key(&h.ex);
        (h.id, h.at, h.role) = (id, at, role);
        self.buffer.insert((at, id), h);
        (at, id)
    }

    fn pop_front(&mut self) -> Option<Box<Held>> {
        let (_, h) = self.buffer.pop_first()?;
        self.index.remove((h.at, h.id), &h.ex, &h.keys, h.kind);
        Some(h)
    }

    fn drain(&mut self, out: &mut dyn FnMut(Assessment)) {
        loop {
            // Read from the keys: the exchange at the front has waited a window's worth and
            // is out of cache.
            let span = match (self.buffer.first_key_value(), self.buffer.last_key_value()) {
                (Some((&(first, _), _)), Some((&(last, _), _))) => last.secs_since(first),
                _ => return,
            };
            if self.buffer.len() <= self.window && span <= self.window_secs {
                return;
            }
            if let Some(h) = self.pop_front() {
                self.process(h, out);
            }
        }
    }

    fn process(&mut self, mut h: Box<Held>, out: &mut dyn FnMut(Assessment)) {
        self.forget_old(h.at);
        self.correlate_proxy_legs(&mut h);
        let mut c = h
            .class
            .take()
            .unwrap_or_else(|| classify_with(&h.ex, h.keys.server(&h.ex)));
        // A request a preflight was sent for, by the recorder's own ids, is a CORS request
        // even when the recorder kept only its provisional headers (chrome-har, when the
        // protocol's extra info came before the request): its origin is the preflight's.
        if c.kind == ExchangeKind::NotCors
            && c.origin.is_none()
            && h.ex.recorder.request_id.is_some()
            && self.assigned.contains_key(&h.id)
        {
            c.kind = ExchangeKind::Cors;
            c.note = None;
        }
        let (id, at) = (h.id, h.at);
        let ex = &h.ex;
        self.clients.with(
            &h.client,
            &self
                .options
                .browser
                .profile(ex.recorder.browser)
                .preflight_cache,
            |s| s.http.remember(id, at, ex),
        );
        self.spaces.remember(&h.ex, h.keys.server(&h.ex));
        if let Role::ProxyUpstream(client_at) = h.role {
            let note = format!(
                "proxy-to-origin-server leg of the exchange at {client_at}: judged on the client leg"
            );
            out(plain(
                h,
                ExchangeKind::NotCors,
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
                self.remember_server(&h);
                out(self.process_other(h, c));
            }
        }
    }

    /// Finds, still ahead in the window, the far side of a proxy for a captured exchange:
    /// the same method and target, sent from the address the client leg went to, starting
    /// after the client leg and answered before it. A capture taken on a proxy host
    /// (`tcpdump -i any`) holds both legs; the client leg is then judged with what the proxy
    /// changed, and the upstream leg points at it.
    fn correlate_proxy_legs(&mut self, h: &mut Held) {
        if !matches!(h.role, Role::Plain) {
            return;
        }
        let Some(server) = h.ex.endpoints.server.filter(|_| h.ex.response.is_some()) else {
            return;
        };
        // The upstream leg is sent from the server's address: most captures hold no client
        // there, and the exchanges with the same target are not read.
        if !self.index.has_client(server.ip()) {
            return;
        }
        let origin = h.ex.request.headers.first("origin");
        let ends = h.ex.timing.response_started.or(h.ex.timing.finished);
        let found = self.index.same_target(&h.keys).copied().find(|slot| {
            self.buffer.get(slot).is_some_and(|u| {
                matches!(u.role, Role::Plain)
                    && u.keys.target(&u.ex) == h.keys.target(&h.ex)
                    && u.at >= h.at
                    && u.ex.response.is_some()
                    && u.ex.endpoints.client.is_some_and(|c| c.ip() == server.ip())
                    && u.ex.endpoints.server.is_some_and(|s| s != server)
                    && u.ex.request.headers.first("origin") == origin
                    && match (u.ex.timing.response_started, ends) {
                        (Some(a), Some(b)) => a <= b,
                        _ => true,
                    }
            })
        });
        if let Some(u) = found.and_then(|slot| self.buffer.get_mut(&slot)) {
            u.role = Role::ProxyUpstream(h.ex.location);
            let mut differences = compare_proxy_legs(&h.ex, &u.ex);
            for d in &mut differences {
                d.upstream_leg = Some((u.id, u.ex.location));
            }
            h.role = Role::ProxyClient(differences);
        }
    }

    fn forget_old(&mut self, now: Timestamp) {
        self.recent.forget_old(now, self.window_secs, STATE_ENTRIES);
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

    fn remember_server(&mut self, h: &Held) {
        let Some(r) = &h.ex.response else { return };
        if !r.headers.contains(super::check::ACAO) {
            return;
        }
        let Some(server) = h.keys.server(&h.ex) else {
            return;
        };
        if !self.acao_servers.contains(server) {
            self.acao_servers.push(server.to_string(), ());
        }
    }

    /// How many distinct origins this server echoed with credentials allowed, counting this
    /// response.
    fn reflected(&mut self, h: &Held, r: &crate::model::Response, origin: &str) -> usize {
        let echoes = fields::get(&r.headers, super::check::ACAO).as_deref() == Some(origin)
            && fields::get(&r.headers, super::check::ACAC).as_deref() == Some("true");
        let Some(server) = h.keys.server(&h.ex) else {
            return 0;
        };
        if !echoes {
            return self.reflections.get(server).map_or(0, BTreeSet::len);
        }
        if !self.reflections.contains_key(server) && self.reflections.len() >= STATE_ENTRIES {
            if let Some(k) = self.reflections.keys().next().cloned() {
                self.reflections.remove(&k);
            }
        }
        let set = self.reflections.entry(server.to_string()).or_default();
        if set.len() < 64 {
            set.insert(origin.to_string());
        }
        set.len()
    }
}
