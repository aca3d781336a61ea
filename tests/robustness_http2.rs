//! HTTP/2 frame by frame and on bad input, on generated captures: each frame type's effect,
//! header blocks split by CONTINUATION, PUSH_PROMISE keeping header compression in step,
//! SETTINGS, 1xx, trailers, padding, resets; and every kind of bad input counted with its
//! location while the rest is read: an HPACK index out of range, a header block over the cap, a
//! frame over SETTINGS_MAX_FRAME_SIZE, a connection that starts mid-stream, GOAWAY, gaps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod h2_frames;
mod pcap_writer;

use corscope::capture::pcap::PcapSummary;
use corscope::capture::Format;
use corscope::model::{FailureKind, FileIndex, FrameNumber, FrameRef, Limits, Location, Position};
use h2_frames::*;
use pcap_writer::{pcap, run, Collect, Conn, Rec};

/// Frame `n` of the one file.
fn frame_at(n: u64) -> FrameRef {
    FrameRef::new(FileIndex(0), FrameNumber(n))
}

/// Sends of one connection: (from the client, bytes).
type Sends = Vec<(bool, Vec<u8>)>;

fn capture(sends: &Sends, handshake: bool) -> Vec<Rec> {
    let mut c = Conn::new("10.0.0.1:40000", "10.0.0.2:8080", 1, 1);
    if handshake {
        c.handshake();
    }
    for (client, bytes) in sends {
        c.send(*client, bytes, 1460);
    }
    c.fin(true).fin(false);
    c.frames(1_000_000_000)
}

fn read_with(sends: &Sends, limits: &Limits) -> (PcapSummary, Collect) {
    let (r, sink) = run(
        &pcap(1, &capture(sends, true), false, false),
        Format::Pcap,
        limits,
    );
    (r.unwrap(), sink)
}

fn read(sends: &Sends) -> (PcapSummary, Collect) {
    read_with(sends, &Limits::default())
}

/// The client's preface and SETTINGS, the server's SETTINGS.
fn opening() -> Sends {
    vec![
        (true, [PREFACE, &settings(&[])].concat()),
        (false, settings(&[(5, 1 << 14)])),
    ]
}

fn get(stream: u32, path: &str) -> (bool, Vec<u8>) {
    (
        true,
        frame(
            HEADERS,
            END_HEADERS | END_STREAM,
            stream,
            &request("GET", path),
        ),
    )
}

fn ok(stream: u32, body: &[u8]) -> (bool, Vec<u8>) {
    let mut bytes = frame(HEADERS, END_HEADERS, stream, &response(200));
    bytes.extend(frame(DATA, END_STREAM, stream, body));
    (false, bytes)
}

fn ids(sink: &Collect) -> Vec<&'static str> {
    sink.issue_ids()
}

#[test]
fn one_exchange_with_its_frames_and_fields() {
    let mut s = opening();
    s.push(get(1, "/a?x=1"));
    s.push(ok(1, b"hello"));
    let (summary, sink) = read(&s);
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
    assert_eq!(sink.exchanges.len(), 1);
    let e = &sink.exchanges[0];
    assert_eq!(e.request.url, "http://api.test/a?x=1");
    assert_eq!(e.request.method, "GET");
    let r = e.response.as_ref().unwrap();
    assert_eq!((r.status, r.body_size), (200, Some(5)));
    assert_eq!(r.status_text, "");
    // frames: 1-3 handshake, 4 preface, 5 server SETTINGS, 6 request, 7 response + DATA
    assert_eq!(
        e.location,
        Location::Frames {
            request: frame_at(6),
            response: Some(frame_at(7))
        }
    );
    assert_eq!(
        (
            summary.http2.requests,
            summary.http2.responses,
            summary.http2.exchanges
        ),
        (1, 1, 1)
    );
}

#[test]
fn continuation_priority_padding_ping_and_window_update() {
    let block = request("POST", "/upload");
    let (a, b) = block.split_at(7);
    // HEADERS with PADDED and PRIORITY, then CONTINUATION
    let mut headers = vec![3u8]; // pad length
    headers.extend([0, 0, 0, 0, 15]); // stream dependency, weight
    headers.extend(a);
    headers.extend([0, 0, 0]);
    let mut c = frame(HEADERS, PADDED | PRIORITY_FLAG, 1, &headers);
    c.extend(frame(CONTINUATION, END_HEADERS, 1, b));
    c.extend(frame(PRIORITY, 0, 1, &[0, 0, 0, 0, 7]));
    c.extend(frame(PING, 0, 0, &[1; 8]));
    c.extend(frame(WINDOW_UPDATE, 0, 0, &[0, 0, 1, 0]));
    // 10 body bytes in a padded DATA frame: pad length 4, then 4 pad bytes
    let mut body = vec![4u8];
    body.extend(b"0123456789");
    body.extend([0; 4]);
    c.extend(frame(DATA, PADDED | END_STREAM, 1, &body));
    let mut s = opening();
    s.push((true, c));
    s.push(ok(1, b""));
    let (_, sink) = read(&s);
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
    let e = &sink.exchanges[0];
    assert_eq!(e.request.url, "http://api.test/upload");
    assert_eq!(e.request.method, "POST");
    assert_eq!(e.request.body_size, Some(10));
}

#[test]
fn push_promise_keeps_header_compression_in_step() {
    // The pushed request inserts a field into the server's dynamic table; the response then
    // refers to it by index 62. Only decoding the PUSH_PROMISE block makes that index valid.
    let promise = [
        &[0, 0, 0, 2][..],
        &block(&[
            Field::Plain(":method", "GET"),
            Field::Indexing("access-control-allow-origin", "http://app.test"),
        ]),
    ]
    .concat();
    let mut server = frame(PUSH_PROMISE, END_HEADERS, 1, &promise);
    server.extend(frame(
        HEADERS,
        END_HEADERS | END_STREAM,
        1,
        &block(&[Field::Index(8), Field::Index(62)]),
    ));
    let mut s = opening();
    s.push(get(1, "/"));
    s.push((false, server));
    let (summary, sink) = read(&s);
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
    let r = sink.exchanges[0].response.as_ref().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers.first("access-control-allow-origin"),
        Some(&b"http://app.test"[..])
    );
    assert_eq!(summary.http2.pushes, 1);
}

#[test]
fn interim_responses_trailers_and_resets() {
    let mut server = frame(HEADERS, END_HEADERS, 1, &response(103));
    server.extend(frame(HEADERS, END_HEADERS, 1, &response(200)));
    server.extend(frame(DATA, 0, 1, b"abc"));
    server.extend(frame(
        HEADERS,
        END_HEADERS | END_STREAM,
        1,
        &block(&[Field::Plain("grpc-status", "0")]),
    ));
    // stream 3: reset by the server; stream 5: cancelled by the client
    server.extend(frame(RST_STREAM, 0, 3, &2u32.to_be_bytes()));
    let mut s = opening();
    s.push(get(1, "/one"));
    s.push(get(3, "/two"));
    s.push(get(5, "/three"));
    s.push((false, server));
    s.push((true, frame(RST_STREAM, 0, 5, &8u32.to_be_bytes())));
    let (summary, sink) = read(&s);
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
    assert_eq!(summary.http2.interim_responses, 1);
    let by_path = |p: &str| {
        sink.exchanges
            .iter()
            .find(|e| e.request.url.ends_with(p))
            .unwrap()
    };
    let one = by_path("/one");
    let r = one.response.as_ref().unwrap();
    assert_eq!((r.status, r.body_size), (200, Some(3)));
    assert!(!r.headers.contains("grpc-status"), "trailers stay apart");
    assert!(one.failure.is_none());
    let two = by_path("/two").failure.as_ref().unwrap();
    assert_eq!(two.kind, FailureKind::Connection);
    assert!(
        two.text.contains("RST_STREAM INTERNAL_ERROR"),
        "{}",
        two.text
    );
    let three = by_path("/three").failure.as_ref().unwrap();
    assert_eq!(three.kind, FailureKind::Aborted, "{}", three.text);
    assert_eq!(summary.http2.resets, 2);
}

#[test]
fn settings_decide_the_table_size_and_the_frame_size() {
    // The server grows its table to 65536 with a size update: fine once the client allowed it.
    let grown = frame(
        HEADERS,
        END_HEADERS | END_STREAM,
        1,
        &[block(&[Field::Size(65536)]), response(200)].concat(),
    );
    let mut s = vec![
        (
            true,
            [PREFACE, &settings(&[(1, 65536), (5, 1 << 15)])].concat(),
        ),
        (false, settings(&[])),
    ];
    s.push(get(1, "/"));
    s.push((false, grown.clone()));
    // A 20000-byte DATA frame is within the client's SETTINGS_MAX_FRAME_SIZE of 32768.
    s.push((false, frame(DATA, END_STREAM, 3, &[b'x'; 20000])));
    let (_, sink) = read(&s);
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
    assert_eq!(sink.exchanges[0].response.as_ref().unwrap().status, 200);

    // Without the client's setting the same block exceeds the protocol's 4096.
    let mut s = opening();
    s.push(get(1, "/"));
    s.push((false, grown));
    s.push((false, frame(DATA, END_STREAM, 3, &[b'x'; 20000])));
    let (_, sink) = read(&s);
    assert_eq!(ids(&sink), ["http2-hpack-error", "http2-frame-too-large"]);
    assert!(
        sink.issues[0]
            .message
            .contains("dynamic table size update to 65536 exceeds the allowed 4096"),
        "{}",
        sink.issues[0].message
    );
    assert!(
        sink.issues[1]
            .message
            .contains("20000 bytes, over the receiver's SETTINGS_MAX_FRAME_SIZE of 16384"),
        "{}",
        sink.issues[1].message
    );
    let e = &sink.exchanges[0];
    assert!(e.response.is_none());
    assert!(e.failure.as_ref().unwrap().text.contains("not decoded"));
}

#[test]
fn an_index_out_of_range_ends_decoding_of_that_direction_only() {
    let mut s = opening();
    s.push(get(1, "/first"));
    s.push((
        true,
        frame(
            HEADERS,
            END_HEADERS | END_STREAM,
            3,
            &block(&[Field::Index(70)]),
        ),
    ));
    s.push(get(5, "/third"));
    s.push(ok(1, b"1"));
    let (summary, sink) = read(&s);
    assert_eq!(ids(&sink), ["http2-hpack-error"]);
    let issue = &sink.issues[0];
    assert!(
        issue.message.starts_with(
            "header block of stream 3 not decoded: index 70 is out of range (last entry 61)"
        ),
        "{}",
        issue.message
    );
    assert!(matches!(
        issue.at,
        Some(Position::Stream { frame, .. }) if frame == frame_at(7)
    ));
    assert_eq!(summary.http2.blocks_not_decoded, 1);
    // The server's direction still decodes: the first request gets its answer.
    assert_eq!(sink.exchanges.len(), 1);
    assert_eq!(sink.exchanges[0].response.as_ref().unwrap().status, 200);
}

#[test]
fn header_blocks_over_the_cap_are_reported() {
    let limits = Limits {
        http_header_bytes: 1024,
        ..Limits::default()
    };
    let big = "v".repeat(2000);
    // a block larger than the cap
    let mut s = opening();
    s.push((
        true,
        frame(
            HEADERS,
            END_HEADERS | END_STREAM,
            1,
            &[request("GET", "/"), block(&[Field::Plain("x-big", &big)])].concat(),
        ),
    ));
    let (_, sink) = read_with(&s, &limits);
    assert_eq!(ids(&sink), ["http2-header-block-too-large"]);
    assert!(sink.exchanges.is_empty());
    // a small block that decodes past the cap: one 500-byte field inserted, then indexed three
    // times
    let mut s = opening();
    let value = "w".repeat(500);
    s.push((
        true,
        frame(
            HEADERS,
            END_HEADERS | END_STREAM,
            1,
            &[
                request("GET", "/"),
                block(&[
                    Field::Indexing("x-w", &value),
                    Field::Index(62),
                    Field::Index(62),
                ]),
            ]
            .concat(),
        ),
    ));
    s.push(get(3, "/next"));
    s.push(ok(3, b""));
    let (_, sink) = read_with(&s, &limits);
    assert_eq!(ids(&sink), ["http2-header-block-too-large"]);
    assert!(sink.issues[0].message.contains("over the header cap"));
    // decoding stayed in step: the next request is read
    assert_eq!(sink.exchanges.len(), 1);
    assert!(sink.exchanges[0].request.url.ends_with("/next"));
}

#[test]
fn goaway_counts_the_requests_it_leaves_unprocessed() {
    let mut goaway = 1u32.to_be_bytes().to_vec();
    goaway.extend(1u32.to_be_bytes()); // PROTOCOL_ERROR
    let mut s = opening();
    s.push(get(1, "/a"));
    s.push(get(3, "/b"));
    s.push(ok(1, b""));
    s.push((false, frame(GOAWAY, 0, 0, &goaway)));
    let (_, sink) = read(&s);
    assert_eq!(ids(&sink), ["http2-goaway"]);
    assert_eq!(
        sink.issues[0].message,
        "GOAWAY PROTOCOL_ERROR from the server (last stream 1): 1 requests after it not \
         processed (a browser retries them)"
    );
    assert_eq!(sink.exchanges.len(), 1);
    // A graceful GOAWAY with nothing left open is no issue.
    let mut s = opening();
    s.push(get(1, "/a"));
    s.push(ok(1, b""));
    s.push((false, frame(GOAWAY, 0, 0, &[0; 8])));
    let (_, sink) = read(&s);
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
}

#[test]
fn a_connection_captured_mid_stream_is_counted_not_decoded() {
    let mut s: Sends = vec![get(7, "/late")];
    s.push(ok(7, b"x"));
    let (r, sink) = run(
        &pcap(1, &capture(&s, false), false, false),
        Format::Pcap,
        &Limits::default(),
    );
    let summary = r.unwrap();
    assert_eq!(ids(&sink), ["http2-mid-stream"]);
    assert_eq!(sink.issues[0].at, Some(Position::Frame(frame_at(1))));
    assert!(sink.exchanges.is_empty());
    assert_eq!((summary.http2.mid_stream, summary.http.requests), (1, 0));
}

#[test]
fn a_gap_ends_decoding_of_its_direction() {
    // The second request's segment is lost: the server's answers still decode.
    let mut c = Conn::new("10.0.0.1:40000", "10.0.0.2:8080", 1, 1);
    c.handshake();
    for (client, bytes) in opening() {
        c.send(client, &bytes, 1460);
    }
    c.send(true, &get(1, "/a").1, 1460);
    let lost = get(3, "/b").1;
    c.cseq = c.cseq.wrapping_add(lost.len() as u32);
    c.send(true, &get(5, "/c").1, 1460);
    c.send(false, &ok(1, b"1").1, 1460);
    c.send(false, &ok(3, b"3").1, 1460);
    c.fin(true).fin(false);
    let (r, sink) = run(
        &pcap(1, &c.frames(1_000_000_000), false, false),
        Format::Pcap,
        &Limits::default(),
    );
    let summary = r.unwrap();
    assert_eq!(
        ids(&sink),
        [
            "tcp-gap",
            "http2-decoding-lost",
            "http-response-without-request"
        ],
        "{:?}",
        sink.issues
    );
    assert_eq!(summary.http2.unpaired_responses, 1);
    assert_eq!(sink.exchanges.len(), 1);
    assert!(sink.exchanges[0].request.url.ends_with("/a"));
    assert_eq!(sink.exchanges[0].response.as_ref().unwrap().status, 200);
}

#[test]
fn open_streams_fail_when_the_connection_ends() {
    let mut s = opening();
    s.push(get(1, "/a"));
    s.push(get(3, "/b"));
    s.push((false, frame(HEADERS, END_HEADERS, 3, &response(200))));
    let (_, sink) = read(&s);
    let a = sink
        .exchanges
        .iter()
        .find(|e| e.request.url.ends_with("/a"))
        .unwrap();
    assert!(a.response.is_none());
    assert!(
        a.failure
            .as_ref()
            .unwrap()
            .text
            .contains("ERR_CONNECTION_CLOSED"),
        "{:?}",
        a.failure
    );
    let b = sink
        .exchanges
        .iter()
        .find(|e| e.request.url.ends_with("/b"))
        .unwrap();
    assert_eq!(b.response.as_ref().unwrap().status, 200);
    assert_eq!(
        b.failure.as_ref().unwrap().kind,
        FailureKind::Incomplete,
        "{:?}",
        b.failure
    );
}

/// A small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Frames of several streams interleaved in a random order (each stream's own frames in
/// order), header blocks split by CONTINUATION at random, the bytes cut into random segments:
/// every stream becomes the same exchange. Each request block inserts a field into the
/// client's dynamic table and refers to the one the block before it inserted, so decoding in
/// wire order is checked too.
#[test]
fn interleaved_streams_in_any_order_and_any_segmentation() {
    const STREAMS: u32 = 8;
    for seed in 1..=40u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        // Per stream, its client frames and its server frames, as closures of wire order.
        let mut client: Vec<Vec<u8>> = Vec::new();
        let mut server: Vec<Vec<u8>> = Vec::new();
        let mut queues: Vec<(u32, usize)> = (0..STREAMS).map(|k| (2 * k + 1, 0)).collect();
        let mut seq = 0usize;
        // Client: HEADERS (maybe + CONTINUATION) then a DATA frame, per stream.
        while !queues.is_empty() {
            let q = rng.below(queues.len());
            let (id, step) = queues[q];
            if step == 0 {
                let mut fields = vec![
                    Field::Plain(":method", "POST"),
                    Field::Plain(":scheme", "http"),
                    Field::Plain(":authority", "api.test"),
                ];
                let path = format!("/s/{id}");
                let seq_value = seq.to_string();
                fields.push(Field::Plain(":path", &path));
                if seq > 0 {
                    fields.push(Field::Index(62));
                }
                fields.push(Field::Indexing("x-seq", &seq_value));
                seq += 1;
                let b = block(&fields);
                if rng.below(2) == 0 {
                    client.push(frame(HEADERS, END_HEADERS, id, &b));
                } else {
                    let cut = 1 + rng.below(b.len() - 1);
                    client.push(frame(HEADERS, 0, id, &b[..cut]));
                    client.push(frame(CONTINUATION, END_HEADERS, id, &b[cut..]));
                }
                queues[q].1 = 1;
            } else {
                client.push(frame(DATA, END_STREAM, id, &vec![b'q'; id as usize]));
                queues.remove(q);
            }
        }
        let mut queues: Vec<(u32, usize)> = (0..STREAMS).map(|k| (2 * k + 1, 0)).collect();
        while !queues.is_empty() {
            let q = rng.below(queues.len());
            let (id, step) = queues[q];
            match step {
                0 => server.push(frame(HEADERS, END_HEADERS, id, &response(200 + id as u16))),
                1 => server.push(frame(DATA, 0, id, &vec![b'r'; 2 * id as usize])),
                _ => server.push(frame(DATA, END_STREAM, id, b"")),
            }
            queues[q].1 += 1;
            if step == 2 {
                queues.remove(q);
            }
        }
        let mut c = Conn::new("10.0.0.1:40000", "10.0.0.2:8080", 1, 1);
        c.handshake();
        for (from_client, bytes) in opening() {
            c.send(from_client, &bytes, 1460);
        }
        for (from_client, frames) in [(true, client), (false, server)] {
            let bytes = frames.concat();
            let mut at = 0;
            while at < bytes.len() {
                let n = (1 + rng.below(40)).min(bytes.len() - at);
                c.send(from_client, &bytes[at..at + n], n);
                at += n;
            }
        }
        c.fin(true).fin(false);
        let (r, sink) = run(
            &pcap(1, &c.frames(1_000_000_000), false, false),
            Format::Pcap,
            &Limits::default(),
        );
        r.unwrap();
        assert!(sink.issues.is_empty(), "seed {seed}: {:?}", sink.issues);
        assert_eq!(sink.exchanges.len(), STREAMS as usize, "seed {seed}");
        let mut seqs = Vec::new();
        for e in &sink.exchanges {
            let id: u32 = e.request.url.rsplit('/').next().unwrap().parse().unwrap();
            assert_eq!(e.request.body_size, Some(u64::from(id)), "seed {seed}");
            let r = e.response.as_ref().unwrap();
            assert_eq!(r.status, 200 + id as u16, "seed {seed}");
            assert_eq!(r.body_size, Some(2 * u64::from(id)), "seed {seed}");
            // its own field last, after the one it referred to: the previous block's
            let values: Vec<usize> = e
                .request
                .headers
                .get_all("x-seq")
                .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
                .collect();
            let seq = *values.last().unwrap();
            let want: Vec<usize> = (seq.saturating_sub(1)..=seq).collect();
            assert_eq!(values, want, "seed {seed}");
            seqs.push(seq);
        }
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (0..STREAMS as usize).collect::<Vec<_>>(),
            "seed {seed}"
        );
    }
}

#[test]
fn an_upgrade_switches_in_the_middle_of_a_segment_and_a_refused_one_stays_http1() {
    let upgrade_request = b"GET /up HTTP/1.1\r\nHost: api.test\r\nConnection: Upgrade, \
HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nOrigin: \
http://app.test\r\n\r\n";
    let mut server =
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n".to_vec();
    server.extend(settings(&[]));
    server.extend(ok(1, b"up").1);
    let s: Sends = vec![
        (true, upgrade_request.to_vec()),
        (false, server),
        (true, [PREFACE, &settings(&[])].concat()),
        get(3, "/after"),
        ok(3, b""),
    ];
    let (summary, sink) = read(&s);
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
    assert_eq!((summary.http2.upgrades, summary.http.requests), (1, 1));
    let up = &sink.exchanges[0];
    assert_eq!(up.request.url, "http://api.test/up");
    let r = up.response.as_ref().unwrap();
    assert_eq!(
        (r.status, r.body_size, r.http_version.as_deref()),
        (200, Some(2), Some("h2"))
    );
    assert_eq!(
        up.location,
        Location::Frames {
            request: frame_at(4),
            response: Some(frame_at(5))
        }
    );
    assert!(sink.exchanges[1].request.url.ends_with("/after"));

    // The server answers without switching: HTTP/1.1 goes on.
    let s: Sends = vec![
        (true, upgrade_request.to_vec()),
        (
            false,
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
        ),
        (
            true,
            b"GET /next HTTP/1.1\r\nHost: api.test\r\n\r\n".to_vec(),
        ),
        (false, b"HTTP/1.1 204 No Content\r\n\r\n".to_vec()),
    ];
    let (summary, sink) = read(&s);
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
    assert_eq!((summary.http2.connections, summary.http.exchanges), (0, 2));
    assert_eq!(sink.exchanges[1].response.as_ref().unwrap().status, 204);
}
