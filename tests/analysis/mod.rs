//! Shared by the tests that judge whole recordings: a file through the capture readers and
//! the CORS engine, every assessment and every input issue collected.

#![allow(clippy::panic, dead_code)]

use std::path::Path;

use corscope::capture::tls::KeyLog;
use corscope::capture::{self, Sink};
use corscope::cors::{Engine, EngineOptions};
use corscope::model::{Assessment, Exchange, Issue, Limits};

struct Collect {
    engine: Engine,
    out: Vec<Assessment>,
    issues: Vec<Issue>,
}

impl Sink for Collect {
    fn exchange(&mut self, exchange: Exchange) {
        let out = &mut self.out;
        self.engine.push(exchange, &mut |a| out.push(a));
    }
    fn issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }
}

/// Every assessment of the recording at `path` (which must be readable) and its input issues.
pub fn analyse_file(path: &Path) -> (Vec<Assessment>, Vec<Issue>) {
    analyse_file_with(path, EngineOptions::default())
}

/// [`analyse_file`], judged as `options` say.
pub fn analyse_file_with(path: &Path, options: EngineOptions) -> (Vec<Assessment>, Vec<Issue>) {
    analyse_file_keyed(path, options, &KeyLog::new())
}

/// [`analyse_file_with`], captures decrypted with `keys` (as `--keylog` gives them).
pub fn analyse_file_keyed(
    path: &Path,
    options: EngineOptions,
    keys: &KeyLog,
) -> (Vec<Assessment>, Vec<Issue>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let limits = Limits::default();
    let mut sink = Collect {
        engine: Engine::with_options(&limits, options),
        out: Vec::new(),
        issues: Vec::new(),
    };
    if let Err(e) = capture::read_with_keys(Box::new(file), &limits, keys, &mut sink) {
        panic!("{} is not readable: {e}", path.display());
    }
    let mut out = std::mem::take(&mut sink.out);
    sink.engine.finish(&mut |a| out.push(a));
    (out, sink.issues)
}

/// Fails when a request header line of `ex` repeats an earlier one: the same name (ASCII case
/// aside) and value. A browser never sends one twice.
pub fn assert_no_repeated_request_lines(ex: &Exchange, context: &str) {
    let lines: Vec<_> = ex.request.headers.iter().collect();
    for (i, h) in lines.iter().enumerate() {
        let repeated = lines
            .get(..i)
            .unwrap_or_default()
            .iter()
            .any(|x| x.name.eq_ignore_ascii_case(h.name) && x.value == h.value);
        assert!(!repeated, "{context}: {} repeats {h:?}", ex.request.url);
    }
}
