//! The pcap/pcapng writer: many keep-alive connections interleaved segment batch by segment
//! batch, each a TCP life cycle (handshake, data at the MSS with delayed ACKs, FIN or RST) that
//! carries the planned HTTP/1.1 calls, with a few pipelined requests, swapped and
//! retransmitted segments. Memory is bounded by the number of open connections times the
//! largest message, whatever the output size.

use std::collections::VecDeque;
use std::io::{self, Write};

use super::api::{self, Mix};
use super::http::{self, Framing};
use super::pcap_file::Writer;
use super::rng::Rng;
use super::scenario::{Call, Host, Kind, Planner, HOSTS, ORIGINS};
use super::tcp::{Endpoint, Flow, Ip, ACK, FIN, MSS, PSH, RST, SYN};
use super::truth::Truth;
use super::Config;

/// Connections open at once in a large capture.
const CONCURRENCY: usize = 160;
/// Start of the capture: 2024-05-14T10:21:07Z, in nanoseconds.
const START_NS: u64 = 1_715_682_067_000_000_000;

struct Message {
    dir: usize,
    bytes: Vec<u8>,
    at: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Handshake,
    Data,
    Closing,
}

struct Conn {
    flow: Flow,
    host: Host,
    page: &'static str,
    state: State,
    /// Next sequence number each direction sends.
    seq: [u32; 2],
    /// Highest in-order sequence number each direction has received (its ACK number).
    rcv: [u32; 2],
    /// A segment each direction received ahead of `rcv`, waiting for the gap to fill.
    ahead: [Option<(u32, u32)>; 2],
    queue: VecDeque<Message>,
    actions_left: u32,
    pipelined: bool,
    close_delimited_last: bool,
    closer: usize,
}

/// Writes a capture of about `cfg.size` bytes to `out`; returns the ground truth.
pub fn generate<W: Write>(cfg: &Config, out: &mut W) -> io::Result<Truth> {
    let mut rng = Rng::new(cfg.seed);
    let mut planner = Planner::new("http", cfg.mix, &mut rng);
    let mut truth = Truth::new(cfg);
    let mut w = Writer::new(
        out,
        cfg.format == super::Format::PcapNg,
        START_NS,
        &mut truth,
    );
    w.header()?;
    let concurrency = ((cfg.size / 400_000) as usize).clamp(4, CONCURRENCY);
    let mut active: Vec<Conn> = Vec::with_capacity(concurrency);
    let mut next_conn = 0u64;
    let mut calls = Vec::new();
    let mut stopping = false;
    loop {
        if !stopping && w.truth.bytes >= cfg.size {
            stopping = true;
            for c in &mut active {
                c.actions_left = 0;
            }
        }
        while !stopping && active.len() < concurrency {
            active.push(open(&mut rng, cfg.mix, next_conn, w.truth));
            next_conn += 1;
        }
        if active.is_empty() {
            break;
        }
        let i = rng.below(active.len() as u64) as usize;
        if step(&mut active[i], &mut rng, &mut planner, &mut calls, &mut w)? {
            active.swap_remove(i);
        }
    }
    w.out.flush()?;
    Ok(truth)
}

fn open(rng: &mut Rng, mix: Mix, n: u64, truth: &mut Truth) -> Conn {
    let host = match mix {
        Mix::Browser => *rng.pick(&HOSTS),
        Mix::Api => api::pick_host(rng),
    };
    let v6 = rng.chance(0.15);
    let vlan = if rng.chance(0.03) {
        Some(100 + rng.below(3) as u16)
    } else {
        None
    };
    let client_ip = if v6 {
        let mut a = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        a[12..16].copy_from_slice(&((n % 250_000) as u32 + 1).to_be_bytes());
        Ip::V6(a)
    } else {
        Ip::V4([198, 51, 100, 1 + (n % 250) as u8])
    };
    let server_ip = if v6 {
        Ip::V6([
            0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, host.index,
        ])
    } else {
        Ip::V4([203, 0, 113, host.index])
    };
    let port = if host.authority.ends_with(":8080") {
        8080
    } else {
        80
    };
    let client = Endpoint {
        mac: [0x02, 0, 0, (n >> 16) as u8, (n >> 8) as u8, n as u8],
        ip: client_ip,
        port: 32768 + ((n / 250) % 28_000) as u16,
    };
    let server = Endpoint {
        mac: [0x02, 0, 0, 0x01, 0, host.index],
        ip: server_ip,
        port,
    };
    truth.pcap.connections += 1;
    truth.pcap.ipv6_connections += u64::from(v6);
    truth.pcap.vlan_connections += u64::from(vlan.is_some());
    let pipelined = host.api && rng.chance(0.03);
    Conn {
        flow: Flow {
            ends: [client, server],
            vlan,
            ip_id: [rng.next_u32() as u16, rng.next_u32() as u16],
            tsval: [rng.next_u32(), rng.next_u32()],
        },
        host,
        page: ORIGINS[rng.below(ORIGINS.len() as u64) as usize],
        state: State::Handshake,
        seq: [rng.next_u32(), rng.next_u32()],
        rcv: [0, 0],
        ahead: [None, None],
        queue: VecDeque::new(),
        actions_left: rng.range(1, 30) as u32,
        pipelined,
        close_delimited_last: rng.chance(0.1),
        closer: rng.below(2) as usize,
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
    match c.state {
        State::Handshake => {
            let (s0, s1) = (c.seq[0], c.seq[1]);
            w.emit(&mut c.flow, 0, s0, 0, SYN, &[])?;
            c.seq[0] = s0.wrapping_add(1);
            c.rcv[1] = c.seq[0];
            w.emit(&mut c.flow, 1, s1, c.rcv[1], SYN | ACK, &[])?;
            c.seq[1] = s1.wrapping_add(1);
            c.rcv[0] = c.seq[1];
            w.emit(&mut c.flow, 0, c.seq[0], c.rcv[0], ACK, &[])?;
            c.state = State::Data;
            Ok(false)
        }
        State::Data => {
            if c.queue.is_empty() {
                if c.actions_left == 0 {
                    c.state = State::Closing;
                    return Ok(false);
                }
                plan(c, rng, planner, calls, w.truth);
            }
            send_burst(c, rng, w)?;
            Ok(false)
        }
        State::Closing => {
            let (a, b) = (c.closer, 1 - c.closer);
            if rng.chance(0.02) {
                w.truth.pcap.rst_closes += 1;
                w.emit(&mut c.flow, a, c.seq[a], c.rcv[a], RST | ACK, &[])?;
                return Ok(true);
            }
            w.emit(&mut c.flow, a, c.seq[a], c.rcv[a], FIN | ACK, &[])?;
            c.seq[a] = c.seq[a].wrapping_add(1);
            c.rcv[b] = c.seq[a];
            w.emit(&mut c.flow, b, c.seq[b], c.rcv[b], FIN | ACK, &[])?;
            c.seq[b] = c.seq[b].wrapping_add(1);
            c.rcv[a] = c.seq[b];
            w.emit(&mut c.flow, a, c.seq[a], c.rcv[a], ACK, &[])?;
            Ok(true)
        }
    }
}

/// Queues the messages of the next user action (or, on a pipelining connection, of several
/// simple requests sent back to back).
fn plan(
    c: &mut Conn,
    rng: &mut Rng,
    planner: &mut Planner,
    calls: &mut Vec<Call>,
    truth: &mut Truth,
) {
    calls.clear();
    let batch = if c.pipelined { 3 } else { 1 };
    for _ in 0..batch {
        if c.pipelined {
            planner.unpreflighted(rng, c.host, c.page, calls);
        } else if planner.mix == Mix::Api {
            planner.api_action(rng, c.host, c.page, calls);
        } else {
            planner.action(rng, c.host, c.page, calls);
        }
    }
    calls.retain(|call| call.sent);
    c.actions_left -= 1;
    let last = c.actions_left == 0;
    // Pipelining only of calls without a preflight (browsers never pipeline; proxies and
    // scripted clients do).
    let pipeline = c.pipelined && calls.iter().all(|k| k.kind != Kind::Preflight);
    let mut requests = Vec::new();
    let n = calls.len();
    for (i, call) in calls.iter().enumerate() {
        let framing =
            if last && i + 1 == n && c.close_delimited_last && http::response_has_body(call) {
                c.closer = 1;
                truth.pcap.close_delimited_responses += 1;
                Framing::Close
            } else if rng.chance(if call.host.api { 0.3 } else { 0.1 })
                && http::response_has_body(call)
            {
                truth.pcap.chunked_responses += 1;
                Framing::Chunked
            } else {
                Framing::Length
            };
        truth.count_call(call);
        truth.count_response(call);
        let mut req = Vec::new();
        http::request(call, &planner.pools, &mut req);
        let mut resp = Vec::new();
        http::response(call, framing, &planner.pools, rng, &mut resp);
        if pipeline && n > 1 {
            truth.pcap.pipelined_requests += 1;
            requests.extend_from_slice(&req);
            c.queue.push_back(Message {
                dir: 1,
                bytes: resp,
                at: 0,
            });
        } else {
            c.queue.push_back(Message {
                dir: 0,
                bytes: req,
                at: 0,
            });
            c.queue.push_back(Message {
                dir: 1,
                bytes: resp,
                at: 0,
            });
        }
    }
    if !requests.is_empty() {
        c.queue.push_front(Message {
            dir: 0,
            bytes: requests,
            at: 0,
        });
    }
}

/// Sends up to a few segments of the message at the head of the queue, with the peer's
/// delayed ACKs; a message finished is acknowledged at once.
fn send_burst<W: Write>(c: &mut Conn, rng: &mut Rng, w: &mut Writer<'_, W>) -> io::Result<()> {
    let Some(mut msg) = c.queue.pop_front() else {
        return Ok(());
    };
    let d = msg.dir;
    let burst = rng.range(1, 8) as usize;
    let mut segs: Vec<(usize, usize)> = Vec::with_capacity(burst);
    while segs.len() < burst && msg.at < msg.bytes.len() {
        let end = (msg.at + MSS).min(msg.bytes.len());
        segs.push((msg.at, end));
        msg.at = end;
    }
    let done = msg.at == msg.bytes.len();
    let base = c.seq[d].wrapping_sub(segs.first().map_or(0, |s| s.0) as u32);
    // Impairments, a few per mille of segments: swap two neighbours, or send one twice.
    let mut order: Vec<(usize, usize)> = segs.clone();
    if order.len() >= 2 && rng.chance(0.004 * order.len() as f64) {
        let i = rng.below(order.len() as u64 - 1) as usize;
        order.swap(i, i + 1);
        w.truth.pcap.reordered_segments += 1;
    }
    if rng.chance(0.003 * order.len() as f64) {
        let i = rng.below(order.len() as u64) as usize;
        order.insert(i + 1, order[i]);
        w.truth.pcap.retransmitted_segments += 1;
    }
    let mut unacked = 0;
    for (n, &(s, e)) in order.iter().enumerate() {
        let seq = base.wrapping_add(s as u32);
        let end = base.wrapping_add(e as u32);
        let last_of_message = done && e == msg.bytes.len();
        let flags = if last_of_message { ACK | PSH } else { ACK };
        let ack = c.rcv[d];
        w.emit(&mut c.flow, d, seq, ack, flags, &msg.bytes[s..e])?;
        receive(c, 1 - d, seq, end);
        unacked += 1;
        if unacked == 2 && n + 1 < order.len() {
            let r = 1 - d;
            w.emit(&mut c.flow, r, c.seq[r], c.rcv[r], ACK, &[])?;
            unacked = 0;
        }
    }
    c.seq[d] = base.wrapping_add(msg.at as u32);
    if !done {
        c.queue.push_front(msg);
    } else {
        let r = 1 - d;
        let next_from_receiver = c.queue.front().is_some_and(|m| m.dir == r);
        if !next_from_receiver {
            w.emit(&mut c.flow, r, c.seq[r], c.rcv[r], ACK, &[])?;
        }
    }
    Ok(())
}

/// Direction `r` receives `[seq, end)`: advances its in-order point.
fn receive(c: &mut Conn, r: usize, seq: u32, end: u32) {
    let next = c.rcv[r];
    if seq == next {
        c.rcv[r] = end;
        if let Some((s, e)) = c.ahead[r] {
            if s == end {
                c.rcv[r] = e;
                c.ahead[r] = None;
            }
        }
    } else if (seq.wrapping_sub(next) as i32) > 0 {
        c.ahead[r] = Some((seq, end));
    }
}
