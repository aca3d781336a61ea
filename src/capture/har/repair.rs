//! The lossy second chance for an entry serde_json rejected.
//!
//! JavaScript producers serialise strings with `JSON.stringify`, which writes an unpaired
//! UTF-16 surrogate as an escape (`"\ud800"`); serde_json rejects those in any string it must
//! return. Some tools also write bytes that are not UTF-8. Both are fixed on a copy of the
//! entry: invalid UTF-8 becomes U+FFFD, and every lone surrogate escape is rewritten in place to
//! `\ufffd` (same length). Surrogate pairs and escaped backslashes (`\\ud800` is text, not an
//! escape) are left alone. Only entries that failed to parse pay for this copy.

use memchr::memchr;

/// A copy of `entry` that serde_json can read as text, when it differs from the original.
pub(super) fn lossy(entry: &[u8]) -> Option<Vec<u8>> {
    let mut out = String::from_utf8_lossy(entry).into_owned().into_bytes();
    let replaced = replace_lone_surrogates(&mut out);
    (replaced > 0 || out != entry).then_some(out)
}

/// Rewrites lone surrogate escapes in JSON text to `\ufffd`; returns how many.
pub(super) fn replace_lone_surrogates(json: &mut [u8]) -> usize {
    let mut replaced = 0;
    let mut i = 0;
    while let Some(k) = json.get(i..).and_then(|rest| memchr(b'\\', rest)) {
        let at = i + k;
        if json.get(at + 1) != Some(&b'u') {
            i = at + 2;
            continue;
        }
        let Some(unit) = hex4(json.get(at + 2..at + 6)) else {
            i = at + 2;
            continue;
        };
        i = at + 6;
        let lone = match unit {
            0xD800..=0xDBFF => {
                let paired = json.get(at + 6..at + 8) == Some(b"\\u".as_slice())
                    && matches!(hex4(json.get(at + 8..at + 12)), Some(0xDC00..=0xDFFF));
                if paired {
                    i = at + 12;
                }
                !paired
            }
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if lone {
            if let Some(digits) = json.get_mut(at + 2..at + 6) {
                digits.copy_from_slice(b"fffd");
                replaced += 1;
            }
        }
    }
    replaced
}

fn hex4(digits: Option<&[u8]>) -> Option<u16> {
    let text = std::str::from_utf8(digits?).ok()?;
    u16::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(s: &str) -> String {
        let mut b = s.as_bytes().to_vec();
        replace_lone_surrogates(&mut b);
        String::from_utf8_lossy(&b).into_owned()
    }

    #[test]
    fn lone_surrogates_become_replacement_escapes() {
        assert_eq!(fixed(r#""a\ud800b""#), r#""a\ufffdb""#);
        assert_eq!(fixed(r#""\uDC00\ud83d""#), r#""\ufffd\ufffd""#);
        assert_eq!(fixed(r#""\ud800\u0041""#), r#""\ufffd\u0041""#);
    }

    #[test]
    fn pairs_and_escaped_backslashes_are_kept() {
        assert_eq!(fixed(r#""\ud83d\ude00""#), r#""\ud83d\ude00""#);
        assert_eq!(fixed(r#""\\ud800""#), r#""\\ud800""#);
        assert_eq!(fixed(r#""\u12""#), r#""\u12""#);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_clean_input_needs_no_copy() {
        assert_eq!(lossy(br#""ok""#), None);
        let copy = lossy(b"\"a\xffb\"").unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&copy), "\"a\u{fffd}b\"");
    }
}
