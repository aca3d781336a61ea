//! Capture to verdicts: `capture::read` (format sniffing included) feeding the CORS engine,
//! on generated pcaps and HARs of both traffic mixes (page loads, small API calls) held in
//! memory; figures per byte and per exchange. Asserts: assessments of recorded
//! exchanges = the requests the capture holds (pcap: requests on the wire; HAR: entries).

mod support;

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use corscope::capture::Sink;
use corscope::cors::Engine;
use corscope::model::{Assessment, Exchange, Issue, Limits};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use support::{verify, AssessmentCount, Format};

struct EngineSink {
    engine: Engine,
    count: AssessmentCount,
    issues: u64,
}

impl Sink for EngineSink {
    fn exchange(&mut self, exchange: Exchange) {
        let count = &mut self.count;
        self.engine
            .push(exchange, &mut |a: Assessment| count.add(&a));
    }
    fn issue(&mut self, _issue: Issue) {
        self.issues += 1;
    }
}

fn analyse(input: &Arc<[u8]>, limits: &Limits) -> AssessmentCount {
    let mut sink = EngineSink {
        engine: Engine::new(limits),
        count: AssessmentCount::default(),
        issues: 0,
    };
    let reader = Box::new(Cursor::new(input.clone()));
    let _ = corscope::capture::read(reader, limits, &mut sink);
    let count = &mut sink.count;
    sink.engine.finish(&mut |a: Assessment| count.add(&a));
    sink.count
}

fn end_to_end(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("end_to_end");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    for (mix_name, mix) in support::MIXES {
        for (name, format) in [("pcap", Format::Pcap), ("har", Format::Har)] {
            let (input, truth) = support::input_of(format, mix);
            let want = support::exchanges_of(format, &truth);
            group.throughput(Throughput::ElementsAndBytes {
                elements: want,
                bytes: input.len() as u64,
            });
            group.bench_function(format!("{name}_{mix_name}"), |b| {
                b.iter(|| {
                    let count = analyse(&input, &limits);
                    verify(
                        "end_to_end",
                        "assessments of recorded exchanges",
                        count.recorded,
                        want,
                    );
                    black_box(count)
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, end_to_end);
criterion_main!(benches);
