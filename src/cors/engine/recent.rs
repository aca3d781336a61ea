//! Preflights judged already, kept while requests may still pair with them: by id (the
//! request a preflight was assigned to), by URL (an unclaimed preflight for a request), and in
//! arrival order (the oldest are forgotten first).

use std::collections::VecDeque;

use foldhash::HashMap;

use super::PreflightRecord;
use crate::model::{ExchangeId, Timestamp};

/// The recent preflights of one input.
#[derive(Default)]
pub(super) struct RecentPreflights {
    /// Boxed: a judged preflight is about 500 bytes, and a table sized for thousands of them
    /// keeps about as many empty buckets again.
    records: HashMap<ExchangeId, Box<PreflightRecord>>,
    order: VecDeque<(Timestamp, ExchangeId)>,
    by_url: HashMap<String, Vec<ExchangeId>>,
}

impl RecentPreflights {
    /// Keeps a judged preflight.
    pub fn push(&mut self, record: PreflightRecord) {
        let id = record.id;
        self.order.push_back((record.at, id));
        match self.by_url.get_mut(record.ask.url.as_str()) {
            Some(ids) => ids.push(id),
            None => {
                self.by_url.insert(record.ask.url.clone(), vec![id]);
            }
        }
        self.records.insert(id, Box::new(record));
    }

    /// The preflight `id`, while it is kept.
    pub fn get(&self, id: ExchangeId) -> Option<&PreflightRecord> {
        self.records.get(&id).map(|r| &**r)
    }

    /// The most recent preflight to `url` (without fragment) that `accept` takes.
    pub fn latest_for(
        &mut self,
        url: &str,
        mut accept: impl FnMut(&PreflightRecord) -> bool,
    ) -> Option<&mut PreflightRecord> {
        let ids = self.by_url.get(url)?;
        let id = ids
            .iter()
            .rev()
            .find(|id| self.records.get(id).is_some_and(|r| accept(r)))?;
        self.records.get_mut(id).map(|r| &mut **r)
    }

    /// Forgets preflights more than `window_secs` before `now`, and the oldest beyond `cap`.
    pub fn forget_old(&mut self, now: Timestamp, window_secs: f64, cap: usize) {
        while let Some(&(at, id)) = self.order.front() {
            if now.secs_since(at) <= window_secs && self.order.len() <= cap {
                break;
            }
            self.order.pop_front();
            if let Some(r) = self.records.remove(&id) {
                if let Some(ids) = self.by_url.get_mut(r.ask.url.as_str()) {
                    // Oldest first: nearly always the first.
                    if let Some(i) = ids.iter().position(|i| *i == id) {
                        ids.remove(i);
                    }
                    if ids.is_empty() {
                        self.by_url.remove(r.ask.url.as_str());
                    }
                }
            }
        }
    }
}
