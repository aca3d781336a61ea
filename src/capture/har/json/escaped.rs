//! Skipping the rest of a string that has escapes, 64 bytes at a time.
//!
//! Text bodies (JSON, CSS, scripts) have an escape every few bytes, where a byte-by-byte
//! search mispredicts a branch at each. Here each block of 64 bytes becomes three bit masks
//! (bit `i` for byte `i`), of its backslashes, its quotes and its control bytes, sixteen bytes
//! at a time with no branch (`byte_masks.rs`); which bytes are escaped follows from the
//! backslash mask with a few arithmetic steps (the carry of an addition resolves runs of
//! backslashes, as in simdjson's string scanner), and the string ends at the first quote not
//! escaped. Escaped bytes other
//! than `"` and `\` are then checked one by one (`\u` needs four hex digits), and the bytes
//! before the end must not be control bytes. The last, partial block is read byte by byte.

use super::string::escape;
use super::Decline;
use crate::byte_masks;

/// Bits 0, 2, 4, ...
const EVEN: u64 = 0x5555_5555_5555_5555;

/// Bytes escaped by a backslash, given the block's backslashes and whether its first byte is
/// escaped by the block before; updates the latter for the next block.
fn escaped(backslashes: u64, carry: &mut u64) -> u64 {
    let backslashes = backslashes & !*carry;
    let follows = backslashes << 1 | *carry;
    let odd_starts = backslashes & !EVEN & !follows;
    let (even_starts, overflow) = odd_starts.overflowing_add(backslashes);
    *carry = u64::from(overflow);
    (EVEN ^ (even_starts << 1)) & follows
}

/// Skips the rest of a string from a backslash at `at`; returns the index after its closing
/// quote.
pub(super) fn skip(bytes: &[u8], mut at: usize) -> Result<usize, Decline> {
    let mut carry = 0;
    while let Some(block) = bytes.get(at..).and_then(|rest| rest.first_chunk::<64>()) {
        let byte_masks::Block {
            backslashes,
            quotes,
            controls,
        } = byte_masks::block(block);
        let escaped = escaped(backslashes, &mut carry);
        let ends = quotes & !escaped;
        let before_end = if ends == 0 {
            u64::MAX
        } else {
            (ends & ends.wrapping_neg()) - 1
        };
        let mut odd = escaped & !quotes & !backslashes & before_end;
        while odd != 0 {
            let i = odd.trailing_zeros() as usize;
            let simple = block
                .get(i)
                .is_some_and(|b| matches!(b, b'/' | b'b' | b'f' | b'n' | b'r' | b't'));
            if !simple {
                escape(bytes, at + i)?;
            }
            odd &= odd - 1;
        }
        if controls & before_end != 0 {
            return Err(Decline::Unsure);
        }
        if ends == 0 {
            at += 64;
            continue;
        }
        return Ok(at + ends.trailing_zeros() as usize + 1);
    }
    // Fewer than 64 bytes are left: byte by byte.
    if carry != 0 {
        at = escape(bytes, at)?.0;
    }
    byte_by_byte(bytes, at)
}

/// The index after the closing quote of the string whose rest starts at `at`, one byte at a
/// time.
fn byte_by_byte(bytes: &[u8], mut at: usize) -> Result<usize, Decline> {
    loop {
        match bytes.get(at) {
            Some(b'"') => return Ok(at + 1),
            Some(b'\\') => at = escape(bytes, at + 1)?.0,
            Some(&b) if b < 0x20 => return Err(Decline::Unsure),
            Some(_) => at += 1,
            None => return Err(Decline::OutOfInput),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_match_a_byte_by_byte_walk() {
        let pieces: [&[u8]; 12] = [
            b"\\\"",
            b"\\\\",
            b"\\\\\\\"",
            b"\\n",
            b"\\u00e9",
            b"\\uD83D\\uDE00",
            b"a",
            b"bc",
            b"\"",
            b"\\x",
            b"\\u12",
            b"\x01",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let mut text = b"\\\"".to_vec();
            let len = (seed % 300) as usize;
            while text.len() < len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let weights = (seed >> 32) % 100;
                let piece = match weights {
                    0..=59 => pieces[6],
                    60..=69 => pieces[7],
                    70..=95 => pieces[(seed % 6) as usize],
                    _ => pieces[8 + (seed % 4) as usize],
                };
                text.extend_from_slice(piece);
            }
            text.extend_from_slice(b"\" tail");
            assert_eq!(
                skip(&text, 0),
                byte_by_byte(&text, 0),
                "{}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}
