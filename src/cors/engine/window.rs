//! Lookups into the reordering window by what pairing asks for, so that each exchange costs
//! the few exchanges that share its URL or target rather than a scan of the whole window:
//! the same URL (preflights and the requests they authorise), the same method and target
//! (the two legs of a proxy), and servers whose held responses carry
//! `Access-Control-Allow-Origin`. Entries are `(start, id)`, the window's own order, so
//! candidates come out in window order and results stay deterministic.

use std::collections::HashMap;

use super::super::check::ACAO;
use super::super::origin::{serialize_url_origin, without_fragment};
use crate::model::{Exchange, ExchangeId, Timestamp};

type Slot = (Timestamp, ExchangeId);

/// Indexes of the held exchanges.
#[derive(Debug, Default)]
pub(super) struct WindowIndex {
    by_url: HashMap<String, Vec<Slot>>,
    by_target: HashMap<(String, String), Vec<Slot>>,
    acao_by_server: HashMap<String, usize>,
}

fn insert(list: &mut Vec<Slot>, slot: Slot) {
    let at = list.partition_point(|s| *s <= slot);
    list.insert(at, slot);
}

fn remove<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<Slot>>, key: &K, slot: Slot) {
    if let Some(list) = map.get_mut(key) {
        list.retain(|s| *s != slot);
        if list.is_empty() {
            map.remove(key);
        }
    }
}

/// Path and query of a URL (what a proxy forwards unchanged), or the URL itself.
pub(super) fn request_target(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        Err(_) => url.to_string(),
    }
}

fn target_key(ex: &Exchange) -> (String, String) {
    (ex.request.method.clone(), request_target(&ex.request.url))
}

fn acao_server(ex: &Exchange) -> Option<String> {
    let r = ex.response.as_ref()?;
    if !r.headers.contains(ACAO) {
        return None;
    }
    serialize_url_origin(&ex.request.url)
}

impl WindowIndex {
    /// Indexes an exchange entering the window.
    pub(super) fn add(&mut self, at: Timestamp, id: ExchangeId, ex: &Exchange) {
        let slot = (at, id);
        let url = without_fragment(&ex.request.url).to_string();
        insert(self.by_url.entry(url).or_default(), slot);
        insert(self.by_target.entry(target_key(ex)).or_default(), slot);
        if let Some(server) = acao_server(ex) {
            *self.acao_by_server.entry(server).or_default() += 1;
        }
    }

    /// Forgets an exchange leaving the window.
    pub(super) fn remove(&mut self, at: Timestamp, id: ExchangeId, ex: &Exchange) {
        let slot = (at, id);
        remove(
            &mut self.by_url,
            &without_fragment(&ex.request.url).to_string(),
            slot,
        );
        remove(&mut self.by_target, &target_key(ex), slot);
        if let Some(server) = acao_server(ex) {
            if let Some(n) = self.acao_by_server.get_mut(&server) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.acao_by_server.remove(&server);
                }
            }
        }
    }

    /// Held exchanges to this URL (fragment aside), in window order.
    pub(super) fn same_url(&self, url: &str) -> &[Slot] {
        self.by_url
            .get(without_fragment(url))
            .map_or(&[], Vec::as_slice)
    }

    /// Held exchanges with this method and target, in window order.
    pub(super) fn same_target(&self, method: &str, url: &str) -> &[Slot] {
        self.by_target
            .get(&(method.to_string(), request_target(url)))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether a held response of this server (serialized origin) carries
    /// `Access-Control-Allow-Origin`.
    pub(super) fn server_has_acao(&self, server: &str) -> bool {
        self.acao_by_server.contains_key(server)
    }
}
