//! The CORS engine over a `Vec<Exchange>` collected once from a generated HAR through the HAR
//! reader (or, while the reader yields nothing, built straight from the generator's plan).
//! Both traffic mixes; throughput is the size of the HAR the exchanges came from and the
//! exchanges pushed. And one endpoint called over and over (a GraphQL API: a preflight and
//! its request, 10 ms apart, to one URL), where every lookup by URL meets the whole window.
//! Asserts: assessments of recorded exchanges = exchanges pushed (inferred ones are counted
//! apart).

mod support;

use std::hint::black_box;
use std::time::Duration;

use corscope::cors::Engine;
use corscope::model::{EntryIndex, Exchange, Limits, Location, Request, Response, Timestamp};
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};

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
        judge(&mut group, name, &exchanges, &limits);
    }
    let exchanges = one_endpoint(20_000);
    let pushed = exchanges.len() as u64;
    group.throughput(Throughput::Elements(pushed));
    judge(&mut group, "one_endpoint_exchanges", &exchanges, &limits);
    group.finish();
}

/// Times the engine over `exchanges`, pushed one by one and finished; checks that every
/// recorded exchange got its assessment.
fn judge(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    exchanges: &[Exchange],
    limits: &Limits,
) {
    let pushed = exchanges.len() as u64;
    group.bench_function(name, |b| {
        b.iter_batched(
            || exchanges.to_vec(),
            |batch| {
                let mut count = AssessmentCount::default();
                let mut engine = Engine::new(limits);
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

/// `n` exchanges to one GraphQL endpoint: a preflight (not cached: `Max-Age: 0`) and its
/// `POST`, every 10 ms.
fn one_endpoint(n: usize) -> Vec<Exchange> {
    const URL: &str = "https://api.example.org/graphql";
    const ORIGIN: &str = "https://app.example.org";
    let exchange = |i: usize, method: &str, request: &[(&str, &str)], response: &[(&str, &str)]| {
        let mut e = Exchange::new(
            Location::Entry(EntryIndex(i as u64)),
            Request {
                method: method.into(),
                url: URL.into(),
                ..Request::default()
            },
        );
        e.request.headers.push("Origin", ORIGIN);
        for (name, value) in request {
            e.request.headers.push(*name, *value);
        }
        let mut r = Response {
            status: if method == "OPTIONS" { 204 } else { 200 },
            ..Response::default()
        };
        r.headers.push("Access-Control-Allow-Origin", ORIGIN);
        for (name, value) in response {
            r.headers.push(*name, *value);
        }
        e.response = Some(r);
        e.timing.started = Some(Timestamp(1_715_682_067_000_000_000 + i as i64 * 5_000_000));
        e
    };
    (0..n)
        .map(|i| match i % 2 {
            0 => exchange(
                i,
                "OPTIONS",
                &[
                    ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "content-type"),
                ],
                &[
                    ("Access-Control-Allow-Methods", "POST"),
                    ("Access-Control-Allow-Headers", "content-type"),
                    ("Access-Control-Max-Age", "0"),
                ],
            ),
            _ => exchange(
                i,
                "POST",
                &[("Content-Type", "application/json")],
                &[("Content-Type", "application/json"), ("Vary", "Origin")],
            ),
        })
        .collect()
}

criterion_group!(benches, cors_engine);
criterion_main!(benches);
