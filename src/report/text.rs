//! The terminal report: the run's findings first (`text_findings.rs`), then per input,
//! blocked and doubtful exchanges grouped by page origin → target origin, each with its
//! cause, the browser's console message, the decisive headers (the guilty one marked), where
//! it is in the file and the fix; requests allowed only while not credentialed one line each
//! where the recording cannot tell whether they were, latent risks (the recording proves they
//! were not blocked) folded into one line per origin pair; then a summary by cause.
//!
//! Holds, per input, only the records it will show in detail plus counters; allowed
//! exchanges are counted, not kept. The findings are known only when the run is over, so the
//! details are written to a spooled temporary file (in memory up to [`SPOOL_BYTES`], then
//! on disk) and copied out after the findings.

use std::collections::BTreeMap;
use std::io::{self, Seek, Write};

use tempfile::SpooledTempFile;

use super::layout::{count, named_by, restates};
use super::record::{Record, Summary};
use super::{InputReport, Renderer};
use crate::model::{ExchangeKind, Finding, IssueSummary, Location, StackFix, Verdict};

pub(super) const RED: &str = "\x1b[31m";
pub(super) const YELLOW: &str = "\x1b[33m";
pub(super) const GREEN: &str = "\x1b[32m";
pub(super) const BOLD: &str = "\x1b[1m";
pub(super) const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// Bytes of details held in memory before they go to a temporary file.
pub const SPOOL_BYTES: usize = 4 << 20;

/// `text` in ANSI `style` when `color`.
pub(super) fn paint(color: bool, style: &str, text: &str) -> String {
    if color {
        format!("{style}{text}{RESET}")
    } else {
        text.to_string()
    }
}

#[derive(Default)]
struct Group {
    shown: Vec<Record>,
    allowed: u64,
    if_credentialed: u64,
    /// Latent risks: requests by the cause they would be blocked by if credentialed.
    latent: BTreeMap<&'static str, u64>,
    /// Records of each cause (or verdict) seen, shown in detail up to [`DETAILED`].
    per_kind: BTreeMap<String, u64>,
}

/// Preflights remembered for the pairing lines of the requests shown (`preflight OPTIONS at
/// ... → 204`), the most recent ones by exchange number: a request follows its preflight
/// closely, and a capture of millions of exchanges must not keep every preflight. A request
/// whose preflight was forgotten (a cached preflight reused long after) is shown without the
/// line, and the input's section says how many were.
const PREFLIGHTS_REMEMBERED: usize = 16_384;

/// Exchanges shown in detail per cause and origin pair; the rest are counted. Thousands of
/// identical failures in a capture need one example, not thousands.
const DETAILED: u64 = 10;

#[derive(Default)]
struct InputState {
    groups: Vec<((String, String), Group)>,
    preflights: BTreeMap<u64, (Location, Option<u16>, String)>,
    /// The latest preflight forgotten beyond [`PREFLIGHTS_REMEMBERED`].
    forgotten: Option<u64>,
    /// Requests shown without their pairing line, their preflight forgotten.
    unpaired: u64,
    counts: Summary,
}

/// Writes the terminal report.
pub struct TextRenderer<'a> {
    /// Where the report goes.
    sink: Box<dyn Write + 'a>,
    /// The details and summary, until the findings are written.
    out: SpooledTempFile,
    color: bool,
    state: InputState,
    /// The files of the input being written, when it has several: locations name them.
    files: Vec<String>,
}

impl<'a> TextRenderer<'a> {
    /// A renderer writing to `out`, with ANSI colours when `color`.
    pub fn new(out: Box<dyn Write + 'a>, color: bool) -> Self {
        Self {
            sink: out,
            out: SpooledTempFile::new(SPOOL_BYTES),
            color,
            state: InputState::default(),
            files: Vec::new(),
        }
    }

    fn paint(&self, style: &str, text: &str) -> String {
        paint(self.color, style, text)
    }

    fn group(&mut self, r: &Record) -> &mut Group {
        let page = r
            .page_origin
            .clone()
            .or_else(|| r.origin.clone())
            .unwrap_or_else(|| "(origin not recorded)".into());
        let target = url::Url::parse(&r.url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| r.url.clone());
        let key = (page, target);
        let groups = &mut self.state.groups;
        let at = match groups.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                groups.push((key, Group::default()));
                groups.len() - 1
            }
        };
        &mut groups[at].1
    }

    fn write_item(&mut self, r: &Record) -> io::Result<()> {
        if !matches!(
            r.verdict,
            Verdict::Blocked | Verdict::Indeterminate | Verdict::NetworkError
        ) {
            return self.write_conditional(r);
        }
        let (mark, style) = match r.verdict {
            Verdict::Blocked => ("✗ BLOCKED", RED),
            Verdict::Indeterminate => ("? UNDECIDED", YELLOW),
            Verdict::NetworkError => ("! NETWORK ERROR", YELLOW),
            _ => ("~ IF CREDENTIALED", YELLOW),
        };
        let head = format!("  {mark}  {} {}", r.method, r.url);
        let mut place = r.location.named(&self.files).to_string();
        if !r.sent {
            place.push_str(", never sent");
        }
        writeln!(
            self.out,
            "{}  {}",
            self.paint(&format!("{BOLD}{style}"), &head),
            self.paint(DIM, &place)
        )?;
        if let Some(note) = &r.note {
            writeln!(self.out, "      note       {note}")?;
        }
        if let Some(fail) = &r.failure {
            let said = r.note.as_deref().is_some_and(|n| n.contains(fail.as_str()));
            if r.verdict == Verdict::NetworkError && !said {
                writeln!(self.out, "      failure    {fail}")?;
            }
        }
        if let Some(status) = r.status {
            writeln!(self.out, "      status     {status}")?;
        }
        if let Some(pf) = r.preflight {
            if let Some((loc, status, method)) = self.state.preflights.get(&pf) {
                let st = status.map_or("no response".to_string(), |s| s.to_string());
                let loc = loc.named(&self.files);
                writeln!(self.out, "      preflight  {method} at {loc} → {st}")?;
            } else if self.state.forgotten.is_some_and(|f| pf <= f) {
                self.state.unpaired += 1;
            }
        }
        if let Some(f) = r.primary_cause() {
            self.write_finding(r.input, f, r.if_only_credentialed_label())?;
        }
        for f in r.causes.iter().skip(1) {
            let info = f.cause.info();
            writeln!(
                self.out,
                "      also       {} [{}]{}",
                info.name,
                info.id,
                if f.if_credentialed {
                    " (if credentialed)"
                } else {
                    ""
                }
            )?;
        }
        for w in &r.warnings {
            writeln!(self.out, "      warning    {}: {}", w.id.name(), w.message)?;
        }
        writeln!(self.out)
    }

    /// One line for an allowed request that would be blocked if it were credentialed.
    fn write_conditional(&mut self, r: &Record) -> io::Result<()> {
        let causes: Vec<String> = r
            .causes
            .iter()
            .filter(|f| f.if_credentialed)
            .map(|f| {
                let info = f.cause.info();
                format!("{} [{}]", info.name, info.id)
            })
            .collect();
        writeln!(
            self.out,
            "  {}  {} {}  {}  {}",
            self.paint(YELLOW, "~"),
            r.method,
            r.url,
            self.paint(DIM, &r.location.named(&self.files).to_string()),
            self.paint(
                YELLOW,
                &format!("blocked if credentialed: {}", causes.join(", "))
            )
        )
    }

    fn write_finding(&mut self, input: usize, f: &Finding, qualifier: &str) -> io::Result<()> {
        let info = f.cause.info();
        let chromium = f
            .chromium
            .map(|c| format!(" · Chromium {c}"))
            .unwrap_or_default();
        writeln!(
            self.out,
            "      cause      {}{} [{}]{}",
            self.paint(BOLD, info.name),
            qualifier,
            info.id,
            chromium
        )?;
        writeln!(self.out, "      console    {}", f.message)?;
        let mut first = true;
        for e in &f.evidence {
            let label = if first { "evidence" } else { "" };
            first = false;
            let line = match (&e.header, e.values.is_empty()) {
                (Some(h), true) => format!("{h}: (absent)"),
                (Some(h), false) => e
                    .values
                    .iter()
                    .map(|v| format!("{h}: {v}"))
                    .collect::<Vec<_>>()
                    .join(" | "),
                (None, _) => e.values.join(" "),
            };
            let marker = if e.primary {
                self.paint(RED, "  ◀ decisive")
            } else {
                String::new()
            };
            writeln!(
                self.out,
                "      {label:<10} {:<19} {line}{marker}",
                e.source.as_str()
            )?;
            let restates = e.header.as_ref().is_some_and(|h| restates(&e.note, h));
            if !e.note.is_empty() && !restates {
                writeln!(
                    self.out,
                    "      {:<10} {:<19} {}",
                    "",
                    "",
                    self.paint(DIM, &e.note)
                )?;
            }
        }
        writeln!(self.out, "      fix        {}", self.paint(GREEN, &f.fix))?;
        if let Some(sf) = &f.stack_fix {
            write_stack_fix(&mut self.out, self.color, input, sf)?;
        }
        Ok(())
    }
}

/// The `fix for` lines of a stack's fix: which stack and what named it, then its
/// configuration.
pub(super) fn write_stack_fix(
    out: &mut dyn Write,
    color: bool,
    input: usize,
    fix: &StackFix,
) -> io::Result<()> {
    writeln!(
        out,
        "      {:<10} {}, {}",
        "fix for",
        paint(color, BOLD, fix.name),
        named_by(input, fix)
    )?;
    for line in fix.config.lines() {
        writeln!(out, "                 {}", paint(color, GREEN, line))?;
    }
    Ok(())
}

trait Qualify {
    fn if_only_credentialed_label(&self) -> &'static str;
}

impl Qualify for Record {
    fn if_only_credentialed_label(&self) -> &'static str {
        if self.verdict != Verdict::Blocked && self.only_if_credentialed() {
            " (only if the request is credentialed)"
        } else {
            ""
        }
    }
}

impl Renderer for TextRenderer<'_> {
    fn record(&mut self, r: &Record) -> io::Result<()> {
        self.state.counts.count(r);
        if r.kind == ExchangeKind::Preflight {
            let preflights = &mut self.state.preflights;
            preflights.insert(r.seq, (r.location, r.status, r.method.clone()));
            if preflights.len() > PREFLIGHTS_REMEMBERED {
                if let Some((seq, _)) = preflights.pop_first() {
                    self.state.forgotten = self.state.forgotten.max(Some(seq));
                }
            }
        }
        let relevant = matches!(r.kind, ExchangeKind::Cors | ExchangeKind::Preflight)
            || matches!(r.verdict, Verdict::Blocked | Verdict::Indeterminate);
        if !relevant {
            return Ok(());
        }
        let show = match r.verdict {
            Verdict::Blocked | Verdict::Indeterminate | Verdict::NetworkError => true,
            _ => r.only_if_credentialed() && !r.only_latent(),
        };
        // A failed preflight is shown through the request it stopped.
        let show = show && !(r.kind == ExchangeKind::Preflight && r.verdict == Verdict::Blocked);
        let g = self.group(r);
        if r.verdict == Verdict::Allowed {
            g.allowed += 1;
            if r.only_latent() {
                if r.kind != ExchangeKind::Preflight {
                    if let Some(f) = r.causes.first() {
                        *g.latent.entry(f.cause.info().name).or_default() += 1;
                    }
                }
            } else if r.only_if_credentialed() {
                g.if_credentialed += 1;
            }
        }
        if show {
            let key = match r.primary_cause() {
                Some(f) if r.verdict == Verdict::Blocked => f.cause.info().name.to_string(),
                _ if r.only_if_credentialed() => "allowed only while not credentialed".into(),
                _ => r.verdict.as_str().to_string(),
            };
            let n = g.per_kind.entry(key).or_default();
            *n += 1;
            if *n <= DETAILED {
                g.shown.push(r.clone());
            }
        }
        Ok(())
    }

    fn input_done(&mut self, input: &InputReport) -> io::Result<()> {
        let state = std::mem::take(&mut self.state);
        if input.skipped.is_some() {
            // Listed once in the summary.
            return Ok(());
        }
        let mut what = Vec::new();
        if let Some(f) = input.format {
            what.push(f.as_str().to_string());
        }
        if let Some(p) = &input.producer {
            what.push(p.clone());
        }
        let title = if what.is_empty() {
            input.path.clone()
        } else {
            format!("{}  ({})", input.path, what.join(" · "))
        };
        writeln!(self.out, "{}", self.paint(BOLD, &title))?;
        self.files = input.file_names();
        for line in super::files::lines(input) {
            writeln!(self.out, "{line}")?;
        }
        if let Some(e) = &input.error {
            writeln!(self.out, "  {}", self.paint(RED, &format!("not read: {e}")))?;
        }
        // Encrypted traffic that was not read comes first: without it an encrypted capture
        // would look empty.
        let hidden = |s: &&IssueSummary| crate::capture::NOT_DECRYPTED.contains(&s.id);
        for s in input.issues.iter().filter(hidden) {
            for e in &s.examples {
                let at = e.at.map(|p| format!(" (first at {p})")).unwrap_or_default();
                writeln!(
                    self.out,
                    "  {} {}{at}",
                    self.paint(&format!("{BOLD}{RED}"), "not decrypted"),
                    e.message
                )?;
            }
            let shown: u64 = s.examples.iter().map(|e| e.count).sum();
            if s.count > shown {
                let more = format!(
                    "  … and {} more connections to other servers ({})",
                    s.count - shown,
                    s.id
                );
                writeln!(self.out, "{}", self.paint(DIM, &more))?;
            }
        }
        let c = &state.counts;
        if input.error.is_none() && input.skipped.is_none() {
            let line = [
                count(c.exchanges, "exchange"),
                format!("{} cross-origin", c.cors),
                count(c.preflights, "preflight"),
                format!(
                    "{} blocked",
                    count(c.blocked - c.blocked_preflights, "request")
                ),
                format!("{} failed", count(c.blocked_preflights, "preflight")),
                format!("{} undecided", c.indeterminate),
                count(c.network_errors, "network error"),
            ]
            .join(" · ");
            writeln!(self.out, "  {line}")?;
        }
        for s in input.issues.iter().filter(|s| !hidden(s)) {
            let first = s.examples.first();
            let at = first
                .and_then(|e| e.at)
                .map(|p| format!(" (first at {})", p.named(&self.files)))
                .unwrap_or_default();
            let msg = first.map(|e| e.message.as_str()).unwrap_or("");
            writeln!(
                self.out,
                "  {} {}×{}: {msg}{at}",
                self.paint(YELLOW, "issue"),
                s.id,
                s.count
            )?;
        }
        writeln!(self.out)?;
        self.state.preflights = state.preflights;
        self.state.forgotten = state.forgotten;
        for ((page, target), g) in &state.groups {
            let items: Vec<&Record> = g.shown.iter().collect();
            let heading = format!("  {page}  →  {target}");
            writeln!(self.out, "{}", self.paint(BOLD, &heading))?;
            for r in items {
                self.write_item(r)?;
            }
            for (kind, n) in &g.per_kind {
                if *n > DETAILED {
                    let more = format!(
                        "  … and {} more: {kind} (every exchange is in --format json)",
                        n - DETAILED
                    );
                    writeln!(self.out, "{}", self.paint(DIM, &more))?;
                }
            }
            if !g.latent.is_empty() {
                let n: u64 = g.latent.values().sum();
                let causes: Vec<String> = g
                    .latent
                    .iter()
                    .map(|(name, k)| {
                        let id = crate::model::CauseId::find(name).map_or("", |c| c.info().id);
                        format!("{name} [{id}] ×{k}")
                    })
                    .collect();
                let line = format!(
                    "  ~ latent risk: {} completed, would be blocked if sent with credentials: {}",
                    count(n, "request"),
                    causes.join(", ")
                );
                writeln!(self.out, "{}", self.paint(YELLOW, &line))?;
            }
            if g.allowed > 0 {
                let mut tail = format!("    {} allowed", g.allowed);
                if g.if_credentialed > 0 {
                    tail.push_str(&format!(
                        ", {} of them only while not credentialed",
                        g.if_credentialed
                    ));
                }
                writeln!(self.out, "{}", self.paint(DIM, &tail))?;
            }
            writeln!(self.out)?;
        }
        if self.state.unpaired > 0 {
            let line = format!(
                "  … {} shown without their preflight line: their preflight was more than {} \
                 preflights earlier (every pairing is in --format json)",
                count(self.state.unpaired, "request"),
                PREFLIGHTS_REMEMBERED
            );
            writeln!(self.out, "{}\n", self.paint(DIM, &line))?;
        }
        self.state = InputState::default();
        Ok(())
    }

    fn finish(&mut self, inputs: &[InputReport], s: &Summary) -> io::Result<()> {
        self.write_summary(inputs, s)?;
        let findings = s.findings.sorted();
        super::text_findings::write(
            &mut self.sink,
            self.color,
            &findings,
            s.findings.folded(),
            inputs,
            s.baseline.as_deref(),
        )?;
        self.out.rewind()?;
        io::copy(&mut self.out, &mut self.sink)?;
        self.sink.flush()
    }
}

impl TextRenderer<'_> {
    /// The closing summary, after the details.
    fn write_summary(&mut self, inputs: &[InputReport], s: &Summary) -> io::Result<()> {
        let read = inputs
            .iter()
            .filter(|i| i.error.is_none() && i.skipped.is_none())
            .count();
        writeln!(self.out, "{}", self.paint(BOLD, "Summary"))?;
        writeln!(
            self.out,
            "  {} read · {} · {} cross-origin · {}",
            count(read as u64, "input"),
            count(s.exchanges, "exchange"),
            s.cors,
            count(s.preflights, "preflight")
        )?;
        let mut blocked = format!(
            "  {} blocked ({} never sent) · {} failed · {} undecided · {} · {} blocked if credentialed",
            count(s.blocked - s.blocked_preflights, "request"),
            s.blocked_unsent,
            count(s.blocked_preflights, "preflight"),
            s.indeterminate,
            count(s.network_errors, "network error"),
            count(s.if_credentialed, "request"),
        );
        if s.latent > 0 {
            blocked.push_str(&format!(" · {}", count(s.latent, "latent risk")));
        }
        let style = if s.blocked > 0 { RED } else { GREEN };
        writeln!(self.out, "{}", self.paint(style, &blocked))?;
        let sections: [(&str, &BTreeMap<&'static str, u64>); 4] = [
            ("By cause", &s.by_cause),
            ("Only if credentialed", &s.by_cause_if_credentialed),
            (
                "Latent risks (not blocked; blocked if credentialed)",
                &s.by_cause_latent,
            ),
            ("Warnings", &s.by_warning),
        ];
        for (title, map) in sections {
            if map.is_empty() {
                continue;
            }
            writeln!(self.out, "  {title}")?;
            let mut rows: Vec<_> = map.iter().collect();
            let id = |name: &str| {
                crate::model::CauseId::find(name)
                    .map(|c| c.info().id)
                    .unwrap_or("")
            };
            rows.sort_by(|a, b| b.1.cmp(a.1).then(id(a.0).cmp(id(b.0))).then(a.0.cmp(b.0)));
            for (name, n) in rows {
                writeln!(self.out, "    {n:>6}  {:<4} {name}", id(name))?;
            }
        }
        let failed: Vec<_> = inputs.iter().filter(|i| i.error.is_some()).collect();
        if !failed.is_empty() {
            writeln!(
                self.out,
                "  {} could not be read",
                count(failed.len() as u64, "input")
            )?;
        }
        let skipped: Vec<&str> = inputs
            .iter()
            .filter(|i| i.skipped.is_some())
            .map(|i| i.path.as_str())
            .collect();
        if !skipped.is_empty() {
            let mut names = skipped
                .iter()
                .take(4)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if skipped.len() > 4 {
                names.push_str(&format!(" and {} more", skipped.len() - 4));
            }
            writeln!(
                self.out,
                "  {} in directories skipped, not a HAR, pcap or pcapng capture: {names}",
                count(skipped.len() as u64, "file")
            )?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preflight(seq: u64) -> Record {
        Record {
            status: Some(204),
            ..Record::example(
                seq,
                ExchangeKind::Preflight,
                "OPTIONS",
                "https://api.test/x",
            )
        }
    }

    #[test]
    fn only_the_latest_preflights_are_remembered() {
        let mut text = TextRenderer::new(Box::new(io::sink()), false);
        let n = PREFLIGHTS_REMEMBERED as u64 + 100;
        for seq in 0..n {
            text.record(&preflight(seq)).expect("record");
        }
        let kept = &text.state.preflights;
        assert_eq!(kept.len(), PREFLIGHTS_REMEMBERED);
        assert!(!kept.contains_key(&99));
        assert!(kept.contains_key(&100) && kept.contains_key(&(n - 1)));
    }

    #[test]
    fn requests_whose_preflight_was_forgotten_are_counted() {
        let mut out = Vec::new();
        let mut text = TextRenderer::new(Box::new(&mut out), false);
        let n = PREFLIGHTS_REMEMBERED as u64 + 100;
        for seq in 0..n {
            text.record(&preflight(seq)).expect("record");
        }
        for (seq, pf) in [(n, 5), (n + 1, 7), (n + 2, n - 1)] {
            let mut r = preflight(seq);
            r.kind = ExchangeKind::Cors;
            r.method = "PUT".into();
            r.verdict = Verdict::Blocked;
            r.preflight = Some(pf);
            text.record(&r).expect("record");
        }
        text.input_done(&InputReport::default()).expect("input");
        text.finish(&[], &Summary::default()).expect("finish");
        drop(text);
        let report = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            report.matches("preflight  OPTIONS at").count(),
            1,
            "{report}"
        );
        assert!(
            report.contains("2 requests shown without their preflight line"),
            "{report}"
        );
    }
}
