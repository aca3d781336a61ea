//! Handshake messages: reassembled from the handshake records of one direction (a message may
//! span records, a record may hold several), then read for what decryption and the report
//! need (RFC 8446 §4, RFC 5246 §7.4).
//!
//! ClientHello and ServerHello are parsed by tls-parser and their extensions one by one with
//! its extension parser, so one extension it rejects does not hide the others. Certificate
//! lists are walked here (TLS 1.2 and 1.3 lay them out differently; tls-parser reads only the
//! former): only the first (leaf) certificate is kept.
//!
//! Memory: per direction one buffer of at most the message cap (`Limits::tls_handshake_bytes`);
//! a larger message is skipped by length and reported as [`Message::TooLarge`].

use tls_parser::{
    parse_tls_client_hello_extension, parse_tls_handshake_client_hello,
    parse_tls_handshake_server_hello, parse_tls_server_hello_extension, SNIType, TlsExtension,
};

/// Handshake message types used here (RFC 8446 §4, RFC 5246 §7.4).
pub mod kind {
    /// ClientHello.
    pub const CLIENT_HELLO: u8 = 1;
    /// ServerHello (also HelloRetryRequest in TLS 1.3).
    pub const SERVER_HELLO: u8 = 2;
    /// NewSessionTicket.
    pub const NEW_SESSION_TICKET: u8 = 4;
    /// EndOfEarlyData.
    pub const END_OF_EARLY_DATA: u8 = 5;
    /// EncryptedExtensions.
    pub const ENCRYPTED_EXTENSIONS: u8 = 8;
    /// Certificate.
    pub const CERTIFICATE: u8 = 11;
    /// Finished.
    pub const FINISHED: u8 = 20;
    /// KeyUpdate.
    pub const KEY_UPDATE: u8 = 24;
}

/// Extension types read by number (IANA "TLS ExtensionType Values").
mod ext_type {
    pub const ALPN: u16 = 16;
    pub const ENCRYPT_THEN_MAC: u16 = 22;
    pub const PRE_SHARED_KEY: u16 = 41;
    pub const EARLY_DATA: u16 = 42;
}

/// The random of a TLS 1.3 HelloRetryRequest (RFC 8446 §4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// What a ClientHello says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHello {
    /// The client random: the key log's index.
    pub random: [u8; 32],
    /// The legacy session id (a TLS 1.2 resumption offer).
    pub session_id: Vec<u8>,
    /// `server_name` (SNI), host name type.
    pub server_name: Option<String>,
    /// Protocols offered by ALPN.
    pub alpn: Vec<Vec<u8>>,
    /// Highest version offered (`supported_versions`, else the legacy field).
    pub max_version: u16,
    /// Offered 0-RTT early data.
    pub early_data: bool,
    /// Offered a pre-shared key (TLS 1.3 resumption).
    pub psk: bool,
    /// Offered a non-empty session ticket (TLS 1.2 resumption, RFC 5077).
    pub ticket: bool,
}

/// What a ServerHello says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHello {
    /// The server random.
    pub random: [u8; 32],
    /// The legacy session id echoed or given.
    pub session_id: Vec<u8>,
    /// The chosen cipher suite.
    pub cipher: u16,
    /// The chosen version (`supported_versions`, else the legacy field).
    pub version: u16,
    /// The protocol chosen by ALPN (TLS 1.2; TLS 1.3 says it in EncryptedExtensions).
    pub alpn: Option<Vec<u8>>,
    /// Encrypt-then-MAC negotiated (RFC 7366).
    pub encrypt_then_mac: bool,
    /// A TLS 1.3 HelloRetryRequest rather than a ServerHello.
    pub hello_retry: bool,
    /// Accepted a pre-shared key (TLS 1.3 resumption).
    pub psk: bool,
}

/// One handshake message, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// ClientHello.
    ClientHello(Box<ClientHello>),
    /// ServerHello or HelloRetryRequest.
    ServerHello(Box<ServerHello>),
    /// EncryptedExtensions (TLS 1.3): the ALPN choice and whether 0-RTT data was accepted.
    EncryptedExtensions {
        /// Chosen protocol.
        alpn: Option<Vec<u8>>,
        /// The server accepted early data.
        early_data: bool,
    },
    /// Certificate: the leaf certificate's DER, when there is one.
    Certificate(Option<Vec<u8>>),
    /// Finished.
    Finished,
    /// KeyUpdate (TLS 1.3).
    KeyUpdate,
    /// EndOfEarlyData (TLS 1.3).
    EndOfEarlyData,
    /// A message whose contents could not be read.
    Malformed(u8),
    /// A message over the cap, skipped by length.
    TooLarge(u8),
    /// Any other message.
    Other(u8),
}

/// Walks an extension block: `(type, the whole extension's bytes)`, stopping at bad lengths.
fn extensions(block: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = block;
    std::iter::from_fn(move || {
        let (&[t0, t1, l0, l1], _) = rest.split_first_chunk::<4>()?;
        let len = 4 + usize::from(u16::from_be_bytes([l0, l1]));
        let whole = rest.get(..len)?;
        rest = rest.get(len..)?;
        Some((u16::from_be_bytes([t0, t1]), whole))
    })
}

fn random_of(bytes: &[u8]) -> Option<[u8; 32]> {
    bytes.try_into().ok()
}

fn client_hello(body: &[u8]) -> Option<ClientHello> {
    let (_, ch) = parse_tls_handshake_client_hello(body).ok()?;
    let mut out = ClientHello {
        random: random_of(ch.random)?,
        session_id: ch.session_id.unwrap_or_default().to_vec(),
        max_version: ch.version.0,
        ..ClientHello::default()
    };
    for (ty, ext) in extensions(ch.ext.unwrap_or_default()) {
        // Flags by type alone: their contents do not matter here.
        match ty {
            ext_type::EARLY_DATA => out.early_data = true,
            ext_type::PRE_SHARED_KEY => out.psk = true,
            _ => {}
        }
        let Ok((_, ext)) = parse_tls_client_hello_extension(ext) else {
            continue;
        };
        match ext {
            TlsExtension::SNI(names) => {
                out.server_name = names
                    .iter()
                    .find(|(t, _)| *t == SNIType::HostName)
                    .and_then(|(_, n)| std::str::from_utf8(n).ok())
                    .map(str::to_ascii_lowercase);
            }
            TlsExtension::ALPN(list) => out.alpn = list.iter().map(|p| p.to_vec()).collect(),
            TlsExtension::SupportedVersions(v) => {
                // GREASE values (RFC 8701) are 0x?a?a and never chosen.
                if let Some(max) = v.iter().map(|v| v.0).filter(|v| v & 0x0f0f != 0x0a0a).max() {
                    out.max_version = out.max_version.max(max);
                }
            }
            TlsExtension::SessionTicket(t) => out.ticket = !t.is_empty(),
            _ => {}
        }
    }
    Some(out)
}

fn server_hello(body: &[u8]) -> Option<ServerHello> {
    let (_, sh) = parse_tls_handshake_server_hello(body).ok()?;
    let random = random_of(sh.random)?;
    let mut out = ServerHello {
        random,
        session_id: sh.session_id.unwrap_or_default().to_vec(),
        cipher: sh.cipher.0,
        version: sh.version.0,
        hello_retry: random == HELLO_RETRY_RANDOM,
        ..ServerHello::default()
    };
    for (ty, ext) in extensions(sh.ext.unwrap_or_default()) {
        // By type: tls-parser 0.12 reads type 21 (padding) as encrypt_then_mac in ServerHellos.
        match ty {
            ext_type::ENCRYPT_THEN_MAC => out.encrypt_then_mac = true,
            ext_type::PRE_SHARED_KEY => out.psk = true,
            _ => {}
        }
        let Ok((_, ext)) = parse_tls_server_hello_extension(ext) else {
            continue;
        };
        match ext {
            TlsExtension::SupportedVersions(v) => {
                if let Some(v) = v.first() {
                    out.version = v.0;
                }
            }
            TlsExtension::ALPN(list) => out.alpn = list.first().map(|p| p.to_vec()),
            _ => {}
        }
    }
    Some(out)
}

fn encrypted_extensions(body: &[u8]) -> Option<Message> {
    let (&[l0, l1], rest) = body.split_first_chunk::<2>()?;
    let block = rest.get(..usize::from(u16::from_be_bytes([l0, l1])))?;
    let mut alpn = None;
    let mut early_data = false;
    for (ty, ext) in extensions(block) {
        match ty {
            ext_type::ALPN => {
                if let Ok((_, TlsExtension::ALPN(list))) = parse_tls_server_hello_extension(ext) {
                    alpn = list.first().map(|p| p.to_vec());
                }
            }
            ext_type::EARLY_DATA => early_data = true,
            _ => {}
        }
    }
    Some(Message::EncryptedExtensions { alpn, early_data })
}

fn u24(b: &[u8]) -> Option<usize> {
    let (&[a, b, c], _) = b.split_first_chunk::<3>()?;
    Some(usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c))
}

/// The first certificate of a Certificate message (RFC 5246 §7.4.2; RFC 8446 §4.4.2 adds a
/// request context before the list and extensions after each entry).
fn leaf_certificate(body: &[u8], tls13: bool) -> Option<Option<Vec<u8>>> {
    let list = if tls13 {
        let (&ctx_len, rest) = body.split_first()?;
        rest.get(usize::from(ctx_len)..)?
    } else {
        body
    };
    let len = u24(list)?;
    let list = list.get(3..3 + len)?;
    if list.is_empty() {
        return Some(None);
    }
    let cert_len = u24(list)?;
    Some(Some(list.get(3..3 + cert_len)?.to_vec()))
}

/// Reads one complete handshake message.
pub fn read(ty: u8, body: &[u8], tls13: bool) -> Message {
    let parsed = match ty {
        kind::CLIENT_HELLO => client_hello(body).map(|c| Message::ClientHello(Box::new(c))),
        kind::SERVER_HELLO => server_hello(body).map(|s| Message::ServerHello(Box::new(s))),
        kind::ENCRYPTED_EXTENSIONS => encrypted_extensions(body),
        kind::CERTIFICATE => leaf_certificate(body, tls13).map(Message::Certificate),
        kind::FINISHED => Some(Message::Finished),
        kind::KEY_UPDATE => Some(Message::KeyUpdate),
        kind::END_OF_EARLY_DATA => Some(Message::EndOfEarlyData),
        other => Some(Message::Other(other)),
    };
    parsed.unwrap_or(Message::Malformed(ty))
}

/// Reassembles the handshake messages of one direction.
#[derive(Default)]
pub struct Reassembly {
    buf: Vec<u8>,
    /// Bytes of an over-cap message still to skip.
    skip: usize,
}

impl Reassembly {
    /// Handshake record plaintext in; each complete message's type and body out, in order.
    /// Messages whose declared length exceeds `cap` are reported as [`Message::TooLarge`] by
    /// a `None` body.
    pub fn push(&mut self, mut data: &[u8], cap: usize, out: &mut dyn FnMut(u8, Option<&[u8]>)) {
        while !data.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(data.len());
                self.skip -= n;
                data = data.get(n..).unwrap_or_default();
                continue;
            }
            // The common case: whole messages in this record, nothing buffered.
            if self.buf.is_empty() {
                if let Some(len) = data.get(1..).and_then(u24) {
                    if let (Some(&ty), Some(body)) = (data.first(), data.get(4..4 + len)) {
                        if len <= cap {
                            out(ty, Some(body));
                            data = data.get(4 + len..).unwrap_or_default();
                            continue;
                        }
                    }
                }
            }
            let need_header = 4usize.saturating_sub(self.buf.len());
            if need_header > 0 {
                let n = need_header.min(data.len());
                self.buf
                    .extend_from_slice(data.get(..n).unwrap_or_default());
                data = data.get(n..).unwrap_or_default();
                if self.buf.len() < 4 {
                    return;
                }
            }
            let len = self.buf.get(1..).and_then(u24).unwrap_or(0);
            let ty = self.buf.first().copied().unwrap_or(0);
            if len > cap {
                out(ty, None);
                self.buf.clear();
                self.skip = len;
                continue;
            }
            let want = 4 + len - self.buf.len();
            let n = want.min(data.len());
            self.buf
                .extend_from_slice(data.get(..n).unwrap_or_default());
            data = data.get(n..).unwrap_or_default();
            if self.buf.len() == 4 + len {
                out(ty, self.buf.get(4..));
                // A certificate chain's buffer is not kept for the rest of the connection.
                self.buf = Vec::new();
            }
        }
    }

    /// Whether a message is partly buffered (a key change must not fall inside one).
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty() && self.skip == 0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn collect(r: &mut Reassembly, pieces: &[&[u8]], cap: usize) -> Vec<(u8, Option<Vec<u8>>)> {
        let mut got = Vec::new();
        for p in pieces {
            r.push(p, cap, &mut |t, b| got.push((t, b.map(<[u8]>::to_vec))));
        }
        got
    }

    #[test]
    fn messages_across_and_within_records() {
        let msg = |t: u8, body: &[u8]| {
            let mut m = vec![t, 0, 0, body.len() as u8];
            m.extend_from_slice(body);
            m
        };
        let a = msg(20, b"finished");
        let b = msg(4, b"ticket!");
        let both = [a.clone(), b.clone()].concat();
        let whole = collect(&mut Reassembly::default(), &[&both], 100);
        assert_eq!(
            whole,
            vec![
                (20, Some(b"finished".to_vec())),
                (4, Some(b"ticket!".to_vec()))
            ]
        );
        // Every split point gives the same messages.
        for cut in 0..both.len() {
            let mut r = Reassembly::default();
            let got = collect(&mut r, &[&both[..cut], &both[cut..]], 100);
            assert_eq!(got, whole, "cut at {cut}");
            assert!(r.is_empty());
        }
        // Byte by byte, with a message over the cap skipped by length.
        let big = msg(11, &[7; 50]);
        let all = [a, big, b].concat();
        let pieces: Vec<&[u8]> = all.chunks(1).collect();
        let got = collect(&mut Reassembly::default(), &pieces, 20);
        assert_eq!(got[1], (11, None));
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].1.as_deref(), Some(&b"ticket!"[..]));
    }

    #[test]
    fn certificate_lists_of_both_versions() {
        let cert = b"DER";
        let tls12 = [&[0, 0, 6, 0, 0, 3][..], cert].concat();
        assert_eq!(leaf_certificate(&tls12, false), Some(Some(cert.to_vec())));
        let tls13 = [&[0, 0, 0, 8, 0, 0, 3][..], cert, &[0, 0]].concat();
        assert_eq!(leaf_certificate(&tls13, true), Some(Some(cert.to_vec())));
        assert_eq!(leaf_certificate(&[0, 0, 0, 0], true), Some(None));
        assert_eq!(leaf_certificate(&[0, 0, 9, 0], false), None);
        assert_eq!(read(kind::CERTIFICATE, &[1], false), Message::Malformed(11));
    }
}
