//! The decide stage: exchange rows in, input by input, judged by the engine and projected
//! into records as `analyze` does; record rows out.
//!
//! Rows must come grouped by input and, within an input, in `seq` order with the input's own
//! row last (as `extract` writes them, and as sorting by `input, seq` gives them): one engine
//! holds one input's browser state, and it judges in the order the input yielded its
//! exchanges. Memory is one input's engine window and one batch of rows.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::super::close_input;
use super::super::project::Projector;
use crate::cors::{Engine, EngineOptions};
use crate::model::{IssueTally, Limits};
use crate::redact::Redactor;
use crate::report::InputReport;
use crate::stage::exchanges::{self, ExchangeRow};
use crate::stage::records::{self, RecordBatchBuilder};
use crate::stage::{files, BatchWriter, Output, StageError, BATCH_ROWS};

/// What `decide` needs.
#[derive(Clone, Debug, Default)]
pub struct DecideOptions {
    /// Caps on memory and work.
    pub limits: Limits,
    /// How inputs are judged.
    pub engine: EngineOptions,
    /// The redaction policy applied to records and issue messages.
    pub redactor: Redactor,
}

/// The file input `index`'s records are written to in a directory.
pub fn file_name(index: usize) -> String {
    format!("records-{index:06}.parquet")
}

/// The input being judged.
struct Current<'a> {
    index: usize,
    engine: Engine,
    project: Projector<'a>,
    last_seq: i64,
    /// Assessments judged.
    judged: u64,
    /// Records written.
    ord: i64,
    writer: Option<BatchWriter>,
}

/// Where records go: a writer per input (a directory) or one for all (a stream).
struct Out<'a> {
    output: &'a Output,
    shared: Option<BatchWriter>,
    batch: RecordBatchBuilder,
}

impl Out<'_> {
    fn flush(&mut self, own: &mut Option<BatchWriter>) -> Result<(), StageError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = self.batch.finish()?;
        match own.as_mut().or(self.shared.as_mut()) {
            Some(w) => w.write(&batch),
            None => Err(StageError::invalid("no output open")),
        }
    }
}

/// Judges every input of `inputs` (Parquet files, directories, or `-`) and writes its records
/// to `output`.
pub fn decide(
    inputs: &[PathBuf],
    options: &DecideOptions,
    output: &Output,
) -> Result<(), StageError> {
    let mut out = Out {
        output,
        shared: match output {
            Output::Stdout => Some(BatchWriter::ipc(
                Box::new(std::io::BufWriter::with_capacity(
                    1 << 16,
                    std::io::stdout(),
                )),
                &records::schema(),
            )?),
            Output::Directory(_) => None,
        },
        batch: RecordBatchBuilder::new(),
    };
    let mut current: Option<Current<'_>> = None;
    let mut done = BTreeSet::new();
    files::for_each_batch(inputs, &mut |batch| {
        for row in exchanges::rows(&batch)? {
            let index = match &row {
                ExchangeRow::Exchange { input, .. } => *input,
                ExchangeRow::Input(r) => i64::try_from(r.index).unwrap_or(i64::MAX),
            };
            let index = usize::try_from(index)
                .map_err(|_| StageError::invalid(format!("negative input {index}")))?;
            if current.as_ref().is_some_and(|c| c.index != index) {
                return Err(StageError::invalid(format!(
                    "the rows of input {} end without its input row; rows must be grouped by \
                     input and sorted by seq",
                    current.as_ref().map_or(0, |c| c.index)
                )));
            }
            if current.is_none() {
                if !done.insert(index) {
                    return Err(StageError::invalid(format!(
                        "input {index} appears twice; rows must be grouped by input"
                    )));
                }
                current = Some(start(index, options, &out)?);
            }
            let Some(c) = current.as_mut() else {
                continue;
            };
            match row {
                ExchangeRow::Exchange { seq, exchange, .. } => {
                    if seq <= c.last_seq {
                        return Err(StageError::invalid(format!(
                            "input {index}: exchange {seq} after {}; rows must be sorted by seq",
                            c.last_seq
                        )));
                    }
                    c.last_seq = seq;
                    judge(c, &mut out, false, |engine, sink| {
                        engine.push(*exchange, sink)
                    })?;
                }
                ExchangeRow::Input(report) => {
                    if let Some(c) = current.take() {
                        finish(c, *report, options, &mut out)?;
                    }
                }
            }
        }
        Ok(())
    })?;
    if let Some(c) = current {
        return Err(StageError::invalid(format!(
            "input {} has no input row: its extract did not finish",
            c.index
        )));
    }
    match out.shared.take() {
        Some(w) => w.finish(),
        None => Ok(()),
    }
}

fn start<'a>(
    index: usize,
    options: &'a DecideOptions,
    out: &Out<'_>,
) -> Result<Current<'a>, StageError> {
    let writer = match out.output {
        Output::Directory(dir) => Some(BatchWriter::parquet(
            dir,
            &file_name(index),
            records::schema(),
        )?),
        Output::Stdout => None,
    };
    Ok(Current {
        index,
        engine: Engine::with_options(&options.limits, options.engine),
        project: Projector::new(index, &options.redactor, &options.limits),
        last_seq: -1,
        judged: 0,
        ord: 0,
        writer,
    })
}

/// Runs `step` on the engine, turning every assessment it gives into a record row as the
/// projector lets it go (all of them at the `end` of the input).
fn judge(
    c: &mut Current<'_>,
    out: &mut Out<'_>,
    end: bool,
    step: impl FnOnce(&mut Engine, &mut dyn FnMut(crate::model::Assessment)),
) -> Result<(), StageError> {
    let mut ready = Vec::new();
    let Current {
        engine,
        project,
        judged,
        ord,
        ..
    } = c;
    step(engine, &mut |a| {
        *judged += 1;
        project.push(a, &mut ready);
    });
    if end {
        project.finish(&mut ready);
    }
    for record in ready {
        out.batch.push_record(*ord, &record)?;
        *ord += 1;
    }
    if out.batch.len() >= BATCH_ROWS {
        out.flush(&mut c.writer)?;
    }
    Ok(())
}

fn finish(
    mut c: Current<'_>,
    report: InputReport,
    options: &DecideOptions,
    out: &mut Out<'_>,
) -> Result<(), StageError> {
    judge(&mut c, out, true, |engine, sink| engine.finish(sink))?;
    // As `analyze` counts them: the capture's issues, the engine's, then the projection's.
    let mut issues = IssueTally::from_summaries(report.issues.clone());
    for issue in c.engine.issues().into_iter().chain(c.project.issue()) {
        issues.add(issue);
    }
    let report = close_input(c.index, report, Ok(c.judged), issues, &options.redactor);
    out.batch.push_input(&report)?;
    out.flush(&mut c.writer)?;
    match c.writer.take() {
        Some(w) => w.finish(),
        None => Ok(()),
    }
}
