//! Inputs → capture → CORS engine → report, over many inputs in parallel (rayon), with output
//! in input order.
//!
//! Each input is read by one worker that pushes exchanges through its own engine and sends
//! the finished records down a bounded channel of its own. The calling thread renders the
//! channels in input order: the input being rendered streams straight through, later inputs
//! wait in their channels (and their workers wait when a channel is full). Memory is bounded
//! by what is in flight in the readers, the engines and the channels, never by input size.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rayon::prelude::*;

use crate::capture::{self, CaptureError, Sink};
use crate::cors::Engine;
use crate::model::{Exchange, Issue, IssueTally, Limits};
use crate::report::{InputReport, Record, Renderer, Summary};

/// An input as named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file or a directory (walked recursively).
    Path(PathBuf),
    /// Standard input.
    Stdin,
}

/// One thing to read, after directories were walked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// How reports name it.
    pub name: String,
    /// Where to read it from.
    pub origin: SourceOrigin,
}

/// Where a [`Source`] is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceOrigin {
    /// A file named directly.
    File(PathBuf),
    /// A file found while walking a directory: one that is not a capture is skipped, not an
    /// error.
    FoundIn(PathBuf),
    /// Standard input.
    Stdin,
    /// A path that could not be listed or opened, with the reason.
    Unreadable(String),
}

/// Options of a run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Caps on memory and work.
    pub limits: Limits,
    /// Worker threads; `None` for one per core.
    pub jobs: Option<usize>,
}

/// What a run found.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Every input, in order.
    pub inputs: Vec<InputReport>,
    /// Counts over every exchange.
    pub summary: Summary,
}

impl Outcome {
    /// Whether at least one input could be read.
    pub fn any_read(&self) -> bool {
        self.inputs
            .iter()
            .any(|i| i.error.is_none() && i.skipped.is_none())
    }
}

/// Expands directories into the files below them (sorted by path, hidden entries included,
/// symbolic links to directories not followed).
pub fn expand(inputs: &[Input]) -> Vec<Source> {
    let mut out = Vec::new();
    for input in inputs {
        match input {
            Input::Stdin => out.push(Source {
                name: "-".into(),
                origin: SourceOrigin::Stdin,
            }),
            Input::Path(p) => match std::fs::metadata(p) {
                Ok(m) if m.is_dir() => walk(p, &mut out),
                Ok(_) => out.push(Source {
                    name: p.display().to_string(),
                    origin: SourceOrigin::File(p.clone()),
                }),
                Err(e) => out.push(Source {
                    name: p.display().to_string(),
                    origin: SourceOrigin::Unreadable(e.to_string()),
                }),
            },
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            out.push(Source {
                name: dir.display().to_string(),
                origin: SourceOrigin::Unreadable(e.to_string()),
            });
            return;
        }
    };
    entries.sort();
    for p in entries {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            walk(&p, out);
        } else if meta.is_file() || (meta.file_type().is_symlink() && p.is_file()) {
            out.push(Source {
                name: p.display().to_string(),
                origin: SourceOrigin::FoundIn(p),
            });
        }
    }
}

/// Batches of records an input may have finished ahead of the renderer. A worker whose
/// backlog is full waits: memory stays bounded whatever the input's size. This cannot
/// deadlock: rayon works an input range from its low end and queues only higher inputs, so
/// the lowest unfinished input, the one being rendered, is always being worked on.
const BACKLOG: usize = 32;

/// Records sent at once: one channel operation (and thread wake-up) per batch, not per record.
const BATCH: usize = 512;

enum Message {
    Records(Vec<Record>),
    Done(InputReport),
}

/// Collects one input's records and sends them in batches.
struct Batcher<'a> {
    index: usize,
    tx: &'a mpsc::SyncSender<Message>,
    batch: Vec<Record>,
    judged: u64,
}

impl Batcher<'_> {
    fn push(&mut self, a: crate::model::Assessment) {
        self.judged += 1;
        self.batch.push(Record::from_assessment(self.index, a));
        if self.batch.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            // A closed channel means the run is over; nothing left to tell.
            let _ = self.tx.send(Message::Records(batch));
        }
    }
}

/// Analyses every source and renders the results in source order.
pub fn run(
    sources: Vec<Source>,
    options: &Options,
    renderer: &mut dyn Renderer,
) -> io::Result<Outcome> {
    let n = sources.len();
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..n)
        .map(|_| mpsc::sync_channel::<Message>(BACKLOG))
        .unzip();
    let limits = options.limits.clone();
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(j) = options.jobs {
        builder = builder.num_threads(j.max(1));
    }
    let pool = builder.build().map_err(io::Error::other)?;
    // Detached so that a broken output pipe can end the run without waiting for the workers.
    std::thread::spawn(move || {
        pool.install(|| {
            sources
                .into_par_iter()
                .zip(senders)
                .enumerate()
                .for_each(|(index, (source, tx))| analyse(index, source, &limits, tx));
        })
    });
    let mut outcome = Outcome::default();
    for (index, rx) in receivers.into_iter().enumerate() {
        let mut done = None;
        for msg in rx.iter() {
            match msg {
                Message::Records(batch) => {
                    for r in &batch {
                        outcome.summary.add(r);
                        renderer.record(r)?;
                    }
                }
                Message::Done(report) => {
                    done = Some(report);
                    break;
                }
            }
        }
        let report = done.unwrap_or_else(|| InputReport {
            index,
            error: Some("the worker reading this input stopped unexpectedly".into()),
            ..InputReport::default()
        });
        renderer.input_done(&report)?;
        outcome.inputs.push(report);
    }
    renderer.finish(&outcome.inputs, &outcome.summary)?;
    Ok(outcome)
}

struct EngineSink<'a> {
    engine: Engine,
    issues: IssueTally,
    out: Batcher<'a>,
}

impl Sink for EngineSink<'_> {
    fn exchange(&mut self, exchange: Exchange) {
        let out = &mut self.out;
        self.engine.push(exchange, &mut |a| out.push(a));
    }

    fn issue(&mut self, issue: Issue) {
        self.issues.add(issue);
    }
}

fn open(source: &Source) -> Result<Box<dyn Read + Send>, String> {
    match &source.origin {
        SourceOrigin::File(p) | SourceOrigin::FoundIn(p) => File::open(p)
            .map(|f| Box::new(f) as Box<dyn Read + Send>)
            .map_err(|e| e.to_string()),
        SourceOrigin::Stdin => Ok(Box::new(io::stdin())),
        SourceOrigin::Unreadable(e) => Err(e.clone()),
    }
}

/// Reads and judges one source, sending its records and then its report.
fn analyse(index: usize, source: Source, limits: &Limits, tx: mpsc::SyncSender<Message>) {
    let mut report = InputReport {
        index,
        path: source.name.clone(),
        ..InputReport::default()
    };
    match open(&source) {
        Err(e) => report.error = Some(e),
        Ok(reader) => {
            let mut sink = EngineSink {
                engine: Engine::new(limits),
                issues: IssueTally::new(),
                out: Batcher {
                    index,
                    tx: &tx,
                    batch: Vec::with_capacity(BATCH),
                    judged: 0,
                },
            };
            let result = capture::read(reader, limits, &mut sink);
            let out = &mut sink.out;
            sink.engine.finish(&mut |a| out.push(a));
            sink.out.flush();
            report.exchanges = sink.out.judged;
            report.issues = sink.issues.into_summaries();
            match result {
                Ok(info) => {
                    report.format = Some(info.format);
                    report.compression = info.compression;
                    report.producer = info.producer;
                }
                Err(CaptureError::NotRecognised(why))
                    if matches!(source.origin, SourceOrigin::FoundIn(_)) =>
                {
                    report.skipped = Some(format!("not a HAR, pcap or pcapng capture ({why})"));
                }
                Err(e) => report.error = Some(e.to_string()),
            }
        }
    }
    let _ = tx.send(Message::Done(report));
}
