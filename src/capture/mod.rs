//! Capture formats in, normalized exchanges out. The format of an input is recognised by its
//! first bytes, never by its file name; gzip and zstd compression are undone on the way.
//! Readers push exchanges and in-band issues into a [`Sink`] one at a time and never hold a
//! body, so memory is bounded by what is in flight. Knows nothing of CORS.

pub mod decompress;
pub mod har;
pub mod http1;
pub mod http2;
pub mod pcap;
pub mod protocol;
pub mod sniff;
pub mod tcp;

use std::io::Read;

use thiserror::Error;

use crate::model::{Exchange, Issue, Limits, Position};

pub use sniff::{Compression, Format};

/// Receives what a reader finds, in input order.
pub trait Sink {
    /// One exchange.
    fn exchange(&mut self, exchange: Exchange);
    /// One in-band issue: something skipped or cut short, the rest read on.
    fn issue(&mut self, issue: Issue);
}

/// What is known about an input once it has been read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputInfo {
    /// The format recognised.
    pub format: Format,
    /// The compression undone, if any.
    pub compression: Option<Compression>,
    /// The program that wrote it, when the format says (HAR `creator`, pcapng `shb_userappl`).
    pub producer: Option<String>,
}

/// Why an input could not be read at all (as opposed to an in-band [`Issue`]).
#[derive(Debug, Error)]
pub enum CaptureError {
    /// The input could not be read.
    #[error("read failed at byte offset {offset}: {source}")]
    Io {
        /// Offset reached in the (decompressed) input.
        offset: u64,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The first bytes match no supported format.
    #[error("not a HAR, pcap or pcapng file ({0})")]
    NotRecognised(String),
    /// The format was recognised but its structure is broken before anything could be read.
    #[error("{message} at {at}")]
    Malformed {
        /// Where.
        at: Position,
        /// What.
        message: String,
    },
}

/// An input with its compression undone and its format recognised, ready to be read.
pub type Recognised = (Option<Compression>, Format, Box<dyn Read + Send>);

/// Undoes the compression of an input and recognises its format, ready to be read.
pub fn recognise(input: Box<dyn Read + Send>) -> Result<Recognised, CaptureError> {
    let (compression, input) = decompress::undo(input)?;
    let (format, input) = sniff::detect(input)?;
    Ok((compression, format, Box::new(input)))
}

/// Reads one input of any supported format into `sink`.
pub fn read(
    input: Box<dyn Read + Send>,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<InputInfo, CaptureError> {
    let (compression, format, mut input) = recognise(input)?;
    let producer = match format {
        Format::Har => har::read(&mut input, limits, sink)?.producer,
        Format::Pcap | Format::PcapNg => pcap::read(&mut input, format, limits, sink)?.producer,
    };
    Ok(InputInfo {
        format,
        compression,
        producer,
    })
}
