//! Browser state belongs to one browser: the preflight cache, the redirect chains in flight and
//! what the HTTP cache may hold are kept per client. A capture taken at a load balancer holds
//! thousands of browsers, and one browser's cached preflight never authorises another's
//! request. A client is told by its address (the capture's client endpoint), or, when the
//! capture point sits behind a proxy and the run trusts it, by the first address of
//! `X-Forwarded-For` / the first `for=` of `Forwarded`. A HAR is one browser: its exchanges
//! have no client address and share one state.
//!
//! Memory: the states are an LRU over clients with two global bounds: on entries (each client
//! counts its cached preflights, open redirect chains and remembered responses, and at least
//! one) and on their estimated bytes (`footprint`: URLs, origins and header names vary in
//! length, so entries alone do not bound memory). When either bound is passed the least
//! recently used client is forgotten, and each such eviction is counted for the input's issues.

use std::net::IpAddr;

use lru::LruCache;

use super::super::fields;
use super::super::footprint;
use super::super::http_cache::HttpCache;
use super::super::preflight_cache::PreflightCache;
use super::super::redirect::RedirectChains;
use crate::model::browser::PreflightCachePolicy;
use crate::model::Exchange;

/// Who a client is: its address, or the forwarded client a proxy names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum ClientKey {
    /// The recording has no client address (a HAR: one browser).
    Unknown,
    /// An address.
    Address(IpAddr),
    /// A forwarded client that is not an address (`Forwarded: for=_hidden`).
    Named(Box<str>),
}

/// How clients are told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClientKeying {
    /// By the client address of the capture.
    #[default]
    Address,
    /// By `X-Forwarded-For` (first address) or `Forwarded` (first `for=`), falling back to the
    /// client address: for captures taken behind a proxy that adds them.
    Forwarded,
}

impl ClientKeying {
    /// The client an exchange belongs to, as text (an address, or the name a proxy gave);
    /// `None` when the recording has no client address (a HAR: one browser).
    pub fn client_name(self, ex: &Exchange) -> Option<String> {
        match self.key(ex) {
            ClientKey::Unknown => None,
            ClientKey::Address(ip) => Some(ip.to_string()),
            ClientKey::Named(name) => Some(name.into_string()),
        }
    }

    /// The client an exchange belongs to.
    pub(super) fn key(self, ex: &Exchange) -> ClientKey {
        if self == ClientKeying::Forwarded {
            if let Some(f) = forwarded_client(ex) {
                return match f.parse::<IpAddr>() {
                    Ok(ip) => ClientKey::Address(ip),
                    Err(_) => ClientKey::Named(f.into_boxed_str()),
                };
            }
        }
        ex.endpoints
            .client
            .map_or(ClientKey::Unknown, |c| ClientKey::Address(c.ip()))
    }
}

/// The original client a proxy names: the first element of `X-Forwarded-For`, else the first
/// `for=` of `Forwarded` (RFC 7239, quotes, brackets and a port removed).
fn forwarded_client(ex: &Exchange) -> Option<String> {
    let h = &ex.request.headers;
    if let Some(xff) = fields::get(h, "x-forwarded-for") {
        if let Some(first) = fields::split_list(&xff).next() {
            return Some(first.to_string());
        }
    }
    let forwarded = fields::get(h, "forwarded")?;
    let element = fields::split_list(&forwarded).next()?;
    let value = element.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        fields::trim_ows(k)
            .eq_ignore_ascii_case("for")
            .then(|| fields::trim_ows(v))
    })?;
    let v = value.trim_matches('"');
    let host = match v.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => v.rsplit_once(':').map_or(v, |(h, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') {
                h
            } else {
                v
            }
        }),
    };
    (!host.is_empty()).then(|| host.to_string())
}

/// The state of one browser.
pub(super) struct ClientState {
    /// Its preflight cache.
    pub preflights: PreflightCache,
    /// Its redirect chains awaiting their next hop.
    pub chains: RedirectChains,
    /// What its HTTP cache may hold.
    pub http: HttpCache,
}

impl ClientState {
    fn entries(&self) -> usize {
        1 + self.preflights.len() + self.chains.len() + self.http.len()
    }

    /// Estimated bytes of this state, its key included.
    fn bytes(&self, key: &ClientKey) -> usize {
        let name = match key {
            ClientKey::Named(n) => footprint::string(n),
            ClientKey::Unknown | ClientKey::Address(_) => 0,
        };
        // Each of the three maps allocates its two sentinel nodes when made.
        footprint::lru_entry::<(ClientKey, ClientState)>()
            + name
            + 3 * 2 * footprint::BLOCK
            + self.preflights.bytes()
            + self.chains.bytes()
            + self.http.bytes()
    }
}

/// Every client's state, bounded.
pub(super) struct Clients {
    states: LruCache<ClientKey, ClientState>,
    entries: usize,
    max_entries: usize,
    bytes: usize,
    max_bytes: usize,
    chains_per_client: usize,
    evicted: u64,
}

impl Clients {
    /// At most `max_entries` entries and `max_bytes` estimated bytes over all clients; each
    /// client keeps at most `chains_per_client` open redirect chains.
    pub fn new(max_entries: usize, max_bytes: usize, chains_per_client: usize) -> Self {
        Self {
            states: LruCache::unbounded(),
            entries: 0,
            max_entries: max_entries.max(1),
            bytes: 0,
            max_bytes,
            chains_per_client,
            evicted: 0,
        }
    }

    /// Reads or changes a client's state (created on first use with `policy`'s preflight
    /// cache), then keeps the global bound.
    pub fn with<R>(
        &mut self,
        key: &ClientKey,
        policy: &PreflightCachePolicy,
        f: impl FnOnce(&mut ClientState) -> R,
    ) -> R {
        let chains = self.chains_per_client;
        // One lookup: the key is cloned only when the client is new.
        let mut created = false;
        let state = self.states.get_or_insert_mut_ref(key, || {
            created = true;
            ClientState {
                preflights: PreflightCache::new(*policy),
                chains: RedirectChains::new(chains),
                http: HttpCache::new(),
            }
        });
        let (before, before_bytes) = match created {
            false => (state.entries(), state.bytes(key)),
            true => (0, 0),
        };
        let out = f(state);
        let (after, after_bytes) = (state.entries(), state.bytes(key));
        self.entries = self.entries.saturating_sub(before).saturating_add(after);
        self.bytes = self
            .bytes
            .saturating_sub(before_bytes)
            .saturating_add(after_bytes);
        self.shrink(key);
        out
    }

    /// Forgets least recently used clients (never `keep`) while over the bound.
    fn shrink(&mut self, keep: &ClientKey) {
        while (self.entries > self.max_entries || self.bytes > self.max_bytes)
            && self.states.len() > 1
        {
            let Some((k, _)) = self.states.peek_lru() else {
                return;
            };
            if k == keep {
                self.states.promote(keep);
                continue;
            }
            if let Some((k, gone)) = self.states.pop_lru() {
                self.entries = self.entries.saturating_sub(gone.entries());
                self.bytes = self.bytes.saturating_sub(gone.bytes(&k));
                self.evicted += 1;
            }
        }
    }

    /// How many clients' states were forgotten to keep the bound.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Entries held over all clients.
    #[cfg(test)]
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Estimated bytes held over all clients.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::browser::CHROMIUM;
    use crate::model::{EntryIndex, Location, Request};

    fn ex(client: Option<&str>, headers: &[(&str, &str)]) -> Exchange {
        let mut e = Exchange::new(Location::Entry(EntryIndex(0)), Request::default());
        e.endpoints.client = client.map(|c| c.parse().unwrap_or_else(|_| unreachable!()));
        for (n, v) in headers {
            e.request.headers.push(*n, *v);
        }
        e
    }

    #[test]
    fn clients_by_address_or_forwarded_for() {
        let ip = |s: &str| ClientKey::Address(s.parse().unwrap_or_else(|_| unreachable!()));
        let a = ex(
            Some("10.0.0.1:5000"),
            &[("X-Forwarded-For", "203.0.113.7, 10.0.0.9")],
        );
        assert_eq!(ClientKeying::Address.key(&a), ip("10.0.0.1"));
        assert_eq!(ClientKeying::Forwarded.key(&a), ip("203.0.113.7"));
        let cases = [
            (
                "for=192.0.2.60;proto=http;by=203.0.113.43",
                ip("192.0.2.60"),
            ),
            ("For=\"[2001:db8:cafe::17]:4711\"", ip("2001:db8:cafe::17")),
            ("for=192.0.2.43:8080, for=198.51.100.17", ip("192.0.2.43")),
            ("for=_hidden", ClientKey::Named("_hidden".into())),
        ];
        for (forwarded, want) in cases {
            let e = ex(Some("10.0.0.1:5000"), &[("Forwarded", forwarded)]);
            assert_eq!(ClientKeying::Forwarded.key(&e), want, "{forwarded}");
        }
        let plain = ex(Some("10.0.0.1:5000"), &[]);
        assert_eq!(ClientKeying::Forwarded.key(&plain), ip("10.0.0.1"));
        assert_eq!(
            ClientKeying::Address.key(&ex(None, &[])),
            ClientKey::Unknown
        );
    }

    #[test]
    fn least_recent_clients_are_evicted_and_counted() {
        let mut c = Clients::new(10, usize::MAX, 4);
        let policy = CHROMIUM.preflight_cache;
        for i in 0..20u8 {
            let key = ClientKey::Address(IpAddr::from([10, 0, 0, i]));
            c.with(&key, &policy, |_| ());
            assert!(c.entries() <= 10, "{}", c.entries());
        }
        assert_eq!(c.evicted(), 10);
    }

    #[test]
    fn the_bound_in_bytes_holds_whatever_the_entries_hold() {
        use crate::cors::preflight::PreflightResult;
        use crate::model::{ExchangeId, Timestamp};
        let budget = 16 << 10;
        let mut c = Clients::new(usize::MAX, budget, 4);
        let policy = CHROMIUM.preflight_cache;
        let result = PreflightResult {
            methods: vec!["PUT".into()],
            headers: vec!["x-a".into()],
            credentials: false,
            max_age: Some("600".into()),
        };
        let mut held = 0;
        for i in 0..64u8 {
            let key = ClientKey::Address(IpAddr::from([10, 0, 0, i]));
            let url = format!("https://api.example/{}", "p".repeat(usize::from(i) * 12));
            let origin = "https://app.example";
            held = c.with(&key, &policy, |s| {
                s.preflights
                    .insert(origin, &url, ExchangeId(0), &result, Timestamp(0));
                s.preflights.bytes()
            });
            assert!(c.bytes() <= budget, "{} > {budget}", c.bytes());
        }
        assert!(held > 1000, "a long URL costs its length: {held}");
        assert!(c.evicted() > 0);
        // Each client holds one entry, far under an entry bound of 64 clients: the bytes evicted.
        assert!(c.entries() < 2 * 64);
        // Forgetting every client brings the count back to nothing.
        let mut all = Clients::new(1, usize::MAX, 4);
        let key = ClientKey::Address(IpAddr::from([10, 0, 0, 1]));
        all.with(&key, &policy, |s| {
            s.preflights
                .insert("o", "/u", ExchangeId(0), &result, Timestamp(0))
        });
        let other = ClientKey::Address(IpAddr::from([10, 0, 0, 2]));
        all.with(&other, &policy, |_| ());
        let fresh = Clients::new(1, usize::MAX, 4);
        let mut fresh = fresh;
        fresh.with(&other, &policy, |_| ());
        assert_eq!(all.bytes(), fresh.bytes());
    }
}
