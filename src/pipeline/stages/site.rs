//! `decide --merge-points`: the inputs are capture points of one site, judged together browser
//! by browser ([`SiteEngine`]): a preflight captured at one point authorises the request
//! captured at another, as it did in the browser.
//!
//! Rows are merged from their sources by (`merge_ns`, `input`, `seq`): each source must be
//! sorted so (an `extract` file is; so is a partition sorted by those columns). A run may judge
//! one partition of the browsers (`--partition K/N`, by a stable hash of the browser's key):
//! any set of partitions judges every browser as one run over all of them does, so partitions
//! run apart (tasks of a cluster, `xargs -P`) and `report` puts their records together.
//! Records are numbered by `seq` (`ord`), each partition writes a `part` row per input it
//! judged and partition 0 the input rows; `report` adds them up.
//!
//! Memory: one batch per source, the site engine's browsers and windows.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::path::PathBuf;

use super::super::close_input;
use super::super::project::Projector;
use super::decide::DecideOptions;
use crate::cors::site::{SiteAssessment, SiteEngine};
use crate::cors::{ClientKeying, INFERRED_BASE};
use crate::model::{Issue, IssueTally};
use crate::report::InputReport;
use crate::stage::exchanges::{self, ExchangeRow};
use crate::stage::files::{self, Batches};
use crate::stage::records::{self, Part, RecordBatchBuilder};
use crate::stage::{BatchWriter, Output, StageError, BATCH_ROWS};

/// Which browsers a run judges: those whose key hashes to `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// This partition, from 0.
    pub index: u64,
    /// How many there are.
    pub count: u64,
}

impl Partition {
    /// All browsers.
    pub const ALL: Partition = Partition { index: 0, count: 1 };

    /// Whether the browser `key` is this partition's (FNV-1a of the key, modulo the count).
    pub fn holds(&self, key: &str) -> bool {
        let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        hash % self.count.max(1) == self.index
    }
}

/// The file a partition's records are written to in a directory.
pub fn file_name(partition: Partition) -> String {
    format!("records-part-{:06}.parquet", partition.index)
}

/// Rows of one source, a batch at a time.
struct Source {
    name: String,
    batches: Batches,
    rows: VecDeque<ExchangeRow>,
}

impl Source {
    /// The next row, reading the next batch when this one is used up.
    fn next(&mut self) -> Result<Option<ExchangeRow>, StageError> {
        while self.rows.is_empty() {
            match self.batches.next() {
                None => return Ok(None),
                Some(batch) => {
                    let rows = exchanges::rows(&batch?)
                        .map_err(|e| StageError::invalid(format!("{}: {e}", self.name)))?;
                    self.rows.extend(rows);
                }
            }
        }
        Ok(self.rows.pop_front())
    }
}

type Key = (i64, i64, i64);

/// A source's next exchange row, waiting its turn in the merge.
struct Head {
    key: Key,
    row: ExchangeRow,
}

/// Where judged exchanges go: projected per input, numbered by `seq`, batched out.
struct Sink<'a> {
    options: &'a DecideOptions,
    projectors: BTreeMap<usize, Projector<'a>>,
    judged: BTreeMap<usize, u64>,
    batch: RecordBatchBuilder,
    writer: BatchWriter,
}

impl Sink<'_> {
    fn take(&mut self, s: SiteAssessment) -> Result<(), StageError> {
        *self.judged.entry(s.input).or_default() += 1;
        let (options, input) = (self.options, s.input);
        let project = self.projectors.entry(input).or_insert_with(|| {
            Projector::new(input, &options.redactor, &options.limits)
                .per_browser(options.engine.clients)
        });
        let mut ready = Vec::new();
        project.push(s.assessment, &mut ready);
        self.write(ready)
    }

    fn write(&mut self, ready: Vec<crate::report::Record>) -> Result<(), StageError> {
        for record in ready {
            self.batch.push_record(ord(record.seq), &record)?;
        }
        if self.batch.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StageError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = self.batch.finish()?;
        self.writer.write(&batch)
    }
}

/// A record's place among its input's: by `seq`, a request inferred from a preflight right
/// after the preflight.
fn ord(seq: u64) -> i64 {
    let place = match seq.checked_sub(INFERRED_BASE) {
        Some(anchor) => anchor.saturating_mul(2).saturating_add(1),
        None => seq.saturating_mul(2),
    };
    i64::try_from(place).unwrap_or(i64::MAX)
}

/// Judges the browsers of `partition` in the capture points `inputs` hold (Parquet files,
/// directories, or `-`) together, and writes their records to `output`.
pub fn decide_site(
    inputs: &[PathBuf],
    options: &DecideOptions,
    partition: Partition,
    output: &Output,
) -> Result<(), StageError> {
    let writer = match output {
        Output::Stdout => BatchWriter::ipc(
            Box::new(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            )),
            &records::schema(),
        )?,
        Output::Directory(dir) => {
            BatchWriter::parquet(dir, &file_name(partition), records::schema())?
        }
    };
    let mut sink = Sink {
        options,
        projectors: BTreeMap::new(),
        judged: BTreeMap::new(),
        batch: RecordBatchBuilder::new(),
        writer,
    };
    let mut sources: Vec<Source> = files::sources(inputs)?
        .into_iter()
        .map(|(name, batches)| Source {
            name,
            batches,
            rows: VecDeque::new(),
        })
        .collect();
    let mut reports: BTreeMap<usize, InputReport> = BTreeMap::new();
    let mut heads: Vec<Option<Head>> = Vec::with_capacity(sources.len());
    let mut queue = BinaryHeap::new();
    for (i, source) in sources.iter_mut().enumerate() {
        let head = next_exchange(source, &mut reports, partition, options.engine.clients)?;
        if let Some(h) = &head {
            queue.push(Reverse((h.key, i)));
        }
        heads.push(head);
    }
    let mut site = SiteEngine::new(&options.limits, options.engine);
    let mut last: Option<Key> = None;
    let mut failed = None;
    while let Some(Reverse((key, i))) = queue.pop() {
        let Some(Head { row, .. }) = heads.get_mut(i).and_then(Option::take) else {
            continue;
        };
        if last.is_some_and(|l| key < l) {
            let name = sources.get(i).map_or("-", |s| s.name.as_str());
            return Err(StageError::invalid(format!(
                "{name}: exchange {} of input {} comes after ({}, {}, {}); rows must be sorted \
                 by merge_ns, input, seq",
                key.2,
                key.1,
                last.map_or(0, |l| l.0),
                last.map_or(0, |l| l.1),
                last.map_or(0, |l| l.2)
            )));
        }
        last = Some(key);
        if let ExchangeRow::Exchange { exchange, .. } = row {
            let (input, seq) = (index_of(key.1)?, u64::try_from(key.2).unwrap_or(0));
            site.push(input, seq, key.0, *exchange, &mut |a| {
                if failed.is_none() {
                    failed = sink.take(a).err();
                }
            });
        }
        if let Some(e) = failed.take() {
            return Err(e);
        }
        if let Some(source) = sources.get_mut(i) {
            let head = next_exchange(source, &mut reports, partition, options.engine.clients)?;
            if let Some(h) = &head {
                queue.push(Reverse((h.key, i)));
            }
            if let Some(slot) = heads.get_mut(i) {
                *slot = head;
            }
        }
    }
    site.finish(&mut |a| {
        if failed.is_none() {
            failed = sink.take(a).err();
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    finish(sink, site.issues(), reports, options)
}

/// Writes what is still held, the parts and (partition 0) the input rows.
fn finish(
    mut sink: Sink<'_>,
    site_issues: Vec<Issue>,
    reports: BTreeMap<usize, InputReport>,
    options: &DecideOptions,
) -> Result<(), StageError> {
    let mut parts: BTreeMap<usize, Part> = BTreeMap::new();
    let projectors = std::mem::take(&mut sink.projectors);
    for (input, mut project) in projectors {
        let mut ready = Vec::new();
        project.finish(&mut ready);
        sink.write(ready)?;
        let part = parts.entry(input).or_default();
        part.issues.extend(project.issue());
    }
    for (input, n) in &sink.judged {
        parts.entry(*input).or_default().exchanges = *n;
    }
    // The site's own issues go to the first input judged here.
    if let Some(first) = parts.values_mut().next() {
        first.issues.extend(site_issues);
    }
    for (input, mut part) in parts {
        part.input = input;
        let mut tally = IssueTally::new();
        for issue in std::mem::take(&mut part.issues) {
            tally.add(issue);
        }
        let mut summaries = tally.into_summaries();
        options.redactor.issues(&mut summaries);
        part.issues = summaries
            .into_iter()
            .flat_map(|s| {
                s.examples
                    .into_iter()
                    .take(1)
                    .map(move |i| i.times(s.count))
            })
            .collect();
        sink.batch.push_part(&part)?;
    }
    for (index, report) in reports {
        let issues = IssueTally::from_summaries(report.issues.clone());
        let report = close_input(index, report, Ok(0), issues, &options.redactor);
        sink.batch.push_input(&report)?;
    }
    sink.flush()?;
    sink.writer.finish()
}

fn index_of(input: i64) -> Result<usize, StageError> {
    usize::try_from(input).map_err(|_| StageError::invalid(format!("negative input {input}")))
}

/// The next exchange row of `source` whose browser is `partition`'s; input rows on the way are
/// kept (partition 0 writes them).
fn next_exchange(
    source: &mut Source,
    reports: &mut BTreeMap<usize, InputReport>,
    partition: Partition,
    keying: ClientKeying,
) -> Result<Option<Head>, StageError> {
    while let Some(row) = source.next()? {
        match row {
            ExchangeRow::Input(report) => {
                if partition.index == 0 && reports.insert(report.index, *report).is_some() {
                    return Err(StageError::invalid(format!(
                        "{}: an input row is given twice",
                        source.name
                    )));
                }
            }
            ExchangeRow::Exchange {
                input,
                seq,
                merge_ns,
                exchange,
            } => {
                // One partition holds every browser: no key to work out.
                let ours = partition.count <= 1
                    || partition.holds(&SiteEngine::browser_key(
                        keying,
                        index_of(input)?,
                        &exchange,
                    ));
                if ours {
                    return Ok(Some(Head {
                        key: (merge_ns, input, seq),
                        row: ExchangeRow::Exchange {
                            input,
                            seq,
                            merge_ns,
                            exchange,
                        },
                    }));
                }
            }
        }
    }
    Ok(None)
}
