//! The per-connection protocol choice on synthetic captures: HTTP/1 whatever its first segment
//! looks like, HTTP/2 by its connection preface (also when the server's SETTINGS come first),
//! TLS by its first record, counted per server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pcap_writer;

use corscope::capture::pcap::PcapSummary;
use corscope::capture::Format;
use corscope::model::{FileIndex, FrameNumber, FrameRef, Limits, Position};
use pcap_writer::*;

const POST: &[u8] = b"POST /v1/items HTTP/1.1\r\nHost: api.test\r\nContent-Length: 2\r\n\r\n{}";
const OK: &[u8] = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const SETTINGS: &[u8] = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00";
const CLIENT_HELLO: &[u8] = b"\x16\x03\x01\x00\x08\x01\x00\x00\x04\x03\x03\x00\x00";
const SERVER_HELLO: &[u8] = b"\x16\x03\x03\x00\x08\x02\x00\x00\x04\x03\x03\x00\x00";

fn read_with_summary(conns: &[Conn]) -> (PcapSummary, Collect) {
    let mut frames = Vec::new();
    for (i, c) in conns.iter().enumerate() {
        frames.extend(c.frames(1_000_000_000 * (i as u64 + 1)));
    }
    let (r, sink) = run(
        &pcap(1, &frames, false, false),
        Format::Pcap,
        &Limits::default(),
    );
    (r.unwrap(), sink)
}

fn read(conns: &[Conn]) -> Collect {
    read_with_summary(conns).1
}

#[test]
fn http1_is_read_whatever_the_first_segment_holds() {
    // "P" could start the HTTP/2 preface: the byte is held, then handed to HTTP/1.
    for mss in [1, 2, 3, 5, 1460] {
        let mut c = Conn::new("10.0.0.1:40000", "10.0.0.2:8080", 1, 1);
        c.handshake().send(true, POST, mss).send(false, OK, mss);
        c.fin(true).fin(false);
        let sink = read(&[c]);
        assert_eq!(sink.exchanges.len(), 1, "mss {mss}: {:?}", sink.issues);
        let e = &sink.exchanges[0];
        assert_eq!(
            (e.request.method.as_str(), e.request.body_size),
            ("POST", Some(2))
        );
        assert_eq!(e.response.as_ref().map(|r| r.status), Some(201));
        assert!(sink.issues.is_empty(), "mss {mss}: {:?}", sink.issues);
    }
}

#[test]
fn tls_connections_are_counted_per_server() {
    let mut conns = Vec::new();
    for port in [40000, 40001] {
        let mut c = Conn::new(&format!("10.0.0.1:{port}"), "10.0.0.2:443", 1, 1);
        c.handshake()
            .send(true, CLIENT_HELLO, 1460)
            .send(false, SERVER_HELLO, 1460);
        conns.push(c);
    }
    // No handshake: the ServerHello is captured first and settles both the roles and the kind.
    let mut late = Conn::new("10.0.0.1:40002", "10.0.0.3:8443", 1, 1);
    late.send(false, SERVER_HELLO, 1460)
        .send(true, b"\x17\x03\x03\x00\x01\x00", 1460);
    conns.push(late);
    let sink = read(&conns);
    assert!(sink.exchanges.is_empty());
    let tls: Vec<_> = sink
        .issues
        .iter()
        .filter(|i| i.id == "tls-not-decrypted")
        .map(|i| (i.message.as_str(), i.at))
        .collect();
    assert_eq!(
        tls,
        [
            (
                "2 TLS connections to 10.0.0.2:443 not decrypted: encrypted traffic is not read",
                Some(Position::Frame(FrameRef::new(FileIndex(0), FrameNumber(4))))
            ),
            (
                "1 TLS connection to 10.0.0.3:8443 not decrypted: encrypted traffic is not read",
                Some(Position::Frame(FrameRef::new(
                    FileIndex(0),
                    FrameNumber(11)
                )))
            ),
        ]
    );
    assert_eq!(sink.issues.len(), 2, "{:?}", sink.issues);
}

#[test]
fn http2_is_recognised_by_its_preface_also_after_the_server_settings() {
    let mut first = Conn::new("10.0.0.1:40000", "10.0.0.2:8080", 1, 1);
    first
        .handshake()
        .send(true, PREFACE, 1460)
        .send(false, SETTINGS, 1460);
    let mut settings_first = Conn::new("10.0.0.1:40001", "10.0.0.2:8080", 1, 1);
    settings_first
        .handshake()
        .send(false, SETTINGS, 1460)
        .send(true, PREFACE, 7);
    let (summary, sink) = read_with_summary(&[first, settings_first]);
    assert!(sink.exchanges.is_empty());
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
    assert_eq!(summary.http2.connections, 2);
    assert_eq!(summary.http.requests, 0);
}
