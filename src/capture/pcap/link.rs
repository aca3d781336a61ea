//! From a frame's link layer to a TCP segment: Ethernet (802.1Q, 802.1ad/QinQ), Linux cooked
//! v1 and v2, raw IPv4/IPv6, BSD NULL and OpenBSD LOOP, then IPv4/IPv6 (extension headers
//! included) with etherparse's lax slicing, and VXLAN (RFC 7348, UDP 4789) decapsulated once
//! to its inner Ethernet frame. Checksums are not validated (captures on the sending host
//! carry offloaded, unfilled ones). IP fragments are not reassembled: they are counted.
//!
//! The common layouts (Ethernet with up to two VLAN tags, cooked, raw IP; IPv4, IPv6 without
//! extension headers; TCP) take the hand-written [`fast_path`] first; what it
//! does not take, and every error, is decided by etherparse here ([`decode_lax`]).
//!
//! Link header layouts: <https://www.tcpdump.org/linktypes.html>. No allocation.

use std::net::{IpAddr, SocketAddr};

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use pcap_parser::Linktype;

use super::fast_path;
use crate::capture::tcp::{Flags, Segment};
use crate::model::{FrameRef, Timestamp};

/// VXLAN's registered UDP port.
pub const VXLAN_PORT: u16 = 4789;

/// A decoded TCP segment (addresses, header fields, payload borrowed from the frame).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpPacket<'a> {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Flags.
    pub flags: Flags,
    /// Captured payload.
    pub payload: &'a [u8],
    /// Payload bytes the IP header announces beyond what was captured.
    pub missing: u32,
}

impl<'a> TcpPacket<'a> {
    /// The segment as the flow table takes it, seen in frame `frame` at `ts`.
    pub fn segment(&self, frame: FrameRef, ts: Timestamp) -> Segment<'a> {
        Segment {
            src: self.src,
            dst: self.dst,
            seq: self.seq,
            ack: self.ack,
            flags: self.flags,
            payload: self.payload,
            missing: self.missing,
            frame,
            ts,
        }
    }
}

/// Why a frame carried no usable TCP segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    /// A link type this reader does not decode.
    UnsupportedLink(i32),
    /// Not IP (ARP, LLDP, ...), or an IP packet that is not TCP.
    NotTcp,
    /// An IP fragment (not reassembled).
    Fragment,
    /// Headers cut short or invalid.
    Malformed,
}

fn ip_of_family(family: u32) -> Option<bool> {
    match family {
        2 => Some(false),
        24 | 28 | 30 => Some(true),
        _ => None,
    }
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..at + 2)
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .map(u16::from_be_bytes)
}

/// Decodes the frame of a link type down to TCP.
pub fn decode(linktype: Linktype, data: &[u8]) -> Result<TcpPacket<'_>, Skip> {
    let fast = match linktype.0 {
        1 => fast_path::ethernet(data),
        113 => be16(data, 14).and_then(|p| fast_path::ip_of_type(p, data.get(16..)?)),
        276 => be16(data, 0).and_then(|p| fast_path::ip_of_type(p, data.get(20..)?)),
        101 | 12 | 14 | 228 | 229 => fast_path::raw_ip(data),
        _ => None,
    };
    match fast {
        Some(p) => Ok(p),
        None => decode_lax(linktype, data),
    }
}

/// Decodes the frame of a link type down to TCP with etherparse alone: the reference for
/// [`decode`]'s fast path, and the path of every layout it does not take.
pub fn decode_lax(linktype: Linktype, data: &[u8]) -> Result<TcpPacket<'_>, Skip> {
    let sliced = match linktype.0 {
        1 => LaxSlicedPacket::from_ethernet(data).map_err(|_| Skip::Malformed)?,
        113 => {
            let proto = be16(data, 14).ok_or(Skip::Malformed)?;
            LaxSlicedPacket::from_ether_type(EtherType(proto), data.get(16..).unwrap_or_default())
        }
        276 => {
            let proto = be16(data, 0).ok_or(Skip::Malformed)?;
            LaxSlicedPacket::from_ether_type(EtherType(proto), data.get(20..).unwrap_or_default())
        }
        0 | 108 => {
            let raw: [u8; 4] = data
                .get(..4)
                .and_then(|b| b.try_into().ok())
                .ok_or(Skip::Malformed)?;
            let family = if linktype.0 == 108 {
                ip_of_family(u32::from_be_bytes(raw))
            } else {
                ip_of_family(u32::from_le_bytes(raw))
                    .or_else(|| ip_of_family(u32::from_be_bytes(raw)))
            };
            family.ok_or(Skip::NotTcp)?;
            LaxSlicedPacket::from_ip(data.get(4..).unwrap_or_default())
                .map_err(|_| Skip::Malformed)?
        }
        101 | 12 | 14 | 228 | 229 => LaxSlicedPacket::from_ip(data).map_err(|_| Skip::Malformed)?,
        other => return Err(Skip::UnsupportedLink(other)),
    };
    tcp_of(&sliced, true)
}

fn tcp_of<'a>(p: &LaxSlicedPacket<'a>, decap: bool) -> Result<TcpPacket<'a>, Skip> {
    let (src, dst, declared, payload) = match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            let declared = usize::from(h.total_len()).saturating_sub(
                h.slice().len() + v4.extensions().auth.map_or(0, |a| a.slice().len()),
            );
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                declared,
                v4.payload(),
            )
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let h = v6.header();
            let declared =
                usize::from(h.payload_length()).saturating_sub(v6.extensions().slice().len());
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                declared,
                v6.payload(),
            )
        }
        Some(LaxNetSlice::Arp(_)) | None => {
            return Err(if p.stop_err.is_some() {
                Skip::Malformed
            } else {
                Skip::NotTcp
            })
        }
    };
    if payload.fragmented {
        return Err(Skip::Fragment);
    }
    match &p.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            let missing = if payload.incomplete {
                declared.saturating_sub(payload.payload.len())
            } else {
                0
            };
            Ok(TcpPacket {
                src: SocketAddr::new(src, tcp.source_port()),
                dst: SocketAddr::new(dst, tcp.destination_port()),
                seq: tcp.sequence_number(),
                ack: tcp.acknowledgment_number(),
                flags: Flags {
                    syn: tcp.syn(),
                    ack: tcp.ack(),
                    fin: tcp.fin(),
                    rst: tcp.rst(),
                },
                payload: tcp.payload(),
                missing: u32::try_from(missing).unwrap_or(u32::MAX),
            })
        }
        Some(TransportSlice::Udp(udp)) if decap && udp.destination_port() == VXLAN_PORT => {
            let v = udp.payload();
            // RFC 7348 §5: flags (I bit 0x08 set), reserved, VNI, reserved; then Ethernet.
            if v.len() < 8 || v.first().is_none_or(|f| f & 0x08 == 0) {
                return Err(Skip::NotTcp);
            }
            let inner = LaxSlicedPacket::from_ethernet(v.get(8..).unwrap_or_default())
                .map_err(|_| Skip::Malformed)?;
            tcp_of(&inner, false)
        }
        None if p.stop_err.is_some() && payload.ip_number == etherparse::IpNumber::TCP => {
            Err(Skip::Malformed)
        }
        _ => Err(Skip::NotTcp),
    }
}
