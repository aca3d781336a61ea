//! Undoes gzip or zstd compression of a capture transparently, recognised by magic bytes.
//! Multi-member gzip and multi-frame zstd streams are read to the end.

use std::io::Read;

use super::sniff::{peek, Compression};
use super::CaptureError;

/// Wraps `input` in a decoder when it starts with a gzip or zstd magic.
pub fn undo(
    input: Box<dyn Read + Send>,
) -> Result<(Option<Compression>, Box<dyn Read + Send>), CaptureError> {
    let (head, stream) = peek(input, 4)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let dec = flate2::read::MultiGzDecoder::new(stream);
        return Ok((
            Some(Compression::Gzip),
            Box::new(std::io::BufReader::with_capacity(256 << 10, dec)),
        ));
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Ok((Some(Compression::Zstd), Box::new(ZstdFrames::new(stream))));
    }
    Ok((None, Box::new(stream)))
}

/// Reads consecutive zstd frames (what `zstd -T0` and concatenated files produce).
struct ZstdFrames<R: Read> {
    source: Option<PutBack<R>>,
    current: Option<ruzstd::decoding::StreamingDecoder<PutBack<R>, ruzstd::decoding::FrameDecoder>>,
}

impl<R: Read> ZstdFrames<R> {
    fn new(source: R) -> Self {
        Self {
            source: Some(PutBack {
                first: None,
                inner: source,
            }),
            current: None,
        }
    }
}

fn invalid(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("zstd: {e}"))
}

impl<R: Read> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(dec) = &mut self.current {
                let n = dec.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
                self.source = self.current.take().map(|d| d.into_inner());
            }
            let Some(mut src) = self.source.take() else {
                return Ok(0);
            };
            // End of input ends the stream; any further byte must start another frame.
            let mut probe = [0u8; 1];
            let n = loop {
                match src.read(&mut probe) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    other => break other?,
                }
            };
            if n == 0 {
                return Ok(0);
            }
            src.first = Some(probe[0]);
            self.current = Some(ruzstd::decoding::StreamingDecoder::new(src).map_err(invalid)?);
        }
    }
}

/// A reader with one byte pushed back in front.
struct PutBack<R: Read> {
    first: Option<u8>,
    inner: R,
}

impl<R: Read> Read for PutBack<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(b) = self.first.take() {
            buf[0] = b;
            return Ok(1);
        }
        self.inner.read(buf)
    }
}
