//! Pairing: requests queue in order, each final response answers the oldest, interim ones
//! answer none, and every request leaves as one exchange (with its response, or with the
//! reason it has none).

use crate::capture::tcp::{At, ConnInfo};
use crate::model::common_text;
use crate::model::{
    Endpoints, Exchange, Failure, HeaderList, Issue, Location, Position, Request, Response, Timing,
};

use super::{
    Current, Ev, H2cUpgrade, Pending, Slot, ISSUE_PENDING_OVERFLOW, ISSUE_RESPONSE_WITHOUT_REQUEST,
};
use crate::capture::http1::framer::{End, Events};
use crate::capture::http1::head::{Answering, RequestHead, ResponseHead};

fn url_of(head: &RequestHead, conn: &ConnInfo, scheme: &str) -> String {
    let t = head.target.as_str();
    let absolute = ["http://", "https://"].iter().any(|scheme| {
        t.get(..scheme.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
    });
    if absolute {
        return t.to_string();
    }
    if head.method.eq_ignore_ascii_case("CONNECT") {
        return [scheme, "://", t].concat();
    }
    let path = if t.starts_with('/') { t } else { "/" };
    match head.headers.first("host").map(crate::model::headers::text) {
        // Not UTF-8: what can be shown is kept.
        Some(host) if !host.trim().is_empty() => [scheme, "://", host.trim(), path].concat(),
        _ => [scheme, "://", &conn.server.to_string(), path].concat(),
    }
}

/// Whether an `Upgrade` field names `h2c` (RFC 7540 §3.2).
fn h2c(headers: &HeaderList) -> bool {
    headers.get_all("upgrade").any(|h| {
        h.value
            .split(|&b| b == b',')
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"h2c"))
    })
}

impl Ev<'_, '_, '_> {
    pub(super) fn emit(
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
        self.ctx.stats.http1.exchanges += 1;
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
        self.ctx.stats.http1.requests += 1;
        let answering = if head.method.eq_ignore_ascii_case("HEAD") {
            Answering::Head
        } else if head.method.eq_ignore_ascii_case("CONNECT") {
            Answering::Connect
        } else {
            Answering::Other
        };
        // Captured on the wire: whatever follows, it reached the network.
        let request = Request {
            url: url_of(&head, self.conn, self.scheme),
            method: head.method,
            http_version: Some(common_text::http1(head.minor)),
            headers: head.headers,
            reached_network: Some(true),
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
            self.ctx.stats.http1.interim_responses += 1;
        } else {
            self.ctx.stats.http1.responses += 1;
            self.realign(at);
        }
        let answering = self
            .pending
            .front()
            .map_or(Answering::Other, |p| p.answering);
        let response = Response {
            status: head.status,
            status_text: head.reason,
            http_version: Some(common_text::http1(head.minor)),
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
            *self.request_end = at.offset;
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
            self.ctx.stats.http1.unpaired_responses += 1;
            self.ctx
                .sink
                .issue(Issue::at(ISSUE_RESPONSE_WITHOUT_REQUEST, pos, msg));
            return;
        };
        if crate::capture::http1::head::switches(status, p.answering) {
            *self.tunnel = true;
        }
        let p = match p.slot {
            Slot::Request(r) if status == 101 && h2c(&r.headers) && h2c(&cur.response.headers) => {
                *self.upgrade = Some(Box::new(H2cUpgrade {
                    request: *r,
                    at: p.at,
                    start: [*self.request_end, at.offset],
                }));
                return;
            }
            slot => Pending { slot, ..p },
        };
        if let Slot::Lost = p.slot {
            self.ctx.stats.http1.unpaired_responses += 1;
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
