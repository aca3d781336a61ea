//! The TLS arm of the dispatcher: a connection's TLS layer, and the application layer its
//! plaintext feeds, chosen by ALPN (`h2` is HTTP/2, anything else HTTP/1), or without ALPN by
//! the first plaintext (the HTTP/2 preface, else HTTP/1).
//!
//! When decryption of a direction ends early (a gap, a record that fails to authenticate), the
//! application layer sees that direction end as abandoned, so requests whose responses were
//! lost are reported incomplete rather than refused.

use crate::capture::tcp::{At, Close, ConnInfo, Side};
use crate::capture::tls::{Feed, Session, TlsConnection, TlsEvent};

use super::opening::{client_kind, Kind};
use super::{App, AppProtocol, Ctx};

/// A TLS connection and what reads its plaintext.
pub struct Decrypted<'s> {
    tls: TlsConnection,
    app: Option<App<'s>>,
}

impl Default for Decrypted<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// The application protocol of a connection's plaintext.
fn protocol(session: &Session, side: Side, first: &[u8]) -> AppProtocol {
    match session.alpn.as_deref() {
        Some(b"h2") => AppProtocol::Http2,
        Some(_) => AppProtocol::Http1,
        None if side == Side::Client && client_kind(first) == Some(Kind::Http2) => {
            AppProtocol::Http2
        }
        None => AppProtocol::Http1,
    }
}

impl<'s> Decrypted<'s> {
    /// Before the first byte.
    pub fn new() -> Self {
        Self {
            tls: TlsConnection::new(),
            app: None,
        }
    }

    /// The TLS layer's view of the connection.
    pub fn tls(&self) -> &TlsConnection {
        &self.tls
    }

    fn drain(&mut self, ctx: &mut Ctx<'s>, conn: &ConnInfo, side: Side, feed: &mut Feed<'_>) {
        let Self { tls, app } = self;
        while let Some(ev) = tls.poll(&mut ctx.tls, conn, side, feed) {
            match ev {
                TlsEvent::Plaintext {
                    side,
                    bytes,
                    at,
                    session,
                } => {
                    let app = app
                        .get_or_insert_with(|| App::over_tls(protocol(session, side, bytes), ctx));
                    app.data(ctx, conn, side, bytes, at);
                }
                TlsEvent::Issue(issue) => ctx.sink.issue(issue),
            }
        }
    }

    /// In-order ciphertext of one direction.
    pub fn data(&mut self, ctx: &mut Ctx<'s>, conn: &ConnInfo, side: Side, bytes: &[u8], at: At) {
        self.drain(ctx, conn, side, &mut Feed::new(bytes, at));
    }

    /// `len` bytes of one direction were never captured: its decryption ends there.
    pub fn gap(&mut self, ctx: &mut Ctx<'s>, conn: &ConnInfo, side: Side, len: u64, at: At) {
        self.tls.gap(&mut ctx.tls, conn, side, len, at);
        self.drain(ctx, conn, side, &mut Feed::empty());
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
        let how = self.tls.close(&mut ctx.tls, conn, side, how, at);
        self.drain(ctx, conn, side.unwrap_or(Side::Client), &mut Feed::empty());
        if let Some(app) = &mut self.app {
            app.close(ctx, conn, side, how, at);
        }
    }
}
