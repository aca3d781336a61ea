//! Recordings for the golden report tests, written in code: DevTools-style HAR documents built
//! from a few entry builders, and pcap captures of a reverse proxy (both legs) for the causes
//! only a capture on the proxy host can show. Also the runner that pushes a recording through
//! the real pipeline and returns the report in each format.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use corscope::pipeline::{self, Options, Source, SourceOrigin};
use corscope::redact::Redactor;
use corscope::report::{self, ReportFormat};
use serde_json::{json, Value};

/// The page origin.
pub const O: &str = "https://app.test";
/// The page the scripts run in.
pub const PAGE: &str = "https://app.test/dashboard";
/// The API the page calls.
pub const API: &str = "https://api.test/v1/items";
/// The script that makes the calls.
const SCRIPT: &str = "https://app.test/static/app.js";
/// `startedDateTime` of the first entry: 2025-01-15T10:00:00Z.
const BASE_MS: u64 = 1_736_935_200_000;
const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/// One `log.entries[i]` under construction.
#[derive(Clone, Debug)]
pub struct Entry {
    method: String,
    url: String,
    req: Vec<(String, String)>,
    /// 0: no response recorded.
    status: u16,
    resp: Vec<(String, String)>,
    resource: &'static str,
    initiator: Value,
    error: Option<String>,
    /// Whether the request reached the wire (else provisional headers, `httpVersion: ""`).
    sent: bool,
    from_cache: Option<&'static str>,
    ip: Option<String>,
    /// Milliseconds after the previous entry started.
    gap_ms: u64,
}

fn script_initiator() -> Value {
    json!({"type": "script", "stack": {"callFrames": [
        {"functionName": "load", "scriptId": "12", "url": SCRIPT, "lineNumber": 41, "columnNumber": 7}
    ]}})
}

/// The page load every recording starts with.
pub fn document() -> Entry {
    Entry {
        method: "GET".into(),
        url: PAGE.into(),
        req: vec![
            ("Accept".into(), "text/html".into()),
            ("User-Agent".into(), UA.into()),
        ],
        status: 200,
        resp: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
        resource: "document",
        initiator: json!({"type": "other"}),
        error: None,
        sent: true,
        from_cache: None,
        ip: Some("203.0.113.5".into()),
        gap_ms: 0,
    }
}

/// The document of a page at `url` (public address).
pub fn page_document(url: &str) -> Entry {
    Entry {
        url: url.into(),
        ..document()
    }
}

/// A `fetch()` from the page, as Chromium sends it.
pub fn fetch(method: &str, url: &str) -> Entry {
    Entry {
        method: method.into(),
        url: url.into(),
        req: vec![
            ("Accept".into(), "*/*".into()),
            ("Origin".into(), O.into()),
            ("Referer".into(), format!("{O}/")),
            ("Sec-Fetch-Mode".into(), "cors".into()),
            ("User-Agent".into(), UA.into()),
        ],
        status: 0,
        resp: Vec::new(),
        resource: "fetch",
        initiator: script_initiator(),
        error: None,
        sent: true,
        from_cache: None,
        ip: Some("198.51.100.7".into()),
        gap_ms: 100,
    }
}

/// A request Chromium stopped before sending (its preflight failed): provisional headers
/// without Origin, status 0, `net::ERR_FAILED`.
pub fn stopped(method: &str, url: &str) -> Entry {
    Entry {
        req: vec![
            ("Referer".into(), format!("{O}/")),
            ("User-Agent".into(), UA.into()),
        ],
        sent: false,
        ip: None,
        error: Some("net::ERR_FAILED".into()),
        ..fetch(method, url)
    }
}

/// The preflight Chromium sent for a request to `url` with `method` and the
/// `Access-Control-Request-Headers` value `headers`.
pub fn preflight(url: &str, method: &str, headers: Option<&str>) -> Entry {
    let mut req = vec![("Accept".to_string(), "*/*".to_string())];
    if let Some(h) = headers {
        req.push(("Access-Control-Request-Headers".into(), h.into()));
    }
    req.push(("Access-Control-Request-Method".into(), method.into()));
    req.push(("Origin".into(), O.into()));
    req.push(("Sec-Fetch-Mode".into(), "cors".into()));
    req.push(("User-Agent".into(), UA.into()));
    Entry {
        method: "OPTIONS".into(),
        url: url.into(),
        req,
        status: 0,
        resp: Vec::new(),
        resource: "preflight",
        initiator: json!({"type": "preflight", "url": url, "requestId": "4242.17"}),
        error: None,
        sent: true,
        from_cache: None,
        ip: Some("198.51.100.7".into()),
        // DevTools lists the request first; its preflight starts a millisecond later.
        gap_ms: 1,
    }
}

impl Entry {
    /// Adds a request header (replacing one of the same name).
    pub fn h(mut self, name: &str, value: &str) -> Self {
        self.req.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.req.push((name.into(), value.into()));
        self
    }
    /// Adds a request header line, keeping any other line of the same name.
    pub fn h_add(mut self, name: &str, value: &str) -> Self {
        self.req.push((name.into(), value.into()));
        self
    }
    /// Sets the response status.
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    /// Adds a response header (a 200 response if no status was set).
    pub fn rh(mut self, name: &str, value: &str) -> Self {
        if self.status == 0 {
            self.status = 200;
        }
        self.resp.push((name.into(), value.into()));
        self
    }
    /// Adds `Access-Control-Allow-Origin: https://app.test`.
    pub fn acao_ok(self) -> Self {
        self.rh("Access-Control-Allow-Origin", O)
    }
    /// The browser failed it with `text` (`_error`).
    pub fn failed(mut self, text: &str) -> Self {
        self.error = Some(text.into());
        self
    }
    /// The browser blocked it: `_error: net::ERR_FAILED`.
    pub fn blocked(self) -> Self {
        self.failed("net::ERR_FAILED")
    }
    /// An `XMLHttpRequest` instead of `fetch()`.
    pub fn xhr(mut self) -> Self {
        self.resource = "xhr";
        self
    }
    /// Another resource type (`font`, `script`, ...).
    pub fn resource(mut self, t: &'static str) -> Self {
        self.resource = t;
        self
    }
    /// Served from the disk cache (`_fromCache: "disk"`).
    pub fn cached(mut self) -> Self {
        self.from_cache = Some("disk");
        self
    }
    /// `serverIPAddress`.
    pub fn ip(mut self, ip: &str) -> Self {
        self.ip = Some(ip.into());
        self
    }
    /// Starts `ms` after the previous entry.
    pub fn after(mut self, ms: u64) -> Self {
        self.gap_ms = ms;
        self
    }

    fn to_json(&self, started_ms: u64) -> Value {
        let headers = |h: &[(String, String)]| -> Value {
            h.iter()
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect()
        };
        let cookies: Vec<Value> = self
            .req
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split("; ").map(str::to_owned).collect::<Vec<_>>())
            .filter_map(|c| {
                c.split_once('=')
                    .map(|(n, v)| json!({"name": n, "value": v}))
            })
            .collect();
        let status_text = match self.status {
            0 => "",
            200 => "OK",
            204 => "No Content",
            301 => "Moved Permanently",
            302 => "Found",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            _ => "",
        };
        let location = self
            .resp
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("location"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let answered = self.status != 0;
        let wait = if answered { 20.0 } else { 0.0 };
        let mut e = json!({
            "_initiator": self.initiator,
            "_priority": "High",
            "_resourceType": self.resource,
            "cache": {},
            "pageref": "page_1",
            "request": {
                "method": self.method,
                "url": self.url,
                "httpVersion": if self.sent { "HTTP/1.1" } else { "" },
                "headers": headers(&self.req),
                "queryString": [],
                "cookies": cookies,
                "headersSize": if self.sent { 300 } else { -1 },
                "bodySize": 0
            },
            "response": {
                "status": self.status,
                "statusText": status_text,
                "httpVersion": if answered { "HTTP/1.1" } else { "" },
                "headers": headers(&self.resp),
                "cookies": [],
                "content": {"size": 0, "mimeType": if answered { "application/json" } else { "x-unknown" }},
                "redirectURL": location,
                "headersSize": if answered { 150 } else { -1 },
                "bodySize": if answered { 0 } else { -1 },
                "_transferSize": if answered { 150 } else { 0 },
                "_error": self.error,
                "_fetchedViaServiceWorker": false
            },
            "serverIPAddress": self.ip.clone().unwrap_or_default(),
            "startedDateTime": rfc3339(started_ms),
            "time": if answered { 21.5 } else { 0.5 },
            "timings": {
                "blocked": 0.5, "dns": -1, "ssl": -1, "connect": -1,
                "send": if answered { 0.5 } else { 0.0 }, "wait": wait,
                "receive": if answered { 0.5 } else { 0.0 }
            }
        });
        if let Some(c) = self.from_cache {
            e["_fromCache"] = json!(c);
        }
        e
    }
}

/// `2025-01-15T10:00:00.000Z` plus whatever `ms` adds (within the hour).
fn rfc3339(ms: u64) -> String {
    let off = ms - BASE_MS;
    assert!(off < 3_600_000, "recordings stay within one hour");
    let (min, rest) = (off / 60_000, off % 60_000);
    format!(
        "2025-01-15T10:{min:02}:{:02}.{:03}Z",
        rest / 1000,
        rest % 1000
    )
}

/// A DevTools HAR: `log.pages` with the page, then the entries, each starting `gap_ms` after
/// the one before it.
pub fn har(page: &str, entries: &[Entry]) -> Vec<u8> {
    har_by("WebInspector", "537.36", page, entries)
}

/// [`har`] as another producer names itself in `log.creator`.
pub fn har_by(creator: &str, version: &str, page: &str, entries: &[Entry]) -> Vec<u8> {
    let mut t = BASE_MS;
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            t += e.gap_ms;
            e.to_json(t)
        })
        .collect();
    let doc = json!({"log": {
        "version": "1.2",
        "creator": {"name": creator, "version": version},
        "pages": [{
            "startedDateTime": rfc3339(BASE_MS),
            "id": "page_1",
            "title": page,
            "pageTimings": {"onContentLoad": 120.5, "onLoad": 180.25}
        }],
        "entries": entries
    }});
    serde_json::to_vec_pretty(&doc).expect("HAR serializes")
}

// ---- running the pipeline --------------------------------------------------------------------

/// A writer the renderer owns while the test keeps a handle on what it wrote.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs the real pipeline over `inputs` (name as reports show it, bytes) and returns the report
/// in `format`, without colour. The tool version is replaced by `[version]`.
pub fn report(inputs: &[(&str, &[u8])], format: ReportFormat) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let sources = inputs
        .iter()
        .enumerate()
        .map(|(i, (name, bytes))| {
            let path = dir.path().join(format!("{i}.bin"));
            std::fs::write(&path, bytes).expect("write input");
            Source {
                name: (*name).to_string(),
                origin: SourceOrigin::File(path),
            }
        })
        .collect();
    let out = Shared::default();
    let mut renderer = report::renderer(format, Box::new(out.clone()), false);
    let options = Options {
        jobs: Some(1),
        // A fixed key, so that redaction markers are the same in every run.
        redactor: Redactor::with_key(b"golden"),
        ..Options::default()
    };
    pipeline::run(sources, &options, renderer.as_mut()).expect("pipeline runs");
    drop(renderer);
    let bytes = out.0.lock().expect("lock").clone();
    let text = String::from_utf8(bytes).expect("reports are UTF-8");
    let version = format!("\"version\":\"{}\"", env!("CARGO_PKG_VERSION"));
    text.replace(&version, "\"version\":\"[version]\"")
}

// ---- pcap of a reverse proxy -------------------------------------------------------------------

#[path = "../pcap_writer/mod.rs"]
mod pcap_writer;

use pcap_writer::{pcap, Conn, Rec};

/// A capture taken on a reverse proxy host (`tcpdump -i any`): the browser's request to the
/// proxy (10.0.0.2:80) and the proxy's request to the origin server (10.0.0.3:8080), each with
/// its response, `upstream_headers` on the origin server's and `client_headers` on the
/// proxy's. Requests are `GET http://api.test/v1/items` with `Origin: https://app.test`.
pub fn proxy_pcap(client_headers: &[(&str, &str)], upstream_headers: &[(&str, &str)]) -> Vec<u8> {
    let request = |extra: &str| {
        format!(
            "GET /v1/items HTTP/1.1\r\nHost: api.test\r\nOrigin: {O}\r\nSec-Fetch-Mode: cors\r\nReferer: {O}/\r\n{extra}\r\n"
        )
        .into_bytes()
    };
    let response = |headers: &[(&str, &str)], via: bool| {
        let mut s = String::from(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n",
        );
        for (n, v) in headers {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        if via {
            s.push_str("Via: 1.1 edge-proxy\r\n");
        }
        s.push_str("\r\n[]");
        s.into_bytes()
    };
    let mut client = Conn::new("10.0.0.5:51000", "10.0.0.2:80", 1000, 5000);
    client
        .handshake()
        .send(true, &request(""), 1460)
        .send(false, &response(client_headers, true), 1460)
        .fin(true)
        .fin(false);
    let mut upstream = Conn::new("10.0.0.2:40000", "10.0.0.3:8080", 9000, 7000);
    upstream
        .handshake()
        .send(true, &request("X-Forwarded-For: 10.0.0.5\r\n"), 1460)
        .send(false, &response(upstream_headers, false), 1460)
        .fin(true)
        .fin(false);
    // Client handshake and request, the proxy's handshake, request and its answer, then the
    // proxy's answer to the client, then both closes.
    let order = [
        &client.segs[0..4],
        &upstream.segs[0..5],
        &client.segs[4..5],
        &upstream.segs[5..],
        &client.segs[5..],
    ];
    let recs: Vec<Rec> = order
        .iter()
        .flat_map(|s| s.iter())
        .enumerate()
        .map(|(i, s)| {
            Rec::new(
                BASE_MS * 1_000_000 + i as u64 * 1_000_000,
                pcap_writer::ethernet(s, &[]),
            )
        })
        .collect();
    pcap(1, &recs, false, false)
}
