//! A serde deserializer over one entry's bytes, tried before serde_json's.
//!
//! # Why
//! serde_json reads a HAR entry byte by byte where a HAR invites shortcuts: it steps through
//! indentation (DevTools indents every line) one byte at a time, skips bodies of megabytes
//! eight bytes per step and an escape at a time (text bodies have one every few bytes), finds
//! each key's end with a `memchr2` call that costs more than the key is long, and checks each
//! string's UTF-8 in a call of its own. This reads the same text with indentation, keys and short
//! strings searched sixteen bytes at a time (`byte_masks.rs`), long plain strings by
//! `memchr2`, text bodies 64 bytes at a time through bit masks (`escaped.rs`) and UTF-8 checked
//! a region at a time (`utf8.rs`). No crate offered a serde deserializer that borrows from a
//! slice and skips strings this way, and the entry structs (`entry.rs`, `lenient.rs`) must keep
//! working with serde_json unchanged, which stays the reader of last resort.
//!
//! # Contract
//! For any input, [`from_prefix`] either makes exactly the visitor calls serde_json's slice
//! deserializer would make (same methods, same values, strings borrowed when serde_json
//! borrows them) and ends where it ends, or it returns a [`Decline`] and the caller reads the
//! entry with serde_json as before. It declines wherever serde_json fails, and also where
//! matching it would take more code than the case is worth: keys with escapes or non-ASCII
//! bytes, numbers serde_json reads on its long paths (see `number.rs`), nesting deeper than
//! 64, and every `deserialize_*` method the entry structs never call. So the entry structs'
//! results, and every error message (always serde_json's), are unchanged.
//!
//! # Memory
//! Borrows the input; one scratch buffer for strings with escapes.

mod access;
#[cfg(test)]
mod equivalence;
mod escaped;
mod number;
mod skip;
mod string;
mod utf8;

use std::fmt;

use crate::byte_masks;

use serde::de::{Deserialize, Visitor};

use access::{Map, Seq};
use number::Number;
use string::Str;
use utf8::Validated;

/// Why [`from_prefix`] gave the input back to serde_json.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Decline {
    /// The input ended inside the value: serde_json would fail the same way.
    OutOfInput,
    /// Anything else: invalid JSON, a case left to serde_json, or a visitor's error.
    Unsure,
}

impl fmt::Display for Decline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decline::OutOfInput => "input ends inside the value",
            Decline::Unsure => "left to serde_json",
        })
    }
}

impl std::error::Error for Decline {}

impl serde::de::Error for Decline {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Decline::Unsure
    }
}

/// Deepest nesting of objects and arrays handed to visitors (serde_json allows 128).
const MAX_DEPTH: u32 = 64;

/// Reads the object or array at the start of `bytes` (after whitespace) as serde_json's
/// `StreamDeserializer` reads its first value; returns it and the index after it.
pub(super) fn from_prefix<'de, T: Deserialize<'de>>(
    bytes: &'de [u8],
) -> Result<(T, usize), Decline> {
    let mut de = Deserializer {
        bytes,
        pos: 0,
        depth: 0,
        scratch: Vec::new(),
        validated: Validated::new(),
    };
    let value = T::deserialize(&mut de)?;
    Ok((value, de.pos))
}

/// Reads all of `bytes` as one value, as `serde_json::from_slice` does.
pub(super) fn from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, Decline> {
    let (value, end) = from_prefix(bytes)?;
    if whitespace(bytes, end) != bytes.len() {
        return Err(Decline::Unsure);
    }
    Ok(value)
}

/// The index of the first byte at or after `at` that is not JSON whitespace. After a
/// whitespace byte (indentation follows most line ends), the rest is searched sixteen bytes
/// at a time.
#[inline]
fn whitespace(bytes: &[u8], mut at: usize) -> usize {
    match bytes.get(at) {
        Some(b' ' | b'\n' | b'\r' | b'\t') => at += 1,
        _ => return at,
    }
    while let Some(chunk) = bytes.get(at..).and_then(|rest| rest.first_chunk()) {
        let others = byte_masks::not_whitespace(chunk);
        if others != 0 {
            return at + others.trailing_zeros() as usize;
        }
        at += byte_masks::LANES;
    }
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(at) {
        at += 1;
    }
    at
}

/// The reader: input, position, nesting depth, the buffer for decoded strings and the last
/// region checked to be UTF-8.
pub(super) struct Deserializer<'de> {
    bytes: &'de [u8],
    pos: usize,
    depth: u32,
    scratch: Vec<u8>,
    validated: Validated<'de>,
}

impl<'de> Deserializer<'de> {
    /// The next byte that is not whitespace, left unconsumed.
    #[inline]
    fn peek(&mut self) -> Result<u8, Decline> {
        self.pos = whitespace(self.bytes, self.pos);
        self.bytes.get(self.pos).copied().ok_or(Decline::OutOfInput)
    }

    /// Enters an object or array whose first byte is at `pos`.
    fn enter(&mut self) -> Result<(), Decline> {
        if self.depth == MAX_DEPTH {
            return Err(Decline::Unsure);
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// Leaves an object or array: its closing byte must come next.
    fn leave(&mut self, close: u8) -> Result<(), Decline> {
        if self.peek()? != close {
            return Err(Decline::Unsure);
        }
        self.depth -= 1;
        self.pos += 1;
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Decline> {
        self.pos = skip::literal(self.bytes, self.pos, word)?;
        Ok(())
    }
}

macro_rules! declined {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $(_: $ty,)* _: V) -> Result<V::Value, Decline> {
                Err(Decline::Unsure)
            }
        )*
    };
}
use declined;

impl<'de> serde::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Decline;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Decline> {
        match self.peek()? {
            b'"' => match string::read(self.bytes, self.pos + 1, &mut self.scratch)? {
                (Str::Plain(range), end) => {
                    self.pos = end;
                    visitor.visit_borrowed_str(self.validated.get(self.bytes, range)?)
                }
                (Str::Copied, end) => {
                    self.pos = end;
                    let s = std::str::from_utf8(&self.scratch).map_err(|_| Decline::Unsure)?;
                    visitor.visit_str(s)
                }
            },
            b'{' => {
                self.enter()?;
                let value = visitor.visit_map(Map::new(self))?;
                self.leave(b'}')?;
                Ok(value)
            }
            b'[' => {
                self.enter()?;
                let value = visitor.visit_seq(Seq::new(self))?;
                self.leave(b']')?;
                Ok(value)
            }
            b'-' | b'0'..=b'9' => {
                let (n, end) = number::read(self.bytes, self.pos)?;
                self.pos = end;
                match n {
                    Number::U64(v) => visitor.visit_u64(v),
                    Number::I64(v) => visitor.visit_i64(v),
                    Number::F64(v) => visitor.visit_f64(v),
                }
            }
            b'n' => {
                self.literal(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.literal(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                visitor.visit_bool(false)
            }
            _ => Err(Decline::Unsure),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Decline> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return visitor.visit_none();
        }
        visitor.visit_some(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Decline> {
        self.pos = skip::value(self.bytes, self.pos)?;
        visitor.visit_unit()
    }

    declined! {
        deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_u8(); deserialize_u16(); deserialize_u32();
        deserialize_u64(); deserialize_f32(); deserialize_f64(); deserialize_char();
        deserialize_str(); deserialize_string(); deserialize_bytes(); deserialize_byte_buf();
        deserialize_unit(); deserialize_unit_struct(n: &'static str);
        deserialize_newtype_struct(n: &'static str); deserialize_seq();
        deserialize_tuple(l: usize); deserialize_tuple_struct(n: &'static str, l: usize);
        deserialize_map(); deserialize_struct(n: &'static str, f: &'static [&'static str]);
        deserialize_enum(n: &'static str, v: &'static [&'static str]); deserialize_identifier();
    }
}
