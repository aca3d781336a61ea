//! `--format markdown` over every sample recording (snapshots), its GitHub-flavoured shape
//! (a summary table, one collapsible section per rule, balanced `<details>`), its length on a
//! big run, and a hostile recording whose values stay text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod report_support;

use corscope::report::ReportFormat;
use report_support::{input, render, sample, SAMPLES};
use serde_json::Value;

/// What every Markdown report must hold.
fn check(md: &str, json: &Value) {
    assert!(md.starts_with("## corscope: "));
    assert!(md.contains("| **blocked requests** | **"));
    let opened = md.matches("<details>").count();
    assert_eq!(
        opened,
        md.matches("</details>").count(),
        "balanced sections"
    );
    // One section per rule with findings, up to the cap.
    let mut rules: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().into(),
                f["rule"].as_str().unwrap().into(),
            )
        })
        .collect();
    rules.sort();
    rules.dedup();
    assert_eq!(
        opened,
        rules.len().min(corscope::report::markdown::SECTIONS)
    );
    for line in md.lines().filter(|l| l.starts_with("| `")) {
        // Every table row has its four cells: no value split a row.
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 5, "{line}");
    }
    assert!(
        md.len() < 60_000,
        "fits a pull-request comment: {}",
        md.len()
    );
}

#[test]
fn markdown_of_every_sample() {
    for name in SAMPLES {
        let files = sample(name);
        let md = render(&files, ReportFormat::Markdown);
        let json: Value = serde_json::from_str(&render(&files, ReportFormat::Json)).unwrap();
        check(&md, &json);
        insta::assert_snapshot!(format!("markdown-{name}"), md);
    }
}

#[test]
fn markdown_stays_short_on_a_big_run() {
    let mut files = Vec::new();
    for name in SAMPLES {
        files.extend(sample(name));
    }
    let md = render(&files, ReportFormat::Markdown);
    let json: Value = serde_json::from_str(&render(&files, ReportFormat::Json)).unwrap();
    check(&md, &json);
    assert!(
        md.contains("… and "),
        "counts instead of lists past the limit"
    );
}

/// The raw HTML a GitHub-flavoured Markdown parser (pulldown-cmark, tables on) finds: only
/// the report's own `<details>`, `<summary>` and `<b>` tags may be there.
fn raw_html(md: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Options, Parser};
    Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
        .filter_map(|e| match e {
            Event::Html(h) | Event::InlineHtml(h) => Some(h.to_string()),
            _ => None,
        })
        .flat_map(|h| {
            h.split('<')
                .skip(1)
                .map(|t| format!("<{}", t.split('>').next().unwrap_or("")))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn hostile_values_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let har = include_str!("data/har/hostile.har");
    let files = vec![input(dir.path(), "hostile.har", har.as_bytes())];
    let md = render(&files, ReportFormat::Markdown);
    let allowed = [
        "<details",
        "</details",
        "<summary",
        "</summary",
        "<b",
        "</b",
    ];
    for tag in raw_html(&md) {
        assert!(
            allowed.contains(&tag.as_str()),
            "{tag} came through in:\n{md}"
        );
    }
    // The values are there, as text.
    assert!(md.contains("<script>window.__pwned=1</script>") || md.contains("&lt;script&gt;"));
    let links = pulldown_cmark::Parser::new(&md)
        .filter(|e| {
            matches!(
                e,
                pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link { .. })
            )
        })
        .count();
    assert_eq!(links, 0, "no link made from a recorded value");
    insta::assert_snapshot!("markdown-hostile", md);
}

#[test]
fn the_html_check_sees_raw_html() {
    assert_eq!(raw_html("a <img src=x> b"), ["<img src=x"]);
}
