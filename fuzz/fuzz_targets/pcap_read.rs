//! Bytes as pcap and as pcapng through `capture::pcap::read`: no panic, an error emits nothing, frame numbers and counters agree with what was emitted.
//! The invariants live in `tests/fuzz_harness`, shared with `tests/fuzz_replay.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod fuzz_harness;

fuzz_target!(|data: &[u8]| fuzz_harness::pcap_read(data));
