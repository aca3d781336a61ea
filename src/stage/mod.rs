//! Stage encodings: the exchanges `corscope extract` writes and `corscope decide` reads, and
//! the records `decide` writes and `corscope report` reads, as Arrow record batches stored in
//! Parquet files (zstd) or streamed as Arrow IPC (zstd buffers).
//!
//! One table per stage, versioned by the schema metadata key [`SCHEMA_KEY`]
//! (`corscope.exchanges/1`, `corscope.records/1`); a reader refuses any other version, and
//! takes data that lost the metadata (engines rewrite files without it) by its columns. Every
//! integer is signed (Spark rejects unsigned Arrow types) and every time is `Int64`
//! nanoseconds since the Unix epoch (Spark's own timestamps are microseconds). Besides one row
//! per exchange (or record), each input has one `input` row holding what the report says of
//! the input (its files, format, issues): it sorts after the input's other rows.
//!
//! The typed columns (keys, provenance, time, method, URL, origin, status, header lists) are
//! for engines and SQL; the `detail` column holds the rest of the row as JSON so that a row
//! read back is exactly the value written, which is what makes the stages equal to one
//! `analyze` run. The layout of each table is documented in the README.

pub mod exchanges;
pub mod files;
pub mod records;

use arrow_array::RecordBatch;

pub use files::{BatchWriter, Output};

/// Schema metadata key naming a table and its version.
pub const SCHEMA_KEY: &str = "corscope.schema";

/// The `seq` / `ord` of an input's own row: after every other row of the input.
pub const INPUT_ROW: i64 = i64::MAX;

/// Rows buffered before a batch is written.
pub const BATCH_ROWS: usize = 4096;

/// Why stage data could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// Reading or writing bytes failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The Arrow layer failed.
    #[error("{0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// The Parquet layer failed.
    #[error("{0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// The data is not what the schema says.
    #[error("{0}")]
    Invalid(String),
}

impl StageError {
    /// An invalid-data error naming where.
    pub fn invalid(what: impl Into<String>) -> Self {
        StageError::Invalid(what.into())
    }
}

/// The schema of a table: `fields`, with the metadata [`check_schema`] reads naming the
/// table and version (`version`, such as `corscope.records/1`).
pub fn versioned_schema(
    fields: Vec<arrow_schema::Field>,
    version: &str,
) -> std::sync::Arc<arrow_schema::Schema> {
    let metadata: std::collections::HashMap<String, String> =
        [(SCHEMA_KEY.to_string(), version.to_string())].into();
    std::sync::Arc::new(arrow_schema::Schema::new_with_metadata(fields, metadata))
}

/// Checks that `batch` is of the table `expected` is the schema of: its metadata names that
/// table and version, or it has no such metadata (engines such as Spark rewrite Parquet files
/// and Arrow streams without it) and its columns match; extra columns are ignored.
pub fn check_schema(
    batch: &RecordBatch,
    expected: &arrow_schema::Schema,
) -> Result<(), StageError> {
    let want = expected
        .metadata()
        .get(SCHEMA_KEY)
        .cloned()
        .unwrap_or_default();
    let schema = batch.schema();
    if let Some(got) = schema.metadata().get(SCHEMA_KEY) {
        if *got != want {
            return Err(StageError::invalid(format!(
                "expected {want} data, found {got}"
            )));
        }
    }
    for field in expected.fields() {
        match schema.field_with_name(field.name()) {
            Ok(f) if f.data_type().equals_datatype(field.data_type()) => {}
            _ => {
                return Err(StageError::invalid(format!(
                    "expected {want} data: column {} missing or of another type",
                    field.name()
                )))
            }
        }
    }
    Ok(())
}
