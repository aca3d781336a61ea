//! Line and head-section boundaries in a stream that arrives in pieces.

use memchr::memchr;

pub(super) enum LineTake<'a> {
    Complete(usize, &'a [u8]),
    Partial(usize),
    TooLong,
}

pub(super) fn take_line<'a>(buf: &'a mut Vec<u8>, rest: &'a [u8], cap: usize) -> LineTake<'a> {
    match memchr(b'\n', rest) {
        Some(k) => {
            let line = rest.get(..=k).unwrap_or_default();
            if buf.is_empty() {
                LineTake::Complete(k + 1, line)
            } else if buf.len() + line.len() > cap {
                LineTake::TooLong
            } else {
                buf.extend_from_slice(line);
                LineTake::Complete(k + 1, buf.as_slice())
            }
        }
        None if buf.len() + rest.len() > cap => LineTake::TooLong,
        None => {
            buf.extend_from_slice(rest);
            LineTake::Partial(rest.len())
        }
    }
}

/// End of the head section in `buf` (index after the empty line), searching from `from`.
/// Accepts CRLF and bare LF line endings.
pub fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut pos = from;
    while let Some(k) = buf.get(pos..).and_then(|r| memchr(b'\n', r)) {
        let nl = pos + k;
        match (buf.get(nl + 1), buf.get(nl + 2)) {
            (Some(b'\n'), _) => return Some(nl + 2),
            (Some(b'\r'), Some(b'\n')) => return Some(nl + 3),
            (None, _) | (Some(b'\r'), None) => return None,
            _ => pos = nl + 1,
        }
    }
    None
}
