//! The HTTP/2 frame layer of one direction (RFC 9113 §4.1): a byte stream that arrives in
//! pieces of any size in, one event per frame out, with the frame's header and the part of its
//! payload that is kept.
//!
//! What is kept is only what the connection needs: the header block fragments of HEADERS,
//! PUSH_PROMISE and CONTINUATION (up to the header cap), SETTINGS, the error code of
//! RST_STREAM, the last stream id and error code of GOAWAY, and the pad length of a padded DATA
//! frame. Everything else, DATA first of all, is skipped by its length without being copied.
//! Kept bytes that lie in one piece are passed straight from it; only a frame split across
//! pieces is copied, into one buffer of at most the header cap.
//!
//! A client's direction starts with the connection preface (§3.4), which is checked and
//! consumed here. After a gap, framing is lost for good in this direction ([`FrameReader::lose`]).

use crate::capture::protocol::opening::PREFACE;
use crate::capture::tcp::At;
use crate::model::{FileIndex, FrameNumber, FrameRef};

/// Frame types (§6).
pub mod kind {
    /// DATA.
    pub const DATA: u8 = 0;
    /// HEADERS.
    pub const HEADERS: u8 = 1;
    /// PRIORITY.
    pub const PRIORITY: u8 = 2;
    /// RST_STREAM.
    pub const RST_STREAM: u8 = 3;
    /// SETTINGS.
    pub const SETTINGS: u8 = 4;
    /// PUSH_PROMISE.
    pub const PUSH_PROMISE: u8 = 5;
    /// PING.
    pub const PING: u8 = 6;
    /// GOAWAY.
    pub const GOAWAY: u8 = 7;
    /// WINDOW_UPDATE.
    pub const WINDOW_UPDATE: u8 = 8;
    /// CONTINUATION.
    pub const CONTINUATION: u8 = 9;
}

/// Frame flags (§6).
pub mod flag {
    /// END_STREAM (DATA, HEADERS); ACK (SETTINGS, PING) has the same bit.
    pub const END_STREAM: u8 = 0x1;
    /// ACK (SETTINGS, PING).
    pub const ACK: u8 = 0x1;
    /// END_HEADERS (HEADERS, PUSH_PROMISE, CONTINUATION).
    pub const END_HEADERS: u8 = 0x4;
    /// PADDED (DATA, HEADERS, PUSH_PROMISE).
    pub const PADDED: u8 = 0x8;
    /// PRIORITY (HEADERS).
    pub const PRIORITY: u8 = 0x20;
}

/// Bytes of a frame header.
pub const HEADER_LEN: usize = 9;

/// The largest frame payload before any SETTINGS_MAX_FRAME_SIZE (§6.5.2).
pub const DEFAULT_MAX_FRAME: u32 = 1 << 14;

/// Largest SETTINGS payload kept (a SETTINGS frame this long holds 170 settings).
const SETTINGS_KEPT: usize = 1020;

/// A frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// Payload length.
    pub len: u32,
    /// Type.
    pub kind: u8,
    /// Flags.
    pub flags: u8,
    /// Stream identifier (the reserved bit cleared).
    pub stream: u32,
}

impl FrameHeader {
    /// Reads the 9 bytes of a frame header.
    pub fn parse(b: [u8; HEADER_LEN]) -> Self {
        let [l0, l1, l2, kind, flags, s0, s1, s2, s3] = b;
        Self {
            len: u32::from_be_bytes([0, l0, l1, l2]),
            kind,
            flags,
            stream: u32::from_be_bytes([s0 & 0x7f, s1, s2, s3]),
        }
    }

    /// Whether `b` starts with a header a peer could send: a known type within the default
    /// size, with the stream and length that type requires. Used to recognise HTTP/2 without its
    /// preface; `None` while fewer than 9 bytes are known.
    pub fn plausible(b: &[u8]) -> Option<bool> {
        let head: [u8; HEADER_LEN] = b.get(..HEADER_LEN)?.try_into().ok()?;
        let h = Self::parse(head);
        let reserved = head[5] & 0x80 != 0;
        let on_stream = h.stream != 0;
        let fits = match h.kind {
            kind::DATA | kind::HEADERS | kind::CONTINUATION | kind::PUSH_PROMISE => on_stream,
            kind::PRIORITY => on_stream && h.len == 5,
            kind::RST_STREAM => on_stream && h.len == 4,
            kind::SETTINGS => !on_stream && h.len.is_multiple_of(6),
            kind::PING => !on_stream && h.len == 8,
            kind::GOAWAY => !on_stream && h.len >= 8,
            kind::WINDOW_UPDATE => h.len == 4,
            _ => false,
        };
        Some(fits && !reserved && h.len <= DEFAULT_MAX_FRAME)
    }

    /// How much of the payload the connection needs, at most `block_cap` of a header block.
    fn kept(&self, block_cap: usize) -> usize {
        let len = self.len as usize;
        match self.kind {
            kind::DATA => usize::from(self.flags & flag::PADDED != 0).min(len),
            kind::HEADERS | kind::PUSH_PROMISE | kind::CONTINUATION => len.min(block_cap),
            kind::SETTINGS => len.min(SETTINGS_KEPT),
            kind::RST_STREAM => len.min(4),
            kind::GOAWAY => len.min(8),
            _ => 0,
        }
    }
}

/// What the frame reader finds, in stream order.
pub trait FrameEvents {
    /// One frame: its header, the part of its payload that is kept (all of it, unless a cap
    /// cut it or the type needs less), and where its header starts.
    fn frame(&mut self, header: &FrameHeader, kept: &[u8], at: At);
    /// The client's bytes did not start with the connection preface.
    fn bad_preface(&mut self, at: At);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Matching the connection preface: bytes matched so far.
    Preface(usize),
    /// Reading a frame header: bytes of it in `head` so far.
    Header(usize),
    /// Reading the kept part of a payload into `buf`: bytes still needed.
    Keep(usize),
    /// Skipping the rest of a payload.
    Skip(u64),
    /// Framing lost.
    Lost,
}

/// The frame reader of one direction.
pub struct FrameReader {
    state: State,
    head: [u8; HEADER_LEN],
    header: FrameHeader,
    header_at: At,
    buf: Vec<u8>,
    block_cap: usize,
}

impl FrameReader {
    /// A reader for the client's direction (`preface`: it starts with the connection preface)
    /// or the server's, keeping at most `block_cap` bytes of a header block fragment.
    pub fn new(preface: bool, block_cap: usize) -> Self {
        Self {
            state: if preface {
                State::Preface(0)
            } else {
                State::Header(0)
            },
            head: [0; HEADER_LEN],
            header: FrameHeader::parse([0; HEADER_LEN]),
            header_at: At {
                frame: FrameRef::new(FileIndex(0), FrameNumber(0)),
                ts: Default::default(),
                offset: 0,
            },
            buf: Vec::new(),
            block_cap,
        }
    }

    /// Framing is lost (a gap): nothing more is read in this direction.
    pub fn lose(&mut self) {
        self.state = State::Lost;
        self.buf = Vec::new();
    }

    /// Whether framing was lost.
    pub fn lost(&self) -> bool {
        self.state == State::Lost
    }

    /// Bytes of the stream; `at` is where `data[0]` sits.
    pub fn feed(&mut self, data: &[u8], at: At, ev: &mut impl FrameEvents) {
        let mut i = 0usize;
        while let Some(rest) = data.get(i..).filter(|r| !r.is_empty()) {
            let here = At {
                offset: at.offset + i as u64,
                ..at
            };
            match self.state {
                State::Lost => return,
                State::Preface(n) => {
                    let want = PREFACE.get(n..).unwrap_or_default();
                    let take = want.len().min(rest.len());
                    if rest.get(..take) != want.get(..take) {
                        ev.bad_preface(here);
                        self.lose();
                        return;
                    }
                    i += take;
                    self.state = if n + take == PREFACE.len() {
                        State::Header(0)
                    } else {
                        State::Preface(n + take)
                    };
                }
                State::Header(n) => {
                    if n == 0 {
                        self.header_at = here;
                    }
                    if n == 0 && rest.len() >= HEADER_LEN {
                        // The whole header, and maybe the kept payload, in this piece.
                        let mut head = [0; HEADER_LEN];
                        head.copy_from_slice(rest.get(..HEADER_LEN).unwrap_or(&[0; 9]));
                        let h = FrameHeader::parse(head);
                        let kept = h.kept(self.block_cap);
                        if let Some(payload) = rest.get(HEADER_LEN..HEADER_LEN + kept) {
                            self.header = h;
                            i += HEADER_LEN + kept;
                            ev.frame(&h, payload, here);
                            self.skip_rest(&h, kept);
                            continue;
                        }
                    }
                    let take = (HEADER_LEN - n).min(rest.len());
                    if let (Some(dst), Some(src)) =
                        (self.head.get_mut(n..n + take), rest.get(..take))
                    {
                        dst.copy_from_slice(src);
                    }
                    i += take;
                    if n + take < HEADER_LEN {
                        self.state = State::Header(n + take);
                        continue;
                    }
                    let h = FrameHeader::parse(self.head);
                    self.header = h;
                    let kept = h.kept(self.block_cap);
                    self.buf.clear();
                    if kept == 0 {
                        ev.frame(&h, &[], self.header_at);
                        self.skip_rest(&h, 0);
                    } else {
                        self.state = State::Keep(kept);
                    }
                }
                State::Keep(need) => {
                    let take = need.min(rest.len());
                    self.buf
                        .extend_from_slice(rest.get(..take).unwrap_or_default());
                    i += take;
                    if take < need {
                        self.state = State::Keep(need - take);
                        continue;
                    }
                    let h = self.header;
                    let buf = std::mem::take(&mut self.buf);
                    ev.frame(&h, &buf, self.header_at);
                    self.buf = buf;
                    self.buf.clear();
                    let kept = h.kept(self.block_cap);
                    self.skip_rest(&h, kept);
                }
                State::Skip(left) => {
                    let take = left.min(rest.len() as u64);
                    i += take as usize;
                    self.state = if take == left {
                        State::Header(0)
                    } else {
                        State::Skip(left - take)
                    };
                }
            }
        }
    }

    fn skip_rest(&mut self, h: &FrameHeader, kept: usize) {
        let left = u64::from(h.len).saturating_sub(kept as u64);
        self.state = if left == 0 {
            State::Header(0)
        } else {
            State::Skip(left)
        };
    }
}
