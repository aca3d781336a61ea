//! Builders for CORS engine tests: exchanges as a recorder would hand them over, and a runner.
#![allow(dead_code, clippy::panic)]

use corscope::cors::Engine;
use corscope::model::{
    Assessment, CacheSource, EntryIndex, Exchange, ExchangeId, Failure, Finding, Initiator, Issue,
    Limits, Location, Request, Response, Timestamp,
};

/// The page origin used throughout.
pub const O: &str = "https://app.test";
/// The API URL used throughout.
pub const API: &str = "https://api.test/v1/items";

/// An exchange under construction.
#[derive(Clone, Debug)]
pub struct X(pub Exchange);

/// A request.
pub fn req(method: &str, url: &str) -> X {
    let request = Request {
        method: method.into(),
        url: url.into(),
        ..Request::default()
    };
    X(Exchange::new(Location::Entry(EntryIndex(0)), request))
}

/// A fetch() request from `O`, as Chrome sends it (Origin, Sec-Fetch-Mode: cors).
pub fn fetch(method: &str, url: &str) -> X {
    req(method, url)
        .h("Origin", O)
        .h("Sec-Fetch-Mode", "cors")
        .resource("fetch")
}

/// A preflight from `O` asking for `method` and `headers` (ACRH value as the browser sends it).
pub fn preflight(url: &str, method: &str, headers: Option<&str>) -> X {
    let mut x = req("OPTIONS", url)
        .h("Origin", O)
        .h("Access-Control-Request-Method", method)
        .h("Sec-Fetch-Mode", "cors")
        .resource("preflight");
    if let Some(h) = headers {
        x = x.h("Access-Control-Request-Headers", h);
    }
    x.0.recorder.initiator = Some(Initiator {
        kind: "preflight".into(),
        url: Some(url.into()),
        request_id: None,
    });
    x
}

/// A request Chromium stopped before sending (DevTools HAR: status 0, provisional headers,
/// no Origin, `net::ERR_FAILED`).
pub fn stopped(method: &str, url: &str) -> X {
    let mut x = req(method, url).resource("fetch").failed("net::ERR_FAILED");
    x.0.request.headers_provisional = true;
    x.0.recorder.page_url = Some(format!("{O}/page"));
    x
}

impl X {
    /// Adds a request header.
    pub fn h(mut self, name: &str, value: &str) -> Self {
        self.0.request.headers.push(name, value);
        self
    }
    /// Sets the response status (creating the response).
    pub fn status(mut self, status: u16) -> Self {
        let r = self.0.response.get_or_insert_with(Response::default);
        r.status = status;
        self
    }
    /// Adds a response header (creating a 200 response if needed).
    pub fn rh(mut self, name: &str, value: &str) -> Self {
        let r = self.0.response.get_or_insert_with(|| Response {
            status: 200,
            ..Response::default()
        });
        r.headers.push(name, value);
        self
    }
    /// Start time, seconds.
    pub fn at(mut self, secs: f64) -> Self {
        self.0.timing.started = Some(Timestamp::from_millis_f64(
            1_700_000_000_000.0 + secs * 1000.0,
        ));
        self
    }
    /// HAR entry index.
    pub fn entry(mut self, i: u64) -> Self {
        self.0.location = Location::Entry(EntryIndex(i));
        self
    }
    /// The recorder's failure text.
    pub fn failed(mut self, text: &str) -> Self {
        self.0.failure = Some(Failure::from_text(text));
        self
    }
    /// The recorder's resource type.
    pub fn resource(mut self, t: &str) -> Self {
        self.0.recorder.resource_type = Some(t.into());
        self
    }
    /// Served from the browser cache.
    pub fn cached(mut self) -> Self {
        if let Some(r) = self.0.response.as_mut() {
            r.from_cache = Some(CacheSource::Disk);
        }
        self
    }
    /// The server's IP.
    pub fn server_ip(mut self, ip: &str) -> Self {
        self.0.endpoints.server_ip = ip.parse().ok();
        self
    }
    /// The page URL.
    pub fn page(mut self, url: &str) -> Self {
        self.0.recorder.page_url = Some(url.into());
        self
    }
    /// The exchange.
    pub fn x(self) -> Exchange {
        self.0
    }
}

/// Runs the engine over `exchanges` with default limits.
pub fn run(exchanges: Vec<X>) -> Vec<Assessment> {
    run_with(&Limits::default(), exchanges)
}

/// Runs the engine with `limits`.
pub fn run_with(limits: &Limits, exchanges: Vec<X>) -> Vec<Assessment> {
    run_with_issues(limits, exchanges).0
}

/// Runs the engine with `limits`: the assessments and the input's issues.
pub fn run_with_issues(limits: &Limits, exchanges: Vec<X>) -> (Vec<Assessment>, Vec<Issue>) {
    let mut engine = Engine::new(limits);
    let mut out = Vec::new();
    for x in exchanges {
        engine.push(x.0, &mut |a| out.push(a));
    }
    engine.finish(&mut |a| out.push(a));
    (out, engine.issues())
}

/// The assessment with id `id`.
pub fn by_id(all: &[Assessment], id: u64) -> &Assessment {
    match all.iter().find(|a| a.id == ExchangeId(id)) {
        Some(a) => a,
        None => panic!(
            "no assessment {id} in {:#?}",
            all.iter().map(|a| a.id).collect::<Vec<_>>()
        ),
    }
}

/// The first cause, failing the test when there is none.
pub fn first_cause(a: &Assessment) -> &Finding {
    match a.causes.first() {
        Some(f) => f,
        None => panic!("no cause on {:?}: {:?} {:?}", a.id, a.verdict, a.note),
    }
}

/// `Access to {kind} at '{url}' from origin '{origin}' has been blocked by CORS policy: `.
pub fn prefix(kind: &str, url: &str, origin: &str) -> String {
    format!("Access to {kind} at '{url}' from origin '{origin}' has been blocked by CORS policy: ")
}

/// Chromium's preflight infix.
pub const INFIX: &str = "Response to preflight request doesn't pass access control check: ";
/// [fetch-A]: Chromium 156 no longer prints it (recorded samples).
pub const FETCH_A: &str = "";
/// [fetch-B] as Chromium 156 prints it (recorded samples).
pub const FETCH_B: &str = " Have the server send the header with a valid value.";
/// [xhr].
pub const XHR: &str = " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.";
