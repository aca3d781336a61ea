//! Reads one pcap or pcapng file with a counting sink and prints what was found.
//!
//! `cargo run --release --example pcap_count -- FILE [-v]`

use std::collections::BTreeMap;
use std::fs::File;
use std::time::Instant;

use corscope::capture::{sniff, CaptureError, Format, Sink};
use corscope::model::{Exchange, Issue, Limits};

#[derive(Default)]
struct Counting {
    exchanges: u64,
    with_response: u64,
    issues: BTreeMap<&'static str, u64>,
    verbose: bool,
}

impl Sink for Counting {
    fn exchange(&mut self, e: Exchange) {
        self.exchanges += 1;
        self.with_response += u64::from(e.response.is_some());
        if self.verbose {
            let status = e.response.as_ref().map_or(0, |r| r.status);
            let failure = e.failure.as_ref().map_or("", |f| f.text.as_str());
            println!(
                "{} {} {} -> {status} {failure}",
                e.location, e.request.method, e.request.url
            );
        }
    }
    fn issue(&mut self, i: Issue) {
        if self.verbose {
            println!("issue {} {:?}: {}", i.id, i.at, i.message);
        }
        *self.issues.entry(i.id).or_default() += 1;
    }
}

fn main() -> Result<(), CaptureError> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_default();
    let verbose = args.next().as_deref() == Some("-v");
    let file = File::open(&path).map_err(|source| CaptureError::Io { offset: 0, source })?;
    let (format, mut input) = sniff::detect(Box::new(file))?;
    if format == Format::Har {
        return Err(CaptureError::NotRecognised("a HAR file".into()));
    }
    let mut sink = Counting {
        verbose,
        ..Counting::default()
    };
    let start = Instant::now();
    let summary = corscope::capture::pcap::read(&mut input, format, &Limits::default(), &mut sink)?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "frames {} requests {} responses {} interim {} unpaired {} exchanges {} with_response {}",
        summary.frames,
        summary.http.requests,
        summary.http.responses,
        summary.http.interim_responses,
        summary.http.unpaired_responses,
        sink.exchanges,
        sink.with_response
    );
    println!("tcp {:?}", summary.tcp);
    println!("issues {:?}", sink.issues);
    println!("seconds {secs:.3}");
    Ok(())
}
