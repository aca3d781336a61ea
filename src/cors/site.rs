//! One site seen from several capture points (the backends behind a load balancer, each
//! capturing its own traffic): a browser's preflight may reach one backend and its request
//! another, so the browser's state must span the captures. The exchanges of every capture
//! point, interleaved in capture time, are judged here with one engine per browser, so that a
//! browser's verdicts depend on its own exchanges only: judged alone, or with any other set of
//! browsers, they come out the same. That is what lets a cluster judge browsers in separate
//! partitions and still agree with one process.
//!
//! Exchanges are pushed in the order of a merge key that never decreases (the capture point's
//! latest request time so far). Before each push, every engine judges what it holds that
//! started more than the engine's time window before that key: no exchange still to come can
//! pair with it. Which exchanges of a browser an engine holds when it judges one is then the
//! same whatever other browsers are pushed in between.
//!
//! Ids: exchange `seq` of input `input` is `input << 40 | seq` inside the engines; a request
//! inferred from a preflight is numbered after that preflight (`INFERRED_BASE + seq`), so its
//! id too is the same in any partition. An assessment refers to an exchange of another input
//! (its preflight, evidence) as `ELSEWHERE | input << 40 | seq`, which reports spell
//! `input:seq`.
//!
//! Memory: at most `site_clients` engines (see [`SiteEngine::new`]), the least recently
//! active one finished and forgotten first (counted); each holds what its window holds.

use std::collections::BTreeSet;

use lru::LruCache;

use super::engine::{ClientKeying, Engine, EngineOptions, ENGINE_CLIENTS_EVICTED, INFERRED_FLAG};
use super::INFERRED_BASE;
use crate::model::{Assessment, Exchange, ExchangeId, Issue, Limits, Timestamp};
use crate::report::record::ELSEWHERE;

const SEQ_BITS: u32 = 40;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

/// An assessment and the input it belongs to.
#[derive(Debug)]
pub struct SiteAssessment {
    /// The input (capture point) the exchange was recorded at, or the inferred one hangs from.
    pub input: usize,
    /// The judgement, with ids within `input`; an exchange of another input it refers to (a
    /// preflight, evidence) is numbered as [`ELSEWHERE`] says.
    pub assessment: Assessment,
}

struct Browser {
    engine: Engine,
    /// When its oldest held exchange started, as filed in the site's set, when it holds any.
    oldest: Option<Timestamp>,
}

/// Judges the exchanges of several capture points, browser by browser.
pub struct SiteEngine {
    limits: Limits,
    options: EngineOptions,
    window_ns: i64,
    browsers: LruCache<String, Browser>,
    /// Where each engine's oldest held exchange started, with the browser's key.
    oldest: BTreeSet<(Timestamp, String)>,
    evicted: u64,
    /// Issues of the engines finished so far.
    issues: Vec<Issue>,
}

impl SiteEngine {
    /// Judges as `options` say; keeps at most `limits.engine_client_entries / 8` browsers'
    /// engines (each with its own bound of 1024 entries of browser state).
    pub fn new(limits: &Limits, options: EngineOptions) -> Self {
        let mut per_browser = limits.clone();
        per_browser.engine_client_entries = 1024.min(limits.engine_client_entries).max(1);
        Self {
            limits: per_browser,
            options,
            window_ns: i64::try_from(limits.engine_window_secs)
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000_000),
            browsers: LruCache::unbounded(),
            oldest: BTreeSet::new(),
            evicted: 0,
            issues: Vec::new(),
        }
        .capped(limits.engine_client_entries / 8)
    }

    fn capped(mut self, browsers: usize) -> Self {
        let cap = std::num::NonZeroUsize::new(browsers).unwrap_or(std::num::NonZeroUsize::MIN);
        self.browsers.resize(cap);
        self
    }

    /// The key of the browser `ex` belongs to: its client, or, for a recording without client
    /// addresses (a HAR: one browser), its input.
    pub fn browser_key(keying: ClientKeying, input: usize, ex: &Exchange) -> String {
        keying
            .client_name(ex)
            .unwrap_or_else(|| format!("input {input}"))
    }

    /// Judges exchange `seq` of `input`, whose merge key is `merge_ns` (never less than the
    /// last one pushed).
    pub fn push(
        &mut self,
        input: usize,
        seq: u64,
        merge_ns: i64,
        exchange: Exchange,
        out: &mut dyn FnMut(SiteAssessment),
    ) {
        self.flush_before(Timestamp(merge_ns.saturating_sub(self.window_ns)), out);
        let key = Self::browser_key(self.options.clients, input, &exchange);
        if !self.browsers.contains(&key) {
            self.admit(key.clone(), out);
        }
        let id = ExchangeId(((input as u64) << SEQ_BITS) | (seq & SEQ_MASK));
        let prepared = Engine::prepare(exchange);
        if let Some(b) = self.browsers.get_mut(&key) {
            b.engine
                .push_prepared_as(prepared, id, &mut |a| out(translate(a)));
        }
        self.reindex(&key);
    }

    /// Judges everything still held, browser by browser in key order.
    pub fn finish(&mut self, out: &mut dyn FnMut(SiteAssessment)) {
        let mut keys: Vec<String> = self.browsers.iter().map(|(k, _)| k.clone()).collect();
        keys.sort();
        for key in keys {
            if let Some(mut b) = self.browsers.pop(&key) {
                self.retire(&key, &mut b, out);
            }
        }
        self.oldest.clear();
    }

    /// In-band issues: browsers forgotten to stay within the bound, and the engines' own.
    pub fn issues(&self) -> Vec<Issue> {
        let mut issues = self.issues.clone();
        if self.evicted > 0 {
            issues.push(Issue::general(
                ENGINE_CLIENTS_EVICTED,
                format!(
                    "the browser state of {} clients was forgotten to stay within the bound on browsers judged at once; their later requests are judged without it",
                    self.evicted
                ),
            ));
        }
        issues
    }

    fn admit(&mut self, key: String, out: &mut dyn FnMut(SiteAssessment)) {
        let browser = Browser {
            engine: Engine::with_options(&self.limits, self.options),
            oldest: None,
        };
        if let Some((old_key, mut old)) = self.browsers.push(key, browser) {
            self.evicted += 1;
            self.retire(&old_key, &mut old, out);
        }
    }

    /// Judges everything `b` (the browser `key`) holds and keeps its issues.
    fn retire(&mut self, key: &str, b: &mut Browser, out: &mut dyn FnMut(SiteAssessment)) {
        if let Some(at) = b.oldest.take() {
            self.oldest.remove(&(at, key.to_string()));
        }
        b.engine.finish(&mut |a| out(translate(a)));
        self.issues.extend(b.engine.issues());
    }

    /// Lets every engine judge what it holds that started before `t`.
    fn flush_before(&mut self, t: Timestamp, out: &mut dyn FnMut(SiteAssessment)) {
        while let Some((at, key)) = self.oldest.first().cloned() {
            if at >= t {
                return;
            }
            match self.browsers.peek_mut(&key) {
                Some(b) => b.engine.flush_before(t, &mut |a| out(translate(a))),
                None => {
                    self.oldest.pop_first();
                    continue;
                }
            }
            self.reindex(&key);
        }
    }

    /// Files `key`'s engine under its oldest held exchange.
    fn reindex(&mut self, key: &str) {
        let Some(b) = self.browsers.peek_mut(key) else {
            return;
        };
        let now = b.engine.oldest_held();
        if b.oldest == now {
            return;
        }
        if let Some(at) = std::mem::replace(&mut b.oldest, now) {
            self.oldest.remove(&(at, key.to_string()));
        }
        if let Some(at) = now {
            self.oldest.insert((at, key.to_string()));
        }
    }
}

/// The input and the id within it of an engine id.
fn split(id: ExchangeId) -> (usize, ExchangeId) {
    if id.0 & INFERRED_FLAG != 0 {
        let anchor = id.0 & !INFERRED_FLAG;
        let input = (anchor >> SEQ_BITS) as usize;
        return (input, ExchangeId(INFERRED_BASE + (anchor & SEQ_MASK)));
    }
    ((id.0 >> SEQ_BITS) as usize, ExchangeId(id.0 & SEQ_MASK))
}

fn translate(mut a: Assessment) -> SiteAssessment {
    let (input, id) = split(a.id);
    a.id = id;
    let local = |r: &mut ExchangeId| {
        let (at, n) = split(*r);
        *r = if at == input {
            n
        } else {
            ExchangeId(ELSEWHERE | ((at as u64) << SEQ_BITS) | n.0)
        };
    };
    a.preflight.iter_mut().for_each(local);
    a.preflight_cached_from.iter_mut().for_each(local);
    for f in &mut a.causes {
        for e in &mut f.evidence {
            local(&mut e.exchange);
        }
    }
    SiteAssessment {
        input,
        assessment: a,
    }
}
