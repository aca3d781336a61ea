//! Header names compared ignoring ASCII case (RFC 9110 §5.1), eight bytes at a time.
//!
//! Why not `<[u8]>::eq_ignore_ascii_case`: every lookup of a header walks the list comparing
//! names, and the CORS names share long prefixes and lengths (`access-control-allow-headers`
//! and `access-control-allow-methods`), which the standard library compares byte by byte,
//! lower-casing both sides. Here two words of eight bytes are equal ignoring case when they
//! differ only in bit 0x20 of bytes that are letters; the test compares it with the standard
//! library on generated names.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = ONES * 0x80;

/// Whether two words hold the same bytes, ASCII case aside.
fn words_match(a: u64, b: u64) -> bool {
    let differ = a ^ b;
    if differ == 0 {
        return true;
    }
    if differ & !(ONES * 0x20) != 0 {
        return false;
    }
    // The bytes of `a` lower-cased where a letter; a letter is then 0x61..=0x7a: at least
    // 0x61 (adding 0x1f sets bit 7) and below 0x7b (adding 0x05 leaves it clear). Bit 7 is
    // cleared first so that no addition carries into the next byte, and bytes at or above
    // 0x80 are no letters.
    let lower = a | (ONES * 0x20);
    let low7 = lower & !HIGHS;
    let letters = low7.wrapping_add(ONES * 0x1f) & !low7.wrapping_add(ONES * 0x05) & !lower & HIGHS;
    let case_only = (differ & (ONES * 0x20)) << 2;
    case_only & !letters == 0
}

/// A word standing for a name of fewer than eight bytes, built from at most two loads rather
/// than byte by byte: four to seven bytes as their first four and their last four (which
/// overlap), one to three bytes as the first, middle and last byte. Two names of the same
/// length give words that match exactly when the names do, since each byte of either name
/// lands in the same places of its word.
fn short_word(bytes: &[u8]) -> u64 {
    let half = |w: Option<&[u8; 4]>| u64::from(w.map_or(0, |w| u32::from_le_bytes(*w)));
    if bytes.len() >= 4 {
        return half(bytes.first_chunk::<4>()) | half(bytes.last_chunk::<4>()) << 32;
    }
    let at = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0));
    match bytes.len() {
        0 => 0,
        n => at(0) | at(n / 2) << 8 | at(n - 1) << 16,
    }
}

/// Whether `a` and `b` are equal ignoring ASCII case, as `<[u8]>::eq_ignore_ascii_case`.
/// Names of eight bytes or more are compared a word at a time, the last word ending at the
/// last byte (overlapping the one before: bytes equal once are equal again).
pub fn eq_ignore_case(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (Some(a_last), Some(b_last)) = (a.last_chunk::<8>(), b.last_chunk::<8>()) else {
        return words_match(short_word(a), short_word(b));
    };
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    a8.zip(b8)
        .chain(std::iter::once((&a_last[..], &b_last[..])))
        .all(|(x, y)| {
            let word = |bytes: &[u8]| {
                bytes
                    .first_chunk::<8>()
                    .map_or(0, |w| u64::from_le_bytes(*w))
            };
            words_match(word(x), word(y))
        })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn every_pair_of_bytes_compares_as_the_standard_library() {
        for x in 0..=255u8 {
            for y in 0..=255u8 {
                for pad in [0, 3, 7, 8, 13] {
                    let mut a = vec![b'k'; pad];
                    let mut b = a.clone();
                    a.push(x);
                    b.push(y);
                    a.extend_from_slice(b"-Origin");
                    b.extend_from_slice(b"-oRIGIN");
                    assert_eq!(
                        eq_ignore_case(&a, &b),
                        a.eq_ignore_ascii_case(&b),
                        "{x} {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn short_names_compare_as_the_standard_library_at_every_byte() {
        for len in 1..8 {
            for at in 0..len {
                for x in 0..=255u8 {
                    for y in 0..=255u8 {
                        let mut a = b"VaRy-Ok"[..len].to_vec();
                        let mut b = b"vArY-oK"[..len].to_vec();
                        a[at] = x;
                        b[at] = y;
                        assert_eq!(
                            eq_ignore_case(&a, &b),
                            a.eq_ignore_ascii_case(&b),
                            "{len} {at} {x} {y}"
                        );
                    }
                }
            }
        }
    }

    fn flip_case(s: &[u8], flips: &[bool]) -> Vec<u8> {
        s.iter()
            .zip(flips.iter().cycle())
            .map(|(&c, &f)| if f { c ^ 0x20 } else { c })
            .collect()
    }

    proptest! {
        #[test]
        fn generated_names_compare_as_the_standard_library(
            a in prop::collection::vec(any::<u8>(), 0..40),
            flips in prop::collection::vec(any::<bool>(), 1..8),
            name in "[A-Za-z0-9-]{0,40}",
        ) {
            let b = flip_case(&a, &flips);
            prop_assert_eq!(eq_ignore_case(&a, &b), a.eq_ignore_ascii_case(&b));
            let n = name.as_bytes();
            let m = flip_case(n, &flips);
            prop_assert_eq!(eq_ignore_case(n, &m), n.eq_ignore_ascii_case(&m));
            prop_assert_eq!(eq_ignore_case(n, &a), n.eq_ignore_ascii_case(&a));
        }
    }
}
