//! QUIC in a capture is counted per server as not decrypted, not as frames without TCP; other
//! UDP stays "net-not-tcp".

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pcap_writer;

use corscope::capture::pcap::ISSUE_NOT_TCP;
use corscope::capture::quic::ISSUE_QUIC_NOT_DECRYPTED;
use corscope::capture::Format;
use corscope::model::{FileIndex, FrameNumber, FrameRef, Limits, Position};
use etherparse::PacketBuilder;
use pcap_writer::{pcap, run, Rec};

fn udp(src: ([u8; 4], u16), dst: ([u8; 4], u16), payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(src.0, dst.0, 64)
        .udp(src.1, dst.1)
        .write(&mut out, payload)
        .unwrap();
    out
}

#[test]
fn quic_connections_are_counted_per_server() {
    let c1 = ([10, 0, 0, 1], 50000);
    let c2 = ([10, 0, 0, 1], 50001);
    let s = ([142, 250, 1, 1], 443);
    let frames = [
        udp(c1, s, &[0xc3, 0, 0, 0, 1, 8]),    // Initial
        udp(s, c1, &[0xe1, 0, 0, 0, 1, 8]),    // Handshake
        udp(c1, s, &[0x41, 9, 9]),             // 1-RTT
        udp(c2, s, &[0xc0, 0, 0, 0, 1, 8]),    // a second connection
        udp(c1, ([8, 8, 8, 8], 53), &[0; 12]), // DNS
    ];
    let recs: Vec<Rec> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| Rec::new(1_700_000_000_000_000_000 + i as u64 * 1000, f.clone()))
        .collect();
    let bytes = pcap(1, &recs, false, false);
    let (r, sink) = run(&bytes, Format::Pcap, &Limits::default());
    r.unwrap();
    let quic: Vec<_> = sink
        .issues
        .iter()
        .filter(|i| i.id == ISSUE_QUIC_NOT_DECRYPTED)
        .collect();
    assert_eq!(quic.len(), 1, "{:?}", sink.issues);
    assert_eq!(quic[0].count, 2);
    assert_eq!(
        quic[0].message,
        "2 HTTP/3 (QUIC) connections to 142.250.1.1:443 not decrypted: QUIC is not read"
    );
    assert_eq!(
        quic[0].at,
        Some(Position::Frame(FrameRef::new(FileIndex(0), FrameNumber(1))))
    );
    let not_tcp: Vec<_> = sink
        .issues
        .iter()
        .filter(|i| i.id == ISSUE_NOT_TCP)
        .collect();
    assert_eq!(not_tcp.len(), 1);
    assert_eq!(not_tcp[0].message, "1 frames without TCP skipped");
    assert_eq!(
        not_tcp[0].at,
        Some(Position::Frame(FrameRef::new(FileIndex(0), FrameNumber(5))))
    );
}
