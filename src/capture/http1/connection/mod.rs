//! One HTTP/1.x connection: two framers and the FIFO that pairs responses with requests.
//!
//! Spec: RFC 9112 §9.3.2 (responses come back in request order, pipelining), §9.6 (close);
//! RFC 9110 §15.2 (1xx interim responses precede the final one and do not answer the request;
//! 101 switches protocols). As Zeek does, a request that could not be parsed keeps a
//! placeholder in the queue so later responses stay aligned.
//!
//! After a capture gap made framing uncertain, the next final response is paired with the
//! latest request sent before it started; earlier requests are reported without a response
//! (non-pipelined clients wait for a response before sending the next request).
//!
//! Memory: at most `Limits::http_pending_requests` request heads per connection; the oldest is
//! emitted without a response when the queue is full.
//!
//! Layout: this file holds the connection and its [`StreamHandler`] side; `pairing` turns
//! what the framers find into exchanges.

use std::collections::VecDeque;

mod pairing;

use crate::model::{Issue, Request, Response};

use super::framer::Framer;
use super::head::Answering;
use crate::capture::protocol::Ctx;
use crate::capture::tcp::{At, Close, ConnInfo, Side, StreamHandler};

/// Issue id: a response with no request to pair it with.
pub const ISSUE_RESPONSE_WITHOUT_REQUEST: &str = "http-response-without-request";
/// Issue id: too many requests awaiting a response on one connection.
pub const ISSUE_PENDING_OVERFLOW: &str = "http-pending-overflow";

pub(super) enum Slot {
    /// A parsed request.
    Request(Box<Request>),
    /// A request that could not be parsed: its response is skipped.
    Malformed,
    /// Requests may have been lost in a gap here.
    Lost,
}

pub(super) struct Pending {
    pub(super) slot: Slot,
    pub(super) answering: Answering,
    pub(super) at: At,
}

pub(super) struct Current {
    pub(super) response: Response,
    pub(super) at: At,
    pub(super) interim: bool,
}

/// An HTTP/1.1 connection that switched to HTTP/2 (`Upgrade: h2c` answered by 101, RFC 7540
/// §3.2).
#[derive(Debug)]
pub struct H2cUpgrade {
    /// The upgrade request: stream 1's request.
    pub request: Request,
    /// Where it started.
    pub at: At,
    /// Where HTTP/2 starts in each direction's stream: after the request, after the 101.
    pub start: [u64; 2],
}

/// The HTTP/1 state of one TCP connection.
pub struct Http1Connection<'s> {
    framers: [Option<Framer>; 2],
    pending: VecDeque<Pending>,
    current: Option<Current>,
    tunnel: bool,
    resync: bool,
    request_end: u64,
    upgrade: Option<Box<H2cUpgrade>>,
    _sink: std::marker::PhantomData<&'s ()>,
}

pub(super) struct Ev<'c, 's, 'x> {
    pub(super) pending: &'c mut VecDeque<Pending>,
    pub(super) current: &'c mut Option<Current>,
    pub(super) tunnel: &'c mut bool,
    pub(super) resync: &'c mut bool,
    pub(super) request_end: &'c mut u64,
    pub(super) upgrade: &'c mut Option<Box<H2cUpgrade>>,
    pub(super) ctx: &'x mut Ctx<'s>,
    pub(super) conn: &'c ConnInfo,
}

impl<'s> Http1Connection<'s> {
    fn split<'c, 'x>(
        &'c mut self,
        ctx: &'x mut Ctx<'s>,
        conn: &'c ConnInfo,
    ) -> (&'c mut [Option<Framer>; 2], Ev<'c, 's, 'x>) {
        let Self {
            framers,
            pending,
            current,
            tunnel,
            resync,
            request_end,
            upgrade,
            ..
        } = self;
        (
            framers,
            Ev {
                pending,
                current,
                tunnel,
                resync,
                request_end,
                upgrade,
                ctx,
                conn,
            },
        )
    }

    /// Whether the connection switched to HTTP/2 ([`Self::take_upgrade`] says how).
    #[inline]
    pub fn upgraded(&self) -> bool {
        self.upgrade.is_some()
    }

    /// The switch to HTTP/2, once: requests still pending get a failure (a client waits for the
    /// 101 before sending more, so there are none but lost ones).
    pub fn take_upgrade(&mut self, ctx: &mut Ctx<'s>, conn: &ConnInfo) -> Option<H2cUpgrade> {
        let up = self.upgrade.take()?;
        self.fail_pending(ctx, conn, "incomplete: the connection switched to HTTP/2");
        Some(*up)
    }

    /// Requests still awaiting a response get `failure`.
    fn fail_pending(&mut self, ctx: &mut Ctx<'s>, conn: &ConnInfo, failure: &str) {
        let (_, mut ev) = self.split(ctx, conn);
        while let Some(p) = ev.pending.pop_front() {
            ev.emit(p, None, None, Some(failure));
        }
    }
}

impl<'s> StreamHandler for Http1Connection<'s> {
    type Ctx = Ctx<'s>;

    fn new_connection(_ctx: &mut Self::Ctx) -> Self {
        Self {
            framers: [None, None],
            pending: VecDeque::new(),
            current: None,
            tunnel: false,
            resync: false,
            request_end: 0,
            upgrade: None,
            _sink: std::marker::PhantomData,
        }
    }

    fn data(&mut self, ctx: &mut Self::Ctx, conn: &ConnInfo, side: Side, bytes: &[u8], at: At) {
        if self.tunnel {
            return;
        }
        let cap = ctx.header_cap;
        let (framers, mut ev) = self.split(ctx, conn);
        let Some(slot) = framers.get_mut(side.index()) else {
            return;
        };
        let framer = slot.get_or_insert_with(|| {
            Framer::new(
                side == Side::Client,
                at.offset > 0 || !conn.from_syn[side.index()],
                cap,
            )
        });
        framer.feed(bytes, at, &mut ev);
    }

    fn gap(&mut self, ctx: &mut Self::Ctx, conn: &ConnInfo, side: Side, len: u64, at: At) {
        let (framers, mut ev) = self.split(ctx, conn);
        if let Some(Some(f)) = framers.get_mut(side.index()) {
            f.gap(len, at, &mut ev);
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
        let (framers, mut ev) = self.split(ctx, conn);
        for (i, f) in framers.iter_mut().enumerate() {
            if side.is_none_or(|s| s.index() == i) {
                if let Some(f) = f {
                    f.close(how, at, &mut ev);
                }
            }
        }
        let server_done = side.is_none() || side == Some(Side::Server);
        if server_done && !self.tunnel {
            let failure = match how {
                Close::Fin => "connection closed before response (net::ERR_EMPTY_RESPONSE)",
                Close::Reset => "connection reset before response (net::ERR_CONNECTION_RESET)",
                Close::Abandoned => "incomplete: no response in the capture",
            };
            self.fail_pending(ctx, conn, failure);
        }
    }

    fn issue(ctx: &mut Self::Ctx, issue: Issue) {
        ctx.sink.issue(issue);
    }
}
