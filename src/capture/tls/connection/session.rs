//! What a connection hands out: the session the handshake described, events, and the
//! ciphertext feed.

use crate::capture::tcp::{At, Side};
use crate::model::{FileIndex, FrameNumber, FrameRef, Issue};

/// What the handshake said about a connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// The ClientHello's random: the key log's index.
    pub client_random: Option<[u8; 32]>,
    /// SNI host name, lower-cased.
    pub server_name: Option<String>,
    /// Protocols the client offered by ALPN.
    pub offered_alpn: Vec<Vec<u8>>,
    /// The protocol the server chose by ALPN (`h2`, `http/1.1`).
    pub alpn: Option<Vec<u8>>,
    /// Highest version the client offered.
    pub offered_version: Option<u16>,
    /// Negotiated version (0x0301 TLS 1.0 ... 0x0304 TLS 1.3).
    pub version: Option<u16>,
    /// Negotiated cipher suite.
    pub cipher_suite: Option<u16>,
    /// DNS names of the server's certificate (TLS 1.2 in the clear; TLS 1.3 once decrypted).
    pub certificate_names: Vec<String>,
    /// A resumed session (TLS 1.2 session id or ticket accepted, TLS 1.3 PSK).
    pub resumed: bool,
    /// Records decrypted per side (client, server).
    pub records_decrypted: [u64; 2],
}

/// What [`TlsConnection::poll`](super::TlsConnection::poll) yields.
#[derive(Debug)]
pub enum TlsEvent<'t> {
    /// Application data of one side, decrypted. `at` is the frame and time of the segment
    /// that completed its record, and the offset of `bytes[0]` in this side's plaintext.
    Plaintext {
        /// The side that sent it.
        side: Side,
        /// The plaintext of one record.
        bytes: &'t [u8],
        /// Where it was captured.
        at: At,
        /// The handshake's outcome (ALPN, server name).
        session: &'t Session,
    },
    /// An in-band issue, with its location.
    Issue(Issue),
}

/// Ciphertext of one side not yet read, with the capture position of its first byte.
#[derive(Clone, Copy, Debug)]
pub struct Feed<'d> {
    pub(super) data: &'d [u8],
    pub(super) at: At,
}

impl<'d> Feed<'d> {
    /// `data` captured at `at`.
    pub fn new(data: &'d [u8], at: At) -> Self {
        Self { data, at }
    }

    /// Nothing to read: drains the issues a gap or close raised.
    pub fn empty() -> Feed<'static> {
        Feed {
            data: &[],
            at: At {
                frame: FrameRef::new(FileIndex(0), FrameNumber(0)),
                ts: Default::default(),
                offset: 0,
            },
        }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}
