//! One self-contained HTML file (askama templates `templates/html_*.html`): styles and script
//! inline, no request to anywhere when opened, readable without JavaScript and filterable and
//! sortable with it.
//!
//! The page holds the run's summary and findings, then per input its counts and issues, the
//! blocked and doubtful requests grouped by page origin → server and by cause (each with
//! Chromium's console message, the evidence with the decisive header marked, the fix, the
//! preflight that decided it on a small preflight → request timeline drawn with CSS, and an
//! anchor), and a table of every cross-origin exchange that
//! can be filtered by verdict, cause and origin and sorted by any column.
//!
//! Every value that came from a recording goes through askama's HTML escaping, in text and in
//! quoted attributes alike, and the script reads the page with `textContent` and `dataset`
//! only. The page's Content-Security-Policy allows no source but its own inline style and the
//! one inline script, by hash: even an escaping mistake could not run a script.
//!
//! Memory: per input, at most [`DETAILED`] exchanges per cause and origin pair and
//! [`TABLE_ROWS`] table rows (the rest are counted); each input's section is written to a
//! spooled temporary file when the input is done, and copied out after the findings.

mod view;

use std::collections::BTreeMap;
use std::io::{self, Seek, Write};

use askama::Template;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use tempfile::SpooledTempFile;

use super::layout::count;
use super::record::{Record, Summary};
use super::{InputReport, Renderer};
use crate::model::{ExchangeKind, Verdict};
use view::{CauseBlock, FindingRow, Group, Item, PreflightView, Row};

/// Exchanges shown in detail per cause and origin pair; the rest are counted.
pub const DETAILED: u64 = 10;

/// Rows of the exchange table per input; the rest are counted.
pub const TABLE_ROWS: usize = 5_000;

/// Findings listed in the findings table; the rest are counted.
pub const FINDINGS_SHOWN: usize = 500;

/// Preflights remembered per input to show beside their requests.
const PREFLIGHTS: usize = 20_000;

/// Bytes of input sections held in memory before they go to a temporary file.
const SPOOL_BYTES: usize = 4 << 20;

/// The page's script: filters and sorting for the exchange tables.
const SCRIPT: &str = include_str!("../templates/html_script.js");

#[derive(Template)]
#[template(path = "html_head.html")]
struct Head<'a> {
    script_hash: &'a str,
    summary: Vec<(&'static str, &'static str, u64)>,
    /// The baseline's file, when the run has one.
    baseline: Option<&'a str>,
    inputs: Vec<(usize, &'a str)>,
    findings: Vec<FindingRow>,
    findings_more: usize,
    folded: u64,
}

#[derive(Template)]
#[template(path = "html_input.html")]
struct InputSection<'a> {
    index: usize,
    path: &'a str,
    what: String,
    error: Option<&'a str>,
    skipped: Option<&'a str>,
    counts: String,
    issues: Vec<String>,
    groups: Vec<Group>,
    rows: Vec<Row>,
    rows_more: usize,
    causes: Vec<String>,
    verdicts: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "html_tail.html", escape = "none")]
struct Tail<'a> {
    script: &'a str,
}

/// The blocked and doubtful exchanges of one origin pair while an input is read.
#[derive(Default)]
struct PairState {
    page: String,
    server: String,
    /// Items and counts by cause (or verdict), in the order first seen.
    causes: Vec<(String, String, Vec<Item>, u64)>,
}

#[derive(Default)]
struct InputState {
    pairs: Vec<PairState>,
    rows: Vec<Row>,
    rows_more: usize,
    preflights: BTreeMap<u64, PreflightView>,
    counts: Summary,
}

/// Writes the HTML report.
pub struct HtmlRenderer<'a> {
    out: Box<dyn Write + 'a>,
    sections: SpooledTempFile,
    state: InputState,
}

impl<'a> HtmlRenderer<'a> {
    /// A renderer writing to `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            sections: SpooledTempFile::new(SPOOL_BYTES),
            state: InputState::default(),
        }
    }
}

/// `sha256-...` of the page's script, for its Content-Security-Policy.
fn script_hash() -> String {
    let digest = Sha256::digest(SCRIPT.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| url.to_string())
}

impl Renderer for HtmlRenderer<'_> {
    fn record(&mut self, r: &Record) -> io::Result<()> {
        let st = &mut self.state;
        st.counts.add(r);
        if r.kind == ExchangeKind::Preflight && st.preflights.len() < PREFLIGHTS {
            st.preflights.insert(r.seq, PreflightView::of(r));
        }
        if Row::wanted(r) {
            if st.rows.len() < TABLE_ROWS {
                st.rows.push(Row::of(r));
            } else {
                st.rows_more += 1;
            }
        }
        let shown = match r.verdict {
            Verdict::Blocked | Verdict::Indeterminate | Verdict::NetworkError => Row::wanted(r),
            _ => false,
        };
        // A failed preflight is shown through the request it stopped.
        if !shown || (r.kind == ExchangeKind::Preflight && r.verdict == Verdict::Blocked) {
            return Ok(());
        }
        let page = r
            .page_origin
            .clone()
            .or_else(|| r.origin.clone())
            .unwrap_or_else(|| "(origin not recorded)".into());
        let server = origin_of(&r.url);
        let at = match st
            .pairs
            .iter()
            .position(|p| p.page == page && p.server == server)
        {
            Some(i) => i,
            None => {
                st.pairs.push(PairState {
                    page,
                    server,
                    causes: Vec::new(),
                });
                st.pairs.len() - 1
            }
        };
        let (title, chromium) = match r.primary_cause() {
            Some(f) if r.verdict == Verdict::Blocked => {
                let info = f.cause.info();
                (
                    format!("{} [{}]", info.name, info.id),
                    info.chromium.unwrap_or_default().to_string(),
                )
            }
            _ => (r.verdict.as_str().to_string(), String::new()),
        };
        let Some(pair) = st.pairs.get_mut(at) else {
            return Ok(());
        };
        let slot = match pair.causes.iter().position(|c| c.0 == title) {
            Some(i) => i,
            None => {
                pair.causes.push((title, chromium, Vec::new(), 0));
                pair.causes.len() - 1
            }
        };
        if let Some(c) = pair.causes.get_mut(slot) {
            c.3 += 1;
            if c.3 <= DETAILED {
                c.2.push(Item::of(r));
            }
        }
        Ok(())
    }

    fn input_done(&mut self, input: &InputReport) -> io::Result<()> {
        let st = std::mem::take(&mut self.state);
        let preflights = st.preflights;
        let groups = st
            .pairs
            .into_iter()
            .map(|p| Group {
                page: p.page,
                server: p.server,
                causes: p
                    .causes
                    .into_iter()
                    .map(|(title, chromium, items, n)| CauseBlock {
                        title,
                        chromium,
                        items: items
                            .into_iter()
                            .map(|mut item| {
                                item.preflight =
                                    item.preflight_seq.and_then(|s| preflights.get(&s).cloned());
                                if let Some(p) = &item.preflight {
                                    item.gap = view::gap(p.started, item.started);
                                }
                                item
                            })
                            .collect(),
                        more: n.saturating_sub(DETAILED),
                    })
                    .collect(),
            })
            .collect();
        let mut causes: Vec<String> = st
            .rows
            .iter()
            .map(|r| r.cause.clone())
            .filter(|c| !c.is_empty())
            .collect();
        causes.sort();
        causes.dedup();
        let mut verdicts: Vec<&'static str> = st.rows.iter().map(|r| r.verdict).collect();
        verdicts.sort();
        verdicts.dedup();
        let c = &st.counts;
        let counts = [
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
        let what = [
            input.format.map(|f| f.as_str().to_string()),
            input.producer.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        let issues = input
            .issues
            .iter()
            .map(|s| {
                let first = s.examples.first();
                let at = first
                    .and_then(|e| e.at)
                    .map(|p| format!(" (first at {p})"))
                    .unwrap_or_default();
                let msg = first.map(|e| e.message.as_str()).unwrap_or("");
                format!("{} ×{}: {msg}{at}", s.id, s.count)
            })
            .collect();
        let section = InputSection {
            index: input.index,
            path: &input.path,
            what,
            error: input.error.as_deref(),
            skipped: input.skipped.as_deref(),
            counts,
            issues,
            groups,
            rows: st.rows,
            rows_more: st.rows_more,
            causes,
            verdicts,
        };
        let html = section.render().map_err(io::Error::other)?;
        self.sections.write_all(html.as_bytes())
    }

    fn finish(&mut self, inputs: &[InputReport], s: &Summary) -> io::Result<()> {
        let findings = s.findings.sorted();
        let hash = script_hash();
        let compared = s.baseline.as_ref().map(|b| {
            let c = b.compare(&findings);
            [
                ("new", "new findings", c.new),
                ("known", "known findings", c.known),
                ("fixed", "fixed since the baseline", c.fixed),
            ]
        });
        let head = Head {
            script_hash: &hash,
            summary: vec![
                (
                    "inputs",
                    "inputs read",
                    inputs
                        .iter()
                        .filter(|i| i.error.is_none() && i.skipped.is_none())
                        .count() as u64,
                ),
                ("exchanges", "exchanges", s.exchanges),
                ("cors", "cross-origin requests", s.cors),
                ("preflights", "preflights", s.preflights),
                (
                    "blocked",
                    "requests blocked",
                    s.blocked - s.blocked_preflights,
                ),
                (
                    "blocked-preflights",
                    "preflights failed",
                    s.blocked_preflights,
                ),
                (
                    "if-credentialed",
                    "blocked if credentialed",
                    s.if_credentialed,
                ),
                ("latent", "latent risks", s.latent),
                ("indeterminate", "undecided", s.indeterminate),
                ("network-errors", "network errors", s.network_errors),
                ("findings", "findings", findings.len() as u64),
            ]
            .into_iter()
            .chain(compared.into_iter().flatten())
            .collect(),
            baseline: s.baseline.as_ref().map(|b| b.path()),
            inputs: inputs
                .iter()
                .filter(|i| i.skipped.is_none())
                .map(|i| (i.index, i.path.as_str()))
                .collect(),
            findings: findings
                .iter()
                .take(FINDINGS_SHOWN)
                .map(|f| FindingRow::of(f, s.baseline.as_deref()))
                .collect(),
            findings_more: findings.len().saturating_sub(FINDINGS_SHOWN),
            folded: s.findings.folded(),
        };
        let html = head.render().map_err(io::Error::other)?;
        self.out.write_all(html.as_bytes())?;
        self.sections.rewind()?;
        io::copy(&mut self.sections, &mut self.out)?;
        let tail = Tail { script: SCRIPT }.render().map_err(io::Error::other)?;
        self.out.write_all(tail.as_bytes())?;
        self.out.flush()
    }
}
