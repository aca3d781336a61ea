//! Round trips of the exchanges table: bytes, duplicates, Parquet files, another table refused.

use super::*;
use crate::model::{
    FileIndex, FrameNumber, FrameRef, Issue, IssueTally, Request, Response, Timestamp,
};
use crate::report::FileReport;
use crate::stage::{files, BatchWriter};

fn exchange() -> Exchange {
    let mut headers = HeaderList::new();
    headers.push("Origin", "https://app.example");
    headers.push("X-Bytes", [0xff, 0x00, b'a']);
    headers.push("x-bytes", "second line kept");
    let mut ex = Exchange::new(
        Location::Frames {
            request: FrameRef::new(FileIndex(1), FrameNumber(7)),
            response: Some(FrameRef::new(FileIndex(2), FrameNumber(1))),
        },
        Request {
            method: "PUT".into(),
            url: "https://api.example/v1".into(),
            headers,
            reached_network: Some(true),
            ..Request::default()
        },
    );
    ex.response = Some(Response {
        status: 204,
        headers: [("Access-Control-Allow-Origin", "*")]
            .iter()
            .map(|(n, v)| crate::model::Header::new(*n, *v))
            .collect(),
        ..Response::default()
    });
    ex.timing.started = Some(Timestamp(1_750_000_000_123_456_789));
    ex.endpoints.client = "10.0.0.1:5000".parse().ok();
    ex
}

fn report() -> InputReport {
    let mut issues = IssueTally::new();
    issues.add(Issue::general("tcp-gap", "a gap"));
    InputReport {
        index: 4,
        path: "a.pcap".into(),
        issues: issues.into_summaries(),
        files: vec![FileReport {
            path: "a.pcap".into(),
            frames: 9,
            ..FileReport::default()
        }],
        ..InputReport::default()
    }
}

fn batch() -> RecordBatch {
    let names = ["a.pcap".to_string(), "a.pcap1".into(), "a.pcap2".into()];
    let at = Provenance {
        input: 4,
        source: "a.pcap",
        files: &names,
    };
    let mut b = ExchangeBatch::new();
    b.push_exchange(&at, 0, Some("10.0.0.1"), 7, &exchange())
        .unwrap_or_default();
    b.push_input(&at, &report()).unwrap_or_default();
    b.finish().unwrap_or_else(|e| panic!("{e}"))
}

fn expected() -> Vec<ExchangeRow> {
    vec![
        ExchangeRow::Exchange {
            input: 4,
            seq: 0,
            merge_ns: 7,
            exchange: Box::new(exchange()),
        },
        ExchangeRow::Input(Box::new(report())),
    ]
}

#[test]
fn rows_read_back_equal_what_was_written_bytes_and_duplicates_included() {
    let b = batch();
    assert_eq!(rows(&b).ok(), Some(expected()));
    let file = strings(&b, "file").ok().map(|f| f.value(0).to_string());
    assert_eq!(file.as_deref(), Some("a.pcap1"));
    let client = strings(&b, "client_key")
        .ok()
        .map(|f| f.value(0).to_string());
    assert_eq!(client.as_deref(), Some("10.0.0.1"));
}

#[test]
fn parquet_files_round_trip() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut w =
        BatchWriter::parquet(dir.path(), "x.parquet", schema()).unwrap_or_else(|e| panic!("{e}"));
    w.write(&batch()).unwrap_or_else(|e| panic!("{e}"));
    w.finish().unwrap_or_else(|e| panic!("{e}"));
    let mut back = Vec::new();
    files::for_each_batch(&[dir.path().to_path_buf()], &mut |b| {
        back.extend(rows(&b)?);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, expected());
}

#[test]
fn another_table_is_refused() {
    let records = crate::stage::records::RecordBatchBuilder::new()
        .finish()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = rows(&records).err().map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("expected corscope.exchanges/2")));
}
