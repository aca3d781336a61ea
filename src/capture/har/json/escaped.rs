//! Skipping the rest of a string that has escapes, 64 bytes at a time.
//!
//! Text bodies (JSON, CSS, scripts) have an escape every few bytes, where a byte-by-byte
//! search mispredicts a branch at each. Here each block of 64 bytes becomes two bit masks (bit
//! `i` for byte `i`), of its backslashes and of its quotes, computed eight bytes at a time in a
//! `u64` with no branch; which bytes are escaped follows from the backslash mask with a few
//! arithmetic steps (the carry of an addition resolves runs of backslashes, as in simdjson's
//! string scanner), and the string ends at the first quote not escaped. Escaped bytes other
//! than `"` and `\` are then checked one by one (`\u` needs four hex digits), and the bytes
//! before the end for control bytes. The last, partial block is read byte by byte.

use super::string::{escape, has_control, HIGH_BITS, ONES};
use super::Decline;

const LOW_BITS: u64 = ONES * 0x7f;
/// Bits 0, 2, 4, ...
const EVEN: u64 = 0x5555_5555_5555_5555;

/// High bit of each byte set where the byte equals `c`; exact in every byte.
fn equal(word: u64, c: u8) -> u64 {
    let x = word ^ (ONES * u64::from(c));
    !(((x & LOW_BITS) + LOW_BITS) | x) & HIGH_BITS
}

/// The eight high bits of a word gathered into bits 0..8, byte `i` to bit `i`.
fn gather(high: u64) -> u64 {
    let mut x = high >> 7;
    x |= x >> 7;
    x |= x >> 14;
    x |= x >> 28;
    x & 0xff
}

/// Masks of one block: backslashes and quotes.
fn masks(block: &[u8; 64]) -> (u64, u64) {
    let (words, _) = block.as_chunks::<8>();
    let mut backslashes = 0;
    let mut quotes = 0;
    for (n, word) in words.iter().enumerate() {
        let word = u64::from_le_bytes(*word);
        backslashes |= gather(equal(word, b'\\')) << (8 * n);
        quotes |= gather(equal(word, b'"')) << (8 * n);
    }
    (backslashes, quotes)
}

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
        let (backslashes, quotes) = masks(block);
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
        if ends == 0 {
            if has_control(block) {
                return Err(Decline::Unsure);
            }
            at += 64;
            continue;
        }
        let end = ends.trailing_zeros() as usize;
        if has_control(block.get(..end).unwrap_or_default()) {
            return Err(Decline::Unsure);
        }
        return Ok(at + end + 1);
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
    fn gathers_and_masks_are_exact() {
        let mut block = [b'a'; 64];
        for i in [0, 7, 8, 30, 63] {
            block[i] = b'\\';
        }
        block[9] = b'"';
        block[10] = 0x1f;
        block[11] = 0x80;
        block[12] = 0xdc;
        let (b, q) = masks(&block);
        assert_eq!(b, 1 | 1 << 7 | 1 << 8 | 1 << 30 | 1 << 63);
        assert_eq!(q, 1 << 9);
    }

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
