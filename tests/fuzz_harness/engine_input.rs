//! Bytes → a few synthetic exchanges for the CORS engine, each field picked by one byte from a
//! small vocabulary of CORS-relevant methods, URLs, headers and values (an `arbitrary`-like
//! decoding without the dependency, so the main crate's tests can use it too). The input runs
//! out gracefully: a missing byte reads as 0.

use corscope::model::{
    CacheSource, EntryIndex, Exchange, Failure, FileIndex, FrameNumber, FrameRef, Initiator,
    Limits, Location, Request, Response, Timestamp,
};

use super::judge;

const METHODS: [&str; 8] = [
    "GET", "POST", "OPTIONS", "PUT", "patch", "DELETE", "HEAD", "",
];
const URLS: [&str; 10] = [
    "https://api.test/v1/items",
    "https://api.test/v1/items?a=1",
    "https://app.test/page",
    "http://api.test/v1/items",
    "https://other.test/",
    "https://api.test:8443/r#frag",
    "http://127.0.0.1/",
    "http://10.0.0.1/x",
    "not a url",
    "",
];
const REQUEST_HEADERS: [&str; 10] = [
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Sec-Fetch-Mode",
    "Content-Type",
    "Authorization",
    "Cookie",
    "X-Custom",
    "Referer",
    "Access-Control-Request-Private-Network",
];
const RESPONSE_HEADERS: [&str; 10] = [
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Expose-Headers",
    "Vary",
    "Location",
    "Cache-Control",
    "Access-Control-Allow-Private-Network",
];
const VALUES: [&str; 16] = [
    "https://app.test",
    "null",
    "*",
    "",
    "true",
    "PUT",
    "GET, POST",
    "x-custom, content-type",
    "cors",
    "no-cors",
    "application/json",
    "text/plain",
    "https://app.test, https://app.test",
    "600",
    "https://api.test/v1/items",
    "\u{fffd}\t ",
];
const STATUSES: [u16; 10] = [0, 200, 204, 301, 302, 307, 403, 404, 500, 999];
const FAILURES: [&str; 5] = [
    "net::ERR_FAILED",
    "net::ERR_CONNECTION_REFUSED",
    "net::ERR_ABORTED",
    "CORS error",
    "net::ERR_BLOCKED_BY_CLIENT",
];
const RESOURCES: [&str; 5] = ["fetch", "xhr", "preflight", "document", "script"];

/// Reads bytes one at a time; 0 once they run out.
struct Bytes<'a>(std::slice::Iter<'a, u8>);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        self.0.next().copied().unwrap_or(0)
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[usize::from(self.byte()) % xs.len()]
    }
    fn flag(&mut self, bit: u8, b: u8) -> bool {
        b & (1 << bit) != 0
    }
    fn done(&self) -> bool {
        self.0.len() == 0
    }
}

fn exchange(b: &mut Bytes<'_>, n: u64) -> Exchange {
    let shape = b.byte();
    let location = if b.flag(0, shape) {
        Location::Entry(EntryIndex(n))
    } else {
        Location::Frames {
            request: FrameRef::new(FileIndex(0), FrameNumber(n + 1)),
            response: None,
        }
    };
    let mut request = Request {
        method: b.pick(&METHODS).into(),
        url: b.pick(&URLS).into(),
        headers_provisional: b.flag(1, shape),
        cookies_recorded: b.flag(2, shape),
        ..Request::default()
    };
    for _ in 0..b.byte() % 6 {
        request
            .headers
            .push(b.pick(&REQUEST_HEADERS), b.pick(&VALUES));
    }
    let mut x = Exchange::new(location, request);
    if b.flag(3, shape) {
        let mut response = Response {
            status: b.pick(&STATUSES),
            from_cache: match b.byte() % 5 {
                0 => Some(CacheSource::Memory),
                1 => Some(CacheSource::Disk),
                2 => Some(CacheSource::Unspecified),
                _ => None,
            },
            ..Response::default()
        };
        for _ in 0..b.byte() % 6 {
            response
                .headers
                .push(b.pick(&RESPONSE_HEADERS), b.pick(&VALUES));
        }
        x.response = Some(response);
    }
    if b.flag(4, shape) {
        x.failure = Some(Failure::from_text(b.pick(&FAILURES)));
    }
    if b.flag(5, shape) {
        let at = 1_700_000_000_000_000_000i64 + i64::from(b.byte()) * 250_000_000;
        x.timing.started = Some(Timestamp(at));
    }
    if b.flag(6, shape) {
        x.recorder.resource_type = Some(b.pick(&RESOURCES).into());
        x.recorder.page_url = Some(b.pick(&URLS).into());
    }
    if b.flag(7, shape) {
        x.recorder.initiator = Some(Initiator {
            kind: b.pick(&["preflight", "script", "parser", "other"]).into(),
            url: Some(b.pick(&URLS).into()),
            request_id: Some(format!("{}", b.byte() % 4)),
        });
        x.recorder.request_id = Some(format!("{}", b.byte() % 4));
    }
    x
}

/// Decodes `data` into limits and up to 64 pushes, then checks the engine with [`judge`].
pub fn engine(data: &[u8]) {
    let mut b = Bytes(data.iter());
    let first = b.byte();
    let limits = if first & 1 == 0 {
        Limits::default()
    } else {
        Limits {
            engine_window: usize::from(first >> 1 & 7),
            engine_window_secs: u64::from(first >> 4),
            ..Limits::default()
        }
    };
    let mut pushes = Vec::new();
    let mut n = 0;
    while !b.done() && pushes.len() < 64 {
        let proxy = b.byte() % 8 == 0;
        let mut legs = vec![exchange(&mut b, n)];
        n += 1;
        if proxy {
            legs.push(exchange(&mut b, n));
            n += 1;
        }
        pushes.push(legs);
    }
    judge(&limits, pushes);
}
