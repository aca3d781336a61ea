//! The `corscope` binary: parse arguments, run, map the outcome to an exit status
//! (0 nothing found at the `--fail-on` level, 1 something found, 2 usage error or no input
//! readable).

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use corscope::cli::{Args, Command};
use corscope::explain;
use corscope::pipeline;
use corscope::pipeline::Input;
use corscope::report;

/// The engine allocates and frees many small strings per exchange; mimalloc's thread-local
/// free lists make that markedly cheaper than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = Args::parse();
    let command = match args.into_command() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("corscope: {e}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Explain(cause) => print(&explain::explain(cause)),
        Command::ListCauses => print(&explain::list()),
        Command::Analyze(config) => analyze(*config),
        Command::Sanitize(config) => sanitize(*config),
        Command::Extract(config) => extract(*config),
        Command::Decide(config) => decide(*config),
        Command::Report(config) => report_stage(*config),
    }
}

fn sanitize(config: corscope::cli::SanitizeConfig) -> ExitCode {
    let (name, input): (String, Box<dyn io::Read + Send>) = match &config.input {
        Input::Stdin => ("-".into(), Box::new(io::stdin())),
        Input::Path(p) => match File::open(p) {
            Ok(f) => (p.display().to_string(), Box::new(f)),
            Err(e) => {
                eprintln!("corscope: cannot read {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
    };
    let written = match &config.output {
        // A temporary file beside the output, renamed once complete: a failed run leaves no
        // half-sanitized file behind.
        Some(path) => {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            };
            tempfile::NamedTempFile::new_in(&dir)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))
                .and_then(|tmp| {
                    let mut out = BufWriter::with_capacity(1 << 16, tmp);
                    let summary = corscope::sanitize::sanitize(input, &mut out, &config.options)
                        .map_err(|e| format!("{name}: {e}"))?;
                    out.into_inner()
                        .map_err(|e| e.into_error().to_string())?
                        .persist(path)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                    Ok(summary)
                })
        }
        None => {
            let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
            corscope::sanitize::sanitize(input, &mut out, &config.options)
                .map_err(|e| format!("{name}: {e}"))
        }
    };
    match written {
        Ok(s) => {
            eprintln!(
                "corscope: {name}: {} entries, {} values redacted, {} bodies dropped{}",
                s.entries,
                s.values_redacted,
                s.bodies_dropped,
                if s.too_long > 0 {
                    format!(
                        ", {} strings too long to inspect replaced by markers",
                        s.too_long
                    )
                } else {
                    String::new()
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("corscope: {e}");
            ExitCode::from(2)
        }
    }
}

fn print(text: &str) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("corscope: {e}");
            ExitCode::from(2)
        }
    }
}

fn analyze(mut config: corscope::cli::AnalyzeConfig) -> ExitCode {
    for note in &config.notes {
        eprintln!("corscope: {note}");
    }
    let progress = config.progress.then(pipeline::Progress::stderr);
    let out: Box<dyn Write> = match &config.output {
        Some(path) => match File::create(path) {
            Ok(f) => Box::new(BufWriter::with_capacity(1 << 16, f)),
            Err(e) => {
                eprintln!("corscope: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        // A report written to the terminal the progress is drawn on clears it first.
        None => match &progress {
            Some(p) if io::stdout().is_terminal() => Box::new(BufWriter::with_capacity(
                1 << 16,
                p.writer(io::stdout().lock()),
            )),
            _ => Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
        },
    };
    config.options.progress = progress;
    let mut renderer = report::renderer(config.format, out, config.color);
    let sources = pipeline::expand(&config.inputs);
    let outcome = match pipeline::run(sources, &config.options, renderer.as_mut()) {
        Ok(o) => o,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("corscope: {e}");
            return ExitCode::from(2);
        }
    };
    conclude(&outcome, &config.fail_on)
}

/// Says on standard error what could not be read; the exit status the outcome earns.
fn conclude(outcome: &pipeline::Outcome, fail_on: &corscope::gate::FailOn) -> ExitCode {
    for input in &outcome.inputs {
        if let Some(e) = &input.error {
            eprintln!("corscope: {}: {e}", input.path);
        }
        for file in &input.files {
            if let Some(e) = &file.error {
                eprintln!("corscope: {}: {e}", file.path);
            }
        }
    }
    if !outcome.any_read() {
        eprintln!("corscope: no input could be read");
        return ExitCode::from(2);
    }
    if fail_on.fails(&outcome.summary) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn extract(config: corscope::cli::ExtractConfig) -> ExitCode {
    for note in &config.notes {
        eprintln!("corscope: {note}");
    }
    let sources = pipeline::expand(&config.inputs);
    let chains = pipeline::stages::plan_chains(sources, config.options.join);
    if config.plan {
        let mut text = String::new();
        for (i, chain) in chains.iter().enumerate() {
            let files: Vec<&str> = chain.files.iter().map(|f| f.name.as_str()).collect();
            text.push_str(&format!("{i}\t{}\t{}\n", files.len(), files.join(" ")));
        }
        return print(&text);
    }
    let Some(output) = &config.output else {
        eprintln!("corscope: extract needs --output DIR or -o -");
        return ExitCode::from(2);
    };
    stage_status(pipeline::stages::extract(
        &chains,
        config.input,
        &config.options,
        output,
    ))
}

fn decide(config: corscope::cli::DecideConfig) -> ExitCode {
    stage_status(match config.merge_points {
        Some(partition) => pipeline::stages::decide_site(
            &config.inputs,
            &config.options,
            partition,
            &config.output,
        ),
        None => pipeline::stages::decide(&config.inputs, &config.options, &config.output),
    })
}

/// Exit status of a stage that writes data: 0 when written, 2 when not.
fn stage_status(result: Result<(), corscope::stage::StageError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(corscope::stage::StageError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("corscope: {e}");
            ExitCode::from(2)
        }
    }
}

fn report_stage(config: corscope::cli::ReportConfig) -> ExitCode {
    for note in &config.notes {
        eprintln!("corscope: {note}");
    }
    let out: Box<dyn Write> = match &config.output {
        Some(path) => match File::create(path) {
            Ok(f) => Box::new(BufWriter::with_capacity(1 << 16, f)),
            Err(e) => {
                eprintln!("corscope: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    };
    let mut renderer = report::renderer(config.format, out, config.color);
    let outcome = match pipeline::stages::report(
        &config.inputs,
        config.baseline.clone(),
        renderer.as_mut(),
    ) {
        Ok(o) => o,
        Err(corscope::stage::StageError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            return ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("corscope: {e}");
            return ExitCode::from(2);
        }
    };
    conclude(&outcome, &config.fail_on)
}
