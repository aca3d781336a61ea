//! The findings view over real and generated traffic: every recording in `samples/`, and a
//! generated capture of several capture points (two pcaps of many clients and servers, from
//! the benchmark generator), each run through the real pipeline. Snapshots hold one line per
//! finding (kind, rule, page → server and route, counts, times, example, fingerprint), and the
//! tests check what the findings must agree with: the summary's counts, the exchanges they
//! name, templated routes, and the same findings whatever the number of threads.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../benches/support/capture_gen/mod.rs"]
mod capture_gen;
mod report_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use corscope::report::ReportFormat;
use serde_json::Value;

/// The JSON report of `files` (named as given), with `jobs` threads.
fn json_report(files: &[(String, PathBuf)], jobs: usize) -> Value {
    let bytes = report_support::report_of(files, jobs, ReportFormat::Json);
    serde_json::from_slice(&bytes).expect("the JSON report parses")
}

/// One line per finding, in report order.
fn table(doc: &Value) -> String {
    let mut out = String::new();
    for f in doc["findings"].as_array().expect("findings") {
        let s = |k: &str| f[k].as_str().unwrap_or("-").to_string();
        let seen = match (f["first_seen"].as_f64(), f["last_seen"].as_f64()) {
            (Some(a), Some(b)) => format!("{a:.3}..{b:.3}"),
            _ => "-".into(),
        };
        out.push_str(&format!(
            "{:<15} {:<36} {} -> {}{} | {} exchanges, {}{} clients | {seen} | e.g. {} | {}\n",
            s("kind"),
            s("rule"),
            s("page_origin"),
            s("server"),
            s("route"),
            f["exchanges"],
            f["clients"],
            if f["clients_capped"] == true { "+" } else { "" },
            s("example"),
            s("fingerprint"),
        ));
    }
    out
}

/// What every findings view must agree with.
fn check(doc: &Value) {
    let ids: BTreeSet<&str> = doc["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .filter_map(|x| x["id"].as_str())
        .collect();
    let findings = doc["findings"].as_array().expect("findings");
    let summary = &doc["summary"];
    assert_eq!(summary["findings_folded"], 0);
    let blocked: u64 = findings
        .iter()
        .filter(|f| f["kind"] == "blocked")
        .map(|f| f["exchanges"].as_u64().unwrap())
        .sum();
    let by_cause: u64 = summary["by_cause"]
        .as_object()
        .expect("by_cause")
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(
        blocked, by_cause,
        "blocked findings hold every blocked request"
    );
    let conditional: u64 = findings
        .iter()
        .filter(|f| f["kind"] == "if-credentialed")
        .map(|f| f["exchanges"].as_u64().unwrap())
        .sum();
    assert_eq!(conditional, summary["if_credentialed"].as_u64().unwrap());
    let mut fingerprints = BTreeSet::new();
    for f in findings {
        let example = f["example"].as_str().unwrap();
        assert!(ids.contains(example), "{example} names no exchange");
        let x = doc["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == example)
            .unwrap();
        assert_eq!(x["url"], f["url"], "the example is the exchange it names");
        if f["kind"] == "blocked" {
            assert_eq!(x["verdict"], "blocked");
            assert_eq!(x["causes"][0]["id"], f["rule"]);
            assert_eq!(x["causes"][0]["message"], f["message"]);
        }
        assert!(fingerprints.insert(f["fingerprint"].as_str().unwrap()));
    }
}

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/recordings")
}

fn sample(name: &str) -> Value {
    let doc = json_report(
        &[(format!("samples/recordings/{name}"), samples().join(name))],
        1,
    );
    check(&doc);
    doc
}

#[test]
fn findings_of_the_devtools_har() {
    let doc = sample("chromium-devtools.har");
    insta::assert_snapshot!("samples-chromium-devtools", table(&doc));
}

#[test]
fn findings_of_the_sanitized_devtools_har() {
    let doc = sample("chromium-devtools-sanitized.har");
    insta::assert_snapshot!("samples-chromium-devtools-sanitized", table(&doc));
}

#[test]
fn findings_of_the_playwright_har() {
    let doc = sample("playwright.har");
    insta::assert_snapshot!("samples-playwright", table(&doc));
}

#[test]
fn findings_of_the_loopback_capture() {
    let doc = sample("loopback.pcap");
    insta::assert_snapshot!("samples-loopback", table(&doc));
}

/// Two capture points of one site, each a 1.5 MB capture of many clients and servers with
/// ids in their paths.
fn generated(dir: &Path) -> Vec<(String, PathBuf)> {
    [("edge-1.pcap", 11u64), ("edge-2.pcap", 12)]
        .iter()
        .map(|(name, seed)| {
            let cfg = capture_gen::Config {
                size: 1_500_000,
                format: capture_gen::Format::Pcap,
                seed: *seed,
                mix: capture_gen::Mix::Browser,
            };
            let (bytes, _) = capture_gen::generate_vec(&cfg).expect("generate");
            let path = dir.join(name);
            std::fs::write(&path, bytes).expect("write capture");
            (format!("captures/{name}"), path)
        })
        .collect()
}

#[test]
fn findings_of_a_generated_multi_host_capture() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = generated(dir.path());
    let doc = json_report(&files, 1);
    check(&doc);
    let findings = doc["findings"].as_array().unwrap();
    // Ids in paths are collapsed: the generator's `/v1/items/<n>` is one route.
    assert!(findings
        .iter()
        .any(|f| f["route"] == "/v1/items/{id}" && f["kind"] == "blocked"));
    assert!(findings
        .iter()
        .all(|f| !f["route"].as_str().unwrap().contains(char::is_numeric)
            || f["route"] == "/v1/health"
            || f["route"].as_str().unwrap().starts_with("/v1")));
    // Many clients, grouped across both capture points.
    let top = &findings[0];
    assert!(top["clients"].as_u64() > Some(1), "{top}");
    let inputs: BTreeSet<&str> = findings
        .iter()
        .filter_map(|f| f["example"].as_str())
        .map(|e| e.split(':').next().unwrap())
        .collect();
    assert!(inputs.contains("0"));
    insta::assert_snapshot!("generated-multi-host", table(&doc));
    // The terminal report opens with the same findings, before the inputs' details.
    let text =
        String::from_utf8(report_support::report_of(&files, 1, ReportFormat::Text)).expect("UTF-8");
    let section: String = text
        .lines()
        .take_while(|l| !l.starts_with("captures/"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(section.starts_with("Findings  "));
    assert!(text.contains("\ncaptures/edge-2.pcap  (pcap)"));
    insta::assert_snapshot!("generated-multi-host__text", section);
}

#[test]
fn findings_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = generated(dir.path());
    let one = json_report(&files, 1);
    let two = json_report(&files, 2);
    let three = json_report(&files, 3);
    assert_eq!(one["findings"], two["findings"]);
    assert_eq!(one["findings"], three["findings"]);
    assert!(!one["findings"].as_array().unwrap().is_empty());
}

mod golden;

/// Security findings judged over a run, through the engine: an https: API that echoes an
/// http: origin, and one that grants credentials to three subdomains of one domain.
#[test]
fn security_findings_through_the_engine() {
    use golden::{document, fetch, har};
    let credentialed = |origin: &str, url: &str| {
        fetch("GET", url)
            .h("Origin", origin)
            .h("Cookie", "sid=1")
            .rh("Access-Control-Allow-Origin", origin)
            .rh("Access-Control-Allow-Credentials", "true")
            .rh("Vary", "Origin")
    };
    let entries = vec![
        document(),
        credentialed("http://legacy.example.com", "https://api.example.net/v2/me"),
        credentialed(
            "https://a.shop.example",
            "https://api.example.net/v2/cart/17",
        )
        .after(10),
        credentialed(
            "https://b.shop.example",
            "https://api.example.net/v2/cart/18",
        )
        .after(10),
        credentialed(
            "https://c.shop.example",
            "https://api.example.net/v2/cart/19",
        )
        .after(10),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("security.har");
    std::fs::write(&path, har("https://legacy.example.com/", &entries)).expect("write");
    let doc = json_report(&[("security.har".into(), path)], 1);
    check(&doc);
    insta::assert_snapshot!("security", table(&doc));
    let rules: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "security")
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["page_origin"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        rules.contains(&("http-origin-trusted", "http://legacy.example.com")),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("subdomains-trusted", "*.shop.example")),
        "{rules:?}"
    );
    let sub = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "subdomains-trusted")
        .unwrap();
    assert_eq!(sub["route"], "*");
    assert_eq!(sub["exchanges"], 3);
    assert_eq!(
        sub["message"],
        "credentials are allowed to 3 subdomains of shop.example (a.shop.example, b.shop.example, c.shop.example): the allow-list looks like *.shop.example"
    );
}

/// One capture large enough that its engine's thread and its reader's thread (which lays out
/// the records between reads when it has a second thread) wait on each other many times over:
/// the report is the same, byte for byte, with one thread and with two, in JSON, JSON lines
/// and the text report.
#[test]
fn a_capture_split_over_two_threads_reports_as_with_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = capture_gen::Config {
        size: 12_000_000,
        format: capture_gen::Format::Pcap,
        seed: 5,
        mix: capture_gen::Mix::Api,
    };
    let (bytes, _) = capture_gen::generate_vec(&cfg).expect("generate");
    let path = dir.path().join("api.pcap");
    std::fs::write(&path, bytes).expect("write capture");
    let files = [("captures/api.pcap".to_string(), path)];
    for format in [ReportFormat::Jsonl, ReportFormat::Json, ReportFormat::Text] {
        let one = report_support::report_of(&files, 1, format);
        let two = report_support::report_of(&files, 2, format);
        assert!(one == two, "{format:?}: two threads report otherwise");
        if format == ReportFormat::Jsonl {
            // More exchanges than fit in what may be in flight between the threads.
            let lines = one
                .split(|&b| b == b'\n')
                .filter(|l| l.starts_with(b"{\"id\""))
                .count();
            assert!(lines > 2_000, "{lines} exchanges");
        }
    }
}
