//! The report stage: record rows of any number of partitions in, the run's report out through
//! the same renderers `analyze` uses, input by input in input order, each input's records in
//! the order its engine judged them.
//!
//! Rows may come in any order (an engine writes partitions as it likes): they are gathered by
//! input first (with the `part` rows of capture points judged together added to their
//! input's report), so memory holds the run's records (reports are small next to captures: no
//! headers, no bodies).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::super::Outcome;
use crate::baseline::Baseline;
use crate::model::IssueTally;
use crate::report::{InputReport, Record, Renderer};
use crate::stage::records::{self, Part, RecordRow};
use crate::stage::{files, StageError};

/// One input's rows.
#[derive(Default)]
struct Gathered {
    records: Vec<(i64, Record)>,
    report: Option<InputReport>,
    /// What partitions judged of it, when capture points were judged together.
    parts: Vec<Part>,
}

/// Renders the records of `inputs` (Parquet files, directories, or `-`) with `renderer`,
/// compared with `baseline` when given.
pub fn report(
    inputs: &[PathBuf],
    baseline: Option<Arc<Baseline>>,
    renderer: &mut dyn Renderer,
) -> Result<Outcome, StageError> {
    let mut by_input: BTreeMap<usize, Gathered> = BTreeMap::new();
    files::for_each_batch(inputs, &mut |batch| {
        for row in records::rows(&batch)? {
            match row {
                RecordRow::Record { ord, record } => by_input
                    .entry(record.input)
                    .or_default()
                    .records
                    .push((ord, *record)),
                RecordRow::Part(part) => by_input.entry(part.input).or_default().parts.push(*part),
                RecordRow::Input(report) => {
                    let slot = &mut by_input.entry(report.index).or_default().report;
                    if slot.is_some() {
                        return Err(StageError::invalid(format!(
                            "input {} is given twice",
                            report.index
                        )));
                    }
                    *slot = Some(*report);
                }
            }
        }
        Ok(())
    })?;
    let mut outcome = Outcome::default();
    outcome.summary.baseline = baseline;
    for (index, mut g) in by_input {
        let Some(mut report) = g.report else {
            return Err(StageError::invalid(format!(
                "input {index} has records but no input row: its decide did not finish"
            )));
        };
        add_parts(&mut report, g.parts);
        g.records.sort_by_key(|(ord, _)| *ord);
        if g.records.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(StageError::invalid(format!(
                "input {index}: a record is given twice"
            )));
        }
        for (_, r) in &g.records {
            outcome.summary.add(r);
            renderer.record(r)?;
        }
        renderer.input_done(&report)?;
        outcome.inputs.push(report);
    }
    renderer.finish(&outcome.inputs, &outcome.summary)?;
    Ok(outcome)
}

/// Adds what partitions judged of an input to its report, in a fixed order (partitions may
/// come in any).
fn add_parts(report: &mut InputReport, mut parts: Vec<Part>) {
    if parts.is_empty() {
        return;
    }
    parts.sort_by_cached_key(|p| serde_json::to_string(&p.issues).unwrap_or_default());
    let mut issues = IssueTally::from_summaries(std::mem::take(&mut report.issues));
    for part in parts {
        report.exchanges += part.exchanges;
        for issue in part.issues {
            issues.add(issue);
        }
    }
    report.issues = issues.into_summaries();
}
