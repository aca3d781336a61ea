//! The walk through the document: root object → `log` → `creator`, `pages`, `entries`, in
//! whatever order they come, skipping every other member by scanning. Each element of
//! `log.entries` is read by [`super::reader`]. Where the walk stops early decides the outcome:
//! before `log.entries` was found it is a [`CaptureError`], after it an issue.

use super::entry::{RawCreator, RawPage};
use super::stream::{Stream, Taken};
use super::{
    reader, HarSummary, Pages, Producer, HAR_READ_FAILED, HAR_STRUCTURE_BROKEN, HAR_TRUNCATED,
};
use crate::capture::{CaptureError, Sink};
use crate::model::{Issue, Limits, Position};

/// Largest key or `log.creator` kept for reading.
const SMALL_VALUE: usize = 64 << 10;

/// Why the walk stopped early.
enum Halt {
    /// The input ended at this offset.
    End(u64),
    /// Something else than `expected` at this offset.
    Syntax(u64, &'static str),
    /// Reading failed.
    Io(CaptureError),
    /// A complete JSON object without a `log` member: some other JSON document.
    NotHar,
}

impl From<CaptureError> for Halt {
    fn from(e: CaptureError) -> Self {
        Halt::Io(e)
    }
}

/// Member names the walk acts on.
#[derive(PartialEq, Eq)]
enum Name {
    Log,
    Entries,
    Pages,
    Creator,
    Browser,
    Other,
}

struct Walk<'a, 'r> {
    stream: Stream<'r>,
    limits: &'a Limits,
    sink: &'a mut dyn Sink,
    pages: Pages,
    producer: Option<String>,
    creator_name: Option<String>,
    browser_name: Option<String>,
    names: Producer,
    entries: u64,
    entries_seen: bool,
}

/// Reads the whole document into `sink`.
pub(super) fn read(
    stream: Stream<'_>,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<HarSummary, CaptureError> {
    let mut w = Walk {
        stream,
        limits,
        sink,
        pages: Pages::default(),
        producer: None,
        creator_name: None,
        browser_name: None,
        names: Producer::default(),
        entries: 0,
        entries_seen: false,
    };
    if let Err(halt) = w.root() {
        let issue = match halt {
            Halt::Io(e) if !w.entries_seen => return Err(e),
            Halt::NotHar => {
                return Err(CaptureError::NotRecognised(
                    "a JSON document without a HAR \"log\" object".into(),
                ))
            }
            Halt::End(at) | Halt::Syntax(at, _) if !w.entries_seen => {
                let message = match halt {
                    Halt::Syntax(_, expected) => format!("expected {expected}"),
                    _ => "input ends before log.entries".to_owned(),
                };
                return Err(CaptureError::Malformed {
                    at: Position::offset(at),
                    message,
                });
            }
            Halt::End(at) => Issue::at(
                HAR_TRUNCATED,
                Position::offset(at),
                format!(
                    "input ends at byte offset {at}; the {} entries before were read",
                    w.entries
                ),
            ),
            Halt::Syntax(at, expected) => Issue::at(
                HAR_STRUCTURE_BROKEN,
                Position::offset(at),
                format!("expected {expected} at byte offset {at}; nothing after it was read"),
            ),
            Halt::Io(e) => {
                Issue::general(HAR_READ_FAILED, format!("{e}; nothing after it was read"))
            }
        };
        w.sink.issue(issue);
    }
    Ok(HarSummary {
        producer: w.producer,
        entries: w.entries,
    })
}

impl Walk<'_, '_> {
    fn peek(&mut self) -> Result<u8, Halt> {
        self.stream.peek()?.ok_or(Halt::End(self.stream.offset()))
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), Halt> {
        if self.peek()? != byte {
            return Err(Halt::Syntax(self.stream.offset(), expected));
        }
        self.stream.bump();
        Ok(())
    }

    fn root(&mut self) -> Result<(), Halt> {
        self.stream.skip_bom()?;
        self.expect(b'{', "a JSON object")?;
        let mut log_seen = false;
        self.members(|w, name| match name {
            Name::Log => {
                log_seen = true;
                w.log()
            }
            _ => w.skip(),
        })?;
        if !log_seen {
            return Err(Halt::NotHar);
        }
        if !self.entries_seen {
            let what = if log_seen {
                "a \"log.entries\" array"
            } else {
                "a \"log\" object"
            };
            return Err(Halt::Syntax(self.stream.offset(), what));
        }
        Ok(())
    }

    fn log(&mut self) -> Result<(), Halt> {
        self.expect(b'{', "an object for \"log\"")?;
        self.members(|w, name| match name {
            Name::Entries => w.entries(),
            Name::Pages => w.pages(),
            Name::Creator => w.creator(),
            Name::Browser => w.browser(),
            _ => w.skip(),
        })
    }

    /// The members of an object whose `{` has been consumed, through its `}`.
    fn members(
        &mut self,
        mut on: impl FnMut(&mut Self, Name) -> Result<(), Halt>,
    ) -> Result<(), Halt> {
        if self.peek()? == b'}' {
            self.stream.bump();
            return Ok(());
        }
        loop {
            if self.peek()? != b'"' {
                return Err(Halt::Syntax(self.stream.offset(), "a member name"));
            }
            let name = match self.stream.take_value(SMALL_VALUE)? {
                Taken::Whole(r) => match self.stream.bytes(r) {
                    b"\"log\"" => Name::Log,
                    b"\"entries\"" => Name::Entries,
                    b"\"pages\"" => Name::Pages,
                    b"\"creator\"" => Name::Creator,
                    b"\"browser\"" => Name::Browser,
                    _ => Name::Other,
                },
                Taken::TooLarge(_) => Name::Other,
                Taken::Truncated => return Err(Halt::End(self.stream.offset())),
            };
            self.expect(b':', "':'")?;
            self.peek()?;
            on(self, name)?;
            match self.peek()? {
                b',' => self.stream.bump(),
                b'}' => {
                    self.stream.bump();
                    return Ok(());
                }
                _ => return Err(Halt::Syntax(self.stream.offset(), "',' or '}'")),
            }
        }
    }

    /// Skips one value without keeping it.
    fn skip(&mut self) -> Result<(), Halt> {
        match self.stream.take_value(0)? {
            Taken::Truncated => Err(Halt::End(self.stream.offset())),
            _ => Ok(()),
        }
    }

    /// The elements of an array, each handed to `on` positioned at its first byte.
    fn elements(
        &mut self,
        mut on: impl FnMut(&mut Self, u8) -> Result<(), Halt>,
    ) -> Result<(), Halt> {
        loop {
            let first = self.peek()?;
            if first == b']' {
                self.stream.bump();
                return Ok(());
            }
            on(self, first)?;
            match self.peek()? {
                b',' => self.stream.bump(),
                b']' => {
                    self.stream.bump();
                    return Ok(());
                }
                _ => {
                    return Err(Halt::Syntax(
                        self.stream.offset(),
                        "',' or ']' after an element",
                    ))
                }
            }
        }
    }

    fn creator(&mut self) -> Result<(), Halt> {
        if let Taken::Whole(r) = self.take(SMALL_VALUE)? {
            if let Ok(c) = serde_json::from_slice::<RawCreator<'_>>(self.stream.bytes(r)) {
                let parts = [c.name.non_empty(), c.version.non_empty()];
                let text = parts.into_iter().flatten().collect::<Vec<_>>().join(" ");
                self.producer = (!text.is_empty()).then_some(text);
                self.creator_name = c.name.non_empty().map(str::to_owned);
                self.names();
            }
        }
        Ok(())
    }

    /// `log.browser`: the same shape as `log.creator`.
    fn browser(&mut self) -> Result<(), Halt> {
        if let Taken::Whole(r) = self.take(SMALL_VALUE)? {
            if let Ok(c) = serde_json::from_slice::<RawCreator<'_>>(self.stream.bytes(r)) {
                self.browser_name = c.name.non_empty().map(str::to_owned);
                self.names();
            }
        }
        Ok(())
    }

    fn names(&mut self) {
        self.names = Producer::new(self.creator_name.as_deref(), self.browser_name.as_deref());
    }

    fn pages(&mut self) -> Result<(), Halt> {
        if self.peek()? != b'[' {
            return self.skip();
        }
        self.stream.bump();
        self.elements(|w, _| {
            if let Taken::Whole(r) = w.take(w.limits.har_entry_bytes)? {
                if let Ok(page) = serde_json::from_slice::<RawPage<'_>>(w.stream.bytes(r)) {
                    w.pages.add(page);
                }
            }
            Ok(())
        })
    }

    fn take(&mut self, cap: usize) -> Result<Taken, Halt> {
        match self.stream.take_value(cap)? {
            Taken::Truncated => Err(Halt::End(self.stream.offset())),
            taken => Ok(taken),
        }
    }

    fn entries(&mut self) -> Result<(), Halt> {
        self.expect(b'[', "an array for \"log.entries\"")?;
        self.entries_seen = true;
        self.elements(|w, first| {
            let mut cx = reader::Context {
                sink: &mut *w.sink,
                pages: &w.pages,
                producer: &w.names,
                cap: w.limits.har_entry_bytes,
            };
            if !reader::entry(&mut w.stream, &mut cx, w.entries, first)? {
                return Err(Halt::End(w.stream.offset()));
            }
            w.entries += 1;
            w.stream.shrink();
            Ok(())
        })
    }
}
