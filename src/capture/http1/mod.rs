//! HTTP/1.x over reassembled TCP streams: message framing and request/response pairing.
//!
//! [`framer`] finds messages in one direction (RFC 9112 §6.3 body lengths, §7.1 chunked, 1xx,
//! HEAD, 204/304, CONNECT and 101 switching), [`head`] parses a start line and header section
//! with httparse, [`chunked`] follows the chunked coding, and [`connection`] pairs responses
//! with requests in FIFO order and emits one [`Exchange`](crate::model::Exchange) per request.
//!
//! Why our own framing on top of httparse: httparse parses one head and has no notion of
//! bodies, streams or gaps; the HTTP crates that frame messages (hyper, h1 parsers of servers)
//! expect a live, loss-free connection and keep bodies. Here bodies are counted, never stored,
//! and lost bytes resynchronise at the next start line.
//!
//! Caps and counters come from the per-input [`Ctx`](crate::capture::protocol::Ctx) every
//! protocol layer shares.
//!
//! Memory: per direction one head buffer of at most `Limits::http_header_bytes`; per
//! connection at most `Limits::http_pending_requests` request heads.

pub mod chunked;
pub mod connection;
pub mod framer;
pub mod head;

pub use connection::Http1Connection;
pub use framer::Framer;

/// Counters of one input's HTTP layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Http1Stats {
    /// Request heads parsed.
    pub requests: u64,
    /// Final response heads parsed (paired or not).
    pub responses: u64,
    /// Interim (1xx other than 101) responses.
    pub interim_responses: u64,
    /// Final responses with no request to pair with.
    pub unpaired_responses: u64,
    /// Exchanges emitted.
    pub exchanges: u64,
}
