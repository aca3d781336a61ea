//! `analyze --keylog`: key logs given on the command line decrypt captures, lines that are not
//! key log lines are told on standard error, an unreadable key log is a usage error; without
//! keys the text report says first what was not decrypted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn corscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corscope"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

const PCAP: &str = "tests/data/tls/tls12-ecdhe-aes128gcm.pcap";
const KEYS: &str = "tests/data/tls/tls12-ecdhe-aes128gcm.keys";

#[test]
fn keylog_decrypts_and_bad_lines_are_told() {
    let out = corscope(&["analyze", "--format", "json", "--keylog", KEYS, PCAP]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ex = doc["exchanges"].as_array().unwrap();
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0]["url"], "https://tls.test/api.json");
    assert!(out.stderr.is_empty());

    // A second key log with a bad line: still decrypts, and says which line.
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("more.keys");
    std::fs::write(&extra, "# comment\nCLIENT_RANDOM nothex\n").unwrap();
    let extra = extra.to_str().unwrap();
    let out = corscope(&["analyze", "--keylog", extra, "--keylog", KEYS, PCAP]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("more.keys: 1 lines are not key log lines (first: line 2)"),
        "{err}"
    );
    assert!(err.contains("more.keys: no TLS secret found"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("GET https://tls.test/api.json"));
}

#[test]
fn an_unreadable_keylog_is_a_usage_error() {
    let out = corscope(&["analyze", "--keylog", "no/such/file.keys", PCAP]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read key log no/such/file.keys"));
}

#[test]
fn without_keys_the_report_starts_with_what_was_not_decrypted() {
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(PCAP).is_file());
    let out = corscope(&["analyze", PCAP]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let second = text.lines().nth(1).unwrap();
    assert_eq!(
        second,
        "  not decrypted 1 TLS connection to tls.test:8304 not decrypted: no key for their client random; pass --keylog (first at frame 4)"
    );
    let out = corscope(&["analyze", "--format", "json", PCAP]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let issue = &doc["inputs"][0]["issues"][0];
    assert_eq!(issue["id"], "tls-no-key");
    assert_eq!(issue["count"], 1);
}
