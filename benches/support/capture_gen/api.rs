//! The small-API-call mix: traffic of a single-page application talking to JSON APIs, as
//! production API traffic looks on the wire. About 4 KB per exchange, 55% of exchanges
//! cross-origin (preflights included), 20% preflights, a credentialed share, small JSON
//! bodies; the rest are same-origin calls to the page's own API (no `Origin`).
//!
//! Shares are per user action: a preflighted action makes two exchanges (one when its
//! preflight fails and the request is never sent), the others one.

use super::rng::Rng;
use super::scenario::{Call, Host, Kind, Planner, HOSTS, USER_AGENT};

/// Which traffic a capture holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mix {
    /// Page loads: documents, assets (bodies up to 100 KB), API calls; ~9 KB per exchange.
    #[default]
    Browser,
    /// Small JSON API calls, ~4 KB per exchange, most of them cross-origin.
    Api,
}

impl Mix {
    /// Parses `browser` or `api`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "browser" => Some(Mix::Browser),
            "api" => Some(Mix::Api),
            _ => None,
        }
    }

    /// The name `parse` reads.
    pub fn name(self) -> &'static str {
        match self {
            Mix::Browser => "browser",
            Mix::Api => "api",
        }
    }

    /// The size of a JSON body drawn log-uniformly from `lo..hi`: in the API mix from
    /// `API_BODY_MIN..API_BODY_MAX` whatever the call, so bodies are small and alike.
    pub fn json_size(self, rng: &mut Rng, lo: u64, hi: u64) -> usize {
        match self {
            Mix::Browser => rng.log_size(lo, hi) as usize,
            Mix::Api => rng.log_size(API_BODY_MIN, API_BODY_MAX) as usize,
        }
    }
}

/// Smallest JSON body of the API mix.
const API_BODY_MIN: u64 = 400;
/// Largest JSON body of the API mix.
const API_BODY_MAX: u64 = 12_000;

/// The page's own host in the API mix: it serves the same-origin calls.
pub fn page_host() -> Host {
    HOSTS.iter().copied().find(|h| h.page).unwrap_or(HOSTS[0])
}

/// The server of the next connection (pcap) or action (HAR) in the API mix: the page's own
/// host for ~56% of actions (same-origin calls), else one of the API hosts.
pub fn pick_host(rng: &mut Rng) -> Host {
    if rng.chance(0.56) {
        page_host()
    } else {
        let apis: Vec<Host> = HOSTS.iter().copied().filter(|h| h.api).collect();
        *rng.pick(&apis)
    }
}

impl Planner {
    /// One action of the API mix against `host` from the page at `page`.
    pub fn api_action(&mut self, rng: &mut Rng, host: Host, page: &str, out: &mut Vec<Call>) {
        if !host.api {
            self.same_origin_call(rng, host, out);
        } else if rng.weighted(&[57, 43]) == 0 {
            self.preflighted(rng, host, page, out);
        } else {
            self.simple(rng, host, page, out);
        }
    }

    /// A call of the page to its own API: `fetch` without `Origin` (a same-origin `GET`).
    fn same_origin_call(&mut self, rng: &mut Rng, host: Host, out: &mut Vec<Call>) {
        let id = self.id(rng);
        let mut c = Self::base(
            Kind::NotCors,
            "GET",
            host,
            format!("/api/v2/orders/{id}?fields=summary"),
        );
        c.resource_type = "fetch";
        c.credentialed = true;
        c.req_headers.push(("Connection", "keep-alive".into()));
        c.req_headers.push(("User-Agent", USER_AGENT.into()));
        c.req_headers.push(("Accept", "application/json".into()));
        c.req_headers.push(("Sec-Fetch-Site", "same-origin".into()));
        c.req_headers.push(("Sec-Fetch-Mode", "cors".into()));
        c.req_headers.push(("Sec-Fetch-Dest", "empty".into()));
        c.req_headers.push((
            "Referer",
            format!("{}/dashboard", self.origin(host.authority)),
        ));
        c.req_headers
            .push(("Accept-Encoding", "gzip, deflate, br".into()));
        c.req_headers
            .push(("Accept-Language", "en-US,en;q=0.9".into()));
        c.req_headers.push((
            "Cookie",
            format!("session={:016x}; theme=dark", rng.next_u64()),
        ));
        self.common_response(rng, &mut c);
        c.resp_mime = "application/json";
        c.resp_body = self.pools.json(self.mix.json_size(rng, 200, 6_000));
        c.resp_headers
            .push(("Cache-Control", "private, no-store".into()));
        out.push(c);
    }
}
