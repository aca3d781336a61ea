//! Each frame of one direction, and the header blocks they carry decoded into requests and
//! responses (RFC 9113 §6, §4.3, §8.1).

use super::{side_name, Block, Ev};
use crate::capture::http2::frame::{flag, kind, FrameEvents, FrameHeader};
use crate::capture::http2::streams::{connection_failure, request};
use crate::capture::http2::{
    ISSUE_FRAME_TOO_LARGE, ISSUE_GOAWAY, ISSUE_HEADER_BLOCK_TOO_LARGE, ISSUE_HPACK_ERROR,
    ISSUE_PROTOCOL_ERROR,
};
use crate::capture::tcp::{At, Side};
use crate::model::{Failure, HeaderList, Issue, Position};

/// RFC 9113 §7 error code names.
fn error_name(code: u32) -> String {
    const NAMES: [&str; 14] = [
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|c| NAMES.get(c))
        .map_or_else(|| format!("error 0x{code:x}"), |n| (*n).to_string())
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let four: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(four))
}

/// The header block fragment of a HEADERS or PUSH_PROMISE payload: without padding, priority
/// or promised stream id. `None` when the payload is too short for what its flags announce.
fn fragment<'a>(h: &FrameHeader, kept: &'a [u8]) -> Option<&'a [u8]> {
    let mut p = kept;
    let mut pad = 0usize;
    if h.flags & flag::PADDED != 0 {
        pad = usize::from(*p.first()?);
        p = p.get(1..)?;
    }
    if h.kind == kind::HEADERS && h.flags & flag::PRIORITY != 0 {
        p = p.get(5..)?;
    }
    if h.kind == kind::PUSH_PROMISE {
        p = p.get(4..)?;
    }
    if kept.len() == h.len as usize {
        p = p.get(..p.len().checked_sub(pad)?)?;
    }
    Some(p)
}

impl Ev<'_, '_, '_> {
    fn pos(at: At) -> Position {
        Position::Stream {
            frame: at.frame,
            offset: at.offset,
        }
    }

    /// Header decoding of this direction ends: its dynamic table can no longer be trusted.
    fn lose_hpack(&mut self, id: &'static str, at: At, why: String) {
        if let Some(d) = self.dirs.get_mut(self.side.index()) {
            d.hpack = None;
            d.block = None;
        }
        let msg = format!(
            "{why}; later header blocks of the {} stream {} are not decoded",
            side_name(self.side),
            match self.side {
                Side::Client => format!("{} -> {}", self.conn.client, self.conn.server),
                Side::Server => format!("{} -> {}", self.conn.server, self.conn.client),
            }
        );
        self.ctx.sink.issue(Issue::at(id, Self::pos(at), msg));
    }

    fn headers_start(&mut self, h: &FrameHeader, kept: &[u8], at: At) {
        let push = h.kind == kind::PUSH_PROMISE;
        if push {
            self.ctx.stats.http2.pushes += 1;
        }
        let what = if push { "PUSH_PROMISE" } else { "HEADERS" };
        let Some(frag) = fragment(h, kept) else {
            let why = format!(
                "{what} frame of stream {} shorter than its flags say",
                h.stream
            );
            return self.lose_hpack(ISSUE_PROTOCOL_ERROR, at, why);
        };
        let too_large = kept.len() < h.len as usize;
        let block = Block {
            stream: h.stream,
            push,
            end_stream: h.flags & flag::END_STREAM != 0,
            at,
            bytes: Vec::new(),
            too_large,
        };
        if h.flags & flag::END_HEADERS != 0 || too_large {
            self.header_block(&block, frag);
        } else if let Some(d) = self.dirs.get_mut(self.side.index()) {
            d.block = Some(Block {
                bytes: frag.to_vec(),
                ..block
            });
        }
    }

    fn continuation(&mut self, h: &FrameHeader, kept: &[u8], at: At) {
        let cap = self.ctx.header_cap;
        let Some(d) = self.dirs.get_mut(self.side.index()) else {
            return;
        };
        let Some(block) = d.block.as_mut().filter(|b| b.stream == h.stream) else {
            if d.hpack.is_some() {
                let why = format!(
                    "CONTINUATION on stream {} follows no header block",
                    h.stream
                );
                self.lose_hpack(ISSUE_PROTOCOL_ERROR, at, why);
            }
            return;
        };
        if block.bytes.len() + kept.len() > cap || kept.len() < h.len as usize {
            block.too_large = true;
        } else {
            block.bytes.extend_from_slice(kept);
        }
        if h.flags & flag::END_HEADERS != 0 || block.too_large {
            if let Some(block) = d.block.take() {
                self.header_block(&block, &block.bytes);
            }
        }
    }

    /// A complete header block: decoded, then a request, a response, trailers or a push.
    fn header_block(&mut self, b: &Block, frag: &[u8]) {
        let cap = self.ctx.header_cap;
        let Some(dec) = self
            .dirs
            .get_mut(self.side.index())
            .and_then(|d| d.hpack.as_mut())
        else {
            self.ctx.stats.http2.blocks_not_decoded += 1;
            return;
        };
        if b.too_large {
            let why = format!(
                "header block of stream {} larger than the header cap ({cap} bytes)",
                b.stream
            );
            return self.lose_hpack(ISSUE_HEADER_BLOCK_TOO_LARGE, b.at, why);
        }
        let mut list = HeaderList::with_capacity(16, frag.len() * 2);
        let mut size = 0usize;
        let decoded = dec.decode(frag, &mut |name, value| {
            size += name.len() + value.len();
            if size <= cap {
                list.push(name, value);
            }
        });
        if let Err(e) = decoded {
            let why = format!("header block of stream {} not decoded: {e}", b.stream);
            return self.lose_hpack(ISSUE_HPACK_ERROR, b.at, why);
        }
        if size > cap {
            let msg = format!(
                "header list of stream {} decodes to {size} bytes, over the header cap \
                 ({cap} bytes): message skipped",
                b.stream
            );
            let issue = Issue::at(ISSUE_HEADER_BLOCK_TOO_LARGE, Self::pos(b.at), msg);
            self.ctx.sink.issue(issue);
            if self.side == Side::Server {
                let f = Failure::from_text("incomplete: response headers over the header cap");
                self.streams.reset(self.ctx, self.conn, b.stream, f);
            }
            return;
        }
        if b.push {
            return;
        }
        match self.side {
            Side::Client if self.streams.is_open(b.stream) => {} // request trailers
            Side::Client => match request(list, self.conn) {
                Ok(req) => {
                    self.ctx.stats.http2.requests += 1;
                    self.streams.open(self.ctx, self.conn, b.stream, req, b.at);
                }
                Err(missing) => {
                    let msg = format!("request on stream {} without {missing}", b.stream);
                    let issue = Issue::at(ISSUE_PROTOCOL_ERROR, Self::pos(b.at), msg);
                    self.ctx.sink.issue(issue);
                }
            },
            Side::Server => {
                self.streams
                    .response(self.ctx, self.conn, b.stream, list, b.end_stream, b.at)
            }
        }
    }

    fn settings(&mut self, kept: &[u8]) {
        let cap = self.ctx.header_cap;
        let Some(peer) = self.dirs.get_mut(self.side.peer().index()) else {
            return;
        };
        for s in kept.chunks_exact(6) {
            let (id, value) = (u16::from_be_bytes([s[0], s[1]]), u32_at(s, 2));
            let value = value.map_or(0, |v| v as usize);
            match id {
                // The sender decodes what its peer encodes.
                1 => {
                    if let Some(dec) = peer.hpack.as_mut() {
                        dec.set_limit(value.max(4096).min(cap));
                    }
                }
                5 => peer.max_frame = u32::try_from(value).unwrap_or(u32::MAX).max(1 << 14),
                _ => {}
            }
        }
    }

    fn rst_stream(&mut self, h: &FrameHeader, kept: &[u8]) {
        let code = u32_at(kept, 0).unwrap_or(0);
        let name = error_name(code);
        let failure = match (self.side, code) {
            (Side::Client, 8) => Failure::from_text(
                "stream cancelled by the client (RST_STREAM CANCEL) (net::ERR_ABORTED)",
            ),
            (Side::Client, _) => {
                connection_failure(format!("stream reset by the client (RST_STREAM {name})"))
            }
            (Side::Server, 7) => connection_failure(
                "stream refused by the server (RST_STREAM REFUSED_STREAM) \
                 (net::ERR_HTTP2_SERVER_REFUSED_STREAM)"
                    .to_string(),
            ),
            (Side::Server, _) => connection_failure(format!(
                "stream reset by the server (RST_STREAM {name}) (net::ERR_HTTP2_PROTOCOL_ERROR)"
            )),
        };
        self.streams.reset(self.ctx, self.conn, h.stream, failure);
    }

    fn goaway(&mut self, kept: &[u8], at: At) {
        let last = u32_at(kept, 0).unwrap_or(0) & 0x7fff_ffff;
        let code = u32_at(kept, 4).unwrap_or(0);
        let unprocessed = match self.side {
            Side::Server => self.streams.unprocessed(last),
            Side::Client => 0,
        };
        if code == 0 && unprocessed == 0 {
            return;
        }
        let msg = format!(
            "GOAWAY {} from the {} (last stream {last}){}",
            error_name(code),
            side_name(self.side),
            match unprocessed {
                0 => String::new(),
                n => format!(": {n} requests after it not processed (a browser retries them)"),
            }
        );
        let issue = Issue::at(ISSUE_GOAWAY, Self::pos(at), msg);
        self.ctx.sink.issue(issue);
    }
}

impl FrameEvents for Ev<'_, '_, '_> {
    fn frame(&mut self, h: &FrameHeader, kept: &[u8], at: At) {
        let Some(d) = self.dirs.get_mut(self.side.index()) else {
            return;
        };
        if h.len > d.max_frame {
            let msg = format!(
                "frame of type {} on stream {} is {} bytes, over the receiver's \
                 SETTINGS_MAX_FRAME_SIZE of {}",
                h.kind, h.stream, h.len, d.max_frame
            );
            self.ctx
                .sink
                .issue(Issue::at(ISSUE_FRAME_TOO_LARGE, Self::pos(at), msg));
        }
        if d.block.is_some() && h.kind != kind::CONTINUATION {
            let why = format!("header block interrupted by a frame of type {}", h.kind);
            return self.lose_hpack(ISSUE_PROTOCOL_ERROR, at, why);
        }
        match h.kind {
            kind::DATA => {
                let pad = match kept.first() {
                    Some(&p) => u64::from(p) + 1,
                    None => 0,
                };
                let len = u64::from(h.len).saturating_sub(pad);
                self.streams.body(h.stream, self.side == Side::Client, len);
                if self.side == Side::Server && h.flags & flag::END_STREAM != 0 {
                    self.streams.end(self.ctx, self.conn, h.stream, at);
                }
            }
            kind::HEADERS | kind::PUSH_PROMISE => self.headers_start(h, kept, at),
            kind::CONTINUATION => self.continuation(h, kept, at),
            kind::SETTINGS if h.flags & flag::ACK == 0 => self.settings(kept),
            kind::RST_STREAM => self.rst_stream(h, kept),
            kind::GOAWAY => self.goaway(kept, at),
            _ => {}
        }
    }

    fn bad_preface(&mut self, at: At) {
        let why = "the client's bytes do not start with the HTTP/2 connection preface".to_string();
        self.lose_hpack(ISSUE_PROTOCOL_ERROR, at, why);
    }
}
