//! Arguments of the stage commands (`extract`, `decide`, `report`), turned into the library's
//! stage options.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::{
    keyed, read_keylogs, report_format, BrowserArg, ColorArg, Command, FormatArg, UsageError,
};
use crate::baseline::Baseline;
use crate::cors::{ClientKeying, EngineOptions};
use crate::gate::FailOn;
use crate::model::{Limits, DEFAULT_ENGINE_WINDOW};
use crate::pipeline::stages::{DecideOptions, ExtractOptions, Partition};
use crate::pipeline::{Input, Join};
use crate::redact::Redactor;
use crate::report::ReportFormat;
use crate::stage::Output;

/// `corscope extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Files or directories (walked recursively); captures written as several files are one
    /// input, as for `analyze`.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// A directory for one Parquet file per input, or `-` for one Arrow IPC stream on
    /// standard output.
    #[arg(short, long, value_name = "DIR|-", required_unless_present = "plan")]
    output: Option<PathBuf>,
    /// Print the inputs the files form (index, files, name; tab-separated) and stop.
    #[arg(long)]
    plan: bool,
    /// Extract only input N (as `--plan` numbers them), for one task per input.
    #[arg(long, value_name = "N")]
    input: Option<usize>,
    /// Worker threads for a directory output (default: one per core).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// TLS key log to decrypt captures with; may be given more than once.
    #[arg(long, value_name = "FILE")]
    keylog: Vec<PathBuf>,
    /// Read every pcap and pcapng input as one capture, in time order.
    #[arg(long, conflicts_with = "no_join")]
    join: bool,
    /// Read every file on its own, even files that continue one capture.
    #[arg(long)]
    no_join: bool,
    /// Name clients in the `client_key` column by `X-Forwarded-For` / `Forwarded`.
    #[arg(long)]
    forwarded_clients: bool,
}

/// `corscope decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// Exchange Parquet files, directories of them, or `-` for an Arrow IPC stream; rows
    /// grouped by input and sorted by `seq` (with --merge-points: each file sorted by
    /// `merge_ns`, `input`, `seq`).
    #[arg(required = true, value_name = "IN")]
    inputs: Vec<PathBuf>,
    /// A directory for one Parquet file per input (per partition with --merge-points), or `-`
    /// for one Arrow IPC stream.
    #[arg(short, long, value_name = "DIR|-")]
    output: PathBuf,
    /// The inputs are capture points of one site: judge each browser over all of them (a
    /// preflight captured at one point authorises the request captured at another).
    #[arg(long)]
    merge_points: bool,
    /// With --merge-points, judge only the browsers of partition K of N (by a stable hash of
    /// the client), so that N tasks share the work; partition 0 also carries the inputs'
    /// reports.
    #[arg(long, value_name = "K/N", requires = "merge_points", value_parser = parse_partition)]
    partition: Option<Partition>,
    /// Judge as this browser; `auto` judges each recording as the browser that made it.
    #[arg(long, value_enum, default_value_t = BrowserArg::Auto)]
    browser: BrowserArg,
    /// Tell browsers apart by `X-Forwarded-For` / `Forwarded` rather than client address.
    #[arg(long)]
    forwarded_clients: bool,
    /// Exchanges the engine holds to pair preflights with their requests, as for analyze.
    #[arg(long, value_name = "EXCHANGES", default_value_t = DEFAULT_ENGINE_WINDOW,
          value_parser = super::window_parser())]
    window: usize,
    /// Show secrets as recorded instead of redacted markers.
    #[arg(long, conflicts_with = "redact_key")]
    no_redact: bool,
    /// Key of the redaction markers' hashes, the same for every task of a run (required
    /// unless --no-redact). Prefer the environment variable to the flag.
    #[arg(
        long,
        value_name = "KEY",
        env = "CORSCOPE_REDACT_KEY",
        hide_env_values = true
    )]
    redact_key: Option<String>,
}

/// `corscope report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Record Parquet files, directories of them, or `-` for an Arrow IPC stream.
    #[arg(required = true, value_name = "IN")]
    inputs: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Write the report to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Colour the text report.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// What makes the exit status 1 (as for `analyze`).
    #[arg(long, value_name = "WHAT", default_value = "blocked")]
    fail_on: Vec<String>,
    /// An earlier report whose findings are known (as for `analyze`); its messages are
    /// redacted with the key `decide` was given.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// The records were written with --no-redact (for --baseline).
    #[arg(long, conflicts_with = "redact_key")]
    no_redact: bool,
    /// The key `decide` redacted with (for --baseline).
    #[arg(
        long,
        value_name = "KEY",
        env = "CORSCOPE_REDACT_KEY",
        hide_env_values = true
    )]
    redact_key: Option<String>,
}

/// Everything `extract` needs.
#[derive(Debug)]
pub struct ExtractConfig {
    /// Inputs in the order given.
    pub inputs: Vec<Input>,
    /// Where rows go; `None` with `plan`.
    pub output: Option<Output>,
    /// Only print the inputs.
    pub plan: bool,
    /// Only this input.
    pub input: Option<usize>,
    /// Options.
    pub options: ExtractOptions,
    /// Notes for standard error (key log lines not understood).
    pub notes: Vec<String>,
}

/// Everything `decide` needs.
#[derive(Debug)]
pub struct DecideConfig {
    /// Stage inputs.
    pub inputs: Vec<PathBuf>,
    /// Where records go.
    pub output: Output,
    /// Options.
    pub options: DecideOptions,
    /// Judge the inputs as capture points of one site, these browsers (`--merge-points`).
    pub merge_points: Option<Partition>,
}

/// Everything `report` needs.
#[derive(Debug)]
pub struct ReportConfig {
    /// Stage inputs.
    pub inputs: Vec<PathBuf>,
    /// Report format.
    pub format: ReportFormat,
    /// Output file; standard output when `None`.
    pub output: Option<PathBuf>,
    /// Colour the text report.
    pub color: bool,
    /// What makes the exit status 1.
    pub fail_on: FailOn,
    /// The earlier findings to compare with.
    pub baseline: Option<Arc<Baseline>>,
    /// Notes for standard error (what the baseline reader said).
    pub notes: Vec<String>,
}

/// Why `decide` has no redaction key.
const NO_KEY: &str = "decide needs --redact-key (or CORSCOPE_REDACT_KEY) so that every task \
                      marks the same value the same way, or --no-redact";

impl ExtractArgs {
    pub(super) fn into_command(self) -> Result<Command, UsageError> {
        if self.jobs == Some(0) {
            return Err(UsageError::NoJobs);
        }
        let (keys, notes) = read_keylogs(&self.keylog)?;
        if self.inputs.iter().any(|p| p.as_os_str() == "-") {
            return Err(UsageError::Stage(
                "extract reads files: standard input cannot be named".into(),
            ));
        }
        Ok(Command::Extract(Box::new(ExtractConfig {
            inputs: self.inputs.into_iter().map(Input::Path).collect(),
            output: self.output.as_deref().map(Output::from_arg),
            plan: self.plan,
            input: self.input,
            options: ExtractOptions {
                limits: Limits::default(),
                join: join(self.join, self.no_join),
                keys: Arc::new(keys),
                clients: clients(self.forwarded_clients),
                jobs: self.jobs,
            },
            notes,
        })))
    }
}

/// The redaction every task of a run shares: a key, or none.
fn shared_redactor(no_redact: bool, key: Option<&str>) -> Result<Redactor, UsageError> {
    if no_redact {
        Ok(Redactor::off())
    } else if key.is_some_and(|k| !k.is_empty()) {
        Ok(keyed(key))
    } else {
        Err(UsageError::Stage(NO_KEY.into()))
    }
}

impl DecideArgs {
    pub(super) fn into_command(self) -> Result<Command, UsageError> {
        let redactor = shared_redactor(self.no_redact, self.redact_key.as_deref())?;
        Ok(Command::Decide(Box::new(DecideConfig {
            inputs: self.inputs,
            output: Output::from_arg(&self.output),
            options: DecideOptions {
                limits: super::limits(self.window),
                engine: EngineOptions {
                    browser: self.browser.choice(),
                    clients: clients(self.forwarded_clients),
                },
                redactor,
            },
            merge_points: self
                .merge_points
                .then(|| self.partition.unwrap_or(Partition::ALL)),
        })))
    }
}

/// `K/N` with K < N.
fn parse_partition(arg: &str) -> Result<Partition, String> {
    let bad = || format!("{arg:?} is not K/N with 0 <= K < N");
    let (k, n) = arg.split_once('/').ok_or_else(bad)?;
    let index: u64 = k.trim().parse().map_err(|_| bad())?;
    let count: u64 = n.trim().parse().map_err(|_| bad())?;
    if index >= count {
        return Err(bad());
    }
    Ok(Partition { index, count })
}

impl ReportArgs {
    pub(super) fn into_command(self) -> Result<Command, UsageError> {
        let fail_on = FailOn::parse(&self.fail_on)?;
        let mut notes = Vec::new();
        let baseline = match &self.baseline {
            Some(path) => {
                let redactor = shared_redactor(self.no_redact, self.redact_key.as_deref())?;
                let (b, said) = Baseline::read(path)?;
                notes.extend(said);
                Some(Arc::new(b.redacted(&redactor)))
            }
            None => None,
        };
        let to_terminal =
            self.output.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout());
        Ok(Command::Report(Box::new(ReportConfig {
            inputs: self.inputs,
            format: report_format(self.format),
            output: self.output,
            color: self.color.enabled(to_terminal),
            fail_on,
            baseline,
            notes,
        })))
    }
}

fn join(all: bool, never: bool) -> Join {
    match (all, never) {
        (true, _) => Join::All,
        (_, true) => Join::Never,
        _ => Join::Detect,
    }
}

fn clients(forwarded: bool) -> ClientKeying {
    if forwarded {
        ClientKeying::Forwarded
    } else {
        ClientKeying::Address
    }
}
