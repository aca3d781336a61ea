//! TLS connections whose bytes are not read: counted per server address and reported once per
//! server at the end of the input, so an encrypted capture never looks empty without a reason.
//!
//! Memory: one entry per distinct server, at most [`SERVERS_KEPT`]; connections to servers
//! beyond that are counted together.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::capture::Sink;
use crate::model::{FrameRef, Issue, Position};

/// Issue id: TLS connections whose application data was not decrypted.
pub const ISSUE_TLS_NOT_DECRYPTED: &str = "tls-not-decrypted";

/// Distinct servers counted one by one; the rest are summed.
pub const SERVERS_KEPT: usize = 4096;

/// How many connections to one server, and the first frame of the first one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerTally {
    /// Connections.
    pub connections: u64,
    /// The frame where the first of them was recognised as TLS.
    pub first: FrameRef,
}

/// Counters of the TLS layer of one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsStats {
    /// Connections recognised as TLS.
    pub connections: u64,
    /// Connections not decrypted, per server address (ordered, so reports are stable).
    pub undecrypted: BTreeMap<SocketAddr, ServerTally>,
    /// Connections not decrypted to servers beyond [`SERVERS_KEPT`], with the first frame.
    pub undecrypted_elsewhere: Option<ServerTally>,
}

impl TlsStats {
    /// One TLS connection to `server`, recognised at `frame`, whose bytes are not decrypted.
    pub fn undecrypted(&mut self, server: SocketAddr, frame: FrameRef) {
        self.connections += 1;
        let fresh = ServerTally {
            connections: 0,
            first: frame,
        };
        let tally =
            if self.undecrypted.len() < SERVERS_KEPT || self.undecrypted.contains_key(&server) {
                self.undecrypted.entry(server).or_insert(fresh)
            } else {
                self.undecrypted_elsewhere.get_or_insert(fresh)
            };
        tally.connections += 1;
    }

    /// One issue per server (then one for the servers beyond the cap), in address order.
    pub fn report(&self, sink: &mut dyn Sink) {
        let plural = |n: u64| if n == 1 { "connection" } else { "connections" };
        for (server, t) in &self.undecrypted {
            let n = t.connections;
            let msg = format!(
                "{n} TLS {} to {server} not decrypted: encrypted traffic is not read",
                plural(n)
            );
            sink.issue(Issue::at(
                ISSUE_TLS_NOT_DECRYPTED,
                Position::Frame(t.first),
                msg,
            ));
        }
        if let Some(t) = self.undecrypted_elsewhere {
            let n = t.connections;
            let msg = format!(
                "{n} TLS {} to servers beyond the first {SERVERS_KEPT} not decrypted: \
                 encrypted traffic is not read",
                plural(n)
            );
            sink.issue(Issue::at(
                ISSUE_TLS_NOT_DECRYPTED,
                Position::Frame(t.first),
                msg,
            ));
        }
    }
}
