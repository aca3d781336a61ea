//! HTTP/2 over reassembled TCP streams (RFC 9113): frames, header compression and streams
//! turned into [`Exchange`](crate::model::Exchange)s.
//!
//! [`frame`] reads each direction's frames (DATA skipped by length, never buffered);
//! [`hpack`] decodes header blocks, one decoder per direction, kept in step by decoding every
//! block, PUSH_PROMISE's included; [`connection`] follows SETTINGS (header table size, max
//! frame size), RST_STREAM and GOAWAY, and [`streams`] turns each request stream into one
//! exchange: `:method`, `:scheme`, `:authority` and `:path` make the URL, `:status` the
//! response, the frames that carry the HEADERS are its location, a reset stream is a failure,
//! 1xx responses are interim, trailers end a message without adding to its headers. Header
//! lists are kept as sent, pseudo-headers included and names in lower case, as DevTools
//! records them for h2.
//!
//! Connections start with the client connection preface (prior knowledge, RFC 9113 §3.3) or
//! after an HTTP/1.1 `Upgrade: h2c` answered by 101 (RFC 7540 §3.2, whose request is stream 1's).
//! A connection whose start was not captured is recognised by its frames and counted, not
//! decoded: header compression state cannot be rebuilt from the middle. A gap ends decoding of
//! its direction for the same reason.
//!
//! Memory per connection: per direction a header block of at most `Limits::http_header_bytes`
//! and a dynamic table of at most the size its decoder advertised (capped by the same limit);
//! at most `Limits::http_pending_requests` open streams.

pub mod connection;
pub mod frame;
pub mod hpack;
pub mod streams;

pub use connection::Http2Connection;

/// Issue id: a header block that could not be decoded (HPACK index out of range, bad
/// Huffman, a table size over the limit...); the direction's later blocks are not decoded.
pub const ISSUE_HPACK_ERROR: &str = "http2-hpack-error";
/// Issue id: a header block, or the header list it decodes to, larger than the header cap.
pub const ISSUE_HEADER_BLOCK_TOO_LARGE: &str = "http2-header-block-too-large";
/// Issue id: a frame larger than the receiver's SETTINGS_MAX_FRAME_SIZE.
pub const ISSUE_FRAME_TOO_LARGE: &str = "http2-frame-too-large";
/// Issue id: HTTP/2 frames on a connection whose start (the preface) was not captured.
pub const ISSUE_MID_STREAM: &str = "http2-mid-stream";
/// Issue id: a GOAWAY with an error code; requests it leaves unprocessed are counted with it.
pub const ISSUE_GOAWAY: &str = "http2-goaway";
/// Issue id: a capture gap ended decoding of one direction (header compression state lost).
pub const ISSUE_DECODING_LOST: &str = "http2-decoding-lost";
/// Issue id: a frame sequence the protocol forbids (CONTINUATION out of place, no preface,
/// a request without its pseudo-headers).
pub const ISSUE_PROTOCOL_ERROR: &str = "http2-protocol-error";

/// Counters of the HTTP/2 layer of one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Http2Stats {
    /// Connections read as HTTP/2 (preface or upgrade).
    pub connections: u64,
    /// Of which upgraded from HTTP/1.1 (`Upgrade: h2c`).
    pub upgrades: u64,
    /// Connections recognised by their frames without a preface, not decoded.
    pub mid_stream: u64,
    /// Request header blocks decoded.
    pub requests: u64,
    /// Final response header blocks decoded.
    pub responses: u64,
    /// Interim (1xx) responses.
    pub interim_responses: u64,
    /// Final responses on a stream whose request was not seen.
    pub unpaired_responses: u64,
    /// Streams reset by RST_STREAM before their response ended.
    pub resets: u64,
    /// PUSH_PROMISE frames (their header blocks decoded, the pushes not reported).
    pub pushes: u64,
    /// Header blocks not decoded because their direction's decoding state was lost.
    pub blocks_not_decoded: u64,
    /// Exchanges emitted.
    pub exchanges: u64,
}
