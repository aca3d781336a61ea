//! Secrets never reach a report: every report format, run over every sample recording, shows
//! no cookie value, bearer token or secret URL parameter of the samples unless `--no-redact`
//! is given; with it, they are shown as recorded. Redaction never changes a verdict.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use clap::CommandFactory;
use serde_json::Value;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/recordings")
}

/// Every value of `--format`, from the argument parser itself, so a new format is covered
/// the day it is added.
fn formats() -> Vec<String> {
    let cmd = corscope::cli::Args::command();
    let analyze = cmd.find_subcommand("analyze").expect("analyze subcommand");
    let format = analyze
        .get_arguments()
        .find(|a| a.get_id() == "format")
        .expect("--format");
    format
        .get_possible_values()
        .iter()
        .map(|v| v.get_name().to_string())
        .collect()
}

/// The secret values the sample HARs hold: cookie values (from `Cookie`, `Set-Cookie` and
/// `cookies`), and credentials after the `Authorization` scheme, of at least 5 bytes (shorter
/// ones cannot be told from other text).
fn sample_secrets() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for name in ["chromium-devtools.har", "playwright.har"] {
        let doc: Value =
            serde_json::from_slice(&std::fs::read(samples().join(name)).unwrap()).unwrap();
        for e in doc["log"]["entries"].as_array().unwrap() {
            for side in ["request", "response"] {
                for h in e[side]["headers"].as_array().into_iter().flatten() {
                    let n = h["name"].as_str().unwrap().to_ascii_lowercase();
                    let v = h["value"].as_str().unwrap();
                    match n.as_str() {
                        "cookie" => out.extend(
                            v.split(';')
                                .filter_map(|p| p.split_once('=').map(|(_, v)| v.trim().into())),
                        ),
                        "set-cookie" => out.extend(
                            v.split(';')
                                .next()
                                .and_then(|p| p.split_once('='))
                                .map(|(_, v)| v.trim().to_string()),
                        ),
                        "authorization" => {
                            out.extend(v.split_once(' ').map(|(_, c)| c.to_string()))
                        }
                        _ => {}
                    }
                }
                for c in e[side]["cookies"].as_array().into_iter().flatten() {
                    out.insert(c["value"].as_str().unwrap().to_string());
                }
            }
        }
    }
    out.retain(|s| s.len() >= 5);
    out
}

fn run(format: &str, extra: &[&str]) -> String {
    let dir = samples();
    let out = Command::new(env!("CARGO_BIN_EXE_corscope"))
        .arg("analyze")
        .args(["--format", format])
        .args(extra)
        .arg(dir.join("chromium-devtools.har"))
        .arg(dir.join("playwright.har"))
        .arg(dir.join("loopback.pcap"))
        .env("NO_COLOR", "1")
        .env_remove("CORSCOPE_REDACT_KEY")
        .output()
        .expect("run corscope");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 report")
}

#[test]
fn no_format_shows_a_sample_secret_unless_asked() {
    let secrets = sample_secrets();
    assert!(
        secrets.len() >= 8,
        "the samples hold cookies and bearer tokens: {secrets:?}"
    );
    let formats = formats();
    assert!(formats.len() >= 3, "{formats:?}");
    for format in &formats {
        let report = run(format, &[]);
        let leaked: Vec<&String> = secrets.iter().filter(|s| report.contains(*s)).collect();
        assert!(leaked.is_empty(), "{format} shows {leaked:?}");
        assert!(
            report.contains("sid=redacted-"),
            "{format}: the cookie evidence is shown, redacted"
        );
        let shown = run(format, &["--no-redact"]);
        assert!(
            secrets.iter().any(|s| shown.contains(s)),
            "{format} with --no-redact shows the recorded cookie values"
        );
        assert!(!shown.contains("redacted-"), "{format}: --no-redact");
    }
}

#[test]
fn redaction_never_changes_a_verdict() {
    let verdicts = |extra: &[&str]| -> Vec<(String, String, Option<String>)> {
        let doc: Value = serde_json::from_str(&run("json", extra)).unwrap();
        doc["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["id"].as_str().unwrap().to_string(),
                    x["verdict"].as_str().unwrap().to_string(),
                    x["causes"][0]["id"].as_str().map(String::from),
                )
            })
            .collect()
    };
    let redacted = verdicts(&[]);
    assert!(redacted.len() > 400);
    assert_eq!(redacted, verdicts(&["--no-redact"]));
}

#[test]
fn a_given_key_makes_markers_stable_across_runs() {
    let a = run("jsonl", &["--redact-key", "team-key"]);
    let b = run("jsonl", &["--redact-key", "team-key"]);
    assert_eq!(a, b);
    let c = run("jsonl", &["--redact-key", "other-key"]);
    assert_ne!(a, c, "markers depend on the key");
    let random = run("jsonl", &[]);
    assert_ne!(random, run("jsonl", &[]), "a random key per run by default");
}
