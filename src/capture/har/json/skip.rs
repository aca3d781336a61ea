//! Skipping a whole value, as serde_json does for `IgnoredAny`: the grammar is checked (keys
//! are strings, a `:` after each, no trailing commas), strings as in [`super::string::skip`],
//! numbers as in [`super::number::skip`]. Containers are tracked in a 64-bit stack, one bit
//! per level (object or array); deeper nesting is declined.

use super::{number, string, whitespace, Decline};

/// Deepest nesting skipped.
const MAX_DEPTH: u32 = 64;

/// Skips the value at `at` (whitespace first); returns the index after it.
pub(super) fn value(bytes: &[u8], mut at: usize) -> Result<usize, Decline> {
    // Bit `d` is set when the container at depth `d + 1` is an object.
    let mut objects = 0u64;
    let mut depth = 0u32;
    loop {
        at = whitespace(bytes, at);
        match *bytes.get(at).ok_or(Decline::OutOfInput)? {
            b'"' => at = string::skip(bytes, at + 1)?,
            b'-' | b'0'..=b'9' => at = number::skip(bytes, at)?,
            b'n' => at = literal(bytes, at, b"null")?,
            b't' => at = literal(bytes, at, b"true")?,
            b'f' => at = literal(bytes, at, b"false")?,
            open @ (b'[' | b'{') => {
                if depth == MAX_DEPTH {
                    return Err(Decline::Unsure);
                }
                let object = open == b'{';
                objects = (objects & !(1 << depth)) | (u64::from(object) << depth);
                depth += 1;
                at = whitespace(bytes, at + 1);
                let close = if object { b'}' } else { b']' };
                if bytes.get(at) == Some(&close) {
                    at += 1;
                    depth -= 1;
                } else {
                    if object {
                        at = member_name(bytes, at)?;
                    }
                    continue;
                }
            }
            _ => return Err(Decline::Unsure),
        }
        // A value ended: close what it ends, or go on to the next element.
        loop {
            if depth == 0 {
                return Ok(at);
            }
            at = whitespace(bytes, at);
            let object = objects >> (depth - 1) & 1 == 1;
            match *bytes.get(at).ok_or(Decline::OutOfInput)? {
                b',' => {
                    at += 1;
                    if object {
                        at = member_name(bytes, whitespace(bytes, at))?;
                    }
                    break;
                }
                b'}' if object => {
                    at += 1;
                    depth -= 1;
                }
                b']' if !object => {
                    at += 1;
                    depth -= 1;
                }
                _ => return Err(Decline::Unsure),
            }
        }
    }
}

/// Skips `"name" :` at `at`.
fn member_name(bytes: &[u8], at: usize) -> Result<usize, Decline> {
    match bytes.get(at) {
        Some(b'"') => {}
        Some(_) => return Err(Decline::Unsure),
        None => return Err(Decline::OutOfInput),
    }
    let at = whitespace(bytes, string::skip(bytes, at + 1)?);
    match bytes.get(at) {
        Some(b':') => Ok(at + 1),
        Some(_) => Err(Decline::Unsure),
        None => Err(Decline::OutOfInput),
    }
}

/// Skips `null`, `true` or `false` at `at`.
pub(super) fn literal(bytes: &[u8], at: usize, word: &[u8]) -> Result<usize, Decline> {
    match bytes.get(at..at + word.len()) {
        Some(found) if found == word => Ok(at + word.len()),
        Some(_) => Err(Decline::Unsure),
        None => Err(Decline::OutOfInput),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skipped(text: &str) -> Result<usize, Decline> {
        value(text.as_bytes(), 0)
    }

    #[test]
    fn values_end_where_serde_json_ends_them() {
        let text = r#" {"a": [1, -2.5e3, "x\"]", {"b": {}}, [], true, null], "c": false} tail"#;
        assert_eq!(skipped(text), Ok(text.len() - " tail".len()));
        assert_eq!(skipped("[[[]]],"), Ok(6));
        assert_eq!(skipped(r#""\u00e9\n","#), Ok(10));
    }

    #[test]
    fn what_serde_json_rejects_is_declined() {
        for text in [
            "[1,]",
            r#"{"a":1,}"#,
            "{,}",
            "[,]",
            r#"{"a" 1}"#,
            "{1:2}",
            "[1 2]",
            "nul]",
            "[01]",
            r#"["\x"]"#,
            r#"["\u12g4"]"#,
            "\"a\u{1}\"",
            "]",
        ] {
            assert_eq!(skipped(text), Err(Decline::Unsure), "{text}");
        }
        let deep = "[".repeat(65) + &"]".repeat(65);
        assert_eq!(skipped(&deep), Err(Decline::Unsure));
    }

    #[test]
    fn values_cut_short_ask_for_more() {
        for text in [r#"{"a": [1, 2"#, r#""abc"#, r#""ab\"#, "[tr", r#"{"a""#] {
            assert_eq!(skipped(text), Err(Decline::OutOfInput), "{text}");
        }
    }
}
