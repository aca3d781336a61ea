//! Captures judged whole (capture path and engine):
//!
//! - browser state is per browser: in a capture holding several clients, one client's preflight
//!   (or cached preflight) never authorises another client's request, whether clients are told
//!   apart by address or, behind a proxy, by `X-Forwarded-For`; and the state of many clients
//!   stays within its bound, each client forgotten counted as an input issue;
//! - a header value holding control bytes (which Fetch allows and Chromium sends) does not
//!   derail pairing: the request is read with its real bytes and its preflight pairs with it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pcap_writer;

use corscope::capture::{self, Sink};
use corscope::cors::{ClientKeying, Engine, EngineOptions, ENGINE_CLIENTS_EVICTED};
use corscope::model::{Assessment, Exchange, ExchangeKind, Issue, Limits, WarningId};
use pcap_writer::*;

const API: &str = "198.51.100.1:80";
const ORIGIN: &str = "https://app.example.test";

struct Collect {
    engine: Engine,
    out: Vec<Assessment>,
}

impl Sink for Collect {
    fn exchange(&mut self, e: Exchange) {
        let out = &mut self.out;
        self.engine.push(e, &mut |a| out.push(a));
    }
    fn issue(&mut self, _: Issue) {}
}

fn judge(recs: Vec<Rec>, limits: &Limits, clients: ClientKeying) -> (Vec<Assessment>, Vec<Issue>) {
    let bytes = pcap(1, &recs, false, false);
    let options = EngineOptions {
        clients,
        ..EngineOptions::default()
    };
    let mut sink = Collect {
        engine: Engine::with_options(limits, options),
        out: Vec::new(),
    };
    capture::read(Box::new(std::io::Cursor::new(bytes)), limits, &mut sink).expect("readable");
    let out = &mut sink.out;
    sink.engine.finish(&mut |a| out.push(a));
    (sink.out, sink.engine.issues())
}

fn preflight(forwarded_for: Option<&str>) -> Vec<u8> {
    let xff = forwarded_for
        .map(|f| format!("X-Forwarded-For: {f}\r\n"))
        .unwrap_or_default();
    format!(
        "OPTIONS /v1/items HTTP/1.1\r\nHost: api.example.test\r\nOrigin: {ORIGIN}\r\nAccess-Control-Request-Method: PUT\r\n{xff}\r\n"
    )
    .into_bytes()
}

fn put(forwarded_for: Option<&str>) -> Vec<u8> {
    let xff = forwarded_for
        .map(|f| format!("X-Forwarded-For: {f}\r\n"))
        .unwrap_or_default();
    format!(
        "PUT /v1/items HTTP/1.1\r\nHost: api.example.test\r\nOrigin: {ORIGIN}\r\nContent-Length: 2\r\n{xff}\r\n{{}}"
    )
    .into_bytes()
}

const PREFLIGHT_OK: &[u8] = b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://app.example.test\r\nAccess-Control-Allow-Methods: PUT\r\nAccess-Control-Max-Age: 600\r\n\r\n";
const PUT_OK: &[u8] =
    b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: https://app.example.test\r\nContent-Length: 0\r\n\r\n";

/// One request and its answer on a connection of its own, starting at `ms`.
fn exchange(client: &str, request: &[u8], response: &[u8], ms: u64) -> Vec<Rec> {
    let mut c = Conn::new(client, API, 1000, 5000);
    c.handshake()
        .send(true, request, 1460)
        .send(false, response, 1460)
        .fin(true)
        .fin(false);
    c.frames(1_000_000_000 + ms * 1_000_000)
}

fn merged(parts: Vec<Vec<Rec>>) -> Vec<Rec> {
    let mut all: Vec<Rec> = parts.into_iter().flatten().collect();
    all.sort_by_key(|r| r.ts_ns);
    all
}

fn puts(all: &[Assessment]) -> Vec<&Assessment> {
    all.iter()
        .filter(|a| a.exchange.request.method == "PUT" && a.kind == ExchangeKind::Cors)
        .collect()
}

/// Client A's preflight, then client B's PUT (B's browser sent no preflight: it had one
/// cached from before the capture), then A's PUT; a second later B's PUT again. A's preflight
/// pairs with A's PUT and its cached result serves no request of B.
fn two_clients(a: &str, b: &str, a_fwd: Option<&str>, b_fwd: Option<&str>) -> Vec<Rec> {
    merged(vec![
        exchange(a, &preflight(a_fwd), PREFLIGHT_OK, 0),
        exchange(b, &put(b_fwd), PUT_OK, 20),
        exchange(a, &put(a_fwd), PUT_OK, 40),
        exchange(b, &put(b_fwd), PUT_OK, 1000),
    ])
}

fn assert_kept_apart(all: &[Assessment], a_ip: &str) {
    let preflight = all
        .iter()
        .find(|x| x.kind == ExchangeKind::Preflight)
        .expect("the preflight");
    let (of_a, of_b): (Vec<&Assessment>, Vec<&Assessment>) = puts(all).into_iter().partition(|x| {
        x.exchange
            .endpoints
            .client
            .map(|c| c.ip().to_string())
            .as_deref()
            == Some(a_ip)
    });
    assert_eq!(of_a.len(), 1);
    assert_eq!(of_b.len(), 2);
    assert_eq!(
        of_a[0].preflight,
        Some(preflight.id),
        "A's preflight pairs with A's PUT"
    );
    for b in of_b {
        assert_eq!(b.preflight, None, "A's preflight never pairs with B's PUT");
        assert_eq!(
            b.preflight_cached_from, None,
            "A's cached preflight never serves B"
        );
        assert!(
            b.warnings
                .iter()
                .any(|w| w.id == WarningId::PreflightMissing),
            "B's PUT has no preflight of its own in the capture"
        );
    }
}

#[test]
fn one_clients_preflight_never_authorises_another_clients_request() {
    let recs = two_clients("10.0.0.1:40000", "10.0.0.2:40001", None, None);
    let (all, issues) = judge(recs, &Limits::default(), ClientKeying::Address);
    assert_kept_apart(&all, "10.0.0.1");
    assert!(issues.is_empty());
}

/// Behind a proxy every request comes from the proxy's address: only `X-Forwarded-For` tells
/// the browsers apart, and only when the run is told to trust it.
#[test]
fn behind_a_proxy_clients_are_told_apart_by_forwarded_for() {
    let proxy_port = |p: u16| format!("10.0.0.9:{p}");
    let recs = merged(vec![
        exchange(
            &proxy_port(40000),
            &preflight(Some("203.0.113.1")),
            PREFLIGHT_OK,
            0,
        ),
        exchange(&proxy_port(40001), &put(Some("203.0.113.2")), PUT_OK, 20),
        exchange(&proxy_port(40002), &put(Some("203.0.113.1")), PUT_OK, 40),
        exchange(&proxy_port(40003), &put(Some("203.0.113.2")), PUT_OK, 1000),
    ]);
    let forwarded = |x: &&Assessment| x.exchange.request.headers.first_str("x-forwarded-for");
    let (all, _) = judge(recs.clone(), &Limits::default(), ClientKeying::Forwarded);
    let preflight = all
        .iter()
        .find(|x| x.kind == ExchangeKind::Preflight)
        .expect("preflight");
    for p in puts(&all) {
        let mine = forwarded(&p).as_deref() == Some("203.0.113.1");
        assert_eq!(
            p.preflight == Some(preflight.id),
            mine,
            "{:?}",
            forwarded(&p)
        );
        if !mine {
            assert_eq!(p.preflight_cached_from, None);
        }
    }
    // Trusting only addresses, they are one browser: its preflight covers every PUT.
    let (all, _) = judge(recs, &Limits::default(), ClientKeying::Address);
    assert!(puts(&all)
        .iter()
        .all(|p| p.preflight.is_some() || p.preflight_cached_from.is_some()));
}

/// Thousands of browsers: the state of the least recently active is forgotten within the
/// bound, and counted.
#[test]
fn client_state_is_bounded_and_evictions_are_counted() {
    let mut parts = Vec::new();
    for i in 0..40u64 {
        let client = format!("10.1.{}.{}:{}", i / 200, i % 200 + 1, 40000 + i);
        parts.push(exchange(&client, &preflight(None), PREFLIGHT_OK, i * 50));
        parts.push(exchange(&client, &put(None), PUT_OK, i * 50 + 10));
    }
    let limits = Limits {
        engine_client_entries: 16,
        ..Limits::default()
    };
    let (all, issues) = judge(merged(parts), &limits, ClientKeying::Address);
    assert_eq!(puts(&all).len(), 40);
    assert!(puts(&all).iter().all(|p| p.preflight.is_some()));
    let evicted = issues
        .iter()
        .find(|i| i.id == ENGINE_CLIENTS_EVICTED)
        .expect("evictions are reported");
    assert!(evicted.message.contains("clients"), "{}", evicted.message);
    let n: u64 = evicted
        .message
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .expect("a count");
    assert!(n >= 20, "{n} clients forgotten of 40 within 16 entries");
}

/// `Accept: text/\x01plain` is sent by Chromium (only NUL, CR and LF are refused) and is not
/// safelisted: it needed the preflight, which pairs with it.
#[test]
fn control_bytes_in_a_header_value_do_not_derail_pairing() {
    let preflight = format!(
        "OPTIONS /v1/items HTTP/1.1\r\nHost: api.example.test\r\nOrigin: {ORIGIN}\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: accept\r\n\r\n"
    );
    let ok = b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://app.example.test\r\nAccess-Control-Allow-Headers: accept\r\nAccess-Control-Allow-Credentials: true\r\n\r\n";
    let get = format!(
        "GET /v1/items HTTP/1.1\r\nHost: api.example.test\r\nOrigin: {ORIGIN}\r\nAccept: text/\x01plain\r\n\r\n"
    );
    let answer = b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: https://app.example.test\r\nAccess-Control-Allow-Credentials: true\r\nX-Note: a\x02b\r\nContent-Length: 0\r\n\r\n";
    let recs = merged(vec![
        exchange("10.0.0.1:40000", preflight.as_bytes(), ok, 0),
        exchange("10.0.0.1:40001", get.as_bytes(), answer, 10),
    ]);
    let (all, _) = judge(recs, &Limits::default(), ClientKeying::Address);
    assert_eq!(all.len(), 2, "both exchanges are read");
    let preflight = all
        .iter()
        .find(|a| a.kind == ExchangeKind::Preflight)
        .expect("the preflight");
    let get = all
        .iter()
        .find(|a| a.exchange.request.method == "GET")
        .expect("the GET, read");
    assert_eq!(get.preflight, Some(preflight.id));
    assert_eq!(
        get.exchange.request.headers.first("accept"),
        Some(&b"text/\x01plain"[..]),
        "the real bytes are kept"
    );
    let response = get.exchange.response.as_ref().expect("its response");
    assert_eq!(response.headers.first("x-note"), Some(&b"a\x02b"[..]));
    assert_eq!(get.verdict, corscope::model::Verdict::Allowed);
    assert!(get.causes.is_empty(), "{:?}", get.causes);
}
