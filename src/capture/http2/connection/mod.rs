//! One HTTP/2 connection: a frame reader and a header decoder per direction, the header block
//! being assembled, SETTINGS, RST_STREAM and GOAWAY, and the open [`Streams`].
//!
//! Directions are independent: a gap, an undecodable block or a missing preface ends decoding
//! of one direction only (its header compression state is lost); the other goes on, so
//! responses to requests already seen are still read after the client's direction is lost.
//!
//! Layout: this file holds the connection and what comes from the byte streams; `blocks`
//! handles each frame and decodes header blocks.

mod blocks;

use super::frame::{FrameReader, DEFAULT_MAX_FRAME};
use super::hpack::Decoder;
use super::streams::Streams;
use super::{ISSUE_DECODING_LOST, ISSUE_MID_STREAM};
use crate::capture::protocol::Ctx;
use crate::capture::tcp::{At, Close, ConnInfo, Side};
use crate::model::{Issue, Position, Request};

/// A header block being assembled from HEADERS or PUSH_PROMISE and its CONTINUATIONs.
struct Block {
    stream: u32,
    push: bool,
    end_stream: bool,
    at: At,
    bytes: Vec<u8>,
    too_large: bool,
}

/// What one direction knows beyond its frames.
struct Direction {
    /// The header decoder; `None` once its state is lost.
    hpack: Option<Decoder>,
    /// The block awaiting CONTINUATION frames.
    block: Option<Block>,
    /// The largest frame the receiver accepts (its SETTINGS_MAX_FRAME_SIZE).
    max_frame: u32,
    /// Where HTTP/2 starts in this direction's stream (after an HTTP/1.1 upgrade).
    start: u64,
}

impl Direction {
    fn new(table_cap: usize, start: u64) -> Self {
        Self {
            hpack: Some(Decoder::new(4096.min(table_cap))),
            block: None,
            max_frame: DEFAULT_MAX_FRAME,
            start,
        }
    }
}

/// The HTTP/2 state of one TCP connection.
pub struct Http2Connection {
    readers: [FrameReader; 2],
    dirs: [Direction; 2],
    streams: Streams,
}

/// Where [`blocks`] works: one direction of a connection and everything it may touch.
struct Ev<'c, 's, 'x> {
    side: Side,
    dirs: &'c mut [Direction; 2],
    streams: &'c mut Streams,
    ctx: &'x mut Ctx<'s>,
    conn: &'c ConnInfo,
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Client => "client",
        Side::Server => "server",
    }
}

impl Http2Connection {
    /// A connection that starts with the client connection preface, read from the first byte
    /// of each direction.
    pub fn new(ctx: &mut Ctx<'_>) -> Self {
        Self::starting_at(ctx, [0, 0])
    }

    fn starting_at(ctx: &mut Ctx<'_>, start: [u64; 2]) -> Self {
        ctx.stats.http2.connections += 1;
        let cap = ctx.header_cap;
        Self {
            readers: [FrameReader::new(true, cap), FrameReader::new(false, cap)],
            dirs: [Direction::new(cap, start[0]), Direction::new(cap, start[1])],
            streams: Streams::default(),
        }
    }

    /// A connection upgraded from HTTP/1.1 (RFC 7540 §3.2): `request` (sent at `at`) is stream
    /// 1's, HTTP/2 starts at offset `start` of each direction (after the upgrade request and
    /// after the 101 response).
    pub fn upgraded(
        ctx: &mut Ctx<'_>,
        conn: &ConnInfo,
        request: Request,
        at: At,
        start: [u64; 2],
    ) -> Self {
        let mut c = Self::starting_at(ctx, start);
        ctx.stats.http2.upgrades += 1;
        c.streams.open(ctx, conn, 1, request, at);
        c
    }

    /// A connection whose frames were recognised without its start: counted and skipped.
    pub fn mid_stream(ctx: &mut Ctx<'_>, conn: &ConnInfo, at: At) -> Self {
        ctx.stats.http2.mid_stream += 1;
        let msg = format!(
            "HTTP/2 connection {} -> {} captured without its start: not decoded (header \
             compression state cannot be rebuilt mid-stream)",
            conn.client, conn.server
        );
        ctx.sink
            .issue(Issue::at(ISSUE_MID_STREAM, Position::Frame(at.frame), msg));
        let cap = ctx.header_cap;
        let mut c = Self {
            readers: [FrameReader::new(true, cap), FrameReader::new(false, cap)],
            dirs: [Direction::new(cap, 0), Direction::new(cap, 0)],
            streams: Streams::default(),
        };
        for (r, d) in c.readers.iter_mut().zip(&mut c.dirs) {
            r.lose();
            d.hpack = None;
        }
        c
    }

    fn split<'c, 'x, 's>(
        &'c mut self,
        side: Side,
        ctx: &'x mut Ctx<'s>,
        conn: &'c ConnInfo,
    ) -> (Option<&'c mut FrameReader>, Ev<'c, 's, 'x>) {
        let Self {
            readers,
            dirs,
            streams,
        } = self;
        (
            readers.get_mut(side.index()),
            Ev {
                side,
                dirs,
                streams,
                ctx,
                conn,
            },
        )
    }

    /// In-order bytes of one direction.
    pub fn data(&mut self, ctx: &mut Ctx<'_>, conn: &ConnInfo, side: Side, bytes: &[u8], at: At) {
        let start = self.dirs.get(side.index()).map_or(0, |d| d.start);
        let skip = start.saturating_sub(at.offset);
        let Some(bytes) = usize::try_from(skip).ok().and_then(|s| bytes.get(s..)) else {
            return;
        };
        let at = At {
            offset: at.offset + skip,
            ..at
        };
        let (reader, mut ev) = self.split(side, ctx, conn);
        if let Some(r) = reader {
            r.feed(bytes, at, &mut ev);
        }
    }

    /// `len` bytes of one direction were not captured: its decoding ends.
    pub fn gap(&mut self, ctx: &mut Ctx<'_>, conn: &ConnInfo, side: Side, at: At) {
        let Some(reader) = self.readers.get_mut(side.index()) else {
            return;
        };
        if reader.lost() {
            return;
        }
        reader.lose();
        if let Some(d) = self.dirs.get_mut(side.index()) {
            d.hpack = None;
            d.block = None;
        }
        let (from, to) = match side {
            Side::Client => (conn.client, conn.server),
            Side::Server => (conn.server, conn.client),
        };
        let msg = format!(
            "HTTP/2 {} stream {from} -> {to} not decoded after a capture gap (header \
             compression state lost)",
            side_name(side)
        );
        let pos = Position::Stream {
            frame: at.frame,
            offset: at.offset,
        };
        ctx.sink.issue(Issue::at(ISSUE_DECODING_LOST, pos, msg));
    }

    /// One direction ended (`side`) or the whole connection (`None`): streams still open fail
    /// once the server's side is over.
    pub fn close(&mut self, ctx: &mut Ctx<'_>, conn: &ConnInfo, side: Option<Side>, how: Close) {
        if side == Some(Side::Client) {
            return;
        }
        let server_lost = self
            .dirs
            .get(Side::Server.index())
            .is_some_and(|d| d.hpack.is_none());
        let (none, cut) = match how {
            _ if server_lost => (
                "incomplete: response not decoded (HTTP/2 header decoding of the server's \
                 direction was lost)",
                None,
            ),
            Close::Fin => (
                "connection closed before response (net::ERR_CONNECTION_CLOSED)",
                Some("incomplete: response cut short (its stream had not ended at the FIN)"),
            ),
            Close::Reset => (
                "connection reset before response (net::ERR_CONNECTION_RESET)",
                Some("incomplete: response cut short (its stream had not ended at the RST)"),
            ),
            Close::Abandoned => ("incomplete: no response in the capture", None),
        };
        self.streams.fail_all(ctx, conn, none, cut);
    }
}
