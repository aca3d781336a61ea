//! The rewrite: a walk over the document's tokens that knows where it is (`log.entries[3]
//! .request.headers[1]`) and applies the redaction policy by place. Header, cookie and
//! parameter items (small objects) are read whole so a value is judged by its item's name
//! whatever the member order; bodies are skipped or streamed through; every other string is
//! searched for URLs; everything else is copied as it was.

use std::io::Write;

use super::lexer::{Lexer, Taken, Token};
use super::writer::{decode, Writer};
use super::{SanitizeError, SanitizeOptions, SanitizeSummary};
use crate::redact::Redactor;

/// Deepest nesting accepted (HAR needs about 8).
const MAX_DEPTH: usize = 256;

/// Bytes held in the output buffer before it is written out.
const FLUSH: usize = 64 << 10;

/// Longest member name accepted.
const MAX_KEY: usize = 64 << 10;

/// One step of the path from the document's root.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(Vec<u8>),
    Index,
}

/// A small object read whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    /// `{name, value}` of `headers`.
    Header,
    /// `{name, value, path, ...}` of `cookies`.
    Cookie,
    /// `{name, value}` of `queryString` or `postData.params`.
    Param,
}

/// A member of an item: its raw name and its value as JSON text or raw string content.
struct Member {
    key: Vec<u8>,
    value: MemberValue,
}

enum MemberValue {
    Str(Vec<u8>),
    Json(Vec<u8>),
}

pub(super) struct Walk<'a, 'r> {
    pub(super) lexer: Lexer<'r>,
    pub(super) out: Writer,
    pub(super) sink: &'a mut dyn Write,
    pub(super) options: &'a SanitizeOptions,
    pub(super) summary: SanitizeSummary,
    /// Items being read whole write into a buffer of their own: nothing is written out
    /// meanwhile.
    pub(super) hold: usize,
    /// `log.entries` was met.
    pub(super) saw_entries: bool,
}

fn key_is(step: Option<&Step>, name: &str) -> bool {
    matches!(step, Some(Step::Key(k)) if k == name.as_bytes())
}

/// The part of `path` below `log.entries[i]`, when it is inside an entry.
fn in_entry(path: &[Step]) -> Option<&[Step]> {
    match path {
        [Step::Key(l), Step::Key(e), Step::Index, rest @ ..] if l == b"log" && e == b"entries" => {
            Some(rest)
        }
        _ => None,
    }
}

fn item_at(path: &[Step]) -> Option<Item> {
    let rest = in_entry(path)?;
    let side = |s: &Step| matches!(s, Step::Key(k) if k == b"request" || k == b"response");
    match rest {
        [s, Step::Key(list), Step::Index] if side(s) && list == b"headers" => Some(Item::Header),
        [s, Step::Key(list), Step::Index] if side(s) && list == b"cookies" => Some(Item::Cookie),
        [Step::Key(r), Step::Key(list), Step::Index]
            if r == b"request" && list == b"queryString" =>
        {
            Some(Item::Param)
        }
        [Step::Key(r), Step::Key(p), Step::Key(list), Step::Index]
            if r == b"request" && p == b"postData" && list == b"params" =>
        {
            Some(Item::Param)
        }
        _ => None,
    }
}

/// Whether member `key` of the object at `path` is a body.
fn is_body(path: &[Step], key: &[u8]) -> bool {
    match in_entry(path) {
        Some([Step::Key(r), Step::Key(c)]) if r == b"response" && c == b"content" => key == b"text",
        Some([Step::Key(r), Step::Key(p)]) if r == b"request" && p == b"postData" => {
            key == b"text" || key == b"params"
        }
        _ => false,
    }
}

/// Whether the string at `path` is a URL (relative references included).
fn is_url(path: &[Step]) -> bool {
    match in_entry(path) {
        Some([Step::Key(r), Step::Key(u)]) => {
            (r == b"request" && u == b"url") || (r == b"response" && u == b"redirectURL")
        }
        _ => false,
    }
}

impl Walk<'_, '_> {
    fn redactor(&self) -> &Redactor {
        &self.options.redactor
    }

    /// Writes out the buffer once it is large.
    fn flush(&mut self, force: bool) -> Result<(), SanitizeError> {
        if force || (self.hold == 0 && self.out.buf.len() >= FLUSH) {
            self.sink
                .write_all(&self.out.buf)
                .map_err(SanitizeError::Write)?;
            self.out.buf.clear();
        }
        Ok(())
    }

    /// The whole document.
    pub(super) fn document(&mut self) -> Result<(), SanitizeError> {
        let first = self.lexer.next()?;
        if first != Token::BeginObject {
            return Err(self.lexer.malformed("a HAR file is a JSON object"));
        }
        let mut path = Vec::new();
        self.value(&mut path, first)?;
        match self.lexer.next()? {
            Token::End => {}
            _ => return Err(self.lexer.malformed("text after the HAR document")),
        }
        if !self.saw_entries {
            return Err(self.lexer.malformed("no log.entries array: not a HAR file"));
        }
        self.out.buf.push(b'\n');
        self.flush(true)
    }

    fn value(&mut self, path: &mut Vec<Step>, tok: Token) -> Result<(), SanitizeError> {
        if path.len() > MAX_DEPTH {
            return Err(self.lexer.malformed("nesting deeper than 256 levels"));
        }
        match tok {
            Token::BeginObject => match item_at(path) {
                Some(item) => self.item(path, item),
                None => self.object(path),
            },
            Token::BeginArray => self.array(path),
            Token::String => self.string(path),
            Token::Literal(raw) => {
                self.out.raw(&raw);
                Ok(())
            }
            _ => Err(self.lexer.malformed("a JSON value was expected")),
        }
    }

    fn key(&mut self) -> Result<Option<Vec<u8>>, SanitizeError> {
        match self.lexer.next()? {
            Token::EndObject => Ok(None),
            Token::String => match self.lexer.take_string(MAX_KEY)? {
                Taken::Whole(k) => match self.lexer.next()? {
                    Token::Colon => Ok(Some(k)),
                    _ => Err(self.lexer.malformed("':' was expected after a member name")),
                },
                Taken::TooLong(_) => Err(self.lexer.malformed("a member name over 64 KiB")),
            },
            _ => Err(self.lexer.malformed("a member name was expected")),
        }
    }

    /// After a member or element: `,` (more follow) or the closing bracket.
    fn more(&mut self, close: Token) -> Result<bool, SanitizeError> {
        match self.lexer.next()? {
            Token::Comma => Ok(true),
            t if t == close => Ok(false),
            _ => Err(self
                .lexer
                .malformed("',' or a closing bracket was expected")),
        }
    }

    fn object(&mut self, path: &mut Vec<Step>) -> Result<(), SanitizeError> {
        self.out.begin_object();
        let is_log = path.len() == 1 && key_is(path.first(), "log");
        while let Some(key) = self.key()? {
            let tok = self.lexer.next()?;
            let body = is_body(path, &key);
            if (body && !self.options.keep_bodies) || (is_log && key == b"_sanitized") {
                self.summary.bodies_dropped += u64::from(body);
                self.lexer.skip(tok)?;
            } else if body && tok == Token::String {
                self.out.key(&key);
                self.stream_string()?;
            } else {
                self.out.key(&key);
                path.push(Step::Key(key));
                self.value(path, tok)?;
                path.pop();
            }
            self.flush(false)?;
            if !self.more(Token::EndObject)? {
                break;
            }
        }
        if is_log {
            self.mark();
        }
        self.out.end_object();
        Ok(())
    }

    /// `log._sanitized`: who sanitized the file, and how.
    fn mark(&mut self) {
        self.out.key(b"_sanitized");
        self.out.begin_object();
        self.out.key(b"by");
        self.out
            .text(concat!("corscope ", env!("CARGO_PKG_VERSION")));
        self.out.key(b"bodies");
        self.out.text(if self.options.keep_bodies {
            "kept"
        } else {
            "dropped"
        });
        self.out.key(b"redaction_key");
        self.out.text(if self.redactor().has_stable_key() {
            "given"
        } else {
            "random"
        });
        self.out.end_object();
    }

    fn array(&mut self, path: &mut Vec<Step>) -> Result<(), SanitizeError> {
        self.out.begin_array();
        let entries = path.len() == 2 && key_is(path.first(), "log");
        self.saw_entries |= entries && key_is(path.get(1), "entries");
        let mut tok = self.lexer.next()?;
        if tok == Token::EndArray {
            self.out.end_array();
            return Ok(());
        }
        path.push(Step::Index);
        loop {
            if entries {
                self.out.line_break();
            }
            self.value(path, tok)?;
            if entries && key_is(path.get(1), "entries") {
                self.summary.entries += 1;
            }
            self.flush(false)?;
            if !self.more(Token::EndArray)? {
                break;
            }
            tok = self.lexer.next()?;
        }
        path.pop();
        self.out.end_array();
        Ok(())
    }

    /// A body kept: streamed through as it is.
    fn stream_string(&mut self) -> Result<(), SanitizeError> {
        self.out.open_string();
        let Self {
            lexer,
            out,
            sink,
            hold,
            ..
        } = self;
        let hold = *hold;
        lexer.string(&mut |chunk| {
            out.buf.extend_from_slice(chunk);
            if hold == 0 && out.buf.len() >= FLUSH {
                sink.write_all(&out.buf).map_err(SanitizeError::Write)?;
                out.buf.clear();
            }
            Ok(())
        })?;
        self.out.buf.push(b'"');
        Ok(())
    }

    /// A string outside items and bodies: URLs in it redacted.
    fn string(&mut self, path: &[Step]) -> Result<(), SanitizeError> {
        let url = is_url(path);
        match self.lexer.take_string(self.options.string_bytes)? {
            Taken::Whole(raw) => {
                let text = decode(&raw);
                let redacted = if url {
                    self.redactor().url(&text)
                } else {
                    self.redactor().text(&text)
                };
                let changed = redacted != text;
                if changed {
                    let r = redacted.into_owned();
                    self.summary.values_redacted += 1;
                    self.out.text(&r);
                } else {
                    self.out.raw_string(&raw);
                }
            }
            Taken::TooLong(len) => {
                let marker = self.too_long(len);
                self.out.text(&marker);
            }
        }
        Ok(())
    }

    /// The marker replacing a string too long to inspect: kept whole, it could carry a
    /// secret.
    fn too_long(&mut self, len: u64) -> String {
        self.summary.values_redacted += 1;
        self.summary.too_long += 1;
        self.redactor()
            .secret(&format!("a string of {len} bytes"))
            .into_owned()
    }

    /// A header, cookie or parameter item: read whole, then written with its value judged by
    /// its name.
    fn item(&mut self, path: &mut Vec<Step>, item: Item) -> Result<(), SanitizeError> {
        let mut members = Vec::new();
        while let Some(key) = self.key()? {
            let tok = self.lexer.next()?;
            let value = match tok {
                Token::String => match self.lexer.take_string(self.options.string_bytes)? {
                    Taken::Whole(raw) => MemberValue::Str(raw),
                    // Markers need no escaping.
                    Taken::TooLong(len) => {
                        MemberValue::Json(format!("\"{}\"", self.too_long(len)).into_bytes())
                    }
                },
                tok => {
                    // Nested values are written apart, then placed.
                    let outer = std::mem::take(&mut self.out);
                    path.push(Step::Key(key.clone()));
                    self.hold += 1;
                    let done = self.value(path, tok);
                    self.hold -= 1;
                    path.pop();
                    let inner = std::mem::replace(&mut self.out, outer);
                    done?;
                    MemberValue::Json(inner.buf)
                }
            };
            members.push(Member { key, value });
            if !self.more(Token::EndObject)? {
                break;
            }
        }
        let name = members
            .iter()
            .find(|m| m.key == b"name")
            .and_then(|m| match &m.value {
                MemberValue::Str(raw) => Some(decode(raw)),
                MemberValue::Json(_) => None,
            })
            .unwrap_or_default();
        self.out.begin_object();
        for m in &members {
            self.out.key(&m.key);
            let is_value = m.key == b"value";
            let text = match &m.value {
                MemberValue::Str(raw) => decode(raw),
                // A number as a value (some producers write header values so) is judged as
                // its text.
                MemberValue::Json(json)
                    if is_value && json.first().is_some_and(u8::is_ascii_digit) =>
                {
                    String::from_utf8_lossy(json).into_owned()
                }
                MemberValue::Json(json) => {
                    self.out.raw(json);
                    continue;
                }
            };
            let r = self.redactor();
            let redacted = match (item, is_value) {
                (Item::Header, true) => r.header_value(&name, &text),
                (Item::Cookie, true) => r.secret(&text),
                (Item::Param, true) => r.param_value(&name, &text),
                _ => r.text(&text),
            };
            if redacted != text {
                let s = redacted.into_owned();
                self.summary.values_redacted += 1;
                self.out.text(&s);
            } else {
                match &m.value {
                    MemberValue::Str(raw) => self.out.raw_string(raw),
                    MemberValue::Json(json) => self.out.raw(json),
                }
            }
        }
        self.out.end_object();
        Ok(())
    }
}
