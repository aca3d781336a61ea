//! Builds HTTP/2 frames and HPACK header blocks by hand for tests: any frame type with any
//! flags, header blocks made of literals (with or without indexing), indexed fields and size
//! updates, without Huffman coding.

#![allow(dead_code)]

pub use corscope::capture::protocol::opening::PREFACE;

pub use corscope::capture::http2::frame::flag::{
    END_HEADERS, END_STREAM, PADDED, PRIORITY as PRIORITY_FLAG,
};
pub use corscope::capture::http2::frame::kind::{
    CONTINUATION, DATA, GOAWAY, HEADERS, PING, PRIORITY, PUSH_PROMISE, RST_STREAM, SETTINGS,
    WINDOW_UPDATE,
};

/// One frame.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = len.to_be_bytes()[1..].to_vec();
    f.push(kind);
    f.push(flags);
    f.extend(stream.to_be_bytes());
    f.extend(payload);
    f
}

/// SETTINGS with (id, value) pairs.
pub fn settings(pairs: &[(u16, u32)]) -> Vec<u8> {
    let mut p = Vec::new();
    for (id, v) in pairs {
        p.extend(id.to_be_bytes());
        p.extend(v.to_be_bytes());
    }
    frame(SETTINGS, 0, 0, &p)
}

/// HPACK integer with an `n`-bit prefix whose other bits are `high`.
pub fn integer(value: usize, n: u32, high: u8) -> Vec<u8> {
    let max = (1usize << n) - 1;
    if value < max {
        return vec![high | value as u8];
    }
    let mut out = vec![high | max as u8];
    let mut rest = value - max;
    while rest >= 128 {
        out.push((rest % 128) as u8 | 0x80);
        rest /= 128;
    }
    out.push(rest as u8);
    out
}

fn string(s: &[u8]) -> Vec<u8> {
    let mut out = integer(s.len(), 7, 0);
    out.extend(s);
    out
}

/// Pieces of a header block.
pub enum Field<'a> {
    /// Literal without indexing, new name.
    Plain(&'a str, &'a str),
    /// Literal with incremental indexing, new name.
    Indexing(&'a str, &'a str),
    /// Indexed field.
    Index(usize),
    /// Dynamic table size update.
    Size(usize),
}

/// A header block.
pub fn block(fields: &[Field]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in fields {
        match f {
            Field::Plain(n, v) => {
                out.push(0);
                out.extend(string(n.as_bytes()));
                out.extend(string(v.as_bytes()));
            }
            Field::Indexing(n, v) => {
                out.push(0x40);
                out.extend(string(n.as_bytes()));
                out.extend(string(v.as_bytes()));
            }
            Field::Index(i) => out.extend(integer(*i, 7, 0x80)),
            Field::Size(s) => out.extend(integer(*s, 5, 0x20)),
        }
    }
    out
}

/// A request header block: GET (or `method`) of `path` at `authority`, with an Origin.
pub fn request(method: &str, path: &str) -> Vec<u8> {
    block(&[
        Field::Plain(":method", method),
        Field::Plain(":scheme", "http"),
        Field::Plain(":authority", "api.test"),
        Field::Plain(":path", path),
        Field::Plain("origin", "http://app.test"),
    ])
}

/// A response header block with `status` and an allow-origin field.
pub fn response(status: u16) -> Vec<u8> {
    block(&[
        Field::Plain(":status", &status.to_string()),
        Field::Plain("access-control-allow-origin", "http://app.test"),
    ])
}
