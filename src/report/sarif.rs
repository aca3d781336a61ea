//! SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps), with the `serde-sarif`
//! types: one run; one rule per catalogue row (every cause, warning and security class, each
//! with its title, explanation and, for causes, name and specification link; warnings and
//! security classes are identified by their names); one result per finding, so that the same
//! problem in tomorrow's recording is the same alert. Locations name the input file without a
//! region: a recording has entries and frames, not lines.
//!
//! A result's level is `error` for blocked requests, `warning` for security findings and
//! requests blocked if credentialed, `note` for warnings. Its message, which is what code
//! scanning shows, is the first exchange's console message (or the warning's) followed by the
//! fix and, when the server stack is known, that stack's configuration (SARIF `fixes` are
//! edits of the analysed files, and a recording is not where the fix goes). Its location is
//! the input file (artifact) with a logical location `server + route` and a message naming
//! where the first exchange is; its `partialFingerprints` hold the finding's fingerprint under
//! `corscopeFinding/v1`; counts, times, the fix, the stack's fix and the first exchange's
//! evidence are in its properties. With a baseline, each result has a `baselineState` (`new`
//! or `unchanged`), and each finding of the baseline this run does not have is one more result
//! with `baselineState: absent`, described as the baseline described it (no artifact: it was
//! found in an earlier recording). Only findings are laid out, so workers send no records.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};
use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
    Sarif, Tool, ToolComponent,
};

use super::layout::{evidence_lines, named_by};
use super::record::{exchange_ref, Record, Summary};
use super::wire::seconds;
use super::{Encoder, InputReport, Renderer};
use crate::baseline::{BaselineState, KnownFinding};
use crate::findings::{FindingKind, RouteFinding, SECURITY};
use crate::model::{CAUSES, WARNINGS};

/// The SARIF schema this report follows.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key of the finding fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "corscopeFinding/v1";

/// Writes one SARIF log.
pub struct SarifRenderer<'a> {
    out: Box<dyn Write + 'a>,
}

impl<'a> SarifRenderer<'a> {
    /// A renderer writing to `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self { out }
    }
}

/// Findings-only formats lay out no record.
pub(super) fn no_record(_: &Record, _: &mut Vec<u8>) -> io::Result<()> {
    Ok(())
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

fn bag(tags: &[&str], properties: BTreeMap<String, Value>) -> PropertyBag {
    PropertyBag {
        tags: (!tags.is_empty()).then(|| tags.iter().map(|t| t.to_string()).collect()),
        additional_properties: properties,
    }
}

/// Every rule of the catalogue, and the index of each rule id.
fn rules() -> (Vec<ReportingDescriptor>, BTreeMap<String, i64>) {
    let mut out = Vec::new();
    for c in CAUSES {
        let mut props = BTreeMap::new();
        if let Some(ch) = c.chromium {
            props.insert("chromium".to_string(), json!(ch));
        }
        out.push(
            ReportingDescriptor::builder()
                .id(c.id)
                .name(c.name)
                .short_description(text(c.title))
                .full_description(text(c.explanation))
                .help(text(&format!("{}\n\n{}", c.explanation, c.fix)))
                .help_uri(c.spec)
                .properties(bag(&["cors"], props))
                .build(),
        );
    }
    for w in WARNINGS {
        out.push(
            ReportingDescriptor::builder()
                .id(w.name)
                .short_description(text(w.title))
                .full_description(text(w.explanation))
                .help(text(w.explanation))
                .properties(bag(&["cors"], BTreeMap::new()))
                .build(),
        );
    }
    for s in SECURITY {
        out.push(
            ReportingDescriptor::builder()
                .id(s.name)
                .short_description(text(s.title))
                .full_description(text(s.explanation))
                .help(text(&format!("{}\n\n{}", s.explanation, s.fix)))
                .properties(bag(&["cors", "security"], BTreeMap::new()))
                .build(),
        );
    }
    let index = out
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i as i64))
        .collect();
    (out, index)
}

/// An input path as a URI reference: relative paths stay relative (percent-encoded where
/// needed), absolute ones become `file:` URIs, standard input is `-`.
pub(super) fn artifact_uri(path: &str) -> String {
    if path == "-" {
        return "-".into();
    }
    let p = std::path::Path::new(path);
    if p.is_absolute() {
        if let Ok(u) = url::Url::from_file_path(p) {
            return u.to_string();
        }
    }
    let forward = path.replace('\\', "/");
    match url::Url::parse("file:///base/").and_then(|b| b.join(&forward)) {
        Ok(u) => u
            .as_str()
            .strip_prefix("file:///base/")
            .map(str::to_string)
            .unwrap_or(forward),
        Err(_) => forward,
    }
}

/// A result's message, what code scanning shows of it: the console message (or the
/// warning's), then the fix filled for this finding and, when the server stack is known, that
/// stack's configuration. Warnings carry no fix of their own.
fn message(f: &RouteFinding) -> String {
    let x = &f.example;
    let mut text = x.message.clone();
    if f.kind != FindingKind::Warning {
        text.push_str("\n\nFix: ");
        text.push_str(&x.fix);
        if let Some(sf) = &x.stack_fix {
            text.push_str(&format!(
                "\n\nFix for {}, {}:\n{}",
                sf.name,
                named_by(x.input, sf),
                sf.config.trim_end_matches('\n')
            ));
        }
    }
    text
}

/// The level of a finding of `kind` (a kind's JSON spelling for a baseline's findings).
fn level(kind: &str) -> ResultLevel {
    match kind {
        "blocked" => ResultLevel::Error,
        "security" | "if-credentialed" => ResultLevel::Warning,
        _ => ResultLevel::Note,
    }
}

/// The logical location of a finding: its server and route.
fn logical(server: &str, route: &str) -> LogicalLocation {
    LogicalLocation {
        name: Some(route.to_string()),
        fully_qualified_name: Some(format!("{server}{route}")),
        kind: Some("resource".into()),
        ..Default::default()
    }
}

/// A finding of the baseline this run does not have (`baselineState: absent`), as the
/// baseline described it: no artifact, since it was found in an earlier recording.
fn absent(f: &KnownFinding, rules: &BTreeMap<String, i64>) -> SarifResult {
    let mut props = BTreeMap::new();
    props.insert("kind".to_string(), json!(f.kind));
    props.insert("server".to_string(), json!(f.server));
    props.insert("route".to_string(), json!(f.route));
    props.insert("pageOrigin".to_string(), json!(f.page_origin));
    props.insert("exchanges".to_string(), json!(f.exchanges));
    let message = if f.message.is_empty() {
        format!("{} {}{} (in the baseline)", f.rule, f.server, f.route)
    } else {
        f.message.clone()
    };
    let mut r = SarifResult::builder()
        .message(Message {
            text: Some(message),
            ..Default::default()
        })
        .rule_id(f.rule.as_str())
        .level(level(&f.kind))
        .locations(vec![Location {
            logical_locations: Some(vec![logical(&f.server, &f.route)]),
            ..Default::default()
        }])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            f.fingerprint.clone(),
        )]))
        .properties(bag(&[], props))
        .build();
    r.rule_index = rules.get(f.rule.as_str()).copied();
    r.baseline_state = Some(json!(BaselineState::Absent.as_str()));
    r
}

fn result(f: &RouteFinding, rules: &BTreeMap<String, i64>, inputs: &[InputReport]) -> SarifResult {
    let x = &f.example;
    let level = level(f.kind.as_str());
    let mut props = BTreeMap::new();
    props.insert("kind".to_string(), json!(f.kind.as_str()));
    props.insert("server".to_string(), json!(f.server));
    props.insert("route".to_string(), json!(f.route));
    props.insert("pageOrigin".to_string(), json!(f.page));
    props.insert("exchanges".to_string(), json!(f.exchanges));
    props.insert("clients".to_string(), json!(f.clients));
    if f.clients_capped {
        props.insert("clientsCapped".to_string(), json!(true));
    }
    if let Some(t) = f.first_seen {
        props.insert("firstSeen".to_string(), json!(seconds(t)));
    }
    if let Some(t) = f.last_seen {
        props.insert("lastSeen".to_string(), json!(seconds(t)));
    }
    props.insert("example".to_string(), json!(exchange_ref(x.input, x.seq)));
    props.insert("fix".to_string(), json!(x.fix));
    if !x.evidence.is_empty() {
        props.insert("evidence".to_string(), json!(evidence_lines(&x.evidence)));
    }
    if let Some(sf) = &x.stack_fix {
        props.insert(
            "stackFix".to_string(),
            json!({
                "stack": sf.stack,
                "name": sf.name,
                "evidence": sf.evidence,
                "exchange": sf.exchange.map(|e| exchange_ref(x.input, e.0)),
                "language": sf.language,
                "config": sf.config,
            }),
        );
    }
    let location = Location {
        physical_location: Some(PhysicalLocation {
            artifact_location: Some(ArtifactLocation {
                uri: inputs.get(x.input).map(|i| artifact_uri(&i.path)),
                ..Default::default()
            }),
            ..Default::default()
        }),
        logical_locations: Some(vec![logical(&f.server, &f.route)]),
        message: Some(Message {
            text: Some(format!("{} {} at {}", x.method, x.url, x.location)),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut r = SarifResult::builder()
        .message(Message {
            text: Some(message(f)),
            ..Default::default()
        })
        .rule_id(f.rule.id())
        .level(level)
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            f.fingerprint(),
        )]))
        .occurrence_count(i64::try_from(f.exchanges).unwrap_or(i64::MAX))
        .properties(bag(&[], props))
        .build();
    r.rule_index = rules.get(f.rule.id()).copied();
    r
}

impl Renderer for SarifRenderer<'_> {
    fn record(&mut self, _record: &Record) -> io::Result<()> {
        Ok(())
    }

    fn encoder(&self) -> Option<Encoder> {
        Some(no_record)
    }

    fn encoded(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }

    fn input_done(&mut self, _input: &InputReport) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, inputs: &[InputReport], summary: &Summary) -> io::Result<()> {
        let (rules, index) = rules();
        let findings = summary.findings.sorted();
        let mut results: Vec<SarifResult> = findings
            .iter()
            .map(|f| {
                let mut r = result(f, &index, inputs);
                r.baseline_state = summary.baseline_state(f).map(|s| json!(s.as_str()));
                r
            })
            .collect();
        if let Some(b) = &summary.baseline {
            results.extend(b.fixed(&findings).into_iter().map(|f| absent(f, &index)));
        }
        let driver = ToolComponent::builder()
            .name("corscope")
            .version(env!("CARGO_PKG_VERSION"))
            .semantic_version(env!("CARGO_PKG_VERSION"))
            .rules(rules)
            .build();
        let run = Run::builder()
            .tool(Tool::builder().driver(driver).build())
            .results(results)
            .build();
        let log = Sarif::builder()
            .schema(SARIF_SCHEMA)
            .version(json!("2.1.0"))
            .runs(vec![run])
            .build();
        serde_json::to_writer_pretty(&mut self.out, &log)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}
