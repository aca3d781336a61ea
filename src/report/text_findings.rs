//! The findings section that opens the terminal report: the run's findings in order of
//! impact, each with its rule, page origin → server and route, how many exchanges and
//! clients, when, where the first one is, and the fix (or, for security findings and
//! warnings, what was seen). Past [`SHOWN`] findings the rest are counted by kind. With a
//! baseline, a line counts the new, known and fixed findings and each finding says which it
//! is.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::layout::{baseline_counts, clients, count, seen};
use super::text::{paint, write_stack_fix, BOLD, DIM, GREEN, RED, YELLOW};
use super::InputReport;
use crate::baseline::{Baseline, BaselineState};
use crate::findings::{FindingKind, RouteFinding};

/// Findings laid out in full; the JSON report has every one.
pub const SHOWN: usize = 20;

/// How a count of findings of `kind` reads.
fn of_kind(kind: FindingKind, n: u64) -> String {
    match kind {
        FindingKind::Blocked => format!("{n} blocked"),
        FindingKind::Security => format!("{n} security"),
        FindingKind::IfCredentialed => format!("{n} if credentialed"),
        FindingKind::Latent => count(n, "latent risk"),
        FindingKind::Warning => count(n, "warning"),
    }
}

fn label(kind: FindingKind) -> (&'static str, &'static str) {
    match kind {
        FindingKind::Blocked => ("✗ BLOCKED", RED),
        FindingKind::Security => ("! SECURITY", RED),
        FindingKind::IfCredentialed => ("~ IF CREDENTIALED", YELLOW),
        FindingKind::Latent => ("~ LATENT RISK", YELLOW),
        FindingKind::Warning => ("· WARNING", YELLOW),
    }
}

/// Writes the findings section (nothing when there are none).
pub fn write(
    out: &mut dyn Write,
    color: bool,
    findings: &[RouteFinding],
    folded: u64,
    inputs: &[InputReport],
    baseline: Option<&Baseline>,
) -> io::Result<()> {
    if findings.is_empty() && folded == 0 && baseline.is_none() {
        return Ok(());
    }
    let mut by_kind: BTreeMap<FindingKind, u64> = BTreeMap::new();
    for f in findings {
        *by_kind.entry(f.kind).or_default() += 1;
    }
    let kinds: Vec<String> = by_kind.iter().map(|(k, n)| of_kind(*k, *n)).collect();
    writeln!(
        out,
        "{}  {}",
        paint(color, BOLD, "Findings"),
        [count(findings.len() as u64, "finding"), kinds.join(" · ")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(": ")
    )?;
    if let Some(b) = baseline {
        writeln!(
            out,
            "  {}",
            paint(color, DIM, &baseline_counts(b, findings))
        )?;
    }
    for f in findings.iter().take(SHOWN) {
        let (mark, style) = label(f.kind);
        let chromium = f
            .rule
            .chromium()
            .map(|c| format!(" · Chromium {c}"))
            .unwrap_or_default();
        let rule = if f.rule.id() == f.rule.name() {
            f.rule.name().to_string()
        } else {
            format!("{} [{}]", f.rule.name(), f.rule.id())
        };
        let state = match baseline.map(|b| b.state(f)) {
            Some(BaselineState::New) => format!(" · {}", paint(color, BOLD, "new")),
            Some(s) => format!(" · {}", paint(color, DIM, s.label())),
            None => String::new(),
        };
        writeln!(
            out,
            "  {}  {}{chromium}{state}",
            paint(color, &format!("{BOLD}{style}"), mark),
            paint(color, BOLD, &rule)
        )?;
        let page = if f.page.is_empty() {
            "(origin not recorded)"
        } else {
            &f.page
        };
        let route = if f.route == "*" {
            "  (every route)".to_string()
        } else {
            f.route.clone()
        };
        writeln!(out, "      {page}  →  {}{route}", f.server)?;
        let x = &f.example;
        let path = inputs
            .get(x.input)
            .map(|i| format!(" in {}", i.path))
            .unwrap_or_default();
        let facts = [
            count(f.exchanges, "exchange"),
            clients(f.clients, f.clients_capped),
            seen(f.first_seen, f.last_seen),
            format!("first: {}{path}", x.location),
        ];
        let facts: Vec<&str> = facts
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        writeln!(out, "      {}", paint(color, DIM, &facts.join(" · ")))?;
        if matches!(f.kind, FindingKind::Security | FindingKind::Warning) {
            writeln!(out, "      seen       {}", x.message)?;
        }
        if f.kind != FindingKind::Warning {
            writeln!(out, "      fix        {}", paint(color, GREEN, &x.fix))?;
            if let Some(sf) = &x.stack_fix {
                write_stack_fix(out, color, x.input, sf)?;
            }
        }
    }
    if findings.len() > SHOWN {
        let mut rest: BTreeMap<FindingKind, u64> = BTreeMap::new();
        for f in findings.iter().skip(SHOWN) {
            *rest.entry(f.kind).or_default() += 1;
        }
        let rest: Vec<String> = rest.iter().map(|(k, n)| of_kind(*k, *n)).collect();
        let more = format!(
            "  … and {} more ({}; every finding is in --format json)",
            findings.len() - SHOWN,
            rest.join(", ")
        );
        writeln!(out, "{}", paint(color, DIM, &more))?;
    }
    if folded > 0 {
        let note = format!(
            "  {} beyond the first {} findings counted, not grouped",
            count(folded, "exchange"),
            crate::findings::MAX_FINDINGS
        );
        writeln!(out, "{}", paint(color, YELLOW, &note))?;
    }
    writeln!(out)
}
