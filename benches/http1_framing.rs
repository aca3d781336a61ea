//! The HTTP/1 framing stage alone: `capture::http1::Framer` fed the two byte streams of every
//! connection of a generated pcap, as the reassembler delivers them (in pieces of one
//! segment's payload). Streams are reassembled once, before timing. Throughput is the size
//! of the capture file the streams came from.
//!
//! The response framer must know which responses answer `HEAD` (no body): the bench keeps
//! the kinds of the connection's requests in order, as the pairing layer does.
//!
//! Asserts: request heads = the generator's requests; final response heads = its responses.

// Benches are not input paths: a bench that cannot read its own input must stop loudly.
#![allow(clippy::panic)]

mod support;

use std::collections::VecDeque;
use std::hint::black_box;
use std::ops::Range;
use std::time::Duration;

use corscope::capture::http1::framer::{End, Events, Framer};
use corscope::capture::http1::head::{Answering, RequestHead, ResponseHead};
use corscope::capture::tcp::{At, Close, ConnInfo, FlowTable, Side, StreamHandler};
use corscope::capture::{CaptureError, Format as CaptureFormat};
use corscope::model::{FileIndex, FrameNumber, FrameRef, Issue, Limits, Timestamp};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use support::{verify, Format};

/// The in-order pieces of both directions of every connection; bytes in one buffer.
#[derive(Default)]
struct Streams {
    /// Per connection, per side (client, server): ranges of `bytes`.
    conns: Vec<[Vec<Range<usize>>; 2]>,
    bytes: Vec<u8>,
}

/// Collects what the reassembler delivers; one per connection.
struct Collector {
    index: usize,
}

impl StreamHandler for Collector {
    type Ctx = Streams;
    fn new_connection(ctx: &mut Streams) -> Self {
        ctx.conns.push(Default::default());
        Collector {
            index: ctx.conns.len() - 1,
        }
    }
    fn data(&mut self, ctx: &mut Streams, _: &ConnInfo, side: Side, bytes: &[u8], _: At) {
        let start = ctx.bytes.len();
        ctx.bytes.extend_from_slice(bytes);
        let end = ctx.bytes.len();
        if let Some(sides) = ctx.conns.get_mut(self.index) {
            sides[side.index()].push(start..end);
        }
    }
    fn gap(&mut self, _: &mut Streams, _: &ConnInfo, _: Side, _: u64, _: At) {}
    fn close(&mut self, _: &mut Streams, _: &ConnInfo, _: Option<Side>, _: Close, _: At) {}
    fn issue(_ctx: &mut Streams, _issue: Issue) {}
}

/// Reassembles a capture into streams with the crate's own reader, decoder and flow table.
fn streams(input: &[u8], limits: &Limits) -> Result<Streams, CaptureError> {
    struct Feed<'l> {
        table: FlowTable<Collector>,
        streams: Streams,
        limits: &'l Limits,
    }
    impl corscope::capture::pcap::reader::FrameSink for Feed<'_> {
        fn frame(&mut self, frame: &corscope::capture::pcap::reader::Frame<'_>) {
            if let Ok(p) = corscope::capture::pcap::link::decode(frame.linktype, frame.data) {
                let seg = p.segment(frame.number, frame.ts);
                self.table.segment(&seg, &mut self.streams);
            }
        }
        fn issue(&mut self, _issue: Issue) {}
    }
    let mut feed = Feed {
        table: FlowTable::new(limits),
        streams: Streams::default(),
        limits,
    };
    corscope::capture::pcap::reader::read_frames(
        &mut &input[..],
        CaptureFormat::Pcap,
        feed.limits.packet_bytes,
        FileIndex(0),
        &mut feed,
    )?;
    feed.table.finish(&mut feed.streams);
    Ok(feed.streams)
}

/// Counts heads; remembers request kinds so responses to `HEAD` are framed without a body.
#[derive(Default)]
struct Counter {
    requests: u64,
    final_responses: u64,
    ends: u64,
    kinds: VecDeque<Answering>,
}

impl Events for Counter {
    fn request(&mut self, head: RequestHead, _: At) {
        self.requests += 1;
        self.kinds.push_back(if head.method == "HEAD" {
            Answering::Head
        } else {
            Answering::Other
        });
    }
    fn response(&mut self, head: ResponseHead, _: At) -> Answering {
        if (100..200).contains(&head.status) && head.status != 101 {
            return self.kinds.front().copied().unwrap_or(Answering::Other);
        }
        self.final_responses += 1;
        self.kinds.pop_front().unwrap_or(Answering::Other)
    }
    fn malformed(&mut self, _: bool, _: At) {}
    fn message_end(&mut self, _: bool, _: u64, _: End, _: At) {
        self.ends += 1;
    }
    fn lost(&mut self, _: bool, _: At) {}
    fn issue(&mut self, _issue: Issue) {}
}

fn http1_framing(c: &mut Criterion) {
    let limits = Limits::default();
    let (input, truth) = support::input(Format::Pcap);
    let streams = match streams(&input, &limits) {
        Ok(s) => s,
        Err(e) => panic!("reading the bench input failed: {e}"),
    };
    let at = At {
        frame: FrameRef::new(FileIndex(0), FrameNumber(1)),
        ts: Timestamp(0),
        offset: 0,
    };

    let mut group = c.benchmark_group("http1_framing");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("pcap", |b| {
        b.iter(|| {
            let mut ev = Counter::default();
            for sides in &streams.conns {
                ev.kinds.clear();
                for (side, pieces) in sides.iter().enumerate() {
                    let mut framer = Framer::new(side == 0, false, limits.http_header_bytes);
                    let mut offset = 0u64;
                    for r in pieces {
                        let bytes = streams.bytes.get(r.clone()).unwrap_or_default();
                        framer.feed(bytes, At { offset, ..at }, &mut ev);
                        offset += bytes.len() as u64;
                    }
                    framer.close(Close::Fin, At { offset, ..at }, &mut ev);
                }
            }
            verify(
                "http1_framing",
                "request heads",
                ev.requests,
                truth.requests,
            );
            verify(
                "http1_framing",
                "final response heads",
                ev.final_responses,
                truth.responses,
            );
            black_box(ev.ends)
        })
    });
    group.finish();
}

criterion_group!(benches, http1_framing);
criterion_main!(benches);
