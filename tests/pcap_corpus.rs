//! Every capture of the public corpus (`../shared/corpus/pcap`, or `$CORSCOPE_CORPUS/pcap`) is
//! read without error, and the HTTP requests and responses found are checked against a table
//! made with tshark 4.0 (`tshark -r F -Y http.request | wc -l`, same with `http.response`).
//! Where corscope and tshark differ, the comment says why corscope is right.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pcap_writer;

use std::path::PathBuf;

use corscope::capture::{sniff, Format};
use corscope::model::Limits;

/// file, tshark requests, tshark responses, corscope requests, final responses, interim
/// (1xx) responses, exchanges with a response.
const TABLE: &[(&str, u64, u64, u64, u64, u64, u64)] = &[
    // Big-endian pcapng section with four non-TCP frames.
    ("pcap-parser-test001-be.pcapng", 0, 0, 0, 0, 0, 0),
    // TLS 1.0: no plaintext HTTP without decryption (tshark finds 9/9 only with the key log).
    ("pcap2har-fhs_ssl.pcap", 0, 0, 0, 0, 0, 0),
    ("pcap2har-http.pcap", 2, 2, 2, 2, 0, 2),
    // A single TSO super-segment carrying a POST; the response was not captured.
    ("tcpdump-ipv4_tcp_http_xml_tso.pcap", 1, 0, 1, 0, 0, 0),
    // tshark counts the interim 100 Continue as a response; it does not answer the request
    // (RFC 9110 §15.2), so corscope pairs the request with the final response and counts the
    // 100 apart.
    ("zeek-http-100-continue.pcap", 1, 2, 1, 1, 1, 1),
    // CONNECT then 200: the tunnelled TLS after it is not parsed as HTTP.
    ("zeek-http-connect-with-header.pcap", 1, 1, 1, 1, 0, 1),
    // A segment inside the response body was not captured. tshark's reassembly never completes
    // the body and drops the response; the gap lies inside the Content-Length, so corscope
    // skips it (as Zeek does) and keeps the response, reporting one tcp-gap.
    ("zeek-http-entity_gap.pcap", 1, 0, 1, 1, 0, 1),
    ("zeek-http-get.pcap", 1, 1, 1, 1, 0, 1),
    // No SYN: the capture starts mid-connection; roles come from the request line.
    ("zeek-http-get_nosyn.pcap", 1, 1, 1, 1, 0, 1),
    ("zeek-http-pipelined-requests.pcap", 5, 5, 5, 5, 0, 5),
    ("zeek-http-qinq-0.pcap", 1, 1, 1, 1, 0, 1),
    // 101 Switching Protocols: the websocket frames after it are not parsed.
    ("zeek-http-websocket.pcap", 1, 1, 1, 1, 0, 1),
    // Dropped segments: one response answers a request lost in a gap (reported as
    // http-response-without-request), the other seven pair.
    (
        "zeek-http-zero-length-bodies-with-drops.pcap",
        7,
        8,
        7,
        8,
        0,
        7,
    ),
    // Linux cooked v2 framing, no TCP at all.
    ("zeek-linux_dlt_sll2.pcap", 0, 0, 0, 0, 0, 0),
    (
        "zeek-tunnels-vxlan-encapsulated-http.pcap",
        1,
        1,
        1,
        1,
        0,
        1,
    ),
];

fn corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("CORSCOPE_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    let dir = dir.join("pcap");
    dir.is_dir().then_some(dir)
}

#[test]
fn corpus_counts_match_the_table() {
    let Some(dir) = corpus() else {
        println!("skipped: corpus not found");
        return;
    };
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.ends_with(".pcap") || name.ends_with(".pcapng")) {
            continue;
        }
        let file = std::fs::File::open(&path).unwrap();
        let (format, mut input) = sniff::detect(Box::new(file)).unwrap();
        assert!(matches!(format, Format::Pcap | Format::PcapNg), "{name}");
        let mut sink = pcap_writer::Collect::default();
        let summary =
            corscope::capture::pcap::read(&mut input, format, &Limits::default(), &mut sink)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        let row = TABLE
            .iter()
            .find(|r| r.0 == name)
            .unwrap_or_else(|| panic!("{name} is not in the table"));
        let with_response = sink
            .exchanges
            .iter()
            .filter(|e| e.response.is_some())
            .count() as u64;
        let got = (
            summary.http.requests,
            summary.http.responses,
            summary.http.interim_responses,
            with_response,
        );
        assert_eq!(
            got,
            (row.3, row.4, row.5, row.6),
            "{name}: {:?}",
            sink.issues
        );
        assert_eq!(
            sink.exchanges.len() as u64,
            summary.http.requests,
            "{name}: one exchange per request"
        );
        for e in &sink.exchanges {
            assert!(
                e.request.url.starts_with("http://"),
                "{name}: {}",
                e.request.url
            );
            assert!(
                e.endpoints.client.is_some() && e.timing.started.is_some(),
                "{name}"
            );
        }
        seen += 1;
    }
    assert_eq!(seen, TABLE.len(), "every file of the table was read");
}

#[test]
fn corpus_details() {
    let Some(dir) = corpus() else {
        println!("skipped: corpus not found");
        return;
    };
    let read = |name: &str| {
        let file = std::fs::File::open(dir.join(name)).unwrap();
        let (format, mut input) = sniff::detect(Box::new(file)).unwrap();
        let mut sink = pcap_writer::Collect::default();
        corscope::capture::pcap::read(&mut input, format, &Limits::default(), &mut sink).unwrap();
        sink
    };
    let ws = read("zeek-http-websocket.pcap");
    let e = &ws.exchanges[0];
    assert_eq!(e.response.as_ref().map(|r| r.status), Some(101));
    assert!(e.request.headers.contains("origin"));
    let vx = read("zeek-tunnels-vxlan-encapsulated-http.pcap");
    assert!(vx.exchanges[0]
        .response
        .as_ref()
        .unwrap()
        .headers
        .contains("access-control-allow-origin"));
    let gap = read("zeek-http-entity_gap.pcap");
    assert_eq!(gap.issue_ids(), ["tcp-gap"]);
    let cont = read("zeek-http-100-continue.pcap");
    assert_eq!(cont.exchanges[0].request.method, "POST");
    assert_eq!(
        cont.exchanges[0].response.as_ref().map(|r| r.status),
        Some(200)
    );
}
