//! End-to-end tests of the pcap path on synthetic captures: formats, link types, TCP events,
//! HTTP/1 framing and pairing, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pcap_writer;

use corscope::capture::{CaptureError, Format};
use corscope::model::{
    FailureKind, FileIndex, FrameNumber, FrameRef, Limits, Location, Position, Timestamp,
};
use pcap_writer::*;

const GET: &[u8] = b"GET /api/items?x=1 HTTP/1.1\r\nHost: api.example.test\r\nOrigin: https://app.example.test\r\n\r\n";
const OK: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nAccess-Control-Allow-Origin: *\r\n\r\nhello";

fn simple() -> Conn {
    let mut c = Conn::new("192.0.2.10:50000", "198.51.100.1:80", 1000, 5000);
    c.handshake()
        .send(true, GET, 1460)
        .send(false, OK, 1460)
        .fin(true)
        .fin(false);
    c
}

#[test]
fn one_exchange_with_frames_times_and_endpoints() {
    let c = simple();
    let (r, sink) = run(
        &pcap(1, &c.frames(1_000_000_000), false, false),
        Format::Pcap,
        &Limits::default(),
    );
    let summary = r.unwrap();
    assert_eq!(summary.frames, 7);
    assert_eq!(sink.exchanges.len(), 1, "{:?}", sink.issues);
    let e = &sink.exchanges[0];
    assert_eq!(e.request.method, "GET");
    assert_eq!(e.request.url, "http://api.example.test/api/items?x=1");
    assert_eq!(e.request.http_version.as_deref(), Some("HTTP/1.1"));
    assert_eq!(
        e.request.headers.first_str("origin").as_deref(),
        Some("https://app.example.test")
    );
    let resp = e.response.as_ref().unwrap();
    assert_eq!(
        (resp.status, &*resp.status_text, resp.body_size),
        (200, "OK", Some(5))
    );
    assert_eq!(
        e.location,
        Location::Frames {
            request: FrameRef::new(FileIndex(0), FrameNumber(4)),
            response: Some(FrameRef::new(FileIndex(0), FrameNumber(5)))
        }
    );
    assert_eq!(e.timing.started, Some(Timestamp(1_003_000_000)));
    assert_eq!(e.timing.response_started, Some(Timestamp(1_004_000_000)));
    assert_eq!(e.timing.finished, Some(Timestamp(1_004_000_000)));
    assert_eq!(e.endpoints.client, Some(c.client));
    assert_eq!(e.endpoints.server, Some(c.server));
    assert!(e.failure.is_none());
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
}

#[test]
fn all_pcap_variants_and_pcapng_read_the_same() {
    let c = simple();
    let frames = c.frames(1_700_000_000_123_456_000);
    for (be, ns) in [(false, false), (true, false), (false, true), (true, true)] {
        let (r, sink) = run(&pcap(1, &frames, be, ns), Format::Pcap, &Limits::default());
        assert_eq!(r.unwrap().frames, 7);
        assert_eq!(sink.exchanges.len(), 1);
        assert_eq!(
            sink.exchanges[0].timing.started,
            Some(Timestamp(1_700_000_000_126_456_000))
        );
    }
    // pcapng: two sections, the second with two interfaces, nanosecond and 2^-20 resolutions
    let mut ng = shb(Some("corscope tests"));
    ng.extend(idb(1, 9));
    ng.extend(shb(None));
    ng.extend(idb(1, 6));
    ng.extend(idb(1, 0x94));
    for (i, f) in frames.iter().enumerate() {
        let ts = (u128::from(f.ts_ns) * (1 << 20) / 1_000_000_000) as u64;
        ng.extend(epb(
            if i % 2 == 0 { 1 } else { 0 },
            if i % 2 == 0 { ts } else { f.ts_ns / 1000 },
            &f.data,
        ));
    }
    let (r, sink) = run(&ng, Format::PcapNg, &Limits::default());
    let s = r.unwrap();
    assert_eq!(
        (s.frames, s.producer.as_deref()),
        (7, Some("corscope tests"))
    );
    assert_eq!(sink.exchanges.len(), 1);
    let started = sink.exchanges[0].timing.started.unwrap().0;
    assert!(
        (started - 1_700_000_000_126_456_000).abs() < 2_000,
        "{started}"
    );
}

#[test]
fn link_types_vlan_ipv6_sll_sll2_null_raw() {
    let mut c = Conn::new("[2001:db8::10]:50000", "[2001:db8::1]:8080", 7, 9);
    c.handshake()
        .send(true, GET, 30)
        .send(false, OK, 30)
        .fin(true)
        .fin(false);
    let recs = |wrap: &dyn Fn(&Seg) -> Vec<u8>| -> Vec<Rec> {
        c.segs
            .iter()
            .enumerate()
            .map(|(i, s)| Rec::new(i as u64 * 1000, wrap(s)))
            .collect()
    };
    let sll = |s: &Seg| {
        let mut f = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
        f.extend_from_slice(&0x86ddu16.to_be_bytes());
        f.extend(ip_bytes(s));
        f
    };
    let sll2 = |s: &Seg| {
        let mut f = 0x86ddu16.to_be_bytes().to_vec();
        f.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
        f.extend(ip_bytes(s));
        f
    };
    let null = |s: &Seg| {
        let mut f = 30u32.to_le_bytes().to_vec();
        f.extend(ip_bytes(s));
        f
    };
    let cases: Vec<(u32, Vec<Rec>)> = vec![
        (1, recs(&|s| ethernet(s, &[10, 20]))),
        (113, recs(&sll)),
        (276, recs(&sll2)),
        (0, recs(&null)),
        (101, recs(&ip_bytes)),
        (229, recs(&ip_bytes)),
    ];
    for (lt, frames) in cases {
        let (r, sink) = run(
            &pcap(lt, &frames, false, false),
            Format::Pcap,
            &Limits::default(),
        );
        r.unwrap();
        assert_eq!(sink.exchanges.len(), 1, "link type {lt}: {:?}", sink.issues);
        assert_eq!(
            sink.exchanges[0].response.as_ref().map(|r| r.status),
            Some(200)
        );
    }
    let (_, sink) = run(
        &pcap(147, &recs(&ip_bytes), false, false),
        Format::Pcap,
        &Limits::default(),
    );
    assert_eq!(sink.issue_ids(), ["link-unsupported"]);
    assert!(
        sink.issues[0].message.starts_with("11 frames"),
        "{}",
        sink.issues[0].message
    );
}

#[test]
fn vxlan_is_decapsulated() {
    let c = simple();
    let frames: Vec<Rec> = c
        .segs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let inner = ethernet(s, &[]);
            let mut udp = Vec::new();
            udp.extend_from_slice(&40000u16.to_be_bytes());
            udp.extend_from_slice(&4789u16.to_be_bytes());
            udp.extend_from_slice(&((8 + 8 + inner.len()) as u16).to_be_bytes());
            udp.extend_from_slice(&[0, 0, 0x08, 0, 0, 0, 0, 0, 1, 0]);
            udp.extend(inner);
            let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45, 0];
            f.extend_from_slice(&((20 + udp.len()) as u16).to_be_bytes());
            f.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
            f.extend(udp);
            Rec::new(i as u64, f)
        })
        .collect();
    let (r, sink) = run(
        &pcap(1, &frames, false, false),
        Format::Pcap,
        &Limits::default(),
    );
    r.unwrap();
    assert_eq!(sink.exchanges.len(), 1, "{:?}", sink.issues);
}

#[test]
fn pipelining_head_chunked_continue_204_304() {
    let mut c = Conn::new("192.0.2.10:50001", "198.51.100.1:80", u32::MAX - 40, 77);
    let reqs: &[u8] = b"HEAD /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbodyGET /c HTTP/1.1\r\nHost: h\r\n\r\nGET /d HTTP/1.1\r\nHost: h\r\n\r\nOPTIONS /e HTTP/1.1\r\nHost: h\r\nAccess-Control-Request-Method: PUT\r\n\r\n";
    let resps: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nTrailer: t\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\nAccess-Control-Allow-Methods: PUT\r\n\r\n";
    c.handshake()
        .send(true, reqs, 17)
        .send(false, resps, 13)
        .fin(true)
        .fin(false);
    let (r, sink) = run(
        &pcap(1, &c.frames(0), false, false),
        Format::Pcap,
        &Limits::default(),
    );
    let s = r.unwrap();
    let got: Vec<(String, u16)> = sink
        .exchanges
        .iter()
        .map(|e| {
            (
                e.request.method.clone(),
                e.response.as_ref().map_or(0, |r| r.status),
            )
        })
        .collect();
    let want = [
        ("HEAD", 200),
        ("POST", 201),
        ("GET", 304),
        ("GET", 200),
        ("OPTIONS", 204),
    ];
    assert_eq!(
        got,
        want.map(|(m, s)| (m.to_string(), s)),
        "{:?}",
        sink.issues
    );
    assert_eq!(
        (s.http.requests, s.http.responses, s.http.interim_responses),
        (5, 5, 1)
    );
    assert_eq!(sink.exchanges[1].request.body_size, Some(4));
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
}

#[test]
fn reset_close_and_refused_connections() {
    let mut reset = Conn::new("192.0.2.10:50002", "198.51.100.1:80", 1, 1);
    reset.handshake().send(true, GET, 1460).rst(false);
    let mut closed = Conn::new("192.0.2.10:50003", "198.51.100.1:80", 1, 1);
    closed.handshake().send(true, GET, 1460).fin(false);
    let mut refused = Conn::new("192.0.2.10:50004", "198.51.100.1:81", 1, 1);
    refused.push_syn_rst();
    let mut frames = reset.frames(0);
    frames.extend(closed.frames(10_000_000_000));
    frames.extend(refused.frames(20_000_000_000));
    let (r, sink) = run(
        &pcap(1, &frames, false, false),
        Format::Pcap,
        &Limits::default(),
    );
    let s = r.unwrap();
    assert_eq!(s.tcp.refused, 1);
    assert_eq!(sink.exchanges.len(), 2);
    for e in &sink.exchanges {
        assert!(e.response.is_none());
        assert_eq!(
            e.failure.as_ref().map(|f| f.kind),
            Some(FailureKind::Connection),
            "{:?}",
            e.failure
        );
    }
    let refused = sink
        .issues
        .iter()
        .find(|i| i.id == "tcp-connection-refused")
        .expect("a refused-connection issue");
    assert!(
        refused.message.starts_with(
            "1 connection refused (SYN answered by RST), to 198.51.100.1:81 at frame "
        ),
        "{}",
        refused.message
    );
    assert!(
        matches!(refused.at, Some(Position::Frame(_))),
        "{:?}",
        refused.at
    );
}

trait Refused {
    fn push_syn_rst(&mut self);
}

impl Refused for Conn {
    fn push_syn_rst(&mut self) {
        let syn = Seg {
            src: self.client,
            dst: self.server,
            seq: 9,
            ack: 0,
            flags: SYN,
            payload: vec![],
        };
        let rst = Seg {
            src: self.server,
            dst: self.client,
            seq: 0,
            ack: 10,
            flags: RST | ACK,
            payload: vec![],
        };
        self.segs.push(syn);
        self.segs.push(rst);
    }
}

#[test]
fn mid_stream_start_and_close_delimited_response() {
    // No handshake; the server uses a port the heuristic cannot name; the first frame is the
    // tail of an earlier response body.
    let mut c = Conn::new("192.0.2.10:40000", "198.51.100.1:50123", 1 << 31, 3);
    c.send(false, b"tail of an earlier body\r\n", 1460)
        .send(true, GET, 1460)
        .send(
            false,
            b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
            7,
        )
        .fin(false)
        .fin(true);
    let (r, sink) = run(
        &pcap(1, &c.frames(0), false, false),
        Format::Pcap,
        &Limits::default(),
    );
    r.unwrap();
    assert_eq!(sink.exchanges.len(), 1, "{:?}", sink.issues);
    let e = &sink.exchanges[0];
    assert_eq!(e.endpoints.client, Some(c.client));
    assert_eq!(e.response.as_ref().and_then(|r| r.body_size), Some(13));
    assert!(e.failure.is_none() && e.timing.finished.is_some());
}

#[test]
fn out_of_order_retransmitted_and_lost_segments() {
    let mut c = Conn::new("192.0.2.10:50005", "198.51.100.1:80", 10, 20);
    let body = vec![b'x'; 3000];
    let mut resp = b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n".to_vec();
    resp.extend(&body);
    c.handshake()
        .send(true, GET, 20)
        .send(false, &resp, 500)
        .send(true, GET, 1460)
        .send(false, OK, 1460);
    // swap two request segments, duplicate one, drop a body segment then acknowledge past it
    c.segs.swap(3, 4);
    let dup = c.segs[5].clone();
    c.segs.insert(6, dup);
    let lost = c.segs.remove(12);
    let ack_after = Seg {
        src: c.client,
        dst: c.server,
        seq: lost.ack,
        ack: c.sseq,
        flags: ACK,
        payload: vec![],
    };
    c.segs.push(ack_after);
    let (r, sink) = run(
        &pcap(1, &c.frames(0), false, false),
        Format::Pcap,
        &Limits::default(),
    );
    let s = r.unwrap();
    assert_eq!(sink.exchanges.len(), 2, "{:?}", sink.issues);
    assert!(sink.exchanges.iter().all(|e| e.response.is_some()));
    assert_eq!(s.tcp.gaps, 1);
    assert!(sink.has("tcp-gap"));
}

#[test]
fn bad_headers_are_errors() {
    let (r, _) = run(
        b"\x00\x01\x02\x03 not a capture at all, really",
        Format::Pcap,
        &Limits::default(),
    );
    assert!(matches!(r, Err(CaptureError::Malformed { .. })), "{r:?}");
    let full = pcap(1, &simple().frames(0), false, false);
    let (r, _) = run(&full[..10], Format::Pcap, &Limits::default());
    assert!(matches!(r, Err(CaptureError::Malformed { .. })), "{r:?}");
    let (r, _) = run(
        b"\x0a\x0d\x0d\x0a\x00\x00",
        Format::PcapNg,
        &Limits::default(),
    );
    assert!(r.is_err());
}

#[test]
fn truncated_file_keeps_what_came_before() {
    let c = simple();
    let full = pcap(1, &c.frames(0), false, false);
    // cut inside the last frame (the server's FIN): the exchange is complete before it
    let (r, sink) = run(&full[..full.len() - 10], Format::Pcap, &Limits::default());
    assert_eq!(r.unwrap().frames, 6);
    assert_eq!(sink.exchanges.len(), 1);
    assert!(sink.has("pcap-truncated"));
    // a record header announcing more bytes than the file has
    let mut bogus = pcap(1, &[], false, false);
    bogus.extend_from_slice(&[
        0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0, 1, 2, 3,
    ]);
    let (r, sink) = run(&bogus, Format::Pcap, &Limits::default());
    assert_eq!(r.unwrap().frames, 0);
    assert!(sink.has("pcap-truncated"));
}

#[test]
fn oversized_record_and_bad_pcapng_block() {
    let c = simple();
    let mut frames = c.frames(0);
    frames[1].data.resize(300_000, 0);
    let limits = Limits {
        packet_bytes: 1000,
        ..Limits::default()
    };
    let (r, sink) = run(&pcap(1, &frames, false, false), Format::Pcap, &limits);
    assert_eq!(r.unwrap().frames, 1);
    assert!(sink.has("pcap-bad-block"), "{:?}", sink.issues);

    let mut ng = shb(None);
    ng.extend(idb(1, 6));
    ng.extend(epb(0, 1, &c.frames(0)[0].data));
    let mut bad = epb(0, 2, &c.frames(0)[1].data);
    bad[4..8].copy_from_slice(&7u32.to_le_bytes());
    ng.extend(bad);
    let (r, sink) = run(&ng, Format::PcapNg, &Limits::default());
    assert_eq!(r.unwrap().frames, 1);
    assert!(
        sink.has("pcap-bad-block") || sink.has("pcap-truncated"),
        "{:?}",
        sink.issues
    );
}

#[test]
fn non_http_stream_and_oversized_headers() {
    let mut tls = Conn::new("192.0.2.10:50006", "198.51.100.1:443", 1, 1);
    let noise: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    tls.handshake()
        .send(true, &noise, 1400)
        .send(false, &noise, 1400)
        .fin(true)
        .fin(false);
    let mut big = Conn::new("192.0.2.10:50007", "198.51.100.1:80", 1, 1);
    let mut req = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
    for i in 0..200 {
        req.extend(format!("X-Filler-{i}: {}\r\n", "v".repeat(40)).bytes());
    }
    req.extend(b"\r\n");
    req.extend(GET);
    big.handshake()
        .send(true, &req, 1400)
        .send(
            false,
            b"HTTP/1.1 431 Too Large\r\nContent-Length: 0\r\n\r\n",
            1400,
        )
        .send(false, OK, 1400);
    let mut frames = tls.frames(0);
    frames.extend(big.frames(1_000_000_000));
    let limits = Limits {
        http_header_bytes: 4096,
        ..Limits::default()
    };
    let (r, sink) = run(&pcap(1, &frames, false, false), Format::Pcap, &limits);
    r.unwrap();
    assert!(sink.has("http-unparsed-stream"), "{:?}", sink.issues);
    assert!(sink.has("http-header-too-large"), "{:?}", sink.issues);
    // the oversized request keeps its place: 431 answers it, 200 answers the next request
    assert_eq!(sink.exchanges.len(), 1, "{:?}", sink.exchanges);
    assert_eq!(
        sink.exchanges[0].response.as_ref().map(|r| r.status),
        Some(200)
    );
}

#[test]
fn half_open_flood_is_bounded() {
    let mut frames = Vec::new();
    for i in 0..5000u32 {
        let c = format!("192.0.2.{}:{}", i % 250, 1024 + i);
        let syn = Seg {
            src: c.parse().unwrap(),
            dst: "198.51.100.1:80".parse().unwrap(),
            seq: i,
            ack: 0,
            flags: SYN,
            payload: vec![],
        };
        frames.push(Rec::new(u64::from(i) * 1000, ethernet(&syn, &[])));
    }
    frames.extend(simple().frames(10_000_000));
    let limits = Limits {
        tcp_flows: 100,
        ..Limits::default()
    };
    let (r, sink) = run(&pcap(1, &frames, false, false), Format::Pcap, &limits);
    let s = r.unwrap();
    assert!(s.tcp.evicted >= 4900, "{:?}", s.tcp);
    assert!(sink.has("tcp-flow-evicted"));
    assert_eq!(sink.exchanges.len(), 1);
}

#[test]
fn out_of_order_cap_declares_a_gap() {
    let mut c = Conn::new("192.0.2.10:50008", "198.51.100.1:80", 10, 20);
    let mut resp = b"HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n".to_vec();
    resp.extend(vec![b'y'; 20000]);
    c.handshake()
        .send(true, GET, 1460)
        .send(false, &resp, 1000)
        .send(true, GET, 1460)
        .send(false, OK, 1460);
    // lose the first body segment entirely, nothing acknowledges past it
    c.segs.remove(5);
    let limits = Limits {
        tcp_out_of_order_bytes: 4000,
        ..Limits::default()
    };
    let (r, sink) = run(&pcap(1, &c.frames(0), false, false), Format::Pcap, &limits);
    let s = r.unwrap();
    assert!(s.tcp.overflows >= 1, "{:?}", s.tcp);
    assert!(sink.has("tcp-out-of-order-overflow"));
    assert_eq!(sink.exchanges.len(), 2, "{:?}", sink.issues);
}

#[test]
fn closed_connections_are_remembered_up_to_their_bound() {
    // Three connections open and close in turn; then the first one's request is sent again.
    // While its tombstone is kept the retransmission is absorbed; with room for one tombstone,
    // the two later closes forgot it and the late segment opens a connection of its own.
    let conn = |port: u16, start_ns: u64| {
        let mut c = Conn::new(&format!("192.0.2.10:{port}"), "198.51.100.1:80", 1000, 5000);
        c.handshake()
            .send(true, GET, 1460)
            .send(false, OK, 1460)
            .fin(true)
            .fin(false);
        c.frames(start_ns)
    };
    let first = conn(50000, 0);
    let request = first
        .iter()
        .max_by_key(|r| r.data.windows(3).any(|w| w == b"GET"))
        .expect("the request's frame")
        .data
        .clone();
    let mut frames = first;
    frames.extend(conn(50001, 1_000_000_000));
    frames.extend(conn(50002, 2_000_000_000));
    frames.push(Rec::new(3_000_000_000, request));
    let connections = |tcp_closed_flows| {
        let limits = Limits {
            tcp_closed_flows,
            ..Limits::default()
        };
        let (r, sink) = run(&pcap(1, &frames, false, false), Format::Pcap, &limits);
        (r.unwrap().tcp.connections, sink.exchanges.len())
    };
    assert_eq!(connections(16), (3, 3));
    // The late request, on a connection of its own, is an exchange without a response.
    assert_eq!(connections(1), (4, 4));
}
