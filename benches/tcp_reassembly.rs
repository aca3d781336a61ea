//! The TCP stage alone: `capture::tcp::FlowTable` fed the segments of a generated pcap, with a
//! handler that only counts what it is given. Frames are read and decoded to segments once,
//! before timing; the payloads sit in one buffer, as they would in the reader's.
//! Throughput is the size of the capture file the segments came from.
//!
//! Asserts: connections = the generator's connections; no gap; every captured payload byte is
//! delivered once or counted as a duplicate.

mod support;

use std::hint::black_box;
use std::net::SocketAddr;
use std::ops::Range;
use std::time::Duration;

use corscope::capture::pcap::{link, reader};
use corscope::capture::tcp::{At, Close, ConnInfo, Flags, FlowTable, Segment, Side, StreamHandler};
use corscope::capture::Format as CaptureFormat;
use corscope::model::{FileIndex, FrameRef, Issue, Limits, Timestamp};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use support::{verify, Format};

/// One decoded segment; its payload is a range of [`Segments::bytes`].
struct Owned {
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    ack: u32,
    flags: Flags,
    payload: Range<usize>,
    missing: u32,
    frame: FrameRef,
    ts: Timestamp,
}

#[derive(Default)]
struct Segments {
    list: Vec<Owned>,
    bytes: Vec<u8>,
}

impl reader::FrameSink for Segments {
    fn frame(&mut self, frame: &reader::Frame<'_>) {
        if let Ok(p) = link::decode(frame.linktype, frame.data) {
            let start = self.bytes.len();
            self.bytes.extend_from_slice(p.payload);
            self.list.push(Owned {
                src: p.src,
                dst: p.dst,
                seq: p.seq,
                ack: p.ack,
                flags: p.flags,
                payload: start..self.bytes.len(),
                missing: p.missing,
                frame: frame.number,
                ts: frame.ts,
            });
        }
    }
    fn issue(&mut self, _issue: Issue) {}
}

/// Per-input counters the handlers share.
#[derive(Default)]
struct Counts {
    bytes: u64,
    chunks: u64,
    gaps: u64,
    closed: u64,
}

/// A handler that counts.
struct Counter;

impl StreamHandler for Counter {
    type Ctx = Counts;
    fn new_connection(_ctx: &mut Counts) -> Self {
        Counter
    }
    fn data(&mut self, ctx: &mut Counts, _: &ConnInfo, _: Side, bytes: &[u8], _: At) {
        ctx.bytes += bytes.len() as u64;
        ctx.chunks += 1;
    }
    fn gap(&mut self, ctx: &mut Counts, _: &ConnInfo, _: Side, _: u64, _: At) {
        ctx.gaps += 1;
    }
    fn close(&mut self, ctx: &mut Counts, _: &ConnInfo, side: Option<Side>, _: Close, _: At) {
        ctx.closed += u64::from(side.is_none());
    }
    fn issue(_ctx: &mut Counts, _issue: Issue) {}
}

fn tcp_reassembly(c: &mut Criterion) {
    let limits = Limits::default();
    let (input, truth) = support::input(Format::Pcap);
    let mut segs = Segments::default();
    let read = reader::read_frames(
        &mut &input[..],
        CaptureFormat::Pcap,
        limits.packet_bytes,
        FileIndex(0),
        &mut segs,
    );
    verify(
        "tcp_reassembly",
        "frames",
        read.map_or(0, |r| r.frames),
        truth.pcap.frames,
    );
    let payload_bytes = segs.bytes.len() as u64;

    let mut group = c.benchmark_group("tcp_reassembly");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("pcap", |b| {
        b.iter(|| {
            let mut table: FlowTable<Counter> = FlowTable::new(&limits);
            let mut counts = Counts::default();
            for s in &segs.list {
                let seg = Segment {
                    src: s.src,
                    dst: s.dst,
                    seq: s.seq,
                    ack: s.ack,
                    flags: s.flags,
                    payload: segs.bytes.get(s.payload.clone()).unwrap_or_default(),
                    missing: s.missing,
                    frame: s.frame,
                    ts: s.ts,
                };
                table.segment(&seg, &mut counts);
            }
            table.finish(&mut counts);
            let stats = &table.stats;
            verify(
                "tcp_reassembly",
                "connections",
                stats.connections,
                truth.pcap.connections,
            );
            verify("tcp_reassembly", "gaps", counts.gaps, 0);
            verify(
                "tcp_reassembly",
                "delivered + duplicate bytes",
                counts.bytes + stats.duplicate_bytes,
                payload_bytes,
            );
            black_box((counts.chunks, counts.closed))
        })
    });
    group.finish();
}

criterion_group!(benches, tcp_reassembly);
criterion_main!(benches);
