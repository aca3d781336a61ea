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
