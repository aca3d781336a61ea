//! Bytes → TCP segments of up to three connections in a valid legacy pcap, so that fuzzing
//! reaches the flow table, the reassembler and the HTTP/1 framer instead of stopping at the
//! file header. Each step takes an opcode byte:
//!
//! - bits 0-1: connection (three of them; a fourth value opens a new client port);
//! - bit 2: direction (set: server to client);
//! - bits 3-5: what: 0-1 raw payload (next byte is its length), 2-3 a canned HTTP fragment,
//!   4 SYN (or SYN-ACK), 5 FIN, 6 RST, 7 a lost segment (sequence advances, nothing sent);
//! - bit 6: the segment is sent again (a retransmission);
//! - bit 7: a minute passes before it (idle timeouts).

use std::net::SocketAddr;

use corscope::capture::Format;
use corscope::model::Limits;

use super::pcap_writer::{ethernet, pcap, Rec, Seg, ACK, FIN, PSH, RST, SYN};
use super::{run_pcap, small_limits};

const CANNED: [&[u8]; 12] = [
    b"GET /a HTTP/1.1\r\nHost: api.test\r\nOrigin: https://app.test\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nAccess-Control-Allow-Origin: *\r\n\r\nok",
    b"OPTIONS /a HTTP/1.1\r\nHost: api.test\r\nOrigin: https://app.test\r\nAccess-Control-Request-Method: PUT\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Methods: PUT\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"POST /b HTTP/1.1\r\nHost: api.test\r\nContent-Length: 4\r\n\r\nbody",
    b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.0 302 Found\r\nLocation: http://x.test/\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    b"\r\n",
    b"X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
];

struct Side {
    addr: SocketAddr,
    seq: u32,
}

/// Turns `data` into a capture and reads it with default and small limits.
pub fn tcp_stream(data: &[u8]) {
    let capture = capture_of(data);
    for limits in [Limits::default(), small_limits()] {
        let _ = run_pcap(&capture, Format::Pcap, &limits);
    }
}

/// The legacy pcap that `data` describes.
pub fn capture_of(data: &[u8]) -> Vec<u8> {
    let server: SocketAddr = "10.0.0.2:80".parse().unwrap();
    let mut conns: Vec<[Side; 2]> = (0..3u16)
        .map(|k| {
            [
                Side {
                    addr: SocketAddr::from(([10, 0, 0, 1], 40000 + k)),
                    seq: 1000 * u32::from(k),
                },
                Side {
                    addr: server,
                    seq: 0xffff_ff00u32.wrapping_add(u32::from(k)),
                },
            ]
        })
        .collect();
    let mut next_port = 41000u16;
    let mut recs = Vec::new();
    let mut ts = 1_000_000_000u64;
    let mut bytes = data.iter().copied();
    while let Some(op) = bytes.next() {
        let mut c = usize::from(op & 3);
        if c == 3 {
            next_port = next_port.wrapping_add(1);
            conns[0][0].addr.set_port(next_port);
            c = 0;
        }
        let dir = usize::from(op >> 2 & 1);
        ts += if op & 0x80 != 0 {
            60_000_000_000
        } else {
            1_000_000
        };
        let (flags, payload): (u8, Vec<u8>) = match op >> 3 & 7 {
            0 | 1 => {
                let len = usize::from(bytes.next().unwrap_or(0));
                (ACK | PSH, bytes.by_ref().take(len).collect())
            }
            2 | 3 => {
                let pick = usize::from(bytes.next().unwrap_or(0));
                (ACK | PSH, CANNED[pick % CANNED.len()].to_vec())
            }
            4 => (if dir == 0 { SYN } else { SYN | ACK }, Vec::new()),
            5 => (FIN | ACK, Vec::new()),
            6 => (RST | ACK, Vec::new()),
            _ => {
                let lost = u32::from(bytes.next().unwrap_or(1));
                let s = &mut conns[c][dir];
                s.seq = s.seq.wrapping_add(lost);
                continue;
            }
        };
        let (src, dst) = (&conns[c][dir], &conns[c][1 - dir]);
        let seg = Seg {
            src: src.addr,
            dst: dst.addr,
            seq: src.seq,
            ack: dst.seq,
            flags,
            payload,
        };
        let used = seg.payload.len() as u32 + u32::from(flags & (SYN | FIN) != 0);
        conns[c][dir].seq = conns[c][dir].seq.wrapping_add(used);
        let frame = ethernet(&seg, &[]);
        if op & 0x40 != 0 {
            recs.push(Rec::new(ts, frame.clone()));
        }
        recs.push(Rec::new(ts, frame));
    }
    pcap(1, &recs, false, false)
}
