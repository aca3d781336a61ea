//! Writes a deterministic, realistic capture for benchmarks and its ground truth.
//!
//! ```text
//! cargo run --release --example gen_capture -- --size 2GB --format pcap --seed 42 \
//!     --out /tmp/bench.pcap --truth /tmp/bench.truth.json
//! ```
//!
//! `--format pcap|pcapng|har`, `--size` like `50MB`, `1GB`, `2GB` (MB = 10^6 bytes), `--seed`
//! any u64 (default 42), `--mix browser` (page loads, the default) or `api` (small JSON API
//! calls, ~4 KB per exchange). The same version, seed, size and format give the same bytes. The
//! generator itself lives in `benches/support/capture_gen/`, shared with the benches.

#[allow(dead_code)]
#[path = "../benches/support/capture_gen/mod.rs"]
mod capture_gen;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use capture_gen::{Config, Format, Mix};

const USAGE: &str = "usage: gen_capture --size SIZE --format pcap|pcapng|har --out FILE [--seed N] [--mix browser|api] [--truth FILE.json]";

struct Args {
    cfg: Config,
    out: String,
    truth: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut size = None;
    let mut format = None;
    let mut seed = 42u64;
    let mut mix = Mix::Browser;
    let mut out = None;
    let mut truth = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--size" => {
                let v = value()?;
                size = Some(capture_gen::parse_size(&v).ok_or(format!("bad size '{v}'"))?);
            }
            "--format" => {
                let v = value()?;
                format = Some(Format::parse(&v).ok_or(format!("bad format '{v}'"))?);
            }
            "--seed" => {
                let v = value()?;
                seed = v.parse().map_err(|_| format!("bad seed '{v}'"))?;
            }
            "--mix" => {
                let v = value()?;
                mix = Mix::parse(&v).ok_or(format!("bad mix '{v}'"))?;
            }
            "--out" => out = Some(value()?),
            "--truth" => truth = Some(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(Args {
        cfg: Config {
            size: size.ok_or("--size is required")?,
            format: format.ok_or("--format is required")?,
            seed,
            mix,
        },
        out: out.ok_or("--out is required")?,
        truth,
    })
}

fn run(args: &Args) -> std::io::Result<()> {
    let started = Instant::now();
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&args.out)?);
    let truth = capture_gen::generate(&args.cfg, &mut out)?;
    out.into_inner().map_err(|e| e.into_error())?.sync_data()?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(path) = &args.truth {
        let mut f = File::create(path)?;
        f.write_all(truth.to_json().as_bytes())?;
        f.write_all(b"\n")?;
    }
    eprintln!(
        "gen_capture: {} bytes, {} requests, {} responses, {} blocked in {:.2} s ({:.0} MB/s)",
        truth.bytes,
        truth.requests,
        truth.responses,
        truth.blocked,
        secs,
        truth.bytes as f64 / 1e6 / secs.max(1e-9)
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("gen_capture: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_capture: {}: {e}", args.out);
            ExitCode::FAILURE
        }
    }
}
