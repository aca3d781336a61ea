//! Replays every file of the fuzz seed corpus (`fuzz/corpus/<target>/`) and any crash
//! artifact (`fuzz/artifacts/<target>/`) through the same harness functions the fuzz targets
//! call, so CI checks the fuzz invariants without a fuzzer or a nightly toolchain.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz_harness;

use std::path::{Path, PathBuf};

/// A harness: arbitrary bytes in, a panic when an invariant breaks.
type Harness = fn(&[u8]);

/// Every fuzz target, by directory name, with its harness.
const TARGETS: [(&str, Harness); 6] = [
    ("har_read", fuzz_harness::har_read),
    ("pcap_read", fuzz_harness::pcap_read),
    ("capture_read", fuzz_harness::capture_read),
    ("tcp_stream", fuzz_harness::tcp_stream),
    ("engine", fuzz_harness::engine),
    ("http2", fuzz_harness::http2),
];

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn replay(kind: &str, must_exist: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind);
    for (target, harness) in TARGETS {
        let found = files(&root.join(target));
        if must_exist {
            assert!(!found.is_empty(), "no seed corpus for fuzz target {target}");
        }
        for path in found {
            let data = std::fs::read(&path).unwrap();
            let run = std::panic::catch_unwind(|| harness(&data));
            if let Err(e) = run {
                let why = e
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| e.downcast_ref::<&str>().copied())
                    .unwrap_or("panic");
                panic!("{target}: {} fails: {why}", path.display());
            }
        }
    }
}

#[test]
fn seed_corpus_replays_cleanly() {
    replay("corpus", true);
}

#[test]
fn crash_artifacts_replay_cleanly() {
    replay("artifacts", false);
}

/// The seeds reach the layers they are meant to: a fuzzer mutating them starts deep.
#[test]
fn seeds_reach_the_layers_they_are_for() {
    use corscope::capture::{Compression, Format};
    use corscope::model::Limits;
    let seed = |target: &str, name: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target)
            .join(name);
        std::fs::read(&path).unwrap()
    };
    let limits = Limits::default();

    let (r, sink) = fuzz_harness::run_pcap(
        &seed("pcap_read", "preflight-le.pcap"),
        Format::Pcap,
        &limits,
    );
    assert_eq!(r.unwrap().frames, 7);
    assert_eq!(sink.exchanges().count(), 1, "{:?}", sink.0);

    let (r, sink) = fuzz_harness::run_pcap(
        &seed("pcap_read", "preflight.pcapng"),
        Format::PcapNg,
        &limits,
    );
    assert_eq!(r.unwrap().producer.as_deref(), Some("corscope-fuzz"));
    assert_eq!(sink.exchanges().count(), 1, "{:?}", sink.0);

    let capture = fuzz_harness::capture_of(&seed("tcp_stream", "handshake-preflight"));
    let (_, sink) = fuzz_harness::run_pcap(&capture, Format::Pcap, &limits);
    let x: Vec<_> = sink.exchanges().collect();
    assert_eq!(x.len(), 1, "{:?}", sink.0);
    assert_eq!(x[0].request.method, "OPTIONS");
    assert_eq!(x[0].response.as_ref().map(|r| r.status), Some(204));

    let (r, sink) = fuzz_harness::run_capture(seed("capture_read", "pcap.zst"), &limits);
    let info = r.unwrap();
    assert_eq!(
        (info.format, info.compression),
        (Format::Pcap, Some(Compression::Zstd))
    );
    assert_eq!(sink.exchanges().count(), 1, "{:?}", sink.0);

    let (r, sink) = fuzz_harness::run_capture(seed("capture_read", "har.gz"), &limits);
    let info = r.unwrap();
    assert_eq!(
        (info.format, info.compression),
        (Format::Har, Some(Compression::Gzip))
    );
    assert_eq!(sink.exchanges().count(), 2, "{:?}", sink.0);

    // Both streams of the HTTP/2 seed decode, the second through dynamic-table references and
    // a size update: the fuzzer starts past the frame layer and the header decoder.
    let capture = fuzz_harness::http2_capture(&seed("http2", "exchange"));
    let (_, sink) = fuzz_harness::run_pcap(&capture, Format::Pcap, &limits);
    assert!(sink.issues().next().is_none(), "{:?}", sink.0);
    let x: Vec<_> = sink.exchanges().collect();
    assert_eq!(x.len(), 2, "{:?}", sink.0);
    for e in x {
        assert_eq!(e.request.url, "http://api.test/");
        assert_eq!(e.response.as_ref().map(|r| r.status), Some(200));
        assert!(e.request.headers.contains("origin"));
    }
}
