//! A message's life in the framer: its head parsed, its body delimited, its end reported.

use crate::capture::tcp::{At, Close};
use crate::model::{Issue, Position};

use super::lines::{take_line, LineTake};
use super::{End, Events, Framer, State, ISSUE_MALFORMED, LINE_CAP};
use crate::capture::http1::chunked::{on_line, ChunkState, LineOutcome};
use crate::capture::http1::head::{
    parse_request, parse_response, response_body, switches, BodyLength,
};

impl Framer {
    pub(super) fn chunk_line(
        &mut self,
        cs: ChunkState,
        rest: &[u8],
        here: At,
        ev: &mut impl Events,
    ) -> usize {
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

    pub(super) fn on_head(&mut self, head: &[u8], end: At, ev: &mut impl Events) {
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

    pub(super) fn end_message(&mut self, end: End, at: At, ev: &mut impl Events) {
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
}
