//! Broken compression around a capture: a gzip stream corrupt midway and a zstd stream cut
//! short. What was decompressed before the damage is read; the damage itself is an issue
//! naming the offset (or, when nothing could be read, an error for the input).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz_harness;

use std::io::Write;

use corscope::capture::{Compression, Format};
use corscope::model::{Limits, Position};
use fuzz_harness::{pcap_writer, run_capture, Collect};

const ENTRIES: usize = 400;

/// A HAR of `ENTRIES` small entries with distinct URLs (so that it compresses, but not to
/// nothing), about 100 KB.
fn har() -> Vec<u8> {
    har_of(ENTRIES)
}

fn har_of(n: usize) -> Vec<u8> {
    let entries: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"startedDateTime":"2024-05-01T10:00:00Z","request":{{"method":"GET","url":"https://api.test/items/{i}?q={}","headers":[{{"name":"Origin","value":"https://app.test"}}]}},"response":{{"status":200,"headers":[{{"name":"Access-Control-Allow-Origin","value":"*"}}]}}}}"#,
                i.wrapping_mul(2_654_435_761) % 1_000_003
            )
        })
        .collect();
    format!(r#"{{"log":{{"entries":[{}]}}}}"#, entries.join(",")).into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// Inverts every bit of `bytes`: a stretch of corruption.
fn flip(bytes: &mut [u8]) {
    for b in bytes {
        *b = !*b;
    }
}

fn exchanges(sink: &Collect) -> usize {
    sink.exchanges().count()
}

#[test]
fn gzip_corrupt_midway_keeps_the_entries_before_and_reports_the_failure() {
    let mut gz = gzip(&har());
    let mid = gz.len() / 2;
    flip(&mut gz[mid..mid + 64]);
    let (r, sink) = run_capture(gz, &Limits::default());
    let info = r.unwrap();
    assert_eq!(
        (info.format, info.compression),
        (Format::Har, Some(Compression::Gzip))
    );
    let n = exchanges(&sink);
    assert!(n > 0 && n < ENTRIES, "{n} exchanges");
    let issues: Vec<_> = sink.issues().collect();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].id, "har-read-failed");
    assert!(
        issues[0].message.starts_with("read failed at byte offset ")
            && issues[0].message.ends_with("; nothing after it was read"),
        "{}",
        issues[0].message
    );
}

#[test]
fn gzip_corrupt_in_its_first_bytes_is_an_error_for_the_input() {
    let mut gz = gzip(&har());
    flip(&mut gz[10..40]);
    let (r, sink) = run_capture(gz, &Limits::default());
    let e = r.unwrap_err();
    assert!(e.starts_with("read failed at byte offset 0: "), "{e}");
    assert!(sink.0.is_empty());
}

fn pcap_of(connections: u16) -> Vec<u8> {
    use pcap_writer::{pcap, Conn};
    let mut recs = Vec::new();
    for i in 0..connections {
        let mut c = Conn::new(&format!("10.0.0.1:{}", 20000 + i), "10.0.0.2:80", 7, 9);
        let req = format!("GET /{i} HTTP/1.1\r\nHost: api.test\r\n\r\n");
        c.handshake()
            .send(true, req.as_bytes(), 1400)
            .send(false, b"HTTP/1.1 204 No Content\r\n\r\n", 1400)
            .fin(true)
            .fin(false);
        recs.extend(c.frames(1_000_000_000 + u64::from(i) * 10_000_000));
    }
    pcap(1, &recs, false, false)
}

/// A gzip stream whose only damage is its CRC-32 trailer: every byte of the capture
/// decompresses, then the stream fails. The HAR reader keeps every entry, and, as it stops
/// at the end of the root object, never reads the trailer at all: nothing is reported.
#[test]
fn gzip_with_a_bad_checksum_keeps_every_har_entry() {
    let mut gz = gzip(&har());
    let crc = gz.len() - 8;
    gz[crc] ^= 0xff;
    let (r, sink) = run_capture(gz, &Limits::default());
    assert_eq!(r.unwrap().compression, Some(Compression::Gzip));
    assert_eq!(exchanges(&sink), ENTRIES);
    assert_eq!(sink.issues().count(), 0, "{:?}", sink.0);
}

/// Bug: `capture::pcap::reader::FullRead::read` loops until the 256 KiB buffer is full and,
/// when the inner reader fails, returns the error and drops the bytes it had already copied
/// (`got`). A capture smaller than the buffer whose decompression fails at the end (here a
/// bad gzip CRC; the same for any corrupt tail) is then an error "read failed at byte offset
/// 0" for the whole input, although every frame was decompressed; a larger one loses up to
/// 256 KiB of frames before its `pcap-truncated` issue. Expected: return `Ok(got)` when
/// `got > 0` and keep the error for the next call, as the HAR reader effectively does.
#[test]
fn gzip_with_a_bad_checksum_keeps_every_pcap_frame() {
    let mut gz = gzip(&pcap_of(3));
    let crc = gz.len() - 8;
    gz[crc] ^= 0xff;
    let (r, sink) = run_capture(gz, &Limits::default());
    assert_eq!(r.unwrap().compression, Some(Compression::Gzip));
    assert_eq!(exchanges(&sink), 3);
    let t: Vec<_> = sink.issues().filter(|i| i.id == "pcap-truncated").collect();
    assert_eq!(t.len(), 1, "{:?}", sink.0);
    assert!(
        t[0].message.starts_with("read failed at byte offset "),
        "{}",
        t[0].message
    );
}

#[test]
fn gzip_corrupt_midway_in_a_pcap_keeps_the_frames_before() {
    let mut gz = gzip(&pcap_of(200));
    let mid = gz.len() / 2;
    flip(&mut gz[mid..mid + 64]);
    let (r, sink) = run_capture(gz, &Limits::default());
    let info = r.unwrap();
    assert_eq!(
        (info.format, info.compression),
        (Format::Pcap, Some(Compression::Gzip))
    );
    let n = exchanges(&sink);
    assert!(n > 0 && n < 200, "{n} exchanges");
    let t: Vec<_> = sink.issues().filter(|i| i.id == "pcap-truncated").collect();
    assert_eq!(t.len(), 1, "{:?}", sink.0);
    assert!(matches!(t[0].at, Some(Position::Offset { .. })));
    assert!(
        t[0].message.starts_with("read failed at byte offset "),
        "{}",
        t[0].message
    );
}

/// What the pcap reader does today with a capture larger than its buffer and a corrupt
/// tail: the frames of the first buffer are read, the failure is an issue.
#[test]
fn gzip_corrupt_tail_of_a_large_pcap_is_reported() {
    let mut gz = gzip(&pcap_of(1200));
    let at = gz.len() * 9 / 10;
    flip(&mut gz[at..at + 64]);
    let (r, sink) = run_capture(gz, &Limits::default());
    assert_eq!(r.unwrap().format, Format::Pcap);
    let n = exchanges(&sink);
    assert!(n > 0 && n < 1200, "{n} exchanges");
    let t: Vec<_> = sink.issues().filter(|i| i.id == "pcap-truncated").collect();
    assert_eq!(t.len(), 1, "{:?}", sink.0);
}

#[test]
fn zstd_truncated_keeps_the_entries_of_whole_blocks_and_reports_the_cut() {
    // Three or more zstd blocks (128 KiB of output each at most), cut in the last one. The
    // decoder releases output only past its window, so fewer entries than the whole blocks
    // hold are read; what matters is that they are, and that the cut is reported.
    let text = har_of(1500);
    assert!(text.len() > 300 << 10);
    let z = zstd(&text);
    let cut = z[..z.len() * 9 / 10].to_vec();
    let (r, sink) = run_capture(cut, &Limits::default());
    let info = r.unwrap();
    assert_eq!(
        (info.format, info.compression),
        (Format::Har, Some(Compression::Zstd))
    );
    let n = exchanges(&sink);
    assert!(n > 0 && n < 1500, "{n} exchanges");
    let issues: Vec<_> = sink.issues().collect();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].id, "har-read-failed", "{issues:?}");
    assert!(
        issues[0].message.starts_with("read failed at byte offset "),
        "{issues:?}"
    );
}

#[test]
fn zstd_truncated_inside_its_only_block_is_an_error_for_the_input() {
    let z = zstd(&har());
    let (r, sink) = run_capture(z[..z.len() / 2].to_vec(), &Limits::default());
    let e = r.unwrap_err();
    assert!(e.starts_with("read failed at byte offset 0: "), "{e}");
    assert!(sink.0.is_empty());
}

#[test]
fn zstd_cut_inside_its_frame_header_is_an_error_for_the_input() {
    let z = zstd(&har());
    let (r, sink) = run_capture(z[..5].to_vec(), &Limits::default());
    let e = r.unwrap_err();
    assert!(e.starts_with("read failed at byte offset 0: zstd: "), "{e}");
    assert!(sink.0.is_empty());
}
