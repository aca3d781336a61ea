//! The exchanges table (`corscope.exchanges/2`): what `extract` writes and `decide` reads.
//! One row per exchange in the order its input yielded it (`seq`), and one `input` row per
//! input holding its report (files, format, capture issues). `merge_ns` is the latest request
//! time of the input up to and including the row: it never decreases along `seq`, so the rows
//! of several capture points sorted by (`merge_ns`, `input`, `seq`) interleave them in capture
//! time while each keeps its own order (see `decide --merge-points`). Header lists keep wire order,
//! duplicates and bytes (`Binary`, since header bytes need not be UTF-8); bodies are never
//! stored.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, Int32Builder, Int64Builder, ListBuilder, StringBuilder, StructBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema};

use super::{check_schema, versioned_schema, StageError, INPUT_ROW};
use crate::model::{Exchange, HeaderList, Location};
use crate::report::InputReport;

/// The version this build writes and reads.
pub const EXCHANGES_V2: &str = "corscope.exchanges/2";

fn header_fields() -> Fields {
    Fields::from(vec![
        Field::new("name", DataType::Binary, true),
        Field::new("value", DataType::Binary, true),
    ])
}

fn header_item() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Struct(header_fields()), true))
}

/// The schema of the exchanges table.
pub fn schema() -> Arc<Schema> {
    let headers = DataType::List(header_item());
    let fields = vec![
        Field::new("row", DataType::Utf8, false),
        Field::new("input", DataType::Int64, false),
        Field::new("seq", DataType::Int64, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("file", DataType::Utf8, true),
        Field::new("frame", DataType::Int64, true),
        Field::new("entry", DataType::Int64, true),
        Field::new("client_key", DataType::Utf8, true),
        Field::new("origin", DataType::Utf8, true),
        Field::new("req_ts_ns", DataType::Int64, true),
        Field::new("resp_ts_ns", DataType::Int64, true),
        Field::new("method", DataType::Utf8, true),
        Field::new("url", DataType::Utf8, true),
        Field::new("status", DataType::Int32, true),
        Field::new("req_headers", headers.clone(), true),
        Field::new("resp_headers", headers, true),
        Field::new("detail", DataType::Utf8, false),
        Field::new("merge_ns", DataType::Int64, true),
    ];
    versioned_schema(fields, EXCHANGES_V2)
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub enum ExchangeRow {
    /// An exchange: its input, its place there, and the exchange.
    Exchange {
        /// Index of the input in the run.
        input: i64,
        /// Place in the input, from 0.
        seq: i64,
        /// The input's latest request time so far (see the module doc).
        merge_ns: i64,
        /// The exchange, headers included.
        exchange: Box<Exchange>,
    },
    /// What the report says of an input (its issues are the capture's).
    Input(Box<InputReport>),
}

/// Rows of one input's provenance, for the typed columns.
pub struct Provenance<'a> {
    /// Index of the input in the run.
    pub input: i64,
    /// The input's name (its first file).
    pub source: &'a str,
    /// The names of its files, indexed as its locations' files.
    pub files: &'a [String],
}

/// Builds batches of exchange rows.
pub struct ExchangeBatch {
    row: StringBuilder,
    input: Int64Builder,
    seq: Int64Builder,
    source: StringBuilder,
    file: StringBuilder,
    frame: Int64Builder,
    entry: Int64Builder,
    client_key: StringBuilder,
    origin: StringBuilder,
    req_ts: Int64Builder,
    resp_ts: Int64Builder,
    method: StringBuilder,
    url: StringBuilder,
    status: Int32Builder,
    req_headers: ListBuilder<StructBuilder>,
    resp_headers: ListBuilder<StructBuilder>,
    detail: StringBuilder,
    merge: Int64Builder,
    rows: usize,
}

fn header_builder() -> ListBuilder<StructBuilder> {
    let fields = header_fields();
    let values = StructBuilder::new(
        fields,
        vec![
            Box::new(BinaryBuilder::new()),
            Box::new(BinaryBuilder::new()),
        ],
    );
    ListBuilder::new(values).with_field(header_item())
}

fn append_headers(b: &mut ListBuilder<StructBuilder>, headers: Option<&HeaderList>) {
    let Some(headers) = headers else {
        b.append(false);
        return;
    };
    let values = b.values();
    for h in headers {
        if let Some(n) = values.field_builder::<BinaryBuilder>(0) {
            n.append_value(h.name);
        }
        if let Some(v) = values.field_builder::<BinaryBuilder>(1) {
            v.append_value(h.value);
        }
        values.append(true);
    }
    b.append(true);
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Default for ExchangeBatch {
    fn default() -> Self {
        Self::new()
    }
}

impl ExchangeBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self {
            row: StringBuilder::new(),
            input: Int64Builder::new(),
            seq: Int64Builder::new(),
            source: StringBuilder::new(),
            file: StringBuilder::new(),
            frame: Int64Builder::new(),
            entry: Int64Builder::new(),
            client_key: StringBuilder::new(),
            origin: StringBuilder::new(),
            req_ts: Int64Builder::new(),
            resp_ts: Int64Builder::new(),
            method: StringBuilder::new(),
            url: StringBuilder::new(),
            status: Int32Builder::new(),
            req_headers: header_builder(),
            resp_headers: header_builder(),
            detail: StringBuilder::new(),
            merge: Int64Builder::new(),
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

    /// Adds exchange `seq` of the input `at` names, whose browser is `client_key`; `merge_ns`
    /// is the input's latest request time so far.
    pub fn push_exchange(
        &mut self,
        at: &Provenance<'_>,
        seq: i64,
        client_key: Option<&str>,
        merge_ns: i64,
        ex: &Exchange,
    ) -> Result<(), StageError> {
        self.row.append_value("exchange");
        self.input.append_value(at.input);
        self.seq.append_value(seq);
        self.source.append_value(at.source);
        let (file, frame, entry) = match ex.location {
            Location::Entry(e) => (None, None, Some(to_i64(e.0))),
            Location::Frames { request, .. } => {
                let name = at
                    .files
                    .get(request.file.0 as usize)
                    .map_or(at.source, String::as_str);
                (Some(name), Some(to_i64(request.number.0)), None)
            }
            Location::InferredFrom(_) => (None, None, None),
        };
        self.file.append_option(file);
        self.frame.append_option(frame);
        self.entry.append_option(entry);
        self.client_key.append_option(client_key);
        self.origin
            .append_option(ex.request.headers.first_str("Origin").as_deref());
        self.req_ts.append_option(ex.timing.started.map(|t| t.0));
        self.resp_ts
            .append_option(ex.timing.response_started.map(|t| t.0));
        self.method.append_value(&ex.request.method);
        self.url.append_value(&ex.request.url);
        self.status
            .append_option(ex.response.as_ref().map(|r| i32::from(r.status)));
        append_headers(&mut self.req_headers, Some(&ex.request.headers));
        append_headers(
            &mut self.resp_headers,
            ex.response.as_ref().map(|r| &r.headers),
        );
        let json = serde_json::to_string(ex).map_err(|e| StageError::invalid(e.to_string()))?;
        self.detail.append_value(json);
        self.merge.append_value(merge_ns);
        self.rows += 1;
        Ok(())
    }

    /// Adds the row of an input's report.
    pub fn push_input(
        &mut self,
        at: &Provenance<'_>,
        report: &InputReport,
    ) -> Result<(), StageError> {
        self.row.append_value("input");
        self.input.append_value(at.input);
        self.seq.append_value(INPUT_ROW);
        self.source.append_value(at.source);
        self.file.append_null();
        self.frame.append_null();
        self.entry.append_null();
        self.client_key.append_null();
        self.origin.append_null();
        self.req_ts.append_null();
        self.resp_ts.append_null();
        self.method.append_null();
        self.url.append_null();
        self.status.append_null();
        append_headers(&mut self.req_headers, None);
        append_headers(&mut self.resp_headers, None);
        let json = serde_json::to_string(report).map_err(|e| StageError::invalid(e.to_string()))?;
        self.detail.append_value(json);
        self.merge.append_null();
        self.rows += 1;
        Ok(())
    }

    /// The rows held as one batch; the builder is empty again.
    pub fn finish(&mut self) -> Result<RecordBatch, StageError> {
        self.rows = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.row.finish()),
            Arc::new(self.input.finish()),
            Arc::new(self.seq.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.file.finish()),
            Arc::new(self.frame.finish()),
            Arc::new(self.entry.finish()),
            Arc::new(self.client_key.finish()),
            Arc::new(self.origin.finish()),
            Arc::new(self.req_ts.finish()),
            Arc::new(self.resp_ts.finish()),
            Arc::new(self.method.finish()),
            Arc::new(self.url.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.req_headers.finish()),
            Arc::new(self.resp_headers.finish()),
            Arc::new(self.detail.finish()),
            Arc::new(self.merge.finish()),
        ];
        Ok(RecordBatch::try_new(schema(), columns)?)
    }
}

/// A column of `batch` as strings.
pub(super) fn strings<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a arrow_array::StringArray, StageError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or_else(|| StageError::invalid(format!("column {name} is not text")))
}

/// A column of `batch` as 64-bit integers.
pub(super) fn integers<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a arrow_array::Int64Array, StageError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .ok_or_else(|| StageError::invalid(format!("column {name} is not Int64")))
}

/// The header list in row `i` of a header column.
fn headers_at(column: &dyn Array, i: usize) -> Result<HeaderList, StageError> {
    let bad = || StageError::invalid("a header column is not a list of (name, value) bytes");
    let list = column.as_list_opt::<i32>().ok_or_else(bad)?;
    let mut out = HeaderList::new();
    if list.is_null(i) {
        return Ok(out);
    }
    let items = list.value(i);
    let items = items.as_struct_opt().ok_or_else(bad)?;
    let names = items.column(0).as_binary_opt::<i32>().ok_or_else(bad)?;
    let values = items.column(1).as_binary_opt::<i32>().ok_or_else(bad)?;
    for j in 0..items.len() {
        out.push(names.value(j), values.value(j));
    }
    Ok(out)
}

/// The rows of `batch`, checked against the schema.
pub fn rows(batch: &RecordBatch) -> Result<Vec<ExchangeRow>, StageError> {
    check_schema(batch, &schema())?;
    let kind = strings(batch, "row")?;
    let input = integers(batch, "input")?;
    let seq = integers(batch, "seq")?;
    let detail = strings(batch, "detail")?;
    let merge = integers(batch, "merge_ns")?;
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .cloned()
            .ok_or_else(|| StageError::invalid(format!("column {name} missing")))
    };
    let (req_headers, resp_headers) = (column("req_headers")?, column("resp_headers")?);
    let mut out = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let json = detail.value(i);
        let bad = |e: serde_json::Error| {
            StageError::invalid(format!("row {i} (input {}): {e}", input.value(i)))
        };
        match kind.value(i) {
            "exchange" => {
                let mut ex: Exchange = serde_json::from_str(json).map_err(bad)?;
                ex.request.headers = headers_at(req_headers.as_ref(), i)?;
                if let Some(r) = &mut ex.response {
                    r.headers = headers_at(resp_headers.as_ref(), i)?;
                }
                out.push(ExchangeRow::Exchange {
                    input: input.value(i),
                    seq: seq.value(i),
                    merge_ns: merge.value(i),
                    exchange: Box::new(ex),
                });
            }
            "input" => {
                let mut report: InputReport = serde_json::from_str(json).map_err(bad)?;
                report.index = usize::try_from(input.value(i)).unwrap_or(usize::MAX);
                out.push(ExchangeRow::Input(Box::new(report)));
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

#[cfg(test)]
mod tests;
