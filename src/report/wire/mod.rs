//! The JSON wire types, schema version 2. Field names and spellings are the stable schema
//! documented in the README; change them only with a new `schema_version`.

use std::collections::BTreeMap;

use serde::Serialize;

pub mod direct;
mod finding;
pub mod string;

pub use finding::{WireBaseline, WireFinding};

use super::record::{ExchangeRef, Record, Summary};
use super::{FileReport, InputReport};
use crate::capture::Compression;
use crate::model::{Evidence, Finding, FrameRef, InferredAnchor, Location, Timestamp, Warning};

/// Schema version of the JSON and JSON-lines reports.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

pub const TOOL: Tool = Tool {
    name: "corscope",
    version: env!("CARGO_PKG_VERSION"),
};

#[derive(Serialize)]
pub struct WireLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<u64>,
    /// Index in the input's `files`, left out for the first (or only) file.
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_file: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_frame: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    inferred: bool,
}

impl From<&Location> for WireLocation {
    fn from(l: &Location) -> Self {
        let mut w = WireLocation {
            entry: None,
            file: None,
            frame: None,
            response_file: None,
            response_frame: None,
            inferred: false,
        };
        let file = |f: FrameRef| Some(f.file.0).filter(|i| *i > 0);
        match *l {
            Location::Entry(e) => w.entry = Some(e.0),
            Location::Frames { request, response } => {
                w.file = file(request);
                w.frame = Some(request.number.0);
                w.response_file = response.and_then(file);
                w.response_frame = response.map(|f| f.number.0);
            }
            Location::InferredFrom(InferredAnchor::Entry(e)) => {
                w.entry = Some(e.0);
                w.inferred = true;
            }
            Location::InferredFrom(InferredAnchor::Frame(f)) => {
                w.file = file(f);
                w.frame = Some(f.number.0);
                w.inferred = true;
            }
        }
        w
    }
}

#[derive(Serialize)]
pub struct WireEvidence<'a> {
    source: &'static str,
    exchange: ExchangeRef,
    header: Option<&'a str>,
    values: &'a [String],
    primary: bool,
    note: &'a str,
}

#[derive(Serialize)]
pub struct WireCause<'a> {
    id: &'static str,
    name: &'static str,
    chromium: Option<&'static str>,
    firefox: Option<&'static str>,
    failed_parameter: Option<&'a str>,
    message: &'a str,
    fix: &'a str,
    if_credentialed: bool,
    latent: bool,
    evidence: Each<'a, Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stack_fix: Option<WireStackFix<'a>>,
}

#[derive(Serialize)]
pub struct WireStackFix<'a> {
    stack: &'static str,
    name: &'static str,
    evidence: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    exchange: Option<ExchangeRef>,
    language: &'static str,
    config: &'a str,
}

#[derive(Serialize)]
pub struct WireWarning<'a> {
    id: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
pub struct WireExchange<'a> {
    id: ExchangeRef,
    input: usize,
    location: WireLocation,
    method: &'a str,
    url: &'a str,
    origin: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_origin: Option<&'a str>,
    kind: &'static str,
    sent: bool,
    status: Option<u16>,
    started: Option<f64>,
    preflight: Option<ExchangeRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preflight_cached_from: Option<ExchangeRef>,
    verdict: &'static str,
    causes: Each<'a, Finding>,
    warnings: Each<'a, Warning>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<&'a str>,
}

/// The items of a record (causes, their evidence, warnings) as a JSON array of their wire
/// form, each made as it is written: no vector of wire items per record.
pub struct Each<'a, T> {
    input: usize,
    items: &'a [T],
}

impl<'a, T> Each<'a, T> {
    fn new(input: usize, items: &'a [T]) -> Self {
        Each { input, items }
    }
}

impl Serialize for Each<'_, Finding> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.items.iter().map(|f| cause(self.input, f)))
    }
}

impl Serialize for Each<'_, Evidence> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.items.iter().map(|e| evidence(self.input, e)))
    }
}

impl Serialize for Each<'_, Warning> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.items.iter().map(warning))
    }
}

/// Seconds since the epoch, to the millisecond: what recorders keep; more digits would be
/// float noise.
pub(super) fn seconds(t: Timestamp) -> f64 {
    (t.0 / 1_000_000) as f64 / 1e3
}

pub(super) fn evidence(input: usize, e: &Evidence) -> WireEvidence<'_> {
    WireEvidence {
        source: e.source.as_str(),
        exchange: ExchangeRef::new(input, e.exchange.0),
        header: e.header.as_deref(),
        values: &e.values,
        primary: e.primary,
        note: &e.note,
    }
}

fn cause(input: usize, f: &Finding) -> WireCause<'_> {
    let info = f.cause.info();
    WireCause {
        id: info.id,
        name: info.name,
        chromium: f.chromium,
        firefox: f.firefox,
        failed_parameter: f.failed_parameter.as_deref(),
        message: &f.message,
        fix: &f.fix,
        if_credentialed: f.if_credentialed,
        latent: f.latent,
        evidence: Each::new(input, &f.evidence),
        stack_fix: f.stack_fix.as_ref().map(|s| stack_fix(input, s)),
    }
}

pub(super) fn stack_fix(input: usize, s: &crate::model::StackFix) -> WireStackFix<'_> {
    WireStackFix {
        stack: s.stack,
        name: s.name,
        evidence: &s.evidence,
        exchange: s.exchange.map(|e| ExchangeRef::new(input, e.0)),
        language: s.language,
        config: &s.config,
    }
}

fn warning(w: &Warning) -> WireWarning<'_> {
    WireWarning {
        id: w.id.name(),
        message: &w.message,
    }
}

impl<'a> From<&'a Record> for WireExchange<'a> {
    fn from(r: &'a Record) -> Self {
        WireExchange {
            id: ExchangeRef::new(r.input, r.seq),
            input: r.input,
            location: WireLocation::from(&r.location),
            method: &r.method,
            url: &r.url,
            origin: r.origin.as_deref(),
            page_origin: r.page_origin.as_deref(),
            kind: r.kind.as_str(),
            sent: r.sent,
            status: r.status,
            started: r.started.map(seconds),
            preflight: r.preflight.map(|p| ExchangeRef::new(r.input, p)),
            preflight_cached_from: r
                .preflight_cached_from
                .map(|p| ExchangeRef::new(r.input, p)),
            verdict: r.verdict.as_str(),
            causes: Each::new(r.input, &r.causes),
            warnings: Each::new(r.input, &r.warnings),
            note: r.note.as_deref(),
            failure: r.failure.as_deref(),
            client: r.client.as_deref(),
            server: r.server.as_deref(),
        }
    }
}

#[derive(Serialize)]
pub struct WireIssue<'a> {
    id: &'static str,
    message: &'a str,
    count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<String>,
}

#[derive(Serialize)]
pub struct WireInput<'a> {
    index: usize,
    path: &'a str,
    format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compression: Option<&'static str>,
    producer: Option<&'a str>,
    exchanges: u64,
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<&'a str>,
    issues: Vec<WireIssue<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<WireFile<'a>>,
}

#[derive(Serialize)]
pub struct WireFile<'a> {
    path: &'a str,
    format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compression: Option<&'static str>,
    frames: u64,
    first: Option<f64>,
    last: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

fn compression(c: Compression) -> &'static str {
    match c {
        Compression::Gzip => "gzip",
        Compression::Zstd => "zstd",
    }
}

impl<'a> From<&'a FileReport> for WireFile<'a> {
    fn from(f: &'a FileReport) -> Self {
        WireFile {
            path: &f.path,
            format: f.format.map(|f| f.as_str()),
            compression: f.compression.map(compression),
            frames: f.frames,
            first: f.first.map(seconds),
            last: f.last.map(seconds),
            error: f.error.as_deref(),
        }
    }
}

impl<'a> From<&'a InputReport> for WireInput<'a> {
    fn from(i: &'a InputReport) -> Self {
        let names = i.file_names();
        WireInput {
            index: i.index,
            path: &i.path,
            format: i.format.map(|f| f.as_str()),
            compression: i.compression.map(compression),
            producer: i.producer.as_deref(),
            exchanges: i.exchanges,
            error: i.error.as_deref(),
            skipped: i.skipped.as_deref(),
            issues: i
                .issues
                .iter()
                .map(|s| WireIssue {
                    id: s.id,
                    message: s.examples.first().map(|e| e.message.as_str()).unwrap_or(""),
                    count: s.count,
                    at: s
                        .examples
                        .first()
                        .and_then(|e| e.at)
                        .map(|p| p.named(&names).to_string()),
                })
                .collect(),
            files: i.files.iter().map(WireFile::from).collect(),
        }
    }
}

#[derive(Serialize)]
pub struct WireSummary<'a> {
    exchanges: u64,
    inferred: u64,
    cors: u64,
    preflights: u64,
    blocked: u64,
    blocked_preflights: u64,
    blocked_unsent: u64,
    indeterminate: u64,
    network_errors: u64,
    if_credentialed: u64,
    latent: u64,
    by_cause: &'a BTreeMap<&'static str, u64>,
    by_cause_if_credentialed: &'a BTreeMap<&'static str, u64>,
    by_cause_latent: &'a BTreeMap<&'static str, u64>,
    by_warning: &'a BTreeMap<&'static str, u64>,
    findings_folded: u64,
}

impl<'a> From<&'a Summary> for WireSummary<'a> {
    fn from(s: &'a Summary) -> Self {
        WireSummary {
            exchanges: s.exchanges,
            inferred: s.inferred,
            cors: s.cors,
            preflights: s.preflights,
            blocked: s.blocked,
            blocked_preflights: s.blocked_preflights,
            blocked_unsent: s.blocked_unsent,
            indeterminate: s.indeterminate,
            network_errors: s.network_errors,
            if_credentialed: s.if_credentialed,
            latent: s.latent,
            by_cause: &s.by_cause,
            by_cause_if_credentialed: &s.by_cause_if_credentialed,
            by_cause_latent: &s.by_cause_latent,
            by_warning: &s.by_warning,
            findings_folded: s.findings.folded(),
        }
    }
}
