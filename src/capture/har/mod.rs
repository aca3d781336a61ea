//! Streaming HAR reader: `log.entries[i]` in, one [`Exchange`](crate::model::Exchange) per
//! entry out, in file order, or an [`Issue`](crate::model::Issue) naming the entry when it had
//! to be skipped. Entries read = exchanges + skipped-entry issues, always.
//!
//! # How
//! The input is read in 256 KiB chunks into one reused buffer (`stream.rs`). A hand-written
//! walk (`document.rs`) finds `log`, then `log.creator`, `log.pages` and `log.entries` in any
//! order, skipping every other member by scanning (`scan.rs`). Each entry is deserialised alone
//! (`reader.rs`), straight from the buffer, into borrowed serde structs (`entry.rs`,
//! `lenient.rs`) that declare only the fields corscope uses; bodies (`content.text`,
//! `postData`) and every unknown field are skipped as `IgnoredAny`, without allocating. The
//! deserializer is our own (`json/`), faster than serde_json on HAR text and bound to read
//! every entry exactly as serde_json would; where it is not sure to, it declines and
//! serde_json reads the entry. Headers are copied straight into the model's
//! [`HeaderList`](crate::model::HeaderList), one buffer per list. Before an entry is parsed the
//! stream reads ahead until 64 KiB are buffered, and the deserializer reports where the entry
//! ended, so an entry of up to 64 KiB costs one pass; a longer one cut by the buffer's end is
//! delimited by the scanner first. The entry is then mapped to the model (`map.rs`, dates by
//! `time.rs`).
//!
//! # Memory
//! One chunk plus the largest entry kept, which is at most [`Limits::har_entry_bytes`]: a
//! longer entry is scanned to its end without being kept and reported as
//! [`HAR_ENTRY_TOO_LARGE`]. Plus one short URL per page of `log.pages`.
//!
//! # Why a hand-written scanner
//! serde_json can stream a nested array from a `Read` with a `DeserializeSeed` visitor, but its
//! `from_reader` path cannot lend `&str` (every header becomes a `String`), goes through a
//! per-byte `Read` adapter (about 1.6 s on a 500 MB HAR versus 0.3 s over a slice, see
//! `reference/har-producers.md` §6), and one bad entry (a lone surrogate) aborts the whole
//! array with no way to resume after it. Reading the file into memory would fix speed but not
//! the memory bound. No crate we found streams the elements of an array nested inside a JSON
//! document from a `Read` while skipping bodies and resynchronising after a bad element; a
//! boundary scanner that only tracks strings, escapes and bracket depth is 150 lines.
//!
//! # Producers' quirks handled
//! UTF-8 BOM; `log.version` 1.1, 1.2, 1.3 or absent (never checked); numbers as strings, `null`
//! or floats; header values as numbers; repeated keys (the last wins); `timings: {}` and
//! `cache` objects with Firefox's own keys; Safari's `""` dates and any unparsable date
//! (`None`); lone surrogate escapes and invalid UTF-8 (the entry is re-read from a lossy copy);
//! Chrome `_initiator`, `_resourceType`, `_fromCache`, `_error`, `_fetchedViaServiceWorker`
//! and provisional headers; chrome-har `_initiator_type`, `_initiator_detail`, `_requestId`,
//! `fromDiskCache`, and its request headers listed twice (the repeats are dropped, counted as
//! [`HAR_REQUEST_HEADERS_REPEATED`]); Playwright `_failureText` and `status: -1`; Safari
//! `_fetchType`; Firefox's entry for a request it never sent (status 0, `timings: {}`);
//! mitmproxy `content: {}` and `_error`; WebPagetest `_ip_addr` and page `_URL`.
//!
//! # Producers
//! `log.creator` and `log.browser` tell which browser recorded the file (so that it can be
//! judged as that browser) and whether the producer keeps the browser's outcome: DevTools,
//! Playwright and Safari mark every failed request, chrome-har drops them, Firefox keeps a
//! blocked response like any other. A file read before its `log.creator` (not seen in any
//! producer studied) is read as of an unknown producer.
//!
//! # `log.pages` after `log.entries`
//! Pages are read when they are met. Every producer studied writes them before the entries;
//! when a file puts them after, the entries before have no `page_url` (left `None`): holding
//! entries back to wait for pages would break the memory bound.
//!
//! # Errors
//! [`CaptureError::Malformed`] with a byte offset only when no entry can be read: not a JSON
//! object, no `log` object, no `log.entries` array, or the input ends before it. Once entries
//! are being read, a cut-off file raises [`HAR_TRUNCATED`], a broken structure between
//! entries [`HAR_STRUCTURE_BROKEN`] and a failing reader [`HAR_READ_FAILED`], after everything
//! before was emitted. An entry cut off by the end of the input is not counted as read: the
//! truncation issue stands for it.

mod document;
mod entry;
mod json;
mod lenient;
mod map;
mod reader;
mod repair;
mod scan;
mod stream;
mod time;

use std::collections::HashMap;
use std::io::Read;

use super::{CaptureError, Sink};
use crate::model::{Browser, Limits, RecordedOutcome};

/// An entry is not valid JSON, or not an object, even after the lossy re-read; skipped.
pub const HAR_ENTRY_MALFORMED: &str = "har-entry-malformed";
/// An entry is larger than [`Limits::har_entry_bytes`]; skipped.
pub const HAR_ENTRY_TOO_LARGE: &str = "har-entry-too-large";
/// An entry has no `request` object with a `url`; skipped.
pub const HAR_ENTRY_MISSING_REQUEST: &str = "har-entry-missing-request";
/// A producer known to list request headers twice (chrome-har merges the headers of
/// `Network.requestWillBeSent` and `Network.requestWillBeSentExtraInfo`) repeated a request
/// header line; the repeats were dropped. Counted per entry.
pub const HAR_REQUEST_HEADERS_REPEATED: &str = "har-request-headers-repeated";
/// The input ends inside the document; the entries before were read.
pub const HAR_TRUNCATED: &str = "har-truncated";
/// The structure between entries is broken (no `,` or `]` after an entry); reading stopped.
pub const HAR_STRUCTURE_BROKEN: &str = "har-structure-broken";
/// Reading the input failed after entries had been read (a corrupt compressed stream).
pub const HAR_READ_FAILED: &str = "har-read-failed";

/// What the HAR itself says about its origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HarSummary {
    /// `log.creator.name` and `version`, e.g. `WebInspector 537.36`.
    pub producer: Option<String>,
    /// Number of entries read (each became an exchange or an issue).
    pub entries: u64,
}

/// Streams `log.entries` of a HAR into `sink`. See the module doc for what is an error and
/// what an issue.
pub fn read(
    input: &mut dyn Read,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<HarSummary, CaptureError> {
    document::read(stream::Stream::new(input), limits, sink)
}

/// What the HAR says about who wrote it (`log.creator`, `log.browser`), and what that tells of
/// its entries (`reference/har-producers.md`).
#[derive(Debug, Default)]
struct Producer {
    /// `log.creator.name`, lower case.
    creator: String,
    /// The browser the file names: `log.browser.name`, else the creator.
    browser: Option<Browser>,
}

impl Producer {
    fn new(creator: Option<&str>, browser: Option<&str>) -> Self {
        let creator = creator.unwrap_or("").trim().to_ascii_lowercase();
        let browser = browser
            .and_then(Browser::named_by)
            .or_else(|| Browser::named_by(&creator));
        Self { creator, browser }
    }

    /// Whether the entry was written by chrome-har (its `_initiator_type` or
    /// `_initiator_detail`, kept by tools built on it such as browsertime), or the file says so.
    fn chrome_har(&self, entry_has_chrome_har_fields: bool) -> bool {
        entry_has_chrome_har_fields || self.creator == "chrome-har"
    }

    /// What the producer keeps of the browser's outcome of a request.
    fn outcome(&self, chrome_har: bool) -> RecordedOutcome {
        if chrome_har {
            return RecordedOutcome::FailuresDropped;
        }
        match self.creator.as_str() {
            // Chrome/Edge DevTools `_error`, Playwright `_failureText`, Safari `_error`.
            "webinspector" | "playwright" | "webkit web inspector" => {
                RecordedOutcome::FailuresMarked
            }
            _ => RecordedOutcome::NotKept,
        }
    }
}

/// Page id → page URL, from `log.pages`.
#[derive(Debug, Default)]
struct Pages {
    urls: HashMap<String, String>,
}

impl Pages {
    /// Records a page whose URL can be told: its `title` when that is an absolute http(s) URL
    /// (Chrome and Safari write the URL there), else WebPagetest `_URL` or chrome-har `_url`.
    fn add(&mut self, page: entry::RawPage<'_>) {
        let Some(id) = page.id.into_owned() else {
            return;
        };
        let url = [page.title, page.webpagetest_url, page.chrome_har_url]
            .into_iter()
            .find_map(|t| t.non_empty().filter(|s| is_http_url(s)).map(str::to_owned));
        if let Some(url) = url {
            self.urls.insert(id, url);
        }
    }

    fn url(&self, id: &str) -> Option<&str> {
        self.urls.get(id).map(String::as_str)
    }
}

fn is_http_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        && !s.contains(char::is_whitespace)
}
