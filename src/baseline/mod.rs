//! Baselines: the findings of an earlier report, so that a run says which of its findings are
//! new, which were known already, and which are gone (`--baseline FILE`).
//!
//! Findings are compared by their [`fingerprint`](crate::findings::fingerprint()), which names
//! the problem (kind, rule, server, route, page origin) and nothing that changes from one
//! recording to the next: files, exchange ids, counts, times, or redaction markers (the fields
//! it reads are origins and paths, which are never redacted). A finding of this run is
//! [`BaselineState::Unchanged`] ("known") when the baseline has its fingerprint, else
//! [`BaselineState::New`]; a finding of the baseline that this run does not have is
//! [`BaselineState::Absent`] ("fixed"). The states are SARIF's `baselineState` values.
//!
//! The messages of the baseline's findings go through the run's redaction policy
//! ([`Baseline::redacted`]) before any report shows them. Reports mark every finding with its
//! state and list the fixed ones; the exit status counts
//! only new findings (see [`crate::gate`]). A baseline is read from an earlier `--format json`,
//! `jsonl` or `sarif` report ([`Baseline::read`]); it holds at most [`MAX_KNOWN`] findings,
//! as many as one report can have.

mod read;

use std::borrow::Cow;
use std::collections::BTreeMap;

pub use read::BaselineError;

use crate::findings::RouteFinding;
use crate::redact::Redactor;

/// Findings a baseline holds at most: no report has more (see
/// [`MAX_FINDINGS`](crate::findings::MAX_FINDINGS)).
pub const MAX_KNOWN: usize = crate::findings::MAX_FINDINGS;

/// Where a finding stands against the baseline, in SARIF's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BaselineState {
    /// Found now, not in the baseline.
    New,
    /// Found now and in the baseline: known.
    Unchanged,
    /// In the baseline, not found now: fixed (or not exercised by this recording).
    Absent,
}

impl BaselineState {
    /// SARIF's `baselineState` spelling: `new`, `unchanged`, `absent`.
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Absent => "absent",
        }
    }

    /// How reports call it: `new`, `known`, `fixed`.
    pub fn label(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "known",
            BaselineState::Absent => "fixed",
        }
    }
}

/// A finding of the baseline, as the earlier report wrote it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct KnownFinding {
    /// Its fingerprint.
    pub fingerprint: String,
    /// Kind (`blocked`, `security`, `if-credentialed`, `warning`).
    pub kind: String,
    /// Rule id (`A01`, `vary-origin-missing`).
    pub rule: String,
    /// Rule name.
    #[serde(default)]
    pub name: String,
    /// Server origin.
    #[serde(default)]
    pub server: String,
    /// Templated route.
    #[serde(default)]
    pub route: String,
    /// Page origin, when recorded.
    #[serde(default)]
    pub page_origin: Option<String>,
    /// Exchanges it had then.
    #[serde(default)]
    pub exchanges: u64,
    /// Its first exchange's message then.
    #[serde(default)]
    pub message: String,
}

/// The findings of an earlier report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    path: String,
    schema_version: u32,
    /// In the earlier report's order (impact first), each fingerprint once.
    findings: Vec<KnownFinding>,
    /// Fingerprint → index in `findings`.
    index: BTreeMap<String, usize>,
}

/// How a run's findings compare with the baseline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Findings not in the baseline.
    pub new: u64,
    /// Findings in the baseline.
    pub known: u64,
    /// Findings of the baseline not found now.
    pub fixed: u64,
}

impl Baseline {
    /// A baseline of these findings, read from `path` (a report of `schema_version`). Later
    /// copies of a fingerprint are dropped; past [`MAX_KNOWN`] findings the rest are.
    pub fn new(path: impl Into<String>, schema_version: u32, findings: Vec<KnownFinding>) -> Self {
        let mut b = Baseline {
            path: path.into(),
            schema_version,
            findings: Vec::with_capacity(findings.len().min(MAX_KNOWN)),
            index: BTreeMap::new(),
        };
        for f in findings {
            if b.findings.len() >= MAX_KNOWN {
                break;
            }
            if !b.index.contains_key(&f.fingerprint) {
                b.index.insert(f.fingerprint.clone(), b.findings.len());
                b.findings.push(f);
            }
        }
        b
    }

    /// The baseline with the messages of its findings redacted by `redactor`, as this run's
    /// are: a baseline written with `--no-redact` shows no secret in a redacted run.
    pub fn redacted(mut self, redactor: &Redactor) -> Self {
        for f in &mut self.findings {
            if let Cow::Owned(m) = redactor.text(&f.message) {
                f.message = m;
            }
        }
        self
    }

    /// The file it was read from, as named.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The schema version of the report it was read from.
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// Its findings, in the earlier report's order.
    pub fn findings(&self) -> &[KnownFinding] {
        &self.findings
    }

    /// Whether a finding with this fingerprint is in it.
    pub fn knows(&self, fingerprint: &str) -> bool {
        self.index.contains_key(fingerprint)
    }

    /// Where `finding`, found now, stands: [`BaselineState::Unchanged`] or
    /// [`BaselineState::New`].
    pub fn state(&self, finding: &RouteFinding) -> BaselineState {
        if self.knows(&finding.fingerprint()) {
            BaselineState::Unchanged
        } else {
            BaselineState::New
        }
    }

    /// The baseline's findings that are not among `found` (fixed), in the baseline's order.
    pub fn fixed(&self, found: &[RouteFinding]) -> Vec<&KnownFinding> {
        let now: std::collections::BTreeSet<String> =
            found.iter().map(RouteFinding::fingerprint).collect();
        self.findings
            .iter()
            .filter(|f| !now.contains(&f.fingerprint))
            .collect()
    }

    /// How `found` compares with the baseline.
    pub fn compare(&self, found: &[RouteFinding]) -> Comparison {
        let known = found
            .iter()
            .filter(|f| self.state(f) == BaselineState::Unchanged)
            .count() as u64;
        Comparison {
            new: found.len() as u64 - known,
            known,
            fixed: self.fixed(found).len() as u64,
        }
    }
}

#[cfg(test)]
mod tests;
