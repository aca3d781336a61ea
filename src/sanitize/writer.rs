//! Compact JSON output into a buffer the caller drains, with the separators worked out here
//! (so that members can be dropped), and the decoding and encoding of JSON string content.

/// JSON written into [`Writer::buf`].
#[derive(Default)]
pub(super) struct Writer {
    /// The bytes written and not yet drained.
    pub(super) buf: Vec<u8>,
    /// For each open container, whether nothing was written in it yet.
    first: Vec<bool>,
    /// A member name was just written: its value needs no separator.
    after_key: bool,
}

impl Writer {
    fn separator(&mut self) {
        if std::mem::take(&mut self.after_key) {
            return;
        }
        if let Some(first) = self.first.last_mut() {
            if !std::mem::replace(first, false) {
                self.buf.push(b',');
            }
        }
    }

    /// Starts the next element of the open array on a line of its own.
    pub(super) fn line_break(&mut self) {
        self.separator();
        self.buf.push(b'\n');
        self.after_key = true;
    }

    /// `{`
    pub(super) fn begin_object(&mut self) {
        self.separator();
        self.buf.push(b'{');
        self.first.push(true);
    }

    /// `}`
    pub(super) fn end_object(&mut self) {
        self.first.pop();
        self.buf.push(b'}');
    }

    /// `[`
    pub(super) fn begin_array(&mut self) {
        self.separator();
        self.buf.push(b'[');
        self.first.push(true);
    }

    /// `]`
    pub(super) fn end_array(&mut self) {
        self.first.pop();
        self.buf.push(b']');
    }

    /// A member name given as raw string content.
    pub(super) fn key(&mut self, raw: &[u8]) {
        self.separator();
        self.buf.push(b'"');
        self.buf.extend_from_slice(raw);
        self.buf.extend_from_slice(b"\":");
        self.after_key = true;
    }

    /// A string given as raw content (escapes intact).
    pub(super) fn raw_string(&mut self, raw: &[u8]) {
        self.separator();
        self.buf.push(b'"');
        self.buf.extend_from_slice(raw);
        self.buf.push(b'"');
    }

    /// The opening quote of a string whose raw content the caller appends to `buf`.
    pub(super) fn open_string(&mut self) {
        self.separator();
        self.buf.push(b'"');
    }

    /// A string given as text, escaped.
    pub(super) fn text(&mut self, s: &str) {
        self.separator();
        encode_into(s, &mut self.buf);
    }

    /// A number or literal as written, or any JSON text written elsewhere.
    pub(super) fn raw(&mut self, json: &[u8]) {
        self.separator();
        self.buf.extend_from_slice(json);
    }
}

/// `s` as a JSON string, quotes included.
fn encode_into(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if u32::from(c) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes());
            }
            c => {
                let mut tmp = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// The text of raw string content: escapes decoded; a lone surrogate escape and invalid UTF-8
/// become U+FFFD (the text is only read to decide on redaction: content that stays is copied
/// raw).
pub(super) fn decode(raw: &[u8]) -> String {
    if !raw.contains(&b'\\') {
        return String::from_utf8_lossy(raw).into_owned();
    }
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    let hex4 = |at: usize| -> Option<u32> {
        let s = std::str::from_utf8(raw.get(at..at + 4)?).ok()?;
        u32::from_str_radix(s, 16).ok()
    };
    while let Some(&b) = raw.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let esc = raw.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let c = match esc {
            b'n' => '\n',
            b't' => '\t',
            b'r' => '\r',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'u' => {
                let hi = hex4(i);
                i += 4;
                match hi {
                    Some(h @ 0xD800..=0xDBFF) => match (raw.get(i..i + 2), hex4(i + 2)) {
                        (Some(b"\\u"), Some(l @ 0xDC00..=0xDFFF)) => {
                            i += 6;
                            char::from_u32(0x10000 + ((h - 0xD800) << 10) + (l - 0xDC00))
                                .unwrap_or('\u{FFFD}')
                        }
                        _ => '\u{FFFD}',
                    },
                    Some(h) => char::from_u32(h).unwrap_or('\u{FFFD}'),
                    None => '\u{FFFD}',
                }
            }
            other => char::from(other),
        };
        let mut tmp = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_written_for_what_is_kept() {
        let mut w = Writer::default();
        w.begin_object();
        w.key(b"a");
        w.begin_array();
        w.line_break();
        w.raw(b"1");
        w.line_break();
        w.text("x\"y\u{1}");
        w.end_array();
        w.key(b"b");
        w.raw_string(b"\\u00e9");
        w.end_object();
        let s = String::from_utf8(w.buf).unwrap();
        assert_eq!(s, "{\"a\":[\n1,\n\"x\\\"y\\u0001\"],\"b\":\"\\u00e9\"}");
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["b"], "é");
    }

    #[test]
    fn decoding_matches_serde_json_and_tolerates_lone_surrogates() {
        for raw in [r"plain", r"a\nb\t\u00e9\ud83d\ude00\/\\\u0022", r"\u0000"] {
            let want: String = serde_json::from_str(&format!("\"{raw}\"")).unwrap();
            assert_eq!(decode(raw.as_bytes()), want, "{raw}");
        }
        assert_eq!(decode(br"x\ud800y"), "x\u{FFFD}y");
        assert_eq!(decode(b"\xff"), "\u{FFFD}");
    }
}
