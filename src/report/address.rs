//! Socket and IP addresses as `Display` writes them, without the formatting machinery: two
//! of these per record cost more than the rest of it. IPv6 addresses are written as RFC 5952
//! and the standard library write them (the longest run of two or more zero groups, the
//! first of equal runs, shortened to `::`); IPv4-mapped ones and those with a scope id are
//! left to the standard library. Tests compare both on generated addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::record::decimal;

/// `address` as `Display` writes it.
pub(super) fn address_text(address: SocketAddr) -> String {
    match address {
        SocketAddr::V4(v4) => {
            // At most 21 bytes, all ASCII: spelt into a buffer on the stack, copied once.
            let mut buf = [0u8; 24];
            let mut at = put_v4(&mut buf, v4.ip());
            at = put_byte(&mut buf, at, b':');
            at = put_decimal(&mut buf, at, v4.port());
            ascii(buf.get(..at).unwrap_or_default()).to_owned()
        }
        SocketAddr::V6(v6) => {
            if v6.scope_id() != 0 || v6.ip().to_ipv4_mapped().is_some() {
                return address.to_string();
            }
            let mut out = String::with_capacity(48);
            out.push('[');
            push_v6(&mut out, v6.ip());
            out.push_str("]:");
            out.push_str(ascii(decimal(u64::from(v6.port()), &mut [0; 20])));
            out
        }
    }
}

/// `ip` as `Display` writes it.
pub(super) fn ip_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let mut buf = [0u8; 24];
            let at = put_v4(&mut buf, &v4);
            ascii(buf.get(..at).unwrap_or_default()).to_owned()
        }
        IpAddr::V6(v6) => {
            if v6.to_ipv4_mapped().is_some() {
                return ip.to_string();
            }
            let mut out = String::with_capacity(40);
            push_v6(&mut out, &v6);
            out
        }
    }
}

/// Spells `ip` dotted at the start of `buf`; returns where it ends.
fn put_v4(buf: &mut [u8], ip: &Ipv4Addr) -> usize {
    let mut at = 0;
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            at = put_byte(buf, at, b'.');
        }
        at = put_decimal(buf, at, u16::from(octet));
    }
    at
}

/// Writes `b` into `buf` at `at`; returns where it ends (`buf` is long enough for any address
/// written here).
fn put_byte(buf: &mut [u8], at: usize, b: u8) -> usize {
    if let Some(dst) = buf.get_mut(at) {
        *dst = b;
    }
    at + 1
}

/// Spells `n` in decimal into `buf` at `at`, digit by digit in place (no copy of a spelt
/// number: an address has five numbers); returns where it ends.
fn put_decimal(buf: &mut [u8], at: usize, n: u16) -> usize {
    let len = match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    };
    let mut n = n;
    for i in (at..at + len).rev() {
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
    }
    at + len
}

/// ASCII bytes as text.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Appends an IPv6 address (neither IPv4-mapped nor scoped) as RFC 5952 text.
fn push_v6(out: &mut String, ip: &Ipv6Addr) {
    let groups = ip.segments();
    // The longest run of zero groups, the first of equal ones.
    let (mut best, mut best_len, mut run, mut run_len) = (0, 0, 0, 0);
    for (i, &g) in groups.iter().enumerate() {
        if g == 0 {
            if run_len == 0 {
                run = i;
            }
            run_len += 1;
            if run_len > best_len {
                (best, best_len) = (run, run_len);
            }
        } else {
            run_len = 0;
        }
    }
    let write = |out: &mut String, part: &[u16]| {
        for (i, &g) in part.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            push_hex(out, g);
        }
    };
    if best_len > 1 {
        write(out, groups.get(..best).unwrap_or_default());
        out.push_str("::");
        write(out, groups.get(best + best_len..).unwrap_or_default());
    } else {
        write(out, &groups);
    }
}

/// Appends `g` in lower-case hexadecimal without leading zeros.
fn push_hex(out: &mut String, g: u16) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut started = false;
    for shift in [12, 8, 4, 0] {
        let d = usize::from(g >> shift & 0xf);
        if started || d != 0 || shift == 0 {
            started = true;
            out.push(char::from(DIGITS[d]));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{SocketAddrV4, SocketAddrV6};

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn addresses_read_as_display_writes_them() {
        let cases = [
            "0.0.0.0:0",
            "198.51.100.6:32803",
            "255.255.255.255:65535",
            "10.0.0.1:80",
            "[2001:db8:1::701]:32817",
            "[::ffff:1.2.3.4]:9",
            "[::]:1",
            "[::1]:443",
            "[1::]:443",
            "[2001:db8::1:0:0:1]:80",
            "[2001:0:0:1::1]:80",
            "[1:0:1:0:1:0:1:0]:80",
            "[fe80::1%3]:80",
        ];
        for c in cases {
            let a: SocketAddr = c.parse().expect("address");
            assert_eq!(address_text(a), a.to_string(), "{c}");
            assert_eq!(ip_text(a.ip()), a.ip().to_string(), "{c}");
        }
    }

    #[test]
    fn every_port_and_octet_as_display_writes_it() {
        for n in 0..=u16::MAX {
            let octet = (n % 256) as u8;
            let a = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(octet, 9, 10, octet), n));
            assert_eq!(address_text(a), a.to_string());
        }
    }

    proptest! {
        /// Groups drawn mostly zero, so that runs of every length and position occur.
        #[test]
        fn ipv6_as_display_writes_it(
            groups in proptest::array::uniform8(prop_oneof![3 => Just(0u16), 1 => any::<u16>()]),
            port: u16,
            scope in prop_oneof![3 => Just(0u32), 1 => any::<u32>()],
        ) {
            let a = SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(groups), port, 0, scope));
            prop_assert_eq!(address_text(a), a.to_string());
            prop_assert_eq!(ip_text(a.ip()), a.ip().to_string());
        }

        #[test]
        fn ipv4_as_display_writes_it(ip: u32, port: u16) {
            let a = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(ip), port));
            prop_assert_eq!(address_text(a), a.to_string());
            prop_assert_eq!(ip_text(a.ip()), a.ip().to_string());
        }
    }
}
