//! Bit masks of the bytes a JSON reader or writer looks for, sixteen bytes at a time: bit `i`
//! set for byte `i`. `wide`'s vectors compile to one SSE2 compare and one move-mask per
//! question on x86-64 (and to NEON or plain loops elsewhere), where a word-at-a-time search
//! takes a dozen arithmetic steps per eight bytes. The HAR reader searches strings, keys and
//! indentation with them; the report writer finds the bytes a JSON string must escape.

use wide::u8x16;

/// Bytes per lane group.
pub(crate) const LANES: usize = 16;

/// The bytes of one group, as a vector.
#[inline]
fn load(chunk: &[u8; LANES]) -> u8x16 {
    u8x16::new(*chunk)
}

/// Bits of the bytes equal to `c`.
#[inline]
fn equal(v: u8x16, c: u8) -> u32 {
    v.simd_eq(u8x16::splat(c)).to_bitmask()
}

/// Bits of the control bytes (below 0x20).
#[inline]
fn control(v: u8x16) -> u32 {
    v.min(u8x16::splat(0x1f)).simd_eq(v).to_bitmask()
}

/// Bits of the bytes that end a plain JSON string's run, and that a writer escapes: `"`, `\`
/// and control bytes.
#[inline]
pub(crate) fn specials(chunk: &[u8; LANES]) -> u32 {
    let v = load(chunk);
    equal(v, b'"') | equal(v, b'\\') | control(v)
}

/// Bits of the bytes an ASCII key may not hold: [`specials`] and bytes above 0x7f.
#[inline]
pub(crate) fn key_specials(chunk: &[u8; LANES]) -> u32 {
    specials(chunk) | load(chunk).to_bitmask()
}

/// Bits of the bytes that are not JSON whitespace (space, line feed, carriage return, tab).
#[inline]
pub(crate) fn not_whitespace(chunk: &[u8; LANES]) -> u32 {
    let v = load(chunk);
    let space = equal(v, b' ') | equal(v, b'\n') | equal(v, b'\r') | equal(v, b'\t');
    !space & 0xffff
}

/// Bits of the bytes that end a URL quoted in text: ASCII whitespace, quotes, backticks and
/// angle brackets.
#[inline]
pub(crate) fn url_ends(chunk: &[u8; LANES]) -> u32 {
    let v = load(chunk);
    let blank =
        equal(v, b' ') | equal(v, b'\t') | equal(v, b'\n') | equal(v, 0x0c) | equal(v, b'\r');
    blank | equal(v, b'\'') | equal(v, b'"') | equal(v, b'`') | equal(v, b'<') | equal(v, b'>')
}

/// Index in `bytes` of the first byte `marks` sets a bit for in its group of [`LANES`], or,
/// in the last, shorter group, the first byte `tail` is true of; `marks` and `tail` must
/// agree.
#[inline]
pub(crate) fn first(
    bytes: &[u8],
    marks: impl Fn(&[u8; LANES]) -> u32,
    tail: impl Fn(u8) -> bool,
) -> Option<usize> {
    let (chunks, rest) = bytes.as_chunks::<LANES>();
    for (n, chunk) in chunks.iter().enumerate() {
        let found = marks(chunk);
        if found != 0 {
            return Some(n * LANES + found.trailing_zeros() as usize);
        }
    }
    let done = chunks.len() * LANES;
    rest.iter().position(|&b| tail(b)).map(|k| done + k)
}

/// Masks of a 64-byte block of a string with escapes.
pub(crate) struct Block {
    /// Backslashes.
    pub(crate) backslashes: u64,
    /// Quotes.
    pub(crate) quotes: u64,
    /// Control bytes.
    pub(crate) controls: u64,
}

/// The masks of a 64-byte block.
#[inline]
pub(crate) fn block(bytes: &[u8; 64]) -> Block {
    let mut masks = Block {
        backslashes: 0,
        quotes: 0,
        controls: 0,
    };
    let (chunks, _) = bytes.as_chunks::<LANES>();
    for (n, chunk) in chunks.iter().enumerate() {
        let v = load(chunk);
        let shift = LANES * n;
        masks.backslashes |= u64::from(equal(v, b'\\')) << shift;
        masks.quotes |= u64::from(equal(v, b'"')) << shift;
        masks.controls |= u64::from(control(v)) << shift;
    }
    masks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_finds_the_first_marked_byte_in_groups_and_tail() {
        for len in 0..50 {
            for at in 0..=len {
                let mut bytes = vec![b'a'; len];
                if let Some(b) = bytes.get_mut(at) {
                    *b = b'"';
                }
                let want = (at < len).then_some(at);
                assert_eq!(first(&bytes, specials, |b| b == b'"'), want, "{len} {at}");
            }
        }
    }

    /// Every byte value at every position agrees with a byte-by-byte test.
    #[test]
    fn masks_match_byte_tests() {
        for value in 0..=255u8 {
            for at in 0..64 {
                let mut bytes = [b'a'; 64];
                bytes[at] = value;
                let m = block(&bytes);
                let bit = |yes: bool| u64::from(yes) << at;
                assert_eq!(m.backslashes, bit(value == b'\\'), "{value} at {at}");
                assert_eq!(m.quotes, bit(value == b'"'), "{value} at {at}");
                assert_eq!(m.controls, bit(value < 0x20), "{value} at {at}");
                let chunk = bytes[at / LANES * LANES..].first_chunk().unwrap();
                let special = value == b'"' || value == b'\\' || value < 0x20;
                let lane = 1u32 << (at % LANES);
                assert_eq!(specials(chunk), if special { lane } else { 0 });
                let key = special || value > 0x7f;
                assert_eq!(key_specials(chunk), if key { lane } else { 0 });
                let blank = matches!(value, b' ' | b'\n' | b'\r' | b'\t');
                let others = 0xffff & !(1u32 << (at % LANES));
                assert_eq!(not_whitespace(chunk), if blank { others } else { 0xffff });
                let ends = value.is_ascii_whitespace() || b"'\"`<>".contains(&value);
                assert_eq!(url_ends(chunk), if ends { lane } else { 0 });
            }
        }
    }
}
