//! `--format junit` over every sample recording: the XML is parsed by an independent reader
//! (quick-xml events), every count attribute agrees with the elements it counts, there is a
//! suite per input and a test case per finding with a failure exactly for the blocked and
//! security ones, and snapshots hold one line per test case.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod report_support;

use corscope::report::ReportFormat;
use quick_xml::events::Event;
use quick_xml::Reader;
use report_support::{input, render, sample, SAMPLES};
use serde_json::Value;

#[derive(Debug, Default)]
struct Suite {
    name: String,
    tests: usize,
    failures: usize,
    errors: usize,
    cases: Vec<Case>,
}

#[derive(Debug, Default)]
struct Case {
    name: String,
    classname: String,
    outcome: String,
    message: String,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> String {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .expect("attribute text")
                .into_owned()
        })
        .unwrap_or_default()
}

/// Parses a JUnit document into suites, checking that it is well-formed XML and that the
/// `tests`, `failures` and `errors` attributes count what they say.
fn parse(xml: &str) -> Vec<Suite> {
    let mut reader = Reader::from_str(xml);
    let mut suites: Vec<Suite> = Vec::new();
    let (mut total_tests, mut total_failures) = (0usize, 0usize);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuites" => {
                    total_tests = attr(&e, "tests").parse().unwrap();
                    total_failures = attr(&e, "failures").parse().unwrap();
                }
                b"testsuite" => suites.push(Suite {
                    name: attr(&e, "name"),
                    tests: attr(&e, "tests").parse().unwrap(),
                    failures: attr(&e, "failures").parse().unwrap(),
                    errors: attr(&e, "errors").parse().unwrap(),
                    cases: Vec::new(),
                }),
                b"testcase" => suites.last_mut().unwrap().cases.push(Case {
                    name: attr(&e, "name"),
                    classname: attr(&e, "classname"),
                    outcome: "passed".into(),
                    message: String::new(),
                }),
                tag @ (b"failure" | b"error" | b"skipped") => {
                    let case = suites.last_mut().unwrap().cases.last_mut().unwrap();
                    case.outcome = String::from_utf8_lossy(tag).into_owned();
                    case.message = attr(&e, "message");
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    let outcome = |s: &Suite, o: &str| s.cases.iter().filter(|c| c.outcome == o).count();
    for s in &suites {
        assert_eq!(s.tests, s.cases.len(), "{}: tests", s.name);
        assert_eq!(s.failures, outcome(s, "failure"), "{}: failures", s.name);
        assert_eq!(s.errors, outcome(s, "error"), "{}: errors", s.name);
    }
    assert_eq!(
        total_tests,
        suites.iter().map(|s| s.cases.len()).sum::<usize>()
    );
    assert_eq!(
        total_failures,
        suites.iter().map(|s| s.failures).sum::<usize>()
    );
    suites
}

fn table(suites: &[Suite]) -> String {
    let mut out = String::new();
    for s in suites {
        out.push_str(&format!(
            "suite {} ({} tests, {} failures, {} errors)\n",
            s.name, s.tests, s.failures, s.errors
        ));
        for c in &s.cases {
            out.push_str(&format!(
                "  {:<8} {} | {} | {}\n",
                c.outcome, c.name, c.classname, c.message
            ));
        }
    }
    out
}

#[test]
fn junit_of_every_sample_parses_and_counts() {
    for name in SAMPLES {
        let files = sample(name);
        let xml = render(&files, ReportFormat::Junit);
        let suites = parse(&xml);
        let json: Value = serde_json::from_str(&render(&files, ReportFormat::Json)).unwrap();
        let findings = json["findings"].as_array().unwrap();
        assert_eq!(suites.len(), 1);
        let suite = &suites[0];
        assert_eq!(suite.name, format!("samples/recordings/{name}"));
        assert_eq!(suite.cases.len(), findings.len(), "a case per finding");
        for (c, f) in suite.cases.iter().zip(findings) {
            let failing = matches!(f["kind"].as_str(), Some("blocked" | "security"));
            assert_eq!(c.outcome == "failure", failing, "{}", c.name);
            if failing {
                assert_eq!(c.message, f["message"].as_str().unwrap());
            }
            assert_eq!(
                c.classname,
                format!(
                    "{}{}",
                    f["server"].as_str().unwrap(),
                    f["route"].as_str().unwrap()
                )
            );
        }
        insta::assert_snapshot!(format!("junit-{name}"), table(&suites));
    }
}

#[test]
fn junit_has_a_suite_per_input_and_an_error_for_an_unreadable_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = sample("loopback.pcap");
    files.push(("missing.har".into(), dir.path().join("missing.har")));
    files.extend(sample("playwright.har"));
    let xml = render(&files, ReportFormat::Junit);
    let suites = parse(&xml);
    let names: Vec<&str> = suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "samples/recordings/loopback.pcap",
            "missing.har",
            "samples/recordings/playwright.har"
        ]
    );
    assert_eq!(suites[1].errors, 1, "{:?}", suites[1]);
    assert!(suites[0].failures > 0);
}

#[test]
fn full_junit_document_of_a_small_run() {
    let dir = tempfile::tempdir().unwrap();
    let har = include_str!("data/har/hostile.har");
    let files = vec![input(dir.path(), "hostile.har", har.as_bytes())];
    let xml = render(&files, ReportFormat::Junit);
    parse(&xml);
    insta::assert_snapshot!("junit-hostile", xml);
}
