//! Every cap on memory or work, in one place, with documented defaults. Reaching a cap is
//! never silent: the stage that hits it raises an input issue with a count.

/// [`Limits::engine_window`] by default: twice what the busiest generated captures need
/// (a window of 2,048 still pairs every preflight of the 200 MB benchmark captures;
/// 1,024 does not).
pub const DEFAULT_ENGINE_WINDOW: usize = 4096;

/// Caps that bound memory by what is in flight, never by input size.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Largest HAR entry (its JSON text, bodies included) deserialised; larger entries are
    /// scanned for their headers only or skipped with an issue. Default 64 MiB.
    pub har_entry_bytes: usize,
    /// Largest header section of one HTTP/1.x message. Default 256 KiB.
    pub http_header_bytes: usize,
    /// Largest single captured packet accepted from a capture file. Default 16 MiB.
    pub packet_bytes: usize,
    /// Out-of-order bytes buffered per TCP direction before a gap is declared. Default 2 MiB.
    pub tcp_out_of_order_bytes: usize,
    /// Out-of-order bytes buffered across all flows of one input. Default 64 MiB.
    pub tcp_buffered_bytes: usize,
    /// Concurrent TCP flows tracked per input; the least recently active is evicted.
    /// Default 100 000.
    pub tcp_flows: usize,
    /// Closed TCP flows remembered (a tombstone each, so that late segments of a closed
    /// connection do not open a new one); past it the one closed longest ago is forgotten.
    /// Default 4 096 (a few hundred bytes each).
    pub tcp_closed_flows: usize,
    /// Capture-time seconds after which an idle TCP flow is closed. Default 300.
    pub tcp_idle_secs: u64,
    /// Requests awaiting a response on one connection (pipelining). Default 1 024.
    pub http_pending_requests: usize,
    /// Largest TLS handshake message read (a certificate chain is the largest); larger ones
    /// are skipped by length. Default 256 KiB.
    pub tls_handshake_bytes: usize,
    /// Exchanges the CORS engine holds for reordering and pairing. Default
    /// [`DEFAULT_ENGINE_WINDOW`]: a busy capture records a preflight and its request up to a
    /// few thousand exchanges apart, and each held exchange keeps its headers (a few KB).
    pub engine_window: usize,
    /// Capture-time seconds the engine waits for a preflight's real request. Default 10.
    pub engine_window_secs: u64,
    /// Entries of browser state (cached preflights, open redirect chains, remembered
    /// cacheable responses, one per client at least) kept over all the clients of one input;
    /// past it the least recently active client's state is forgotten and counted. Default
    /// 65 536: a few MiB.
    pub engine_client_entries: usize,
    /// Estimated bytes of that browser state (the URLs, origins and tokens its entries hold)
    /// over all the clients of one input; past it, too, the least recently active client's
    /// state is forgotten and counted. Default 4 MiB.
    pub engine_client_bytes: usize,
    /// Assessments held back while a request a failed preflight stopped waits for that
    /// preflight, recorded after it, to learn the server stack its response showed; past it
    /// the request goes out without waiting longer, counted. Default 32 (DevTools writes the
    /// two next to each other).
    pub stack_lookahead: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            har_entry_bytes: 64 << 20,
            http_header_bytes: 256 << 10,
            packet_bytes: 16 << 20,
            tcp_out_of_order_bytes: 2 << 20,
            tcp_buffered_bytes: 64 << 20,
            tcp_flows: 100_000,
            tcp_closed_flows: 4096,
            tcp_idle_secs: 300,
            http_pending_requests: 1024,
            tls_handshake_bytes: 256 << 10,
            engine_window: DEFAULT_ENGINE_WINDOW,
            engine_window_secs: 10,
            engine_client_entries: 65_536,
            engine_client_bytes: 4 << 20,
            stack_lookahead: 32,
        }
    }
}
