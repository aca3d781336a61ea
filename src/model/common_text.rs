//! Texts nearly every exchange repeats, HTTP versions and reason phrases, shared from tables
//! compiled into the program instead of allocated for each exchange. A text not in the table
//! is kept as its own copy: what is recorded is never rewritten.

use std::borrow::Cow;

/// A text of an exchange: one of the tables' texts, or one of its own.
pub type SharedText = Cow<'static, str>;

/// HTTP versions as recorders spell them (`HTTP/1.1` on the wire; `h2`, `http/2.0` in HARs).
const VERSIONS: &[&str] = &[
    "HTTP/1.1", "HTTP/1.0", "h2", "h3", "http/1.1", "http/2.0", "HTTP/2", "HTTP/2.0", "h2c",
    "http/3", "HTTP/3", "http/1.0", "unknown",
];

/// Reason phrases of RFC 9110 most responses carry.
const REASONS: &[&str] = &[
    "OK",
    "No Content",
    "Created",
    "Accepted",
    "Not Modified",
    "Found",
    "Moved Permanently",
    "See Other",
    "Temporary Redirect",
    "Permanent Redirect",
    "Partial Content",
    "Bad Request",
    "Unauthorized",
    "Forbidden",
    "Not Found",
    "Method Not Allowed",
    "Conflict",
    "Too Many Requests",
    "Internal Server Error",
    "Bad Gateway",
    "Service Unavailable",
    "Gateway Timeout",
];

/// `text` shared from `table` when it is there, byte for byte; its own copy otherwise.
fn shared(table: &'static [&'static str], text: &str) -> SharedText {
    match table.iter().find(|t| **t == text) {
        Some(t) => Cow::Borrowed(t),
        None => Cow::Owned(text.to_owned()),
    }
}

/// An HTTP version as recorded.
pub fn version(text: &str) -> SharedText {
    shared(VERSIONS, text)
}

/// `HTTP/1.x` for a minor version read off the wire.
pub fn http1(minor: u8) -> SharedText {
    match minor {
        0 => Cow::Borrowed("HTTP/1.0"),
        1 => Cow::Borrowed("HTTP/1.1"),
        m => Cow::Owned(format!("HTTP/1.{m}")),
    }
}

/// A reason phrase as recorded.
pub fn reason(text: &str) -> SharedText {
    shared(REASONS, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_kept_byte_for_byte() {
        for t in [
            "OK",
            "ok",
            "OK ",
            "Not Found",
            "No content",
            "Custom Reason",
            "",
        ] {
            assert_eq!(reason(t), t);
        }
        for t in ["h2", "H2", "HTTP/1.1", "http/1.1", "HTTP/1.1 ", "spdy/3"] {
            assert_eq!(version(t), t);
        }
        assert!(matches!(reason("OK"), Cow::Borrowed(_)));
        assert!(matches!(version("h2"), Cow::Borrowed(_)));
        assert!(matches!(reason("Custom Reason"), Cow::Owned(_)));
        for minor in 0..=9 {
            assert_eq!(http1(minor), format!("HTTP/1.{minor}"));
        }
    }
}
