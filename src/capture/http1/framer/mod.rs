//! One direction of an HTTP/1.x connection: finds message boundaries in a byte stream that
//! arrives in pieces of any size, parses heads, and skips bodies without keeping them.
//!
//! Spec: RFC 9112 §2.2 (leading empty lines ignored), §6.3 (body length), §7.1 (chunked).
//! States: at a message start, in a head, in a body (by length, chunked, until close), seeking
//! (resynchronising at the next plausible start line after a gap, an error or a capture that
//! starts mid-stream), stopped (tunnel, protocol switch, end).
//!
//! Invariants: the result does not depend on how the stream is cut into pieces (a property
//! test feeds byte by byte); a head is parsed from the caller's slice when it lies in one
//! piece and is copied only when it spans pieces. Memory: one buffer of at most the header
//! cap (`Limits::http_header_bytes`) for a head, 8 KiB for a chunk-size or seek line.
//!
//! Layout: this file holds the state machine and its main loop; `lines` finds line and head
//! ends, `message` parses heads and ends messages, `resync` loses and regains framing.

mod lines;
mod message;
mod resync;

use super::chunked::ChunkState;
use super::head::{Answering, RequestHead, ResponseHead};
use crate::capture::tcp::At;
use crate::model::Issue;

pub use lines::head_end;

/// Issue id: a message head that could not be parsed (framing lost until the next start).
pub const ISSUE_MALFORMED: &str = "http-malformed";
/// Issue id: a message head larger than the cap.
pub const ISSUE_HEADER_TOO_LARGE: &str = "http-header-too-large";
/// Issue id: a stream in which no HTTP/1 message was found.
pub const ISSUE_UNPARSED_STREAM: &str = "http-unparsed-stream";

const LINE_CAP: usize = 8 << 10;
const SEEK_GIVE_UP: u64 = 1 << 20;

/// How a message ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Its last byte was seen.
    Complete,
    /// Its end fell in a capture gap or after the capture: not known.
    Unknown,
    /// The connection closed before its last byte.
    Cut,
}

/// What a framer finds, in stream order.
pub trait Events {
    /// A request head.
    fn request(&mut self, head: RequestHead, at: At);
    /// A response head; returns what kind of request it answers.
    fn response(&mut self, head: ResponseHead, at: At) -> Answering;
    /// A message that could not be parsed (it still counts in the request/response order).
    fn malformed(&mut self, request: bool, at: At);
    /// The end of the message whose head came last.
    fn message_end(&mut self, request: bool, body_bytes: u64, end: End, at: At);
    /// Framing was lost: messages may have been missed here.
    fn lost(&mut self, request: bool, at: At);
    /// An in-band issue.
    fn issue(&mut self, issue: Issue);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Start,
    Head,
    Body(u64),
    Chunked(ChunkState),
    UntilClose,
    Seek,
    Stopped,
}

/// The framer of one direction.
pub struct Framer {
    request: bool,
    state: State,
    buf: Vec<u8>,
    head_at: At,
    body_bytes: u64,
    in_message: bool,
    line_start: bool,
    parsed_any: bool,
    seen_bytes: u64,
    seek_bytes: u64,
    switch_pending: bool,
    header_cap: usize,
}

impl Framer {
    /// A framer for requests (`request`) or responses. `mid_stream`: the stream did not start
    /// at its first byte, so look for a start line first.
    pub fn new(request: bool, mid_stream: bool, header_cap: usize) -> Self {
        Self {
            request,
            state: if mid_stream {
                State::Seek
            } else {
                State::Start
            },
            buf: Vec::new(),
            head_at: At {
                frame: crate::model::FrameRef::new(
                    crate::model::FileIndex(0),
                    crate::model::FrameNumber(0),
                ),
                ts: Default::default(),
                offset: 0,
            },
            body_bytes: 0,
            in_message: false,
            line_start: true,
            parsed_any: false,
            seen_bytes: 0,
            seek_bytes: 0,
            switch_pending: false,
            header_cap: header_cap.max(64),
        }
    }

    /// Whether this direction stopped carrying HTTP/1.
    pub fn stopped(&self) -> bool {
        self.state == State::Stopped
    }

    /// Stops parsing (the connection switched protocols).
    pub fn stop(&mut self) {
        self.state = State::Stopped;
        self.buf = Vec::new();
    }

    /// Whether any message was parsed.
    pub fn parsed_any(&self) -> bool {
        self.parsed_any
    }

    /// Bytes of the stream, `at` is where `data[0]` sits.
    pub fn feed(&mut self, data: &[u8], at: At, ev: &mut impl Events) {
        self.seen_bytes += data.len() as u64;
        let mut i = 0usize;
        while let Some(rest) = data.get(i..).filter(|r| !r.is_empty()) {
            let here = At {
                offset: at.offset + i as u64,
                ..at
            };
            match self.state {
                State::Stopped => return,
                State::UntilClose => {
                    self.body_bytes += rest.len() as u64;
                    return;
                }
                State::Body(n) => {
                    let take = n.min(rest.len() as u64);
                    self.body_bytes += take;
                    i += take as usize;
                    if take == n {
                        let end = At {
                            offset: here.offset + take,
                            ..here
                        };
                        self.end_message(End::Complete, end, ev);
                    } else {
                        self.state = State::Body(n - take);
                    }
                }
                State::Chunked(ChunkState::Data(n)) => {
                    let take = n.min(rest.len() as u64);
                    self.body_bytes += take;
                    i += take as usize;
                    let next = if take == n {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(n - take)
                    };
                    self.state = State::Chunked(next);
                }
                State::Chunked(cs) => i += self.chunk_line(cs, rest, here, ev),
                State::Start => {
                    let skip = rest
                        .iter()
                        .take_while(|b| **b == b'\r' || **b == b'\n')
                        .count();
                    if skip > 0 {
                        i += skip;
                        continue;
                    }
                    self.head_at = here;
                    match head_end(rest, 0) {
                        Some(n) if n <= self.header_cap => {
                            i += n;
                            let end = At {
                                offset: here.offset + n as u64,
                                ..here
                            };
                            self.on_head(rest.get(..n).unwrap_or_default(), end, ev);
                        }
                        _ => {
                            self.buf.clear();
                            self.state = State::Head;
                        }
                    }
                }
                State::Head => {
                    let old = self.buf.len();
                    let room = (self.header_cap + 4).saturating_sub(old);
                    let take = room.min(rest.len());
                    self.buf
                        .extend_from_slice(rest.get(..take).unwrap_or_default());
                    match head_end(&self.buf, old.saturating_sub(3)) {
                        Some(n) if n <= self.header_cap => {
                            let used = n.saturating_sub(old);
                            i += used;
                            self.buf.truncate(n);
                            let buf = std::mem::take(&mut self.buf);
                            let end = At {
                                offset: here.offset + used as u64,
                                ..here
                            };
                            self.on_head(&buf, end, ev);
                            self.buf = buf;
                            self.buf.clear();
                        }
                        Some(_) => self.too_large(ev),
                        None if self.buf.len() > self.header_cap => self.too_large(ev),
                        None => i += take,
                    }
                }
                State::Seek => {
                    let used = self.seek(rest, here);
                    i += used;
                    self.seek_bytes += used as u64;
                    if self.state == State::Seek
                        && !self.parsed_any
                        && self.seek_bytes > SEEK_GIVE_UP
                    {
                        self.report_unparsed(here, ev);
                        self.stop();
                    }
                }
            }
        }
    }
}
