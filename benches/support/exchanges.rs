//! Exchanges and report records built straight from the generator's plan, as a HAR reader
//! would produce them from the entries `capture_gen::har` writes: for benches of the stages
//! after the reader, when the reader is not there to produce them.

use corscope::model::{
    Assessment, CauseId, EntryIndex, Evidence, EvidenceSource, Exchange, ExchangeId, ExchangeKind,
    Failure, Finding, HeaderList, Initiator, Location, Request, Response, Timestamp, Verdict,
};
use corscope::report::Record;

use super::capture_gen::rng::Rng;
use super::capture_gen::scenario::{Call, Kind, Planner, HOSTS, ORIGINS};
use super::capture_gen::{Config, Format, Mix, Truth};

/// At least `count` exchanges of a generated browsing session and their truth.
pub fn planned(count: usize, seed: u64) -> (Vec<Exchange>, Truth) {
    let mut rng = Rng::new(seed);
    let mut planner = Planner::new("https", Mix::Browser, &mut rng);
    let mut truth = Truth::new(&Config {
        size: 0,
        format: Format::Har,
        seed,
        mix: Mix::Browser,
    });
    let mut out = Vec::with_capacity(count + 2);
    let mut calls = Vec::new();
    let start = Timestamp::from_parts(1_715_682_067, 0);
    while out.len() < count {
        calls.clear();
        let host = HOSTS[rng.below(6) as usize];
        let page = ORIGINS[rng.below(3) as usize];
        planner.action(&mut rng, host, page, &mut calls);
        for call in &calls {
            truth.count_call(call);
            if call.sent {
                truth.count_response(call);
            }
            let at = start.plus_millis(out.len() as f64 * 7.0);
            out.push(exchange(call, out.len() as u64, at, page));
        }
    }
    truth.har.entries = out.len() as u64;
    (out, truth)
}

fn exchange(call: &Call, index: u64, at: Timestamp, page: &str) -> Exchange {
    let host = call.host.authority.trim_end_matches(":8080");
    let url = format!("https://{host}{}", call.path);
    let mut headers = HeaderList::new();
    headers.push("Host", call.host.authority);
    for (n, v) in &call.req_headers {
        if call.sent
            || !matches!(
                *n,
                "Origin" | "Cookie" | "Sec-Fetch-Mode" | "Sec-Fetch-Site" | "Sec-Fetch-Dest"
            )
        {
            headers.push(*n, v.as_bytes());
        }
    }
    let mut ex = Exchange::new(
        Location::Entry(EntryIndex(index)),
        Request {
            method: call.method.into(),
            url: url.clone(),
            http_version: call.sent.then(|| "http/1.1".into()),
            headers,
            cookies_recorded: call.credentialed && call.sent,
            headers_provisional: !call.sent,
            reached_network: (!call.sent).then_some(false),
            body_size: Some(call.req_body.len as u64),
        },
    );
    if call.sent {
        let mut headers = HeaderList::new();
        for (n, v) in &call.resp_headers {
            headers.push(*n, v.as_bytes());
        }
        ex.response = Some(Response {
            status: call.status,
            status_text: call.reason.into(),
            http_version: Some("http/1.1".into()),
            headers,
            from_cache: None,
            body_size: Some(call.resp_body.len as u64),
        });
    }
    if !call.sent || (call.blocks.is_some() && call.kind != Kind::Preflight) {
        ex.failure = Some(Failure::from_text("net::ERR_FAILED"));
    }
    ex.timing.started = Some(at);
    ex.recorder.resource_type = Some(call.resource_type.into());
    ex.recorder.page_url = Some(format!("https://{page}/dashboard/1000"));
    if call.kind == Kind::Preflight {
        ex.recorder.initiator = Some(Initiator {
            kind: "preflight".into(),
            url: Some(url),
            request_id: Some(format!("31440.{}", index + 1)),
        });
    }
    ex
}

/// Report records for `exchanges`, judged by the causes they were generated with: what the
/// engine would hand the renderers, without running the engine.
pub fn records(count: usize, seed: u64) -> Vec<Record> {
    let mut rng = Rng::new(seed);
    let mut planner = Planner::new("https", Mix::Browser, &mut rng);
    let mut calls = Vec::new();
    let mut out = Vec::with_capacity(count + 2);
    let start = Timestamp::from_parts(1_715_682_067, 0);
    while out.len() < count {
        calls.clear();
        let host = HOSTS[rng.below(6) as usize];
        let page = ORIGINS[rng.below(3) as usize];
        planner.action(&mut rng, host, page, &mut calls);
        for call in &calls {
            let seq = out.len() as u64;
            let ex = exchange(call, seq, start.plus_millis(seq as f64 * 7.0), page);
            let kind = match call.kind {
                Kind::Preflight => ExchangeKind::Preflight,
                Kind::Cors => ExchangeKind::Cors,
                Kind::NotCors => ExchangeKind::NotCors,
            };
            let causes: Vec<Finding> = call
                .blocks
                .and_then(CauseId::find)
                .map(|cause| Finding {
                    cause,
                    chromium: cause.info().chromium,
                    firefox: cause.info().firefox,
                    failed_parameter: None,
                    message: format!(
                        "Access to fetch at '{}' from origin '{}' has been blocked by CORS policy ({})",
                        ex.request.url,
                        call.origin.as_deref().unwrap_or("null"),
                        cause.info().name
                    ),
                    fix: "Send Access-Control-Allow-Origin with the request's origin.".into(),
                    if_credentialed: false,
                    latent: false,
                    evidence: vec![Evidence {
                        source: EvidenceSource::Response,
                        exchange: ExchangeId(seq),
                        header: Some("Access-Control-Allow-Origin".into()),
                        values: ex
                            .response
                            .iter()
                            .flat_map(|r| r.headers.get_all("access-control-allow-origin"))
                            .map(|h| h.value_str().into_owned())
                            .collect(),
                        primary: true,
                        note: "the response's allowed origin".into(),
                    }],
                    stack_fix: None,
                })
                .into_iter()
                .collect();
            let verdict = if !causes.is_empty() {
                Verdict::Blocked
            } else if kind == ExchangeKind::NotCors {
                Verdict::NotApplicable
            } else if !call.sent {
                Verdict::Blocked
            } else {
                Verdict::Allowed
            };
            let a = Assessment {
                id: ExchangeId(seq),
                exchange: ex,
                kind,
                origin: call.origin.clone(),
                page_origin: None,
                sent: call.sent,
                preflight: None,
                preflight_cached_from: None,
                verdict,
                causes,
                warnings: Vec::new(),
                note: None,
                unsafe_names: None,
            };
            out.push(Record::from_assessment(0, a));
        }
    }
    out
}
