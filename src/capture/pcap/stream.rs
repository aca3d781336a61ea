//! One capture read from one or several files as a single frame stream: a capture rotated by
//! its writer (tcpdump `-C`/`-G`, dumpcap ring buffers, editcap splits) is read file after file
//! into the same flow table and HTTP layer, so a connection, a message or a pipelined request
//! that crosses a file boundary is read as if the capture were one file.
//!
//! Frames keep their place in their own file ([`FrameRef`]: file index and 1-based number, as
//! Wireshark shows them for that file). Files are read in the order given; a file whose first
//! frame is older than the newest frame read before it overlaps its predecessors, and that is
//! reported (`capture-files-overlap`, with the overlap in seconds): its frames are read after
//! theirs, and TCP reassembly puts what it can back in order.
//!
//! Memory: that of one file's reader plus the flow table and HTTP layer, whose caps in
//! [`Limits`] hold for the whole capture, however many files it spans.

use std::io::Read;

use super::reader::{read_frames, Frame, FrameSink};
use super::{PcapSummary, Pipeline};
use crate::capture::{CaptureError, Format, Sink};
use crate::model::{FileIndex, FrameRef, Issue, Limits, Position, Timestamp};

/// Issue id: a file of a capture starts before the files read before it end.
pub const ISSUE_FILES_OVERLAP: &str = "capture-files-overlap";

/// What one file of a stream held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileSummary {
    /// Frames read from it.
    pub frames: u64,
    /// Capture time of its first frame.
    pub first: Option<Timestamp>,
    /// Capture time of its last frame.
    pub last: Option<Timestamp>,
    /// pcapng `shb_userappl`, when present.
    pub producer: Option<String>,
}

/// A capture's frame stream, fed one file at a time.
pub struct Stream<'s> {
    pipeline: Pipeline<'s>,
    limits: Limits,
    /// Newest capture time read so far, in any file.
    newest: Option<Timestamp>,
    frames: u64,
    producer: Option<String>,
}

/// Passes frames on and notes the first and last capture times of one file.
struct Times<'p, 's> {
    pipeline: &'p mut Pipeline<'s>,
    first: Option<(FrameRef, Timestamp)>,
    last: Option<Timestamp>,
    newest: Option<Timestamp>,
}

impl FrameSink for Times<'_, '_> {
    fn frame(&mut self, frame: &Frame<'_>) {
        if self.first.is_none() {
            self.first = Some((frame.number, frame.ts));
        }
        self.last = Some(frame.ts);
        self.newest = self.newest.max(Some(frame.ts));
        self.pipeline.frame(frame);
    }

    fn issue(&mut self, issue: Issue) {
        self.pipeline.issue(issue);
    }
}

impl<'s> Stream<'s> {
    /// An empty stream handing exchanges and issues to `sink`.
    pub fn new(limits: &Limits, sink: &'s mut dyn Sink) -> Self {
        Self {
            pipeline: Pipeline::new(limits, sink),
            limits: limits.clone(),
            newest: None,
            frames: 0,
            producer: None,
        }
    }

    /// Reads the frames of `input` (already decompressed, of `format`), file `index` of the
    /// capture, named `name` in messages. An error means nothing of the file could be read;
    /// the stream can go on with the next file.
    pub fn file(
        &mut self,
        index: FileIndex,
        name: &str,
        input: &mut dyn Read,
        format: Format,
    ) -> Result<FileSummary, CaptureError> {
        let mut times = Times {
            pipeline: &mut self.pipeline,
            first: None,
            last: None,
            newest: None,
        };
        let info = read_frames(input, format, self.limits.packet_bytes, index, &mut times)?;
        let Times {
            first,
            last,
            newest,
            ..
        } = times;
        if let (Some((at, first)), Some(before)) = (first, self.newest) {
            if first < before {
                let by = before.0.saturating_sub(first.0) as f64 / 1e9;
                let msg = format!(
                    "{name} starts {by:.3} s before the end of the files read before it; its \
                     frames are read after theirs"
                );
                self.pipeline
                    .issue(Issue::at(ISSUE_FILES_OVERLAP, Position::Frame(at), msg));
            }
        }
        self.newest = self.newest.max(newest);
        self.frames += info.frames;
        if self.producer.is_none() {
            self.producer.clone_from(&info.producer);
        }
        Ok(FileSummary {
            frames: info.frames,
            first: first.map(|f| f.1),
            last,
            producer: info.producer,
        })
    }

    /// Ends the capture: flushes every connection and reports what was skipped.
    pub fn finish(mut self) -> PcapSummary {
        self.pipeline.finish();
        PcapSummary {
            producer: self.producer,
            frames: self.frames,
            tcp: self.pipeline.table.stats.clone(),
            http: self.pipeline.ctx.stats.http1.clone(),
            http2: self.pipeline.ctx.stats.http2.clone(),
            tls: self.pipeline.ctx.stats.tls.clone(),
        }
    }
}
