//! Throughput check, not a test of behaviour: writes a ~200 MB DevTools-like HAR of small API
//! entries to the temp directory (once) and times `har::read` over it with a counting sink.
//! Run with `cargo test --release --test har_throughput -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use corscope::capture::har;
use corscope::capture::Sink;
use corscope::model::{Exchange, Issue, Limits};

#[derive(Default)]
struct Count {
    exchanges: u64,
    headers: u64,
    issues: u64,
}

impl Sink for Count {
    fn exchange(&mut self, exchange: Exchange) {
        self.exchanges += 1;
        self.headers += exchange.request.headers.len() as u64;
    }
    fn issue(&mut self, _: Issue) {
        self.issues += 1;
    }
}

fn entry(i: u64) -> serde_json::Value {
    let req_headers: Vec<_> = [
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
    ]
    .iter()
    .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
    .collect();
    let resp_headers: Vec<_> = [
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
    ]
    .iter()
    .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
    .collect();
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
            "headers": req_headers,
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
            "headers": resp_headers,
            "cookies": [],
            "content": {"size": 412, "mimeType": "application/json", "text": format!("{{\"id\":{i},\"name\":\"item\",\"tags\":[\"a\",\"b\"],\"owner\":{{\"id\":12345,\"name\":\"Owner Name\"}},\"created\":\"2024-06-20T10:00:01Z\",\"links\":{{\"self\":\"/v1/items/{i}\"}}}}")},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_transferSize": 611,
            "_error": null
        },
        "serverIPAddress": "203.0.113.7",
        "startedDateTime": "2024-06-20T10:00:01.123Z",
        "time": 48.213,
        "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.3, "wait": 45.1, "receive": 1.6, "_blocked_queueing": 0.8, "_workerStart": -1, "_workerReady": -1, "_workerFetchStart": -1, "_workerRespondWithSettled": -1}
    })
}

fn sample() -> PathBuf {
    let path = std::env::temp_dir().join("corscope-har-throughput.har");
    if path.exists() {
        return path;
    }
    let mut out = BufWriter::new(File::create(&path).unwrap());
    write!(out, "{{\n  \"log\": {{\n    \"version\": \"1.2\",\n    \"creator\": {{\"name\": \"WebInspector\", \"version\": \"537.36\"}},\n    \"pages\": [{{\"id\": \"page_1\", \"title\": \"https://app.example.test/\"}}],\n    \"entries\": [\n").unwrap();
    let mut written = 0u64;
    let mut i = 0;
    while written < 200_000_000 {
        let text = serde_json::to_string_pretty(&entry(i)).unwrap();
        if i > 0 {
            out.write_all(b",\n").unwrap();
        }
        out.write_all(text.as_bytes()).unwrap();
        written += text.len() as u64 + 2;
        i += 1;
    }
    out.write_all(b"\n    ]\n  }\n}\n").unwrap();
    out.flush().unwrap();
    path
}

#[test]
#[ignore = "throughput check; run in release with --ignored --nocapture"]
fn throughput() {
    let path = sample();
    let size = std::fs::metadata(&path).unwrap().len();
    // Whole file via serde_json IgnoredAny, for scale.
    let bytes = std::fs::read(&path).unwrap();
    let t = Instant::now();
    let _: serde::de::IgnoredAny = serde_json::from_slice(&bytes).unwrap();
    let skip = t.elapsed().as_secs_f64();
    drop(bytes);
    for _ in 0..3 {
        let mut file = File::open(&path).unwrap();
        let mut sink = Count::default();
        let t = Instant::now();
        let summary = har::read(&mut file, &Limits::default(), &mut sink).unwrap();
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(summary.entries, sink.exchanges);
        println!(
            "{} MB, {} entries, {} headers: {:.3} s, {:.2} GB/s (serde_json IgnoredAny over the slice: {:.2} GB/s)",
            size / 1_000_000,
            sink.exchanges,
            sink.headers,
            secs,
            size as f64 / secs / 1e9,
            size as f64 / skip / 1e9
        );
    }
}
