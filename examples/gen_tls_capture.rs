//! Writes a deterministic encrypted capture for benchmarks (TLS 1.3 + HTTP/2 browser traffic
//! with CORS), its key log and its ground truth.
//!
//! ```text
//! cargo run --release --example gen_tls_capture -- --size 200MB --seed 42 \
//!     --out /tmp/tls.pcap --keylog /tmp/tls.keylog --truth /tmp/tls.truth.json
//! ```
//!
//! `--size` like `50MB`, `1GB` (MB = 10^6 bytes), `--seed` any u64 (default 42). The same
//! version, seed and size give the same bytes. The generator lives in
//! `benches/support/tls_capture/`, on top of `benches/support/capture_gen/`.

#[allow(dead_code)]
#[path = "../benches/support/capture_gen/mod.rs"]
mod capture_gen;
#[path = "../benches/support/tls_capture/mod.rs"]
mod tls_capture;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use capture_gen::{Config, Format, Mix};

const USAGE: &str =
    "usage: gen_tls_capture --size SIZE --out FILE --keylog FILE [--seed N] [--truth FILE.json]";

struct Args {
    cfg: Config,
    out: String,
    keylog: String,
    truth: Option<String>,
}

fn parse() -> Result<Args, String> {
    let (mut size, mut seed, mut out, mut keylog, mut truth) = (None, 42u64, None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--size" => {
                let v = value()?;
                size = Some(capture_gen::parse_size(&v).ok_or(format!("bad size '{v}'"))?);
            }
            "--seed" => {
                let v = value()?;
                seed = v.parse().map_err(|_| format!("bad seed '{v}'"))?;
            }
            "--out" => out = Some(value()?),
            "--keylog" => keylog = Some(value()?),
            "--truth" => truth = Some(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(Args {
        cfg: Config {
            size: size.ok_or("--size is required")?,
            format: Format::Pcap,
            seed,
            mix: Mix::Browser,
        },
        out: out.ok_or("--out is required")?,
        keylog: keylog.ok_or("--keylog is required")?,
        truth,
    })
}

fn run(args: &Args) -> std::io::Result<()> {
    let started = Instant::now();
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&args.out)?);
    let mut keys = BufWriter::new(File::create(&args.keylog)?);
    let truth = tls_capture::generate(&args.cfg, &mut out, &mut keys)?;
    out.into_inner().map_err(|e| e.into_error())?.sync_data()?;
    keys.into_inner().map_err(|e| e.into_error())?.sync_data()?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(path) = &args.truth {
        let mut f = File::create(path)?;
        f.write_all(truth.to_json().as_bytes())?;
        f.write_all(b"\n")?;
    }
    eprintln!(
        "gen_tls_capture: {} bytes, {} connections, {} requests, {} responses, {} blocked in {:.2} s",
        truth.bytes, truth.pcap.connections, truth.requests, truth.responses, truth.blocked, secs
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("gen_tls_capture: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_tls_capture: {}: {e}", args.out);
            ExitCode::FAILURE
        }
    }
}
