//! Lookups into the reordering window by what pairing asks for, so that each exchange costs
//! the few exchanges that share its URL or target rather than a scan of the whole window:
//! the same URL (preflights and the requests they authorise), the same method and target
//! (the two legs of a proxy), and servers whose held responses carry
//! `Access-Control-Allow-Origin`. Entries are `(start, id)`, the window's own order, so
//! candidates come out in window order and results stay deterministic.
//!
//! The keys of an exchange are derived once ([`Keys`]), from one parse of its URL, with their
//! hashes: the maps are keyed by hash, and callers compare the keys of the candidates they
//! get, so a collision can only cost a comparison.

use std::collections::VecDeque;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use foldhash::HashMap;

use super::super::check::ACAO;
use super::super::origin::without_fragment;
use super::super::plain_url;
use crate::model::{Exchange, ExchangeId, Timestamp};

/// Where an exchange sits in the window: its start, then its arrival number.
pub(super) type Slot = (Timestamp, ExchangeId);

/// What the engine looks an exchange up by, derived once from its request.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    /// The URL without its fragment.
    pub url: String,
    /// Method and request target (path and query, what a proxy forwards unchanged), or the
    /// URL itself when it does not parse.
    pub target: String,
    /// The serialized origin of the URL (the server), when it parses.
    pub server: Option<String>,
    url_hash: u64,
    target_hash: u64,
}

fn hash(s: &str) -> u64 {
    FixedState::with_seed(0x636f_7273_636f_7065).hash_one(s)
}

impl Keys {
    /// The keys of `ex`.
    pub fn of(ex: &Exchange) -> Self {
        let raw = &ex.request.url;
        let url = without_fragment(raw).to_string();
        let method = &ex.request.method;
        if let Some(p) = plain_url::parts(raw) {
            let query_len = p.query.map_or(0, |q| q.len() + 1);
            let mut target = String::with_capacity(method.len() + 1 + p.path.len() + query_len);
            target.push_str(method);
            target.push(' ');
            target.push_str(p.path);
            if let Some(q) = p.query {
                target.push('?');
                target.push_str(q);
            }
            return Self::new(url, target, Some(p.origin));
        }
        match url::Url::parse(raw) {
            Ok(u) => {
                let target = match u.query() {
                    Some(q) => format!("{method} {}?{q}", u.path()),
                    None => format!("{method} {}", u.path()),
                };
                Self::new(url, target, Some(u.origin().ascii_serialization()))
            }
            Err(_) => Self::new(url, format!("{method} {raw}"), None),
        }
    }

    fn new(url: String, target: String, server: Option<String>) -> Self {
        Self {
            url_hash: hash(&url),
            target_hash: hash(&target),
            url,
            target,
            server,
        }
    }
}

/// Indexes of the held exchanges.
#[derive(Debug, Default)]
pub(super) struct WindowIndex {
    by_url: HashMap<u64, VecDeque<Slot>>,
    by_target: HashMap<u64, VecDeque<Slot>>,
    acao_by_server: HashMap<String, usize>,
}

fn insert(map: &mut HashMap<u64, VecDeque<Slot>>, key: u64, slot: Slot) {
    // Most URLs have one or two exchanges held at a time.
    let list = map.entry(key).or_insert_with(|| VecDeque::with_capacity(2));
    let at = list.partition_point(|s| *s <= slot);
    list.insert(at, slot);
}

fn remove(map: &mut HashMap<u64, VecDeque<Slot>>, key: u64, slot: Slot) {
    if let Some(list) = map.get_mut(&key) {
        // Exchanges leave the window oldest first: the slot is nearly always the first.
        if list.front() == Some(&slot) {
            list.pop_front();
        } else if let Some(i) = list.iter().position(|s| *s == slot) {
            list.remove(i);
        }
        if list.is_empty() {
            map.remove(&key);
        }
    }
}

fn acao_server<'k>(ex: &Exchange, keys: &'k Keys) -> Option<&'k str> {
    let r = ex.response.as_ref()?;
    if !r.headers.contains(ACAO) {
        return None;
    }
    keys.server.as_deref()
}

impl WindowIndex {
    /// Indexes an exchange entering the window.
    pub(super) fn add(&mut self, at: Timestamp, id: ExchangeId, ex: &Exchange, keys: &Keys) {
        let slot = (at, id);
        insert(&mut self.by_url, keys.url_hash, slot);
        insert(&mut self.by_target, keys.target_hash, slot);
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
    pub(super) fn remove(&mut self, at: Timestamp, id: ExchangeId, ex: &Exchange, keys: &Keys) {
        let slot = (at, id);
        remove(&mut self.by_url, keys.url_hash, slot);
        remove(&mut self.by_target, keys.target_hash, slot);
        if let Some(server) = acao_server(ex, keys) {
            if let Some(n) = self.acao_by_server.get_mut(server) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.acao_by_server.remove(server);
                }
            }
        }
    }

    /// Held exchanges whose URL (without fragment) hashes like `keys.url`, in window order:
    /// the caller compares the URLs.
    pub(super) fn same_url(&self, keys: &Keys) -> impl Iterator<Item = &Slot> {
        self.by_url.get(&keys.url_hash).into_iter().flatten()
    }

    /// Held exchanges whose method and target hash like `keys.target`, in window order: the
    /// caller compares the targets.
    pub(super) fn same_target(&self, keys: &Keys) -> impl Iterator<Item = &Slot> {
        self.by_target.get(&keys.target_hash).into_iter().flatten()
    }

    /// Whether a held response of this server (serialized origin) carries
    /// `Access-Control-Allow-Origin`.
    pub(super) fn server_has_acao(&self, server: &str) -> bool {
        self.acao_by_server.contains_key(server)
    }
}
