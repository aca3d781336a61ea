//! The chunked transfer coding (RFC 9112 §7.1), decoded incrementally and without keeping
//! the data: only the position inside the coding is tracked.
//!
//! `chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF`, `last-chunk = 1*"0" [ chunk-ext ]
//! CRLF`, then trailer field lines and an empty line. Bare LF is accepted in place of CRLF.

/// Where the decoder is inside a chunked body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkState {
    /// Expecting a chunk-size line.
    Size,
    /// Inside chunk data, this many bytes left.
    Data(u64),
    /// Expecting the line ending after chunk data.
    DataEnd,
    /// Reading trailer lines until the empty line.
    Trailer,
}

/// What one complete line means in a given state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineOutcome {
    /// Go on in this state.
    Next(ChunkState),
    /// The empty line after the trailers: the body is complete.
    Done,
    /// The line is not what the coding allows here.
    Malformed,
}

/// The chunk size of a `chunk-size [; ext]` line, at most 16 hex digits.
pub fn chunk_size(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let digits_end = line
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, rest) = line.split_at(digits_end);
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let rest_ok = match rest.iter().position(|b| *b != b' ' && *b != b'\t') {
        None => true,
        Some(p) => rest.get(p) == Some(&b';'),
    };
    if !rest_ok {
        return None;
    }
    let text = std::str::from_utf8(digits).ok()?;
    u64::from_str_radix(text, 16).ok()
}

fn is_empty_line(line: &[u8]) -> bool {
    line == b"\n" || line == b"\r\n"
}

/// Applies one complete line (line ending included) in `state` (not `Data`).
pub fn on_line(state: ChunkState, line: &[u8]) -> LineOutcome {
    match state {
        ChunkState::Size => match chunk_size(line) {
            Some(0) => LineOutcome::Next(ChunkState::Trailer),
            Some(n) => LineOutcome::Next(ChunkState::Data(n)),
            None => LineOutcome::Malformed,
        },
        ChunkState::DataEnd if is_empty_line(line) => LineOutcome::Next(ChunkState::Size),
        ChunkState::DataEnd => LineOutcome::Malformed,
        ChunkState::Trailer if is_empty_line(line) => LineOutcome::Done,
        ChunkState::Trailer => LineOutcome::Next(ChunkState::Trailer),
        ChunkState::Data(_) => LineOutcome::Malformed,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(chunk_size(b"1a\r\n"), Some(26));
        assert_eq!(chunk_size(b"1A;name=value\n"), Some(26));
        assert_eq!(chunk_size(b"0 ; x\r\n"), Some(0));
        assert_eq!(chunk_size(b"\r\n"), None);
        assert_eq!(chunk_size(b"xyz\r\n"), None);
        assert_eq!(chunk_size(b"12345678901234567\r\n"), None);
    }

    #[test]
    fn lines() {
        assert_eq!(
            on_line(ChunkState::Size, b"0\r\n"),
            LineOutcome::Next(ChunkState::Trailer)
        );
        assert_eq!(
            on_line(ChunkState::DataEnd, b"\n"),
            LineOutcome::Next(ChunkState::Size)
        );
        assert_eq!(
            on_line(ChunkState::DataEnd, b"x\r\n"),
            LineOutcome::Malformed
        );
        assert_eq!(
            on_line(ChunkState::Trailer, b"X: y\r\n"),
            LineOutcome::Next(ChunkState::Trailer)
        );
        assert_eq!(on_line(ChunkState::Trailer, b"\r\n"), LineOutcome::Done);
    }
}
