//! What a browser page does, as a plan of HTTP calls independent of how they are recorded:
//! preflights followed by the real request, simple CORS requests, requests that are not CORS,
//! and the server's answers, right or broken on purpose. Each call that the browser would
//! block carries the name of the cause it was generated with (the names of
//! `corscope::model::cause`), so the ground truth is counted by construction.

use super::api::Mix;
use super::body::{Body, BodyKind, Pools};
use super::rng::Rng;

/// How the Fetch standard treats a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `OPTIONS` with `Access-Control-Request-Method`.
    Preflight,
    /// Cross-origin, with `Origin`.
    Cors,
    /// No `Origin`: assets, documents, scripted clients.
    NotCors,
}

/// A server name and what it serves.
#[derive(Clone, Copy, Debug)]
pub struct Host {
    /// `Host` header value (name, and port when not the default).
    pub authority: &'static str,
    /// Serves an API (CORS traffic) rather than assets.
    pub api: bool,
    /// The page's own host (documents, same-origin requests).
    pub page: bool,
    /// Index used to derive the server's addresses.
    pub index: u8,
}

/// The API, asset and page hosts of the generated site.
pub const HOSTS: [Host; 8] = [
    Host {
        authority: "api.example.com",
        api: true,
        page: false,
        index: 1,
    },
    Host {
        authority: "api.example.org",
        api: true,
        page: false,
        index: 2,
    },
    Host {
        authority: "auth.example.com",
        api: true,
        page: false,
        index: 3,
    },
    Host {
        authority: "metrics.example.net:8080",
        api: true,
        page: false,
        index: 4,
    },
    Host {
        authority: "cdn.example.com",
        api: false,
        page: false,
        index: 5,
    },
    Host {
        authority: "static.example.org",
        api: false,
        page: false,
        index: 6,
    },
    Host {
        authority: "app.example.com",
        api: false,
        page: true,
        index: 7,
    },
    Host {
        authority: "api.example.com",
        api: true,
        page: false,
        index: 1,
    },
];

/// Page origins (scheme added by the recorder: `http` in pcaps, `https` in HARs).
pub const ORIGINS: [&str; 5] = [
    "app.example.com",
    "app.example.com",
    "admin.example.com",
    "shop.example.org",
    "localhost:3000",
];

/// Browser user agent.
pub const USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// One planned request and its answer.
#[derive(Clone, Debug)]
pub struct Call {
    /// Kind.
    pub kind: Kind,
    /// Method.
    pub method: &'static str,
    /// Host.
    pub host: Host,
    /// Path and query.
    pub path: String,
    /// `Origin` sent (serialized, with scheme), for CORS calls and preflights.
    pub origin: Option<String>,
    /// Request header lines after `Host` (framing headers excluded).
    pub req_headers: Vec<(&'static str, String)>,
    /// Request body.
    pub req_body: Body,
    /// Request body media type.
    pub req_mime: &'static str,
    /// Response status.
    pub status: u16,
    /// Reason phrase.
    pub reason: &'static str,
    /// Response header lines (framing headers excluded).
    pub resp_headers: Vec<(&'static str, String)>,
    /// Response body (empty for 204, 304 and `HEAD`).
    pub resp_body: Body,
    /// Response media type.
    pub resp_mime: &'static str,
    /// Chrome `_resourceType`.
    pub resource_type: &'static str,
    /// The request went on the wire: false for a real request a failed preflight stopped
    /// (recorded by DevTools only, with provisional headers).
    pub sent: bool,
    /// The cause this call was broken with, when the browser blocks the request it belongs to.
    /// Set on the preflight for preflight failures, on the real request for response failures;
    /// one blocked request counts once.
    pub blocks: Option<&'static str>,
    /// Whether the request carried a `Cookie` (credentials mode `include`).
    pub credentialed: bool,
}

/// Plans calls.
pub struct Planner {
    /// Body pools.
    pub pools: Pools,
    /// The traffic mix planned.
    pub mix: Mix,
    scheme: &'static str,
    next_id: u64,
}

impl Planner {
    /// A planner of `mix` traffic for `scheme` (`http` or `https`).
    pub fn new(scheme: &'static str, mix: Mix, rng: &mut Rng) -> Self {
        Self {
            pools: Pools::new(rng),
            mix,
            scheme,
            next_id: 1,
        }
    }

    /// The serialized origin for a page host.
    pub fn origin(&self, page: &str) -> String {
        format!("{}://{page}", self.scheme)
    }

    pub(super) fn id(&mut self, rng: &mut Rng) -> u64 {
        self.next_id += 1 + rng.below(7);
        self.next_id
    }

    /// Appends one request that needs no preflight (what pipelining clients send).
    pub fn unpreflighted(&mut self, rng: &mut Rng, host: Host, page: &str, out: &mut Vec<Call>) {
        if host.api && rng.chance(0.8) {
            self.simple(rng, host, page, out);
        } else {
            self.action(rng, host, page, out);
        }
    }

    /// Appends the calls of one user action against `host` from the page at `origin`
    /// (a bare origin host from [`ORIGINS`]).
    pub fn action(&mut self, rng: &mut Rng, host: Host, page: &str, out: &mut Vec<Call>) {
        if host.page {
            self.document(rng, host, page, out);
        } else if !host.api {
            self.asset(rng, host, page, out);
        } else {
            match rng.weighted(&[44, 46, 10]) {
                0 => self.preflighted(rng, host, page, out),
                1 => self.simple(rng, host, page, out),
                _ => self.scripted(rng, host, out),
            }
        }
    }

    pub(super) fn base(kind: Kind, method: &'static str, host: Host, path: String) -> Call {
        Call {
            kind,
            method,
            host,
            path,
            origin: None,
            req_headers: Vec::new(),
            req_body: Body::EMPTY,
            req_mime: "",
            status: 200,
            reason: "OK",
            resp_headers: Vec::new(),
            resp_body: Body::EMPTY,
            resp_mime: "",
            resource_type: "other",
            sent: true,
            blocks: None,
            credentialed: false,
        }
    }

    pub(super) fn common_response(&self, rng: &mut Rng, c: &mut Call) {
        c.resp_headers.push(("Date", date(rng)));
        c.resp_headers.push((
            "Server",
            (*rng.pick(&["nginx/1.25.4", "envoy", "cloudflare"])).into(),
        ));
    }

    fn document(&mut self, rng: &mut Rng, host: Host, page: &str, out: &mut Vec<Call>) {
        let _ = page;
        let mut c = {
            let id = self.id(rng);
            Self::base(Kind::NotCors, "GET", host, format!("/dashboard/{id}"))
        };
        c.resource_type = "document";
        c.req_headers.push(("Connection", "keep-alive".into()));
        c.req_headers
            .push(("Upgrade-Insecure-Requests", "1".into()));
        c.req_headers.push(("User-Agent", USER_AGENT.into()));
        c.req_headers.push((
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8".into(),
        ));
        c.req_headers.push(("Sec-Fetch-Mode", "navigate".into()));
        c.req_headers.push(("Sec-Fetch-Dest", "document".into()));
        c.req_headers
            .push(("Accept-Encoding", "gzip, deflate, br".into()));
        c.req_headers
            .push(("Accept-Language", "en-US,en;q=0.9".into()));
        self.common_response(rng, &mut c);
        c.resp_mime = "text/html; charset=utf-8";
        c.resp_body = self
            .pools
            .cut(BodyKind::Text, rng.log_size(2_000, 60_000) as usize, rng);
        c.resp_headers.push(("Cache-Control", "no-cache".into()));
        out.push(c);
    }

    fn asset(&mut self, rng: &mut Rng, host: Host, page: &str, out: &mut Vec<Call>) {
        let (ext, mime, kind, rtype) = *rng.pick(&[
            ("png", "image/png", BodyKind::Binary, "image"),
            ("webp", "image/webp", BodyKind::Binary, "image"),
            ("js", "application/javascript", BodyKind::Text, "script"),
            ("css", "text/css", BodyKind::Text, "stylesheet"),
            ("woff2", "font/woff2", BodyKind::Binary, "font"),
        ]);
        let id = self.id(rng);
        let mut c = Self::base(Kind::NotCors, "GET", host, format!("/assets/{id:x}.{ext}"));
        c.resource_type = rtype;
        c.req_headers.push(("Connection", "keep-alive".into()));
        c.req_headers.push(("User-Agent", USER_AGENT.into()));
        c.req_headers.push(("Accept", "*/*".into()));
        c.req_headers.push(("Sec-Fetch-Mode", "no-cors".into()));
        c.req_headers
            .push(("Referer", format!("{}/dashboard", self.origin(page))));
        c.req_headers
            .push(("Accept-Encoding", "gzip, deflate, br".into()));
        let revalidate = rng.chance(0.12);
        if revalidate {
            c.req_headers.push(("If-None-Match", format!("\"{id:x}\"")));
        }
        self.common_response(rng, &mut c);
        c.resp_mime = mime;
        c.resp_headers.push(("ETag", format!("\"{id:x}\"")));
        c.resp_headers.push((
            "Cache-Control",
            "public, max-age=31536000, immutable".into(),
        ));
        if revalidate {
            (c.status, c.reason) = (304, "Not Modified");
        } else {
            c.resp_body = self
                .pools
                .cut(kind, rng.log_size(300, 100_000) as usize, rng);
        }
        out.push(c);
    }

    /// A non-browser client (health check, server-to-server): no `Origin`.
    fn scripted(&mut self, rng: &mut Rng, host: Host, out: &mut Vec<Call>) {
        let head = rng.chance(0.2);
        let method = if head { "HEAD" } else { "GET" };
        let mut c = {
            let id = self.id(rng);
            Self::base(
                Kind::NotCors,
                method,
                host,
                format!("/v1/health?probe={id}"),
            )
        };
        c.resource_type = "other";
        c.req_headers.push(("User-Agent", "curl/8.5.0".into()));
        c.req_headers.push(("Accept", "*/*".into()));
        self.common_response(rng, &mut c);
        c.resp_mime = "application/json";
        c.resp_body = self.pools.json(rng.log_size(30, 2_000) as usize);
        out.push(c);
    }
}

/// An HTTP date on a fixed day, varying in time.
fn date(rng: &mut Rng) -> String {
    let s = rng.below(86_400);
    format!(
        "Tue, 14 May 2024 {:02}:{:02}:{:02} GMT",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}
