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

mod codes;
#[cfg(test)]
mod tests;

use codes::CODES;

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
