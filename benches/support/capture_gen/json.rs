//! A streaming JSON writer laid out like `JSON.stringify(value, null, 2)` (what Chrome DevTools
//! writes), with base64 and ISO-8601 helpers. Keys are written in the order given.

use std::io::{self, Write};

/// Writes one JSON document to `out`, flushing its buffer as it fills.
pub struct JsonWriter<'a, W: Write> {
    out: &'a mut W,
    buf: Vec<u8>,
    /// For each open container: whether it has a child yet, and its closing byte.
    stack: Vec<(bool, u8)>,
    /// Bytes handed to `out` so far.
    pub written: u64,
}

impl<'a, W: Write> JsonWriter<'a, W> {
    /// A writer to `out`.
    pub fn new(out: &'a mut W) -> Self {
        Self {
            out,
            buf: Vec::with_capacity(1 << 18),
            stack: Vec::new(),
            written: 0,
        }
    }

    /// Bytes of the document so far (written and buffered).
    pub fn len(&self) -> u64 {
        self.written + self.buf.len() as u64
    }

    fn item(&mut self, key: Option<&str>) {
        let depth = self.stack.len();
        if let Some(top) = self.stack.last_mut() {
            if top.0 {
                self.buf.push(b',');
            }
            top.0 = true;
            self.buf.push(b'\n');
            self.buf.resize(self.buf.len() + 2 * depth, b' ');
        }
        if let Some(k) = key {
            self.quoted(k.as_bytes());
            self.buf.extend_from_slice(b": ");
        }
    }

    /// Opens an object.
    pub fn object(&mut self, key: Option<&str>) {
        self.item(key);
        self.buf.push(b'{');
        self.stack.push((false, b'}'));
    }

    /// Opens an array.
    pub fn array(&mut self, key: Option<&str>) {
        self.item(key);
        self.buf.push(b'[');
        self.stack.push((false, b']'));
    }

    /// Closes the innermost container; flushes the buffer when it is large.
    pub fn end(&mut self) -> io::Result<()> {
        if let Some((had, close)) = self.stack.pop() {
            if had {
                self.buf.push(b'\n');
                self.buf.resize(self.buf.len() + 2 * self.stack.len(), b' ');
            }
            self.buf.push(close);
        }
        if self.buf.len() >= 1 << 18 || self.stack.is_empty() {
            self.flush()?;
        }
        Ok(())
    }

    /// Hands the buffer to the output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// A string member.
    pub fn str(&mut self, key: Option<&str>, value: &str) {
        self.item(key);
        self.quoted(value.as_bytes());
    }

    /// A string member from bytes that are valid UTF-8 (escaped as JSON requires).
    pub fn str_bytes(&mut self, key: Option<&str>, value: &[u8]) {
        self.item(key);
        self.quoted(value);
    }

    /// A base64 string member of `data`.
    pub fn base64(&mut self, key: Option<&str>, data: &[u8]) {
        self.item(key);
        self.buf.push(b'"');
        base64(data, &mut self.buf);
        self.buf.push(b'"');
    }

    /// An integer member.
    pub fn int(&mut self, key: Option<&str>, value: i64) {
        self.item(key);
        self.buf.extend_from_slice(value.to_string().as_bytes());
    }

    /// A number member, thousandths (JavaScript's shortest form: `12.5`, `-1`).
    pub fn milli(&mut self, key: Option<&str>, thousandths: i64) {
        self.item(key);
        let v = thousandths as f64 / 1000.0;
        self.buf.extend_from_slice(v.to_string().as_bytes());
    }

    /// A literal (`null`, `true`, `false`).
    pub fn literal(&mut self, key: Option<&str>, value: &str) {
        self.item(key);
        self.buf.extend_from_slice(value.as_bytes());
    }

    /// An empty object member, as `{}`.
    pub fn empty_object(&mut self, key: Option<&str>) {
        self.item(key);
        self.buf.extend_from_slice(b"{}");
    }

    /// An empty array member, as `[]`.
    pub fn empty_array(&mut self, key: Option<&str>) {
        self.item(key);
        self.buf.extend_from_slice(b"[]");
    }

    fn quoted(&mut self, s: &[u8]) {
        self.buf.push(b'"');
        let mut start = 0;
        for (i, &b) in s.iter().enumerate() {
            let esc: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0..=0x1f => b"\\u0000",
                _ => continue,
            };
            self.buf.extend_from_slice(&s[start..i]);
            if esc == b"\\u0000" {
                self.buf.extend_from_slice(format!("\\u{b:04x}").as_bytes());
            } else {
                self.buf.extend_from_slice(esc);
            }
            start = i + 1;
        }
        self.buf.extend_from_slice(&s[start..]);
        self.buf.push(b'"');
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the standard, padded base64 encoding of `data` to `out`.
pub fn base64(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(data.len().div_ceil(3) * 4);
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend_from_slice(&[
            B64[(n >> 18) as usize & 63],
            B64[(n >> 12) as usize & 63],
            B64[(n >> 6) as usize & 63],
            B64[n as usize & 63],
        ]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[
                B64[(n >> 18) as usize & 63],
                B64[(n >> 12) as usize & 63],
                b'=',
                b'=',
            ]);
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend_from_slice(&[
                B64[(n >> 18) as usize & 63],
                B64[(n >> 12) as usize & 63],
                B64[(n >> 6) as usize & 63],
                b'=',
            ]);
        }
        _ => {}
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the Unix epoch.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ms % 1000
    )
}
