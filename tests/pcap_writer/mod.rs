//! Builds synthetic captures for tests: Ethernet / IPv4 / IPv6 / TCP frames by hand, legacy
//! pcap (either byte order) and pcapng files, and a sink that keeps what it receives.

#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};

use corscope::capture::pcap::{read, PcapSummary};
use corscope::capture::{CaptureError, Format, Sink};
use corscope::model::{Exchange, Issue, Limits};

/// Keeps everything.
#[derive(Default)]
pub struct Collect {
    pub exchanges: Vec<Exchange>,
    pub issues: Vec<Issue>,
}

impl Sink for Collect {
    fn exchange(&mut self, e: Exchange) {
        self.exchanges.push(e);
    }
    fn issue(&mut self, i: Issue) {
        self.issues.push(i);
    }
}

impl Collect {
    pub fn issue_ids(&self) -> Vec<&'static str> {
        self.issues.iter().map(|i| i.id).collect()
    }
    pub fn has(&self, id: &str) -> bool {
        self.issues.iter().any(|i| i.id == id)
    }
}

/// Reads `bytes` of `format` with `limits`.
pub fn run(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> (Result<PcapSummary, CaptureError>, Collect) {
    let mut sink = Collect::default();
    let mut input = bytes;
    let r = read(&mut input, format, limits, &mut sink);
    (r, sink)
}

pub const SYN: u8 = 0x02;
pub const ACK: u8 = 0x10;
pub const FIN: u8 = 0x01;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;

/// One TCP segment to put in a frame.
#[derive(Clone, Debug)]
pub struct Seg {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub payload: Vec<u8>,
}

pub fn tcp_bytes(s: &Seg) -> Vec<u8> {
    let mut t = Vec::with_capacity(20 + s.payload.len());
    t.extend_from_slice(&s.src.port().to_be_bytes());
    t.extend_from_slice(&s.dst.port().to_be_bytes());
    t.extend_from_slice(&s.seq.to_be_bytes());
    t.extend_from_slice(&s.ack.to_be_bytes());
    t.push(5 << 4);
    t.push(s.flags);
    t.extend_from_slice(&65535u16.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 0]);
    t.extend_from_slice(&s.payload);
    t
}

/// The IP packet (v4 or v6 after the addresses) carrying a TCP segment.
pub fn ip_bytes(s: &Seg) -> Vec<u8> {
    let tcp = tcp_bytes(s);
    let mut p = Vec::new();
    match (s.src.ip(), s.dst.ip()) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            p.extend_from_slice(&[0x45, 0]);
            p.extend_from_slice(&((20 + tcp.len()) as u16).to_be_bytes());
            p.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
            p.extend_from_slice(&a.octets());
            p.extend_from_slice(&b.octets());
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            p.extend_from_slice(&[0x60, 0, 0, 0]);
            p.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
            p.extend_from_slice(&[6, 64]);
            p.extend_from_slice(&a.octets());
            p.extend_from_slice(&b.octets());
        }
        _ => panic!("mixed address families"),
    }
    p.extend_from_slice(&tcp);
    p
}

/// An Ethernet frame, with 802.1Q tags when `vlans` is not empty.
pub fn ethernet(s: &Seg, vlans: &[u16]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    for v in vlans {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&v.to_be_bytes());
    }
    let et: u16 = if s.src.is_ipv4() { 0x0800 } else { 0x86dd };
    f.extend_from_slice(&et.to_be_bytes());
    f.extend_from_slice(&ip_bytes(s));
    f
}

/// One frame of a capture.
#[derive(Clone, Debug)]
pub struct Rec {
    pub ts_ns: u64,
    pub data: Vec<u8>,
    pub orig_len: u32,
}

impl Rec {
    pub fn new(ts_ns: u64, data: Vec<u8>) -> Self {
        let orig_len = data.len() as u32;
        Rec {
            ts_ns,
            data,
            orig_len,
        }
    }
}

/// A legacy pcap file: little- or big-endian, micro- or nanosecond.
pub fn pcap(linktype: u32, recs: &[Rec], big_endian: bool, nanos: bool) -> Vec<u8> {
    let w32 = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let w16 = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut out = Vec::new();
    out.extend_from_slice(&w32(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }));
    out.extend_from_slice(&w16(2));
    out.extend_from_slice(&w16(4));
    out.extend_from_slice(&w32(0));
    out.extend_from_slice(&w32(0));
    out.extend_from_slice(&w32(262_144));
    out.extend_from_slice(&w32(linktype));
    for r in recs {
        let secs = (r.ts_ns / 1_000_000_000) as u32;
        let frac = (r.ts_ns % 1_000_000_000) as u32;
        out.extend_from_slice(&w32(secs));
        out.extend_from_slice(&w32(if nanos { frac } else { frac / 1000 }));
        out.extend_from_slice(&w32(r.data.len() as u32));
        out.extend_from_slice(&w32(r.orig_len));
        out.extend_from_slice(&r.data);
    }
    out
}

fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    while !body.len().is_multiple_of(4) {
        body.push(0);
    }
    let len = (12 + body.len()) as u32;
    let mut b = Vec::new();
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(&body);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

/// A pcapng section header block (little-endian), with `shb_userappl` when given.
pub fn shb(userappl: Option<&str>) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    if let Some(app) = userappl {
        body.extend_from_slice(&4u16.to_le_bytes());
        body.extend_from_slice(&(app.len() as u16).to_le_bytes());
        body.extend_from_slice(app.as_bytes());
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        body.extend_from_slice(&[0, 0, 0, 0]);
    }
    block(0x0a0d_0d0a, &body)
}

/// A pcapng interface description block with an `if_tsresol` option.
pub fn idb(linktype: u16, tsresol: u8) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&linktype.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&262_144u32.to_le_bytes());
    body.extend_from_slice(&9u16.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&[tsresol, 0, 0, 0]);
    body.extend_from_slice(&[0, 0, 0, 0]);
    block(1, &body)
}

/// A pcapng enhanced packet block; `ts` in units of the interface's resolution.
pub fn epb(if_id: u32, ts: u64, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&if_id.to_le_bytes());
    body.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(ts as u32).to_le_bytes());
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    block(6, &body)
}

/// Both directions of one TCP connection, with sequence numbers kept for each side.
pub struct Conn {
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub cseq: u32,
    pub sseq: u32,
    pub segs: Vec<Seg>,
}

impl Conn {
    pub fn new(client: &str, server: &str, cisn: u32, sisn: u32) -> Self {
        Conn {
            client: client.parse().expect("client address"),
            server: server.parse().expect("server address"),
            cseq: cisn,
            sseq: sisn,
            segs: Vec::new(),
        }
    }

    /// SYN, SYN-ACK, ACK.
    pub fn handshake(&mut self) -> &mut Self {
        self.push(true, SYN, Vec::new());
        self.cseq = self.cseq.wrapping_add(1);
        self.push(false, SYN | ACK, Vec::new());
        self.sseq = self.sseq.wrapping_add(1);
        self.push(true, ACK, Vec::new())
    }

    fn push(&mut self, from_client: bool, flags: u8, payload: Vec<u8>) -> &mut Self {
        let (src, dst, seq, ack) = if from_client {
            (self.client, self.server, self.cseq, self.sseq)
        } else {
            (self.server, self.client, self.sseq, self.cseq)
        };
        self.segs.push(Seg {
            src,
            dst,
            seq,
            ack,
            flags,
            payload,
        });
        self
    }

    /// Data from one side, cut into segments of at most `mss` bytes.
    pub fn send(&mut self, from_client: bool, data: &[u8], mss: usize) -> &mut Self {
        for chunk in data.chunks(mss.max(1)) {
            self.push(from_client, ACK | PSH, chunk.to_vec());
            if from_client {
                self.cseq = self.cseq.wrapping_add(chunk.len() as u32);
            } else {
                self.sseq = self.sseq.wrapping_add(chunk.len() as u32);
            }
        }
        self
    }

    /// FIN from one side.
    pub fn fin(&mut self, from_client: bool) -> &mut Self {
        self.push(from_client, FIN | ACK, Vec::new());
        if from_client {
            self.cseq = self.cseq.wrapping_add(1);
        } else {
            self.sseq = self.sseq.wrapping_add(1);
        }
        self
    }

    /// RST from one side.
    pub fn rst(&mut self, from_client: bool) -> &mut Self {
        self.push(from_client, RST | ACK, Vec::new())
    }

    /// Frames on Ethernet, one millisecond apart from `start_ns`.
    pub fn frames(&self, start_ns: u64) -> Vec<Rec> {
        self.segs
            .iter()
            .enumerate()
            .map(|(i, s)| Rec::new(start_ns + i as u64 * 1_000_000, ethernet(s, &[])))
            .collect()
    }
}
