//! The projection of assessments into records, per input: where each cause gets the fix for
//! the server stack the recording shows, and where the redaction policy is applied, before
//! any renderer or encoder sees a value.
//!
//! Stacks are recognised from each response's own headers, never from another resource's
//! (one origin often routes paths to different software). A request without a response (one
//! a failed preflight stopped, a network failure) takes what an earlier response of the same
//! resource showed; the evidence names the response it was seen on. The book is a cache of
//! the last [`STACK_RESOURCES`] resources: an evicted one only loses what its earlier
//! response showed, never a record.

use std::num::NonZeroUsize;

use lru::LruCache;

use crate::cors::safelist::{parse_request_headers, recorded_unsafe_names};
use crate::model::{Assessment, ExchangeKind, Finding};
use crate::redact::Redactor;
use crate::report::Record;
use crate::stack::{self, Params, Sighting};

/// Resources whose stacks are remembered.
pub const STACK_RESOURCES: usize = 1024;

/// Turns one input's assessments into records, in order.
pub(super) struct Projector<'a> {
    index: usize,
    redactor: &'a Redactor,
    /// By resource (URL without query): the stacks its last response showed.
    stacks: LruCache<String, Vec<Sighting>>,
}

impl<'a> Projector<'a> {
    /// A projector for input `index`.
    pub(super) fn new(index: usize, redactor: &'a Redactor) -> Self {
        Self {
            index,
            redactor,
            stacks: LruCache::new(NonZeroUsize::MIN.saturating_add(STACK_RESOURCES - 1)),
        }
    }

    /// The record of `a`, with stack fixes, redacted.
    pub(super) fn record(&mut self, a: Assessment) -> Record {
        let sightings = self.sightings(&a);
        let ask = (!a.causes.is_empty() && !sightings.is_empty()).then(|| Ask::of(&a));
        let mut r = Record::from_assessment(self.index, a);
        if let Some(ask) = ask {
            for cause in &mut r.causes {
                cause.stack_fix = stack::stack_fix(&sightings, cause.cause, &ask.params(cause));
            }
        }
        self.redactor.record(&mut r);
        r
    }

    /// The stacks this exchange's response shows; for an exchange without a response (a
    /// request its preflight stopped, a network failure), those an earlier response of the
    /// same resource showed. The book learns what each response shows.
    fn sightings(&mut self, a: &Assessment) -> Vec<Sighting> {
        let url = a.exchange.request.url.as_str();
        let resource = url.split(['?', '#']).next().unwrap_or(url);
        let Some(res) = &a.exchange.response else {
            return self.stacks.get(resource).cloned().unwrap_or_default();
        };
        let mut own = stack::detect(&res.headers);
        if own.is_empty() {
            return own;
        }
        for s in &mut own {
            s.exchange = Some(a.id);
        }
        // Most responses are of a resource seen before: update its entry in place.
        match self.stacks.get_mut(resource) {
            Some(known) => known.clone_from(&own),
            None => {
                self.stacks.put(resource.to_string(), own.clone());
            }
        }
        own
    }
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
            (req.method.clone(), recorded_unsafe_names(req, false))
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
