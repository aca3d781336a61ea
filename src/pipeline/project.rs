//! The projection of assessments into records, per input: where each cause gets the fix for
//! the server stack the recording shows, and where the redaction policy is applied, before
//! any renderer or encoder sees a value.
//!
//! Stacks are recognised from each response's own headers, never from another resource's
//! (one origin often routes paths to different software). A request without a response (one
//! a failed preflight stopped, a network failure) takes what an earlier response of the same
//! resource showed; the evidence names the response it was seen on. The book is a cache of
//! the last [`STACK_RESOURCES`] resources: an evicted one only loses what its earlier
//! response showed, never a record. With capture points judged together the book is kept per
//! browser, so that a browser's records never depend on which other browsers are judged with
//! it.
//!
//! A request a failed preflight stopped may be recorded before that preflight (DevTools
//! writes the request it never sent, then its preflight): such a request is held back until
//! its preflight arrives, so that it takes the stacks the preflight's response showed. At most
//! [`Limits::stack_lookahead`] assessments are held (then the oldest goes out without waiting
//! longer, counted in the input issue [`STACK_LOOKAHEAD_EXCEEDED`]), and records leave in the
//! order the engine gave them: holding delays records, it never reorders them.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::num::NonZeroUsize;

use lru::LruCache;

use crate::cors::safelist::{is_revalidation, parse_request_headers, recorded_unsafe_names};
use crate::cors::site::SiteEngine;
use crate::cors::ClientKeying;
use crate::model::{Assessment, ExchangeId, ExchangeKind, Finding, Issue, Limits};
use crate::redact::Redactor;
use crate::report::Record;
use crate::stack::{self, Params, Sighting};

/// Resources whose stacks are remembered.
pub const STACK_RESOURCES: usize = 1024;

/// The input issue counting requests that went out without waiting longer for the preflight
/// recorded after them ([`Limits::stack_lookahead`]).
pub const STACK_LOOKAHEAD_EXCEEDED: &str = "stack-lookahead-exceeded";

/// Turns one input's assessments into records, in order.
pub(super) struct Projector<'a> {
    index: usize,
    redactor: &'a Redactor,
    /// By resource (URL without query): the stacks its last response showed.
    stacks: LruCache<String, Vec<Sighting>>,
    /// The stacks of the exchange being projected ([`sightings`]), their strings reused from
    /// one response to the next.
    scratch: Vec<Sighting>,
    /// The snippets of stack fixes made so far.
    snippets: stack::SnippetMemo,
    /// Assessments held back, in order; the first waits for its preflight.
    held: VecDeque<Assessment>,
    /// Assessments held at most ([`Limits::stack_lookahead`]).
    lookahead: usize,
    /// Requests that stopped waiting for their preflight at `lookahead`.
    overflowed: u64,
    /// With capture points judged together, the book is kept per browser (told apart so), so
    /// that one browser's records never depend on another's.
    per_browser: Option<ClientKeying>,
}

impl<'a> Projector<'a> {
    /// A projector for input `index`.
    pub(super) fn new(index: usize, redactor: &'a Redactor, limits: &Limits) -> Self {
        Self {
            index,
            redactor,
            stacks: LruCache::new(NonZeroUsize::MIN.saturating_add(STACK_RESOURCES - 1)),
            scratch: Vec::new(),
            snippets: stack::SnippetMemo::default(),
            held: VecDeque::new(),
            lookahead: limits.stack_lookahead,
            overflowed: 0,
            per_browser: None,
        }
    }

    /// Keeps what responses showed per browser, as `keying` tells browsers apart.
    pub(super) fn per_browser(mut self, keying: ClientKeying) -> Self {
        self.per_browser = Some(keying);
        self
    }

    /// The book's key for the resource of `a`.
    fn resource<'x>(&self, a: &'x Assessment) -> Cow<'x, str> {
        let url = a.exchange.request.url.as_str();
        let resource = memchr::memchr2(b'?', b'#', url.as_bytes())
            .and_then(|end| url.get(..end))
            .unwrap_or(url);
        match self.per_browser {
            None => Cow::Borrowed(resource),
            Some(keying) => {
                let browser = SiteEngine::browser_key(keying, self.index, &a.exchange);
                Cow::Owned(format!("{browser} {resource}"))
            }
        }
    }

    /// The input issue counting requests that stopped waiting for their preflight, if any did.
    pub(super) fn issue(&self) -> Option<Issue> {
        (self.overflowed > 0).then(|| {
            Issue::general(
                STACK_LOOKAHEAD_EXCEEDED,
                format!(
                    "a request stopped by a failed preflight recorded more than {} exchanges \
                     after it went out without waiting for it: its fix names no server stack",
                    self.lookahead
                ),
            )
            .times(self.overflowed)
        })
    }

    /// Takes the next assessment; appends to `out` the records ready to go, in order.
    pub(super) fn push(&mut self, a: Assessment, out: &mut Vec<Record>) {
        if self.held.is_empty() && awaited(&a).is_none() {
            out.push(self.record(a));
            return;
        }
        self.held.push_back(a);
        self.release(out, false);
    }

    /// Appends every record still held to `out`: the input is over.
    pub(super) fn finish(&mut self, out: &mut Vec<Record>) {
        self.release(out, true);
    }

    /// Projects held assessments from the front while the first need not wait: its preflight
    /// has arrived (its stacks are learnt first), it waited `lookahead` assessments (counted),
    /// or `all`.
    fn release(&mut self, out: &mut Vec<Record>, all: bool) {
        while let Some(front) = self.held.front() {
            if let Some(p) = awaited(front) {
                match self.held.iter().position(|h| h.id == p) {
                    Some(at) => {
                        if let Some(preflight) = self.held.get(at) {
                            let resource = self.resource(preflight);
                            sightings(
                                &mut self.stacks,
                                &mut self.scratch,
                                resource,
                                preflight,
                                false,
                            );
                        }
                    }
                    None if all => {}
                    None if self.held.len() <= self.lookahead => return,
                    None => self.overflowed += 1,
                }
            }
            if let Some(a) = self.held.pop_front() {
                out.push(self.record(a));
            }
        }
    }

    /// The record of `a`, with stack fixes, redacted.
    fn record(&mut self, a: Assessment) -> Record {
        let resource = self.resource(&a);
        let causes = !a.causes.is_empty();
        sightings(&mut self.stacks, &mut self.scratch, resource, &a, causes);
        let ask = (causes && !self.scratch.is_empty()).then(|| Ask::of(&a));
        let mut r = Record::from_assessment(self.index, a);
        if let Some(ask) = ask {
            for cause in &mut r.causes {
                cause.stack_fix =
                    self.snippets
                        .stack_fix(&self.scratch, cause.cause, &ask.params(cause));
            }
        }
        self.redactor.record(&mut r);
        r
    }
}

/// Leaves in `scratch` the stacks this exchange's response shows; for an exchange without a
/// response (a request its preflight stopped, a network failure), those an earlier response of
/// the same resource showed. The book learns what each response shows. Only when `wanted` is
/// an earlier response's answer copied out (most records have no cause to fix).
fn sightings(
    stacks: &mut LruCache<String, Vec<Sighting>>,
    scratch: &mut Vec<Sighting>,
    resource: Cow<'_, str>,
    a: &Assessment,
    wanted: bool,
) {
    let Some(res) = &a.exchange.response else {
        // Looked up either way: a lookup keeps the resource in the book for longer.
        match stacks.get(&*resource) {
            Some(known) if wanted => scratch.clone_from(known),
            _ => scratch.clear(),
        }
        return;
    };
    stack::detect_into(&res.headers, scratch);
    if scratch.is_empty() {
        return;
    }
    for s in scratch.iter_mut() {
        s.exchange = Some(a.id);
    }
    // Most responses are of a resource seen before, and show what its last response showed:
    // its entry then only learns which exchange showed them last.
    match stacks.get_mut(&*resource) {
        Some(known) if same_stacks(known, scratch) => {
            for s in known.iter_mut() {
                s.exchange = Some(a.id);
            }
        }
        Some(known) => known.clone_from(scratch),
        None => {
            stacks.put(resource.into_owned(), scratch.clone());
        }
    }
}

/// Whether two responses showed the same stacks with the same header lines.
fn same_stacks(a: &[Sighting], b: &[Sighting]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(a, b)| a.stack == b.stack && a.evidence == b.evidence)
}

/// The preflight `a` waits for: one recorded after it, when `a` has causes to fix and no
/// response of its own to show a stack.
fn awaited(a: &Assessment) -> Option<ExchangeId> {
    a.preflight
        .filter(|p| p.0 > a.id.0 && a.exchange.response.is_none() && !a.causes.is_empty())
}

/// What the request asked for: its origin, method and non-safelisted headers.
struct Ask {
    origin: String,
    method: String,
    headers: Vec<String>,
    cookie: bool,
}

impl Ask {
    fn of(a: &Assessment) -> Self {
        let req = &a.exchange.request;
        let (method, headers) = if a.kind == ExchangeKind::Preflight {
            (
                req.headers
                    .first_str("Access-Control-Request-Method")
                    .unwrap_or_default(),
                req.headers
                    .first_str("Access-Control-Request-Headers")
                    .map(|v| parse_request_headers(&v))
                    .unwrap_or_default(),
            )
        } else {
            // The engine's names, unless it left a revalidation's conditional headers out.
            let names = match &a.unsafe_names {
                Some(names) if !is_revalidation(&a.exchange) => names.clone(),
                _ => recorded_unsafe_names(req, false),
            };
            (req.method.clone(), names)
        };
        Self {
            origin: a.origin.clone().unwrap_or_else(|| "null".into()),
            method,
            headers,
            cookie: req.headers.contains("cookie"),
        }
    }

    /// The values for `cause`'s snippet: what the response allowed plus what the request
    /// needs.
    fn params(&self, cause: &Finding) -> Params {
        // Tokens only: an invalid one (the cause of P14 and P15) is not copied into a fix.
        let allowed = |name: &str| -> Vec<String> {
            cause
                .evidence
                .iter()
                .filter(|e| {
                    e.header
                        .as_deref()
                        .is_some_and(|h| h.eq_ignore_ascii_case(name))
                })
                .flat_map(|e| e.values.iter())
                .flat_map(|v| v.split(','))
                .map(|v| v.trim().to_string())
                .filter(|v| {
                    v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                })
                .collect()
        };
        let mut methods = Vec::new();
        Params::extend(
            &mut methods,
            allowed("Access-Control-Allow-Methods")
                .iter()
                .map(String::as_str),
        );
        let needed = cause.failed_parameter.as_deref().filter(|m| {
            cause.cause.info().name.starts_with("method")
                && m.bytes().all(|b| b.is_ascii_alphabetic())
        });
        Params::extend(&mut methods, [needed.unwrap_or(&self.method)]);
        let mut headers = Vec::new();
        Params::extend(
            &mut headers,
            allowed("Access-Control-Allow-Headers")
                .iter()
                .map(String::as_str),
        );
        Params::extend(&mut headers, self.headers.iter().map(String::as_str));
        Params {
            origin: self.origin.clone(),
            methods,
            headers,
            credentials: self.cookie,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryIndex, Exchange, HeaderList, Location, Request, Response, Verdict};

    /// A blocked request never sent (no response), stopped by preflight `preflight`.
    fn stopped(id: u64, preflight: u64) -> Assessment {
        let mut a = exchange(id, "PUT", None);
        a.preflight = Some(ExchangeId(preflight));
        a.verdict = Verdict::Blocked;
        a.causes = vec![Finding {
            cause: crate::model::CauseId::PreflightStatus405,
            chromium: None,
            firefox: None,
            failed_parameter: None,
            message: "blocked".into(),
            fix: "answer OPTIONS".into(),
            if_credentialed: false,
            latent: false,
            evidence: Vec::new(),
            stack_fix: None,
        }];
        a
    }

    fn exchange(id: u64, method: &str, server: Option<&str>) -> Assessment {
        let request = Request {
            method: method.into(),
            url: "http://api.test/item".into(),
            ..Request::default()
        };
        let mut ex = Exchange::new(Location::Entry(EntryIndex(id)), request);
        ex.response = server.map(|s| {
            let mut headers = HeaderList::new();
            headers.push("Server", s);
            Response {
                status: 405,
                headers,
                ..Response::default()
            }
        });
        Assessment {
            id: ExchangeId(id),
            exchange: ex,
            kind: if method == "OPTIONS" {
                ExchangeKind::Preflight
            } else {
                ExchangeKind::Cors
            },
            origin: Some("http://app.test".into()),
            page_origin: None,
            sent: server.is_some(),
            preflight: None,
            preflight_cached_from: None,
            verdict: Verdict::Allowed,
            causes: Vec::new(),
            warnings: Vec::new(),
            note: None,
            unsafe_names: None,
        }
    }

    fn project(assessments: Vec<Assessment>) -> (Vec<Vec<u64>>, Vec<Record>) {
        let (steps, records, _) = project_counted(assessments);
        (steps, records)
    }

    /// [`project`], with the issue counting requests that stopped waiting.
    fn project_counted(
        assessments: Vec<Assessment>,
    ) -> (Vec<Vec<u64>>, Vec<Record>, Option<Issue>) {
        let redactor = Redactor::off();
        let mut p = Projector::new(0, &redactor, &Limits::default());
        let mut steps = Vec::new();
        let mut all = Vec::new();
        for a in assessments {
            let mut out = Vec::new();
            p.push(a, &mut out);
            steps.push(out.iter().map(|r| r.seq).collect());
            all.extend(out);
        }
        let mut out = Vec::new();
        p.finish(&mut out);
        steps.push(out.iter().map(|r| r.seq).collect());
        all.extend(out);
        (steps, all, p.issue())
    }

    #[test]
    fn a_request_recorded_before_its_preflight_takes_the_preflights_stack() {
        let (steps, records) = project(vec![
            stopped(1, 2),
            exchange(2, "OPTIONS", Some("nginx/1.24.0")),
            exchange(3, "GET", None),
        ]);
        assert_eq!(steps, vec![vec![], vec![1, 2], vec![3], vec![]]);
        let fix = records[0].causes[0]
            .stack_fix
            .as_ref()
            .expect("a stack fix");
        assert_eq!(fix.stack, "nginx");
        assert_eq!(fix.exchange, Some(ExchangeId(2)));
        assert_eq!(fix.evidence, "Server: nginx/1.24.0");
    }

    /// The book keeps, for each resource, the stacks its last response showed and which
    /// exchange that was: whether they repeat what it knew or differ.
    #[test]
    fn a_request_without_a_response_takes_the_last_response_seen() {
        let (_, records) = project(vec![
            exchange(1, "GET", Some("nginx")),
            exchange(2, "GET", Some("nginx")),
            stopped(3, 2),
            exchange(4, "GET", Some("envoy")),
            stopped(5, 4),
        ]);
        let fix = |seq: u64| {
            let r = records.iter().find(|r| r.seq == seq).expect("record");
            let fix = r.causes[0].stack_fix.as_ref().expect("a stack fix");
            (fix.stack, fix.exchange, fix.evidence.clone())
        };
        assert_eq!(
            fix(3),
            ("nginx", Some(ExchangeId(2)), "Server: nginx".into())
        );
        assert_eq!(
            fix(5),
            ("envoy", Some(ExchangeId(4)), "Server: envoy".into())
        );
    }

    #[test]
    fn holding_is_bounded_and_never_reorders() {
        let lookahead = Limits::default().stack_lookahead;
        let mut input = vec![stopped(1, 1000), stopped(2, 999)];
        input.extend((3..=40).map(|id| exchange(id, "GET", None)));
        let (steps, records, issue) = project_counted(input);
        let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, (1..=40).collect::<Vec<u64>>(), "order kept");
        // Held until lookahead + 1 assessments waited, then the first goes out while the
        // second waits one more, then it and all behind it go.
        let first = steps.iter().position(|s| !s.is_empty()).unwrap();
        assert_eq!(first, lookahead);
        assert_eq!(steps[first], vec![1]);
        let next: Vec<u64> = (2..=lookahead as u64 + 2).collect();
        assert_eq!(steps[first + 1], next);
        assert_eq!(steps[first + 2].len(), 1, "then one at a time");
        let issue = issue.expect("the requests that stopped waiting are counted");
        assert_eq!(issue.id, STACK_LOOKAHEAD_EXCEEDED);
        assert_eq!(issue.count, 2);
        assert!(
            records[0].causes[0].stack_fix.is_none(),
            "no preflight came"
        );
        // A request still waiting when the input ends goes out then, uncounted.
        let (steps, records, issue) = project_counted(vec![stopped(1, 2)]);
        assert_eq!(steps, vec![vec![], vec![1]]);
        assert_eq!(records.len(), 1);
        assert_eq!(issue, None);
    }
}
