//! Finds where one JSON value ends, a chunk at a time.
//!
//! [`ValueScan`] tracks only what decides a value's extent: whether it is inside a string,
//! whether the previous byte was a backslash, and the nesting depth of `{}`/`[]` outside
//! strings. It does not validate: a value it delimits is handed to serde_json, which does.
//! Its state survives between calls, so a value may arrive split at any byte. Inside strings,
//! where bodies (megabytes of base64) live, it jumps with `memchr2` to the next `"` or `\`.

use memchr::memchr2;

/// Progress through one JSON value, resumable across chunks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct ValueScan {
    /// The first byte of the value has been seen.
    started: bool,
    /// Open `{` / `[` not yet closed.
    depth: u32,
    /// Inside a string.
    in_string: bool,
    /// The previous byte inside a string was an unpaired backslash.
    escape: bool,
    /// The value is a scalar (number, `true`, `false`, `null`).
    scalar: bool,
}

impl ValueScan {
    /// A scan positioned at the value's first byte (not whitespace).
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// Scans `bytes`, the next part of the value. Returns how many of them belong to the value
    /// once its end is found (a scalar ends before its delimiter, which is not counted), or
    /// `None` when all of `bytes` belong to it and more must follow.
    pub(super) fn advance(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut i = 0;
        if !self.started {
            let first = *bytes.first()?;
            self.started = true;
            i = 1;
            match first {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth = 1,
                _ => self.scalar = true,
            }
        }
        if self.scalar {
            let rest = bytes.get(i..)?;
            return rest
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .map(|k| i + k);
        }
        loop {
            if self.in_string {
                if self.escape {
                    if i >= bytes.len() {
                        return None;
                    }
                    self.escape = false;
                    i += 1;
                }
                let rest = bytes.get(i..)?;
                let k = memchr2(b'"', b'\\', rest)?;
                let j = i + k;
                if rest.get(k) == Some(&b'"') {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Some(j + 1);
                    }
                } else {
                    self.escape = true;
                }
                i = j + 1;
            } else {
                let rest = bytes.get(i..)?;
                let mut found = None;
                for (k, &b) in rest.iter().enumerate() {
                    match b {
                        b'"' => {
                            found = Some(k);
                            break;
                        }
                        b'{' | b'[' => self.depth = self.depth.saturating_add(1),
                        b'}' | b']' => {
                            self.depth = self.depth.saturating_sub(1);
                            if self.depth == 0 {
                                return Some(i + k + 1);
                            }
                        }
                        _ => {}
                    }
                }
                let k = found?;
                self.in_string = true;
                i += k + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `text` in pieces of `step` bytes; returns the value's length.
    fn extent(text: &[u8], step: usize) -> Option<usize> {
        let mut scan = ValueScan::new();
        let mut done = 0;
        for piece in text.chunks(step) {
            if let Some(n) = scan.advance(piece) {
                return Some(done + n);
            }
            done += piece.len();
        }
        None
    }

    #[test]
    fn strings_with_braces_and_escaped_quotes_do_not_count() {
        let text = br#"{"a":"}{\"]","b":[1,{"c":"\\"}],"d":"x\\\"}"} tail"#;
        let whole = text.len() - " tail".len();
        for step in 1..=text.len() {
            assert_eq!(extent(text, step), Some(whole), "step {step}");
        }
    }

    #[test]
    fn strings_scalars_and_arrays_end_where_json_says() {
        assert_eq!(extent(br#""ab\"c", 1"#, 1), Some(7));
        assert_eq!(extent(b"-12.5e3,", 3), Some(7));
        assert_eq!(extent(b"true}", 2), Some(4));
        assert_eq!(extent(b"[[],{}] ,", 1), Some(7));
    }

    #[test]
    fn unfinished_value_asks_for_more() {
        assert_eq!(extent(br#"{"a":"}"#, 4), None);
        assert_eq!(extent(br#"{"a":"\"#, 1), None);
        assert_eq!(extent(b"123", 1), None);
    }
}
