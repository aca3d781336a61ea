//! Rendering N records to `io::sink` as text, JSON and JSON lines. Throughput is the records
//! and the bytes rendered (counted once per format before measuring): figures per exchange and
//! per byte. Asserts: the JSON lines output has one line per record plus the closing summary
//! line; every format writes something.

// Benches are not input paths: a bench that did not do its work must stop loudly.
#![allow(clippy::panic)]

mod support;

use std::cell::Cell;
use std::hint::black_box;
use std::io::{self, Write};
use std::rc::Rc;
use std::time::Duration;

use corscope::report::{self, InputReport, Record, ReportFormat, Summary};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use support::verify;

/// Records rendered per iteration.
const RECORDS: usize = 20_000;

/// `io::sink` that counts bytes and newlines.
struct Counter {
    bytes: Rc<Cell<u64>>,
    lines: Rc<Cell<u64>>,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.set(self.bytes.get() + buf.len() as u64);
        self.lines
            .set(self.lines.get() + memchr::memchr_iter(b'\n', buf).count() as u64);
        io::sink().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn render(format: ReportFormat, records: &[Record]) -> (u64, u64) {
    let bytes = Rc::new(Cell::new(0));
    let lines = Rc::new(Cell::new(0));
    let out = Counter {
        bytes: bytes.clone(),
        lines: lines.clone(),
    };
    let mut summary = Summary::default();
    let result = (|| {
        let mut r = report::renderer(format, Box::new(out), false);
        for rec in records {
            summary.add(rec);
            r.record(rec)?;
        }
        let input = InputReport {
            index: 0,
            path: "bench.har".into(),
            exchanges: records.len() as u64,
            ..InputReport::default()
        };
        r.input_done(&input)?;
        r.finish(&[input], &summary)
    })();
    if let Err(e) = result {
        panic!("rendering to a sink failed: {e}");
    }
    (bytes.get(), lines.get())
}

fn reports(c: &mut Criterion) {
    let records = support::exchanges::records(RECORDS, support::SEED);
    let n = records.len() as u64;
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for (name, format) in [
        ("text", ReportFormat::Text),
        ("json", ReportFormat::Json),
        ("jsonl", ReportFormat::Jsonl),
    ] {
        let (bytes, _) = render(format, &records);
        group.throughput(Throughput::ElementsAndBytes { elements: n, bytes });
        group.bench_function(name, |b| {
            b.iter(|| {
                let (bytes, lines) = render(format, &records);
                verify("report", "bytes rendered > 0", u64::from(bytes > 0), 1);
                if format == ReportFormat::Jsonl {
                    verify("report", "JSON lines", lines, n + 1);
                }
                black_box(bytes)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, reports);
criterion_main!(benches);
