//! Record protection of one direction: keys, sequence number, and opening one record in place.
//!
//! - TLS 1.3 AEAD (RFC 8446 §5.2, §5.3): nonce = IV XOR sequence number, additional data = the
//!   record header, the real content type is the last non-zero byte of the plaintext.
//! - TLS 1.2 AES-GCM (RFC 5288 §3): nonce = 4-byte salt from the key block + the record's 8-byte
//!   explicit nonce; ChaCha20-Poly1305 (RFC 7905 §2): nonce = IV XOR sequence number. Additional
//!   data = sequence number, type, version, plaintext length (RFC 5246 §6.2.3.3).
//! - CBC with HMAC (RFC 5246 §6.2.3.2): MAC-then-encrypt, or encrypt-then-MAC when negotiated
//!   (RFC 7366); TLS 1.1 and 1.2 carry an explicit IV per record, TLS 1.0 chains the last
//!   ciphertext block into the next record (RFC 2246 §6.2.3.2).
//!
//! AEADs are ring's (AES-GCM and ChaCha20-Poly1305); CBC and MACs are RustCrypto's (`aes` +
//! `cbc`, `hmac`).
//! A record is decrypted where it lies: the caller's buffer holds exactly one record, and the
//! plaintext is a range of it.

use std::ops::Range;

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, InnerIvInit, KeyInit};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha384};

use super::schedule::{hkdf_expand_label, prf, HashAlg, Prf};
use super::suite::{Cipher, MacAlg, Suite};

const TAG: usize = 16;
const BLOCK: usize = 16;

/// Why a record could not be opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The AEAD tag or the HMAC does not match: a wrong key, or damaged bytes.
    Authentication,
    /// Too short for the cipher, or not whole blocks.
    Length,
    /// CBC padding bytes that disagree with the padding length.
    Padding,
    /// A TLS 1.3 plaintext of only zeros: no content type.
    NoContentType,
}

impl Failure {
    /// A few words for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Failure::Authentication => "authentication failed (wrong key, or damaged bytes)",
            Failure::Length => "record too short for its cipher",
            Failure::Padding => "CBC padding does not match (wrong key, or damaged bytes)",
            Failure::NoContentType => "TLS 1.3 record without a content type",
        }
    }
}

/// An AEAD key: ring's AES-GCM and ChaCha20-Poly1305 (assembly with AES-NI, CLMUL and AVX2
/// where the CPU has them), several times the throughput of the portable implementations.
struct Aead(ring::aead::LessSafeKey);

impl Aead {
    fn new(cipher: Cipher, key: &[u8]) -> Option<Aead> {
        let alg = match cipher {
            Cipher::AesGcm { key_len: 16 } => &ring::aead::AES_128_GCM,
            Cipher::AesGcm { key_len: 32 } => &ring::aead::AES_256_GCM,
            Cipher::ChaCha20Poly1305 => &ring::aead::CHACHA20_POLY1305,
            _ => return None,
        };
        let key = ring::aead::UnboundKey::new(alg, key).ok()?;
        Some(Aead(ring::aead::LessSafeKey::new(key)))
    }

    fn open(&self, nonce: &[u8; 12], aad: &[u8], data: &mut [u8], tag: &[u8]) -> bool {
        let Ok(tag) = ring::aead::Tag::try_from(tag) else {
            return false;
        };
        let nonce = ring::aead::Nonce::assume_unique_for_key(*nonce);
        self.0
            .open_in_place_separate_tag(nonce, ring::aead::Aad::from(aad), tag, data, 0..)
            .is_ok()
    }
}

/// Boxed: an expanded AES-256 key is 960 bytes.
enum BlockKey {
    Aes128(Box<aes::Aes128>),
    Aes256(Box<aes::Aes256>),
}

impl BlockKey {
    /// Decrypts whole blocks in place with CBC from `iv`.
    fn decrypt(&self, iv: &[u8; BLOCK], data: &mut [u8]) -> bool {
        let iv = iv.into();
        match self {
            BlockKey::Aes128(k) => cbc::Decryptor::<aes::Aes128>::inner_iv_init((**k).clone(), iv)
                .decrypt_padded_mut::<NoPadding>(data)
                .is_ok(),
            BlockKey::Aes256(k) => cbc::Decryptor::<aes::Aes256>::inner_iv_init((**k).clone(), iv)
                .decrypt_padded_mut::<NoPadding>(data)
                .is_ok(),
        }
    }
}

enum MacKey {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
}

fn verify<M: Mac + Clone>(keyed: &M, parts: &[&[u8]], tag: &[u8]) -> bool {
    let mut m = keyed.clone();
    for p in parts {
        m.update(p);
    }
    m.verify_slice(tag).is_ok()
}

impl MacKey {
    fn new(alg: MacAlg, key: &[u8]) -> Option<MacKey> {
        Some(match alg {
            MacAlg::Sha1 => MacKey::Sha1(<Hmac<Sha1> as Mac>::new_from_slice(key).ok()?),
            MacAlg::Sha256 => MacKey::Sha256(<Hmac<Sha256> as Mac>::new_from_slice(key).ok()?),
            MacAlg::Sha384 => MacKey::Sha384(<Hmac<Sha384> as Mac>::new_from_slice(key).ok()?),
        })
    }

    fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        match self {
            MacKey::Sha1(k) => verify(k, parts, tag),
            MacKey::Sha256(k) => verify(k, parts, tag),
            MacKey::Sha384(k) => verify(k, parts, tag),
        }
    }
}

enum Kind {
    Tls13 {
        aead: Aead,
        iv: [u8; 12],
    },
    /// TLS 1.2 AES-GCM: 4-byte salt, explicit nonce in the record.
    Gcm12 {
        aead: Aead,
        salt: [u8; 4],
    },
    /// TLS 1.2 ChaCha20-Poly1305.
    ChaCha12 {
        aead: Aead,
        iv: [u8; 12],
    },
    Cbc {
        key: BlockKey,
        /// Boxed: a keyed HMAC-SHA384 is a few hundred bytes.
        mac: Box<MacKey>,
        mac_len: usize,
        etm: bool,
        /// TLS 1.0: the IV of the next record (the last ciphertext block of the previous one).
        chained_iv: Option<[u8; BLOCK]>,
    },
}

/// The keys of one direction and its record sequence number.
pub struct Protection {
    kind: Kind,
    seq: u64,
    /// The TLS 1.3 traffic secret and hash, for key updates.
    secret: Option<(HashAlg, [u8; 48], usize)>,
}

/// The TLS 1.2 (and earlier) key material of both directions, derived from the master secret.
pub struct KeyBlock {
    /// Client's write keys.
    pub client: Protection,
    /// Server's write keys.
    pub server: Protection,
}

fn nonce_xor(iv: &[u8; 12], seq: u64) -> [u8; 12] {
    let mut n = *iv;
    for (b, s) in n.iter_mut().skip(4).zip(seq.to_be_bytes()) {
        *b ^= s;
    }
    n
}

impl Protection {
    /// The keys of a TLS 1.3 traffic secret (RFC 8446 §7.3).
    pub fn tls13(suite: &Suite, secret: &[u8]) -> Option<Protection> {
        let key_len = match suite.cipher {
            Cipher::AesGcm { key_len } => key_len,
            Cipher::ChaCha20Poly1305 => 32,
            Cipher::AesCbc { .. } => return None,
        };
        if secret.len() != suite.hash.output_len() {
            return None;
        }
        let mut key = [0u8; 32];
        let key = key.get_mut(..key_len)?;
        let mut iv = [0u8; 12];
        hkdf_expand_label(suite.hash, secret, b"key", b"", key)?;
        hkdf_expand_label(suite.hash, secret, b"iv", b"", &mut iv)?;
        let mut kept = [0u8; 48];
        kept.get_mut(..secret.len())?.copy_from_slice(secret);
        Some(Protection {
            kind: Kind::Tls13 {
                aead: Aead::new(suite.cipher, key)?,
                iv,
            },
            seq: 0,
            secret: Some((suite.hash, kept, secret.len())),
        })
    }

    /// The keys after a KeyUpdate: `application_traffic_secret_N+1` (RFC 8446 §7.2).
    pub fn updated(&self, suite: &Suite) -> Option<Protection> {
        let (hash, secret, len) = self.secret?;
        let secret = secret.get(..len)?;
        let mut next = [0u8; 48];
        let next = next.get_mut(..len)?;
        hkdf_expand_label(hash, secret, b"traffic upd", b"", next)?;
        Protection::tls13(suite, next)
    }

    /// Records opened so far (the next record's sequence number).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Opens one record in place. `header` is its 5-byte header, `body` the rest of it. When it
    /// fails, `body` may have been overwritten.
    /// Returns the content type and where the plaintext lies in `body`; the sequence number
    /// advances only when the record opens. When it fails, `body` may have been overwritten.
    pub fn open(
        &mut self,
        header: &[u8; 5],
        body: &mut [u8],
    ) -> Result<(u8, Range<usize>), Failure> {
        let seq = self.seq;
        let [ctype, v0, v1, _, _] = *header;
        let aad12 = |plain_len: usize| -> [u8; 13] {
            let mut a = [0u8; 13];
            a[..8].copy_from_slice(&seq.to_be_bytes());
            a[8] = ctype;
            a[9] = v0;
            a[10] = v1;
            a[11..].copy_from_slice(&(plain_len as u16).to_be_bytes());
            a
        };
        let opened = match &mut self.kind {
            Kind::Tls13 { aead, iv } => {
                let n = body.len().checked_sub(TAG).ok_or(Failure::Length)?;
                let (data, tag) = body.split_at_mut(n);
                if !aead.open(&nonce_xor(iv, seq), header, data, tag) {
                    return Err(Failure::Authentication);
                }
                let end = data
                    .iter()
                    .rposition(|&b| b != 0)
                    .ok_or(Failure::NoContentType)?;
                let inner = data.get(end).copied().ok_or(Failure::NoContentType)?;
                (inner, 0..end)
            }
            Kind::Gcm12 { aead, salt } => {
                let n = body.len().checked_sub(8 + TAG).ok_or(Failure::Length)?;
                let (explicit, rest) = body.split_at_mut(8);
                let (data, tag) = rest.split_at_mut(n);
                let mut nonce = [0u8; 12];
                nonce[..4].copy_from_slice(salt);
                nonce[4..].copy_from_slice(explicit);
                if !aead.open(&nonce, &aad12(n), data, tag) {
                    return Err(Failure::Authentication);
                }
                (ctype, 8..8 + n)
            }
            Kind::ChaCha12 { aead, iv } => {
                let n = body.len().checked_sub(TAG).ok_or(Failure::Length)?;
                let (data, tag) = body.split_at_mut(n);
                if !aead.open(&nonce_xor(iv, seq), &aad12(n), data, tag) {
                    return Err(Failure::Authentication);
                }
                (ctype, 0..n)
            }
            Kind::Cbc {
                key,
                mac,
                mac_len,
                etm,
                chained_iv,
            } => {
                let mac_len = *mac_len;
                let explicit = chained_iv.is_none();
                let iv_len = if explicit { BLOCK } else { 0 };
                // Encrypt-then-MAC: the MAC covers IV and ciphertext, and comes last.
                let enc_len = if *etm {
                    let n = body.len().checked_sub(mac_len).ok_or(Failure::Length)?;
                    let (enc, tag) = body.split_at(n);
                    if !mac.verify(&[&aad12(n), enc], tag) {
                        return Err(Failure::Authentication);
                    }
                    n
                } else {
                    body.len()
                };
                let enc = body.get_mut(..enc_len).ok_or(Failure::Length)?;
                if enc_len < iv_len + BLOCK || (enc_len - iv_len) % BLOCK != 0 {
                    return Err(Failure::Length);
                }
                let (iv_bytes, data) = enc.split_at_mut(iv_len);
                let iv: [u8; BLOCK] = match chained_iv {
                    Some(iv) => *iv,
                    None => <[u8; BLOCK]>::try_from(&*iv_bytes).map_err(|_| Failure::Length)?,
                };
                if let Some(next) = chained_iv.as_mut() {
                    let last = data.get(data.len() - BLOCK..).ok_or(Failure::Length)?;
                    next.copy_from_slice(last);
                }
                if !key.decrypt(&iv, data) {
                    return Err(Failure::Length);
                }
                let pad = usize::from(*data.last().ok_or(Failure::Length)?);
                let tail = pad + 1 + if *etm { 0 } else { mac_len };
                let content_len = data.len().checked_sub(tail).ok_or(Failure::Padding)?;
                let padding = data.get(data.len() - pad - 1..).ok_or(Failure::Padding)?;
                if padding.iter().any(|&b| usize::from(b) != pad) {
                    return Err(Failure::Padding);
                }
                if !*etm {
                    let (content, rest) = data.split_at(content_len);
                    let tag = rest.get(..mac_len).ok_or(Failure::Length)?;
                    if !mac.verify(&[&aad12(content_len), content], tag) {
                        return Err(Failure::Authentication);
                    }
                }
                (ctype, iv_len..iv_len + content_len)
            }
        };
        self.seq += 1;
        Ok(opened)
    }
}

/// Splits the key block of a TLS 1.2-or-earlier connection (RFC 5246 §6.3) into both
/// directions' keys. `version` is the negotiated record version (0x0301 for TLS 1.0 chains
/// CBC IVs); `etm` whether encrypt-then-MAC was negotiated.
pub fn key_block(
    suite: &Suite,
    version: u16,
    etm: bool,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Option<KeyBlock> {
    let (mac_len, key_len, iv_len) = match suite.cipher {
        Cipher::AesGcm { key_len } => (0, key_len, 4),
        Cipher::ChaCha20Poly1305 => (0, 32, 12),
        Cipher::AesCbc { key_len, mac } => (mac.output_len(), key_len, BLOCK),
    };
    let kind = if version >= 0x0303 {
        Prf::Tls12(suite.hash)
    } else {
        Prf::Md5Sha1
    };
    let mut block = [0u8; 2 * (48 + 32 + 16)];
    let block = block.get_mut(..2 * (mac_len + key_len + iv_len))?;
    prf(
        kind,
        master,
        b"key expansion",
        &[server_random, client_random],
        block,
    );
    let (macs, rest) = block.split_at(2 * mac_len);
    let (keys, ivs) = rest.split_at(2 * key_len);
    let side = |i: usize| -> Option<Protection> {
        let key = keys.get(i * key_len..(i + 1) * key_len)?;
        let iv = ivs.get(i * iv_len..(i + 1) * iv_len)?;
        let kind = match suite.cipher {
            Cipher::AesGcm { .. } => Kind::Gcm12 {
                aead: Aead::new(suite.cipher, key)?,
                salt: iv.try_into().ok()?,
            },
            Cipher::ChaCha20Poly1305 => Kind::ChaCha12 {
                aead: Aead::new(suite.cipher, key)?,
                iv: iv.try_into().ok()?,
            },
            Cipher::AesCbc { mac, .. } => Kind::Cbc {
                key: match key_len {
                    16 => BlockKey::Aes128(Box::new(aes::Aes128::new_from_slice(key).ok()?)),
                    _ => BlockKey::Aes256(Box::new(aes::Aes256::new_from_slice(key).ok()?)),
                },
                mac: Box::new(MacKey::new(mac, macs.get(i * mac_len..(i + 1) * mac_len)?)?),
                mac_len,
                etm,
                chained_iv: (version < 0x0302).then(|| iv.try_into().ok()).flatten(),
            },
        };
        Some(Protection {
            kind,
            seq: 0,
            secret: None,
        })
    };
    Some(KeyBlock {
        client: side(0)?,
        server: side(1)?,
    })
}
