//! The first bytes of a connection, held until they say which protocol it speaks.
//!
//! The client speaks first in HTTP/1, HTTP/2 and TLS, so its first bytes decide: the HTTP/2
//! client connection preface (RFC 9113 §3.4), a TLS record (RFC 8446 §5.1: content type 20-23,
//! legacy version 3.x), an HTTP/2 frame header (a connection whose start was not captured:
//! recognised here so that it is counted, not misread as HTTP/1), or anything else, which is
//! left to HTTP/1 (as before there was a choice). A first piece too short to tell (a prefix of the preface, of `POST`, or of a record
//! header) waits for the next. A server whose bytes come first (an HTTP/2 server sends its
//! SETTINGS without waiting for the preface) is held until the client speaks, unless its
//! bytes already tell (an HTTP/1 status line, a TLS record).
//!
//! Invariant: what is held is handed on in arrival order, so the layer chosen sees exactly what
//! it would have seen alone. Memory: at most [`HOLD_CAP`] bytes per connection; past it, or
//! when the connection ends, the bytes held decide as far as they can and HTTP/1 takes the rest.

use crate::capture::http2::frame::FrameHeader;
use crate::capture::tcp::{At, Side};

/// The HTTP/2 client connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Most bytes held before a decision is forced.
pub const HOLD_CAP: usize = 16 << 10;

/// What a connection carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// HTTP/1.x, or nothing recognisable (HTTP/1 reports what it cannot parse).
    Http1,
    /// HTTP/2 with prior knowledge: the client sent the connection preface.
    Http2,
    /// HTTP/2 frames without the preface: the capture started after it.
    Http2MidStream,
    /// TLS records.
    Tls,
}

/// One piece held back.
#[derive(Clone, Copy, Debug)]
pub enum Held {
    /// Bytes `start..end` of the held buffer, of one side, at `at`.
    Data {
        /// Which direction.
        side: Side,
        /// Where they start in the buffer.
        start: usize,
        /// Where they end in the buffer.
        end: usize,
        /// Where they were captured.
        at: At,
    },
    /// `len` bytes of one side never captured.
    Gap {
        /// Which direction.
        side: Side,
        /// How many bytes.
        len: u64,
        /// Where.
        at: At,
    },
}

/// Whether `bytes` start a TLS record: `Some(true)` yes, `Some(false)` no, `None` too short.
fn tls_record(bytes: &[u8]) -> Option<bool> {
    let checks: [fn(u8) -> bool; 3] = [|b| (20..=23).contains(&b), |b| b == 3, |b| b <= 4];
    for (i, check) in checks.iter().enumerate() {
        match bytes.get(i) {
            None => return None,
            Some(&b) if !check(b) => return Some(false),
            Some(_) => {}
        }
    }
    Some(true)
}

/// What the client's first bytes say, `None` while they are too short to tell.
pub fn client_kind(first: &[u8]) -> Option<Kind> {
    if first.starts_with(PREFACE) {
        return Some(Kind::Http2);
    }
    if PREFACE.starts_with(first) {
        return None;
    }
    if tls_record(first)? {
        return Some(Kind::Tls);
    }
    h2_frames(first)
}

/// HTTP/2 frames (a plausible frame header first) or HTTP/1, `None` while too short to tell.
/// An HTTP/1 message never starts with the zero byte that starts every frame under 64 KiB.
fn h2_frames(first: &[u8]) -> Option<Kind> {
    if first.first() != Some(&0) {
        return Some(Kind::Http1);
    }
    Some(match FrameHeader::plausible(first)? {
        true => Kind::Http2MidStream,
        false => Kind::Http1,
    })
}

/// What the server's first bytes say on their own, `None` when only the client can tell (an
/// HTTP/2 server's SETTINGS may come before the client's preface).
fn server_kind(first: &[u8]) -> Option<Kind> {
    if first.starts_with(b"HTTP/") {
        return Some(Kind::Http1);
    }
    tls_record(first)?.then_some(Kind::Tls)
}

/// The first bytes of a connection, both sides, in arrival order.
#[derive(Debug, Default)]
pub struct Opening {
    bytes: Vec<u8>,
    held: Vec<Held>,
    client: Vec<u8>,
}

impl Opening {
    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Holds bytes of one side and says whether the connection's kind is now known.
    pub fn data(&mut self, side: Side, bytes: &[u8], at: At) -> Option<Kind> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        self.held.push(Held::Data {
            side,
            start,
            end: self.bytes.len(),
            at,
        });
        let kind = match side {
            Side::Client => {
                if self.client.len() < PREFACE.len() {
                    let room = PREFACE.len() - self.client.len();
                    self.client
                        .extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
                }
                client_kind(&self.client)
            }
            Side::Server if self.client.is_empty() => self.server_first(),
            Side::Server => None,
        };
        kind.or_else(|| (self.bytes.len() > HOLD_CAP).then(|| self.forced()))
    }

    /// Holds a gap of one side.
    pub fn gap(&mut self, side: Side, len: u64, at: At) {
        self.held.push(Held::Gap { side, len, at });
    }

    /// The server's first piece held.
    fn server_bytes(&self) -> Option<&[u8]> {
        self.held.iter().find_map(|h| match *h {
            Held::Data {
                side: Side::Server,
                start,
                end,
                ..
            } => self.bytes.get(start..end),
            _ => None,
        })
    }

    fn server_first(&self) -> Option<Kind> {
        server_kind(self.server_bytes()?)
    }

    /// The kind the held bytes point to when no more will come (or too many came).
    pub fn forced(&self) -> Kind {
        if !self.client.is_empty() {
            return client_kind(&self.client).unwrap_or(Kind::Http1);
        }
        match self.server_bytes() {
            Some(b) => server_kind(b)
                .or_else(|| h2_frames(b))
                .unwrap_or(Kind::Http1),
            None => Kind::Http1,
        }
    }

    /// The pieces held, in arrival order, with the buffer their data ranges index.
    pub fn into_parts(self) -> (Vec<u8>, Vec<Held>) {
        (self.bytes, self.held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_client_bytes() {
        let cases: &[(&[u8], Option<Kind>)] = &[
            (b"GET / HTTP/1.1\r\n", Some(Kind::Http1)),
            (b"\r\nGET", Some(Kind::Http1)),
            (b"P", None),
            (b"PRI * HTTP/2.0\r\n", None),
            (b"PO", Some(Kind::Http1)),
            (PREFACE, Some(Kind::Http2)),
            (b"\x16", None),
            (b"\x16\x03", None),
            (b"\x16\x03\x01\x02\x00\x01", Some(Kind::Tls)),
            (b"\x17\x03\x03", Some(Kind::Tls)),
            (b"\x16\x02\x01", Some(Kind::Http1)),
            (b"\x16\x03\x09", Some(Kind::Http1)),
            (b"\x00\x00\x12\x04", None),
            (
                b"\x00\x00\x0c\x04\x00\x00\x00\x00\x00",
                Some(Kind::Http2MidStream),
            ),
            (b"\x00\x00\x0c\x04\x00\x00\x00\x00\x01", Some(Kind::Http1)),
            (
                b"\x00\x00\x10\x01\x04\x00\x00\x00\x03",
                Some(Kind::Http2MidStream),
            ),
            (b"\x00\x00\x10\x0b\x04\x00\x00\x00\x03", Some(Kind::Http1)),
        ];
        for (bytes, want) in cases {
            assert_eq!(client_kind(bytes), *want, "{bytes:?}");
        }
    }

    fn at(offset: u64) -> At {
        At {
            frame: crate::model::FrameRef::new(
                crate::model::FileIndex(0),
                crate::model::FrameNumber(1),
            ),
            ts: Default::default(),
            offset,
        }
    }

    #[test]
    fn a_server_speaking_first_waits_for_the_client_unless_it_tells() {
        let settings = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00";
        let mut o = Opening::default();
        assert_eq!(o.data(Side::Server, settings, at(0)), None);
        assert_eq!(o.data(Side::Client, b"PRI * HTTP", at(0)), None);
        assert_eq!(
            o.data(Side::Client, &PREFACE[10..], at(10)),
            Some(Kind::Http2)
        );
        let (bytes, held) = o.into_parts();
        assert_eq!(bytes.len(), settings.len() + PREFACE.len());
        assert!(matches!(
            held[..],
            [
                Held::Data {
                    side: Side::Server,
                    ..
                },
                Held::Data {
                    side: Side::Client,
                    ..
                },
                Held::Data {
                    side: Side::Client,
                    ..
                }
            ]
        ));

        let mut o = Opening::default();
        assert_eq!(
            o.data(Side::Server, b"HTTP/1.1 200 OK\r\n", at(0)),
            Some(Kind::Http1)
        );
        let mut o = Opening::default();
        assert_eq!(o.data(Side::Server, b"SSH-2.0-x\r\n", at(0)), None);
        assert_eq!(o.forced(), Kind::Http1);
        let big = vec![b'x'; HOLD_CAP + 1];
        assert_eq!(o.data(Side::Server, &big, at(11)), Some(Kind::Http1));
    }
}
