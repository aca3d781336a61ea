//! Bytes as a HAR through `capture::har::read`: no panic, entries read = exchanges + skipped-entry issues, same result for any read size.
//! The invariants live in `tests/fuzz_harness`, shared with `tests/fuzz_replay.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod fuzz_harness;

fuzz_target!(|data: &[u8]| fuzz_harness::har_read(data));
