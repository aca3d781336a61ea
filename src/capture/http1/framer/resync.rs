//! Losing and regaining framing: capture gaps, heads too large or unparsable, streams that
//! start mid-message. The framer seeks the next plausible start line (RFC 9112 §2.2 allows
//! leading empty lines; anything else before a start line is skipped and reported).

use memchr::memchr;

use crate::capture::tcp::At;
use crate::model::{Issue, Position};

use super::{End, Events, Framer, State, ISSUE_HEADER_TOO_LARGE, ISSUE_UNPARSED_STREAM, LINE_CAP};
use crate::capture::http1::chunked::ChunkState;
use crate::capture::http1::head::plausible_start_line;

impl Framer {
    /// Scans for a plausible start line; returns the bytes used. Switches to `Start` (the line
    /// begins at the returned offset) or `Head` (the line is in `buf`) when it finds one.
    pub(super) fn seek(&mut self, rest: &[u8], here: At) -> usize {
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

    pub(super) fn too_large(&mut self, ev: &mut impl Events) {
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

    pub(super) fn lose_framing(&mut self, at: At, line_start: bool, ev: &mut impl Events) {
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

    pub(super) fn report_unparsed(&mut self, at: At, ev: &mut impl Events) {
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
