//! What every connection of one input shares, whatever protocol it speaks: the sink that
//! receives exchanges and issues, the caps from [`Limits`], and the counters of each protocol
//! layer side by side.
//!
//! The HTTP/1 path reads its caps and counters from plain fields here, so sharing the context
//! costs it nothing per byte.

use crate::capture::http1::Http1Stats;
use crate::capture::http2::Http2Stats;
use crate::capture::Sink;
use crate::model::Limits;

use super::undecrypted::TlsStats;

/// Counters of every protocol layer of one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProtocolStats {
    /// HTTP/1.x.
    pub http1: Http1Stats,
    /// HTTP/2.
    pub http2: Http2Stats,
    /// TLS.
    pub tls: TlsStats,
}

/// What every connection of one input shares: the sink, caps and counters.
pub struct Ctx<'s> {
    /// Where exchanges and issues go.
    pub sink: &'s mut dyn Sink,
    /// Largest HTTP/1 head section, HTTP/2 header block, decoded header list and HPACK dynamic
    /// table.
    pub header_cap: usize,
    /// Largest number of requests awaiting a response per connection.
    pub pending_cap: usize,
    /// Counters.
    pub stats: ProtocolStats,
}

impl<'s> Ctx<'s> {
    /// A context writing to `sink` with the caps of `limits`.
    pub fn new(sink: &'s mut dyn Sink, limits: &Limits) -> Self {
        Self {
            sink,
            header_cap: limits.http_header_bytes,
            pending_cap: limits.http_pending_requests.max(1),
            stats: ProtocolStats::default(),
        }
    }

    /// The input ended: issues that sum up whole connections (TLS not decrypted, per server).
    pub fn finish(&mut self) {
        self.stats.tls.report(&mut *self.sink);
    }
}
