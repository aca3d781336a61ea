//! The ground truth of a generated capture, counted while it is written: what a reader must
//! find (requests, responses, entries) and what a browser would block, by the cause each call
//! was broken with on purpose.

use std::collections::BTreeMap;

use serde::Serialize;

use super::scenario::{Call, Kind};
use super::{Config, Format};

/// Everything known about a generated capture.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Truth {
    /// Generator name and version: output is byte-identical per (version, seed, size, format).
    pub generator: String,
    /// `pcap`, `pcapng` or `har`.
    pub format: String,
    /// Seed.
    pub seed: u64,
    /// Traffic mix: `browser` or `api`.
    pub mix: String,
    /// Size asked for.
    pub target_bytes: u64,
    /// Size written.
    pub bytes: u64,
    /// Requests recorded, preflights included: HTTP requests on the wire (pcap), entries (HAR).
    /// A reader yields one exchange for each.
    pub requests: u64,
    /// Responses recorded: one per request on the wire (pcap); entries with a status (HAR).
    pub responses: u64,
    /// `OPTIONS` preflights.
    pub preflights: u64,
    /// Cross-origin requests with `Origin` (HAR: also those a failed preflight stopped).
    pub cors_requests: u64,
    /// Requests without `Origin` (documents, assets, scripted clients).
    pub not_cors_requests: u64,
    /// Real requests a failed preflight stopped: not on the wire; a HAR records them with
    /// status 0 and provisional headers.
    pub unsent_requests: u64,
    /// Requests sent with a `Cookie` (credentials mode `include`), preflights excluded.
    pub credentialed_requests: u64,
    /// Requests the browser blocks, each counted once: `blocked_by_preflight +
    /// blocked_by_response`.
    pub blocked: u64,
    /// Preflights that fail (the real request is never sent).
    pub blocked_by_preflight: u64,
    /// Real requests whose response fails the CORS check.
    pub blocked_by_response: u64,
    /// Blocked requests by the cause they were generated with (corscope cause names).
    pub causes: BTreeMap<String, u64>,
    /// Requests by method.
    pub methods: BTreeMap<String, u64>,
    /// Responses by status.
    pub statuses: BTreeMap<String, u64>,
    /// Capture-level counts (pcap, pcapng).
    #[serde(skip_serializing_if = "PcapTruth::is_empty")]
    pub pcap: PcapTruth,
    /// HAR-level counts.
    #[serde(skip_serializing_if = "HarTruth::is_empty")]
    pub har: HarTruth,
}

/// Counts of a pcap or pcapng capture.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PcapTruth {
    /// Frames written.
    pub frames: u64,
    /// TCP connections.
    pub connections: u64,
    /// Of which over IPv6.
    pub ipv6_connections: u64,
    /// Of which 802.1Q-tagged.
    pub vlan_connections: u64,
    /// Connections closed with RST instead of FIN.
    pub rst_closes: u64,
    /// Responses with chunked transfer coding.
    pub chunked_responses: u64,
    /// Responses delimited by the end of the connection.
    pub close_delimited_responses: u64,
    /// Requests sent back to back before their responses (pipelining).
    pub pipelined_requests: u64,
    /// Segment pairs sent in swapped order.
    pub reordered_segments: u64,
    /// Segments sent twice.
    pub retransmitted_segments: u64,
}

impl PcapTruth {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Counts of a HAR.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HarTruth {
    /// `log.entries` written.
    pub entries: u64,
    /// `log.pages` written.
    pub pages: u64,
    /// Entries with `response._error` set (`net::ERR_FAILED`).
    pub with_error: u64,
    /// `content.text` bodies written as base64.
    pub base64_bodies: u64,
    /// `content.text` bodies written as text.
    pub text_bodies: u64,
}

impl HarTruth {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Truth {
    /// An empty truth for `cfg`.
    pub fn new(cfg: &Config) -> Self {
        Self {
            generator: format!("corscope gen_capture {}", super::VERSION),
            format: match cfg.format {
                Format::Pcap => "pcap",
                Format::PcapNg => "pcapng",
                Format::Har => "har",
            }
            .into(),
            seed: cfg.seed,
            mix: cfg.mix.name().into(),
            target_bytes: cfg.size,
            ..Self::default()
        }
    }

    /// Counts one recorded request.
    pub fn count_call(&mut self, call: &Call) {
        self.requests += 1;
        *self.methods.entry(call.method.into()).or_default() += 1;
        match call.kind {
            Kind::Preflight => self.preflights += 1,
            Kind::Cors => self.cors_requests += 1,
            Kind::NotCors => self.not_cors_requests += 1,
        }
        if !call.sent {
            self.unsent_requests += 1;
        }
        if call.credentialed && call.kind == Kind::Cors {
            self.credentialed_requests += 1;
        }
        if let Some(cause) = call.blocks {
            self.blocked += 1;
            if call.kind == Kind::Preflight {
                self.blocked_by_preflight += 1;
            } else {
                self.blocked_by_response += 1;
            }
            *self.causes.entry(cause.into()).or_default() += 1;
        }
    }

    /// Counts the recorded response to `call`.
    pub fn count_response(&mut self, call: &Call) {
        self.responses += 1;
        *self.statuses.entry(call.status.to_string()).or_default() += 1;
    }

    /// The truth as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
