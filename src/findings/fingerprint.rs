//! The stable fingerprint of a finding: the same problem in tomorrow's recording has the same
//! fingerprint, whatever the file, the exchange ids, the counts or the times. SARIF's
//! `partialFingerprints` and report baselines compare findings by it.
//!
//! Version 1 is `v1:` followed by the first 16 bytes, in lower-case hex, of the SHA-256 of
//! the UTF-8 text
//!
//! ```text
//! corscope-finding\n1\n{kind}\n{rule}\n{server}\n{route}\n{page}
//! ```
//!
//! where `kind` is the finding's kind (`blocked`, `security`, `if-credentialed`,
//! `warning`), `rule` its rule id (`A01`, `origin-reflection-with-credentials`, ...),
//! `server` the serialized server origin, `route` the templated route and `page` the page
//! origin (or pattern), each exactly as the JSON report spells them. Anything that changes
//! these rules or spellings is a new version, with a new prefix.

use sha2::{Digest, Sha256};

/// The fingerprint version, the number after `v` in every fingerprint.
pub const FINGERPRINT_VERSION: u32 = 1;

/// The fingerprint of the finding with these key fields (see the module documentation).
pub fn fingerprint(kind: &str, rule: &str, server: &str, route: &str, page: &str) -> String {
    let version = FINGERPRINT_VERSION.to_string();
    let mut hash = Sha256::new();
    hash.update(b"corscope-finding\n");
    hash.update(version.as_bytes());
    for part in [kind, rule, server, route, page] {
        hash.update(b"\n");
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let mut out = String::with_capacity(36);
    out.push('v');
    out.push_str(&version);
    out.push(':');
    crate::redact::push_hex(&mut out, digest.get(..16).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_is_pinned() {
        // A changed value here breaks every stored baseline and SARIF alert: bump the version
        // instead.
        assert_eq!(
            fingerprint(
                "blocked",
                "A01",
                "https://api.example.com",
                "/v1/items/{id}",
                "https://app.example.com"
            ),
            "v1:9e89bc902f1630fcb9b8a592a359923d"
        );
    }

    #[test]
    fn every_field_counts_and_fields_do_not_run_together() {
        let base = fingerprint("blocked", "A01", "s", "/r", "p");
        for other in [
            fingerprint("warning", "A01", "s", "/r", "p"),
            fingerprint("blocked", "A02", "s", "/r", "p"),
            fingerprint("blocked", "A01", "t", "/r", "p"),
            fingerprint("blocked", "A01", "s", "/q", "p"),
            fingerprint("blocked", "A01", "s", "/r", "q"),
            fingerprint("blocked", "A01", "s\n/r", "", "p"),
        ] {
            assert_ne!(base, other);
        }
        assert_eq!(base, fingerprint("blocked", "A01", "s", "/r", "p"));
        assert_eq!(base.len(), 3 + 32);
    }
}
