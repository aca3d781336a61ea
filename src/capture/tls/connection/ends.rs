//! How a connection's directions end: bytes that are not records, capture gaps, closes; and
//! the per-server count of connections not decrypted.

use crate::capture::tcp::{At, Close, ConnInfo, Side};

use super::super::record::{FramingError, RecordReader};
use super::super::{TlsCtx, ISSUE_GAP, ISSUE_RECORD_MALFORMED, ISSUE_RECORD_TRUNCATED};
use super::{stream_name, Keys, Reason, TlsConnection};

impl TlsConnection {
    pub(super) fn framing_error(
        &mut self,
        conn: &ConnInfo,
        side: Side,
        e: FramingError,
        offset: u64,
        at: At,
    ) {
        let first = self.dir(side).plain_offset == 0 && !self.client_hello_seen;
        self.stop(side, true);
        if first {
            // Not a record at the start and no handshake: a capture that began mid-stream.
            self.not_decrypted(Reason::HandshakeMissing);
            return;
        }
        let what = match e {
            FramingError::NotTls(raw) => format!(
                "bytes that are not a TLS record ({})",
                raw.iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            FramingError::Oversize { len, max } => {
                format!("a record of {len} bytes, over the limit of {max}")
            }
        };
        let message = format!(
            "{} carries {what}; the rest of it is not read",
            stream_name(conn, side)
        );
        self.raise(ISSUE_RECORD_MALFORMED, at.frame, offset, message);
    }

    /// `len` bytes of `side` were never captured: its decryption ends.
    pub fn gap(&mut self, ctx: &mut TlsCtx<'_>, conn: &ConnInfo, side: Side, len: u64, at: At) {
        let d = self.dir(side);
        if d.stopped {
            return;
        }
        let keyed = matches!(d.keys(), Keys::Keyed(_)) || d.pending.is_some();
        self.stop(side, true);
        if keyed {
            ctx.stats.gaps += 1;
            let message = format!(
                "decryption of {} ends at a capture gap of {len} bytes",
                stream_name(conn, side)
            );
            self.raise(ISSUE_GAP, at.frame, at.offset, message);
        } else if self.session.version.is_none() {
            self.not_decrypted(Reason::HandshakeMissing);
        }
    }

    /// One side ended (`Some`), or the whole connection (`None`). Returns how the layer above
    /// should see it end: [`Close::Abandoned`] when plaintext of that side was lost.
    pub fn close(
        &mut self,
        ctx: &mut TlsCtx<'_>,
        conn: &ConnInfo,
        side: Option<Side>,
        how: Close,
        at: At,
    ) -> Close {
        let mut cut = false;
        for s in [Side::Client, Side::Server] {
            if side.is_some_and(|x| x != s) {
                continue;
            }
            let d = self.dir(s);
            if !d.stopped && how != Close::Reset {
                if let Some((have, want)) = d.reader.as_ref().and_then(RecordReader::partial) {
                    let offset = d.reader.as_ref().map_or(0, RecordReader::offset) - have as u64;
                    let message = format!(
                        "{} ends inside a TLS record ({have} of its {want} bytes)",
                        stream_name(conn, s)
                    );
                    self.raise(ISSUE_RECORD_TRUNCATED, at.frame, offset, message);
                    self.stop(s, true);
                }
            }
            let d = self.dir(s);
            d.stopped = true;
            d.ended = true;
            cut |= d.cut;
        }
        if self.ended() && !self.closed {
            self.closed = true;
            if let (Some(reason), Some(frame)) = (self.reason.clone(), self.first_frame) {
                ctx.stats.undecrypted += 1;
                let server = match (
                    &self.session.server_name,
                    self.session.certificate_names.first(),
                ) {
                    (Some(name), _) => format!("{name}:{}", conn.server.port()),
                    (None, Some(cert)) => format!("{} (certificate for {cert})", conn.server),
                    (None, None) => conn.server.to_string(),
                };
                ctx.undecrypted.add(reason, server, frame);
            }
        }
        if cut && how != Close::Reset {
            Close::Abandoned
        } else {
            how
        }
    }
}
