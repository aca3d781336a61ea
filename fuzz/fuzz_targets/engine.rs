//! Bytes decoded into synthetic exchanges pushed through `cors::Engine`: one assessment per exchange, never more held than the window.
//! The invariants live in `tests/fuzz_harness`, shared with `tests/fuzz_replay.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod fuzz_harness;

fuzz_target!(|data: &[u8]| fuzz_harness::engine(data));
