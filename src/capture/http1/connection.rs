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

use std::collections::VecDeque;

use crate::model::{
    Endpoints, Exchange, Failure, Issue, Location, Position, Request, Response, Timing,
};

use super::framer::{End, Events, Framer};
use super::head::{Answering, RequestHead, ResponseHead};
use super::Http1Ctx;
use crate::capture::tcp::{At, Close, ConnInfo, Side, StreamHandler};

/// Issue id: a response with no request to pair it with.
pub const ISSUE_RESPONSE_WITHOUT_REQUEST: &str = "http-response-without-request";
/// Issue id: too many requests awaiting a response on one connection.
pub const ISSUE_PENDING_OVERFLOW: &str = "http-pending-overflow";

enum Slot {
    /// A parsed request.
    Request(Box<Request>),
    /// A request that could not be parsed: its response is skipped.
    Malformed,
    /// Requests may have been lost in a gap here.
    Lost,
}

struct Pending {
    slot: Slot,
    answering: Answering,
    at: At,
}

struct Current {
    response: Response,
    at: At,
    interim: bool,
}

/// The HTTP/1 state of one TCP connection.
pub struct Http1Connection<'s> {
    framers: [Option<Framer>; 2],
    pending: VecDeque<Pending>,
    current: Option<Current>,
    tunnel: bool,
    resync: bool,
    _sink: std::marker::PhantomData<&'s ()>,
}

struct Ev<'c, 's, 'x> {
    pending: &'c mut VecDeque<Pending>,
    current: &'c mut Option<Current>,
    tunnel: &'c mut bool,
    resync: &'c mut bool,
    ctx: &'x mut Http1Ctx<'s>,
    conn: &'c ConnInfo,
}

fn url_of(head: &RequestHead, conn: &ConnInfo) -> String {
    let t = head.target.as_str();
    let lower = t.get(..8).unwrap_or(t).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return t.to_string();
    }
    let host = head
        .headers
        .first("host")
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| conn.server.to_string());
    if head.method.eq_ignore_ascii_case("CONNECT") {
        format!("http://{t}")
    } else if t.starts_with('/') {
        format!("http://{host}{t}")
    } else {
        format!("http://{host}/")
    }
}

impl Ev<'_, '_, '_> {
    fn emit(
        &mut self,
        p: Pending,
        resp: Option<(Response, At)>,
        end: Option<(End, At)>,
        failure: Option<&str>,
    ) {
        let Slot::Request(request) = p.slot else {
            return;
        };
        let failure = failure.map(Failure::from_text).or_else(|| match end {
            Some((End::Cut, _)) => Some(Failure::from_text("net::ERR_CONTENT_LENGTH_MISMATCH")),
            _ => None,
        });
        let mut ex = Exchange::new(
            Location::Frames {
                request: p.at.frame,
                response: resp.as_ref().map(|r| r.1.frame),
            },
            *request,
        );
        ex.timing = Timing {
            started: Some(p.at.ts),
            response_started: resp.as_ref().map(|r| r.1.ts),
            finished: match end {
                Some((End::Complete, at)) => Some(at.ts),
                _ => None,
            },
        };
        ex.response = resp.map(|r| r.0);
        ex.failure = failure;
        ex.endpoints = Endpoints {
            client: Some(self.conn.client),
            server: Some(self.conn.server),
            server_ip: None,
        };
        self.ctx.stats.exchanges += 1;
        self.ctx.sink.exchange(ex);
    }

    /// After a gap: requests sent before a later request that precedes this response lost
    /// their responses in the gap.
    fn realign(&mut self, at: At) {
        if !std::mem::take(self.resync) {
            return;
        }
        while self.pending.len() > 1 && self.pending.get(1).is_some_and(|n| n.at.ts <= at.ts) {
            if let Some(p) = self.pending.pop_front() {
                self.emit(
                    p,
                    None,
                    None,
                    Some("incomplete: response not captured (capture gap)"),
                );
            }
        }
    }
}

impl Events for Ev<'_, '_, '_> {
    fn request(&mut self, head: RequestHead, at: At) {
        self.ctx.stats.requests += 1;
        let answering = if head.method.eq_ignore_ascii_case("HEAD") {
            Answering::Head
        } else if head.method.eq_ignore_ascii_case("CONNECT") {
            Answering::Connect
        } else {
            Answering::Other
        };
        let request = Request {
            url: url_of(&head, self.conn),
            method: head.method,
            http_version: Some(format!("HTTP/1.{}", head.minor)),
            headers: head.headers,
            ..Request::default()
        };
        if self.pending.len() >= self.ctx.pending_cap {
            if let Some(p) = self.pending.pop_front() {
                let pos = Position::Frame(p.at.frame);
                let msg = format!(
                    "more than {} requests awaiting a response",
                    self.ctx.pending_cap
                );
                self.ctx
                    .sink
                    .issue(Issue::at(ISSUE_PENDING_OVERFLOW, pos, msg));
                self.emit(
                    p,
                    None,
                    None,
                    Some("incomplete: no response before the pending-request cap"),
                );
            }
        }
        self.pending.push_back(Pending {
            slot: Slot::Request(Box::new(request)),
            answering,
            at,
        });
    }

    fn response(&mut self, head: ResponseHead, at: At) -> Answering {
        let interim = (100..200).contains(&head.status) && head.status != 101;
        if interim {
            self.ctx.stats.interim_responses += 1;
        } else {
            self.ctx.stats.responses += 1;
            self.realign(at);
        }
        let answering = self
            .pending
            .front()
            .map_or(Answering::Other, |p| p.answering);
        let response = Response {
            status: head.status,
            status_text: head.reason,
            http_version: Some(format!("HTTP/1.{}", head.minor)),
            headers: head.headers,
            ..Response::default()
        };
        *self.current = Some(Current {
            response,
            at,
            interim,
        });
        answering
    }

    fn malformed(&mut self, request: bool, at: At) {
        if request {
            self.pending.push_back(Pending {
                slot: Slot::Malformed,
                answering: Answering::Other,
                at,
            });
        } else if let Some(p) = self.pending.pop_front() {
            self.emit(p, None, None, Some("net::ERR_INVALID_HTTP_RESPONSE"));
        }
    }

    fn message_end(&mut self, request: bool, body_bytes: u64, end: End, at: At) {
        if request {
            if let Some(Pending {
                slot: Slot::Request(r),
                ..
            }) = self.pending.back_mut()
            {
                r.body_size.get_or_insert(body_bytes);
            }
            return;
        }
        let Some(mut cur) = self.current.take() else {
            return;
        };
        if cur.interim {
            return;
        }
        cur.response.body_size = Some(body_bytes);
        let status = cur.response.status;
        let Some(p) = self.pending.pop_front() else {
            let pos = Position::Frame(cur.at.frame);
            let msg = format!(
                "response {status} on {} -> {} answers no captured request",
                self.conn.server, self.conn.client
            );
            self.ctx.stats.unpaired_responses += 1;
            self.ctx
                .sink
                .issue(Issue::at(ISSUE_RESPONSE_WITHOUT_REQUEST, pos, msg));
            return;
        };
        if crate::capture::http1::head::switches(status, p.answering) {
            *self.tunnel = true;
        }
        if let Slot::Lost = p.slot {
            self.ctx.stats.unpaired_responses += 1;
            let pos = Position::Frame(cur.at.frame);
            let msg = format!("response {status} answers a request lost in a capture gap");
            self.ctx
                .sink
                .issue(Issue::at(ISSUE_RESPONSE_WITHOUT_REQUEST, pos, msg));
            return;
        }
        self.emit(p, Some((cur.response, cur.at)), Some((end, at)), None);
    }

    fn lost(&mut self, request: bool, at: At) {
        *self.resync = true;
        if request {
            self.pending.push_back(Pending {
                slot: Slot::Lost,
                answering: Answering::Other,
                at,
            });
        }
    }

    fn issue(&mut self, issue: Issue) {
        self.ctx.sink.issue(issue);
    }
}

impl<'s> Http1Connection<'s> {
    fn split<'c, 'x>(
        &'c mut self,
        ctx: &'x mut Http1Ctx<'s>,
        conn: &'c ConnInfo,
    ) -> (&'c mut [Option<Framer>; 2], Ev<'c, 's, 'x>) {
        let Self {
            framers,
            pending,
            current,
            tunnel,
            resync,
            ..
        } = self;
        (
            framers,
            Ev {
                pending,
                current,
                tunnel,
                resync,
                ctx,
                conn,
            },
        )
    }

    /// Requests still awaiting a response get `failure`.
    fn fail_pending(&mut self, ctx: &mut Http1Ctx<'s>, conn: &ConnInfo, failure: &str) {
        let (_, mut ev) = self.split(ctx, conn);
        while let Some(p) = ev.pending.pop_front() {
            ev.emit(p, None, None, Some(failure));
        }
    }
}

impl<'s> StreamHandler for Http1Connection<'s> {
    type Ctx = Http1Ctx<'s>;

    fn new_connection(_ctx: &mut Self::Ctx) -> Self {
        Self {
            framers: [None, None],
            pending: VecDeque::new(),
            current: None,
            tunnel: false,
            resync: false,
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
