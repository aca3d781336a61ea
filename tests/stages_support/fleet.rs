//! A generated capture set of a site behind a load balancer: several backends, each with its
//! own capture point rotating its file every ten minutes, over three hours. Browsers preflight
//! once with `Access-Control-Max-Age: 7200` and reuse the answer in later files; preflight and
//! request often reach different backends; keep-alive connections live across files and some
//! responses arrive in the file after their request. Browsers of one origin share resources,
//! and the servers say they are nginx (so records carry stack fixes). Deterministic: no clock,
//! no randomness.

#![allow(dead_code)]

use std::path::Path;

use crate::pcap_writer::{ethernet, pcap, Conn, Rec};

/// Capture points (backends).
pub const HOSTS: usize = 3;
/// Browsers.
pub const CLIENTS: usize = 8;
/// Start of the capture (seconds since the epoch).
const BASE_S: u64 = 1_750_000_000;
/// File rotation period.
const ROTATE_S: u64 = 600;
/// Sessions per browser, this far apart.
const SESSIONS: u64 = 7;
const SESSION_GAP_S: u64 = 1500;

/// One connection with a timestamp per segment.
struct Timed {
    conn: Conn,
    times: Vec<u64>,
}

impl Timed {
    fn new(client: usize, port: u16, host: usize) -> Self {
        let c = format!("192.168.{}.{}:{port}", client / 200, 10 + client % 200);
        let s = format!("10.0.1.{}:80", 1 + host);
        let mut t = Timed {
            conn: Conn::new(&c, &s, 1000 + port as u32 * 7, 5000 + port as u32 * 11),
            times: Vec::new(),
        };
        t.conn.segs.clear();
        t
    }

    fn stamp(&mut self, at_ns: u64) {
        // Segments of one call are 50 µs apart.
        let mut k = 0;
        while self.times.len() < self.conn.segs.len() {
            self.times.push(at_ns + k * 50_000);
            k += 1;
        }
    }

    fn open(&mut self, at_ns: u64) {
        self.conn.handshake();
        self.stamp(at_ns);
    }

    fn exchange(&mut self, at_ns: u64, request: &str, response: &str, delay_ns: u64) {
        self.conn.send(true, request.as_bytes(), 1400);
        self.stamp(at_ns);
        self.conn.send(false, response.as_bytes(), 1400);
        self.stamp(at_ns + delay_ns);
    }

    fn close(&mut self, at_ns: u64) {
        self.conn.fin(true);
        self.conn.fin(false);
        self.stamp(at_ns);
    }

    fn frames(&self, out: &mut Vec<Rec>) {
        for (seg, at) in self.conn.segs.iter().zip(&self.times) {
            out.push(Rec::new(*at, ethernet(seg, &[])));
        }
    }
}

fn origin(client: usize) -> String {
    format!("https://app{}.example.com", client % 3)
}

fn preflight(client: usize, path: &str) -> (String, String) {
    let o = origin(client);
    (
        format!(
            "OPTIONS {path} HTTP/1.1\r\nHost: api.example.com\r\nOrigin: {o}\r\n\
             Access-Control-Request-Method: PUT\r\n\
             Access-Control-Request-Headers: content-type,x-trace\r\n\r\n"
        ),
        format!(
            "HTTP/1.1 204 No Content\r\nServer: nginx/1.22.1\r\nAccess-Control-Allow-Origin: {o}\r\n\
             Access-Control-Allow-Methods: GET, PUT\r\n\
             Access-Control-Allow-Headers: content-type, x-trace\r\n\
             Access-Control-Max-Age: 7200\r\nVary: Origin\r\nContent-Length: 0\r\n\r\n"
        ),
    )
}

fn put(client: usize, path: &str, allowed: bool) -> (String, String) {
    let o = origin(client);
    let acao = if allowed {
        format!("Access-Control-Allow-Origin: {o}\r\nVary: Origin\r\n")
    } else {
        String::new()
    };
    (
        format!(
            "PUT {path} HTTP/1.1\r\nHost: api.example.com\r\nOrigin: {o}\r\n\
             Content-Type: application/json\r\nX-Trace: {client}\r\nContent-Length: 2\r\n\r\n{{}}"
        ),
        format!("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n{acao}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"),
    )
}

fn get(client: usize, path: &str) -> (String, String) {
    let o = origin(client);
    (
        format!("GET {path} HTTP/1.1\r\nHost: api.example.com\r\nOrigin: {o}\r\n\r\n"),
        "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 3\r\n\r\nok\n"
            .to_string(),
    )
}

/// Writes `HOSTS` directories `host<N>/` of rotated files `cap-<K>.pcap` under `dir`; returns
/// how many files.
pub fn write(dir: &Path) -> usize {
    let mut frames: Vec<Vec<Rec>> = (0..HOSTS).map(|_| Vec::new()).collect();
    let s = 1_000_000_000u64;
    for c in 0..CLIENTS {
        // A keep-alive connection to one backend, polled every session: it lives across files.
        let poll_host = c % HOSTS;
        let mut poll = Timed::new(c, 40000, poll_host);
        let start = (BASE_S + 5 + c as u64 * 41) * s;
        poll.open(start);
        let mut port = 41000u16;
        for k in 0..SESSIONS {
            let t = start + k * SESSION_GAP_S * s + 20 * s;
            // Browsers of one origin share their resources (and what servers showed of them).
            let path = format!("/v1/items/{}", c % 3);
            if k % 4 == 0 {
                // A preflight on one backend...
                let h = (c + k as usize) % HOSTS;
                let mut conn = Timed::new(c, port, h);
                port += 1;
                conn.open(t);
                let (q, r) = preflight(c, &path);
                conn.exchange(t + s / 100, &q, &r, 3 * s / 1000);
                conn.close(t + s / 10);
                conn.frames(&mut frames[h]);
            }
            // ...the request on another (served from the preflight cache in later sessions).
            let h = (c + k as usize + 1) % HOSTS;
            let mut conn = Timed::new(c, port, h);
            port += 1;
            // Every third client's request sits just before a rotation and its answer comes
            // two seconds later, in the next file.
            let at = if c % 3 == 0 {
                ((t / s - BASE_S) / ROTATE_S + 1) * ROTATE_S * s + BASE_S * s - s
            } else {
                t + s / 2
            };
            conn.open(at);
            let (q, r) = put(c, &path, c % 4 != 3);
            let delay = if c % 3 == 0 { 2 * s } else { 5 * s / 1000 };
            conn.exchange(at + s / 100, &q, &r, delay);
            conn.close(at + 3 * s);
            conn.frames(&mut frames[h]);
            let (q, r) = get(c, &format!("/v1/poll/{c}"));
            poll.exchange(t + 7 * s, &q, &r, 2 * s / 1000);
        }
        poll.close(start + SESSIONS * SESSION_GAP_S * s);
        poll.frames(&mut frames[poll_host]);
    }
    let mut files = 0;
    for (h, mut recs) in frames.into_iter().enumerate() {
        recs.sort_by_key(|r| r.ts_ns);
        let host_dir = dir.join(format!("host{h}"));
        std::fs::create_dir_all(&host_dir).expect("host directory");
        let mut k = 0usize;
        let mut at = 0usize;
        while at < recs.len() {
            let window = (recs[at].ts_ns / s - BASE_S) / ROTATE_S;
            let end = recs[at..]
                .iter()
                .position(|r| (r.ts_ns / s - BASE_S) / ROTATE_S != window)
                .map_or(recs.len(), |n| at + n);
            let bytes = pcap(1, &recs[at..end], false, false);
            std::fs::write(host_dir.join(format!("cap-{k:04}.pcap")), bytes).expect("write");
            k += 1;
            files += 1;
            at = end;
        }
    }
    files
}
