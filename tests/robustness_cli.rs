//! Bad input through the binary: each unreadable input is named on stderr with its error and
//! offset, the others are still analysed and decide the exit code (0 nothing blocked, 1
//! blocked, 2 nothing readable), and in-band issues appear in the JSON report with id, count
//! and position.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pcap_writer;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn corscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corscope"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run corscope")
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.display().to_string()
}

/// One cross-origin fetch without Access-Control-Allow-Origin that the browser failed, and
/// `more` entries given as JSON text.
fn blocked_har(more: &[&str]) -> String {
    let blocked = r#"{"startedDateTime":"2026-11-01T10:00:01.000Z","_resourceType":"fetch","request":{"method":"GET","url":"http://api.test:8001/data","headers":[{"name":"Origin","value":"http://app.test:8000"},{"name":"Sec-Fetch-Mode","value":"cors"}]},"response":{"status":200,"headers":[{"name":"Content-Type","value":"application/json"}],"_error":"net::ERR_FAILED"}}"#;
    let mut entries = vec![blocked];
    entries.extend_from_slice(more);
    format!(r#"{{"log":{{"entries":[{}]}}}}"#, entries.join(","))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn each_unreadable_input_is_named_with_its_error_and_the_rest_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.har", blocked_har(&[]).as_bytes());
    let mut magic = pcap_writer::pcap(1, &[], false, false);
    magic[..4].copy_from_slice(b"\x00\x01\x02\x03");
    let magic = write(dir.path(), "magic.pcap", &magic);
    let header = write(
        dir.path(),
        "header.pcap",
        &pcap_writer::pcap(1, &[], false, false)[..10],
    );
    let early = write(
        dir.path(),
        "early.har",
        br#"{"log":{"creator":{"name":"x"}"#,
    );
    let mut gz = gzip(blocked_har(&[]).as_bytes());
    for b in &mut gz[10..30] {
        *b = !*b;
    }
    let gz = write(dir.path(), "corrupt.har.gz", &gz);

    let out = corscope(&[
        "analyze", &magic, &header, &good, &early, &gz, "--format", "json",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert_eq!(
        lines[0],
        format!("corscope: {magic}: not a HAR, pcap or pcapng file (starts with 00 01 02 03 02 00 04 00)")
    );
    assert_eq!(
        lines[1],
        format!("corscope: {header}: capture file header truncated at byte offset 0")
    );
    assert_eq!(
        lines[2],
        format!("corscope: {early}: input ends before log.entries at byte offset 30")
    );
    assert!(
        lines[3].starts_with(&format!("corscope: {gz}: read failed at byte offset 0: ")),
        "{}",
        lines[3]
    );
    let doc = json(&out);
    let inputs = doc["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 5);
    assert_eq!(inputs[2]["exchanges"], 1);
    assert!(inputs[2]["error"].is_null());
    for i in [0, 1, 3, 4] {
        assert!(inputs[i]["error"].is_string(), "{}", inputs[i]);
        assert_eq!(inputs[i]["exchanges"], 0);
    }
    assert_eq!(doc["summary"]["blocked"], 1);
}

#[test]
fn nothing_readable_exits_2_and_names_every_input() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.pcap", b"");
    let random = write(
        dir.path(),
        "random.pcapng",
        &[0x0a, 0x0d, 0x0d, 0x0a, 0xff, 0xff],
    );
    let out = corscope(&["analyze", &empty, &random]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        format!("corscope: {empty}: not a HAR, pcap or pcapng file (empty input)")
    );
    assert!(
        lines[1].starts_with(&format!("corscope: {random}: ")),
        "{err}"
    );
    assert_eq!(lines.last(), Some(&"corscope: no input could be read"));
    assert_eq!(lines.len(), 3, "{err}");
}

#[test]
fn in_band_issues_are_counted_in_the_report_and_do_not_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let allowed = r#"{"startedDateTime":"2026-11-01T10:00:02.000Z","request":{"method":"GET","url":"http://api.test:8001/ok","headers":[{"name":"Origin","value":"http://app.test:8000"}]},"response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"*"}]}}"#;
    let text = blocked_har(&[
        r#"{"request":{"url":"x",}}"#,
        "7",
        allowed,
        r#"{"response":{}}"#,
    ]);
    let cut = format!("{},{{\"request\":", &text[..text.len() - 3]);
    let har = write(dir.path(), "issues.har", cut.as_bytes());
    let out = corscope(&["analyze", &har, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    let input = &doc["inputs"][0];
    assert_eq!(input["exchanges"], 2);
    let issues: Vec<(String, u64, String)> = input["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["count"].as_u64().unwrap(),
                i["at"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        issues,
        [
            ("har-entry-malformed".to_string(), 2, "entry 1".to_string()),
            (
                "har-entry-missing-request".to_string(),
                1,
                "entry 4".to_string()
            ),
            (
                "har-truncated".to_string(),
                1,
                format!("byte offset {}", cut.len())
            ),
        ]
    );
}
