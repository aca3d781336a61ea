//! Behaviour of the HAR reader on small hand-made inputs: tolerance, skipped entries with their
//! issues, truncation, documents that cannot be read, and the synthetic fixtures in
//! `tests/data/har/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;
use std::net::IpAddr;

use corscope::capture::har::{self, HarSummary};
use corscope::capture::{CaptureError, Sink};
use corscope::model::{
    CacheSource, EntryIndex, Exchange, FailureKind, Issue, Limits, Location, Position,
};

#[derive(Default, Debug)]
struct Collect {
    exchanges: Vec<Exchange>,
    issues: Vec<Issue>,
}

impl Sink for Collect {
    fn exchange(&mut self, exchange: Exchange) {
        self.exchanges.push(exchange);
    }
    fn issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }
}

fn run_with(input: &[u8], limits: &Limits) -> Result<(HarSummary, Collect), CaptureError> {
    let mut sink = Collect::default();
    let summary = har::read(&mut Cursor::new(input), limits, &mut sink)?;
    Ok((summary, sink))
}

fn run(input: &str) -> (HarSummary, Collect) {
    run_with(input.as_bytes(), &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn error_offset(input: &[u8]) -> u64 {
    match run_with(input, &Limits::default()) {
        Err(CaptureError::Malformed {
            at: Position::Offset { offset: n, .. },
            ..
        }) => n,
        other => panic!("{:?}", other.map(|(s, c)| (s, c.issues))),
    }
}

fn entry(url: &str, extra: &str) -> String {
    format!(
        r#"{{"request":{{"method":"GET","url":"{url}","headers":[]}},"response":{{"status":200,"headers":[]}}{extra}}}"#
    )
}

fn har(entries: &[String]) -> String {
    format!(
        r#"{{"log":{{"version":"1.2","entries":[{}]}}}}"#,
        entries.join(",")
    )
}

#[test]
fn bom_and_any_version() {
    for log in [
        r#""version":"1.1","#,
        r#""version":"1.3","#,
        r#""version":1.2,"#,
        "",
    ] {
        let text = format!(
            "\u{feff}{{\"log\":{{{log}\"entries\":[{}]}}}}",
            entry("https://a.test/", "")
        );
        let (summary, sink) = run(&text);
        assert_eq!((summary.entries, sink.exchanges.len()), (1, 1), "{log}");
    }
}

#[test]
fn numbers_as_strings_floats_and_nulls() {
    let e = r#"{"startedDateTime":"2024-01-01T00:00:00Z","time":"12.5",
        "request":{"method":"POST","url":"https://a.test/","httpVersion":null,"headers":[{"name":"X-N","value":42},{"name":"X-B","value":true},{"name":"X-Null","value":null},"junk",{"value":"no name"}],"headersSize":null,"bodySize":12.0,"cookies":null},
        "response":{"status":"200","statusText":404,"headers":{},"content":{},"bodySize":"7"},
        "timings":{"send":"1","wait":null,"receive":2}}"#;
    let (_, sink) = run(&har(&[e.to_owned()]));
    let x = &sink.exchanges[0];
    let names: Vec<_> = x
        .request
        .headers
        .iter()
        .map(|h| h.name_str().into_owned())
        .collect();
    assert_eq!(names, ["X-N", "X-B", "X-Null"]);
    assert_eq!(x.request.headers.first_str("x-n").as_deref(), Some("42"));
    assert_eq!(x.request.headers.first_str("x-b").as_deref(), Some("true"));
    assert_eq!(x.request.headers.first_str("x-null").as_deref(), Some(""));
    assert_eq!(x.request.body_size, Some(12));
    assert!(!x.request.cookies_recorded);
    let r = x.response.as_ref().unwrap();
    assert_eq!(
        (r.status, &*r.status_text, r.body_size),
        (200, "404", Some(7))
    );
    assert!(r.headers.is_empty());
    let t = x.timing;
    assert_eq!(t.finished.unwrap().secs_since(t.started.unwrap()), 0.0125);
    assert_eq!(t.response_started, None, "wait is null");
}

#[test]
fn bad_dates_and_empty_timings_cost_nothing() {
    let entries = [
        entry("https://a.test/1", r#","startedDateTime":"","timings":{}"#),
        entry(
            "https://a.test/2",
            r#","startedDateTime":"NaN-NaN-NaNTNaN:NaN:NaN.NaNZ","time":-1"#,
        ),
        entry("https://a.test/3", r#","startedDateTime":17,"timings":[]"#),
    ];
    let (summary, sink) = run(&har(&entries));
    assert_eq!(summary.entries, 3);
    for x in &sink.exchanges {
        assert_eq!(x.timing, Default::default());
    }
}

#[test]
fn duplicate_keys_keep_the_last_value() {
    let e = r#"{"request":{"url":"https://first.test/","url":"https://last.test/","headers":[]},"response":{"status":500,"status":204}}"#;
    let (_, sink) = run(&har(&[e.to_owned()]));
    assert_eq!(sink.exchanges[0].request.url, "https://last.test/");
    assert_eq!(sink.exchanges[0].response.as_ref().unwrap().status, 204);
}

#[test]
fn lone_surrogates_and_invalid_utf8_are_read_lossily() {
    let lone = entry(
        "https://a.test/\\ud800x",
        r#","_resourceType":"fetch\udc00","response":{"status":200,"headers":[{"name":"X","value":"a\ud83d"}],"content":{"text":"\ud800 body is skipped"}}"#,
    );
    let pair = entry("https://a.test/\\ud83d\\ude00", "");
    let body_only = entry("https://a.test/b", r#","comment":"\ud800""#);
    let mut bytes = har(&[lone, pair, body_only]).into_bytes();
    // A Latin-1 byte inside a header value of the last entry.
    let at = bytes.windows(3).rposition(|w| w == b"/b\"").unwrap();
    bytes.insert(at + 1, 0xe9);
    let (_, sink) = run_with(&bytes, &Limits::default()).unwrap();
    assert!(sink.issues.is_empty(), "{:?}", sink.issues);
    let x = &sink.exchanges;
    assert_eq!(x[0].request.url, "https://a.test/\u{fffd}x");
    assert_eq!(
        x[0].recorder.resource_type.as_deref(),
        Some("fetch\u{fffd}")
    );
    let header = x[0].response.as_ref().unwrap().headers.first("x").unwrap();
    assert_eq!(header, "a\u{fffd}".as_bytes());
    assert_eq!(x[1].request.url, "https://a.test/\u{1f600}");
    assert_eq!(x[2].request.url, "https://a.test/\u{fffd}b");
}

#[test]
fn truncated_file_keeps_the_entries_before() {
    let full = har(&[
        entry("https://a.test/1", ""),
        entry("https://a.test/2", ""),
        entry("https://a.test/3", ""),
    ]);
    let cut = full.find("https://a.test/3").unwrap();
    let (summary, sink) = run(&full[..cut]);
    assert_eq!(summary.entries, 2);
    assert_eq!(sink.exchanges.len(), 2);
    assert_eq!(sink.issues.len(), 1);
    assert_eq!(sink.issues[0].id, har::HAR_TRUNCATED);
    assert_eq!(sink.issues[0].at, Some(Position::offset(cut as u64)));
    // Cut between entries and after the array: still the same issue, every entry kept.
    let after = full.len() - 2;
    let (summary, sink) = run(&full[..after]);
    assert_eq!((summary.entries, sink.exchanges.len()), (3, 3));
    assert_eq!(sink.issues[0].at, Some(Position::offset(after as u64)));
}

#[test]
fn unreadable_documents_are_errors_with_offsets() {
    assert_eq!(error_offset(b"hello"), 0);
    assert_eq!(error_offset(b"  [1,2]"), 2);
    assert_eq!(error_offset(b""), 0);
    // A complete JSON document without `log` is some other JSON file, not a broken HAR.
    assert!(matches!(
        run_with(br#"{"other":{"entries":[]}}"#, &Limits::default()),
        Err(CaptureError::NotRecognised(_))
    ));
    assert_eq!(error_offset(br#"{"log":{"version":"1.2"}}"#), 25);
    assert_eq!(error_offset(br#"{"log":{"entries":{"a":1}}}"#), 18);
    assert_eq!(error_offset(br#"{"log":[1]}"#), 7);
    assert_eq!(error_offset(br#"{"log":{"pages":[{"id":"p"#), 25);
    assert_eq!(error_offset(br#"{"log" {"#), 7);
    // An empty entries array is a readable, empty HAR.
    let (summary, sink) = run(r#"{"log":{"entries":[]}}"#);
    assert_eq!(
        (summary.entries, sink.exchanges.len(), sink.issues.len()),
        (0, 0, 0)
    );
}

#[test]
fn skipped_entries_are_named_and_counted() {
    let big = entry(
        "https://a.test/big",
        &format!(
            r#","response":{{"status":200,"content":{{"text":"{}"}}}}"#,
            "x".repeat(5000)
        ),
    );
    let entries = [
        entry("https://a.test/0", ""),
        big,
        "17".to_owned(),
        r#"{"response":{"status":200}}"#.to_owned(),
        r#"{"request":{"url":"https://a.test/4"},"response":{"status":}}"#.to_owned(),
        entry("https://a.test/5", ""),
    ];
    let limits = Limits {
        har_entry_bytes: 1000,
        ..Limits::default()
    };
    let (summary, sink) = run_with(har(&entries).as_bytes(), &limits).unwrap();
    assert_eq!(summary.entries, 6);
    let ids: Vec<_> = sink.issues.iter().map(|i| (i.id, i.at)).collect();
    let at = |i| Some(Position::Entry(EntryIndex(i)));
    assert_eq!(
        ids,
        [
            (har::HAR_ENTRY_TOO_LARGE, at(1)),
            (har::HAR_ENTRY_MALFORMED, at(2)),
            (har::HAR_ENTRY_MISSING_REQUEST, at(3)),
            (har::HAR_ENTRY_MALFORMED, at(4)),
        ]
    );
    let kept: Vec<_> = sink.exchanges.iter().map(|e| e.location).collect();
    assert_eq!(
        kept,
        [
            Location::Entry(EntryIndex(0)),
            Location::Entry(EntryIndex(5))
        ]
    );
    assert_eq!(
        summary.entries,
        (sink.exchanges.len() + sink.issues.len()) as u64
    );
}

#[test]
fn broken_structure_between_entries_stops_with_an_issue() {
    let text = format!(
        r#"{{"log":{{"entries":[{} {}]}}}}"#,
        entry("https://a.test/0", ""),
        entry("https://a.test/1", "")
    );
    let (summary, sink) = run(&text);
    assert_eq!((summary.entries, sink.exchanges.len()), (1, 1));
    assert_eq!(sink.issues[0].id, har::HAR_STRUCTURE_BROKEN);
}

#[test]
fn pages_before_entries_give_page_urls_pages_after_do_not() {
    let pages = r#""pages":[{"id":"p1","title":"https://app.test/home"},{"id":"p2","title":"Home page","_URL":"https://wpt.test/"},{"id":"p3","title":"not a url"}]"#;
    let entries: Vec<_> = ["p1", "p2", "p3", "missing"]
        .iter()
        .map(|p| entry("https://a.test/", &format!(r#","pageref":"{p}""#)))
        .collect();
    let before = format!(r#"{{"log":{{{pages},"entries":[{}]}}}}"#, entries.join(","));
    let (_, sink) = run(&before);
    let urls: Vec<_> = sink
        .exchanges
        .iter()
        .map(|e| e.recorder.page_url.as_deref())
        .collect();
    assert_eq!(
        urls,
        [
            Some("https://app.test/home"),
            Some("https://wpt.test/"),
            None,
            None
        ]
    );
    let after = format!(
        r#"{{"log":{{"entries":[{}],{pages},"creator":{{"name":"X","version":"9"}}}}}}"#,
        entries.join(",")
    );
    let (summary, sink) = run(&after);
    assert!(sink.exchanges.iter().all(|e| e.recorder.page_url.is_none()));
    assert_eq!(summary.producer.as_deref(), Some("X 9"));
}

fn fixture(name: &str) -> Collect {
    let path = format!("{}/tests/data/har/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(path).unwrap();
    let (summary, sink) = run_with(&bytes, &Limits::default()).unwrap();
    assert_eq!(summary.entries, sink.exchanges.len() as u64);
    sink
}

#[test]
fn chrome_preflight_and_cors_failures() {
    let c = fixture("chrome-cors-failed-synthetic.har");
    let pre = &c.exchanges[0];
    assert_eq!(pre.recorder.resource_type.as_deref(), Some("preflight"));
    let init = pre.recorder.initiator.as_ref().unwrap();
    assert_eq!(init.kind, "preflight");
    assert_eq!(
        init.url.as_deref(),
        Some("https://api.example.test/v1/items")
    );
    assert_eq!(init.request_id.as_deref(), Some("31440.755"));
    assert_eq!(
        pre.endpoints.server_ip,
        Some("2001:db8::10".parse::<IpAddr>().unwrap())
    );
    assert_eq!(pre.response.as_ref().unwrap().status, 204);
    assert_eq!(pre.failure, None);
    assert_eq!(
        pre.recorder.page_url.as_deref(),
        Some("https://app.example.test/dashboard")
    );
    assert!(!pre.request.headers_provisional);
    let started = pre.timing.started.unwrap();
    assert_eq!(
        pre.timing.response_started.unwrap().secs_since(started),
        0.028
    );

    let never_sent = &c.exchanges[1];
    assert!(never_sent.response.is_none());
    assert!(never_sent.request.headers_provisional);
    assert_eq!(
        never_sent.failure.as_ref().unwrap().kind,
        FailureKind::Generic
    );
    assert_eq!(never_sent.request.body_size, Some(13));

    let blocked = &c.exchanges[2];
    let r = blocked.response.as_ref().unwrap();
    assert_eq!((r.status, &*r.status_text), (400, "Bad Request"));
    assert_eq!(r.from_cache, Some(CacheSource::Disk));
    assert_eq!(blocked.failure.as_ref().unwrap().text, "net::ERR_FAILED");
    assert!(!blocked.request.headers_provisional);
    assert!(blocked.request.cookies_recorded);
    assert!(blocked.recorder.via_service_worker);
}

#[test]
fn playwright_failure_text() {
    let c = fixture("playwright-failure-text-synthetic.har");
    let x = &c.exchanges[0];
    assert!(x.response.is_none(), "status -1 and no headers");
    assert_eq!(x.failure.as_ref().unwrap().text, "net::ERR_FAILED");
    assert!(x.request.headers_provisional);
    assert_eq!(x.timing.finished, None, "time -1");
    assert_eq!(x.request.body_size, None);
    assert_eq!(x.recorder.resource_type.as_deref(), Some("fetch"));
}

/// Yields `data`, then fails.
struct FailAfter<'a>(&'a [u8]);

impl std::io::Read for FailAfter<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::other("corrupt gzip stream"));
        }
        let n = out.len().min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn read_failures_are_errors_before_entries_and_issues_after() {
    let full = har(&[entry("https://a.test/1", ""), entry("https://a.test/2", "")]);
    let cut = full.find("https://a.test/2").unwrap();
    let mut sink = Collect::default();
    let summary = har::read(
        &mut FailAfter(&full.as_bytes()[..cut]),
        &Limits::default(),
        &mut sink,
    )
    .unwrap();
    assert_eq!((summary.entries, sink.exchanges.len()), (1, 1));
    assert_eq!(sink.issues[0].id, har::HAR_READ_FAILED);
    let mut sink = Collect::default();
    match har::read(
        &mut FailAfter(&full.as_bytes()[..5]),
        &Limits::default(),
        &mut sink,
    ) {
        Err(CaptureError::Io { offset: 5, .. }) => {}
        other => panic!("{other:?}"),
    }
}
