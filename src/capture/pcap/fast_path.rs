//! The common case decoded by hand: Ethernet II (at most two 802.1Q / 802.1ad tags) or raw IP,
//! then an IPv4 header (options allowed, not a fragment) or an IPv6 header with no extension
//! header, then TCP. Anything else returns `None` and goes to etherparse ([`super::link`]),
//! which stays the reference for every other layout and for every error.
//!
//! Why our own code here: etherparse's `LaxSlicedPacket` is a large struct (every layer's
//! slices, extension headers, error state) returned by value several times per packet; in
//! profiles those copies and the general layer walk cost more than the rest of the TCP layer.
//! This path reads the few fixed fields we need from the frame in place and builds nothing.
//! A unit test checks that it agrees with etherparse on every prefix of varied packets.
//!
//! Layouts: IEEE 802.3 / 802.1Q, RFC 791 §3.1 (IPv4), RFC 8200 §3 (IPv6), RFC 9293 §3.1 (TCP).
//! Same lax rules as etherparse's lax slicing: a packet cut short by the capture keeps what was
//! captured and reports how many payload bytes are missing. No allocation, no panics.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::link::TcpPacket;
use crate::capture::tcp::Flags;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const ETHERTYPE_QINQ_OLD: u16 = 0x9100;
const IP_TCP: u8 = 6;

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at + 2)?;
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

/// An Ethernet frame (link type 1) down to TCP, when it has the common layout.
pub fn ethernet(data: &[u8]) -> Option<TcpPacket<'_>> {
    let mut at = 12;
    let mut ether_type = be16(data, at)?;
    for _ in 0..2 {
        if !matches!(
            ether_type,
            ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD
        ) {
            break;
        }
        at += 4;
        ether_type = be16(data, at)?;
    }
    ip_of_type(ether_type, data.get(at + 2..)?)
}

/// An IP packet whose version is given by an EtherType (after a cooked or Ethernet header).
pub fn ip_of_type(ether_type: u16, ip: &[u8]) -> Option<TcpPacket<'_>> {
    match ether_type {
        ETHERTYPE_IPV4 => ipv4(ip),
        ETHERTYPE_IPV6 => ipv6(ip),
        _ => None,
    }
}

/// A raw IP packet (version from its first nibble) down to TCP.
pub fn raw_ip(ip: &[u8]) -> Option<TcpPacket<'_>> {
    match ip.first()? >> 4 {
        4 => ipv4(ip),
        6 => ipv6(ip),
        _ => None,
    }
}

fn ipv4(ip: &[u8]) -> Option<TcpPacket<'_>> {
    let first = *ip.first()?;
    let header_len = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || header_len < 20 || ip.len() < header_len {
        return None;
    }
    let total = usize::from(be16(ip, 2)?);
    let flags_fragment = be16(ip, 6)?;
    // More-fragments flag or a fragment offset: etherparse reports the fragment.
    if flags_fragment & 0x3fff != 0 || *ip.get(9)? != IP_TCP || total < header_len {
        return None;
    }
    let src = IpAddr::V4(Ipv4Addr::from(be32(ip, 12)?));
    let dst = IpAddr::V4(Ipv4Addr::from(be32(ip, 16)?));
    let payload = ip.get(header_len..total.min(ip.len()))?;
    tcp(src, dst, payload, total - header_len)
}

fn ipv6(ip: &[u8]) -> Option<TcpPacket<'_>> {
    if ip.first()? >> 4 != 6 || ip.len() < 40 {
        return None;
    }
    let declared = usize::from(be16(ip, 4)?);
    // Extension headers and jumbograms (payload length 0) are left to etherparse.
    if *ip.get(6)? != IP_TCP || declared == 0 {
        return None;
    }
    let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
    let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
    let payload = ip.get(40..(40 + declared).min(ip.len()))?;
    let (src, dst) = (Ipv6Addr::from(src), Ipv6Addr::from(dst));
    tcp(IpAddr::V6(src), IpAddr::V6(dst), payload, declared)
}

/// The TCP header of an IP payload of which `declared` bytes were sent.
fn tcp(src: IpAddr, dst: IpAddr, seg: &[u8], declared: usize) -> Option<TcpPacket<'_>> {
    let header_len = usize::from(seg.get(12)? >> 4) * 4;
    if header_len < 20 {
        return None;
    }
    let payload = seg.get(header_len..)?;
    let flags = *seg.get(13)?;
    Some(TcpPacket {
        src: SocketAddr::new(src, be16(seg, 0)?),
        dst: SocketAddr::new(dst, be16(seg, 2)?),
        seq: be32(seg, 4)?,
        ack: be32(seg, 8)?,
        flags: Flags {
            syn: flags & 0x02 != 0,
            ack: flags & 0x10 != 0,
            fin: flags & 0x01 != 0,
            rst: flags & 0x04 != 0,
        },
        payload,
        missing: u32::try_from(declared.saturating_sub(seg.len())).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use etherparse::PacketBuilder;

    use super::super::link::decode_lax;
    use super::*;

    /// Frames of every layout the fast path takes (and some it leaves to etherparse).
    fn frames() -> Vec<(i32, Vec<u8>)> {
        let payload: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        let mut out = Vec::new();
        for tags in [0usize, 1, 2] {
            for v6 in [false, true] {
                let eth = PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]);
                let b = if v6 {
                    eth.ipv6([0x20; 16], [0x21; 16], 64)
                } else {
                    eth.ipv4([192, 0, 2, 1], [198, 51, 100, 2], 64)
                };
                let b = b
                    .tcp(50000, 80, 0xffff_fff0, 4096)
                    .syn()
                    .ack(0x1234_5678)
                    .fin();
                let mut frame = Vec::new();
                b.write(&mut frame, &payload).unwrap();
                if tags == 0 {
                    out.push((101, frame.get(14..).unwrap().to_vec()));
                }
                let tag: &[&[u8]] = &[&[0x88, 0xa8, 0, 7], &[0x81, 0, 0, 9]];
                for t in tag.iter().rev().skip(2 - tags) {
                    frame.splice(12..12, t.iter().copied());
                }
                out.push((1, frame));
                // Ethernet padding after a short packet.
                let mut padded = Vec::new();
                let b = PacketBuilder::ethernet2([1; 6], [2; 6])
                    .ipv4([192, 0, 2, 1], [198, 51, 100, 2], 64)
                    .tcp(1, 2, 3, 4)
                    .rst();
                b.write(&mut padded, &[]).unwrap();
                padded.extend_from_slice(&[0; 6]);
                out.push((1, padded));
            }
        }
        out
    }

    #[test]
    fn agrees_with_etherparse_on_every_prefix() {
        let mut fast_hits = 0;
        for (linktype, frame) in frames() {
            for cut in 0..=frame.len() {
                let data = frame.get(..cut).unwrap();
                let fast = if linktype == 1 {
                    ethernet(data)
                } else {
                    raw_ip(data)
                };
                if let Some(fast) = fast {
                    fast_hits += 1;
                    let lax = decode_lax(pcap_parser::Linktype(linktype), data);
                    assert_eq!(Ok(fast), lax, "link type {linktype}, cut at {cut}");
                }
            }
        }
        assert!(fast_hits > 1000, "{fast_hits}");
    }

    #[test]
    fn leaves_fragments_and_extension_headers_to_etherparse() {
        let mut frame = Vec::new();
        PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4([192, 0, 2, 1], [198, 51, 100, 2], 64)
            .tcp(1, 2, 3, 4)
            .write(&mut frame, b"abc")
            .unwrap();
        assert!(ethernet(&frame).is_some());
        *frame.get_mut(14 + 6).unwrap() |= 0x20; // more fragments
        assert!(ethernet(&frame).is_none());
        let mut udp = Vec::new();
        PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv6([1; 16], [2; 16], 64)
            .udp(1, 2)
            .write(&mut udp, b"abc")
            .unwrap();
        assert!(ethernet(&udp).is_none());
    }
}
