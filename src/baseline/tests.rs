use super::*;
use crate::findings::{fingerprint, Example, FindingKind, Rule};
use crate::model::{CauseId, EntryIndex, Location};

fn found(route: &str) -> RouteFinding {
    RouteFinding {
        kind: FindingKind::Blocked,
        rule: Rule::Cause(CauseId::MissingAllowOrigin),
        server: "https://api.test".into(),
        route: route.into(),
        page: "https://app.test".into(),
        exchanges: 1,
        clients: 1,
        clients_capped: false,
        first_seen: None,
        last_seen: None,
        example: Example {
            input: 0,
            seq: 0,
            location: Location::Entry(EntryIndex(0)),
            method: "GET".into(),
            url: format!("https://api.test{route}"),
            message: "blocked".into(),
            fix: "fix".into(),
            evidence: Vec::new(),
            stack_fix: None,
        },
    }
}

fn known(route: &str) -> KnownFinding {
    KnownFinding {
        fingerprint: fingerprint(
            "blocked",
            "A01",
            "https://api.test",
            route,
            "https://app.test",
        ),
        kind: "blocked".into(),
        rule: "A01".into(),
        ..KnownFinding::default()
    }
}

#[test]
fn states_and_fixed_findings() {
    let b = Baseline::new("old.json", 2, vec![known("/a"), known("/b"), known("/a")]);
    assert_eq!(b.findings().len(), 2, "a fingerprint once");
    let now = [found("/a"), found("/c")];
    assert_eq!(b.state(&now[0]), BaselineState::Unchanged);
    assert_eq!(b.state(&now[1]), BaselineState::New);
    let fixed: Vec<&str> = b
        .fixed(&now)
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    assert_eq!(fixed, vec![known("/b").fingerprint.as_str()]);
    assert_eq!(
        b.compare(&now),
        Comparison {
            new: 1,
            known: 1,
            fixed: 1
        }
    );
    assert_eq!(BaselineState::Unchanged.as_str(), "unchanged");
    assert_eq!(BaselineState::Unchanged.label(), "known");
    assert_eq!(BaselineState::Absent.label(), "fixed");
}

fn read(text: &str) -> Result<(Baseline, Vec<String>), BaselineError> {
    Baseline::from_reader("r.json", text.as_bytes())
}

const TOOL: &str = r#""tool":{"name":"corscope","version":"0.1.0"}"#;

#[test]
fn reads_json_documents_and_json_lines() {
    let f = r#"{"fingerprint":"v1:00","kind":"blocked","rule":"A01","name":"missing-allow-origin","server":"s","route":"/r","page_origin":null,"exchanges":3,"message":"m","evidence":[{"x":[1,2]}]}"#;
    let doc = format!(
        r#"{{"schema_version":2,{TOOL},"exchanges":[{{"id":"0:1","causes":[{{"id":"A01"}}]}}],"findings":[{f}],"inputs":[],"summary":{{}}}}"#
    );
    let (b, notes) = read(&doc).unwrap();
    assert!(notes.is_empty());
    assert_eq!(b.schema_version(), 2);
    assert_eq!(b.findings().len(), 1);
    assert_eq!(b.findings()[0].exchanges, 3);
    assert!(b.knows("v1:00"));
    let lines = format!(
        "{{\"id\":\"0:1\"}}\n{{\"finding\":{f}}}\n{{\"schema_version\":2,{TOOL},\"inputs\":[]}}\n"
    );
    let (b, _) = read(&lines).unwrap();
    assert!(b.knows("v1:00"));
}

#[test]
fn old_and_foreign_reports() {
    let (b, notes) = read(&format!(r#"{{"schema_version":1,{TOOL},"exchanges":[]}}"#)).unwrap();
    assert!(b.findings().is_empty());
    assert!(
        notes[0].contains("schema version 1, which has no findings"),
        "{notes:?}"
    );
    let other = format!(
        r#"{{"schema_version":2,{TOOL},"findings":[{{"fingerprint":"v9:00","kind":"blocked","rule":"A01"}}]}}"#
    );
    let (b, notes) = read(&other).unwrap();
    assert!(b.findings().is_empty());
    assert!(notes[0].contains("1 findings have fingerprints of another version"));
    let cases = [
        ("", "the file is empty"),
        ("not json", "invalid JSON"),
        ("[1,2]", "invalid JSON or not a report object"),
        (r#"{"schema_version":2}"#, "no schema_version from corscope"),
        (
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"other"}},"results":[]}]}"#,
            "no schema_version from corscope",
        ),
        (
            r#"{"schema_version":2,"tool":{"name":"corscope"},"findings":[{"kind":"blocked"}]}"#,
            "missing field `fingerprint`",
        ),
        (
            r#"{"schema_version":2,"tool":{"name":"corscope"},"findings":["#,
            "EOF",
        ),
    ];
    for (text, want) in cases {
        let e = read(text).unwrap_err().to_string();
        assert!(
            e.starts_with("baseline r.json is not a corscope --format json report"),
            "{e}"
        );
        assert!(e.contains(want), "{text}: {e}");
    }
    let newer = read(&format!(r#"{{"schema_version":3,{TOOL}}}"#)).unwrap_err();
    assert_eq!(
        newer.to_string(),
        "baseline r.json is a report of schema version 3; this corscope reads versions up to 2"
    );
}

#[test]
fn more_findings_than_any_report_are_refused() {
    let one = r#"{"fingerprint":"v1:00","kind":"blocked","rule":"A01"}"#;
    let many = vec![one; MAX_KNOWN + 1].join(",");
    let doc = format!(r#"{{"schema_version":2,{TOOL},"findings":[{many}]}}"#);
    let e = read(&doc).unwrap_err().to_string();
    assert!(e.contains("more than 10000 findings"), "{e}");
    let lines = format!(
        "{}\n",
        vec![format!("{{\"finding\":{one}}}"); MAX_KNOWN + 1].join("\n")
    );
    let e = read(&lines).unwrap_err().to_string();
    assert!(e.contains("more than 10000 findings"), "{e}");
}

#[test]
fn reads_sarif_logs_without_their_absent_results() {
    let result = |fp: &str, state: &str| {
        format!(
            r#"{{"ruleId":"A01","message":{{"text":"console\n\nFix: f"}},"partialFingerprints":{{"corscopeFinding/v1":"{fp}"}}{state},"properties":{{"kind":"blocked","server":"s","route":"/r","pageOrigin":"p","exchanges":2}}}}"#
        )
    };
    let log = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"corscope"}}}},"results":[{},{},{}]}}]}}"#,
        result("v1:aa", ""),
        result("v1:bb", r#","baselineState":"unchanged""#),
        result("v1:cc", r#","baselineState":"absent""#),
    );
    let (b, notes) = read(&log).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    let fps: Vec<&str> = b
        .findings()
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    assert_eq!(
        fps,
        ["v1:aa", "v1:bb"],
        "absent results were not found in that run"
    );
    let f = &b.findings()[0];
    assert_eq!((f.kind.as_str(), f.rule.as_str()), ("blocked", "A01"));
    assert_eq!((f.message.as_str(), f.exchanges), ("console", 2));
    assert_eq!(f.page_origin.as_deref(), Some("p"));
}

#[test]
fn messages_of_a_baseline_are_redacted_as_the_run_is() {
    let mut f = known("/a");
    f.message =
        "Access to fetch at 'https://api.test/a?access_token=s3cr3t' has been blocked".into();
    let b = Baseline::new("old.json", 2, vec![f]).redacted(&Redactor::with_key(b"k"));
    let m = &b.findings()[0].message;
    assert!(!m.contains("s3cr3t"), "{m}");
    assert!(m.contains("access_token="), "{m}");
    let kept = Baseline::new("old.json", 2, vec![known("/a")]).redacted(&Redactor::off());
    assert_eq!(kept.findings()[0], known("/a"));
}
