//! Reads the records of a legacy pcap or a pcapng stream with pcap-parser's streaming
//! readers and hands out frames: 1-based number, capture time, link type, bytes.
//!
//! Formats: libpcap (both byte orders, microsecond and nanosecond magic; the "modified" variant)
//! and pcapng (several sections, each with its own byte order and interfaces; `if_tsresol`
//! decimal and binary, `if_tsoffset`; Enhanced and Simple Packet Blocks).
//! Our own timestamp conversion: pcap-parser's `build_ts_resolution` rejects every binary
//! resolution and its `if_tsoffset` ignores big-endian sections.
//!
//! Memory: one read buffer, 256 KiB at first, grown for a larger record up to
//! `Limits::packet_bytes`. A file cut short keeps every complete record and reports
//! `pcap-truncated` with the byte offset; a record that cannot be parsed ends the input with
//! `pcap-bad-block`.

use std::cell::RefCell;
use std::io::{self, Read};
use std::rc::Rc;

use pcap_parser::pcapng::Block;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{LegacyPcapReader, Linktype, PcapBlockOwned, PcapError, PcapNGReader};

use crate::capture::{CaptureError, Format};
use crate::model::{FileIndex, FrameNumber, FrameRef, Issue, Position, Timestamp};

/// Issue id: the file ends in the middle of a record.
pub const ISSUE_TRUNCATED: &str = "pcap-truncated";
/// Issue id: a record or block that cannot be parsed; reading stops there.
pub const ISSUE_BAD_BLOCK: &str = "pcap-bad-block";

const INITIAL_BUFFER: usize = 256 << 10;

/// One captured frame.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// Its file, and its number there (1-based).
    pub number: FrameRef,
    /// Capture time.
    pub ts: Timestamp,
    /// Link type of its interface.
    pub linktype: Linktype,
    /// Captured bytes.
    pub data: &'a [u8],
    /// Length on the wire.
    pub orig_len: u32,
}

/// Receives what the reader finds.
pub trait FrameSink {
    /// One frame.
    fn frame(&mut self, frame: &Frame<'_>);
    /// One in-band issue.
    fn issue(&mut self, issue: Issue);
}

/// What the reader learnt about the file.
#[derive(Clone, Debug, Default)]
pub struct ReadInfo {
    /// pcapng `shb_userappl` of the first section that has one.
    pub producer: Option<String>,
    /// Frames read.
    pub frames: u64,
}

/// A `Read` that fills the buffer it is given as far as the input allows, and keeps the I/O
/// error that pcap-parser would otherwise discard.
struct FullRead<'r> {
    inner: &'r mut dyn Read,
    error: Rc<RefCell<Option<io::Error>>>,
    /// An error met after some bytes were read: those bytes are handed over first, the
    /// error on the next call, so no readable frame before a broken spot is lost.
    pending: Option<io::Error>,
}

impl FullRead<'_> {
    fn fail(&mut self, e: io::Error) -> io::Error {
        let kind = e.kind();
        *self.error.borrow_mut() = Some(e);
        io::Error::from(kind)
    }
}

impl Read for FullRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.pending.take() {
            return Err(self.fail(e));
        }
        let mut got = 0;
        while let Some(space) = buf.get_mut(got..).filter(|s| !s.is_empty()) {
            match self.inner.read(space) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if got > 0 => {
                    self.pending = Some(e);
                    break;
                }
                Err(e) => return Err(self.fail(e)),
            }
        }
        Ok(got)
    }
}

/// What frames need of a pcapng interface.
#[derive(Clone, Copy)]
pub(super) struct Interface {
    pub(super) linktype: Linktype,
    pub(super) snaplen: u32,
    /// Timestamp units per second.
    pub(super) units: u64,
    pub(super) offset_secs: i64,
}

/// Units per second of an `if_tsresol` value: 10^-n, or 2^-n when the top bit is set.
pub fn ts_units(tsresol: u8) -> Option<u64> {
    let exp = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 != 0 {
        1u64.checked_shl(exp).filter(|_| exp < 64)
    } else {
        10u64.checked_pow(exp)
    }
}

/// Nanoseconds since the epoch of a raw pcapng timestamp.
pub fn ts_of(raw: u64, units: u64, offset_secs: i64) -> Timestamp {
    let ns = if units == 1_000_000_000 {
        i128::from(raw)
    } else {
        i128::from(raw) * 1_000_000_000 / i128::from(units.max(1))
    };
    let ns = ns + i128::from(offset_secs) * 1_000_000_000;
    Timestamp(i64::try_from(ns).unwrap_or(i64::MAX))
}

pub(super) fn interface_of(
    idb: &pcap_parser::InterfaceDescriptionBlock<'_>,
    big_endian: bool,
) -> Interface {
    let mut offset_secs = 0;
    for opt in &idb.options {
        if opt.code.0 == 14 {
            if let Some(b) = opt.value.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
                offset_secs = if big_endian {
                    i64::from_be_bytes(b)
                } else {
                    i64::from_le_bytes(b)
                };
            }
        }
    }
    Interface {
        linktype: idb.linktype,
        snaplen: idb.snaplen,
        units: ts_units(idb.if_tsresol).unwrap_or(1_000_000),
        offset_secs,
    }
}

fn header_error(
    e: PcapError<&[u8]>,
    err: &Rc<RefCell<Option<io::Error>>>,
    file: FileIndex,
) -> CaptureError {
    if let Some(source) = err.borrow_mut().take() {
        return CaptureError::Io { offset: 0, source };
    }
    let message = match e {
        PcapError::Incomplete(_) | PcapError::UnexpectedEof | PcapError::Eof => {
            "capture file header truncated".to_string()
        }
        PcapError::NomError(_, k) | PcapError::OwnedNomError(_, k) => {
            format!("invalid capture file header ({k:?})")
        }
        _ => "invalid capture file header".to_string(),
    };
    CaptureError::Malformed {
        at: Position::Offset { file, offset: 0 },
        message,
    }
}

/// Reads every frame of `input`, file `file` of its capture, into `out`; frames are numbered
/// from 1 in each file.
pub fn read_frames(
    input: &mut dyn Read,
    format: Format,
    max_record: usize,
    file: FileIndex,
    out: &mut dyn FrameSink,
) -> Result<ReadInfo, CaptureError> {
    let error = Rc::new(RefCell::new(None));
    let src = FullRead {
        inner: input,
        error: Rc::clone(&error),
        pending: None,
    };
    let mut reader: Box<dyn PcapReaderIterator + '_> = match format {
        Format::PcapNg => Box::new(
            PcapNGReader::new(INITIAL_BUFFER, src).map_err(|e| header_error(e, &error, file))?,
        ),
        _ => Box::new(
            LegacyPcapReader::new(INITIAL_BUFFER, src)
                .map_err(|e| header_error(e, &error, file))?,
        ),
    };
    let max_buffer = max_record.saturating_add(64 << 10).max(INITIAL_BUFFER);
    let mut capacity = INITIAL_BUFFER;
    let mut info = ReadInfo::default();
    let mut legacy: Option<(Linktype, bool)> = None;
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut big_endian = false;
    let mut last_ts = Timestamp::default();
    loop {
        let offset = reader.consumed() as u64;
        match reader.next() {
            Ok((len, block)) => {
                let frame = match &block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy = Some((h.network, h.is_nanosecond_precision()));
                        None
                    }
                    PcapBlockOwned::Legacy(b) => {
                        let (linktype, nanos) = legacy.unwrap_or((Linktype::ETHERNET, false));
                        let unit = if nanos { 1 } else { 1000 };
                        let ts = i64::from(b.ts_sec) * 1_000_000_000 + i64::from(b.ts_usec) * unit;
                        Some((linktype, Timestamp(ts), b.data, b.origlen))
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(shb)) => {
                        interfaces.clear();
                        big_endian = shb.big_endian();
                        if info.producer.is_none() {
                            info.producer =
                                shb.shb_userappl().and_then(Result::ok).map(str::to_string);
                        }
                        None
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        interfaces.push(interface_of(idb, big_endian));
                        None
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        match interfaces.get(epb.if_id as usize) {
                            Some(i) => {
                                let raw = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                                let ts = ts_of(raw, i.units, i.offset_secs);
                                Some((i.linktype, ts, epb.packet_data(), epb.origlen))
                            }
                            None => {
                                info.frames += 1;
                                let msg = format!("packet for undefined interface {}", epb.if_id);
                                out.issue(Issue::at(
                                    ISSUE_BAD_BLOCK,
                                    Position::Offset { file, offset },
                                    msg,
                                ));
                                None
                            }
                        }
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => match interfaces.first() {
                        Some(i) => {
                            let keep = (spb.origlen as usize)
                                .min(i.snaplen.max(1) as usize)
                                .min(spb.data.len());
                            Some((
                                i.linktype,
                                last_ts,
                                spb.data.get(..keep).unwrap_or_default(),
                                spb.origlen,
                            ))
                        }
                        None => None,
                    },
                    PcapBlockOwned::NG(_) => None,
                };
                if let Some((linktype, ts, data, orig_len)) = frame {
                    info.frames += 1;
                    last_ts = ts;
                    let number = FrameRef::new(file, FrameNumber(info.frames));
                    out.frame(&Frame {
                        number,
                        ts,
                        linktype,
                        data,
                        orig_len,
                    });
                }
                reader.consume_noshift(len);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if reader.refill().is_err() {
                    return io_failure(&error, (file, offset), &info, out);
                }
            }
            Err(PcapError::BufferTooSmall) => {
                if capacity >= max_buffer {
                    let msg =
                        format!("record larger than {max_record} bytes at the packet size limit");
                    out.issue(Issue::at(
                        ISSUE_BAD_BLOCK,
                        Position::Offset { file, offset },
                        msg,
                    ));
                    break;
                }
                capacity = capacity.saturating_mul(2).min(max_buffer);
                reader.grow(capacity);
                if reader.refill().is_err() {
                    return io_failure(&error, (file, offset), &info, out);
                }
            }
            Err(PcapError::UnexpectedEof) => {
                let msg = format!(
                    "file ends inside a record at byte offset {offset}; {} frames read",
                    info.frames
                );
                out.issue(Issue::at(
                    ISSUE_TRUNCATED,
                    Position::Offset { file, offset },
                    msg,
                ));
                break;
            }
            Err(PcapError::ReadError) => return io_failure(&error, (file, offset), &info, out),
            Err(e) => {
                let what = match e {
                    PcapError::NomError(_, k) | PcapError::OwnedNomError(_, k) => format!("{k:?}"),
                    _ => "unrecognised block".to_string(),
                };
                let msg =
                    format!("unreadable record at byte offset {offset} ({what}); reading stopped");
                out.issue(Issue::at(
                    ISSUE_BAD_BLOCK,
                    Position::Offset { file, offset },
                    msg,
                ));
                break;
            }
        }
    }
    Ok(info)
}

/// An I/O error: an error for the input when nothing was read, an issue otherwise.
fn io_failure(
    error: &Rc<RefCell<Option<io::Error>>>,
    (file, offset): (FileIndex, u64),
    info: &ReadInfo,
    out: &mut dyn FrameSink,
) -> Result<ReadInfo, CaptureError> {
    let source = error
        .borrow_mut()
        .take()
        .unwrap_or_else(|| io::Error::other("read failed"));
    if info.frames == 0 {
        return Err(CaptureError::Io { offset, source });
    }
    let msg = format!(
        "read failed at byte offset {offset}: {source}; {} frames read",
        info.frames
    );
    out.issue(Issue::at(
        ISSUE_TRUNCATED,
        Position::Offset { file, offset },
        msg,
    ));
    Ok(info.clone())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_resolutions() {
        assert_eq!(ts_units(6), Some(1_000_000));
        assert_eq!(ts_units(9), Some(1_000_000_000));
        assert_eq!(ts_units(0x8a), Some(1024));
        assert_eq!(ts_units(0x94), Some(1 << 20));
        assert_eq!(ts_units(0xc0), None);
        assert_eq!(ts_units(20), None);
        assert_eq!(ts_of(1_500_000, 1_000_000, 0), Timestamp(1_500_000_000));
        assert_eq!(ts_of(1536, 1024, 10), Timestamp(11_500_000_000));
    }
}
