//! Which protocol each TCP connection speaks, and the layer that reads it.
//!
//! [`Connection`] is the flow table's handler: it holds a connection's first bytes
//! ([`opening`]) until they tell HTTP/1, HTTP/2 (the client connection preface, RFC 9113 §3.4;
//! or frames without it, from a capture that started mid-connection) or TLS apart, then hands
//! both directions, from their first byte, to that layer. HTTP/1 hands over to HTTP/2 itself
//! after an `Upgrade: h2c` answered by 101. HTTP/1 and HTTP/2 sit behind [`App`], the
//! application protocol of a byte stream, so that a layer below (TLS, once it decrypts) can own
//! an [`App`] and feed it plaintext the same way. TLS connections are counted per server
//! address ([`undecrypted`]): their bytes are not read.
//!
//! Every layer shares one [`Ctx`] per input ([`context`]): the sink, the caps and each
//! layer's counters.
//!
//! Memory: per connection what its layer holds, plus at most [`opening::HOLD_CAP`] bytes
//! until the protocol is known (in practice the first client segment decides at once).

pub mod context;
pub mod opening;
pub mod undecrypted;

use crate::capture::http1::connection::H2cUpgrade;
use crate::capture::http1::Http1Connection;
use crate::capture::http2::Http2Connection;
use crate::capture::tcp::{At, Close, ConnInfo, Side, StreamHandler};
use crate::model::Issue;

pub use crate::capture::http2::Http2Stats;
pub use context::{Ctx, ProtocolStats};
pub use opening::Kind;
pub use undecrypted::TlsStats;

use opening::{Held, Opening};

/// The application protocol a byte stream carries, chosen by the bytes themselves or by a layer
/// below (TLS ALPN).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppProtocol {
    /// HTTP/1.x.
    Http1,
    /// HTTP/2.
    Http2,
}

/// The application layer of one connection, fed the plaintext of both directions.
// HTTP/1 stays inline: it is the common case, and the flow table boxes each connection's state.
#[allow(clippy::large_enum_variant)]
pub enum App<'s> {
    /// HTTP/1.x: framing and request/response pairing; it may switch to HTTP/2 (`Upgrade:
    /// h2c`).
    Http1(Http1Connection<'s>),
    /// HTTP/2: frames, header compression, streams.
    Http2(Box<Http2Connection>),
}

impl<'s> App<'s> {
    /// The layer for `protocol`, read from the first byte of each direction (an HTTP/2 client
    /// direction starts with the connection preface).
    pub fn new(protocol: AppProtocol, ctx: &mut Ctx<'s>) -> Self {
        match protocol {
            AppProtocol::Http1 => App::Http1(Http1Connection::new_connection(ctx)),
            AppProtocol::Http2 => App::Http2(Box::new(Http2Connection::new(ctx))),
        }
    }

    /// In-order bytes of one direction; `at` is where `bytes[0]` was captured, its offset
    /// counted in this layer's stream (0 at the first byte the layer reads).
    #[inline]
    pub fn data(&mut self, ctx: &mut Ctx<'s>, conn: &ConnInfo, side: Side, bytes: &[u8], at: At) {
        match self {
            App::Http1(h) => {
                h.data(ctx, conn, side, bytes, at);
                if h.upgraded() {
                    if let Some(up) = h.take_upgrade(ctx, conn) {
                        self.upgrade(ctx, conn, up, side, bytes, at);
                    }
                }
            }
            App::Http2(h) => h.data(ctx, conn, side, bytes, at),
        }
    }

    /// HTTP/1.1 switched to HTTP/2: the rest of this piece, after the 101, is HTTP/2.
    #[cold]
    fn upgrade(
        &mut self,
        ctx: &mut Ctx<'s>,
        conn: &ConnInfo,
        up: H2cUpgrade,
        side: Side,
        bytes: &[u8],
        at: At,
    ) {
        let mut h2 = Http2Connection::upgraded(ctx, conn, up.request, up.at, up.start);
        h2.data(ctx, conn, side, bytes, at);
        *self = App::Http2(Box::new(h2));
    }

    /// `len` bytes of one direction that were never captured.
    pub fn gap(&mut self, ctx: &mut Ctx<'s>, conn: &ConnInfo, side: Side, len: u64, at: At) {
        match self {
            App::Http1(h) => h.gap(ctx, conn, side, len, at),
            App::Http2(h) => h.gap(ctx, conn, side, at),
        }
    }

    /// One direction ended (`side`), or the whole connection (`None`).
    pub fn close(
        &mut self,
        ctx: &mut Ctx<'s>,
        conn: &ConnInfo,
        side: Option<Side>,
        how: Close,
        at: At,
    ) {
        match self {
            App::Http1(h) => h.close(ctx, conn, side, how, at),
            App::Http2(h) => h.close(ctx, conn, side, how),
        }
    }
}

// The application layer stays inline, as in `App`.
#[allow(clippy::large_enum_variant)]
enum Layer<'s> {
    /// Not known yet: the first bytes are held.
    Opening(Opening),
    /// HTTP/1 or HTTP/2 in the clear.
    App(App<'s>),
    /// TLS, counted and not read.
    Tls,
}

/// The flow table's handler: one per TCP connection, dispatching to the layer its bytes call
/// for.
pub struct Connection<'s> {
    layer: Layer<'s>,
}

impl<'s> Connection<'s> {
    /// Leaves the opening for the layer of `kind` and hands it what was held.
    fn open(&mut self, kind: Kind, ctx: &mut Ctx<'s>, conn: &ConnInfo, at: At) {
        let layer = match kind {
            Kind::Http1 => Layer::App(App::new(AppProtocol::Http1, ctx)),
            Kind::Http2 => Layer::App(App::new(AppProtocol::Http2, ctx)),
            Kind::Http2MidStream => Layer::App(App::Http2(Box::new(Http2Connection::mid_stream(
                ctx, conn, at,
            )))),
            Kind::Tls => {
                ctx.stats.tls.undecrypted(conn.server, at.frame);
                Layer::Tls
            }
        };
        let Layer::Opening(opening) = std::mem::replace(&mut self.layer, layer) else {
            return;
        };
        let Layer::App(app) = &mut self.layer else {
            return;
        };
        let (bytes, held) = opening.into_parts();
        for h in held {
            match h {
                Held::Data {
                    side,
                    start,
                    end,
                    at,
                } => app.data(
                    ctx,
                    conn,
                    side,
                    bytes.get(start..end).unwrap_or_default(),
                    at,
                ),
                Held::Gap { side, len, at } => app.gap(ctx, conn, side, len, at),
            }
        }
    }

    /// The opening ends without a decision: the bytes held decide as far as they can.
    fn settle(&mut self, ctx: &mut Ctx<'s>, conn: &ConnInfo, at: At) {
        if let Layer::Opening(o) = &self.layer {
            if !o.is_empty() {
                let kind = o.forced();
                self.open(kind, ctx, conn, at);
            }
        }
    }
}

impl<'s> StreamHandler for Connection<'s> {
    type Ctx = Ctx<'s>;

    fn new_connection(_ctx: &mut Self::Ctx) -> Self {
        Self {
            layer: Layer::Opening(Opening::default()),
        }
    }

    #[inline]
    fn data(&mut self, ctx: &mut Self::Ctx, conn: &ConnInfo, side: Side, bytes: &[u8], at: At) {
        match &mut self.layer {
            Layer::App(app) => app.data(ctx, conn, side, bytes, at),
            Layer::Tls => {}
            Layer::Opening(o) => {
                // The common case: the client's first segment tells at once, nothing is held.
                if o.is_empty() && side == Side::Client {
                    if let Some(kind) = opening::client_kind(bytes) {
                        self.open(kind, ctx, conn, at);
                        self.data(ctx, conn, side, bytes, at);
                        return;
                    }
                }
                if let Some(kind) = o.data(side, bytes, at) {
                    self.open(kind, ctx, conn, at);
                }
            }
        }
    }

    fn gap(&mut self, ctx: &mut Self::Ctx, conn: &ConnInfo, side: Side, len: u64, at: At) {
        match &mut self.layer {
            Layer::App(app) => app.gap(ctx, conn, side, len, at),
            Layer::Tls => {}
            Layer::Opening(o) => o.gap(side, len, at),
        }
    }

    fn close(
        &mut self,
        ctx: &mut Self::Ctx,
        conn: &ConnInfo,
        side: Option<Side>,
        how: Close,
        at: At,
    ) {
        self.settle(ctx, conn, at);
        if let Layer::App(app) = &mut self.layer {
            app.close(ctx, conn, side, how, at);
        }
    }

    fn issue(ctx: &mut Self::Ctx, issue: Issue) {
        ctx.sink.issue(issue);
    }
}
