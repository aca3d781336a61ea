//! What every bench shares: inputs generated in-process by the same generator as
//! `examples/gen_capture.rs`, counting sinks, and the check that a bench did the work its
//! ground truth says it must.
//!
//! Input size: `CORSCOPE_BENCH_MB` (default 32 MB). A count that differs from the truth fails
//! the bench; `CORSCOPE_BENCH_ALLOW_MISMATCH=1` turns that into a warning (for a build whose
//! stages are still interface stubs).

// Each bench uses part of this module; what one bench leaves unused is not dead.
#![allow(dead_code)]
// Benches are not input paths: a bench that did not do its work must stop loudly.
#![allow(clippy::panic)]

pub mod capture_gen;
pub mod exchanges;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use corscope::capture::Sink;
use corscope::model::{Exchange, Issue, Location};

pub use capture_gen::{Config, Format, Mix, Truth};

/// Seed of every bench input.
pub const SEED: u64 = 42;

/// Input size in bytes: `CORSCOPE_BENCH_MB` megabytes (10^6), default 32.
pub fn input_bytes() -> u64 {
    std::env::var("CORSCOPE_BENCH_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(32)
        * 1_000_000
}

/// A generated input of `format` (page-load mix) and its ground truth.
pub fn input(format: Format) -> (Arc<[u8]>, Truth) {
    input_of(format, Mix::Browser)
}

/// A generated input of `format` and `mix` and its ground truth.
pub fn input_of(format: Format, mix: Mix) -> (Arc<[u8]>, Truth) {
    let cfg = Config {
        size: input_bytes(),
        format,
        seed: SEED,
        mix,
    };
    match capture_gen::generate_vec(&cfg) {
        Ok((bytes, truth)) => (bytes.into(), truth),
        // Writing into a Vec cannot fail.
        Err(e) => panic!("generating the bench input failed: {e}"),
    }
}

/// The mixes every per-exchange bench measures, by the name its figures carry.
pub const MIXES: [(&str, Mix); 2] = [("browser", Mix::Browser), ("api", Mix::Api)];

/// Exchanges a reader yields for an input (pcap: requests on the wire; HAR: entries).
pub fn exchanges_of(format: Format, truth: &Truth) -> u64 {
    if format == Format::Har {
        truth.har.entries
    } else {
        truth.requests
    }
}

/// Counts what a reader yields.
#[derive(Debug, Default)]
pub struct CountingSink {
    /// Exchanges.
    pub exchanges: u64,
    /// Exchanges with a recorded response of status > 0.
    pub responses: u64,
    /// Exchanges whose method is `OPTIONS`.
    pub options: u64,
    /// In-band issues.
    pub issues: u64,
    /// When set, exchanges are kept here.
    pub kept: Option<Vec<Exchange>>,
}

impl Sink for CountingSink {
    fn exchange(&mut self, exchange: Exchange) {
        self.exchanges += 1;
        if exchange.response.as_ref().is_some_and(|r| r.status > 0) {
            self.responses += 1;
        }
        if exchange.request.method == "OPTIONS" {
            self.options += 1;
        }
        if let Some(kept) = &mut self.kept {
            kept.push(exchange);
        }
    }

    fn issue(&mut self, _issue: Issue) {
        self.issues += 1;
    }
}

/// Counts assessments by whether they were recorded or inferred.
#[derive(Debug, Default, Clone, Copy)]
pub struct AssessmentCount {
    /// Assessments of recorded exchanges.
    pub recorded: u64,
    /// Assessments of inferred exchanges (requests a failed preflight stopped).
    pub inferred: u64,
    /// Blocked verdicts.
    pub blocked: u64,
}

impl AssessmentCount {
    /// Counts one assessment.
    pub fn add(&mut self, a: &corscope::model::Assessment) {
        if matches!(a.exchange.location, Location::InferredFrom(_)) {
            self.inferred += 1;
        } else {
            self.recorded += 1;
        }
        if a.verdict == corscope::model::Verdict::Blocked {
            self.blocked += 1;
        }
    }
}

static WARNED: AtomicBool = AtomicBool::new(false);

/// Checks that a bench did the work: `got` must equal `want`. Panics, or with
/// `CORSCOPE_BENCH_ALLOW_MISMATCH=1` warns once per bench binary.
pub fn verify(bench: &str, what: &str, got: u64, want: u64) {
    if got == want {
        return;
    }
    let msg = format!("{bench}: {what} = {got}, the generator's truth says {want}");
    if std::env::var_os("CORSCOPE_BENCH_ALLOW_MISMATCH").is_some_and(|v| v == "1") {
        if !WARNED.swap(true, Ordering::Relaxed) {
            eprintln!("warning: {msg} (allowed by CORSCOPE_BENCH_ALLOW_MISMATCH; further mismatches not shown)");
        }
    } else {
        panic!("{msg}");
    }
}
