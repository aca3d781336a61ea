//! Property: random bytes, and random mutations of small valid HAR, pcap and pcapng inputs,
//! never make a reader or the engine panic, and every fuzz invariant holds for them (the
//! checks are the fuzz harness's: entries read = exchanges + skipped entries, an error emits
//! nothing, counters match what was emitted, compression changes nothing, one assessment per
//! exchange). A fuzzer explores further; this runs in CI on stable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz_harness;

use proptest::prelude::*;

const HAR: &[u8] = include_bytes!("../fuzz/corpus/har_read/preflight-blocked-allowed.har");
const PCAP: &[u8] = include_bytes!("../fuzz/corpus/pcap_read/preflight-le.pcap");
const PCAPNG: &[u8] = include_bytes!("../fuzz/corpus/pcap_read/preflight.pcapng");

/// One edit of an input; positions are taken modulo its length.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, m)| Mutation::Flip(i, m)),
        (
            any::<usize>(),
            prop_oneof![
                Just(b'{'),
                Just(b'}'),
                Just(b'['),
                Just(b']'),
                Just(b'"'),
                Just(b'\\'),
                Just(b','),
                Just(b':'),
                Just(0u8),
                Just(0xff),
                Just(0x80)
            ]
        )
            .prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), 1..64usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..32))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1..200usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(seed: &[u8], edits: &[Mutation]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for m in edits {
        let len = v.len().max(1);
        match m {
            Mutation::Flip(i, x) => {
                if let Some(b) = v.get_mut(i % len) {
                    *b ^= x;
                }
            }
            Mutation::Set(i, x) => {
                if let Some(b) = v.get_mut(i % len) {
                    *b = *x;
                }
            }
            Mutation::Delete(i, n) => {
                let at = (i % len).min(v.len());
                let end = (at + n).min(v.len());
                v.drain(at..end);
            }
            Mutation::Insert(i, bytes) => {
                let at = (i % len).min(v.len());
                v.splice(at..at, bytes.iter().copied());
            }
            Mutation::Duplicate(i, n) => {
                let at = (i % len).min(v.len());
                let end = (at + n).min(v.len());
                let copy = v[at..end].to_vec();
                v.splice(end..end, copy);
            }
            Mutation::Truncate(i) => v.truncate(i % len),
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_through_every_entry_point(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        fuzz_harness::capture_read(&data);
        fuzz_harness::har_read(&data);
        fuzz_harness::pcap_read(&data);
        fuzz_harness::tcp_stream(&data);
        fuzz_harness::engine(&data);
    }

    #[test]
    fn random_bytes_behind_each_magic(
        magic in prop_oneof![
            Just(&b"{"[..]),
            Just(&b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00"[..]),
            Just(&b"\xa1\xb2\x3c\x4d\x00\x02\x00\x04"[..]),
            Just(&b"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a"[..]),
            Just(&b"\x1f\x8b\x08\x00"[..]),
            Just(&b"\x28\xb5\x2f\xfd"[..]),
        ],
        rest in prop::collection::vec(any::<u8>(), 0..1024),
    ) {
        let mut data = magic.to_vec();
        data.extend(rest);
        fuzz_harness::capture_read(&data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn mutated_har(edits in prop::collection::vec(mutation(), 1..6)) {
        let data = apply(HAR, &edits);
        fuzz_harness::har_read(&data);
        fuzz_harness::capture_read(&data);
    }

    #[test]
    fn mutated_pcap(edits in prop::collection::vec(mutation(), 1..6)) {
        let data = apply(PCAP, &edits);
        fuzz_harness::pcap_read(&data);
        fuzz_harness::capture_read(&data);
    }

    #[test]
    fn mutated_pcapng(edits in prop::collection::vec(mutation(), 1..6)) {
        let data = apply(PCAPNG, &edits);
        fuzz_harness::pcap_read(&data);
        fuzz_harness::capture_read(&data);
    }
}
