//! The CORS engine over a `Vec<Exchange>` collected once from a generated HAR through the HAR
//! reader (or, while the reader yields nothing, built straight from the generator's plan).
//! Both traffic mixes; throughput is the size of the HAR the exchanges came from and the
//! exchanges pushed. Asserts: assessments of recorded
//! exchanges = exchanges pushed (inferred ones are counted apart).

mod support;

use std::hint::black_box;
use std::time::Duration;

use corscope::cors::Engine;
use corscope::model::Limits;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use support::{verify, AssessmentCount, CountingSink, Format, Mix};

fn cors_engine(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("cors_engine");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    for (name, mix) in [
        ("devtools_har_exchanges", Mix::Browser),
        ("devtools_har_api_exchanges", Mix::Api),
    ] {
        let (input, truth) = support::input_of(Format::Har, mix);
        let mut sink = CountingSink {
            kept: Some(Vec::new()),
            ..CountingSink::default()
        };
        let read = corscope::capture::har::read(&mut &input[..], &limits, &mut sink);
        let mut exchanges = sink.kept.unwrap_or_default();
        let source = if exchanges.is_empty() {
            let (planned, _) =
                support::exchanges::planned(truth.har.entries as usize, support::SEED);
            exchanges = planned;
            format!("built from the plan (the HAR reader gave {read:?})")
        } else {
            "read from the HAR".to_string()
        };
        eprintln!(
            "cors_engine {name}: {} exchanges {source}; truth: {} blocked of {} requests",
            exchanges.len(),
            truth.blocked,
            truth.requests
        );
        let pushed = exchanges.len() as u64;
        group.throughput(Throughput::ElementsAndBytes {
            elements: pushed,
            bytes: input.len() as u64,
        });
        group.bench_function(name, |b| {
            b.iter_batched(
                || exchanges.clone(),
                |batch| {
                    let mut count = AssessmentCount::default();
                    let mut engine = Engine::new(&limits);
                    let mut out = |a: corscope::model::Assessment| count.add(&a);
                    for ex in batch {
                        engine.push(ex, &mut out);
                    }
                    engine.finish(&mut out);
                    verify(
                        "cors_engine",
                        "assessments of recorded exchanges",
                        count.recorded,
                        pushed,
                    );
                    black_box(count)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, cors_engine);
criterion_main!(benches);
