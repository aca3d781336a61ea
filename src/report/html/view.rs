//! What the HTML templates show, as plain strings and numbers: the renderer fills these from
//! records and findings, the templates (`templates/html_*.html`) lay them out and escape every
//! value (askama escapes HTML by default).

use crate::baseline::Baseline;
use crate::findings::{FindingKind, RouteFinding};
use crate::model::{Evidence, ExchangeKind, StackFix, Timestamp, Verdict};
use crate::report::layout::{clients, evidence_line, named_by, restates, seen};
use crate::report::record::{exchange_ref, Record};

/// The anchor of exchange `seq` of input `input`.
pub fn anchor(input: usize, seq: u64) -> String {
    format!("x-{}", exchange_ref(input, seq).replace(':', "-"))
}

/// One row of the findings table.
pub struct FindingRow {
    pub kind: &'static str,
    pub mark: &'static str,
    pub rule: String,
    pub page: String,
    pub target: String,
    pub exchanges: u64,
    pub clients: String,
    pub seen: String,
    pub example: String,
    pub example_label: String,
    pub message: String,
    pub fix: String,
    pub stack_fix: Option<StackFixView>,
    /// `new` or `known`, when the run has a baseline.
    pub baseline: Option<&'static str>,
}

/// The fix for the server stack in use.
pub struct StackFixView {
    pub name: &'static str,
    pub named_by: String,
    pub language: &'static str,
    pub config: String,
}

impl StackFixView {
    pub fn of(input: usize, f: &StackFix) -> Self {
        StackFixView {
            name: f.name,
            named_by: named_by(input, f),
            language: f.language,
            config: f.config.clone(),
        }
    }
}

impl FindingRow {
    pub fn of(f: &RouteFinding, baseline: Option<&Baseline>) -> Self {
        let x = &f.example;
        let rule = if f.rule.id() == f.rule.name() {
            f.rule.name().to_string()
        } else {
            format!("{} {}", f.rule.id(), f.rule.name())
        };
        FindingRow {
            kind: f.kind.as_str(),
            mark: match f.kind {
                FindingKind::Blocked => "✗",
                FindingKind::Security => "!",
                FindingKind::IfCredentialed | FindingKind::Latent => "~",
                FindingKind::Warning => "·",
            },
            rule,
            page: if f.page.is_empty() {
                "(not recorded)".into()
            } else {
                f.page.clone()
            },
            target: format!("{}{}", f.server, f.route),
            exchanges: f.exchanges,
            clients: clients(f.clients, f.clients_capped),
            seen: seen(f.first_seen, f.last_seen),
            example: anchor(x.input, x.seq),
            example_label: exchange_ref(x.input, x.seq),
            message: x.message.clone(),
            fix: x.fix.clone(),
            stack_fix: x.stack_fix.as_ref().map(|sf| StackFixView::of(x.input, sf)),
            baseline: baseline.map(|b| b.state(f).label()),
        }
    }
}

/// One piece of evidence.
pub struct EvidenceView {
    pub line: String,
    pub decisive: bool,
    pub note: String,
}

impl EvidenceView {
    pub fn of(e: &Evidence) -> Self {
        let restated = e.header.as_ref().is_some_and(|h| restates(&e.note, h));
        EvidenceView {
            line: evidence_line(e)
                .trim_end_matches("  ◀ decisive")
                .to_string(),
            decisive: e.primary,
            note: if restated {
                String::new()
            } else {
                e.note.clone()
            },
        }
    }
}

/// The preflight of a request, shown with it.
#[derive(Clone)]
pub struct PreflightView {
    pub anchor: String,
    pub label: String,
    pub method: String,
    pub location: String,
    pub status: String,
    pub verdict: &'static str,
    pub started: Option<Timestamp>,
}

impl PreflightView {
    pub fn of(r: &Record) -> Self {
        PreflightView {
            anchor: anchor(r.input, r.seq),
            label: r.id(),
            method: r.method.clone(),
            location: r.location.to_string(),
            status: r
                .status
                .map_or_else(|| "no response".into(), |s| s.to_string()),
            verdict: r.verdict.as_str(),
            started: r.started,
        }
    }
}

/// The time from a preflight's start to its request's, as the timeline shows it (`+12.0 ms`),
/// or nothing when either time is unknown. DevTools dates a request from before its preflight
/// (its timing includes the preflight): that reads `request dated 1.2 ms before`.
pub fn gap(preflight: Option<Timestamp>, request: Option<Timestamp>) -> String {
    match (preflight, request) {
        (Some(p), Some(r)) if r.0 >= p.0 => {
            format!("+{:.1} ms", r.0.saturating_sub(p.0) as f64 / 1e6)
        }
        (Some(p), Some(r)) => format!(
            "request dated {:.1} ms before",
            p.0.saturating_sub(r.0) as f64 / 1e6
        ),
        _ => String::new(),
    }
}

/// One exchange shown in detail.
pub struct Item {
    pub anchor: String,
    pub label: String,
    pub verdict: &'static str,
    pub method: String,
    pub url: String,
    pub location: String,
    pub sent: bool,
    pub status: Option<u16>,
    pub note: Option<String>,
    pub preflight_seq: Option<u64>,
    pub preflight: Option<PreflightView>,
    /// When it started, for the preflight → request timeline.
    pub started: Option<Timestamp>,
    /// The time from its preflight's start to its own ([`gap`]), once the preflight is known.
    pub gap: String,
    pub message: String,
    pub evidence: Vec<EvidenceView>,
    pub fix: String,
    pub stack_fix: Option<StackFixView>,
    pub also: Vec<String>,
    pub warnings: Vec<String>,
}

impl Item {
    pub fn of(r: &Record) -> Self {
        let cause = r.primary_cause();
        Item {
            anchor: anchor(r.input, r.seq),
            label: r.id(),
            verdict: r.verdict.as_str(),
            method: r.method.clone(),
            url: r.url.clone(),
            location: r.location.to_string(),
            sent: r.sent,
            status: r.status,
            note: r.note.clone().or_else(|| {
                (r.verdict == Verdict::NetworkError)
                    .then(|| r.failure.clone())
                    .flatten()
            }),
            preflight_seq: r.preflight,
            preflight: None,
            started: r.started,
            gap: String::new(),
            message: cause.map(|f| f.message.clone()).unwrap_or_default(),
            evidence: cause
                .map(|f| f.evidence.iter().map(EvidenceView::of).collect())
                .unwrap_or_default(),
            fix: cause.map(|f| f.fix.clone()).unwrap_or_default(),
            stack_fix: cause
                .and_then(|f| f.stack_fix.as_ref())
                .map(|sf| StackFixView::of(r.input, sf)),
            also: r
                .causes
                .iter()
                .skip(1)
                .map(|f| format!("{} [{}]", f.cause.info().name, f.cause.info().id))
                .collect(),
            warnings: r
                .warnings
                .iter()
                .map(|w| format!("{}: {}", w.id.name(), w.message))
                .collect(),
        }
    }
}

/// Exchanges of one cause (or verdict) between one page origin and one server.
pub struct CauseBlock {
    pub title: String,
    pub chromium: String,
    pub items: Vec<Item>,
    pub more: u64,
}

/// The blocked and doubtful exchanges between one page origin and one server.
pub struct Group {
    pub page: String,
    pub server: String,
    pub causes: Vec<CauseBlock>,
}

/// One row of the table of cross-origin exchanges.
pub struct Row {
    pub anchor: String,
    pub label: String,
    pub verdict: &'static str,
    pub kind: &'static str,
    pub method: String,
    pub url: String,
    pub origin: String,
    pub cause: String,
    pub status: String,
    pub preflight: Option<(String, String)>,
    pub location: String,
    /// Start time in milliseconds, for sorting.
    pub started: i64,
}

impl Row {
    pub fn of(r: &Record) -> Self {
        Row {
            anchor: anchor(r.input, r.seq),
            label: r.id(),
            verdict: r.verdict.as_str(),
            kind: r.kind.as_str(),
            method: r.method.clone(),
            url: r.url.clone(),
            origin: r
                .page_origin
                .clone()
                .or_else(|| r.origin.clone())
                .unwrap_or_default(),
            cause: r
                .primary_cause()
                .map(|f| {
                    let name = f.cause.info().name;
                    if f.latent && r.verdict != Verdict::Blocked {
                        format!("{name} (latent risk)")
                    } else if f.if_credentialed && r.verdict != Verdict::Blocked {
                        format!("{name} (if credentialed)")
                    } else {
                        name.to_string()
                    }
                })
                .unwrap_or_default(),
            status: r.status.map(|s| s.to_string()).unwrap_or_default(),
            preflight: r
                .preflight
                .map(|p| (anchor(r.input, p), exchange_ref(r.input, p))),
            location: r.location.to_string(),
            started: r.started.map_or(0, |t| t.0 / 1_000_000),
        }
    }

    /// Whether a record belongs in the table: cross-origin requests, preflights, and anything
    /// blocked or undecided.
    pub fn wanted(r: &Record) -> bool {
        matches!(r.kind, ExchangeKind::Cors | ExchangeKind::Preflight)
            || matches!(r.verdict, Verdict::Blocked | Verdict::Indeterminate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_read_forward_and_backward() {
        let t = |ms: i64| Some(Timestamp(ms * 1_000_000));
        assert_eq!(gap(t(10), t(22)), "+12.0 ms");
        assert_eq!(gap(t(10), t(9)), "request dated 1.0 ms before");
        assert_eq!(gap(None, t(9)), "");
    }
}
