//! Ethernet II (optionally 802.1Q-tagged) + IPv4 or IPv6 + TCP frames with correct IPv4
//! header and TCP checksums, built into a reused buffer.

/// TCP flags.
pub const FIN: u8 = 0x01;
/// SYN.
pub const SYN: u8 = 0x02;
/// RST.
pub const RST: u8 = 0x04;
/// PSH.
pub const PSH: u8 = 0x08;
/// ACK.
pub const ACK: u8 = 0x10;

/// Maximum segment size with the timestamp option (1460 - 12).
pub const MSS: usize = 1448;

/// An IP address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ip {
    /// IPv4.
    V4([u8; 4]),
    /// IPv6.
    V6([u8; 16]),
}

/// One end of a connection.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    /// MAC address.
    pub mac: [u8; 6],
    /// IP address.
    pub ip: Ip,
    /// TCP port.
    pub port: u16,
}

/// The addressing of one connection and its per-direction IP/TCP counters
/// (direction 0: client to server, 1: server to client).
#[derive(Clone, Debug)]
pub struct Flow {
    /// Client and server.
    pub ends: [Endpoint; 2],
    /// 802.1Q VLAN id, if tagged.
    pub vlan: Option<u16>,
    /// IPv4 identification counters.
    pub ip_id: [u16; 2],
    /// TCP timestamp values.
    pub tsval: [u32; 2],
}

impl Flow {
    /// Builds one frame from direction `dir` into `buf` (cleared first).
    #[allow(clippy::too_many_arguments)]
    pub fn frame(
        &mut self,
        dir: usize,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
        buf: &mut Vec<u8>,
    ) {
        let (src, dst) = (self.ends[dir], self.ends[1 - dir]);
        buf.clear();
        buf.extend_from_slice(&dst.mac);
        buf.extend_from_slice(&src.mac);
        if let Some(vlan) = self.vlan {
            buf.extend_from_slice(&[0x81, 0x00]);
            buf.extend_from_slice(&vlan.to_be_bytes());
        }
        let v6 = matches!(src.ip, Ip::V6(_));
        buf.extend_from_slice(if v6 { &[0x86, 0xdd] } else { &[0x08, 0x00] });

        self.tsval[dir] = self.tsval[dir].wrapping_add(1);
        let syn = flags & SYN != 0;
        let opts_len = if syn { 20 } else { 12 };
        let tcp_len = 20 + opts_len + payload.len();

        let ip_start = buf.len();
        match (src.ip, dst.ip) {
            (Ip::V4(s), Ip::V4(d)) => {
                self.ip_id[dir] = self.ip_id[dir].wrapping_add(1);
                buf.push(0x45);
                buf.push(0);
                buf.extend_from_slice(&((20 + tcp_len) as u16).to_be_bytes());
                buf.extend_from_slice(&self.ip_id[dir].to_be_bytes());
                buf.extend_from_slice(&[0x40, 0x00, 64, 6, 0, 0]);
                buf.extend_from_slice(&s);
                buf.extend_from_slice(&d);
                let c = checksum(sum(0, &buf[ip_start..ip_start + 20]));
                buf[ip_start + 10..ip_start + 12].copy_from_slice(&c.to_be_bytes());
            }
            (Ip::V6(s), Ip::V6(d)) => {
                buf.extend_from_slice(&[0x60, 0, 0, 0]);
                buf.extend_from_slice(&(tcp_len as u16).to_be_bytes());
                buf.extend_from_slice(&[6, 64]);
                buf.extend_from_slice(&s);
                buf.extend_from_slice(&d);
            }
            _ => {}
        }

        let tcp_start = buf.len();
        buf.extend_from_slice(&src.port.to_be_bytes());
        buf.extend_from_slice(&dst.port.to_be_bytes());
        buf.extend_from_slice(&seq.to_be_bytes());
        buf.extend_from_slice(&(if flags & ACK != 0 { ack } else { 0 }).to_be_bytes());
        buf.push((((20 + opts_len) / 4) as u8) << 4);
        buf.push(flags);
        buf.extend_from_slice(&(if syn { 65535u16 } else { 502 }).to_be_bytes());
        buf.extend_from_slice(&[0, 0, 0, 0]);
        let (tsval, tsecr) = (self.tsval[dir], self.tsval[1 - dir]);
        if syn {
            buf.extend_from_slice(&[2, 4, 0x05, 0xb4, 4, 2, 8, 10]);
            buf.extend_from_slice(&tsval.to_be_bytes());
            buf.extend_from_slice(&(if dir == 0 { 0 } else { tsecr }).to_be_bytes());
            buf.extend_from_slice(&[1, 3, 3, 7]);
        } else {
            buf.extend_from_slice(&[1, 1, 8, 10]);
            buf.extend_from_slice(&tsval.to_be_bytes());
            buf.extend_from_slice(&tsecr.to_be_bytes());
        }
        buf.extend_from_slice(payload);

        let mut s = match (src.ip, dst.ip) {
            (Ip::V4(a), Ip::V4(b)) => sum(sum(0, &a), &b),
            (Ip::V6(a), Ip::V6(b)) => sum(sum(0, &a), &b),
            _ => 0,
        };
        s += 6 + tcp_len as u64;
        let c = checksum(sum(s, &buf[tcp_start..]));
        buf[tcp_start + 16..tcp_start + 18].copy_from_slice(&c.to_be_bytes());
    }
}

/// Adds `data` to a ones'-complement accumulator (big-endian 16-bit words; a trailing odd
/// byte is padded with zero). Summing 32-bit words is equivalent modulo 0xffff.
fn sum(mut acc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        acc += u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 4];
    tail[..rest.len()].copy_from_slice(rest);
    acc + u64::from(u32::from_be_bytes(tail))
}

/// Folds an accumulator into the Internet checksum.
fn checksum(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}
