//! The flow key (canonical 5-tuple: the two endpoints in sorted order) and its hasher.
//!
//! std's SipHash costs more per packet than the rest of the TCP layer, so keys are hashed as a
//! few 64-bit words, each folded in with a multiply and xor-shift from a per-table random seed.
//! The chaining is non-linear and seeded, so a capture cannot be crafted to collide its flows
//! without knowing the seed.

use std::hash::{BuildHasher, Hash, Hasher};
use std::net::{IpAddr, SocketAddr};

/// A connection's endpoints, lower first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    lo: SocketAddr,
    hi: SocketAddr,
}

impl Key {
    /// The key of a segment between `a` and `b`, either direction.
    pub fn of(a: SocketAddr, b: SocketAddr) -> Self {
        if a <= b {
            Key { lo: a, hi: b }
        } else {
            Key { lo: b, hi: a }
        }
    }
}

fn write_addr<H: Hasher>(a: &SocketAddr, state: &mut H) {
    match a.ip() {
        IpAddr::V4(ip) => state.write_u64(u64::from(u32::from(ip)) << 16 | u64::from(a.port())),
        IpAddr::V6(ip) => {
            let v = u128::from(ip);
            state.write_u64((v >> 64) as u64);
            state.write_u64(v as u64);
            state.write_u64(u64::from(a.port()) | 1 << 32);
        }
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        write_addr(&self.lo, state);
        write_addr(&self.hi, state);
    }
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;

fn mix(x: u64) -> u64 {
    let x = (x ^ (x >> 31)).wrapping_mul(K);
    x ^ (x >> 29)
}

/// Builds [`FlowHasher`]s with one random seed.
#[derive(Clone, Copy, Debug)]
pub struct FlowHash {
    seed: u64,
}

impl Default for FlowHash {
    fn default() -> Self {
        Self {
            seed: std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64),
        }
    }
}

impl BuildHasher for FlowHash {
    type Hasher = FlowHasher;
    fn build_hasher(&self) -> FlowHasher {
        FlowHasher { h: self.seed }
    }
}

/// The hasher of [`FlowHash`].
#[derive(Clone, Copy, Debug)]
pub struct FlowHasher {
    h: u64,
}

impl Hasher for FlowHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            if let Some(dst) = w.get_mut(..chunk.len()) {
                dst.copy_from_slice(chunk);
            }
            self.write_u64(u64::from_le_bytes(w));
        }
    }

    fn write_u64(&mut self, w: u64) {
        self.h = mix(self.h.wrapping_add(w)).wrapping_add(K);
    }

    fn finish(&self) -> u64 {
        mix(self.h)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_share_a_key_and_hash() {
        let a: SocketAddr = "192.0.2.1:5000".parse().unwrap();
        let b: SocketAddr = "[2001:db8::1]:80".parse().unwrap();
        assert_eq!(Key::of(a, b), Key::of(b, a));
        let h = FlowHash::default();
        assert_eq!(h.hash_one(Key::of(a, b)), h.hash_one(Key::of(b, a)));
        assert_ne!(h.hash_one(Key::of(a, b)), h.hash_one(Key::of(a, a)));
    }
}
