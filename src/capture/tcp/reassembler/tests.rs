//! Unit tests of the reassembler: ordering, duplicates, wrap-around, gaps, overflow.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::model::{FileIndex, FrameNumber};

const FIRST: FrameRef = FrameRef {
    file: FileIndex(0),
    number: FrameNumber(1),
};

fn budget() -> Budget {
    Budget {
        per_direction: 1 << 20,
        total_cap: 1 << 20,
        total_used: 0,
    }
}

/// Pushes segments and renders what came out: data as text, gaps as `<gap N>`.
fn run(segs: &[(u32, &[u8], bool)], acks: &[u32], budget: &mut Budget) -> String {
    let mut r = Reassembler::default();
    let mut s = String::new();
    let mut out = |c: Chunk<'_>| match c {
        Chunk::Data(d, _) => s.push_str(&String::from_utf8_lossy(d)),
        Chunk::Gap(n, _, _) => s.push_str(&format!("<gap {n}>")),
        Chunk::End(_) => s.push_str("<end>"),
    };
    r.set_base(segs.first().map_or(0, |s| s.0));
    for &(seq, p, fin) in segs {
        r.push(seq, p, 0, fin, FIRST, Timestamp(0), budget, &mut out);
    }
    for &a in acks {
        r.acknowledged(a, FIRST, Timestamp(0), budget, &mut out);
    }
    r.flush(FIRST, Timestamp(0), budget, &mut out);
    s
}

#[test]
fn in_order_out_of_order_and_duplicates() {
    let b = &mut budget();
    assert_eq!(
        run(&[(10, b"ab", false), (12, b"cd", true)], &[], b),
        "abcd<end>"
    );
    assert_eq!(
        run(
            &[(10, b"ab", false), (14, b"ef", false), (12, b"cd", false)],
            &[],
            b
        ),
        "abcdef"
    );
    assert_eq!(
        run(
            &[(10, b"ab", false), (10, b"XY", false), (11, b"Zc", false)],
            &[],
            b
        ),
        "abc"
    );
    assert_eq!(b.total_used, 0);
}

#[test]
fn wraps_around_the_sequence_space() {
    let b = &mut budget();
    let s = u32::MAX - 1;
    assert_eq!(
        run(
            &[
                (s, b"ab", false),
                (s.wrapping_add(4), b"ef", false),
                (0, b"cd", false)
            ],
            &[],
            b
        ),
        "abcdef"
    );
}

#[test]
fn ack_past_missing_bytes_declares_a_gap() {
    let b = &mut budget();
    assert_eq!(
        run(&[(10, b"ab", false), (15, b"f", false)], &[16], b),
        "ab<gap 3>f"
    );
    assert_eq!(run(&[(10, b"ab", false)], &[20], b), "ab<gap 8>");
    // a FIN's sequence number is acknowledged, not missing
    assert_eq!(run(&[(10, b"ab", true)], &[13], b), "ab<end>");
}

#[test]
fn overflow_declares_a_gap_and_moves_on() {
    let b = &mut Budget {
        per_direction: 3,
        total_cap: 100,
        total_used: 0,
    };
    let got = run(
        &[(0, b"a", false), (3, b"de", false), (6, b"gh", false)],
        &[],
        b,
    );
    assert_eq!(got, "a<gap 2>de<gap 1>gh");
    assert_eq!(b.total_used, 0);
}
