//! A pull tokenizer of JSON text from a `Read`, one token at a time, through one reused
//! buffer. Strings are not decoded here: the caller takes their raw bytes (escapes intact)
//! up to a cap, or streams them through in chunks, or skips them, so a body of any size
//! passes in constant memory. Validation stops at what the rewrite needs: token boundaries
//! and string ends; a malformed document is reported with its byte offset.

use std::io::{ErrorKind, Read};

use memchr::memchr2;

use super::SanitizeError;

/// Bytes read from the input at a time.
const CHUNK: usize = 64 << 10;

/// Longest number or literal accepted.
const MAX_LITERAL: usize = 1024;

/// One JSON token. After [`Token::String`] the caller must consume the string's content with
/// [`Lexer::string`].
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token {
    /// `{`
    BeginObject,
    /// `}`
    EndObject,
    /// `[`
    BeginArray,
    /// `]`
    EndArray,
    /// `:`
    Colon,
    /// `,`
    Comma,
    /// `"`: a string starts.
    String,
    /// A number, `true`, `false` or `null`, as written.
    Literal(Vec<u8>),
    /// The end of the input.
    End,
}

/// The input and its buffer.
pub(super) struct Lexer<'r> {
    input: &'r mut dyn Read,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Input offset of `buf[0]`.
    base: u64,
    eof: bool,
}

impl<'r> Lexer<'r> {
    /// A lexer over `input`; a UTF-8 byte-order mark at its start is skipped.
    pub(super) fn new(input: &'r mut dyn Read) -> Result<Self, SanitizeError> {
        let mut lexer = Self {
            input,
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
        };
        lexer.fill()?;
        if lexer
            .buf
            .get(..lexer.end)
            .unwrap_or_default()
            .starts_with(b"\xEF\xBB\xBF")
        {
            lexer.pos = 3;
        }
        Ok(lexer)
    }

    /// Input offset of the next unread byte.
    pub(super) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// An error at the current offset.
    pub(super) fn malformed(&self, message: impl Into<String>) -> SanitizeError {
        SanitizeError::Malformed {
            offset: self.offset(),
            message: message.into(),
        }
    }

    /// Reads more input once every buffered byte is consumed; `false` at the end.
    fn fill(&mut self) -> Result<bool, SanitizeError> {
        if self.pos < self.end {
            return Ok(true);
        }
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        while !self.eof {
            match self.input.read(&mut self.buf) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.end = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(SanitizeError::Io {
                        offset: self.base,
                        source: e,
                    })
                }
            }
        }
        Ok(false)
    }

    /// The next token, after whitespace.
    pub(super) fn next(&mut self) -> Result<Token, SanitizeError> {
        loop {
            if !self.fill()? {
                return Ok(Token::End);
            }
            let Some(&b) = self.buf.get(self.pos) else {
                return Ok(Token::End);
            };
            self.pos += 1;
            return Ok(match b {
                b' ' | b'\t' | b'\n' | b'\r' => continue,
                b'{' => Token::BeginObject,
                b'}' => Token::EndObject,
                b'[' => Token::BeginArray,
                b']' => Token::EndArray,
                b':' => Token::Colon,
                b',' => Token::Comma,
                b'"' => Token::String,
                b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                    self.pos -= 1;
                    Token::Literal(self.literal()?)
                }
                other => {
                    self.pos -= 1;
                    return Err(self.malformed(format!(
                        "unexpected byte 0x{other:02x} where a JSON value was expected"
                    )));
                }
            });
        }
    }

    fn literal(&mut self) -> Result<Vec<u8>, SanitizeError> {
        let start = self.offset();
        let invalid = |message: &str| SanitizeError::Malformed {
            offset: start,
            message: message.into(),
        };
        let mut out = Vec::new();
        while self.fill()? {
            let data = self.buf.get(self.pos..self.end).unwrap_or_default();
            let n = data
                .iter()
                .position(|&b| {
                    matches!(b, b',' | b'}' | b']' | b':' | b' ' | b'\t' | b'\n' | b'\r')
                })
                .unwrap_or(data.len());
            out.extend_from_slice(data.get(..n).unwrap_or_default());
            self.pos += n;
            if out.len() > MAX_LITERAL {
                return Err(invalid("a number or literal longer than 1024 bytes"));
            }
            if n < data.len() {
                break;
            }
        }
        let valid = matches!(out.as_slice(), b"true" | b"false" | b"null")
            || out
                .iter()
                .all(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'));
        if valid {
            Ok(out)
        } else {
            Err(invalid("invalid literal"))
        }
    }

    /// Consumes the content of a string whose opening quote [`Lexer::next`] returned, handing
    /// its raw bytes (escapes intact) to `f` a chunk at a time; returns its raw length.
    pub(super) fn string(
        &mut self,
        f: &mut dyn FnMut(&[u8]) -> Result<(), SanitizeError>,
    ) -> Result<u64, SanitizeError> {
        let mut len = 0u64;
        let mut escape = false;
        loop {
            if !self.fill()? {
                return Err(self.malformed("the input ends inside a string"));
            }
            let data = self.buf.get(self.pos..self.end).unwrap_or_default();
            let mut i = 0;
            let mut close = None;
            while i < data.len() {
                if escape {
                    escape = false;
                    i += 1;
                    continue;
                }
                match memchr2(b'"', b'\\', data.get(i..).unwrap_or_default()) {
                    None => i = data.len(),
                    Some(k) if data.get(i + k) == Some(&b'\\') => {
                        escape = true;
                        i += k + 1;
                    }
                    Some(k) => {
                        close = Some(i + k);
                        break;
                    }
                }
            }
            let part = close.unwrap_or(data.len());
            f(data.get(..part).unwrap_or_default())?;
            len += part as u64;
            match close {
                Some(q) => {
                    self.pos += q + 1;
                    return Ok(len);
                }
                None => self.pos = self.end,
            }
        }
    }

    /// The raw bytes of a string, when at most `cap` long; a longer one is consumed and its
    /// length returned instead.
    pub(super) fn take_string(&mut self, cap: usize) -> Result<Taken, SanitizeError> {
        let mut out = Vec::new();
        let mut over = false;
        let len = self.string(&mut |chunk| {
            if !over && out.len() + chunk.len() <= cap {
                out.extend_from_slice(chunk);
            } else {
                over = true;
                out = Vec::new();
            }
            Ok(())
        })?;
        Ok(if over {
            Taken::TooLong(len)
        } else {
            Taken::Whole(out)
        })
    }

    /// Skips one whole value whose first token is `first`.
    pub(super) fn skip(&mut self, first: Token) -> Result<(), SanitizeError> {
        let mut depth = 0usize;
        let mut tok = first;
        loop {
            match tok {
                Token::BeginObject | Token::BeginArray => depth += 1,
                Token::EndObject | Token::EndArray => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| self.malformed("unbalanced brackets"))?;
                }
                Token::String => {
                    self.string(&mut |_| Ok(()))?;
                }
                Token::End => return Err(self.malformed("the input ends inside a value")),
                Token::Literal(_) | Token::Colon | Token::Comma => {}
            }
            if depth == 0 {
                return Ok(());
            }
            tok = self.next()?;
        }
    }
}

/// A string taken by [`Lexer::take_string`].
pub(super) enum Taken {
    /// Its raw bytes.
    Whole(Vec<u8>),
    /// Longer than the cap: its raw length.
    TooLong(u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(json: &[u8]) -> Vec<String> {
        let mut input = json;
        let mut lx = Lexer::new(&mut input).unwrap();
        let mut out = Vec::new();
        loop {
            match lx.next().unwrap() {
                Token::End => return out,
                Token::String => {
                    let Taken::Whole(raw) = lx.take_string(1 << 20).unwrap() else {
                        panic!("short strings are whole")
                    };
                    out.push(format!("s:{}", String::from_utf8_lossy(&raw)));
                }
                Token::Literal(l) => out.push(format!("l:{}", String::from_utf8_lossy(&l))),
                t => out.push(format!("{t:?}")),
            }
        }
    }

    #[test]
    fn tokens_with_escapes_bom_and_literals() {
        let t = tokens(b"\xEF\xBB\xBF {\"a\\\"b\\\\\": [1.5e3, true, null, \"\\u00e9\"]}");
        assert_eq!(
            t,
            [
                "BeginObject",
                "s:a\\\"b\\\\",
                "Colon",
                "BeginArray",
                "l:1.5e3",
                "Comma",
                "l:true",
                "Comma",
                "l:null",
                "Comma",
                "s:\\u00e9",
                "EndArray",
                "EndObject"
            ]
        );
    }

    #[test]
    fn strings_across_chunks_and_caps() {
        let body = "x\\\"".repeat(50_000);
        let json = format!("[\"{body}\", \"short\"]");
        let mut input = json.as_bytes();
        let mut lx = Lexer::new(&mut input).unwrap();
        assert_eq!(lx.next().unwrap(), Token::BeginArray);
        assert_eq!(lx.next().unwrap(), Token::String);
        assert!(matches!(
            lx.take_string(1000).unwrap(),
            Taken::TooLong(150_000)
        ));
        assert_eq!(lx.next().unwrap(), Token::Comma);
        assert_eq!(lx.next().unwrap(), Token::String);
        assert!(matches!(lx.take_string(1000).unwrap(), Taken::Whole(s) if s == b"short"));
    }

    #[test]
    fn malformed_input_names_the_offset() {
        let mut input: &[u8] = b"{\"a\": \"unterminated";
        let mut lx = Lexer::new(&mut input).unwrap();
        assert_eq!(lx.next().unwrap(), Token::BeginObject);
        assert_eq!(lx.next().unwrap(), Token::String);
        assert!(matches!(lx.take_string(10).unwrap(), Taken::Whole(k) if k == b"a"));
        assert_eq!(lx.next().unwrap(), Token::Colon);
        assert_eq!(lx.next().unwrap(), Token::String);
        let e = lx.take_string(10).err().unwrap();
        assert!(e.to_string().contains("string"), "{e}");
        let mut input: &[u8] = b"[@]";
        let mut lx = Lexer::new(&mut input).unwrap();
        lx.next().unwrap();
        let e = lx.next().err().unwrap();
        assert!(e.to_string().contains("offset 1"), "{e}");
    }
}
