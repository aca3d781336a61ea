//! `--baseline`: findings of an earlier report are known and do not fail `--fail-on`, over the
//! sample recordings. Fingerprints do not depend on the redaction key (a baseline made
//! yesterday, with yesterday's random key, matches today's run); a baseline of the samples'
//! own report makes `--fail-on blocked` pass; a baseline missing one finding makes exactly
//! that one new and fails the run; SARIF marks each result `new`, `unchanged` or `absent`;
//! a baseline that cannot be read is a usage error naming the file.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod report_support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Every sample recording, as the README names them.
const SAMPLES: [&str; 4] = [
    "samples/recordings/chromium-devtools.har",
    "samples/recordings/chromium-devtools-sanitized.har",
    "samples/recordings/playwright.har",
    "samples/recordings/loopback.pcap",
];

/// Runs `corscope analyze` over the samples with `args`, redacting with `key`.
fn analyze(key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corscope"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CORSCOPE_REDACT_KEY", key)
        .arg("analyze")
        .args(SAMPLES)
        .args(args)
        .output()
        .expect("run corscope")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("findings")
}

fn write(path: &Path, doc: &Value) {
    std::fs::write(path, serde_json::to_vec(doc).unwrap()).unwrap();
}

#[test]
fn fingerprints_do_not_depend_on_the_redaction_key() {
    let a = analyze("yesterday", &["--format", "json"]);
    let b = analyze("today", &["--format", "json"]);
    assert_ne!(a.stdout, b.stdout, "the keys change the redaction markers");
    let prints = |doc: &Value| -> Vec<String> {
        findings(doc)
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let (a, b) = (prints(&json(&a)), prints(&json(&b)));
    assert!(a.len() > 20, "the samples have many findings: {}", a.len());
    assert_eq!(a, b);
}

#[test]
fn a_baseline_of_the_same_findings_passes_and_one_missing_finding_fails() {
    let dir = tempfile::tempdir().unwrap();
    let plain = analyze("yesterday", &["--format", "json"]);
    assert_eq!(
        plain.status.code(),
        Some(1),
        "the samples have blocked requests"
    );
    let mut doc = json(&plain);
    assert!(
        findings(&doc).iter().all(|f| f.get("baseline").is_none()),
        "no marks without a baseline"
    );
    let all = dir.path().join("all.json");
    write(&all, &doc);
    let all = all.to_str().unwrap();

    // Today, with another key: every finding is known, and the gate passes.
    for fail_on in ["blocked", "warning"] {
        let out = analyze(
            "today",
            &["--format", "json", "--baseline", all, "--fail-on", fail_on],
        );
        assert_eq!(out.status.code(), Some(0), "--fail-on {fail_on}");
        let now = json(&out);
        assert!(findings(&now).iter().all(|f| f["baseline"] == "known"));
        let b = &now["baseline"];
        assert_eq!(b["new"], 0);
        assert_eq!(b["known"].as_u64().unwrap(), findings(&now).len() as u64);
        assert_eq!(b["fixed"], 0);
    }

    // Without one blocked finding, that one is new, and it fails the gate.
    let list = doc["findings"].as_array_mut().unwrap();
    let at = list
        .iter()
        .rposition(|f| f["kind"] == "blocked")
        .expect("a blocked finding");
    let gone = list.remove(at);
    let partial = dir.path().join("partial.json");
    write(&partial, &doc);
    let partial = partial.to_str().unwrap();
    let out = analyze("today", &["--format", "json", "--baseline", partial]);
    assert_eq!(out.status.code(), Some(1), "a new blocked finding fails");
    let now = json(&out);
    let new: Vec<&Value> = findings(&now)
        .iter()
        .filter(|f| f["baseline"] == "new")
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["fingerprint"], gone["fingerprint"]);
    assert_eq!(now["baseline"]["new"], 1);
    // A gate that does not fail on that finding's cause passes.
    let other = if gone["rule"] == "A01" { "A02" } else { "A01" };
    let out = analyze(
        "today",
        &[
            "--format",
            "json",
            "--baseline",
            partial,
            "--fail-on",
            other,
        ],
    );
    assert_eq!(out.status.code(), Some(0));

    // JSON lines and the text and Markdown reports count new and known findings.
    let lines = analyze("today", &["--format", "jsonl", "--baseline", partial]);
    let text = String::from_utf8(lines.stdout).unwrap();
    let marks = |state: &str| text.matches(&format!("\"baseline\":\"{state}\"")).count();
    assert_eq!(
        (marks("new"), marks("known")),
        (1, findings(&now).len() - 1)
    );
    let known = findings(&now).len() - 1;
    let text = analyze("today", &["--format", "text", "--baseline", partial]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "baseline {partial}: 1 new · {known} known · 0 fixed"
        )),
        "{text}"
    );
    let md = analyze("today", &["--format", "markdown", "--baseline", partial]);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("| **new findings** | **1** |"), "{md}");
}

#[test]
fn sarif_results_say_new_unchanged_or_absent() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = json(&analyze("yesterday", &["--format", "json"]));
    let list = doc["findings"].as_array_mut().unwrap();
    let count = list.len();
    let gone = list.remove(0);
    // A finding of an earlier run that today's does not have.
    let mut fixed = gone.clone();
    fixed["route"] = "/retired".into();
    fixed["fingerprint"] = "v1:0000000000000000".into();
    list.push(fixed);
    let path = dir.path().join("old.json");
    write(&path, &doc);
    let out = analyze(
        "today",
        &["--format", "sarif", "--baseline", path.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), count + 1);
    let state =
        |s: &str| -> Vec<&Value> { results.iter().filter(|r| r["baselineState"] == s).collect() };
    assert_eq!(state("new").len(), 1);
    assert_eq!(
        state("new")[0]["partialFingerprints"]["corscopeFinding/v1"],
        gone["fingerprint"]
    );
    assert_eq!(state("unchanged").len(), count - 1);
    let absent = state("absent");
    assert_eq!(absent.len(), 1);
    assert_eq!(
        absent[0]["partialFingerprints"]["corscopeFinding/v1"],
        "v1:0000000000000000"
    );
    assert_eq!(absent[0]["ruleId"], gone["rule"]);

    // The SARIF log itself is a baseline: today's run against it has nothing new (its
    // absent result is not a finding of that run).
    let sarif = dir.path().join("old.sarif");
    std::fs::write(&sarif, &out.stdout).unwrap();
    let again = analyze(
        "other",
        &["--format", "json", "--baseline", sarif.to_str().unwrap()],
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again = json(&again);
    assert_eq!(again["baseline"]["new"], 0);
    assert_eq!(again["baseline"]["fixed"], 0);

    // Microsoft's validator accepts the log with its baseline states.
    if let Some(multitool) =
        report_support::tool("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")
    {
        let file = dir.path().join("states.sarif");
        std::fs::write(&file, &out.stdout).unwrap();
        let errors = report_support::sarif_errors(&multitool, &file);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn an_unreadable_baseline_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"schema_version\":2,\"findings\":[").unwrap();
    let missing = dir.path().join("missing.json");
    for (path, why) in [
        (&broken, "is not a corscope --format json report"),
        (&missing, "cannot read baseline"),
    ] {
        let out = analyze("k", &["--baseline", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(path.to_str().unwrap()), "{err}");
        assert!(err.contains(why), "{err}");
        assert!(out.stdout.is_empty(), "no report");
    }
}
