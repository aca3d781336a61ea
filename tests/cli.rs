//! The binary as a user runs it: inputs of every kind, bad inputs beside good ones, exit
//! codes, and the JSON schema.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn corscope(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corscope"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn corscope");
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(data).expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A DevTools-style HAR: one page on app.test, one cross-origin fetch answered without
/// Access-Control-Allow-Origin and failed by the browser, one same-origin document.
fn blocked_har() -> String {
    r#"{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},
 "pages":[{"startedDateTime":"2026-11-01T10:00:00.000Z","id":"page_1","title":"http://app.test:8000/","pageTimings":{}}],
 "entries":[
  {"pageref":"page_1","startedDateTime":"2026-11-01T10:00:00.000Z","time":5,
   "_resourceType":"document","_initiator":{"type":"other"},
   "request":{"method":"GET","url":"http://app.test:8000/","httpVersion":"HTTP/1.1","headers":[{"name":"Host","value":"app.test:8000"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},
   "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[{"name":"Content-Type","value":"text/html"}],"cookies":[],"content":{"size":5,"mimeType":"text/html","text":"hello"},"redirectURL":"","headersSize":-1,"bodySize":5},
   "cache":{},"timings":{"send":1,"wait":2,"receive":2}},
  {"pageref":"page_1","startedDateTime":"2026-11-01T10:00:01.000Z","time":5,
   "_resourceType":"fetch","_initiator":{"type":"script"},
   "request":{"method":"GET","url":"http://api.test:8001/data","httpVersion":"HTTP/1.1","headers":[{"name":"Host","value":"api.test:8001"},{"name":"Origin","value":"http://app.test:8000"},{"name":"Sec-Fetch-Mode","value":"cors"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},
   "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[{"name":"Content-Type","value":"application/json"}],"cookies":[],"content":{"size":2,"mimeType":"application/json"},"redirectURL":"","headersSize":-1,"bodySize":2,"_error":"net::ERR_FAILED"},
   "cache":{},"timings":{"send":1,"wait":2,"receive":2}}
 ]}}"#
        .to_string()
}

fn allowed_har() -> String {
    blocked_har()
        .replace(
            r#"{"name":"Content-Type","value":"application/json"}"#,
            r#"{"name":"Content-Type","value":"application/json"},{"name":"Access-Control-Allow-Origin","value":"http://app.test:8000"}"#,
        )
        .replace(r#","_error":"net::ERR_FAILED""#, "")
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write fixture");
    p.display().to_string()
}

#[test]
fn blocked_exchange_exits_1_with_chromium_cause_and_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = write(dir.path(), "blocked.json", blocked_har().as_bytes());
    let out = corscope(&["analyze", &har, "--format", "json"], None);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(doc["tool"]["name"], "corscope");
    assert_eq!(doc["inputs"][0]["format"], "har");
    assert_eq!(doc["inputs"][0]["exchanges"], 2);
    let ex = &doc["exchanges"][1];
    assert_eq!(ex["id"], "0:1");
    assert_eq!(ex["location"]["entry"], 1);
    assert_eq!(ex["kind"], "cors");
    assert_eq!(ex["origin"], "http://app.test:8000");
    assert_eq!(ex["verdict"], "blocked");
    assert_eq!(ex["sent"], true);
    assert_eq!(ex["status"], 200);
    let cause = &ex["causes"][0];
    assert_eq!(cause["name"], "missing-allow-origin");
    assert_eq!(cause["chromium"], "MissingAllowOriginHeader");
    assert_eq!(cause["if_credentialed"], false);
    assert_eq!(
        cause["message"],
        "Access to fetch at 'http://api.test:8001/data' from origin 'http://app.test:8000' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."
    );
    assert!(cause["fix"]
        .as_str()
        .is_some_and(|f| f.contains("Access-Control-Allow-Origin")));
    assert_eq!(doc["summary"]["blocked"], 1);
    assert_eq!(doc["summary"]["by_cause"]["missing-allow-origin"], 1);
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f["kind"], "blocked");
    assert_eq!(f["server"], "http://api.test:8001");
    assert_eq!(f["route"], "/data");
    assert_eq!(f["page_origin"], "http://app.test:8000");
    assert_eq!(f["exchanges"], 1);
    assert_eq!(f["message"], cause["message"]);
    // The page load itself is a navigation: CORS does not apply.
    assert_eq!(doc["exchanges"][0]["kind"], "not-cors");
}

#[test]
fn allowed_exchange_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = write(dir.path(), "ok.har", allowed_har().as_bytes());
    let out = corscope(&["analyze", &har], None);
    assert_eq!(out.status.code(), Some(0), "stdout: {}", text(&out.stdout));
    let report = text(&out.stdout);
    assert!(report.contains("0 requests blocked"), "{report}");
}

#[test]
fn stdin_gzip_and_jsonl() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(blocked_har().as_bytes()).expect("gzip");
    let data = gz.finish().expect("gzip");
    let out = corscope(&["analyze", "-", "--format", "jsonl"], Some(&data));
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 4, "two exchanges, one finding and a trailer");
    assert_eq!(lines[1]["verdict"], "blocked");
    assert_eq!(lines[2]["finding"]["rule"], "A01");
    assert_eq!(lines[2]["finding"]["example"], "0:1");
    let trailer = &lines[3];
    assert_eq!(trailer["inputs"][0]["path"], "-");
    assert_eq!(trailer["inputs"][0]["compression"], "gzip");
    assert_eq!(trailer["summary"]["blocked"], 1);
}

#[test]
fn bad_inputs_are_named_and_the_rest_is_analysed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = write(dir.path(), "good.har", allowed_har().as_bytes());
    let broken = write(
        dir.path(),
        "broken.har",
        b"{\"log\": {\"entries\": [ {\"request\": ",
    );
    let notes = write(dir.path(), "notes.txt", b"GET / HTTP/1.1\r\n");
    let out = corscope(
        &["analyze", &good, &broken, &notes, "--format", "json"],
        None,
    );
    let err = text(&out.stderr);
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "good input still analysed: {err}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["inputs"][0]["exchanges"], 2);
    assert!(doc["inputs"][2]["error"]
        .as_str()
        .is_some_and(|e| e.contains("not a HAR")));
    assert_eq!(doc["inputs"].as_array().map(Vec::len), Some(3));
}

#[test]
fn nothing_readable_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = write(dir.path(), "notes.txt", b"hello");
    let out = corscope(&["analyze", &notes], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("notes.txt"));
    let out = corscope(&["analyze", "/nonexistent/capture.pcap"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/capture.pcap"));
}

#[test]
fn directories_are_walked_and_non_captures_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    write(dir.path(), "README.md", b"# captures");
    write(&dir.path().join("sub"), "b.har", blocked_har().as_bytes());
    write(dir.path(), "a.har", allowed_har().as_bytes());
    let root = dir.path().display().to_string();
    let out = corscope(&["analyze", &root, "--format", "json"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let paths: Vec<&str> = doc["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| i["path"].as_str().unwrap_or(""))
        .collect();
    assert!(
        paths[0].ends_with("README.md")
            && paths[1].ends_with("a.har")
            && paths[2].ends_with("b.har"),
        "{paths:?}"
    );
    assert!(doc["inputs"][0]["skipped"].is_string());
    assert!(doc["inputs"][0]["error"].is_null());
}

#[test]
fn explain_prints_a_cause_and_rejects_unknown_ones() {
    let out = corscope(&["explain", "P07"], None);
    assert_eq!(out.status.code(), Some(0));
    let doc = text(&out.stdout);
    assert!(
        doc.contains("preflight-status-405") && doc.contains("PreflightInvalidStatus"),
        "{doc}"
    );
    let out = corscope(&["explain", "header-not-allowed"], None);
    assert!(text(&out.stdout).contains("HeaderDisallowedByPreflightResponse"));
    let out = corscope(&["explain", "no-such-cause"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = corscope(&["analyze"], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing inputs is a usage error"
    );
}

/// Reports do not depend on the thread count: one input (reader and engine on two threads
/// when there are spare threads; a HAR's records laid out on the engine's thread, a
/// capture's on the reader's thread) and several inputs (one worker each), every format.
#[test]
fn thread_count_does_not_change_reports() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/recordings");
    let pcap = format!("{dir}/loopback.pcap");
    let har = format!("{dir}/chromium-devtools.har");
    for inputs in [
        vec![pcap.as_str()],
        vec![har.as_str()],
        vec![har.as_str(), pcap.as_str(), dir],
    ] {
        for format in ["json", "jsonl", "text"] {
            let run = |jobs: &str| {
                // A fixed key: markers are then the same in every run.
                let mut args = vec![
                    "analyze",
                    "--format",
                    format,
                    "-j",
                    jobs,
                    "--redact-key",
                    "k",
                ];
                args.extend(inputs.iter().copied());
                let out = corscope(&args, None);
                assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
                out.stdout
            };
            let one = run("1");
            assert!(one.len() > 1000, "{format}: {}", text(&one));
            for jobs in ["2", "4"] {
                assert!(
                    run(jobs) == one,
                    "{format} with -j {jobs} differs from -j 1 on {inputs:?}"
                );
            }
        }
    }
}

/// A HAR of `n` blocked cross-origin fetches (one per URL).
fn many_blocked_har(n: usize) -> String {
    let entry = |i: usize| {
        format!(
            r#"{{"startedDateTime":"2026-11-01T10:00:{:02}.{:03}Z","time":5,"_resourceType":"fetch",
   "request":{{"method":"GET","url":"http://api.test:8001/data/{i}","httpVersion":"HTTP/1.1","headers":[{{"name":"Origin","value":"http://app.test:8000"}},{{"name":"Sec-Fetch-Mode","value":"cors"}}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0}},
   "response":{{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"content":{{"size":2,"mimeType":"application/json"}},"redirectURL":"","headersSize":-1,"bodySize":2,"_error":"net::ERR_FAILED"}},
   "cache":{{}},"timings":{{"send":1,"wait":2,"receive":2}}}}"#,
            (i / 1000) % 60,
            i % 1000
        )
    };
    let entries: Vec<String> = (0..n).map(entry).collect();
    format!(
        r#"{{"log":{{"version":"1.2","creator":{{"name":"WebInspector","version":"537.36"}},"entries":[{}]}}}}"#,
        entries.join(",\n")
    )
}

/// Inputs whose reports outgrow what may wait in memory for the renderer: workers on later
/// inputs hold theirs in temporary files, and the report is the same as with one thread.
#[test]
fn later_inputs_that_outgrow_the_backlog_are_reported_whole_and_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 3000;
    for name in ["a.har", "b.har", "c.har"] {
        write(dir.path(), name, many_blocked_har(n).as_bytes());
    }
    let path = dir.path().to_str().expect("utf-8 path");
    for format in ["jsonl", "json"] {
        let run = |jobs: &str| {
            let out = corscope(&["analyze", "--format", format, "-j", jobs, path], None);
            assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
            out.stdout
        };
        let one = run("1");
        // Each input's records alone exceed the in-memory backlog (32 batches of 64 KiB).
        assert!(
            one.len() > 3 * 2 * 1024 * 1024,
            "{format}: {} bytes",
            one.len()
        );
        let blocked = text(&one).matches("\"verdict\":\"blocked\"").count();
        assert_eq!(blocked, 3 * n, "{format}");
        assert!(run("2") == one, "{format}: -j 2 differs from -j 1");
    }
}

/// A DevTools HAR marks every request the browser failed: the completed requests' "blocked if
/// credentialed" hypotheses are latent risks, folded into one line per origin pair, never one
/// line per request.
#[test]
fn devtools_har_folds_latent_risks() {
    let har = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/recordings/chromium-devtools.har"
    );
    let out = corscope(&["analyze", har], None);
    let report = text(&out.stdout);
    assert!(report.contains("~ latent risk: "), "{report}");
    assert!(
        !report.contains("blocked if credentialed: "),
        "a per-request line in:\n{report}"
    );
    // The same traffic on the wire, where the outcome is not kept, keeps them per request.
    let pcap = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/recordings/loopback.pcap"
    );
    let out = corscope(&["analyze", pcap], None);
    assert!(text(&out.stdout).contains("blocked if credentialed: "));
}

/// `--browser firefox` prints Firefox's console text and reason keys.
#[test]
fn browser_option_chooses_the_console_text() {
    let out = corscope(
        &["analyze", "--browser", "firefox", "--format", "json", "-"],
        Some(blocked_har().as_bytes()),
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cause = &doc["exchanges"][1]["causes"][0];
    assert_eq!(cause["firefox"], "CORSMissingAllowOrigin2");
    assert_eq!(cause["chromium"], "MissingAllowOriginHeader");
    assert_eq!(
        cause["message"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test:8001/data. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200."
    );
    let out = corscope(
        &["analyze", "--format", "json", "-"],
        Some(blocked_har().as_bytes()),
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(doc["exchanges"][1]["causes"][0]["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Access to fetch at")));
    let bad = corscope(&["analyze", "--browser", "netscape", "recording.har"], None);
    assert_eq!(bad.status.code(), Some(2));
}

/// A HAR entry at second `at` of a minute: `method` to `url` from app.test, with
/// `request_headers` (JSON objects, each after a comma), answered with `status` and no headers.
fn har_entry(at: u32, method: &str, url: &str, request_headers: &str, status: u16) -> String {
    format!(
        r#"{{"startedDateTime":"2026-11-01T10:00:{at:02}.000Z","time":5,
   "request":{{"method":"{method}","url":"{url}","httpVersion":"HTTP/1.1","headers":[{{"name":"Origin","value":"http://app.test:8000"}},{{"name":"Sec-Fetch-Mode","value":"cors"}}{request_headers}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0}},
   "response":{{"status":{status},"statusText":"","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"content":{{"size":0,"mimeType":""}},"redirectURL":"","headersSize":-1,"bodySize":0}},
   "cache":{{}},"timings":{{"send":1,"wait":2,"receive":2}}}}"#
    )
}

#[test]
fn window_option_bounds_how_far_a_preflight_waits_for_its_request() {
    // A preflight the server fails (no Access-Control-Allow-Origin), three other calls, then
    // the request it was sent for.
    let mut entries = vec![har_entry(
        0,
        "OPTIONS",
        "http://api.test:8001/item",
        r#",{"name":"Access-Control-Request-Method","value":"PUT"}"#,
        204,
    )];
    entries.extend((1..=3).map(|i| {
        har_entry(
            i,
            "GET",
            &format!("http://api.test:8001/other/{i}"),
            "",
            200,
        )
    }));
    entries.push(har_entry(4, "PUT", "http://api.test:8001/item", "", 200));
    let har = format!(
        r#"{{"log":{{"version":"1.2","creator":{{"name":"WebInspector","version":"537.36"}},"entries":[{}]}}}}"#,
        entries.join(",")
    );
    let issues = |args: &[&str]| {
        let out = corscope(args, Some(har.as_bytes()));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        (
            doc["inputs"][0]["issues"].clone(),
            doc["exchanges"].as_array().map_or(0, Vec::len),
        )
    };
    let (held, exchanges) = issues(&["analyze", "--format", "json", "-"]);
    assert_eq!(held, serde_json::json!([]));
    assert_eq!(exchanges, 5);
    let (passed, exchanges) = issues(&["analyze", "--format", "json", "--window", "2", "-"]);
    assert_eq!(passed[0]["id"], "engine-window-passed", "{passed}");
    assert_eq!(passed[0]["count"], 1);
    assert_eq!(
        exchanges, 6,
        "the request the preflight was judged to stop, inferred"
    );
    let bad = corscope(&["analyze", "--window", "0", "-"], Some(har.as_bytes()));
    assert_eq!(bad.status.code(), Some(2));
}
