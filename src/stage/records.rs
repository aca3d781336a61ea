//! The records table (`corscope.records/2`): what `decide` writes and `report` reads. One row
//! per record (an exchange as reports show it: verdict, causes with evidence and fixes,
//! redacted) in the order the engine judged them (`ord`), and one `input` row per input
//! holding its finished report (files, issues with the engine's, exchange count).
//!
//! With capture points judged together (`decide --merge-points`), an input's exchanges may be
//! judged by several partitions: each writes a `part` row per input it judged (how many
//! exchanges, the issues it raised), the input row holds the capture's part, and `report`
//! adds them up. There `ord` is the record's place by `seq` (a request inferred from a
//! preflight right after it), the same in any partition.

use std::sync::Arc;

use arrow_array::builder::{Int32Builder, Int64Builder, ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};

use super::exchanges::{integers, strings};
use super::{check_schema, versioned_schema, StageError, INPUT_ROW};
use crate::model::Issue;
use crate::report::{InputReport, Record};

/// The version this build writes and reads.
pub const RECORDS_V2: &str = "corscope.records/2";

fn cause_item() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Utf8, true))
}

/// The schema of the records table.
pub fn schema() -> Arc<Schema> {
    let fields = vec![
        Field::new("row", DataType::Utf8, false),
        Field::new("input", DataType::Int64, false),
        Field::new("ord", DataType::Int64, false),
        Field::new("seq", DataType::Int64, true),
        Field::new("kind", DataType::Utf8, true),
        Field::new("verdict", DataType::Utf8, true),
        Field::new("causes", DataType::List(cause_item()), true),
        Field::new("origin", DataType::Utf8, true),
        Field::new("method", DataType::Utf8, true),
        Field::new("url", DataType::Utf8, true),
        Field::new("status", DataType::Int32, true),
        Field::new("started_ns", DataType::Int64, true),
        Field::new("client", DataType::Utf8, true),
        Field::new("server", DataType::Utf8, true),
        Field::new("detail", DataType::Utf8, false),
    ];
    versioned_schema(fields, RECORDS_V2)
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordRow {
    /// A record and its place among its input's records.
    Record {
        /// Place among the input's records, from 0.
        ord: i64,
        /// The record (its `input` says which input).
        record: Box<Record>,
    },
    /// An input's finished report.
    Input(Box<InputReport>),
    /// What one partition judged of an input: to be added to its report.
    Part(Box<Part>),
}

/// What one `decide` partition judged of an input.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Part {
    /// The input.
    #[serde(skip)]
    pub input: usize,
    /// Exchanges judged (recorded and inferred).
    pub exchanges: u64,
    /// Issues raised while judging, redacted.
    pub issues: Vec<Issue>,
}

/// Builds batches of record rows.
pub struct RecordBatchBuilder {
    row: StringBuilder,
    input: Int64Builder,
    ord: Int64Builder,
    seq: Int64Builder,
    kind: StringBuilder,
    verdict: StringBuilder,
    causes: ListBuilder<StringBuilder>,
    origin: StringBuilder,
    method: StringBuilder,
    url: StringBuilder,
    status: Int32Builder,
    started: Int64Builder,
    client: StringBuilder,
    server: StringBuilder,
    detail: StringBuilder,
    rows: usize,
}

impl Default for RecordBatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

fn json(value: &impl serde::Serialize) -> Result<String, StageError> {
    serde_json::to_string(value).map_err(|e| StageError::invalid(e.to_string()))
}

impl RecordBatchBuilder {
    /// An empty batch.
    pub fn new() -> Self {
        Self {
            row: StringBuilder::new(),
            input: Int64Builder::new(),
            ord: Int64Builder::new(),
            seq: Int64Builder::new(),
            kind: StringBuilder::new(),
            verdict: StringBuilder::new(),
            causes: ListBuilder::new(StringBuilder::new()).with_field(cause_item()),
            origin: StringBuilder::new(),
            method: StringBuilder::new(),
            url: StringBuilder::new(),
            status: Int32Builder::new(),
            started: Int64Builder::new(),
            client: StringBuilder::new(),
            server: StringBuilder::new(),
            detail: StringBuilder::new(),
            rows: 0,
        }
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row is held.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Adds record number `ord` of its input.
    pub fn push_record(&mut self, ord: i64, r: &Record) -> Result<(), StageError> {
        self.row.append_value("record");
        self.input
            .append_value(i64::try_from(r.input).unwrap_or(i64::MAX));
        self.ord.append_value(ord);
        self.seq
            .append_value(i64::try_from(r.seq).unwrap_or(i64::MAX));
        self.kind.append_value(r.kind.as_str());
        self.verdict.append_value(r.verdict.as_str());
        for c in &r.causes {
            self.causes.values().append_value(c.cause.info().id);
        }
        self.causes.append(true);
        self.origin.append_option(r.origin.as_deref());
        self.method.append_value(&r.method);
        self.url.append_value(&r.url);
        self.status.append_option(r.status.map(i32::from));
        self.started.append_option(r.started.map(|t| t.0));
        self.client.append_option(r.client.as_deref());
        self.server.append_option(r.server.as_deref());
        self.detail.append_value(json(r)?);
        self.rows += 1;
        Ok(())
    }

    /// Adds an input's finished report.
    pub fn push_input(&mut self, report: &InputReport) -> Result<(), StageError> {
        self.push_summary("input", report.index, &json(report)?);
        Ok(())
    }

    /// Adds what this partition judged of an input.
    pub fn push_part(&mut self, part: &Part) -> Result<(), StageError> {
        self.push_summary("part", part.input, &json(part)?);
        Ok(())
    }

    fn push_summary(&mut self, kind: &str, input: usize, detail: &str) {
        self.row.append_value(kind);
        self.input
            .append_value(i64::try_from(input).unwrap_or(i64::MAX));
        self.ord.append_value(INPUT_ROW);
        self.seq.append_null();
        self.kind.append_null();
        self.verdict.append_null();
        self.causes.append(false);
        self.origin.append_null();
        self.method.append_null();
        self.url.append_null();
        self.status.append_null();
        self.started.append_null();
        self.client.append_null();
        self.server.append_null();
        self.detail.append_value(detail);
        self.rows += 1;
    }

    /// The rows held as one batch; the builder is empty again.
    pub fn finish(&mut self) -> Result<RecordBatch, StageError> {
        self.rows = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.row.finish()),
            Arc::new(self.input.finish()),
            Arc::new(self.ord.finish()),
            Arc::new(self.seq.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.verdict.finish()),
            Arc::new(self.causes.finish()),
            Arc::new(self.origin.finish()),
            Arc::new(self.method.finish()),
            Arc::new(self.url.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.started.finish()),
            Arc::new(self.client.finish()),
            Arc::new(self.server.finish()),
            Arc::new(self.detail.finish()),
        ];
        Ok(RecordBatch::try_new(schema(), columns)?)
    }
}

/// The rows of `batch`, checked against the schema.
pub fn rows(batch: &RecordBatch) -> Result<Vec<RecordRow>, StageError> {
    check_schema(batch, &schema())?;
    let kind = strings(batch, "row")?;
    let input = integers(batch, "input")?;
    let ord = integers(batch, "ord")?;
    let detail = strings(batch, "detail")?;
    let mut out = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let bad = |e: serde_json::Error| {
            StageError::invalid(format!("row {i} (input {}): {e}", input.value(i)))
        };
        let index = usize::try_from(input.value(i)).unwrap_or(usize::MAX);
        match kind.value(i) {
            "record" => {
                let mut record: Record = serde_json::from_str(detail.value(i)).map_err(bad)?;
                record.input = index;
                out.push(RecordRow::Record {
                    ord: ord.value(i),
                    record: Box::new(record),
                });
            }
            "input" => {
                let mut report: InputReport = serde_json::from_str(detail.value(i)).map_err(bad)?;
                report.index = index;
                out.push(RecordRow::Input(Box::new(report)));
            }
            "part" => {
                let mut part: Part = serde_json::from_str(detail.value(i)).map_err(bad)?;
                part.input = index;
                out.push(RecordRow::Part(Box::new(part)));
            }
            other => {
                return Err(StageError::invalid(format!(
                    "row {i}: unknown row kind {other:?}"
                )))
            }
        }
    }
    Ok(out)
}
