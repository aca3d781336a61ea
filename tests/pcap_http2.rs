//! HTTP/2 in the clear on captures made with real software (`tests/data/h2c/generate.sh`):
//! curl and nghttp against nginx by prior knowledge, curl's `Upgrade: h2c` against hypercorn,
//! and an nginx h2c reverse proxy in front of an HTTP/1.1 backend. Every request and response
//! is checked against what tshark 4.0 found in the same file (`*.tshark*.tsv`, written by the
//! generator): the frame of each HEADERS frame, method, path and status.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod analysis;
mod pcap_writer;

use std::collections::BTreeSet;
use std::path::PathBuf;

use corscope::capture::pcap::PcapSummary;
use corscope::capture::Format;
use corscope::model::{Limits, Location, Verdict};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/h2c")
        .join(name)
}

fn read(name: &str) -> (PcapSummary, pcap_writer::Collect) {
    let bytes = std::fs::read(data(&format!("{name}.pcap"))).unwrap();
    let (r, sink) = pcap_writer::run(&bytes, Format::Pcap, &Limits::default());
    (r.unwrap(), sink)
}

/// (frame, method, path) of each request and (frame, status) of each final response tshark
/// found: HTTP/2 HEADERS frames, then HTTP/1.x messages (101 is a switch, not an answer).
type Requests = BTreeSet<(u64, String, String)>;
type Responses = BTreeSet<(u64, u16)>;

fn tshark(name: &str) -> (Requests, Responses, usize, usize) {
    let (mut requests, mut responses) = (Requests::new(), Responses::new());
    let (mut h2_requests, mut h2_responses) = (0, 0);
    let text = std::fs::read_to_string(data(&format!("{name}.tshark.tsv"))).unwrap();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let frame: u64 = f[0].parse().unwrap();
        let list = |i: usize| -> Vec<&str> {
            f.get(i)
                .filter(|v| !v.is_empty())
                .map_or_else(Vec::new, |v| v.split('|').collect())
        };
        for (method, path) in list(1).into_iter().zip(list(2)) {
            requests.insert((frame, method.to_string(), path.to_string()));
            h2_requests += 1;
        }
        for status in list(3) {
            responses.insert((frame, status.parse().unwrap()));
            h2_responses += 1;
        }
    }
    let text = std::fs::read_to_string(data(&format!("{name}.tshark-http1.tsv"))).unwrap();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let frame: u64 = f[0].parse().unwrap();
        match (f.get(1), f.get(2), f.get(3)) {
            (Some(m), Some(uri), _) if !m.is_empty() => {
                requests.insert((frame, m.to_string(), uri.to_string()));
            }
            (_, _, Some(code)) if *code != "101" => {
                responses.insert((frame, code.parse().unwrap()));
            }
            _ => {}
        }
    }
    (requests, responses, h2_requests, h2_responses)
}

#[test]
fn every_capture_agrees_with_tshark() {
    for name in ["prior-knowledge", "upgrade", "proxy"] {
        let (summary, sink) = read(name);
        assert!(sink.issues.is_empty(), "{name}: {:?}", sink.issues);
        let (want_req, want_resp, h2_req, h2_resp) = tshark(name);
        let mut got_req = Requests::new();
        let mut got_resp = Responses::new();
        for e in &sink.exchanges {
            let Location::Frames { request, response } = e.location else {
                panic!("{name}: {:?}", e.location)
            };
            let url = url::Url::parse(&e.request.url).unwrap();
            let path = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            got_req.insert((request.number.0, e.request.method.clone(), path));
            let r = e.response.as_ref().unwrap();
            got_resp.insert((response.unwrap().number.0, r.status));
        }
        assert_eq!(got_req, want_req, "{name}: requests");
        assert_eq!(got_resp, want_resp, "{name}: responses");
        assert_eq!(sink.exchanges.len(), want_req.len(), "{name}");
        assert_eq!(summary.http2.requests as usize, h2_req, "{name}");
        assert_eq!(summary.http2.responses as usize, h2_resp, "{name}");
    }
}

#[test]
fn prior_knowledge_fields() {
    let (summary, sink) = read("prior-knowledge");
    assert_eq!(summary.http2.connections, 5);
    assert_eq!(summary.http2.upgrades, 0);
    assert_eq!(summary.http.requests, 0);
    for e in &sink.exchanges {
        let url = &e.request.url;
        assert!(url.starts_with("http://api.test:8200/"), "{url}");
        assert_eq!(e.request.http_version.as_deref(), Some("h2"));
        let r = e.response.as_ref().unwrap();
        assert_eq!(r.http_version.as_deref(), Some("h2"));
        // Pseudo-headers are kept first, names in lower case, as sent.
        let first = e.request.headers.iter().next().unwrap();
        assert_eq!(first.name, b":method", "{url}");
        assert_eq!(
            e.request.headers.first("origin"),
            Some(&b"http://app.test:8100"[..])
        );
        assert_eq!(
            e.request.headers.first(":authority"),
            Some(&b"api.test:8200"[..])
        );
        let t = e.timing;
        assert!(t.started <= t.response_started && t.response_started <= t.finished);
        assert!(t.finished.is_some(), "{url}");
        assert_eq!(e.endpoints.server.unwrap().port(), 8200);
        assert!(e.failure.is_none(), "{url}");
        if r.status == 200 {
            assert_eq!(
                r.headers.first("access-control-allow-origin"),
                Some(&b"http://app.test:8100"[..])
            );
            assert_eq!(r.body_size, Some(13), "{url}: '{{\"ok\": true}}\\n'");
        }
    }
    let post = sink
        .exchanges
        .iter()
        .find(|e| e.request.method == "POST")
        .unwrap();
    assert_eq!(post.request.body_size, Some(13), "'{{\"name\": \"x\"}}'");
    // nghttp's six streams went out in one segment and were answered one by one.
    let six: Vec<_> = sink
        .exchanges
        .iter()
        .filter(|e| {
            let path = e.request.url.trim_start_matches("http://api.test:8200");
            ["/api/a", "/api/b", "/api/c", "/api/d", "/api/e", "/api/f"].contains(&path)
        })
        .collect();
    assert_eq!(six.len(), 6);
    let Location::Frames { request, .. } = six[0].location else {
        panic!()
    };
    assert!(six.iter().all(|e| matches!(
        e.location,
        Location::Frames { request: r, response: Some(_) } if r == request
    )));
}

#[test]
fn the_upgrade_request_is_stream_one_and_its_answer_comes_in_http2() {
    let (summary, sink) = read("upgrade");
    assert_eq!((summary.http2.connections, summary.http2.upgrades), (2, 2));
    assert_eq!(summary.http.requests, 2, "two upgrade requests in HTTP/1.1");
    let first = &sink.exchanges[0];
    assert_eq!(first.request.url, "http://api.test:8210/api/first");
    assert_eq!(first.request.http_version.as_deref(), Some("HTTP/1.1"));
    assert!(first.request.headers.contains("HTTP2-Settings"));
    let r = first.response.as_ref().unwrap();
    assert_eq!((r.status, r.http_version.as_deref()), (200, Some("h2")));
    assert_eq!(r.headers.first("server"), Some(&b"hypercorn-h2"[..]));
    let second = &sink.exchanges[1];
    assert_eq!(second.request.http_version.as_deref(), Some("h2"));
    assert_eq!(second.request.url, "http://api.test:8210/api/second");
}

#[test]
fn an_http2_client_leg_and_its_http1_upstream_leg_are_one_proxied_exchange() {
    let (all, issues) = analysis::analyse_file(&data("proxy.pcap"));
    assert!(issues.is_empty(), "{issues:?}");
    let client = all
        .iter()
        .find(|a| a.exchange.request.url == "http://proxy.test:8201/s/proxy/data")
        .unwrap();
    assert_eq!(client.exchange.request.http_version.as_deref(), Some("h2"));
    assert_eq!(client.verdict, Verdict::Blocked);
    let f = client.primary_cause().unwrap();
    assert_eq!(f.cause.info().name, "allow-origin-stripped-by-proxy");
    let upstream = f
        .evidence
        .iter()
        .find(|e| e.source == corscope::model::EvidenceSource::Upstream)
        .unwrap();
    let leg = all.iter().find(|a| a.id == upstream.exchange).unwrap();
    assert_eq!(
        leg.exchange.request.http_version.as_deref(),
        Some("HTTP/1.1")
    );
    assert_eq!(
        leg.exchange.request.url,
        "http://127.0.0.1:8202/s/proxy/data"
    );
    assert!(upstream.note.contains("upstream leg"), "{}", upstream.note);
}
