//! One parsed entry to one [`Exchange`]. Each rule names the producer whose quirk it handles
//! (`reference/har-producers.md`); nothing is guessed beyond what the file records.

use std::borrow::Cow;
use std::net::IpAddr;

use super::entry::{InitiatorField, RawEntry, RawInitiator, RawRequest, RawResponse};
use super::lenient::Text;
use super::time::parse_rfc3339;
use super::{Pages, Producer};
use crate::model::common_text;
use crate::model::{
    CacheSource, EntryIndex, Exchange, Failure, Initiator, Location, RecorderHints, Request,
    Response, Timing,
};

/// Maps an entry, with how many repeated request header lines of a producer known to list
/// them twice were dropped; `None` when it has no request URL to speak of.
pub(super) fn exchange(
    index: u64,
    raw: RawEntry<'_>,
    pages: &Pages,
    producer: &Producer,
) -> Option<(Exchange, usize)> {
    let mut raw = raw;
    let chrome_har = producer.chrome_har(
        raw.initiator_type.non_empty().is_some() || raw.initiator_detail.non_empty().is_some(),
    );
    let raw_request = raw.request.take()?;
    let raw_response = raw.response.take();
    let url = raw_request.url.non_empty()?.to_owned();
    let status = raw_response.as_ref().and_then(|r| status(r.status.0));
    let failure = raw_response.as_ref().and_then(|r| {
        let text = r.error.non_empty().or_else(|| r.failure_text.non_empty())?;
        Some(Failure::from_text(text))
    });
    // Status 0 / -1 with no headers: nothing came back (Chrome `_error`, Firefox, Playwright).
    let no_response =
        status.is_none() && raw_response.as_ref().is_none_or(|r| r.headers.0.is_empty());
    let via_service_worker = raw.fetch_type.non_empty() == Some("Service Worker")
        || raw_response
            .as_ref()
            .is_some_and(|r| r.via_service_worker.0 || r.from_service_worker.0);
    let timings_empty = raw.timings.send.0.is_none()
        && raw.timings.wait.0.is_none()
        && raw.timings.receive.0.is_none();
    let mut request = request(raw_request, url, no_response);
    // Chrome: provisional headers and a failure; Firefox: status 0 and `timings: {}`. Either
    // way an entry without an HTTP version and without a response was never sent.
    if no_response
        && request.http_version.is_none()
        && request.headers_provisional
        && (failure.is_some() || timings_empty)
    {
        request.reached_network = Some(false);
    }
    // chrome-har lists the headers of requestWillBeSent and requestWillBeSentExtraInfo
    // together; a browser never sends a request header line twice.
    let repeated = if chrome_har {
        request.headers.collapse_repeated_lines()
    } else {
        0
    };
    let response = match raw_response {
        Some(r) if !no_response => Some(response(r, status, &raw, timings_empty)),
        _ => None,
    };
    let mut exchange = Exchange::new(Location::Entry(EntryIndex(index)), request);
    exchange.timing = timing(&raw, response.is_some());
    exchange.response = response;
    exchange.failure = failure;
    exchange.endpoints.server_ip = ip(&raw.server_ip).or_else(|| ip(&raw.webpagetest_ip));
    exchange.recorder = RecorderHints {
        page_url: raw
            .pageref
            .non_empty()
            .and_then(|id| pages.url(id))
            .map(str::to_owned),
        resource_type: raw
            .resource_type
            .into_owned()
            .or(raw.fetch_type.into_owned()),
        initiator: initiator(raw.initiator, raw.initiator_type, raw.initiator_detail),
        request_id: raw.request_id.into_owned(),
        connection: raw.connection.into_owned(),
        via_service_worker,
        browser: producer.browser,
        outcome: producer.outcome(chrome_har),
    };
    Some((exchange, repeated))
}

/// A recorded status code; 0 and -1 (Chrome, Firefox, mitmproxy, Playwright) mean none.
fn status(value: Option<f64>) -> Option<u16> {
    let v = value?;
    ((1.0..=999.0).contains(&v) && v.fract() == 0.0).then_some(v as u16)
}

fn request(raw: RawRequest<'_>, url: String, no_response: bool) -> Request {
    let http_version = raw.http_version.non_empty().map(common_text::version);
    let headers = raw.headers.0;
    // Chrome (§1.5 B–D): a request that never reached the wire keeps the provisional headers
    // from `requestWillBeSent`: `httpVersion: ""`, `headersSize: -1`, no response. Playwright
    // keeps `HTTP/1.1` but `headersSize: -1`. Pseudo-headers prove the headers went out.
    let not_sent_shape = http_version.is_none() || raw.headers_size.known().is_none();
    let wire = headers.iter().any(|h| h.name.first() == Some(&b':'));
    Request {
        method: raw.method.0.map(Cow::into_owned).unwrap_or_default(),
        url,
        http_version,
        cookies_recorded: raw.cookies.0 > 0,
        headers_provisional: no_response && not_sent_shape && !wire,
        reached_network: None,
        headers,
        body_size: raw.body_size.known().map(|v| v as u64),
    }
}

fn response(
    raw: RawResponse<'_>,
    status: Option<u16>,
    entry: &RawEntry<'_>,
    timings_empty: bool,
) -> Response {
    let http_version = raw.http_version.non_empty().map(common_text::version);
    // Chrome `_fromCache`; Safari `_fetchType`; chrome-har `fromDiskCache`; Firefox marks a
    // cache hit only by `timings: {}` and an empty `httpVersion` on a real status.
    let cache = match (entry.from_cache.non_empty(), entry.fetch_type.non_empty()) {
        (Some(c), _) if c.eq_ignore_ascii_case("memory") => Some(CacheSource::Memory),
        (Some(c), _) if c.eq_ignore_ascii_case("disk") => Some(CacheSource::Disk),
        (Some(_), _) => Some(CacheSource::Unspecified),
        (None, Some("Memory Cache")) => Some(CacheSource::Memory),
        (None, Some("Disk Cache")) => Some(CacheSource::Disk),
        _ if raw.from_disk_cache.0 => Some(CacheSource::Disk),
        _ if timings_empty && http_version.is_none() && status.is_some() => {
            Some(CacheSource::Unspecified)
        }
        _ => None,
    };
    Response {
        status: status.unwrap_or(0),
        status_text: raw
            .status_text
            .0
            .map_or(Cow::Borrowed(""), |t| common_text::reason(&t)),
        http_version,
        headers: raw.headers.0,
        from_cache: cache,
        body_size: raw
            .content
            .size
            .known()
            .or(raw.body_size.known())
            .map(|v| v as u64),
    }
}

/// `startedDateTime`, and from `timings` when they are valid: the response starts after
/// blocked + dns + connect + send + wait (ssl is inside connect), the exchange ends after `time`.
fn timing(raw: &RawEntry<'_>, has_response: bool) -> Timing {
    let started = raw.started.non_empty().and_then(parse_rfc3339);
    let t = &raw.timings;
    let response_started = match (started, t.wait.known()) {
        (Some(s), Some(wait)) if has_response => {
            let before = [t.blocked, t.dns, t.connect, t.send];
            Some(s.plus_millis(before.iter().filter_map(|n| n.known()).sum::<f64>() + wait))
        }
        _ => None,
    };
    let finished = started
        .zip(raw.time.known())
        .map(|(s, ms)| s.plus_millis(ms));
    Timing {
        started,
        response_started,
        finished,
    }
}

/// `serverIPAddress`, IPv6 with or without brackets; Chrome's `""` and junk are `None`.
fn ip(text: &Text<'_>) -> Option<IpAddr> {
    let s = text.non_empty()?.trim();
    let s = s
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(s);
    s.parse().ok()
}

/// Chrome `_initiator {type, url, requestId}`; chrome-har `_initiator_type`, `_initiator` (URL)
/// and `_initiator_detail` (the CDP initiator as JSON text, with `requestId`).
fn initiator(field: InitiatorField<'_>, kind: Text<'_>, detail: Text<'_>) -> Option<Initiator> {
    match field {
        InitiatorField::Object(o) => {
            let kind = o.kind.into_owned()?;
            Some(Initiator {
                kind,
                url: o.url.into_owned(),
                request_id: o.request_id.into_owned(),
            })
        }
        InitiatorField::Url(_) | InitiatorField::Absent => {
            let kind = kind.into_owned()?;
            let detail = detail
                .non_empty()
                .and_then(|d| serde_json::from_str::<RawInitiator<'_>>(d).ok())
                .unwrap_or_default();
            let url = match field {
                InitiatorField::Url(u) => u.into_owned(),
                _ => None,
            };
            Some(Initiator {
                kind,
                url: url.or_else(|| detail.url.into_owned()),
                request_id: detail.request_id.into_owned(),
            })
        }
    }
}
