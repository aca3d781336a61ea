//! TLS over reassembled TCP streams: record framing, handshake, key schedules and record
//! decryption with the secrets of a key log, so that the HTTP layers above read plaintext.
//!
//! - [`keylog`]: NSS key log secrets by client random (files given with `--keylog`, and the
//!   Decryption Secrets Blocks of a pcapng file).
//! - [`record`]: records of one direction; [`handshake`]: handshake messages; [`names`]:
//!   certificate names.
//! - [`suite`], [`schedule`], [`protection`]: which suites are decrypted, key derivation (TLS
//!   1.3 HKDF-Expand-Label, the TLS 1.0-1.2 PRFs) and opening records (AES-GCM,
//!   ChaCha20-Poly1305 with ring's AEADs, AES-CBC with HMAC with RustCrypto's).
//! - [`connection`]: one connection's state, fed ciphertext per side in order and yielding
//!   plaintext per side ([`TlsConnection::poll`]); [`undecrypted`]: connections that could not
//!   be decrypted, counted per server name for the input's issues.
//!
//! Specs: RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2), RFC 4346 and RFC 2246 (TLS 1.1, 1.0), RFC
//! 7366 (encrypt-then-MAC), RFC 7905 (ChaCha20-Poly1305), the NSS key log format.
//!
//! Why our own record layer on top of tls-parser, ring and RustCrypto: the TLS crates that
//! decrypt (rustls, OpenSSL bindings) are endpoints that need the private key exchange, not a
//! passive reader given secrets; tls-parser parses records and handshakes but decrypts nothing.
//!
//! Invariants: a direction is decrypted from its first record in order or not at all; a
//! capture gap, a record that fails to authenticate or bytes that are not TLS records end the
//! decryption of that direction (counted, with their location); nothing here panics on input.
//! Memory per connection: one record buffer per direction (at most 2^14 + 2048 bytes while a
//! record is read), one handshake message (at most `Limits::tls_handshake_bytes`), the keys.

pub mod connection;
pub mod handshake;
pub mod keylog;
pub mod names;
pub mod protection;
pub mod record;
pub mod schedule;
pub mod suite;
pub mod undecrypted;

use crate::model::{Issue, Limits};

pub use connection::{Feed, Session, TlsConnection, TlsEvent};
pub use keylog::{KeyLog, KeyLogStats, Label};
pub use undecrypted::Reason;

use undecrypted::Undecrypted;

/// Issue id: TLS connections not decrypted because no key was given for them.
pub const ISSUE_NO_KEY: &str = "tls-no-key";
/// Issue id: TLS connections whose handshake is not in the capture.
pub const ISSUE_HANDSHAKE_MISSING: &str = "tls-handshake-missing";
/// Issue id: TLS connections using a version or cipher suite that is not decrypted.
pub const ISSUE_UNSUPPORTED: &str = "tls-unsupported";
/// Issue id: a record that did not authenticate (wrong key, damaged bytes); the rest of its
/// direction is not decrypted.
pub const ISSUE_DECRYPT_FAILED: &str = "tls-decrypt-failed";
/// Issue id: a capture gap ended the decryption of a direction.
pub const ISSUE_GAP: &str = "tls-gap";
/// Issue id: bytes that are not TLS records, or a record over the length limit.
pub const ISSUE_RECORD_MALFORMED: &str = "tls-record-malformed";
/// Issue id: a stream ended inside a record.
pub const ISSUE_RECORD_TRUNCATED: &str = "tls-record-truncated";
/// Issue id: a handshake message that could not be read.
pub const ISSUE_HANDSHAKE_MALFORMED: &str = "tls-handshake-malformed";
/// Issue id: 0-RTT early data records that were not decrypted.
pub const ISSUE_EARLY_DATA: &str = "tls-early-data";

/// Counters of one input's TLS layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsStats {
    /// TLS connections read.
    pub connections: u64,
    /// Connections of which at least one record was decrypted.
    pub decrypted: u64,
    /// Records decrypted (every content type).
    pub records_decrypted: u64,
    /// Application data bytes decrypted.
    pub plaintext_bytes: u64,
    /// Records that failed to authenticate.
    pub failures: u64,
    /// Directions whose decryption a capture gap ended.
    pub gaps: u64,
    /// 0-RTT early data records skipped.
    pub early_data_skipped: u64,
    /// Connections not decrypted (no key, no handshake, unsupported).
    pub undecrypted: u64,
}

/// What every TLS connection of one input shares: the key material, caps and counters.
pub struct TlsCtx<'k> {
    keys: &'k KeyLog,
    embedded: KeyLog,
    handshake_cap: usize,
    /// Counters.
    pub stats: TlsStats,
    undecrypted: Undecrypted,
}

impl<'k> TlsCtx<'k> {
    /// A context decrypting with `keys` (given for the whole run) and the caps of `limits`.
    pub fn new(keys: &'k KeyLog, limits: &Limits) -> Self {
        Self {
            keys,
            embedded: KeyLog::new(),
            handshake_cap: limits.tls_handshake_bytes.max(1024),
            stats: TlsStats::default(),
            undecrypted: Undecrypted::default(),
        }
    }

    /// Adds the key log text of a pcapng Decryption Secrets Block of this input.
    pub fn add_secrets(&mut self, text: &[u8]) -> KeyLogStats {
        self.embedded.add_text(text)
    }

    /// Whether any key material was given (a key log or embedded secrets).
    pub fn has_keys(&self) -> bool {
        !(self.keys.is_empty() && self.embedded.is_empty())
    }

    fn secret(&self, random: &[u8; 32], label: Label) -> Option<&[u8]> {
        self.embedded
            .get(random, label)
            .or_else(|| self.keys.get(random, label))
    }

    /// The input is over: the connections not decrypted, one issue per reason and server name
    /// (in a stable order), each counting its connections.
    pub fn finish(&mut self) -> Vec<Issue> {
        let keyed = self.has_keys();
        std::mem::take(&mut self.undecrypted).issues(keyed)
    }
}
