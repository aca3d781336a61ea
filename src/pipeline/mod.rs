//! Inputs → capture → CORS engine → report, over many inputs in parallel (rayon), with output
//! in input order.
//!
//! The files named are first grouped into inputs ([`chain`]): a capture written as several
//! files (rotated by its writer) is one input, its files read in time order as one stream
//! ([`extract`]), so TCP, HTTP and CORS state carry over from file to file.
//!
//! Each input is read by one worker that pushes exchanges through its own engine and sends
//! the results down a bounded channel of its own. The calling thread renders the channels in
//! input order: the input being rendered streams straight through, later inputs wait in their
//! channels (and their workers wait when a channel is full). Memory is bounded by what is in
//! flight in the readers, the engines and the channels, never by input size.
//!
//! Where the work goes depends on how many threads each input has:
//! - every thread busy with an input of its own (`-j 1`, or more inputs than threads): the
//!   worker also lays the records out with the renderer's encoder (JSON, JSON lines), so the
//!   calling thread only writes bytes and N threads run N inputs at full speed. It reads,
//!   judges and lays out a batch of 64 exchanges at a time, so that each stage's code stays
//!   in the instruction cache over the batch;
//! - threads to spare (one large file on a multi-core machine): the input's reader runs on its
//!   worker, its engine prepares each exchange (URL keys, classification) and judges it on a
//!   second thread, over one file or over the files of one long rotated capture (its reader
//!   goes on to the next file while the engine judges the exchanges of the last one). Two
//!   threads share the work, not three: a capture's reader also turns what its engine judged
//!   into records and lays them out, between reads (`relay`); a HAR's reader does more than
//!   half of the work on its own, so its engine's thread lays the records out. The calling
//!   thread only writes them. (With three busy threads on two cores, each waited on the
//!   others: the cores were 165-185% busy.)

use std::fs::File;
use std::io::{self, Read, Seek};
use std::sync::mpsc::TrySendError;
use std::sync::{mpsc, Arc, Mutex};

mod batch;
pub mod chain;
pub mod extract;
pub mod progress;
mod project;
mod relay;
pub mod site;
mod source;
pub mod stages;

use batch::{Batcher, Handoff, Message, BACKLOG};
use project::Projector;
use relay::Relay;

pub use chain::{Chain, Join};
pub use progress::Progress;
pub use project::STACK_LOOKAHEAD_EXCEEDED;
pub use source::{expand, Input, Source, SourceOrigin};

use crate::baseline::Baseline;
use crate::capture::tls::KeyLog;
use crate::capture::{Format, Sink};
use crate::cors::{Engine, EngineOptions};
use crate::model::{Assessment, Exchange, Issue, IssueTally, Limits};
use crate::redact::Redactor;
use crate::report::{InputReport, Renderer, Summary};

/// Options of a run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Caps on memory and work.
    pub limits: Limits,
    /// Worker threads; `None` for one per core.
    pub jobs: Option<usize>,
    /// How inputs are judged: as which browser, how clients are told apart.
    pub engine: EngineOptions,
    /// How files are joined into captures.
    pub join: Join,
    /// The inputs are capture points of one site, judged together browser by browser
    /// ([`site`]).
    pub merge_points: bool,
    /// Where progress is counted and drawn, if anywhere.
    pub progress: Option<Progress>,
    /// TLS secrets for every capture (`--keylog`); pcapng files add their own.
    pub keys: Arc<KeyLog>,
    /// The redaction policy applied to every record and issue message before it is laid out
    /// (on, with a random key, by default).
    pub redactor: Redactor,
    /// The earlier findings to compare the run's with (`--baseline`): the renderers and the
    /// gate read it from the run's summary.
    pub baseline: Option<Arc<Baseline>>,
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

/// Exchanges handed at once from an input's reader to its engine when they run on two
/// threads, and how many such batches may wait.
const EXCHANGE_BATCH: usize = 256;
const EXCHANGE_BACKLOG: usize = 4;

/// Exchanges read before they are judged, and judged before they are laid out, when one thread
/// does all three. Reading, judging and laying out each run more code than the instruction
/// cache holds; over a batch each stage's code is fetched once per batch, not once per
/// exchange (a quarter to a third fewer instruction-cache misses in all). Larger batches gain
/// nothing more and hold more exchanges in flight.
const STAGE_BATCH: usize = 64;

/// Analyses every source and renders the results in source order: sources that are one
/// capture (as [`Options::join`] says) are one input.
pub fn run(
    sources: Vec<Source>,
    options: &Options,
    renderer: &mut dyn Renderer,
) -> io::Result<Outcome> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(j) = options.jobs {
        builder = builder.num_threads(j.max(1));
    }
    if options.merge_points {
        return site::run(sources, options, renderer);
    }
    let pool = builder.build().map_err(io::Error::other)?;
    let _drawing = options.progress.as_ref().map(|p| {
        let sizes: Option<Vec<u64>> = sources.iter().map(Source::size).collect();
        p.start(sizes.map(|s| s.iter().sum()))
    });
    let chains = pool.install(|| chain::plan(sources, options.join));
    run_chains(chains, options, pool, renderer)
}

/// Analyses every chain (one input each) on `pool` and renders the results in order.
fn run_chains(
    chains: Vec<Chain>,
    options: &Options,
    pool: rayon::ThreadPool,
    renderer: &mut dyn Renderer,
) -> io::Result<Outcome> {
    let n = chains.len();
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..n)
        .map(|_| mpsc::sync_channel::<Message>(BACKLOG))
        .unzip();
    // Each input's report has a slot of its own, so that a worker whose records wait in a full
    // channel (or a spill file) can finish and take the next input.
    let (done_senders, done_receivers): (Vec<_>, Vec<_>) =
        (0..n).map(|_| mpsc::sync_channel::<InputReport>(1)).unzip();
    let limits = options.limits.clone();
    let engine = options.engine;
    let progress = options.progress.clone();
    let keys = Arc::clone(&options.keys);
    let redactor = options.redactor.clone();
    // With more threads than inputs, each input's reader and engine run on threads of their
    // own, one feeding the other.
    let threads = pool.current_num_threads();
    let split = threads > n;
    // Workers lay out records themselves (with the renderer's encoder when it has one), so
    // that this thread only writes: when an input is split, a capture's reader's thread lays
    // out what its engine judged, between reads, and a HAR's engine's thread does, so that two
    // threads share the work, not three (on two cores, a third busy thread takes turns with
    // the others and leaves the cores waiting on each other).
    let handoff = match renderer.encoder() {
        Some(encode) => Handoff::Encoded(encode),
        None => Handoff::Records,
    };
    // Inputs are handed out in order, each to the next free thread: the lowest unfinished
    // input, the one being rendered, is always being worked on, so waiting for room in a
    // channel cannot deadlock, and threads stay busy to the end.
    let work = Mutex::new(
        chains
            .into_iter()
            .zip(senders.into_iter().zip(done_senders))
            .enumerate(),
    );
    // Detached so that a broken output pipe can end the run without waiting for the workers.
    std::thread::spawn(move || {
        pool.scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|_| loop {
                    let taken = work.lock().ok().and_then(|mut w| w.next());
                    let Some((index, (chain, (tx, done)))) = taken else {
                        return;
                    };
                    let plan = Plan {
                        index,
                        limits: &limits,
                        engine,
                        keys: &keys,
                        handoff,
                        split,
                        progress: progress.as_ref(),
                        redactor: &redactor,
                    };
                    let report = analyse(&plan, &chain, &tx);
                    // The records end when `tx` is dropped; then the report.
                    drop(tx);
                    let _ = done.send(report);
                });
            }
        })
    });
    let mut outcome = Outcome::default();
    outcome.summary.baseline = options.baseline.clone();
    for (index, (rx, done)) in receivers.into_iter().zip(done_receivers).enumerate() {
        for msg in rx.iter() {
            match msg {
                Message::Records(batch) => {
                    for r in &batch {
                        outcome.summary.add(r);
                        renderer.record(r)?;
                    }
                }
                Message::Encoded(bytes, counts) => {
                    outcome.summary.merge(&counts);
                    renderer.encoded(&bytes)?;
                }
                Message::Spilled(file, len, counts) => {
                    outcome.summary.merge(&counts);
                    copy_spilled(file, len, renderer)?;
                }
            }
        }
        let report = done.recv().unwrap_or_else(|_| InputReport {
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

/// Hands the renderer the first `len` bytes of a spill file, a chunk at a time.
fn copy_spilled(mut file: File, len: u64, renderer: &mut dyn Renderer) -> io::Result<()> {
    file.rewind()?;
    let mut rest = file.take(len);
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        let n = rest.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        renderer.encoded(chunk.get(..n).unwrap_or_default())?;
    }
}

/// How one input is analysed.
struct Plan<'a> {
    index: usize,
    limits: &'a Limits,
    engine: EngineOptions,
    keys: &'a KeyLog,
    handoff: Handoff,
    /// Reader and engine on two threads.
    split: bool,
    /// Where exchanges judged are counted.
    progress: Option<&'a Progress>,
    redactor: &'a Redactor,
}

impl<'a> Plan<'a> {
    fn projector(&self) -> Projector<'a> {
        Projector::new(self.index, self.redactor, self.limits)
    }
}

/// Reads into the engine on the same thread, a batch at a time.
struct EngineSink<'a> {
    engine: Engine,
    issues: IssueTally,
    out: Batcher<'a>,
    /// Exchanges read and not yet judged.
    read: Vec<Exchange>,
    /// Assessments judged and not yet laid out.
    judged: Vec<Assessment>,
}

impl EngineSink<'_> {
    /// Judges what was read, then lays out what was judged: each stage's code runs over a
    /// batch at a time.
    fn flush(&mut self) {
        judge_batch(&mut self.engine, self.read.drain(..), &mut self.judged);
        self.out.push_all(self.judged.drain(..));
    }
}

impl Sink for EngineSink<'_> {
    fn exchange(&mut self, exchange: Exchange) {
        self.read.push(exchange);
        if self.read.len() >= STAGE_BATCH {
            self.flush();
        }
    }

    fn issue(&mut self, issue: Issue) {
        self.issues.add(issue);
    }
}

/// Reads into a channel to the engine's thread. The engine's thread prepares each exchange
/// (URL keys, classification): reading a HAR costs more than judging, and preparing there
/// leaves the reader only the reading. For a capture, the sink also lays out what the engine
/// sends back ([`Relay`]): it never waits for room in the engine's channel without taking
/// what the engine has sent, so neither thread can wait for the other forever.
struct ForwardSink<'a> {
    batch: Vec<Exchange>,
    tx: mpsc::SyncSender<Vec<Exchange>>,
    issues: IssueTally,
    /// For a capture: the engine's assessments, coming back to be laid out on this thread.
    relay: Option<Relay<'a>>,
}

impl ForwardSink<'_> {
    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let mut batch = std::mem::replace(&mut self.batch, Vec::with_capacity(EXCHANGE_BATCH));
        let Some(relay) = &mut self.relay else {
            // The engine's thread ends only after this side closes the channel.
            let _ = self.tx.send(batch);
            return;
        };
        // Never wait for the engine without taking what it sends back: it may be waiting
        // for room to send.
        loop {
            match self.tx.try_send(batch) {
                Ok(()) | Err(TrySendError::Disconnected(_)) => break,
                Err(TrySendError::Full(b)) => {
                    batch = b;
                    relay.wait_and_take();
                }
            }
        }
        relay.take();
    }
}

impl Sink for ForwardSink<'_> {
    fn exchange(&mut self, exchange: Exchange) {
        self.batch.push(exchange);
        if self.batch.len() >= EXCHANGE_BATCH {
            self.flush();
        }
    }

    fn issue(&mut self, issue: Issue) {
        self.issues.add(issue);
    }
}

/// Prepares a batch of exchanges, then judges them, appending what the engine let go to
/// `judged`: each stage's code runs over the batch at once, which keeps it in the instruction
/// cache.
fn judge_batch(
    engine: &mut Engine,
    batch: impl Iterator<Item = Exchange>,
    judged: &mut Vec<Assessment>,
) {
    let prepared: Vec<_> = batch.map(Engine::prepare).collect();
    for p in prepared {
        engine.push_prepared(p, &mut |a| judged.push(a));
    }
}

/// Judges every exchange of one input and everything still held at the end, handing each
/// assessment to `out`; returns the engine's own issues.
fn judge_all(
    plan: &Plan<'_>,
    exchanges: impl Iterator<Item = Exchange>,
    out: &mut dyn FnMut(Assessment),
) -> Vec<Issue> {
    let mut engine = Engine::with_options(plan.limits, plan.engine);
    for exchange in exchanges {
        engine.push_prepared(Engine::prepare(exchange), out);
    }
    engine.finish(out);
    engine.issues()
}

/// Where an engine on a thread of its own sends what it judged.
enum EngineOut<'a> {
    /// Records, laid out on the engine's thread (a HAR's reader has enough to do).
    Records(Box<Batcher<'a>>),
    /// Back to the reader's thread, which lays them out between reads (a capture).
    Back(relay::Returner<'a>),
}

/// Reads `chain` and judges its exchanges: on this thread, or with the engine on a thread of
/// its own when the plan splits. Returns what the capture said of the input, the assessments
/// sent (or why the engine stopped) and the in-band issues.
fn read_and_judge(
    plan: &Plan<'_>,
    chain: &Chain,
    tx: &mpsc::SyncSender<Message>,
) -> (InputReport, Result<u64, String>, IssueTally) {
    if !plan.split {
        let mut sink = EngineSink {
            engine: Engine::with_options(plan.limits, plan.engine),
            issues: IssueTally::new(),
            out: Batcher::new(plan.projector(), tx, plan.handoff, plan.progress),
            read: Vec::with_capacity(STAGE_BATCH),
            judged: Vec::with_capacity(STAGE_BATCH),
        };
        let report = extract::extract(chain, plan.limits, plan.keys, plan.progress, &mut sink);
        sink.flush();
        // What the engine still holds (a window's worth) is laid out a batch at a time too.
        let (out, judged) = (&mut sink.out, &mut sink.judged);
        sink.engine.finish(&mut |a| {
            judged.push(a);
            if judged.len() >= STAGE_BATCH {
                out.push_all(judged.drain(..));
            }
        });
        sink.out.push_all(sink.judged.drain(..));
        let (judged, projected) = sink.out.close();
        for issue in sink.engine.issues().into_iter().chain(projected) {
            sink.issues.add(issue);
        }
        return (report, Ok(judged), sink.issues);
    }
    let (etx, erx) = mpsc::sync_channel::<Vec<Exchange>>(EXCHANGE_BACKLOG);
    let exchanges = erx.into_iter().flatten();
    let in_flight = relay::InFlight::default();
    // A capture's reader lays out the records, between reads; a HAR's reader has enough to do.
    let (engine_out, relay) = if chain.format == Some(Format::Har) {
        let out = Batcher::new(plan.projector(), tx, plan.handoff, plan.progress);
        (EngineOut::Records(Box::new(out)), None)
    } else {
        // The engine's side counts progress.
        let out = Batcher::new(plan.projector(), tx, plan.handoff, None);
        let (back, relay) = relay::link(&in_flight, plan.progress, out);
        (EngineOut::Back(back), Some(relay))
    };
    std::thread::scope(|scope| {
        let engine = scope.spawn(move || match engine_out {
            EngineOut::Records(mut out) => {
                let mut issues = judge_all(plan, exchanges, &mut |a| out.push(a));
                let (judged, projected) = out.close();
                issues.extend(projected);
                (judged, issues)
            }
            EngineOut::Back(mut back) => {
                let issues = judge_all(plan, exchanges, &mut |a| back.push(a));
                (back.close(), issues)
            }
        });
        let mut sink = ForwardSink {
            batch: Vec::with_capacity(EXCHANGE_BATCH),
            tx: etx,
            issues: IssueTally::new(),
            relay,
        };
        let report = extract::extract(chain, plan.limits, plan.keys, plan.progress, &mut sink);
        sink.flush();
        let ForwardSink {
            tx: etx,
            mut issues,
            relay,
            ..
        } = sink;
        drop(etx);
        if let Some(issue) = relay.and_then(Relay::finish) {
            issues.add(issue);
        }
        // A panic is a bug; the records sent before it stand, and the report says so.
        let judged = engine.join().map_err(|_| {
            "the engine judging this input stopped unexpectedly; records before that are shown"
                .to_string()
        });
        let judged = judged.map(|(n, engine_issues)| {
            for issue in engine_issues {
                issues.add(issue);
            }
            n
        });
        (report, judged, issues)
    })
}

/// Reads and judges one chain, sending its records; returns its report.
fn analyse(plan: &Plan<'_>, chain: &Chain, tx: &mpsc::SyncSender<Message>) -> InputReport {
    let (report, judged, issues) = read_and_judge(plan, chain, tx);
    close_input(plan.index, report, judged, issues, plan.redactor)
}

/// The finished report of input `index`: what its capture said, how many exchanges were
/// judged (or why judging stopped), and its issues (the capture's, then the engine's),
/// redacted.
fn close_input(
    index: usize,
    mut report: InputReport,
    judged: Result<u64, String>,
    issues: IssueTally,
    redactor: &Redactor,
) -> InputReport {
    report.index = index;
    match judged {
        Ok(n) => report.exchanges = n,
        Err(e) => report.error = report.error.or(Some(e)),
    }
    report.issues = issues.into_summaries();
    redactor.issues(&mut report.issues);
    report
}
