//! `--format sarif` over every sample recording: one result per finding with the finding's
//! fingerprint, rules from the catalogue, snapshots of the results, and Microsoft's SARIF
//! validator (`@microsoft/sarif-multitool validate`) reporting no error, on the samples and
//! on a log broken on purpose (which it must reject).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod report_support;

use corscope::report::ReportFormat;
use report_support::{render, sample, sarif_errors as validate, tool, SAMPLES};
use serde_json::Value;

/// One line per result: level, rule, where, fingerprint, message.
fn results_table(log: &Value) -> String {
    let mut out = String::new();
    for r in log["runs"][0]["results"].as_array().expect("results") {
        let loc = &r["locations"][0];
        out.push_str(&format!(
            "{:<7} {:<36} {} | {} | {} | {}\n",
            r["level"].as_str().unwrap(),
            r["ruleId"].as_str().unwrap(),
            loc["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap(),
            loc["message"]["text"].as_str().unwrap(),
            r["partialFingerprints"]["corscopeFinding/v1"]
                .as_str()
                .unwrap(),
            r["message"]["text"].as_str().unwrap(),
        ));
    }
    out
}

fn check(log: &Value, json: &Value, artifact: &str) {
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results");
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(results.len(), findings.len(), "one result per finding");
    for (r, f) in results.iter().zip(findings) {
        assert_eq!(
            r["partialFingerprints"]["corscopeFinding/v1"],
            f["fingerprint"]
        );
        assert_eq!(r["ruleId"], f["rule"]);
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"], "ruleIndex names the rule");
        let text = r["message"]["text"].as_str().unwrap();
        let message = f["message"].as_str().unwrap();
        if f["kind"] == "warning" {
            assert_eq!(text, message);
        } else {
            let fix = format!("{message}\n\nFix: {}", f["fix"].as_str().unwrap());
            assert!(text.starts_with(&fix), "{text}");
            match f.get("stack_fix") {
                Some(sf) => {
                    let config = sf["config"].as_str().unwrap().trim_end();
                    assert!(text.ends_with(&format!(":\n{config}")), "{text}");
                    assert_eq!(r["properties"]["stackFix"]["config"], sf["config"]);
                }
                None => assert_eq!(text, fix),
            }
        }
        let level = match f["kind"].as_str().unwrap() {
            "blocked" => "error",
            "latent" | "warning" => "note",
            _ => "warning",
        };
        assert_eq!(r["level"], level);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            artifact
        );
        assert_eq!(r["occurrenceCount"], f["exchanges"]);
    }
}

#[test]
fn sarif_of_every_sample() {
    for name in SAMPLES {
        let files = sample(name);
        let log: Value = serde_json::from_str(&render(&files, ReportFormat::Sarif)).unwrap();
        let json: Value = serde_json::from_str(&render(&files, ReportFormat::Json)).unwrap();
        check(&log, &json, &format!("samples/recordings/{name}"));
        insta::assert_snapshot!(format!("sarif-{name}"), results_table(&log));
    }
}

#[test]
fn sarif_rules_are_the_catalogue() {
    let log: Value =
        serde_json::from_str(&render(&sample("playwright.har"), ReportFormat::Sarif)).unwrap();
    let rules = &log["runs"][0]["tool"]["driver"]["rules"];
    insta::assert_json_snapshot!("sarif-rules", rules);
    let n = corscope::model::CAUSES.len()
        + corscope::model::WARNINGS.len()
        + corscope::findings::SECURITY.len();
    assert_eq!(rules.as_array().unwrap().len(), n);
}

#[test]
fn microsoft_sarif_validator_finds_no_error() {
    let Some(multitool) = tool("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for name in SAMPLES {
        let path = dir.path().join(format!("{name}.sarif"));
        std::fs::write(&path, render(&sample(name), ReportFormat::Sarif)).unwrap();
        let errors = validate(&multitool, &path);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    // The validator does reject logs that break the standard: a dangling rule index, a
    // message without text, another version.
    let good: Value =
        serde_json::from_str(&render(&sample("loopback.pcap"), ReportFormat::Sarif)).unwrap();
    type Breakage = (&'static str, fn(&mut Value));
    let breakages: [Breakage; 3] = [
        ("rule index", |l| {
            l["runs"][0]["results"][0]["ruleIndex"] = 999.into()
        }),
        ("message", |l| {
            l["runs"][0]["results"][1]["message"] = Value::Object(Default::default())
        }),
        ("version", |l| l["version"] = "2.0.0".into()),
    ];
    for (what, breakage) in breakages {
        let mut broken = good.clone();
        breakage(&mut broken);
        let path = dir
            .path()
            .join(format!("broken-{}.sarif", what.replace(' ', "-")));
        std::fs::write(&path, broken.to_string()).unwrap();
        assert!(
            !validate(&multitool, &path).is_empty(),
            "a log with a broken {what} passed"
        );
    }
}
