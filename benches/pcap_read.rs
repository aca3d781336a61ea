//! `capture::pcap::read` over in-memory generated pcap (microseconds) and pcapng (nanoseconds)
//! captures of interleaved keep-alive HTTP/1.1 connections (and a pcap of the small-API-call
//! mix); figures per byte and per exchange. Asserts: exchanges = requests on
//! the wire, exchanges with a response = responses, `OPTIONS` exchanges = preflights,
//! `PcapSummary.frames` = frames written.

mod support;

use std::hint::black_box;
use std::time::Duration;

use corscope::capture::Format as CaptureFormat;
use corscope::model::Limits;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use support::{verify, CountingSink, Format, Mix};

fn pcap_read(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("pcap_read");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    let cases = [
        ("pcap", Format::Pcap, CaptureFormat::Pcap, Mix::Browser),
        (
            "pcapng",
            Format::PcapNg,
            CaptureFormat::PcapNg,
            Mix::Browser,
        ),
        ("pcap_api", Format::Pcap, CaptureFormat::Pcap, Mix::Api),
    ];
    for (name, format, capture_format, mix) in cases {
        let (input, truth) = support::input_of(format, mix);
        group.throughput(Throughput::ElementsAndBytes {
            elements: truth.requests,
            bytes: input.len() as u64,
        });
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut sink = CountingSink::default();
                let summary = corscope::capture::pcap::read(
                    &mut &input[..],
                    capture_format,
                    &limits,
                    &mut sink,
                );
                let frames = summary.as_ref().map_or(0, |s| s.frames);
                verify("pcap_read", "frames", frames, truth.pcap.frames);
                verify("pcap_read", "exchanges", sink.exchanges, truth.requests);
                verify("pcap_read", "responses", sink.responses, truth.responses);
                verify(
                    "pcap_read",
                    "OPTIONS exchanges",
                    sink.options,
                    truth.preflights,
                );
                black_box(sink.exchanges)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, pcap_read);
criterion_main!(benches);
