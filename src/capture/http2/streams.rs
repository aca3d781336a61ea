//! Streams of one HTTP/2 connection turned into exchanges: a request's HEADERS opens one, the
//! response's HEADERS answers it (1xx ones are interim), END_STREAM from the server ends it,
//! RST_STREAM fails it, and the connection's end fails what is still open.
//!
//! Memory: at most the pending-request cap of open streams; the oldest is emitted without a
//! response (and counted) when a new one would exceed it.

use crate::capture::http1::connection::{ISSUE_PENDING_OVERFLOW, ISSUE_RESPONSE_WITHOUT_REQUEST};
use crate::capture::protocol::Ctx;
use crate::capture::tcp::{At, ConnInfo};
use crate::model::{
    Endpoints, Exchange, Failure, FailureKind, HeaderList, Issue, Location, Position, Request,
    Response, Timestamp, Timing,
};

/// The protocol version recorded on h2 messages, as DevTools records it.
pub const VERSION: &str = "h2";

/// One open request stream.
pub struct Stream {
    /// Stream identifier.
    pub id: u32,
    request: Box<Request>,
    at: At,
    response: Option<(Response, At)>,
}

/// The open streams of a connection, in stream id order.
#[derive(Default)]
pub struct Streams {
    open: Vec<Stream>,
}

/// Builds a request from a decoded header list, or says which pseudo-header is missing.
pub fn request(headers: HeaderList, conn: &ConnInfo) -> Result<Request, &'static str> {
    let text = |name: &str| {
        headers
            .first(name)
            .map(|v| crate::model::headers::text(v).into_owned())
    };
    let method = text(":method").ok_or(":method")?;
    let authority = text(":authority")
        .filter(|a| !a.is_empty())
        .or_else(|| text("host"))
        .unwrap_or_else(|| conn.server.to_string());
    let url = if method.eq_ignore_ascii_case("CONNECT") {
        format!("http://{authority}")
    } else {
        let scheme = text(":scheme").ok_or(":scheme")?;
        let path = text(":path").ok_or(":path")?;
        format!("{scheme}://{authority}{path}")
    };
    Ok(Request {
        method,
        url,
        http_version: Some(VERSION.into()),
        headers,
        // Captured on the wire: it reached the network.
        reached_network: Some(true),
        ..Request::default()
    })
}

/// The `:status` of a response header list.
pub fn status(headers: &HeaderList) -> Option<u16> {
    let v = headers.first(":status")?;
    std::str::from_utf8(v).ok()?.parse().ok()
}

impl Streams {
    fn position(&self, id: u32) -> Result<usize, usize> {
        self.open.binary_search_by_key(&id, |s| s.id)
    }

    /// Whether stream `id` is open.
    pub fn is_open(&self, id: u32) -> bool {
        self.position(id).is_ok()
    }

    /// Streams still open.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// Whether no stream is open.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// A request opens stream `id`.
    pub fn open(&mut self, ctx: &mut Ctx<'_>, conn: &ConnInfo, id: u32, request: Request, at: At) {
        if self.open.len() >= ctx.pending_cap {
            if let Some(oldest) = (!self.open.is_empty()).then(|| self.open.remove(0)) {
                let msg = format!("more than {} requests awaiting a response", ctx.pending_cap);
                let pos = Position::Frame(oldest.at.frame);
                ctx.sink.issue(Issue::at(ISSUE_PENDING_OVERFLOW, pos, msg));
                let f =
                    Failure::from_text("incomplete: no response before the pending-request cap");
                emit(ctx, conn, oldest, Some(f), None);
            }
        }
        let stream = Stream {
            id,
            request: Box::new(request),
            at,
            response: None,
        };
        match self.position(id) {
            Ok(i) => {
                // A second request on a stream: the first one ends without a response.
                let old = std::mem::replace(&mut self.open[i], stream);
                let f = Failure::from_text("incomplete: its stream was reused");
                emit(ctx, conn, old, Some(f), None);
            }
            Err(i) => self.open.insert(i, stream),
        }
    }

    /// A response header block on stream `id`; `end` if it ends the stream.
    pub fn response(
        &mut self,
        ctx: &mut Ctx<'_>,
        conn: &ConnInfo,
        id: u32,
        headers: HeaderList,
        end: bool,
        at: At,
    ) {
        let Ok(i) = self.position(id) else {
            if status(&headers).is_some_and(|s| s >= 200) {
                ctx.stats.http2.unpaired_responses += 1;
                let msg = format!(
                    "response on stream {id} of {} -> {} answers no captured request",
                    conn.server, conn.client
                );
                ctx.sink.issue(Issue::at(
                    ISSUE_RESPONSE_WITHOUT_REQUEST,
                    Position::Frame(at.frame),
                    msg,
                ));
            }
            return;
        };
        let Some(stream) = self.open.get_mut(i) else {
            return;
        };
        if stream.response.is_some() {
            // Trailers: they end the response without adding to its headers.
            if end {
                self.end(ctx, conn, id, at);
            }
            return;
        }
        let code = status(&headers).unwrap_or(0);
        if (100..200).contains(&code) {
            ctx.stats.http2.interim_responses += 1;
            return;
        }
        ctx.stats.http2.responses += 1;
        let response = Response {
            status: code,
            http_version: Some(VERSION.into()),
            headers,
            body_size: Some(0),
            ..Response::default()
        };
        stream.response = Some((response, at));
        if end {
            self.end(ctx, conn, id, at);
        }
    }

    /// DATA on stream `id` from the client (`request`) or the server.
    pub fn body(&mut self, id: u32, request: bool, len: u64) {
        let Ok(i) = self.position(id) else { return };
        let Some(s) = self.open.get_mut(i) else {
            return;
        };
        if request {
            *s.request.body_size.get_or_insert(0) += len;
        } else if let Some((r, _)) = &mut s.response {
            *r.body_size.get_or_insert(0) += len;
        }
    }

    /// The server ended stream `id` (END_STREAM): its exchange is complete.
    pub fn end(&mut self, ctx: &mut Ctx<'_>, conn: &ConnInfo, id: u32, at: At) {
        let Ok(i) = self.position(id) else { return };
        let stream = self.open.remove(i);
        emit(ctx, conn, stream, None, Some(at.ts));
    }

    /// Stream `id` was reset: its exchange fails with `failure` (when its response has not
    /// ended yet).
    pub fn reset(&mut self, ctx: &mut Ctx<'_>, conn: &ConnInfo, id: u32, failure: Failure) {
        let Ok(i) = self.position(id) else { return };
        ctx.stats.http2.resets += 1;
        let stream = self.open.remove(i);
        emit(ctx, conn, stream, Some(failure), None);
    }

    /// Removes the streams above `last` (GOAWAY: not processed); returns how many.
    pub fn unprocessed(&mut self, last: u32) -> usize {
        let keep = self.open.partition_point(|s| s.id <= last);
        self.open.split_off(keep).len()
    }

    /// The connection (or the server's direction) ended: what is open fails. A stream whose
    /// response started keeps it, with `cut` when the end came in the middle of its body.
    pub fn fail_all(
        &mut self,
        ctx: &mut Ctx<'_>,
        conn: &ConnInfo,
        no_response: &str,
        cut: Option<&str>,
    ) {
        for s in std::mem::take(&mut self.open) {
            let f = match (&s.response, cut) {
                (None, _) => Some(Failure::from_text(no_response)),
                (Some(_), Some(c)) => Some(Failure::from_text(c)),
                (Some(_), None) => None,
            };
            emit(ctx, conn, s, f, None);
        }
    }
}

/// A failure of the connection kind (a reset stream is not a CORS matter).
pub fn connection_failure(text: String) -> Failure {
    Failure {
        text,
        kind: FailureKind::Connection,
    }
}

fn emit(
    ctx: &mut Ctx<'_>,
    conn: &ConnInfo,
    s: Stream,
    failure: Option<Failure>,
    finished: Option<Timestamp>,
) {
    let (response, response_at) = match s.response {
        Some((r, at)) => (Some(r), Some(at)),
        None => (None, None),
    };
    let mut ex = Exchange::new(
        Location::Frames {
            request: s.at.frame,
            response: response_at.map(|a| a.frame),
        },
        *s.request,
    );
    ex.timing = Timing {
        started: Some(s.at.ts),
        response_started: response_at.map(|a| a.ts),
        finished,
    };
    ex.response = response;
    ex.failure = failure;
    ex.endpoints = Endpoints {
        client: Some(conn.client),
        server: Some(conn.server),
        server_ip: None,
    };
    ctx.stats.http2.exchanges += 1;
    ctx.sink.exchange(ex);
}
