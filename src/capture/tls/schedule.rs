//! Key schedules: from the secrets of a key log to record keys.
//!
//! - TLS 1.3 (RFC 8446 §7.1, §7.2, §7.3): `HKDF-Expand-Label` gives each traffic secret's
//!   write key and IV, and the next secret after a KeyUpdate (`"traffic upd"`).
//! - TLS 1.2 (RFC 5246 §5, §6.3): the PRF `P_SHA256` (or `P_SHA384` for suites that name it)
//!   expands the master secret into the key block.
//! - TLS 1.0 and 1.1 (RFC 2246 §5, RFC 4346 §5): the PRF is `P_MD5` over the first half of the
//!   secret XOR `P_SHA1` over the second half.
//!
//! The hashes, HMAC and HKDF come from RustCrypto (`sha2`, `sha1`, `md-5`, `hmac`, `hkdf`);
//! the PRF is written here because it is a few lines of HMAC composition that no well-kept
//! crate exposes on its own.

use hkdf::Hkdf;
use hmac::digest::core_api::BlockSizeUser;
use hmac::digest::{Digest, FixedOutputReset};
use hmac::{Mac, SimpleHmac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha256, Sha384};

/// The hash of a TLS 1.3 suite, or of the TLS 1.2 PRF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashAlg {
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
        }
    }
}

/// The PRF of a TLS version and suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prf {
    /// TLS 1.0 and 1.1: MD5 and SHA-1 combined.
    Md5Sha1,
    /// TLS 1.2 with the suite's hash.
    Tls12(HashAlg),
}

/// `HKDF-Expand-Label(secret, label, context, out.len())` (RFC 8446 §7.1). `None` when the
/// secret is not a valid pseudorandom key for `hash` or the output is too long.
pub fn hkdf_expand_label(
    hash: HashAlg,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Option<()> {
    let len = u16::try_from(out.len()).ok()?;
    let full_label_len = u8::try_from(6 + label.len()).ok()?;
    let context_len = u8::try_from(context.len()).ok()?;
    let len = len.to_be_bytes();
    let info: [&[u8]; 6] = [
        &len,
        &[full_label_len],
        b"tls13 ",
        label,
        &[context_len],
        context,
    ];
    match hash {
        HashAlg::Sha256 => Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand_multi_info(&info, out)
            .ok(),
        HashAlg::Sha384 => Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand_multi_info(&info, out)
            .ok(),
    }
}

/// `P_hash(secret, label + seed)` XORed into `out` (RFC 5246 §5).
fn p_hash_xor<D>(secret: &[u8], label: &[u8], seed: &[&[u8]], out: &mut [u8])
where
    D: Digest + BlockSizeUser + FixedOutputReset + Clone,
{
    let Ok(keyed) = SimpleHmac::<D>::new_from_slice(secret) else {
        return;
    };
    // A(1) = HMAC(secret, label + seed).
    let mut a = {
        let mut m = keyed.clone();
        m.update(label);
        for s in seed {
            m.update(s);
        }
        m.finalize().into_bytes()
    };
    for chunk in out.chunks_mut(<D as Digest>::output_size()) {
        let mut m = keyed.clone();
        m.update(&a);
        m.update(label);
        for s in seed {
            m.update(s);
        }
        let block = m.finalize().into_bytes();
        for (o, b) in chunk.iter_mut().zip(block.iter()) {
            *o ^= b;
        }
        let mut m = keyed.clone();
        m.update(&a);
        a = m.finalize().into_bytes();
    }
}

/// `PRF(secret, label, seed)` filling `out`; `seed` is given in pieces.
pub fn prf(kind: Prf, secret: &[u8], label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    out.fill(0);
    match kind {
        Prf::Tls12(HashAlg::Sha256) => p_hash_xor::<Sha256>(secret, label, seed, out),
        Prf::Tls12(HashAlg::Sha384) => p_hash_xor::<Sha384>(secret, label, seed, out),
        Prf::Md5Sha1 => {
            // Two halves, sharing the middle byte when the length is odd (RFC 2246 §5).
            let half = secret.len().div_ceil(2);
            let s1 = secret.get(..half).unwrap_or_default();
            let s2 = secret.get(secret.len() - half..).unwrap_or_default();
            p_hash_xor::<Md5>(s1, label, seed, out);
            p_hash_xor::<Sha1>(s2, label, seed, out);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The server handshake key and IV of RFC 8448 §3 (a simple 1-RTT handshake).
    #[test]
    fn hkdf_expand_label_matches_rfc_8448() {
        let secret = hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
        let mut key = [0; 16];
        let mut iv = [0; 12];
        hkdf_expand_label(HashAlg::Sha256, &secret, b"key", b"", &mut key).unwrap();
        hkdf_expand_label(HashAlg::Sha256, &secret, b"iv", b"", &mut iv).unwrap();
        assert_eq!(key.to_vec(), hex("3fce516009c21727d0f2e4e86ee403bc"));
        assert_eq!(iv.to_vec(), hex("5d313eb2671276ee13000b30"));
    }

    /// The TLS 1.2 PRF test vector for P_SHA256 published with the RFC 5246 errata
    /// discussions (also used by Go's crypto/tls and many others).
    #[test]
    fn prf_sha256_matches_the_known_vector() {
        let secret = hex("9bbe436ba940f017b17652849a71db35");
        let seed = hex("a0ba9f936cda311827a6f796ffd5198c");
        let mut out = [0u8; 100];
        prf(
            Prf::Tls12(HashAlg::Sha256),
            &secret,
            b"test label",
            &[&seed],
            &mut out,
        );
        assert_eq!(
            out.to_vec(),
            hex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66")
        );
    }

    /// The TLS 1.0/1.1 PRF: each half keys its own hash, and the outputs are XORed.
    #[test]
    fn md5_sha1_prf_combines_both_halves() {
        let secret = [7u8; 48];
        let mut out = [0u8; 40];
        prf(Prf::Md5Sha1, &secret, b"l", &[b"seed"], &mut out);
        let mut md5 = [0u8; 40];
        p_hash_xor::<Md5>(&secret[..24], b"l", &[b"seed"], &mut md5);
        let mut sha1 = [0u8; 40];
        p_hash_xor::<Sha1>(&secret[24..], b"l", &[b"seed"], &mut sha1);
        let xor: Vec<u8> = md5.iter().zip(sha1).map(|(a, b)| a ^ b).collect();
        assert_eq!(out.to_vec(), xor);
        assert_ne!(md5, [0; 40]);
    }
}
