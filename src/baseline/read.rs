//! Reading a baseline from an earlier report: a `--format json` document (its `findings`),
//! `--format jsonl` lines (its `{"finding": ...}` lines), of schema version 2 or older, or a
//! `--format sarif` log (its results' `partialFingerprints`, leaving out results whose
//! `baselineState` is `absent`: those were not found in that run).
//!
//! The file streams through serde_json: exchanges and every other member are skipped without
//! being kept, so memory is bounded by the findings (at most [`MAX_KNOWN`], twice that for a
//! SARIF log, whose absent results come on top), whatever the report's size. A version 1
//! report has no findings: it is read as an empty baseline, with a note. A file that cannot be
//! opened, is not JSON, is not a corscope report, holds more findings than any report can, or
//! comes from a newer schema is an error naming the file.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader};
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use super::{Baseline, KnownFinding, MAX_KNOWN};
use crate::findings::FINGERPRINT_VERSION;
use crate::report::sarif::FINGERPRINT_KEY;
use crate::report::SCHEMA_VERSION;

/// Why a baseline cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file cannot be opened or read.
    #[error("cannot read baseline {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The file is not a corscope JSON or JSON-lines report.
    #[error("baseline {path} is not a corscope --format json report: {reason}")]
    NotReport {
        /// The file.
        path: String,
        /// What was found instead.
        reason: String,
    },
    /// The report's schema is newer than this program reads.
    #[error(
        "baseline {path} is a report of schema version {version}; this corscope reads versions up to {SCHEMA_VERSION}"
    )]
    Newer {
        /// The file.
        path: String,
        /// Its schema version.
        version: u32,
    },
}

/// What one top-level JSON value of a report holds that a baseline reads: a whole document
/// (`schema_version`, `findings`), one JSON line (an exchange, `finding`, or the closing line
/// with `schema_version`), or a SARIF log (`runs`). Every other member is skipped.
#[derive(Deserialize)]
struct Value {
    schema_version: Option<u32>,
    tool: Option<Tool>,
    findings: Option<Capped<KnownFinding, MAX_KNOWN>>,
    finding: Option<KnownFinding>,
    runs: Option<Vec<SarifRun>>,
}

#[derive(Deserialize)]
struct Tool {
    name: Option<String>,
}

/// A SARIF run: its tool and results.
#[derive(Deserialize)]
struct SarifRun {
    tool: Option<SarifTool>,
    results: Option<Capped<SarifResult, { 2 * MAX_KNOWN }>>,
}

#[derive(Deserialize)]
struct SarifTool {
    driver: Option<Tool>,
}

/// What a SARIF result of corscope says of its finding.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: Option<String>,
    #[serde(default)]
    partial_fingerprints: BTreeMap<String, String>,
    baseline_state: Option<String>,
    message: Option<SarifMessage>,
    properties: Option<SarifProperties>,
}

#[derive(Deserialize)]
struct SarifMessage {
    text: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SarifProperties {
    kind: String,
    server: String,
    route: String,
    page_origin: Option<String>,
    exchanges: u64,
}

impl SarifResult {
    /// The finding, when the result is one of corscope's found in that run.
    fn known(self) -> Option<KnownFinding> {
        if self.baseline_state.as_deref() == Some("absent") {
            return None;
        }
        let fingerprint = self.partial_fingerprints.get(FINGERPRINT_KEY)?.clone();
        let p = self.properties.unwrap_or_default();
        let text = self.message.and_then(|m| m.text).unwrap_or_default();
        // The console message is the first paragraph; the fix follows.
        let message = text.split("\n\n").next().unwrap_or_default().to_string();
        Some(KnownFinding {
            fingerprint,
            kind: p.kind,
            rule: self.rule_id.unwrap_or_default(),
            name: String::new(),
            server: p.server,
            route: p.route,
            page_origin: p.page_origin.filter(|o| !o.is_empty()),
            exchanges: p.exchanges,
            message,
        })
    }
}

/// An array refused past `N` elements before they are all held.
struct Capped<T, const N: usize>(Vec<T>);

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Capped<T, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T, const N: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for Visit<T, N> {
            type Value = Capped<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an array of at most {N} findings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Capped<T, N>, A::Error> {
                let mut out = Vec::new();
                while let Some(f) = seq.next_element::<T>()? {
                    if out.len() >= N {
                        return Err(serde::de::Error::custom(format!(
                            "more than {N} findings, more than any report holds"
                        )));
                    }
                    out.push(f);
                }
                Ok(Capped(out))
            }
        }
        d.deserialize_seq(Visit::<T, N>(PhantomData))
    }
}

impl Baseline {
    /// Reads the findings of the report at `path`; the notes say what a reader should know
    /// (a report without findings, fingerprints of another version that cannot be compared).
    pub fn read(path: &Path) -> Result<(Baseline, Vec<String>), BaselineError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| BaselineError::Io {
            path: name.clone(),
            source,
        })?;
        Self::from_reader(&name, BufReader::with_capacity(1 << 16, file))
    }

    /// [`Baseline::read`] from a reader, the report named `name`.
    pub fn from_reader(
        name: &str,
        reader: impl io::Read,
    ) -> Result<(Baseline, Vec<String>), BaselineError> {
        let not_report = |reason: String| BaselineError::NotReport {
            path: name.to_string(),
            reason,
        };
        let mut version = None;
        let mut corscope = false;
        let mut document = false;
        let mut findings = Vec::new();
        let mut values = 0usize;
        for value in serde_json::Deserializer::from_reader(reader).into_iter::<Value>() {
            let value = value.map_err(|e| match e.classify() {
                serde_json::error::Category::Io => BaselineError::Io {
                    path: name.to_string(),
                    source: io::Error::other(e.to_string()),
                },
                _ => not_report(format!("invalid JSON or not a report object: {e}")),
            })?;
            values += 1;
            for run in value.runs.into_iter().flatten() {
                let driver = run.tool.and_then(|t| t.driver).and_then(|d| d.name);
                if driver.as_deref() != Some("corscope") {
                    continue;
                }
                // A SARIF log has no schema version of ours; its fingerprints are checked below.
                version = Some(SCHEMA_VERSION);
                corscope = true;
                document = true;
                let results = run.results.map(|r| r.0).unwrap_or_default();
                findings.extend(results.into_iter().filter_map(SarifResult::known));
                if findings.len() > MAX_KNOWN {
                    return Err(not_report(format!(
                        "more than {MAX_KNOWN} findings, more than any report holds"
                    )));
                }
            }
            if let Some(v) = value.schema_version {
                version = Some(v);
                corscope |= value
                    .tool
                    .and_then(|t| t.name)
                    .is_some_and(|n| n == "corscope");
            }
            if let Some(f) = value.findings {
                document = true;
                findings.extend(f.0);
            }
            if let Some(f) = value.finding {
                if findings.len() >= MAX_KNOWN {
                    return Err(not_report(format!(
                        "more than {MAX_KNOWN} findings, more than any report holds"
                    )));
                }
                findings.push(f);
            }
        }
        let Some(version) = version.filter(|_| corscope) else {
            return Err(not_report(if values == 0 {
                "the file is empty".into()
            } else {
                "no schema_version from corscope".into()
            }));
        };
        if version > SCHEMA_VERSION {
            return Err(BaselineError::Newer {
                path: name.to_string(),
                version,
            });
        }
        let mut notes = Vec::new();
        if version < 2 && findings.is_empty() {
            notes.push(format!(
                "baseline {name} is a report of schema version {version}, which has no findings: every finding is new"
            ));
        } else if values > 1 && document {
            return Err(not_report("more than one JSON document in the file".into()));
        }
        let prefix = format!("v{FINGERPRINT_VERSION}:");
        let before = findings.len();
        findings.retain(|f| f.fingerprint.starts_with(&prefix));
        if findings.len() < before {
            notes.push(format!(
                "baseline {name}: {} findings have fingerprints of another version than {prefix} and are not compared",
                before - findings.len()
            ));
        }
        Ok((Baseline::new(name, version, findings), notes))
    }
}
