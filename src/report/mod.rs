//! Reports: the same records laid out as a terminal report, one JSON document, or JSON lines.
//! Renderers receive records as the pipeline finishes them, input by input in input order,
//! and write as they go; they lay out, they never decide or phrase domain text (messages and
//! fixes come from the engine and the cause catalogue).

mod address;
pub mod files;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod junit;
mod layout;
pub mod markdown;
pub mod record;
pub mod sarif;
pub mod text;
mod text_findings;
mod wire;

use std::io;

use crate::capture::{Compression, Format};
use crate::model::{IssueSummary, Timestamp};

pub use record::{Record, Summary};
pub use wire::SCHEMA_VERSION;

/// What a report says about one input.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputReport {
    /// Index in the run, in the order inputs were named (directories expanded, sorted); a
    /// capture of several files is one input, placed where its first-named file was.
    pub index: usize,
    /// Path as given, or `-` for standard input; for a capture of several files, the path of
    /// the file read first.
    pub path: String,
    /// Format recognised, when it was.
    pub format: Option<Format>,
    /// Compression undone, if any.
    pub compression: Option<Compression>,
    /// The program that wrote it, when recorded.
    pub producer: Option<String>,
    /// Exchanges judged from it (recorded and inferred).
    pub exchanges: u64,
    /// Why it could not be read, when it could not.
    pub error: Option<String>,
    /// A file met while walking a directory that is not a capture; reported, not an error.
    pub skipped: Option<String>,
    /// In-band issues, aggregated by id.
    pub issues: Vec<IssueSummary>,
    /// The files of an input that is one capture written as several files, in the order they
    /// were read (their index is the `file` of the input's locations); empty for an input of
    /// one file.
    pub files: Vec<FileReport>,
}

impl InputReport {
    /// The names of the input's files, indexed as its locations' files (empty for an input
    /// of one file).
    pub fn file_names(&self) -> Vec<String> {
        self.files.iter().map(|f| f.path.clone()).collect()
    }
}

/// One file of an input read as one capture of several files.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileReport {
    /// Path as found.
    pub path: String,
    /// Format recognised, when it was.
    pub format: Option<Format>,
    /// Compression undone, if any.
    pub compression: Option<Compression>,
    /// Frames read from it.
    pub frames: u64,
    /// Capture time of its first frame.
    pub first: Option<Timestamp>,
    /// Capture time of its last frame.
    pub last: Option<Timestamp>,
    /// Why it could not be read, when it could not (the other files were read).
    pub error: Option<String>,
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// A readable terminal report.
    Text,
    /// One JSON document.
    Json,
    /// One JSON object per exchange and per input, then a summary line.
    Jsonl,
    /// SARIF 2.1.0, one result per finding.
    Sarif,
    /// JUnit XML, one test suite per input, one test case per finding.
    Junit,
    /// GitHub-flavoured Markdown, one collapsible section per rule.
    Markdown,
    /// One self-contained HTML file.
    Html,
}

/// Lays out one record as bytes, on the worker that judged it, for formats whose records
/// stand alone (see [`Renderer::encoder`]).
pub type Encoder = fn(&Record, &mut Vec<u8>) -> io::Result<()>;

/// Lays out a run.
pub trait Renderer {
    /// One record of input `input`; records arrive input by input.
    fn record(&mut self, record: &Record) -> io::Result<()>;
    /// How workers may lay out records themselves, when this format lays out each record on
    /// its own. The pipeline then hands [`Renderer::encoded`] their bytes in order instead of
    /// calling [`Renderer::record`], so the rendering thread only writes.
    fn encoder(&self) -> Option<Encoder> {
        None
    }
    /// Records laid out by [`Renderer::encoder`], in order. Only called when `encoder` gave
    /// one.
    fn encoded(&mut self, bytes: &[u8]) -> io::Result<()> {
        let _ = bytes;
        Err(io::Error::other(
            "this report format lays out records itself",
        ))
    }
    /// All records of an input have been given.
    fn input_done(&mut self, input: &InputReport) -> io::Result<()>;
    /// The run is over.
    fn finish(&mut self, inputs: &[InputReport], summary: &Summary) -> io::Result<()>;
}

/// A renderer for `format` writing to `out`.
pub fn renderer<'a>(
    format: ReportFormat,
    out: Box<dyn io::Write + 'a>,
    color: bool,
) -> Box<dyn Renderer + 'a> {
    match format {
        ReportFormat::Text => Box::new(text::TextRenderer::new(out, color)),
        ReportFormat::Json => Box::new(json::JsonRenderer::new(out)),
        ReportFormat::Jsonl => Box::new(jsonl::JsonlRenderer::new(out)),
        ReportFormat::Sarif => Box::new(sarif::SarifRenderer::new(out)),
        ReportFormat::Junit => Box::new(junit::JunitRenderer::new(out)),
        ReportFormat::Markdown => Box::new(markdown::MarkdownRenderer::new(out)),
        ReportFormat::Html => Box::new(html::HtmlRenderer::new(out)),
    }
}
