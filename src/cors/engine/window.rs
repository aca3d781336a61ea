//! Lookups into the reordering window by what pairing asks for, so that each exchange costs
//! the few exchanges that share its URL or target rather than a scan of the whole window:
//! the same URL (preflights and the requests they authorise), the same method and target
//! (the two legs of a proxy), and servers whose held responses carry
//! `Access-Control-Allow-Origin`. Entries are `(start, id)`, the window's own order, so
//! candidates come out in window order and results stay deterministic.
//!
//! The keys of an exchange are derived once ([`Keys`]), from one parse of its URL, with their
//! hashes: the maps are keyed by hash, and callers compare the keys of the candidates they
//! get, so a collision can only cost a comparison. Keys are ranges of the URL wherever it
//! spells them, read back with their exchange.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::ops::Range;

use foldhash::fast::FixedState;
use foldhash::HashMap;

use super::super::check::ACAO;
use super::super::origin::without_fragment;
use super::super::plain_url;
use crate::model::{Exchange, ExchangeId, Timestamp};

/// Where an exchange sits in the window: its start, then its arrival number.
pub(super) type Slot = (Timestamp, ExchangeId);

/// What the engine looks an exchange up by, derived once from its request. The text of each
/// key is a range of the request's URL whenever the URL spells it (nearly always), so that
/// deriving keys allocates nothing: the keys are read back with the exchange they were
/// derived from.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    /// Where the URL's fragment starts (its length when it has none).
    url_end: usize,
    /// The request target: path and query, what a proxy forwards unchanged (with the
    /// method, [`Keys::target`]); the URL itself when it does not parse.
    target: Piece,
    /// The serialized origin of the URL (the server), when it parses.
    server: Option<Piece>,
    url_hash: u64,
    target_hash: u64,
}

/// Text a key is made of: a range of the request's URL, or text of its own where parsing
/// rewrote the URL.
#[derive(Debug, Clone)]
enum Piece {
    Url(Range<usize>),
    Own(Box<str>),
}

impl Piece {
    fn text<'a>(&'a self, url: &'a str) -> &'a str {
        match self {
            Piece::Url(r) => url.get(r.clone()).unwrap_or_default(),
            Piece::Own(s) => s,
        }
    }
}

fn hash(s: impl Hash) -> u64 {
    FixedState::with_seed(0x636f_7273_636f_7065).hash_one(s)
}

impl Keys {
    /// The keys of `ex`.
    pub fn of(ex: &Exchange) -> Self {
        let raw = ex.request.url.as_str();
        let url = without_fragment(raw);
        let (target, server) = match plain_url::parts(raw) {
            Some(p) => {
                let at = raw.len() - p.after.len();
                let query_len = p.query.map_or(0, |q| q.len() + 1);
                // A path left empty is read as `/`, which the URL does not spell.
                let target = if p.after.starts_with('/') {
                    Piece::Url(at..at + p.path.len() + query_len)
                } else {
                    Piece::Own(target_text(p.path, p.query))
                };
                let server = match p.origin {
                    Cow::Borrowed(o) => Piece::Url(0..o.len()),
                    Cow::Owned(o) => Piece::Own(o.into()),
                };
                (target, Some(server))
            }
            None => match url::Url::parse(raw) {
                Ok(u) => (
                    Piece::Own(target_text(u.path(), u.query())),
                    Some(Piece::Own(u.origin().ascii_serialization().into())),
                ),
                Err(_) => (Piece::Url(0..raw.len()), None),
            },
        };
        Self {
            url_hash: hash(url),
            target_hash: hash((ex.request.method.as_str(), target.text(raw))),
            url_end: url.len(),
            target,
            server,
        }
    }

    /// The URL without its fragment; `ex` is the exchange the keys were derived from.
    pub fn url<'a>(&self, ex: &'a Exchange) -> &'a str {
        ex.request.url.get(..self.url_end).unwrap_or_default()
    }

    /// The method and request target; `ex` is the exchange the keys were derived from.
    pub fn target<'a>(&'a self, ex: &'a Exchange) -> (&'a str, &'a str) {
        (&ex.request.method, self.target.text(&ex.request.url))
    }

    /// The serialized origin of the URL (the server), when it parses; `ex` is the exchange
    /// the keys were derived from.
    pub fn server<'a>(&'a self, ex: &'a Exchange) -> Option<&'a str> {
        self.server.as_ref().map(|s| s.text(&ex.request.url))
    }
}

/// A path and query as the request target spells them.
fn target_text(path: &str, query: Option<&str>) -> Box<str> {
    match query {
        Some(q) => format!("{path}?{q}").into(),
        None => path.into(),
    }
}

/// What an exchange is held as, for the lookups by URL.
#[derive(Clone, Copy, Debug)]
pub(super) enum HeldAs {
    /// A preflight.
    Preflight,
    /// Any other exchange; `stopped` when the recording shows it was never sent.
    Request {
        /// Never sent.
        stopped: bool,
    },
}

impl HeldAs {
    /// The kind of an exchange that is a preflight or not, and was sent or not.
    pub(super) fn of(preflight: bool, stopped: bool) -> Self {
        match preflight {
            true => HeldAs::Preflight,
            false => HeldAs::Request { stopped },
        }
    }

    /// Whether it is a request never sent.
    pub(super) fn stopped(self) -> bool {
        matches!(self, HeldAs::Request { stopped: true })
    }
}

/// Indexes of the held exchanges.
#[derive(Debug, Default)]
pub(super) struct WindowIndex {
    /// Preflights by URL, for the request that looks for its preflight.
    preflights_by_url: HashMap<u64, Slots>,
    /// Every other exchange by URL, for the preflight that looks for its request. Apart, so
    /// that neither lookup passes over the other kind (one URL called thousands of times in a
    /// window, as a GraphQL endpoint is, made each request walk every other one held).
    requests_by_url: HashMap<u64, Slots>,
    /// Those of them the recording shows were never sent, which rank before the others.
    /// Requests leave both when a preflight is assigned to them.
    stopped_by_url: HashMap<u64, Slots>,
    by_target: HashMap<u64, Slots>,
    acao_by_server: HashMap<String, usize>,
    /// Exchanges held per client address.
    clients: HashMap<IpAddr, usize>,
}

/// The held exchanges of one key, in window order. Most keys have one exchange held at a
/// time, kept in place; more (one URL polled, or a GraphQL endpoint, many times in a window)
/// go to a queue, which exchanges leave from the front.
#[derive(Debug)]
enum Slots {
    One(Slot),
    Many(VecDeque<Slot>),
}

impl Slots {
    fn as_slices(&self) -> (&[Slot], &[Slot]) {
        match self {
            Slots::One(s) => (std::slice::from_ref(s), &[]),
            Slots::Many(q) => q.as_slices(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Slot> {
        let (a, b) = self.as_slices();
        a.iter().chain(b)
    }
}

fn insert(map: &mut HashMap<u64, Slots>, key: u64, slot: Slot) {
    match map.entry(key) {
        Entry::Vacant(v) => {
            v.insert(Slots::One(slot));
        }
        Entry::Occupied(mut o) => {
            let list = o.get_mut();
            if let Slots::One(first) = *list {
                *list = Slots::Many(VecDeque::from([first]));
            }
            if let Slots::Many(q) = list {
                let at = q.partition_point(|s| *s <= slot);
                q.insert(at, slot);
            }
        }
    }
}

fn remove(map: &mut HashMap<u64, Slots>, key: u64, slot: Slot) {
    let Entry::Occupied(mut o) = map.entry(key) else {
        return;
    };
    let empty = match o.get_mut() {
        Slots::One(s) => *s == slot,
        Slots::Many(q) => {
            // Exchanges leave the window oldest first: the slot is nearly always the first.
            if q.front() == Some(&slot) {
                q.pop_front();
            } else if let Some(i) = q.iter().position(|s| *s == slot) {
                q.remove(i);
            }
            q.is_empty()
        }
    };
    if empty {
        o.remove();
    }
}

fn acao_server<'k>(ex: &'k Exchange, keys: &'k Keys) -> Option<&'k str> {
    let r = ex.response.as_ref()?;
    if !r.headers.contains(ACAO) {
        return None;
    }
    keys.server(ex)
}

impl WindowIndex {
    /// Indexes an exchange entering the window.
    pub(super) fn add(&mut self, slot: Slot, ex: &Exchange, keys: &Keys, kind: HeldAs) {
        for by_url in self.by_url(kind) {
            insert(by_url, keys.url_hash, slot);
        }
        insert(&mut self.by_target, keys.target_hash, slot);
        if let Some(client) = ex.endpoints.client {
            *self.clients.entry(client.ip()).or_insert(0) += 1;
        }
        if let Some(server) = acao_server(ex, keys) {
            match self.acao_by_server.get_mut(server) {
                Some(n) => *n += 1,
                None => {
                    self.acao_by_server.insert(server.to_string(), 1);
                }
            }
        }
    }

    /// Forgets an exchange leaving the window.
    pub(super) fn remove(&mut self, slot: Slot, ex: &Exchange, keys: &Keys, kind: HeldAs) {
        self.forget_by_url(slot, keys, kind);
        remove(&mut self.by_target, keys.target_hash, slot);
        if let Some(client) = ex.endpoints.client {
            if let Entry::Occupied(mut held) = self.clients.entry(client.ip()) {
                *held.get_mut() -= 1;
                if *held.get() == 0 {
                    held.remove();
                }
            }
        }
        if let Some(server) = acao_server(ex, keys) {
            if let Some(n) = self.acao_by_server.get_mut(server) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.acao_by_server.remove(server);
                }
            }
        }
    }

    /// Held preflights whose URL (without fragment) hashes like `keys.url`, in window order:
    /// the caller compares the URLs.
    pub(super) fn preflights_at(&self, keys: &Keys) -> impl Iterator<Item = &Slot> {
        self.preflights_by_url
            .get(&keys.url_hash)
            .into_iter()
            .flat_map(Slots::iter)
    }

    /// Forgets an exchange in the lookups by URL: a request a preflight was assigned to, or
    /// any exchange leaving the window. Forgetting one twice changes nothing.
    pub(super) fn forget_by_url(&mut self, slot: Slot, keys: &Keys, kind: HeldAs) {
        for by_url in self.by_url(kind) {
            remove(by_url, keys.url_hash, slot);
        }
    }

    /// The lookups by URL an exchange held as `kind` is in.
    fn by_url(&mut self, kind: HeldAs) -> impl Iterator<Item = &mut HashMap<u64, Slots>> {
        let (first, stopped) = match kind {
            HeldAs::Preflight => (&mut self.preflights_by_url, None),
            HeldAs::Request { stopped } => (
                &mut self.requests_by_url,
                stopped.then_some(&mut self.stopped_by_url),
            ),
        };
        std::iter::once(first).chain(stopped)
    }

    /// Held requests never sent whose URL (without fragment) hashes like `keys.url`, in
    /// window order: the caller compares the URLs.
    pub(super) fn stopped_at(&self, keys: &Keys) -> impl Iterator<Item = &Slot> {
        self.stopped_by_url
            .get(&keys.url_hash)
            .into_iter()
            .flat_map(Slots::iter)
    }

    /// Held exchanges other than preflights whose URL (without fragment) hashes like
    /// `keys.url`, in window order: the caller compares the URLs.
    pub(super) fn requests_at(&self, keys: &Keys) -> impl Iterator<Item = &Slot> {
        self.requests_by_url
            .get(&keys.url_hash)
            .into_iter()
            .flat_map(Slots::iter)
    }

    /// Held exchanges whose method and target hash like `keys.target`, in window order: the
    /// caller compares the targets.
    pub(super) fn same_target(&self, keys: &Keys) -> impl Iterator<Item = &Slot> {
        self.by_target
            .get(&keys.target_hash)
            .into_iter()
            .flat_map(Slots::iter)
    }

    /// Whether an exchange sent from `ip` is held.
    pub(super) fn has_client(&self, ip: IpAddr) -> bool {
        self.clients.contains_key(&ip)
    }

    /// Whether a held response of this server (serialized origin) carries
    /// `Access-Control-Allow-Origin`.
    pub(super) fn server_has_acao(&self, server: &str) -> bool {
        self.acao_by_server.contains_key(server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryIndex, Location, Request};

    fn ex(method: &str, url: &str) -> Exchange {
        let request = Request {
            method: method.to_string(),
            url: url.to_string(),
            ..Request::default()
        };
        Exchange::new(Location::Entry(EntryIndex(0)), request)
    }

    /// The keys as text: URL, method and target, server.
    fn texts(method: &str, url: &str) -> (String, (String, String), Option<String>) {
        let e = ex(method, url);
        let k = Keys::of(&e);
        let (m, t) = k.target(&e);
        (
            k.url(&e).to_string(),
            (m.to_string(), t.to_string()),
            k.server(&e).map(str::to_string),
        )
    }

    #[test]
    fn keys_read_what_the_url_parser_reads() {
        let cases = [
            // Plain URLs: every key a range of the URL.
            (
                "https://api.test/v1/x?a=1#frag",
                "https://api.test/v1/x?a=1",
                "/v1/x?a=1",
                Some("https://api.test"),
            ),
            (
                "http://a.test:8080/",
                "http://a.test:8080/",
                "/",
                Some("http://a.test:8080"),
            ),
            // A default port is not part of the origin; an empty path is `/`.
            (
                "http://a.test:80/p",
                "http://a.test:80/p",
                "/p",
                Some("http://a.test"),
            ),
            (
                "https://a.test?q",
                "https://a.test?q",
                "/?q",
                Some("https://a.test"),
            ),
            (
                "https://a.test#f",
                "https://a.test",
                "/",
                Some("https://a.test"),
            ),
            // Left to the WHATWG parser: upper-case host, dot segments, an IP address.
            (
                "HTTPS://API.test/a/../b?x y",
                "HTTPS://API.test/a/../b?x y",
                "/b?x%20y",
                Some("https://api.test"),
            ),
            (
                "http://192.0.2.1:80/",
                "http://192.0.2.1:80/",
                "/",
                Some("http://192.0.2.1"),
            ),
            // Not a URL: the target is the text as recorded, and there is no server.
            ("not a url", "not a url", "not a url", None),
        ];
        for (url, want_url, want_target, want_server) in cases {
            let (u, (m, t), s) = texts("PUT", url);
            assert_eq!(u, want_url, "{url}");
            assert_eq!((m.as_str(), t.as_str()), ("PUT", want_target), "{url}");
            assert_eq!(s.as_deref(), want_server, "{url}");
        }
    }

    #[test]
    fn equal_keys_hash_alike_and_targets_tell_methods_apart() {
        let (a, b) = (
            ex("GET", "https://a.test/x?y#one"),
            ex("GET", "https://a.test/x?y#two"),
        );
        let (ka, kb) = (Keys::of(&a), Keys::of(&b));
        assert_eq!((ka.url_hash, ka.target_hash), (kb.url_hash, kb.target_hash));
        // The same target, spelled by the parser in one and by the URL in the other.
        let c = ex("GET", "https://A.test/x?y");
        let kc = Keys::of(&c);
        assert_eq!(kc.target(&c), ka.target(&a));
        assert_eq!(kc.target_hash, ka.target_hash);
        let d = ex("POST", "https://a.test/x?y");
        let kd = Keys::of(&d);
        assert_eq!(kd.url_hash, ka.url_hash);
        assert_ne!(kd.target(&d), ka.target(&a));
    }

    #[test]
    fn slots_stay_in_window_order_as_they_come_and_go() {
        let mut map: HashMap<u64, Slots> = HashMap::default();
        let slot = |t: i64, id: u64| (Timestamp(t), ExchangeId(id));
        let listed = |map: &HashMap<u64, Slots>| -> Vec<u64> {
            map.get(&7)
                .into_iter()
                .flat_map(Slots::iter)
                .map(|s| s.1 .0)
                .collect()
        };
        insert(&mut map, 7, slot(2, 2));
        assert!(matches!(map.get(&7), Some(Slots::One(_))));
        insert(&mut map, 7, slot(1, 1));
        insert(&mut map, 7, slot(3, 3));
        insert(&mut map, 7, slot(2, 4));
        assert_eq!(listed(&map), [1, 2, 4, 3]);
        remove(&mut map, 7, slot(2, 4));
        remove(&mut map, 7, slot(1, 1));
        // A slot that is not held changes nothing.
        remove(&mut map, 7, slot(9, 9));
        remove(&mut map, 8, slot(2, 2));
        assert_eq!(listed(&map), [2, 3]);
        remove(&mut map, 7, slot(2, 2));
        remove(&mut map, 7, slot(3, 3));
        assert!(map.is_empty());
        insert(&mut map, 7, slot(5, 5));
        remove(&mut map, 7, slot(5, 6));
        assert_eq!(listed(&map), [5]);
        remove(&mut map, 7, slot(5, 5));
        assert!(map.is_empty());
    }
}
