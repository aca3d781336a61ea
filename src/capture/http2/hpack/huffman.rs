//! The HPACK Huffman code (RFC 7541 §5.2, Appendix B): string literals with the H bit set.
//!
//! The code is canonical (codes of one length are consecutive, and each length continues
//! where the shorter one ended; a test checks it), so a symbol is found from the next 32 bits
//! alone: codes of up to 8 bits (nearly every character of a header) by one lookup in a
//! 256-entry table, longer ones by comparing the window with each length's left-aligned limit.
//! Both tables are built at compile time from the code table. Padding follows §5.2: at most 7
//! bits, all ones (a prefix of EOS); EOS itself inside a string is an error.

/// Why a Huffman string could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HuffmanError {
    /// The string ends in more than 7 bits of padding, or padding that is not all ones.
    Padding,
    /// The string contains the EOS symbol.
    Eos,
}

/// (code, bit length) of symbols 0-255 and EOS (256), RFC 7541 Appendix B.
const CODES: [(u32, u8); 257] = [
    (0x1ff8, 13),
    (0x7fffd8, 23),
    (0xfffffe2, 28),
    (0xfffffe3, 28),
    (0xfffffe4, 28),
    (0xfffffe5, 28),
    (0xfffffe6, 28),
    (0xfffffe7, 28),
    (0xfffffe8, 28),
    (0xffffea, 24),
    (0x3ffffffc, 30),
    (0xfffffe9, 28),
    (0xfffffea, 28),
    (0x3ffffffd, 30),
    (0xfffffeb, 28),
    (0xfffffec, 28),
    (0xfffffed, 28),
    (0xfffffee, 28),
    (0xfffffef, 28),
    (0xffffff0, 28),
    (0xffffff1, 28),
    (0xffffff2, 28),
    (0x3ffffffe, 30),
    (0xffffff3, 28),
    (0xffffff4, 28),
    (0xffffff5, 28),
    (0xffffff6, 28),
    (0xffffff7, 28),
    (0xffffff8, 28),
    (0xffffff9, 28),
    (0xffffffa, 28),
    (0xffffffb, 28),
    (0x14, 6),
    (0x3f8, 10),
    (0x3f9, 10),
    (0xffa, 12),
    (0x1ff9, 13),
    (0x15, 6),
    (0xf8, 8),
    (0x7fa, 11),
    (0x3fa, 10),
    (0x3fb, 10),
    (0xf9, 8),
    (0x7fb, 11),
    (0xfa, 8),
    (0x16, 6),
    (0x17, 6),
    (0x18, 6),
    (0x0, 5),
    (0x1, 5),
    (0x2, 5),
    (0x19, 6),
    (0x1a, 6),
    (0x1b, 6),
    (0x1c, 6),
    (0x1d, 6),
    (0x1e, 6),
    (0x1f, 6),
    (0x5c, 7),
    (0xfb, 8),
    (0x7ffc, 15),
    (0x20, 6),
    (0xffb, 12),
    (0x3fc, 10),
    (0x1ffa, 13),
    (0x21, 6),
    (0x5d, 7),
    (0x5e, 7),
    (0x5f, 7),
    (0x60, 7),
    (0x61, 7),
    (0x62, 7),
    (0x63, 7),
    (0x64, 7),
    (0x65, 7),
    (0x66, 7),
    (0x67, 7),
    (0x68, 7),
    (0x69, 7),
    (0x6a, 7),
    (0x6b, 7),
    (0x6c, 7),
    (0x6d, 7),
    (0x6e, 7),
    (0x6f, 7),
    (0x70, 7),
    (0x71, 7),
    (0x72, 7),
    (0xfc, 8),
    (0x73, 7),
    (0xfd, 8),
    (0x1ffb, 13),
    (0x7fff0, 19),
    (0x1ffc, 13),
    (0x3ffc, 14),
    (0x22, 6),
    (0x7ffd, 15),
    (0x3, 5),
    (0x23, 6),
    (0x4, 5),
    (0x24, 6),
    (0x5, 5),
    (0x25, 6),
    (0x26, 6),
    (0x27, 6),
    (0x6, 5),
    (0x74, 7),
    (0x75, 7),
    (0x28, 6),
    (0x29, 6),
    (0x2a, 6),
    (0x7, 5),
    (0x2b, 6),
    (0x76, 7),
    (0x2c, 6),
    (0x8, 5),
    (0x9, 5),
    (0x2d, 6),
    (0x77, 7),
    (0x78, 7),
    (0x79, 7),
    (0x7a, 7),
    (0x7b, 7),
    (0x7ffe, 15),
    (0x7fc, 11),
    (0x3ffd, 14),
    (0x1ffd, 13),
    (0xffffffc, 28),
    (0xfffe6, 20),
    (0x3fffd2, 22),
    (0xfffe7, 20),
    (0xfffe8, 20),
    (0x3fffd3, 22),
    (0x3fffd4, 22),
    (0x3fffd5, 22),
    (0x7fffd9, 23),
    (0x3fffd6, 22),
    (0x7fffda, 23),
    (0x7fffdb, 23),
    (0x7fffdc, 23),
    (0x7fffdd, 23),
    (0x7fffde, 23),
    (0xffffeb, 24),
    (0x7fffdf, 23),
    (0xffffec, 24),
    (0xffffed, 24),
    (0x3fffd7, 22),
    (0x7fffe0, 23),
    (0xffffee, 24),
    (0x7fffe1, 23),
    (0x7fffe2, 23),
    (0x7fffe3, 23),
    (0x7fffe4, 23),
    (0x1fffdc, 21),
    (0x3fffd8, 22),
    (0x7fffe5, 23),
    (0x3fffd9, 22),
    (0x7fffe6, 23),
    (0x7fffe7, 23),
    (0xffffef, 24),
    (0x3fffda, 22),
    (0x1fffdd, 21),
    (0xfffe9, 20),
    (0x3fffdb, 22),
    (0x3fffdc, 22),
    (0x7fffe8, 23),
    (0x7fffe9, 23),
    (0x1fffde, 21),
    (0x7fffea, 23),
    (0x3fffdd, 22),
    (0x3fffde, 22),
    (0xfffff0, 24),
    (0x1fffdf, 21),
    (0x3fffdf, 22),
    (0x7fffeb, 23),
    (0x7fffec, 23),
    (0x1fffe0, 21),
    (0x1fffe1, 21),
    (0x3fffe0, 22),
    (0x1fffe2, 21),
    (0x7fffed, 23),
    (0x3fffe1, 22),
    (0x7fffee, 23),
    (0x7fffef, 23),
    (0xfffea, 20),
    (0x3fffe2, 22),
    (0x3fffe3, 22),
    (0x3fffe4, 22),
    (0x7ffff0, 23),
    (0x3fffe5, 22),
    (0x3fffe6, 22),
    (0x7ffff1, 23),
    (0x3ffffe0, 26),
    (0x3ffffe1, 26),
    (0xfffeb, 20),
    (0x7fff1, 19),
    (0x3fffe7, 22),
    (0x7ffff2, 23),
    (0x3fffe8, 22),
    (0x1ffffec, 25),
    (0x3ffffe2, 26),
    (0x3ffffe3, 26),
    (0x3ffffe4, 26),
    (0x7ffffde, 27),
    (0x7ffffdf, 27),
    (0x3ffffe5, 26),
    (0xfffff1, 24),
    (0x1ffffed, 25),
    (0x7fff2, 19),
    (0x1fffe3, 21),
    (0x3ffffe6, 26),
    (0x7ffffe0, 27),
    (0x7ffffe1, 27),
    (0x3ffffe7, 26),
    (0x7ffffe2, 27),
    (0xfffff2, 24),
    (0x1fffe4, 21),
    (0x1fffe5, 21),
    (0x3ffffe8, 26),
    (0x3ffffe9, 26),
    (0xffffffd, 28),
    (0x7ffffe3, 27),
    (0x7ffffe4, 27),
    (0x7ffffe5, 27),
    (0xfffec, 20),
    (0xfffff3, 24),
    (0xfffed, 20),
    (0x1fffe6, 21),
    (0x3fffe9, 22),
    (0x1fffe7, 21),
    (0x1fffe8, 21),
    (0x7ffff3, 23),
    (0x3fffea, 22),
    (0x3fffeb, 22),
    (0x1ffffee, 25),
    (0x1ffffef, 25),
    (0xfffff4, 24),
    (0xfffff5, 24),
    (0x3ffffea, 26),
    (0x7ffff4, 23),
    (0x3ffffeb, 26),
    (0x7ffffe6, 27),
    (0x3ffffec, 26),
    (0x3ffffed, 26),
    (0x7ffffe7, 27),
    (0x7ffffe8, 27),
    (0x7ffffe9, 27),
    (0x7ffffea, 27),
    (0x7ffffeb, 27),
    (0xffffffe, 28),
    (0x7ffffec, 27),
    (0x7ffffed, 27),
    (0x7ffffee, 27),
    (0x7ffffef, 27),
    (0x7fffff0, 27),
    (0x3ffffee, 26),
    (0x3fffffff, 30),
];

const MAX_LEN: usize = 30;

/// Lookup tables built from [`CODES`].
struct Tables {
    /// For each 8-bit window: the symbol and length of a code of at most 8 bits starting there,
    /// or length 0.
    fast: [(u16, u8); 256],
    /// Per length: the first code after the last code of that length, left-aligned in 32 bits.
    limit: [u64; MAX_LEN + 1],
    /// Per length: its first code.
    first: [u32; MAX_LEN + 1],
    /// Per length: where its symbols start in `sorted`.
    start: [u16; MAX_LEN + 1],
    /// Symbols ordered by (length, symbol): the canonical order.
    sorted: [u16; 257],
}

const fn build() -> Tables {
    let mut t = Tables {
        fast: [(0, 0); 256],
        limit: [0; MAX_LEN + 1],
        first: [0; MAX_LEN + 1],
        start: [0; MAX_LEN + 1],
        sorted: [0; 257],
    };
    let mut n = 0usize;
    let mut len = 1usize;
    while len <= MAX_LEN {
        t.start[len] = n as u16;
        let mut first = u32::MAX;
        let mut count = 0u64;
        let mut sym = 0usize;
        while sym < 257 {
            let (code, l) = CODES[sym];
            if l as usize == len {
                if code < first {
                    first = code;
                }
                t.sorted[n] = sym as u16;
                n += 1;
                count += 1;
                if len <= 8 {
                    let shift = 8 - len;
                    let base = (code as usize) << shift;
                    let mut k = 0usize;
                    while k < (1usize << shift) {
                        t.fast[base + k] = (sym as u16, len as u8);
                        k += 1;
                    }
                }
            }
            sym += 1;
        }
        if count == 0 {
            first = 0;
        }
        t.first[len] = first;
        t.limit[len] = ((first as u64) + count) << (32 - len);
        len += 1;
    }
    t
}

static TABLES: Tables = build();

/// The symbol whose code starts the left-aligned 32-bit window `w`, and its length.
#[inline]
fn symbol(w: u32) -> (u16, u32) {
    let t = &TABLES;
    let (sym, len) = t.fast[(w >> 24) as usize];
    if len != 0 {
        return (sym, u32::from(len));
    }
    let mut len = 9;
    while len < MAX_LEN && u64::from(w) >= t.limit[len] {
        len += 1;
    }
    let code = w >> (32 - len);
    let at = usize::from(t.start[len]) + code.wrapping_sub(t.first[len]) as usize;
    (t.sorted.get(at).copied().unwrap_or(256), len as u32)
}

/// Appends the decoding of `src` to `out`.
pub fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<(), HuffmanError> {
    out.reserve(src.len() + src.len() / 2);
    let mut acc = 0u64;
    let mut bits = 0u32;
    let mut bytes = src.iter();
    loop {
        while bits <= 56 {
            match bytes.next() {
                Some(&b) => {
                    acc = (acc << 8) | u64::from(b);
                    bits += 8;
                }
                None => break,
            }
        }
        if bits == 0 {
            return Ok(());
        }
        let w = if bits >= 32 {
            (acc >> (bits - 32)) as u32
        } else {
            (acc << (32 - bits)) as u32
        };
        let (sym, len) = symbol(w);
        if len > bits {
            // What is left is shorter than any code that starts with it: padding.
            let ones = (1u64 << bits) - 1;
            return if bits < 8 && acc & ones == ones {
                Ok(())
            } else {
                Err(HuffmanError::Padding)
            };
        }
        let Ok(byte) = u8::try_from(sym) else {
            return Err(HuffmanError::Eos);
        };
        out.push(byte);
        bits -= len;
        acc &= (1u64 << bits) - 1;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// The encoder's side, for round trips.
    pub fn encode(src: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u64, 0u32);
        for &b in src {
            let (code, len) = CODES[usize::from(b)];
            acc = (acc << len) | u64::from(code);
            bits += u32::from(len);
            while bits >= 8 {
                out.push((acc >> (bits - 8)) as u8);
                bits -= 8;
            }
            acc &= (1u64 << bits) - 1;
        }
        if bits > 0 {
            out.push(((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) as u8);
        }
        out
    }

    #[test]
    fn the_code_is_canonical() {
        let mut order: Vec<usize> = (0..257).collect();
        order.sort_by_key(|&s| (CODES[s].1, s));
        let mut code = 0u32;
        for (k, &s) in order.iter().enumerate() {
            if k > 0 {
                code = (code + 1) << (CODES[s].1 - CODES[order[k - 1]].1);
            }
            assert_eq!(CODES[s].0, code, "symbol {s}");
        }
    }

    #[test]
    fn rfc_7541_examples() {
        // Appendix C.4.1 and C.6.1.
        let cases: &[(&[u8], &str)] = &[
            (
                &[
                    0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
                ],
                "www.example.com",
            ),
            (&[0x64, 0x02], "302"),
            (&[0xae, 0xc3, 0x77, 0x1a, 0x4b], "private"),
        ];
        for (code, text) in cases {
            let mut out = Vec::new();
            decode(code, &mut out).unwrap();
            assert_eq!(out, text.as_bytes());
            assert_eq!(encode(text.as_bytes()), *code);
        }
    }

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for n in 0..all.len() {
            let mut out = Vec::new();
            decode(&encode(&all[..n]), &mut out).unwrap();
            assert_eq!(out, &all[..n]);
        }
    }

    #[test]
    fn bad_padding_and_eos_are_errors() {
        let mut out = Vec::new();
        // "0" is 00000: padded with zeros instead of ones
        assert_eq!(decode(&[0x00], &mut out), Err(HuffmanError::Padding));
        // eight bits of padding
        assert_eq!(decode(&[0x07, 0xff], &mut out), Err(HuffmanError::Padding));
        // EOS: thirty ones
        assert_eq!(decode(&[0xff; 4], &mut out), Err(HuffmanError::Eos));
        assert_eq!(decode(&[], &mut out), Ok(()));
        assert_eq!(decode(&[0xff], &mut out), Err(HuffmanError::Padding));
        assert_eq!(decode(&[0xfe], &mut out), Err(HuffmanError::Padding));
    }
}
