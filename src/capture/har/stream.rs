//! A reused read buffer over the input, with the few moves the document walk needs: peek the
//! next significant byte, step over it, and take one whole JSON value.
//!
//! Valid bytes are `buf[pos..end]`; `base` is the input offset of `buf[0]`. Reading more first
//! moves the unread bytes to the front, so a value being taken stays contiguous. The buffer
//! grows only while a single value is larger than it, never past the caller's cap plus one
//! chunk, and is shrunk back once such a value has been consumed.

use std::io::{ErrorKind, Read};
use std::ops::Range;

use super::scan::ValueScan;
use crate::capture::CaptureError;

/// Bytes read from the input at a time.
pub(super) const CHUNK: usize = 256 << 10;

/// Most bytes [`Stream::read_ahead`] makes sure are buffered: a quarter of a chunk, so that
/// reading ahead never grows the buffer.
pub(super) const READ_AHEAD: usize = CHUNK / 4;

/// What [`Stream::take_value`] found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Taken {
    /// The value, whole, at this range of [`Stream::bytes`].
    Whole(Range<usize>),
    /// The value was longer than the cap and was skipped without being kept.
    TooLarge(u64),
    /// The input ended inside the value; all of it was consumed.
    Truncated,
}

/// The input and its buffer.
pub(super) struct Stream<'r> {
    input: &'r mut dyn Read,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    base: u64,
    eof: bool,
    /// A read error met while reading ahead ([`Stream::read_ahead`]), raised by the next
    /// refill that needs it, so that everything buffered before it is still read first.
    failed: Option<CaptureError>,
}

impl<'r> Stream<'r> {
    /// A stream reading `input`.
    pub(super) fn new(input: &'r mut dyn Read) -> Self {
        Self {
            input,
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            failed: None,
        }
    }

    /// Input offset of the next unconsumed byte.
    pub(super) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The buffered, unconsumed bytes, at most `cap` of them.
    pub(super) fn window(&self, cap: usize) -> &[u8] {
        let end = self.end.min(self.pos.saturating_add(cap));
        self.buf.get(self.pos..end).unwrap_or_default()
    }

    /// Bytes of a range returned by [`Stream::take_value`].
    pub(super) fn bytes(&self, range: Range<usize>) -> &[u8] {
        self.buf.get(range).unwrap_or_default()
    }

    /// Consumes `n` buffered bytes.
    pub(super) fn consume(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.end);
    }

    /// Reads more input behind the buffered bytes. Returns `false` at the end of the input.
    fn refill(&mut self) -> Result<bool, CaptureError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            let more = self.buf.len().max(CHUNK);
            self.buf.resize(self.buf.len() + more, 0);
        }
        loop {
            let free = self.buf.get_mut(self.end..).unwrap_or_default();
            match self.input.read(free) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(CaptureError::Io {
                        offset: self.base + self.end as u64,
                        source,
                    })
                }
            }
        }
    }

    /// Reads more input while fewer than `want` bytes (at most [`READ_AHEAD`]) are buffered,
    /// so that a value can be parsed from [`Stream::window`] in one pass instead of being cut
    /// by the buffer's end. A read error is kept for the next refill.
    pub(super) fn read_ahead(&mut self, want: usize) {
        let want = want.min(READ_AHEAD);
        while self.end - self.pos < want && self.failed.is_none() {
            match self.refill() {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => self.failed = Some(e),
            }
        }
    }

    /// Gives a grown buffer back once little of it is in use.
    pub(super) fn shrink(&mut self) {
        if self.buf.len() > 4 * CHUNK && self.end - self.pos < CHUNK {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
            self.buf.truncate(CHUNK);
            self.buf.shrink_to_fit();
        }
    }

    /// Skips an optional UTF-8 byte order mark at the very start.
    pub(super) fn skip_bom(&mut self) -> Result<(), CaptureError> {
        while self.end < 3 && self.refill()? {}
        if self.buf.get(..3) == Some(b"\xef\xbb\xbf".as_slice()) && self.pos == 0 {
            self.pos = 3;
        }
        Ok(())
    }

    /// The next byte that is not JSON whitespace, left unconsumed; `None` at the end.
    pub(super) fn peek(&mut self) -> Result<Option<u8>, CaptureError> {
        loop {
            let rest = self.buf.get(self.pos..self.end).unwrap_or_default();
            match rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            {
                Some(k) => {
                    self.pos += k;
                    return Ok(rest.get(k).copied());
                }
                None => {
                    self.pos = self.end;
                    if !self.refill()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Consumes the byte [`Stream::peek`] returned.
    pub(super) fn bump(&mut self) {
        self.consume(1);
    }

    /// Takes the JSON value starting at the next byte (call [`Stream::peek`] first). A value
    /// of at most `cap` bytes is kept whole in the buffer; a longer one is scanned to its end
    /// and dropped as it goes, so the buffer never holds more than `cap` plus one chunk.
    pub(super) fn take_value(&mut self, cap: usize) -> Result<Taken, CaptureError> {
        let mut scan = ValueScan::new();
        let mut scanned = 0;
        loop {
            let from = self.pos + scanned;
            let part = self.buf.get(from..self.end).unwrap_or_default();
            if let Some(n) = scan.advance(part) {
                let len = scanned + n;
                let start = self.pos;
                self.pos += len;
                if len > cap {
                    return Ok(Taken::TooLarge(len as u64));
                }
                return Ok(Taken::Whole(start..start + len));
            }
            scanned = self.end - self.pos;
            if scanned > cap {
                return self.skip_rest(scan, scanned as u64);
            }
            if !self.refill()? {
                self.pos = self.end;
                return Ok(Taken::Truncated);
            }
        }
    }

    /// Finishes a scan without keeping bytes; `done` counts those already scanned.
    fn skip_rest(&mut self, mut scan: ValueScan, mut done: u64) -> Result<Taken, CaptureError> {
        self.pos = self.end;
        loop {
            if !self.refill()? {
                return Ok(Taken::Truncated);
            }
            let part = self.buf.get(self.pos..self.end).unwrap_or_default();
            if let Some(n) = scan.advance(part) {
                self.pos += n;
                return Ok(Taken::TooLarge(done + n as u64));
            }
            done += part.len() as u64;
            self.pos = self.end;
        }
    }
}
