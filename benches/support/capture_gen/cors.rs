//! The CORS calls of the plan: simple CORS requests and preflighted ones, and the servers'
//! answers to them, right or broken on purpose (each breakage named by its corscope cause).

use super::body::BodyKind;
use super::rng::Rng;
use super::scenario::{Call, Host, Kind, Planner, USER_AGENT};

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
    pub(super) fn simple(&mut self, rng: &mut Rng, host: Host, page: &str, out: &mut Vec<Call>) {
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
                c.resp_body = self.pools.json(self.mix.json_size(rng, 40, 100_000));
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
    pub(super) fn preflighted(
        &mut self,
        rng: &mut Rng,
        host: Host,
        page: &str,
        out: &mut Vec<Call>,
    ) {
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
            c.req_body = self.pools.json(self.mix.json_size(rng, 40, 4_000));
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
            c.resp_body = self.pools.json(self.mix.json_size(rng, 40, 20_000));
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
