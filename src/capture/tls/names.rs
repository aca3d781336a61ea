//! The names a server certificate is for: its subjectAltName DNS names (RFC 5280 §4.2.1.6),
//! else its subject common names, read with x509-parser. Only the leaf certificate is read,
//! and only for the report: nothing is verified.

use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// Most names kept per certificate (a CDN certificate can list hundreds).
pub const MAX_NAMES: usize = 8;

/// The DNS names of a DER certificate, at most [`MAX_NAMES`]; empty when it cannot be read.
pub fn certificate_names(der: &[u8]) -> Vec<String> {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let GeneralName::DNSName(d) = n {
                names.push(d.to_ascii_lowercase());
            }
        }
    }
    if names.is_empty() {
        for cn in cert.subject().iter_common_name() {
            if let Ok(s) = cn.as_str() {
                names.push(s.to_ascii_lowercase());
            }
        }
    }
    names.truncate(MAX_NAMES);
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_has_no_names() {
        assert!(certificate_names(b"not a certificate").is_empty());
        assert!(certificate_names(&[]).is_empty());
    }
}
