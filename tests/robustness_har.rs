//! Bad HAR input is data: truncated files, malformed entries, oversized entries, invalid
//! UTF-8 and pathological nesting each end in a named issue with its entry or offset, or are
//! read leniently, while every other entry is still read. Every read here also goes through
//! the fuzz harness's checks (entries read = exchanges + skipped-entry issues).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz_harness;

use corscope::capture::CaptureError;
use corscope::model::{EntryIndex, Issue, Limits, Location, Position};
use fuzz_harness::{run_har, Collect};

const API: &str = "https://api.test/v1/items";

fn entry(url: &str, header_value: &str) -> String {
    format!(
        r#"{{"startedDateTime":"2024-05-01T10:00:00Z","time":1,"request":{{"method":"GET","url":"{url}","httpVersion":"HTTP/1.1","headers":[{{"name":"Origin","value":"https://app.test"}},{{"name":"X-Value","value":"{header_value}"}}],"cookies":[],"headersSize":-1,"bodySize":0}},"response":{{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[{{"name":"Access-Control-Allow-Origin","value":"*"}}],"content":{{"size":0,"mimeType":"text/plain"}},"redirectURL":"","headersSize":-1,"bodySize":0}},"cache":{{}},"timings":{{"send":0,"wait":1,"receive":0}}}}"#
    )
}

fn har(entries: &[String]) -> String {
    format!(
        r#"{{"log":{{"version":"1.2","creator":{{"name":"test","version":"1"}},"entries":[{}]}}}}"#,
        entries.join(",")
    )
}

fn read(input: &[u8], limits: &Limits) -> (Result<u64, String>, Collect) {
    let (r, sink) = run_har(&mut &input[..], limits);
    (r.map(|s| s.entries), sink)
}

fn only<'a>(sink: &'a Collect, id: &str) -> &'a Issue {
    let found: Vec<&Issue> = sink.issues().filter(|i| i.id == id).collect();
    assert_eq!(found.len(), 1, "{id}: {:?}", sink.0);
    found[0]
}

fn entry_indices(sink: &Collect) -> Vec<u64> {
    sink.exchanges()
        .map(|x| match x.location {
            Location::Entry(EntryIndex(i)) => i,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn truncated_mid_entry_keeps_the_entries_before_and_says_where_it_ends() {
    let text = har(&[entry(API, "a"), entry(API, "b"), entry(API, "c")]);
    let third = text.rfind(r#"{"startedDateTime""#).unwrap();
    let cut = &text.as_bytes()[..third + 100];
    let (entries, sink) = read(cut, &Limits::default());
    assert_eq!(entries, Ok(2));
    assert_eq!(entry_indices(&sink), [0, 1]);
    let t = only(&sink, "har-truncated");
    assert_eq!(t.at, Some(Position::offset(cut.len() as u64)));
    assert_eq!(
        t.message,
        format!(
            "input ends at byte offset {}; the 2 entries before were read",
            cut.len()
        )
    );
    assert_eq!(sink.issues().count(), 1);
}

#[test]
fn a_malformed_entry_in_the_middle_is_skipped_by_index_and_the_rest_read() {
    let bad = r#"{"request":{"method":"GET","url":"https://api.test/",}}"#.to_string();
    let text = har(&[entry(API, "a"), bad, entry(API, "c")]);
    let at = text.find(r#"{"request""#).unwrap();
    let (entries, sink) = read(text.as_bytes(), &Limits::default());
    assert_eq!(entries, Ok(3));
    assert_eq!(entry_indices(&sink), [0, 2]);
    let m = only(&sink, "har-entry-malformed");
    assert_eq!(m.at, Some(Position::Entry(EntryIndex(1))));
    assert!(
        m.message
            .starts_with(&format!("entry at byte offset {at} is not valid JSON (")),
        "{}",
        m.message
    );
    assert_eq!(sink.issues().count(), 1);
}

#[test]
fn a_50_mb_header_value_is_skipped_at_the_entry_size_cap() {
    let big = "x".repeat(50 << 20);
    let text = har(&[entry(API, "a"), entry(API, &big), entry(API, "c")]);
    let second = text.find(",{\"startedDateTime\"").unwrap() + 1;
    let big_len = entry(API, &big).len();
    let limits = Limits {
        har_entry_bytes: 16 << 20,
        ..Limits::default()
    };
    let (entries, sink) = read(text.as_bytes(), &limits);
    assert_eq!(entries, Ok(3));
    assert_eq!(entry_indices(&sink), [0, 2]);
    let t = only(&sink, "har-entry-too-large");
    assert_eq!(t.at, Some(Position::Entry(EntryIndex(1))));
    assert_eq!(
        t.message,
        format!(
            "entry at byte offset {second} is {big_len} bytes, over the {}-byte limit; skipped",
            16 << 20
        )
    );
}

#[test]
fn invalid_utf8_is_read_lossily_without_an_issue() {
    let text = har(&[entry(API, "a-b"), entry(API, "c")]).into_bytes();
    let mut bytes = text.clone();
    let at = text.windows(3).position(|w| w == b"a-b").unwrap();
    bytes[at + 1] = 0xff;
    let (entries, sink) = read(&bytes, &Limits::default());
    assert_eq!(entries, Ok(2));
    assert_eq!(entry_indices(&sink), [0, 1]);
    assert_eq!(sink.issues().count(), 0, "{:?}", sink.0);
    let x = sink.exchanges().next().unwrap();
    let v = x.request.headers.iter().find(|h| h.is("x-value")).unwrap();
    assert_eq!(v.value_str(), "a\u{fffd}b");
}

#[test]
fn a_million_nested_brackets_in_an_entry_is_no_stack_overflow() {
    const DEPTH: usize = 1_000_000;
    let nested = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    // In a member corscope ignores, and in members it reads with their own types: serde_json
    // skips ignored values without recursing, and the lenient types give up at the first
    // level that has the wrong shape, so every entry is read and nothing is reported.
    let deep = [
        format!(r#"{{"request":{{"method":"GET","url":"{API}"}},"_x":{nested}}}"#),
        format!(r#"{{"request":{{"method":"GET","url":"{API}","headers":{nested}}}}}"#),
        format!(r#"{{"request":{{"method":"GET","url":"{API}"}},"_initiator":{nested}}}"#),
        format!(
            r#"{{"request":{{"method":"GET","url":"{API}"}},"response":{{"status":{nested}}}}}"#
        ),
    ];
    let mut entries: Vec<String> = vec![entry(API, "a")];
    entries.extend(deep.iter().cloned());
    entries.push(entry(API, "c"));
    let text = har(&entries);
    let (n, sink) = read(text.as_bytes(), &Limits::default());
    assert_eq!(n, Ok(6));
    assert_eq!(entry_indices(&sink), [0, 1, 2, 3, 4, 5]);
    assert_eq!(sink.issues().count(), 0, "{:?}", sink.0);
}

#[test]
fn a_million_open_brackets_that_never_close_end_as_a_truncated_file() {
    let open = "[".repeat(1_000_000);
    let text = format!(
        r#"{{"log":{{"entries":[{},{{"request":{{"url":"{API}"}},"_x":{open}"#,
        entry(API, "a")
    );
    let (entries, sink) = read(text.as_bytes(), &Limits::default());
    assert_eq!(entries, Ok(1));
    assert_eq!(entry_indices(&sink), [0]);
    let t = only(&sink, "har-truncated");
    assert_eq!(t.at, Some(Position::offset(text.len() as u64)));
}

#[test]
fn deep_nesting_outside_entries_is_skipped_by_the_scanner() {
    let nested = format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
    let objects = format!("{}{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    // In an unknown member of the root and of `log`, as a page, and as an entry.
    let text = format!(
        r#"{{"_x":{nested},"log":{{"_y":{objects},"pages":[{nested}],"entries":[{},{nested}]}}}}"#,
        entry(API, "a")
    );
    let (entries, sink) = read(text.as_bytes(), &Limits::default());
    assert_eq!(entries, Ok(2));
    assert_eq!(entry_indices(&sink), [0]);
    let m = only(&sink, "har-entry-malformed");
    assert_eq!(m.at, Some(Position::Entry(EntryIndex(1))));
    assert!(
        m.message.ends_with("is not an object; skipped"),
        "{}",
        m.message
    );
}

#[test]
fn a_document_that_is_not_a_har_is_an_error_with_its_offset() {
    let cases: [(&[u8], &str); 4] = [
        (
            b"{\"log\": 7}",
            "expected an object for \"log\" at byte offset 8",
        ),
        (
            b"{\"log\":{\"entries\":{}}}",
            "expected an array for \"log.entries\" at byte offset 18",
        ),
        (
            b"{\"log\":{\"creator\":{}",
            "input ends before log.entries at byte offset 20",
        ),
        (
            b"{\"other\":[]}",
            "not a HAR, pcap or pcapng file (a JSON document without a HAR \"log\" object)",
        ),
    ];
    for (input, expected) in cases {
        let mut sink = Collect::default();
        let r = corscope::capture::har::read(&mut &input[..], &Limits::default(), &mut sink);
        let e: CaptureError = r.unwrap_err();
        assert_eq!(e.to_string(), expected);
        assert!(sink.0.is_empty());
    }
}
