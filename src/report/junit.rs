//! JUnit XML for CI test tabs (GitLab, Jenkins, Azure DevOps, GitHub test reporters), with the
//! `quick-junit` types.
//!
//! One test suite per input; one test case per finding of that input (per page origin, server
//! route and rule, so a capture of thousands of identical failures is one test case with its
//! count, not thousands). Blocked requests and security findings are failures, with the
//! console message as the failure message and the evidence, counts and fix (with the fix for
//! the server stack in use, when it is known) as its text;
//! requests blocked only if credentialed and warnings are passing test cases that say what was
//! seen in their output. An input that could not be read is a suite with one error. Suite
//! properties hold the input's counts. Memory: the findings of one input while it is read,
//! and one suite per input.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::layout::{clients, count, evidence_lines, named_by, seen};
use super::record::{Record, Summary};
use super::{InputReport, Renderer};
use crate::findings::{FindingKind, RouteFinding};

/// Writes one JUnit XML report.
pub struct JunitRenderer<'a> {
    out: Box<dyn Write + 'a>,
    report: Report,
    /// The input being read: its counts and findings.
    input: Summary,
}

impl<'a> JunitRenderer<'a> {
    /// A renderer writing to `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            report: Report::new("corscope"),
            input: Summary::default(),
        }
    }
}

fn case(f: &RouteFinding, path: &str) -> TestCase {
    let x = &f.example;
    let rule = f.rule;
    let page = if f.page.is_empty() {
        "(origin not recorded)"
    } else {
        &f.page
    };
    let name = format!("{} {} from {page}", rule.id(), rule.name());
    let mut text = vec![
        format!("{}: {} {}", f.kind.as_str(), rule.name(), rule.title()),
        format!(
            "{} · {}{}",
            count(f.exchanges, "exchange"),
            clients(f.clients, f.clients_capped),
            Some(seen(f.first_seen, f.last_seen))
                .filter(|s| !s.is_empty())
                .map(|s| format!(" · {s}"))
                .unwrap_or_default()
        ),
        format!("first: {} {} at {} in {path}", x.method, x.url, x.location),
    ];
    if matches!(f.kind, FindingKind::Security | FindingKind::Warning) {
        text.push(format!("seen: {}", x.message));
    }
    if !x.evidence.is_empty() {
        text.push("evidence:".into());
        text.extend(
            evidence_lines(&x.evidence)
                .into_iter()
                .map(|l| format!("  {l}")),
        );
    }
    text.push(format!("fix: {}", x.fix));
    if let Some(sf) = &x.stack_fix {
        text.push(format!("fix for {}, {}:", sf.name, named_by(x.input, sf)));
        text.extend(sf.config.lines().map(|l| format!("  {l}")));
    }
    text.push(format!("fingerprint: {}", f.fingerprint()));
    let text = text.join("\n");
    let status = match f.kind {
        FindingKind::Blocked | FindingKind::Security => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(x.message.as_str());
            s.set_type(rule.name());
            s.set_description(text.as_str());
            s
        }
        FindingKind::IfCredentialed | FindingKind::Latent | FindingKind::Warning => {
            TestCaseStatus::success()
        }
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(format!("{}{}", f.server, f.route));
    case.set_assertions(usize::try_from(f.exchanges).unwrap_or(usize::MAX));
    if matches!(
        f.kind,
        FindingKind::IfCredentialed | FindingKind::Latent | FindingKind::Warning
    ) {
        case.set_system_out(text);
    }
    case
}

impl Renderer for JunitRenderer<'_> {
    fn record(&mut self, record: &Record) -> io::Result<()> {
        self.input.add(record);
        Ok(())
    }

    fn input_done(&mut self, input: &InputReport) -> io::Result<()> {
        let counts = std::mem::take(&mut self.input);
        if input.skipped.is_some() {
            return Ok(());
        }
        let mut suite = TestSuite::new(input.path.as_str());
        if let Some(e) = &input.error {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(e.as_str());
            status.set_type("input-not-read");
            let mut case = TestCase::new(format!("read {}", input.path), status);
            case.set_classname(input.path.as_str());
            suite.add_test_case(case);
        }
        for (name, value) in [
            ("exchanges", counts.exchanges),
            ("cross-origin", counts.cors),
            ("preflights", counts.preflights),
            ("blocked", counts.blocked),
            ("blocked-preflights", counts.blocked_preflights),
            ("indeterminate", counts.indeterminate),
            ("network-errors", counts.network_errors),
            ("if-credentialed", counts.if_credentialed),
            ("latent", counts.latent),
        ] {
            suite.add_property(Property::new(name, value.to_string()));
        }
        for issue in &input.issues {
            suite.add_property(Property::new(
                format!("issue:{}", issue.id),
                issue.count.to_string(),
            ));
        }
        for f in counts.findings.sorted() {
            suite.add_test_case(case(&f, &input.path));
        }
        self.report.add_test_suite(suite);
        Ok(())
    }

    fn finish(&mut self, _inputs: &[InputReport], _summary: &Summary) -> io::Result<()> {
        self.report
            .serialize(&mut self.out)
            .map_err(io::Error::other)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}
