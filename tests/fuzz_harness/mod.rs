//! Harness functions shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`, which include this
//! file with `#[path]`) and by the ordinary test `tests/fuzz_replay.rs`, which replays the
//! seed corpus and any crash artifacts through them. Each function takes arbitrary bytes and
//! panics only when an invariant of the reader or engine it drives is broken:
//!
//! - [`har_read`]: entries read = exchanges + skipped-entry issues, each entry index exactly
//!   once; an error emits nothing; the result does not depend on how the input is cut into
//!   reads.
//! - [`pcap_read`] (both formats) and [`tcp_stream`] (bytes turned into TCP segments of a valid
//!   capture): an error emits nothing; frame numbers stay within the frames read; the HTTP
//!   layer's exchange counter matches what reached the sink; eviction and refusal counters
//!   are reported as issues.
//! - [`capture_read`]: sniffing and decompression; a gzip or zstd wrapper changes nothing but
//!   the compression reported.
//! - [`tls_records`]: the two streams of one TLS connection with a key log: plaintext in
//!   order per side, issues with positions, counters that add up.
//! - [`http2`]: an HTTP/2 connection built from the bytes keeps the pcap invariants; header
//!   blocks decode to what `loona-hpack` decodes them to.
//! - [`engine`]: one assessment per pushed exchange (recorded ids 0..n, each once; inferred
//!   ids from `INFERRED_BASE`, each once) and never more held than the window.

#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod engine_input;
mod http2;
#[path = "../pcap_writer/mod.rs"]
pub mod pcap_writer;
mod segments;
mod tls_records;

use std::collections::BTreeSet;
use std::io::{Cursor, Read};

use corscope::capture::{self, har, pcap, CaptureError, Format, Sink};
use corscope::cors::{Engine, INFERRED_BASE};
use corscope::model::{EntryIndex, Exchange, FrameRef, Issue, Limits, Location, Position};

pub use engine_input::engine;
pub use http2::{http2, http2_capture};
pub use segments::{capture_of, tcp_stream};
pub use tls_records::{run_tls, tls_records};

/// What a reader emitted, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// An exchange.
    Exchange(Box<Exchange>),
    /// An issue.
    Issue(Issue),
}

/// A sink that keeps everything, in order.
#[derive(Default, Debug)]
pub struct Collect(pub Vec<Event>);

impl Sink for Collect {
    fn exchange(&mut self, exchange: Exchange) {
        self.0.push(Event::Exchange(Box::new(exchange)));
    }
    fn issue(&mut self, issue: Issue) {
        self.0.push(Event::Issue(issue));
    }
}

impl Collect {
    /// The exchanges, in order.
    pub fn exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.0.iter().filter_map(|e| match e {
            Event::Exchange(x) => Some(&**x),
            Event::Issue(_) => None,
        })
    }
    /// The issues, in order.
    pub fn issues(&self) -> impl Iterator<Item = &Issue> {
        self.0.iter().filter_map(|e| match e {
            Event::Issue(i) => Some(i),
            Event::Exchange(_) => None,
        })
    }
    /// How many issues of `id`.
    pub fn count(&self, id: &str) -> usize {
        self.issues().filter(|i| i.id == id).count()
    }
}

/// Caps small enough that fuzz inputs of a few KB reach every one of them.
pub fn small_limits() -> Limits {
    Limits {
        har_entry_bytes: 2048,
        http_header_bytes: 512,
        packet_bytes: 2048,
        tcp_out_of_order_bytes: 1024,
        tcp_buffered_bytes: 4096,
        tcp_flows: 4,
        tcp_closed_flows: 2,
        tcp_idle_secs: 5,
        http_pending_requests: 4,
        tls_handshake_bytes: 1024,
        engine_window: 4,
        engine_window_secs: 2,
        engine_client_entries: 8,
        engine_client_bytes: 4096,
        stack_lookahead: 2,
    }
}

/// Returns the input a few bytes per read.
pub struct Pieces<'a> {
    data: &'a [u8],
    step: usize,
}

impl<'a> Pieces<'a> {
    /// Reads of at most `step` bytes.
    pub fn new(data: &'a [u8], step: usize) -> Self {
        Self {
            data,
            step: step.max(1),
        }
    }
}

impl Read for Pieces<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Issue ids that stand for one skipped HAR entry each.
pub const SKIPPED_ENTRY: [&str; 3] = [
    har::HAR_ENTRY_MALFORMED,
    har::HAR_ENTRY_TOO_LARGE,
    har::HAR_ENTRY_MISSING_REQUEST,
];

/// Reads `data` as a HAR, whole and cut into small reads, with default and small limits.
pub fn har_read(data: &[u8]) {
    let step = 1 + data.first().map_or(0, |b| usize::from(*b % 7));
    for limits in [Limits::default(), small_limits()] {
        let whole = run_har(&mut &data[..], &limits);
        let cut = run_har(&mut Pieces::new(data, step), &limits);
        assert_eq!(
            whole.0, cut.0,
            "result depends on read size {step} ({limits:?})"
        );
        assert_eq!(
            whole.1 .0, cut.1 .0,
            "events depend on read size {step} ({limits:?})"
        );
    }
}

/// One HAR read, checked: the result (errors as text) and the events.
pub fn run_har(
    input: &mut dyn Read,
    limits: &Limits,
) -> (Result<har::HarSummary, String>, Collect) {
    let mut sink = Collect::default();
    let r = har::read(input, limits, &mut sink);
    check_har_result(&r, &sink);
    (r.map_err(|e| e.to_string()), sink)
}

fn check_har_result(r: &Result<har::HarSummary, CaptureError>, sink: &Collect) {
    let Ok(summary) = r else {
        assert!(sink.0.is_empty(), "error {r:?} after events {:?}", sink.0);
        return;
    };
    let mut indices = Vec::new();
    for event in &sink.0 {
        match event {
            Event::Exchange(x) => match x.location {
                Location::Entry(EntryIndex(i)) => indices.push(i),
                other => panic!("HAR exchange at {other:?}"),
            },
            Event::Issue(i) if SKIPPED_ENTRY.contains(&i.id) => match i.at {
                Some(Position::Entry(EntryIndex(n))) => indices.push(n),
                other => panic!("skipped entry issue {i:?} at {other:?}"),
            },
            Event::Issue(_) => {}
        }
    }
    let expected: Vec<u64> = (0..summary.entries).collect();
    let mut sorted = indices.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted, expected,
        "entries read {} but exchanges + skipped entries name {indices:?}",
        summary.entries
    );
    assert_eq!(indices, expected, "entries emitted out of order");
}

/// Reads `data` as pcap and as pcapng, with default and small limits.
pub fn pcap_read(data: &[u8]) {
    for format in [Format::Pcap, Format::PcapNg] {
        for limits in [Limits::default(), small_limits()] {
            let _ = run_pcap(data, format, &limits);
        }
    }
}

/// One pcap read, checked.
pub fn run_pcap(
    data: &[u8],
    format: Format,
    limits: &Limits,
) -> (Result<pcap::PcapSummary, CaptureError>, Collect) {
    let mut sink = Collect::default();
    let r = pcap::read(&mut &data[..], format, limits, &mut sink);
    check_pcap(&r, &sink);
    (r, sink)
}

/// The invariants of a pcap read.
pub fn check_pcap(r: &Result<pcap::PcapSummary, CaptureError>, sink: &Collect) {
    let Ok(summary) = r else {
        assert!(sink.0.is_empty(), "error {r:?} after events {:?}", sink.0);
        return;
    };
    let frames = summary.frames;
    let within = |n: FrameRef| n.file.0 == 0 && (1..=frames).contains(&n.number.0);
    for x in sink.exchanges() {
        match x.location {
            Location::Frames { request, response } => {
                assert!(within(request), "request frame {request:?} of {frames}");
                if let Some(r) = response {
                    assert!(within(r), "response frame {r:?} of {frames}");
                }
            }
            other => panic!("pcap exchange at {other:?}"),
        }
    }
    for i in sink.issues() {
        match i.at {
            Some(Position::Frame(n)) | Some(Position::Stream { frame: n, .. }) => {
                assert!(within(n), "issue {i:?} names a frame past {frames}")
            }
            _ => {}
        }
    }
    let exchanges = sink.exchanges().count() as u64;
    assert_eq!(
        summary.http.exchanges + summary.http2.exchanges,
        exchanges,
        "{summary:?}"
    );
    let reported = |id: &str| sink.count(id) > 0;
    assert_eq!(summary.tcp.evicted > 0, reported("tcp-flow-evicted"));
    assert_eq!(summary.tcp.refused > 0, reported("tcp-connection-refused"));
    assert_eq!(summary.tcp.gaps > 0, reported("tcp-gap"), "{summary:?}");
}

/// Reads `data` through `capture::read` (sniffing, decompression); then, when it is not
/// compressed itself, wrapped in gzip and in zstd, which must change nothing else.
pub fn capture_read(data: &[u8]) {
    for limits in [Limits::default(), small_limits()] {
        let plain = run_capture(data.to_vec(), &limits);
        if data.starts_with(&[0x1f, 0x8b]) || data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            continue;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, data).unwrap();
        let gz = run_capture(gz.finish().unwrap(), &limits);
        let zst =
            ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest);
        let zst = run_capture(zst, &limits);
        for (name, wrapped) in [("gzip", gz), ("zstd", zst)] {
            assert_eq!(
                without_compression(&plain.0),
                without_compression(&wrapped.0),
                "{name} changes the result"
            );
            assert_eq!(plain.1 .0, wrapped.1 .0, "{name} changes the events");
        }
    }
}

fn without_compression(
    r: &Result<capture::InputInfo, String>,
) -> Result<(Format, Option<String>), String> {
    r.clone().map(|i| (i.format, i.producer))
}

/// One `capture::read`: the result (errors as text) and the events.
pub fn run_capture(
    data: Vec<u8>,
    limits: &Limits,
) -> (Result<capture::InputInfo, String>, Collect) {
    let mut sink = Collect::default();
    let r = capture::read(Box::new(Cursor::new(data)), limits, &mut sink);
    if r.is_err() {
        assert!(sink.0.is_empty(), "error {r:?} after events {:?}", sink.0);
    }
    (r.map_err(|e| e.to_string()), sink)
}

/// Pushes exchanges through a fresh engine and checks one assessment per exchange. `pushes`
/// holds one or two exchanges per push (two: proxy legs, client first).
pub fn judge(limits: &Limits, pushes: Vec<Vec<Exchange>>) {
    let mut engine = Engine::new(limits);
    let mut ids = Vec::new();
    let mut pushed = 0u64;
    let window = limits.engine_window.max(1) as u64;
    for p in pushes {
        let mut out = |a: corscope::model::Assessment| ids.push(a.id.0);
        let mut legs = p.into_iter();
        match (legs.next(), legs.next()) {
            (Some(client), Some(upstream)) => {
                engine.push_proxy_legs(client, upstream, &mut out);
                pushed += 2;
            }
            (Some(x), None) => {
                engine.push(x, &mut out);
                pushed += 1;
            }
            _ => continue,
        }
        let recorded = ids.iter().filter(|&&i| i < INFERRED_BASE).count() as u64;
        assert!(
            pushed - recorded <= window,
            "{} exchanges held, window {window}",
            pushed - recorded
        );
    }
    engine.finish(&mut |a| ids.push(a.id.0));
    let (mut recorded, inferred): (Vec<u64>, Vec<u64>) =
        ids.iter().partition(|&&i| i < INFERRED_BASE);
    recorded.sort_unstable();
    assert_eq!(
        recorded,
        (0..pushed).collect::<Vec<_>>(),
        "assessments {ids:?}"
    );
    let distinct: BTreeSet<u64> = inferred.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        inferred.len(),
        "inferred ids repeat: {ids:?}"
    );
}
