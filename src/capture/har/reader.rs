//! Reads one element of `log.entries` into an exchange or an issue.
//!
//! Fast path: the entry is deserialised straight from the buffered bytes (at most
//! `har_entry_bytes` of them) by [`super::json`], which reports where it ended, so an entry
//! wholly in the buffer is read in one pass; when that reader declines, serde_json tries the
//! same bytes. Otherwise, when the entry runs past the buffer or both readers reject it, the
//! scanner delimits it first (reading more input, or skipping it without keeping it when it is
//! over the cap), then it is parsed from its exact bytes (by [`super::json`], then serde_json),
//! and, if that fails, once more from a lossy copy ([`super::repair`]). Only then is it
//! reported malformed, with serde_json's error.

use super::entry::RawEntry;
use super::json::{self, Decline};
use super::stream::{Stream, Taken};
use super::{
    map, repair, Pages, Producer, HAR_ENTRY_MALFORMED, HAR_ENTRY_MISSING_REQUEST,
    HAR_ENTRY_TOO_LARGE, HAR_REQUEST_HEADERS_REPEATED,
};
use crate::capture::{CaptureError, Sink};
use crate::model::{EntryIndex, Issue, Position};

/// What reading one entry needs besides the stream.
pub(super) struct Context<'a> {
    /// Where exchanges and issues go.
    pub(super) sink: &'a mut dyn Sink,
    /// Pages seen so far.
    pub(super) pages: &'a Pages,
    /// Who wrote the file, as far as read.
    pub(super) producer: &'a Producer,
    /// `Limits::har_entry_bytes`.
    pub(super) cap: usize,
}

/// Reads the entry `index` whose first byte is `first`. Returns `false` when the input ended
/// inside it (nothing emitted), `true` once it became an exchange or an issue.
pub(super) fn entry(
    stream: &mut Stream<'_>,
    cx: &mut Context<'_>,
    index: u64,
    first: u8,
) -> Result<bool, CaptureError> {
    let at = stream.offset();
    let cap = cx.cap;
    if first == b'{' {
        stream.read_ahead(cap);
        let window = stream.window(cap);
        let decline = match json::from_prefix::<RawEntry<'_>>(window) {
            Ok((raw, n)) => {
                emit(cx, index, raw);
                stream.consume(n);
                return Ok(true);
            }
            Err(decline) => decline,
        };
        // Out of input, serde_json would run out too: the entry is longer than the window.
        if decline != Decline::OutOfInput {
            let mut values =
                serde_json::Deserializer::from_slice(window).into_iter::<RawEntry<'_>>();
            if let Some(Ok(raw)) = values.next() {
                let n = values.byte_offset();
                emit(cx, index, raw);
                stream.consume(n);
                return Ok(true);
            }
        }
    }
    let position = Position::Entry(EntryIndex(index));
    let range = match stream.take_value(cap)? {
        Taken::Truncated => return Ok(false),
        Taken::Whole(range) if first == b'{' => range,
        Taken::TooLarge(len) => {
            let message = format!(
                "entry at byte offset {at} is {len} bytes, over the {cap}-byte limit; skipped"
            );
            cx.sink
                .issue(Issue::at(HAR_ENTRY_TOO_LARGE, position, message));
            return Ok(true);
        }
        Taken::Whole(_) => {
            let message = format!("entry at byte offset {at} is not an object; skipped");
            cx.sink
                .issue(Issue::at(HAR_ENTRY_MALFORMED, position, message));
            return Ok(true);
        }
    };
    let bytes = stream.bytes(range);
    if let Ok(raw) = json::from_slice::<RawEntry<'_>>(bytes) {
        emit(cx, index, raw);
        return Ok(true);
    }
    let error = match serde_json::from_slice::<RawEntry<'_>>(bytes) {
        Ok(raw) => {
            emit(cx, index, raw);
            return Ok(true);
        }
        Err(e) => e,
    };
    if let Some(copy) = repair::lossy(bytes) {
        if let Ok(raw) = serde_json::from_slice::<RawEntry<'_>>(&copy) {
            emit(cx, index, raw);
            return Ok(true);
        }
    }
    let message = format!("entry at byte offset {at} is not valid JSON ({error}); skipped");
    cx.sink
        .issue(Issue::at(HAR_ENTRY_MALFORMED, position, message));
    Ok(true)
}

fn emit(cx: &mut Context<'_>, index: u64, raw: RawEntry<'_>) {
    match map::exchange(index, raw, cx.pages, cx.producer) {
        Some((exchange, repeated)) => {
            if repeated > 0 {
                cx.sink.issue(Issue::at(
                    HAR_REQUEST_HEADERS_REPEATED,
                    Position::Entry(EntryIndex(index)),
                    format!(
                        "{repeated} request header lines repeated an earlier line with the same name and value and were dropped: chrome-har lists the headers of Network.requestWillBeSent and of Network.requestWillBeSentExtraInfo together"
                    ),
                ));
            }
            cx.sink.exchange(exchange)
        }
        None => cx.sink.issue(Issue::at(
            HAR_ENTRY_MISSING_REQUEST,
            Position::Entry(EntryIndex(index)),
            "entry has no request URL; skipped",
        )),
    }
}
