//! What the browser's HTTP cache may hold: recent cacheable responses to CORS requests, so
//! that a later request the browser failed without any response on record can be traced to
//! a cached answer made for another origin (`cached-response-wrong-origin`,
//! fetch.bs#cors-protocol-and-http-caches).
//!
//! A response is remembered when it is fresh for some time (`Cache-Control: max-age` or
//! `s-maxage`, else `Expires` − `Date`), is not `no-store`, and its `Vary` does not name
//! `Origin` (nor `*`): such a response is served to every origin alike. Bounded to
//! [`ENTRIES`] URLs, oldest forgotten first.

use super::fields;
use super::footprint::{self, Weighed};
use super::origin::without_fragment;
use crate::model::{Exchange, ExchangeId, HeaderList, Timestamp};

/// URLs remembered at most.
pub const ENTRIES: usize = 1024;

/// The header lines a cached response's evidence names.
const EVIDENCE: [&str; 3] = ["access-control-allow-origin", "vary", "cache-control"];

fn evidence_lines(headers: &HeaderList) -> HeaderList {
    let mut kept = HeaderList::new();
    for h in headers {
        if EVIDENCE
            .iter()
            .any(|n| h.name.eq_ignore_ascii_case(n.as_bytes()))
        {
            kept.push(h.name, h.value);
        }
    }
    kept
}

/// A remembered cacheable response.
#[derive(Clone, Debug, PartialEq)]
pub struct Cached {
    /// The exchange that filled the cache.
    pub id: ExchangeId,
    /// When it was fetched.
    pub at: Timestamp,
    /// For how many seconds it is fresh.
    pub fresh_secs: f64,
    /// Its `Access-Control-Allow-Origin` field lines.
    pub acao: Vec<String>,
    /// Its response header lines the evidence names (`Access-Control-Allow-Origin`, `Vary`,
    /// `Cache-Control`), in wire order: only these are kept, so that a client's cache costs
    /// little whatever the responses carried.
    pub headers: HeaderList,
}

/// Estimated bytes a remembered response to `url` holds (see [`footprint`]).
fn entry_bytes(url: &str, c: &Cached) -> usize {
    footprint::lru_entry::<(String, Cached)>()
        + footprint::string(url)
        + c.acao.capacity() * std::mem::size_of::<String>()
        + c.acao.iter().map(|v| footprint::string(v)).sum::<usize>()
        + c.headers.heap_bytes()
}

/// Recent cacheable responses by URL; a URL stored again counts as the newest.
#[derive(Debug)]
pub struct HttpCache {
    /// The responses, with their estimated bytes.
    entries: Weighed<String, Cached>,
}

impl Default for HttpCache {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpCache {
    /// An empty memory.
    pub fn new() -> Self {
        Self {
            entries: Weighed::new(|url, c| entry_bytes(url, c)),
        }
    }

    /// Remembers `ex`'s response when a shared or browser cache would reuse it for any origin.
    pub fn remember(&mut self, id: ExchangeId, at: Timestamp, ex: &Exchange) {
        if !ex.request.method.eq_ignore_ascii_case("GET") {
            return;
        }
        let Some(r) = &ex.response else { return };
        if !(200..300).contains(&r.status) {
            return;
        }
        let Some(fresh_secs) = freshness(&r.headers) else {
            return;
        };
        if fields::varies_on_origin(&r.headers) {
            return;
        }
        let url = without_fragment(&ex.request.url).to_string();
        let cached = Cached {
            id,
            at,
            fresh_secs,
            acao: fields::lines(&r.headers, "access-control-allow-origin"),
            headers: evidence_lines(&r.headers),
        };
        self.entries.push(url, cached, ENTRIES);
    }

    /// Estimated bytes of the responses held.
    pub fn bytes(&self) -> usize {
        self.entries.bytes()
    }

    /// URLs remembered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The response cached for `url` that is still fresh at `at`.
    pub fn fresh(&self, url: &str, at: Timestamp) -> Option<&Cached> {
        self.entries.peek(without_fragment(url)).filter(|c| {
            let age = at.secs_since(c.at);
            (0.0..=c.fresh_secs).contains(&age)
        })
    }
}

/// Seconds of freshness, or `None` when the response must not be reused.
fn freshness(h: &HeaderList) -> Option<f64> {
    let cc = fields::ascii_lowercase(fields::get(h, "cache-control").unwrap_or_default());
    let directives = || fields::split_list(&cc);
    if directives().any(|d| matches!(d, "no-store" | "no-cache") || d.starts_with("no-cache=")) {
        return None;
    }
    let seconds = |name: &str| {
        directives().find_map(|d| {
            let (k, v) = d.split_once('=')?;
            (fields::trim_ows(k) == name)
                .then(|| fields::trim_ows(v).trim_matches('"').parse::<u64>().ok())
                .flatten()
        })
    };
    let secs = seconds("max-age")
        .or_else(|| seconds("s-maxage"))
        .or_else(|| {
            let expires = httpdate(&fields::get(h, "expires")?)?;
            let date = httpdate(&fields::get(h, "date")?)?;
            expires.checked_sub(date)
        })?;
    (secs > 0).then_some(secs as f64)
}

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only
/// form servers send today; other forms count as absent.
fn httpdate(s: &str) -> Option<u64> {
    let p: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = p.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months.iter().position(|x| x == month)? as i64 + 1;
    let (d, y): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let t: Vec<i64> = time.split(':').filter_map(|x| x.parse().ok()).collect();
    let [hh, mm, ss] = t.as_slice() else {
        return None;
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryIndex, Location, Request, Response};

    fn get(url: &str, headers: &[(&str, &str)]) -> Exchange {
        let mut ex = Exchange::new(
            Location::Entry(EntryIndex(0)),
            Request {
                method: "GET".into(),
                url: url.into(),
                ..Request::default()
            },
        );
        let mut r = Response {
            status: 200,
            ..Response::default()
        };
        for (n, v) in headers {
            r.headers.push(*n, *v);
        }
        ex.response = Some(r);
        ex
    }

    #[test]
    fn remembers_fresh_responses_that_do_not_vary_by_origin() {
        let mut c = HttpCache::new();
        let t0 = Timestamp::from_parts(1000, 0);
        let acao = ("Access-Control-Allow-Origin", "http://a.test");
        c.remember(
            ExchangeId(1),
            t0,
            &get(
                "http://x.test/1",
                &[acao, ("Cache-Control", "public, max-age=600")],
            ),
        );
        c.remember(
            ExchangeId(2),
            t0,
            &get(
                "http://x.test/2",
                &[
                    acao,
                    ("Cache-Control", "max-age=600"),
                    ("Vary", "Accept, Origin"),
                ],
            ),
        );
        c.remember(
            ExchangeId(3),
            t0,
            &get("http://x.test/3", &[acao, ("Cache-Control", "no-store")]),
        );
        c.remember(ExchangeId(4), t0, &get("http://x.test/4", &[acao]));
        c.remember(
            ExchangeId(5),
            t0,
            &get(
                "http://x.test/5",
                &[
                    acao,
                    ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
                    ("Expires", "Sun, 06 Nov 1994 08:50:37 GMT"),
                ],
            ),
        );
        let later = Timestamp::from_parts(1030, 0);
        assert_eq!(
            c.fresh("http://x.test/1#f", later).map(|e| e.id),
            Some(ExchangeId(1))
        );
        assert_eq!(
            c.fresh("http://x.test/1", Timestamp::from_parts(1601, 0)),
            None
        );
        assert!(c.fresh("http://x.test/2", later).is_none());
        assert!(c.fresh("http://x.test/3", later).is_none());
        assert!(c.fresh("http://x.test/4", later).is_none());
        assert_eq!(
            c.fresh("http://x.test/5", later).map(|e| e.fresh_secs),
            Some(60.0)
        );
        assert_eq!(
            c.fresh("http://x.test/1", later).map(|e| e.acao.clone()),
            Some(vec!["http://a.test".to_string()])
        );
    }

    #[test]
    fn imf_fixdate() {
        assert_eq!(httpdate("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(httpdate("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(httpdate("Sunday, 06-Nov-94 08:49:37 GMT"), None);
    }
}
