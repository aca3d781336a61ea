//! Where stage batches go and come from: Parquet files (zstd) in a directory, or one Arrow IPC
//! stream on standard output / input (zstd-compressed buffers).
//!
//! A Parquet file is written beside its final name and renamed once complete, so a failed or
//! retried task never leaves half a file where the next stage looks. Readers take Parquet
//! files, directories of them (their `*.parquet` files, sorted by name) and `-` for an IPC
//! stream on standard input, one batch at a time.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::{IpcWriteOptions, StreamWriter};
use arrow_ipc::CompressionType;
use arrow_schema::Schema;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::StageError;

/// Where a stage writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Parquet files in this directory (created when missing).
    Directory(PathBuf),
    /// One Arrow IPC stream on standard output.
    Stdout,
}

impl Output {
    /// `-` is standard output; anything else a directory.
    pub fn from_arg(arg: &Path) -> Self {
        if arg.as_os_str() == "-" {
            Output::Stdout
        } else {
            Output::Directory(arg.to_path_buf())
        }
    }
}

/// Writes batches of one schema to a Parquet file or an IPC stream.
pub enum BatchWriter {
    /// A Parquet file being written, and where it goes once complete.
    Parquet(Box<ArrowWriter<tempfile::NamedTempFile>>, PathBuf),
    /// An Arrow IPC stream.
    Ipc(Box<StreamWriter<Box<dyn Write + Send>>>),
}

impl BatchWriter {
    /// A Parquet file `name` in `dir` (zstd, level 3).
    pub fn parquet(dir: &Path, name: &str, schema: Arc<Schema>) -> Result<Self, StageError> {
        std::fs::create_dir_all(dir)?;
        let tmp = tempfile::Builder::new()
            .prefix(".part-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
            .build();
        let writer = ArrowWriter::try_new(tmp, schema, Some(props))?;
        Ok(BatchWriter::Parquet(Box::new(writer), dir.join(name)))
    }

    /// An IPC stream on `out` (zstd-compressed buffers).
    pub fn ipc(out: Box<dyn Write + Send>, schema: &Schema) -> Result<Self, StageError> {
        let options =
            IpcWriteOptions::default().try_with_compression(Some(CompressionType::ZSTD))?;
        let writer = StreamWriter::try_new_with_options(out, schema, options)?;
        Ok(BatchWriter::Ipc(Box::new(writer)))
    }

    /// Writes one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), StageError> {
        match self {
            BatchWriter::Parquet(w, _) => w.write(batch)?,
            BatchWriter::Ipc(w) => w.write(batch)?,
        }
        Ok(())
    }

    /// Ends the file or stream (a Parquet file takes its final name now).
    pub fn finish(self) -> Result<(), StageError> {
        match self {
            BatchWriter::Parquet(w, path) => {
                let tmp = w.into_inner()?;
                tmp.persist(&path).map_err(|e| e.error)?;
            }
            BatchWriter::Ipc(mut w) => {
                w.finish()?;
                w.get_mut().flush()?;
            }
        }
        Ok(())
    }
}

/// The Parquet files `inputs` name (directories give their `*.parquet` files, by name), or
/// `None` for standard input (`-`, which must then be the only input).
pub fn expand(inputs: &[PathBuf]) -> Result<Option<Vec<PathBuf>>, StageError> {
    if inputs.iter().any(|p| p.as_os_str() == "-") {
        if inputs.len() > 1 {
            return Err(StageError::invalid(
                "standard input (-) must be the only input",
            ));
        }
        return Ok(None);
    }
    let mut files = Vec::new();
    for path in inputs {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(Some(files))
}

/// Batches read one at a time; errors name the file.
pub type Batches = Box<dyn Iterator<Item = Result<RecordBatch, StageError>>>;

/// One source of batches per file `inputs` name (see [`expand`]), or one for standard input,
/// each with its name.
pub fn sources(inputs: &[PathBuf]) -> Result<Vec<(String, Batches)>, StageError> {
    let Some(files) = expand(inputs)? else {
        let reader = StreamReader::try_new(io::BufReader::new(io::stdin().lock()), None)?;
        let batches = reader.map(|b| b.map_err(|e| StageError::invalid(format!("-: {e}"))));
        let batches: Batches = Box::new(batches);
        return Ok(vec![("-".to_string(), batches)]);
    };
    files
        .into_iter()
        .map(|path| Ok((path.display().to_string(), parquet_batches(&path)?)))
        .collect()
}

fn parquet_batches(path: &Path) -> Result<Batches, StageError> {
    let name = path.display().to_string();
    let named = move |e: StageError| StageError::invalid(format!("{name}: {e}"));
    let file = File::open(path).map_err(|e| named(e.into()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| named(e.into()))?;
    // The file's schema carries the table's metadata; its batches may not.
    let schema = builder.schema().clone();
    let reader = builder.build().map_err(|e| named(e.into()))?;
    Ok(Box::new(reader.map(move |batch| {
        batch
            .and_then(|b| b.with_schema(Arc::clone(&schema)))
            .map_err(|e| named(e.into()))
    })))
}

/// Calls `each` with every batch of `inputs` (see [`expand`]), in order; errors name the file.
pub fn for_each_batch(
    inputs: &[PathBuf],
    each: &mut dyn FnMut(RecordBatch) -> Result<(), StageError>,
) -> Result<(), StageError> {
    for (name, batches) in sources(inputs)? {
        for batch in batches {
            each(batch?).map_err(|e| StageError::invalid(format!("{name}: {e}")))?;
        }
    }
    Ok(())
}
