//! `capture::har::read` over an in-memory generated Chrome DevTools HAR, exchanges counted.
//! Asserts: exchanges = HAR entries, exchanges with a response = entries with a status,
//! `OPTIONS` exchanges = preflight entries, no in-band issues, `HarSummary.entries` = entries.

mod support;

use std::hint::black_box;
use std::time::Duration;

use corscope::model::Limits;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use support::{verify, CountingSink, Format};

fn har_read(c: &mut Criterion) {
    let (input, truth) = support::input(Format::Har);
    let limits = Limits::default();
    let mut group = c.benchmark_group("har_read");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("devtools_har", |b| {
        b.iter(|| {
            let mut sink = CountingSink::default();
            let summary = corscope::capture::har::read(&mut &input[..], &limits, &mut sink);
            let entries = summary.as_ref().map_or(0, |s| s.entries);
            verify("har_read", "entries read", entries, truth.har.entries);
            verify("har_read", "exchanges", sink.exchanges, truth.har.entries);
            verify("har_read", "responses", sink.responses, truth.responses);
            verify(
                "har_read",
                "OPTIONS exchanges",
                sink.options,
                truth.preflights,
            );
            verify("har_read", "issues", sink.issues, 0);
            black_box(sink.exchanges)
        })
    });
    group.finish();
}

criterion_group!(benches, har_read);
criterion_main!(benches);
