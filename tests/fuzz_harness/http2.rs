//! Bytes → the HTTP/2 frame layer and HPACK decoder. The first byte picks the mode:
//!
//! - below 0x80: one HTTP/2 connection in a valid capture. Bytes 1-2 (big-endian) are the
//!   length of the client's bytes, which follow (after the connection preface unless bit 0 of
//!   the mode is set); the rest are the server's. Both are cut into segments of `mode % 29 + 1`
//!   bytes. The pcap invariants hold and every exchange is an h2 one.
//! - from 0x80: a sequence of header blocks (each a length byte, then the block) decoded in
//!   order by one decoder, against `loona-hpack`'s decoder fed the same blocks: whenever it
//!   decodes a block, ours yields the same fields, and the reverse, except where the two
//!   readings of RFC 7541 §4.2 differ (a size update after a field, a block of nothing but size
//!   updates). After the first error neither decoder is used again, as in a connection.

use std::net::SocketAddr;

use corscope::capture::http2::hpack::{Decoder, HpackError};
use corscope::capture::Format;
use corscope::model::Limits;

use super::pcap_writer::{ethernet, pcap, Rec, Seg, ACK, PSH, SYN};
use super::{run_pcap, small_limits};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const TABLE_LIMIT: usize = 65536;

/// Runs `data` as described in the module documentation.
pub fn http2(data: &[u8]) {
    match data.first() {
        Some(&mode) if mode < 0x80 => connection(mode, data.get(1..).unwrap_or_default()),
        Some(_) => hpack(data.get(1..).unwrap_or_default()),
        None => {}
    }
}

/// The capture that connection mode builds from `data` (mode byte first).
pub fn http2_capture(data: &[u8]) -> Vec<u8> {
    let mode = data.first().copied().unwrap_or(0);
    let rest = data.get(1..).unwrap_or_default();
    let len = match rest {
        [a, b, ..] => usize::from(u16::from_be_bytes([*a, *b])),
        _ => 0,
    };
    let body = rest.get(2..).unwrap_or_default();
    let (c, s) = body.split_at(len.min(body.len()));
    let mut client = if mode & 1 == 0 {
        PREFACE.to_vec()
    } else {
        Vec::new()
    };
    client.extend_from_slice(c);
    capture(&client, s, usize::from(mode % 29) + 1)
}

fn connection(mode: u8, rest: &[u8]) {
    let capture = http2_capture(&[&[mode][..], rest].concat());
    for limits in [Limits::default(), small_limits()] {
        let (r, sink) = run_pcap(&capture, Format::Pcap, &limits);
        let summary = r.expect("a valid capture");
        if mode & 1 != 0 {
            // Without the preface the bytes may be anything, HTTP/1 included.
            continue;
        }
        for e in sink.exchanges() {
            let version = e.response.as_ref().and_then(|r| r.http_version.as_deref());
            assert!(
                version.is_none_or(|v| v == "h2"),
                "{version:?} on an h2 connection"
            );
        }
        assert_eq!(summary.http.requests, 0, "{summary:?}");
    }
}

/// One connection: handshake, the client's bytes, then the server's, in `mss`-byte segments.
fn capture(client: &[u8], server: &[u8], mss: usize) -> Vec<u8> {
    let c: SocketAddr = "10.0.0.1:40000".parse().unwrap();
    let s: SocketAddr = "10.0.0.2:8080".parse().unwrap();
    let (mut cseq, mut sseq) = (1000u32, 5000u32);
    let mut recs = Vec::new();
    let mut ts = 1_000_000_000u64;
    let mut push = |src, dst, seq, ack, flags, payload: &[u8]| {
        ts += 1_000_000;
        let seg = Seg {
            src,
            dst,
            seq,
            ack,
            flags,
            payload: payload.to_vec(),
        };
        recs.push(Rec::new(ts, ethernet(&seg, &[])));
    };
    push(c, s, cseq, 0, SYN, &[]);
    push(s, c, sseq, cseq + 1, SYN | ACK, &[]);
    cseq += 1;
    sseq += 1;
    for piece in client.chunks(mss) {
        push(c, s, cseq, sseq, ACK | PSH, piece);
        cseq = cseq.wrapping_add(piece.len() as u32);
    }
    for piece in server.chunks(mss) {
        push(s, c, sseq, cseq, ACK | PSH, piece);
        sseq = sseq.wrapping_add(piece.len() as u32);
    }
    pcap(1, &recs, false, false)
}

fn hpack(mut rest: &[u8]) {
    let mut ours = Decoder::new(TABLE_LIMIT);
    let mut theirs = loona_hpack::Decoder::new();
    theirs.set_max_allowed_table_size(TABLE_LIMIT);
    while let Some((&len, tail)) = rest.split_first() {
        let (block, tail) = tail.split_at(usize::from(len).min(tail.len()));
        rest = tail;
        let mut a = Vec::new();
        let ra = ours.decode(block, &mut |n, v| a.push((n.to_vec(), v.to_vec())));
        let mut b = Vec::new();
        let rb = theirs.decode_with_cb(block, |n, v| b.push((n.to_vec(), v.to_vec())));
        match (ra, rb) {
            (Ok(()), Ok(())) => assert_eq!(a, b, "block {block:?}"),
            (Err(HpackError::SizeUpdateAfterField), Ok(())) => return,
            (Ok(()), Err(loona_hpack::decoder::DecoderError::SizeUpdateAtEnd)) => {
                assert!(
                    a.is_empty(),
                    "block {block:?} ends in a size update after fields"
                );
                return;
            }
            (Err(_), Err(_)) => return,
            (ra, rb) => panic!("block {block:?}: ours {ra:?}, loona-hpack {rb:?}"),
        }
        assert!(ours.table().size() <= ours.table().max());
    }
}
