//! JSON strings, as serde_json's slice reader accepts them: no control byte (below 0x20)
//! unescaped, escapes `\" \\ \/ \b \f \n \r \t \uXXXX` only. A string that is returned must
//! be UTF-8 once decoded and may not hold a lone surrogate escape; a skipped one is not
//! checked for either, as serde_json does not check them.
//!
//! Short strings (names, header values) are searched sixteen bytes at a time
//! (`byte_masks.rs`); long skipped ones (bodies) with `memchr2` for the next `"` or `\`, then
//! the bytes passed over are checked for control bytes in a loop the compiler vectorises.

use std::ops::Range;

use memchr::memchr2;

use super::{escaped, Decline};
use crate::byte_masks;

/// Bytes searched sixteen at a time before a skipped string is handed to `memchr2`.
const SHORT: usize = 32;

/// A string read from the input.
pub(super) enum Str {
    /// Without escapes: these bytes of the input, not yet checked to be UTF-8.
    Plain(Range<usize>),
    /// With escapes: decoded into the scratch buffer.
    Copied,
}

fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// Index in `bytes` of the first `"`, `\` or control byte.
#[inline]
fn find_special(bytes: &[u8]) -> Option<usize> {
    byte_masks::first(bytes, byte_masks::specials, is_special)
}

pub(super) fn has_control(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |seen, &b| seen | u8::from(b < 0x20)) != 0
}

/// The first special byte at or after `from`, as [`Decline::OutOfInput`] when there is none.
#[inline]
fn special_from(bytes: &[u8], from: usize) -> Result<usize, Decline> {
    let rest = bytes.get(from..).ok_or(Decline::OutOfInput)?;
    find_special(rest)
        .map(|k| from + k)
        .ok_or(Decline::OutOfInput)
}

/// Reads the escape after a backslash at `at - 1`; returns where it ends and, for `\u`, the
/// code unit.
pub(super) fn escape(bytes: &[u8], at: usize) -> Result<(usize, Option<u16>), Decline> {
    match bytes.get(at).ok_or(Decline::OutOfInput)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok((at + 1, None)),
        b'u' => {
            let digits = bytes.get(at + 1..at + 5).ok_or(Decline::OutOfInput)?;
            let mut unit = 0u16;
            for &d in digits {
                let v = (d as char).to_digit(16).ok_or(Decline::Unsure)?;
                unit = unit << 4 | v as u16;
            }
            Ok((at + 5, Some(unit)))
        }
        _ => Err(Decline::Unsure),
    }
}

/// Skips a string whose opening quote ends before `from`; returns the index after its
/// closing quote. The first [`SHORT`] bytes are searched sixteen at a time (most skipped
/// strings end there); a longer string without escapes is searched by `memchr2`, and from its
/// first escape on (text bodies have one every few bytes) by [`escaped::skip`].
pub(super) fn skip(bytes: &[u8], from: usize) -> Result<usize, Decline> {
    let rest = bytes.get(from..).unwrap_or_default();
    let head = rest.get(..SHORT).unwrap_or(rest);
    let j = match find_special(head) {
        Some(k) => from + k,
        None if head.len() < SHORT => return Err(Decline::OutOfInput),
        None => {
            let rest = rest.get(SHORT..).unwrap_or_default();
            let Some(k) = memchr2(b'"', b'\\', rest) else {
                return Err(if has_control(rest) {
                    Decline::Unsure
                } else {
                    Decline::OutOfInput
                });
            };
            if has_control(rest.get(..k).unwrap_or_default()) {
                return Err(Decline::Unsure);
            }
            from + SHORT + k
        }
    };
    match bytes.get(j) {
        Some(b'"') => Ok(j + 1),
        Some(b'\\') => escaped::skip(bytes, j),
        _ => Err(Decline::Unsure),
    }
}

/// Reads a string whose opening quote ends before `from` into a [`Str`] (decoded into
/// `scratch` when it has escapes); returns it and the index after its closing quote.
pub(super) fn read(
    bytes: &[u8],
    from: usize,
    scratch: &mut Vec<u8>,
) -> Result<(Str, usize), Decline> {
    let j = special_from(bytes, from)?;
    let plain = bytes.get(from..j).unwrap_or_default();
    match bytes.get(j) {
        Some(b'"') => return Ok((Str::Plain(from..j), j + 1)),
        Some(b'\\') => {}
        _ => return Err(Decline::Unsure),
    }
    scratch.clear();
    scratch.extend_from_slice(plain);
    let mut at = j + 1;
    loop {
        at = unescape(bytes, at, scratch)?;
        let j = special_from(bytes, at)?;
        scratch.extend_from_slice(bytes.get(at..j).unwrap_or_default());
        match bytes.get(j) {
            Some(b'"') => {
                std::str::from_utf8(scratch).map_err(|_| Decline::Unsure)?;
                return Ok((Str::Copied, j + 1));
            }
            Some(b'\\') => at = j + 1,
            _ => return Err(Decline::Unsure),
        }
    }
}

/// Decodes the escape after a backslash at `at - 1` into `out`; surrogates must come in pairs.
fn unescape(bytes: &[u8], at: usize, out: &mut Vec<u8>) -> Result<usize, Decline> {
    let (end, unit) = escape(bytes, at)?;
    let Some(unit) = unit else {
        let decoded = match bytes.get(at) {
            Some(b'b') => b'\x08',
            Some(b'f') => b'\x0c',
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(&b) => b,
            None => return Err(Decline::OutOfInput),
        };
        out.push(decoded);
        return Ok(end);
    };
    let (end, code) = match unit {
        0xD800..=0xDBFF => {
            if bytes.get(end) != Some(&b'\\') {
                return Err(Decline::Unsure);
            }
            match escape(bytes, end + 1)? {
                (after, Some(low @ 0xDC00..=0xDFFF)) => {
                    let high = u32::from(unit - 0xD800) << 10;
                    (after, 0x1_0000 + (high | u32::from(low - 0xDC00)))
                }
                _ => return Err(Decline::Unsure),
            }
        }
        0xDC00..=0xDFFF => return Err(Decline::Unsure),
        _ => (end, u32::from(unit)),
    };
    let c = char::from_u32(code).ok_or(Decline::Unsure)?;
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    Ok(end)
}

/// Reads an object key whose opening quote ends before `from`: plain ASCII only (keys with
/// escapes or other bytes are declined); returns it and the index after its closing quote.
/// Bytes above 0x7f count as special here, so one search finds the end and checks the key.
pub(super) fn key(bytes: &[u8], from: usize) -> Result<(&[u8], usize), Decline> {
    let rest = bytes.get(from..).unwrap_or_default();
    let end = byte_masks::first(rest, byte_masks::key_specials, |b| {
        is_special(b) || !b.is_ascii()
    })
    .ok_or(Decline::OutOfInput)?;
    if rest.get(end) != Some(&b'"') {
        return Err(Decline::Unsure);
    }
    Ok((rest.get(..end).unwrap_or_default(), from + end + 1))
}
