//! TLS 1.3 records (RFC 8446 §5) and handshake messages as a browser and a server write them,
//! sealed with the RustCrypto AEADs from traffic secrets that a key log then names, so the
//! reader derives every key itself (HKDF-Expand-Label, §7.1 and §7.3).

// Keys and lengths here are the generator's own constants, not input: a failure is a bug in
// the generator and stops it loudly.
#![allow(clippy::expect_used)]

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::Aes128Gcm;
use chacha20poly1305::ChaCha20Poly1305;
use corscope::capture::tls::schedule::{hkdf_expand_label, HashAlg};

/// TLS_AES_128_GCM_SHA256.
pub const TLS_AES_128_GCM_SHA256: u16 = 0x1301;
/// TLS_CHACHA20_POLY1305_SHA256.
pub const TLS_CHACHA20_POLY1305_SHA256: u16 = 0x1303;
/// Largest plaintext of one record (2^14).
pub const MAX_PLAINTEXT: usize = 16 << 10;

/// Record content types.
pub mod content {
    /// change_cipher_spec.
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    /// alert.
    pub const ALERT: u8 = 21;
    /// handshake.
    pub const HANDSHAKE: u8 = 22;
    /// application_data.
    pub const APPLICATION_DATA: u8 = 23;
}

/// Appends a plaintext record.
pub fn record(ty: u8, body: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&[ty, 3, 3]);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// A handshake message: type and 24-bit length.
pub fn handshake(ty: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len() as u32;
    let mut m = vec![ty, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    m.extend_from_slice(body);
    m
}

fn vec16(body: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
}

fn extension(ty: u16, body: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&ty.to_be_bytes());
    vec16(body, out);
}

/// The ALPN extension body offering `protocols`.
fn alpn(protocols: &[&[u8]]) -> Vec<u8> {
    let mut list = Vec::new();
    for p in protocols {
        list.push(p.len() as u8);
        list.extend_from_slice(p);
    }
    let mut body = Vec::new();
    vec16(&list, &mut body);
    body
}

/// A ClientHello record as Chromium sends it: SNI, ALPN `h2` and `http/1.1`, TLS 1.3 and 1.2,
/// an X25519 key share.
pub fn client_hello(random: &[u8; 32], session_id: &[u8; 32], sni: &str, out: &mut Vec<u8>) {
    let mut b = vec![3, 3];
    b.extend_from_slice(random);
    b.push(32);
    b.extend_from_slice(session_id);
    vec16(
        &[
            0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa9,
        ],
        &mut b,
    );
    b.extend_from_slice(&[1, 0]);
    let mut ext = Vec::new();
    let mut name = vec![0];
    vec16(sni.as_bytes(), &mut name);
    let mut list = Vec::new();
    vec16(&name, &mut list);
    extension(0, &list, &mut ext);
    extension(10, &[0, 4, 0, 0x1d, 0, 0x17], &mut ext);
    extension(13, &[0, 6, 4, 3, 8, 4, 4, 1], &mut ext);
    extension(16, &alpn(&[b"h2", b"http/1.1"]), &mut ext);
    extension(43, &[4, 3, 4, 3, 3], &mut ext);
    extension(45, &[1, 1], &mut ext);
    let mut share = vec![0, 0x1d, 0, 32];
    share.extend_from_slice(&random[..]);
    let mut shares = Vec::new();
    vec16(&share, &mut shares);
    extension(51, &shares, &mut ext);
    vec16(&ext, &mut b);
    record(content::HANDSHAKE, &handshake(1, &b), out);
}

/// A TLS 1.3 ServerHello record choosing `suite`.
pub fn server_hello(random: &[u8; 32], session_id: &[u8; 32], suite: u16, out: &mut Vec<u8>) {
    let mut b = vec![3, 3];
    b.extend_from_slice(random);
    b.push(32);
    b.extend_from_slice(session_id);
    b.extend_from_slice(&suite.to_be_bytes());
    b.push(0);
    let mut ext = Vec::new();
    extension(43, &[3, 4], &mut ext);
    let mut share = vec![0, 0x1d, 0, 32];
    share.extend_from_slice(&random[..]);
    extension(51, &share, &mut ext);
    vec16(&ext, &mut b);
    record(content::HANDSHAKE, &handshake(2, &b), out);
}

/// The server's encrypted flight: EncryptedExtensions choosing `h2`, a Certificate of
/// `cert_len` bytes, CertificateVerify and Finished (sealed by the caller).
pub fn server_flight(cert_len: usize) -> Vec<u8> {
    let mut ee = Vec::new();
    extension(16, &alpn(&[b"h2"]), &mut ee);
    let mut ee_body = Vec::new();
    vec16(&ee, &mut ee_body);
    let mut entry = Vec::new();
    let n = cert_len as u32;
    entry.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    entry.resize(3 + cert_len, 0x5a);
    entry.extend_from_slice(&[0, 0]);
    let n = entry.len() as u32;
    let mut cert = vec![0, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    cert.extend_from_slice(&entry);
    let mut verify = vec![8, 4];
    vec16(&[0x77; 256], &mut verify);
    [
        handshake(8, &ee_body),
        handshake(11, &cert),
        handshake(15, &verify),
        handshake(20, &[0x33; 32]),
    ]
    .concat()
}

/// The client's Finished message (sealed by the caller).
pub fn client_finished() -> Vec<u8> {
    handshake(20, &[0x44; 32])
}

fn hex(bytes: &[u8], out: &mut String) {
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
}

/// Appends one NSS key log line.
pub fn keylog_line(label: &str, random: &[u8; 32], secret: &[u8; 32], out: &mut String) {
    out.push_str(label);
    out.push(' ');
    hex(random, out);
    out.push(' ');
    hex(secret, out);
    out.push('\n');
}

enum Aead {
    Aes128(Box<Aes128Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

/// Seals TLS 1.3 records of one direction with one traffic secret.
pub struct Sealer {
    aead: Aead,
    iv: [u8; 12],
    seq: u64,
}

impl Sealer {
    /// A sealer for `suite` (AES-128-GCM or ChaCha20-Poly1305, both SHA-256) from `secret`.
    pub fn new(suite: u16, secret: &[u8; 32]) -> Self {
        let mut key = vec![
            0;
            if suite == TLS_AES_128_GCM_SHA256 {
                16
            } else {
                32
            }
        ];
        let mut iv = [0; 12];
        hkdf_expand_label(HashAlg::Sha256, secret, b"key", b"", &mut key).expect("key");
        hkdf_expand_label(HashAlg::Sha256, secret, b"iv", b"", &mut iv).expect("iv");
        let aead = if suite == TLS_AES_128_GCM_SHA256 {
            Aead::Aes128(Box::new(Aes128Gcm::new_from_slice(&key).expect("key")))
        } else {
            Aead::ChaCha(Box::new(
                ChaCha20Poly1305::new_from_slice(&key).expect("key"),
            ))
        };
        Self { aead, iv, seq: 0 }
    }

    /// Appends one record holding `plaintext` (at most [`MAX_PLAINTEXT`]) of `inner_type`.
    pub fn seal(&mut self, inner_type: u8, plaintext: &[u8], out: &mut Vec<u8>) {
        let len = (plaintext.len() + 1 + 16) as u16;
        let header = [content::APPLICATION_DATA, 3, 3, (len >> 8) as u8, len as u8];
        let mut nonce = self.iv;
        for (n, s) in nonce.iter_mut().skip(4).zip(self.seq.to_be_bytes()) {
            *n ^= s;
        }
        self.seq += 1;
        out.extend_from_slice(&header);
        let start = out.len();
        out.extend_from_slice(plaintext);
        out.push(inner_type);
        let body = &mut out[start..];
        let tag = match &self.aead {
            Aead::Aes128(a) => a.encrypt_in_place_detached((&nonce).into(), &header, body),
            Aead::ChaCha(a) => a.encrypt_in_place_detached((&nonce).into(), &header, body),
        }
        .expect("seal");
        out.extend_from_slice(&tag);
    }

    /// Appends `plaintext` as records of at most `max` bytes each.
    pub fn seal_all(&mut self, inner_type: u8, plaintext: &[u8], max: usize, out: &mut Vec<u8>) {
        for chunk in plaintext.chunks(max.clamp(1, MAX_PLAINTEXT)) {
            self.seal(inner_type, chunk, out);
        }
    }
}
