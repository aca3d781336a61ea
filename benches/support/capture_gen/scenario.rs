//! What a browser page does, as a plan of HTTP calls independent of how they are recorded:
//! preflights followed by the real request, simple CORS requests, requests that are not CORS,
//! and the server's answers, right or broken on purpose. Each call that the browser would
//! block carries the name of the cause it was generated with (the names of
//! `corscope::model::cause`), so the ground truth is counted by construction.

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
    scheme: &'static str,
    next_id: u64,
}

const PREFLIGHT_METHODS: [&str; 4] = ["PUT", "DELETE", "PATCH", "POST"];
const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, PATCH";
const ALLOW_HEADERS: &str = "content-type, authorization, x-request-id, x-csrf-token";

/// How a server answers the CORS part of an actual response.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Echo,
    Star,
    Missing,
    Mismatch,
    Multiple,
    NoCredentials,
}

impl Planner {
    /// A planner for `scheme` (`http` or `https`).
    pub fn new(scheme: &'static str, rng: &mut Rng) -> Self {
        Self {
            pools: Pools::new(rng),
            scheme,
            next_id: 1,
        }
    }

    /// The serialized origin for a page host.
    pub fn origin(&self, page: &str) -> String {
        format!("{}://{page}", self.scheme)
    }

    fn id(&mut self, rng: &mut Rng) -> u64 {
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

    fn base(kind: Kind, method: &'static str, host: Host, path: String) -> Call {
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

    fn common_response(&self, rng: &mut Rng, c: &mut Call) {
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

    fn cors_request_headers(&self, rng: &mut Rng, c: &mut Call, origin: &str, page: &str) {
        c.req_headers.push(("Connection", "keep-alive".into()));
        c.req_headers.push(("User-Agent", USER_AGENT.into()));
        c.req_headers
            .push(("Accept", "application/json, text/plain, */*".into()));
        c.req_headers.push(("Origin", origin.into()));
        c.req_headers.push(("Sec-Fetch-Site", "cross-site".into()));
        c.req_headers.push(("Sec-Fetch-Mode", "cors".into()));
        c.req_headers.push(("Sec-Fetch-Dest", "empty".into()));
        c.req_headers
            .push(("Referer", format!("{}/dashboard", self.origin(page))));
        c.req_headers
            .push(("Accept-Encoding", "gzip, deflate, br".into()));
        c.req_headers
            .push(("Accept-Language", "en-US,en;q=0.9".into()));
        if c.credentialed {
            c.req_headers.push((
                "Cookie",
                format!("session={:016x}; theme=dark", rng.next_u64()),
            ));
        }
    }

    /// A simple CORS request (`GET`, some `HEAD` and text/plain `POST`).
    fn simple(&mut self, rng: &mut Rng, host: Host, page: &str, out: &mut Vec<Call>) {
        let origin = self.origin(page);
        let method = *rng.pick(&[
            "GET", "GET", "GET", "GET", "GET", "GET", "GET", "GET", "HEAD", "POST",
        ]);
        let mut c = {
            let id = self.id(rng);
            Self::base(
                Kind::Cors,
                method,
                host,
                format!("/v1/items/{id}?page={}", rng.below(50)),
            )
        };
        c.origin = Some(origin.clone());
        c.resource_type = if rng.chance(0.7) { "fetch" } else { "xhr" };
        c.credentialed = rng.chance(0.3);
        let revalidate = method == "GET" && rng.chance(0.08);
        self.cors_request_headers(rng, &mut c, &origin, page);
        if method == "POST" {
            c.req_mime = "text/plain;charset=UTF-8";
            c.req_body = self
                .pools
                .cut(BodyKind::Text, rng.range(20, 400) as usize, rng);
        }
        if revalidate {
            c.req_headers.push(("If-None-Match", "W/\"5f2a\"".into()));
        }
        self.common_response(rng, &mut c);
        c.resp_mime = "application/json";
        if revalidate {
            (c.status, c.reason) = (304, "Not Modified");
            // A revalidation is always answered right: the verdict would otherwise depend on the
            // cached response, which a recording does not hold.
            self.answer(rng, &mut c, &origin, Answer::Echo);
        } else {
            if rng.chance(0.03) {
                (c.status, c.reason) = (404, "Not Found");
                c.resp_body = self.pools.json(60);
            } else {
                c.resp_body = self.pools.json(rng.log_size(40, 100_000) as usize);
            }
            let a = pick_answer(rng, c.credentialed, 12);
            self.answer(rng, &mut c, &origin, a);
            c.resp_headers
                .push(("Access-Control-Expose-Headers", "X-Total-Count".into()));
            c.resp_headers.push(("X-Total-Count", "42".into()));
        }
        out.push(c);
    }

    /// Adds the CORS response headers of answer `a`; records the cause when it blocks.
    fn answer(&self, rng: &mut Rng, c: &mut Call, origin: &str, a: Answer) {
        let other = if origin.contains("://app.") {
            self.origin("admin.example.com")
        } else {
            self.origin("app.example.com")
        };
        let error = c.status >= 400;
        c.resp_headers.push(("Vary", "Origin".into()));
        match a {
            Answer::Echo => {
                c.resp_headers
                    .push(("Access-Control-Allow-Origin", origin.into()));
                if c.credentialed {
                    c.resp_headers
                        .push(("Access-Control-Allow-Credentials", "true".into()));
                }
            }
            Answer::Star => {
                c.resp_headers
                    .push(("Access-Control-Allow-Origin", "*".into()));
                if c.credentialed {
                    c.blocks = Some("wildcard-with-credentials");
                }
            }
            Answer::Missing => {
                c.blocks = Some(if error {
                    "missing-allow-origin-on-error"
                } else {
                    "missing-allow-origin"
                });
            }
            Answer::Mismatch => {
                c.resp_headers.push(("Access-Control-Allow-Origin", other));
                c.blocks = Some("allow-origin-mismatch");
            }
            Answer::Multiple => {
                c.resp_headers
                    .push(("Access-Control-Allow-Origin", origin.into()));
                c.resp_headers.push(("Access-Control-Allow-Origin", other));
                c.blocks = Some("multiple-allow-origin");
            }
            Answer::NoCredentials => {
                c.resp_headers
                    .push(("Access-Control-Allow-Origin", origin.into()));
                c.blocks = Some("allow-credentials-missing");
            }
        }
        let _ = rng;
    }

    /// A preflight, then (when the preflight passes) the real request.
    fn preflighted(&mut self, rng: &mut Rng, host: Host, page: &str, out: &mut Vec<Call>) {
        let origin = self.origin(page);
        let credentialed = rng.chance(0.3);
        // How the preflight is answered: ok, 405, 401, no ACAO, method not allowed, header
        // not allowed, two ACAO lines.
        let verdict = rng.weighted(&[80, 4, 3, 3, 4, 4, 2]);
        let method = if verdict == 4 {
            // POST is a CORS-safelisted method: it is never refused by Access-Control-Allow-Methods.
            *rng.pick(&PREFLIGHT_METHODS[..3])
        } else {
            *rng.pick(&PREFLIGHT_METHODS)
        };
        let id = self.id(rng);
        let path = format!("/v1/items/{id}");
        // Non-safelisted request headers, sorted as Chrome lists them in ACRH.
        let json = method != "DELETE";
        let auth = verdict == 5 || rng.chance(0.5);
        let rid = rng.chance(0.3);
        let csrf = rng.chance(0.2);
        let mut acrh: Vec<&str> = Vec::new();
        if auth {
            acrh.push("authorization");
        }
        if json {
            acrh.push("content-type");
        }
        if csrf {
            acrh.push("x-csrf-token");
        }
        if rid {
            acrh.push("x-request-id");
        }

        let mut p = Self::base(Kind::Preflight, "OPTIONS", host, path.clone());
        p.origin = Some(origin.clone());
        p.resource_type = "preflight";
        p.credentialed = credentialed;
        p.req_headers.push(("Connection", "keep-alive".into()));
        p.req_headers.push(("Accept", "*/*".into()));
        p.req_headers
            .push(("Access-Control-Request-Method", method.into()));
        if !acrh.is_empty() {
            p.req_headers
                .push(("Access-Control-Request-Headers", acrh.join(",")));
        }
        p.req_headers.push(("Origin", origin.clone()));
        p.req_headers.push(("User-Agent", USER_AGENT.into()));
        p.req_headers.push(("Sec-Fetch-Mode", "cors".into()));
        p.req_headers.push(("Sec-Fetch-Site", "cross-site".into()));
        p.req_headers.push(("Sec-Fetch-Dest", "empty".into()));
        p.req_headers.push(("Referer", format!("{origin}/")));
        p.req_headers
            .push(("Accept-Encoding", "gzip, deflate, br".into()));
        p.req_headers
            .push(("Accept-Language", "en-US,en;q=0.9".into()));
        self.common_response(rng, &mut p);
        let ok_acao = |p: &mut Call| {
            p.resp_headers
                .push(("Access-Control-Allow-Origin", origin.clone()));
            if credentialed {
                p.resp_headers
                    .push(("Access-Control-Allow-Credentials", "true".into()));
            }
        };
        if verdict == 1 || verdict == 2 {
            (p.status, p.reason) = if verdict == 1 {
                (405, "Method Not Allowed")
            } else {
                (401, "Unauthorized")
            };
            p.resp_mime = "application/json";
            p.resp_body = self.pools.json(80);
            if verdict == 1 {
                p.resp_headers.push(("Allow", "GET, HEAD".into()));
            }
            p.blocks = Some(if verdict == 1 {
                "preflight-status-405"
            } else {
                "preflight-status-401-403"
            });
        } else {
            (p.status, p.reason) = if rng.chance(0.7) {
                (204, "No Content")
            } else {
                (200, "OK")
            };
            p.resp_headers.push((
                "Vary",
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers".into(),
            ));
            match verdict {
                3 => p.blocks = Some("preflight-missing-allow-origin"),
                6 => {
                    ok_acao(&mut p);
                    p.resp_headers.push((
                        "Access-Control-Allow-Origin",
                        self.origin("app.example.net"),
                    ));
                    p.blocks = Some("preflight-multiple-allow-origin");
                }
                _ => ok_acao(&mut p),
            }
            let methods = if verdict == 4 {
                "GET, POST"
            } else {
                ALLOW_METHODS
            };
            p.resp_headers
                .push(("Access-Control-Allow-Methods", methods.into()));
            let headers = if verdict == 5 {
                "content-type, x-request-id, x-csrf-token"
            } else {
                ALLOW_HEADERS
            };
            p.resp_headers
                .push(("Access-Control-Allow-Headers", headers.into()));
            p.resp_headers.push((
                "Access-Control-Max-Age",
                (*rng.pick(&["600", "7200", "86400"])).into(),
            ));
            if verdict == 4 {
                p.blocks = Some("method-not-allowed");
            } else if verdict == 5 {
                p.blocks = Some("header-not-allowed");
            }
        }
        let preflight_failed = p.blocks.is_some();
        out.push(p);

        let mut c = Self::base(Kind::Cors, method, host, path);
        c.origin = Some(origin.clone());
        c.resource_type = "fetch";
        c.credentialed = credentialed;
        c.sent = !preflight_failed;
        self.cors_request_headers(rng, &mut c, &origin, page);
        if auth {
            c.req_headers.push((
                "Authorization",
                format!("Bearer eyJhbGciOiJIUzI1NiJ9.{:016x}", rng.next_u64()),
            ));
        }
        if csrf {
            c.req_headers
                .push(("X-CSRF-Token", format!("{:012x}", rng.next_u64() >> 16)));
        }
        if rid {
            c.req_headers.push((
                "X-Request-Id",
                format!("{:08x}-{:04x}", rng.next_u32(), rng.below(65536)),
            ));
        }
        if json {
            c.req_mime = "application/json";
            c.req_body = self.pools.json(rng.log_size(40, 4_000) as usize);
        }
        self.common_response(rng, &mut c);
        match method {
            "DELETE" => (c.status, c.reason) = (204, "No Content"),
            "POST" => {
                (c.status, c.reason) = (201, "Created");
                c.resp_headers.push(("Location", c.path.clone()));
            }
            _ => {}
        }
        if c.status != 204 {
            c.resp_mime = "application/json";
            c.resp_body = self.pools.json(rng.log_size(40, 20_000) as usize);
        }
        let a = pick_answer(rng, credentialed, 6);
        self.answer(rng, &mut c, &origin, a);
        if preflight_failed {
            // The browser never sent it: whatever the server would have said is moot.
            c.blocks = None;
        }
        out.push(c);
    }
}

/// An answer to an actual response, broken in about `broken` percent of cases.
fn pick_answer(rng: &mut Rng, credentialed: bool, broken: u32) -> Answer {
    let ok = 100 - broken;
    let star = if credentialed { 0 } else { ok / 4 };
    let weights = [
        ok - star,
        star + if credentialed { broken * 2 / 10 } else { 0 },
        broken * 4 / 10,
        broken * 2 / 10,
        broken / 10,
        if credentialed { broken / 10 } else { 0 },
    ];
    [
        Answer::Echo,
        Answer::Star,
        Answer::Missing,
        Answer::Mismatch,
        Answer::Multiple,
        Answer::NoCredentials,
    ][rng.weighted(&weights)]
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
