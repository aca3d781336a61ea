//! The wire form of a finding (the JSON report's `findings`, the JSON-lines `finding` lines)
//! and of the comparison with a baseline (`baseline`).

use serde::Serialize;

use super::{evidence, seconds, stack_fix, WireEvidence, WireStackFix};
use crate::baseline::{Baseline, BaselineState, KnownFinding};
use crate::findings::RouteFinding;
use crate::report::record::exchange_ref;

/// One element of `findings`.
#[derive(Serialize)]
pub struct WireFinding<'a> {
    fingerprint: String,
    kind: &'static str,
    rule: &'static str,
    name: &'static str,
    chromium: Option<&'static str>,
    server: &'a str,
    route: &'a str,
    page_origin: Option<&'a str>,
    exchanges: u64,
    clients: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    clients_capped: bool,
    first_seen: Option<f64>,
    last_seen: Option<f64>,
    example: String,
    method: &'a str,
    url: &'a str,
    message: &'a str,
    fix: &'a str,
    evidence: Vec<WireEvidence<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stack_fix: Option<WireStackFix<'a>>,
    /// `new` or `known`, when the run has a baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'static str>,
}

impl WireFinding<'_> {
    /// The finding marked with its state against the baseline, if any.
    pub fn marked(mut self, state: Option<BaselineState>) -> Self {
        self.baseline = state.map(BaselineState::label);
        self
    }
}

/// The run's comparison with its baseline: the JSON report's `baseline`.
#[derive(Serialize)]
pub struct WireBaseline<'a> {
    path: &'a str,
    schema_version: u32,
    new: u64,
    known: u64,
    fixed: u64,
    fixed_findings: Vec<WireKnown<'a>>,
}

/// A finding of the baseline not found in this run, as the baseline wrote it.
#[derive(Serialize)]
pub struct WireKnown<'a> {
    fingerprint: &'a str,
    kind: &'a str,
    rule: &'a str,
    name: &'a str,
    server: &'a str,
    route: &'a str,
    page_origin: Option<&'a str>,
    exchanges: u64,
    message: &'a str,
}

impl<'a> WireBaseline<'a> {
    /// How `found` compares with `baseline`.
    pub fn of(baseline: &'a Baseline, found: &[RouteFinding]) -> Self {
        let c = baseline.compare(found);
        WireBaseline {
            path: baseline.path(),
            schema_version: baseline.schema_version(),
            new: c.new,
            known: c.known,
            fixed: c.fixed,
            fixed_findings: baseline
                .fixed(found)
                .into_iter()
                .map(WireKnown::from)
                .collect(),
        }
    }
}

impl<'a> From<&'a KnownFinding> for WireKnown<'a> {
    fn from(f: &'a KnownFinding) -> Self {
        WireKnown {
            fingerprint: &f.fingerprint,
            kind: &f.kind,
            rule: &f.rule,
            name: &f.name,
            server: &f.server,
            route: &f.route,
            page_origin: f.page_origin.as_deref(),
            exchanges: f.exchanges,
            message: &f.message,
        }
    }
}

impl<'a> From<&'a RouteFinding> for WireFinding<'a> {
    fn from(f: &'a RouteFinding) -> Self {
        let x = &f.example;
        WireFinding {
            fingerprint: f.fingerprint(),
            kind: f.kind.as_str(),
            rule: f.rule.id(),
            name: f.rule.name(),
            chromium: f.rule.chromium(),
            server: &f.server,
            route: &f.route,
            page_origin: Some(f.page.as_str()).filter(|p| !p.is_empty()),
            exchanges: f.exchanges,
            clients: f.clients,
            clients_capped: f.clients_capped,
            first_seen: f.first_seen.map(seconds),
            last_seen: f.last_seen.map(seconds),
            example: exchange_ref(x.input, x.seq),
            method: &x.method,
            url: &x.url,
            message: &x.message,
            fix: &x.fix,
            evidence: x.evidence.iter().map(|e| evidence(x.input, e)).collect(),
            stack_fix: x.stack_fix.as_ref().map(|s| stack_fix(x.input, s)),
            baseline: None,
        }
    }
}
