//! Fixes for the server stack in use, over the samples: every recording of the same run gives
//! a blocked request the same stack's fix, whichever shape it has there (the request a
//! DevTools HAR writes before its preflight, the request a capture infers from its preflight),
//! and every format that shows fixes shows it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod report_support;

use std::collections::BTreeMap;

use corscope::report::ReportFormat;
use report_support::{render, sample};
use serde_json::Value;

/// The JSON report of a sample.
fn json(name: &str) -> Value {
    serde_json::from_str(&render(&sample(name), ReportFormat::Json)).unwrap()
}

/// Blocked requests by method and URL, with their exchange.
fn blocked(doc: &Value) -> BTreeMap<(String, String), Value> {
    doc["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["verdict"] == "blocked" && x["kind"] != "preflight")
        .map(|x| {
            let key = (
                x["method"].as_str().unwrap().to_string(),
                x["url"].as_str().unwrap().to_string(),
            );
            (key, x.clone())
        })
        .collect()
}

#[test]
fn requests_stopped_by_their_preflight_get_its_stack_in_every_shape() {
    let capture = blocked(&json("loopback.pcap"));
    let with_fix: Vec<_> = capture
        .iter()
        .filter(|(_, x)| x["causes"][0].get("stack_fix").is_some() && x["sent"] == false)
        .collect();
    assert!(
        with_fix.len() >= 4,
        "the capture's inferred requests show stacks: {with_fix:?}"
    );
    for har in ["chromium-devtools.har", "chromium-devtools-sanitized.har"] {
        let requests = blocked(&json(har));
        for (key, inferred) in &with_fix {
            let x = requests
                .get(key)
                .unwrap_or_else(|| panic!("{har}: no blocked {key:?}"));
            assert_eq!(x["sent"], false, "{har} {key:?}");
            let id = |s: &str| s.split(':').nth(1).unwrap().parse::<u64>().unwrap();
            assert!(
                id(x["preflight"].as_str().unwrap()) > id(x["id"].as_str().unwrap()),
                "{har} {key:?}: recorded before its preflight"
            );
            let fix = &x["causes"][0]["stack_fix"];
            let want = &inferred["causes"][0]["stack_fix"];
            assert_eq!(fix["stack"], want["stack"], "{har} {key:?}");
            assert_eq!(fix["config"], want["config"], "{har} {key:?}");
            assert_eq!(fix["evidence"], want["evidence"], "{har} {key:?}");
            assert_eq!(
                fix["exchange"], x["preflight"],
                "{har} {key:?}: named by its preflight's response"
            );
        }
    }
}

#[test]
fn every_format_that_shows_fixes_shows_the_stacks() {
    let name = "chromium-devtools.har";
    let doc = json(name);
    // An Express finding of the DevTools HAR (its first exchange was recorded before the
    // preflight that showed the stack), the first of its rule, as Markdown details only those.
    let findings = doc["findings"].as_array().unwrap();
    let finding = findings
        .iter()
        .enumerate()
        .find(|(i, f)| {
            f["stack_fix"]["stack"] == "express"
                && !findings[..*i]
                    .iter()
                    .any(|e| e["kind"] == f["kind"] && e["rule"] == f["rule"])
        })
        .map(|(_, f)| f)
        .expect("a finding with Express's fix, first of its rule");
    let config = finding["stack_fix"]["config"].as_str().unwrap();
    let named = format!(
        "named by {} (response of {})",
        finding["stack_fix"]["evidence"].as_str().unwrap(),
        finding["stack_fix"]["exchange"].as_str().unwrap()
    );
    let first_line = config.lines().next().unwrap();
    let last_line = config.lines().last().unwrap();
    // The text report's findings section (before the details of the input, which showed
    // stack fixes already) shows its first findings' stacks.
    let text = render(&sample(name), ReportFormat::Text);
    let section = text
        .split(&format!("\nsamples/recordings/{name}  ("))
        .next()
        .unwrap();
    let shown: Vec<&Value> = findings
        .iter()
        .take(20)
        .filter(|f| f.get("stack_fix").is_some())
        .collect();
    assert!(!shown.is_empty());
    for f in shown {
        let sf = &f["stack_fix"];
        let head = format!(
            "fix for    {}, named by {} (response of {})",
            sf["name"].as_str().unwrap(),
            sf["evidence"].as_str().unwrap(),
            sf["exchange"].as_str().unwrap()
        );
        assert!(section.contains(&head), "{head}");
        for line in sf["config"].as_str().unwrap().lines() {
            assert!(
                section.contains(&format!("                 {line}\n")),
                "{line}"
            );
        }
    }
    for format in [ReportFormat::Html, ReportFormat::Junit, ReportFormat::Sarif] {
        let report = render(&sample(name), format);
        let report = match format {
            // Undo the format's escaping of the snippet's quotes and brackets.
            ReportFormat::Html | ReportFormat::Junit => report
                .replace("&#39;", "'")
                .replace("&apos;", "'")
                .replace("&#34;", "\"")
                .replace("&quot;", "\""),
            ReportFormat::Sarif => {
                let log: Value = serde_json::from_str(&report).unwrap();
                let results = log["runs"][0]["results"].as_array().unwrap().clone();
                let r = results
                    .iter()
                    .find(|r| {
                        r["partialFingerprints"]["corscopeFinding/v1"] == finding["fingerprint"]
                    })
                    .expect("the finding's result");
                assert_eq!(r["properties"]["stackFix"]["config"], config);
                r["message"]["text"].as_str().unwrap().to_string()
            }
            _ => report,
        };
        assert!(report.contains("Express (cors)"), "{format:?}: the stack");
        assert!(report.contains(&named), "{format:?}: what named it");
        assert!(report.contains(first_line), "{format:?}: {first_line}");
        assert!(report.contains(last_line), "{format:?}: {last_line}");
    }
}

/// The DevTools sample's request stopped by its preflight (entry 157, written before its
/// preflight, entry 158), with `between` copies of a same-origin page load between the two.
fn request_then_preflight(between: usize) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/recordings/chromium-devtools.har"
    );
    let mut har: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let entries = har["log"]["entries"].as_array().unwrap();
    let (request, preflight, page) = (
        entries[157].clone(),
        entries[158].clone(),
        entries[159].clone(),
    );
    assert_eq!(request["request"]["method"], "PUT");
    assert_eq!(preflight["request"]["method"], "OPTIONS");
    assert_eq!(page["request"]["method"], "GET");
    let mut list = vec![request];
    list.extend(std::iter::repeat_n(page, between));
    list.push(preflight);
    har["log"]["entries"] = Value::Array(list);
    har
}

/// The JSON report of `har` with `jobs` threads (one input: two threads hand the records'
/// projection to the thread that writes the report, one projects on the worker).
fn analyze(har: &Value, jobs: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pair.har");
    std::fs::write(&path, har.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_corscope"))
        .args(["analyze", "--format", "json", "-j", jobs])
        .arg(&path)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_request_recorded_far_before_its_preflight_still_takes_its_stack() {
    // The engine hands a request over with the preflight it waited for (within its window),
    // so the projection's lookahead is not reached however many exchanges lie between them
    // in the recording; reaching it is counted (`stack-lookahead-exceeded`, unit-tested in
    // the pipeline's projection).
    let lookahead = corscope::model::Limits::default().stack_lookahead;
    for between in [1, lookahead + 5, 4 * lookahead] {
        for jobs in ["1", "2"] {
            let doc = analyze(&request_then_preflight(between), jobs);
            let x = &doc["exchanges"][0];
            assert_eq!(x["method"], "PUT");
            assert_eq!(x["verdict"], "blocked");
            assert_eq!(x["preflight"], format!("0:{}", between + 1));
            let fix = &x["causes"][0]["stack_fix"];
            assert_eq!(fix["stack"], "express", "{between} -j {jobs}");
            assert_eq!(fix["exchange"], x["preflight"], "{between} -j {jobs}");
            assert_eq!(doc["inputs"][0]["issues"], serde_json::json!([]));
        }
    }
}
