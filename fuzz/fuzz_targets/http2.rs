//! Bytes as one HTTP/2 connection in a valid capture, or as header blocks decoded beside `loona-hpack`: the HTTP/2 frame layer and HPACK decoder.
//! The invariants live in `tests/fuzz_harness`, shared with `tests/fuzz_replay.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod fuzz_harness;

fuzz_target!(|data: &[u8]| fuzz_harness::http2(data));
