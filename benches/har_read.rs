//! `capture::har::read` over an in-memory generated Chrome DevTools HAR, exchanges counted.
//! Asserts: exchanges = HAR entries, exchanges with a response = entries with a status,
//! `OPTIONS` exchanges = preflight entries, no in-band issues, `HarSummary.entries` = entries.
//!
//! `api_entries_har`: the same over a HAR of small API calls (28 headers, tiny JSON bodies,
//! indented as `JSON.stringify(_, null, 2)` writes it), where the cost per entry and per header
//! dominates rather than the bodies.

mod support;

use std::hint::black_box;
use std::time::Duration;

use corscope::model::Limits;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use support::{verify, CountingSink, Format, Mix};

fn har_read(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("har_read");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    for (name, mix) in [
        ("devtools_har", Mix::Browser),
        ("devtools_har_api", Mix::Api),
    ] {
        let (input, truth) = support::input_of(Format::Har, mix);
        group.throughput(Throughput::ElementsAndBytes {
            elements: truth.har.entries,
            bytes: input.len() as u64,
        });
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut sink = CountingSink::default();
                let summary = corscope::capture::har::read(&mut &input[..], &limits, &mut sink);
                let entries = summary.as_ref().map_or(0, |s| s.entries);
                verify("har_read", "entries read", entries, truth.har.entries);
                verify("har_read", "exchanges", sink.exchanges, truth.har.entries);
                verify("har_read", "responses", sink.responses, truth.responses);
                verify(
                    "har_read",
                    "OPTIONS exchanges",
                    sink.options,
                    truth.preflights,
                );
                verify("har_read", "issues", sink.issues, 0);
                black_box(sink.exchanges)
            })
        });
    }
    let (input, entries) = api_entries(support::input_bytes());
    group.throughput(Throughput::ElementsAndBytes {
        elements: entries,
        bytes: input.len() as u64,
    });
    group.bench_function("api_entries_har", |b| {
        b.iter(|| {
            let mut sink = CountingSink::default();
            let summary = corscope::capture::har::read(&mut &input[..], &limits, &mut sink);
            let read = summary.as_ref().map_or(0, |s| s.entries);
            verify("har_read", "api entries read", read, entries);
            verify("har_read", "api exchanges", sink.exchanges, entries);
            verify("har_read", "api responses", sink.responses, entries);
            verify("har_read", "api issues", sink.issues, 0);
            black_box(sink.exchanges)
        })
    });
    group.finish();
}

/// A HAR of about `size` bytes of small API entries, and its number of entries.
fn api_entries(size: u64) -> (Vec<u8>, u64) {
    let mut out = br#"{"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "entries": ["#.to_vec();
    let mut entries = 0;
    while (out.len() as u64) < size {
        if entries > 0 {
            out.extend_from_slice(b",\n");
        }
        let entry = api_entry(entries);
        let text = serde_json::to_string_pretty(&entry).unwrap_or_default();
        out.extend_from_slice(text.as_bytes());
        entries += 1;
    }
    out.extend_from_slice(b"]}}\n");
    (out, entries)
}

fn api_entry(i: u64) -> serde_json::Value {
    let lines = |pairs: &[(&str, &str)]| -> Vec<serde_json::Value> {
        pairs
            .iter()
            .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
            .collect()
    };
    let request_headers = lines(&[
        (":authority", "api.example.test"),
        (":method", "POST"),
        (":path", "/v1/items"),
        (":scheme", "https"),
        ("accept", "application/json, text/plain, */*"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("accept-language", "en-GB,en;q=0.9"),
        ("content-type", "application/json"),
        ("origin", "https://app.example.test"),
        ("priority", "u=1, i"),
        ("referer", "https://app.example.test/"),
        ("sec-ch-ua", "\"Chromium\";v=\"126\", \"Google Chrome\";v=\"126\""),
        ("sec-ch-ua-mobile", "?0"),
        ("sec-ch-ua-platform", "\"macOS\""),
        ("sec-fetch-dest", "empty"),
        ("sec-fetch-mode", "cors"),
        ("sec-fetch-site", "same-site"),
        ("user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"),
    ]);
    let response_headers = lines(&[
        ("access-control-allow-origin", "https://app.example.test"),
        ("access-control-allow-credentials", "true"),
        ("cache-control", "no-store"),
        ("content-encoding", "br"),
        ("content-type", "application/json; charset=utf-8"),
        ("date", "Thu, 20 Jun 2024 10:00:01 GMT"),
        ("server", "envoy"),
        ("strict-transport-security", "max-age=63072000"),
        ("vary", "Origin, Accept-Encoding"),
        ("x-request-id", "4f6c1d9e-7b0a-4a55-9a8e-2b1f3c4d5e6f"),
    ]);
    serde_json::json!({
        "_initiator": {"type": "script", "stack": {"callFrames": [{"functionName": "send", "scriptId": "42", "url": "https://app.example.test/static/js/main.js", "lineNumber": 1, "columnNumber": 40211}]}},
        "_priority": "High",
        "_resourceType": "fetch",
        "cache": {},
        "connection": "443",
        "pageref": "page_1",
        "request": {
            "method": "POST",
            "url": format!("https://api.example.test/v1/items/{i}?include=owner,tags"),
            "httpVersion": "http/2.0",
            "headers": request_headers,
            "queryString": [{"name": "include", "value": "owner,tags"}],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 64,
            "postData": {"mimeType": "application/json", "text": "{\"name\":\"item\",\"tags\":[\"a\",\"b\"],\"owner\":{\"id\":12345}}"}
        },
        "response": {
            "status": 200,
            "statusText": "",
            "httpVersion": "http/2.0",
            "headers": response_headers,
            "cookies": [],
            "content": {"size": 412, "mimeType": "application/json", "text": format!("{{\"id\":{i},\"name\":\"item\",\"tags\":[\"a\",\"b\"],\"owner\":{{\"id\":12345,\"name\":\"Owner Name\"}}}}")},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_transferSize": 611,
            "_error": null
        },
        "serverIPAddress": "203.0.113.7",
        "startedDateTime": "2024-06-20T10:00:01.123Z",
        "time": 48.213,
        "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.3, "wait": 45.1, "receive": 1.6, "_blocked_queueing": 0.8}
    })
}

criterion_group!(benches, har_read);
criterion_main!(benches);
