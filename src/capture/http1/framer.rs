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

use memchr::memchr;

use crate::model::{Issue, Position};

use super::chunked::{on_line, ChunkState, LineOutcome};
use super::head::{
    parse_request, parse_response, plausible_start_line, response_body, switches, Answering,
    BodyLength, RequestHead, ResponseHead,
};
use crate::capture::tcp::{At, Close};

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

enum LineTake<'a> {
    Complete(usize, &'a [u8]),
    Partial(usize),
    TooLong,
}

fn take_line<'a>(buf: &'a mut Vec<u8>, rest: &'a [u8], cap: usize) -> LineTake<'a> {
    match memchr(b'\n', rest) {
        Some(k) => {
            let line = rest.get(..=k).unwrap_or_default();
            if buf.is_empty() {
                LineTake::Complete(k + 1, line)
            } else if buf.len() + line.len() > cap {
                LineTake::TooLong
            } else {
                buf.extend_from_slice(line);
                LineTake::Complete(k + 1, buf.as_slice())
            }
        }
        None if buf.len() + rest.len() > cap => LineTake::TooLong,
        None => {
            buf.extend_from_slice(rest);
            LineTake::Partial(rest.len())
        }
    }
}

/// End of the head section in `buf` (index after the empty line), searching from `from`.
/// Accepts CRLF and bare LF line endings.
pub fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut pos = from;
    while let Some(k) = buf.get(pos..).and_then(|r| memchr(b'\n', r)) {
        let nl = pos + k;
        match (buf.get(nl + 1), buf.get(nl + 2)) {
            (Some(b'\n'), _) => return Some(nl + 2),
            (Some(b'\r'), Some(b'\n')) => return Some(nl + 3),
            (None, _) | (Some(b'\r'), None) => return None,
            _ => pos = nl + 1,
        }
    }
    None
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
                frame: crate::model::FrameNumber(0),
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

    fn chunk_line(&mut self, cs: ChunkState, rest: &[u8], here: At, ev: &mut impl Events) -> usize {
        let cap = if cs == ChunkState::Trailer {
            self.header_cap
        } else {
            LINE_CAP
        };
        let (used, outcome) = match take_line(&mut self.buf, rest, cap) {
            LineTake::Complete(n, line) => (n, Some(on_line(cs, line))),
            LineTake::Partial(n) => (n, None),
            LineTake::TooLong => (0, Some(LineOutcome::Malformed)),
        };
        match outcome {
            None => {}
            Some(LineOutcome::Next(s)) => {
                self.buf.clear();
                self.state = State::Chunked(s);
            }
            Some(LineOutcome::Done) => {
                self.buf.clear();
                let end = At {
                    offset: here.offset + used as u64,
                    ..here
                };
                self.end_message(End::Complete, end, ev);
            }
            Some(LineOutcome::Malformed) => {
                let pos = Position::Stream {
                    frame: here.frame,
                    offset: here.offset,
                };
                ev.issue(Issue::at(
                    ISSUE_MALFORMED,
                    pos,
                    "invalid chunked transfer coding",
                ));
                self.end_message(End::Unknown, here, ev);
                self.lose_framing(here, false, ev);
            }
        }
        used
    }

    /// Scans for a plausible start line; returns the bytes used. Switches to `Start` (the line
    /// begins at the returned offset) or `Head` (the line is in `buf`) when it finds one.
    fn seek(&mut self, rest: &[u8], here: At) -> usize {
        let mut j = 0usize;
        while let Some(r) = rest.get(j..).filter(|r| !r.is_empty()) {
            if !self.line_start {
                match memchr(b'\n', r) {
                    Some(k) => {
                        j += k + 1;
                        self.line_start = true;
                    }
                    None => j = rest.len(),
                }
                continue;
            }
            if self.buf.is_empty() {
                let first = r.first().copied().unwrap_or(0);
                let ok = if self.request {
                    first.is_ascii_uppercase()
                } else {
                    first == b'H'
                };
                if !ok {
                    self.line_start = false;
                    continue;
                }
                self.head_at = At {
                    offset: here.offset + j as u64,
                    ..here
                };
            }
            match memchr(b'\n', r) {
                Some(k) => {
                    let line = r.get(..=k).unwrap_or_default();
                    if self.buf.is_empty() {
                        if plausible_start_line(line, self.request) {
                            self.state = State::Start;
                            return j;
                        }
                    } else {
                        self.buf.extend_from_slice(line);
                        if plausible_start_line(&self.buf, self.request) {
                            self.state = State::Head;
                            return j + k + 1;
                        }
                        self.buf.clear();
                    }
                    j += k + 1;
                }
                None => {
                    if self.buf.len() + r.len() <= LINE_CAP {
                        self.buf.extend_from_slice(r);
                    } else {
                        self.buf.clear();
                        self.line_start = false;
                    }
                    j = rest.len();
                }
            }
        }
        j
    }

    fn on_head(&mut self, head: &[u8], end: At, ev: &mut impl Events) {
        let at = self.head_at;
        let body = if self.request {
            match parse_request(head) {
                Ok(h) => {
                    self.switch_pending =
                        h.method.eq_ignore_ascii_case("CONNECT") || h.headers.contains("upgrade");
                    let body = h.body;
                    ev.request(h, at);
                    Ok(body)
                }
                Err(e) => Err(e),
            }
        } else {
            match parse_response(head) {
                Ok(h) => {
                    let (status, framing) = (h.status, h.framing);
                    let answering = ev.response(h, at);
                    if switches(status, answering) {
                        self.switch_pending = true;
                    }
                    Ok(response_body(status, framing, answering))
                }
                Err(e) => Err(e),
            }
        };
        match body {
            Ok(body) => {
                self.parsed_any = true;
                self.in_message = true;
                self.body_bytes = 0;
                match body {
                    BodyLength::None => self.end_message(End::Complete, end, ev),
                    BodyLength::Length(n) => self.state = State::Body(n),
                    BodyLength::Chunked => self.state = State::Chunked(ChunkState::Size),
                    BodyLength::UntilClose => self.state = State::UntilClose,
                }
            }
            Err(e) => {
                if self.parsed_any {
                    let pos = Position::Stream {
                        frame: at.frame,
                        offset: at.offset,
                    };
                    ev.issue(Issue::at(ISSUE_MALFORMED, pos, e));
                }
                ev.malformed(self.request, at);
                // the head ended with its empty line: the next byte starts a line
                self.state = State::Seek;
                self.line_start = true;
                self.buf.clear();
            }
        }
    }

    fn too_large(&mut self, ev: &mut impl Events) {
        let at = self.head_at;
        let first_line_ok = memchr(b'\n', &self.buf)
            .and_then(|k| self.buf.get(..=k))
            .is_some_and(|l| plausible_start_line(l, self.request));
        if first_line_ok {
            let pos = Position::Stream {
                frame: at.frame,
                offset: at.offset,
            };
            let msg = format!("message head larger than {} bytes skipped", self.header_cap);
            ev.issue(Issue::at(ISSUE_HEADER_TOO_LARGE, pos, msg));
            ev.malformed(self.request, at);
        }
        self.buf.clear();
        self.state = State::Seek;
        self.line_start = false;
    }

    fn end_message(&mut self, end: End, at: At, ev: &mut impl Events) {
        if self.in_message {
            ev.message_end(self.request, self.body_bytes, end, at);
        }
        self.in_message = false;
        self.body_bytes = 0;
        if !self.request && self.switch_pending {
            self.stop();
        } else if self.request && self.switch_pending {
            self.switch_pending = false;
            self.state = State::Seek;
            self.line_start = true;
        } else {
            self.state = State::Start;
        }
    }

    fn lose_framing(&mut self, at: At, line_start: bool, ev: &mut impl Events) {
        ev.lost(self.request, at);
        self.buf.clear();
        self.state = State::Seek;
        self.line_start = line_start;
    }

    /// `len` bytes at `at` were never captured.
    pub fn gap(&mut self, len: u64, at: At, ev: &mut impl Events) {
        match self.state {
            State::Body(n) if n > len => {
                self.body_bytes += len;
                self.state = State::Body(n - len);
            }
            State::Body(n) if n == len => {
                self.body_bytes += len;
                self.end_message(
                    End::Complete,
                    At {
                        offset: at.offset + len,
                        ..at
                    },
                    ev,
                );
            }
            State::Chunked(ChunkState::Data(n)) if n >= len => {
                self.body_bytes += len;
                let next = if n == len {
                    ChunkState::DataEnd
                } else {
                    ChunkState::Data(n - len)
                };
                self.state = State::Chunked(next);
            }
            State::UntilClose => self.body_bytes += len,
            State::Stopped => {}
            State::Seek => {
                self.buf.clear();
                self.line_start = true;
            }
            _ => {
                self.end_message(End::Unknown, at, ev);
                if self.state != State::Stopped {
                    self.lose_framing(at, true, ev);
                }
            }
        }
    }

    /// The stream ended.
    pub fn close(&mut self, how: Close, at: At, ev: &mut impl Events) {
        match self.state {
            State::UntilClose if how != Close::Abandoned => self.end_message(End::Complete, at, ev),
            State::Body(_) | State::Chunked(_) | State::UntilClose if how != Close::Abandoned => {
                self.end_message(End::Cut, at, ev)
            }
            State::Body(_) | State::Chunked(_) | State::UntilClose => {
                self.end_message(End::Unknown, at, ev)
            }
            _ => {}
        }
        if !self.parsed_any && self.seen_bytes > 0 && self.state != State::Stopped {
            self.report_unparsed(at, ev);
        }
        self.stop();
    }

    fn report_unparsed(&mut self, at: At, ev: &mut impl Events) {
        let what = if self.request {
            "requests"
        } else {
            "responses"
        };
        let msg = format!(
            "no HTTP/1 {what} found in {} bytes of a stream",
            self.seen_bytes
        );
        ev.issue(Issue::at(
            ISSUE_UNPARSED_STREAM,
            Position::Frame(at.frame),
            msg,
        ));
    }
}
