//! corscope against Chromium on the HTTPS pass of the samples (`samples/recordings/https/`):
//! the same scenarios served over TLS and HTTP/2 by nginx, one host limited to TLS 1.2, with
//! Chromium's key log, the capture with the key log embedded (pcapng Decryption Secrets
//! Block), the DevTools HAR of the same run and Chromium's own verdicts.
//!
//! Every request Chromium sent gets Chromium's verdict and `CorsError` from the capture
//! decrypted with the key log, from the pcapng with embedded secrets, and from the HAR; without
//! keys the capture names its TLS connections per server and exits 0 (nothing was judged
//! blocked); the decrypted requests are tshark's, when tshark is installed.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

mod analysis;
mod chromium_verdicts;

use chromium_verdicts::{matched, truths, Expect, Matching, Truth, DEVTOOLS};
use corscope::capture::tls::{KeyLog, ISSUE_NO_KEY};
use corscope::cors::{EngineOptions, INFERRED_BASE};
use corscope::model::{Assessment, Issue};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/recordings/https")
}

fn keys() -> KeyLog {
    let mut keys = KeyLog::new();
    let text = std::fs::read(dir().join("loopback.keylog")).expect("loopback.keylog");
    let stats = keys.add_text(&text);
    assert!(!keys.is_empty(), "{stats:?}");
    keys
}

fn chromium() -> Vec<Truth> {
    truths(&dir().join("verdicts.json"))
}

/// The client randoms of the key log: one per TLS connection Chromium made.
fn client_randoms() -> BTreeSet<String> {
    let text = std::fs::read_to_string(dir().join("loopback.keylog")).expect("loopback.keylog");
    text.lines()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .collect()
}

/// Assessments of `name` (decrypted with `keys`) and the input issues besides the refused
/// connections of the server-down scenarios.
fn analyse(name: &str, keys: &KeyLog) -> (Vec<Assessment>, Vec<Issue>) {
    let (out, mut issues) =
        analysis::analyse_file_keyed(&dir().join(name), EngineOptions::default(), keys);
    issues.retain(|i| i.id != "tcp-connection-refused");
    (out, issues)
}

/// A capture shows a credentials mode only through a `Cookie` header.
const CAPTURE: Expect = Expect {
    credentials_visible: false,
    ..DEVTOOLS
};

/// Every request Chromium sent over the network (it has a status and was not served from the
/// cache) is found in the recording: the comparison is not vacuous.
fn assert_every_sent_request_found(name: &str, truths: &[Truth], all: &[Assessment]) {
    let missing: Vec<String> = matched(truths, all, Matching::Order)
        .into_iter()
        .filter(|(t, a)| a.is_none() && t.status.is_some() && !t.from_cache)
        .map(|(t, _)| format!("{} {} {}", t.scenario, t.method, t.url))
        .collect();
    assert!(
        missing.is_empty(),
        "{name}: requests Chromium sent are missing:\n  {}",
        missing.join("\n  ")
    );
}

/// What each recorded exchange was judged: method, URL, verdict, Chromium's name of the cause.
fn judged(all: &[Assessment]) -> Vec<(String, String, String, Option<&'static str>)> {
    all.iter()
        .map(|a| {
            (
                a.exchange.request.method.clone(),
                a.exchange.request.url.clone(),
                a.verdict.as_str().to_owned(),
                a.primary_cause().and_then(|f| f.chromium),
            )
        })
        .collect()
}

#[test]
fn capture_decrypted_with_the_key_log_agrees_with_chromium() {
    let truths = chromium();
    let (all, issues) = analyse("loopback.pcap", &keys());
    assert!(issues.is_empty(), "unexpected input issues {issues:?}");
    chromium_verdicts::assert_agrees("loopback.pcap + loopback.keylog", &truths, &all, CAPTURE);
    assert_every_sent_request_found("loopback.pcap", &truths, &all);
    assert!(
        all.iter().any(|a| a
            .exchange
            .request
            .url
            .starts_with("https://proxy.corscope.test:8443/")),
        "the TLS 1.2 server's exchanges are decrypted"
    );
}

#[test]
fn pcapng_with_embedded_secrets_decrypts_without_a_key_log() {
    let truths = chromium();
    let (all, issues) = analyse("loopback-with-secrets.pcapng", &KeyLog::new());
    assert!(issues.is_empty(), "unexpected input issues {issues:?}");
    chromium_verdicts::assert_agrees("loopback-with-secrets.pcapng", &truths, &all, CAPTURE);
    assert_every_sent_request_found("loopback-with-secrets.pcapng", &truths, &all);
    let (keyed, _) = analyse("loopback.pcap", &keys());
    assert_eq!(
        judged(&all),
        judged(&keyed),
        "the embedded secrets and the key log decrypt the same exchanges"
    );
}

#[test]
fn devtools_har_of_the_same_run_agrees_with_chromium() {
    let truths = chromium();
    let (all, issues) = analyse("chromium-devtools.har", &KeyLog::new());
    assert!(issues.is_empty(), "unexpected input issues {issues:?}");
    chromium_verdicts::assert_agrees("chromium-devtools.har", &truths, &all, DEVTOOLS);
    assert_every_sent_request_found("chromium-devtools.har", &truths, &all);
}

#[test]
fn without_keys_every_tls_connection_is_counted_per_server_name() {
    let randoms = client_randoms();
    let (all, issues) = analyse("loopback.pcap", &KeyLog::new());
    assert!(all.is_empty(), "nothing can be read without keys");
    let no_key: Vec<&Issue> = issues.iter().filter(|i| i.id == ISSUE_NO_KEY).collect();
    let counted: u64 = no_key.iter().map(|i| i.count).sum();
    assert_eq!(
        counted,
        randoms.len() as u64,
        "one count per connection Chromium logged a key for: {no_key:?}"
    );

    let path = dir().join("loopback.pcap");
    let out = Command::new(env!("CARGO_BIN_EXE_corscope"))
        .arg("analyze")
        .arg(&path)
        .output()
        .expect("run corscope");
    let text = String::from_utf8_lossy(&out.stdout);
    // README, exit codes: 0 when nothing was found blocked, which is all a capture without
    // keys can show.
    assert_eq!(out.status.code(), Some(0), "{text}");
    let mut per_server = BTreeMap::new();
    for line in text.lines() {
        let Some((n, rest)) = line
            .trim_start()
            .strip_prefix("not decrypted ")
            .and_then(|l| l.split_once(" TLS connection"))
        else {
            continue;
        };
        let server = rest
            .split_once(" to ")
            .and_then(|(_, r)| r.split_once(" not decrypted: no key for their client random"))
            .map(|(s, _)| s.to_owned())
            .unwrap_or_else(|| panic!("unexpected line: {line}"));
        per_server.insert(server, n.parse::<u64>().expect("a count"));
    }
    let servers: Vec<&str> = per_server.keys().map(String::as_str).collect();
    assert_eq!(
        servers,
        [
            "api.corscope.test:8441",
            "app.corscope.test:8440",
            "app2.corscope.test:8446",
            "other.test:8442",
            "proxy.corscope.test:8443"
        ],
        "{text}"
    );
    assert_eq!(per_server.values().sum::<u64>(), randoms.len() as u64);
}

/// tshark 4.0 with the same key log: the requests of every HTTP/2 HEADERS frame (`:method`)
/// and HTTP/1 request, by method, equal the exchanges corscope read.
#[test]
fn decrypted_requests_equal_tsharks() {
    let keylog = dir().join("loopback.keylog");
    let out = match Command::new("tshark")
        .arg("-r")
        .arg(dir().join("loopback.pcap"))
        .arg("-o")
        .arg(format!("tls.keylog_file:{}", keylog.display()))
        .args(["-Y", "http2.header or http.request", "-T", "fields"])
        .args(["-e", "http2.headers.method", "-e", "http.request.method"])
        .output()
    {
        Ok(out) if out.status.success() => out,
        _ => {
            println!("skipped: tshark is not installed");
            return;
        }
    };
    let mut tshark: BTreeMap<String, usize> = BTreeMap::new();
    for method in String::from_utf8_lossy(&out.stdout)
        .split(['\t', '\n', ','])
        .filter(|m| !m.is_empty())
    {
        *tshark.entry(method.to_owned()).or_default() += 1;
    }
    let (all, _) = analyse("loopback.pcap", &keys());
    let mut ours: BTreeMap<String, usize> = BTreeMap::new();
    for a in all.iter().filter(|a| a.id.0 < INFERRED_BASE) {
        *ours.entry(a.exchange.request.method.clone()).or_default() += 1;
    }
    assert!(tshark.values().sum::<usize>() > 200, "{tshark:?}");
    assert_eq!(ours, tshark);
}
