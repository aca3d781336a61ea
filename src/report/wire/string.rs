//! JSON strings written into a `Vec<u8>`, escaped byte for byte as `serde_json` escapes them.
//!
//! Why not serde_json: a report line is mostly strings (URLs, console messages, fixes,
//! evidence), and serde_json looks up every byte of every string in its escape table; that
//! loop was the largest single cost of laying out records. Here strings are scanned sixteen
//! bytes at a time (`byte_masks.rs`) for the three things that need escaping (`"`, `\` and
//! control bytes), and copied in runs. Equality with serde_json is checked by tests over every
//! byte at every position of a group and over generated strings.

use crate::byte_masks;

/// The length of the prefix of `bytes` that needs no escaping: sixteen bytes at a time; the
/// last few bytes of a string of sixteen or more are read as the group that ends it (its bytes
/// already looked at are clean), and a shorter string byte by byte.
fn clean_prefix(bytes: &[u8]) -> usize {
    const LANES: usize = byte_masks::LANES;
    let n = bytes.len();
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..).and_then(|rest| rest.first_chunk::<LANES>()) {
        let mask = byte_masks::specials(chunk);
        if mask != 0 {
            return at + mask.trailing_zeros() as usize;
        }
        at += LANES;
    }
    if at == n {
        return n;
    }
    match bytes.last_chunk::<LANES>() {
        Some(last) => {
            // The first `seen` bytes of the last group were looked at above.
            let seen = LANES - (n - at);
            let mask = byte_masks::specials(last) >> seen << seen;
            if mask == 0 {
                n
            } else {
                n - LANES + mask.trailing_zeros() as usize
            }
        }
        None => bytes
            .iter()
            .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
            .unwrap_or(n),
    }
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let mut rest = s.as_bytes();
    out.reserve(rest.len() + 2);
    out.push(b'"');
    loop {
        let clean = clean_prefix(rest);
        let (run, tail) = rest.split_at(clean);
        out.extend_from_slice(run);
        let Some((&b, tail)) = tail.split_first() else {
            break;
        };
        escape(out, b);
        rest = tail;
    }
    out.push(b'"');
}

/// The escape of one byte, as serde_json writes it.
fn escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0C => out.extend_from_slice(b"\\f"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 0xF)],
        ]),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ours(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        write_str(&mut out, s);
        out
    }

    fn theirs(s: &str) -> Vec<u8> {
        serde_json::to_vec(s).expect("serializes")
    }

    #[test]
    fn every_byte_and_boundary_escapes_as_serde_json() {
        for b in 0u8..0x80 {
            let c = char::from(b);
            for pad in 0..40 {
                for after in [0, 1, 7, 15, 16, 17, 31] {
                    let s = format!("{}{c}{}", "a".repeat(pad), "é".repeat(after));
                    assert_eq!(
                        ours(&s),
                        theirs(&s),
                        "byte {b:#x} after {pad}, {after} more"
                    );
                }
            }
        }
        for s in [
            "",
            "\u{7f}",
            "\u{2028}\u{2029}",
            "\"\\\"\\",
            "😀\n😀",
            "\u{0}\u{1f}",
        ] {
            assert_eq!(ours(s), theirs(s), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn generated_strings_escape_as_serde_json(s in any::<String>(), t in "[\\x00-\\x7f]{0,64}") {
            prop_assert_eq!(ours(&s), theirs(&s));
            prop_assert_eq!(ours(&t), theirs(&t));
        }
    }
}
