//! A deterministic generator of encrypted browser captures for benchmarks: the CORS traffic
//! of `capture_gen`'s planner carried over HTTP/2 inside TLS 1.3 (AES-128-GCM, some
//! ChaCha20-Poly1305), one TCP connection per origin visit, written as a legacy pcap with its
//! NSS key log beside it (the four traffic secrets of every connection, as Chromium's
//! `--ssl-key-log-file` writes them).
//!
//! Output is byte-identical for a given (`VERSION`, seed, size): the only randomness is the
//! seeded [`Rng`]. Memory is bounded by the connections in flight times their largest message.
//! Shared by `examples/gen_tls_capture.rs` (which includes `capture_gen` beside it) and the
//! benches. Written here rather than taken from a crate: no crate writes TLS captures with a
//! key log and a known CORS ground truth.

pub mod h2;
pub mod records;

use std::collections::VecDeque;
use std::io::{self, Write};

use loona_hpack::Encoder;

use crate::capture_gen::pcap_file::Writer;
use crate::capture_gen::rng::Rng;
use crate::capture_gen::scenario::{Call, Host, Planner, HOSTS, ORIGINS};
use crate::capture_gen::tcp::{Endpoint, Flow, Ip, ACK, FIN, MSS, PSH, SYN};
use crate::capture_gen::{Config, Format, Truth};
use records::{content, Sealer};

/// Generator version: bump when the output for a given seed changes.
pub const VERSION: u32 = 1;
/// Connections open at once in a large capture.
const CONCURRENCY: usize = 160;
/// Start of the capture: 2024-05-14T10:21:07Z, in nanoseconds.
const START_NS: u64 = 1_715_682_067_000_000_000;

struct Message {
    dir: usize,
    bytes: Vec<u8>,
    at: usize,
}

struct Conn {
    flow: Flow,
    host: Host,
    /// `:authority` of the connection's requests.
    authority: String,
    page: &'static str,
    opened: bool,
    seq: [u32; 2],
    queue: VecDeque<Message>,
    actions_left: u32,
    /// Client and server application-data sealers.
    sealers: [Sealer; 2],
    /// Client and server HPACK encoders.
    hpack: [Encoder<'static>; 2],
    stream: u32,
    record_max: usize,
}

/// Writes a capture of about `cfg.size` bytes to `out` and its key log to `keylog`; returns
/// the ground truth (requests and responses are counted as in `capture_gen`).
pub fn generate<W: Write, K: Write>(
    cfg: &Config,
    out: &mut W,
    keylog: &mut K,
) -> io::Result<Truth> {
    let mut rng = Rng::new(cfg.seed);
    let mut planner = Planner::new("https", cfg.mix, &mut rng);
    let mut truth = Truth::new(&Config {
        format: Format::Pcap,
        ..*cfg
    });
    truth.generator = format!("corscope gen_tls_capture {VERSION}");
    truth.format = "pcap (TLS 1.3, HTTP/2)".into();
    let mut w = Writer::new(out, false, START_NS, &mut truth);
    w.header()?;
    let concurrency = ((cfg.size / 400_000) as usize).clamp(4, CONCURRENCY);
    let mut active: Vec<Conn> = Vec::with_capacity(concurrency);
    let mut next_conn = 0u64;
    let mut calls = Vec::new();
    let mut keys = String::new();
    loop {
        let stopping = w.truth.bytes >= cfg.size;
        while !stopping && active.len() < concurrency {
            active.push(open(&mut rng, next_conn, &mut keys, w.truth));
            next_conn += 1;
            keylog.write_all(keys.as_bytes())?;
            keys.clear();
        }
        if active.is_empty() {
            break;
        }
        let i = rng.below(active.len() as u64) as usize;
        if stopping {
            active[i].actions_left = 0;
        }
        if step(&mut active[i], &mut rng, &mut planner, &mut calls, &mut w)? {
            active.swap_remove(i);
        }
    }
    w.out.flush()?;
    keylog.flush()?;
    Ok(truth)
}

fn secret(rng: &mut Rng) -> [u8; 32] {
    let mut s = [0u8; 32];
    for c in s.chunks_mut(8) {
        c.copy_from_slice(&rng.next_u64().to_be_bytes());
    }
    s
}

/// Opens connection `n`: TCP handshake, TLS 1.3 handshake and the HTTP/2 prefaces queued; its
/// key log lines appended to `keys`.
fn open(rng: &mut Rng, n: u64, keys: &mut String, truth: &mut Truth) -> Conn {
    let host = *rng.pick(&HOSTS);
    // A host on a port of its own is served over TLS on 8443 (where tshark expects TLS).
    let (name, port) = match host.authority.split_once(':') {
        Some((name, _)) => (name, 8443),
        None => (host.authority, 443),
    };
    let authority = if port == 443 {
        name.to_owned()
    } else {
        format!("{name}:{port}")
    };
    let client_end = Endpoint {
        mac: [0x02, 0, 0, (n >> 16) as u8, (n >> 8) as u8, n as u8],
        ip: Ip::V4([198, 51, 100, 1 + (n % 250) as u8]),
        port: 32768 + ((n / 250) % 28_000) as u16,
    };
    let server_end = Endpoint {
        mac: [0x02, 0, 0, 0x01, 0, host.index],
        ip: Ip::V4([203, 0, 113, host.index]),
        port,
    };
    truth.pcap.connections += 1;
    let suite = if rng.chance(0.15) {
        records::TLS_CHACHA20_POLY1305_SHA256
    } else {
        records::TLS_AES_128_GCM_SHA256
    };
    let (random, server_random, session) = (secret(rng), secret(rng), secret(rng));
    let s: [[u8; 32]; 4] = [secret(rng), secret(rng), secret(rng), secret(rng)];
    for (label, secret) in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ]
    .iter()
    .zip(&s)
    {
        records::keylog_line(label, &random, secret, keys);
    }
    let mut queue = VecDeque::new();
    let mut push = |dir: usize, bytes: Vec<u8>| queue.push_back(Message { dir, bytes, at: 0 });
    let mut hello = Vec::new();
    records::client_hello(&random, &session, name, &mut hello);
    push(0, hello);
    let mut flight = Vec::new();
    records::server_hello(&server_random, &session, suite, &mut flight);
    records::record(content::CHANGE_CIPHER_SPEC, &[1], &mut flight);
    let cert_len = rng.range(900, 1800) as usize;
    Sealer::new(suite, &s[1]).seal_all(
        content::HANDSHAKE,
        &records::server_flight(cert_len),
        records::MAX_PLAINTEXT,
        &mut flight,
    );
    let mut server = Sealer::new(suite, &s[3]);
    let mut start = Vec::new();
    h2::server_start(&mut start);
    server.seal(content::APPLICATION_DATA, &start, &mut flight);
    push(1, flight);
    let mut finish = Vec::new();
    records::record(content::CHANGE_CIPHER_SPEC, &[1], &mut finish);
    Sealer::new(suite, &s[0]).seal(content::HANDSHAKE, &records::client_finished(), &mut finish);
    let mut client = Sealer::new(suite, &s[2]);
    let mut start = Vec::new();
    h2::client_start(&mut start);
    h2::settings_ack(&mut start);
    client.seal(content::APPLICATION_DATA, &start, &mut finish);
    push(0, finish);
    Conn {
        flow: Flow {
            ends: [client_end, server_end],
            vlan: None,
            ip_id: [rng.next_u32() as u16, rng.next_u32() as u16],
            tsval: [rng.next_u32(), rng.next_u32()],
        },
        host,
        authority,
        page: ORIGINS[rng.below(ORIGINS.len() as u64) as usize],
        opened: false,
        seq: [rng.next_u32(), rng.next_u32()],
        queue,
        actions_left: rng.range(1, 30) as u32,
        sealers: [client, server],
        hpack: [Encoder::new(), Encoder::new()],
        stream: 1,
        record_max: *rng.pick(&[4096, records::MAX_PLAINTEXT]),
    }
}

/// Advances one connection by a burst of frames; true when it is closed.
fn step<W: Write>(
    c: &mut Conn,
    rng: &mut Rng,
    planner: &mut Planner,
    calls: &mut Vec<Call>,
    w: &mut Writer<'_, W>,
) -> io::Result<bool> {
    if !c.opened {
        let (s0, s1) = (c.seq[0], c.seq[1]);
        w.emit(&mut c.flow, 0, s0, 0, SYN, &[])?;
        c.seq[0] = s0.wrapping_add(1);
        w.emit(&mut c.flow, 1, s1, c.seq[0], SYN | ACK, &[])?;
        c.seq[1] = s1.wrapping_add(1);
        w.emit(&mut c.flow, 0, c.seq[0], c.seq[1], ACK, &[])?;
        c.opened = true;
        return Ok(false);
    }
    if c.queue.is_empty() {
        if c.actions_left == 0 {
            return close(c, w);
        }
        plan(c, rng, planner, calls, w.truth);
    }
    send_burst(c, rng, w)?;
    Ok(false)
}

/// Queues the HTTP/2 streams of the next user action, sealed into records.
fn plan(
    c: &mut Conn,
    rng: &mut Rng,
    planner: &mut Planner,
    calls: &mut Vec<Call>,
    truth: &mut Truth,
) {
    calls.clear();
    planner.action(rng, c.host, c.page, calls);
    calls.retain(|call| call.sent);
    c.actions_left -= 1;
    let mut plain = Vec::new();
    for call in calls.iter() {
        truth.count_call(call);
        truth.count_response(call);
        for dir in 0..2 {
            plain.clear();
            if dir == 0 {
                h2::request(
                    call,
                    &c.authority,
                    c.stream,
                    &mut c.hpack[0],
                    &planner.pools,
                    &mut plain,
                );
            } else {
                h2::response(call, c.stream, &mut c.hpack[1], &planner.pools, &mut plain);
            }
            let mut bytes = Vec::with_capacity(plain.len() + plain.len() / 1000 + 64);
            c.sealers[dir].seal_all(content::APPLICATION_DATA, &plain, c.record_max, &mut bytes);
            c.queue.push_back(Message { dir, bytes, at: 0 });
        }
        c.stream += 2;
    }
}

/// Sends up to a few segments of the message at the head of the queue; the receiver
/// acknowledges every second segment and the end of each message.
fn send_burst<W: Write>(c: &mut Conn, rng: &mut Rng, w: &mut Writer<'_, W>) -> io::Result<()> {
    let Some(mut msg) = c.queue.pop_front() else {
        return Ok(());
    };
    let (d, r) = (msg.dir, 1 - msg.dir);
    let mut acked = false;
    for n in 0..rng.range(1, 8) {
        if msg.at == msg.bytes.len() {
            break;
        }
        let end = (msg.at + MSS).min(msg.bytes.len());
        let flags = if end == msg.bytes.len() {
            ACK | PSH
        } else {
            ACK
        };
        w.emit(
            &mut c.flow,
            d,
            c.seq[d],
            c.seq[r],
            flags,
            &msg.bytes[msg.at..end],
        )?;
        c.seq[d] = c.seq[d].wrapping_add((end - msg.at) as u32);
        msg.at = end;
        acked = n % 2 == 1;
        if acked {
            w.emit(&mut c.flow, r, c.seq[r], c.seq[d], ACK, &[])?;
        }
    }
    if msg.at < msg.bytes.len() {
        c.queue.push_front(msg);
    } else if !acked && c.queue.front().is_none_or(|m| m.dir != r) {
        w.emit(&mut c.flow, r, c.seq[r], c.seq[d], ACK, &[])?;
    }
    Ok(())
}

/// close_notify from the client, then FIN from both sides.
fn close<W: Write>(c: &mut Conn, w: &mut Writer<'_, W>) -> io::Result<bool> {
    let mut alert = Vec::new();
    c.sealers[0].seal(content::ALERT, &[1, 0], &mut alert);
    w.emit(&mut c.flow, 0, c.seq[0], c.seq[1], ACK | PSH, &alert)?;
    c.seq[0] = c.seq[0].wrapping_add(alert.len() as u32);
    w.emit(&mut c.flow, 0, c.seq[0], c.seq[1], FIN | ACK, &[])?;
    c.seq[0] = c.seq[0].wrapping_add(1);
    w.emit(&mut c.flow, 1, c.seq[1], c.seq[0], FIN | ACK, &[])?;
    c.seq[1] = c.seq[1].wrapping_add(1);
    w.emit(&mut c.flow, 0, c.seq[0], c.seq[1], ACK, &[])?;
    Ok(true)
}
