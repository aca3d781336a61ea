//! One TLS connection: both directions' records, the handshake they carry, and the keys each
//! direction reads with, switched where the protocol switches them.
//!
//! Key changes (RFC 8446 §4.4, §7; RFC 5246 §7.1): TLS 1.3 protects the server's records after
//! its ServerHello with the handshake secret, each side's records after its Finished with its
//! application secret, and after a KeyUpdate with the next one; TLS 1.2 and earlier switch a
//! side to the key block's keys at its ChangeCipherSpec. A resumed session (TLS 1.2 session id
//! or ticket, TLS 1.3 PSK) is keyed like any other: the key log line is indexed by the new
//! connection's client random.
//!
//! The caller drives it: ciphertext in with [`TlsConnection::poll`] (in order per side, with
//! its capture position), plaintext and issues out, one event at a time, so the layer above
//! can be fed while this one is borrowed. Gaps and closes are told with
//! [`TlsConnection::gap`] and [`TlsConnection::close`]; the issues they raise come out of the
//! next `poll`.
//!
//! Layout: this file holds the record loop; `keys` holds the handshake messages and the key
//! changes they cause.

use std::collections::VecDeque;
use std::ops::Range;

use crate::capture::tcp::{At, ConnInfo, Side};
use crate::model::{FrameRef, Issue, Position};

mod ends;
mod keys;
mod session;

pub use session::{Feed, Session, TlsEvent};

use super::handshake::{self, Reassembly};
use super::keylog::Label;
use super::protection::Protection;
use super::record::{content, Header, RecordReader, Step, MAX_CIPHERTEXT, MAX_CIPHERTEXT_TLS13};
use super::suite::{self, Suite};
pub use super::undecrypted::Reason;
use super::{TlsCtx, ISSUE_DECRYPT_FAILED};

/// How a direction's records are read.
enum Keys {
    /// In the clear (before any key change).
    Clear,
    /// Decrypted with these keys.
    Keyed(Box<Protection>),
    /// Encrypted, with no keys to read it.
    Missing,
}

#[derive(Default)]
struct Direction {
    reader: Option<RecordReader>,
    messages: Reassembly,
    keys: Option<Keys>,
    /// TLS 1.2 keys taken at this side's ChangeCipherSpec.
    pending: Option<Box<Protection>>,
    /// TLS 1.3 keys taken after the record being read.
    next: Option<Keys>,
    /// Decryption of this side ended (gap, failure, no keys, not TLS).
    stopped: bool,
    /// Ended by something that lost plaintext (gap, failure, malformed record).
    cut: bool,
    /// The stream itself ended (FIN).
    ended: bool,
    plain_offset: u64,
}

impl Direction {
    fn keys(&self) -> &Keys {
        self.keys.as_ref().unwrap_or(&Keys::Clear)
    }
}

enum Outcome {
    Nothing,
    Plain(Range<usize>),
}

/// The TLS state of one TCP connection.
pub struct TlsConnection {
    session: Session,
    dirs: [Direction; 2],
    issues: VecDeque<Issue>,
    reason: Option<Reason>,
    first_frame: Option<FrameRef>,
    client_hello_seen: bool,
    early_data: bool,
    offered_session_id: Vec<u8>,
    suite: Option<Suite>,
    /// The client's 0-RTT keys, once a record opened with them.
    early: Option<Box<Protection>>,
    /// Whether the client's handshake-key records have begun to open (TLS 1.3).
    client_handshake_opened: bool,
    closed: bool,
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Client => "client",
        Side::Server => "server",
    }
}

/// "the client stream 10.0.0.1:50000 -> 10.0.0.2:443".
fn stream_name(conn: &ConnInfo, side: Side) -> String {
    let (from, to) = match side {
        Side::Client => (conn.client, conn.server),
        Side::Server => (conn.server, conn.client),
    };
    format!("the {} stream {from} -> {to}", side_name(side))
}

impl Default for TlsConnection {
    fn default() -> Self {
        Self::new()
    }
}

impl TlsConnection {
    /// A connection before its first byte.
    pub fn new() -> Self {
        Self {
            session: Session::default(),
            dirs: Default::default(),
            issues: VecDeque::new(),
            reason: None,
            first_frame: None,
            client_hello_seen: false,
            early_data: false,
            offered_session_id: Vec::new(),
            suite: None,
            early: None,
            client_handshake_opened: false,
            closed: false,
        }
    }

    /// What the handshake said so far.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The protocol chosen by ALPN.
    pub fn alpn(&self) -> Option<&[u8]> {
        self.session.alpn.as_deref()
    }

    /// The SNI host name.
    pub fn server_name(&self) -> Option<&str> {
        self.session.server_name.as_deref()
    }

    /// Whether both sides ended: the connection is over for this layer.
    pub fn ended(&self) -> bool {
        self.dirs.iter().all(|d| d.ended)
    }

    /// Why this connection is not decrypted, once that is known.
    pub fn undecrypted(&self) -> Option<&Reason> {
        self.reason.as_ref()
    }

    fn dir(&mut self, side: Side) -> &mut Direction {
        let [c, s] = &mut self.dirs;
        match side {
            Side::Client => c,
            Side::Server => s,
        }
    }

    /// Queues an issue at a position of a stream.
    fn raise(&mut self, id: &'static str, frame: FrameRef, offset: u64, message: String) {
        let at = Position::Stream { frame, offset };
        self.issues.push_back(Issue::at(id, at, message));
    }

    fn not_decrypted(&mut self, reason: Reason) {
        self.reason.get_or_insert(reason);
    }

    fn stop(&mut self, side: Side, cut: bool) {
        let d = self.dir(side);
        d.stopped = true;
        d.cut |= cut;
    }

    fn max_record(&self) -> usize {
        match self.session.version {
            Some(v) if v >= 0x0304 => MAX_CIPHERTEXT_TLS13,
            _ => MAX_CIPHERTEXT,
        }
    }

    /// Reads ciphertext of `side` from `feed` until there is something to hand out: the
    /// plaintext of a record, or an issue. `None` once `feed` is used up and no issue waits.
    pub fn poll<'t>(
        &'t mut self,
        ctx: &mut TlsCtx<'_>,
        conn: &ConnInfo,
        side: Side,
        feed: &mut Feed<'_>,
    ) -> Option<TlsEvent<'t>> {
        loop {
            if let Some(issue) = self.issues.pop_front() {
                return Some(TlsEvent::Issue(issue));
            }
            if feed.data.is_empty() {
                return None;
            }
            if self.first_frame.is_none() {
                self.first_frame = Some(feed.at.frame);
                ctx.stats.connections += 1;
            }
            let max = self.max_record();
            let early = side == Side::Client && self.early_data && !self.client_handshake_opened;
            let d = self.dir(side);
            if d.stopped {
                feed.data = &[];
                return None;
            }
            let decrypting = early || matches!(d.keys(), Keys::Keyed(_));
            let reader = d
                .reader
                .get_or_insert_with(|| RecordReader::new(feed.at.offset));
            let keep = |h: &Header| decrypting || h.content_type() != content::APPLICATION_DATA;
            let before = feed.data.len();
            let step = reader.step(&mut feed.data, max, &keep);
            let at = feed.at;
            feed.at.offset += (before - feed.data.len()) as u64;
            match step {
                Step::NeedMore => {
                    // Between records, an idle connection keeps no record buffer.
                    if let Some(r) = self.dir(side).reader.as_mut() {
                        r.release_if_idle();
                    }
                    return None;
                }
                Step::Error(e, offset) => self.framing_error(conn, side, e, offset, at),
                Step::Record(h) => {
                    if let Outcome::Plain(range) = self.record(ctx, conn, side, h, at) {
                        let this = self;
                        let [c, s] = &mut this.dirs;
                        let d = if side == Side::Client { c } else { s };
                        let at = At {
                            offset: d.plain_offset,
                            ..at
                        };
                        d.plain_offset += range.len() as u64;
                        ctx.stats.plaintext_bytes += range.len() as u64;
                        let bytes = d
                            .reader
                            .as_mut()
                            .and_then(|r| r.body_mut().get(range))
                            .unwrap_or_default();
                        return Some(TlsEvent::Plaintext {
                            side,
                            bytes,
                            at,
                            session: &this.session,
                        });
                    }
                }
            }
        }
    }

    /// Reads one whole record of `side`.
    fn record(
        &mut self,
        ctx: &mut TlsCtx<'_>,
        conn: &ConnInfo,
        side: Side,
        h: Header,
        at: At,
    ) -> Outcome {
        let ct = h.content_type();
        let tls13 = self.session.version.is_some_and(|v| v >= 0x0304);
        if ct == content::CHANGE_CIPHER_SPEC {
            // TLS 1.3 sends it only for middleboxes (RFC 8446 §D.4), also before the
            // ServerHello along with 0-RTT data: it changes nothing then.
            if self.session.version.is_some() && !tls13 {
                let d = self.dir(side);
                d.keys = Some(match d.pending.take() {
                    Some(p) => Keys::Keyed(p),
                    None => Keys::Missing,
                });
            }
            return Outcome::Nothing;
        }
        // TLS 1.3 0-RTT data precedes the client's first handshake-key record (RFC 8446
        // §4.2.10): before the ServerHello, and after it until the handshake key opens one.
        let early = side == Side::Client && self.early_data && !self.client_handshake_opened;
        let d = self.dir(side);
        let opened = match d.keys.as_mut() {
            Some(Keys::Keyed(p)) => {
                let body = d.reader.as_mut().map(|r| r.body_mut()).unwrap_or_default();
                // A failed open may overwrite the record: while 0-RTT data may come, the
                // ciphertext is kept for the early key to try.
                let kept = (early && ct == content::APPLICATION_DATA).then(|| body.to_vec());
                let opened = p.open(&h.raw, body);
                if let (Err(_), Some(kept)) = (&opened, kept) {
                    body.copy_from_slice(&kept);
                }
                Some(opened)
            }
            Some(Keys::Missing) => {
                self.stop(side, false);
                return Outcome::Nothing;
            }
            Some(Keys::Clear) | None => None,
        };
        let opened = match opened {
            Some(Ok(ok)) => {
                if side == Side::Client {
                    self.client_handshake_opened = true;
                }
                Some(ok)
            }
            Some(Err(_)) | None
                if early
                    && ct == content::APPLICATION_DATA
                    && (opened.is_some() || self.session.version.is_none()) =>
            {
                match self.open_early(ctx, &h) {
                    Some(ok) => Some(ok),
                    None => {
                        ctx.stats.early_data_skipped += 1;
                        return Outcome::Nothing;
                    }
                }
            }
            Some(Err(failure)) => {
                ctx.stats.failures += 1;
                self.stop(side, true);
                let message = format!(
                    "record {} of {} did not decrypt: {}; the rest of it is not read",
                    self.dirs[side.index()].keys_seq(),
                    stream_name(conn, side),
                    failure.describe()
                );
                self.raise(ISSUE_DECRYPT_FAILED, at.frame, h.offset, message);
                return Outcome::Nothing;
            }
            None if ct == content::APPLICATION_DATA => {
                if !self.client_hello_seen {
                    self.not_decrypted(Reason::HandshakeMissing);
                }
                self.stop(side, false);
                return Outcome::Nothing;
            }
            None => None,
        };
        let (inner, range) = match opened {
            Some(ok) => {
                ctx.stats.records_decrypted += 1;
                if self.session.records_decrypted == [0, 0] {
                    ctx.stats.decrypted += 1;
                }
                self.session.records_decrypted[side.index()] += 1;
                ok
            }
            None => (ct, 0..h.len()),
        };
        let outcome = match inner {
            content::HANDSHAKE => {
                self.handshake(ctx, conn, side, range, at);
                Outcome::Nothing
            }
            content::APPLICATION_DATA if !range.is_empty() => Outcome::Plain(range),
            _ => Outcome::Nothing,
        };
        let d = self.dir(side);
        if let Some(next) = d.next.take() {
            d.keys = Some(next);
        }
        outcome
    }

    /// Opens a client record with the 0-RTT key (`CLIENT_EARLY_TRAFFIC_SECRET`). The suite is
    /// the resumed session's, which the ServerHello may not have named yet: the first record
    /// is tried with each TLS 1.3 suite of the secret's hash length.
    fn open_early(&mut self, ctx: &TlsCtx<'_>, h: &Header) -> Option<(u8, Range<usize>)> {
        let Self {
            dirs: [client, _],
            early,
            session,
            ..
        } = self;
        let body = client.reader.as_mut()?.body_mut();
        if let Some(p) = early {
            return p.open(&h.raw, body).ok();
        }
        let secret = ctx.secret(&session.client_random?, Label::ClientEarlyTraffic)?;
        // A failed open may overwrite the record: each suite tries the ciphertext as it came.
        let kept = body.to_vec();
        for id in [0x1301, 0x1302, 0x1303] {
            let Some(mut p) = suite::lookup(id).and_then(|s| Protection::tls13(&s, secret)) else {
                continue;
            };
            if let Ok(ok) = p.open(&h.raw, body) {
                *early = Some(Box::new(p));
                return Some(ok);
            }
            body.copy_from_slice(&kept);
        }
        None
    }

    /// Reassembles and acts on the handshake messages in a record's plaintext.
    fn handshake(
        &mut self,
        ctx: &mut TlsCtx<'_>,
        conn: &ConnInfo,
        side: Side,
        range: Range<usize>,
        at: At,
    ) {
        let tls13 = self.session.version.is_some_and(|v| v >= 0x0304);
        let cap = ctx.handshake_cap;
        let mut messages = Vec::new();
        let d = self.dir(side);
        let Direction {
            reader,
            messages: reassembly,
            ..
        } = d;
        let body = reader
            .as_mut()
            .and_then(|r| r.body_mut().get(range))
            .unwrap_or_default();
        reassembly.push(body, cap, &mut |ty, body| {
            messages.push(match body {
                Some(b) => handshake::read(ty, b, tls13),
                None => handshake::Message::TooLarge(ty),
            });
        });
        for m in messages {
            self.message(ctx, conn, side, m, at);
        }
    }
}

impl Direction {
    /// The sequence number of the record being read, for messages.
    fn keys_seq(&self) -> u64 {
        match self.keys() {
            Keys::Keyed(p) => p.seq(),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests;
