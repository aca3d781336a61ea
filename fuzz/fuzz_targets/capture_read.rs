//! Bytes through `capture::read` (sniffing and decompression): no panic; gzip or zstd around the input changes nothing but the compression reported.
//! The invariants live in `tests/fuzz_harness`, shared with `tests/fuzz_replay.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod fuzz_harness;

fuzz_target!(|data: &[u8]| fuzz_harness::capture_read(data));
