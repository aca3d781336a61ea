//! pcap / pcapng in, exchanges out: [`reader`] yields frames, [`link`] decodes them down to
//! TCP segments ([`fast_path`] for the common layouts, etherparse for the rest), the TCP flow table ([`crate::capture::tcp`]) reassembles both directions of
//! every connection, and the HTTP/1 layer ([`crate::capture::http1`]) frames and pairs the
//! messages into [`Exchange`](crate::model::Exchange)s.
//!
//! Everything that is skipped is counted: per-frame problems that can be many (unsupported link
//! types, non-TCP packets, IP fragments, packets cut by the snapshot length) are aggregated and
//! reported once per kind at the end, with the count and the first frame; stream problems
//! (gaps, malformed messages) are reported where they happen.
//!
//! A capture written as several files is read through [`stream`], one file after the other
//! into the same flow table; [`probe`] looks at a file's first and last frames without reading
//! it, to tell which files are one capture.
//!
//! Memory: the reader's buffer, the flow table's caps and the HTTP layer's caps, all from
//! [`Limits`]; nothing grows with the size of the file.

pub mod fast_path;
pub mod link;
pub mod probe;
pub mod reader;
pub mod stream;

use std::collections::BTreeMap;
use std::io::Read;

use super::http1::Http1Stats;
use super::protocol::{Connection, Ctx, Http2Stats, TlsStats};
use super::tcp::{FlowTable, TcpStats, ISSUE_CONNECTION_REFUSED, ISSUE_FLOW_EVICTED};
use super::{CaptureError, Format, Sink};
use crate::model::{FileIndex, FrameRef, Issue, Limits, Position};

use link::Skip;
use reader::{Frame, FrameSink};

/// Issue id: frames of a link type that is not decoded.
pub const ISSUE_LINK_UNSUPPORTED: &str = "link-unsupported";
/// Issue id: frames whose headers are cut short or invalid.
pub const ISSUE_LINK_MALFORMED: &str = "link-malformed";
/// Issue id: frames that carry no TCP (ARP, UDP, ICMP, ...).
pub const ISSUE_NOT_TCP: &str = "net-not-tcp";
/// Issue id: IP fragments, which are not reassembled.
pub const ISSUE_IP_FRAGMENT: &str = "ip-fragment";
/// Issue id: frames captured shorter than they were on the wire (snapshot length).
pub const ISSUE_SNAPLEN: &str = "pcap-snaplen-truncated";

/// What a capture file says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PcapSummary {
    /// pcapng `shb_userappl` (e.g. `Dumpcap (Wireshark) 4.0.17`), when present.
    pub producer: Option<String>,
    /// Frames read.
    pub frames: u64,
    /// TCP layer counters.
    pub tcp: TcpStats,
    /// HTTP/1 layer counters.
    pub http: Http1Stats,
    /// HTTP/2 layer counters.
    pub http2: Http2Stats,
    /// TLS layer counters.
    pub tls: TlsStats,
}

/// Count and first frame of one kind of skipped frame.
#[derive(Clone, Copy)]
struct Tally {
    count: u64,
    first: FrameRef,
}

/// Frames to exchanges: state that lasts for a whole capture, across its files.
struct Pipeline<'s> {
    table: FlowTable<Connection<'s>>,
    ctx: Ctx<'s>,
    skipped: BTreeMap<Skip, Tally>,
    snaplen: Option<Tally>,
}

impl<'s> Pipeline<'s> {
    fn new(limits: &Limits, sink: &'s mut dyn Sink) -> Self {
        Self {
            table: FlowTable::new(limits),
            ctx: Ctx::new(sink, limits),
            skipped: BTreeMap::new(),
            snaplen: None,
        }
    }

    fn skip(&mut self, why: Skip, frame: FrameRef) {
        self.skipped
            .entry(why)
            .and_modify(|t| t.count += 1)
            .or_insert(Tally {
                count: 1,
                first: frame,
            });
    }

    fn finish(&mut self) {
        self.table.finish(&mut self.ctx);
        self.ctx.finish();
        let sink = &mut *self.ctx.sink;
        if let Some(t) = self.snaplen {
            let msg = format!(
                "{} frames were captured shorter than sent (snapshot length)",
                t.count
            );
            sink.issue(Issue::at(ISSUE_SNAPLEN, Position::Frame(t.first), msg));
        }
        for (why, t) in &self.skipped {
            let (id, msg) = match why {
                Skip::UnsupportedLink(l) => (
                    ISSUE_LINK_UNSUPPORTED,
                    format!("{} frames of unsupported link type {l} skipped", t.count),
                ),
                Skip::NotTcp => (
                    ISSUE_NOT_TCP,
                    format!("{} frames without TCP skipped", t.count),
                ),
                Skip::Fragment => (
                    ISSUE_IP_FRAGMENT,
                    format!("{} IP fragments skipped (not reassembled)", t.count),
                ),
                Skip::Malformed => (
                    ISSUE_LINK_MALFORMED,
                    format!("{} frames with cut or invalid headers skipped", t.count),
                ),
            };
            sink.issue(Issue::at(id, Position::Frame(t.first), msg));
        }
        let stats = &self.table.stats;
        if stats.refused > 0 {
            // Browsers show these as net::ERR_CONNECTION_REFUSED.
            let (what, first) = match stats.refused {
                1 => ("1 connection refused".to_string(), "to"),
                n => (format!("{n} connections refused"), "first to"),
            };
            let issue = match stats.first_refused {
                Some((server, frame)) => Issue::at(
                    ISSUE_CONNECTION_REFUSED,
                    Position::Frame(frame),
                    format!("{what} (SYN answered by RST), {first} {server} at {frame}"),
                ),
                None => Issue::general(
                    ISSUE_CONNECTION_REFUSED,
                    format!("{what} (SYN answered by RST)"),
                ),
            };
            sink.issue(issue);
        }
        if stats.evicted > 0 {
            let msg = format!(
                "{} connections dropped: more than the flow limit at once",
                stats.evicted
            );
            sink.issue(Issue::general(ISSUE_FLOW_EVICTED, msg));
        }
    }
}

impl FrameSink for Pipeline<'_> {
    fn frame(&mut self, frame: &Frame<'_>) {
        if (frame.orig_len as usize) > frame.data.len() {
            let t = self.snaplen.get_or_insert(Tally {
                count: 0,
                first: frame.number,
            });
            t.count += 1;
        }
        match link::decode(frame.linktype, frame.data) {
            Ok(p) => {
                let seg = p.segment(frame.number, frame.ts);
                self.table.segment(&seg, &mut self.ctx);
            }
            Err(why) => self.skip(why, frame.number),
        }
    }

    fn issue(&mut self, issue: Issue) {
        self.ctx.sink.issue(issue);
    }
}

/// Reads a pcap or pcapng stream into `sink`.
pub fn read(
    input: &mut dyn Read,
    format: Format,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<PcapSummary, CaptureError> {
    let mut stream = stream::Stream::new(limits, sink);
    stream.file(FileIndex(0), "", input, format)?;
    Ok(stream.finish())
}
