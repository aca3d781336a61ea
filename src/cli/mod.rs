//! Command-line arguments (clap) turned into a validated [`Command`] of library types. clap
//! stops here.

use std::io::{BufReader, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::baseline::{Baseline, BaselineError};
use crate::capture::tls::KeyLog;
use crate::cors::{ClientKeying, EngineOptions};
use crate::gate::{FailOn, FailOnError};
use crate::model::{Browser, BrowserChoice, CauseId, Limits, DEFAULT_ENGINE_WINDOW};
use crate::pipeline::{Input, Join, Options};
use crate::redact::Redactor;
use crate::report::ReportFormat;
use crate::sanitize::SanitizeOptions;

mod stages;

pub use stages::{DecideConfig, ExtractConfig, ReportConfig};

/// corscope: which cross-origin requests did the browser block in this recording, and why?
#[derive(Debug, Parser)]
#[command(name = "corscope", version, about, long_about = None)]
pub struct Args {
    #[command(subcommand)]
    command: CommandArgs,
}

/// The largest `--window`: about a million exchanges, several GB held.
const MAX_WINDOW: u64 = 1 << 20;

/// Reads `--window`: 1 to [`MAX_WINDOW`] exchanges.
fn window_parser() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..=MAX_WINDOW)
}

/// The limits of a run whose engine holds `window` exchanges.
fn limits(window: usize) -> Limits {
    Limits {
        engine_window: window,
        ..Limits::default()
    }
}

#[derive(Debug, Subcommand)]
enum CommandArgs {
    /// Analyse HAR, pcap and pcapng recordings (files, directories, or - for stdin).
    Analyze {
        /// Files, directories (walked recursively) or `-` for standard input. The format is
        /// recognised from the content; gzip and zstd are undone.
        #[arg(required = true, value_name = "INPUT")]
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
        /// Worker threads (default: one per core).
        #[arg(short, long, value_name = "N")]
        jobs: Option<usize>,
        /// TLS key log (the SSLKEYLOGFILE format of browsers, curl and OpenSSL) to decrypt
        /// captures with; may be given more than once. pcapng files with embedded secrets
        /// need none.
        #[arg(long, value_name = "FILE")]
        keylog: Vec<PathBuf>,
        /// Read every pcap and pcapng input as one capture, in time order (by default, files
        /// that continue one capture, such as rotated files, are detected and joined).
        #[arg(long, conflicts_with = "no_join")]
        join: bool,
        /// Read every file on its own, even files that continue one capture.
        #[arg(long)]
        no_join: bool,
        /// The captures are capture points of one site (backends behind a load balancer,
        /// each capturing its own traffic): judge each browser over all of them, so that a
        /// preflight captured at one point authorises the request captured at another.
        #[arg(long)]
        merge_points: bool,
        /// No progress on standard error (shown only when it is a terminal).
        #[arg(short, long)]
        quiet: bool,
        /// Judge as this browser; `auto` judges each recording as the browser that made it
        /// (Firefox and Safari HARs say so), else as Chromium.
        #[arg(long, value_enum, default_value_t = BrowserArg::Auto)]
        browser: BrowserArg,
        /// Tell a capture's browsers apart by `X-Forwarded-For` / `Forwarded` rather than by
        /// client address (for captures taken behind a proxy that adds them).
        #[arg(long)]
        forwarded_clients: bool,
        /// Exchanges the engine holds to pair each preflight with its request and judge them
        /// in the order they started. An input too busy for it says so with the issue
        /// `engine-window-passed`; each exchange held costs a few KB of memory.
        #[arg(long, value_name = "EXCHANGES", default_value_t = DEFAULT_ENGINE_WINDOW,
              value_parser = window_parser())]
        window: usize,
        /// What makes the exit status 1: blocked, if-credentialed, warning or never, and/or
        /// cause ids, cause names and warning names (comma-separated).
        #[arg(long, value_name = "WHAT", default_value = "blocked")]
        fail_on: Vec<String>,
        /// An earlier `--format json`, jsonl or sarif report: its findings are reported as
        /// known and do not fail the run; only new findings count for --fail-on.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        #[command(flatten)]
        redaction: RedactionArgs,
    },
    /// Write a shareable copy of a HAR file: secrets redacted, bodies dropped, everything
    /// else kept, so that `analyze` gives it the same verdicts.
    Sanitize {
        /// The HAR file (gzip or zstd compressed or not), or `-` for standard input.
        #[arg(value_name = "INPUT")]
        input: PathBuf,
        /// Where to write the sanitized HAR (`-` for standard output).
        #[arg(short, long, value_name = "FILE", required = true)]
        output: PathBuf,
        /// Keep response and request bodies (as recorded: they may hold secrets).
        #[arg(long)]
        keep_bodies: bool,
        /// Key of the markers' hashes, so that the same value gets the same marker in every
        /// run (default: a random key per run). Prefer the environment variable to the flag.
        #[arg(
            long,
            value_name = "KEY",
            env = "CORSCOPE_REDACT_KEY",
            hide_env_values = true
        )]
        redact_key: Option<String>,
    },
    /// Read captures into exchanges (headers, no bodies) as Parquet files or an Arrow IPC
    /// stream: the first stage of `analyze`, for running apart.
    Extract(stages::ExtractArgs),
    /// Judge exchanges written by `extract` into records: the second stage of `analyze`.
    Decide(stages::DecideArgs),
    /// Lay out records written by `decide` in any report format: the last stage of
    /// `analyze`, byte for byte the report `analyze` writes.
    Report(stages::ReportArgs),
    /// Print the documentation of a blocking cause, by id (`P07`) or name.
    Explain {
        /// Cause id or name; `all` lists every cause.
        cause: String,
    },
}

/// How secrets are redacted.
#[derive(Debug, clap::Args)]
struct RedactionArgs {
    /// Show cookie, token and credential values as recorded instead of redacted markers.
    #[arg(long, conflicts_with = "redact_key")]
    no_redact: bool,
    /// Key of the markers' hashes, so that the same value gets the same marker in every run
    /// (default: a random key per run). Prefer the environment variable to the flag.
    #[arg(
        long,
        value_name = "KEY",
        env = "CORSCOPE_REDACT_KEY",
        hide_env_values = true
    )]
    redact_key: Option<String>,
}

impl RedactionArgs {
    fn redactor(&self) -> Redactor {
        if self.no_redact {
            Redactor::off()
        } else {
            keyed(self.redact_key.as_deref())
        }
    }
}

/// Redaction with the key given, or a random one.
fn keyed(key: Option<&str>) -> Redactor {
    match key {
        Some(k) if !k.is_empty() => Redactor::with_key(k.as_bytes()),
        _ => Redactor::random(),
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Jsonl,
    Sarif,
    Junit,
    Markdown,
    Html,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum BrowserArg {
    Auto,
    Chromium,
    Firefox,
    Safari,
}

impl BrowserArg {
    fn choice(self) -> BrowserChoice {
        match self {
            BrowserArg::Auto => BrowserChoice::Auto,
            BrowserArg::Chromium => BrowserChoice::Fixed(Browser::Chromium),
            BrowserArg::Firefox => BrowserChoice::Fixed(Browser::Firefox),
            BrowserArg::Safari => BrowserChoice::Fixed(Browser::Safari),
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

impl ColorArg {
    /// Whether to colour, writing to a terminal or not.
    fn enabled(self, to_terminal: bool) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

fn report_format(format: FormatArg) -> ReportFormat {
    match format {
        FormatArg::Text => ReportFormat::Text,
        FormatArg::Json => ReportFormat::Json,
        FormatArg::Jsonl => ReportFormat::Jsonl,
        FormatArg::Sarif => ReportFormat::Sarif,
        FormatArg::Junit => ReportFormat::Junit,
        FormatArg::Markdown => ReportFormat::Markdown,
        FormatArg::Html => ReportFormat::Html,
    }
}

/// A validated command.
#[derive(Debug)]
pub enum Command {
    /// Analyse inputs.
    Analyze(Box<AnalyzeConfig>),
    /// Sanitize a HAR file.
    Sanitize(Box<SanitizeConfig>),
    /// Extract exchanges.
    Extract(Box<ExtractConfig>),
    /// Judge exchanges into records.
    Decide(Box<DecideConfig>),
    /// Lay out records.
    Report(Box<ReportConfig>),
    /// Explain one cause.
    Explain(CauseId),
    /// List every cause.
    ListCauses,
}

/// Everything `analyze` needs.
#[derive(Debug)]
pub struct AnalyzeConfig {
    /// Inputs in the order given.
    pub inputs: Vec<Input>,
    /// Report format.
    pub format: ReportFormat,
    /// Output file; standard output when `None`.
    pub output: Option<PathBuf>,
    /// Whether the text report is coloured.
    pub color: bool,
    /// What makes the exit status 1.
    pub fail_on: FailOn,
    /// Pipeline options.
    pub options: Options,
    /// Notes for standard error before the run (key log lines that were not understood, a
    /// baseline without findings).
    pub notes: Vec<String>,
    /// Whether to show progress on standard error.
    pub progress: bool,
}

/// Everything `sanitize` needs.
#[derive(Debug)]
pub struct SanitizeConfig {
    /// The HAR to read.
    pub input: Input,
    /// Where to write; standard output when `None`.
    pub output: Option<PathBuf>,
    /// How.
    pub options: SanitizeOptions,
}

/// Why the arguments do not make a command.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// An unknown cause.
    #[error("no cause has the id or name '{0}' (try `corscope explain all`)")]
    UnknownCause(String),
    /// Standard input named twice.
    #[error("standard input (-) can be named only once")]
    StdinTwice,
    /// Zero threads.
    #[error("--jobs must be at least 1")]
    NoJobs,
    /// A key log that cannot be read.
    #[error("cannot read key log {path}: {source}")]
    KeyLog {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Stage arguments that do not fit together.
    #[error("{0}")]
    Stage(String),
    /// A bad `--fail-on`.
    #[error(transparent)]
    FailOn(#[from] FailOnError),
    /// A `--baseline` that cannot be read.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
}

/// Reads every key log into one; notes say what was not understood.
fn read_keylogs(paths: &[PathBuf]) -> Result<(KeyLog, Vec<String>), UsageError> {
    let mut keys = KeyLog::new();
    let mut notes = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let stats = std::fs::File::open(path)
            .and_then(|f| keys.read(&mut BufReader::new(f)))
            .map_err(|source| UsageError::KeyLog {
                path: name.clone(),
                source,
            })?;
        if let Some(line) = stats.first_bad {
            notes.push(format!(
                "{name}: {} lines are not key log lines (first: line {line}); they were skipped",
                stats.bad
            ));
        }
        if stats.secrets == 0 {
            notes.push(format!("{name}: no TLS secret found"));
        }
    }
    Ok((keys, notes))
}

impl Args {
    /// Validates the arguments into a command.
    pub fn into_command(self) -> Result<Command, UsageError> {
        match self.command {
            CommandArgs::Extract(args) => args.into_command(),
            CommandArgs::Decide(args) => args.into_command(),
            CommandArgs::Report(args) => args.into_command(),
            CommandArgs::Sanitize {
                input,
                output,
                keep_bodies,
                redact_key,
            } => Ok(Command::Sanitize(Box::new(SanitizeConfig {
                input: if input.as_os_str() == "-" {
                    Input::Stdin
                } else {
                    Input::Path(input)
                },
                output: (output.as_os_str() != "-").then_some(output),
                options: SanitizeOptions {
                    redactor: keyed(redact_key.as_deref()),
                    keep_bodies,
                    ..SanitizeOptions::default()
                },
            }))),
            CommandArgs::Explain { cause } => {
                if cause.eq_ignore_ascii_case("all") {
                    return Ok(Command::ListCauses);
                }
                CauseId::find(&cause)
                    .map(Command::Explain)
                    .ok_or(UsageError::UnknownCause(cause))
            }
            CommandArgs::Analyze {
                inputs,
                format,
                output,
                color,
                jobs,
                browser,
                forwarded_clients,
                window,
                keylog,
                join,
                no_join,
                merge_points,
                quiet,
                fail_on,
                baseline,
                redaction,
            } => {
                if jobs == Some(0) {
                    return Err(UsageError::NoJobs);
                }
                let (keys, mut notes) = read_keylogs(&keylog)?;
                let fail_on = FailOn::parse(&fail_on)?;
                let redactor = redaction.redactor();
                let baseline = match baseline {
                    Some(path) => {
                        let (b, said) = Baseline::read(&path)?;
                        notes.extend(said);
                        Some(Arc::new(b.redacted(&redactor)))
                    }
                    None => None,
                };
                let inputs: Vec<Input> = inputs
                    .into_iter()
                    .map(|p| {
                        if p.as_os_str() == "-" {
                            Input::Stdin
                        } else {
                            Input::Path(p)
                        }
                    })
                    .collect();
                if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
                    return Err(UsageError::StdinTwice);
                }
                let to_terminal = output.is_none() && std::io::stdout().is_terminal();
                let color = color.enabled(to_terminal);
                Ok(Command::Analyze(Box::new(AnalyzeConfig {
                    inputs,
                    format: report_format(format),
                    output,
                    color,
                    fail_on,
                    options: Options {
                        limits: limits(window),
                        jobs,
                        engine: EngineOptions {
                            browser: browser.choice(),
                            clients: if forwarded_clients {
                                ClientKeying::Forwarded
                            } else {
                                ClientKeying::Address
                            },
                        },
                        join: match (join, no_join) {
                            (true, _) => Join::All,
                            (_, true) => Join::Never,
                            _ => Join::Detect,
                        },
                        merge_points,
                        progress: None,
                        keys: Arc::new(keys),
                        redactor,
                        baseline,
                    },
                    progress: !quiet && std::io::stderr().is_terminal(),
                    notes,
                })))
            }
        }
    }
}
