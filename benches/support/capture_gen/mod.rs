//! A deterministic generator of realistic captures for benchmarks: HTTP/1.1 browser traffic
//! with CORS (preflights, simple and non-CORS requests, correct and broken answers) recorded
//! as a legacy pcap (microseconds), a pcapng (one interface, nanoseconds) or a Chrome
//! DevTools HAR, with the ground truth counted while writing. Two mixes: page loads
//! (documents, assets, API calls) and small JSON API calls ([`api::Mix`]).
//!
//! Output is byte-identical for a given (`VERSION`, seed, size, format, mix): the only randomness
//! is the seeded [`rng::Rng`], nothing reads the clock or the environment. Output is streamed;
//! memory is bounded by the connections in flight (pcap) or one entry (HAR), never by size.
//!
//! Shared by `examples/gen_capture.rs` and the benches (`#[path]`-included), so a bench
//! measures exactly what the command writes. Written here rather than taken from a crate:
//! no crate writes captures with a known CORS ground truth.

pub mod api;
pub mod body;
pub mod cors;
pub mod har;
pub mod har_entry;
pub mod http;
pub mod json;
pub mod pcap;
pub mod pcap_file;
pub mod rng;
pub mod scenario;
pub mod tcp;
pub mod truth;

use std::io::{self, Write};

pub use api::Mix;
pub use truth::Truth;

/// Generator version: bump when the output for a given seed changes.
pub const VERSION: u32 = 1;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Legacy pcap, microsecond timestamps, Ethernet.
    Pcap,
    /// pcapng: SHB, one Ethernet IDB with nanosecond `if_tsresol`, EPBs.
    PcapNg,
    /// Chrome DevTools HAR 1.2.
    Har,
}

impl Format {
    /// Parses `pcap`, `pcapng` or `har`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "pcap" => Some(Format::Pcap),
            "pcapng" => Some(Format::PcapNg),
            "har" => Some(Format::Har),
            _ => None,
        }
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Output size to reach, in bytes (the last connection or entry finishes past it).
    pub size: u64,
    /// Format.
    pub format: Format,
    /// Seed.
    pub seed: u64,
    /// Traffic mix.
    pub mix: Mix,
}

/// Writes the capture `cfg` describes to `out`; returns its ground truth.
pub fn generate<W: Write>(cfg: &Config, out: &mut W) -> io::Result<Truth> {
    match cfg.format {
        Format::Pcap | Format::PcapNg => pcap::generate(cfg, out),
        Format::Har => har::generate(cfg, out),
    }
}

/// Generates into memory (for benches).
pub fn generate_vec(cfg: &Config) -> io::Result<(Vec<u8>, Truth)> {
    let mut out = Vec::with_capacity(cfg.size as usize + (1 << 20));
    let truth = generate(cfg, &mut out)?;
    Ok((out, truth))
}

/// Parses a size: `50MB`, `1GB`, `2GB`, `512KiB`, `1.5GiB`, `1000000` (MB = 10^6 bytes,
/// MiB = 2^20 bytes).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * mult) as u64)
}
