//! Checks the engine against real Chromium recordings when they are present: the DevTools HAR
//! of the samples run is turned into exchanges here (a minimal reader, test-only) and every
//! request's verdict and CorsError is compared with what Chromium itself reported
//! (`verdicts.json`). Skipped when the recordings are absent (`CORSCOPE_SAMPLES` names their
//! directory; default `../samples/samples/recordings`).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use corscope::cors::Engine;
use corscope::model::{
    Assessment, CacheSource, EntryIndex, Exchange, Failure, Initiator, Limits, Location, Request,
    Response, Timestamp, Verdict,
};
use serde_json::Value;

fn dir() -> Option<PathBuf> {
    let d = std::env::var("CORSCOPE_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/samples/recordings")
        });
    d.join("verdicts.json").exists().then_some(d)
}

/// `2026-11-28T04:10:37.176Z` → timestamp.
fn parse_time(s: &str) -> Option<Timestamp> {
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, dd) = (d.next()??, d.next()??, d.next()??);
    let time = time.trim_end_matches('Z');
    let mut t = time.split(':');
    let (h, mi) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let sec: f64 = t.next()?.parse().ok()?;
    // days from civil (Howard Hinnant)
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let ms = ((days * 86400 + h * 3600 + mi * 60) as f64 + sec) * 1000.0;
    Some(Timestamp::from_millis_f64(ms))
}

fn headers(v: &Value) -> corscope::model::HeaderList {
    let mut h = corscope::model::HeaderList::new();
    for x in v.as_array().into_iter().flatten() {
        h.push(
            x["name"].as_str().unwrap_or(""),
            x["value"].as_str().unwrap_or(""),
        );
    }
    h
}

fn read_har(path: &PathBuf) -> Vec<Exchange> {
    let har: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let pages: BTreeMap<String, String> = har["log"]["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or("").to_string(),
                p["title"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut out = Vec::new();
    for (i, e) in har["log"]["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let rq = &e["request"];
        let rs = &e["response"];
        let status = rs["status"].as_i64().unwrap_or(0);
        let request = Request {
            method: rq["method"].as_str().unwrap_or("").into(),
            url: rq["url"].as_str().unwrap_or("").into(),
            headers: headers(&rq["headers"]),
            cookies_recorded: rq["cookies"].as_array().is_some_and(|c| !c.is_empty()),
            headers_provisional: status <= 0,
            ..Request::default()
        };
        let mut ex = Exchange::new(Location::Entry(EntryIndex(i as u64)), request);
        if status > 0 {
            ex.response = Some(Response {
                status: status as u16,
                status_text: rs["statusText"].as_str().unwrap_or("").into(),
                headers: headers(&rs["headers"]),
                from_cache: match e["_fromCache"].as_str() {
                    Some("memory") => Some(CacheSource::Memory),
                    Some("disk") => Some(CacheSource::Disk),
                    _ => None,
                },
                ..Response::default()
            });
        }
        ex.failure = rs["_error"].as_str().map(Failure::from_text);
        ex.timing.started = e["startedDateTime"].as_str().and_then(parse_time);
        ex.recorder.resource_type = e["_resourceType"].as_str().map(str::to_string);
        ex.recorder.initiator = e["_initiator"].as_object().map(|o| Initiator {
            kind: o.get("type").and_then(Value::as_str).unwrap_or("").into(),
            url: o.get("url").and_then(Value::as_str).map(str::to_string),
            request_id: None,
        });
        ex.recorder.page_url = e["pageref"].as_str().and_then(|p| pages.get(p)).cloned();
        ex.endpoints.server_ip = e["serverIPAddress"]
            .as_str()
            .and_then(|s| s.trim_matches(['[', ']']).parse().ok());
        out.push(ex);
    }
    out
}

fn run(exchanges: Vec<Exchange>) -> Vec<Assessment> {
    let mut engine = Engine::new(&Limits::default());
    let mut out = Vec::new();
    for e in exchanges {
        engine.push(e, &mut |a| out.push(a));
    }
    engine.finish(&mut |a| out.push(a));
    out
}

/// What one request ended as: blocked with a CorsError, or not.
type Outcome = Option<String>;

fn compare(har: &str) -> Vec<String> {
    let Some(d) = dir() else {
        eprintln!("samples not present, skipped");
        return Vec::new();
    };
    let verdicts: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("verdicts.json")).unwrap()).unwrap();
    // Chromium: per (method, url), the outcomes of the last hop of each request.
    let mut chromium: BTreeMap<(String, String), Vec<Outcome>> = BTreeMap::new();
    for r in verdicts["requests"].as_array().into_iter().flatten() {
        let method = r["method"].as_str().unwrap_or("").to_string();
        if method == "OPTIONS"
            || r["resource_type"].as_str() == Some("Document")
            || r["resource_type"].as_str() == Some("Other")
        {
            continue;
        }
        let err = r["cors_error"].as_str().map(str::to_string);
        chromium
            .entry((method, r["url"].as_str().unwrap_or("").to_string()))
            .or_default()
            .push(err);
    }
    let console: Vec<String> = verdicts["console"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["text"].as_str().map(str::to_string))
        .collect();
    let mut params: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in verdicts["requests"].as_array().into_iter().flatten() {
        if let Some(p) = r["failed_parameter"].as_str() {
            params
                .entry((
                    r["method"].as_str().unwrap_or("").into(),
                    r["url"].as_str().unwrap_or("").into(),
                ))
                .or_default()
                .push(p.into());
        }
    }
    let mut mismatches = Vec::new();
    let mut checked_messages = 0usize;
    let mut ours: BTreeMap<(String, String), Vec<(Outcome, String)>> = BTreeMap::new();
    for a in run(read_har(&d.join(har))) {
        let rq = &a.exchange.request;
        if rq.method == "OPTIONS" || a.id.0 >= corscope::cors::INFERRED_BASE {
            continue;
        }
        let err = (a.verdict == Verdict::Blocked).then(|| {
            a.primary_cause()
                .and_then(|f| f.cause.info().chromium)
                .unwrap_or("(net error)")
                .to_string()
        });
        let detail = format!(
            "{:?} {:?} {:?}",
            a.verdict,
            a.primary_cause().map(|f| f.cause.info().name),
            a.note
        );
        // Chromium reports a redirect to a non-HTTP(S) scheme on the hop that never reached the
        // network; the recording has only the redirect, where corscope reports it.
        let url = match (a.primary_cause(), a.exchange.response.as_ref()) {
            (Some(f), Some(r)) if f.cause == corscope::model::CauseId::RedirectDisallowedScheme => {
                r.headers
                    .first_str("location")
                    .unwrap_or_else(|| rq.url.clone())
            }
            _ => rq.url.clone(),
        };
        if let (Verdict::Blocked, Some(f)) = (a.verdict, a.primary_cause()) {
            if f.cause.info().chromium.is_some() && !console.contains(&f.message) {
                mismatches.push(format!("message not in Chromium's console: {}", f.message));
            }
            let want = params.get(&(rq.method.clone(), url.clone()));
            let got = f.failed_parameter.clone().unwrap_or_default();
            if want.is_some_and(|w| !w.contains(&got)) {
                mismatches.push(format!(
                    "{} {url}: failed_parameter {got:?}, Chromium {want:?}",
                    rq.method
                ));
            }
            checked_messages += 1;
        }
        ours.entry((rq.method.clone(), url))
            .or_default()
            .push((err, detail));
    }
    assert!(
        checked_messages > 40,
        "only {checked_messages} blocked requests checked"
    );
    for (key, theirs) in &chromium {
        let Some(mine) = ours.get(key) else { continue };
        let mut t: Vec<&Outcome> = theirs.iter().collect();
        let mut m: Vec<&Outcome> = mine.iter().map(|(o, _)| o).collect();
        t.sort();
        m.sort();
        if t != m {
            mismatches.push(format!(
                "{} {}: chromium {:?}, corscope {:?}",
                key.0, key.1, t, mine
            ));
        }
    }
    mismatches
}

/// Known differences, each explained: the recording cannot show them.
const KNOWN: &[&str] = &[
    // A cache hit that fails the CORS check leaves no trace in the HAR (status 0, provisional
    // headers, no _fromCache): indeterminate, never a wrong cause.
    "/s/cache-without-vary/",
];

#[test]
fn devtools_har_matches_chromium_verdicts() {
    let mismatches: Vec<String> = compare("chromium-devtools.har")
        .into_iter()
        .filter(|m| !KNOWN.iter().any(|k| m.contains(k)))
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn sanitized_devtools_har_matches_chromium_verdicts() {
    let mismatches: Vec<String> = compare("chromium-devtools-sanitized.har")
        .into_iter()
        .filter(|m| !KNOWN.iter().any(|k| m.contains(k)))
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
