//! The normalized exchange every capture format becomes: one request, its response or its
//! failure, when it happened, between which endpoints, and where it was recorded.
//!
//! Producers fill what their format records and leave the rest `None`; nothing here is
//! guessed. Bodies are never held: only their recorded sizes.

use std::net::{IpAddr, SocketAddr};

use super::browser::Browser;
use super::common_text::SharedText;
use super::headers::HeaderList;
use super::location::Location;

/// A point in time, nanoseconds since the Unix epoch (UTC).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// From seconds and nanoseconds since the epoch.
    pub fn from_parts(secs: i64, nanos: u32) -> Self {
        Timestamp(
            secs.saturating_mul(1_000_000_000)
                .saturating_add(i64::from(nanos)),
        )
    }

    /// From fractional milliseconds since the epoch.
    pub fn from_millis_f64(ms: f64) -> Self {
        Timestamp((ms * 1_000_000.0) as i64)
    }

    /// Seconds since the epoch, fractional.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// This time plus fractional milliseconds.
    pub fn plus_millis(self, ms: f64) -> Self {
        Timestamp(self.0.saturating_add((ms * 1_000_000.0) as i64))
    }

    /// Signed difference `self - earlier` in seconds.
    pub fn secs_since(self, earlier: Timestamp) -> f64 {
        (self.0.saturating_sub(earlier.0)) as f64 / 1e9
    }
}

/// One recorded request/response exchange.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Exchange {
    /// Where it was recorded.
    pub location: Location,
    /// The request as it was recorded.
    pub request: Request,
    /// The response, when one was recorded (also for requests the browser then failed).
    pub response: Option<Response>,
    /// The failure the recorder noted, if any (`_error`, `_failureText`, a reset connection).
    pub failure: Option<Failure>,
    /// When it happened.
    pub timing: Timing,
    /// Network endpoints, when known.
    pub endpoints: Endpoints,
    /// Facts only some recorders keep (resource type, initiator, page).
    pub recorder: RecorderHints,
}

impl Exchange {
    /// A minimal exchange: a request at a location, nothing else known yet.
    pub fn new(location: Location, request: Request) -> Self {
        Self {
            location,
            request,
            response: None,
            failure: None,
            timing: Timing::default(),
            endpoints: Endpoints::default(),
            recorder: RecorderHints::default(),
        }
    }
}

/// The request side.
#[derive(Clone, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Request {
    /// Method exactly as sent (`patch` stays `patch`).
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// `HTTP/1.1`, `h2`, ... when recorded.
    pub http_version: Option<SharedText>,
    /// Header lines as recorded (stored apart from the rest by the stage encodings).
    #[serde(skip)]
    pub headers: HeaderList,
    /// The recorder listed cookies for this request (HAR `request.cookies`), even when the
    /// `Cookie` header itself was removed (sanitized exports).
    pub cookies_recorded: bool,
    /// The headers are the browser's provisional ones, not what went on the wire (Chromium
    /// DevTools for requests that were never sent: no `Origin`, no `Sec-Fetch-*`).
    pub headers_provisional: bool,
    /// Whether the recording shows the request reached the network: `Some(true)` when it was
    /// captured on the wire, `Some(false)` when the recorder shows the browser never sent it
    /// (Chromium DevTools' provisional headers without a response; Firefox's entry with status
    /// 0 and empty `timings`), `None` when the recording does not say.
    pub reached_network: Option<bool>,
    /// Recorded body size in bytes, when known.
    pub body_size: Option<u64>,
}

/// The response side.
#[derive(Clone, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Reason phrase as recorded.
    pub status_text: SharedText,
    /// `HTTP/1.1`, `h2`, ... when recorded.
    pub http_version: Option<SharedText>,
    /// Header lines as recorded (stored apart from the rest by the stage encodings).
    #[serde(skip)]
    pub headers: HeaderList,
    /// Served from the browser's cache rather than the network.
    pub from_cache: Option<CacheSource>,
    /// Recorded body size in bytes, when known.
    pub body_size: Option<u64>,
}

/// Which browser cache served a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CacheSource {
    /// The memory cache.
    Memory,
    /// The disk (HTTP) cache.
    Disk,
    /// A cache the recorder did not name.
    Unspecified,
}

/// A failure the recorder noted for the exchange.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// The recorder's text, e.g. `net::ERR_FAILED`, `net::ERR_CONNECTION_REFUSED`.
    pub text: String,
    /// What kind of failure the text names.
    pub kind: FailureKind,
}

impl Failure {
    /// A failure from the recorder's text, classified by [`FailureKind::from_text`].
    pub fn from_text(text: impl Into<String>) -> Self {
        let text = text.into();
        let kind = FailureKind::from_text(&text);
        Self { text, kind }
    }

    /// Whether the failure happened before the request could be sent: no connection (refused,
    /// unreachable, no address), no name, or blocked inside the browser.
    pub fn before_sending(&self) -> bool {
        let upper = self.text.to_ascii_uppercase();
        match self.kind {
            FailureKind::Dns | FailureKind::BlockedByClient => true,
            FailureKind::Connection => [
                "REFUSED",
                "UNREACHABLE",
                "ADDRESS",
                "INTERNET_DISCONNECTED",
                "CONNECTION_FAILED",
            ]
            .iter()
            .any(|s| upper.contains(s)),
            _ => false,
        }
    }
}

/// Classification of a recorded failure text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FailureKind {
    /// `net::ERR_FAILED`: the generic failure Chromium gives every CORS block.
    Generic,
    /// The connection could not be made or broke: refused, reset, closed, timed out.
    Connection,
    /// Name resolution failed.
    Dns,
    /// TLS or certificate failure.
    Tls,
    /// Blocked inside the browser before sending: client/extension, CSP, mixed content,
    /// administrator, DevTools blocking.
    BlockedByClient,
    /// Blocked by a response policy that is not CORS: ORB, CORB, CORP, COEP.
    BlockedByResponse,
    /// Cancelled: navigation away, abort.
    Aborted,
    /// The response was empty or cut short.
    Incomplete,
    /// Anything else.
    Other,
}

impl FailureKind {
    /// Classifies a Chromium `net::ERR_*` text, a Playwright `_failureText` or a Firefox/Safari
    /// error string.
    pub fn from_text(text: &str) -> Self {
        let t = text.trim();
        let upper = t.to_ascii_uppercase();
        let has = |s: &str| upper.contains(s);
        if upper == "NET::ERR_FAILED" || upper == "ERR_FAILED" {
            FailureKind::Generic
        } else if has("ABORTED") || has("CANCELED") || has("CANCELLED") {
            FailureKind::Aborted
        } else if has("NAME_NOT_RESOLVED") || has("NAME_RESOLUTION") || has("DNS") {
            FailureKind::Dns
        } else if has("CERT") || has("SSL") || has("TLS") {
            FailureKind::Tls
        } else if has("BLOCKED_BY_RESPONSE") || has("BLOCKED_BY_ORB") || has("BLOCKED_BY_CORB") {
            FailureKind::BlockedByResponse
        } else if has("BLOCKED_BY") || has("CSP") || has("MIXED") {
            FailureKind::BlockedByClient
        } else if has("CONNECTION")
            || has("TIMED_OUT")
            || has("TIMEOUT")
            || has("REFUSED")
            || has("UNREACHABLE")
            || has("INTERNET_DISCONNECTED")
            || has("ADDRESS")
        {
            FailureKind::Connection
        } else if has("EMPTY_RESPONSE") || has("INCOMPLETE") || has("CONTENT_LENGTH_MISMATCH") {
            FailureKind::Incomplete
        } else if upper.contains("CORS") || upper.contains("ACCESS CONTROL") {
            FailureKind::Generic
        } else {
            FailureKind::Other
        }
    }
}

/// When an exchange happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Timing {
    /// When the request started (HAR `startedDateTime`, pcap time of the request's first byte).
    pub started: Option<Timestamp>,
    /// When the response started arriving.
    pub response_started: Option<Timestamp>,
    /// When the exchange finished.
    pub finished: Option<Timestamp>,
}

/// Network endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Endpoints {
    /// The client's address and port (pcap).
    pub client: Option<SocketAddr>,
    /// The server's address and port (pcap).
    pub server: Option<SocketAddr>,
    /// The server's IP when only that is known (HAR `serverIPAddress`).
    pub server_ip: Option<IpAddr>,
}

/// Facts only some recorders keep.
#[derive(Clone, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RecorderHints {
    /// Chrome `_resourceType` (`fetch`, `xhr`, `preflight`, `document`, ...), Firefox or
    /// Playwright equivalents, Safari `_fetchType`.
    pub resource_type: Option<String>,
    /// Chrome `_initiator`.
    pub initiator: Option<Initiator>,
    /// The recorder's own id for this request (chrome-har `_requestId`).
    pub request_id: Option<String>,
    /// URL of the page this exchange belongs to (HAR `pages[pageref].title` when it is a URL).
    pub page_url: Option<String>,
    /// The recording connection id (HAR `connection`), when present.
    pub connection: Option<String>,
    /// The exchange was answered by a service worker (`_fetchedViaServiceWorker`).
    pub via_service_worker: bool,
    /// The browser the recorder names (HAR `log.browser`, `log.creator`), when it names one.
    pub browser: Option<Browser>,
    /// What the recorder keeps of the browser's own outcome.
    pub outcome: RecordedOutcome,
}

/// What a recorder keeps of the browser's outcome of a request: whether a request recorded as
/// completed can have been blocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum RecordedOutcome {
    /// Not kept: a blocked response looks like any other (captures, proxies, Firefox's HAR,
    /// unknown producers).
    #[default]
    NotKept,
    /// Every request the browser failed is marked (Chromium DevTools `_error`, Playwright
    /// `_failureText`, Safari Web Inspector `_error`): one without a mark was not blocked.
    FailuresMarked,
    /// Requests the browser failed are left out (chrome-har keeps only aborted ones): every
    /// recorded request that completed was not blocked.
    FailuresDropped,
}

impl RecordedOutcome {
    /// Whether a request recorded as completed, without a failure, proves it was not blocked.
    pub fn completion_proves_allowed(self) -> bool {
        !matches!(self, RecordedOutcome::NotKept)
    }
}

/// What started a request (Chrome `_initiator`).
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Initiator {
    /// `parser`, `script`, `preflight`, `other`, ...
    pub kind: String,
    /// For preflights: the URL of the request it belongs to; otherwise the initiating document.
    pub url: Option<String>,
    /// For preflights: the DevTools request id of the request it belongs to.
    pub request_id: Option<String>,
}
