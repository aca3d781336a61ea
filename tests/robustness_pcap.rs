//! Bad pcap and pcapng input is data: each case below is generated, read through the library,
//! and must end in exactly one named error for the input, or in issues with their id, count
//! and position while everything readable is still read. Nothing here may panic, and no cap
//! may be passed silently.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pcap_writer;

use corscope::capture::{self, CaptureError, Format};
use corscope::model::{FileIndex, FrameNumber, FrameRef, Issue, Limits, Position};
use pcap_writer::{epb, ethernet, idb, pcap, run, shb, Collect, Conn, Rec, Seg, SYN};

const GET: &[u8] = b"GET /v1/items HTTP/1.1\r\nHost: api.test\r\nOrigin: https://app.test\r\n\r\n";
const OK: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nAccess-Control-Allow-Origin: *\r\n\r\nok";

/// One complete exchange on `client` in 7 frames: handshake, request, response, FINs.
fn exchange(client: &str, req: &[u8], resp: &[u8]) -> Conn {
    let mut c = Conn::new(client, "10.0.0.2:80", 1000, 5000);
    c.handshake()
        .send(true, req, 1400)
        .send(false, resp, 1400)
        .fin(true)
        .fin(false);
    c
}

fn frames_of(conns: &[Conn]) -> Vec<Rec> {
    let mut recs = Vec::new();
    for (i, c) in conns.iter().enumerate() {
        recs.extend(c.frames(1_000_000_000 * (i as u64 + 1)));
    }
    recs
}

fn issues<'a>(sink: &'a Collect, id: &str) -> Vec<&'a Issue> {
    sink.issues.iter().filter(|i| i.id == id).collect()
}

#[test]
fn wrong_magic_is_not_recognised_and_says_what_it_starts_with() {
    let mut file = pcap(
        1,
        &frames_of(&[exchange("10.0.0.1:40000", GET, OK)]),
        false,
        false,
    );
    file[..4].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    let mut sink = Collect::default();
    let err = capture::read(
        Box::new(std::io::Cursor::new(file.clone())),
        &Limits::default(),
        &mut sink,
    )
    .unwrap_err();
    assert!(matches!(err, CaptureError::NotRecognised(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "not a HAR, pcap or pcapng file (starts with de ad be ef 02 00 04 00)"
    );
    assert!(sink.exchanges.is_empty() && sink.issues.is_empty());

    // Forced through the pcap reader, the same bytes are a malformed header at offset 0.
    let (r, sink) = run(&file, Format::Pcap, &Limits::default());
    match r {
        Err(CaptureError::Malformed { at, message }) => {
            assert_eq!(at, Position::offset(0));
            assert!(
                message.starts_with("invalid capture file header"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(sink.exchanges.is_empty() && sink.issues.is_empty());
}

#[test]
fn truncated_global_header_is_an_error_at_offset_0() {
    let file = pcap(1, &[], false, false);
    for cut in [4, 10, 23] {
        let (r, sink) = run(&file[..cut], Format::Pcap, &Limits::default());
        match r {
            Err(CaptureError::Malformed { at, message }) => {
                assert_eq!(at, Position::offset(0), "cut at {cut}");
                assert_eq!(message, "capture file header truncated", "cut at {cut}");
            }
            other => panic!("cut at {cut}: {other:?}"),
        }
        assert!(sink.issues.is_empty());
    }
    // A header alone is a valid, empty capture.
    let (r, sink) = run(&file, Format::Pcap, &Limits::default());
    assert_eq!(r.unwrap().frames, 0);
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
}

#[test]
fn record_longer_than_the_rest_of_the_file_keeps_the_frames_before() {
    let recs = frames_of(&[exchange("10.0.0.1:40000", GET, OK)]);
    let mut file = pcap(1, &recs, false, false);
    // Append a record header claiming 4000 bytes, followed by only 10.
    let start = file.len() as u64;
    for v in [9u32, 0, 4000, 4000] {
        file.extend_from_slice(&v.to_le_bytes());
    }
    file.extend_from_slice(&[0; 10]);
    let (r, sink) = run(&file, Format::Pcap, &Limits::default());
    assert_eq!(r.unwrap().frames, 7);
    assert_eq!(sink.exchanges.len(), 1, "{:?}", sink.issues);
    let t = issues(&sink, "pcap-truncated");
    assert_eq!(t.len(), 1, "{:?}", sink.issues);
    assert_eq!(t[0].at, Some(Position::offset(start)));
    assert_eq!(
        t[0].message,
        format!("file ends inside a record at byte offset {start}; 7 frames read")
    );
}

#[test]
fn record_longer_than_the_snap_length_is_read_and_cut_frames_are_counted() {
    // The global header says snaplen 262144; pcap_writer cannot lower it, so patch it to 64.
    let recs = frames_of(&[exchange("10.0.0.1:40000", GET, OK)]);
    let mut file = pcap(1, &recs, false, false);
    file[16..20].copy_from_slice(&64u32.to_le_bytes());
    let (r, sink) = run(&file, Format::Pcap, &Limits::default());
    // Records over the declared snap length are still read as they are.
    assert_eq!(r.unwrap().frames, 7);
    assert_eq!(sink.exchanges.len(), 1, "{:?}", sink.issues);

    // Frames captured shorter than they were sent are counted once, from the first such frame.
    let mut recs = frames_of(&[exchange("10.0.0.1:40000", GET, OK)]);
    for r in &mut recs {
        r.orig_len = r.data.len() as u32 + 100;
    }
    let (r, sink) = run(
        &pcap(1, &recs, false, false),
        Format::Pcap,
        &Limits::default(),
    );
    assert_eq!(r.unwrap().frames, 7);
    let s = issues(&sink, "pcap-snaplen-truncated");
    assert_eq!(s.len(), 1, "{:?}", sink.issues);
    assert_eq!(
        s[0].at,
        Some(Position::Frame(FrameRef::new(FileIndex(0), FrameNumber(1))))
    );
    assert_eq!(
        s[0].message,
        "7 frames were captured shorter than sent (snapshot length)"
    );
}

#[test]
fn record_over_the_packet_cap_stops_with_a_bad_block_at_its_offset() {
    let small = exchange("10.0.0.1:40000", GET, OK);
    let mut recs = small.frames(1_000_000_000);
    let big_at = 24 + recs.iter().map(|r| 16 + r.data.len() as u64).sum::<u64>();
    recs.push(Rec::new(2_000_000_000, vec![0; 300_000]));
    recs.extend(exchange("10.0.0.1:40001", GET, OK).frames(3_000_000_000));
    let limits = Limits {
        packet_bytes: 100_000,
        ..Limits::default()
    };
    let (r, sink) = run(&pcap(1, &recs, false, false), Format::Pcap, &limits);
    assert_eq!(r.unwrap().frames, 7);
    assert_eq!(sink.exchanges.len(), 1);
    let b = issues(&sink, "pcap-bad-block");
    assert_eq!(b.len(), 1, "{:?}", sink.issues);
    assert_eq!(b[0].at, Some(Position::offset(big_at)));
    assert_eq!(
        b[0].message,
        "record larger than 100000 bytes at the packet size limit"
    );
}

#[test]
fn pcapng_block_with_a_bad_length_stops_with_a_bad_block_at_its_offset() {
    let c = exchange("10.0.0.1:40000", GET, OK);
    let mut file = shb(Some("test"));
    file.extend(idb(1, 6));
    let frames = c.frames(0);
    for r in &frames[..3] {
        file.extend(epb(0, r.ts_ns / 1000, &r.data));
    }
    let bad_at = file.len();
    let mut bad = epb(0, 5, &frames[3].data);
    // Block total length 13: not a multiple of 4 and shorter than any packet block.
    bad[4..8].copy_from_slice(&13u32.to_le_bytes());
    file.extend(bad);
    for r in &frames[4..] {
        file.extend(epb(0, r.ts_ns / 1000, &r.data));
    }
    let (r, sink) = run(&file, Format::PcapNg, &Limits::default());
    assert_eq!(r.unwrap().frames, 3);
    assert!(sink.exchanges.is_empty(), "{:?}", sink.exchanges);
    let b = issues(&sink, "pcap-bad-block");
    assert_eq!(b.len(), 1, "{:?}", sink.issues);
    assert_eq!(b[0].at, Some(Position::offset(bad_at as u64)));
    assert!(
        b[0].message
            .starts_with(&format!("unreadable record at byte offset {bad_at} (")),
        "{}",
        b[0].message
    );
}

#[test]
fn tcp_streams_that_are_not_http_are_reported_and_the_http_one_is_read() {
    let client_hello = {
        let mut h = vec![
            0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03,
        ];
        h.extend((0..=255u8).cycle().take(200));
        h
    };
    let mut noise = Vec::new();
    let mut x = 0x2545_f491u32;
    for _ in 0..3000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise.push(x as u8);
    }
    let conns = [
        exchange(
            "10.0.0.1:40000",
            &client_hello,
            b"\x15\x03\x03\x00\x02\x02\x28",
        ),
        exchange("10.0.0.1:40001", &noise, &noise[..500]),
        exchange("10.0.0.1:40002", GET, OK),
    ];
    let (r, sink) = run(
        &pcap(1, &frames_of(&conns), false, false),
        Format::Pcap,
        &Limits::default(),
    );
    let s = r.unwrap();
    assert_eq!(s.frames, 23);
    assert_eq!(sink.exchanges.len(), 1, "{:?}", sink.issues);
    assert_eq!(sink.exchanges[0].request.url, "http://api.test/v1/items");
    let u = issues(&sink, "http-unparsed-stream");
    // One per direction of the connection that is neither HTTP nor TLS.
    assert_eq!(u.len(), 2, "{:?}", sink.issues);
    // The TLS one is counted for its server, from the frame of its ClientHello.
    let tls = issues(&sink, "tls-not-decrypted");
    assert_eq!(tls.len(), 1, "{:?}", sink.issues);
    assert_eq!(
        tls[0].message,
        "1 TLS connection to 10.0.0.2:80 not decrypted: encrypted traffic is not read"
    );
    assert_eq!(
        tls[0].at,
        Some(Position::Frame(FrameRef::new(FileIndex(0), FrameNumber(4))))
    );
    assert_eq!(s.tls.connections, 1);
    for i in &u {
        assert!(
            matches!(
                i.at,
                Some(Position::Stream { .. }) | Some(Position::Frame(_))
            ),
            "{i:?}"
        );
    }
    assert_eq!(s.http.requests, 1);
}

#[test]
fn a_one_megabyte_header_is_capped_and_reported_and_the_next_exchange_is_read() {
    let mut huge = b"GET /big HTTP/1.1\r\nHost: api.test\r\nX-Big: ".to_vec();
    huge.resize(huge.len() + (1 << 20), b'a');
    huge.extend_from_slice(b"\r\n\r\n");
    let conns = [
        exchange("10.0.0.1:40000", &huge, OK),
        exchange("10.0.0.1:40001", GET, OK),
    ];
    let (r, sink) = run(
        &pcap(1, &frames_of(&conns), false, false),
        Format::Pcap,
        &Limits::default(),
    );
    r.unwrap();
    let t = issues(&sink, "http-header-too-large");
    assert_eq!(t.len(), 1, "{:?}", sink.issues);
    assert!(
        matches!(t[0].at, Some(Position::Stream { offset: 0, .. })),
        "{:?}",
        t[0]
    );
    assert!(
        sink.exchanges
            .iter()
            .any(|e| e.request.url == "http://api.test/v1/items" && e.response.is_some()),
        "{:?}",
        sink.exchanges
    );
    assert!(sink
        .exchanges
        .iter()
        .all(|e| !e.request.url.ends_with("/big")));
}

#[test]
fn a_flood_of_half_open_flows_is_bounded_by_the_flow_cap_and_counted() {
    const SYNS: u32 = 200_000;
    let server = "10.0.0.2:80".parse().unwrap();
    let mut recs = Vec::with_capacity(SYNS as usize + 7);
    for i in 0..SYNS {
        let src = std::net::SocketAddr::from((
            [10, 1, (i >> 16) as u8, (i >> 8) as u8],
            (i as u16) | 1024,
        ));
        let seg = Seg {
            src,
            dst: server,
            seq: i,
            ack: 0,
            flags: SYN,
            payload: Vec::new(),
        };
        recs.push(Rec::new(
            1_000_000_000 + u64::from(i) * 1000,
            ethernet(&seg, &[]),
        ));
    }
    recs.extend(exchange("10.0.0.1:40000", GET, OK).frames(2_000_000_000));
    let limits = Limits {
        tcp_flows: 1000,
        ..Limits::default()
    };
    let (r, sink) = run(&pcap(1, &recs, false, false), Format::Pcap, &limits);
    let s = r.unwrap();
    assert_eq!(s.frames, u64::from(SYNS) + 7);
    // Every flow beyond the cap evicted one: the 200 000 SYN flows and the one real
    // connection need 200 001 slots, 1 000 are kept.
    assert_eq!(s.tcp.evicted, u64::from(SYNS) + 1 - 1000, "{:?}", s.tcp);
    let e = issues(&sink, "tcp-flow-evicted");
    assert_eq!(e.len(), 1, "{:?}", sink.issues);
    assert_eq!(
        e[0].message,
        format!(
            "{} connections dropped: more than the flow limit at once",
            s.tcp.evicted
        )
    );
    assert_eq!(sink.exchanges.len(), 1, "{:?}", sink.issues);
}
