//! TCP reassembly: segments of a capture in, two ordered byte streams per connection out.
//!
//! The flow [`table`] keys connections by their canonical 5-tuple, decides which side is the
//! client (the SYN sender; without a SYN the side that sends a request line, else a port
//! heuristic) and hands each direction's segments to a [`reassembler`], which delivers bytes
//! in order to a [`StreamHandler`] together with explicit gaps.
//!
//! Follows RFC 9293 (sequence space, SYN and FIN each consume one number, §3.4) with serial
//! number arithmetic (RFC 1982) on 32-bit sequence numbers mapped to 64-bit stream offsets.
//! Retransmissions and overlaps: the first copy wins (as Zeek and Wireshark do). Missing bytes
//! are declared a gap when the peer acknowledges data never captured, when an out-of-order
//! buffer would exceed its cap, or when the connection ends.
//!
//! Why our own code: the crates that reassemble TCP are application frameworks
//! (pcap-analyzer, protolens, flowscope), copy every segment, drop out-of-order data by default,
//! or are unmaintained; smoltcp's `Assembler` tracks holes for a live stack and stores no data.
//! Here in-order payload is passed to the handler straight from the capture buffer, without a
//! copy; only out-of-order segments are copied.
//!
//! Memory bound: per direction at most `Limits::tcp_out_of_order_bytes` buffered, per input at
//! most `Limits::tcp_buffered_bytes`, at most `Limits::tcp_flows` connections (least recently
//! active evicted), at most `Limits::tcp_closed_flows` tombstones of closed connections, and idle
//! connections closed after `Limits::tcp_idle_secs` of capture time.

pub mod key;
pub mod reassembler;
pub mod table;

use std::net::SocketAddr;

use crate::model::{FrameRef, Issue, Timestamp};

pub use reassembler::Reassembler;
pub use table::{FlowTable, TcpStats};

/// Issue id: bytes of a stream were never captured and were skipped.
pub const ISSUE_GAP: &str = "tcp-gap";
/// Issue id: an out-of-order buffer reached its cap and a gap was declared.
pub const ISSUE_OUT_OF_ORDER_OVERFLOW: &str = "tcp-out-of-order-overflow";
/// Issue id: connections dropped because the flow table was full.
pub const ISSUE_FLOW_EVICTED: &str = "tcp-flow-evicted";
/// Issue id: connections refused (SYN answered by RST).
pub const ISSUE_CONNECTION_REFUSED: &str = "tcp-connection-refused";

/// One side of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The side that opened the connection (sends requests).
    Client,
    /// The side that accepted it (sends responses).
    Server,
}

impl Side {
    /// Index for two-element arrays: client 0, server 1.
    pub fn index(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 1,
        }
    }

    /// The other side.
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

/// Where a byte of a stream was captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    /// Frame that carried it.
    pub frame: FrameRef,
    /// Capture time of that frame.
    pub ts: Timestamp,
    /// Offset from the first byte of this direction of the stream.
    pub offset: u64,
}

/// The endpoints of a connection, once the client is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnInfo {
    /// The client's address.
    pub client: SocketAddr,
    /// The server's address.
    pub server: SocketAddr,
    /// Per side (client, server): whether its stream began with a SYN, so offset 0 is the
    /// first byte it sent.
    pub from_syn: [bool; 2],
}

/// How a connection (or one direction of it) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Close {
    /// A FIN, after every byte before it was delivered.
    Fin,
    /// A RST.
    Reset,
    /// Idle timeout, eviction from a full table, or the end of the capture.
    Abandoned,
}

/// TCP header fields the reassembler needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flags {
    /// SYN.
    pub syn: bool,
    /// ACK.
    pub ack: bool,
    /// FIN.
    pub fin: bool,
    /// RST.
    pub rst: bool,
}

/// One captured TCP segment, borrowed from the capture buffer.
#[derive(Clone, Copy, Debug)]
pub struct Segment<'a> {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number (meaningful when `flags.ack`).
    pub ack: u32,
    /// Flags.
    pub flags: Flags,
    /// Payload bytes captured.
    pub payload: &'a [u8],
    /// Payload bytes the packet carried but the capture cut off (snaplen).
    pub missing: u32,
    /// Frame number.
    pub frame: FrameRef,
    /// Capture time.
    pub ts: Timestamp,
}

/// Receives the reassembled streams of every connection of a [`FlowTable`].
pub trait StreamHandler {
    /// Per-input state shared by all connections (output sink, counters).
    type Ctx;
    /// A fresh handler for a new connection.
    fn new_connection(ctx: &mut Self::Ctx) -> Self;
    /// In-order bytes of one direction.
    fn data(&mut self, ctx: &mut Self::Ctx, conn: &ConnInfo, side: Side, bytes: &[u8], at: At);
    /// `len` bytes of one direction that were never captured.
    fn gap(&mut self, ctx: &mut Self::Ctx, conn: &ConnInfo, side: Side, len: u64, at: At);
    /// One direction ended (FIN) or the connection ended (RST, abandoned: `side` is `None`).
    fn close(
        &mut self,
        ctx: &mut Self::Ctx,
        conn: &ConnInfo,
        side: Option<Side>,
        how: Close,
        at: At,
    );
    /// An in-band issue raised by the TCP layer.
    fn issue(ctx: &mut Self::Ctx, issue: Issue);
}

/// Whether `data` looks like what a client or a server sends first: an HTTP/1 status line
/// (`HTTP/1.`) or request line (`TOKEN SP`), the HTTP/2 connection preface (RFC 9113 §3.4), a
/// TLS ClientHello or ServerHello record (RFC 8446 §4.1); or neither. Used to tell client from
/// server without a SYN.
pub fn sniff_role(data: &[u8]) -> Option<Side> {
    if let [0x16, 3, minor, _, _, kind, ..] = *data {
        if minor <= 4 {
            match kind {
                1 => return Some(Side::Client),
                2 => return Some(Side::Server),
                _ => {}
            }
        }
    }
    if data.starts_with(crate::capture::protocol::opening::PREFACE) {
        return Some(Side::Client);
    }
    let data = match data.iter().position(|&b| b != b'\r' && b != b'\n') {
        Some(p) => data.get(p..).unwrap_or_default(),
        None => return None,
    };
    if data.starts_with(b"HTTP/1.") {
        return Some(Side::Server);
    }
    let token_len = data
        .iter()
        .take(24)
        .take_while(|b| b.is_ascii_uppercase() || **b == b'-' || **b == b'_')
        .count();
    if token_len >= 3 && data.get(token_len) == Some(&b' ') {
        return Some(Side::Client);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_bytes_name_the_side() {
        let client_hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
        let server_hello = b"\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03";
        let cases: &[(&[u8], Option<Side>)] = &[
            (b"GET / HTTP/1.1\r\n", Some(Side::Client)),
            (b"\r\nOPTIONS * HTTP/1.1\r\n", Some(Side::Client)),
            (b"HTTP/1.1 200 OK\r\n", Some(Side::Server)),
            (
                crate::capture::protocol::opening::PREFACE,
                Some(Side::Client),
            ),
            (client_hello, Some(Side::Client)),
            (server_hello, Some(Side::Server)),
            // a TLS alert or application data says nothing about the side
            (b"\x15\x03\x03\x00\x02\x02\x28", None),
            (b"\x17\x03\x03\x00\x20\x01", None),
            // an HTTP/2 SETTINGS frame neither
            (b"\x00\x00\x06\x04\x00\x00\x00\x00\x00", None),
            (b"get / http/1.1", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(sniff_role(bytes), *want, "{bytes:?}");
        }
    }
}
