//! Reading a baseline from an earlier report: a `--format json` document (its `findings`) or
//! `--format jsonl` lines (its `{"finding": ...}` lines), of schema version 2 or older.
//!
//! The file streams through serde_json: exchanges and every other member are skipped without
//! being kept, so memory is bounded by the findings (at most [`MAX_KNOWN`]), whatever the
//! report's size. A version 1 report has no findings: it is read as an empty baseline, with a
//! note. A file that cannot be opened, is not JSON, is not a corscope report (a SARIF log
//! included), holds more findings than any report can, or comes from a newer schema is an
//! error naming the file.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader};
use std::path::Path;

use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

use super::{Baseline, KnownFinding, MAX_KNOWN};
use crate::findings::FINGERPRINT_VERSION;
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
/// (`schema_version`, `findings`), or one JSON line (an exchange, `finding`, or the closing
/// line with `schema_version`). Every other member is skipped.
#[derive(Deserialize)]
struct Value {
    schema_version: Option<u32>,
    tool: Option<Tool>,
    findings: Option<Findings>,
    finding: Option<KnownFinding>,
    /// Present in a SARIF log.
    runs: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Tool {
    name: Option<String>,
}

/// A `findings` array, refused past [`MAX_KNOWN`] elements before they are all held.
struct Findings(Vec<KnownFinding>);

impl<'de> Deserialize<'de> for Findings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Capped;
        impl<'de> Visitor<'de> for Capped {
            type Value = Findings;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an array of at most {MAX_KNOWN} findings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Findings, A::Error> {
                let mut out = Vec::new();
                while let Some(f) = seq.next_element::<KnownFinding>()? {
                    if out.len() >= MAX_KNOWN {
                        return Err(serde::de::Error::custom(format!(
                            "more than {MAX_KNOWN} findings, more than any report holds"
                        )));
                    }
                    out.push(f);
                }
                Ok(Findings(out))
            }
        }
        d.deserialize_seq(Capped)
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
            if value.runs.is_some() {
                return Err(not_report(
                    "it is a SARIF log; --baseline takes a --format json or jsonl report".into(),
                ));
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
