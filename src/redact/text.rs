//! Secrets inside free text: console messages, fixes, notes and issue messages quote URLs
//! (`Access to fetch at 'https://api.test/x?token=...'`, `Redirect location
//! 'https://user:pass@...'`); each `scheme://...` in the text is redacted as a URL. A URL
//! ends at whitespace, a quote, a backtick or an angle bracket, the characters reports and
//! browsers put around URLs and that a URL cannot contain unescaped.

use std::borrow::Cow;

use super::Redactor;
use crate::byte_masks;

impl Redactor {
    /// `text` with the secrets of every absolute URL in it redacted; a text that is a
    /// relative reference as a whole (`/path?token=...`, as some recorders keep URLs) is
    /// redacted as one.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.text_knowing(text, None)
    }

    /// [`text`](Self::text), given one URL already redacted: `(url, what it became)`, `None`
    /// when it had nothing to redact. A record's messages and notes quote its own URL, which
    /// is then not redacted a second time.
    pub(super) fn text_knowing<'a>(
        &self,
        text: &'a str,
        known: Option<(&str, Option<&str>)>,
    ) -> Cow<'a, str> {
        // Only a URL with userinfo, a query or a fragment has secrets ([`Redactor::url`]): a
        // text without `@`, `?` and `#` holds none (most origins, notes and fixes).
        if !self.is_on() || memchr::memchr3(b'@', b'?', b'#', text.as_bytes()).is_none() {
            return Cow::Borrowed(text);
        }
        if (text.starts_with('/') || text.starts_with('?'))
            && !text.bytes().any(|b| b.is_ascii_whitespace())
        {
            return self.url(text);
        }
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut done = 0;
        let mut from = 0;
        while let Some(sep) = separator(bytes, from) {
            let start = scheme_start(bytes, sep);
            let end = byte_masks::first(
                bytes.get(sep..).unwrap_or_default(),
                byte_masks::url_ends,
                |b| b.is_ascii_whitespace() || matches!(b, b'\'' | b'"' | b'`' | b'<' | b'>'),
            )
            .map_or(bytes.len(), |n| sep + n);
            from = end.max(sep + 3);
            let Some((start, url)) = start.and_then(|s| Some((s, text.get(s..end)?))) else {
                continue;
            };
            let redacted = match known {
                Some((k, r)) if k == url => r.map(Cow::Borrowed),
                _ => match self.url(url) {
                    Cow::Owned(r) => Some(Cow::Owned(r)),
                    Cow::Borrowed(_) => None,
                },
            };
            if let Some(redacted) = redacted {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 32));
                o.push_str(text.get(done..start).unwrap_or(""));
                o.push_str(&redacted);
                done = end;
            }
        }
        match out {
            Some(mut o) => {
                o.push_str(text.get(done..).unwrap_or(""));
                Cow::Owned(o)
            }
            None => Cow::Borrowed(text),
        }
    }
}

/// Where the first `://` at or after `from` starts. The texts are short and most hold a colon
/// or two: a search for the colon is cheaper on them than a substring searcher.
fn separator(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let colon = at + memchr::memchr(b':', bytes.get(at..)?)?;
        if bytes.get(colon + 1..colon + 3) == Some(b"//") {
            return Some(colon);
        }
        at = colon + 1;
    }
}

/// Where the scheme before `://` at `sep` starts: letters, digits, `+`, `-`, `.`, beginning
/// with a letter (RFC 3986 §3.1).
fn scheme_start(bytes: &[u8], sep: usize) -> Option<usize> {
    let mut start = sep;
    while start > 0 {
        match bytes.get(start - 1) {
            Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.') => start -= 1,
            _ => break,
        }
    }
    while start < sep && !bytes.get(start)?.is_ascii_alphabetic() {
        start += 1;
    }
    (start < sep).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> Redactor {
        Redactor::with_key(b"test")
    }

    #[test]
    fn urls_in_console_messages_are_redacted() {
        let m = "Access to fetch at 'https://api.test/x?token=s3cr3t' from origin 'https://app.test' has been blocked";
        let out = r().text(m).into_owned();
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(out.starts_with("Access to fetch at 'https://api.test/x?token=redacted-1to7-"));
        assert!(out.ends_with("' from origin 'https://app.test' has been blocked"));
    }

    #[test]
    fn credentials_in_a_redirect_location_are_redacted() {
        let m = "Redirect location 'http://user:pass@b.test/' contains a username and password";
        let out = r().text(m).into_owned();
        assert!(!out.contains("user:pass"), "{out}");
        assert!(out.contains("@b.test/' contains"));
    }

    #[test]
    fn text_without_secrets_is_borrowed() {
        for t in [
            "",
            "no url here",
            "`Access-Control-Allow-Origin: https://app.test` with `Vary: Origin`",
            "://x?token=1 has no scheme",
            "9://x?token=1",
        ] {
            assert!(matches!(r().text(t), Cow::Borrowed(_)), "{t}");
        }
    }

    #[test]
    fn separators_are_found_as_a_substring_search_finds_them() {
        for t in [
            "",
            ":",
            "://",
            "a:/b://c",
            "x::://y",
            "a:b:c",
            "http://a http://b",
            ":/",
        ] {
            let bytes = t.as_bytes();
            for from in 0..=bytes.len() {
                let want = memchr::memmem::find(&bytes[from..], b"://").map(|k| from + k);
                assert_eq!(separator(bytes, from), want, "{t:?} from {from}");
            }
        }
    }

    #[test]
    fn a_relative_reference_alone_is_a_url() {
        let out = r().text("/decide/?lib=web&token=48164&x=1").into_owned();
        assert!(out.starts_with("/decide/?lib=web&token=redacted-1to7-") && out.ends_with("&x=1"));
        assert!(matches!(r().text("/a b?token=1"), Cow::Borrowed(_)));
    }

    #[test]
    fn several_urls_and_a_url_at_the_end() {
        let out = r().text("a http://x/?sig=1 b ws://y/?sig=1").into_owned();
        let markers: Vec<&str> = out.matches("redacted-1to7-").collect();
        assert_eq!(markers.len(), 2, "{out}");
        assert!(out.starts_with("a http://x/?sig=redacted-") && out.contains(" b ws://y/?sig="));
    }
}
