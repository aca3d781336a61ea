//! `--format html`: snapshots of each sample's page outline and of a small run's whole page,
//! and the pages opened in real headless Chromium (`tests/tools/check_html.mjs`, through the
//! DevTools protocol): no console message, no error, no request but the file itself, no
//! Content-Security-Policy violation, the summary and the tables count what the JSON report
//! counts, the filters work, and a hostile recording runs no script and injects no element.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod report_support;

use std::path::Path;
use std::process::Command;

use corscope::report::ReportFormat;
use report_support::{input, program, render, sample, tool, SAMPLES};
use serde_json::Value;

/// The lines of a page that say what it holds: summary counts, headings, detailed exchanges.
fn outline(html: &str) -> String {
    html.lines()
        .filter(|l| {
            ["<li data-count", "<h2", "<h3", "<h4", "<div class=\"item"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn html_of_every_sample() {
    for name in SAMPLES {
        let html = render(&sample(name), ReportFormat::Html);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
        assert!(!html.contains("http-equiv=\"refresh\""));
        assert_eq!(
            html.matches("<script>").count(),
            1,
            "one script, the page's own"
        );
        insta::assert_snapshot!(format!("html-{name}"), outline(&html));
    }
}

#[test]
fn html_of_a_hostile_recording() {
    let dir = tempfile::tempdir().unwrap();
    let har = include_str!("data/har/hostile.har");
    let files = vec![input(dir.path(), "hostile.har", har.as_bytes())];
    let html = render(&files, ReportFormat::Html);
    assert!(!html.contains("<script>window"), "escaped");
    assert!(!html.contains("<img"), "escaped");
    assert!(html.contains("&#60;script&#62;window.__pwned=1&#60;/script&#62;"));
    insta::assert_snapshot!("html-hostile", html);
}

/// Opens `page` in headless Chromium; `None` when the tools are not installed.
fn chromium(page: &Path, texts: &[&str]) -> Option<Value> {
    let script = tool("check_html.mjs")?;
    tool("node_modules/playwright-core")?;
    if !program("node") || !program("chromium") {
        return None;
    }
    let out = Command::new("node")
        .arg(&script)
        .arg(page)
        .args(texts)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "check_html.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("one JSON object"))
}

fn clean(page: &Path, seen: &Value) {
    assert_eq!(seen["console"], Value::Array(vec![]), "console messages");
    assert_eq!(seen["errors"], Value::Array(vec![]), "page errors");
    assert_eq!(seen["violations"], Value::Array(vec![]), "CSP violations");
    let url = url::Url::from_file_path(page).unwrap().to_string();
    assert_eq!(seen["requests"], serde_json::json!([url]), "requests");
    assert_eq!(seen["pwned"], false);
    assert_eq!(seen["scripts"], 1);
    assert_eq!(seen["images"], 0);
    assert_eq!(seen["handlers"], 0);
}

#[test]
fn samples_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    for name in SAMPLES {
        let files = sample(name);
        let page = dir.path().join(format!("{name}.html"));
        std::fs::write(&page, render(&files, ReportFormat::Html)).unwrap();
        let Some(seen) = chromium(&page, &[]) else {
            return;
        };
        clean(&page, &seen);
        let json: Value = serde_json::from_str(&render(&files, ReportFormat::Json)).unwrap();
        let s = &json["summary"];
        let n = |k: &str| s[k].as_u64().unwrap();
        let summary = &seen["summary"];
        assert_eq!(summary["exchanges"], n("exchanges"), "{name}");
        assert_eq!(summary["cors"], n("cors"), "{name}");
        assert_eq!(summary["preflights"], n("preflights"), "{name}");
        assert_eq!(
            summary["blocked"],
            n("blocked") - n("blocked_preflights"),
            "{name}"
        );
        assert_eq!(
            summary["blocked-preflights"],
            n("blocked_preflights"),
            "{name}"
        );
        assert_eq!(summary["if-credentialed"], n("if_credentialed"), "{name}");
        let findings = json["findings"].as_array().unwrap().len();
        assert_eq!(summary["findings"], findings as u64);
        assert_eq!(seen["findings"], findings.min(500) as u64);
        let exchanges = json["exchanges"].as_array().unwrap();
        let wanted = |x: &&Value| {
            matches!(x["kind"].as_str(), Some("cors" | "preflight"))
                || matches!(x["verdict"].as_str(), Some("blocked" | "indeterminate"))
        };
        let rows = exchanges.iter().filter(wanted).count();
        assert_eq!(
            seen["tables"],
            serde_json::json!([rows]),
            "{name}: table rows"
        );
        assert_eq!(
            seen["filtersShown"], 1,
            "{name}: the script ran and showed the filters"
        );
        let blocked = exchanges
            .iter()
            .filter(wanted)
            .filter(|x| x["verdict"] == "blocked")
            .count();
        if blocked > 0 {
            assert_eq!(
                seen["blockedShown"], blocked as u64,
                "{name}: verdict filter"
            );
        }
    }
}

#[test]
fn hostile_recording_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let har = include_str!("data/har/hostile.har");
    let files = vec![input(dir.path(), "hostile.har", har.as_bytes())];
    let page = dir.path().join("hostile.html");
    std::fs::write(&page, render(&files, ReportFormat::Html)).unwrap();
    let texts = [
        "<script>window.__pwned=1</script>",
        "</style><script>",
        "</details><img src=x onerror=window.__pwned=1>",
        "<iframe src=javascript:window.__pwned=1>",
    ];
    let Some(seen) = chromium(&page, &texts) else {
        return;
    };
    clean(&page, &seen);
    assert_eq!(
        seen["texts"],
        serde_json::json!([true, true, true, true]),
        "shown as text"
    );
}

#[test]
fn preflight_and_request_pairs_are_drawn_on_a_timeline() {
    let html = render(&sample("chromium-devtools.har"), ReportFormat::Html);
    let json: Value = serde_json::from_str(&render(
        &sample("chromium-devtools.har"),
        ReportFormat::Json,
    ))
    .unwrap();
    let timelines: Vec<&str> = html
        .split("<ol class=\"timeline\">")
        .skip(1)
        .map(|t| t.split("</ol>").next().unwrap())
        .collect();
    // Every request shown in detail (blocked, undecided, network error) with a preflight has
    // one (at most 10 per cause and pair are detailed, and the sample has fewer).
    let paired = json["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| {
            matches!(
                x["verdict"].as_str(),
                Some("blocked" | "indeterminate" | "network-error")
            ) && x["kind"] != "preflight"
                && x["preflight"].is_string()
        })
        .count();
    assert!(paired > 10, "{paired}");
    assert_eq!(timelines.len(), paired);
    for t in timelines {
        let href = t
            .split("href=\"#")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(
            html.contains(&format!("id=\"{href}\"")),
            "the preflight {href} is on the page"
        );
        assert!(t.contains("<code>OPTIONS</code>"), "{t}");
        let gap = t.split("class=\"gap\">").nth(1).unwrap();
        assert!(
            gap.starts_with('+') || gap.starts_with("request dated"),
            "{t}"
        );
    }
}
