//! A quick look at a capture file without reading it: its interfaces (link type, snapshot
//! length, name) and the capture times of its first and, when cheap, last frame. This is what
//! tells whether several files are one capture written in pieces, and in what order.
//!
//! The head is read from the start of the (decompressed) stream, [`HEAD_BYTES`] at most: the
//! pcap header or the pcapng section and interface blocks up to the first packet. The last
//! frame's time is read from the end of an uncompressed file only:
//! - pcapng blocks repeat their length at their end, so the blocks are walked back from the
//!   end of the file to the last Enhanced Packet Block;
//! - legacy pcap records have no trailer, so the tail ([`TAIL_BYTES`], then more) is searched
//!   for the offset from which valid record headers follow each other exactly to the end of
//!   the file, the longest such chain winning. A capture whose tail cannot be synchronised
//!   reports no last time.
//!
//! Hand-written because no crate finds a capture's last frame without reading all of it
//! (capinfos and pcap-parser's readers read every record); the block and record layouts are
//! those of the pcapng draft (section 4) and the libpcap file format.

use std::io::{self, Read, Seek, SeekFrom};

use pcap_parser::parse_pcap_header;
use pcap_parser::pcapng::{parse_block_be, parse_block_le, Block};

use super::reader::{interface_of, ts_of, Interface};
use crate::capture::Format;
use crate::model::Timestamp;

/// Bytes of the head read at most.
pub const HEAD_BYTES: usize = 256 << 10;
/// Bytes of a legacy pcap's tail searched first; a record larger than this is searched for in
/// [`TAIL_BYTES_MAX`].
pub const TAIL_BYTES: u64 = 64 << 10;
/// Bytes of a legacy pcap's tail searched at most.
pub const TAIL_BYTES_MAX: u64 = 1 << 20;
/// pcapng blocks walked back from the end at most, looking for a packet.
const TAIL_BLOCKS: usize = 64;

const EPB: u32 = 6;
const SHB: u32 = 0x0a0d_0d0a;

/// One interface of a capture, as far as telling captures apart goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProbedInterface {
    /// Link type.
    pub linktype: i32,
    /// Snapshot length.
    pub snaplen: u32,
    /// pcapng `if_name`, when given.
    pub name: Option<String>,
}

/// What the first bytes (and, when cheap, the last bytes) of a capture file say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// pcap or pcapng.
    pub format: Format,
    /// Interfaces declared before the first packet (one for a legacy pcap).
    pub interfaces: Vec<ProbedInterface>,
    /// Nanosecond timestamps (legacy pcap magic `a1b23c4d`).
    pub nanoseconds: bool,
    /// Capture time of the first frame, when the head holds one.
    pub first: Option<Timestamp>,
    /// Capture time of the last frame, when it could be found without reading the file.
    pub last: Option<Timestamp>,
    /// How the tail is read: byte order and timestamp units.
    layout: Layout,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Layout {
    Legacy {
        big_endian: bool,
        snaplen: u32,
    },
    Ng {
        big_endian: bool,
        /// (units per second, offset seconds) of each interface.
        clocks: Vec<(u64, i64)>,
    },
}

fn u32_at(b: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let w: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(w)
    } else {
        u32::from_le_bytes(w)
    })
}

/// Reads the head of a pcap or pcapng stream (`format` as sniffed).
pub fn head(input: &mut dyn Read, format: Format) -> io::Result<Option<Probe>> {
    let mut buf = Vec::with_capacity(64 << 10);
    input.take(HEAD_BYTES as u64).read_to_end(&mut buf)?;
    Ok(match format {
        Format::Pcap => legacy_head(&buf),
        Format::PcapNg => ng_head(&buf),
        Format::Har => None,
    })
}

fn legacy_head(buf: &[u8]) -> Option<Probe> {
    let (_, h) = parse_pcap_header(buf).ok()?;
    let big_endian = h.is_bigendian();
    let nanoseconds = h.is_nanosecond_precision();
    let first = legacy_ts(buf, 24, big_endian, nanoseconds);
    Some(Probe {
        format: Format::Pcap,
        interfaces: vec![ProbedInterface {
            linktype: h.network.0,
            snaplen: h.snaplen,
            name: None,
        }],
        nanoseconds,
        first,
        last: None,
        layout: Layout::Legacy {
            big_endian,
            snaplen: h.snaplen,
        },
    })
}

fn legacy_ts(b: &[u8], at: usize, big_endian: bool, nanoseconds: bool) -> Option<Timestamp> {
    let secs = i64::from(u32_at(b, at, big_endian)?);
    let frac = i64::from(u32_at(b, at + 4, big_endian)?);
    let unit = if nanoseconds { 1 } else { 1000 };
    Some(Timestamp(secs * 1_000_000_000 + frac * unit))
}

fn ng_head(buf: &[u8]) -> Option<Probe> {
    let big_endian = match u32_at(buf, 8, false)? {
        0x1a2b_3c4d => false,
        0x4d3c_2b1a => true,
        _ => return None,
    };
    let mut interfaces = Vec::new();
    let mut clocks = Vec::new();
    let mut first = None;
    let mut rest = buf;
    while let Some(kind) = u32_at(rest, 0, big_endian) {
        if kind == EPB {
            first = epb_ts(rest, big_endian, &clocks);
            break;
        }
        let parsed = if big_endian {
            parse_block_be(rest)
        } else {
            parse_block_le(rest)
        };
        let Ok((after, block)) = parsed else {
            break;
        };
        match block {
            Block::SectionHeader(_) if kind == SHB && !interfaces.is_empty() => break,
            Block::InterfaceDescription(idb) => {
                let Interface {
                    linktype,
                    snaplen,
                    units,
                    offset_secs,
                } = interface_of(&idb, big_endian);
                let name = idb.if_name().and_then(Result::ok).map(str::to_string);
                interfaces.push(ProbedInterface {
                    linktype: linktype.0,
                    snaplen,
                    name,
                });
                clocks.push((units, offset_secs));
            }
            Block::SimplePacket(_) => break,
            _ => {}
        }
        rest = after;
    }
    Some(Probe {
        format: Format::PcapNg,
        interfaces,
        nanoseconds: false,
        first,
        last: None,
        layout: Layout::Ng { big_endian, clocks },
    })
}

/// The time of the Enhanced Packet Block at the start of `b`.
fn epb_ts(b: &[u8], big_endian: bool, clocks: &[(u64, i64)]) -> Option<Timestamp> {
    let if_id = u32_at(b, 8, big_endian)?;
    let raw = (u64::from(u32_at(b, 12, big_endian)?) << 32) | u64::from(u32_at(b, 16, big_endian)?);
    let (units, offset) = *clocks.get(if_id as usize)?;
    Some(ts_of(raw, units, offset))
}

impl Probe {
    /// Finds the last frame's time in `file` (the uncompressed file this probe's head came
    /// from, `len` bytes long) and keeps it in [`Probe::last`].
    pub fn read_tail<F: Read + Seek>(&mut self, file: &mut F, len: u64) {
        self.last = match &self.layout {
            Layout::Ng { big_endian, clocks } => ng_last(file, len, *big_endian, clocks),
            Layout::Legacy {
                big_endian,
                snaplen,
            } => [TAIL_BYTES, TAIL_BYTES_MAX].into_iter().find_map(|window| {
                let start = len.saturating_sub(window).max(24);
                let tail = read_at(file, start, len.saturating_sub(start)).ok()?;
                legacy_last(&tail, *big_endian, *snaplen, self.nanoseconds)
            }),
        }
        // A tail older than the head is not this capture's tail.
        .filter(|last| self.first.is_none_or(|first| *last >= first));
    }
}

fn read_at<F: Read + Seek>(file: &mut F, at: u64, len: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(at))?;
    let mut buf = Vec::new();
    file.take(len).read_to_end(&mut buf)?;
    Ok(buf)
}

fn ng_last<F: Read + Seek>(
    file: &mut F,
    len: u64,
    big_endian: bool,
    clocks: &[(u64, i64)],
) -> Option<Timestamp> {
    let mut end = len;
    for _ in 0..TAIL_BLOCKS {
        let trailer = read_at(file, end.checked_sub(4)?, 4).ok()?;
        let size = u64::from(u32_at(&trailer, 0, big_endian)?);
        if size < 12 || size % 4 != 0 || size > end {
            return None;
        }
        let start = end - size;
        let head = read_at(file, start, 20).ok()?;
        if u64::from(u32_at(&head, 4, big_endian)?) != size {
            return None;
        }
        match u32_at(&head, 0, big_endian)? {
            EPB => return epb_ts(&head, big_endian, clocks),
            SHB => return None,
            _ => end = start,
        }
    }
    None
}

/// The last record's time in `tail`, the end of a legacy pcap: the earliest offset from which
/// plausible record headers lead exactly to the end wins (the longest chain of records).
fn legacy_last(
    tail: &[u8],
    big_endian: bool,
    snaplen: u32,
    nanoseconds: bool,
) -> Option<Timestamp> {
    let n = tail.len();
    let max_frac = if nanoseconds {
        1_000_000_000
    } else {
        1_000_000
    };
    let max_len = snaplen.max(1 << 18) as usize;
    // reach[i]: the record at i is plausible and its successors end exactly at the end.
    let mut reach = vec![false; n + 1];
    reach[n] = true;
    let mut best = None;
    for i in (0..n.saturating_sub(15)).rev() {
        let (Some(frac), Some(caplen), Some(origlen)) = (
            u32_at(tail, i + 4, big_endian),
            u32_at(tail, i + 8, big_endian),
            u32_at(tail, i + 12, big_endian),
        ) else {
            continue;
        };
        let caplen = caplen as usize;
        if frac >= max_frac || caplen > max_len || caplen > origlen as usize {
            continue;
        }
        let next = i + 16 + caplen;
        if next <= n && reach[next] {
            reach[i] = true;
            best = Some(i);
        }
    }
    let mut at = best?;
    // Walk the chain to its last record.
    loop {
        let caplen = u32_at(tail, at + 8, big_endian)? as usize;
        let next = at + 16 + caplen;
        if next >= n {
            return legacy_ts(tail, at, big_endian, nanoseconds);
        }
        at = next;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn legacy(records: &[(u32, u32, usize)]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&4u16.to_le_bytes());
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&65535u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        for (sec, usec, len) in records {
            for v in [*sec, *usec, *len as u32, *len as u32] {
                b.extend_from_slice(&v.to_le_bytes());
            }
            // Payload bytes that look like record headers, to mislead the tail search.
            let fake: Vec<u8> = [7u32, 10, 4, 4]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .cycle()
                .take(*len)
                .collect();
            b.extend_from_slice(&fake);
        }
        b
    }

    #[test]
    fn first_and_last_times_of_a_legacy_pcap() {
        let recs: Vec<(u32, u32, usize)> = (0..2000)
            .map(|i| (100 + i, 5, 60 + (i as usize % 7) * 16))
            .collect();
        let bytes = legacy(&recs);
        let mut p = head(&mut bytes.as_slice(), Format::Pcap).unwrap().unwrap();
        assert_eq!(p.first, Some(Timestamp(100 * 1_000_000_000 + 5000)));
        assert_eq!(p.interfaces[0].linktype, 1);
        p.read_tail(&mut Cursor::new(&bytes), bytes.len() as u64);
        assert_eq!(p.last, Some(Timestamp(2099 * 1_000_000_000 + 5000)));
    }

    #[test]
    fn a_tail_that_does_not_end_on_a_record_has_no_last_time() {
        let mut bytes = legacy(&[(100, 0, 64), (101, 0, 64)]);
        bytes.extend_from_slice(&[1, 2, 3]);
        let mut p = head(&mut bytes.as_slice(), Format::Pcap).unwrap().unwrap();
        p.read_tail(&mut Cursor::new(&bytes), bytes.len() as u64);
        assert_eq!(p.last, None);
    }

    #[test]
    fn header_only_file() {
        let bytes = legacy(&[]);
        let mut p = head(&mut bytes.as_slice(), Format::Pcap).unwrap().unwrap();
        p.read_tail(&mut Cursor::new(&bytes), bytes.len() as u64);
        assert_eq!((p.first, p.last), (None, None));
    }
}
