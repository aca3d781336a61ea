//! The handshake messages of a connection and the key changes they cause.

use crate::capture::tcp::{At, ConnInfo, Side};

use super::super::handshake::{kind, Message, ServerHello};
use super::super::keylog::Label;
use super::super::names::certificate_names;
use super::super::protection::{key_block, Protection};
use super::super::suite::{self, Suite};
use super::super::{TlsCtx, ISSUE_HANDSHAKE_MALFORMED};
use super::{stream_name, Keys, Reason, TlsConnection};

fn keyed(p: Option<Protection>) -> Keys {
    match p {
        Some(p) => Keys::Keyed(Box::new(p)),
        None => Keys::Missing,
    }
}

fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0200 | 0x0002 => "SSL 2.0".into(),
        other => format!("TLS version 0x{other:04x}"),
    }
}

impl TlsConnection {
    /// Acts on one handshake message of `side`.
    pub(super) fn message(
        &mut self,
        ctx: &mut TlsCtx<'_>,
        conn: &ConnInfo,
        side: Side,
        m: Message,
        at: At,
    ) {
        let tls13 = self.session.version.is_some_and(|v| v >= 0x0304);
        match m {
            Message::ClientHello(ch) if side == Side::Client => {
                self.client_hello_seen = true;
                self.session.client_random = Some(ch.random);
                if ch.server_name.is_some() {
                    self.session.server_name = ch.server_name;
                }
                self.session.offered_alpn = ch.alpn;
                self.session.offered_version = Some(ch.max_version);
                self.early_data = ch.early_data;
                self.offered_session_id = ch.session_id;
            }
            Message::ServerHello(sh) if side == Side::Server => self.server_hello(ctx, &sh),
            Message::EncryptedExtensions {
                alpn: Some(alpn), ..
            } if side == Side::Server => self.session.alpn = Some(alpn),
            Message::Certificate(Some(der))
                if side == Side::Server && self.session.certificate_names.is_empty() =>
            {
                self.session.certificate_names = certificate_names(&der);
            }
            Message::Finished if tls13 => {
                let label = match side {
                    Side::Client => Label::ClientTraffic0,
                    Side::Server => Label::ServerTraffic0,
                };
                let next = self.tls13_keys(ctx, label);
                self.dir(side).next = Some(next);
            }
            Message::KeyUpdate if tls13 => {
                let suite = self.suite;
                let d = self.dir(side);
                if let (Keys::Keyed(p), Some(suite)) = (d.keys(), suite) {
                    d.next = Some(keyed(p.updated(&suite)));
                }
            }
            Message::Malformed(ty) => {
                let message = format!(
                    "a handshake message of type {ty} in {} could not be read",
                    stream_name(conn, side)
                );
                self.raise(ISSUE_HANDSHAKE_MALFORMED, at.frame, at.offset, message);
                if ty == kind::CLIENT_HELLO || ty == kind::SERVER_HELLO {
                    self.not_decrypted(Reason::HandshakeMissing);
                }
            }
            _ => {}
        }
    }

    /// The keys of a TLS 1.3 traffic secret of this connection, or `Missing` (counted).
    fn tls13_keys(&mut self, ctx: &TlsCtx<'_>, label: Label) -> Keys {
        let p = match (self.session.client_random, self.suite) {
            (Some(random), Some(suite)) => ctx
                .secret(&random, label)
                .and_then(|s| Protection::tls13(&suite, s)),
            _ => None,
        };
        if p.is_none() {
            self.not_decrypted(Reason::NoKey);
        }
        keyed(p)
    }

    /// The ServerHello fixes version and suite, and with them the keys of both sides.
    fn server_hello(&mut self, ctx: &mut TlsCtx<'_>, sh: &ServerHello) {
        self.session.version = Some(sh.version);
        self.session.cipher_suite = Some(sh.cipher);
        if sh.hello_retry {
            // A second ClientHello and the real ServerHello follow.
            return;
        }
        if sh.alpn.is_some() {
            self.session.alpn = sh.alpn.clone();
        }
        let tls13 = sh.version >= 0x0304;
        self.session.resumed = sh.psk
            || (!tls13 && !sh.session_id.is_empty() && sh.session_id == self.offered_session_id);
        let suite = self.negotiated(sh);
        self.suite = suite;
        let (Some(suite), Some(random)) = (suite, self.session.client_random) else {
            // TLS 1.3 encrypts what follows at once; TLS 1.2 at its ChangeCipherSpec, where
            // the missing keys stop each side.
            if tls13 {
                self.dir(Side::Server).next = Some(Keys::Missing);
                self.dir(Side::Client).keys = Some(Keys::Missing);
            }
            return;
        };
        if tls13 {
            let server = self.tls13_keys(ctx, Label::ServerHandshakeTraffic);
            let client = self.tls13_keys(ctx, Label::ClientHandshakeTraffic);
            self.dir(Side::Server).next = Some(server);
            self.dir(Side::Client).keys = Some(client);
            return;
        }
        let block = ctx.secret(&random, Label::ClientRandom).and_then(|master| {
            key_block(
                &suite,
                sh.version,
                sh.encrypt_then_mac,
                master,
                &random,
                &sh.random,
            )
        });
        match block {
            Some(kb) => {
                self.dir(Side::Client).pending = Some(Box::new(kb.client));
                self.dir(Side::Server).pending = Some(Box::new(kb.server));
            }
            None => self.not_decrypted(Reason::NoKey),
        }
    }

    /// The suite to decrypt with, or why there is none.
    fn negotiated(&mut self, sh: &ServerHello) -> Option<Suite> {
        if self.session.client_random.is_none() {
            self.not_decrypted(Reason::HandshakeMissing);
            return None;
        }
        if !(0x0301..=0x0304).contains(&sh.version) {
            self.not_decrypted(Reason::Unsupported(version_name(sh.version)));
            return None;
        }
        let found = suite::lookup(sh.cipher).filter(|s| s.tls13 == (sh.version >= 0x0304));
        if found.is_none() {
            self.not_decrypted(Reason::Unsupported(suite::name_of(sh.cipher)));
        }
        found
    }
}
