//! HPACK header block decoding (RFC 7541), one decoder per direction of a connection.
//!
//! Why our own decoder: the Rust HPACK crates were compared on correctness, upkeep and speed,
//! and none fits a reader of untrusted captures at corscope's speed:
//! - `loona-hpack` 0.4 (the maintained fork of `hpack`, as `fluke-hpack` was) is correct but
//!   builds a `HashMap` of the whole Huffman code for every Huffman string and then decodes bit
//!   by bit through it: a browser-like request header block (351 bytes, 16 fields, Huffman
//!   strings, encoded by python-hyper's `hpack`) took 0.46-1.1 ms per block here, under 1 MB/s,
//!   against 5-6 µs with this decoder in the same runs (its own tracker lists the problem,
//!   bearcove/loona#229). It stays as the reference the fuzz target compares with;
//! - `hpack` 0.3 (2016) does the same and panics on a truncated size update
//!   (`decode_integer(..).ok().unwrap()`);
//! - `httlib-hpack` 0.1 (2021) panics on a truncated integer or an empty string literal (it
//!   indexes past the end of its input), and copies its input once per field;
//! - `hpack_codec` 0.1 (2018) takes any first byte with the 0x20 bit set for a size update
//!   (indexed fields 0xa0-0xbf included) and holds table sizes in `u16` (browsers advertise
//!   65536);
//! - the `h2` crate's decoder is private to it.
//!
//! So this module implements the decoder, which is small and fully specified: integers (§5.1),
//! string literals (§5.2, [`huffman`]), the four field representations (§6.1, §6.2) and size
//! updates (§6.3) over the [`table`]. It never panics on any input (a fuzz target checks it
//! against `loona-hpack`'s results) and does not allocate for a field that is not inserted into
//! the table.
//!
//! Memory: the dynamic table, at most the maximum size the decoding side allows (its
//! `SETTINGS_HEADER_TABLE_SIZE`, capped by the caller), plus two scratch buffers for Huffman
//! strings.

pub mod huffman;
pub mod table;

use std::fmt;

use table::DynamicTable;

/// Why a header block could not be decoded. After any of these the dynamic table may differ
/// from the encoder's, so the direction's later blocks cannot be trusted either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HpackError {
    /// The block ends inside a field.
    Truncated,
    /// An integer longer than 4 continuation bytes (over 2^28).
    IntegerTooLarge,
    /// An index beyond the static and dynamic tables.
    IndexOutOfRange {
        /// The index.
        index: usize,
        /// The last valid index at that point.
        last: usize,
    },
    /// A Huffman string with bad padding or EOS.
    Huffman(huffman::HuffmanError),
    /// A size update above the size the decoding side allows.
    TableSizeOverLimit {
        /// The size asked for.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A size update after a field (§4.2: only at the start of a block).
    SizeUpdateAfterField,
}

impl fmt::Display for HpackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HpackError::Truncated => write!(f, "the header block ends inside a field"),
            HpackError::IntegerTooLarge => write!(f, "an integer is too large"),
            HpackError::IndexOutOfRange { index, last } => {
                write!(f, "index {index} is out of range (last entry {last})")
            }
            HpackError::Huffman(huffman::HuffmanError::Padding) => {
                write!(f, "a Huffman string has invalid padding")
            }
            HpackError::Huffman(huffman::HuffmanError::Eos) => {
                write!(f, "a Huffman string contains EOS")
            }
            HpackError::TableSizeOverLimit { size, limit } => write!(
                f,
                "a dynamic table size update to {size} exceeds the allowed {limit}"
            ),
            HpackError::SizeUpdateAfterField => {
                write!(f, "a dynamic table size update follows a header field")
            }
        }
    }
}

/// Reads one integer with an `n`-bit prefix at `buf[*pos]` (§5.1).
fn integer(buf: &[u8], pos: &mut usize, n: u32) -> Result<usize, HpackError> {
    let mask = (1usize << n) - 1;
    let first = usize::from(*buf.get(*pos).ok_or(HpackError::Truncated)?);
    *pos += 1;
    let mut value = first & mask;
    if value < mask {
        return Ok(value);
    }
    for shift in [0u32, 7, 14, 21] {
        let b = *buf.get(*pos).ok_or(HpackError::Truncated)?;
        *pos += 1;
        value += usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(HpackError::IntegerTooLarge)
}

/// Which scratch buffer a Huffman string decodes into.
#[derive(Clone, Copy)]
enum Slot {
    Name = 0,
    Value = 1,
}

/// The decoder of one direction: its dynamic table and the largest size it may take.
pub struct Decoder {
    table: DynamicTable,
    limit: usize,
    scratch: [Vec<u8>; 2],
}

/// Where a decoded string lives: in the block, or in a scratch buffer.
#[derive(Clone, Copy)]
enum Str {
    Block(usize, usize),
    Scratch(Slot),
}

impl Decoder {
    /// A decoder whose table starts at the protocol default of 4096 bytes and may grow to
    /// `limit` by size updates.
    pub fn new(limit: usize) -> Self {
        Self {
            table: DynamicTable::new(4096.min(limit)),
            limit,
            scratch: [Vec::new(), Vec::new()],
        }
    }

    /// Changes the largest size a size update may ask for (the decoding side's
    /// `SETTINGS_HEADER_TABLE_SIZE`, capped by the caller).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    /// The dynamic table.
    pub fn table(&self) -> &DynamicTable {
        &self.table
    }

    fn string(&mut self, buf: &[u8], pos: &mut usize, slot: Slot) -> Result<Str, HpackError> {
        let huffman = buf.get(*pos).is_some_and(|b| b & 0x80 != 0);
        let len = integer(buf, pos, 7)?;
        let start = *pos;
        let end = start.checked_add(len).ok_or(HpackError::Truncated)?;
        let raw = buf.get(start..end).ok_or(HpackError::Truncated)?;
        *pos = end;
        if !huffman {
            return Ok(Str::Block(start, end));
        }
        let out = &mut self.scratch[slot as usize];
        out.clear();
        huffman::decode(raw, out).map_err(HpackError::Huffman)?;
        Ok(Str::Scratch(slot))
    }

    fn bytes<'a>(&'a self, buf: &'a [u8], s: Str) -> &'a [u8] {
        match s {
            Str::Block(a, b) => buf.get(a..b).unwrap_or_default(),
            Str::Scratch(slot) => &self.scratch[slot as usize],
        }
    }

    fn entry(&self, index: usize) -> Result<(&[u8], &[u8]), HpackError> {
        self.table.get(index).ok_or(HpackError::IndexOutOfRange {
            index,
            last: table::STATIC_LEN + self.table.len(),
        })
    }

    /// Decodes one complete header block, calling `field` with each name and value in order.
    /// On an error the fields before it have been reported and the table may be out of step.
    pub fn decode(
        &mut self,
        block: &[u8],
        field: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<(), HpackError> {
        let mut pos = 0;
        let mut any_field = false;
        while let Some(&first) = block.get(pos) {
            if first & 0x80 != 0 {
                // §6.1 indexed field
                let index = integer(block, &mut pos, 7)?;
                let (name, value) = self.entry(index)?;
                field(name, value);
                any_field = true;
                continue;
            }
            if first & 0xe0 == 0x20 {
                // §6.3 dynamic table size update
                if any_field {
                    return Err(HpackError::SizeUpdateAfterField);
                }
                let size = integer(block, &mut pos, 5)?;
                if size > self.limit {
                    return Err(HpackError::TableSizeOverLimit {
                        size,
                        limit: self.limit,
                    });
                }
                self.table.set_max(size);
                continue;
            }
            // §6.2 literals: with incremental indexing (01), without (0000), never (0001)
            let indexing = first & 0x40 != 0;
            let index = integer(block, &mut pos, if indexing { 6 } else { 4 })?;
            let name = if index == 0 {
                Some(self.string(block, &mut pos, Slot::Name)?)
            } else {
                self.entry(index)?;
                None
            };
            let value = self.string(block, &mut pos, Slot::Value)?;
            let value = self.bytes(block, value);
            let name = match name {
                Some(s) => self.bytes(block, s),
                None => self.entry(index)?.0,
            };
            field(name, value);
            any_field = true;
            if indexing {
                let mut joined = Vec::with_capacity(name.len() + value.len());
                joined.extend_from_slice(name);
                joined.extend_from_slice(value);
                let name_len = name.len();
                self.table.insert(joined, name_len);
            }
        }
        Ok(())
    }
}
