//! TLS record framing of one direction (RFC 8446 §5.1, RFC 5246 §6.2): a 5-byte header
//! (content type, legacy version, length) and a body, found in a byte stream that arrives in
//! pieces of any size: records split across segments and several records per segment.
//!
//! A record that will be read is gathered in one buffer, so it can be decrypted where it lies;
//! a record that will not be read is skipped by length without a copy.
//!
//! Memory: one buffer of at most one record (`MAX_CIPHERTEXT` + header), freed between
//! records when the stream pauses.

/// Record content types (RFC 8446 §5.1, RFC 6520 for heartbeat).
pub mod content {
    /// change_cipher_spec.
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    /// alert.
    pub const ALERT: u8 = 21;
    /// handshake.
    pub const HANDSHAKE: u8 = 22;
    /// application_data.
    pub const APPLICATION_DATA: u8 = 23;
    /// heartbeat.
    pub const HEARTBEAT: u8 = 24;
}

/// Largest record body of TLS 1.2 and earlier: 2^14 + 2048 (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT: usize = (1 << 14) + 2048;
/// Largest record body of TLS 1.3: 2^14 + 256 (RFC 8446 §5.2).
pub const MAX_CIPHERTEXT_TLS13: usize = (1 << 14) + 256;

/// Record buffer capacity kept while no record is partly read.
const IDLE_BUFFER: usize = 4 << 10;

/// A record header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The 5 bytes as sent (TLS 1.3 authenticates them).
    pub raw: [u8; 5],
    /// Where the record starts in the direction's stream.
    pub offset: u64,
}

impl Header {
    /// Content type.
    pub fn content_type(&self) -> u8 {
        self.raw[0]
    }

    /// Legacy record version.
    pub fn version(&self) -> u16 {
        u16::from_be_bytes([self.raw[1], self.raw[2]])
    }

    /// Body length.
    pub fn len(&self) -> usize {
        usize::from(u16::from_be_bytes([self.raw[3], self.raw[4]]))
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why the stream stopped being TLS records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FramingError {
    /// The header names no TLS content type or version.
    NotTls([u8; 5]),
    /// A body longer than the version allows.
    Oversize {
        /// Declared length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// What one step of the reader found.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// More bytes are needed.
    NeedMore,
    /// A whole record: its body is [`RecordReader::body_mut`] when it was kept.
    Record(Header),
    /// The bytes are not TLS records (or a record is too long).
    Error(FramingError, u64),
}

enum State {
    Header {
        raw: [u8; 5],
        have: usize,
    },
    Body {
        header: Header,
        left: usize,
        keep: bool,
    },
}

/// Finds the records of one direction.
pub struct RecordReader {
    state: State,
    body: Vec<u8>,
    /// Stream offset of the next byte.
    offset: u64,
}

fn valid(raw: &[u8; 5]) -> bool {
    (content::CHANGE_CIPHER_SPEC..=content::HEARTBEAT).contains(&raw[0])
        && raw[1] == 3
        && raw[2] <= 4
}

impl RecordReader {
    /// A reader whose first byte is at stream offset `offset`.
    pub fn new(offset: u64) -> Self {
        Self {
            state: State::Header {
                raw: [0; 5],
                have: 0,
            },
            body: Vec::new(),
            offset,
        }
    }

    /// Stream offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Whether a record is partly read.
    pub fn mid_record(&self) -> bool {
        !matches!(self.state, State::Header { have: 0, .. })
    }

    /// Bytes of the partial record so far and its declared length, when one is partly read.
    pub fn partial(&self) -> Option<(usize, usize)> {
        match &self.state {
            State::Header { have: 0, .. } => None,
            State::Header { have, .. } => Some((*have, 5)),
            State::Body { header, left, .. } => Some((5 + header.len() - left, 5 + header.len())),
        }
    }

    /// Frees the record buffer when no record is partly read, so that idle connections hold
    /// nothing; a connection in the middle of a record keeps it.
    pub fn release_if_idle(&mut self) {
        if !self.mid_record() && self.body.capacity() > IDLE_BUFFER {
            self.body = Vec::new();
        }
    }

    /// The body of the record [`Step::Record`] just returned (empty when it was skipped).
    pub fn body_mut(&mut self) -> &mut [u8] {
        &mut self.body
    }

    /// Consumes bytes from `data` until a record is complete or `data` is used up. `max` is
    /// the longest body allowed; `keep` says, from its header, whether a record's body is
    /// wanted.
    pub fn step(&mut self, data: &mut &[u8], max: usize, keep: &dyn Fn(&Header) -> bool) -> Step {
        loop {
            match &mut self.state {
                State::Header { raw, have } => {
                    let Some(slot) = raw.get_mut(*have..) else {
                        return Step::NeedMore;
                    };
                    let n = slot.len().min(data.len());
                    if n == 0 {
                        return Step::NeedMore;
                    }
                    slot.get_mut(..n)
                        .unwrap_or_default()
                        .copy_from_slice(data.get(..n).unwrap_or_default());
                    *have += n;
                    *data = data.get(n..).unwrap_or_default();
                    self.offset += n as u64;
                    if *have < 5 {
                        return Step::NeedMore;
                    }
                    let raw = *raw;
                    let header = Header {
                        raw,
                        offset: self.offset - 5,
                    };
                    if !valid(&raw) {
                        return Step::Error(FramingError::NotTls(raw), header.offset);
                    }
                    if header.len() > max {
                        let e = FramingError::Oversize {
                            len: header.len(),
                            max,
                        };
                        return Step::Error(e, header.offset);
                    }
                    let keep = keep(&header);
                    self.body.clear();
                    if keep {
                        self.body.reserve(header.len());
                    }
                    self.state = State::Body {
                        header,
                        left: header.len(),
                        keep,
                    };
                }
                State::Body { header, left, keep } => {
                    let n = (*left).min(data.len());
                    if *keep {
                        self.body
                            .extend_from_slice(data.get(..n).unwrap_or_default());
                    }
                    *left -= n;
                    *data = data.get(n..).unwrap_or_default();
                    self.offset += n as u64;
                    if *left > 0 {
                        return Step::NeedMore;
                    }
                    let header = *header;
                    self.state = State::Header {
                        raw: [0; 5],
                        have: 0,
                    };
                    return Step::Record(header);
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn record(ty: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![ty, 3, 3];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    fn read_all(pieces: &[&[u8]], keep_app: bool) -> Vec<(u8, Vec<u8>, u64)> {
        let mut r = RecordReader::new(0);
        let mut out = Vec::new();
        let keep = move |h: &Header| keep_app || h.content_type() != content::APPLICATION_DATA;
        for p in pieces {
            let mut data = *p;
            loop {
                match r.step(&mut data, MAX_CIPHERTEXT, &keep) {
                    Step::NeedMore => break,
                    Step::Record(h) => {
                        out.push((h.content_type(), r.body_mut().to_vec(), h.offset))
                    }
                    Step::Error(e, at) => panic!("{e:?} at {at}"),
                }
            }
        }
        out
    }

    #[test]
    fn records_split_and_packed_any_way_read_the_same() {
        let stream = [
            record(22, b"hello"),
            record(20, &[1]),
            record(23, &[9; 300]),
            record(21, &[1, 0]),
        ]
        .concat();
        let whole = read_all(&[&stream], true);
        assert_eq!(whole.len(), 4);
        assert_eq!(whole[2].2, 16);
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(read_all(&bytes, true), whole);
        for cut in 0..stream.len() {
            assert_eq!(read_all(&[&stream[..cut], &stream[cut..]], true), whole);
        }
        // Skipped bodies are not copied.
        let skipped = read_all(&[&stream], false);
        assert!(skipped[2].1.is_empty());
        assert_eq!(skipped[3].1, vec![1, 0]);
    }

    #[test]
    fn not_tls_and_oversize_are_errors_at_their_offset() {
        let mut r = RecordReader::new(100);
        let mut data: &[u8] = b"GET / HTTP/1.1\r\n";
        assert_eq!(
            r.step(&mut data, MAX_CIPHERTEXT, &|_| true),
            Step::Error(FramingError::NotTls(*b"GET /"), 100)
        );
        let mut r = RecordReader::new(0);
        let big = [23u8, 3, 3, 0x41, 0x01];
        let mut data: &[u8] = &big;
        assert_eq!(
            r.step(&mut data, MAX_CIPHERTEXT_TLS13, &|_| true),
            Step::Error(
                FramingError::Oversize {
                    len: 0x4101,
                    max: MAX_CIPHERTEXT_TLS13
                },
                0
            )
        );
    }
}
