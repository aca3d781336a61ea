//! `corscope sanitize`: a HAR file made shareable. Secrets are redacted by the same policy
//! reports use ([`crate::redact`]): cookie values, credentials after the `Authorization`
//! scheme, secret headers, URL credentials and secret query and fragment parameters, in
//! `headers`, `cookies`, `queryString`, `url`, `redirectURL` and every other string of the
//! file (page titles, `_initiator` URLs). Bodies (`response.content.text`,
//! `request.postData.text` and `params`) are dropped unless they are asked for; kept, they are
//! copied as recorded except for secret `postData.params`. Everything else is kept: unknown
//! and `_`-prefixed members, member and header order, numbers as written, string escapes of
//! values left alone. `log._sanitized` says the file was sanitized, by which version, whether
//! bodies were kept and whether the key was given or random (never the key).
//!
//! What the CORS engine reads is never changed except through equal markers for equal
//! values: origins, `Access-Control-*` and every other header CORS is judged on, statuses,
//! header names, the presence of cookies and credentials. A URL and a `Location` naming the
//! same secret get the same marker, so preflights, redirects and requests still pair, and
//! `corscope analyze` gives a sanitized file the verdicts of the original.
//!
//! # Memory
//! The document streams through: one 64 KiB read buffer, output written every 64 KiB, bodies
//! skipped or streamed without being held. A string other than a body is held while it is
//! inspected, up to [`SanitizeOptions::string_bytes`] (by default
//! [`Limits::har_entry_bytes`](crate::model::Limits), the reader's own bound: a longer entry
//! is skipped by `analyze` anyway); a longer one is replaced by a marker of its length.
//! Header, cookie and parameter items are held whole (they are small).
//!
//! # Why not serde_json or a streaming JSON crate
//! Holding the document (or an entry with its bodies) as a `serde_json::Value` breaks the
//! memory bound; streaming crates decode every string and reject what browsers write (lone
//! surrogate escapes in Chrome HARs), while copying a value that is not redacted must keep
//! its bytes. The tokenizer here only finds token boundaries and string ends.
//!
//! # Errors
//! A file that is not a HAR, or whose JSON is broken or cut off, is an error naming the byte
//! offset; nothing is written then (the CLI writes to a temporary file and renames it).

mod lexer;
mod walk;
mod writer;

use std::io::{Read, Write};

use crate::capture::{decompress, sniff, CaptureError, Format};
use crate::model::Limits;
use crate::redact::Redactor;

/// How to sanitize.
#[derive(Clone, Debug)]
pub struct SanitizeOptions {
    /// The redaction policy (on; a random key unless one is given).
    pub redactor: Redactor,
    /// Keep bodies instead of dropping them.
    pub keep_bodies: bool,
    /// Longest string inspected; a longer one (other than a body) becomes a marker.
    pub string_bytes: usize,
}

impl Default for SanitizeOptions {
    fn default() -> Self {
        Self {
            redactor: Redactor::random(),
            keep_bodies: false,
            string_bytes: Limits::default().har_entry_bytes,
        }
    }
}

/// What sanitizing did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SanitizeSummary {
    /// Entries written.
    pub entries: u64,
    /// Values replaced by markers (a header value, a URL, a cookie).
    pub values_redacted: u64,
    /// Bodies dropped.
    pub bodies_dropped: u64,
    /// Strings too long to inspect, replaced by markers.
    pub too_long: u64,
}

/// Why a file could not be sanitized.
#[derive(Debug, thiserror::Error)]
pub enum SanitizeError {
    /// Reading failed.
    #[error("read failed at byte offset {offset}: {source}")]
    Io {
        /// Offset reached in the (decompressed) input.
        offset: u64,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Writing failed.
    #[error("write failed: {0}")]
    Write(#[source] std::io::Error),
    /// Not a HAR file.
    #[error("not a HAR file ({0})")]
    NotHar(String),
    /// Broken or cut-off JSON.
    #[error("{message} at byte offset {offset}")]
    Malformed {
        /// Offset in the (decompressed) input.
        offset: u64,
        /// What was wrong.
        message: String,
    },
}

impl From<CaptureError> for SanitizeError {
    fn from(e: CaptureError) -> Self {
        match e {
            CaptureError::Io { offset, source } => SanitizeError::Io { offset, source },
            other => SanitizeError::NotHar(other.to_string()),
        }
    }
}

/// Sanitizes the HAR `input` (gzip or zstd compressed or not) into `output`.
pub fn sanitize(
    input: Box<dyn Read + Send>,
    output: &mut dyn Write,
    options: &SanitizeOptions,
) -> Result<SanitizeSummary, SanitizeError> {
    let (_, input) = decompress::undo(input)?;
    let (format, mut input) = sniff::detect(input)?;
    if format != Format::Har {
        return Err(SanitizeError::NotHar(format!(
            "a {} capture; sanitize writes HAR files only",
            format.as_str()
        )));
    }
    let mut walk = walk::Walk {
        lexer: lexer::Lexer::new(&mut input)?,
        out: writer::Writer::default(),
        sink: output,
        options,
        summary: SanitizeSummary::default(),
        hold: 0,
        saw_entries: false,
    };
    walk.document()?;
    output_flush(walk.sink)?;
    Ok(walk.summary)
}

fn output_flush(sink: &mut dyn Write) -> Result<(), SanitizeError> {
    sink.flush().map_err(SanitizeError::Write)
}
