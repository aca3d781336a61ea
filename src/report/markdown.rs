//! GitHub-flavoured Markdown for a pull-request comment or a ticket (askama template
//! `templates/report.md`): a summary table, then one collapsible section per rule (cause,
//! security class or warning) in order of impact, each with a table of its first findings
//! (page origin → server and route, exchanges, clients, when), the first example's console
//! message, evidence and fix, and the fix for the server stack in use as a code block when the
//! stack is known. With a baseline, the summary counts the new, known and fixed findings and
//! each section says how many of its findings are new.
//!
//! It stays short on big inputs: at most [`ROWS`] findings per section and [`SECTIONS`]
//! sections, the rest counted. Every value that came from a recording is escaped here before
//! the template places it ([`text`], [`code`]): Markdown punctuation is backslash-escaped and
//! `<`, `>` and `&` become entities, so a URL holding `</details>` or `<img onerror=...>`
//! shows as text. Only findings are laid out, so workers send no records.

use std::collections::BTreeMap;
use std::io::{self, Write};

use askama::Template;

use super::layout::{clients, count, evidence_line, named_by, restates, seen};
use super::record::{Record, Summary};
use super::sarif::no_record;
use super::{Encoder, InputReport, Renderer};
use crate::baseline::{Baseline, BaselineState};
use crate::findings::{FindingKind, RouteFinding, Rule};

/// Findings listed per section; the rest are counted.
pub const ROWS: usize = 3;

/// Sections laid out; the rest are counted.
pub const SECTIONS: usize = 30;

/// Text from anywhere, safe inside a paragraph or a table cell: the characters that open
/// inline Markdown (`` \ ` * _ [ ] | ~ ``) are backslash-escaped, `<`, `>` and `&` become
/// entities, line breaks become spaces.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A value shown verbatim as inline code, safe in a table cell: the fence is longer than any
/// run of backticks inside, `|` is escaped (GitHub splits table cells on it even in code),
/// line breaks become spaces.
pub fn code(s: &str) -> String {
    if s.is_empty() {
        return "` `".into();
    }
    let body: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// `body` verbatim as a fenced code block of `language`: the fence is longer than any run of
/// backticks inside, so nothing in the body can close it; control characters other than line
/// breaks and tabs become spaces.
pub fn fenced(language: &str, body: &str) -> String {
    let body: String = body
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    let info: String = language
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("{fence}{info}\n{}\n{fence}", body.trim_end_matches('\n'))
}

/// Catalogue text inside raw HTML (`<summary>`).
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

struct Row {
    pair: String,
    exchanges: u64,
    clients: String,
    seen: String,
}

struct Section {
    summary: String,
    rows: Vec<Row>,
    more: Option<String>,
    first: String,
    message: String,
    evidence: Vec<String>,
    fix: String,
    /// The fix for the server stack in use: which stack and what named it (a paragraph), and
    /// the configuration as a fenced code block.
    stack_fix: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "report.md", escape = "none")]
struct Page {
    headline: String,
    summary: Vec<(String, String)>,
    sections: Vec<Section>,
    more_sections: Option<String>,
}

fn mark(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Blocked => "✗ blocked",
        FindingKind::Security => "! security",
        FindingKind::IfCredentialed => "~ if credentialed",
        FindingKind::Latent => "~ latent risk",
        FindingKind::Warning => "· warning",
    }
}

fn section(
    rule: Rule,
    findings: &[&RouteFinding],
    inputs: &[InputReport],
    baseline: Option<&Baseline>,
) -> Option<Section> {
    let first = findings.first()?;
    let exchanges: u64 = findings.iter().map(|f| f.exchanges).sum();
    let id = if rule.id() == rule.name() {
        String::new()
    } else {
        format!(" {}", rule.id())
    };
    let new = baseline
        .map(|b| {
            let n = findings
                .iter()
                .filter(|f| b.state(f) == BaselineState::New)
                .count();
            format!(" ({n} new)")
        })
        .unwrap_or_default();
    let summary = format!(
        "<b>{}{} {}</b>: {}{}, {}",
        mark(first.kind),
        html(&id),
        html(rule.name()),
        html(&count(findings.len() as u64, "finding")),
        new,
        html(&count(exchanges, "exchange")),
    );
    let rows = findings
        .iter()
        .take(ROWS)
        .map(|f| Row {
            pair: format!(
                "{} → {}",
                code(if f.page.is_empty() {
                    "(not recorded)"
                } else {
                    &f.page
                }),
                code(&format!("{}{}", f.server, f.route))
            ),
            exchanges: f.exchanges,
            clients: text(&clients(f.clients, f.clients_capped)),
            seen: text(&seen(f.first_seen, f.last_seen)),
        })
        .collect();
    let more = (findings.len() > ROWS).then(|| {
        let rest: u64 = findings.iter().skip(ROWS).map(|f| f.exchanges).sum();
        let n = findings.len() - ROWS;
        text(&format!(
            "… and {n} more {} ({})",
            if n == 1 { "finding" } else { "findings" },
            count(rest, "exchange")
        ))
    });
    let x = &first.example;
    let path = inputs.get(x.input).map(|i| i.path.as_str()).unwrap_or("");
    let evidence = x
        .evidence
        .iter()
        .map(|e| {
            let note = e.header.as_ref().is_some_and(|h| restates(&e.note, h));
            if e.note.is_empty() || note {
                code(&evidence_line(e))
            } else {
                format!("{}: {}", code(&evidence_line(e)), text(&e.note))
            }
        })
        .collect();
    Some(Section {
        summary,
        rows,
        more,
        first: format!(
            "{} {} at {} in {}",
            code(&x.method),
            code(&x.url),
            text(&x.location.to_string()),
            code(path)
        ),
        message: text(&x.message),
        evidence,
        fix: text(&x.fix),
        stack_fix: x.stack_fix.as_ref().map(|sf| {
            (
                format!(
                    "**Fix for {}**, {}:",
                    text(sf.name),
                    text(&named_by(x.input, sf))
                ),
                fenced(sf.language, &sf.config),
            )
        }),
    })
}

/// Writes one Markdown document.
pub struct MarkdownRenderer<'a> {
    out: Box<dyn Write + 'a>,
}

impl<'a> MarkdownRenderer<'a> {
    /// A renderer writing to `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self { out }
    }
}

impl Renderer for MarkdownRenderer<'_> {
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

    fn finish(&mut self, inputs: &[InputReport], s: &Summary) -> io::Result<()> {
        let findings = s.findings.sorted();
        // Sections in order of their first (most important) finding.
        let mut order: Vec<(FindingKind, Rule)> = Vec::new();
        let mut by_rule: BTreeMap<(FindingKind, Rule), Vec<&RouteFinding>> = BTreeMap::new();
        for f in &findings {
            let key = (f.kind, f.rule);
            if !by_rule.contains_key(&key) {
                order.push(key);
            }
            by_rule.entry(key).or_default().push(f);
        }
        let sections = order
            .iter()
            .take(SECTIONS)
            .filter_map(|k| {
                let found = by_rule.get(k).map(Vec::as_slice)?;
                section(k.1, found, inputs, s.baseline.as_deref())
            })
            .collect();
        let more_sections = (order.len() > SECTIONS).then(|| {
            text(&format!(
                "… and {} more rules with findings (every finding is in --format json).",
                order.len() - SECTIONS
            ))
        });
        let read = inputs
            .iter()
            .filter(|i| i.error.is_none() && i.skipped.is_none())
            .count() as u64;
        let unread = inputs.iter().filter(|i| i.error.is_some()).count() as u64;
        let blocked = s.blocked - s.blocked_preflights;
        let headline = if blocked == 0 {
            "no request blocked".to_string()
        } else {
            format!("{} blocked", count(blocked, "request"))
        };
        let mut summary = vec![
            ("inputs read".to_string(), read.to_string()),
            ("exchanges".into(), s.exchanges.to_string()),
            ("cross-origin requests".into(), s.cors.to_string()),
            ("preflights".into(), s.preflights.to_string()),
            ("**blocked requests**".into(), format!("**{blocked}**")),
            ("failed preflights".into(), s.blocked_preflights.to_string()),
            (
                "blocked if credentialed".into(),
                s.if_credentialed.to_string(),
            ),
            ("latent risks".into(), s.latent.to_string()),
            ("undecided".into(), s.indeterminate.to_string()),
            ("network errors".into(), s.network_errors.to_string()),
            ("findings".into(), findings.len().to_string()),
        ];
        if unread > 0 {
            summary.push(("inputs not read".into(), unread.to_string()));
        }
        if let Some(b) = &s.baseline {
            let c = b.compare(&findings);
            let path = code(b.path());
            summary.push(("**new findings**".into(), format!("**{}**", c.new)));
            summary.push((format!("known findings (in {path})"), c.known.to_string()));
            summary.push((format!("fixed since {path}"), c.fixed.to_string()));
        }
        let page = Page {
            headline: text(&headline),
            summary,
            sections,
            more_sections,
        };
        let rendered = page.render().map_err(io::Error::other)?;
        self.out.write_all(rendered.as_bytes())?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_values_cannot_break_out() {
        assert_eq!(
            text("</details><img src=x onerror=alert(1)>"),
            "&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            text("`a` *b* [c](d) ~e~ \\"),
            "\\`a\\` \\*b\\* \\[c\\](d) \\~e\\~ \\\\"
        );
        assert_eq!(text("a|b\nc"), "a\\|b c");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code(""), "` `");
        assert_eq!(fenced("nginx", "a;\n"), "```nginx\na;\n```");
        assert_eq!(
            fenced("yaml", "x: ````\n```\n</details>"),
            "`````yaml\nx: ````\n```\n</details>\n`````"
        );
    }
}
