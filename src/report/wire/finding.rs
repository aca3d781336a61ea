//! The wire form of a finding (the JSON report's `findings`, the JSON-lines `finding` lines).

use serde::Serialize;

use super::{evidence, seconds, stack_fix, WireEvidence, WireStackFix};
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
        }
    }
}
