//! Recognises a capture format from its first bytes (magic numbers), not its name.
//!
//! pcap: `a1b2c3d4` / `a1b23c4d` (nanosecond) in either byte order; pcapng: a Section Header
//! Block `0a0d0d0a`; HAR: a JSON object (after an optional UTF-8 BOM and whitespace).
//! The peeked bytes are handed back in front of the rest of the stream.

use std::io::{Chain, Cursor, Read};

use super::CaptureError;

/// A supported capture format.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Format {
    /// HTTP Archive (JSON).
    Har,
    /// Legacy libpcap.
    Pcap,
    /// pcapng.
    PcapNg,
}

impl Format {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Har => "har",
            Format::Pcap => "pcap",
            Format::PcapNg => "pcapng",
        }
    }
}

/// A compression wrapper around a capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Compression {
    /// gzip (RFC 1952).
    Gzip,
    /// Zstandard.
    Zstd,
}

/// A stream with its first bytes peeked and put back.
pub type Peeked = Chain<Cursor<Vec<u8>>, Box<dyn Read + Send>>;

/// Reads up to `n` bytes without losing them.
pub fn peek(mut input: Box<dyn Read + Send>, n: usize) -> Result<(Vec<u8>, Peeked), CaptureError> {
    let mut head = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match input.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(CaptureError::Io {
                    offset: got as u64,
                    source,
                })
            }
        }
    }
    head.truncate(got);
    let peeked = head.clone();
    Ok((peeked, Cursor::new(head).chain(input)))
}

/// Which format the first bytes name, if any.
pub fn format_of(head: &[u8]) -> Option<Format> {
    if head.len() >= 4 {
        match head[..4] {
            [0xa1, 0xb2, 0xc3, 0xd4]
            | [0xd4, 0xc3, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0x3c, 0x4d]
            | [0x4d, 0x3c, 0xb2, 0xa1] => return Some(Format::Pcap),
            [0x0a, 0x0d, 0x0d, 0x0a] => return Some(Format::PcapNg),
            _ => {}
        }
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Some(Format::Har),
        _ => None,
    }
}

/// Detects the format and returns the whole stream, peeked bytes included.
pub fn detect(input: Box<dyn Read + Send>) -> Result<(Format, Peeked), CaptureError> {
    let (head, stream) = peek(input, 512)?;
    match format_of(&head) {
        Some(f) => Ok((f, stream)),
        None if head.is_empty() => Err(CaptureError::NotRecognised("empty input".into())),
        None => Err(CaptureError::NotRecognised(format!(
            "starts with {}",
            head.iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_magics_and_json() {
        assert_eq!(
            format_of(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]),
            Some(Format::Pcap)
        );
        assert_eq!(format_of(&[0x4d, 0x3c, 0xb2, 0xa1]), Some(Format::Pcap));
        assert_eq!(format_of(&[0x0a, 0x0d, 0x0d, 0x0a]), Some(Format::PcapNg));
        assert_eq!(format_of(b"\xef\xbb\xbf\n  {\"log\""), Some(Format::Har));
        assert_eq!(format_of(b"[1,2]"), None);
        assert_eq!(format_of(b"GET / HTTP/1.1"), None);
    }

    #[test]
    fn detect_puts_peeked_bytes_back() {
        let data = b"{\"log\":{}}".to_vec();
        let (f, mut s) = detect(Box::new(Cursor::new(data.clone()))).expect("detect");
        assert_eq!(f, Format::Har);
        let mut back = Vec::new();
        s.read_to_end(&mut back).expect("read");
        assert_eq!(back, data);
    }
}
