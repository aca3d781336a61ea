//! The extract stage: each chain's exchanges and its report as rows of the exchanges table.

use std::sync::Arc;

use rayon::prelude::*;

use super::super::chain::{self, Chain, Join};
use super::super::source::Source;
use crate::capture::tls::KeyLog;
use crate::capture::Sink;
use crate::cors::ClientKeying;
use crate::model::{Exchange, Issue, IssueTally, Limits};
use crate::stage::exchanges::{self, ExchangeBatch, Provenance};
use crate::stage::{BatchWriter, Output, StageError, BATCH_ROWS};

/// What `extract` needs.
#[derive(Clone, Debug, Default)]
pub struct ExtractOptions {
    /// Caps on memory and work.
    pub limits: Limits,
    /// How files are joined into captures.
    pub join: Join,
    /// TLS secrets.
    pub keys: Arc<KeyLog>,
    /// How the `client_key` column tells browsers apart.
    pub clients: ClientKeying,
    /// Worker threads for `Output::Directory`; `None` for one per core.
    pub jobs: Option<usize>,
}

/// The chains `sources` form, in run order: chain `i` is input `i` of the run.
pub fn plan_chains(sources: Vec<Source>, join: Join) -> Vec<Chain> {
    chain::plan(sources, join)
}

/// Writes rows as they come, a batch at a time.
struct RowSink<'a> {
    at: Provenance<'a>,
    clients: ClientKeying,
    batch: ExchangeBatch,
    writer: &'a mut BatchWriter,
    seq: i64,
    /// The latest request time so far.
    merge_ns: i64,
    issues: IssueTally,
    failed: Option<StageError>,
}

impl RowSink<'_> {
    fn flush(&mut self) {
        if self.batch.is_empty() || self.failed.is_some() {
            return;
        }
        if let Err(e) = self.batch.finish().and_then(|b| self.writer.write(&b)) {
            self.failed = Some(e);
        }
    }
}

impl Sink for RowSink<'_> {
    fn exchange(&mut self, exchange: Exchange) {
        if self.failed.is_some() {
            return;
        }
        let client = self.clients.client_name(&exchange);
        if let Some(t) = exchange.timing.started {
            self.merge_ns = self.merge_ns.max(t.0);
        }
        let pushed = self.batch.push_exchange(
            &self.at,
            self.seq,
            client.as_deref(),
            self.merge_ns,
            &exchange,
        );
        self.seq += 1;
        match pushed {
            Err(e) => self.failed = Some(e),
            Ok(()) if self.batch.len() >= BATCH_ROWS => self.flush(),
            Ok(()) => {}
        }
    }

    fn issue(&mut self, issue: Issue) {
        self.issues.add(issue);
    }
}

/// Reads chain `index` and writes its rows to `writer` (not finished).
fn extract_one(
    index: usize,
    chain: &Chain,
    options: &ExtractOptions,
    writer: &mut BatchWriter,
) -> Result<(), StageError> {
    let files: Vec<String> = chain.files.iter().map(|f| f.name.clone()).collect();
    let mut sink = RowSink {
        at: Provenance {
            input: i64::try_from(index).unwrap_or(i64::MAX),
            source: chain.name(),
            files: &files,
        },
        clients: options.clients,
        batch: ExchangeBatch::new(),
        writer,
        seq: 0,
        merge_ns: 0,
        issues: IssueTally::new(),
        failed: None,
    };
    let mut report =
        super::super::extract::extract(chain, &options.limits, &options.keys, None, &mut sink);
    if let Some(e) = sink.failed.take() {
        return Err(e);
    }
    report.index = index;
    report.issues = std::mem::take(&mut sink.issues).into_summaries();
    sink.batch.push_input(&sink.at, &report)?;
    sink.flush();
    sink.failed.map_or(Ok(()), Err)
}

/// The file chain `index` is written to in a directory.
pub fn file_name(index: usize) -> String {
    format!("input-{index:06}.parquet")
}

/// Extracts the chains `which` selects (all when `None`) of `chains` to `output`: one Parquet
/// file per chain in a directory (chains in parallel), or one IPC stream (in order).
pub fn extract(
    chains: &[Chain],
    which: Option<usize>,
    options: &ExtractOptions,
    output: &Output,
) -> Result<(), StageError> {
    let chosen: Vec<(usize, &Chain)> = match which {
        Some(i) => match chains.get(i) {
            Some(c) => vec![(i, c)],
            None => {
                return Err(StageError::invalid(format!(
                    "there is no input {i}: the inputs form {} (see --plan)",
                    chains.len()
                )))
            }
        },
        None => chains.iter().enumerate().collect(),
    };
    match output {
        Output::Stdout => {
            let out: Box<dyn std::io::Write + Send> = Box::new(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            ));
            let mut writer = BatchWriter::ipc(out, &exchanges::schema())?;
            for (i, chain) in chosen {
                extract_one(i, chain, options, &mut writer)?;
            }
            writer.finish()
        }
        Output::Directory(dir) => {
            let mut builder = rayon::ThreadPoolBuilder::new();
            if let Some(j) = options.jobs {
                builder = builder.num_threads(j.max(1));
            }
            let pool = builder
                .build()
                .map_err(|e| StageError::invalid(e.to_string()))?;
            pool.install(|| {
                chosen.into_par_iter().try_for_each(|(i, chain)| {
                    let mut writer = BatchWriter::parquet(dir, &file_name(i), exchanges::schema())?;
                    extract_one(i, chain, options, &mut writer)?;
                    writer.finish()
                })
            })
        }
    }
}
