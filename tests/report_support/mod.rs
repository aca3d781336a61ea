//! Running the pipeline into any report format, the recordings the format tests use, and the
//! external validators they call (installed under `tests/tools` by `.ci/run`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use corscope::pipeline::{self, Options, Source, SourceOrigin};
use corscope::report::{self, ReportFormat};

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The report of `files` (name as reports show it, path) in `format`, on one thread.
pub fn render(files: &[(String, PathBuf)], format: ReportFormat) -> String {
    let bytes = report_of(files, 1, format);
    let text = String::from_utf8(bytes).expect("reports are UTF-8");
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

/// The report bytes of `files` (name as reports show it, path) in `format`, with `jobs`
/// threads and a fixed redaction key.
pub fn report_of(files: &[(String, PathBuf)], jobs: usize, format: ReportFormat) -> Vec<u8> {
    let sources = files
        .iter()
        .map(|(name, path)| Source {
            name: name.clone(),
            origin: SourceOrigin::File(path.clone()),
        })
        .collect();
    let out = Shared::default();
    let mut renderer = report::renderer(format, Box::new(out.clone()), false);
    let options = Options {
        jobs: Some(jobs),
        // A fixed key, so that redaction markers are the same in every run.
        redactor: corscope::redact::Redactor::with_key(b"golden"),
        ..Options::default()
    };
    pipeline::run(sources, &options, renderer.as_mut()).expect("pipeline runs");
    drop(renderer);
    let bytes = out.0.lock().expect("lock").clone();
    bytes
}

/// The recordings in `samples/recordings`, by file name.
pub const SAMPLES: [&str; 4] = [
    "chromium-devtools.har",
    "chromium-devtools-sanitized.har",
    "playwright.har",
    "loopback.pcap",
];

/// One sample as an input named as the README names it.
pub fn sample(name: &str) -> Vec<(String, PathBuf)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("samples/recordings")
        .join(name);
    vec![(format!("samples/recordings/{name}"), path)]
}

/// Writes `bytes` to `dir/name` and returns it as an input.
pub fn input(dir: &Path, name: &str, bytes: &[u8]) -> (String, PathBuf) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write input");
    (name.to_string(), path)
}

/// A tool the format tests run, below `tests/tools`, when it is installed. `.ci/run`
/// installs them and sets `CORSCOPE_REQUIRE_REPORT_TOOLS=1`, which turns a missing tool into
/// a failure; elsewhere the check says it was skipped.
pub fn tool(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tools")
        .join(relative);
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CORSCOPE_REQUIRE_REPORT_TOOLS").is_some_and(|v| v == "1") {
        panic!(
            "{} is missing: run `npm ci --prefix tests/tools` (.ci/run does)",
            path.display()
        );
    }
    eprintln!(
        "skipped: {} is not installed (`npm ci --prefix tests/tools`)",
        path.display()
    );
    None
}

/// Whether a program is on the PATH (or the required tools say it must be).
pub fn program(name: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var_os("CORSCOPE_REQUIRE_REPORT_TOOLS").is_some_and(|v| v == "1") {
            panic!("{name} is missing (.ci/run installs it)");
        }
        eprintln!("skipped: {name} is not installed");
    }
    found
}

/// Runs Microsoft's SARIF validator (`multitool`, from [`tool`]) on `file`; returns its
/// error-level results.
pub fn sarif_errors(multitool: &Path, file: &Path) -> Vec<String> {
    let out = file.with_extension("validation.sarif");
    let status = std::process::Command::new(multitool)
        .arg("validate")
        .arg(file)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run the SARIF validator");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).unwrap_or_else(|_| {
            panic!(
                "the validator wrote no log: {}",
                String::from_utf8_lossy(&status.stdout)
            )
        }))
        .expect("the validator's log is JSON");
    let run = &report["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut errors = Vec::new();
    for r in run["results"].as_array().cloned().unwrap_or_default() {
        let default = rules
            .iter()
            .find(|rule| rule["id"] == r["ruleId"])
            .and_then(|rule| rule["defaultConfiguration"]["level"].as_str())
            .unwrap_or("warning")
            .to_string();
        let level = r["level"].as_str().map(str::to_string).unwrap_or(default);
        if level == "error" {
            errors.push(r.to_string());
        }
    }
    for n in run["invocations"].as_array().cloned().unwrap_or_default() {
        for e in n["toolExecutionNotifications"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            if e["level"] == "error" {
                errors.push(e.to_string());
            }
        }
    }
    errors
}
