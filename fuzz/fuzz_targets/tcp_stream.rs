//! Bytes decoded into TCP segments of a valid capture, through `capture::pcap::read`: reaches the flow table, reassembler and HTTP/1 framer.
//! The invariants live in `tests/fuzz_harness`, shared with `tests/fuzz_replay.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod fuzz_harness;

fuzz_target!(|data: &[u8]| fuzz_harness::tcp_stream(data));
