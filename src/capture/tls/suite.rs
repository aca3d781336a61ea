//! Cipher suites: which ones are decrypted and how, read from tls-parser's table of the IANA
//! registry (names, ciphers, MACs, PRF hashes), so any other suite is reported by its name.
//!
//! Decrypted: the AES-GCM and ChaCha20-Poly1305 suites of TLS 1.2 and 1.3 (RFC 5288, RFC 5289,
//! RFC 7905, RFC 8446 §B.4) and the AES-CBC suites with HMAC-SHA1, -SHA256 or -SHA384 of TLS 1.0
//! to 1.2, whatever their key exchange (the key log gives the master secret).

use tls_parser::{TlsCipherEnc, TlsCipherEncMode, TlsCipherMac, TlsCipherSuite, TlsPRF};

use super::schedule::HashAlg;

/// The record protection of a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cipher {
    /// AES-GCM with a 16- or 32-byte key.
    AesGcm {
        /// Key length in bytes.
        key_len: usize,
    },
    /// ChaCha20-Poly1305.
    ChaCha20Poly1305,
    /// AES-CBC with a 16- or 32-byte key and an HMAC.
    AesCbc {
        /// Key length in bytes.
        key_len: usize,
        /// The record MAC.
        mac: MacAlg,
    },
}

/// The HMAC of a CBC suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacAlg {
    /// HMAC-SHA1.
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA384.
    Sha384,
}

impl MacAlg {
    /// MAC (and MAC key) length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            MacAlg::Sha1 => 20,
            MacAlg::Sha256 => 32,
            MacAlg::Sha384 => 48,
        }
    }
}

/// A suite this layer decrypts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    /// IANA id.
    pub id: u16,
    /// IANA name.
    pub name: &'static str,
    /// Record protection.
    pub cipher: Cipher,
    /// The hash of the TLS 1.3 key schedule, or of the TLS 1.2 PRF.
    pub hash: HashAlg,
    /// Whether it is a TLS 1.3 suite.
    pub tls13: bool,
}

/// A suite's IANA name, or its number when the registry has none.
pub fn name_of(id: u16) -> String {
    match TlsCipherSuite::from_id(id) {
        Some(s) => s.name.to_string(),
        None => format!("cipher suite 0x{id:04x}"),
    }
}

/// The suite with IANA id `id`, when this layer decrypts it.
pub fn lookup(id: u16) -> Option<Suite> {
    let s = TlsCipherSuite::from_id(id)?;
    let tls13 = (0x1301..=0x1305).contains(&id);
    let hash = match s.prf {
        TlsPRF::Default | TlsPRF::Sha256 => HashAlg::Sha256,
        TlsPRF::Sha384 => HashAlg::Sha384,
        _ => return None,
    };
    let aes_key = match s.enc_size {
        128 => Some(16),
        256 => Some(32),
        _ => None,
    };
    let cipher = match (s.enc, s.enc_mode, s.mac) {
        (TlsCipherEnc::Aes, TlsCipherEncMode::Gcm, TlsCipherMac::Aead) => {
            Cipher::AesGcm { key_len: aes_key? }
        }
        (TlsCipherEnc::Chacha20_Poly1305, _, TlsCipherMac::Aead) => Cipher::ChaCha20Poly1305,
        (TlsCipherEnc::Aes, TlsCipherEncMode::Cbc, mac) if !tls13 => Cipher::AesCbc {
            key_len: aes_key?,
            mac: match mac {
                TlsCipherMac::HmacSha1 => MacAlg::Sha1,
                TlsCipherMac::HmacSha256 => MacAlg::Sha256,
                TlsCipherMac::HmacSha384 => MacAlg::Sha384,
                _ => return None,
            },
        },
        _ => return None,
    };
    Some(Suite {
        id,
        name: s.name,
        cipher,
        hash,
        tls13,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_the_suites_we_decrypt() {
        let cases = [
            (
                0x1301,
                Cipher::AesGcm { key_len: 16 },
                HashAlg::Sha256,
                true,
            ),
            (
                0x1302,
                Cipher::AesGcm { key_len: 32 },
                HashAlg::Sha384,
                true,
            ),
            (0x1303, Cipher::ChaCha20Poly1305, HashAlg::Sha256, true),
            (
                0xc02f,
                Cipher::AesGcm { key_len: 16 },
                HashAlg::Sha256,
                false,
            ),
            (
                0xc030,
                Cipher::AesGcm { key_len: 32 },
                HashAlg::Sha384,
                false,
            ),
            (0xcca8, Cipher::ChaCha20Poly1305, HashAlg::Sha256, false),
            (
                0x0039,
                Cipher::AesCbc {
                    key_len: 32,
                    mac: MacAlg::Sha1,
                },
                HashAlg::Sha256,
                false,
            ),
            (
                0xc028,
                Cipher::AesCbc {
                    key_len: 32,
                    mac: MacAlg::Sha384,
                },
                HashAlg::Sha384,
                false,
            ),
            (
                0x003c,
                Cipher::AesCbc {
                    key_len: 16,
                    mac: MacAlg::Sha256,
                },
                HashAlg::Sha256,
                false,
            ),
        ];
        for (id, cipher, hash, tls13) in cases {
            let s = lookup(id).unwrap_or_else(|| panic!("{id:04x}"));
            assert_eq!(
                (s.cipher, s.hash, s.tls13),
                (cipher, hash, tls13),
                "{}",
                s.name
            );
        }
        assert_eq!(lookup(0x1301).unwrap().name, "TLS_AES_128_GCM_SHA256");
    }

    #[test]
    fn other_suites_are_named_not_decrypted() {
        // 3DES, RC4, CCM, Camellia, NULL.
        for id in [0x000a, 0x0005, 0x1304, 0xc09c, 0x0041, 0x0002] {
            assert!(lookup(id).is_none(), "{}", name_of(id));
        }
        assert_eq!(name_of(0x000a), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
        assert_eq!(name_of(0xfefe), "cipher suite 0xfefe");
    }
}
