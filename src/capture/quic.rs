//! QUIC (HTTP/3) in captures: recognised and counted per server, not decrypted.
//!
//! A UDP datagram to or from port 443 whose first byte has the header form and fixed bits set
//! is a QUIC long-header packet (RFC 9000 §17.2); it opens a connection, keyed by the client's
//! and the server's address (the client is the side not on port 443). Later short-header
//! packets of a known connection (fixed bit set, RFC 9000 §17.3) belong to it. Anything else on
//! port 443 is counted with the frames that carry no TCP.
//!
//! Memory: one entry per connection, at most `Limits::tcp_flows`; beyond that new connections
//! are still counted per server, their later packets counted as not TCP.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;

use crate::model::{FrameRef, Issue, Position};

/// Issue id: QUIC connections, which are counted per server and not decrypted.
pub const ISSUE_QUIC_NOT_DECRYPTED: &str = "quic-not-decrypted";

/// The QUIC connections of one input.
pub struct QuicFlows {
    flows: HashSet<(SocketAddr, SocketAddr)>,
    max_flows: usize,
    by_server: BTreeMap<SocketAddr, (u64, FrameRef)>,
    /// Packets recognised as QUIC.
    pub packets: u64,
}

impl QuicFlows {
    /// No connection yet; at most `max_flows` remembered.
    pub fn new(max_flows: usize) -> Self {
        Self {
            flows: HashSet::new(),
            max_flows,
            by_server: BTreeMap::new(),
            packets: 0,
        }
    }

    /// A UDP datagram to or from port 443 whose payload starts with `first`. Returns whether
    /// it is QUIC.
    pub fn datagram(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        first: u8,
        frame: FrameRef,
    ) -> bool {
        let key = if dst.port() == 443 {
            (src, dst)
        } else {
            (dst, src)
        };
        let long = first & 0xc0 == 0xc0;
        if self.flows.contains(&key) && first & 0x40 != 0 {
            self.packets += 1;
            return true;
        }
        if !long {
            return false;
        }
        self.packets += 1;
        if self.flows.len() < self.max_flows {
            self.flows.insert(key);
        }
        let e = self.by_server.entry(key.1).or_insert((0, frame));
        e.0 += 1;
        true
    }

    /// One issue per server, most connections first.
    pub fn issues(&self) -> Vec<Issue> {
        let mut rows: Vec<_> = self.by_server.iter().collect();
        rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        rows.into_iter()
            .map(|(server, &(n, first))| {
                let what = if n == 1 { "connection" } else { "connections" };
                let message =
                    format!("{n} HTTP/3 (QUIC) {what} to {server} not decrypted: QUIC is not read");
                Issue::at(ISSUE_QUIC_NOT_DECRYPTED, Position::Frame(first), message).times(n)
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::model::{FileIndex, FrameNumber};

    #[test]
    fn long_headers_open_connections_short_ones_follow() {
        let client: SocketAddr = "10.0.0.1:50000".parse().unwrap();
        let other: SocketAddr = "10.0.0.1:50001".parse().unwrap();
        let server: SocketAddr = "142.250.1.1:443".parse().unwrap();
        let mut q = QuicFlows::new(10);
        // A short-header packet of no known connection is not counted.
        assert!(!q.datagram(
            client,
            server,
            0x40,
            FrameRef::new(FileIndex(0), FrameNumber(1))
        ));
        // Initial (long header), the server's Handshake, then 1-RTT short headers.
        assert!(q.datagram(
            client,
            server,
            0xc3,
            FrameRef::new(FileIndex(0), FrameNumber(2))
        ));
        assert!(q.datagram(
            server,
            client,
            0xe1,
            FrameRef::new(FileIndex(0), FrameNumber(3))
        ));
        assert!(q.datagram(
            client,
            server,
            0x41,
            FrameRef::new(FileIndex(0), FrameNumber(4))
        ));
        assert!(q.datagram(
            other,
            server,
            0xc0,
            FrameRef::new(FileIndex(0), FrameNumber(5))
        ));
        // DNS over port 443 or garbage: no fixed bit.
        assert!(!q.datagram(
            other,
            server,
            0x00,
            FrameRef::new(FileIndex(0), FrameNumber(6))
        ));
        let issues = q.issues();
        assert_eq!(issues.len(), 1);
        assert_eq!(
            issues[0].message,
            "2 HTTP/3 (QUIC) connections to 142.250.1.1:443 not decrypted: QUIC is not read"
        );
        assert_eq!(issues[0].count, 2);
        assert_eq!(
            issues[0].at,
            Some(Position::Frame(FrameRef::new(FileIndex(0), FrameNumber(2))))
        );
        assert_eq!(q.packets, 4);
    }
}
