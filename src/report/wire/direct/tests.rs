//! [`write_exchange`] against serde_json on the wire form of real and generated records.

use std::io;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;

use super::*;
use crate::model::{EntryIndex, FileIndex, FrameNumber, FrameRef, InferredAnchor, Location};
use crate::pipeline::{self, Input, Options};
use crate::report::{InputReport, Record, Renderer, Summary};

/// Keeps every record of a run.
#[derive(Default)]
struct Keep(Vec<Record>);

impl Renderer for Keep {
    fn record(&mut self, record: &Record) -> io::Result<()> {
        self.0.push(record.clone());
        Ok(())
    }
    fn input_done(&mut self, _input: &InputReport) -> io::Result<()> {
        Ok(())
    }
    fn finish(&mut self, _inputs: &[InputReport], _summary: &Summary) -> io::Result<()> {
        Ok(())
    }
}

/// Every record of the real recordings in `samples/`.
fn samples() -> &'static [Record] {
    static RECORDS: OnceLock<Vec<Record>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/recordings");
        let sources = pipeline::expand(&[Input::Path(dir)]);
        let mut keep = Keep::default();
        let options = Options {
            jobs: Some(1),
            ..Options::default()
        };
        pipeline::run(sources, &options, &mut keep).expect("the samples are read");
        keep.0
    })
}

fn ours(r: &Record) -> Vec<u8> {
    let mut out = Vec::new();
    write_exchange(&WireExchange::from(r), &mut out).expect("writes");
    out
}

fn theirs(r: &Record) -> Vec<u8> {
    serde_json::to_vec(&WireExchange::from(r)).expect("serializes")
}

#[test]
fn every_sample_record_is_written_as_serde_json_writes_it() {
    let records = samples();
    assert!(records.len() > 1000, "{} records", records.len());
    let mut causes = 0;
    let mut fixes = 0;
    for r in records {
        assert_eq!(
            String::from_utf8_lossy(&ours(r)),
            String::from_utf8_lossy(&theirs(r))
        );
        causes += r.causes.len();
        fixes += r.causes.iter().filter(|c| c.stack_fix.is_some()).count();
    }
    // The recordings hold every part of the object.
    assert!(
        causes > 100 && fixes > 0,
        "{causes} causes, {fixes} stack fixes"
    );
    assert!(records.iter().any(|r| !r.warnings.is_empty()));
    assert!(records
        .iter()
        .any(|r| matches!(r.location, Location::InferredFrom(_))));
}

/// Any text, or text with what JSON must escape.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\\t\\n\\r\"\\\\\\x00-\\x1f\u{7f}é😀]{0,40}"
    ]
}

fn location() -> impl Strategy<Value = Location> {
    let frame = (0u32..3, any::<u64>()).prop_map(|(f, n)| FrameRef {
        file: FileIndex(f),
        number: FrameNumber(n),
    });
    prop_oneof![
        any::<u64>().prop_map(|e| Location::Entry(EntryIndex(e))),
        (frame.clone(), prop::option::of(frame.clone()))
            .prop_map(|(request, response)| Location::Frames { request, response }),
        any::<u64>().prop_map(|e| Location::InferredFrom(InferredAnchor::Entry(EntryIndex(e)))),
        frame.prop_map(|f| Location::InferredFrom(InferredAnchor::Frame(f))),
    ]
}

proptest! {
    #[test]
    fn generated_records_are_written_as_serde_json_writes_them(
        pick in any::<prop::sample::Index>(),
        texts in prop::collection::vec(text(), 12),
        set in prop::collection::vec(any::<bool>(), 12),
        location in location(),
        input in any::<usize>(),
        seq in prop_oneof![any::<u64>(), (0u64..1000).prop_map(|n| crate::cors::INFERRED_BASE + n)],
        status in any::<Option<u16>>(),
        started in any::<Option<i64>>(),
    ) {
        let records = samples();
        let mut r = records[pick.index(records.len())].clone();
        let t = |i: usize| texts[i].clone();
        let on = |i: usize| set[i];
        r.input = input;
        r.seq = seq;
        r.location = location;
        r.method = t(0);
        r.url = t(1);
        r.origin = on(0).then(|| t(2));
        r.page_origin = on(1).then(|| t(3));
        r.note = on(2).then(|| t(4));
        r.failure = on(3).then(|| t(5));
        r.client = on(4).then(|| t(6));
        r.server = on(5).then(|| t(7));
        r.status = status;
        r.started = started.map(crate::model::Timestamp);
        r.preflight = on(6).then_some(seq ^ 1);
        r.preflight_cached_from = on(7).then_some(seq / 2);
        r.sent = on(8);
        for c in &mut r.causes {
            c.message = t(8);
            c.failed_parameter = on(9).then(|| t(9));
            c.latent = on(10);
            for e in &mut c.evidence {
                e.note = t(10);
                e.values.push(t(11));
                e.header = on(11).then(|| t(0));
            }
            if let Some(s) = &mut c.stack_fix {
                s.config = t(1);
                s.exchange = on(6).then_some(crate::model::ExchangeId(seq));
            }
        }
        for w in &mut r.warnings {
            w.message = t(2);
        }
        prop_assert_eq!(ours(&r), theirs(&r));
    }
}
