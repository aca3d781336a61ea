//! Property tests: the HTTP/1 framer gives the same events however its input is cut, and any
//! segmentation, reordering and duplication of the same TCP byte streams gives the same
//! exchanges.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pcap_writer;

use corscope::capture::http1::framer::{End, Events, Framer};
use corscope::capture::http1::head::{Answering, RequestHead, ResponseHead};
use corscope::capture::tcp::At;
use corscope::capture::Format;
use corscope::model::{FileIndex, FrameNumber, FrameRef, Issue, Limits, Timestamp};
use pcap_writer::*;
use proptest::prelude::*;

/// A message of the test conversation: method, body shape, response status and body shape.
#[derive(Clone, Debug)]
struct Spec {
    method: &'static str,
    req_body: Body,
    status: u16,
    resp_body: Body,
    interim: bool,
}

#[derive(Clone, Debug)]
enum Body {
    None,
    Length(usize),
    Chunked(Vec<usize>),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::None),
        (0usize..3000).prop_map(Body::Length),
        proptest::collection::vec(1usize..700, 0..5).prop_map(Body::Chunked),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::sample::select(vec!["GET", "POST", "PUT", "OPTIONS", "HEAD", "DELETE"]),
        body(),
        prop::sample::select(vec![200u16, 201, 204, 304, 403, 404]),
        body(),
        any::<bool>(),
    )
        .prop_map(|(method, req_body, status, resp_body, interim)| Spec {
            method,
            req_body,
            status,
            resp_body,
            interim,
        })
}

fn body_bytes(out: &mut Vec<u8>, b: &Body, fill: u8) {
    match b {
        Body::None => out.extend(b"\r\n"),
        Body::Length(n) => {
            out.extend(format!("Content-Length: {n}\r\n\r\n").bytes());
            out.extend(std::iter::repeat_n(fill, *n));
        }
        Body::Chunked(sizes) => {
            out.extend(b"Transfer-Encoding: chunked\r\n\r\n");
            for s in sizes {
                out.extend(format!("{s:x}\r\n").bytes());
                out.extend(std::iter::repeat_n(fill, *s));
                out.extend(b"\r\n");
            }
            out.extend(b"0\r\nX-Trailer: 1\r\n\r\n");
        }
    }
}

fn request(i: usize, s: &Spec) -> Vec<u8> {
    let mut r = format!(
        "{} /r/{i} HTTP/1.1\r\nHost: h.test\r\nOrigin: https://o.test\r\n",
        s.method
    )
    .into_bytes();
    body_bytes(&mut r, &s.req_body, b'q');
    r
}

fn response(s: &Spec) -> Vec<u8> {
    let mut r = Vec::new();
    if s.interim {
        r.extend(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    r.extend(
        format!(
            "HTTP/1.1 {} X\r\nAccess-Control-Allow-Origin: *\r\n",
            s.status
        )
        .bytes(),
    );
    let no_body = s.method == "HEAD" || s.status == 204 || s.status == 304;
    match (&s.resp_body, no_body) {
        (Body::Length(n), true) => r.extend(format!("Content-Length: {n}\r\n\r\n").bytes()),
        (_, true) => r.extend(b"\r\n"),
        // a response without a length would last until the connection closes
        (Body::None, false) => r.extend(b"Content-Length: 0\r\n\r\n"),
        (b, false) => body_bytes(&mut r, b, b'r'),
    }
    r
}

/// Records what a framer reports.
#[derive(Default, Debug, PartialEq)]
struct Record(Vec<String>);

impl Events for Record {
    fn request(&mut self, h: RequestHead, at: At) {
        self.0.push(format!(
            "req {} {} {} {:?} @{}",
            h.method,
            h.target,
            h.headers.len(),
            h.body,
            at.offset
        ));
    }
    fn response(&mut self, h: ResponseHead, at: At) -> Answering {
        self.0.push(format!(
            "resp {} {} @{}",
            h.status,
            h.headers.len(),
            at.offset
        ));
        Answering::Other
    }
    fn malformed(&mut self, request: bool, at: At) {
        self.0.push(format!("malformed {request} @{}", at.offset));
    }
    fn message_end(&mut self, request: bool, body: u64, end: End, at: At) {
        self.0
            .push(format!("end {request} {body} {end:?} @{}", at.offset));
    }
    fn lost(&mut self, request: bool, at: At) {
        self.0.push(format!("lost {request} @{}", at.offset));
    }
    fn issue(&mut self, issue: Issue) {
        self.0.push(format!("issue {} {:?}", issue.id, issue.at));
    }
}

fn frame(data: &[u8], cuts: &[usize], request: bool) -> Vec<String> {
    let mut f = Framer::new(request, false, 64 << 10);
    let mut rec = Record::default();
    let mut off = 0usize;
    let mut k = 0usize;
    while off < data.len() {
        let n = cuts
            .get(k % cuts.len().max(1))
            .copied()
            .unwrap_or(data.len())
            .max(1);
        let end = (off + n).min(data.len());
        let at = At {
            frame: FrameRef::new(FileIndex(0), FrameNumber(1)),
            ts: Timestamp(0),
            offset: off as u64,
        };
        f.feed(&data[off..end], at, &mut rec);
        off = end;
        k += 1;
    }
    rec.0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn framer_result_does_not_depend_on_cuts(specs in proptest::collection::vec(spec(), 1..6), cuts in proptest::collection::vec(1usize..300, 1..30), junk in any::<bool>()) {
        let mut reqs = Vec::new();
        let mut resps = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            reqs.extend(request(i, s));
            // responses framed as answers to non-HEAD requests here
            let s = Spec { method: "GET", ..s.clone() };
            resps.extend(response(&s));
        }
        if junk {
            reqs.extend(b"NOT A REQUEST LINE\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n");
        }
        for (data, request) in [(&reqs, true), (&resps, false)] {
            let whole = frame(data, &[usize::MAX], request);
            prop_assert_eq!(&whole, &frame(data, &[1], request));
            prop_assert_eq!(&whole, &frame(data, &cuts, request));
            let heads = whole.iter().filter(|e| e.starts_with("req") || e.starts_with("resp")).count();
            let expected = specs.len() + specs.iter().filter(|s| s.interim && !request).count() + usize::from(junk && request);
            prop_assert_eq!(heads, expected);
        }
    }

    #[test]
    fn tcp_segmentation_reordering_and_duplicates_do_not_change_exchanges(
        specs in proptest::collection::vec(spec(), 1..5),
        isn in prop_oneof![Just(u32::MAX - 700), any::<u32>()],
        seed in any::<u64>(),
    ) {
        let baseline = exchanges(&specs, isn, None);
        prop_assert_eq!(baseline.len(), specs.len());
        let shuffled = exchanges(&specs, isn, Some(seed));
        prop_assert_eq!(baseline, shuffled);
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// A connection carrying `specs`; with a seed, cut at random sizes, adjacent segments of a
/// message swapped and some segments duplicated.
fn exchanges(specs: &[Spec], isn: u32, seed: Option<u64>) -> Vec<String> {
    let mut rng = Rng(seed.unwrap_or(1) | 1);
    let mut c = Conn::new(
        "192.0.2.7:41000",
        "[::ffff:198.51.100.9]:80",
        isn,
        isn.wrapping_mul(3),
    );
    c = Conn {
        server: "198.51.100.9:80".parse().unwrap(),
        ..c
    };
    c.handshake();
    for (i, s) in specs.iter().enumerate() {
        for (from_client, data) in [(true, request(i, s)), (false, response(s))] {
            let first = c.segs.len();
            let mut rest = data.as_slice();
            while !rest.is_empty() {
                let n = if seed.is_some() {
                    1 + rng.next(400)
                } else {
                    1460
                };
                let (now, later) = rest.split_at(n.min(rest.len()));
                c.send(from_client, now, n);
                rest = later;
            }
            if seed.is_some() {
                let count = c.segs.len() - first;
                for _ in 0..count / 2 {
                    let a = first + rng.next(count);
                    let b = (a + 1).min(c.segs.len() - 1);
                    c.segs.swap(a, b);
                }
                if count > 0 && rng.next(2) == 0 {
                    let d = c.segs[first + rng.next(count)].clone();
                    c.segs.insert(first + rng.next(count), d);
                }
            }
        }
    }
    c.fin(true).fin(false);
    let (r, sink) = run(
        &pcap(1, &c.frames(0), false, false),
        Format::Pcap,
        &Limits::default(),
    );
    r.unwrap();
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
    sink.exchanges
        .iter()
        .map(|e| {
            let r = e.response.as_ref();
            format!(
                "{} {} {:?} {:?} -> {:?} {:?} {:?} {:?}",
                e.request.method,
                e.request.url,
                e.request.headers,
                e.request.body_size,
                r.map(|r| r.status),
                r.map(|r| &r.headers),
                r.and_then(|r| r.body_size),
                e.failure
            )
        })
        .collect()
}
